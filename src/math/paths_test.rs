//! Every code path gives the same bits, for every function (issue #11,
//! point 2).
//!
//! For each function of the math module and each dtype, a few thousand
//! inputs — random bit patterns (so every exponent, subnormals, NaNs with
//! payloads and both signs), ordinary values (uniform and log-uniform),
//! special values, and for the trig functions huge arguments (the
//! Payne–Hanek path) mixed into ordinary blocks — go through
//! `*_block_on(path, …)` on every path this CPU has, on the whole array
//! and on sub-slices of awkward lengths and offsets; every result must have
//! the scalar kernel's bits (any NaN equals any NaN: see `check_bits`).
//! The op table's entry points (`UnaryFn` /
//! `BinaryFn`: the scalar entry the interpreter calls, the C-ABI element
//! and block functions the JIT calls) are checked the same way.
//!
//! The lists below name every function explicitly; `lists_cover_the_op_table`
//! fails when an op whose `math()` is `Some` is missing from them, so a new
//! function cannot be forgotten here.

use super::*;
use crate::expr::{BinaryOp, UnaryOp};

struct Unary {
    name: &'static str,
    f64: fn(f64) -> f64,
    b64: fn(Path, Option<&[f64]>, &mut [f64]),
    /// The block function from an affine view (`*_block_from`).
    a64: fn(Path, Option<dispatch::Affine<'_, f64>>, &mut [f64]),
    f32: fn(f32) -> f32,
    b32: fn(Path, Option<&[f32]>, &mut [f32]),
    a32: fn(Path, Option<dispatch::Affine<'_, f32>>, &mut [f32]),
}

struct Binary {
    name: &'static str,
    f64: fn(f64, f64) -> f64,
    b64: fn(Path, &mut [f64], &[f64]),
    f32: fn(f32, f32) -> f32,
    b32: fn(Path, &mut [f32], &[f32]),
}

macro_rules! unary_list {
    ($($name:ident: $f64:ident $b64:ident $a64:ident $f32:ident $b32:ident $a32:ident;)*) => {
        &[$(Unary {
            name: stringify!($name),
            f64: $f64,
            b64: $b64,
            a64: |p, s, x| $a64(p, s, x),
            f32: $f32,
            b32: $b32,
            a32: |p, s, x| $a32(p, s, x),
        },)*]
    };
}

macro_rules! binary_list {
    ($($name:ident: $f64:ident $b64:ident $f32:ident $b32:ident;)*) => {
        &[$(Binary { name: stringify!($name), f64: $f64, b64: $b64, f32: $f32, b32: $b32 },)*]
    };
}

/// Every one-argument function of `table.rs`.
const UNARY: &[Unary] = unary_list! {
    exp: exp_f64 exp_f64_block_on exp_f64_block_from exp_f32 exp_f32_block_on exp_f32_block_from;
    exp2: exp2_f64 exp2_f64_block_on exp2_f64_block_from exp2_f32 exp2_f32_block_on exp2_f32_block_from;
    expm1: expm1_f64 expm1_f64_block_on expm1_f64_block_from expm1_f32 expm1_f32_block_on expm1_f32_block_from;
    log: log_f64 log_f64_block_on log_f64_block_from log_f32 log_f32_block_on log_f32_block_from;
    log2: log2_f64 log2_f64_block_on log2_f64_block_from log2_f32 log2_f32_block_on log2_f32_block_from;
    log10: log10_f64 log10_f64_block_on log10_f64_block_from log10_f32 log10_f32_block_on log10_f32_block_from;
    log1p: log1p_f64 log1p_f64_block_on log1p_f64_block_from log1p_f32 log1p_f32_block_on log1p_f32_block_from;
    cbrt: cbrt_f64 cbrt_f64_block_on cbrt_f64_block_from cbrt_f32 cbrt_f32_block_on cbrt_f32_block_from;
    sin: sin_f64 sin_f64_block_on sin_f64_block_from sin_f32 sin_f32_block_on sin_f32_block_from;
    cos: cos_f64 cos_f64_block_on cos_f64_block_from cos_f32 cos_f32_block_on cos_f32_block_from;
    tan: tan_f64 tan_f64_block_on tan_f64_block_from tan_f32 tan_f32_block_on tan_f32_block_from;
    arcsin: arcsin_f64 arcsin_f64_block_on arcsin_f64_block_from arcsin_f32 arcsin_f32_block_on arcsin_f32_block_from;
    arccos: arccos_f64 arccos_f64_block_on arccos_f64_block_from arccos_f32 arccos_f32_block_on arccos_f32_block_from;
    arctan: arctan_f64 arctan_f64_block_on arctan_f64_block_from arctan_f32 arctan_f32_block_on arctan_f32_block_from;
    sinh: sinh_f64 sinh_f64_block_on sinh_f64_block_from sinh_f32 sinh_f32_block_on sinh_f32_block_from;
    cosh: cosh_f64 cosh_f64_block_on cosh_f64_block_from cosh_f32 cosh_f32_block_on cosh_f32_block_from;
    tanh: tanh_f64 tanh_f64_block_on tanh_f64_block_from tanh_f32 tanh_f32_block_on tanh_f32_block_from;
    arcsinh: arcsinh_f64 arcsinh_f64_block_on arcsinh_f64_block_from arcsinh_f32 arcsinh_f32_block_on arcsinh_f32_block_from;
    arccosh: arccosh_f64 arccosh_f64_block_on arccosh_f64_block_from arccosh_f32 arccosh_f32_block_on arccosh_f32_block_from;
    arctanh: arctanh_f64 arctanh_f64_block_on arctanh_f64_block_from arctanh_f32 arctanh_f32_block_on arctanh_f32_block_from;
};

/// Every two-argument function of `table.rs`.
const BINARY: &[Binary] = binary_list! {
    arctan2: arctan2_f64 arctan2_f64_block_on arctan2_f32 arctan2_f32_block_on;
    logaddexp: logaddexp_f64 logaddexp_f64_block_on logaddexp_f32 logaddexp_f32_block_on;
    logaddexp2: logaddexp2_f64 logaddexp2_f64_block_on logaddexp2_f32 logaddexp2_f32_block_on;
    power: power_f64 power_f64_block_on power_f32 power_f32_block_on;
    hypot: hypot_f64 hypot_f64_block_on hypot_f32 hypot_f32_block_on;
    fmod: fmod_f64 fmod_f64_block_on fmod_f32 fmod_f32_block_on;
};

/// The op table's entry for a function name (every op whose `math()` is
/// `Some`).
fn table_unary(name: &str) -> Option<&'static UnaryFn> {
    UnaryOp::ALL.iter().filter_map(|op| op.math()).find(|m| m.name == name)
}

fn table_binary(name: &str) -> Option<&'static BinaryFn> {
    BinaryOp::ALL.iter().filter_map(|op| op.math()).find(|m| m.name == name)
}

#[test]
fn lists_cover_the_op_table() {
    for op in UnaryOp::ALL {
        if let Some(m) = op.math() {
            assert!(
                UNARY.iter().any(|u| u.name == m.name),
                "unary op {op} calls math function {}, missing from paths_test::UNARY",
                m.name
            );
        }
    }
    for op in BinaryOp::ALL {
        if let Some(m) = op.math() {
            assert!(
                BINARY.iter().any(|b| b.name == m.name),
                "binary op {op} calls math function {}, missing from paths_test::BINARY",
                m.name
            );
        }
    }
    // And the other way: every listed function is reachable from an op.
    for u in UNARY {
        assert!(table_unary(u.name).is_some(), "{} is not in the op table", u.name);
    }
    for b in BINARY {
        assert!(table_binary(b.name).is_some(), "{} is not in the op table", b.name);
    }
}

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
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}

/// Special and boundary values of f64 (both signs are added by the caller).
fn specials_f64() -> Vec<f64> {
    let pi = std::f64::consts::PI;
    let mut v = vec![
        0.0,
        f64::INFINITY,
        f64::NAN,
        f64::from_bits(0x7FF0_0000_0000_0001), // signalling-NaN pattern
        f64::from_bits(0x7FF8_0000_DEAD_BEEF), // NaN with a payload
        f64::from_bits(1),                     // smallest subnormal
        f64::from_bits(0x000F_FFFF_FFFF_FFFF), // largest subnormal
        1e-310,
        f64::MIN_POSITIVE,
        f64::EPSILON,
        1e-300,
        1e-20,
        1e-8,
        0.5,
        1.0,
        1.0 - f64::EPSILON / 2.0,
        1.0 + f64::EPSILON,
        2.0,
        3.0,
        10.0,
        pi / 4.0,
        pi / 2.0,
        pi,
        3.0 * pi / 2.0,
        2.0 * pi,
        709.782712893384,
        709.7827128933841,
        710.0,
        -745.1332191019411,
        -745.2,
        1024.0,
        -1074.0,
        -1075.0,
        19.1,
        22.0,
        1e14,
        1e14 - 1.0,
        1e15,
        1e22,
        1e100,
        1e300,
        f64::MAX,
    ];
    // Huge trig arguments near multiples of π/2 (the hardest reductions).
    for k in [1e14, 3.7e16, 6.0e18, 1.2e30, 5.5e150] {
        v.push((k / (pi / 2.0)).round() * (pi / 2.0));
    }
    v
}

fn specials_f32() -> Vec<f32> {
    let pi = std::f32::consts::PI;
    let mut v = vec![
        0.0,
        f32::INFINITY,
        f32::NAN,
        f32::from_bits(0x7F80_0001),
        f32::from_bits(0x7FC0_BEEF),
        f32::from_bits(1),
        f32::from_bits(0x007F_FFFF),
        1e-40,
        f32::MIN_POSITIVE,
        f32::EPSILON,
        1e-30,
        1e-8,
        1e-4,
        0.5,
        1.0,
        1.0 - f32::EPSILON / 2.0,
        1.0 + f32::EPSILON,
        2.0,
        3.0,
        10.0,
        pi / 4.0,
        pi / 2.0,
        pi,
        2.0 * pi,
        88.72283,
        88.7229,
        89.0,
        -87.33655,
        -103.97208,
        -104.0,
        128.0,
        -149.0,
        -150.0,
        9.1,
        1e14,
        1e15,
        1e20,
        1e30,
        f32::MAX,
        // f32s nearest large multiples of π/2.
        f32::from_bits(0x4B80_0000),
        f32::from_bits(0x5A82_3A53),
        f32::from_bits(0x7E49_0FDB),
    ];
    v.extend([1e5f32, 1e8, 2e9].map(|k| (k / (pi / 2.0)).round() * (pi / 2.0)));
    v
}

/// A few thousand f64 arguments in a random order (so specials and huge
/// trig arguments land inside ordinary 64-element chunks).
fn inputs_f64(seed: u64) -> Vec<f64> {
    let mut r = Rng(seed);
    let mut v: Vec<f64> = Vec::new();
    for s in specials_f64() {
        v.push(s);
        v.push(-s);
    }
    for _ in 0..2048 {
        v.push(f64::from_bits(r.next()));
    }
    for _ in 0..1024 {
        v.push((r.unit() - 0.5) * 40.0);
    }
    for _ in 0..1024 {
        let m = (r.unit() * 1200.0 - 1100.0).exp2();
        v.push(if r.next() & 1 == 0 { m } else { -m });
    }
    // Within an ULP or two of 1 and of 0 (log1p, arcsin, arctanh, …).
    for k in 0..16u64 {
        v.push(f64::from_bits(1.0f64.to_bits() + k));
        v.push(f64::from_bits(1.0f64.to_bits() - k));
    }
    r.shuffle(&mut v);
    v
}

fn inputs_f32(seed: u64) -> Vec<f32> {
    let mut r = Rng(seed);
    let mut v: Vec<f32> = Vec::new();
    for s in specials_f32() {
        v.push(s);
        v.push(-s);
    }
    for _ in 0..2048 {
        v.push(f32::from_bits(r.next() as u32));
    }
    for _ in 0..1024 {
        v.push(((r.unit() - 0.5) * 40.0) as f32);
    }
    for _ in 0..1024 {
        let m = (r.unit() * 280.0 - 150.0).exp2() as f32;
        v.push(if r.next() & 1 == 0 { m } else { -m });
    }
    for k in 0..16u32 {
        v.push(f32::from_bits(1.0f32.to_bits() + k));
        v.push(f32::from_bits(1.0f32.to_bits() - k));
    }
    r.shuffle(&mut v);
    v
}

/// Second operands for the binary functions: the same kind of mix, plus
/// exponents `power` treats specially (integers, halves, ±0, ±inf).
fn seconds_f64(n: usize, seed: u64) -> Vec<f64> {
    let mut r = Rng(seed);
    let mut pool = inputs_f64(seed ^ 0x5555);
    pool.extend([2.0, 3.0, -1.0, -2.0, 0.5, -0.5, 1.0, 4.0, 1023.0, -1075.0, 1e6, 0.3333]);
    (0..n).map(|_| pool[r.below(pool.len())]).collect()
}

fn seconds_f32(n: usize, seed: u64) -> Vec<f32> {
    let mut r = Rng(seed);
    let mut pool = inputs_f32(seed ^ 0x5555);
    pool.extend([2.0, 3.0, -1.0, -2.0, 0.5, -0.5, 1.0, 4.0, 127.0, -150.0, 1e6, 0.3333]);
    (0..n).map(|_| pool[r.below(pool.len())]).collect()
}

/// Every special paired with every special (the C99 tables of `pow`,
/// `atan2`, `hypot`, `fmod` live there).
fn special_pairs<T: Copy + std::ops::Neg<Output = T>>(s: &[T]) -> (Vec<T>, Vec<T>) {
    let all: Vec<T> = s.iter().flat_map(|&v| [v, -v]).collect();
    let mut x = Vec::new();
    let mut y = Vec::new();
    for &a in &all {
        for &b in &all {
            x.push(a);
            y.push(b);
        }
    }
    (x, y)
}

/// (offset, length) of the sub-slices run besides the whole array:
/// lengths around the vector widths and the trig functions' 64-element
/// chunks, at unaligned offsets.
const SLICES: [(usize, usize); 9] = [
    (0, 1),
    (1, 3),
    (3, 7),
    (5, 15),
    (7, 17),
    (9, 63),
    (11, 65),
    (13, 129),
    (2, 200),
];

fn paths() -> Vec<Path> {
    Path::ALL.into_iter().filter(|p| p.available()).collect()
}

/// Compares two float bit patterns; a mismatch message names everything.
///
/// Any NaN equals any NaN (as in the differential tests): which NaN an
/// operation with two NaN operands returns is the first operand's on x86,
/// and LLVM may swap the operands of a commutative `+` or `*` differently
/// in each inlined copy of a kernel, so NaN payloads and signs are not
/// reproducible between compilations (Rust leaves them unspecified). In
/// release builds `arctan2(NaN, NaN)` shows it: `0x7ff8…` from the scalar
/// kernel, `0xfff8…` from the portable block.
macro_rules! check_bits {
    ($what:expr, $want:expr, $got:expr) => {
        if $want.to_bits() != $got.to_bits() && !($want.is_nan() && $got.is_nan()) {
            panic!(
                "{}: want {:e} ({:#x}), got {:e} ({:#x})",
                $what,
                $want,
                $want.to_bits(),
                $got,
                $got.to_bits()
            );
        }
    };
}

macro_rules! unary_test {
    ($test:ident, $t:ty, $kernel:ident, $block:ident, $from:ident, $inputs:ident, $c:ident, $blk:ident, $aff:ident,
     $s:ident) => {
        #[test]
        fn $test() {
            for (i, u) in UNARY.iter().enumerate() {
                let xs = $inputs(0xACC0 + i as u64);
                let want: Vec<$t> = xs.iter().map(|&x| (u.$kernel)(x)).collect();
                // Through `x * -1.5 + 0.25` (each rounded), as an affine
                // source and as the table's affine C entry.
                let (mul, add): ($t, $t) = (-1.5, 0.25);
                let want_aff: Vec<$t> = xs.iter().map(|&x| (u.$kernel)(x * mul + add)).collect();
                let m = table_unary(u.name).expect("in the op table");
                for path in paths() {
                    let mut z = vec![<$t>::NAN; xs.len()];
                    (u.$from)(path, Some(dispatch::Affine { data: &xs, mul, add }), &mut z);
                    for ((&x, &w), &g) in xs.iter().zip(&want_aff).zip(&z) {
                        check_bits!(format!("{}({x:e} * {mul} + {add}) on {path:?}", u.name), w, g);
                    }
                }
                for (k, chunk) in xs.chunks(BLOCK).enumerate() {
                    let n = chunk.len();
                    let mut z = vec![<$t>::NAN; n];
                    // SAFETY: `chunk` has `n` values, `z` room for `n`.
                    unsafe { (m.$aff)(chunk.as_ptr(), z.as_mut_ptr(), n, mul, add) };
                    // In place (an output written over its input).
                    let mut y = chunk.to_vec();
                    let p = y.as_mut_ptr();
                    // SAFETY: a buffer of `n` initialised values.
                    unsafe { (m.$aff)(p, p, n, mul, add) };
                    for j in 0..n {
                        let (x, e) = (chunk[j], want_aff[k * BLOCK + j]);
                        check_bits!(format!("{} table affine block({x:e})", u.name), e, z[j]);
                        check_bits!(format!("{} table affine block in place({x:e})", u.name), e, y[j]);
                    }
                }
                for path in paths() {
                    let mut y = xs.clone();
                    (u.$block)(path, None, &mut y);
                    // Mapped from the inputs into another buffer.
                    let mut z = vec![<$t>::NAN; xs.len()];
                    (u.$block)(path, Some(&xs), &mut z);
                    for (((&x, &w), &g), &h) in xs.iter().zip(&want).zip(&y).zip(&z) {
                        check_bits!(
                            format!("{}({x:e} = {:#x}) on {path:?}", u.name, x.to_bits()),
                            w,
                            g
                        );
                        check_bits!(
                            format!("{}({x:e} = {:#x}) on {path:?}, mapped", u.name, x.to_bits()),
                            w,
                            h
                        );
                    }
                    for (off, len) in SLICES {
                        let mut y = xs[off..off + len].to_vec();
                        (u.$block)(path, None, &mut y);
                        let mut z = vec![<$t>::NAN; len];
                        (u.$block)(path, Some(&xs[off..]), &mut z);
                        for (j, (&g, &h)) in y.iter().zip(&z).enumerate() {
                            let x = xs[off + j];
                            let what = format!("{}({x:e}) on {path:?}, slice {off}+{len}", u.name);
                            check_bits!(what.clone(), want[off + j], g);
                            check_bits!(what + ", mapped", want[off + j], h);
                        }
                    }
                }
                // The op table's entry points.
                for (j, &x) in xs.iter().enumerate() {
                    check_bits!(format!("{} table scalar({x:e})", u.name), want[j], (m.$s)(x));
                    check_bits!(format!("{} table C element({x:e})", u.name), want[j], (m.$c)(x));
                }
                // Whole blocks, and blocks of other lengths (a partial last
                // one): in place, from another buffer, and from a source
                // that overlaps the destination (read as if copied first).
                for size in [BLOCK, 40, 7] {
                    for (k, chunk) in xs.chunks(size).enumerate() {
                        let n = chunk.len();
                        let mut y = chunk.to_vec();
                        let p = y.as_mut_ptr();
                        // SAFETY: a buffer of `n` initialised values.
                        unsafe { (m.$blk)(p, p, n) };
                        let mut z = vec![<$t>::NAN; n];
                        // SAFETY: `chunk` has `n` values, `z` room for `n`.
                        unsafe { (m.$blk)(chunk.as_ptr(), z.as_mut_ptr(), n) };
                        // The source 3 elements after the destination.
                        let mut w = vec![<$t>::NAN; n + 3];
                        w[3..].copy_from_slice(chunk);
                        let q = w.as_mut_ptr();
                        // SAFETY: both ranges lie in `w` (`n + 3` values).
                        unsafe { (m.$blk)(q.add(3), q, n) };
                        for j in 0..n {
                            let x = chunk[j];
                            let e = want[k * size + j];
                            check_bits!(format!("{} table block({x:e})", u.name), e, y[j]);
                            check_bits!(format!("{} table block from({x:e})", u.name), e, z[j]);
                            check_bits!(format!("{} table block overlapping({x:e})", u.name), e, w[j]);
                        }
                    }
                }
            }
        }
    };
}

unary_test!(
    unary_f64_every_path_same_bits,
    f64,
    f64,
    b64,
    a64,
    inputs_f64,
    c_f64,
    block_f64,
    affine_f64,
    f64
);
unary_test!(
    unary_f32_every_path_same_bits,
    f32,
    f32,
    b32,
    a32,
    inputs_f32,
    c_f32,
    block_f32,
    affine_f32,
    f32
);

macro_rules! binary_test {
    ($test:ident, $t:ty, $kernel:ident, $block:ident, $inputs:ident, $seconds:ident, $specials:ident,
     $c:ident, $blk:ident, $s:ident) => {
        #[test]
        fn $test() {
            for (i, b) in BINARY.iter().enumerate() {
                let mut xs = $inputs(0xB1 + i as u64);
                let mut ys = $seconds(xs.len(), 0xB2 + i as u64);
                let (px, py) = special_pairs(&$specials());
                xs.extend(px);
                ys.extend(py);
                let want: Vec<$t> = xs.iter().zip(&ys).map(|(&x, &y)| (b.$kernel)(x, y)).collect();
                let what = |j: usize| format!("{}({:e}, {:e})", b.name, xs[j], ys[j]);
                for path in paths() {
                    let mut r = xs.clone();
                    (b.$block)(path, &mut r, &ys);
                    for (j, &g) in r.iter().enumerate() {
                        check_bits!(format!("{} on {path:?}", what(j)), want[j], g);
                    }
                    for (off, len) in SLICES {
                        let mut r = xs[off..off + len].to_vec();
                        (b.$block)(path, &mut r, &ys[off..off + len]);
                        for (j, &g) in r.iter().enumerate() {
                            check_bits!(
                                format!("{} on {path:?}, slice {off}+{len}", what(off + j)),
                                want[off + j],
                                g
                            );
                        }
                    }
                }
                let m = table_binary(b.name).expect("in the op table");
                for j in 0..xs.len() {
                    check_bits!(format!("{} table scalar", what(j)), want[j], (m.$s)(xs[j], ys[j]));
                    check_bits!(
                        format!("{} table C element", what(j)),
                        want[j],
                        (m.$c)(xs[j], ys[j])
                    );
                }
                for size in [BLOCK, 40, 7] {
                    for (k, (cx, cy)) in xs.chunks(size).zip(ys.chunks(size)).enumerate() {
                        let mut r = cx.to_vec();
                        // SAFETY: two buffers of `r.len()` initialised values.
                        unsafe { (m.$blk)(r.as_mut_ptr(), cy.as_ptr(), r.len()) };
                        for (j, &g) in r.iter().enumerate() {
                            check_bits!(
                                format!("{} table block", what(k * size + j)),
                                want[k * size + j],
                                g
                            );
                        }
                    }
                }
            }
        }
    };
}

binary_test!(
    binary_f64_every_path_same_bits,
    f64,
    f64,
    b64,
    inputs_f64,
    seconds_f64,
    specials_f64,
    c_f64,
    block_f64,
    f64
);
binary_test!(
    binary_f32_every_path_same_bits,
    f32,
    f32,
    b32,
    inputs_f32,
    seconds_f32,
    specials_f32,
    c_f32,
    block_f32,
    f32
);

/// `sincos` (one reduction for both results) agrees with `sin` and `cos`
/// on every path.
#[test]
fn sincos_every_path_same_bits() {
    let xs = inputs_f64(0x51C0);
    let xs32 = inputs_f32(0x51C1);
    for path in paths() {
        let mut s = xs.clone();
        let mut c = vec![0.0; xs.len()];
        sincos_f64_block_on(path, &mut s, &mut c);
        for (j, &x) in xs.iter().enumerate() {
            check_bits!(format!("sincos({x:e}).sin on {path:?}"), sin_f64(x), s[j]);
            check_bits!(format!("sincos({x:e}).cos on {path:?}"), cos_f64(x), c[j]);
        }
        let mut s = xs32.clone();
        let mut c = vec![0.0; xs32.len()];
        sincos_f32_block_on(path, &mut s, &mut c);
        for (j, &x) in xs32.iter().enumerate() {
            check_bits!(format!("sincos_f32({x:e}).sin on {path:?}"), sin_f32(x), s[j]);
            check_bits!(format!("sincos_f32({x:e}).cos on {path:?}"), cos_f32(x), c[j]);
        }
    }
}
