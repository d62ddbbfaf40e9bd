//! Writing into an array, soundly: copy-on-write handles and exclusively
//! borrowed mutable views.
//!
//! An [`Array`] handle is cheap to clone and clones share one buffer, so a
//! write through one handle could change what a `&[T]` borrowed from another
//! handle shows — undefined behaviour in Rust, and a data race across
//! threads. lazyfuse follows ndarray's `ArcArray`: every write through an
//! `&mut Array` (`as_slice_mut`, `eval_into`, …) first makes that handle the
//! only owner of its buffer, copying the elements to a fresh buffer when
//! another handle (a clone, a view, an expression holding the array) or a
//! read-only file mapping still shares it. Shared buffers are therefore
//! never written, which is what makes `Buffer: Send + Sync` sound.
//!
//! Writing into *part* of an array (NumPy's `a[1:3] = ...`) goes through an
//! [`ArrayViewMut`]: [`Array::view_mut`] makes the array unique, then lends
//! a view that keeps the array mutably borrowed for as long as it lives. The
//! borrow checker thus guarantees that nothing else reads or writes those
//! bytes meanwhile; the view's own handle is private, so it cannot be cloned
//! out of the borrow.

use super::{layout, Array, DType, Element, Index, Scalar};
use crate::error::{shape_err, type_err, Result};
use std::marker::PhantomData;

/// A mutable view of (part of) an array, borrowed from [`Array::view_mut`].
///
/// ```
/// use lazyfuse::{lazy, Array, Index};
/// let mut a = Array::from_vec(vec![0.0f64; 6]);
/// let b = Array::from_vec(vec![1.0f64, 2.0, 3.0]);
/// {
///     let mut v = a.view_mut()?.slice(&[Index::range(1, 4, 1)])?; // a[1:4]
///     (lazy(&b) * 10.0).eval_into(&mut v)?;
///     v.as_slice_mut::<f64>()?[0] += 0.5;
/// }
/// assert_eq!(a.to_vec::<f64>()?, vec![0.0, 10.5, 20.0, 30.0, 0.0, 0.0]);
/// # Ok::<(), lazyfuse::Error>(())
/// ```
pub struct ArrayViewMut<'a> {
    /// Shares the parent's buffer. The parent was that buffer's only owner
    /// when the view was made and stays mutably borrowed for `'a`; this
    /// handle is never given out, so while the view lives it is the only way
    /// to reach the bytes.
    arr: Array,
    _parent: PhantomData<&'a mut Array>,
}

impl Array {
    /// Whether this handle is the only owner of a writable buffer, so a
    /// write needs no copy.
    pub fn is_unique(&self) -> bool {
        std::sync::Arc::strong_count(&self.buf) == 1
            && std::sync::Arc::weak_count(&self.buf) == 0
            && self.buf.is_writable()
    }

    /// Copy-on-write: makes this handle the only owner of a writable buffer.
    /// When another handle shares the buffer (or it is a read-only mapping),
    /// the elements are copied to a fresh buffer — keeping the layout when
    /// the array spans its whole buffer, in C order otherwise — and the
    /// other handles keep the old one, unchanged.
    pub(crate) fn make_unique(&mut self) -> Result<()> {
        if std::sync::Arc::get_mut(&mut self.buf).is_some() && self.buf.is_writable() {
            return Ok(());
        }
        let whole = !self.is_empty() && {
            let (lo, hi) = self.extent_elems();
            lo == 0 && hi as usize * self.dtype.size() == self.buf.len()
        };
        *self = if whole {
            let b = super::Buffer::try_zeroed(self.buf.len())?;
            // SAFETY: both regions are `len` bytes; the new one is fresh.
            unsafe { std::ptr::copy_nonoverlapping(self.buf.as_ptr(), b.as_ptr(), self.buf.len()) };
            Array::from_parts(
                std::sync::Arc::new(b),
                self.dtype,
                self.shape.clone(),
                self.strides.clone(),
                self.offset,
            )
        } else {
            self.try_to_contiguous()?
        };
        Ok(())
    }

    /// A mutable view of the whole array, for writing into part of it
    /// (slice the view) or all of it. The array is made the only owner of
    /// its buffer first (copy-on-write, see [`Array::is_unique`]); other
    /// handles that shared it keep the old values.
    pub fn view_mut(&mut self) -> Result<ArrayViewMut<'_>> {
        self.make_unique()?;
        Ok(ArrayViewMut {
            arr: self.clone(),
            _parent: PhantomData,
        })
    }
}

impl<'a> ArrayViewMut<'a> {
    fn wrap(arr: Array) -> ArrayViewMut<'a> {
        ArrayViewMut {
            arr,
            _parent: PhantomData,
        }
    }

    /// The dtype.
    pub fn dtype(&self) -> DType {
        self.arr.dtype()
    }
    /// The shape.
    pub fn shape(&self) -> &[usize] {
        self.arr.shape()
    }
    /// Strides in elements.
    pub fn strides(&self) -> &[isize] {
        self.arr.strides()
    }
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.arr.len()
    }
    /// True when the view has no elements.
    pub fn is_empty(&self) -> bool {
        self.arr.is_empty()
    }

    /// A shorter-lived view of the same elements (to slice it and keep it).
    pub fn reborrow(&mut self) -> ArrayViewMut<'_> {
        ArrayViewMut::wrap(self.arr.clone())
    }

    /// Basic indexing of the view, as [`Array::slice`].
    pub fn slice(self, index: &[Index]) -> Result<ArrayViewMut<'a>> {
        Ok(ArrayViewMut::wrap(self.arr.slice(index)?))
    }

    /// The sub-view at `index` along `axis`.
    pub fn index_axis(self, axis: usize, index: usize) -> Result<ArrayViewMut<'a>> {
        Ok(ArrayViewMut::wrap(self.arr.index_axis(axis, index)?))
    }

    /// The transposed view.
    pub fn t(self) -> ArrayViewMut<'a> {
        ArrayViewMut::wrap(self.arr.t())
    }

    /// Axes permuted, as [`Array::permute`].
    pub fn permute(self, axes: &[usize]) -> Result<ArrayViewMut<'a>> {
        Ok(ArrayViewMut::wrap(self.arr.permute(axes)?))
    }

    /// The elements as a mutable slice; `Err` unless C-contiguous and `T`
    /// is the dtype.
    pub fn as_slice_mut<T: Element>(&mut self) -> Result<&mut [T]> {
        if T::DTYPE != self.arr.dtype() {
            return type_err!("array has dtype {}, not {}", self.arr.dtype(), T::DTYPE);
        }
        if !self.arr.is_c_contiguous() {
            return shape_err!("as_slice_mut needs a C-contiguous view");
        }
        if self.arr.is_empty() {
            return Ok(&mut []);
        }
        self.arr.check_aligned::<T>()?;
        // SAFETY: in bounds, dtype checked, and the view is the only access
        // to these bytes while `&mut self` is borrowed (see the type).
        Ok(unsafe { std::slice::from_raw_parts_mut(self.arr.as_ptr() as *mut T, self.arr.len()) })
    }

    /// All elements in logical C order (a copy).
    pub fn to_vec<T: Element>(&self) -> Result<Vec<T>> {
        self.arr.to_vec()
    }

    /// A C-contiguous copy of the viewed elements.
    pub fn to_array(&self) -> Result<Array> {
        self.arr.try_to_contiguous()
    }

    /// Copies `src` (same dtype, shape broadcastable to the view's) into
    /// the view.
    pub fn assign(&mut self, src: &Array) -> Result<()> {
        if src.dtype() != self.arr.dtype() {
            return type_err!("assign: source has dtype {}, view is {}", src.dtype(), self.arr.dtype());
        }
        let b = src.broadcast_to(self.arr.shape()).map_err(|_| {
            crate::error::Error::Shape(format!(
                "assign: cannot broadcast shape {} to the view's {}",
                layout::shape_str(src.shape()),
                layout::shape_str(self.arr.shape())
            ))
        })?;
        self.arr.assign_from(&b);
        Ok(())
    }

    /// Sets every element to `value` (cast to the view's dtype).
    pub fn fill(&mut self, value: Scalar) {
        let v = value.cast(self.arr.dtype());
        let (shape, strides, offset) = (self.arr.shape.clone(), self.arr.strides.clone(), self.arr.offset);
        layout::for_each_offset(&shape, &strides, offset, |o| self.arr.write_scalar(o, v));
    }
}

impl std::fmt::Debug for ArrayViewMut<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ArrayViewMut({:?})", self.arr)
    }
}

/// Where [`Expr::eval_into`](crate::Expr::eval_into) can write: an
/// [`Array`] (made unique first, copy-on-write) or an [`ArrayViewMut`].
/// Sealed: implemented only by these two.
pub trait EvalTarget: sealed::Sealed {
    #[doc(hidden)]
    fn target(&mut self, _: sealed::Token) -> Result<&mut Array>;
}

pub(crate) mod sealed {
    /// Not nameable outside the crate, so `EvalTarget::target` cannot be
    /// called (or the trait implemented) by users.
    pub struct Token(pub(crate) ());
    pub trait Sealed {}
    impl Sealed for super::Array {}
    impl Sealed for super::ArrayViewMut<'_> {}
}

impl EvalTarget for Array {
    fn target(&mut self, _: sealed::Token) -> Result<&mut Array> {
        self.make_unique()?;
        Ok(self)
    }
}

impl EvalTarget for ArrayViewMut<'_> {
    fn target(&mut self, _: sealed::Token) -> Result<&mut Array> {
        Ok(&mut self.arr)
    }
}
