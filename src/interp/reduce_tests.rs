//! Hand-picked NumPy 2 cases for the interpreter's reductions: integer
//! widening and wrapping, bools, NaN and signed zeros in `min`/`max`/`arg`,
//! `var`/`std` with `ddof`, empty reductions, NumPy's pairwise float sums,
//! strided operands and several axes. Every expected value was produced by
//! NumPy 2.4 (noted next to each case); float results are compared bit for
//! bit.

use super::*;
use crate::array::DType;

fn run(text: &str, inputs: &[Array]) -> Result<Vec<Array>> {
    interpret(&Graph::parse(text).expect("test graph parses"), inputs)
}

fn run1(text: &str, inputs: &[Array]) -> Array {
    let mut out = run(text, inputs).expect("evaluates");
    assert_eq!(out.len(), 1);
    out.remove(0)
}

fn f64_bits(a: &Array) -> Vec<u64> {
    a.to_vec::<f64>().unwrap().iter().map(|v| v.to_bits()).collect()
}

fn f32_bits(a: &Array) -> Vec<u32> {
    a.to_vec::<f32>().unwrap().iter().map(|v| v.to_bits()).collect()
}

#[test]
fn integer_reductions_widen_and_wrap() {
    // NumPy: x = array([[127, 100, -128], [5, -7, 127]], int8)
    let x = Array::from_shape_vec(&[2, 3], vec![127i8, 100, -128, 5, -7, 127]).unwrap();
    let out = run(
        "graph @f(%x: i8[2, 3]) {
            %0 = sum %x : i64[]
            %1 = prod %x : i64[]
            %2 = min %x : i8[]
            %3 = max %x, axes=[1], keepdims : i8[2, 1]
            %4 = sum %x, axes=[0] : i64[3]
            %5 = prod %x, axes=[1] : i64[2]
            %6 = mean %x : f64[]
            %7 = var %x : f64[]
            %8 = std %x, ddof=1 : f64[]
            %9 = argmax %x : i64[]
            %10 = argmin %x, axes=[1] : i64[2]
            %11 = mean %x, axes=[0] : f64[3]
            %12 = var %x, axes=[1], ddof=1 : f64[2]
            return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12
        }",
        &[x],
    )
    .unwrap();
    let i64s = |k: usize| out[k].to_vec::<i64>().unwrap();
    assert_eq!(i64s(0), [224]);
    assert_eq!(i64s(1), [7225792000]);
    assert_eq!(out[2].to_vec::<i8>().unwrap(), [-128]);
    assert_eq!(out[3].to_vec::<i8>().unwrap(), [127, 127]);
    assert_eq!(i64s(4), [132, 93, -1]);
    assert_eq!(i64s(5), [-1625600, -4445]);
    assert_eq!(out[6].to_vec::<f64>().unwrap(), [37.333333333333336]);
    assert_eq!(out[7].to_vec::<f64>().unwrap(), [8392.222222222223]);
    assert_eq!(out[8].to_vec::<f64>().unwrap(), [100.3527113070029]);
    assert_eq!(i64s(9), [0]);
    assert_eq!(i64s(10), [2, 1]);
    assert_eq!(
        f64_bits(&out[11]),
        [0x4050800000000000, 0x4047400000000000, 0xbfe0000000000000]
    );
    assert_eq!(f64_bits(&out[12]), [0x40d329c000000000, 0x40b5795555555556]);
}

#[test]
fn unsigned_and_64_bit_accumulation() {
    // NumPy: u = array([200, 255, 7], uint8): sum 462 (uint64), prod 357000,
    // mean 154.0; int64 sums and products wrap.
    let out = run(
        "graph @f(%u: u8[3], %i: i64[2], %j: i64[2]) {
            %0 = sum %u : u64[]
            %1 = prod %u : u64[]
            %2 = mean %u : f64[]
            %3 = sum %i : i64[]
            %4 = prod %i : i64[]
            %5 = prod %j : i64[]
            return %0, %1, %2, %3, %4, %5
        }",
        &[
            Array::from_vec(vec![200u8, 255, 7]),
            Array::from_vec(vec![i64::MAX, 1]),
            Array::from_vec(vec![1i64 << 62, 4]),
        ],
    )
    .unwrap();
    assert_eq!(out[0].to_vec::<u64>().unwrap(), [462]);
    assert_eq!(out[1].to_vec::<u64>().unwrap(), [357000]);
    assert_eq!(out[2].to_vec::<f64>().unwrap(), [154.0]);
    assert_eq!(out[3].to_vec::<i64>().unwrap(), [i64::MIN]);
    assert_eq!(out[4].to_vec::<i64>().unwrap(), [i64::MAX]);
    assert_eq!(out[5].to_vec::<i64>().unwrap(), [0]);
}

#[test]
fn bool_reductions() {
    // NumPy: b = array([[True, False, True], [False, False, False]])
    let b = Array::from_shape_vec(&[2, 3], vec![true, false, true, false, false, false]).unwrap();
    let out = run(
        "graph @f(%b: bool[2, 3]) {
            %0 = sum %b : i64[]
            %1 = sum %b, axes=[1] : i64[2]
            %2 = any %b, axes=[1] : bool[2]
            %3 = all %b, axes=[0] : bool[3]
            %4 = mean %b : f64[]
            %5 = var %b : f64[]
            %6 = max %b, axes=[0] : bool[3]
            %7 = argmax %b, axes=[1] : i64[2]
            return %0, %1, %2, %3, %4, %5, %6, %7
        }",
        &[b],
    )
    .unwrap();
    assert_eq!(out[0].to_vec::<i64>().unwrap(), [2]);
    assert_eq!(out[1].to_vec::<i64>().unwrap(), [2, 0]);
    assert_eq!(out[2].to_vec::<bool>().unwrap(), [true, false]);
    assert_eq!(out[3].to_vec::<bool>().unwrap(), [false, false, false]);
    assert_eq!(out[4].to_vec::<f64>().unwrap(), [0.3333333333333333]);
    assert_eq!(out[5].to_vec::<f64>().unwrap(), [0.22222222222222224]);
    assert_eq!(out[6].to_vec::<bool>().unwrap(), [true, false, true]);
    assert_eq!(out[7].to_vec::<i64>().unwrap(), [0, 0]);
}

#[test]
fn nan_and_signed_zero_in_min_max_arg() {
    // NumPy: f = [1.0, -nan, 3.0, nan, -5.0]: max and min are the first NaN
    // (-nan), argmax = argmin = 1; ties pick the first index; max/min of
    // [0.0, -0.0] is -0.0 and of [-0.0, 0.0] is 0.0 (the later one).
    let neg_nan = -f64::NAN;
    let out = run(
        "graph @f(%f: f64[5], %t: f64[5], %z: f64[2], %w: f64[2]) {
            %0 = max %f : f64[]
            %1 = min %f : f64[]
            %2 = argmax %f : i64[]
            %3 = argmin %f : i64[]
            %4 = argmax %t : i64[]
            %5 = argmin %t : i64[]
            %6 = max %z : f64[]
            %7 = max %w : f64[]
            %8 = min %z : f64[]
            %9 = min %w : f64[]
            return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9
        }",
        &[
            Array::from_vec(vec![1.0, neg_nan, 3.0, f64::NAN, -5.0]),
            Array::from_vec(vec![2.0f64, 5.0, 5.0, -1.0, -1.0]),
            Array::from_vec(vec![0.0f64, -0.0]),
            Array::from_vec(vec![-0.0f64, 0.0]),
        ],
    )
    .unwrap();
    assert_eq!(f64_bits(&out[0]), [0xfff8000000000000]);
    assert_eq!(f64_bits(&out[1]), [0xfff8000000000000]);
    let idx: Vec<i64> = (2..6).map(|k| out[k].to_vec::<i64>().unwrap()[0]).collect();
    assert_eq!(idx, [1, 1, 1, 3]);
    assert_eq!(f64_bits(&out[6]), [0x8000000000000000]);
    assert_eq!(f64_bits(&out[7]), [0]);
    assert_eq!(f64_bits(&out[8]), [0x8000000000000000]);
    assert_eq!(f64_bits(&out[9]), [0]);
}

#[test]
fn var_and_std_with_ddof() {
    // NumPy: v = [1.0, 2.0, 4.0]; v.var(ddof=d), v.std(ddof=d) for d in 0..5
    // (ddof >= n gives inf with a warning); [3.0, 3.0].var(ddof=2) is nan.
    let v = Array::from_vec(vec![1.0f64, 2.0, 4.0]);
    let var = [1.5555555555555554, 2.333333333333333, 4.666666666666666];
    let std = [1.247219128924647, 1.5275252316519465, 2.1602468994692865];
    for ddof in 0..5u32 {
        let out = run(
            &format!(
                "graph @f(%v: f64[3]) {{
                    %0 = var %v, ddof={ddof} : f64[]
                    %1 = std %v, ddof={ddof} : f64[]
                    return %0, %1
                }}"
            ),
            std::slice::from_ref(&v),
        )
        .unwrap();
        let (want_var, want_std) = match ddof {
            0..=2 => (var[ddof as usize], std[ddof as usize]),
            _ => (f64::INFINITY, f64::INFINITY),
        };
        assert_eq!(out[0].to_vec::<f64>().unwrap(), [want_var], "ddof={ddof}");
        assert_eq!(out[1].to_vec::<f64>().unwrap(), [want_std], "ddof={ddof}");
    }
    let same = run1(
        "graph @f(%v: f64[2]) {
            %0 = var %v, ddof=2 : f64[]
            return %0
        }",
        &[Array::from_vec(vec![3.0f64, 3.0])],
    );
    assert!(same.to_vec::<f64>().unwrap()[0].is_nan());
}

#[test]
fn empty_reductions() {
    // NumPy: e = zeros((2, 0)): sum/prod/mean/var/any/all over axis 1 give
    // [0, 0], [1, 1], [nan, nan], [nan, nan], [False, False], [True, True];
    // the sum over axis 0 has shape (0,); the sum of everything is +0.0.
    let e = Array::zeros(DType::F64, &[2, 0]);
    let out = run(
        "graph @f(%e: f64[2, 0]) {
            %0 = sum %e, axes=[1] : f64[2]
            %1 = prod %e, axes=[1] : f64[2]
            %2 = mean %e, axes=[1] : f64[2]
            %3 = var %e, axes=[1] : f64[2]
            %4 = any %e, axes=[1] : bool[2]
            %5 = all %e, axes=[1] : bool[2]
            %6 = sum %e, axes=[0] : f64[0]
            %7 = sum %e : f64[]
            return %0, %1, %2, %3, %4, %5, %6, %7
        }",
        &[e],
    )
    .unwrap();
    assert_eq!(out[0].to_vec::<f64>().unwrap(), [0.0, 0.0]);
    assert_eq!(out[1].to_vec::<f64>().unwrap(), [1.0, 1.0]);
    assert!(out[2].to_vec::<f64>().unwrap().iter().all(|v| v.is_nan()));
    assert!(out[3].to_vec::<f64>().unwrap().iter().all(|v| v.is_nan()));
    assert_eq!(out[4].to_vec::<bool>().unwrap(), [false, false]);
    assert_eq!(out[5].to_vec::<bool>().unwrap(), [true, true]);
    assert_eq!(out[6].shape(), &[0]);
    assert_eq!(f64_bits(&out[7]), [0]);
}

/// `f32` data whose naive sum differs from the pairwise one:
/// `0.1*(k%7) + 1e-3*k + 1e4*(k%3==0)` in float32, as NumPy computes it.
fn pairwise_data() -> Vec<f32> {
    (0..1000)
        .map(|k| {
            let big = if k % 3 == 0 { 1e4f32 } else { 0.0 };
            0.1f32 * (k % 7) as f32 + 1e-3f32 * k as f32 + big
        })
        .collect()
}

#[test]
fn float_sums_are_numpy_pairwise() {
    // NumPy 2.4 on the same contiguous data: p.sum() is 0x4a4be7fd (a naive
    // loop gives 3340800.5), p.mean() 0x4550ccca, p.var() 0x4ba9b61b,
    // p.std(ddof=3) 0x45939be8; the row sums and means of
    // p[:600].reshape(4, 150) bit for bit.
    let p = pairwise_data();
    let out = run(
        "graph @f(%p: f32[1000], %m: f32[4, 150]) {
            %0 = sum %p : f32[]
            %1 = mean %p : f32[]
            %2 = var %p : f32[]
            %3 = std %p, ddof=3 : f32[]
            %4 = sum %m, axes=[1] : f32[4]
            %5 = mean %m, axes=[1] : f32[4]
            return %0, %1, %2, %3, %4, %5
        }",
        &[
            Array::from_vec(p.clone()),
            Array::from_shape_vec(&[4, 150], p[..600].to_vec()).unwrap(),
        ],
    )
    .unwrap();
    assert_eq!(f32_bits(&out[0]), [0x4a4be7fd]);
    assert_eq!(f32_bits(&out[1]), [0x4550ccca]);
    assert_eq!(f32_bits(&out[2]), [0x4ba9b61b]);
    assert_eq!(f32_bits(&out[3]), [0x45939be8]);
    assert_eq!(f32_bits(&out[4]), [0x48f42af2, 0x48f42ddf, 0x48f430a0, 0x48f43376]);
    assert_eq!(f32_bits(&out[5]), [0x45505b43, 0x45505dc2, 0x4550601b, 0x45506287]);

    // NumPy: q = (0.1*(k%7) + 1e-3*k + 1e12*(k%5==0))[:300] in float64.
    let q: Vec<f64> = (0..300)
        .map(|k| {
            let big = if k % 5 == 0 { 1e12 } else { 0.0 };
            0.1 * (k % 7) as f64 + 1e-3 * k as f64 + big
        })
        .collect();
    let out = run(
        "graph @f(%q: f64[300]) {
            %0 = sum %q : f64[]
            %1 = mean %q : f64[]
            %2 = var %q : f64[]
            return %0, %1, %2
        }",
        &[Array::from_vec(q)],
    )
    .unwrap();
    assert_eq!(f64_bits(&out[0]), [0x42cb48eb57e04347]);
    assert_eq!(f64_bits(&out[1]), [0x42474876e8003969]);
    assert_eq!(f64_bits(&out[2]), [0x44c0f0cf064dd54b]);
}

#[test]
fn reductions_over_strided_and_multiple_axes() {
    // NumPy: x = arange(24.).reshape(2, 3, 4).transpose(2, 1, 0) (4, 3, 2)
    // x.sum(axis=(0, 2), keepdims=True) = [[[60.], [92.], [124.]]],
    // x.argmax() = 23, x.argmax(axis=1) = [[2, 2], [2, 2], [2, 2], [2, 2]],
    // x.var(axis=(0, 1)) = [11.916666666666666, 11.916666666666666].
    let base = Array::from_shape_vec(&[2, 3, 4], (0..24).map(f64::from).collect()).unwrap();
    let x = base.permute(&[2, 1, 0]).unwrap();
    let out = run(
        "graph @f(%x: f64[4, 3, 2]) {
            %0 = sum %x, axes=[0, 2], keepdims : f64[1, 3, 1]
            %1 = argmax %x : i64[]
            %2 = argmax %x, axes=[1] : i64[4, 2]
            %3 = var %x, axes=[0, 1] : f64[2]
            return %0, %1, %2, %3
        }",
        &[x],
    )
    .unwrap();
    assert_eq!(out[0].shape(), &[1, 3, 1]);
    assert_eq!(out[0].to_vec::<f64>().unwrap(), [60.0, 92.0, 124.0]);
    assert_eq!(out[1].to_vec::<i64>().unwrap(), [23]);
    assert_eq!(out[2].to_vec::<i64>().unwrap(), [2; 8]);
    assert_eq!(
        out[3].to_vec::<f64>().unwrap(),
        [11.916666666666666, 11.916666666666666]
    );
}
