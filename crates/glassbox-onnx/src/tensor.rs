//! Reading the values of a [`TensorProto`]: float32 or float64, stored inline (`float_data`,
//! `double_data`) or as little-endian `raw_data`.

use crate::proto::{DT_DOUBLE, DT_FLOAT, DT_INT32, DT_INT64, DT_UINT8, TensorProto};

/// Number of elements the tensor's `dims` declare, or an error for negative or overflowing dims.
fn declared_len(t: &TensorProto) -> Result<usize, String> {
    t.dims.iter().try_fold(1usize, |acc, &d| {
        usize::try_from(d)
            .ok()
            .and_then(|d| acc.checked_mul(d))
            .ok_or_else(|| format!("tensor '{}' has invalid dims {:?}", t.name, t.dims))
    })
}

/// Checks that the number of values read matches the dims (a scalar or 1-D tensor may omit dims).
fn check_len(t: &TensorProto, n: usize) -> Result<(), String> {
    if t.dims.is_empty() {
        return Ok(());
    }
    let want = declared_len(t)?;
    if want != n {
        return Err(format!(
            "tensor '{}' has dims {:?} ({want} values) but holds {n}",
            t.name, t.dims
        ));
    }
    Ok(())
}

/// Splits little-endian raw data into `N`-byte chunks, refusing a length that is not a multiple.
fn raw_chunks<const N: usize>(
    t: &TensorProto,
) -> Result<impl Iterator<Item = [u8; N]> + '_, String> {
    if !t.raw_data.len().is_multiple_of(N) {
        return Err(format!(
            "tensor '{}' has {} bytes of raw data, not a multiple of {N}",
            t.name,
            t.raw_data.len()
        ));
    }
    Ok(t.raw_data
        .chunks_exact(N)
        .map(|c| c.try_into().expect("chunks_exact gives N bytes")))
}

/// The values of a float32 or float64 tensor as f64 (float32 widened exactly), in row-major
/// order, length = the product of `dims`.
pub fn floats(t: &TensorProto) -> Result<Vec<f64>, String> {
    if t.data_location == 1 {
        return Err(format!(
            "tensor '{}' stores its data in an external file, which glassbox does not read",
            t.name
        ));
    }
    let v: Vec<f64> = match t.data_type {
        DT_FLOAT if !t.raw_data.is_empty() => raw_chunks::<4>(t)?
            .map(|b| f64::from(f32::from_le_bytes(b)))
            .collect(),
        DT_FLOAT => t.float_data.iter().map(|&x| f64::from(x)).collect(),
        DT_DOUBLE if !t.raw_data.is_empty() => {
            raw_chunks::<8>(t)?.map(f64::from_le_bytes).collect()
        }
        DT_DOUBLE => t.double_data.clone(),
        other => {
            return Err(format!(
                "tensor '{}' has element type {other}, expected float (1) or double (11)",
                t.name
            ));
        }
    };
    check_len(t, v.len())?;
    Ok(v)
}

/// The values of an integer tensor (uint8, int32 or int64; uint8 and int32 inline in
/// `int32_data` or as raw bytes), in row-major order.
pub fn ints(t: &TensorProto) -> Result<Vec<i64>, String> {
    let v: Vec<i64> = match t.data_type {
        DT_UINT8 if !t.raw_data.is_empty() => t.raw_data.iter().map(|&b| i64::from(b)).collect(),
        DT_UINT8 | DT_INT32 if t.raw_data.is_empty() => {
            t.int32_data.iter().map(|&x| i64::from(x)).collect()
        }
        DT_INT32 => raw_chunks::<4>(t)?
            .map(|b| i64::from(i32::from_le_bytes(b)))
            .collect(),
        DT_INT64 if !t.raw_data.is_empty() => raw_chunks::<8>(t)?.map(i64::from_le_bytes).collect(),
        DT_INT64 => t.int64_data.clone(),
        other => {
            return Err(format!(
                "tensor '{}' has element type {other}, expected an integer type (2, 6 or 7)",
                t.name
            ));
        }
    };
    check_len(t, v.len())?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor(data_type: i32, dims: Vec<i64>) -> TensorProto {
        TensorProto {
            data_type,
            dims,
            ..Default::default()
        }
    }

    #[test]
    fn reads_inline_and_raw_floats() {
        let mut t = tensor(DT_FLOAT, vec![2]);
        t.float_data = vec![0.1, -2.5];
        assert_eq!(floats(&t).unwrap(), vec![f64::from(0.1f32), -2.5]);
        t.float_data.clear();
        t.raw_data = [0.1f32.to_le_bytes(), (-2.5f32).to_le_bytes()].concat();
        assert_eq!(floats(&t).unwrap(), vec![f64::from(0.1f32), -2.5]);

        let mut d = tensor(DT_DOUBLE, vec![1, 2]);
        d.double_data = vec![0.1, 1e300];
        assert_eq!(floats(&d).unwrap(), vec![0.1, 1e300]);
        d.double_data.clear();
        d.raw_data = [0.1f64.to_le_bytes(), 1e300f64.to_le_bytes()].concat();
        assert_eq!(floats(&d).unwrap(), vec![0.1, 1e300]);
    }

    #[test]
    fn refuses_bad_tensors() {
        let mut t = tensor(DT_FLOAT, vec![3]);
        t.float_data = vec![1.0, 2.0];
        assert!(floats(&t).unwrap_err().contains("holds 2"));
        let mut t = tensor(DT_FLOAT, vec![]);
        t.raw_data = vec![0, 0, 0];
        assert!(floats(&t).unwrap_err().contains("multiple of 4"));
        assert!(
            floats(&tensor(7, vec![]))
                .unwrap_err()
                .contains("element type 7")
        );
        let mut t = tensor(DT_FLOAT, vec![i64::MAX, i64::MAX]);
        t.float_data = vec![1.0];
        assert!(floats(&t).is_err());
        let mut t = tensor(DT_FLOAT, vec![-1]);
        t.float_data = vec![1.0];
        assert!(floats(&t).is_err());
    }

    #[test]
    fn reads_ints() {
        let mut t = tensor(DT_INT64, vec![2]);
        t.raw_data = [5i64.to_le_bytes(), (-1i64).to_le_bytes()].concat();
        assert_eq!(ints(&t).unwrap(), vec![5, -1]);
        let mut t = tensor(DT_UINT8, vec![3]);
        t.int32_data = vec![0, 3, 1];
        assert_eq!(ints(&t).unwrap(), vec![0, 3, 1]);
        t.int32_data.clear();
        t.raw_data = vec![2, 0, 255];
        assert_eq!(ints(&t).unwrap(), vec![2, 0, 255]);
        assert!(ints(&tensor(DT_FLOAT, vec![])).is_err());
    }
}
