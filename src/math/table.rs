//! One constant per function: its entry points for the op table
//! (`expr::ops`, `UnaryOp::math` and `BinaryOp::math`).

use super::*;

crate::math_unary_fn!(
    /// `e^x`.
    EXP,
    "exp",
    exp_f64,
    exp_f32,
    exp_f64_block,
    exp_f32_block
);
