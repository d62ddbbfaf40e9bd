//! Finishing reductions after their kernel: `mean`, `var` and `std` from
//! their sums; argmin/argmax of empty sequences.

use super::*;

/// Turns the sums of `mean`, `var`, `std` into their values, as the
/// interpreter defines them: the division by the count happens in float64
/// and is rounded to the result dtype; `var = max(Σd² - (Σd)²/n, 0) / (n -
/// ddof)` with `d = x - K` (see [`fuse::KRed`]); `std = sqrt(var)` in the
/// result dtype.
pub(crate) fn finalize(k: &fuse::Kernel, tmps: &[Option<Array>]) -> Result<()> {
    use crate::expr::ReduceOp;
    for r in &k.reds {
        if r.op.single_axis() {
            if r.count(&k.shape) == 0 {
                return shape_err!("attempt to get argmin/argmax of an empty sequence");
            }
            // No element beat the starting extreme: they all equal it, and
            // the first wins.
            let out = tmps[r.tmp as usize].as_ref().expect("reduction computed");
            // SAFETY: a fresh C-contiguous i64 array of `len` elements.
            let idx = unsafe { std::slice::from_raw_parts_mut(out.buffer().as_ptr() as *mut i64, out.len()) };
            for x in idx.iter_mut().filter(|x| **x < 0) {
                *x = 0;
            }
            continue;
        }
        if !matches!(r.op, ReduceOp::Mean | ReduceOp::Var | ReduceOp::Std) {
            continue;
        }
        let n = r.count(&k.shape);
        let out = tmps[r.tmp as usize].as_ref().expect("reduction computed");
        let s1 = r.aux.map(|(t, _)| tmps[t as usize].as_ref().expect("aux computed"));
        let dof = n.saturating_sub(r.ddof as usize) as f64;
        let nf = n as f64;
        let value = |s: f64, s1: Option<f64>| -> f64 {
            match (r.op, s1) {
                (ReduceOp::Mean, _) => s / nf,
                (_, Some(d)) if n > 0 => {
                    // Rounding can make the difference slightly negative;
                    // NaN (from inf or NaN data) must stay NaN. A finite
                    // `d` means finite data: squares that overflowed then
                    // make the variance inf, as in NumPy's two passes (not
                    // inf - inf). `d * (d / n)` is at most `s`, so it does
                    // not overflow where `d * d` would.
                    let m2 = if s == f64::INFINITY && d.is_finite() {
                        f64::INFINITY
                    } else {
                        s - d * (d / nf)
                    };
                    (if m2 < 0.0 { 0.0 } else { m2 }) / dof
                }
                _ => f64::NAN,
            }
        };
        let len = out.len();
        let base = out.buffer().as_ptr();
        let aux = s1.map(|a| a.buffer().as_ptr());
        let std = r.op == ReduceOp::Std;
        // SAFETY: fresh C-contiguous arrays of `len` elements of the dtype.
        unsafe {
            match out.dtype() {
                DType::F64 => {
                    let o = std::slice::from_raw_parts_mut(base as *mut f64, len);
                    for (j, x) in o.iter_mut().enumerate() {
                        let d = aux.map(|p| *(p as *const f64).add(j));
                        let v = value(*x, d);
                        *x = if std { v.sqrt() } else { v };
                    }
                }
                DType::F32 => {
                    let o = std::slice::from_raw_parts_mut(base as *mut f32, len);
                    for (j, x) in o.iter_mut().enumerate() {
                        let d = aux.map(|p| *(p as *const f32).add(j) as f64);
                        let v = value(*x as f64, d) as f32;
                        *x = if std { v.sqrt() } else { v };
                    }
                }
                dt => return Err(Error::Internal(format!("{} of dtype {dt}", r.op))),
            }
        }
    }
    Ok(())
}
