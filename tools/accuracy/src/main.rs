//! Measures the ULP error of every lazyfuse math function, f64 and f32,
//! against MPFR (through `rug`): see README.md.
//!
//! For each function of the op table (`UnaryOp::math`, `BinaryOp::math`)
//! and each dtype: random inputs across the whole domain (uniform over the
//! interesting range and log-uniform over every magnitude, both signs),
//! random bit patterns, hard cases (trig near multiples of π/2 and at huge
//! arguments, exp/expm1 near overflow and into the subnormal range, log of
//! subnormals, functions near 0, near ±1, …) and special values (NaN, ±inf,
//! ±0, subnormals, and for two-argument functions every pair of them).
//! The reference is the exact value computed by MPFR at 160 bits; the
//! error is |ours − exact| / ulp(exact) in the output's format (subnormal
//! spacing below the normal range; an infinity counts as ±2^1024 or
//! ±2^128 when the exact value is finite, and overflowed exact values are
//! clamped there too, so `MAX` for an exact value that rounds to inf is 1
//! ULP). A NaN where the exact value is not NaN (or the reverse), an
//! infinity where the correctly rounded value is finite (or the reverse),
//! or a zero of the wrong sign counts as a special-value mismatch
//! (reported apart from the ULP numbers).
//!
//! `--exhaustive-f32` runs every one of the 2^32 f32 inputs of the
//! one-argument functions instead; there the reference is glibc's f64
//! function (`f64::sin` etc., ≤ 1 f64 ULP, i.e. ~2^-29 f32 ULP) evaluated
//! on the f32 input, not MPFR, which would take days.

use lazyfuse::internals::expr::{BinaryOp, UnaryOp};
use lazyfuse::internals::math::{BinaryFn, UnaryFn};
use rug::float::Constant;
use rug::ops::Pow;
use rug::Float;
use std::fmt::Write as _;
use std::io::Write as _;

const PREC: u32 = 160;

/// splitmix64.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    /// Magnitude 2^e, e uniform in [lo, hi], random mantissa; sign by `signs`.
    fn log_uniform(&mut self, lo: f64, hi: f64, signs: Signs) -> f64 {
        let m = self.uniform(lo, hi).exp2();
        match signs {
            Signs::Pos => m,
            Signs::Both if self.next() & 1 == 1 => -m,
            Signs::Both => m,
        }
    }
}

#[derive(Clone, Copy)]
enum Signs {
    Pos,
    Both,
}

/// The output format: f64 or f32.
#[derive(Clone, Copy, PartialEq)]
enum Fmt {
    F64,
    F32,
}

impl Fmt {
    fn name(self) -> &'static str {
        match self {
            Fmt::F64 => "float64",
            Fmt::F32 => "float32",
        }
    }
    /// Exponent of the overflow threshold, of the smallest ULP, mantissa bits.
    fn params(self) -> (i32, i32, i32) {
        match self {
            Fmt::F64 => (1024, -1074, 52),
            Fmt::F32 => (128, -149, 23),
        }
    }
    fn round(self, x: f64) -> f64 {
        match self {
            Fmt::F64 => x,
            Fmt::F32 => x as f32 as f64,
        }
    }
}

/// Where a function's ordinary arguments live, per dtype: uniform ranges
/// and a log-uniform exponent range with its signs.
struct Domain {
    uniform: Vec<(f64, f64)>,
    log: (f64, f64, Signs),
}

fn domain(name: &str, fmt: Fmt) -> Domain {
    let f64_ = fmt == Fmt::F64;
    let (emin, emax) = if f64_ { (-1074.0, 1024.0) } else { (-149.0, 128.0) };
    let all = (emin, emax, Signs::Both);
    let pos = (emin, emax, Signs::Pos);
    let d = |uniform: &[(f64, f64)], log| Domain {
        uniform: uniform.to_vec(),
        log,
    };
    let (ov, un) = if f64_ { (709.8, -745.2) } else { (88.8, -103.98) };
    match name {
        "exp" => d(&[(un, ov), (-1.0, 1.0)], (emin, 10.0, Signs::Both)),
        "exp2" => d(
            &[
                (if f64_ { -1075.0 } else { -150.0 }, if f64_ { 1024.0 } else { 128.0 }),
                (-1.0, 1.0),
            ],
            (emin, 11.0, Signs::Both),
        ),
        "expm1" => d(&[(-40.0, ov), (-1.0, 1.0)], (emin, 10.0, Signs::Both)),
        "log" | "log2" | "log10" => d(&[(0.0, 10.0), (0.5, 2.0)], pos),
        "log1p" => d(&[(-1.0, 10.0), (-0.5, 0.5)], pos),
        "cbrt" | "arctan" | "arcsinh" => d(&[(-10.0, 10.0)], all),
        "sin" | "cos" | "tan" => d(&[(-10.0, 10.0), (-1e5, 1e5)], all),
        "arcsin" | "arccos" => d(&[(-1.0, 1.0)], (emin, 0.0, Signs::Both)),
        "sinh" | "cosh" => d(&[(-(ov + 0.7), ov + 0.7), (-2.0, 2.0)], (emin, 10.0, Signs::Both)),
        "tanh" => d(&[(-20.0, 20.0), (-1.0, 1.0)], (emin, 6.0, Signs::Both)),
        "arccosh" => d(&[(1.0, 10.0), (1.0, 1.01)], (0.0, emax, Signs::Pos)),
        "arctanh" => d(&[(-1.0, 1.0)], (emin, 0.0, Signs::Both)),
        // Two-argument functions: both operands drawn from this.
        "arctan2" | "hypot" | "fmod" => d(&[(-10.0, 10.0)], all),
        "logaddexp" | "logaddexp2" => d(&[(-1000.0, 1000.0), (-5.0, 5.0)], all),
        "power" => d(&[(0.0, 10.0), (-10.0, 10.0)], all),
        _ => panic!("no domain for {name}"),
    }
}

/// Special values, one sign (both signs are used).
fn specials(fmt: Fmt) -> Vec<f64> {
    let mut v = vec![0.0, f64::INFINITY, f64::NAN, 0.5, 1.0, 2.0, 3.0, 10.0, 0.1];
    match fmt {
        Fmt::F64 => v.extend([
            f64::from_bits(1),
            f64::from_bits(0x000F_FFFF_FFFF_FFFF),
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::EPSILON,
            1.0 + f64::EPSILON,
            1.0 - f64::EPSILON / 2.0,
        ]),
        Fmt::F32 => v.extend(
            [
                f32::from_bits(1),
                f32::from_bits(0x007F_FFFF),
                f32::MIN_POSITIVE,
                f32::MAX,
                f32::EPSILON,
                1.0 + f32::EPSILON,
                1.0 - f32::EPSILON / 2.0,
            ]
            .map(f64::from),
        ),
    }
    v.into_iter().map(|x| fmt.round(x)).collect()
}

/// `k·π/2` rounded to the format, for integer `k` (a hard case for the
/// trig reductions).
fn near_half_pi(k: f64, fmt: Fmt) -> f64 {
    let half_pi = Float::with_val(PREC + 1100, Constant::Pi) / 2u32;
    let v = (half_pi * Float::with_val(64, k)).to_f64();
    fmt.round(v)
}

/// Hard cases for a one-argument function.
fn hard_unary(name: &str, fmt: Fmt, r: &mut Rng) -> Vec<f64> {
    let f64_ = fmt == Fmt::F64;
    let (emin, emax) = if f64_ { (-1074.0, 1024.0) } else { (-149.0, 128.0) };
    let mut v = Vec::new();
    let near_zero = |r: &mut Rng, v: &mut Vec<f64>| {
        for _ in 0..2000 {
            v.push(r.log_uniform(emin, -1.0, Signs::Both));
        }
    };
    // Neighbours of a point, within `n` ULPs, in the format.
    let around = |x: f64, n: i64, v: &mut Vec<f64>| {
        for k in -n..=n {
            v.push(match fmt {
                Fmt::F64 => f64::from_bits((x.to_bits() as i64 + k) as u64),
                Fmt::F32 => f64::from(f32::from_bits(((x as f32).to_bits() as i64 + k) as u32)),
            });
        }
    };
    match name {
        "sin" | "cos" | "tan" => {
            for k in 1..2000 {
                v.push(near_half_pi(k as f64, fmt));
            }
            for _ in 0..2000 {
                let k = r
                    .log_uniform(10.0, if f64_ { 1020.0 } else { 126.0 }, Signs::Pos)
                    .round();
                v.push(near_half_pi(k, fmt));
            }
            // Famous hard reductions: the double nearest a multiple of π/2
            // (Kahan–McDonald), and the f32 worst case for sinf.
            v.push(6381956970095103.0 * 2f64.powi(797));
            v.push(f64::from(f32::from_bits(0x5922_aa80)));
            for _ in 0..2000 {
                v.push(r.log_uniform(46.0, emax, Signs::Both)); // beyond the Cody–Waite range
            }
            near_zero(r, &mut v);
        }
        "exp" | "expm1" | "exp2" | "sinh" | "cosh" => {
            let (ov, sub_lo, sub_hi) = match (name, f64_) {
                ("exp2", true) => (1024.0, -1075.0, -1022.0),
                ("exp2", false) => (128.0, -150.0, -126.0),
                ("sinh" | "cosh", true) => (710.4758600739439, -745.2, -708.4),
                ("sinh" | "cosh", false) => (89.41599, -103.98, -87.3),
                (_, true) => (709.782712893384, -745.2, -708.4),
                (_, false) => (88.72284, -103.98, -87.3),
            };
            around(ov, 50, &mut v);
            around(-ov, 50, &mut v);
            if name != "cosh" && name != "sinh" {
                for _ in 0..2000 {
                    v.push(r.uniform(sub_lo, sub_hi)); // results in the subnormal range
                }
            }
            near_zero(r, &mut v);
        }
        "log" | "log2" | "log10" | "log1p" => {
            for _ in 0..2000 {
                // Subnormals: random mantissa, zero exponent.
                v.push(match fmt {
                    Fmt::F64 => f64::from_bits(r.next() & 0x000F_FFFF_FFFF_FFFF),
                    Fmt::F32 => f64::from(f32::from_bits(r.next() as u32 & 0x007F_FFFF)),
                });
            }
            around(1.0, 200, &mut v);
            for _ in 0..2000 {
                v.push(1.0 + r.log_uniform(emin, -1.0, Signs::Both));
            }
            if name == "log1p" {
                around(
                    -1.0 + if f64_ {
                        f64::EPSILON / 2.0
                    } else {
                        f64::from(f32::EPSILON) / 2.0
                    },
                    50,
                    &mut v,
                );
                near_zero(r, &mut v);
            }
        }
        "arcsin" | "arccos" | "arctanh" => {
            around(1.0, 100, &mut v);
            around(-1.0, 100, &mut v);
            for _ in 0..2000 {
                v.push(r.uniform(0.49, 0.51)); // SLEEF's asin switches formula at 0.5
                v.push(1.0 - r.log_uniform(emin, -1.0, Signs::Pos));
            }
            near_zero(r, &mut v);
        }
        "arccosh" => {
            around(1.0, 200, &mut v);
            for _ in 0..2000 {
                v.push(1.0 + r.log_uniform(emin, -1.0, Signs::Pos));
                v.push(r.log_uniform(20.0, emax, Signs::Pos));
            }
        }
        "tanh" | "arcsinh" | "arctan" | "cbrt" => {
            near_zero(r, &mut v);
            for _ in 0..2000 {
                v.push(r.log_uniform(0.0, emax, Signs::Both));
            }
            if name == "tanh" {
                for _ in 0..2000 {
                    v.push(r.uniform(if f64_ { 17.0 } else { 7.0 }, if f64_ { 20.0 } else { 10.0 }));
                }
            }
        }
        _ => panic!("no hard cases for {name}"),
    }
    v.into_iter().map(|x| fmt.round(x)).collect()
}

/// Hard pairs for a two-argument function.
fn hard_binary(name: &str, fmt: Fmt, r: &mut Rng) -> Vec<(f64, f64)> {
    let f64_ = fmt == Fmt::F64;
    let emax = if f64_ { 1024.0 } else { 128.0 };
    let mut v = Vec::new();
    match name {
        "power" => {
            for _ in 0..3000 {
                // x near 1, large y (the error of log x is magnified).
                let x = 1.0 + r.log_uniform(-52.0, -1.0, Signs::Both);
                v.push((x, r.uniform(-1e4, 1e4)));
                // negative x, integer y.
                v.push((-r.uniform(0.0, 10.0), r.uniform(-300.0, 300.0).round()));
                // results near overflow and underflow.
                let x = r.uniform(1.5, 10.0);
                let lim = if f64_ { 1024.0 } else { 128.0 };
                let y = lim / x.log2() * r.uniform(0.98, 1.02);
                v.push((x, y));
                v.push((x, -y * if f64_ { 1.05 } else { 1.2 }));
                // small integer exponents and halves.
                v.push((
                    r.log_uniform(-100.0, 100.0, Signs::Both),
                    (r.uniform(-8.0, 8.0) * 2.0).round() / 2.0,
                ));
            }
        }
        "arctan2" => {
            for _ in 0..3000 {
                let x = r.log_uniform(-100.0, 100.0, Signs::Both);
                v.push((x * r.uniform(0.99, 1.01), x)); // near ±π/4, ±3π/4
                v.push((
                    r.log_uniform(-1074.0f64.max(-149.0 * if f64_ { 8.0 } else { 1.0 }), 0.0, Signs::Both),
                    r.log_uniform(0.0, emax, Signs::Both),
                ));
                v.push((
                    r.log_uniform(0.0, emax, Signs::Both),
                    r.log_uniform(-100.0, 0.0, Signs::Both),
                ));
            }
        }
        "hypot" => {
            for _ in 0..3000 {
                v.push((
                    r.log_uniform(emax - 3.0, emax, Signs::Both),
                    r.log_uniform(emax - 3.0, emax, Signs::Both),
                ));
                v.push((
                    r.log_uniform(-1074.0, -1000.0, Signs::Both),
                    r.log_uniform(-1074.0, -1000.0, Signs::Both),
                ));
                v.push((
                    r.log_uniform(-50.0, 50.0, Signs::Both),
                    r.log_uniform(-50.0, 50.0, Signs::Both),
                ));
            }
        }
        "fmod" => {
            for _ in 0..3000 {
                v.push((
                    r.log_uniform(0.0, emax, Signs::Both),
                    r.log_uniform(-60.0, 10.0, Signs::Both),
                ));
                let y = r.uniform(0.5, 2.0);
                v.push((y * r.uniform(0.0, 1e6).round() + r.uniform(-1e-10, 1e-10), y));
            }
        }
        "logaddexp" | "logaddexp2" => {
            for _ in 0..3000 {
                let x = r.uniform(-800.0, 800.0);
                v.push((x, x + r.log_uniform(-60.0, 6.0, Signs::Both))); // near each other
                v.push((x, -x)); // near 0 when x ≈ 0
                let x = r.log_uniform(-1074.0, 0.0, Signs::Both);
                v.push((x, -x * r.uniform(0.9, 1.1)));
            }
        }
        _ => panic!("no hard cases for {name}"),
    }
    v.into_iter().map(|(x, y)| (fmt.round(x), fmt.round(y))).collect()
}

/// The exact value (at PREC bits) of a one-argument function.
fn exact_unary(name: &str, x: f64) -> Float {
    let f = Float::with_val(PREC, x);
    match name {
        "exp" => f.exp(),
        "exp2" => f.exp2(),
        "expm1" => f.exp_m1(),
        "log" => f.ln(),
        "log2" => f.log2(),
        "log10" => f.log10(),
        "log1p" => f.ln_1p(),
        "cbrt" => f.cbrt(),
        "sin" => f.sin(),
        "cos" => f.cos(),
        "tan" => f.tan(),
        "arcsin" => f.asin(),
        "arccos" => f.acos(),
        "arctan" => f.atan(),
        "sinh" => f.sinh(),
        "cosh" => f.cosh(),
        "tanh" => f.tanh(),
        "arcsinh" => f.asinh(),
        "arccosh" => f.acosh(),
        "arctanh" => f.atanh(),
        _ => panic!("no MPFR reference for {name}"),
    }
}

/// The exact value of a two-argument function (MPFR follows C99 Annex F
/// for the special cases; logaddexp is NumPy's definition).
fn exact_binary(name: &str, x: f64, y: f64) -> Float {
    let fx = Float::with_val(PREC, x);
    let fy = Float::with_val(PREC, y);
    match name {
        "arctan2" => fx.atan2(&fy),
        "power" => fx.pow(&fy),
        "hypot" => fx.hypot(&fy),
        "fmod" => fx % &fy,
        "logaddexp" | "logaddexp2" => {
            let two = name == "logaddexp2";
            if x.is_nan() || y.is_nan() {
                return Float::with_val(PREC, f64::NAN);
            }
            if x == y {
                // NumPy: x + log(2) (or + 1), also for infinities.
                return if two {
                    fx + 1u32
                } else {
                    fx + Float::with_val(PREC, Constant::Log2)
                };
            }
            let (m, d) = if x > y {
                let d = Float::with_val(PREC, &fy - &fx);
                (fx, d)
            } else {
                let d = Float::with_val(PREC, &fx - &fy);
                (fy, d)
            };
            // d = min − max exactly (two f64s differ by at most 2^1024:
            // PREC bits hold it within 2^-100 relative, far below an ULP of
            // the result's sensitivity); m + log1p(b^d) / log(b).
            if two {
                let t = d.exp2().ln_1p() / Float::with_val(PREC, Constant::Log2);
                m + t
            } else {
                m + d.exp().ln_1p()
            }
        }
        _ => panic!("no MPFR reference for {name}"),
    }
}

/// ULP error of `ours` against the exact value, and whether it is a
/// special-value mismatch.
fn ulp_error(ours: f64, exact: &Float, fmt: Fmt) -> (f64, bool) {
    let (emax, emin_ulp, mant) = fmt.params();
    if exact.is_nan() || ours.is_nan() {
        return if exact.is_nan() && ours.is_nan() {
            (0.0, false)
        } else {
            (f64::INFINITY, true)
        };
    }
    // The correctly rounded value, to tell "should overflow" apart.
    let rounded = fmt.round(exact.to_f64());
    let special = rounded.is_infinite() != ours.is_infinite()
        || (rounded.is_infinite() && rounded != ours)
        || (exact.is_zero() && ours == 0.0 && exact.is_sign_negative() != ours.is_sign_negative());
    let big = Float::with_val(PREC, Float::i_exp(1, emax));
    let clamp = |v: Float| -> Float {
        if v.is_infinite() || v.clone().abs() > big {
            if v.is_sign_negative() {
                -big.clone()
            } else {
                big.clone()
            }
        } else {
            v
        }
    };
    let e = clamp(exact.clone());
    let o = clamp(Float::with_val(PREC, ours));
    let ulp_exp = if e.is_zero() {
        emin_ulp
    } else {
        (e.get_exp().unwrap() - 1 - mant).max(emin_ulp)
    };
    let mut d = Float::with_val(PREC, &o - &e).abs();
    d >>= ulp_exp;
    (d.to_f64(), special)
}

#[derive(Default)]
struct Stat {
    n: u64,
    max: f64,
    sum: f64,
    worst: String,
    specials: u64,
    special_example: String,
}

impl Stat {
    fn add(&mut self, err: f64, special: bool, what: impl FnOnce() -> String) {
        self.n += 1;
        if special {
            self.specials += 1;
            if self.special_example.is_empty() {
                self.special_example = what();
            }
            return;
        }
        self.sum += err;
        if err > self.max || self.worst.is_empty() {
            self.max = err;
            self.worst = what();
        }
    }
}

fn show(x: f64, fmt: Fmt) -> String {
    match fmt {
        Fmt::F64 => format!("{x:e}"),
        Fmt::F32 => format!("{:e}", x as f32),
    }
}

fn unary_inputs(name: &str, fmt: Fmt, n: usize, seed: u64) -> Vec<f64> {
    let mut r = Rng(seed);
    let dom = domain(name, fmt);
    let mut v = Vec::with_capacity(n + 20_000);
    for s in specials(fmt) {
        v.extend([s, -s]);
    }
    for _ in 0..n / 8 {
        v.push(match fmt {
            Fmt::F64 => f64::from_bits(r.next()),
            Fmt::F32 => f64::from(f32::from_bits(r.next() as u32)),
        });
    }
    let per = (n * 7 / 16) / dom.uniform.len();
    for &(lo, hi) in &dom.uniform {
        for _ in 0..per {
            v.push(fmt.round(r.uniform(lo, hi)));
        }
    }
    let (lo, hi, signs) = dom.log;
    for _ in 0..n * 7 / 16 {
        v.push(fmt.round(r.log_uniform(lo, hi, signs)));
    }
    v.extend(hard_unary(name, fmt, &mut r));
    v
}

fn binary_inputs(name: &str, fmt: Fmt, n: usize, seed: u64) -> Vec<(f64, f64)> {
    let mut r = Rng(seed);
    let dom = domain(name, fmt);
    let mut v = Vec::with_capacity(n + 20_000);
    let sp: Vec<f64> = specials(fmt).into_iter().flat_map(|s| [s, -s]).collect();
    for &a in &sp {
        for &b in &sp {
            v.push((a, b));
        }
    }
    let bits = |r: &mut Rng| match fmt {
        Fmt::F64 => f64::from_bits(r.next()),
        Fmt::F32 => f64::from(f32::from_bits(r.next() as u32)),
    };
    for _ in 0..n / 8 {
        v.push((bits(&mut r), bits(&mut r)));
    }
    let per = (n * 7 / 16) / dom.uniform.len();
    for &(lo, hi) in &dom.uniform {
        for _ in 0..per {
            v.push((fmt.round(r.uniform(lo, hi)), fmt.round(r.uniform(lo, hi))));
        }
    }
    let (lo, hi, signs) = dom.log;
    for _ in 0..n * 7 / 16 {
        v.push((
            fmt.round(r.log_uniform(lo, hi, signs)),
            fmt.round(r.log_uniform(lo, hi, signs)),
        ));
    }
    v.extend(hard_binary(name, fmt, &mut r));
    v
}

struct Row {
    name: &'static str,
    fmt: Fmt,
    stat: Stat,
}

/// Writes `DIR/NAME.DTYPE.bin`: for each input x (and y), the exact value
/// as a double-double (hi = exact rounded to f64, lo = the rest), all
/// little-endian f64; for `numpy_ulp.py`.
struct Dump(Option<std::path::PathBuf>);
impl Dump {
    fn write(&self, name: &str, fmt: Fmt, cols: &[Vec<f64>]) {
        let Some(dir) = &self.0 else { return };
        let path = dir.join(format!("{name}.{}.bin", fmt.name()));
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create dump file"));
        let n = cols[0].len();
        for i in 0..n {
            for c in cols {
                f.write_all(&c[i].to_le_bytes()).unwrap();
            }
        }
    }
}

fn split(exact: &Float) -> (f64, f64) {
    let hi = exact.to_f64();
    let lo = if hi.is_finite() && exact.is_finite() {
        Float::with_val(PREC, exact - hi).to_f64()
    } else {
        0.0
    };
    (hi, lo)
}

fn sampled(n: usize, only: &[String], dump: &Dump) -> Vec<Row> {
    let mut rows = Vec::new();
    let unary: Vec<&'static UnaryFn> = UnaryOp::ALL.iter().filter_map(|o| o.math()).collect();
    let binary: Vec<&'static BinaryFn> = BinaryOp::ALL.iter().filter_map(|o| o.math()).collect();
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    for (i, f) in unary.iter().enumerate() {
        if !wanted(f.name) {
            continue;
        }
        for fmt in [Fmt::F64, Fmt::F32] {
            let xs = unary_inputs(f.name, fmt, n, 0xACC0_0000 + i as u64 * 2 + (fmt == Fmt::F32) as u64);
            let mut st = Stat::default();
            let mut cols = vec![Vec::new(), Vec::new(), Vec::new()];
            for &x in &xs {
                let ours = match fmt {
                    Fmt::F64 => (f.f64)(x),
                    Fmt::F32 => f64::from((f.f32)(x as f32)),
                };
                let exact = exact_unary(f.name, x);
                let (err, special) = ulp_error(ours, &exact, fmt);
                st.add(err, special, || format!("{}({})", f.name, show(x, fmt)));
                if dump.0.is_some() {
                    let (hi, lo) = split(&exact);
                    cols[0].push(x);
                    cols[1].push(hi);
                    cols[2].push(lo);
                }
            }
            dump.write(f.name, fmt, &cols);
            eprintln!(
                "{:>10} {}: max {:.3} ULP over {} inputs",
                f.name,
                fmt.name(),
                st.max,
                st.n
            );
            rows.push(Row {
                name: f.name,
                fmt,
                stat: st,
            });
        }
    }
    for (i, f) in binary.iter().enumerate() {
        if !wanted(f.name) {
            continue;
        }
        for fmt in [Fmt::F64, Fmt::F32] {
            let ps = binary_inputs(f.name, fmt, n, 0xB1AA_0000 + i as u64 * 2 + (fmt == Fmt::F32) as u64);
            let mut st = Stat::default();
            let mut cols = vec![Vec::new(), Vec::new(), Vec::new(), Vec::new()];
            for &(x, y) in &ps {
                let ours = match fmt {
                    Fmt::F64 => (f.f64)(x, y),
                    Fmt::F32 => f64::from((f.f32)(x as f32, y as f32)),
                };
                let exact = exact_binary(f.name, x, y);
                let (err, special) = ulp_error(ours, &exact, fmt);
                st.add(err, special, || {
                    format!("{}({}, {})", f.name, show(x, fmt), show(y, fmt))
                });
                if dump.0.is_some() {
                    let (hi, lo) = split(&exact);
                    cols[0].push(x);
                    cols[1].push(y);
                    cols[2].push(hi);
                    cols[3].push(lo);
                }
            }
            dump.write(f.name, fmt, &cols);
            eprintln!(
                "{:>10} {}: max {:.3} ULP over {} inputs",
                f.name,
                fmt.name(),
                st.max,
                st.n
            );
            rows.push(Row {
                name: f.name,
                fmt,
                stat: st,
            });
        }
    }
    rows
}

/// glibc's f64 function, the reference of the exhaustive f32 run.
fn glibc_f64(name: &str) -> fn(f64) -> f64 {
    match name {
        "exp" => f64::exp,
        "exp2" => f64::exp2,
        "expm1" => f64::exp_m1,
        "log" => f64::ln,
        "log2" => f64::log2,
        "log10" => f64::log10,
        "log1p" => f64::ln_1p,
        "cbrt" => f64::cbrt,
        "sin" => f64::sin,
        "cos" => f64::cos,
        "tan" => f64::tan,
        "arcsin" => f64::asin,
        "arccos" => f64::acos,
        "arctan" => f64::atan,
        "sinh" => f64::sinh,
        "cosh" => f64::cosh,
        "tanh" => f64::tanh,
        "arcsinh" => f64::asinh,
        "arccosh" => f64::acosh,
        "arctanh" => f64::atanh,
        _ => panic!("no glibc reference for {name}"),
    }
}

/// ULP error of an f32 result against an f64 reference value, in f32 ULPs
/// (the same conventions as `ulp_error`, in f64 arithmetic: exact enough
/// for a reference that is itself within 2^-29 f32 ULP).
fn ulp_error_f32(ours: f32, reference: f64) -> (f64, bool) {
    if reference.is_nan() || ours.is_nan() {
        return if reference.is_nan() && ours.is_nan() {
            (0.0, false)
        } else {
            (f64::INFINITY, true)
        };
    }
    let rounded = reference as f32;
    let special = rounded.is_infinite() != ours.is_infinite()
        || (rounded.is_infinite() && rounded != ours)
        || (reference == 0.0 && ours == 0.0 && reference.is_sign_negative() != ours.is_sign_negative());
    let big = 2f64.powi(128);
    let clamp = |v: f64| if v.abs() > big { big.copysign(v) } else { v };
    let e = clamp(reference);
    let o = clamp(f64::from(ours));
    let ulp = if e == 0.0 {
        2f64.powi(-149)
    } else {
        let ex = e.abs().log2().floor() as i32;
        2f64.powi((ex - 23).max(-149))
    };
    ((o - e).abs() / ulp, special)
}

fn exhaustive_f32(only: &[String], threads: usize, stride: u64) -> Vec<Row> {
    let mut rows = Vec::new();
    for f in UnaryOp::ALL.iter().filter_map(|o| o.math()) {
        if !(only.is_empty() || only.iter().any(|o| o == f.name)) {
            continue;
        }
        let reference = glibc_f64(f.name);
        let t0 = std::time::Instant::now();
        let parts: Vec<Stat> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..threads as u64)
                .map(|t| {
                    s.spawn(move || {
                        let mut st = Stat::default();
                        let mut x = t * stride;
                        let step = threads as u64 * stride;
                        let mut block = [0f32; 4096];
                        let mut bits = [0u32; 4096];
                        while x < 1 << 32 {
                            let mut k = 0;
                            while k < block.len() && x < 1 << 32 {
                                bits[k] = x as u32;
                                block[k] = f32::from_bits(x as u32);
                                k += 1;
                                x += step;
                            }
                            let mut out = block;
                            lazyfuse_block_f32(f, &mut out[..k]);
                            for j in 0..k {
                                let xin = f32::from_bits(bits[j]);
                                let (err, special) = ulp_error_f32(out[j], reference(f64::from(xin)));
                                st.add(err, special, || format!("{}({:e} = {:#010x})", f.name, xin, bits[j]));
                            }
                        }
                        st
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut st = Stat::default();
        for p in parts {
            st.n += p.n;
            st.sum += p.sum;
            st.specials += p.specials;
            if st.special_example.is_empty() {
                st.special_example = p.special_example;
            }
            if p.max > st.max || st.worst.is_empty() {
                st.max = p.max;
                st.worst = p.worst;
            }
        }
        eprintln!(
            "{:>10} float32 exhaustive: max {:.3} ULP over {} inputs ({:.0?})",
            f.name,
            st.max,
            st.n,
            t0.elapsed()
        );
        rows.push(Row {
            name: f.name,
            fmt: Fmt::F32,
            stat: st,
        });
    }
    rows
}

/// The block function the JIT calls (current path), on any length.
fn lazyfuse_block_f32(f: &UnaryFn, x: &mut [f32]) {
    let mut chunks = x.chunks_exact_mut(lazyfuse::internals::math::BLOCK);
    for c in &mut chunks {
        // SAFETY: `c` holds BLOCK initialised values.
        unsafe { (f.block_f32)(c.as_mut_ptr()) };
    }
    for v in chunks.into_remainder() {
        *v = (f.f32)(*v);
    }
}

/// `--throughput`: nanoseconds per element of each block function (the
/// code the JIT calls) on data in L1, after subtracting the refill of the
/// block. Inputs are uniform in [0.05, 0.95] (plus 1 for arccosh), so every
/// function runs its ordinary range; the kernels have no branches on the
/// value, so the range matters little.
fn throughput(only: &[String]) {
    use std::hint::black_box;
    use std::time::Instant;
    const N: usize = 4096;
    const REPS: usize = 2000;
    let block = lazyfuse::internals::math::BLOCK;
    let src: Vec<f64> = (0..N)
        .map(|i| 0.05 + 0.9 * ((i * 2_654_435_761) % N) as f64 / N as f64)
        .collect();
    let best = |f: &mut dyn FnMut()| {
        (0..5)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    println!("| function | f64 ns/elem | f32 ns/elem |");
    println!("|---|---:|---:|");
    for f in UnaryOp::ALL.iter().filter_map(|o| o.math()) {
        if !(only.is_empty() || only.iter().any(|o| o == f.name)) {
            continue;
        }
        let shift = if f.name == "arccosh" { 1.0 } else { 0.0 };
        let s64: Vec<f64> = src.iter().map(|v| v + shift).collect();
        let s32: Vec<f32> = s64.iter().map(|&v| v as f32).collect();
        let mut b64 = s64.clone();
        let mut b32 = s32.clone();
        let copy64 = best(&mut || {
            for _ in 0..REPS {
                b64.copy_from_slice(black_box(&s64));
                black_box(&mut b64);
            }
        });
        let t64 = best(&mut || {
            for _ in 0..REPS {
                b64.copy_from_slice(black_box(&s64));
                for c in b64.chunks_exact_mut(block) {
                    // SAFETY: `c` holds BLOCK initialised values.
                    unsafe { (f.block_f64)(c.as_mut_ptr()) };
                }
                black_box(&mut b64);
            }
        });
        let copy32 = best(&mut || {
            for _ in 0..REPS {
                b32.copy_from_slice(black_box(&s32));
                black_box(&mut b32);
            }
        });
        let t32 = best(&mut || {
            for _ in 0..REPS {
                b32.copy_from_slice(black_box(&s32));
                for c in b32.chunks_exact_mut(block) {
                    // SAFETY: `c` holds BLOCK initialised values.
                    unsafe { (f.block_f32)(c.as_mut_ptr()) };
                }
                black_box(&mut b32);
            }
        });
        let per = |t: f64, c: f64| (t - c) * 1e9 / (REPS * N) as f64;
        println!("| {} | {:.3} | {:.3} |", f.name, per(t64, copy64), per(t32, copy32));
    }
    println!(
        "\nBlock functions on the {} path, {N} elements in L1, best of 5 runs of {REPS} passes.",
        lazyfuse::internals::math::Path::current().name()
    );
}

fn table(rows: &[Row], reference: &str) -> String {
    let mut s = String::new();
    writeln!(
        s,
        "| function | dtype | max ULP | mean ULP | inputs | special-value mismatches | worst input |"
    )
    .unwrap();
    writeln!(s, "|---|---|---:|---:|---:|---:|---|").unwrap();
    for r in rows {
        let st = &r.stat;
        let ok = st.n - st.specials;
        writeln!(
            s,
            "| {} | {} | {:.3} | {:.4} | {} | {}{} | {} |",
            r.name,
            r.fmt.name(),
            st.max,
            if ok > 0 { st.sum / ok as f64 } else { 0.0 },
            st.n,
            st.specials,
            if st.specials > 0 {
                format!(" (e.g. `{}`)", st.special_example)
            } else {
                String::new()
            },
            if st.max > 0.0 {
                format!("`{}`", st.worst)
            } else {
                "—".to_string()
            }
        )
        .unwrap();
    }
    writeln!(s, "\nReference: {reference}.").unwrap();
    s
}

fn usage() -> ! {
    eprintln!(
        "usage: lazyfuse-accuracy [--samples N] [--only NAME,...] [--dump DIR] [--out FILE]\n\
         \x20      lazyfuse-accuracy --exhaustive-f32 [--threads T] [--stride S] [--only NAME,...] [--out FILE]\n\
         \x20      lazyfuse-accuracy --throughput [--only NAME,...]"
    );
    std::process::exit(2)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut n = 100_000usize;
    let mut only: Vec<String> = Vec::new();
    let mut exhaustive = false;
    let mut threads = 1usize;
    let mut stride = 1u64;
    let mut out: Option<String> = None;
    let mut dump = Dump(None);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--samples" => n = val().parse().unwrap_or_else(|_| usage()),
            "--only" => only = val().split(',').map(str::to_string).collect(),
            "--exhaustive-f32" => exhaustive = true,
            "--throughput" => {
                let rest: Vec<String> = args.collect();
                let only = match rest.as_slice() {
                    [] => Vec::new(),
                    [o, v] if o == "--only" => v.split(',').map(str::to_string).collect(),
                    _ => usage(),
                };
                throughput(&only);
                return;
            }
            "--threads" => threads = val().parse().unwrap_or_else(|_| usage()),
            "--stride" => stride = val().parse().unwrap_or_else(|_| usage()),
            "--out" => out = Some(val()),
            "--dump" => {
                let d = std::path::PathBuf::from(val());
                std::fs::create_dir_all(&d).expect("create dump dir");
                dump = Dump(Some(d));
            }
            _ => usage(),
        }
    }
    let path = lazyfuse::internals::math::Path::current();
    let (rows, reference) = if exhaustive {
        let rows = exhaustive_f32(&only, threads.max(1), stride.max(1));
        let what = if stride > 1 {
            format!("every {stride}-th f32 bit pattern")
        } else {
            "all 2^32 f32 inputs".to_string()
        };
        (
            rows,
            format!(
                "glibc's f64 function on the f32 input (not MPFR), {what}, block functions on the {} path",
                path.name()
            ),
        )
    } else {
        let rows = sampled(n, &only, &dump);
        (rows, format!("MPFR at {PREC} bits (rug), {n} random inputs per function and dtype plus hard cases and special values, scalar kernels ({} path)", path.name()))
    };
    let t = table(&rows, &reference);
    print!("{t}");
    if let Some(o) = out {
        std::fs::write(&o, &t).expect("write --out");
    }
}
