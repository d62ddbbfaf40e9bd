//! Part of the exponentials and logarithms (see `mod.rs`).

#[allow(unused_imports)]
use super::*;

// ---- block functions ------------------------------------------------------

macro_rules! unary_blocks {
    ($($block:ident, $on:ident, $from:ident, $f:ident, $t:ty, $name:literal;)*) => {
        $(crate::math_unary_block!(
            #[doc = concat!("`x[i] = ", $name, "(x[i])`.")]
            $block, $on, $from, $f, $t
        );)*
    };
}

macro_rules! binary_blocks {
    ($($block:ident, $on:ident, $f:ident, $t:ty, $name:literal;)*) => {
        $(crate::math_binary_block!(
            #[doc = concat!("`x[i] = ", $name, "(x[i], y[i])`.")]
            $block, $on, $f, $t
        );)*
    };
}

crate::math_unary_block!(
    /// `x[i] = exp(x[i])`; blocks within ±708 skip the scaling's clamps.
    exp_f64_block, exp_f64_block_on, exp_f64_block_from, exp_f64, f64, fast exp_fast_f64, if exp_fast_ok_f64
);
crate::math_unary_block!(
    /// `x[i] = exp(x[i])`; blocks within ±86.5 skip the scaling's clamps.
    exp_f32_block, exp_f32_block_on, exp_f32_block_from, exp_f32, f32, fast exp_fast_f32, if exp_fast_ok_f32
);
crate::math_unary_block!(
    /// `x[i] = log(x[i])`; blocks of positive normal numbers skip the
    /// subnormal scaling and the special values' selects.
    log_f64_block, log_f64_block_on, log_f64_block_from, log_f64, f64, fast log_fast_f64, if log_fast_ok_f64
);
crate::math_unary_block!(
    /// `x[i] = log1p(x[i])`; blocks within (-1, +inf) skip the special
    /// values' selects.
    log1p_f64_block, log1p_f64_block_on, log1p_f64_block_from, log1p_f64, f64, fast log1p_fast_f64, if log1p_fast_ok_f64
);

unary_blocks! {
    exp2_f64_block, exp2_f64_block_on, exp2_f64_block_from, exp2_f64, f64, "exp2";
    expm1_f64_block, expm1_f64_block_on, expm1_f64_block_from, expm1_f64, f64, "expm1";
    log2_f64_block, log2_f64_block_on, log2_f64_block_from, log2_f64, f64, "log2";
    log10_f64_block, log10_f64_block_on, log10_f64_block_from, log10_f64, f64, "log10";
    cbrt_f64_block, cbrt_f64_block_on, cbrt_f64_block_from, cbrt_f64, f64, "cbrt";
    exp2_f32_block, exp2_f32_block_on, exp2_f32_block_from, exp2_f32, f32, "exp2";
    expm1_f32_block, expm1_f32_block_on, expm1_f32_block_from, expm1_f32, f32, "expm1";
    log_f32_block, log_f32_block_on, log_f32_block_from, log_f32, f32, "log";
    log2_f32_block, log2_f32_block_on, log2_f32_block_from, log2_f32, f32, "log2";
    log10_f32_block, log10_f32_block_on, log10_f32_block_from, log10_f32, f32, "log10";
    log1p_f32_block, log1p_f32_block_on, log1p_f32_block_from, log1p_f32, f32, "log1p";
    cbrt_f32_block, cbrt_f32_block_on, cbrt_f32_block_from, cbrt_f32, f32, "cbrt";
}

binary_blocks! {
    logaddexp_f64_block, logaddexp_f64_block_on, logaddexp_f64, f64, "logaddexp";
    logaddexp2_f64_block, logaddexp2_f64_block_on, logaddexp2_f64, f64, "logaddexp2";
    logaddexp_f32_block, logaddexp_f32_block_on, logaddexp_f32, f32, "logaddexp";
    logaddexp2_f32_block, logaddexp2_f32_block_on, logaddexp2_f32, f32, "logaddexp2";
}
