//! Conversion between [`Array`] and `ndarray` arrays: ndarray 0.17 with the
//! cargo feature `ndarray` (on by default), ndarray 0.16 with the feature
//! `ndarray-0_16`. Both may be enabled at once.
//!
//! 0.17 is the default because it is the current release, the one a new
//! project gets from `cargo add ndarray`; 0.16 stays for code that has not
//! moved yet (the crate is renamed `ndarray016` inside lazyfuse, and its
//! feature is additive). Both versions get the same trait impls, generated
//! from one body (`ndarray_interop!`, instantiated once per crate path).
//! The inherent methods ([`Array::into_ndarray`], [`Array::as_ndarray`],
//! [`Array::to_ndarray`], [`Array::from_ndarray_view`]) can name only one
//! version's types without making the features non-additive, so they are
//! 0.17's; with 0.16 the same conversions are the traits, e.g.
//! `ndarray016::ArrayD::<f64>::try_from(a)` or `ArrayViewD::try_from(&a)`.
//!
//! Both libraries describe memory the same way — a base pointer, a shape and
//! strides counted in elements, negative strides allowed — so conversion is
//! zero-copy wherever ownership allows it:
//!
//! | from → to | cost |
//! |---|---|
//! | `ndarray::Array<T, D>` → [`Array`] (`From`), or `lazy(nd)` | none: the `Vec` is adopted (and `lazy` may donate it to the result) |
//! | `ndarray::ArcArray<T, D>` → [`Array`], or `lazy(arc)` | none: adopted like an `Array` when it is its data's only owner, else shared read-only |
//! | `&ndarray::ArcArray<T, D>` → [`Array`], or `lazy(&arc)` | none: shared read-only (a clone of the `Arc`) |
//! | `ndarray::ArrayView` or `&ndarray::Array` → [`Array`], or `lazy(&nd)` | one copy |
//! | [`Array`] → `ndarray::ArrayViewD` ([`Array::as_ndarray`], `TryFrom<&Array>`) | none: a view |
//! | [`Array`] → `ndarray::ArrayD` ([`Array::into_ndarray`], `TryFrom<Array>`) | none when the buffer is an adopted `Vec` this handle alone owns (below), else one copy |
//! | `&`[`Array`] → `ndarray::ArrayD` ([`Array::to_ndarray`]) | one copy |
//!
//! **Why views are copied.** An [`Array`] is reference-counted and free to
//! outlive any borrow (an expression holding it can be kept, sent to
//! another thread, evaluated later), so it cannot hold on to memory that an
//! `ArrayView` or a `&ndarray::Array` only borrows. Move the owned array in
//! instead, or make it an `ArcArray` to share it.
//!
//! **Shared `ArcArray`s** are read-only to lazyfuse: its buffer is marked
//! not writable, so every lazyfuse write (copy-on-write, `eval_into`, input
//! donation) copies first, and ndarray's own clones copy before they write
//! because the data's `Arc` is not unique while lazyfuse holds it.
//!
//! **Zero-copy out.** [`Array::into_ndarray`] hands the buffer back as the
//! `ndarray::ArrayD`'s `Vec` when all of these hold, and copies otherwise:
//!
//! - this handle is the buffer's only owner (no clone, view or expression
//!   holds it);
//! - the buffer is a `Vec` adopted without copying — from an owned
//!   `ndarray::Array` or a unique `ArcArray` — whose element type has the
//!   size and alignment of `T` (the layout `Vec<T>` frees with). That
//!   includes the result of an evaluation that was written over such a
//!   `Vec` handed to `lazy` by value (`(lazy(a) * 2.0).eval()`, when the
//!   planner reuses the input for the result);
//! - the array covers the whole `Vec` densely, in any axis order, negative
//!   strides included.
//!
//! Results in memory lazyfuse allocated itself (64-byte-aligned heap
//! blocks, huge-page mappings) are copied once: a `Vec<T>` may only be
//! rebuilt from memory the global allocator gave with `T`'s own alignment.
//!
//! Tests: `tests/ndarray_interop.rs` (pointer equality for both versions;
//! C, Fortran, negative-stride and broadcast layouts; shared and unique
//! `ArcArray`s; copies where a handle is shared).

use super::{Array, Buffer, Element};
use crate::error::{shape_err, type_err, Result};
use std::ptr::NonNull;
use std::sync::Arc;

/// A strided view in the form ndarray builds one from: the lowest-address
/// element, non-negative strides, and the axes to invert afterwards.
struct RawView<T> {
    ptr: *const T,
    strides: Vec<usize>,
    inverted: Vec<usize>,
}

/// An array's buffer handed back as a `Vec` (the elements of the lowest
/// address first), with the strides and inverted axes that lay the array
/// over it.
struct VecParts<T> {
    vec: Vec<T>,
    shape: Vec<usize>,
    strides: Vec<usize>,
    inverted: Vec<usize>,
}

/// Absolute strides and the axes (longer than 1) whose stride is negative.
fn split_strides(shape: &[usize], strides: &[isize]) -> (Vec<usize>, Vec<usize>) {
    let abs = strides.iter().map(|s| s.unsigned_abs()).collect();
    let inverted = (0..shape.len())
        .filter(|&ax| strides[ax] < 0 && shape[ax] > 1)
        .collect();
    (abs, inverted)
}

/// Whether the elements fill their extent exactly once: the absolute
/// strides of the axes longer than 1, sorted, are C strides of some order
/// of those axes.
fn is_dense(shape: &[usize], strides: &[isize]) -> bool {
    let mut axes: Vec<(usize, usize)> = shape
        .iter()
        .zip(strides)
        .filter(|(&d, _)| d > 1)
        .map(|(&d, &s)| (s.unsigned_abs(), d))
        .collect();
    axes.sort_unstable();
    let mut expect = 1usize;
    for (s, d) in axes {
        if s != expect {
            return false;
        }
        match expect.checked_mul(d) {
            Some(e) => expect = e,
            None => return false,
        }
    }
    true
}

impl Array {
    /// The parts of a zero-copy ndarray view of this non-empty array; `Err`
    /// unless `T` is the dtype, the data is aligned for `T` and the element
    /// count fits ndarray's `isize` bound.
    fn raw_view<T: Element>(&self) -> Result<RawView<T>> {
        if T::DTYPE != self.dtype() {
            return type_err!("array has dtype {}, not {}", self.dtype(), T::DTYPE);
        }
        let shape = self.shape();
        // ndarray bounds the element count by isize::MAX even for views
        // (a broadcast can claim more than memory holds).
        let count = shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .filter(|&n| n <= isize::MAX as usize);
        if count.is_none() {
            return shape_err!("array of shape {:?} is too large for ndarray", shape);
        }
        // ndarray wants non-negative strides: start at the lowest address
        // and flip the negative axes afterwards.
        let (lo, _) = self.extent_elems();
        let ptr = self
            .buffer()
            .as_ptr()
            .wrapping_offset(lo * self.dtype().size() as isize) as *const T;
        if !(ptr as usize).is_multiple_of(std::mem::align_of::<T>()) {
            return shape_err!("array data is not aligned for {}", T::DTYPE);
        }
        let (strides, inverted) = split_strides(shape, self.strides());
        Ok(RawView { ptr, strides, inverted })
    }

    /// Hands the buffer back as a `Vec<T>` when that needs no copy (see the
    /// module header: only owner, an adopted `Vec` of `T`'s layout, covered
    /// densely); gives the array back otherwise. The dtype must be `T`.
    fn into_vec_parts<T: Element>(self) -> std::result::Result<VecParts<T>, Array> {
        debug_assert_eq!(self.dtype, T::DTYPE);
        if self.is_empty() || !is_dense(&self.shape, &self.strides) {
            return Err(self);
        }
        let (lo, hi) = self.extent_elems();
        if lo != 0 || hi as usize * self.dtype.size() != self.buf.len() {
            return Err(self);
        }
        let Array {
            buf,
            dtype,
            shape,
            strides,
            offset,
        } = self;
        let back = |buf, shape, strides| Array::from_parts(buf, dtype, shape, strides, offset);
        let buf = match Arc::try_unwrap(buf) {
            Ok(b) => b,
            Err(buf) => return Err(back(buf, shape, strides)),
        };
        // SAFETY: the array's elements cover every byte of the buffer
        // (dense, from element 0 to its end: checked above), and elements
        // are valid values of the dtype, which is `T` (bool buffers hold
        // only 0 and 1).
        match unsafe { buf.into_vec::<T>() } {
            Ok(vec) => {
                let (abs, inverted) = split_strides(&shape, &strides);
                Ok(VecParts {
                    vec,
                    shape,
                    strides: abs,
                    inverted,
                })
            }
            Err(buf) => Err(back(Arc::new(buf), shape, strides)),
        }
    }

    /// Shares the memory of an `ArcArray` that other handles also own: a
    /// read-only buffer over its elements, kept alive by the `ArcArray`.
    fn from_shared_elems<T: Element>(
        ptr: *const T,
        shape: Vec<usize>,
        strides: Vec<isize>,
        owner: Box<dyn std::any::Any + Send + Sync>,
    ) -> Array {
        let (mut lo, mut hi) = (0isize, 0isize);
        for (&d, &s) in shape.iter().zip(&strides) {
            let span = s * (d as isize - 1);
            if span < 0 {
                lo += span;
            } else {
                hi += span;
            }
        }
        let base = ptr.wrapping_offset(lo) as *mut u8;
        let len = (hi - lo + 1) as usize * std::mem::size_of::<T>();
        let base = NonNull::new(base).expect("ndarray data pointers are non-null");
        // SAFETY: `base..base + len` spans the array's elements, all inside
        // one allocation of initialised `T`s; `owner` holds an `ArcArray` of
        // that allocation, which keeps it alive, and ndarray writes through
        // an `ArcArray` only after making its data unique — copying it away
        // from the `Arc` that `owner` holds. The buffer is read-only to
        // lazyfuse.
        let buf = unsafe { Buffer::from_foreign(base, len, owner) };
        Array::from_parts(Arc::new(buf), T::DTYPE, shape, strides, -lo)
    }
}

/// Conversions between [`Array`] and the ndarray crate `$nd`, one body for
/// every supported version.
macro_rules! ndarray_interop {
    ($nd:ident) => {
        use super::{Array, RawView, VecParts};
        use crate::array::Element;
        use crate::error::{Error, Result};
        use crate::expr::LazyArray;
        use $nd::{ArcArray, ArrayBase, ArrayD, ArrayView, ArrayViewD, Axis, Data, Dimension, IxDyn, ShapeBuilder};

        impl<T: Element, D: Dimension> From<$nd::Array<T, D>> for Array {
            /// Adopts an owned ndarray array without copying: its `Vec`
            /// becomes the buffer, and its strides (in elements, negative
            /// ones included) and offset are kept.
            fn from(a: $nd::Array<T, D>) -> Array {
                let shape = a.shape().to_vec();
                let strides = a.strides().to_vec();
                let (vec, offset) = a.into_raw_vec_and_offset();
                // `None` means an empty array: any offset will do.
                let offset = offset.unwrap_or(0) as isize;
                Array::from_parts(
                    std::sync::Arc::new(crate::array::Buffer::from_vec(vec)),
                    T::DTYPE,
                    shape,
                    strides,
                    offset,
                )
            }
        }

        impl<T: Element, D: Dimension> From<ArcArray<T, D>> for Array {
            /// Without copying: adopts the data like an owned array when
            /// this `ArcArray` is its only owner, else shares it read-only
            /// (lazyfuse copies before any write; ndarray's other handles
            /// copy before theirs).
            fn from(a: ArcArray<T, D>) -> Array {
                match a.try_into_owned_nocopy() {
                    Ok(owned) => Array::from(owned),
                    Err(shared) if shared.is_empty() => Array::from(shared.to_owned()),
                    Err(shared) => {
                        let (ptr, shape, strides) = (
                            shared.as_ptr(),
                            shared.shape().to_vec(),
                            shared.strides().to_vec(),
                        );
                        // (`IxDyn`: a `Dimension` need not be `'static`.)
                        Array::from_shared_elems(ptr, shape, strides, Box::new(shared.into_dyn()))
                    }
                }
            }
        }

        impl<T: Element, D: Dimension> From<ArrayView<'_, T, D>> for Array {
            /// Copies the view (an `Array` may outlive the borrow). The copy
            /// keeps the view's strides when its elements are contiguous in
            /// memory (C, Fortran, any axis order) and is C-ordered
            /// otherwise.
            fn from(v: ArrayView<'_, T, D>) -> Array {
                Array::from(v.to_owned())
            }
        }

        impl<T: Element, S: Data<Elem = T>, D: Dimension> From<&ArrayBase<S, D>> for Array {
            /// Shares the data of an `&ArcArray` read-only; copies any other
            /// borrowed array (an `Array` may outlive the borrow).
            fn from(a: &ArrayBase<S, D>) -> Array {
                Array::from(a.to_shared())
            }
        }

        impl<T: Element, D: Dimension> From<$nd::Array<T, D>> for LazyArray {
            /// Hands the array over without copying; an evaluation may
            /// write its result over it.
            fn from(a: $nd::Array<T, D>) -> LazyArray {
                LazyArray::from(Array::from(a))
            }
        }

        impl<T: Element, D: Dimension> From<ArcArray<T, D>> for LazyArray {
            /// As `Array::from`: adopted when unique (and then may be
            /// written over by the evaluation), shared read-only otherwise.
            fn from(a: ArcArray<T, D>) -> LazyArray {
                LazyArray::from(Array::from(a))
            }
        }

        impl<T: Element, D: Dimension> From<ArrayView<'_, T, D>> for LazyArray {
            /// Copies the view (an expression may outlive the borrow).
            fn from(v: ArrayView<'_, T, D>) -> LazyArray {
                LazyArray::from(Array::from(v))
            }
        }

        impl<T: Element, S: Data<Elem = T>, D: Dimension> From<&ArrayBase<S, D>> for LazyArray {
            /// Shares an `&ArcArray` read-only; copies any other borrowed
            /// array (an expression may outlive the borrow).
            fn from(a: &ArrayBase<S, D>) -> LazyArray {
                LazyArray::from(Array::from(a))
            }
        }

        impl<'a, T: Element> TryFrom<&'a Array> for ArrayViewD<'a, T> {
            type Error = Error;

            /// A zero-copy view with the same shape and strides (negative
            /// and zero strides included); `Err` unless `T` is the dtype.
            fn try_from(a: &'a Array) -> Result<ArrayViewD<'a, T>> {
                if a.is_empty() && T::DTYPE == a.dtype() {
                    return ArrayViewD::from_shape(IxDyn(a.shape()), &[]).map_err(|e| {
                        Error::Shape(format!(
                            "array of shape {:?} does not fit ndarray: {e}",
                            a.shape()
                        ))
                    });
                }
                let RawView {
                    ptr,
                    strides,
                    inverted,
                } = a.raw_view::<T>()?;
                // SAFETY: the layout lies inside the buffer (an `Array`
                // invariant) and `ptr` is its lowest element, non-null and
                // aligned (checked); the buffer lives as long as `'a`, and
                // nothing writes it while a shared handle exists (writes
                // need the only `Arc`); the element count fits `isize`
                // (checked); strides are non-negative; the dtype is `T`,
                // and bool buffers hold only 0 and 1.
                let mut view = unsafe { ArrayView::from_shape_ptr(IxDyn(a.shape()).strides(IxDyn(&strides)), ptr) };
                for ax in inverted {
                    view.invert_axis(Axis(ax));
                }
                Ok(view)
            }
        }

        impl<T: Element> TryFrom<Array> for ArrayD<T> {
            type Error = Error;

            /// Moves the buffer out without copying when this handle is its
            /// only owner, the buffer is a `Vec` adopted from ndarray (or
            /// an evaluation result written over one handed to `lazy` by
            /// value) whose elements have `T`'s size and alignment, and the
            /// array covers all of it densely; else copies (lazyfuse's own
            /// allocations are 64-byte aligned or mappings, never a
            /// `Vec<T>`'s). `Err` unless `T` is the dtype.
            fn try_from(a: Array) -> Result<ArrayD<T>> {
                if T::DTYPE != a.dtype() {
                    return Err(Error::Type(format!(
                        "array has dtype {}, not {}",
                        a.dtype(),
                        T::DTYPE
                    )));
                }
                match a.into_vec_parts::<T>() {
                    Ok(VecParts {
                        vec,
                        shape,
                        strides,
                        inverted,
                    }) => {
                        let mut nd = ArrayD::from_shape_vec(IxDyn(&shape).strides(IxDyn(&strides)), vec)
                            .map_err(|e| Error::Internal(format!("dense layout rejected by ndarray: {e}")))?;
                        for ax in inverted {
                            nd.invert_axis(Axis(ax));
                        }
                        Ok(nd)
                    }
                    Err(a) => Ok(ArrayViewD::<T>::try_from(&a)?.to_owned()),
                }
            }
        }
    };
}

#[cfg(feature = "ndarray")]
mod v0_17 {
    ndarray_interop!(ndarray);
}

#[cfg(feature = "ndarray-0_16")]
mod v0_16 {
    ndarray_interop!(ndarray016);
}

#[cfg(feature = "ndarray")]
impl Array {
    /// Copies an `ndarray` view into a new array (`Array::from(view)` does
    /// the same). This one has to copy: the view borrows memory that an
    /// `Array` (reference-counted, free to outlive the borrow) cannot hold
    /// on to. To share memory instead, move an owned `ndarray::Array` or an
    /// `ArcArray` in with [`From`].
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
    pub fn from_ndarray_view<T: Element, D: ndarray::Dimension>(view: ndarray::ArrayView<'_, T, D>) -> Array {
        Array::from(view)
    }

    /// A zero-copy `ndarray` view of this array, with the same shape and
    /// strides (negative and zero strides included); `Err` unless `T`
    /// matches the dtype. (`ndarray::ArrayViewD::try_from(&a)` is the same.)
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
    pub fn as_ndarray<T: Element>(&self) -> Result<ndarray::ArrayViewD<'_, T>> {
        ndarray::ArrayViewD::try_from(self)
    }

    /// An owned `ndarray` copy; `Err` unless `T` matches the dtype. The copy
    /// keeps the strides when the elements are contiguous in memory (C,
    /// Fortran, any axis order) and is C-ordered otherwise (broadcast axes
    /// are materialised). To move the data out without a copy, use
    /// [`Array::into_ndarray`].
    ///
    /// ```
    /// use lazyfuse::Array;
    /// let a = Array::from_vec(vec![1.0f64, 2.0]).broadcast_to(&[2, 2])?;
    /// let nd = a.to_ndarray::<f64>()?;
    /// assert_eq!(nd, ndarray::arr2(&[[1.0, 2.0], [1.0, 2.0]]).into_dyn());
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn to_ndarray<T: Element>(&self) -> Result<ndarray::ArrayD<T>> {
        Ok(self.as_ndarray::<T>()?.to_owned())
    }

    /// The array as an owned `ndarray` array; `Err` unless `T` matches the
    /// dtype. (`ndarray::ArrayD::try_from(a)` is the same.)
    ///
    /// The buffer moves out without a copy, as the `ndarray` array's `Vec`,
    /// when all of these hold:
    ///
    /// - this handle is the buffer's only owner (no clone, view or
    ///   expression holds it);
    /// - the buffer is a `Vec` adopted without copying — from an owned
    ///   `ndarray::Array` or a unique `ArcArray` — whose elements have `T`'s
    ///   size and alignment; an evaluation result written over such an
    ///   array handed to [`lazy`](crate::lazy) by value counts (the
    ///   planner reuses a dying input of the result's dtype and shape);
    /// - the array covers that whole `Vec` densely (any axis order,
    ///   negative strides included).
    ///
    /// Otherwise it is copied once, as [`Array::to_ndarray`]: results in
    /// memory lazyfuse allocated itself (64-byte-aligned blocks, huge-page
    /// mappings) cannot become a `Vec<T>`, which may only be rebuilt from
    /// memory the global allocator gave with `T`'s own alignment.
    ///
    /// The round trip owned ndarray → lazyfuse → owned ndarray reuses one
    /// allocation throughout:
    ///
    /// ```
    /// use lazyfuse::{lazy, Array};
    /// let nd = ndarray::Array2::<f64>::from_elem((300, 200), 1.5);
    /// let ptr = nd.as_ptr();
    /// let r = (lazy(nd) * 2.0 + 1.0).eval()?;   // handed over: written in place
    /// let out = r.into_ndarray::<f64>()?;        // and handed back
    /// assert_eq!(out.as_ptr(), ptr);
    /// assert_eq!(out[[299, 199]], 4.0);
    ///
    /// // A result in memory lazyfuse allocated is copied once.
    /// let a = Array::from(ndarray::Array1::<f64>::ones(5));
    /// let r = (lazy(&a) * 2.0).eval()?;          // `a` is only borrowed
    /// assert_eq!(r.into_ndarray::<f64>()?, ndarray::Array1::from_elem(5, 2.0).into_dyn());
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn into_ndarray<T: Element>(self) -> Result<ndarray::ArrayD<T>> {
        ndarray::ArrayD::try_from(self)
    }
}
