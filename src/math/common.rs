//! Building blocks shared by the math functions. Everything is branch-free
//! on the value and uses only operations that round the same way in every
//! vector width (see `dispatch`).

/// `x` rounded to the nearest integer, ties to even (exact for |x| < 2^52;
/// larger values are integers already), as a float.
#[inline(always)]
pub fn round_f64(x: f64) -> f64 {
    x.round_ties_even()
}

/// The polynomial with coefficients `c` (highest degree first, the order
/// Horner's rule reads them) at `x`, by Estrin's scheme: coefficients in
/// pairs `c_i + c_(i+1) x`, then pairs of those with `x²`, with `x⁴`, …
/// A chain of ⌈log2 N⌉ fused multiply-adds instead of N - 1, for
/// kernels whose dependency chain, not their instruction count, bounds
/// the block loop (the out-of-order window holds too few iterations).
/// The order is fixed, so every path gives the same bits.
/// At most 16 coefficients: four levels, written out so that after
/// inlining every trip count is a constant and the block loops vectorise.
#[inline(always)]
pub fn estrin_f64<const N: usize>(x: f64, c: [f64; N]) -> f64 {
    const { assert!(N >= 1 && N <= 16) };
    let mut v = c;
    v.reverse();
    let mut n = N;
    let mut p = x;
    // One level: v[j] = v[2j] + v[2j+1]·p, an odd one out moves down.
    let level = |v: &mut [f64; N], n: &mut usize, p: &mut f64| {
        if *n > 1 {
            for j in 0..*n / 2 {
                v[j] = v[2 * j + 1].mul_add(*p, v[2 * j]);
            }
            if *n % 2 == 1 {
                v[*n / 2] = v[*n - 1];
            }
            *n = n.div_ceil(2);
            *p *= *p;
        }
    };
    level(&mut v, &mut n, &mut p);
    level(&mut v, &mut n, &mut p);
    level(&mut v, &mut n, &mut p);
    level(&mut v, &mut n, &mut p);
    v[0]
}

/// `2^k` for an integral `k` in [-1022, 1023], built from its bits.
#[inline(always)]
pub fn pow2_f64(k: f64) -> f64 {
    // k + 1023 + 1.5·2^52 puts k + 1023 in the low mantissa bits exactly.
    const MAGIC: f64 = 6_755_399_441_055_744.0;
    let b = (k + (1023.0 + MAGIC)).to_bits();
    f64::from_bits(b << 52)
}

/// `x · 2^q` for an integral `q` in [-2100, 2100] (clamped beyond), with
/// one rounding when the result is subnormal: `2^q` is applied as two
/// factors `2^⌊q/2⌋ · 2^(q-⌊q/2⌋)`, each a normal number.
#[inline(always)]
pub fn pow2i_f64(x: f64, q: f64) -> f64 {
    let q = q.clamp(-2100.0, 2100.0);
    let h = (q * 0.5).floor();
    let h = h.clamp(-1022.0, 1023.0);
    let r = (q - h).clamp(-1022.0, 1023.0);
    x * pow2_f64(h) * pow2_f64(r)
}

/// `2^k` for an integral `k` in [-126, 127], built from its bits.
#[inline(always)]
pub fn pow2_f32(k: f32) -> f32 {
    // k + 127 + 1.5·2^23 puts k + 127 in the low mantissa bits exactly.
    const MAGIC: f32 = 12_582_912.0;
    let b = (k + (127.0 + MAGIC)).to_bits();
    f32::from_bits(b << 23)
}

/// `x · 2^q` for an integral `q` (clamped to [-300, 300]), one rounding
/// when the result is subnormal (as [`pow2i_f64`]).
#[inline(always)]
pub fn pow2i_f32(x: f32, q: f32) -> f32 {
    let q = q.clamp(-300.0, 300.0);
    let h = (q * 0.5).floor().clamp(-126.0, 127.0);
    let r = (q - h).clamp(-126.0, 127.0);
    x * pow2_f32(h) * pow2_f32(r)
}

#[cfg(test)]
mod estrin_tests {
    use super::estrin_f64;

    fn horner(x: f64, c: &[f64]) -> f64 {
        c.iter().fold(0.0, |u, &k| u * x + k)
    }

    /// Integer coefficients at small integers are exact either way, so
    /// Estrin's pairing must give Horner's value bit for bit, at every
    /// length (odd ones move a coefficient down a level).
    #[test]
    fn estrin_equals_horner_where_both_are_exact() {
        macro_rules! check {
            ($($n:literal)*) => {$(
                let c: [f64; $n] = std::array::from_fn(|i| (i as f64 * 7.0 + 3.0) % 11.0 - 5.0);
                for x in [-2.0, -1.0, 0.0, 1.0, 3.0] {
                    assert_eq!(estrin_f64(x, c), horner(x, &c), "N = {} at {x}", $n);
                }
            )*};
        }
        check!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);
    }
}
