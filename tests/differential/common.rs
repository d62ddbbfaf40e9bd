//! Shared by the differential tests: the random case generator (families,
//! values, arrays, expressions) and the signless-zero comparison.

use lazyfuse::internals::expr::{BinaryOp, UnaryOp};
use lazyfuse::{Array, DType, Expr, Index, Scalar};

/// Chunks of 64 elements per thread, so thread splitting happens on small
/// arrays too (set before the first kernel runs).
pub(crate) fn small_chunks() {
    std::env::set_var("LAZYFUSE_MIN_PER_THREAD", "64");
}

/// The crate's generator (one RNG for every test).
pub(crate) use lazyfuse::internals::array::random::SplitMix64 as Rng;

/// Which family of cases to draw.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Family {
    /// Any ops and dtypes on small C-order arrays.
    Ops,
    /// Views: transposed, negative steps, strided, broadcast.
    Views,
    /// Sizes around vector widths and thread-chunk boundaries.
    Sizes,
    /// A random expression reduced over random axes by a reduction whose
    /// result is exact (`min`/`max`/`any`/`all` of any dtype, `sum`/`prod`
    /// of integers and bools, `argmin`/`argmax`), fused into the
    /// expression's kernel.
    Reduce,
    /// Float `sqrt` and division in several phases, with values (masks,
    /// integers, narrower floats) that cross phases, on sizes around the
    /// 64-element blocks of outlined kernels (`Outline` in `jit/outline.rs`).
    Outline,
}

pub(crate) fn value(r: &mut Rng, d: DType) -> Scalar {
    match d {
        DType::Bool => Scalar::Bool(r.next_u64() & 1 == 1),
        DType::F32 | DType::F64 => {
            let v = match r.below(24) {
                0 => f64::NAN,
                1 => -0.0,
                2 => 0.0,
                3 => f64::INFINITY,
                4 => f64::NEG_INFINITY,
                5 => 5e-324,
                6 => 1e300,
                7 => -2.5,
                8 => 0.5,
                9 => (r.below(9) as f64) - 4.0,
                _ => ((r.next_u64() >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 8.0,
            };
            Scalar::F64(v).cast(d)
        }
        _ => {
            let bits = match r.below(8) {
                0 => r.next_u64(),
                1 => 1u64 << (d.bits() - 1), // MIN for signed
                2 => u64::MAX,               // -1 / MAX
                3 => 0,
                _ => (r.below(21) as u64).wrapping_sub(10),
            };
            Scalar::from_bits(d, bits)
        }
    }
}

pub(crate) fn make_array(r: &mut Rng, d: DType, shape: &[usize], family: Family) -> Array {
    let n: usize = shape.iter().product();
    let fill = |r: &mut Rng, shape: &[usize], cnt: usize| -> Array {
        let vals: Vec<Scalar> = (0..cnt).map(|_| value(r, d)).collect();
        Array::from_scalars(d, shape, &vals).expect("values of the dtype")
    };
    if family != Family::Views || shape.is_empty() {
        return fill(r, shape, n);
    }
    match r.below(4) {
        // Transposed: a C array of the reversed shape, viewed reversed.
        0 => {
            let mut rev = shape.to_vec();
            rev.reverse();
            fill(r, &rev, n).t()
        }
        // Negative step along the first axis.
        1 => {
            let a = fill(r, shape, n);
            let mut ix = vec![Index::FULL; shape.len()];
            ix[0] = Index::Slice {
                start: None,
                stop: None,
                step: -1,
            };
            a.slice(&ix).expect("slice")
        }
        // Every other element along the last axis, from offset 1.
        2 => {
            let mut big = shape.to_vec();
            let last = big.len() - 1;
            big[last] = big[last] * 2 + 1;
            let cnt = big.iter().product();
            let a = fill(r, &big, cnt);
            let mut ix = vec![Index::FULL; shape.len()];
            ix[last] = Index::Slice {
                start: Some(1),
                stop: None,
                step: 2,
            };
            let v = a.slice(&ix).expect("slice");
            debug_assert_eq!(v.shape(), shape);
            v
        }
        _ => fill(r, shape, n),
    }
}

pub(crate) struct Gen<'a> {
    pub(crate) r: &'a mut Rng,
    pub(crate) leaves: Vec<Expr>,
}

impl Gen<'_> {
    pub(crate) fn leaf(&mut self) -> Expr {
        if self.r.chance(0.2) {
            let d = self.r.pick(&DType::ALL);
            let v = value(self.r, d);
            return Expr::scalar(v);
        }
        let k = self.r.below(self.leaves.len());
        self.leaves[k].clone()
    }

    pub(crate) fn expr(&mut self, depth: usize) -> Expr {
        if depth == 0 || self.r.chance(0.15) {
            return self.leaf();
        }
        for _ in 0..8 {
            let e = match self.r.below(10) {
                0..=3 => {
                    let op = self.r.pick(UnaryOp::ALL);
                    self.expr(depth - 1).unary(op)
                }
                4..=7 => {
                    let op = self.r.pick(BinaryOp::ALL);
                    let a = self.expr(depth - 1);
                    let b = self.expr(depth - 1);
                    a.binary(op, b)
                }
                8 => {
                    let c = self.expr(depth - 1);
                    let x = self.expr(depth - 1);
                    let y = self.expr(depth - 1);
                    Expr::where_(c, x, y)
                }
                _ => {
                    let d = self.r.pick(&DType::ALL);
                    self.expr(depth - 1).astype(d)
                }
            };
            // Views on computed values: transposes and reversed axes.
            let e = match e.shape() {
                Ok(s) if s.len() >= 2 && self.r.chance(0.1) => e.t(),
                Ok(s) if !s.is_empty() && self.r.chance(0.05) => e.slice(&[Index::Slice {
                    start: None,
                    stop: None,
                    step: -1,
                }]),
                _ => e,
            };
            if e.dtype().is_ok() {
                return e;
            }
        }
        self.leaf()
    }
}

/// Equal dtype, shape and values bit for bit (any NaN equals any NaN),
/// optionally with `-0.0 == 0.0`: the sign of a `min`/`max` of
/// zeros of mixed signs depends on the order of comparisons, which NumPy
/// leaves unspecified too (its SIMD loops differ from its scalar ones).
pub(crate) fn same_zeros(a: &Array, b: &Array, signless_zero: bool) -> bool {
    if a.dtype() != b.dtype() || a.shape() != b.shape() {
        return false;
    }
    if signless_zero && a.dtype().is_float() {
        let (x, y) = (a.astype(DType::F64), b.astype(DType::F64));
        let (x, y) = (
            x.to_vec::<f64>().unwrap_or_default(),
            y.to_vec::<f64>().unwrap_or_default(),
        );
        return x.iter().zip(&y).all(|(p, q)| p == q || (p.is_nan() && q.is_nan()));
    }
    let nan = |s: &Scalar| match *s {
        Scalar::F32(v) => v.is_nan(),
        Scalar::F64(v) => v.is_nan(),
        _ => false,
    };
    a.to_scalars()
        .iter()
        .zip(b.to_scalars().iter())
        .all(|(x, y)| x == y || (nan(x) && nan(y)))
}
