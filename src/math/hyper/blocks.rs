//! Part of the hyperbolic functions (see `mod.rs`): the block entry points.

#[allow(unused_imports)]
use super::*;

crate::math_unary_block!(
    /// `x[i] = sinh(x[i])`.
    sinh_f64_block,
    sinh_f64_block_on, sinh_f64_block_from,
    sinh_f64,
    f64
);
crate::math_unary_block!(
    /// `x[i] = cosh(x[i])`.
    cosh_f64_block,
    cosh_f64_block_on, cosh_f64_block_from,
    cosh_f64,
    f64
);
crate::math_unary_block!(
    /// `x[i] = tanh(x[i])`.
    tanh_f64_block,
    tanh_f64_block_on, tanh_f64_block_from,
    tanh_f64,
    f64
);
crate::math_unary_block!(
    /// `x[i] = arcsinh(x[i])`.
    arcsinh_f64_block,
    arcsinh_f64_block_on, arcsinh_f64_block_from,
    arcsinh_f64,
    f64
);
crate::math_unary_block!(
    /// `x[i] = arccosh(x[i])`.
    arccosh_f64_block,
    arccosh_f64_block_on, arccosh_f64_block_from,
    arccosh_f64,
    f64
);
crate::math_unary_block!(
    /// `x[i] = arctanh(x[i])`.
    arctanh_f64_block,
    arctanh_f64_block_on, arctanh_f64_block_from,
    arctanh_f64,
    f64
);
crate::math_unary_block!(
    /// `x[i] = sinh(x[i])`.
    sinh_f32_block,
    sinh_f32_block_on, sinh_f32_block_from,
    sinh_f32,
    f32
);
crate::math_unary_block!(
    /// `x[i] = cosh(x[i])`.
    cosh_f32_block,
    cosh_f32_block_on, cosh_f32_block_from,
    cosh_f32,
    f32
);
crate::math_unary_block!(
    /// `x[i] = tanh(x[i])`.
    tanh_f32_block,
    tanh_f32_block_on, tanh_f32_block_from,
    tanh_f32,
    f32
);
crate::math_unary_block!(
    /// `x[i] = arcsinh(x[i])`.
    arcsinh_f32_block,
    arcsinh_f32_block_on, arcsinh_f32_block_from,
    arcsinh_f32,
    f32
);
crate::math_unary_block!(
    /// `x[i] = arccosh(x[i])`.
    arccosh_f32_block,
    arccosh_f32_block_on, arccosh_f32_block_from,
    arccosh_f32,
    f32
);
crate::math_unary_block!(
    /// `x[i] = arctanh(x[i])`.
    arctanh_f32_block,
    arctanh_f32_block_on, arctanh_f32_block_from,
    arctanh_f32,
    f32
);
