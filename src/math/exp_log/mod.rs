//! Exponentials and logarithms: exp, exp2, expm1, log, log2, log10, log1p,
//! cbrt, logaddexp, logaddexp2, for f64 and f32.
//!
//! Ported from SLEEF 3.x/4.x (`src/libm/sleefsimddp.c`, `sleefsimdsp.c`,
//! `src/common/dd.h`, `df.h`; Copyright Naoki Shibata and contributors
//! 2010 - 2025, Boost Software License 1.0 — see `LICENSE-SLEEF.txt` in this
//! folder), the u10 (≤ 1 ULP) variants, with the FMA forms of the
//! double-word operations:
//! - `exp_f64`: `xexp` — Cody–Waite reduction `x = q·ln2 + s` with a
//!   two-part `ln2`, a degree-11 polynomial for `e^s`, and `2^q` applied in
//!   two factors so that subnormal results are rounded once.
//! - `expm1`: `xexpm1` (`expk2`, the exponential of a double-word argument
//!   evaluated in double-word arithmetic, then `- 1` in double-word).
//! - `exp2`: `xexp2`; `exp_f32`: `xexpf`.
//! - `log2`, `log10`, and `log` for f32: `xlog2`, `xlog10`, `xlog_u1` (in
//!   their f32 forms for f32) — `d = m·2^e` with `m ∈ [0.75, 1.5)`,
//!   `x = (m-1)/(m+1)` in double-word, an odd series in `x` whose leading
//!   terms are kept in double-word.
//! - `log1p` for f32: `xlog1p` (f32 form), with `m - 1` formed without
//!   cancellation; SLEEF's fallback to `log` near the largest float (where
//!   its `2^-e` overflowed) is replaced by computing `2^-e` as
//!   `2^(2-e) / 4`, which stays representable, so the kernel has no second
//!   path.
//! - `log_f64`, `log1p_f64`: not SLEEF's but fdlibm's `s_log1p.c` (Sun
//!   Microsystems' notice and the changes in `f64.rs`), in plain doubles
//!   with fused multiply-adds — twice the throughput of the double-word
//!   versions at a lower maximum error.
//! - `cbrt`: `xcbrt_u1` — exponent split in thirds, a polynomial start,
//!   one Newton step and a double-word correction.
//! - `logaddexp(x, y)`, `logaddexp2(x, y)`: NumPy's definitions
//!   (`npy_logaddexp`): `max + log1p(exp(-|x - y|))`, `x + ln 2` when
//!   `x == y` (also for equal infinities), NaN when `x - y` is NaN.
//!
//! Differences from SLEEF: polynomials are evaluated by Horner's rule
//! (SLEEF uses Estrin's scheme in places; both are within the error
//! bounds), exponents are extracted and applied with integer operations on
//! the bits (`to_bits`/`from_bits`) and the magic-number conversion, never
//! with float→int casts, and the AVX-512 `getexp`/`getmant`/`fixup` variants
//! are not used: every path runs the one portable sequence.

use crate::math::common::{pow2_f32, pow2i_f32, pow2i_f64, round_f64};

mod bits32;
mod bits64;
mod blocks;
mod f32;
mod f64;
use bits32::*;
use bits64::*;
pub use blocks::*;
pub use f32::*;
pub use f64::*;

/// Double-word ("double-double" / "float-float") arithmetic after SLEEF's
/// `dd.h` / `df.h` (FMA variants). A value is `x + y` with `|y| ≤ ulp(x)/2`.
/// The names follow SLEEF's: `s` is a single word, `d` a double word, and
/// the `add` variants without `2` assume the first operand is the larger.
macro_rules! double_word {
    ($m:ident, $t:ty) => {
        #[allow(dead_code)]
        mod $m {
            #[derive(Clone, Copy, Debug)]
            pub struct D {
                pub x: $t,
                pub y: $t,
            }

            #[inline(always)]
            pub fn dw(x: $t, y: $t) -> D {
                D { x, y }
            }

            #[inline(always)]
            pub fn normalize(t: D) -> D {
                let s = t.x + t.y;
                D {
                    x: s,
                    y: (t.x - s) + t.y,
                }
            }

            #[inline(always)]
            pub fn scale(a: D, s: $t) -> D {
                D {
                    x: a.x * s,
                    y: a.y * s,
                }
            }

            /// `x + y`, `|x| ≥ |y|`.
            #[inline(always)]
            pub fn add_ss(x: $t, y: $t) -> D {
                let s = x + y;
                D { x: s, y: (x - s) + y }
            }

            /// `x + y`, any magnitudes (two-sum).
            #[inline(always)]
            pub fn add2_ss(x: $t, y: $t) -> D {
                let s = x + y;
                let v = s - x;
                D {
                    x: s,
                    y: (x - (s - v)) + (y - v),
                }
            }

            #[inline(always)]
            pub fn add_ds(x: D, y: $t) -> D {
                let s = x.x + y;
                D {
                    x: s,
                    y: ((x.x - s) + y) + x.y,
                }
            }

            #[inline(always)]
            pub fn add2_ds(x: D, y: $t) -> D {
                let s = x.x + y;
                let v = s - x.x;
                let w = (x.x - (s - v)) + (y - v);
                D { x: s, y: w + x.y }
            }

            #[inline(always)]
            pub fn add_sd(x: $t, y: D) -> D {
                let s = x + y.x;
                D {
                    x: s,
                    y: ((x - s) + y.x) + y.y,
                }
            }

            #[inline(always)]
            pub fn add2_sd(x: $t, y: D) -> D {
                let s = x + y.x;
                let v = s - x;
                D {
                    x: s,
                    y: ((x - (s - v)) + (y.x - v)) + y.y,
                }
            }

            #[inline(always)]
            pub fn add_dd(x: D, y: D) -> D {
                let s = x.x + y.x;
                D {
                    x: s,
                    y: (((x.x - s) + y.x) + x.y) + y.y,
                }
            }

            #[inline(always)]
            pub fn add2_dd(x: D, y: D) -> D {
                let s = x.x + y.x;
                let v = s - x.x;
                let t = (x.x - (s - v)) + (y.x - v);
                D {
                    x: s,
                    y: t + (x.y + y.y),
                }
            }

            #[inline(always)]
            pub fn mul_ss(x: $t, y: $t) -> D {
                let s = x * y;
                D {
                    x: s,
                    y: x.mul_add(y, -s),
                }
            }

            #[inline(always)]
            pub fn mul_ds(x: D, y: $t) -> D {
                let s = x.x * y;
                D {
                    x: s,
                    y: x.y.mul_add(y, x.x.mul_add(y, -s)),
                }
            }

            #[inline(always)]
            pub fn mul_dd(x: D, y: D) -> D {
                let s = x.x * y.x;
                D {
                    x: s,
                    y: x.x.mul_add(y.y, x.y.mul_add(y.x, x.x.mul_add(y.x, -s))),
                }
            }

            #[inline(always)]
            pub fn squ(x: D) -> D {
                let s = x.x * x.x;
                D {
                    x: s,
                    y: (x.x + x.x).mul_add(x.y, x.x.mul_add(x.x, -s)),
                }
            }

            #[inline(always)]
            pub fn div_dd(n: D, d: D) -> D {
                let t = 1.0 / d.x;
                let s = n.x * t;
                let u = t.mul_add(n.x, -s);
                let v = (-d.y).mul_add(t, (-d.x).mul_add(t, 1.0));
                D {
                    x: s,
                    y: s.mul_add(v, n.y.mul_add(t, u)),
                }
            }
        }
    };
}

double_word!(dw64, f64);
double_word!(dw32, f32);

#[cfg(test)]
mod tests;
