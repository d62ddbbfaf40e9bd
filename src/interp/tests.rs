//! Hand-picked NumPy 2 cases for the interpreter. Every expected value was
//! produced by NumPy 2.4 (noted next to each case); float results are
//! compared bit for bit.

use super::*;
use crate::array::DType;
use crate::expr::ops::{BinaryOp, UnaryOp};

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

/// Same bits, except that any NaN matches any NaN.
fn same_f64(got: &[f64], want: &[f64]) -> bool {
    got.len() == want.len()
        && got
            .iter()
            .zip(want)
            .all(|(g, w)| g.to_bits() == w.to_bits() || g.is_nan() && w.is_nan())
}

// ------------------------------------------------------------- evaluation

#[test]
fn broadcasts_strided_operands() {
    // a = [[1.5], [-2.0], [3.25]] given as a transposed (strided) view;
    // NumPy: a % b and a // b with b = [0.5, -1.0, 2.0, 0.0].
    let a = Array::from_shape_vec(&[1, 3], vec![1.5f64, -2.0, 3.25]).unwrap().t();
    let b = Array::from_vec(vec![0.5f64, -1.0, 2.0, 0.0]);
    let out = run(
        "graph @f(%a: f64[3, 1], %b: f64[4]) {
            %0 = mod %a, %b : f64[3, 4]
            %1 = floordiv %a, %b : f64[3, 4]
            return %0, %1
        }",
        &[a, b],
    )
    .unwrap();
    let nan = f64::NAN;
    assert!(same_f64(
        &out[0].to_vec::<f64>().unwrap(),
        &[0.0, -0.5, 1.5, nan, 0.0, -0.0, 0.0, nan, 0.25, -0.75, 1.25, nan]
    ));
    let inf = f64::INFINITY;
    assert_eq!(
        out[1].to_vec::<f64>().unwrap(),
        [3.0, -2.0, 0.0, inf, -4.0, 2.0, -1.0, -inf, 6.0, -4.0, 1.0, inf]
    );
}

#[test]
fn views_are_applied() {
    // NumPy: A = arange(12, dtype=int32).reshape(3, 4);
    // A[::-1, 1:4:2].T.reshape(6) and broadcast_to(A[None, 1, ...], (2, 4)).
    let a = Array::from_shape_vec(&[3, 4], (0..12).collect::<Vec<i32>>()).unwrap();
    let out = run(
        "graph @f(%a: i32[3, 4]) {
            %0 = index %a, [::-1, 1:4:2] : i32[3, 2]
            %1 = permute %0, [1, 0] : i32[2, 3]
            %2 = reshape %1, [6] : i32[6]
            %3 = index %a, [None, 1, ...] : i32[1, 4]
            %4 = broadcast %3, [2, 4] : i32[2, 4]
            return %2, %4
        }",
        std::slice::from_ref(&a),
    )
    .unwrap();
    assert_eq!(out[0].to_vec::<i32>().unwrap(), [9, 5, 1, 11, 7, 3]);
    assert_eq!(out[1].to_vec::<i32>().unwrap(), [4, 5, 6, 7, 4, 5, 6, 7]);
    for o in &out {
        assert!(o.is_c_contiguous());
        assert!(!o.shares_memory(&a));
    }
}

#[test]
fn outputs_are_fresh_contiguous_arrays() {
    let a = Array::from_shape_vec(&[2, 2], vec![1u8, 2, 3, 4]).unwrap();
    let text = "graph @f(%a: u8[2, 2]) {
        %0 = permute %a, [1, 0] : u8[2, 2]
        return %a, %0, %0
    }";
    let out = run(text, std::slice::from_ref(&a)).unwrap();
    assert_eq!(out[0].to_vec::<u8>().unwrap(), [1, 2, 3, 4]);
    assert_eq!(out[1].to_vec::<u8>().unwrap(), [1, 3, 2, 4]);
    assert!(!out[0].shares_memory(&a) && !out[1].shares_memory(&a));
    assert!(!out[1].shares_memory(&out[2]));
    assert!(out.iter().all(|o| o.is_c_contiguous()));
}

#[test]
fn constants_where_and_casts() {
    // NumPy: q = [2.7, -2.7, 1e10, nan, -0.5];
    // where(q > 0, q, -q) * 2.0 and q.astype(int32) (finite in-range part).
    let q = Array::from_vec(vec![2.7f64, -2.7, 1e10, f64::NAN, -0.5]);
    let out = run(
        "graph @f(%q: f64[5]) {
            %0 = const 0.0 : f64[]
            %1 = gt %q, %0 : bool[5]
            %2 = neg %q : f64[5]
            %3 = where %1, %q, %2 : f64[5]
            %4 = const 2.0 : f64[]
            %5 = mul %3, %4 : f64[5]
            %6 = cast %q : i32[5]
            return %5, %6
        }",
        &[q],
    )
    .unwrap();
    assert!(same_f64(
        &out[0].to_vec::<f64>().unwrap(),
        &[5.4, 5.4, 2e10, f64::NAN, 1.0]
    ));
    let ints = out[1].to_vec::<i32>().unwrap();
    assert_eq!([ints[0], ints[1], ints[4]], [2, -2, 0]);
}

#[test]
fn negative_integer_power_is_a_value_error() {
    // NumPy: ValueError "Integers to negative integer powers are not allowed."
    let text = "graph @f(%a: i64[2], %b: i64[2]) {
        %0 = pow %a, %b : i64[2]
        return %0
    }";
    let a = Array::from_vec(vec![2i64, 2]);
    let err = run(text, &[a.clone(), Array::from_vec(vec![3i64, -1])]).unwrap_err();
    assert_eq!(
        err,
        Error::Value("integers to negative integer powers are not allowed".into())
    );
    let ok = run1(text, &[a, Array::from_vec(vec![3i64, 0])]);
    assert_eq!(ok.to_vec::<i64>().unwrap(), [8, 1]);
}

#[test]
fn dead_nodes_are_not_evaluated() {
    let text = "graph @f(%a: i64[2], %b: i64[2]) {
        %0 = pow %a, %b : i64[2]
        %1 = add %a, %b : i64[2]
        return %1
    }";
    let out = run1(text, &[Array::from_vec(vec![2i64, 2]), Array::from_vec(vec![1i64, -1])]);
    assert_eq!(out.to_vec::<i64>().unwrap(), [3, 1]);
}

#[test]
fn inputs_must_match_the_graph() {
    let text = "graph @f(%a: f64[3]) {
        %0 = neg %a : f64[3]
        return %0
    }";
    let err = |inputs: &[Array]| run(text, inputs).unwrap_err();
    assert!(matches!(err(&[]), Error::Shape(_)));
    assert!(matches!(
        err(&[Array::from_vec(vec![1.0f32, 2.0, 3.0])]),
        Error::Type(_)
    ));
    let e = err(&[Array::from_vec(vec![1.0f64, 2.0])]);
    assert_eq!(
        e,
        Error::Shape("input %a has shape [3], got an array of shape [2]".into())
    );
}

// ------------------------------------------------------------- reductions

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

// ------------------------------------------------------ scalar evaluators

fn bin(op: BinaryOp, a: Scalar, b: Scalar) -> Scalar {
    eval_binary(op, a, b).unwrap()
}

fn un(op: UnaryOp, x: Scalar) -> Scalar {
    eval_unary(op, x).unwrap()
}

#[test]
fn integer_edges() {
    use BinaryOp::*;
    use Scalar::{I32, I64, I8, U8};
    // NumPy: int8 floor_divide/remainder/fmod of [7, -7, 7, -7, -128, -128]
    // by [2, 2, -2, -2, -1, 0] = [3, -4, -4, 3, -128, 0], [1, 1, -1, -1, 0, 0],
    // [1, -1, 1, -1, 0, 0].
    let a = [7, -7, 7, -7, -128, -128];
    let b = [2, 2, -2, -2, -1, 0];
    let fd: Vec<Scalar> = a.iter().zip(&b).map(|(&x, &y)| bin(FloorDiv, I8(x), I8(y))).collect();
    let md: Vec<Scalar> = a.iter().zip(&b).map(|(&x, &y)| bin(Mod, I8(x), I8(y))).collect();
    let fm: Vec<Scalar> = a.iter().zip(&b).map(|(&x, &y)| bin(Fmod, I8(x), I8(y))).collect();
    assert_eq!(fd, [3, -4, -4, 3, -128, 0].map(I8));
    assert_eq!(md, [1, 1, -1, -1, 0, 0].map(I8));
    assert_eq!(fm, [1, -1, 1, -1, 0, 0].map(I8));
    assert_eq!(bin(FloorDiv, U8(255), U8(0)), U8(0));
    assert_eq!(un(UnaryOp::Abs, I8(-128)), I8(-128));
    assert_eq!(un(UnaryOp::Neg, U8(1)), U8(255));
    // NumPy: int8 power [0, 0, 2, 3, -2] ** [0, 1, 7, 5, 7] = [1, 0, -128, -13, -128];
    // int64 3 ** 100 = -2984622845537545263; uint8 3 ** 7 = 139.
    let p: Vec<Scalar> = [(0, 0), (0, 1), (2, 7), (3, 5), (-2, 7)]
        .iter()
        .map(|&(x, y)| bin(Pow, I8(x), I8(y)))
        .collect();
    assert_eq!(p, [1, 0, -128, -13, -128].map(I8));
    assert_eq!(bin(Pow, I64(3), I64(100)), I64(-2984622845537545263));
    assert_eq!(bin(Pow, U8(3), U8(7)), U8(139));
    // NumPy: shifts by the width or more, or by a negative count, give 0,
    // or -1 for >> of a negative; 5 << 7 wraps in int8.
    assert_eq!(bin(Shl, I8(5), I8(7)), I8(-128));
    assert_eq!(bin(Shl, I8(1), I8(8)), I8(0));
    assert_eq!(bin(Shl, I8(1), I8(-1)), I8(0));
    assert_eq!(bin(Shr, I8(-5), I8(-1)), I8(-1));
    assert_eq!(bin(Shr, I8(5), I8(100)), I8(0));
    assert_eq!(bin(Shr, I32(-5), I32(32)), I32(-1));
    assert_eq!(bin(Shr, U8(255), U8(7)), U8(1));
    // NumPy: reciprocal(int32 [0, 1, -1, 2]) = [-2147483648, 1, -1, 0];
    // reciprocal(int8 0) = 0.
    let r: Vec<Scalar> = [0, 1, -1, 2].map(|x| un(UnaryOp::Reciprocal, I32(x))).to_vec();
    assert_eq!(r, [i32::MIN, 1, -1, 0].map(I32));
    assert_eq!(un(UnaryOp::Reciprocal, I8(0)), I8(0));
    assert_eq!(un(UnaryOp::Sign, I8(-3)), I8(-1));
}

#[test]
fn bool_edges() {
    use BinaryOp::*;
    use Scalar::Bool;
    // NumPy: [True, False] + [True, False] = [True, False] (or);
    // [True, False] * [True, True] = [True, False] (and); ~True = False.
    assert_eq!(bin(Add, Bool(true), Bool(true)), Bool(true));
    assert_eq!(bin(Mul, Bool(true), Bool(false)), Bool(false));
    assert_eq!(bin(Maximum, Bool(true), Bool(false)), Bool(true));
    assert_eq!(un(UnaryOp::Invert, Bool(true)), Bool(false));
    assert!(matches!(eval_binary(Sub, Bool(true), Bool(false)), Err(Error::Type(_))));
}

#[test]
fn float_division_edges() {
    use Scalar::F64;
    // NumPy float64 floor_divide and remainder (bits):
    let cases: [(f64, f64, u64, u64); 10] = [
        (-1.0, f64::INFINITY, 0xbff0000000000000, 0x7ff0000000000000),
        (1.0, f64::INFINITY, 0x0, 0x3ff0000000000000),
        (1.0, 0.0, 0x7ff0000000000000, 0x7ff8000000000000),
        (-1.0, 0.0, 0xfff0000000000000, 0x7ff8000000000000),
        (0.0, 0.0, 0x7ff8000000000000, 0x7ff8000000000000),
        (-0.0, 1.0, 0x8000000000000000, 0x0),
        (0.0, -1.0, 0x8000000000000000, 0x8000000000000000),
        (5.0, -3.0, 0xc000000000000000, 0xbff0000000000000),
        (1e308, 1e-308, 0x7ff0000000000000, 0x28401cf53d610),
        (f64::INFINITY, 2.0, 0x7ff8000000000000, 0x7ff8000000000000),
    ];
    for (a, b, fd, md) in cases {
        let got = |op| match bin(op, F64(a), F64(b)) {
            F64(v) => v,
            s => panic!("{s:?}"),
        };
        let (q, r) = (got(BinaryOp::FloorDiv), got(BinaryOp::Mod));
        let want = (f64::from_bits(fd), f64::from_bits(md));
        assert!(same_f64(&[q, r], &[want.0, want.1]), "{a} // {b}: {q}, {r}");
    }
}

#[test]
fn float_function_edges() {
    use BinaryOp::*;
    use Scalar::{F32, F64};
    let bits = |s: Scalar| s.bits();
    // NumPy: maximum/minimum return the second operand on ±0 ties and the
    // first NaN; fmax/fmin (long arrays) likewise on ties, ignoring NaN.
    assert_eq!(bits(bin(Maximum, F64(-0.0), F64(0.0))), 0);
    assert_eq!(bits(bin(Maximum, F64(0.0), F64(-0.0))), 0x8000000000000000);
    assert_eq!(bits(bin(Minimum, F64(-0.0), F64(0.0))), 0);
    assert_eq!(bits(bin(Maximum, F64(-f64::NAN), F64(f64::NAN))), 0xfff8000000000000);
    assert_eq!(bin(Fmax, F64(f64::NAN), F64(1.0)), F64(1.0));
    assert_eq!(bin(Fmin, F64(1.0), F64(f64::NAN)), F64(1.0));
    assert_eq!(bits(bin(Fmax, F64(0.0), F64(-0.0))), 0x8000000000000000);
    // NumPy: sign(-0.0) = 0.0; sign(nan) = nan.
    assert_eq!(bits(un(UnaryOp::Sign, F64(-0.0))), 0);
    assert!(un(UnaryOp::Sign, F64(f64::NAN)).as_f64().is_nan());
    // NumPy: nextafter(0.0, -1.0) = -5e-324; nextafter(float32(1), 2) =
    // 0x3f800001; nextafter(-0.0, 0.0) = 0.0.
    assert_eq!(bits(bin(Nextafter, F64(0.0), F64(-1.0))), 0x8000000000000001);
    assert_eq!(bits(bin(Nextafter, F32(1.0), F32(2.0))), 0x3f800001);
    assert_eq!(bits(bin(Nextafter, F64(-0.0), F64(0.0))), 0);
    // NumPy: logaddexp(inf, inf) = inf, (-inf, -inf) = -inf,
    // logaddexp(1.0, 2.0) = 2.313261687518223, float32 (1, 1) = 1.6931472.
    assert_eq!(
        bin(Logaddexp, F64(f64::INFINITY), F64(f64::INFINITY)),
        F64(f64::INFINITY)
    );
    assert_eq!(
        bin(Logaddexp, F64(f64::NEG_INFINITY), F64(f64::NEG_INFINITY)),
        F64(f64::NEG_INFINITY)
    );
    assert_eq!(bin(Logaddexp, F64(1.0), F64(2.0)), F64(2.313261687518223));
    assert_eq!(bin(Logaddexp, F32(1.0), F32(1.0)), F32(1.6931472));
    // NumPy: copysign(1.0, -0.0) = -1.0; fmod(-5.0, 3.0) = -2.0;
    // fmod(5.0, -0.0) = nan; fmod(-0.0, 2.0) = -0.0.
    assert_eq!(bin(Copysign, F64(1.0), F64(-0.0)), F64(-1.0));
    assert_eq!(bin(Fmod, F64(-5.0), F64(3.0)), F64(-2.0));
    assert!(bin(Fmod, F64(5.0), F64(-0.0)).as_f64().is_nan());
    assert_eq!(bits(bin(Fmod, F64(-0.0), F64(2.0))), 0x8000000000000000);
    // NumPy: 0.0 ** -1.0 = inf; (-8.0) ** (1/3) = nan; 1.0 ** nan = 1.0;
    // nan ** 0.0 = 1.0; hypot(inf, nan) = inf; arctan2(-0.0, -0.0) = -pi.
    assert_eq!(bin(Pow, F64(0.0), F64(-1.0)), F64(f64::INFINITY));
    assert!(bin(Pow, F64(-8.0), F64(1.0 / 3.0)).as_f64().is_nan());
    assert_eq!(bin(Pow, F64(1.0), F64(f64::NAN)), F64(1.0));
    assert_eq!(bin(Pow, F64(f64::NAN), F64(0.0)), F64(1.0));
    assert_eq!(bin(Hypot, F64(f64::INFINITY), F64(f64::NAN)), F64(f64::INFINITY));
    assert_eq!(bin(Arctan2, F64(-0.0), F64(-0.0)), F64(-std::f64::consts::PI));
    // arcsinh/arccosh of huge values do not overflow (NumPy: 710.475860073944).
    let big = un(UnaryOp::Arccosh, F64(f64::MAX)).as_f64();
    assert!((big - 710.475860073944).abs() < 1e-12, "{big}");
    // rint is half to even: NumPy rint([0.5, 1.5, 2.5, -0.5]) = [0, 2, 2, -0].
    let r: Vec<u64> = [0.5, 1.5, 2.5, -0.5].map(|x| bits(un(UnaryOp::Rint, F64(x)))).to_vec();
    assert_eq!(r, [0, 2f64.to_bits(), 2f64.to_bits(), 0x8000000000000000]);
}

#[test]
fn evaluators_reject_wrong_dtypes() {
    use Scalar::{F64, I32, I64};
    assert!(matches!(eval_unary(UnaryOp::Sin, I32(1)), Err(Error::Type(_))));
    assert!(matches!(eval_unary(UnaryOp::Invert, F64(1.0)), Err(Error::Type(_))));
    assert!(matches!(
        eval_binary(BinaryOp::Add, I32(1), I64(1)),
        Err(Error::Type(_))
    ));
    assert!(matches!(
        eval_binary(BinaryOp::Div, I64(1), I64(1)),
        Err(Error::Type(_))
    ));
    assert_eq!(eval_where(Scalar::Bool(true), I32(1), I32(2)), I32(1));
}

// ------------------------------------------------------------- robustness

/// Edge values of every dtype, as an array of `shape` (cycled).
fn edge_array(dtype: DType, shape: &[usize]) -> Array {
    let edges = [0.0, -0.0, 1.0, -1.0, 2.5, -7.0, 127.0, 1e300, f64::NAN, f64::INFINITY];
    let mut a = Array::zeros(dtype, shape);
    let vals: Vec<Scalar> = (0..a.len())
        .map(|i| Scalar::F64(edges[i % edges.len()]).cast(dtype))
        .collect();
    a.assign_scalars(&vals);
    a
}

#[test]
fn every_accepted_graph_evaluates() {
    use crate::expr::ops::ReduceOp;
    for t in DType::ALL {
        for &u in UnaryOp::ALL {
            let mut g = Graph::new();
            let a = g.add_input("a", t, &[10]).unwrap();
            let Ok(n) = g.add(Op::Unary(u), &[a]) else { continue };
            g.set_outputs(vec![n]);
            let out = interpret(&g, &[edge_array(t, &[10])]);
            assert!(out.is_ok(), "{u} on {t}: {out:?}");
        }
        for &b in BinaryOp::ALL {
            let mut g = Graph::new();
            let x = g.add_input("x", t, &[10, 1]).unwrap();
            let y = g.add_input("y", t, &[10]).unwrap();
            let Ok(n) = g.add(Op::Binary(b), &[x, y]) else { continue };
            g.set_outputs(vec![n]);
            let out = interpret(&g, &[edge_array(t, &[10, 1]), edge_array(t, &[10])]);
            match out {
                Ok(o) => assert_eq!(o[0].shape(), &[10, 10]),
                Err(Error::Value(_)) if b == BinaryOp::Pow => {}
                Err(e) => panic!("{b} on {t}: {e}"),
            }
        }
        for &r in ReduceOp::ALL {
            for shape in [&[3, 4][..], &[2, 0], &[], &[0]] {
                for axes in [vec![], vec![0], vec![1], vec![0, 1]] {
                    for (keepdims, ddof) in [(false, 0), (true, 1), (false, 5)] {
                        let mut g = Graph::new();
                        let x = g.add_input("x", t, shape).unwrap();
                        let op = Op::Reduce {
                            op: r,
                            axes: axes.clone(),
                            keepdims,
                            ddof,
                        };
                        let Ok(n) = g.add(op, &[x]) else { continue };
                        g.set_outputs(vec![n]);
                        let out = interpret(&g, &[edge_array(t, shape)]);
                        assert!(out.is_ok(), "{r} {axes:?} of {t}{shape:?}: {out:?}");
                    }
                }
            }
        }
    }
}
