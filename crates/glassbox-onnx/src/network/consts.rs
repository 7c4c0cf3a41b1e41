//! Constant tensors of a network graph (initializers, `Constant` nodes) and the constant
//! folding of the shape arithmetic PyTorch's exporter writes around a `Reshape`: `x.view(
//! x.size(0), -1)` becomes `Shape → Gather → Unsqueeze → Concat → Reshape`, whose shape input
//! is a constant once the batch size is known to be "the batch".

use crate::attrs::Attrs;
use crate::proto::{DT_DOUBLE, DT_FLOAT, NodeProto, TensorProto};
use crate::tensor;

/// Stands for the batch size in folded shape arithmetic (`Shape` of the data tensor gives
/// `[BATCH, C, H, W]`). A `Reshape` whose target starts with it keeps the batch axis; any
/// arithmetic on it (it is far from every real size) leaves a target the importer refuses.
pub const BATCH: i64 = -(1 << 40);

/// The values of a constant tensor.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    /// Float32 or float64 values, widened to f64.
    Floats(Vec<f64>),
    /// Integer values (int64, int32, uint8 ...).
    Ints(Vec<i64>),
}

/// A constant tensor: its dims and row-major values.
#[derive(Clone, Debug, PartialEq)]
pub struct Const {
    /// Dims (empty for a scalar).
    pub dims: Vec<usize>,
    /// Values, `product(dims)` of them.
    pub values: Values,
}

impl Const {
    /// A 1-D integer constant.
    pub fn ints(v: Vec<i64>) -> Const {
        Const {
            dims: vec![v.len()],
            values: Values::Ints(v),
        }
    }

    /// Reads a tensor (float, double or integer).
    pub fn from_tensor(t: &TensorProto) -> Result<Const, String> {
        let dims = t
            .dims
            .iter()
            .map(|&d| {
                usize::try_from(d).map_err(|_| format!("tensor '{}' has dims {:?}", t.name, t.dims))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let values = match t.data_type {
            DT_FLOAT | DT_DOUBLE => Values::Floats(tensor::floats(t)?),
            _ => Values::Ints(tensor::ints(t)?),
        };
        Ok(Const { dims, values })
    }

    /// The values as f64 (integers converted).
    pub fn floats(&self) -> Vec<f64> {
        match &self.values {
            Values::Floats(v) => v.clone(),
            Values::Ints(v) => v.iter().map(|&x| x as f64).collect(),
        }
    }

    /// The values as integers; an error for float values.
    pub fn int_values(&self) -> Result<&[i64], String> {
        match &self.values {
            Values::Ints(v) => Ok(v),
            Values::Floats(_) => Err("expected an integer tensor, found floats".into()),
        }
    }
}

/// Evaluates `node` on constant `inputs` (one entry per node input; `None` for an empty
/// optional input); `Ok(None)` when the op is not one the folder knows.
pub fn fold(node: &NodeProto, inputs: &[Option<&Const>]) -> Result<Option<Const>, String> {
    let a = Attrs::new(node);
    let input = |i: usize| {
        inputs
            .get(i)
            .copied()
            .flatten()
            .ok_or_else(|| format!("input {i} is missing"))
    };
    let c = match node.op_type.as_str() {
        "Constant" => constant(&a)?,
        "Identity" | "Cast" => cast(input(0)?, a.int("to", 0)),
        "Gather" => gather(input(0)?, input(1)?, a.int("axis", 0))?,
        "Unsqueeze" | "Squeeze" => {
            let axes = match inputs.get(1).copied().flatten() {
                Some(c) => c.int_values()?.to_vec(),
                None => a.ints("axes").to_vec(),
            };
            squeeze(input(0)?, &axes, node.op_type == "Unsqueeze")?
        }
        "Concat" => concat(inputs, a.int("axis", 0))?,
        "Slice" => slice(inputs)?,
        _ => return Ok(None),
    };
    Ok(Some(c))
}

fn constant(a: &Attrs<'_>) -> Result<Const, String> {
    if let Some(t) = a.get("value").and_then(|v| v.t.as_ref()) {
        return Const::from_tensor(t);
    }
    if let Some(v) = a.get("value_ints") {
        return Ok(Const::ints(v.ints.clone()));
    }
    if let Some(v) = a.get("value_int") {
        return Ok(Const {
            dims: vec![],
            values: Values::Ints(vec![v.i]),
        });
    }
    if let Some(v) = a.get("value_floats") {
        return Ok(Const {
            dims: vec![v.floats.len()],
            values: Values::Floats(v.floats.iter().map(|&x| f64::from(x)).collect()),
        });
    }
    if let Some(v) = a.get("value_float") {
        return Ok(Const {
            dims: vec![],
            values: Values::Floats(vec![f64::from(v.f)]),
        });
    }
    Err("a Constant without a value, value_int(s) or value_float(s) attribute".into())
}

/// `Cast` to float/double makes floats, to an integer type integers; other casts keep values.
fn cast(c: &Const, to: i64) -> Const {
    let values = match (to as i32, &c.values) {
        (DT_FLOAT | DT_DOUBLE, _) => Values::Floats(c.floats()),
        (2..=7 | 12 | 13, Values::Floats(v)) => Values::Ints(v.iter().map(|&x| x as i64).collect()),
        (_, v) => v.clone(),
    };
    Const {
        dims: c.dims.clone(),
        values,
    }
}

/// `Gather` on a 1-D (or scalar-indexed) tensor along axis 0: what shape arithmetic uses.
fn gather(data: &Const, indices: &Const, axis: i64) -> Result<Const, String> {
    if data.dims.len() != 1 || axis != 0 {
        return Err(format!(
            "Gather folds 1-D constants along axis 0 only (data dims {:?}, axis {axis})",
            data.dims
        ));
    }
    let n = data.dims[0] as i64;
    let picked = indices
        .int_values()?
        .iter()
        .map(|&i| {
            let j = if i < 0 { i + n } else { i };
            usize::try_from(j)
                .ok()
                .filter(|&j| (j as i64) < n)
                .ok_or_else(|| format!("Gather index {i} out of range for {n} values"))
        })
        .collect::<Result<Vec<usize>, String>>()?;
    let values = match &data.values {
        Values::Ints(v) => Values::Ints(picked.iter().map(|&j| v[j]).collect()),
        Values::Floats(v) => Values::Floats(picked.iter().map(|&j| v[j]).collect()),
    };
    Ok(Const {
        dims: indices.dims.clone(),
        values,
    })
}

/// `Unsqueeze` / `Squeeze`: only the dims change.
fn squeeze(c: &Const, axes: &[i64], insert: bool) -> Result<Const, String> {
    let mut dims = c.dims.clone();
    if insert {
        let rank = (dims.len() + axes.len()) as i64;
        let mut axes: Vec<usize> = axes
            .iter()
            .map(|&a| usize::try_from(if a < 0 { a + rank } else { a }))
            .collect::<Result<_, _>>()
            .map_err(|_| format!("Unsqueeze axes {axes:?} out of range"))?;
        axes.sort_unstable();
        for a in axes {
            if a > dims.len() {
                return Err(format!("Unsqueeze axis {a} out of range"));
            }
            dims.insert(a, 1);
        }
    } else if axes.is_empty() {
        dims.retain(|&d| d != 1);
    } else {
        let rank = dims.len() as i64;
        let mut keep = vec![true; dims.len()];
        for &a in axes {
            let j = if a < 0 { a + rank } else { a };
            match usize::try_from(j)
                .ok()
                .filter(|&j| j < dims.len() && dims[j] == 1)
            {
                Some(j) => keep[j] = false,
                None => return Err(format!("Squeeze axis {a} is not a unit axis of {dims:?}")),
            }
        }
        dims = dims
            .into_iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|(d, _)| d)
            .collect();
    }
    Ok(Const {
        dims,
        values: c.values.clone(),
    })
}

/// `Concat` of 1-D (or scalar) constants.
fn concat(inputs: &[Option<&Const>], axis: i64) -> Result<Const, String> {
    let parts: Vec<&Const> = inputs.iter().copied().flatten().collect();
    if axis != 0 && axis != -1 || parts.iter().any(|c| c.dims.len() > 1) {
        return Err("Concat folds 1-D constants only".into());
    }
    if parts.iter().all(|c| matches!(c.values, Values::Ints(_))) {
        let v: Vec<i64> = parts
            .iter()
            .flat_map(|c| c.int_values().map(<[i64]>::to_vec).unwrap_or_default())
            .collect();
        Ok(Const::ints(v))
    } else {
        let v: Vec<f64> = parts.iter().flat_map(|c| c.floats()).collect();
        Ok(Const {
            dims: vec![v.len()],
            values: Values::Floats(v),
        })
    }
}

/// `Slice` (opset 10+: starts, ends, axes, steps as inputs) of a 1-D integer constant.
fn slice(inputs: &[Option<&Const>]) -> Result<Const, String> {
    let get = |i: usize| inputs.get(i).copied().flatten();
    let data = get(0).ok_or("Slice without data")?;
    let v = data.int_values()?;
    if data.dims.len() != 1 {
        return Err("Slice folds 1-D constants only".into());
    }
    let one = |i: usize, default: i64| -> Result<i64, String> {
        match get(i) {
            None => Ok(default),
            Some(c) => match c.int_values()? {
                [x] => Ok(*x),
                other => Err(format!(
                    "Slice of a 1-D constant takes one value, got {other:?}"
                )),
            },
        }
    };
    let n = v.len() as i64;
    let (start, end, step) = (one(1, 0)?, one(2, n)?, one(4, 1)?);
    if step != 1 || one(3, 0)? != 0 {
        return Err("Slice folds axis 0 with step 1 only".into());
    }
    let clamp = |x: i64| (if x < 0 { x + n } else { x }).clamp(0, n) as usize;
    let (s, e) = (clamp(start), clamp(end));
    Ok(Const::ints(v[s..e.max(s)].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(op: &str) -> NodeProto {
        NodeProto {
            op_type: op.into(),
            ..Default::default()
        }
    }

    #[test]
    fn folds_pytorchs_view_chain() {
        // Shape(x) = [BATCH, 8, 4, 4]; Gather(0) → BATCH; Unsqueeze → [BATCH];
        // Concat([BATCH], [-1]) → [BATCH, -1].
        let shape = Const::ints(vec![BATCH, 8, 4, 4]);
        let zero = Const {
            dims: vec![],
            values: Values::Ints(vec![0]),
        };
        let n = fold(&node("Gather"), &[Some(&shape), Some(&zero)])
            .unwrap()
            .unwrap();
        assert_eq!(n.dims, Vec::<usize>::new());
        let axes = Const::ints(vec![0]);
        let n1 = fold(&node("Unsqueeze"), &[Some(&n), Some(&axes)])
            .unwrap()
            .unwrap();
        assert_eq!(n1, Const::ints(vec![BATCH]));
        let minus = Const::ints(vec![-1]);
        let target = fold(&node("Concat"), &[Some(&n1), Some(&minus)])
            .unwrap()
            .unwrap();
        assert_eq!(target, Const::ints(vec![BATCH, -1]));
        let tail = fold(
            &node("Slice"),
            &[
                Some(&shape),
                Some(&Const::ints(vec![1])),
                Some(&Const::ints(vec![i64::MAX])),
            ],
        )
        .unwrap()
        .unwrap();
        assert_eq!(tail, Const::ints(vec![8, 4, 4]));
        assert!(fold(&node("Relu"), &[Some(&shape)]).unwrap().is_none());
        assert!(
            fold(
                &node("Gather"),
                &[Some(&shape), Some(&Const::ints(vec![4]))]
            )
            .is_err()
        );
    }
}
