//! Hyperbolic functions and their inverses: sinh, cosh, tanh, arcsinh,
//! arccosh, arctanh, for f64 and f32.
//!
//! Ported from SLEEF's u10 functions `xsinh`, `xcosh`, `xtanh`, `xasinh`,
//! `xacosh`, `xatanh` (`sleefsimddp.c`) and their `f` versions
//! (`sleefsimdsp.c`) (Boost Software License 1.0; see `LICENSE-SLEEF.txt`
//! in the parent folder), on the double-double kernels of `dd.rs` — except
//! tanh ([`tanh_f64`], [`tanh_f32`]: a rational and a compensated
//! `1 - 2/(e^(2a)+1)` in plain floats, 1.4× (f64) and 2× (f32) faster than
//! SLEEF's double-word quotient). Changes from SLEEF, each to match C99/NumPy
//! where SLEEF does not:
//! - sinh and cosh compute `e^|x| / 2` directly (an extra scale in
//!   `expk2`), so they stay finite up to the true overflow threshold
//!   (SLEEF gives inf from 709.78 on; the results are finite up to 710.47);
//! - arcsinh and arccosh of large arguments use `ln(2|x|) = ln|x| + ln 2`
//!   (SLEEF gives inf above `√DBL_MAX`);
//! - arcsinh is computed on `|x|` and given the sign of `x` (odd exactly);
//! - below 2^-28 (2^-14 for f32) sinh, tanh, arcsinh, arctanh return `x`;
//! - tanh is ±1 from 19.1 (9.1 for f32), where `1 - tanh` drops below half
//!   an ULP of 1 (SLEEF: from 18.71 and 8.66, up to 1 ULP off before).
//!
//! Every NaN result is the default quiet NaN, so that the bits do not
//! depend on how a vector unit propagates NaN payloads.

use super::dd::{dd, expk2, expk2f, logk2, logk2f, mulsign_f32, mulsign_f64, Dd, D2, F2};

const LN2_DD: Dd<f64> = Dd {
    x: 0.693_147_180_559_945_286_226_764,
    y: 2.319_046_813_846_299_558_417_771e-17,
};
const LN2_DF: Dd<f32> = Dd {
    x: 0.693_147_182_464_599_609_38,
    y: -1.904_654_323_148_236_017e-09,
};

mod blocks;
mod f32;
mod f64;
pub use blocks::*;
pub use f32::*;
pub use f64::*;

#[cfg(test)]
pub(crate) mod tests;
