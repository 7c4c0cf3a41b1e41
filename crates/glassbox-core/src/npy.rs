//! NumPy `.npy` files (format 1.0, little-endian, C order) for float arrays of any dimension:
//! [`write_npy`] writes them atomically; [`read_npy_f32`] and [`read_npy_f64`] read back what it
//! wrote (for tests and checks, not a general `.npy` reader).

use std::io::{self, Write};
use std::path::Path;

use ndarray::{ArrayView, Dimension};

use crate::CoreError;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// An element type [`write_npy`] can store: `f32` (`<f4`) or `f64` (`<f8`).
pub trait NpyElement: Copy + sealed::Sealed {
    /// The NumPy type string, e.g. `<f4`.
    const DESCR: &'static str;
    /// Bytes per element.
    const SIZE: usize;
    /// Writes the value little-endian.
    fn write_le(self, w: &mut dyn Write) -> io::Result<()>;
    /// Reads a value from exactly [`NpyElement::SIZE`] little-endian bytes.
    fn read_le(bytes: &[u8]) -> Self;
}

impl NpyElement for f32 {
    const DESCR: &'static str = "<f4";
    const SIZE: usize = 4;
    fn write_le(self, w: &mut dyn Write) -> io::Result<()> {
        w.write_all(&self.to_le_bytes())
    }
    fn read_le(bytes: &[u8]) -> Self {
        f32::from_le_bytes(bytes.try_into().expect("4 bytes"))
    }
}

impl NpyElement for f64 {
    const DESCR: &'static str = "<f8";
    const SIZE: usize = 8;
    fn write_le(self, w: &mut dyn Write) -> io::Result<()> {
        w.write_all(&self.to_le_bytes())
    }
    fn read_le(bytes: &[u8]) -> Self {
        f64::from_le_bytes(bytes.try_into().expect("8 bytes"))
    }
}

const MAGIC: &[u8; 8] = b"\x93NUMPY\x01\x00";

/// The header text, padded with spaces and ending in a newline so that magic (6) + version (2)
/// + length (2) + header is a multiple of 64 bytes, as NumPy writes it.
fn header(descr: &str, shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let shape = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    let used = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - used % 64) % 64));
    header.push('\n');
    header
}

/// Writes `a` (any shape; its logical C order is written, whatever its memory layout) to
/// `path` as a `.npy` file, atomically (see [`crate::atomic`]): `<f4` for `f32`, `<f8` for
/// `f64`. On error the returned I/O error is the underlying one; `path` is untouched.
pub fn write_npy<T: NpyElement, D: Dimension>(
    path: &Path,
    a: ArrayView<'_, T, D>,
) -> io::Result<()> {
    let header = header(T::DESCR, a.shape());
    let len = u16::try_from(header.len()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "array shape too long for a .npy 1.0 header",
        )
    })?;
    crate::atomic::write_atomic_with(path, |w: &mut dyn Write| {
        w.write_all(MAGIC)?;
        w.write_all(&len.to_le_bytes())?;
        w.write_all(header.as_bytes())?;
        for &v in a.iter() {
            v.write_le(w)?;
        }
        Ok(())
    })
    .map_err(|e| match e {
        CoreError::Write { source, .. } => source,
        other => io::Error::other(other.to_string()),
    })
}

/// Parses the bytes of a `<f4` `.npy` file as [`write_npy`] writes it: (shape, values in C
/// order). Errors (`InvalidData`) on anything else.
pub fn read_npy_f32(bytes: &[u8]) -> io::Result<(Vec<usize>, Vec<f32>)> {
    read_npy(bytes)
}

/// Parses the bytes of a `<f8` `.npy` file as [`write_npy`] writes it: (shape, values in C
/// order). Errors (`InvalidData`) on anything else.
pub fn read_npy_f64(bytes: &[u8]) -> io::Result<(Vec<usize>, Vec<f64>)> {
    read_npy(bytes)
}

fn read_npy<T: NpyElement>(bytes: &[u8]) -> io::Result<(Vec<usize>, Vec<T>)> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, format!(".npy: {what}"));
    if bytes.len() < 10 || &bytes[..8] != MAGIC {
        return Err(bad("not a format 1.0 file"));
    }
    let hl = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let text = bytes
        .get(10..10 + hl)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or_else(|| bad("truncated or non-UTF-8 header"))?;
    let expected_start = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': (",
        T::DESCR
    );
    let rest = text.strip_prefix(&expected_start).ok_or_else(|| {
        bad(&format!(
            "expected a C-order {} header, got {text:?}",
            T::DESCR
        ))
    })?;
    let dims = rest.split(')').next().unwrap_or_default();
    let shape = dims
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| bad(&format!("shape entry {s:?}")))
        })
        .collect::<io::Result<Vec<usize>>>()?;
    let data = &bytes[10 + hl..];
    let n: usize = shape.iter().product();
    if data.len() != n * T::SIZE {
        return Err(bad(&format!(
            "{} data bytes for shape {shape:?}, expected {}",
            data.len(),
            n * T::SIZE
        )));
    }
    Ok((shape, data.chunks_exact(T::SIZE).map(T::read_le).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, Array2, Array3, Array4, ArrayD, IxDyn};

    fn dir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("gb-npy-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// The CLI's `image_explain::write_npy_f32` header before this module existed: the oracle.
    fn old_cli_header(x: usize, y: usize, z: usize) -> String {
        let mut header =
            format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({x}, {y}, {z}), }}");
        let used = 10 + header.len() + 1;
        header.push_str(&" ".repeat((64 - used % 64) % 64));
        header.push('\n');
        header
    }

    #[test]
    fn f32_3d_bytes_equal_the_old_cli_writer() {
        let d = dir("cli");
        for (x, y, z) in [(2, 3, 4), (1, 28, 28), (12, 100, 100), (0, 5, 5)] {
            let a = Array3::from_shape_fn((x, y, z), |(i, j, k)| (i * 10000 + j * 100 + k) as f32);
            let p = d.join("a.npy");
            write_npy(&p, a.view()).unwrap();
            let mut want = MAGIC.to_vec();
            let h = old_cli_header(x, y, z);
            want.extend((h.len() as u16).to_le_bytes());
            want.extend(h.as_bytes());
            a.iter().for_each(|v| want.extend(v.to_le_bytes()));
            assert_eq!(std::fs::read(&p).unwrap(), want, "({x}, {y}, {z})");
        }
        std::fs::remove_dir_all(&d).unwrap();
    }

    type Reader<T> = fn(&[u8]) -> io::Result<(Vec<usize>, Vec<T>)>;

    fn round_trip<T: NpyElement + PartialEq + std::fmt::Debug>(
        a: ArrayD<T>,
        read: Reader<T>,
        descr: &str,
    ) {
        let d = dir(descr);
        let p = d.join("a.npy");
        write_npy(&p, a.view()).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        let hl = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + hl) % 64, 0, "header aligned");
        assert_eq!(bytes[10 + hl - 1], b'\n');
        let text = std::str::from_utf8(&bytes[10..10 + hl]).unwrap();
        assert!(text.contains(&format!("'descr': '{descr}'")), "{text}");
        if a.ndim() == 1 {
            assert!(text.contains(&format!("'shape': ({},)", a.len())), "{text}");
        }
        let (shape, data) = read(&bytes).unwrap();
        assert_eq!(shape, a.shape());
        assert_eq!(data, a.iter().copied().collect::<Vec<_>>());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn round_trips_f32_and_f64_from_1d_to_4d() {
        let v = |i: usize| i as f64 * 0.37 - 3.0;
        let arrays: Vec<ArrayD<f64>> = vec![
            Array1::from_shape_fn(7, v).into_dyn(),
            Array2::from_shape_fn((3, 5), |(i, j)| v(i * 5 + j)).into_dyn(),
            Array3::from_shape_fn((2, 3, 4), |(i, j, k)| v(i * 12 + j * 4 + k)).into_dyn(),
            Array4::from_shape_fn((2, 1, 3, 2), |(i, _, k, l)| v(i * 6 + k * 2 + l)).into_dyn(),
            ArrayD::zeros(IxDyn(&[0, 4])),
        ];
        for a in arrays {
            round_trip(a.mapv(|x| x as f32), read_npy_f32, "<f4");
            round_trip(a.clone(), read_npy_f64, "<f8");
        }
    }

    #[test]
    fn writes_logical_c_order_of_any_layout() {
        let d = dir("layout");
        let a = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f64);
        let p = d.join("t.npy");
        write_npy(&p, a.t()).unwrap();
        let (shape, data) = read_npy_f64(&std::fs::read(&p).unwrap()).unwrap();
        assert_eq!(shape, vec![4, 3]);
        assert_eq!(data, a.t().iter().copied().collect::<Vec<_>>());
        assert_eq!(&data[..3], &[0.0, 4.0, 8.0]);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn readers_refuse_other_files_and_failed_writes_leave_nothing() {
        let d = dir("bad");
        let p = d.join("a.npy");
        write_npy(&p, Array1::from_vec(vec![1.0f64, 2.0]).view()).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        assert!(read_npy_f32(&bytes).is_err(), "f64 file read as f32");
        assert!(
            read_npy_f64(&bytes[..bytes.len() - 1]).is_err(),
            "truncated data"
        );
        assert!(read_npy_f64(b"not numpy").is_err());
        let missing = d.join("no/such/folder/a.npy");
        let err = write_npy(&missing, Array1::from_vec(vec![1.0f32]).view()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
