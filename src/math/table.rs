//! One constant per function: its entry points for the op table
//! (`expr::ops`, `UnaryOp::math` and `BinaryOp::math`).

use super::*;

crate::math_unary_fn!(
    /// `exp`.
    EXP,
    "exp",
    exp_f64,
    exp_f32,
    exp_f64_block,
    exp_f32_block,
    exp_f64_block_from,
    exp_f32_block_from,
    35,
    11
);
crate::math_unary_fn!(
    /// `exp2`.
    EXP2,
    "exp2",
    exp2_f64,
    exp2_f32,
    exp2_f64_block,
    exp2_f32_block,
    exp2_f64_block_from,
    exp2_f32_block_from,
    43,
    17
);
crate::math_unary_fn!(
    /// `expm1`.
    EXPM1,
    "expm1",
    expm1_f64,
    expm1_f32,
    expm1_f64_block,
    expm1_f32_block,
    expm1_f64_block_from,
    expm1_f32_block_from,
    136,
    71
);
crate::math_unary_fn!(
    /// `log`.
    LOG,
    "log",
    log_f64,
    log_f32,
    log_f64_block,
    log_f32_block,
    log_f64_block_from,
    log_f32_block_from,
    51,
    43
);
crate::math_unary_fn!(
    /// `log2`.
    LOG2,
    "log2",
    log2_f64,
    log2_f32,
    log2_f64_block,
    log2_f32_block,
    log2_f64_block_from,
    log2_f32_block_from,
    108,
    48
);
crate::math_unary_fn!(
    /// `log10`.
    LOG10,
    "log10",
    log10_f64,
    log10_f32,
    log10_f64_block,
    log10_f32_block,
    log10_f64_block_from,
    log10_f32_block_from,
    102,
    45
);
crate::math_unary_fn!(
    /// `log1p`.
    LOG1P,
    "log1p",
    log1p_f64,
    log1p_f32,
    log1p_f64_block,
    log1p_f32_block,
    log1p_f64_block_from,
    log1p_f32_block_from,
    64,
    47
);
crate::math_unary_fn!(
    /// `cbrt`.
    CBRT,
    "cbrt",
    cbrt_f64,
    cbrt_f32,
    cbrt_f64_block,
    cbrt_f32_block,
    cbrt_f64_block_from,
    cbrt_f32_block_from,
    237,
    119
);
crate::math_unary_fn!(
    /// `sin`.
    SIN,
    "sin",
    sin_f64,
    sin_f32,
    sin_f64_block,
    sin_f32_block,
    sin_f64_block_from,
    sin_f32_block_from,
    116,
    66
);
crate::math_unary_fn!(
    /// `cos`.
    COS,
    "cos",
    cos_f64,
    cos_f32,
    cos_f64_block,
    cos_f32_block,
    cos_f64_block_from,
    cos_f32_block_from,
    109,
    62
);
crate::math_unary_fn!(
    /// `tan`.
    TAN,
    "tan",
    tan_f64,
    tan_f32,
    tan_f64_block,
    tan_f32_block,
    tan_f64_block_from,
    tan_f32_block_from,
    162,
    77
);
crate::math_unary_fn!(
    /// `arcsin`.
    ARCSIN,
    "arcsin",
    arcsin_f64,
    arcsin_f32,
    arcsin_f64_block,
    arcsin_f32_block,
    arcsin_f64_block_from,
    arcsin_f32_block_from,
    102,
    69
);
crate::math_unary_fn!(
    /// `arccos`.
    ARCCOS,
    "arccos",
    arccos_f64,
    arccos_f32,
    arccos_f64_block,
    arccos_f32_block,
    arccos_f64_block_from,
    arccos_f32_block_from,
    123,
    68
);
crate::math_unary_fn!(
    /// `arctan`.
    ARCTAN,
    "arctan",
    arctan_f64,
    arctan_f32,
    arctan_f64_block,
    arctan_f32_block,
    arctan_f64_block_from,
    arctan_f32_block_from,
    149,
    90
);
crate::math_binary_fn!(
    /// `arctan2`.
    ARCTAN2,
    "arctan2",
    arctan2_f64,
    arctan2_f32,
    arctan2_f64_block,
    arctan2_f32_block,
    230,
    115
);
crate::math_binary_fn!(
    /// `logaddexp`.
    LOGADDEXP,
    "logaddexp",
    logaddexp_f64,
    logaddexp_f32,
    logaddexp_f64_block,
    logaddexp_f32_block,
    503,
    252
);
crate::math_binary_fn!(
    /// `logaddexp2`.
    LOGADDEXP2,
    "logaddexp2",
    logaddexp2_f64,
    logaddexp2_f32,
    logaddexp2_f64_block,
    logaddexp2_f32_block,
    525,
    263
);
crate::math_unary_fn!(
    /// `sinh`.
    SINH,
    "sinh",
    sinh_f64,
    sinh_f32,
    sinh_f64_block,
    sinh_f32_block,
    sinh_f64_block_from,
    sinh_f32_block_from,
    154,
    79
);
crate::math_unary_fn!(
    /// `cosh`.
    COSH,
    "cosh",
    cosh_f64,
    cosh_f32,
    cosh_f64_block,
    cosh_f32_block,
    cosh_f64_block_from,
    cosh_f32_block_from,
    144,
    76
);
crate::math_unary_fn!(
    /// `tanh`.
    TANH,
    "tanh",
    tanh_f64,
    tanh_f32,
    tanh_f64_block,
    tanh_f32_block,
    tanh_f64_block_from,
    tanh_f32_block_from,
    91,
    49
);
crate::math_unary_fn!(
    /// `arcsinh`.
    ARCSINH,
    "arcsinh",
    arcsinh_f64,
    arcsinh_f32,
    arcsinh_f64_block,
    arcsinh_f32_block,
    arcsinh_f64_block_from,
    arcsinh_f32_block_from,
    590,
    264
);
crate::math_unary_fn!(
    /// `arccosh`.
    ARCCOSH,
    "arccosh",
    arccosh_f64,
    arccosh_f32,
    arccosh_f64_block,
    arccosh_f32_block,
    arccosh_f64_block_from,
    arccosh_f32_block_from,
    526,
    236
);
crate::math_unary_fn!(
    /// `arctanh`.
    ARCTANH,
    "arctanh",
    arctanh_f64,
    arctanh_f32,
    arctanh_f64_block,
    arctanh_f32_block,
    arctanh_f64_block_from,
    arctanh_f32_block_from,
    240,
    104
);
crate::math_binary_fn!(
    /// `power`.
    POWER,
    "power",
    power_f64,
    power_f32,
    power_f64_block,
    power_f32_block,
    425,
    213
);
crate::math_binary_fn!(
    /// `hypot`.
    HYPOT,
    "hypot",
    hypot_f64,
    hypot_f32,
    hypot_f64_block,
    hypot_f32_block,
    146,
    73
);
crate::math_binary_fn!(
    /// `fmod`.
    FMOD,
    "fmod",
    fmod_f64,
    fmod_f32,
    fmod_f64_block,
    fmod_f32_block,
    643,
    322
);

/// `sin` and `cos` of one block with one range reduction: `x[i]` becomes
/// `sin(x[i])` and `c[i]` is set to `cos(x[i])`, for `i < n` (C ABI; the
/// JIT calls it when a kernel takes both of the same value). The same bits
/// as `SIN` and `COS`.
///
/// # Safety
///
/// `x` and `c` point to two distinct buffers of `n` values each, `x`
/// initialised.
pub unsafe extern "C" fn sincos_f64_c_block(x: *mut f64, c: *mut f64, n: usize) {
    // SAFETY: callers pass two distinct buffers of `n` values.
    unsafe {
        sincos_f64_block(
            std::slice::from_raw_parts_mut(x, n),
            std::slice::from_raw_parts_mut(c, n),
        )
    }
}

/// [`sincos_f64_c_block`] for f32.
///
/// # Safety
///
/// As [`sincos_f64_c_block`].
pub unsafe extern "C" fn sincos_f32_c_block(x: *mut f32, c: *mut f32, n: usize) {
    // SAFETY: as above.
    unsafe {
        sincos_f32_block(
            std::slice::from_raw_parts_mut(x, n),
            std::slice::from_raw_parts_mut(c, n),
        )
    }
}
