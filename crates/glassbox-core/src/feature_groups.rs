//! Categorical columns and feature groups: a text column one-hot encoded into indicator
//! features ([`OneHotColumn`]), and the map from a model's features back to the columns a
//! person explains ([`FeatureGroups`]): one-hot indicators, or any columns named together.
//!
//! SHAP values are additive, so the value of a group is the sum of its members' values: the
//! grouped explanation still adds up to the prediction on every row (base + Σ groups = f(x)).
//! Interaction values group by block sums, which keeps their row and column sums equal to the
//! grouped values.

use ndarray::{Array2, Array3, Array4, ArrayView2, ArrayView3, ArrayView4};
use serde::{Deserialize, Serialize};

use crate::{CoreError, Explanation};

/// A text column of a table one-hot encoded: one indicator feature per category, named
/// `column=category`, 1 for the rows holding that category and 0 elsewhere (every indicator 0
/// for a category not seen in training, as scikit-learn's `OneHotEncoder(handle_unknown=
/// "ignore")`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OneHotColumn {
    /// The table's column.
    pub column: String,
    /// Its categories, sorted, each once.
    pub categories: Vec<String>,
}

impl OneHotColumn {
    /// The indicator feature of category `k`: `column=category`.
    pub fn indicator_name(&self, k: usize) -> String {
        format!("{}={}", self.column, self.categories[k])
    }

    /// Every indicator feature's name, in category order.
    pub fn indicator_names(&self) -> Vec<String> {
        (0..self.categories.len())
            .map(|k| self.indicator_name(k))
            .collect()
    }
}

/// Which model features make up each explained column.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureGroups {
    /// The explained columns' names.
    pub names: Vec<String>,
    /// Per column, the indices of its model features (one for an ordinary feature).
    pub members: Vec<Vec<usize>>,
    /// Per column, its categories when it is a one-hot column (members in category order).
    pub categories: Vec<Option<Vec<String>>>,
    /// Number of model features.
    pub n_features: usize,
}

impl FeatureGroups {
    /// The groups of a model with features `feature_names` (indicators named as
    /// [`OneHotColumn::indicator_name`] and contiguous) whose one-hot columns are `onehot`:
    /// each one-hot column is one group at the position of its first indicator, every other
    /// feature its own group. Errors when an indicator is missing or out of place.
    pub fn from_one_hot(
        feature_names: &[String],
        onehot: &[OneHotColumn],
    ) -> Result<FeatureGroups, CoreError> {
        let mut g = FeatureGroups {
            names: Vec::new(),
            members: Vec::new(),
            categories: Vec::new(),
            n_features: feature_names.len(),
        };
        let mut j = 0;
        while j < feature_names.len() {
            let column = onehot
                .iter()
                .find(|c| !c.categories.is_empty() && feature_names[j] == c.indicator_name(0));
            match column {
                Some(c) => {
                    let names = c.indicator_names();
                    let end = j + names.len();
                    if feature_names.get(j..end) != Some(&names[..]) {
                        return Err(CoreError::InvalidModel(format!(
                            "the indicator features of categorical column '{}' are not all \
                             present, in category order, from feature {j}",
                            c.column
                        )));
                    }
                    g.names.push(c.column.clone());
                    g.members.push((j..end).collect());
                    g.categories.push(Some(c.categories.clone()));
                    j = end;
                }
                None => {
                    g.names.push(feature_names[j].clone());
                    g.members.push(vec![j]);
                    g.categories.push(None);
                    j += 1;
                }
            }
        }
        if g.names.len() != onehot.len() + feature_names.len() - total_indicators(onehot) {
            return Err(CoreError::InvalidModel(
                "a categorical column's indicator features are missing from the model".into(),
            ));
        }
        Ok(g)
    }

    /// Merges features into named groups on top of `self`: each (name, columns) pair replaces
    /// the named explained columns by one group at the position of the first. Errors on an
    /// unknown column (listing the columns), a column in two groups, or a group name that is
    /// already a column outside the group.
    pub fn merge(&self, groups: &[(String, Vec<String>)]) -> Result<FeatureGroups, CoreError> {
        let mut owner: Vec<Option<usize>> = vec![None; self.names.len()];
        for (g, (name, cols)) in groups.iter().enumerate() {
            if cols.is_empty() {
                return Err(CoreError::InvalidArgument(format!(
                    "group '{name}' names no columns"
                )));
            }
            for col in cols {
                let i = self.names.iter().position(|n| n == col).ok_or_else(|| {
                    CoreError::InvalidArgument(format!(
                        "group '{name}': no column '{col}'; the columns are: {}",
                        self.names.join(", ")
                    ))
                })?;
                if let Some(other) = owner[i] {
                    return Err(CoreError::InvalidArgument(format!(
                        "column '{col}' is in two groups: '{}' and '{name}'",
                        groups[other].0
                    )));
                }
                owner[i] = Some(g);
            }
            if let Some(i) = self.names.iter().position(|n| n == name)
                && owner[i] != Some(g)
            {
                return Err(CoreError::InvalidArgument(format!(
                    "group name '{name}' is already a column; choose another name"
                )));
            }
        }
        let mut out = FeatureGroups {
            names: Vec::new(),
            members: Vec::new(),
            categories: Vec::new(),
            n_features: self.n_features,
        };
        let mut placed = vec![false; groups.len()];
        for i in 0..self.names.len() {
            match owner[i] {
                None => {
                    out.names.push(self.names[i].clone());
                    out.members.push(self.members[i].clone());
                    out.categories.push(self.categories[i].clone());
                }
                Some(g) if !placed[g] => {
                    placed[g] = true;
                    let mut members: Vec<usize> = (0..self.names.len())
                        .filter(|&k| owner[k] == Some(g))
                        .flat_map(|k| self.members[k].iter().copied())
                        .collect();
                    members.sort_unstable();
                    out.names.push(groups[g].0.clone());
                    out.members.push(members);
                    out.categories.push(None);
                }
                Some(_) => {}
            }
        }
        Ok(out)
    }

    /// True when every group is a single feature (grouping changes nothing).
    pub fn is_identity(&self) -> bool {
        self.members.iter().enumerate().all(|(i, m)| m == &[i])
            && self.members.len() == self.n_features
    }

    /// Grouped values: `values` (samples, features, outputs) → (samples, groups, outputs), each
    /// group the sum of its members.
    pub fn group_values(&self, values: ArrayView3<'_, f64>) -> Array3<f64> {
        let (n, _, o) = values.dim();
        Array3::from_shape_fn((n, self.names.len(), o), |(i, g, k)| {
            self.members[g].iter().map(|&j| values[[i, j, k]]).sum()
        })
    }

    /// Grouped data: `data` (samples, features) → (samples, groups). An ordinary feature keeps
    /// its value; a one-hot column takes the index of the category whose indicator is 1 (NaN
    /// when none is: a category not seen in training); any other group NaN (it has no single
    /// value).
    pub fn group_data(&self, data: ArrayView2<'_, f64>) -> Array2<f64> {
        let n = data.nrows();
        Array2::from_shape_fn((n, self.names.len()), |(i, g)| {
            let m = &self.members[g];
            match (&self.categories[g], m.len()) {
                (None, 1) => data[[i, m[0]]],
                (Some(_), _) => m
                    .iter()
                    .position(|&j| data[[i, j]] == 1.0)
                    .map_or(f64::NAN, |k| k as f64),
                (None, _) => f64::NAN,
            }
        })
    }

    /// Grouped interaction values: `iv` (samples, features, features, outputs) → (samples,
    /// groups, groups, outputs), block sums.
    pub fn group_interactions(&self, iv: ArrayView4<'_, f64>) -> Array4<f64> {
        let (n, _, _, o) = iv.dim();
        let g = self.names.len();
        Array4::from_shape_fn((n, g, g, o), |(i, a, b, k)| {
            let mut s = 0.0;
            for &p in &self.members[a] {
                for &q in &self.members[b] {
                    s += iv[[i, p, q, k]];
                }
            }
            s
        })
    }

    /// `e` with its features grouped: values summed, data as [`FeatureGroups::group_data`],
    /// names the groups'. Errors when `e` does not have [`FeatureGroups::n_features`]
    /// features.
    pub fn group(&self, e: &Explanation) -> Result<Explanation, CoreError> {
        if e.n_features() != self.n_features {
            return Err(CoreError::Shape {
                what: "explanation to group (samples, features, outputs)".into(),
                expected: format!("{} features", self.n_features),
                got: format!("{} features", e.n_features()),
            });
        }
        Explanation::new(
            self.group_values(e.values.view()),
            e.base_values.clone(),
            self.group_data(e.data.view()),
            self.names.clone(),
            e.output_names.clone(),
            e.method.clone(),
        )?
        .with_categories(self.categories.clone())
    }
}

fn total_indicators(onehot: &[OneHotColumn]) -> usize {
    onehot.iter().map(|c| c.categories.len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn colour() -> OneHotColumn {
        OneHotColumn {
            column: "colour".into(),
            categories: names(&["blue", "red"]),
        }
    }

    #[test]
    fn one_hot_indicators_become_one_column_in_place() {
        let f = names(&["a", "colour=blue", "colour=red", "b"]);
        let g = FeatureGroups::from_one_hot(&f, &[colour()]).unwrap();
        assert_eq!(g.names, names(&["a", "colour", "b"]));
        assert_eq!(g.members, vec![vec![0], vec![1, 2], vec![3]]);
        assert_eq!(g.categories[1], Some(names(&["blue", "red"])));
        assert!(!g.is_identity());
        let plain = FeatureGroups::from_one_hot(&names(&["a", "b"]), &[]).unwrap();
        assert!(plain.is_identity());
        // An indicator missing or out of order is refused.
        for bad in [
            names(&["a", "colour=blue", "b"]),
            names(&["a", "colour=red", "colour=blue"]),
        ] {
            assert!(
                FeatureGroups::from_one_hot(&bad, &[colour()]).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn grouped_values_sum_members_and_stay_additive() {
        let f = names(&["a", "colour=blue", "colour=red", "b"]);
        let g = FeatureGroups::from_one_hot(&f, &[colour()]).unwrap();
        // 2 rows, 4 features, 1 output.
        let values = array![
            [[1.0], [0.5], [-0.25], [2.0]],
            [[-1.0], [0.0], [3.0], [0.5]]
        ];
        let data = array![[7.0, 0.0, 1.0, 3.0], [8.0, 0.0, 0.0, 4.0]];
        let e = Explanation::new(
            values.clone(),
            array![[10.0], [10.0]],
            data,
            f,
            names(&["y"]),
            "test",
        )
        .unwrap();
        let grouped = g.group(&e).unwrap();
        assert_eq!(
            grouped.values,
            array![[[1.0], [0.25], [2.0]], [[-1.0], [3.0], [0.5]]]
        );
        // Row 0 holds "red" (index 1); row 1 an unseen category (no indicator set).
        assert_eq!(grouped.data[[0, 1]], 1.0);
        assert!(grouped.data[[1, 1]].is_nan());
        assert_eq!(grouped.data[[0, 0]], 7.0);
        assert_eq!(grouped.category_label(0, 1).as_deref(), Some("red"));
        assert_eq!(grouped.category_label(1, 1).as_deref(), Some("unseen"));
        assert_eq!(grouped.category_label(0, 0), None);
        for i in 0..2 {
            let before: f64 = values.slice(ndarray::s![i, .., 0]).sum();
            let after: f64 = grouped.values.slice(ndarray::s![i, .., 0]).sum();
            assert_eq!(before, after);
        }
    }

    #[test]
    fn merged_groups_and_interaction_blocks() {
        let f = names(&["a", "b", "c"]);
        let base = FeatureGroups::from_one_hot(&f, &[]).unwrap();
        let g = base.merge(&[("ac".into(), names(&["c", "a"]))]).unwrap();
        assert_eq!(g.names, names(&["ac", "b"]));
        assert_eq!(g.members, vec![vec![0, 2], vec![1]]);
        // iv (1 row, 3, 3, 1): entry (p, q) = 10 p + q.
        let iv = Array4::from_shape_fn((1, 3, 3, 1), |(_, p, q, _)| (10 * p + q) as f64);
        let grouped = g.group_interactions(iv.view());
        assert_eq!(grouped[[0, 0, 0, 0]], 0.0 + 2.0 + 20.0 + 22.0);
        assert_eq!(grouped[[0, 0, 1, 0]], 1.0 + 21.0);
        assert_eq!(grouped[[0, 1, 1, 0]], 11.0);
        // Total preserved.
        assert_eq!(grouped.sum(), iv.sum());
        // Errors: unknown column, a column twice, a name clash.
        assert!(base.merge(&[("x".into(), names(&["zz"]))]).is_err());
        assert!(
            base.merge(&[("x".into(), names(&["a"])), ("y".into(), names(&["a"]))])
                .is_err()
        );
        assert!(base.merge(&[("b".into(), names(&["a", "c"]))]).is_err());
        assert!(base.merge(&[("x".into(), vec![])]).is_err());
    }
}
