//! The inputs of the sampled run, per function and format: a splitmix64
//! generator, domains (uniform and log-uniform), special values and hard
//! cases, and the mix of them.

use crate::reference::*;
use rug::float::Constant;
use rug::Float;

/// splitmix64.
pub(crate) struct Rng(pub(crate) u64);
impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub(crate) fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    /// Magnitude 2^e, e uniform in [lo, hi], random mantissa; sign by `signs`.
    pub(crate) fn log_uniform(&mut self, lo: f64, hi: f64, signs: Signs) -> f64 {
        let m = self.uniform(lo, hi).exp2();
        match signs {
            Signs::Pos => m,
            Signs::Both if self.next() & 1 == 1 => -m,
            Signs::Both => m,
        }
    }
}

#[derive(Clone, Copy)]
pub(crate) enum Signs {
    Pos,
    Both,
}

/// The output format: f64 or f32.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Fmt {
    F64,
    F32,
}

impl Fmt {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Fmt::F64 => "float64",
            Fmt::F32 => "float32",
        }
    }
    /// Exponent of the overflow threshold, of the smallest ULP, mantissa bits.
    pub(crate) fn params(self) -> (i32, i32, i32) {
        match self {
            Fmt::F64 => (1024, -1074, 52),
            Fmt::F32 => (128, -149, 23),
        }
    }
    pub(crate) fn round(self, x: f64) -> f64 {
        match self {
            Fmt::F64 => x,
            Fmt::F32 => x as f32 as f64,
        }
    }
}

/// Where a function's ordinary arguments live, per dtype: uniform ranges
/// and a log-uniform exponent range with its signs.
pub(crate) struct Domain {
    pub(crate) uniform: Vec<(f64, f64)>,
    pub(crate) log: (f64, f64, Signs),
}

pub(crate) fn domain(name: &str, fmt: Fmt) -> Domain {
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
pub(crate) fn specials(fmt: Fmt) -> Vec<f64> {
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
pub(crate) fn near_half_pi(k: f64, fmt: Fmt) -> f64 {
    let half_pi = Float::with_val(PREC + 1100, Constant::Pi) / 2u32;
    let v = (half_pi * Float::with_val(64, k)).to_f64();
    fmt.round(v)
}

/// Hard cases for a one-argument function.
pub(crate) fn hard_unary(name: &str, fmt: Fmt, r: &mut Rng) -> Vec<f64> {
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
pub(crate) fn hard_binary(name: &str, fmt: Fmt, r: &mut Rng) -> Vec<(f64, f64)> {
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

pub(crate) fn unary_inputs(name: &str, fmt: Fmt, n: usize, seed: u64) -> Vec<f64> {
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

pub(crate) fn binary_inputs(name: &str, fmt: Fmt, n: usize, seed: u64) -> Vec<(f64, f64)> {
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
