//! Conversion between `lazyfuse::Array` and ndarray
//! (`src/array/ndarray_interop.rs`): the same cases for ndarray 0.17
//! (feature `ndarray`, module `v0_17`) and 0.16 (feature `ndarray-0_16`,
//! module `v0_16`), written once in `interop_tests!`; then the inherent
//! methods, which exist for 0.17.
//!
//! Run both: `cargo test --features ndarray-0_16 --test ndarray_interop`.
#![cfg(any(feature = "ndarray", feature = "ndarray-0_16"))]

macro_rules! interop_tests {
    ($nd:ident) => {
        use lazyfuse::{lazy, Array, DType, Error, Index, Scalar};
        use $nd::{
            arr2, s, Array1, Array2, Array3, ArrayD, ArrayView, ArrayViewD, ArcArray, Axis, IxDyn, ShapeBuilder,
        };

        fn rev() -> Index {
            Index::Slice {
                start: None,
                stop: None,
                step: -1,
            }
        }

        /// The zero-copy view of `a` (as `Array::as_ndarray`, any version).
        fn view<T: lazyfuse::Element>(a: &Array) -> ArrayViewD<'_, T> {
            ArrayViewD::try_from(a).unwrap()
        }

        /// `a` moved out as an owned ndarray (as `Array::into_ndarray`).
        fn owned<T: lazyfuse::Element>(a: Array) -> ArrayD<T> {
            ArrayD::try_from(a).unwrap()
        }

        /// Checks that an `Array` and an ndarray view describe the same
        /// memory the same way, element for element.
        fn same_view(a: &Array, v: &ArrayViewD<'_, f64>) {
            assert_eq!(a.shape(), v.shape());
            assert_eq!(a.strides(), v.strides());
            if !a.is_empty() {
                assert_eq!(a.as_ptr(), v.as_ptr() as *const u8);
            }
            assert_eq!(a.to_vec::<f64>().unwrap(), v.iter().copied().collect::<Vec<_>>());
        }

        /// Whether `p` points into the elements of `nd`'s allocation.
        fn inside<T>(p: *const u8, base: *const T, n: usize) -> bool {
            let lo = base as usize;
            (lo..lo + n * std::mem::size_of::<T>()).contains(&(p as usize))
        }

        // ---------------------------------------------- ndarray -> Array

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
            assert_eq!(a.get(&[2, 3]).unwrap(), Scalar::F64(23.0));
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
            // Reversed axes and a sliced-off start: the logical first
            // element is neither the start of the Vec nor its lowest
            // address along axis 1.
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
            let nd = Array3::from_shape_fn((2, 3, 4), |(i, j, k)| (i * 100 + j * 10 + k) as i64)
                .permuted_axes([2, 0, 1]);
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
                assert_eq!(a, Array::from_vec(v.clone()), "bitwise, so NaN == NaN");
                // ...and back out, the same Vec.
                let p = a.as_ptr();
                let back = owned::<T>(a);
                assert_eq!(back.as_ptr() as *const u8, p);
                assert_eq!(Array::from(back), Array::from_vec(v));
                let e = Array::from(ArrayD::<T>::default(IxDyn(&[2, 0, 3])));
                assert_eq!((e.shape(), e.len()), (&[2, 0, 3][..], 0));
                assert_eq!(owned::<T>(e).shape(), &[2, 0, 3]);
                let z = Array::from($nd::arr0(T::default()));
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
            let a = Array::from(v);
            assert_eq!(a.shape(), &[3, 2]);
            assert_eq!(a.to_vec::<f32>().unwrap(), vec![9.0, 10.0, 5.0, 6.0, 1.0, 2.0]);
            assert!(!inside(a.as_ptr(), nd.as_ptr(), nd.len()), "a copy");
            // A broadcast view materialises.
            let row = $nd::arr1(&[1u8, 2]);
            let b = Array::from(row.broadcast((3, 2)).unwrap());
            assert_eq!(b.to_vec::<u8>().unwrap(), vec![1, 2, 1, 2, 1, 2]);
            // A borrowed owned array copies too.
            let c = Array::from(&nd);
            assert!(!inside(c.as_ptr(), nd.as_ptr(), nd.len()));
            assert_eq!(c, Array::from(nd));
        }

        #[test]
        fn unique_arc_array_is_adopted() {
            let arc: ArcArray<f64, _> = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f64).into_shared();
            let ptr = arc.as_ptr();
            let a = Array::from(arc);
            assert_eq!(a.as_ptr(), ptr as *const u8, "zero copy");
            assert!(a.is_writable() && a.is_unique(), "adopted like an owned array");
            let back = owned::<f64>(a);
            assert_eq!(back.as_ptr(), ptr);
            assert_eq!(back[[3, 2]], 11.0);
        }

        #[test]
        fn shared_arc_array_is_shared_read_only() {
            let mut arc: ArcArray<f64, _> = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f64).into_shared();
            arc.invert_axis(Axis(0));
            let keep = arc.clone();
            let ptr = arc.as_ptr();
            let mut a = Array::from(arc);
            assert_eq!(a.as_ptr(), ptr as *const u8, "zero copy");
            assert_eq!(a.strides(), &[-3, 1]);
            assert!(!a.is_writable());
            assert_eq!(a.to_vec::<f64>().unwrap(), keep.iter().copied().collect::<Vec<_>>());
            // Borrowing an ArcArray shares it too.
            let b = Array::from(&keep);
            assert_eq!(b.as_ptr(), ptr as *const u8);
            // lazyfuse computes from it, never over it...
            let r = (lazy(b) * 2.0).eval().unwrap();
            assert_eq!(r.get(&[0, 0]).unwrap(), Scalar::F64(18.0));
            assert_eq!(keep[[0, 0]], 9.0);
            // ...and copies before writing.
            a.as_slice_mut::<f64>().unwrap_err(); // negative stride: not C-contiguous
            let mut v = a.view_mut().unwrap();
            v.fill(Scalar::F64(-1.0));
            drop(v);
            assert_ne!(a.as_ptr(), ptr as *const u8);
            assert_eq!(keep[[0, 0]], 9.0);
            // ndarray's own handle copies before writing as well.
            let c = Array::from(keep.clone());
            let mut keep = keep;
            keep[[0, 0]] = 100.0;
            assert_ne!(keep.as_ptr(), ptr, "ndarray made its data unique");
            assert_eq!(c.get(&[0, 0]).unwrap(), Scalar::F64(9.0));
            // A shared one moved out is copied.
            let out = owned::<f64>(c);
            assert_ne!(out.as_ptr(), ptr);
            assert_eq!(out[[3, 2]], 2.0);
        }

        // ---------------------------------------------- Array -> ndarray

        #[test]
        fn views_c_and_fortran_are_zero_copy() {
            let a = Array::from_shape_vec(&[3, 4], (0..12).map(|x| x as f64).collect()).unwrap();
            same_view(&a, &view(&a));
            let f = a.t();
            let v = view::<f64>(&f);
            same_view(&f, &v);
            assert_eq!(v.strides(), &[1, 4]);
            assert!(v.t().is_standard_layout());
            // 0-d and empty.
            let z = Array::scalar(Scalar::F64(2.5));
            assert_eq!(view::<f64>(&z)[IxDyn(&[])], 2.5);
            let e = Array::zeros(DType::F64, &[0, 3]);
            assert_eq!(view::<f64>(&e).shape(), &[0, 3]);
        }

        #[test]
        fn views_with_negative_strides() {
            let a = Array::from_shape_vec(&[3, 4], (0..12).map(|x| x as f64).collect()).unwrap();
            for v in [
                a.slice(&[rev()]).unwrap(),
                a.slice(&[Index::FULL, rev()]).unwrap(),
                a.slice(&[rev(), Index::range(3, 0, -2)]).unwrap(),
                a.t().slice(&[rev()]).unwrap(),
            ] {
                same_view(&v, &view(&v));
            }
            let v = a.slice(&[rev(), rev()]).unwrap();
            assert_eq!(
                view::<f64>(&v),
                arr2(&[[11.0, 10.0, 9.0, 8.0], [7.0, 6.0, 5.0, 4.0], [3.0, 2.0, 1.0, 0.0]]).into_dyn()
            );
        }

        #[test]
        fn views_of_broadcasts_have_zero_strides() {
            let a = Array::from_vec(vec![1.0f64, 2.0, 3.0]);
            let b = a.broadcast_to(&[4, 3]).unwrap();
            let v = view::<f64>(&b);
            same_view(&b, &v);
            assert_eq!(v.strides(), &[0, 1]);
            let col = a.insert_axis(1).unwrap().broadcast_to(&[3, 5]).unwrap();
            let v = view::<f64>(&col);
            same_view(&col, &v);
            assert_eq!(v.sum_axis(Axis(1)).into_raw_vec_and_offset().0, vec![5.0, 10.0, 15.0]);
        }

        #[test]
        fn views_of_an_mmapped_file_and_of_adopted_arrays() {
            // Round trip ndarray -> Array -> ndarray view: still the same
            // memory.
            let nd = Array2::from_shape_fn((2, 5), |(i, j)| (i + j) as f64);
            let ptr = nd.as_ptr();
            let a = Array::from(nd.clone());
            let v = view::<f64>(&a);
            assert_eq!(v.as_ptr(), a.as_ptr() as *const f64);
            assert_ne!(v.as_ptr(), ptr, "nd was cloned before adopting");
            assert_eq!(v, nd.into_dyn());

            let path = std::env::temp_dir().join(format!(
                "lazyfuse-nd-{}-{}.npy",
                stringify!($nd),
                std::process::id()
            ));
            Array::from_shape_vec(&[2, 2], vec![1.0f64, 2.0, 3.0, 4.0])
                .unwrap()
                .write_npy(&path)
                .unwrap();
            let m = unsafe { Array::open_npy(&path) }.unwrap();
            let v = view::<f64>(&m);
            assert_eq!(v.as_ptr() as *const u8, m.as_ptr());
            assert_eq!(v.sum(), 10.0);
            drop(v);
            // A memory map moves out as a copy.
            let out = owned::<f64>(m);
            assert_eq!(out.sum(), 10.0);
            std::fs::remove_file(&path).unwrap();
        }

        #[test]
        fn dtype_mismatch_is_an_error() {
            let a = Array::from_vec(vec![1i32, 2]);
            assert!(matches!(ArrayViewD::<i64>::try_from(&a), Err(Error::Type(_))));
            assert!(matches!(ArrayViewD::<u32>::try_from(&a), Err(Error::Type(_))));
            let e = ArrayD::<f32>::try_from(a).unwrap_err();
            assert_eq!(e.to_string(), "array has dtype i32, not f32");
        }

        // ------------------------------------------- owned in, owned out

        #[test]
        fn round_trip_through_an_evaluation_is_zero_copy() {
            let nd = Array2::from_shape_fn((300, 200), |(i, j)| (i * 200 + j) as f64);
            let ptr = nd.as_ptr();
            let a = Array::from(nd);
            let r = (lazy(a) * 2.0 + 1.0).eval().unwrap();
            assert_eq!(r.as_ptr(), ptr as *const u8, "the result was written over the donated input");
            let out = owned::<f64>(r);
            assert_eq!(out.as_ptr(), ptr, "and handed back without a copy");
            assert_eq!(out.shape(), &[300, 200]);
            assert_eq!(out[[299, 199]], (299.0 * 200.0 + 199.0) * 2.0 + 1.0);

            // `lazy` takes the ndarray array directly.
            let nd = Array1::from_shape_fn(1000, |i| i as f32);
            let ptr = nd.as_ptr();
            let out = owned::<f32>((lazy(nd).sqrt() * 3.0).eval().unwrap());
            assert_eq!(out.as_ptr(), ptr);
            assert_eq!(out[16], 12.0);
        }

        #[test]
        fn round_trip_keeps_the_vec_capacity() {
            let mut v = Vec::with_capacity(1000);
            v.extend((0..600).map(|i| i as f64));
            let nd = Array2::from_shape_vec((20, 30), v).unwrap();
            let ptr = nd.as_ptr();
            let (vec, _) = owned::<f64>(Array::from(nd)).into_raw_vec_and_offset();
            assert_eq!((vec.as_ptr(), vec.len(), vec.capacity()), (ptr, 600, 1000));
        }

        #[test]
        fn a_vec_comes_back_only_as_a_type_of_its_own_size_and_alignment() {
            use lazyfuse::internals::array::Buffer;
            use std::sync::Arc;
            // A Vec<u32> seen as f32: the same layout, handed back.
            let bits: Vec<u32> = vec![1.5f32.to_bits(), (-2.0f32).to_bits()];
            let buf = Arc::new(Buffer::from_vec(bits));
            let ptr = buf.as_ptr() as *const u8;
            let a = Array::from_buffer(buf, DType::F32, &[2], &[1], 0).unwrap();
            let out = owned::<f32>(a);
            assert_eq!((out.as_ptr() as *const u8, out[1]), (ptr, -2.0));
            // A Vec<u8> of 0s and 1s seen as bool: the same layout.
            let buf = Arc::new(Buffer::from_vec(vec![1u8, 0, 1]));
            let ptr = buf.as_ptr() as *const u8;
            let a = Array::from_buffer(buf, DType::Bool, &[3], &[1], 0).unwrap();
            let out = owned::<bool>(a);
            assert_eq!(out.as_ptr() as *const u8, ptr);
            assert_eq!(out.iter().copied().collect::<Vec<_>>(), vec![true, false, true]);
            // A Vec<u8> seen as u16: freeing it as a Vec<u16> would use the
            // wrong alignment, so it is copied (while the original lives).
            let buf = Arc::new(Buffer::from_vec(vec![1u8, 0, 2, 0]));
            let ptr = buf.as_ptr() as *const u8;
            let a = Array::from_buffer(buf, DType::U16, &[2], &[1], 0).unwrap();
            let out = owned::<u16>(a);
            assert_ne!(out.as_ptr() as *const u8, ptr);
            let want = [u16::from_ne_bytes([1, 0]), u16::from_ne_bytes([2, 0])];
            assert_eq!(out.iter().copied().collect::<Vec<_>>(), want);
        }

        #[test]
        fn round_trip_of_every_layout_is_zero_copy() {
            let c = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as i16);
            let f = Array2::from_shape_vec((3, 4).f(), (0..12).collect::<Vec<i16>>()).unwrap();
            let mut n = c.clone();
            n.invert_axis(Axis(0));
            n.invert_axis(Axis(1));
            let p = Array3::from_shape_fn((2, 3, 4), |(i, j, k)| (i * 12 + j * 4 + k) as i16).permuted_axes([1, 2, 0]);
            let mut one = Array3::from_shape_fn((3, 1, 4), |(i, _, k)| (i * 4 + k) as i16);
            one.invert_axis(Axis(2));
            for nd in [c.into_dyn(), f.into_dyn(), n.into_dyn(), p.into_dyn(), one.into_dyn()] {
                let (ptr, want, strides) = (nd.as_ptr(), nd.clone(), nd.strides().to_vec());
                let out = owned::<i16>(Array::from(nd));
                assert_eq!(out.as_ptr(), ptr, "{strides:?}");
                assert_eq!(out.strides(), &strides[..]);
                assert_eq!(out, want);
            }
        }

        #[test]
        fn shared_or_partial_arrays_move_out_as_copies() {
            let nd = Array2::from_shape_fn((4, 5), |(i, j)| (i * 5 + j) as u32);
            let ptr = nd.as_ptr();
            let a = Array::from(nd);
            // A clone shares the buffer: the move copies, the clone keeps
            // its values.
            let b = a.clone();
            let mut out = owned::<u32>(a);
            assert_ne!(out.as_ptr(), ptr);
            out.fill(7);
            assert_eq!(b.as_ptr(), ptr as *const u8);
            assert_eq!(b.to_vec::<u32>().unwrap(), (0..20).collect::<Vec<u32>>());
            // A view of part of the buffer copies, even as the only handle.
            let part = b.slice(&[Index::range(1, 3, 1)]).unwrap();
            drop(b);
            let out = owned::<u32>(part);
            assert!(!inside(out.as_ptr() as *const u8, ptr, 20));
            assert_eq!(out, arr2(&[[5u32, 6, 7, 8, 9], [10, 11, 12, 13, 14]]).into_dyn());
            // A broadcast copies (materialised, C order).
            let bc = Array::from(Array1::from(vec![1u32, 2])).broadcast_to(&[2, 2]).unwrap();
            let out = owned::<u32>(bc);
            assert_eq!(out, arr2(&[[1u32, 2], [1, 2]]).into_dyn());
            // So do arrays lazyfuse allocated itself: a result computed
            // from a borrowed input...
            let x = Array::from(Array1::from(vec![1.0f64, 2.0]));
            let r = (lazy(&x) * 2.0).eval().unwrap();
            let rp = r.as_ptr();
            let out = owned::<f64>(r);
            assert_ne!(out.as_ptr() as *const u8, rp);
            assert_eq!(out[1], 4.0);
            // ...or an array built from a slice of values.
            let z = Array::from_vec(vec![1u32, 2, 3]);
            let zp = z.as_ptr();
            let out = owned::<u32>(z);
            assert_ne!(out.as_ptr() as *const u8, zp);
            assert_eq!(out.as_slice().unwrap(), &[1, 2, 3]);
        }

        #[test]
        fn lazy_of_borrowed_arrays_copies_and_leaves_them_alone() {
            let nd = Array1::from_shape_fn(64, |i| i as f64);
            let r = (lazy(&nd) + 1.0).eval().unwrap();
            assert!(!inside(r.as_ptr(), nd.as_ptr(), nd.len()));
            assert_eq!(nd[5], 5.0);
            assert_eq!(r.get(&[5]).unwrap(), Scalar::F64(6.0));
            let v: ArrayView<'_, f64, _> = nd.slice(s![..;2]);
            let r = (lazy(v) * lazy(nd.view())).eval().unwrap_err();
            assert!(matches!(r, Error::Shape(_)), "{r}");
            let r = (lazy(nd.slice(s![..;2])) * 2.0).eval().unwrap();
            assert_eq!(r.get(&[3]).unwrap(), Scalar::F64(12.0));
            assert_eq!(nd[6], 6.0);
        }
    };
}

#[cfg(feature = "ndarray")]
mod v0_17 {
    interop_tests!(ndarray);
}

#[cfg(feature = "ndarray-0_16")]
mod v0_16 {
    interop_tests!(ndarray016);
}

/// The inherent methods (ndarray 0.17) are the trait impls.
#[cfg(feature = "ndarray")]
mod inherent {
    use lazyfuse::{lazy, Array, Error};

    #[test]
    fn into_as_to_and_from_view() {
        let nd = ndarray::Array2::from_shape_fn((50, 40), |(i, j)| (i * 40 + j) as i64);
        let ptr = nd.as_ptr();
        let a = Array::from_ndarray_view(nd.view());
        assert_ne!(a.as_ptr(), ptr as *const u8);
        assert_eq!(a.as_ndarray::<i64>().unwrap(), nd.view().into_dyn());
        assert_eq!(a.to_ndarray::<i64>().unwrap(), nd.clone().into_dyn());
        assert!(matches!(a.as_ndarray::<f64>(), Err(Error::Type(_))));
        let r = (lazy(nd) - 1).eval().unwrap();
        let out = r.into_ndarray::<i64>().unwrap();
        assert_eq!(out.as_ptr(), ptr);
        assert_eq!(out[[49, 39]], 1998);
        assert!(Array::from(out).into_ndarray::<i32>().is_err());
    }
}
