//! Conversion between [`Array`] and [`ndarray`] arrays (cargo feature
//! `ndarray`, on by default).
//!
//! Both libraries describe memory the same way — a base pointer, a shape and
//! strides counted in elements, negative strides allowed — so conversion is
//! zero-copy wherever ownership allows it:
//!
//! | from → to | cost |
//! |---|---|
//! | `ndarray::Array<T, D>` → [`Array`] (`From`) | none: the `Vec` is adopted |
//! | [`Array`] → `ndarray::ArrayViewD` ([`Array::as_ndarray`]) | none: a view |
//! | `ndarray::ArrayView` → [`Array`] ([`Array::from_ndarray_view`]) | one copy |
//! | [`Array`] → `ndarray::ArrayD` ([`Array::to_ndarray`]) | one copy |
//!
//! Tests: `tests/ndarray_interop.rs` (pointer equality, C, Fortran,
//! negative-stride and broadcast layouts).

use super::{Array, Buffer, Element};
use crate::error::{shape_err, type_err, Result};
use ndarray::{ArrayD, ArrayView, ArrayViewD, Axis, Dimension, IxDyn, ShapeBuilder};
use std::sync::Arc;

impl<T: Element, D: Dimension> From<ndarray::Array<T, D>> for Array {
    /// Adopts an owned `ndarray` array without copying: the array's `Vec`
    /// becomes the buffer, and its strides (in elements, negative ones
    /// included) and offset are kept.
    ///
    /// ```
    /// use lazyfuse::Array;
    /// let nd = ndarray::Array2::<f64>::from_shape_fn((2, 3), |(i, j)| (3 * i + j) as f64);
    /// let ptr = nd.as_ptr();
    /// let a = Array::from(nd);
    /// assert_eq!(a.shape(), &[2, 3]);
    /// assert_eq!(a.as_ptr(), ptr as *const u8);   // no copy
    /// assert_eq!(a.to_vec::<f64>()?, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    fn from(a: ndarray::Array<T, D>) -> Array {
        let shape = a.shape().to_vec();
        let strides = a.strides().to_vec();
        let (vec, offset) = a.into_raw_vec_and_offset();
        // `None` means an empty array: any offset will do.
        let offset = offset.unwrap_or(0) as isize;
        Array::from_parts(Arc::new(Buffer::from_vec(vec)), T::DTYPE, shape, strides, offset)
    }
}

impl Array {
    /// Copies an `ndarray` view into a new array. This one has to copy: the
    /// view borrows memory that an `Array` (reference-counted, free to
    /// outlive the borrow) cannot hold on to. To share memory instead, move
    /// an owned `ndarray::Array` in with [`From`].
    ///
    /// The copy keeps the view's strides when its elements are contiguous in
    /// memory (C, Fortran, any axis order) and is C-ordered otherwise.
    ///
    /// ```
    /// use lazyfuse::Array;
    /// let nd = ndarray::arr2(&[[1i32, 2, 3], [4, 5, 6]]);
    /// let a = Array::from_ndarray_view(nd.t());
    /// assert_eq!(a.shape(), &[3, 2]);
    /// assert_eq!(a.to_vec::<i32>()?, vec![1, 4, 2, 5, 3, 6]);
    /// assert_ne!(a.as_ptr(), nd.as_ptr() as *const u8);
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn from_ndarray_view<T: Element, D: Dimension>(view: ArrayView<'_, T, D>) -> Array {
        Array::from(view.to_owned())
    }

    /// A zero-copy `ndarray` view of this array, with the same shape and
    /// strides (negative and zero strides included); `Err` unless `T`
    /// matches the dtype.
    ///
    /// Like [`Array::as_slice`], the view assumes nobody writes to the
    /// buffer through another handle (e.g. `eval_into` on a clone) while it
    /// is alive.
    ///
    /// ```
    /// use lazyfuse::{Array, Index};
    /// let a = Array::from_shape_vec(&[2, 3], vec![1u8, 2, 3, 4, 5, 6])?;
    /// let r = a.slice(&[Index::FULL, Index::Slice { start: None, stop: None, step: -1 }])?;
    /// let v = r.as_ndarray::<u8>()?;
    /// assert_eq!(v, ndarray::arr2(&[[3u8, 2, 1], [6, 5, 4]]).into_dyn());
    /// assert_eq!(v.strides(), r.strides());
    /// assert_eq!(v.as_ptr(), r.as_ptr());           // no copy
    /// assert!(a.as_ndarray::<f32>().is_err());      // wrong dtype
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn as_ndarray<T: Element>(&self) -> Result<ArrayViewD<'_, T>> {
        if T::DTYPE != self.dtype() {
            return type_err!("array has dtype {}, not {}", self.dtype(), T::DTYPE);
        }
        let shape = self.shape();
        if self.is_empty() {
            return Ok(ArrayViewD::from_shape(IxDyn(shape), &[]).expect("empty shape fits"));
        }
        // ndarray bounds the element count by isize::MAX even for views
        // (a broadcast can claim more than memory holds).
        let count = shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .filter(|&n| n <= isize::MAX as usize);
        if count.is_none() {
            return shape_err!("array of shape {:?} is too large for ndarray", shape);
        }
        // `from_shape_ptr` wants non-negative strides: start at the lowest
        // address and flip the negative axes afterwards.
        let mut low = self.offset();
        for (&d, &s) in shape.iter().zip(self.strides()) {
            if s < 0 {
                low += s * (d as isize - 1);
            }
        }
        let ptr = self
            .buffer()
            .as_ptr()
            .wrapping_offset(low * self.dtype().size() as isize) as *const T;
        if !(ptr as usize).is_multiple_of(std::mem::align_of::<T>()) {
            return shape_err!("array data is not aligned for {}", T::DTYPE);
        }
        let abs: Vec<usize> = self.strides().iter().map(|s| s.unsigned_abs()).collect();
        // SAFETY: the layout lies inside the buffer (an `Array` invariant),
        // `ptr` is its lowest element, non-null and aligned (checked); the
        // buffer lives as long as `&self`; element count checked above;
        // strides are non-negative; the dtype matches `T`, and bool buffers
        // hold only 0 and 1.
        let mut view = unsafe { ArrayView::from_shape_ptr(IxDyn(shape).strides(IxDyn(&abs)), ptr) };
        for (ax, &s) in self.strides().iter().enumerate() {
            if s < 0 {
                view.invert_axis(Axis(ax));
            }
        }
        Ok(view)
    }

    /// An owned `ndarray` copy; `Err` unless `T` matches the dtype. The copy
    /// keeps the strides when the elements are contiguous in memory (C,
    /// Fortran, any axis order) and is C-ordered otherwise (broadcast axes
    /// are materialised).
    ///
    /// ```
    /// use lazyfuse::Array;
    /// let a = Array::from_vec(vec![1.0f64, 2.0]).broadcast_to(&[2, 2])?;
    /// let nd = a.to_ndarray::<f64>()?;
    /// assert_eq!(nd, ndarray::arr2(&[[1.0, 2.0], [1.0, 2.0]]).into_dyn());
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn to_ndarray<T: Element>(&self) -> Result<ArrayD<T>> {
        Ok(self.as_ndarray::<T>()?.to_owned())
    }
}
