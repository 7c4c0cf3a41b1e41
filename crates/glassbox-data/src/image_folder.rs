//! Which files an image folder holds and their labels: the class-folder scan (natural file order)
//! and the manifest CSV reader. Decoding is in `images.rs`.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::DataError;
use crate::images::{Item, check_extension, io_error};

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

fn read_dir_sorted(dir: &Path) -> Result<Vec<PathBuf>, DataError> {
    let entries = std::fs::read_dir(dir).map_err(|source| io_error(dir, source))?;
    let mut out = Vec::new();
    for e in entries {
        let e = e.map_err(|source| io_error(dir, source))?;
        let p = e.path();
        if !is_hidden(&p) {
            out.push(p);
        }
    }
    out.sort_by(|a, b| natural_cmp(&a.to_string_lossy(), &b.to_string_lossy()));
    Ok(out)
}

/// Class names (sorted folder names) and (file, class) pairs in load order.
#[allow(clippy::type_complexity)]
pub(crate) fn scan_class_folders(
    root: &Path,
) -> Result<(Vec<String>, Vec<(PathBuf, usize)>), DataError> {
    let mut class_dirs: Vec<PathBuf> = read_dir_sorted(root)?
        .into_iter()
        .filter(|p| p.is_dir())
        .collect();
    // Class order is plain byte order of the names, as Keras' image_dataset_from_directory.
    class_dirs.sort();
    if class_dirs.is_empty() {
        return Err(DataError::NoClassFolders {
            path: root.to_path_buf(),
        });
    }
    let mut names = Vec::new();
    let mut files = Vec::new();
    for (c, dir) in class_dirs.iter().enumerate() {
        names.push(
            dir.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        let mut n = 0;
        for p in read_dir_sorted(dir)? {
            if p.is_dir() {
                continue;
            }
            check_extension(&p)?;
            files.push((p, c));
            n += 1;
        }
        if n == 0 {
            return Err(DataError::EmptyClassFolder { path: dir.clone() });
        }
    }
    Ok((names, files))
}

/// Reads a manifest: class names in class-id order and the items in row order.
pub(crate) fn read_manifest(
    root: &Path,
    manifest: &Path,
) -> Result<(Vec<String>, Vec<Item>), DataError> {
    let err = |location: String, message: String| DataError::Manifest {
        path: manifest.to_path_buf(),
        location,
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(manifest)
        .map_err(|e| err("header".into(), e.to_string()))?;
    let headers = reader
        .headers()
        .map_err(|e| err("header".into(), e.to_string()))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let need = |name: &str| {
        col(name).ok_or_else(|| {
            err(
                "header".into(),
                format!(
                    "no '{name}' column; expected columns file and split (train or test), \
                     optionally class and class_id"
                ),
            )
        })
    };
    let (c_file, c_split) = (need("file")?, need("split")?);
    let (c_class, c_id) = (col("class"), col("class_id"));
    struct Row {
        path: PathBuf,
        class: String,
        id: Option<usize>,
        test: bool,
        line: u64,
    }
    let mut rows = Vec::new();
    let mut seen: HashMap<PathBuf, u64> = HashMap::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            err(format!("line {line}"), e.to_string())
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        let at = || format!("line {line}");
        let field = |c: usize| rec.get(c).unwrap_or("").to_string();
        let file = field(c_file);
        if file.is_empty() {
            return Err(err(at(), "the 'file' cell is empty".into()));
        }
        let path = root.join(&file);
        if !path.is_file() {
            return Err(err(
                at(),
                format!(
                    "file '{file}' does not exist (looked for {})",
                    path.display()
                ),
            ));
        }
        check_extension(&path)?;
        if let Some(first) = seen.insert(path.clone(), line) {
            return Err(err(
                at(),
                format!("file '{file}' is listed twice (first on line {first})"),
            ));
        }
        let split = field(c_split).to_ascii_lowercase();
        let test = match split.as_str() {
            "train" => false,
            "test" => true,
            other => {
                return Err(err(
                    at(),
                    format!("split is '{other}'; expected train or test"),
                ));
            }
        };
        let class = match c_class {
            Some(c) => field(c),
            None => Path::new(&file)
                .components()
                .next()
                .filter(|_| Path::new(&file).components().count() > 1)
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        if class.is_empty() {
            return Err(err(
                at(),
                "no class: the 'class' cell is empty (or, without a class column, the file is \
                 not inside a class folder)"
                    .into(),
            ));
        }
        let id = match c_id {
            Some(c) => Some(field(c).parse::<usize>().map_err(|_| {
                err(
                    at(),
                    format!("class_id '{}' is not a whole number >= 0", field(c)),
                )
            })?),
            None => None,
        };
        rows.push(Row {
            path,
            class,
            id,
            test,
            line,
        });
    }
    if rows.is_empty() {
        return Err(err("header".into(), "the manifest lists no images".into()));
    }
    let names: Vec<String> = if c_id.is_some() {
        let mut by_id: HashMap<usize, (String, u64)> = HashMap::new();
        for r in &rows {
            let id = r.id.expect("class_id column present");
            match by_id.get(&id) {
                Some((name, first)) if *name != r.class => {
                    return Err(err(
                        format!("line {}", r.line),
                        format!(
                            "class_id {id} is class '{}' here but '{name}' on line {first}",
                            r.class
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    by_id.insert(id, (r.class.clone(), r.line));
                }
            }
        }
        let k = by_id.len();
        let mut names = Vec::with_capacity(k);
        for id in 0..k {
            match by_id.get(&id) {
                Some((n, _)) => names.push(n.clone()),
                None => {
                    return Err(err(
                        "column 'class_id'".into(),
                        format!(
                            "class ids must be 0 to {} with none missing; {id} is missing",
                            k - 1
                        ),
                    ));
                }
            }
        }
        if let Some((i, n)) = names
            .iter()
            .enumerate()
            .find(|(i, n)| names[..*i].contains(n))
        {
            return Err(err(
                "column 'class_id'".into(),
                format!(
                    "class '{n}' has two class ids ({} and {i})",
                    names.iter().position(|m| m == n).unwrap_or(0)
                ),
            ));
        }
        names
    } else {
        let mut names: Vec<String> = rows.iter().map(|r| r.class.clone()).collect();
        names.sort();
        names.dedup();
        names
    };
    for (want, part) in [(false, "train"), (true, "test")] {
        if !rows.iter().any(|r| r.test == want) {
            return Err(err(
                "column 'split'".into(),
                format!(
                    "no row has split '{part}'; the manifest must name both train and test images"
                ),
            ));
        }
    }
    let index: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let items = rows
        .iter()
        .map(|r| Item {
            path: r.path.clone(),
            label: index[r.class.as_str()],
            test: r.test,
        })
        .collect();
    Ok((names, items))
}

/// Compares strings with digit runs as numbers (`img_2` < `img_10`), ties broken bytewise.
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return a.cmp(b),
            (None, _) => return Ordering::Less,
            (_, None) => return Ordering::Greater,
            (Some(p), Some(q)) if p.is_ascii_digit() && q.is_ascii_digit() => {
                let dx = x.iter().take_while(|c| c.is_ascii_digit()).count();
                let dy = y.iter().take_while(|c| c.is_ascii_digit()).count();
                let (nx, ny) = (trim_zeros(&x[..dx]), trim_zeros(&y[..dy]));
                let ord = nx.len().cmp(&ny.len()).then_with(|| nx.cmp(ny));
                if ord != Ordering::Equal {
                    return ord;
                }
                x = &x[dx..];
                y = &y[dy..];
            }
            (Some(p), Some(q)) => {
                if p != q {
                    return p.cmp(q);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

fn trim_zeros(d: &[u8]) -> &[u8] {
    let k = d.iter().take_while(|&&c| c == b'0').count();
    &d[k.min(d.len().saturating_sub(1))..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_compares_numbers() {
        let mut v = vec!["a_10.png", "a_2.png", "a_1.png", "b.png", "a_02.png"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["a_1.png", "a_02.png", "a_2.png", "a_10.png", "b.png"]);
    }
}
