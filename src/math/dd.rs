//! Double-double (f64 pairs) and float-float (f32 pairs) arithmetic, and
//! the extended-precision exponential and logarithm kernels that the
//! hyperbolic functions and `power` build on.
//!
//! Ported from SLEEF (Boost Software License 1.0; see `LICENSE-SLEEF.txt`
//! in this folder): `src/common/dd.h` and `df.h` (the variants for CPUs
//! with fused multiply-add — every path here has one, the portable path
//! through libm's correctly rounded `fma`), and the internal kernels
//! `expk`, `expk2`, `logk`, `logk2` of `sleefsimddp.c` and `expkf`,
//! `expk2f`, `logkf`, `logk2f` of `sleefsimdsp.c`. Changes from SLEEF:
//! polynomials are evaluated by Horner's rule instead of Estrin's scheme,
//! exponents stay in floating point (`2^q` is built from its bits, as in
//! `common::pow2_f64`) so nothing converts a float to an integer, and
//! `expk2`/`expk2f` take an extra power-of-two scale so that `sinh`/`cosh`
//! can compute `e^x / 2` without overflowing where `e^x` would.
//!
//! A pair `Dd { x, y }` stands for the unevaluated sum `x + y` with
//! `|y| ≤ ulp(x)/2` (after normalisation). Every function is
//! `#[inline(always)]` and branch-free on the value.

use super::common::{pow2i_f32, pow2i_f64, round_f64};

/// An unevaluated sum `x + y` of two floats of the same type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dd<T> {
    /// The leading part.
    pub x: T,
    /// The trailing part.
    pub y: T,
}

/// The pair `(x, y)`.
#[inline(always)]
pub fn dd<T>(x: T, y: T) -> Dd<T> {
    Dd { x, y }
}

/// A double-double.
pub type D2 = Dd<f64>;
/// A float-float.
pub type F2 = Dd<f32>;

/// The same arithmetic for both element types (SLEEF's `dd*` and `df*`
/// functions are letter-for-letter the same).
macro_rules! two_float_arith {
    ($t:ty) => {
        impl Dd<$t> {
            /// `if c { a } else { b }` on both parts.
            #[inline(always)]
            pub fn sel(c: bool, a: Self, b: Self) -> Self {
                dd(if c { a.x } else { b.x }, if c { a.y } else { b.y })
            }

            /// `x + y` as one float.
            #[inline(always)]
            pub fn sum(self) -> $t {
                self.x + self.y
            }

            /// `-(x + y)`.
            #[inline(always)]
            pub fn negate(self) -> Self {
                dd(-self.x, -self.y)
            }

            /// Renormalise so that `|y| ≤ ulp(x)/2`.
            #[inline(always)]
            pub fn normalize(self) -> Self {
                let s = self.x + self.y;
                dd(s, self.x - s + self.y)
            }

            /// Both parts times `s` (exact for a power of two).
            #[inline(always)]
            pub fn scale(self, s: $t) -> Self {
                dd(self.x * s, self.y * s)
            }

            /// `a + b`, `|a| ≥ |b|` (`ddadd_vd2_vd_vd`).
            #[inline(always)]
            pub fn add_ff(a: $t, b: $t) -> Self {
                let s = a + b;
                dd(s, a - s + b)
            }

            /// `a + b`, any magnitudes (`ddadd2_vd2_vd_vd`).
            #[inline(always)]
            pub fn add2_ff(a: $t, b: $t) -> Self {
                let s = a + b;
                let v = s - a;
                dd(s, (a - (s - v)) + (b - v))
            }

            /// `self + b`, `|self| ≥ |b|` (`ddadd_vd2_vd2_vd`).
            #[inline(always)]
            pub fn add_f(self, b: $t) -> Self {
                let s = self.x + b;
                dd(s, self.x - s + b + self.y)
            }

            /// `self + b`, any magnitudes (`ddadd2_vd2_vd2_vd`).
            #[inline(always)]
            pub fn add2_f(self, b: $t) -> Self {
                let s = self.x + b;
                let v = s - self.x;
                let w = (self.x - (s - v)) + (b - v);
                dd(s, w + self.y)
            }

            /// `a + b`, `|a| ≥ |b|` (`ddadd_vd2_vd_vd2`).
            #[inline(always)]
            pub fn f_add(a: $t, b: Self) -> Self {
                let s = a + b.x;
                dd(s, a - s + b.x + b.y)
            }

            /// `a + b`, any magnitudes (`ddadd2_vd2_vd_vd2`).
            #[inline(always)]
            pub fn f_add2(a: $t, b: Self) -> Self {
                let s = a + b.x;
                let v = s - a;
                dd(s, ((a - (s - v)) + (b.x - v)) + b.y)
            }

            /// `self + b`, `|self| ≥ |b|` (`ddadd_vd2_vd2_vd2`).
            #[inline(always)]
            pub fn add_dd(self, b: Self) -> Self {
                let s = self.x + b.x;
                dd(s, self.x - s + b.x + self.y + b.y)
            }

            /// `self + b`, any magnitudes (`ddadd2_vd2_vd2_vd2`).
            #[inline(always)]
            pub fn add2(self, b: Self) -> Self {
                let s = self.x + b.x;
                let v = s - self.x;
                let t = (self.x - (s - v)) + (b.x - v);
                dd(s, t + (self.y + b.y))
            }

            /// `self - b`, `|self| ≥ |b|` (`ddsub_vd2_vd2_vd2`).
            #[inline(always)]
            pub fn sub_dd(self, b: Self) -> Self {
                let s = self.x - b.x;
                let t = self.x - s;
                let t = t - b.x;
                let t = t + self.y;
                dd(s, t - b.y)
            }

            /// `n / d` (`dddiv_vd2_vd2_vd2`).
            #[inline(always)]
            pub fn div_dd(n: Self, d: Self) -> Self {
                let t = 1.0 / d.x;
                let s = n.x * t;
                let u = t.mul_add(n.x, -s);
                let v = (-d.y).mul_add(t, (-d.x).mul_add(t, 1.0));
                dd(s, s.mul_add(v, n.y.mul_add(t, u)))
            }

            /// `a · b`, exact (`ddmul_vd2_vd_vd`).
            #[inline(always)]
            pub fn mul_ff(a: $t, b: $t) -> Self {
                let s = a * b;
                dd(s, a.mul_add(b, -s))
            }

            /// `self²` (`ddsqu_vd2_vd2`).
            #[inline(always)]
            pub fn squ(self) -> Self {
                let s = self.x * self.x;
                dd(s, (self.x + self.x).mul_add(self.y, self.x.mul_add(self.x, -s)))
            }

            /// `self · b` (`ddmul_vd2_vd2_vd2`).
            #[inline(always)]
            pub fn mul_dd(self, b: Self) -> Self {
                let s = self.x * b.x;
                dd(
                    s,
                    self.x.mul_add(b.y, self.y.mul_add(b.x, self.x.mul_add(b.x, -s))),
                )
            }

            /// `self · b` (`ddmul_vd2_vd2_vd`).
            #[inline(always)]
            pub fn mul_f(self, b: $t) -> Self {
                let s = self.x * b;
                dd(s, self.y.mul_add(b, self.x.mul_add(b, -s)))
            }

            /// `1 / d` (`ddrec_vd2_vd`).
            #[inline(always)]
            pub fn rec_f(d: $t) -> Self {
                let s = 1.0 / d;
                dd(s, s * (-d).mul_add(s, 1.0))
            }

            /// `1 / self` (`ddrec_vd2_vd2`).
            #[inline(always)]
            pub fn rec(self) -> Self {
                let s = 1.0 / self.x;
                dd(s, s * (-self.y).mul_add(s, (-self.x).mul_add(s, 1.0)))
            }

            /// `√self` (`ddsqrt_vd2_vd2`).
            #[inline(always)]
            pub fn sqrt(self) -> Self {
                let t = (self.x + self.y).sqrt();
                self.add2(Self::mul_ff(t, t)).mul_dd(Self::rec_f(t)).scale(0.5)
            }
        }
    };
}

two_float_arith!(f64);
two_float_arith!(f32);

/// `x` with its sign flipped where `s` is negative (SLEEF's `mulsign`).
#[inline(always)]
pub fn mulsign_f64(x: f64, s: f64) -> f64 {
    f64::from_bits(x.to_bits() ^ (s.to_bits() & (1 << 63)))
}

/// `x` with its sign flipped where `s` is negative (SLEEF's `mulsign`).
#[inline(always)]
pub fn mulsign_f32(x: f32, s: f32) -> f32 {
    f32::from_bits(x.to_bits() ^ (s.to_bits() & (1 << 31)))
}

/// An integer `k < 2^52` as a float, exactly, without an int→float
/// conversion instruction (AVX2 has none for 64-bit lanes).
#[inline(always)]
fn u52_to_f64(k: u64) -> f64 {
    f64::from_bits(0x4330_0000_0000_0000 | k) - 4_503_599_627_370_496.0
}

const LN2_DD: Dd<f64> = Dd {
    x: 0.693_147_180_559_945_286_226_764,
    y: 2.319_046_813_846_299_558_417_771e-17,
};
const L2U: f64 = 0.693_147_180_559_662_956_511_601_805_686_950_683_593_75;
const L2L: f64 = 0.282_352_905_630_315_771_225_884_481_750_134_360_255_254_120_68e-12;
const R_LN2: f64 = std::f64::consts::LOG2_E;

const LN2_DF: Dd<f32> = Dd {
    x: 0.693_147_182_464_599_609_38,
    y: -1.904_654_323_148_236_017e-09,
};
const L2UF: f32 = 0.693_145_751_953_125;
const L2LF: f32 = 1.428_606_765_330_187_045e-06;
const R_LN2F: f32 = std::f32::consts::LOG2_E;

/// `ln d` for a positive finite `d` (subnormals included), as a
/// double-double (SLEEF's `logk`, used by `power`). Other inputs give
/// meaningless values that the callers replace.
#[inline(always)]
pub fn logk(d: f64) -> Dd<f64> {
    let o = d < f64::MIN_POSITIVE;
    let d = if o { d * 18_446_744_073_709_551_616.0 } else { d };
    // e = ilogb(d · 4/3), m = d · 2^-e in [0.75, 1.5).
    let field = ((d * (1.0 / 0.75)).to_bits() >> 52) & 0x7ff;
    let m = f64::from_bits(d.to_bits().wrapping_sub(field.wrapping_sub(0x3ff) << 52));
    let e = u52_to_f64(field) - 1023.0;
    let e = if o { e - 64.0 } else { e };

    let x = D2::div_dd(D2::add2_ff(-1.0, m), D2::add2_ff(1.0, m));
    let x2 = x.squ();
    let z = x2.x;
    let mut t: f64 = 0.116_255_524_079_935_043_668_677;
    t = t.mul_add(z, 0.103_239_680_901_072_952_701_192);
    t = t.mul_add(z, 0.117_754_809_412_463_995_466_069);
    t = t.mul_add(z, 0.133_329_810_868_462_739_215_09);
    t = t.mul_add(z, 0.153_846_227_114_512_262_845_736);
    t = t.mul_add(z, 0.181_818_180_850_050_775_676_507);
    t = t.mul_add(z, 0.222_222_222_230_083_560_345_903);
    t = t.mul_add(z, 0.285_714_285_714_249_172_087_875);
    t = t.mul_add(z, 0.400_000_000_000_000_077_715_612);
    let c = dd(0.666_666_666_666_666_629_659_233, 3.805_549_625_424_120_563_366_16e-17);

    let mut s = LN2_DD.mul_f(e);
    s = s.add_dd(x.scale(2.0));
    let x = x2.mul_dd(x);
    s = s.add_dd(x.mul_dd(c));
    let x = x2.mul_dd(x);
    s.add_dd(x.mul_f(t))
}

/// `e^(d.x + d.y)` rounded to f64 (SLEEF's `expk`, used by `power`): 0
/// below -1000; overflow is the caller's to detect.
#[inline(always)]
pub fn expk(d: Dd<f64>) -> f64 {
    let q = round_f64((d.x + d.y) * R_LN2);
    let s = d.add2_f(q * -L2U);
    let s = s.add2_f(q * -L2L);
    let s = s.normalize();
    let z = s.x;
    let mut u: f64 = 2.510_696_834_209_504_195_271_39e-08;
    u = u.mul_add(z, 2.762_861_667_702_706_491_168_55e-07);
    u = u.mul_add(z, 2.755_724_967_250_235_741_438_64e-06);
    u = u.mul_add(z, 2.480_149_739_898_197_941_141_53e-05);
    u = u.mul_add(z, 0.000_198_412_698_809_069_797_676_111);
    u = u.mul_add(z, 0.001_388_888_893_997_712_896_052_9);
    u = u.mul_add(z, 0.008_333_333_333_323_714_176_010_81);
    u = u.mul_add(z, 0.041_666_666_666_540_952_412_844_9);
    u = u.mul_add(z, 0.166_666_666_666_666_740_681_535);
    u = u.mul_add(z, 0.500_000_000_000_000_999_200_722);
    let t = D2::f_add(1.0, s);
    let t = t.add_dd(s.squ().mul_f(u));
    let u = pow2i_f64(t.x + t.y, q);
    if d.x < -1000.0 {
        0.0
    } else {
        u
    }
}

/// `2^k · e^(d.x + d.y)` as a double-double (SLEEF's `expk2` with the
/// extra integral scale `k`, used by sinh, cosh, tanh): 0 below -1000.
#[inline(always)]
pub fn expk2(d: Dd<f64>, k: f64) -> Dd<f64> {
    let q = round_f64((d.x + d.y) * R_LN2);
    let s = d.add2_f(q * -L2U);
    let s = s.add2_f(q * -L2L);
    let s2 = s.squ();
    let s4 = s2.squ();
    let z = s.x;
    let mut u: f64 = 0.160_247_221_970_993_207_2e-9;
    u = u.mul_add(z, 0.209_225_518_356_315_700_7e-8);
    u = u.mul_add(z, 0.250_523_002_378_264_446_5e-7);
    u = u.mul_add(z, 0.275_572_480_090_213_530_3e-6);
    u = u.mul_add(z, 0.275_573_189_238_604_437_3e-5);
    u = u.mul_add(z, 0.248_015_873_560_581_506_5e-4);
    u = u.mul_add(z, 0.198_412_698_414_807_185_8e-3);
    u = u.mul_add(z, 0.138_888_888_888_676_325_5e-2);
    u = u.mul_add(z, 0.833_333_333_333_334_709_5e-2);
    u = u.mul_add(z, 0.416_666_666_666_666_990_5e-1);
    let t = D2::f_add(0.5, s.mul_f(0.166_666_666_666_666_657_4));
    let t = D2::f_add(1.0, t.mul_dd(s));
    let t = D2::f_add(1.0, t.mul_dd(s));
    let t = t.add_dd(s4.mul_f(u));
    let q = q + k;
    let t = dd(pow2i_f64(t.x, q), pow2i_f64(t.y, q));
    D2::sel(d.x < -1000.0, dd(0.0, 0.0), t)
}

/// `ln(d.x + d.y)` for a positive finite pair (SLEEF's `logk2`, used by
/// arcsinh, arccosh, arctanh).
#[inline(always)]
pub fn logk2(d: Dd<f64>) -> Dd<f64> {
    // e = ilogb(d.x · 4/3), with tiny values scaled up first (ilogbk).
    let a = d.x * (1.0 / 0.75);
    let o = a < 4.909_093_465_297_726_6e-91;
    let a = if o { a * 2.037_035_976_334_486e90 } else { a };
    let field = (a.to_bits() >> 52) & 0x7ff;
    let e = u52_to_f64(field) - if o { 300.0 + 1023.0 } else { 1023.0 };
    let m = dd(pow2i_f64(d.x, -e), pow2i_f64(d.y, -e));

    let x = D2::div_dd(m.add2_f(-1.0), m.add2_f(1.0));
    let x2 = x.squ();
    let z = x2.x;
    let mut t: f64 = 0.138_604_363_904_671_679_108_56;
    t = t.mul_add(z, 0.131_699_838_841_615_374_240_845);
    t = t.mul_add(z, 0.153_914_168_346_271_945_653_214);
    t = t.mul_add(z, 0.181_816_523_941_564_611_721_589);
    t = t.mul_add(z, 0.222_222_246_326_620_354_039_96);
    t = t.mul_add(z, 0.285_714_285_511_134_091_777_308);
    t = t.mul_add(z, 0.400_000_000_000_914_013_309_483);
    t = t.mul_add(z, 0.666_666_666_666_664_853_302_393);

    let s = LN2_DD.mul_f(e);
    let s = s.add_dd(x.scale(2.0));
    s.add_dd(x2.mul_dd(x).mul_f(t))
}

/// `ln d` for a positive finite `d` (subnormals included), as a
/// float-float (SLEEF's `logkf`, used by `power`).
#[inline(always)]
pub fn logkf(d: f32) -> Dd<f32> {
    let o = d < f32::MIN_POSITIVE;
    let d = if o { d * 18_446_744_073_709_551_616.0 } else { d };
    let field = ((d * (1.0 / 0.75)).to_bits() >> 23) & 0xff;
    let m = f32::from_bits(d.to_bits().wrapping_sub(field.wrapping_sub(0x7f) << 23));
    // The field (< 256) as a float, exactly, from its bits.
    let e = f32::from_bits(0x4b00_0000 | field) - (8_388_608.0 + 127.0);
    let e = if o { e - 64.0 } else { e };

    let x = F2::div_dd(F2::add2_ff(-1.0, m), F2::add2_ff(1.0, m));
    let x2 = x.squ();
    let mut t: f32 = 0.240_320_354_700_088_500_976_562;
    t = t.mul_add(x2.x, 0.285_112_679_004_669_189_453_125);
    t = t.mul_add(x2.x, 0.400_007_992_982_864_379_882_812);
    let c = dd(
        0.666_666_626_930_236_816_406_25_f32,
        3.691_838_612_596_143_320_843_11e-09,
    );

    let s = LN2_DF.mul_f(e);
    let s = s.add_dd(x.scale(2.0));
    s.add_dd(x2.mul_dd(x).mul_dd(x2.mul_f(t).add2(c)))
}

/// `e^(d.x + d.y)` rounded to f32 (SLEEF's `expkf`): 0 below -104;
/// overflow is the caller's to detect.
#[inline(always)]
pub fn expkf(d: Dd<f32>) -> f32 {
    let q = ((d.x + d.y) * R_LN2F).round_ties_even();
    let s = d.add2_f(q * -L2UF);
    let s = s.add2_f(q * -L2LF);
    let s = s.normalize();
    let mut u: f32 = 0.001_363_246_468_827_128_410_339_36;
    u = u.mul_add(s.x, 0.008_365_969_173_610_210_418_701_17);
    u = u.mul_add(s.x, 0.041_671_082_377_433_776_855_468_8);
    u = u.mul_add(s.x, 0.166_665_524_244_308_471_679_688);
    u = u.mul_add(s.x, 0.499_999_850_988_388_061_523_438);
    let t = s.add_dd(s.squ().mul_f(u));
    let t = F2::f_add(1.0, t);
    let u = pow2i_f32(t.x + t.y, q);
    if d.x < -104.0 {
        0.0
    } else {
        u
    }
}

/// `2^k · e^(d.x + d.y)` as a float-float (SLEEF's `expk2f` with the
/// extra integral scale `k`): 0 below -104.
#[inline(always)]
pub fn expk2f(d: Dd<f32>, k: f32) -> Dd<f32> {
    let q = ((d.x + d.y) * R_LN2F).round_ties_even();
    let s = d.add2_f(q * -L2UF);
    let s = s.add2_f(q * -L2LF);
    let mut u: f32 = 0.198_096_022_4e-3;
    u = u.mul_add(s.x, 0.139_425_648_4e-2);
    u = u.mul_add(s.x, 0.833_345_670_3e-2);
    u = u.mul_add(s.x, 0.416_663_736_1e-1);
    let t = s.mul_f(u).add2_f(0.166_666_659_414_234_244_790_680_580_464);
    let t = s.mul_dd(t).add2_f(0.5);
    let t = s.add2(s.squ().mul_dd(t));
    let t = F2::f_add(1.0, t);
    let q = q + k;
    let t = dd(pow2i_f32(t.x, q), pow2i_f32(t.y, q));
    F2::sel(d.x < -104.0, dd(0.0, 0.0), t)
}

/// `ln(d.x + d.y)` for a positive finite pair (SLEEF's `logk2f`).
#[inline(always)]
pub fn logk2f(d: Dd<f32>) -> Dd<f32> {
    let a = d.x * (1.0 / 0.75);
    let o = a < 5.421_010_862_427_522e-20;
    let a = if o { a * 1.844_674_407_370_955_2e19 } else { a };
    let field = (a.to_bits() >> 23) & 0xff;
    let e = f32::from_bits(0x4b00_0000 | field)
        - if o {
            8_388_608.0 + 64.0 + 127.0
        } else {
            8_388_608.0 + 127.0
        };
    // SLEEF scales by 2^-e as one factor (dfscale by vpow2i): e is in
    // [-149, 128] here and 2^-e in range for every e the callers reach.
    let m = dd(pow2i_f32(d.x, -e), pow2i_f32(d.y, -e));

    let x = F2::div_dd(m.add2_f(-1.0), m.add2_f(1.0));
    let x2 = x.squ();
    let mut t: f32 = 0.239_282_846_450_805_664_062_5;
    t = t.mul_add(x2.x, 0.285_182_118_415_832_519_531_25);
    t = t.mul_add(x2.x, 0.400_005_877_017_974_853_515_625);
    t = t.mul_add(x2.x, 0.666_666_686_534_881_591_796_875);

    let s = LN2_DF.mul_f(e);
    let s = s.add_dd(x.scale(2.0));
    s.add_dd(x2.mul_dd(x).mul_f(t))
}
