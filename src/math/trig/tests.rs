//! Tests of the trigonometric functions.
use super::*;
use crate::math::Path;

/// A small deterministic generator (SplitMix64).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    /// ±10^e with e uniform in [lo, hi].
    fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        let m = 10f64.powf(self.uniform(lo, hi));
        if self.next() & 1 == 0 {
            m
        } else {
            -m
        }
    }
}

/// Distance in units in the last place (0 when both are NaN or equal).
fn ulp64(a: f64, b: f64) -> f64 {
    if a.is_nan() && b.is_nan() || a == b {
        return 0.0;
    }
    if a.is_nan() || b.is_nan() || a.is_infinite() || b.is_infinite() {
        return f64::INFINITY;
    }
    let key = |x: f64| {
        let b = x.to_bits() as i64;
        if b < 0 {
            -(b & i64::MAX)
        } else {
            b
        }
    };
    (key(a) as i128 - key(b) as i128).unsigned_abs() as f64
}

fn ulp32(a: f32, b: f32) -> f64 {
    if a.is_nan() && b.is_nan() || a == b {
        return 0.0;
    }
    if a.is_nan() || b.is_nan() || a.is_infinite() || b.is_infinite() {
        return f64::INFINITY;
    }
    let key = |x: f32| {
        let b = x.to_bits() as i32;
        if b < 0 {
            -(b & i32::MAX) as i64
        } else {
            b as i64
        }
    };
    (key(a) - key(b)).unsigned_abs() as f64
}

/// Inputs for sin/cos/tan: uniform and log-uniform over the range,
/// near multiples of π/2 (small and up to 2^46 quadrants), huge.
fn trig_inputs() -> Vec<f64> {
    let mut r = Rng(1);
    let mut v = Vec::new();
    for _ in 0..3000 {
        v.push(r.uniform(-10.0, 10.0));
        v.push(r.uniform(-1e6, 1e6));
        v.push(r.log_uniform(-320.0, 308.0));
        v.push(r.log_uniform(-8.0, 16.0));
        // Near multiples of π/2 (the nearest doubles and neighbours).
        let k = (r.next() >> (18 + r.next() % 45)) as f64;
        let m = k * std::f64::consts::FRAC_PI_2;
        let d = (r.next() % 5) as i64 - 2;
        v.push(f64::from_bits((m.to_bits() as i64 + d) as u64));
    }
    // Around the thresholds of the Payne–Hanek path, and known hard
    // cases of the reduction.
    for x in [
        1e14,
        f64::from_bits(1e14f64.to_bits() - 1),
        f64::from_bits(1e14f64.to_bits() + 1),
        f64::MAX,
        f64::MIN_POSITIVE,
        5e-324,
        1.570_796_326_794_896_6,
        3.141_592_653_589_793,
        1e22,
        f64::from_bits(0x7fe0_0000_0000_0000),
    ] {
        v.push(x);
        v.push(-x);
    }
    v
}

fn check_unary64(name: &str, f: fn(f64) -> f64, libm: fn(f64) -> f64, xs: &[f64], tol: f64) {
    let mut worst = (0.0, 0.0);
    for &x in xs {
        let e = ulp64(f(x), libm(x));
        if e > worst.0 {
            worst = (e, x);
        }
    }
    eprintln!("{name}: max {} ULP vs libm at {:e}", worst.0, worst.1);
    assert!(
        worst.0 <= tol,
        "{name}({:e}) = {:e}, libm {:e}",
        worst.1,
        f(worst.1),
        libm(worst.1)
    );
}

fn check_unary32(name: &str, f: fn(f32) -> f32, libm: fn(f64) -> f64, xs: &[f64], tol: f64) {
    let mut worst = (0.0, 0.0f32);
    for &x in xs {
        let x = x as f32;
        let e = ulp32(f(x), libm(f64::from(x)) as f32);
        if e > worst.0 {
            worst = (e, x);
        }
    }
    eprintln!("{name}: max {} ULP vs libm(f64) at {:e}", worst.0, worst.1);
    assert!(worst.0 <= tol, "{name}({:e})", worst.1);
}

#[test]
fn sin_cos_tan_against_libm() {
    let xs = trig_inputs();
    check_unary64("sin_f64", sin_f64, f64::sin, &xs, 1.0);
    check_unary64("cos_f64", cos_f64, f64::cos, &xs, 1.0);
    check_unary64("tan_f64", tan_f64, f64::tan, &xs, 1.0);
    check_unary32("sin_f32", sin_f32, f64::sin, &xs, 1.0);
    check_unary32("cos_f32", cos_f32, f64::cos, &xs, 1.0);
    check_unary32("tan_f32", tan_f32, f64::tan, &xs, 1.0);
    for &x in &xs {
        let (s, c) = sincos_f64(x);
        assert_eq!(s.to_bits(), sin_f64(x).to_bits());
        assert_eq!(c.to_bits(), cos_f64(x).to_bits());
    }
}

/// Arguments closest to multiples of π/2 (from the continued fraction
/// of π/2^(e+1), one per 9 binades up to 2^970, and 6381956970095103·2^797,
/// the closest of all doubles) with sin, cos, tan correctly rounded
/// by mpmath at 3000 bits. glibc is 8 ULP off on cos of the last one.
#[rustfmt::skip]
const HARD: [(u64, u64, u64, u64); 115] = [
(0x3ff921fb54442d18, 0x3ff0000000000000, 0x3c91a62633145c07, 0x434d02967c31cdb5),
(0x4096c6cbc45dc8de, 0x3c76d61b58c99c43, 0x3ff0000000000000, 0x3c76d61b58c99c43),
(0x4139eb7148f354d6, 0x3ff0000000000000, 0xbc8d0afa32c646ca, 0xc351a10d0f282028),
(0x41cb951f1572eba5, 0xbc9f54f5227a4e84, 0x3ff0000000000000, 0xbc9f54f5227a4e84),
(0x425bb23eaa3db16d, 0xbff0000000000000, 0x3ca6b244e2e34da0, 0xc3368f05a4020491),
(0x42e7512069b7430d, 0x3ff0000000000000, 0x3c761c21d74e1f63, 0x43672834d7fcdd72),
(0x437ae9608c734e12, 0x3ff0000000000000, 0x3c981ebac224221d, 0x43453a27759a7b1b),
(0x43fa7f3bc5a7ed9e, 0x3ff0000000000000, 0xbc90e54c54604e37, 0xc34e4db721f5aab5),
(0x447782b7a20df6d4, 0xbca7a6500ca6d83b, 0x3ff0000000000000, 0xbca7a6500ca6d83b),
(0x452e0664dbedfec5, 0xbc8c0de77c1ccc58, 0x3ff0000000000000, 0xbc8c0de77c1ccc58),
(0x45b66bd5424e5655, 0xbc77a6b2243e72f6, 0x3ff0000000000000, 0xbc77a6b2243e72f6),
(0x462637efca22412c, 0x3ff0000000000000, 0xbca3927bb0fa049c, 0xc33a28d8771399fe),
(0x469d99e1681eada0, 0x3ff0000000000000, 0xbc8e1584cde91f30, 0xc35104dbeced06b0),
(0x47647623428452f0, 0x3ff0000000000000, 0x3c9a01dd34200b55, 0x4343afd1beec6085),
(0x47be7426933f5760, 0x3ff0000000000000, 0xbc932031dcc10669, 0xc34ac52a4f55b4e9),
(0x488504cac51f1eaf, 0xbca0cb604d34f341, 0x3ff0000000000000, 0xbca0cb604d34f341),
(0x4915ad5a62cb1cc9, 0x3c91fa59d4990bd6, 0x3ff0000000000000, 0x3c91fa59d4990bd6),
(0x49a205a1c297f6b9, 0xbff0000000000000, 0x3c8391b020c2706f, 0xc35a29e89597ae14),
(0x4a3682ff8e5429dd, 0xbc8431caba863cf3, 0xbff0000000000000, 0x3c8431caba863cf3),
(0x4a9c54e136ed2490, 0xbff0000000000000, 0x3c9b52a865f401c3, 0xc342bd26bd9b14d9),
(0x4b50539b48d14c55, 0xbff0000000000000, 0xbc635481dbfbe4fc, 0x437a7cb7cb4280b0),
(0x4bebb4c8e40cbe5d, 0xbff0000000000000, 0xbc9e7b636f724744, 0x4340cbfb7750ea1e),
(0x4c5e7e44a78ac18c, 0xbc5ed415f54c8cb8, 0xbff0000000000000, 0x3c5ed415f54c8cb8),
(0x4d01e58e52ea1a07, 0x3ff0000000000000, 0x3c7405e730019397, 0x4369920d81efc2e0),
(0x4d9741b6813300ba, 0x3ff0000000000000, 0x3c746ffe964146b1, 0x43690d50cd6da644),
(0x4e133322fd48b212, 0x3c9ac62ba4e6c21c, 0x3ff0000000000000, 0x3c9ac62ba4e6c21c),
(0x4ebdf2a1602b3cb8, 0xbff0000000000000, 0x3ca32a5dc1a321b2, 0xc33ab6f537349a17),
(0x4f4311682dbdddb1, 0xbff0000000000000, 0x3ca17c74f12ff69b, 0xc33d47c1c469c36d),
(0x4fdb2196364d750b, 0xbc612bbbe07f2de1, 0xbff0000000000000, 0x3c612bbbe07f2de1),
(0x50698d4578b193d2, 0xbff0000000000000, 0x3c9b1a80f8d43050, 0xc342e3f9a40023ed),
(0x50f16e59932ab3bc, 0xbff0000000000000, 0x3c98213126d82007, 0xc34537fce4f3ce09),
(0x5177fe9a7dd5da32, 0x3ff0000000000000, 0xbc8b3b10e3287c32, 0xc352cd62d73a15d9),
(0x5210530495e6a4f5, 0xbff0000000000000, 0xbca0e6219ed2f4c1, 0x433e4c38a7a1500d),
(0x52ac45cd11154dfd, 0xbc901242876d7c1b, 0x3ff0000000000000, 0xbc901242876d7c1b),
(0x53229f4751019fda, 0x3ff0000000000000, 0x3ca1fd426e95a6b7, 0x433c761c6beb5ba5),
(0x53c44599ae031379, 0xbc9bb722955e057d, 0x3ff0000000000000, 0xbc9bb722955e057d),
(0x5448cb19eebd359a, 0xbff0000000000000, 0xbc9ceb943c55acff, 0x4341b430d0da83f4),
(0x54d9ded4c87d5e84, 0x3ff0000000000000, 0x3c83d1cc7de27fde, 0x4359d546aa7307b3),
(0x556979b4570b7a0e, 0xbc96523af15e29e3, 0x3ff0000000000000, 0xbc96523af15e29e3),
(0x5604abfe6de79797, 0xbff0000000000000, 0x3c8f9f43f70ee3fe, 0xc35030f1fa01ddad),
(0x5674582ff44b4254, 0x3c9f513975200fd9, 0xbff0000000000000, 0xbc9f513975200fd9),
(0x572de2d078fdf377, 0xbc98d046e92c963c, 0xbff0000000000000, 0x3c98d046e92c963c),
(0x57be2b9b851ea7fc, 0x3ff0000000000000, 0x3ca2e653c1a9b250, 0x433b17217ec4f96f),
(0x584835af7edac347, 0x3ff0000000000000, 0xbca2eff82521f645, 0xc33b095668b34dd7),
(0x58b1179529d573dc, 0x3ff0000000000000, 0xbca11e00fd14574e, 0xc33de95373352b30),
(0x59609dbd23407407, 0xbff0000000000000, 0x3c99ebd37c3f16df, 0xc343c08e8dc4e375),
(0x59f11bb9a5a2006d, 0xbff0000000000000, 0x3c8f009ff7dc3994, 0xc35083cbcfb60b4e),
(0x5a76dd6b29edc33a, 0x3ca3455f72eb7b7d, 0x3ff0000000000000, 0x3ca3455f72eb7b7d),
(0x5af372ec0e7828ec, 0xbca888d6cfc5d1f5, 0x3ff0000000000000, 0xbca888d6cfc5d1f5),
(0x5b96e9c864f3423a, 0xbff0000000000000, 0x3c92f9aa933ed8e0, 0xc34afb855faf1970),
(0x5c31bc285fdf5532, 0xbff0000000000000, 0x3c90c98b1f76c508, 0xc34e7fd11abd707f),
(0x5ccfba8ee030fbaa, 0x3ff0000000000000, 0x3ca4a9c9f29bfc59, 0x4338c73ef9aa1ab2),
(0x5d51888cac3906f4, 0x3ff0000000000000, 0x3ca05b2306303aea, 0x433f4db197e0398e),
(0x5defe85261f02860, 0x3ff0000000000000, 0x3c95e5455c01b9e8, 0x4347623a77b348f4),
(0x5e6b88cbb4e32576, 0xbff0000000000000, 0x3c638ffe4e7e3a15, 0xc37a2c2ccbc1a632),
(0x5f07833fa59d0dfd, 0xbca19ca23f5c493d, 0xbff0000000000000, 0x3ca19ca23f5c493d),
(0x5f9b5a5ea40fa00c, 0xbff0000000000000, 0xbc95a9939294b35c, 0x4347a2aa8bde4a0a),
(0x600776ae889d49fc, 0x3c9a507d0c087a8e, 0xbff0000000000000, 0xbc9a507d0c087a8e),
(0x60b2c13b6442dbff, 0x3ff0000000000000, 0x3c9976e93f1fa64d, 0x43441b3eb1a28157),
(0x614b8a736a0d5561, 0xbff0000000000000, 0xbc9425fd2b7349d5, 0x434969551091ee0f),
(0x61ab0a5ad59bd288, 0xbff0000000000000, 0xbca3cac4a10d0919, 0x4339de73e4902a6e),
(0x62622e6cf95d097e, 0xbff0000000000000, 0xbca44eecc3ff30c5, 0x4339361c1ccc4dec),
(0x62f6bf5d7abaf7c8, 0xbff0000000000000, 0xbc80d2b5fd89d0cd, 0x435e6f325eb6a1be),
(0x6384f6243f039841, 0x3ff0000000000000, 0x3c8186a146afb85a, 0x435d36c2bd259174),
(0x6404c96c11134d36, 0xbff0000000000000, 0x3c46ec67bcf77522, 0xc39655cf9e23c4d7),
(0x647959cedbbee908, 0xbff0000000000000, 0xbca577a829c51bd7, 0x4337d9a08e1cbe2a),
(0x6531312ad8b78947, 0x3ff0000000000000, 0xbc9604e881eddcfc, 0xc34740a169f31698),
(0x65a435eccf87bbe8, 0x3ff0000000000000, 0xbca35a5b5a7d44ee, 0xc33a74b6447b5f92),
(0x66583009e2e9e2eb, 0x3ff0000000000000, 0xbc5104830400912a, 0xc38e1621fb1336a5),
(0x66c3dfd068a48750, 0xbff0000000000000, 0x3ca6ae6078d2cc0c, 0xc33692e4ac9cdcc0),
(0x6775e13dc1c15d0e, 0xbff0000000000000, 0xbc96f061bfe375ca, 0x434651f066edf036),
(0x680668db30162b3d, 0xbc9b531f155186d0, 0xbff0000000000000, 0x3c9b531f155186d0),
(0x6894e271aabf89dd, 0x3c9945142e3d188a, 0xbff0000000000000, 0xbc9945142e3d188a),
(0x68c3bd7cdea6f380, 0x3ff0000000000000, 0xbca3fca6de2f7655, 0xc3399de3726e85db),
(0x69ae7e16d0c96f8a, 0xbff0000000000000, 0xbc9c54f353b44734, 0x4342125094b74f28),
(0x6a31e47413bee7c2, 0xbff0000000000000, 0x3ca0e799558732fe, 0xc33e4997465acf14),
(0x6ac44a9f3e395802, 0x3ff0000000000000, 0xbca0d0e98ff86f99, 0xc33e7273ab9ce8e3),
(0x6b629460d8eb8d38, 0xbff0000000000000, 0xbc8ed1f0426d9a14, 0x43509cd017cc50ce),
(0x6bff0c9d98414062, 0xbff0000000000000, 0xbc9a22e11902dd64, 0x434396f376eee0f3),
(0x6c75ae169cea43d6, 0xbff0000000000000, 0xbc82ee3de9450182, 0x435b0bce005d085b),
(0x6d07297569b20594, 0xbff0000000000000, 0x3c8ff1d192d260b4, 0xc350071a5c6d6049),
(0x6da276316f976fff, 0xbff0000000000000, 0xbc932fdbb0bbfeac, 0x434aaf4faed26420),
(0x6e1e038ad65a52cc, 0xbc8e37b78592d858, 0xbff0000000000000, 0x3c8e37b78592d858),
(0x6ebf1da9499ae9de, 0x3ff0000000000000, 0x3ca304916bff99e4, 0x433aec0db8efc2be),
(0x6f37369da61b3214, 0x3c9b1061287bf420, 0xbff0000000000000, 0xbc9b1061287bf420),
(0x6fd4a4629b09d4fe, 0xbff0000000000000, 0x3c980d7e9c39abb0, 0xc345495d4c6771e4),
(0x7069e0cf28408e96, 0x3ff0000000000000, 0xbc8412aeb24a42e6, 0xc35981c601626a0d),
(0x7100a7473c7012e8, 0xbff0000000000000, 0x3c993a7d49945d75, 0xc3444b663f56a6c3),
(0x7196e8d778c94d66, 0xbff0000000000000, 0xbc63c408220c4c3f, 0x4379e744df9d68fc),
(0x71f52f4fe34c0e00, 0x3ff0000000000000, 0x3c773359896edc01, 0x4366118341d7110c),
(0x72252f4fe34c0e00, 0xbca73359896edc01, 0x3ff0000000000000, 0xbca73359896edc01),
(0x72fc2af369704700, 0x3ff0000000000000, 0x3ca648679f483022, 0x4336fa3267210e29),
(0x73df04242f88c33b, 0xbff0000000000000, 0x3c99c31cdb00f077, 0xc343dfc5b77bfcb8),
(0x7466bb62833eac47, 0xbc9544dc8cbb4adf, 0xbff0000000000000, 0x3c9544dc8cbb4adf),
(0x74e359a70fac764e, 0xbff0000000000000, 0x3ca1c0007945470c, 0xc33cd855c3f0bda1),
(0x7586ac5b262ca1ff, 0x3ca14ae72e6ba22f, 0x3ff0000000000000, 0x3ca14ae72e6ba22f),
(0x75eb62b83416a3e8, 0xbff0000000000000, 0x3ca84f9be4365889, 0xc3350f7998df7183),
(0x768a5de46db774e4, 0xbc8179ba16b759d8, 0xbff0000000000000, 0x3c8179ba16b759d8),
(0x77266f7d5bbd5db6, 0xbff0000000000000, 0x3ca868f474267133, 0xc334f99b64c76cb2),
(0x77cb5c7300aebd13, 0xbff0000000000000, 0x3c9b09aa3e3ea3c2, 0xc342efbd6d5baba8),
(0x785f8bf8d599a78b, 0x3ff0000000000000, 0xbc9d9adcd196660c, 0xc3414b5ed413bce4),
(0x78d0332fe835389a, 0x3c90d968db0dd11c, 0x3ff0000000000000, 0x3c90d968db0dd11c),
(0x795212e7467faccc, 0x3ca73689ccd34b79, 0x3ff0000000000000, 0x3ca73689ccd34b79),
(0x7a0fce36f3ebfe43, 0xbc79ff6c901855d4, 0xbff0000000000000, 0x3c79ff6c901855d4),
(0x7a8a5046cd1fcafe, 0xbca3be2b37a106dd, 0x3ff0000000000000, 0xbca3be2b37a106dd),
(0x7b0ed3b71dd7a104, 0x3ff0000000000000, 0xbc90a7c1ad528a3e, 0xc34ebdb005a81c20),
(0x7bb61b5424947a42, 0x3ff0000000000000, 0xbca4de55c4c3fbf5, 0xc33888dae4dd4e41),
(0x7c4e109a7163f279, 0xbca5148652b33bd3, 0x3ff0000000000000, 0xbca5148652b33bd3),
(0x7cd408e81423ea13, 0xbff0000000000000, 0x3c7c3e87d51972ec, 0xc36220a8e29c2c2b),
(0x7d678875916718db, 0xbff0000000000000, 0xbc812d1da05706f7, 0x435dcf0270347e23),
(0x7dfe009c53148be1, 0x3c5295a3b0a64b1d, 0xbff0000000000000, 0xbc5295a3b0a64b1d),
(0x7e87ca792e4bb049, 0xbff0000000000000, 0x3c85db7c9e97f923, 0xc3576cb21e0c84cd),
(0x7ef36bf9a50c0440, 0x3ff0000000000000, 0x3c7d90bcc35ff8fa, 0x4361514b106be60c),
(0x7f8b1c15d78e7c7c, 0xbff0000000000000, 0x3c920cfc515a2cbc, 0xc34c5d50a16b5274),
(0x7506ac5b262ca1ff, 0x3ff0000000000000, 0xbc214ae72e6ba22f, 0xc3bd9ba9a7975636),
];

#[test]
fn hard_cases_against_mpmath() {
    let mut worst = [0.0f64; 3];
    for &(x, s, c, t) in HARD.iter() {
        let x = f64::from_bits(x);
        for (i, (got, want)) in [(sin_f64(x), s), (cos_f64(x), c), (tan_f64(x), t)]
            .into_iter()
            .enumerate()
        {
            let e = ulp64(got, f64::from_bits(want));
            assert!(
                e <= 1.0,
                "function {i} at {x:e}: {got:e}, want {:e}",
                f64::from_bits(want)
            );
            worst[i] = worst[i].max(e);
        }
    }
    eprintln!("hard cases: max ULP sin {} cos {} tan {}", worst[0], worst[1], worst[2]);
}

/// f32: a stride through every positive f32 below 1e14 (and the huge
/// ones) plus the f32s nearest to multiples of π/2, against glibc's
/// f64 functions rounded to f32.
#[test]
fn f32_sweep_against_libm() {
    let mut xs: Vec<f64> = (0..0x7f80_0000u32)
        .step_by(4093)
        .map(|b| f64::from(f32::from_bits(b)))
        .collect();
    let mut r = Rng(6);
    for _ in 0..20000 {
        let k = (r.next() >> (40 + r.next() % 24)) as f64;
        let m = (k * std::f64::consts::FRAC_PI_2) as f32;
        let d = (r.next() % 5) as i32 - 2;
        xs.push(f64::from(f32::from_bits((m.to_bits() as i32 + d) as u32)));
    }
    check_unary32("sin_f32", sin_f32, f64::sin, &xs, 1.0);
    check_unary32("cos_f32", cos_f32, f64::cos, &xs, 1.0);
    check_unary32("tan_f32", tan_f32, f64::tan, &xs, 1.0);
    let xs: Vec<f64> = (0x3f00_0000u32..0x3f80_0001)
        .step_by(97)
        .map(|b| f64::from(f32::from_bits(b)))
        .collect();
    check_unary32("arcsin_f32", arcsin_f32, f64::asin, &xs, 1.0);
    check_unary32("arccos_f32", arccos_f32, f64::acos, &xs, 1.0);
}

fn inv_inputs() -> Vec<f64> {
    let mut r = Rng(2);
    let mut v = Vec::new();
    for _ in 0..4000 {
        v.push(r.uniform(-1.0, 1.0));
        v.push(r.log_uniform(-320.0, 0.0));
        v.push(r.uniform(0.49, 0.51));
        v.push(1.0 - r.log_uniform(-16.0, -1.0).abs());
        v.push(-1.0 + r.log_uniform(-16.0, -1.0).abs());
        v.push(r.log_uniform(-10.0, 308.0));
    }
    for x in [0.5, f64::from_bits(0.5f64.to_bits() - 1), 1.0, 1.0 - f64::EPSILON / 2.0] {
        v.push(x);
        v.push(-x);
    }
    v
}

#[test]
fn inverse_functions_against_libm() {
    let xs = inv_inputs();
    check_unary64("arcsin_f64", arcsin_f64, f64::asin, &xs, 1.0);
    check_unary64("arccos_f64", arccos_f64, f64::acos, &xs, 1.0);
    check_unary64("arctan_f64", arctan_f64, f64::atan, &xs, 1.0);
    check_unary32("arcsin_f32", arcsin_f32, f64::asin, &xs, 1.0);
    check_unary32("arccos_f32", arccos_f32, f64::acos, &xs, 1.0);
    check_unary32("arctan_f32", arctan_f32, f64::atan, &xs, 1.0);
    let mut r = Rng(3);
    let (mut w64, mut w32) = (0.0f64, 0.0f64);
    for i in 0..20000 {
        let (y, x) = match i % 3 {
            0 => (r.uniform(-2.0, 2.0), r.uniform(-2.0, 2.0)),
            1 => (r.log_uniform(-300.0, 300.0), r.log_uniform(-300.0, 300.0)),
            _ => (r.log_uniform(-30.0, 30.0), r.log_uniform(-30.0, 30.0)),
        };
        let e = ulp64(arctan2_f64(y, x), y.atan2(x));
        assert!(e <= 1.0, "arctan2_f64({y:e}, {x:e}): {e} ULP");
        w64 = w64.max(e);
        let (y, x) = (y as f32, x as f32);
        let e = ulp32(arctan2_f32(y, x), f64::from(y).atan2(f64::from(x)) as f32);
        assert!(e <= 1.0, "arctan2_f32({y:e}, {x:e}): {e} ULP");
        w32 = w32.max(e);
    }
    eprintln!("arctan2: max {w64} ULP (f64), {w32} ULP (f32) vs libm");
}

fn specials64() -> Vec<f64> {
    vec![
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        -f64::NAN,
        1.0,
        -1.0,
        0.5,
        -0.5,
        2.0,
        -2.0,
        5e-324,
        -5e-324,
        1e-310,
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::MIN,
        1e300,
    ]
}

/// Same value, or both NaN; zeros compared with their signs.
fn same64(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

#[test]
fn special_values() {
    use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, PI};
    type F64 = fn(f64) -> f64;
    type F32 = fn(f32) -> f32;
    let fs: [(&str, F64, F64); 6] = [
        ("sin", sin_f64, f64::sin),
        ("cos", cos_f64, f64::cos),
        ("tan", tan_f64, f64::tan),
        ("arcsin", arcsin_f64, f64::asin),
        ("arccos", arccos_f64, f64::acos),
        ("arctan", arctan_f64, f64::atan),
    ];
    for (name, f, libm) in fs {
        for x in specials64() {
            let (a, b) = (f(x), libm(x));
            // Exact for NaN, infinities, zeros and exact results;
            // within 1 ULP for the rest.
            let exact = !x.is_finite() || x == 0.0 || b.is_nan() || b == 0.0 || b.is_infinite();
            if exact {
                assert!(same64(a, b), "{name}({x:e}) = {a:e}, want {b:e}");
            } else {
                assert!(ulp64(a, b) <= 1.0, "{name}({x:e}) = {a:e}, want {b:e}");
            }
        }
    }
    let fs32: [(&str, F32, F32); 6] = [
        ("sin", sin_f32, f32::sin),
        ("cos", cos_f32, f32::cos),
        ("tan", tan_f32, f32::tan),
        ("arcsin", arcsin_f32, f32::asin),
        ("arccos", arccos_f32, f32::acos),
        ("arctan", arctan_f32, f32::atan),
    ];
    for (name, f, libm) in fs32 {
        for x in specials64() {
            let x = x as f32;
            let (a, b) = (f(x), libm(x));
            let exact = !x.is_finite() || x == 0.0 || b.is_nan() || b == 0.0 || b.is_infinite();
            if exact {
                assert!(
                    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits(),
                    "{name}_f32({x:e}) = {a:e}, want {b:e}"
                );
            } else {
                assert!(ulp32(a, b) <= 1.0, "{name}_f32({x:e}) = {a:e}, want {b:e}");
            }
        }
    }
    // Hand-written: the exact results NumPy gives.
    assert_eq!(sin_f64(-0.0).to_bits(), (-0.0f64).to_bits());
    assert_eq!(tan_f64(-0.0).to_bits(), (-0.0f64).to_bits());
    assert_eq!(cos_f64(-0.0), 1.0);
    assert_eq!(arcsin_f64(1.0), FRAC_PI_2);
    assert_eq!(arcsin_f64(-1.0), -FRAC_PI_2);
    assert_eq!(arccos_f64(1.0).to_bits(), 0.0f64.to_bits());
    assert_eq!(arccos_f64(-1.0), PI);
    assert_eq!(arctan_f64(f64::INFINITY), FRAC_PI_2);
    assert_eq!(arctan_f64(f64::NEG_INFINITY), -FRAC_PI_2);
    assert!(arcsin_f64(1.0000000000000002).is_nan());
    assert!(arccos_f64(-2.0).is_nan());
    assert!(sin_f64(f64::INFINITY).is_nan() && cos_f64(f64::NEG_INFINITY).is_nan());
    assert!(tan_f32(f32::INFINITY).is_nan());
    assert_eq!(sin_f64(1e-300), 1e-300);
    assert_eq!(sin_f64(5e-324), 5e-324);
    assert_eq!(sin_f32(-1e-40).to_bits(), (-1e-40f32).to_bits());
    // arctan2: C99 Annex F, against libm's atan2, every pair.
    let inf = f64::INFINITY;
    let vals = [
        0.0,
        -0.0,
        inf,
        -inf,
        f64::NAN,
        1.0,
        -1.0,
        5e-324,
        -5e-324,
        1e300,
        -1e300,
    ];
    for &y in &vals {
        for &x in &vals {
            let (a, b) = (arctan2_f64(y, x), y.atan2(x));
            assert!(
                same64(a, b) || ulp64(a, b) <= 1.0,
                "arctan2({y:e}, {x:e}) = {a:e}, want {b:e}"
            );
            let (y32, x32) = (y as f32, x as f32);
            let (a, b) = (arctan2_f32(y32, x32), y32.atan2(x32));
            assert!(
                (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits() || ulp32(a, b) <= 1.0,
                "arctan2_f32({y:e}, {x:e}) = {a:e}, want {b:e}"
            );
        }
    }
    assert_eq!(arctan2_f64(0.0, -0.0), PI);
    assert_eq!(arctan2_f64(-0.0, -0.0), -PI);
    assert_eq!(arctan2_f64(-0.0, 0.0).to_bits(), (-0.0f64).to_bits());
    assert_eq!(arctan2_f64(inf, -inf), 3.0 * FRAC_PI_4);
    assert_eq!(arctan2_f64(-inf, inf), -FRAC_PI_4);
    assert_eq!(arctan2_f64(1.0, -inf), PI);
    assert_eq!(arctan2_f64(-1.0, 0.0), -FRAC_PI_2);
}

/// Every path gives the scalar entry point's bits, chunks with and
/// without huge arguments alike.
#[test]
fn every_path_gives_the_same_bits() {
    let mut xs = trig_inputs();
    xs.extend(specials64());
    let mut r = Rng(4);
    // A stretch of ordinary arguments (whole chunks on the vector
    // kernel) and odd lengths.
    xs.extend((0..1000).map(|_| r.uniform(-100.0, 100.0)));
    let paths: Vec<Path> = Path::ALL.into_iter().filter(|p| p.available()).collect();
    type B64 = fn(Path, Option<&[f64]>, &mut [f64]);
    type S64 = fn(f64) -> f64;
    let u64s: [(&str, B64, S64); 6] = [
        ("sin", sin_f64_block_on, sin_f64),
        ("cos", cos_f64_block_on, cos_f64),
        ("tan", tan_f64_block_on, tan_f64),
        ("arcsin", arcsin_f64_block_on, arcsin_f64),
        ("arccos", arccos_f64_block_on, arccos_f64),
        ("arctan", arctan_f64_block_on, arctan_f64),
    ];
    let ins = inv_inputs();
    for &path in &paths {
        for (name, block, f) in u64s {
            for src in [&xs, &ins] {
                let mut y = src.clone();
                block(path, None, &mut y[..src.len() - 3]);
                for (&x, &y) in src[..src.len() - 3].iter().zip(&y) {
                    assert_eq!(y.to_bits(), f(x).to_bits(), "{name}({x:e}) on {path:?}");
                }
            }
        }
        let mut s = xs.clone();
        let mut c = vec![0.0; xs.len()];
        sincos_f64_block_on(path, &mut s, &mut c);
        for ((&x, &s), &c) in xs.iter().zip(&s).zip(&c) {
            assert_eq!(s.to_bits(), sin_f64(x).to_bits(), "sincos({x:e}) on {path:?}");
            assert_eq!(c.to_bits(), cos_f64(x).to_bits(), "sincos({x:e}) on {path:?}");
        }
        let mut y = xs.clone();
        arctan2_f64_block_on(path, &mut y, &ins[..xs.len()]);
        for ((&a, &b), &y) in xs.iter().zip(&ins).zip(&y) {
            assert_eq!(
                y.to_bits(),
                arctan2_f64(a, b).to_bits(),
                "arctan2({a:e}, {b:e}) on {path:?}"
            );
        }

        type B32 = fn(Path, Option<&[f32]>, &mut [f32]);
        let x32: Vec<f32> = xs.iter().map(|&x| x as f32).collect();
        let i32s: Vec<f32> = ins.iter().map(|&x| x as f32).collect();
        type S32 = fn(f32) -> f32;
        let u32s: [(&str, B32, S32); 6] = [
            ("sin", sin_f32_block_on, sin_f32),
            ("cos", cos_f32_block_on, cos_f32),
            ("tan", tan_f32_block_on, tan_f32),
            ("arcsin", arcsin_f32_block_on, arcsin_f32),
            ("arccos", arccos_f32_block_on, arccos_f32),
            ("arctan", arctan_f32_block_on, arctan_f32),
        ];
        for (name, block, f) in u32s {
            for src in [&x32, &i32s] {
                let mut y = src.clone();
                block(path, None, &mut y);
                for (&x, &y) in src.iter().zip(&y) {
                    assert_eq!(y.to_bits(), f(x).to_bits(), "{name}_f32({x:e}) on {path:?}");
                }
            }
        }
        let mut s = x32.clone();
        let mut c = vec![0.0; x32.len()];
        sincos_f32_block_on(path, &mut s, &mut c);
        for ((&x, &s), &c) in x32.iter().zip(&s).zip(&c) {
            assert_eq!(s.to_bits(), sin_f32(x).to_bits(), "sincos_f32({x:e}) on {path:?}");
            assert_eq!(c.to_bits(), cos_f32(x).to_bits(), "sincos_f32({x:e}) on {path:?}");
        }
        let mut y = x32.clone();
        arctan2_f32_block_on(path, &mut y, &i32s[..x32.len()]);
        for ((&a, &b), &y) in x32.iter().zip(&i32s).zip(&y) {
            assert_eq!(
                y.to_bits(),
                arctan2_f32(a, b).to_bits(),
                "arctan2_f32({a:e}, {b:e}) on {path:?}"
            );
        }
    }
}
