//! `Array`: constructors, accessors, and zero-copy views that share memory
//! with their base (C order, Fortran order, arbitrary strides).

use lazyfuse::internals::array::layout::Index;
use lazyfuse::{Array, DType, Scalar};

fn grid() -> Array {
    Array::from_shape_vec(&[3, 4], (0..12).map(|x| x as i64).collect()).unwrap()
}

#[test]
fn constructors() {
    assert_eq!(Array::zeros(DType::U16, &[2, 3]).to_vec::<u16>().unwrap(), vec![0; 6]);
    assert_eq!(
        Array::full(&[3], Scalar::F32(1.5)).to_vec::<f32>().unwrap(),
        vec![1.5; 3]
    );
    assert_eq!(
        Array::arange(DType::I64, 5.0, 0.0, -2.0)
            .unwrap()
            .to_vec::<i64>()
            .unwrap(),
        vec![5, 3, 1]
    );
    assert_eq!(Array::arange(DType::F64, 0.0, 1.0, 0.25).unwrap().len(), 4);
    assert!(Array::arange(DType::F64, 0.0, 1.0, 0.0).is_err());
    assert_eq!(
        Array::linspace(0.0, 1.0, 5).unwrap().to_vec::<f64>().unwrap(),
        vec![0.0, 0.25, 0.5, 0.75, 1.0]
    );
    assert_eq!(
        Array::linspace(3.0, 4.0, 1).unwrap().to_vec::<f64>().unwrap(),
        vec![3.0]
    );
    assert!(Array::linspace(0.0, 1.0, 0).unwrap().is_empty());
    assert!(Array::from_shape_vec(&[2, 2], vec![1u8; 3]).is_err());
    assert!(Array::scalar(Scalar::Bool(true)).to_scalar::<bool>().unwrap());
    assert!(Array::try_zeros(DType::F64, &[usize::MAX, 2]).is_err());
    // Our own buffers are 64-byte aligned.
    assert_eq!(Array::zeros(DType::F64, &[100]).as_ptr() as usize % 64, 0);
}

#[test]
fn accessors_check_dtype_and_layout() {
    let a = grid();
    assert!(a.as_slice::<f64>().is_err());
    assert!(a.t().as_slice::<i64>().is_err());
    assert_eq!(a.t().to_vec::<i64>().unwrap()[..4], [0, 4, 8, 1]);
    assert!(a.to_scalar::<i64>().is_err());
    assert_eq!(
        a.index_axis(0, 2)
            .unwrap()
            .index_axis(0, 3)
            .unwrap()
            .to_scalar::<i64>()
            .unwrap(),
        11
    );
    assert!(a.get(&[3, 0]).is_err());
    assert_eq!(a.get(&[2, 1]).unwrap(), Scalar::I64(9));
}

#[test]
fn views_share_memory_with_the_base() {
    let a = grid();
    let full = Index::FULL;
    let views = [
        a.t(),
        a.index_axis(1, 2).unwrap(),
        a.slice(&[
            Index::Slice {
                start: Some(-1),
                stop: None,
                step: -2,
            },
            full,
        ])
        .unwrap(),
        a.slice(&[Index::Ellipsis, Index::NewAxis]).unwrap(),
        a.broadcast_to(&[5, 3, 4]).unwrap(),
        a.reshape(&[2, 6]).unwrap(),
        a.reshape(&[usize::MAX]).unwrap(),
        a.insert_axis(1).unwrap(),
        a.insert_axis(1).unwrap().squeeze(),
        a.permute(&[1, 0]).unwrap(),
    ];
    for v in &views {
        assert!(v.shares_memory(&a), "{v:?}");
    }
    assert_eq!(views[2].to_vec::<i64>().unwrap(), vec![8, 9, 10, 11, 0, 1, 2, 3]);
    assert_eq!(views[4].shape(), &[5, 3, 4]);
    assert_eq!(views[4].strides()[0], 0);
    // A write through a clone of the base copies first (copy-on-write):
    // the views keep their values.
    let mut b = a.clone();
    b.as_slice_mut::<i64>().unwrap()[11] = -1;
    assert_eq!(views[0].get(&[3, 2]).unwrap(), Scalar::I64(11));
    assert_eq!(views[6].to_vec::<i64>().unwrap()[11], 11);
    assert!(!b.shares_memory(&a));
    assert_eq!(b.to_vec::<i64>().unwrap()[11], -1);
}

#[test]
fn reshape_copies_only_when_strides_do_not_allow_a_view() {
    let a = grid();
    let t = a.t(); // Fortran-contiguous 4x3
    assert!(t.is_f_contiguous() && !t.is_c_contiguous());
    assert!(!t.can_reshape_view(&[12]));
    let flat = t.reshape(&[12]).unwrap();
    assert!(!flat.shares_memory(&a));
    assert_eq!(flat.to_vec::<i64>().unwrap()[..5], [0, 4, 8, 1, 5]);
    // Splitting a strided axis is still a view.
    let every_other = a
        .reshape(&[12])
        .unwrap()
        .slice(&[Index::Slice {
            start: None,
            stop: None,
            step: 2,
        }])
        .unwrap();
    let v = every_other.reshape(&[2, 3]).unwrap();
    assert!(v.shares_memory(&a));
    assert_eq!(v.to_vec::<i64>().unwrap(), vec![0, 2, 4, 6, 8, 10]);
    assert!(a.reshape(&[5, 2]).is_err());
    assert!(a.reshape(&[usize::MAX, usize::MAX]).is_err());
}

#[test]
fn view_errors() {
    let a = grid();
    assert!(a.index_axis(2, 0).is_err());
    assert!(a.index_axis(0, 3).is_err());
    assert!(a.slice(&[Index::FULL, Index::FULL, Index::FULL]).is_err());
    assert!(a
        .slice(&[Index::Slice {
            start: None,
            stop: None,
            step: 0
        }])
        .is_err());
    assert!(a.slice(&[Index::Ellipsis, Index::Ellipsis]).is_err());
    assert!(a.permute(&[0, 0]).is_err());
    assert!(a.permute(&[1]).is_err());
    assert!(a.broadcast_to(&[4, 4]).is_err());
    assert!(a.broadcast_to(&[4]).is_err());
    assert!(a.insert_axis(3).is_err());
}

#[test]
fn empty_and_zero_d() {
    let e = Array::zeros(DType::F32, &[0, 3]);
    assert!(e.is_empty() && e.is_c_contiguous());
    assert_eq!(e.to_vec::<f32>().unwrap(), Vec::<f32>::new());
    assert_eq!(e.t().shape(), &[3, 0]);
    let s = Array::scalar(Scalar::I8(-3));
    assert_eq!(s.ndim(), 0);
    assert_eq!(s.len(), 1);
    assert_eq!(s.t().to_scalar::<i8>().unwrap(), -3);
    assert_eq!(s.reshape(&[1, 1]).unwrap().shape(), &[1, 1]);
}

#[test]
fn astype_follows_numpy_casts() {
    let a = Array::from_vec(vec![-1.5f64, 2.7, 300.0, f64::NAN]);
    assert_eq!(a.astype(DType::I32).to_vec::<i32>().unwrap(), vec![-1, 2, 300, 0]);
    assert_eq!(
        a.astype(DType::Bool).to_vec::<bool>().unwrap(),
        vec![true, true, true, true]
    );
    let i = Array::from_vec(vec![-1i64, 256, 65537]);
    assert_eq!(i.astype(DType::U8).to_vec::<u8>().unwrap(), vec![255, 0, 1]);
    assert_eq!(i.astype(DType::I16).to_vec::<i16>().unwrap(), vec![-1, 256, 1]);
}

#[test]
fn large_buffers_are_mapped_and_recycled_for_outputs() {
    use lazyfuse::internals::array::{pool_bytes, LARGE};
    let n = LARGE / 8 + 1000;
    let a = Array::zeros(DType::F64, &[n]);
    assert!(
        a.to_vec::<f64>().unwrap().iter().all(|&x| x == 0.0),
        "fresh large buffers are zeroed"
    );
    assert_eq!(
        a.as_ptr() as usize % (2 << 20),
        0,
        "large buffers start on a 2 MiB boundary"
    );
    let p = a.as_ptr();
    drop(a);
    assert!(pool_bytes() >= n * 8);
    // An output buffer of the same size comes back from the pool...
    let b = Array::for_output(DType::F64, &[n]).unwrap();
    assert_eq!(b.as_ptr(), p);
    // ...but zeros() never hands out recycled (dirty) memory.
    let c = Array::zeros(DType::F64, &[n]);
    assert_ne!(c.as_ptr(), p);
    drop((b, c));
}

#[test]
fn arbitrary_strides_evaluate_like_the_interpreter() {
    use lazyfuse::{internals::pipeline, lazy};
    let a = Array::from_vec((0..64).map(|x| x as f64 * 0.5).collect::<Vec<f64>>());
    let layouts: [(&[usize], &[isize], isize); 4] = [
        (&[10, 3], &[1, 1], 0),
        (&[5, 4], &[-3, 7], 20),
        (&[4, 4], &[0, 5], 3),
        (&[3, 2, 2], &[9, -1, 4], 10),
    ];
    for (shape, strides, offset) in layouts {
        let v = a.as_strided(shape, strides, offset).unwrap();
        let e = lazy(&v) * 2.0 + lazy(&v).sin();
        let (g, arrays) = pipeline::build_graph(std::slice::from_ref(&e)).unwrap();
        let want = pipeline::evaluate_reference(&g, &arrays).unwrap().remove(0);
        assert_eq!(e.eval().unwrap(), want, "{shape:?} {strides:?} {offset}");
    }
    let f = Array::from_shape_vec_f(&[3, 4], (0..12).map(|x| x as i16).collect()).unwrap();
    assert!(f.is_f_contiguous());
    assert_eq!(
        (lazy(&f) + 1).eval().unwrap().to_vec::<i16>().unwrap()[..4],
        [1, 4, 7, 10]
    );
}
