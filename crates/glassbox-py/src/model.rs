//! `glassbox._native.Model`: a [`glassbox::Model`] for Python, with its constructors from
//! objects in memory and its pickled form.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use glassbox::Model;
use glassbox::core::Predict;
use glassbox::core::link::Link;
use glassbox::core::ndarray::Array2;
use glassbox::core::tree::{LEAF, Missing, SplitCondition, Tree, TreeEnsemble};
use glassbox::model::{LoadOptions, ModelFormat};
use glassbox::models::gbdt::{BoostedFormat, parse_boosted};
use glassbox::models::nn::Mlp;
use glassbox::models::saved::{MlpNetwork, ModelPayload, SavedModel};
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use serde::{Deserialize, Serialize};

use crate::arrays;
use crate::callable::PyPredictor;
use crate::errors::{Failure, value_error};
use crate::threads;

/// What a model is rebuilt from when it is unpickled.
enum Origin {
    /// Trees built from arrays: the ensemble itself (JSON) is the pickled form.
    Trees,
    /// A booster's own bytes (XGBoost JSON, LightGBM text), parsed again on unpickling.
    Booster {
        bytes: Arc<Vec<u8>>,
        format: BoostedFormat,
    },
    /// A glassbox forest or MLP: its model record, and an MLP's architecture and weights.
    Saved,
    /// Anything else loaded from a path (a CNN run): the path.
    Path(PathBuf),
    /// A Python callable: pickled by Python with its sizes and names.
    Callable {
        f: Py<PyAny>,
        predictor: Arc<PyPredictor>,
    },
}

/// A loaded model (glassbox forest or MLP, XGBoost or LightGBM booster, a tree ensemble built
/// from another library's arrays, or a Python callable), as the explainers take it.
#[pyclass(module = "glassbox._native", name = "Model", frozen)]
pub struct PyModel {
    pub(crate) model: Model,
    origin: Origin,
}

/// The pickled form of an in-memory tree ensemble.
#[derive(Serialize, Deserialize)]
struct TreesState {
    ensemble: TreeEnsemble,
    link: String,
}

/// The pickled form of a glassbox model: its record, and an MLP's two files.
#[derive(Serialize, Deserialize)]
struct SavedState {
    saved: SavedModel,
    mlp_architecture: Option<String>,
    #[serde(with = "serde_bytes_as_vec")]
    mlp_weights: Vec<u8>,
}

/// Weights as a plain byte list inside the JSON state (serde's default for `Vec<u8>`).
mod serde_bytes_as_vec {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        Vec::<u8>::deserialize(d)
    }
}

pub(crate) fn parse_link(link: &str) -> PyResult<Link> {
    match link {
        "identity" => Ok(Link::Identity),
        "logistic" => Ok(Link::Logistic),
        "softmax" => Ok(Link::Softmax),
        other => Err(value_error(format!(
            "link '{other}' is not one of: identity, logistic, softmax"
        ))),
    }
}

fn link_name(link: Link) -> &'static str {
    match link {
        Link::Identity => "identity",
        Link::Logistic => "logistic",
        Link::Softmax => "softmax",
    }
}

fn parse_format(format: Option<&str>) -> PyResult<Option<BoostedFormat>> {
    match format {
        None | Some("auto") => Ok(None),
        Some("xgboost") => Ok(Some(BoostedFormat::XgboostJson)),
        Some("lightgbm") => Ok(Some(BoostedFormat::LightgbmText)),
        Some(other) => Err(value_error(format!(
            "format '{other}' is not one of: auto, xgboost, lightgbm"
        ))),
    }
}

/// One tree from its node arrays (see [`PyModel::from_trees`]).
fn tree_from_arrays(t: usize, arrays: &Bound<'_, PyTuple>) -> PyResult<Tree> {
    if arrays.len() != 7 {
        return Err(value_error(format!(
            "tree {t}: expected 7 arrays (left, right, feature, threshold, default_left, cover, \
             value), got {}",
            arrays.len()
        )));
    }
    let ints = |i: usize| -> PyResult<Vec<i64>> {
        Ok(arrays
            .get_item(i)?
            .extract::<PyReadonlyArray1<'_, i64>>()?
            .as_array()
            .to_vec())
    };
    let floats = |i: usize| -> PyResult<Vec<f64>> {
        Ok(arrays
            .get_item(i)?
            .extract::<PyReadonlyArray1<'_, f64>>()?
            .as_array()
            .to_vec())
    };
    let (left, right, feature) = (ints(0)?, ints(1)?, ints(2)?);
    let threshold = floats(3)?;
    let default_left: Vec<bool> = arrays
        .get_item(4)?
        .extract::<PyReadonlyArray1<'_, bool>>()?
        .as_array()
        .to_vec();
    let (cover, value) = (floats(5)?, floats(6)?);
    let n = left.len();
    for (name, len) in [
        ("right", right.len()),
        ("feature", feature.len()),
        ("threshold", threshold.len()),
        ("default_left", default_left.len()),
        ("cover", cover.len()),
        ("value", value.len()),
    ] {
        if len != n {
            return Err(value_error(format!(
                "tree {t}: '{name}' has {len} entries but 'left' has {n}"
            )));
        }
    }
    let child = |node: usize, c: i64| -> PyResult<u32> {
        match c {
            -1 => Ok(LEAF),
            c if c >= 0 && (c as usize) < n => Ok(c as u32),
            c => Err(value_error(format!(
                "tree {t}, node {node}: child {c} is outside 0..{n} (-1 marks a leaf)"
            ))),
        }
    };
    let mut tree = Tree {
        left: Vec::with_capacity(n),
        right: Vec::with_capacity(n),
        feature: Vec::with_capacity(n),
        threshold,
        default_left,
        missing: vec![Missing::Default; n],
        cover,
        value,
    };
    for node in 0..n {
        let (l, r) = (child(node, left[node])?, child(node, right[node])?);
        let leaf = l == LEAF && r == LEAF;
        tree.left.push(l);
        tree.right.push(r);
        if leaf {
            tree.feature.push(0);
            tree.threshold[node] = 0.0;
        } else if feature[node] < 0 || feature[node] > u32::MAX as i64 {
            return Err(value_error(format!(
                "tree {t}, node {node}: split feature {} is negative",
                feature[node]
            )));
        } else {
            tree.feature.push(feature[node] as u32);
        }
    }
    Ok(tree)
}

#[pymethods]
impl PyModel {
    /// Builds a tree ensemble from per-tree node arrays.
    ///
    /// `trees`: one tuple per tree of 1-D numpy arrays indexed by node (node 0 is the root):
    /// `left`, `right` (int64 child indices, -1 at leaves), `feature` (int64), `threshold`
    /// (float64), `default_left` (bool: where NaN goes), `cover` (float64: training samples or
    /// hessian sum reaching the node), `value` (float64: the leaf output). Output `k` of a row
    /// is `base_offset[k] + sum of tree_weight[t] * leaf_t(row)` over trees with
    /// `tree_output[t] == k`. `split`: `"le"` (x <= threshold goes left) or `"lt"`. `link`:
    /// what maps the outputs to probabilities (`identity`, `logistic`, `softmax`).
    #[staticmethod]
    #[pyo3(signature = (trees, *, n_features, tree_output, tree_weight, base_offset, split = "le", link = "identity", feature_names = None))]
    #[allow(clippy::too_many_arguments)]
    fn from_trees(
        trees: Vec<Bound<'_, PyTuple>>,
        n_features: usize,
        tree_output: Vec<usize>,
        tree_weight: Vec<f64>,
        base_offset: Vec<f64>,
        split: &str,
        link: &str,
        feature_names: Option<Vec<String>>,
    ) -> PyResult<PyModel> {
        let split = match split {
            "le" => SplitCondition::LessOrEqual,
            "lt" => SplitCondition::Less,
            other => {
                return Err(value_error(format!(
                    "split '{other}' is not one of: le, lt"
                )));
            }
        };
        let trees = trees
            .iter()
            .enumerate()
            .map(|(t, a)| tree_from_arrays(t, a))
            .collect::<PyResult<Vec<Tree>>>()?;
        let ensemble = TreeEnsemble {
            trees,
            tree_output,
            tree_weight,
            n_outputs: base_offset.len(),
            base_offset,
            n_features,
            split,
            feature_names: None,
        };
        ensemble.validate().map_err(Failure::from)?;
        let model = Model::from_tree_ensemble(ensemble, feature_names, parse_link(link)?)
            .map_err(Failure::from)?;
        Ok(PyModel {
            model,
            origin: Origin::Trees,
        })
    }

    /// Parses a booster from its own bytes: XGBoost JSON (`Booster.save_raw("json")`) or
    /// LightGBM text (`Booster.model_to_string()`); `format`: `auto`, `xgboost`, `lightgbm`.
    /// `name` is used in error messages.
    #[staticmethod]
    #[pyo3(signature = (data, format = None, name = "<booster>"))]
    fn from_booster(data: &[u8], format: Option<&str>, name: &str) -> PyResult<PyModel> {
        let format = parse_format(format)?;
        let imported = parse_boosted(data, format, Path::new(name)).map_err(Failure::from)?;
        let format = imported.format;
        Ok(PyModel {
            model: Model::from_boosted(imported),
            origin: Origin::Booster {
                bytes: Arc::new(data.to_vec()),
                format,
            },
        })
    }

    /// Loads a model file or run folder: a `glassbox train` run folder or its `model.json`,
    /// an XGBoost JSON or LightGBM text file, an ONNX tree ensemble or network; `format`: `auto`,
    /// `glassbox`, `xgboost`, `lightgbm`, `cnn`, `onnx`.
    /// `cover_data`, rows (samples, features) in the model's feature order, recomputes the
    /// node covers of an ONNX tree ensemble (the training rows reaching each node), which
    /// path-dependent TreeSHAP needs and ONNX files do not carry; refused for other models.
    #[staticmethod]
    #[pyo3(signature = (path, format = None, cover_data = None))]
    fn load(
        path: PathBuf,
        format: Option<&str>,
        cover_data: Option<PyReadonlyArray2<'_, f64>>,
    ) -> PyResult<PyModel> {
        let format = match format {
            None | Some("auto") => ModelFormat::Auto,
            Some("glassbox") => ModelFormat::Glassbox,
            Some("xgboost") => ModelFormat::Xgboost,
            Some("lightgbm") => ModelFormat::Lightgbm,
            Some("cnn") => ModelFormat::Cnn,
            Some("onnx") => ModelFormat::Onnx,
            Some(f) => {
                return Err(value_error(format!(
                    "format '{f}' is not one of: auto, glassbox, xgboost, lightgbm, cnn, onnx"
                )));
            }
        };
        let model = Model::load_with(
            &path,
            &LoadOptions {
                format,
                ..LoadOptions::default()
            },
        )
        .map_err(Failure::from)?;
        let mut model = model;
        if let Some(rows) = cover_data {
            model
                .recompute_covers(rows.as_array())
                .map_err(Failure::from)?;
            // The covers live in the ensemble: it is what gets pickled.
            return Ok(PyModel {
                model,
                origin: Origin::Trees,
            });
        }
        let origin = if model.saved().is_some() {
            Origin::Saved
        } else if model.trees().is_some() && model.image().is_none() && model.onnx().is_none() {
            let bytes = std::fs::read(model.path().unwrap_or(&path))
                .map_err(|e| value_error(format!("{}: {e}", path.display())))?;
            let format = parse_format(Some(model.kind().trim_end_matches(" model")))?
                .unwrap_or(BoostedFormat::XgboostJson);
            Origin::Booster {
                bytes: Arc::new(bytes),
                format,
            }
        } else {
            Origin::Path(path)
        };
        Ok(PyModel { model, origin })
    }

    /// A model around a Python callable `f` that maps a float64 array of raw feature values,
    /// shape (rows, n_features), to a float64 array of outputs, shape (rows, n_outputs)
    /// (`glassbox.KernelExplainer` wraps the user's function so that it does). Only the
    /// model-agnostic methods apply. `link` says what the outputs are (`identity`: explained as
    /// they are).
    #[staticmethod]
    #[pyo3(signature = (f, n_features, n_outputs, feature_names = None, output_names = None, link = "identity"))]
    fn from_callable(
        py: Python<'_>,
        f: Py<PyAny>,
        n_features: usize,
        n_outputs: usize,
        feature_names: Option<Vec<String>>,
        output_names: Option<Vec<String>>,
        link: &str,
    ) -> PyResult<PyModel> {
        let predictor = Arc::new(PyPredictor::new(f.clone_ref(py), n_features, n_outputs));
        let model = Model::from_predictor(
            predictor.clone(),
            feature_names,
            output_names,
            parse_link(link)?,
        )
        .map_err(Failure::from)?;
        Ok(PyModel {
            model,
            origin: Origin::Callable { f, predictor },
        })
    }

    /// Rebuilds a model from its pickled state (see `__reduce__`).
    #[staticmethod]
    fn _from_state(kind: &str, state: &[u8]) -> PyResult<PyModel> {
        let bad =
            |e: serde_json::Error| value_error(format!("corrupt pickled glassbox model: {e}"));
        match kind {
            "trees" => {
                let s: TreesState = serde_json::from_slice(state).map_err(bad)?;
                let names = s.ensemble.feature_names.clone();
                let model = Model::from_tree_ensemble(s.ensemble, names, parse_link(&s.link)?)
                    .map_err(Failure::from)?;
                Ok(PyModel {
                    model,
                    origin: Origin::Trees,
                })
            }
            "saved" => {
                let s: SavedState = serde_json::from_slice(state).map_err(bad)?;
                let mut saved = s.saved;
                if let (ModelPayload::Mlp { network, .. }, Some(arch)) =
                    (&mut saved.model, s.mlp_architecture)
                {
                    let mlp = Mlp::from_bytes(
                        &s.mlp_weights,
                        Path::new("<pickled weights>"),
                        &arch,
                        Path::new("<pickled architecture>"),
                    )
                    .map_err(Failure::from)?;
                    *network = Some(MlpNetwork(Arc::new(mlp)));
                }
                Ok(PyModel {
                    model: Model::from_saved(saved),
                    origin: Origin::Saved,
                })
            }
            "path" => PyModel::load(
                PathBuf::from(String::from_utf8_lossy(state).as_ref()),
                None,
                None,
            ),
            other => Err(value_error(format!(
                "unknown pickled glassbox model kind '{other}'"
            ))),
        }
    }

    /// Pickles the model as bytes: the trees, the booster's own bytes, or the glassbox model
    /// record (with an MLP's weights); a callable model pickles its callable.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let this = slf.get();
        let cls = py.get_type::<PyModel>();
        let state = |kind: &str, bytes: Vec<u8>| -> PyResult<Bound<'py, PyTuple>> {
            let f = cls.getattr("_from_state")?;
            let args = (kind, PyBytes::new(py, &bytes));
            PyTuple::new(py, [f.into_any(), args.into_pyobject(py)?.into_any()])
        };
        match &this.origin {
            Origin::Trees => {
                let s = TreesState {
                    ensemble: this
                        .model
                        .trees()
                        .cloned()
                        .ok_or_else(|| value_error("no trees"))?,
                    link: link_name(this.model.link()).into(),
                };
                let mut s = s;
                s.ensemble.feature_names = this.model.feature_names().map(<[String]>::to_vec);
                state(
                    "trees",
                    serde_json::to_vec(&s).map_err(|e| value_error(e.to_string()))?,
                )
            }
            Origin::Booster { bytes, format } => {
                let f = cls.getattr("from_booster")?;
                let fmt = match format {
                    BoostedFormat::XgboostJson => "xgboost",
                    BoostedFormat::LightgbmText => "lightgbm",
                };
                let args = (PyBytes::new(py, bytes), fmt, this.model.label());
                PyTuple::new(py, [f.into_any(), args.into_pyobject(py)?.into_any()])
            }
            Origin::Saved => {
                let saved = this
                    .model
                    .saved()
                    .ok_or_else(|| value_error("no model record"))?;
                let net = this.model.network();
                let s = SavedState {
                    saved: saved.clone(),
                    mlp_architecture: net
                        .map(|n| serde_json::to_string(&n.architecture()))
                        .transpose()
                        .map_err(|e| value_error(e.to_string()))?,
                    mlp_weights: net.map(Mlp::weights_bytes).unwrap_or_default(),
                };
                state(
                    "saved",
                    serde_json::to_vec(&s).map_err(|e| value_error(e.to_string()))?,
                )
            }
            Origin::Path(p) => state("path", p.display().to_string().into_bytes()),
            Origin::Callable { f, .. } => {
                let ctor = cls.getattr("from_callable")?;
                let args = (
                    f.clone_ref(py),
                    this.model.n_features(),
                    this.model.n_outputs(),
                    this.model.feature_names().map(<[String]>::to_vec),
                    this.model.output_names(),
                    link_name(this.model.link()),
                );
                PyTuple::new(py, [ctor.into_any(), args.into_pyobject(py)?.into_any()])
            }
        }
    }

    /// What kind of model this is (`random forest`, `MLP`, `xgboost model`, `tree ensemble`,
    /// `predictor`, ...).
    #[getter]
    fn kind(&self) -> String {
        self.model.kind()
    }

    /// Number of input features.
    #[getter]
    fn n_features(&self) -> usize {
        self.model.n_features()
    }

    /// Number of outputs (classes of a multi-class booster; 1 for a regressor).
    #[getter]
    fn n_outputs(&self) -> usize {
        self.model.n_outputs()
    }

    /// Feature names, if the model knows them.
    #[getter]
    fn feature_names(&self) -> Option<Vec<String>> {
        self.model.feature_names().map(<[String]>::to_vec)
    }

    /// Names of the raw outputs.
    #[getter]
    fn output_names(&self) -> Vec<String> {
        self.model.output_names()
    }

    /// Names of the probability outputs (classifiers with a link), else None.
    #[getter]
    fn probability_names(&self) -> Option<Vec<String>> {
        self.model.probability_names()
    }

    /// The link from raw outputs to probabilities: `identity`, `logistic` or `softmax`.
    #[getter]
    fn link(&self) -> &'static str {
        link_name(self.model.link())
    }

    /// Whether the model is a tree ensemble (TreeSHAP applies).
    #[getter]
    fn has_trees(&self) -> bool {
        self.model.trees().is_some()
    }

    /// Whether the model is a differentiable network (DeepSHAP and the gradient methods apply).
    #[getter]
    fn has_network(&self) -> bool {
        self.model.neural_network().is_some()
    }

    /// Number of trees and of nodes of a tree ensemble, else None.
    #[getter]
    fn tree_size(&self) -> Option<(usize, usize)> {
        self.model
            .trees()
            .map(|e| (e.trees.len(), e.trees.iter().map(Tree::n_nodes).sum()))
    }

    /// Expected value of each output under the trees' covers (path-dependent TreeSHAP's base
    /// value), shape (outputs,); None for models without trees.
    fn tree_expected_value(&self) -> Option<Vec<f64>> {
        self.model.trees().map(TreeEnsemble::expected_value)
    }

    /// Raw outputs (margins; the prediction of a regressor), shape (samples, outputs), of raw
    /// feature values `x`, shape (samples, features); with `probability=True`, the link applied.
    #[pyo3(signature = (x, *, probability = false, threads = None))]
    fn predict<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
        probability: bool,
        threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let names = feature_names_or_default(&self.model);
        let table = arrays::table(&x, &names, allows_missing(&self.model))?;
        let model = &self.model;
        let out: Result<Array2<f64>, Failure> = threads::run(py, threads, || {
            let m = model.predict(table.features.view())?;
            Ok(if probability {
                model.link().apply(m.view())
            } else {
                m
            })
        })?;
        let out = crate::explain::reraise(self, out)?;
        Ok(out.into_pyarray(py))
    }

    fn __repr__(&self) -> String {
        format!(
            "glassbox.Model({}, {} features, {} output{})",
            self.model.kind(),
            self.model.n_features(),
            self.model.n_outputs(),
            if self.model.n_outputs() == 1 { "" } else { "s" }
        )
    }
}

impl PyModel {
    /// The exception a callable model raised during the last failed call, if any.
    pub(crate) fn take_callable_error(&self) -> Option<PyErr> {
        match &self.origin {
            Origin::Callable { predictor, .. } => predictor.take_error(),
            _ => None,
        }
    }
}

/// The model's feature names, or `f0, f1, ...` when it has none.
pub(crate) fn feature_names_or_default(model: &Model) -> Vec<String> {
    match model.feature_names() {
        Some(n) => n.to_vec(),
        None => (0..model.n_features()).map(|j| format!("f{j}")).collect(),
    }
}

/// Whether NaN in the input means "missing" to this model (trees route it; a Python callable
/// decides itself); glassbox MLPs refuse it.
pub(crate) fn allows_missing(model: &Model) -> bool {
    model.trees().is_some() || model.kind() == "predictor"
}
