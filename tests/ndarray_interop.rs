//! Zero-copy conversion between `lazyfuse::Array` and `ndarray`
//! (`src/array/ndarray_interop.rs`).
#![cfg(feature = "ndarray")]

use lazyfuse::{Array, DType, Error, Index};
use ndarray::{arr2, s, Array1, Array2, Array3, ArrayD, Axis, IxDyn, ShapeBuilder};

fn rev() -> Index {
    Index::Slice {
        start: None,
        stop: None,
        step: -1,
    }
}

/// Checks that an `Array` and an `ndarray` view describe the same memory
/// the same way, element for element.
fn same_view(a: &Array, v: &ndarray::ArrayViewD<'_, f64>) {
    assert_eq!(a.shape(), v.shape());
    assert_eq!(a.strides(), v.strides());
    if !a.is_empty() {
        assert_eq!(a.as_ptr(), v.as_ptr() as *const u8);
    }
    assert_eq!(a.to_vec::<f64>().unwrap(), v.iter().copied().collect::<Vec<_>>());
}

// ------------------------------------------------------ ndarray -> Array

#[test]
fn from_owned_c_array_adopts_the_vec() {
    let nd = Array2::from_shape_fn((3, 4), |(i, j)| (10 * i + j) as f64);
    let ptr = nd.as_ptr();
    let a = Array::from(nd);
    assert_eq!(a.as_ptr(), ptr as *const u8, "zero copy");
    assert_eq!(a.buffer().as_ptr() as *const f64, ptr);
    assert_eq!((a.shape(), a.strides(), a.offset()), (&[3, 4][..], &[4, 1][..], 0));
    assert_eq!(a.dtype(), DType::F64);
    assert!(a.is_writable());
    assert_eq!(a.get(&[2, 3]).unwrap(), lazyfuse::Scalar::F64(23.0));
}

#[test]
fn from_owned_fortran_array_keeps_fortran_strides() {
    let nd = Array2::from_shape_vec((2, 3).f(), vec![1i32, 4, 2, 5, 3, 6]).unwrap();
    let ptr = nd.as_ptr();
    let a = Array::from(nd);
    assert_eq!(a.as_ptr(), ptr as *const u8);
    assert_eq!(a.strides(), &[1, 2]);
    assert!(a.is_f_contiguous());
    assert_eq!(a.to_vec::<i32>().unwrap(), vec![1, 2, 3, 4, 5, 6]);
}

#[test]
fn from_owned_array_with_negative_strides_and_offset() {
    // Reversed axes and a sliced-off start: the logical first element is
    // neither the start of the Vec nor its lowest address along axis 1.
    let mut nd = Array2::from_shape_fn((4, 5), |(i, j)| (i * 5 + j) as u16);
    nd.invert_axis(Axis(1));
    nd.slice_collapse(s![1.., ..;2]);
    let want: Vec<u16> = nd.iter().copied().collect();
    let (ptr, strides) = (nd.as_ptr(), nd.strides().to_vec());
    assert!(strides.iter().any(|&s| s < 0));
    let a = Array::from(nd);
    assert_eq!(a.as_ptr(), ptr as *const u8);
    assert_eq!(a.strides(), &strides[..]);
    assert_eq!(a.shape(), &[3, 3]);
    assert_eq!(a.to_vec::<u16>().unwrap(), want);
    assert_eq!(want, vec![9, 7, 5, 14, 12, 10, 19, 17, 15]);
}

#[test]
fn from_owned_permuted_3d_array() {
    let nd = Array3::from_shape_fn((2, 3, 4), |(i, j, k)| (i * 100 + j * 10 + k) as i64).permuted_axes([2, 0, 1]);
    let want: Vec<i64> = nd.iter().copied().collect();
    let ptr = nd.as_ptr();
    let a = Array::from(nd);
    assert_eq!(a.as_ptr(), ptr as *const u8);
    assert_eq!(a.shape(), &[4, 2, 3]);
    assert_eq!(a.to_vec::<i64>().unwrap(), want);
}

#[test]
fn from_owned_every_dtype_and_empty() {
    fn check<T: lazyfuse::Element + PartialEq + Default>(v: Vec<T>) {
        let nd = Array1::from(v.clone());
        let a = Array::from(nd);
        assert_eq!(a.dtype(), T::DTYPE);
        assert_eq!(a, Array::from_vec(v), "bitwise, so NaN == NaN");
        let e = Array::from(ArrayD::<T>::default(IxDyn(&[2, 0, 3])));
        assert_eq!((e.shape(), e.len()), (&[2, 0, 3][..], 0));
        let z = Array::from(ndarray::arr0(T::default()));
        assert_eq!(z.shape(), &[] as &[usize]);
        assert_eq!(z.to_scalar::<T>().unwrap(), T::default());
    }
    check(vec![true, false]);
    check(vec![-1i8, 2]);
    check(vec![-1i16, 2]);
    check(vec![-1i32, 2]);
    check(vec![-1i64, 2]);
    check(vec![1u8, 255]);
    check(vec![1u16, 2]);
    check(vec![1u32, 2]);
    check(vec![1u64, u64::MAX]);
    check(vec![1.5f32, -0.0]);
    check(vec![1.5f64, f64::NAN]);
}

#[test]
fn from_view_copies() {
    let nd = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f32);
    let v = nd.slice(s![..;-1, 1..3]);
    let a = Array::from_ndarray_view(v);
    assert_eq!(a.shape(), &[3, 2]);
    assert_eq!(a.to_vec::<f32>().unwrap(), vec![9.0, 10.0, 5.0, 6.0, 1.0, 2.0]);
    let lo = nd.as_ptr() as usize;
    let hi = lo + nd.len() * 4;
    assert!(!(lo..hi).contains(&(a.as_ptr() as usize)), "a copy");
    // A broadcast view materialises.
    let row = ndarray::arr1(&[1u8, 2]);
    let b = Array::from_ndarray_view(row.broadcast((3, 2)).unwrap());
    assert_eq!(b.to_vec::<u8>().unwrap(), vec![1, 2, 1, 2, 1, 2]);
}

// ------------------------------------------------------ Array -> ndarray

#[test]
fn as_ndarray_c_and_fortran_are_zero_copy() {
    let a = Array::from_shape_vec(&[3, 4], (0..12).map(|x| x as f64).collect()).unwrap();
    same_view(&a, &a.as_ndarray::<f64>().unwrap());
    let f = a.t();
    let v = f.as_ndarray::<f64>().unwrap();
    same_view(&f, &v);
    assert_eq!(v.strides(), &[1, 4]);
    assert!(v.t().is_standard_layout());
    // 0-d and empty.
    let z = Array::scalar(lazyfuse::Scalar::F64(2.5));
    assert_eq!(z.as_ndarray::<f64>().unwrap()[IxDyn(&[])], 2.5);
    let e = Array::zeros(DType::F64, &[0, 3]);
    assert_eq!(e.as_ndarray::<f64>().unwrap().shape(), &[0, 3]);
}

#[test]
fn as_ndarray_negative_strides() {
    let a = Array::from_shape_vec(&[3, 4], (0..12).map(|x| x as f64).collect()).unwrap();
    for v in [
        a.slice(&[rev()]).unwrap(),
        a.slice(&[Index::FULL, rev()]).unwrap(),
        a.slice(&[rev(), Index::range(3, 0, -2)]).unwrap(),
        a.t().slice(&[rev()]).unwrap(),
    ] {
        let nd = v.as_ndarray::<f64>().unwrap();
        same_view(&v, &nd);
    }
    let v = a.slice(&[rev(), rev()]).unwrap();
    assert_eq!(
        v.as_ndarray::<f64>().unwrap(),
        arr2(&[[11.0, 10.0, 9.0, 8.0], [7.0, 6.0, 5.0, 4.0], [3.0, 2.0, 1.0, 0.0]]).into_dyn()
    );
}

#[test]
fn as_ndarray_broadcast_has_zero_strides() {
    let a = Array::from_vec(vec![1.0f64, 2.0, 3.0]);
    let b = a.broadcast_to(&[4, 3]).unwrap();
    let v = b.as_ndarray::<f64>().unwrap();
    same_view(&b, &v);
    assert_eq!(v.strides(), &[0, 1]);
    let col = a.insert_axis(1).unwrap().broadcast_to(&[3, 5]).unwrap();
    let v = col.as_ndarray::<f64>().unwrap();
    same_view(&col, &v);
    assert_eq!(v.sum_axis(Axis(1)).into_raw_vec_and_offset().0, vec![5.0, 10.0, 15.0]);
}

#[test]
fn as_ndarray_of_an_mmapped_file_and_views_of_adopted_arrays() {
    // Round trip ndarray -> Array -> ndarray view: still the same memory.
    let nd = Array2::from_shape_fn((2, 5), |(i, j)| (i + j) as f64);
    let ptr = nd.as_ptr();
    let a = Array::from(nd.clone());
    let v = a.as_ndarray::<f64>().unwrap();
    assert_eq!(v.as_ptr(), a.as_ptr() as *const f64);
    assert_ne!(v.as_ptr(), ptr, "nd was cloned before adopting");
    assert_eq!(v, nd.into_dyn());

    let path = std::env::temp_dir().join(format!("lazyfuse-nd-{}.npy", std::process::id()));
    Array::from_shape_vec(&[2, 2], vec![1.0f64, 2.0, 3.0, 4.0])
        .unwrap()
        .write_npy(&path)
        .unwrap();
    let m = unsafe { Array::open_npy(&path) }.unwrap();
    let v = m.as_ndarray::<f64>().unwrap();
    assert_eq!(v.as_ptr() as *const u8, m.as_ptr());
    assert_eq!(v.sum(), 10.0);
    drop(v);
    drop(m);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn dtype_mismatch_is_an_error() {
    let a = Array::from_vec(vec![1i32, 2]);
    assert!(matches!(a.as_ndarray::<i64>(), Err(Error::Type(_))));
    assert!(matches!(a.to_ndarray::<f32>(), Err(Error::Type(_))));
    assert!(matches!(a.as_ndarray::<u32>(), Err(Error::Type(_))));
}

#[test]
fn to_ndarray_copies_every_layout() {
    let a = Array::from_shape_vec(&[3, 4], (0..12).collect::<Vec<i16>>()).unwrap();
    for v in [
        a.clone(),
        a.t(),
        a.slice(&[rev(), Index::range(0, 4, 3)]).unwrap(),
        a.index_axis(1, 2).unwrap().broadcast_to(&[2, 3]).unwrap(),
    ] {
        let nd = v.to_ndarray::<i16>().unwrap();
        assert_eq!(nd.shape(), v.shape());
        assert_eq!(nd.iter().copied().collect::<Vec<_>>(), v.to_vec::<i16>().unwrap());
        assert_ne!(nd.as_ptr() as *const u8, v.as_ptr());
        // ...and back, adopting the copy.
        assert_eq!(Array::from(nd), v);
    }
}
