//! An adversarial review of the soundness work (issue #10): attacks through
//! the safe public API only. Each test passes when the library behaves
//! (an `Err`, unchanged data, NumPy's answer); attacks that succeeded are
//! kept, marked `#[ignore = "finding: ..."]`.

use lazyfuse::internals::array::Buffer;
use lazyfuse::internals::runtime::{self, ExecOptions};
use lazyfuse::ir::Graph;
use lazyfuse::{lazy, Array, DType, Index};
use std::sync::Arc;

fn arange(n: usize) -> Array {
    Array::from_vec((0..n).map(|x| x as f64).collect::<Vec<f64>>())
}

fn graph(text: &str) -> Graph {
    Graph::parse(text).unwrap()
}

const SQUARE: &str = "graph @f(%a: f64[4]) {
    %0 = mul %a, %a : f64[4]
    return %0
}";

// ------------------------------------------------------------- findings

/// `from_buffer` takes bytes other than 0 and 1 as `bool` data (the npy
/// reader refuses or normalises them), and `as_slice::<bool>` then hands
/// out a `&[bool]` holding invalid values: undefined behaviour in safe
/// code. Same through `to_vec::<bool>` (`read_unaligned` as `bool`) and
/// `as_ndarray::<bool>`, whose SAFETY comment assumes "bool buffers hold
/// only 0 and 1".
#[test]
fn bool_data_from_a_buffer_is_0_or_1() {
    let bytes = Array::from_vec(vec![0u8, 1, 2, 255]);
    let Ok(b) = Array::from_buffer(bytes.buffer().clone(), DType::Bool, &[4], &[1], 0) else {
        return; // refusing is a fine answer
    };
    // The invalid values show: `to_scalars` tests each byte against 0, and
    // the slice compares unequal to that although both print as
    // `[false, true, true, true]` (the slice comparison is a byte compare,
    // 2 != 1).
    let via_scalars: Vec<bool> = b.to_scalars().iter().map(|v| v.bits() != 0).collect();
    let via_slice = b.as_slice::<bool>().unwrap().to_vec();
    assert_eq!(via_slice, via_scalars, "invalid bool values in a &[bool]");
    assert_eq!(b.to_vec::<bool>().unwrap(), via_scalars);
}

// (Finding: `Buffer::from_vec` accepted any `Copy` type, so a padded
// `(u8, u32)` exposed uninitialised bytes. It now requires `Element`, so
// that call no longer compiles: see the `compile_fail` example on
// `Buffer::from_vec`.)

/// `Buffer::from_vec` of an empty `Vec<u8>` has the dangling pointer 0x1;
/// `from_buffer` accepts an empty f64 array over it, and `as_slice` (which,
/// unlike `as_ndarray`, never checks alignment) builds a `&[f64]` from a
/// misaligned pointer: undefined behaviour — in a debug build the standard
/// library's precondition check aborts the process. (A non-empty
/// `Vec<u8>` is only as aligned as the allocator makes it, too.)
#[test]
fn a_slice_of_a_misaligned_buffer_is_an_error() {
    let buf = Arc::new(Buffer::from_vec(Vec::<u8>::new()));
    let a = Array::from_buffer(buf, DType::F64, &[0], &[1], 0).unwrap();
    if let Ok(s) = a.as_slice::<f64>() {
        assert!((s.as_ptr() as usize).is_multiple_of(8));
    }
}

/// `Array::reshape` never calls `layout::checked_bytes`: an empty array
/// takes the shape `[2^62, 2^62, 0]` (the zero hides the overflow from
/// `resolve_reshape`'s saturating product), and `len()` then panics with an
/// arithmetic overflow in a debug build (`Iterator::product`).
#[test]
fn reshape_of_an_empty_array_checks_the_size() {
    let e = Array::zeros(DType::F64, &[0]);
    let r = e.reshape(&[1 << 62, 1 << 62, 0]);
    assert!(r.is_err(), "accepted shape {:?}", r.map(|r| r.shape().to_vec()));
}

/// (Held.) The same through the expression: `Expr::reshape` of an empty
/// array into `[2^62, 2^62, 0]` must not hand that shape on to a second
/// reshape's `product()`.
#[test]
fn expr_reshape_of_an_empty_array_checks_the_size() {
    let e = Array::zeros(DType::F64, &[0]);
    let x = lazy(&e).reshape(&[1 << 62, 1 << 62, 0]);
    let y = x.reshape(&[0]); // product of the shape above
    assert!(y.eval().is_err());
}

/// `eval_graph_donating` decides that an input is donatable with
/// `Arc::strong_count == 1`, ignoring weak references (`Array::is_unique`
/// checks `weak_count` too). A `Weak<Buffer>` taken before can be upgraded
/// on another thread while the kernel overwrites the buffer, and turned
/// into an `Array` whose `as_slice` is read during the write: a data race
/// in safe code. Deterministically: with a weak handle alive, the result
/// must not be written over the input.
#[test]
fn a_buffer_with_a_weak_handle_is_not_donated() {
    let a = arange(4);
    let weak = Arc::downgrade(a.buffer());
    let p = a.as_ptr();
    let out = runtime::eval_graph_donating(&graph(SQUARE), &mut [a], &[true], &ExecOptions::default()).unwrap();
    assert_eq!(out[0].to_vec::<f64>().unwrap(), vec![0.0, 1.0, 4.0, 9.0]);
    assert_ne!(out[0].as_ptr(), p, "written in place although a Weak could upgrade");
    drop(weak);
    // Through lazy(array):
    let a = arange(4);
    let weak = Arc::downgrade(a.buffer());
    let e = lazy(a) * 2.0;
    let r = e.eval().unwrap();
    let seen = Array::from_buffer(weak.upgrade().unwrap(), DType::F64, &[4], &[1], 0).unwrap();
    assert_eq!(seen.to_vec::<f64>().unwrap(), vec![0.0, 1.0, 2.0, 3.0], "result {r:?}");
}

// ------------------------------------------------- held: layouts and bounds

#[test]
fn as_strided_outside_the_buffer_is_an_error() {
    let a = arange(6);
    let cases: [(&[usize], &[isize], isize); 12] = [
        (&[2], &[1], -1),
        (&[2], &[1], 5),
        (&[2], &[isize::MAX], 0),
        (&[2], &[isize::MIN], 5),
        (&[3], &[-1], 1),
        (&[1], &[1], isize::MAX),
        (&[1], &[1], isize::MIN),
        (&[0], &[1], 7),
        (&[0], &[1], -1),
        (&[0], &[1], isize::MAX),
        (&[usize::MAX], &[0], 0),
        (&[1 << 62, 2], &[0, 0], 0),
    ];
    for (shape, strides, off) in cases {
        assert!(
            a.as_strided(shape, strides, off).is_err(),
            "{shape:?} {strides:?} {off}"
        );
    }
    assert!(a.as_strided(&[2, 2], &[1], 0).is_err());
    // Large shapes with a zero are empty and harmless; reads see nothing.
    let e = a.as_strided(&[usize::MAX, 0], &[isize::MAX, isize::MIN], 6).unwrap();
    assert!(e.is_empty() && e.to_vec::<f64>().unwrap().is_empty());
    assert!(e.as_slice::<f64>().unwrap().is_empty());
    if let Ok(r) = (lazy(&e) * 2.0).eval() {
        assert!(r.is_empty());
    }
}

#[test]
fn from_buffer_checks_the_dtype_size_against_the_bytes() {
    let buf = Arc::new(Buffer::from_bytes(&[1, 2, 3, 4, 5, 6, 7]));
    assert!(Array::from_buffer(buf.clone(), DType::F64, &[1], &[1], 0).is_err());
    assert!(Array::from_buffer(buf.clone(), DType::U16, &[4], &[1], 0).is_err());
    assert!(Array::from_buffer(buf.clone(), DType::U16, &[2], &[1], 2).is_err());
    assert!(Array::from_buffer(buf.clone(), DType::U16, &[3], &[1], 0).is_ok());
    let empty = Arc::new(Buffer::from_bytes(&[]));
    assert!(Array::from_buffer(empty.clone(), DType::U8, &[1], &[1], 0).is_err());
    assert!(Array::from_buffer(empty, DType::U8, &[0], &[1], 0).is_ok());
}

#[test]
fn slices_with_extreme_indices_on_empty_and_huge_shapes() {
    let big = Array::zeros(DType::U8, &[1]).broadcast_to(&[1 << 40, 1 << 20]).unwrap();
    let empty = Array::zeros(DType::F64, &[0, 3]);
    let wide = Array::zeros(DType::U8, &[1]).broadcast_to(&[1 << 62, 0]).unwrap();
    let extremes = [isize::MIN, isize::MIN + 1, -1, 0, 1, isize::MAX - 1, isize::MAX];
    for a in [&big, &empty, &wide] {
        for &s in &extremes {
            for &e in &extremes {
                for &st in &[isize::MIN, -1, 1, isize::MAX] {
                    let ix = [
                        Index::range(s, e, st),
                        Index::Slice {
                            start: Some(e),
                            stop: None,
                            step: st,
                        },
                    ];
                    if let Ok(v) = a.slice(&ix) {
                        // Every element of a view is inside the buffer: read
                        // the corners.
                        if !v.is_empty() {
                            let last: Vec<usize> = v.shape().iter().map(|d| d - 1).collect();
                            v.get(&last).unwrap();
                            v.get(&vec![0; v.ndim()]).unwrap();
                        }
                    }
                }
            }
            assert!(a.slice(&[Index::At(s)]).is_ok() == (a.shape()[0] > 0 && (s == 0 || s == -1 || s == 1)));
        }
    }
    assert!(big.index_axis(0, usize::MAX).is_err());
    assert!(big.slice(&[Index::Ellipsis, Index::Ellipsis]).is_err());
    assert!(big.slice(&[Index::At(0), Index::At(0), Index::At(0)]).is_err());
    assert!(big.insert_axis(3).is_err());
    assert!(big.permute(&[0, 0]).is_err());
    assert!(big.permute(&[usize::MAX, 0]).is_err());
}

#[test]
fn reshape_with_inference_and_overflowing_sizes() {
    let a = arange(6);
    assert!(a.reshape(&[usize::MAX, usize::MAX]).is_err());
    assert!(a.reshape(&[usize::MAX, 0]).is_err());
    assert!(a.reshape(&[usize::MAX, 4]).is_err());
    assert!(a.reshape(&[1 << 62, 1 << 62, usize::MAX]).is_err());
    assert_eq!(a.reshape(&[usize::MAX, 3]).unwrap().shape(), &[2, 3]);
    let e = Array::zeros(DType::F64, &[0]);
    assert!(e.reshape(&[usize::MAX]).is_ok());
    assert!(e.reshape(&[usize::MAX, 0]).is_err());
    assert!(lazy(&a).reshape(&[usize::MAX, 0]).eval().is_err());
    assert!(lazy(&a).reshape(&[usize::MAX, usize::MAX]).eval().is_err());
}

#[test]
fn broadcasts_of_views_with_odd_strides_stay_inside() {
    let a = arange(10);
    let r = a
        .slice(&[Index::Slice {
            start: None,
            stop: None,
            step: -3,
        }])
        .unwrap();
    let b = r.insert_axis(0).unwrap().broadcast_to(&[3, 4]).unwrap();
    assert_eq!(b.to_vec::<f64>().unwrap()[8..], [9.0, 6.0, 3.0, 0.0]);
    assert_eq!((lazy(&b) + 0.0).eval().unwrap(), b);
    assert!(b.broadcast_to(&[2, 3, 5]).is_err());
    assert!(b.broadcast_to(&[4]).is_err());
}

// ------------------------------------------------- held: writing and sharing

#[test]
fn writing_through_a_view_never_reaches_clones() {
    let mut a = arange(6);
    let clone = a.clone();
    let window = a.as_strided(&[2], &[2], 1).unwrap();
    {
        let mut v = a.view_mut().unwrap().slice(&[Index::range(1, 4, 1)]).unwrap();
        v.fill(lazyfuse::Scalar::F64(-1.0));
        {
            let mut w = v.reborrow().t();
            w.as_slice_mut::<f64>().unwrap()[0] = 7.0;
        }
        v.assign(&Array::from_vec(vec![5.0f64])).unwrap();
        (lazy(clone.slice(&[Index::range(0, 3, 1)]).unwrap()) * 10.0)
            .eval_into(&mut v)
            .unwrap();
    }
    assert_eq!(a.to_vec::<f64>().unwrap(), vec![0.0, 0.0, 10.0, 20.0, 4.0, 5.0]);
    assert_eq!(clone.to_vec::<f64>().unwrap(), vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(window.to_vec::<f64>().unwrap(), vec![1.0, 3.0]);
}

#[test]
fn eval_into_a_view_whose_source_is_its_own_old_data() {
    // a[::-1] = a (NumPy copies first).
    let mut a = arange(5);
    let e = lazy(&a) + 0.0;
    let mut v = a
        .view_mut()
        .unwrap()
        .slice(&[Index::Slice {
            start: None,
            stop: None,
            step: -1,
        }])
        .unwrap();
    e.eval_into(&mut v).unwrap();
    drop(v);
    assert_eq!(a.to_vec::<f64>().unwrap(), vec![4.0, 3.0, 2.0, 1.0, 0.0]);
    // a = a * 2 into a itself, through an &mut Array.
    let e = lazy(&a) * 2.0;
    e.eval_into(&mut a).unwrap();
    assert_eq!(a.to_vec::<f64>().unwrap(), vec![8.0, 6.0, 4.0, 2.0, 0.0]);
    assert_eq!(
        e.eval().unwrap().to_vec::<f64>().unwrap(),
        vec![8.0, 6.0, 4.0, 2.0, 0.0]
    );
}

#[test]
fn overlapping_and_mismatched_destinations_are_refused_and_untouched() {
    let src = arange(12);
    // A unique window array (spans its whole buffer).
    let mut w = arange(6).as_strided(&[4, 3], &[1, 1], 0).unwrap();
    assert!(lazy(src.reshape(&[4, 3]).unwrap()).eval_into(&mut w).is_err());
    let g = graph(
        "graph @f(%a: f64[4, 3]) {
    %0 = mul %a, %a : f64[4, 3]
    return %0
}",
    );
    let inp = [src.reshape(&[4, 3]).unwrap()];
    assert!(runtime::eval_graph_into(&g, &inp, &mut w, &ExecOptions::default()).is_err());
    let p = runtime::prepare(&g, &inp).unwrap();
    assert!(p
        .run_into(&inp, &mut w, &ExecOptions::default().with_threads(2))
        .is_err());
    assert_eq!(w.to_vec::<f64>().unwrap()[..6], [0.0, 1.0, 2.0, 1.0, 2.0, 3.0]);
    // Wrong dtype or shape.
    let mut f32s = Array::zeros(DType::F32, &[4, 3]);
    assert!(p.run_into(&inp, &mut f32s, &ExecOptions::default()).is_err());
    let mut short = Array::zeros(DType::F64, &[3, 4]);
    assert!(p.run_into(&inp, &mut short, &ExecOptions::default()).is_err());
    assert!(lazy(&src).eval_into(&mut short).is_err());
    // A length-1 axis with an extreme stride is not an overlap.
    let base = arange(3);
    let mut one = base.as_strided(&[1, 3], &[isize::MAX, 1], 0).unwrap();
    drop(base);
    (lazy(arange(3).reshape(&[1, 3]).unwrap()) * 3.0)
        .eval_into(&mut one)
        .unwrap();
    assert_eq!(one.to_vec::<f64>().unwrap(), vec![0.0, 3.0, 6.0]);
}

#[test]
fn prepared_plans_refuse_other_inputs() {
    let g = graph(SQUARE);
    let a = arange(4);
    let p = runtime::prepare(&g, std::slice::from_ref(&a)).unwrap();
    let o = ExecOptions::default();
    assert!(p.run(&[], &o).is_err());
    assert!(p.run(&[a.clone(), a.clone()], &o).is_err());
    let rev = a
        .slice(&[Index::Slice {
            start: None,
            stop: None,
            step: -1,
        }])
        .unwrap();
    assert!(p.run(std::slice::from_ref(&rev), &o).is_err());
    // Another offset with the same strides runs the same plan: kernels
    // take each input's pointer at iteration point zero.
    let off = arange(5).slice(&[Index::range(1, 5, 1)]).unwrap();
    let r = p.run(std::slice::from_ref(&off), &o).unwrap().remove(0);
    assert_eq!(r.to_vec::<f64>().unwrap(), vec![1.0, 4.0, 9.0, 16.0]);
    assert!(p.run(&[Array::zeros(DType::F32, &[4])], &o).is_err());
    assert!(p.run(&[Array::zeros(DType::F64, &[5])], &o).is_err());
    assert!(runtime::eval_graph(&g, &[], &o).is_err());
    assert!(runtime::eval_graph(&g, &[Array::zeros(DType::F64, &[4, 1])], &o).is_err());
    assert!(runtime::prepare(&g, &[arange(5)]).is_err());
    // Writing into a clone of the input: the input keeps its values.
    let mut out = a.clone();
    p.run_into(std::slice::from_ref(&a), &mut out, &o).unwrap();
    assert_eq!(out.to_vec::<f64>().unwrap(), vec![0.0, 1.0, 4.0, 9.0]);
    assert_eq!(a.to_vec::<f64>().unwrap(), vec![0.0, 1.0, 2.0, 3.0]);
    // Donation of an input also passed (shared) elsewhere does not write it.
    let keep = arange(4);
    let mut inputs = [keep.clone()];
    let r = runtime::eval_graph_donating(&g, &mut inputs, &[true], &o).unwrap();
    assert!(!r[0].shares_memory(&keep));
    assert_eq!(keep.to_vec::<f64>().unwrap(), vec![0.0, 1.0, 2.0, 3.0]);
    // A donation mask longer or shorter than the inputs is harmless.
    assert!(runtime::eval_graph_donating(&g, &mut [arange(4)], &[true, true, true], &o).is_ok());
    assert!(runtime::eval_graph_donating(&g, &mut [arange(4)], &[], &o).is_ok());
}

#[test]
fn handing_over_an_array_never_changes_its_clones_or_borrowed_slices() {
    let a = arange(1 << 16);
    let clone = a.clone();
    let view = a.slice(&[Index::range(1, 3, 1)]).unwrap();
    let s = clone.as_slice::<f64>().unwrap();
    let r = (lazy(a) * 2.0).sin().eval().unwrap();
    assert_eq!((s[1], s[(1 << 16) - 1]), (1.0, 65535.0));
    assert_eq!(view.to_vec::<f64>().unwrap(), vec![1.0, 2.0]);
    assert!(!r.shares_memory(&clone));
    // An expression that keeps the handed-over array: evaluating twice,
    // and from two threads at once, gives results or clear errors.
    let e = lazy(arange(1 << 16)) + 1.0;
    let results: Vec<_> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..2).map(|_| sc.spawn(|| e.eval())).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in results.into_iter().flatten() {
        assert_eq!(r.to_vec::<f64>().unwrap()[..3], [1.0, 2.0, 3.0]);
    }
}

#[test]
#[cfg(feature = "ndarray")]
fn ndarray_views_of_odd_layouts() {
    let a = arange(12).reshape(&[3, 4]).unwrap();
    let v = a
        .slice(&[
            Index::Slice {
                start: None,
                stop: None,
                step: -2,
            },
            Index::range(3, 0, -3),
        ])
        .unwrap();
    let nd = v.as_ndarray::<f64>().unwrap();
    assert_eq!(nd.iter().copied().collect::<Vec<f64>>(), v.to_vec::<f64>().unwrap());
    let b = Array::zeros(DType::U8, &[1]).broadcast_to(&[1 << 40, 1 << 22]).unwrap();
    assert_eq!(b.as_ndarray::<u8>().unwrap()[[(1 << 40) - 1, 5]], 0);
    let e = a.as_strided(&[0, 5], &[isize::MIN, isize::MAX], 12).unwrap();
    assert!(e.as_ndarray::<f64>().unwrap().is_empty());
    assert!(a.as_ndarray::<f32>().is_err());
    // Owned ndarray with a negative stride and an offset, adopted.
    let mut m = ndarray::Array2::<i32>::from_shape_fn((3, 4), |(i, j)| (4 * i + j) as i32);
    m.invert_axis(ndarray::Axis(1));
    let m = m.slice_move(ndarray::s![1.., ..;2]);
    let want: Vec<i32> = m.iter().copied().collect();
    let mut x = Array::from(m);
    assert_eq!(x.to_vec::<i32>().unwrap(), want);
    (lazy(&x) - lazy(Array::zeros(DType::I32, &[2, 2])))
        .eval_into(&mut x)
        .unwrap();
    assert_eq!(x.to_vec::<i32>().unwrap(), want);
    let empty = Array::from(ndarray::Array2::<f64>::zeros((0, 3)));
    assert!(empty.as_slice::<f64>().unwrap().is_empty());
}

// -------------------------------------------------- held: hostile graph text

#[test]
fn hostile_graph_texts_are_errors_or_evaluate() {
    let texts = [
        "graph @f(%a: f64[4]) {\n    %0 = index %a, [9223372036854775807::-9223372036854775808] : f64[1]\n    return %0\n}",
        "graph @f(%a: f64[4]) {\n    %0 = index %a, [-9223372036854775808] : f64[]\n    return %0\n}",
        "graph @f(%a: f64[4]) {\n    %0 = index %a, [::0] : f64[4]\n    return %0\n}",
        "graph @f(%a: f64[4]) {\n    %0 = reshape %a, [18446744073709551615] : f64[4]\n    return %0\n}",
        "graph @f(%a: f64[4]) {\n    %0 = reshape %a, [4611686018427387904, 4611686018427387904, 0] : f64[0]\n    return %0\n}",
        "graph @f(%a: f64[4]) {\n    %0 = permute %a, [18446744073709551615] : f64[4]\n    return %0\n}",
        "graph @f(%a: f64[4]) {\n    %0 = permute %a, [0, 0] : f64[4, 4]\n    return %0\n}",
        "graph @f(%a: f64[4]) {\n    %0 = sum %a, axes=[9223372036854775807] : f64[]\n    return %0\n}",
        "graph @f(%a: f64[4]) {\n    %0 = sum %a, axes=[0, 0] : f64[]\n    return %0\n}",
        "graph @f(%a: f64[4]) {\n    %0 = mul %a, %a : f64[5]\n    return %0\n}",
        "graph @f(%a: f64[4]) {\n    %0 = mul %a, %9 : f64[4]\n    return %0\n}",
        "graph @f(%a: f64[4]) {\n    return %7\n}",
        "graph @f(%a: f64[4], %a: f64[4]) {\n    return %a\n}",
        "graph @f(%a: f64[0, 9223372036854775807, 9223372036854775807]) {\n    %0 = mul %a, %a : f64[0, 9223372036854775807, 9223372036854775807]\n    return %0\n}",
        "graph @f(%a: f64[4]) {\n    %0 = const 1e999 : f64[18446744073709551615]\n    return %0\n}",
        "graph @f(%a: f64[4]) {\n    %0 = argmin %a, axes=[0] : i64[]\n    %1 = index %a, [-5] : f64[]\n    return %0, %1\n}",
    ];
    let a = arange(4);
    for t in texts {
        if let Ok(g) = Graph::parse(t) {
            let n = g.inputs().len();
            let inputs = vec![a.clone(); n];
            if let Ok(out) = runtime::eval_graph(&g, &inputs, &ExecOptions::default()) {
                for o in out {
                    let _ = o.to_scalars();
                }
            }
        }
    }
}
