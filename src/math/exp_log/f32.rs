//! Part of the exponentials and logarithms (see `mod.rs`).

#[allow(unused_imports)]
use super::*;

// ---- f32 ------------------------------------------------------------------

pub(super) const R_LN2F: f32 = std::f32::consts::LOG2_E;
pub(super) const L2UF: f32 = 0.693_145_751_953_125;
pub(super) const L2LF: f32 = 1.428_606_765_330_187_045e-06;

/// `e^d` before its scaling: `(u, q)` with `e^d ≈ u · 2^q`, `u` in
/// [0.70, 1.42] (no special cases).
#[inline(always)]
fn exp_core_f32(d: f32) -> (f32, f32) {
    let q = (d * R_LN2F).round_ties_even();
    let s = q.mul_add(-L2UF, d);
    let s = q.mul_add(-L2LF, s);
    let mut u: f32 = 0.000_198_527_617_612_853_646_278_381;
    u = u.mul_add(s, 0.001_393_043_552_525_341_510_772_71);
    u = u.mul_add(s, 0.008_333_360_776_305_198_669_433_59);
    u = u.mul_add(s, 0.041_666_485_369_205_474_853_515_6);
    u = u.mul_add(s, 0.166_666_671_633_720_397_949_219);
    u = u.mul_add(s, 0.5);
    (1.0 + (s * s).mul_add(u, s), q)
}

/// `e^x` (max error < 1 ULP).
#[inline(always)]
pub fn exp_f32(d: f32) -> f32 {
    let (u, q) = exp_core_f32(d);
    let u = pow2i_f32(u, q);
    let u = if d < -104.0 { 0.0 } else { u };
    if d > 100.0 {
        f32::INFINITY
    } else {
        u
    }
}

/// `e^d = (hi + lo) · 2^q`, the core of [`exp_f32`] keeping the low word
/// (`hi + lo` in [0.70, 1.42]; for `|d|` ≤ 86; callers scale by `2^q`).
#[inline(always)]
pub fn exp_parts_f32(d: f32) -> (f32, f32, f32) {
    let q = (d * R_LN2F).round_ties_even();
    let s = q.mul_add(-L2UF, d);
    let s = q.mul_add(-L2LF, s);
    let mut u: f32 = 0.000_198_527_617_612_853_646_278_381;
    u = u.mul_add(s, 0.001_393_043_552_525_341_510_772_71);
    u = u.mul_add(s, 0.008_333_360_776_305_198_669_433_59);
    u = u.mul_add(s, 0.041_666_485_369_205_474_853_515_6);
    u = u.mul_add(s, 0.166_666_671_633_720_397_949_219);
    u = u.mul_add(s, 0.5);
    let v = (s * s).mul_add(u, s);
    let hi = 1.0 + v;
    let lo = (1.0 - hi) + v;
    (hi, lo, q)
}

/// Where [`exp_fast_f32`] gives [`exp_f32`]'s bits: `|d| ≤ 86.5`, so `q`
/// lies in [-125, 125] and `u · 2^q` is a normal number (NaN is outside).
#[inline(always)]
pub fn exp_fast_ok_f32(d: f32) -> bool {
    d.abs() <= 86.5
}

/// [`exp_f32`] for `|d| ≤ 86.5` ([`exp_fast_ok_f32`]): one multiplication
/// by `2^q`; the same bits (both scalings are exact for a normal result).
#[inline(always)]
pub fn exp_fast_f32(d: f32) -> f32 {
    let (u, q) = exp_core_f32(d);
    u * pow2_f32(q)
}

/// SLEEF's `expk2f`.
#[inline(always)]
pub(super) fn expk2_f32(d: dw32::D) -> dw32::D {
    use dw32::*;
    let q = ((d.x + d.y) * R_LN2F).round_ties_even();
    let s = add2_ds(d, q * -L2UF);
    let s = add2_ds(s, q * -L2LF);
    let mut u: f32 = 0.198_096_022_4e-3;
    u = u.mul_add(s.x, 0.139_425_648_4e-2);
    u = u.mul_add(s.x, 0.833_345_670_3e-2);
    u = u.mul_add(s.x, 0.416_663_736_1e-1);
    let t = add2_ds(mul_ds(s, u), 0.166_666_659_414_234_244_790_680_580_464);
    let t = add2_ds(mul_dd(s, t), 0.5);
    let t = add2_dd(s, mul_dd(squ(s), t));
    let t = add_sd(1.0, t);
    let lo = d.x < -104.0;
    D {
        x: if lo { 0.0 } else { pow2i_f32(t.x, q) },
        y: if lo { 0.0 } else { pow2i_f32(t.y, q) },
    }
}

/// `e^x - 1` (max error < 1 ULP).
#[inline(always)]
pub fn expm1_f32(a: f32) -> f32 {
    use dw32::*;
    let d = add2_ds(expk2_f32(D { x: a, y: 0.0 }), -1.0);
    let x = d.x + d.y;
    let x = if a > 88.722_831_726_074_218_75 {
        f32::INFINITY
    } else {
        x
    };
    let x = if a < -16.635_532_333_438_687_426_013_570 {
        -1.0
    } else {
        x
    };
    if a == 0.0 {
        a
    } else {
        x
    }
}

/// `2^x` (max error < 1 ULP).
#[inline(always)]
pub fn exp2_f32(d: f32) -> f32 {
    let q = d.round_ties_even();
    let s = d - q;
    let mut u: f32 = 0.153_592_089_2e-3;
    u = u.mul_add(s, 0.133_926_270_1e-2);
    u = u.mul_add(s, 0.961_838_476_4e-2);
    u = u.mul_add(s, 0.555_034_726_9e-1);
    u = u.mul_add(s, 0.240_226_447_6);
    u = u.mul_add(s, 0.693_147_182_5);
    u = u.mul_add(s, 1.0);
    let u = pow2i_f32(u, q);
    let u = if d >= 128.0 { f32::INFINITY } else { u };
    if d < -150.0 {
        0.0
    } else {
        u
    }
}

/// `ln x` (max error < 1 ULP).
#[inline(always)]
pub fn log_f32(d: f32) -> f32 {
    use dw32::*;
    let (m, e) = log_split_f32(d);
    let x = div_dd(add2_ss(-1.0, m), add2_ss(1.0, m));
    let x2 = x.x * x.x;
    let mut t: f32 = 0.302_729_487_4;
    t = t.mul_add(x2, 0.399_610_817_4);
    t = t.mul_add(x2, 0.666_669_488);
    let s = mul_ds(d_ln2_f32(), e);
    let s = add_dd(s, scale(x, 2.0));
    let s = add_ds(s, (x2 * x.x) * t);
    log_special_f32(d, s.x + s.y)
}

#[inline(always)]
pub(super) fn d_ln2_f32() -> dw32::D {
    dw32::dw(0.693_147_182_464_599_609_38, -1.904_654_323_148_236_017e-09)
}

/// `log2 x` (max error < 1 ULP).
#[inline(always)]
pub fn log2_f32(d: f32) -> f32 {
    use dw32::*;
    let (m, e) = log_split_f32(d);
    let x = div_dd(add2_ss(-1.0, m), add2_ss(1.0, m));
    let x2 = x.x * x.x;
    let mut t: f32 = 0.437_455_028_3;
    t = t.mul_add(x2, 0.576_479_017_7);
    t = t.mul_add(x2, 0.961_801_290_512_0);
    let s = add2_sd(
        e,
        mul_dd(x, dw(2.885_390_043_258_666_992_2, 3.273_447_448_356_848_861_6e-08)),
    );
    let s = add2_ds(s, (x2 * x.x) * t);
    log_special_f32(d, s.x + s.y)
}

/// `log10 x` (max error < 1 ULP).
#[inline(always)]
pub fn log10_f32(d: f32) -> f32 {
    use dw32::*;
    let (m, e) = log_split_f32(d);
    let x = div_dd(add2_ss(-1.0, m), add2_ss(1.0, m));
    let x2 = x.x * x.x;
    let mut t: f32 = 0.131_428_986_8;
    t = t.mul_add(x2, 0.173_549_354_1);
    t = t.mul_add(x2, 0.289_530_962_7);
    let s = mul_ds(dw(0.301_030_01, -1.432_098_889e-08), e);
    let s = add_dd(s, mul_dd(x, dw(0.868_588_984, -2.170_757_285e-08)));
    let s = add_ds(s, (x2 * x.x) * t);
    log_special_f32(d, s.x + s.y)
}

/// `ln(1 + d)` as a double word, for finite `d > -1` (SLEEF's `xlog1p`
/// before its final rounding and special cases).
#[inline(always)]
pub(super) fn log1p_core_f32(d: f32) -> dw32::D {
    use dw32::*;
    let dp1 = d + 1.0;
    // 1 + d = 2^e · (1 + m), 2^-e formed as 2^(1-(e-1)) / 4 so that it
    // stays representable for e = 128 (d near the largest float); dp1 ≥
    // 2^-24 for d > -1, so no subnormal scaling is needed.
    let eb = expo_bits_f32(dp1 * (0.5 / 0.75));
    let e1 = int_f32(eb) - 127.0; // e - 1, in [-26, 127]
    let t = pow2_f32(1.0 - e1) * 0.25;
    let m = d.mul_add(t, t - 1.0);
    let e = e1 + 1.0;
    let s = mul_ds(d_ln2_f32(), e);
    let x = div_dd(dw(m, 0.0), add_ss(2.0, m));
    let x2 = x.x * x.x;
    let mut t: f32 = 0.302_729_487_4;
    t = t.mul_add(x2, 0.399_610_817_4);
    t = t.mul_add(x2, 0.666_669_488);
    let s = add_dd(s, scale(x, 2.0));
    add_ds(s, (x2 * x.x) * t)
}

/// `ln(1 + x)` (max error < 1 ULP).
#[inline(always)]
pub fn log1p_f32(d: f32) -> f32 {
    let s = log1p_core_f32(d);
    let r = s.x + s.y;
    // log1p(d) rounds to d for tiny |d|; the core would lose subnormals
    // (it halves d). This also gives ±0 → ±0.
    let r = if d.abs() < 1e-9 { d } else { r };
    let r = if d == f32::INFINITY { f32::INFINITY } else { r };
    let r = if d < -1.0 || d.is_nan() { f32::NAN } else { r };
    let r = if d == -1.0 { f32::NEG_INFINITY } else { r };
    if d == 0.0 {
        d
    } else {
        r
    }
}

/// The cube root (max error < 1 ULP).
#[inline(always)]
pub fn cbrt_f32(d: f32) -> f32 {
    use dw32::*;
    let a = d.abs();
    let o = a < 5.421_010_862_427_522e-20;
    let a = if o { a * 1.844_674_407_370_955_2e19 } else { a };
    let e = int_f32(expo_bits_f32(a)) - if o { 64.0 + 127.0 } else { 127.0 } + 1.0;
    let d = pow2i_f32(d, -e);

    let t = e + 6144.0;
    let qu = (t * (1.0 / 3.0)).trunc();
    let re = (t - qu * 3.0).trunc();
    let q2 = if re == 1.0 {
        D {
            x: 1.259_921_073_913_574_218_8,
            y: -2.401_870_169_421_727_041_5e-08,
        }
    } else if re == 2.0 {
        D {
            x: 1.587_401_032_447_814_941_4,
            y: 1.952_038_530_816_935_235_6e-08,
        }
    } else {
        D { x: 1.0, y: 0.0 }
    };
    let q2 = D {
        x: mulsign_f32(q2.x, d),
        y: mulsign_f32(q2.y, d),
    };
    let d = d.abs();

    let mut x: f32 = -0.601_564_466_953_277_587_890_625;
    x = x.mul_add(d, 2.820_889_234_542_846_679_687_5);
    x = x.mul_add(d, -5.532_182_216_644_287_109_375);
    x = x.mul_add(d, 5.898_262_500_762_939_453_125);
    x = x.mul_add(d, -3.809_541_702_270_507_812_5);
    x = x.mul_add(d, 2.224_125_623_703_002_929_687_5);

    let y = x * x;
    let y = y * y;
    // SLEEF: x - vmlanp(d, y, x) · (-1/3), vmlanp(a, b, c) = c - a·b.
    let x = x - (-d).mul_add(y, x) * (-1.0 / 3.0);
    let z = x;

    let u = mul_ss(x, x);
    let u = mul_dd(u, u);
    let u = mul_ds(u, d);
    let u = add2_ds(u, -x);
    let y = u.x + u.y;

    let y = (-2.0 / 3.0 * y) * z;
    let v = add2_ds(mul_ss(z, z), y);
    let v = mul_ds(v, d);
    let v = mul_dd(v, q2);
    let z = pow2i_f32(v.x + v.y, qu - 2048.0);

    let z = if d.is_infinite() {
        mulsign_f32(f32::INFINITY, q2.x)
    } else {
        z
    };
    if d == 0.0 {
        mulsign_f32(0.0, q2.x)
    } else {
        z
    }
}

/// NumPy's `logaddexp` for f32, computed in f64 (the f32 formula loses up
/// to 2 ULP where the result crosses zero) and rounded once; `x == y`
/// gives `x + ln 2` in f32 as NumPy's `npy_logaddexpf` does.
#[inline(always)]
pub fn logaddexp_f32(x: f32, y: f32) -> f32 {
    let r = logaddexp_f64(x as f64, y as f64) as f32;
    if x == y {
        x + std::f32::consts::LN_2
    } else {
        r
    }
}

/// NumPy's `logaddexp2` for f32 (as `logaddexp_f32`).
#[inline(always)]
pub fn logaddexp2_f32(x: f32, y: f32) -> f32 {
    let r = logaddexp2_f64(x as f64, y as f64) as f32;
    if x == y {
        x + 1.0
    } else {
        r
    }
}
