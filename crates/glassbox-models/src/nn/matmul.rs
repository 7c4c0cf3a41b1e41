//! The one safe entry point to `gemm::gemm`.

use super::Scalar;

/// A read-only strided matrix over a slice: element (i, j) lives at `data[i * rs + j * cs]`.
///
/// Construction checks that the largest offset, `(rows - 1) * rs + (cols - 1) * cs`, is inside
/// `data`, which is what makes [`matmul`] sound.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a, T> {
    data: &'a [T],
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

impl<'a, T> MatRef<'a, T> {
    /// A strided view. Panics if an element would fall outside `data` (a programming error in
    /// the engine, never a user-input error: shapes are validated before).
    pub fn new(data: &'a [T], rows: usize, cols: usize, rs: usize, cs: usize) -> Self {
        if rows > 0 && cols > 0 {
            let last = (rows - 1)
                .checked_mul(rs)
                .and_then(|a| (cols - 1).checked_mul(cs).and_then(|b| a.checked_add(b)))
                .expect("matrix offsets overflow");
            assert!(
                last < data.len(),
                "matrix {rows}x{cols} (strides {rs}, {cs}) exceeds a slice of {}",
                data.len()
            );
        }
        MatRef {
            data,
            rows,
            cols,
            rs,
            cs,
        }
    }

    /// A row-major (rows, cols) matrix.
    pub fn row_major(data: &'a [T], rows: usize, cols: usize) -> Self {
        Self::new(data, rows, cols, cols, 1)
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The transpose (no copy: the strides swap).
    pub fn t(self) -> Self {
        MatRef {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
        }
    }
}

/// `dst = lhs × rhs` (or `dst += lhs × rhs` when `accumulate`), with `dst` a row-major
/// (lhs.rows, rhs.cols) matrix in the first `lhs.rows * rhs.cols` values of `dst`.
///
/// Single-threaded on purpose: the engine parallelises over fixed blocks of samples with rayon,
/// so results never depend on the thread count.
///
/// Panics if the inner dimensions disagree or `dst` is too short (engine bugs).
pub fn matmul<T: Scalar>(dst: &mut [T], accumulate: bool, lhs: MatRef<'_, T>, rhs: MatRef<'_, T>) {
    matmul_strided(dst, rhs.cols, accumulate, lhs, rhs);
}

/// Like [`matmul`], but row `i` of the (lhs.rows, rhs.cols) destination starts at
/// `dst[i * dst_rs]` (a block of columns of a wider row-major matrix). Panics if
/// `dst_rs < rhs.cols`, if the inner dimensions disagree or `dst` is too short.
#[allow(unsafe_code)]
pub fn matmul_strided<T: Scalar>(
    dst: &mut [T],
    dst_rs: usize,
    accumulate: bool,
    lhs: MatRef<'_, T>,
    rhs: MatRef<'_, T>,
) {
    let (m, k, n) = (lhs.rows, lhs.cols, rhs.cols);
    assert_eq!(rhs.rows, k, "inner dimensions of a matrix product");
    assert!(dst_rs >= n, "destination rows overlap");
    if m == 0 || n == 0 {
        return;
    }
    assert!(
        (m - 1)
            .checked_mul(dst_rs)
            .and_then(|v| v.checked_add(n))
            .is_some_and(|end| end <= dst.len()),
        "product destination too short"
    );
    if k == 0 {
        if !accumulate {
            for row in 0..m {
                dst[row * dst_rs..row * dst_rs + n].fill(T::ZERO);
            }
        }
        return;
    }
    // SAFETY: `gemm` reads lhs(i, l) at `lhs.data + i*rs + l*cs` for i < m, l < k; rhs(l, j)
    // likewise for l < k, j < n; and reads/writes dst(i, j) at `dst + i*dst_rs + j` for i < m,
    // j < n. `MatRef::new` checked `(rows-1)*rs + (cols-1)*cs < data.len()` for lhs and rhs,
    // and the assertion above checks `(m-1)*dst_rs + (n-1) < dst.len()`. Every offset is
    // therefore inside its slice, so it also fits in `isize` (slices never exceed isize::MAX
    // bytes). `dst_rs >= n` means distinct (i, j) never share an address. `dst` is a `&mut`
    // borrow, so it cannot alias `lhs` or `rhs`. `T` is f32 or f64 (the only `Scalar` types),
    // both supported by `gemm`, so its type dispatch never panics.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            dst_rs as isize,
            accumulate,
            lhs.data.as_ptr(),
            lhs.cs as isize,
            lhs.rs as isize,
            rhs.data.as_ptr(),
            rhs.cs as isize,
            rhs.rs as isize,
            T::ONE,
            T::ONE,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Vec<f64> {
        let mut out = vec![0.0; a.rows * b.cols];
        for i in 0..a.rows {
            for j in 0..b.cols {
                for l in 0..a.cols {
                    out[i * b.cols + j] +=
                        a.data[i * a.rs + l * a.cs] * b.data[l * b.rs + j * b.cs];
                }
            }
        }
        out
    }

    #[test]
    fn matches_naive_for_transposes_and_accumulation() {
        let a: Vec<f64> = (0..15).map(|v| v as f64 * 0.5 - 3.0).collect();
        let b: Vec<f64> = (0..20).map(|v| (v as f64).sin()).collect();
        let am = MatRef::row_major(&a, 3, 5);
        let bm = MatRef::row_major(&b, 5, 4);
        let mut dst = vec![0.0; 12];
        matmul(&mut dst, false, am, bm);
        let want = naive(am, bm);
        for (d, w) in dst.iter().zip(&want) {
            assert!((d - w).abs() < 1e-12);
        }
        // (4x5)^T is 5x4: a^T (5x3) times b^T... use the transposed view of a 5x3 block.
        let at = MatRef::row_major(&a, 5, 3).t(); // 3x5
        let mut dst2 = vec![1.0; 12];
        matmul(&mut dst2, true, at, bm);
        let want2 = naive(at, bm);
        for (d, w) in dst2.iter().zip(&want2) {
            assert!((d - (w + 1.0)).abs() < 1e-12);
        }
    }

    #[test]
    fn strided_destination_writes_a_column_block() {
        let a: Vec<f64> = (0..6).map(|v| v as f64 - 2.0).collect();
        let b: Vec<f64> = (0..12).map(|v| (v as f64).cos()).collect();
        let am = MatRef::row_major(&a, 2, 3);
        let bm = MatRef::row_major(&b, 3, 4);
        let want = naive(am, bm);
        // A 2x7 matrix of 9s; the product goes to columns 2..6.
        let mut dst = [9.0; 14];
        matmul_strided(&mut dst[2..], 7, false, am, bm);
        for i in 0..2 {
            for j in 0..7 {
                let v = dst[i * 7 + j];
                if (2..6).contains(&j) {
                    assert!((v - want[i * 4 + j - 2]).abs() < 1e-12);
                } else {
                    assert_eq!(v, 9.0);
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "exceeds")]
    fn out_of_bounds_view_panics() {
        let a = [0.0f64; 5];
        let _ = MatRef::row_major(&a, 2, 3);
    }
}
