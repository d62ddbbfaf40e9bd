//! Reductions, one output element at a time.
//!
//! The operand is permuted (a view) so that the kept axes come first and
//! the reduced axes last; read in C order, each output's elements are then
//! one consecutive run, in C order of the reduced axes. Each run is reduced
//! with the scalar ops of [`crate::ops::scalar`], so `max` is a fold of
//! `maximum`, `sum` of `add`, and so on.

use crate::array::layout::numel;
use crate::array::{Array, DType, Scalar};
use crate::error::{shape_err, Error, Result};
use crate::ops::scalar::{eval_binary, eval_unary};
use crate::ops::{BinaryOp, ReduceOp, UnaryOp};

/// Reduces `x` over `axes` (for `argmin`/`argmax`, none means the flattened
/// array) into a new array of `dtype` and `shape` (the node's type, which
/// already accounts for `keepdims`).
pub(super) fn reduce(
    op: ReduceOp,
    axes: &[usize],
    ddof: u32,
    x: &Array,
    dtype: DType,
    shape: &[usize],
) -> Result<Array> {
    // Rejects broadcast views whose element count overflows.
    numel(x.shape())?;
    let whole = op.single_axis() && axes.is_empty();
    let reduced = |i: usize| whole || axes.contains(&i);
    let (kept, gone): (Vec<usize>, Vec<usize>) = (0..x.ndim()).partition(|&i| !reduced(i));
    let perm: Vec<usize> = kept.iter().chain(&gone).copied().collect();
    let run = numel(&gone.iter().map(|&i| x.shape()[i]).collect::<Vec<_>>())?;
    let outs = numel(&kept.iter().map(|&i| x.shape()[i]).collect::<Vec<_>>())?;
    let vals = x.permute(&perm)?.to_scalars();
    let mut results = Vec::with_capacity(outs);
    for k in 0..outs {
        results.push(reduce_run(op, &vals[k * run..(k + 1) * run], ddof, dtype)?);
    }
    let mut out = Array::try_zeros(dtype, shape)?;
    if out.len() != results.len() || results.iter().any(|r| r.dtype() != dtype) {
        return Err(Error::Internal(format!(
            "{op} produced {} values for a {dtype} result of {} elements",
            results.len(),
            out.len()
        )));
    }
    out.assign_scalars(&results);
    Ok(out)
}

/// Reduces one run of elements to a value of the result dtype `rd`.
fn reduce_run(op: ReduceOp, xs: &[Scalar], ddof: u32, rd: DType) -> Result<Scalar> {
    let cast = |xs: &[Scalar]| -> Vec<Scalar> { xs.iter().map(|x| x.cast(rd)).collect() };
    match op {
        ReduceOp::Sum => sum(&cast(xs), rd),
        ReduceOp::Prod => fold(BinaryOp::Mul, Scalar::F64(1.0).cast(rd), &cast(xs)),
        ReduceOp::Min | ReduceOp::Max => {
            let Some((&first, rest)) = xs.split_first() else {
                return shape_err!("zero-size array to reduction operation {op}");
            };
            let m = if op == ReduceOp::Min {
                BinaryOp::Minimum
            } else {
                BinaryOp::Maximum
            };
            fold(m, first, rest)
        }
        ReduceOp::Mean => mean(&cast(xs), rd),
        ReduceOp::Var => var(&cast(xs), rd, ddof),
        ReduceOp::Std => eval_unary(UnaryOp::Sqrt, var(&cast(xs), rd, ddof)?),
        ReduceOp::Any => Ok(Scalar::Bool(xs.iter().any(|x| x.is_truthy()))),
        ReduceOp::All => Ok(Scalar::Bool(xs.iter().all(|x| x.is_truthy()))),
        ReduceOp::ArgMin => arg_extreme(xs, BinaryOp::Ge),
        ReduceOp::ArgMax => arg_extreme(xs, BinaryOp::Le),
    }
}

/// `init op x0 op x1 …`, left to right.
fn fold(op: BinaryOp, init: Scalar, xs: &[Scalar]) -> Result<Scalar> {
    xs.iter().try_fold(init, |acc, &x| eval_binary(op, acc, x))
}

/// `sum`: integers wrap in their (64-bit) dtype; floats are `0.0 +` a
/// pairwise sum, as NumPy's `add.reduce` (which starts from the identity,
/// so the sum of `[-0.0]` is `+0.0`).
fn sum(xs: &[Scalar], rd: DType) -> Result<Scalar> {
    if rd.is_float() {
        eval_binary(BinaryOp::Add, Scalar::zero(rd), pairwise_sum(xs, rd)?)
    } else {
        fold(BinaryOp::Add, Scalar::zero(rd), xs)
    }
}

/// NumPy's `pairwise_sum`: runs under 8 are summed in order, runs up to 128
/// with 8 interleaved accumulators, longer runs split in two at a multiple
/// of 8. Rounding error grows as O(log n) instead of O(n).
fn pairwise_sum(xs: &[Scalar], dtype: DType) -> Result<Scalar> {
    const BLOCK: usize = 128;
    let add = |a: Scalar, b: Scalar| eval_binary(BinaryOp::Add, a, b);
    let n = xs.len();
    if n < 8 {
        // -0.0 is the identity of `+` (0.0 + -0.0 would lose the sign).
        fold(BinaryOp::Add, Scalar::F64(-0.0).cast(dtype), xs)
    } else if n <= BLOCK {
        let mut r = [xs[0], xs[1], xs[2], xs[3], xs[4], xs[5], xs[6], xs[7]];
        let mut i = 8;
        while i < n - n % 8 {
            for (k, acc) in r.iter_mut().enumerate() {
                *acc = add(*acc, xs[i + k])?;
            }
            i += 8;
        }
        let lo = add(add(r[0], r[1])?, add(r[2], r[3])?)?;
        let hi = add(add(r[4], r[5])?, add(r[6], r[7])?)?;
        fold(BinaryOp::Add, add(lo, hi)?, &xs[i..])
    } else {
        let half = n / 2;
        let half = half - half % 8;
        add(pairwise_sum(&xs[..half], dtype)?, pairwise_sum(&xs[half..], dtype)?)
    }
}

/// `total / count` as NumPy's `_mean`/`_var` do it: the count is an
/// `intp`, so the division happens in float64 and a float32 result is
/// rounded from it.
fn divide_by_count(total: Scalar, count: usize) -> Result<Scalar> {
    let q = eval_binary(BinaryOp::Div, total.cast(DType::F64), Scalar::F64(count as f64))?;
    Ok(q.cast(total.dtype()))
}

/// `mean`: the sum in the result dtype divided by the count; NaN when empty.
fn mean(xs: &[Scalar], rd: DType) -> Result<Scalar> {
    divide_by_count(sum(xs, rd)?, xs.len())
}

/// `var`: NumPy's `_var`, the sum of squared deviations from the mean
/// divided by `max(n - ddof, 0)` (so inf or NaN, not an error, when
/// `ddof >= n`).
fn var(xs: &[Scalar], rd: DType, ddof: u32) -> Result<Scalar> {
    let mu = mean(xs, rd)?;
    let squares = xs
        .iter()
        .map(|&x| {
            let d = eval_binary(BinaryOp::Sub, x, mu)?;
            eval_binary(BinaryOp::Mul, d, d)
        })
        .collect::<Result<Vec<Scalar>>>()?;
    let dof = xs.len().saturating_sub(ddof as usize);
    divide_by_count(sum(&squares, rd)?, dof)
}

/// NumPy's `argmin`/`argmax` loop: an element replaces the current best
/// unless `x ≥ best` (argmin) or `x ≤ best` (argmax), so the first extreme
/// wins and a NaN — for which the test is false — is taken at once and
/// ends the search.
fn arg_extreme(xs: &[Scalar], keeps_best: BinaryOp) -> Result<Scalar> {
    let Some(&first) = xs.first() else {
        return shape_err!("attempt to get argmin/argmax of an empty sequence");
    };
    let is_nan = |x: Scalar| -> Result<bool> { Ok(eval_unary(UnaryOp::IsNan, x)?.is_truthy()) };
    let (mut best, mut at) = (first, 0usize);
    if !is_nan(best)? {
        for (i, &x) in xs.iter().enumerate().skip(1) {
            if !eval_binary(keeps_best, x, best)?.is_truthy() {
                best = x;
                at = i;
                if is_nan(best)? {
                    break;
                }
            }
        }
    }
    Ok(Scalar::I64(at as i64))
}
