//! Stand-ins until the float32 kernels land: the f64 kernel, rounded.

/// `e^x` through the f64 kernel.
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    super::exp_f64(x as f64) as f32
}

crate::math_unary_block!(
    /// `x[i] = exp(x[i])`.
    exp_f32_block,
    exp_f32_block_on,
    exp_f32,
    f32
);
