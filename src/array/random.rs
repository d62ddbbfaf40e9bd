//! The project's one pseudo-random generator ([`SplitMix64`], used by the
//! tests and benches too), and deterministic arrays for the CLI's
//! `NAME=DTYPE[SHAPE]` inputs and for benchmarks: floats uniform in `[0.1, 1.1)`, integers in
//! `[1, 1000)` (clamped to the dtype), bools fair — the fills the benchmark
//! suite specifies.

use super::{layout, Array, DType, Scalar};
use crate::error::Result;

/// SplitMix64: tiny, fast, and good enough for test data.
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    /// Uniform in `0..n` (`n > 0`; the modulo bias is irrelevant for
    /// test data).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    /// One of `xs`, uniformly.
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.next_f64() <= p
    }
}

/// A C-order array of `shape` filled deterministically from `seed`.
pub fn random(dtype: DType, shape: &[usize], seed: u64) -> Result<Array> {
    let n = layout::numel(shape)?;
    let mut a = Array::try_zeros(dtype, shape)?;
    let mut rng = SplitMix64(seed);
    let hi: u64 = match dtype {
        DType::I8 => 127,
        DType::U8 => 255,
        _ => 999,
    };
    for i in 0..n {
        let v = match dtype {
            DType::Bool => Scalar::Bool(rng.next_u64() & 1 == 1),
            DType::F32 | DType::F64 => Scalar::F64(0.1 + rng.next_f64()).cast(dtype),
            _ => Scalar::U64(1 + rng.next_u64() % hi).cast(dtype),
        };
        a.write_scalar(i as isize, v);
    }
    Ok(a)
}
