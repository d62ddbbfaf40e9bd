//! `Array`: a reference-counted buffer seen through a dtype, shape, strides
//! and offset — NumPy's memory model, with zero-copy views.
//!
//! This file holds `Array`, its accessors, element access and copies;
//! `construct.rs` makes arrays and `views.rs` makes views of them.

mod buffer;
mod construct;
pub mod dtype;
pub mod layout;
#[cfg(any(feature = "ndarray", feature = "ndarray-0_16"))]
mod ndarray_interop;
pub mod npy;
pub mod random;
mod view_mut;
mod views;

pub use buffer::{clear_pool, pool_bytes, Buffer, ALIGN, LARGE, POOL_LIMIT};
pub use dtype::{DType, Element, Kind, Scalar};
pub use layout::Index;
pub(crate) use view_mut::sealed::Token as EvalToken;
pub use view_mut::{ArrayViewMut, EvalTarget};

use crate::error::{shape_err, type_err, Error, Result};
use layout::{c_strides, numel, shape_str};
use std::fmt;
use std::sync::Arc;

/// An n-dimensional array: shared storage plus a layout.
///
/// Cloning is cheap and shares the buffer. Views (`index_axis`, `slice`,
/// `t`, `permute`, `broadcast_to`, `reshape` where possible, `squeeze`,
/// `insert_axis`) share it too, exactly like NumPy views.
///
/// ```
/// use lazyfuse::{Array, DType};
/// let a = Array::from_shape_vec(&[2, 3], vec![1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0])?;
/// let col = a.index_axis(1, 2)?;              // [3.0, 6.0], a view
/// assert_eq!(col.to_vec::<f64>()?, vec![3.0, 6.0]);
/// assert!(col.shares_memory(&a));
/// assert_eq!(a.t().shape(), &[3, 2]);
/// # Ok::<(), lazyfuse::Error>(())
/// ```
#[derive(Clone)]
pub struct Array {
    buf: Arc<Buffer>,
    dtype: DType,
    shape: Vec<usize>,
    strides: Vec<isize>,
    offset: isize,
}

impl Array {
    // ---------------------------------------------------------------- build

    /// Wraps raw parts. The caller guarantees the layout stays inside `buf`.
    pub(crate) fn from_parts(
        buf: Arc<Buffer>,
        dtype: DType,
        shape: Vec<usize>,
        strides: Vec<isize>,
        offset: isize,
    ) -> Array {
        let a = Array {
            buf,
            dtype,
            shape,
            strides,
            offset,
        };
        debug_assert!(a.in_bounds(), "layout outside buffer");
        a
    }

    /// Whether every element of the layout lies inside the buffer.
    fn in_bounds(&self) -> bool {
        let (lo, hi) = self.extent_elems();
        let sz = self.dtype.size() as isize;
        lo >= 0 && (hi * sz) <= self.buf.len() as isize || self.shape.contains(&0)
    }

    /// Lowest and one-past-highest element offsets touched.
    pub(crate) fn extent_elems(&self) -> (isize, isize) {
        if self.shape.contains(&0) {
            return (self.offset, self.offset);
        }
        let (mut lo, mut hi) = (self.offset, self.offset);
        for (&d, &s) in self.shape.iter().zip(&self.strides) {
            let span = s * (d as isize - 1);
            if span < 0 {
                lo += span;
            } else {
                hi += span;
            }
        }
        (lo, hi + 1)
    }

    // ------------------------------------------------------------ accessors

    /// Whether both handles are the same view: same buffer, dtype, shape,
    /// strides and offset.
    pub(crate) fn same_view(&self, other: &Array) -> bool {
        Arc::ptr_eq(&self.buf, &other.buf)
            && self.dtype == other.dtype
            && self.offset == other.offset
            && self.shape == other.shape
            && self.strides == other.strides
    }

    /// The dtype.
    pub fn dtype(&self) -> DType {
        self.dtype
    }
    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    /// Strides in elements (not bytes, unlike NumPy).
    pub fn strides(&self) -> &[isize] {
        &self.strides
    }
    /// Offset of element `[0, …, 0]` from the buffer start, in elements.
    pub fn offset(&self) -> isize {
        self.offset
    }
    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }
    /// True when the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Size in bytes of the elements (not of the buffer).
    pub fn nbytes(&self) -> usize {
        self.len() * self.dtype.size()
    }
    /// The shared buffer (internals: a [`Buffer`] is not part of the API).
    #[doc(hidden)]
    pub fn buffer(&self) -> &Arc<Buffer> {
        &self.buf
    }
    /// Pointer to element `[0, …, 0]`.
    pub fn as_ptr(&self) -> *const u8 {
        self.buf
            .as_ptr()
            .wrapping_offset(self.offset * self.dtype.size() as isize)
    }
    /// Whether the two arrays share a buffer (NumPy's `may_share_memory`).
    pub fn shares_memory(&self, other: &Array) -> bool {
        Arc::ptr_eq(&self.buf, &other.buf)
    }
    /// Whether the two arrays' elements may share memory: same buffer and
    /// intersecting address ranges (NumPy's `may_share_memory` with bounds).
    pub fn may_overlap(&self, other: &Array) -> bool {
        if !self.shares_memory(other) || self.is_empty() || other.is_empty() {
            return false;
        }
        let (a0, a1) = self.extent_elems();
        let (b0, b1) = other.extent_elems();
        let sz = |d: DType| d.size() as isize;
        let (a0, a1) = (a0 * sz(self.dtype), a1 * sz(self.dtype));
        let (b0, b1) = (b0 * sz(other.dtype), b1 * sz(other.dtype));
        a0 < b1 && b0 < a1
    }

    /// Whether the buffer can be written (memory-mapped files cannot).
    pub fn is_writable(&self) -> bool {
        self.buf.is_writable()
    }

    /// C-contiguous: the elements are dense in row-major order.
    pub fn is_c_contiguous(&self) -> bool {
        contiguous(&self.shape, &self.strides, self.shape.len(), true)
    }
    /// Fortran-contiguous: dense in column-major order.
    pub fn is_f_contiguous(&self) -> bool {
        contiguous(&self.shape, &self.strides, self.shape.len(), false)
    }

    /// Slices need their element type's alignment; a buffer adopted from
    /// elsewhere (`Buffer::from_vec` of bytes, `from_buffer`) may lack it.
    pub(crate) fn check_aligned<T: Element>(&self) -> Result<()> {
        if !(self.as_ptr() as usize).is_multiple_of(std::mem::align_of::<T>()) {
            return type_err!("the data is not aligned for {} (use to_vec, which copies)", T::DTYPE);
        }
        Ok(())
    }

    fn check_dtype<T: Element>(&self) -> Result<()> {
        if T::DTYPE != self.dtype {
            return type_err!("array has dtype {}, not {}", self.dtype, T::DTYPE);
        }
        Ok(())
    }

    /// The elements as a slice; `Err` unless C-contiguous and `T` matches.
    pub fn as_slice<T: Element>(&self) -> Result<&[T]> {
        self.check_dtype::<T>()?;
        if !self.is_c_contiguous() {
            return shape_err!("as_slice needs a C-contiguous array (use to_vec)");
        }
        if self.is_empty() {
            return Ok(&[]);
        }
        self.check_aligned::<T>()?;
        // SAFETY: contiguous, in bounds, dtype checked; element alignment holds
        // for buffers we create and for mmaps (the npy reader checks).
        Ok(unsafe { std::slice::from_raw_parts(self.as_ptr() as *const T, self.len()) })
    }

    /// The elements as a mutable slice; `Err` unless C-contiguous and `T`
    /// matches.
    ///
    /// Copy-on-write: when another handle shares the buffer (a clone, a
    /// view, an expression holding the array) or the buffer is read-only,
    /// this array first gets a copy of its own, and the others keep their
    /// values. To write into part of a larger array, use
    /// [`Array::view_mut`].
    ///
    /// ```
    /// # use lazyfuse::Array;
    /// let a = Array::from_vec(vec![1.0f64, 2.0]);
    /// let mut b = a.clone();
    /// b.as_slice_mut::<f64>()?[0] = 42.0;
    /// assert_eq!(a.to_vec::<f64>()?, vec![1.0, 2.0]);   // a is unchanged
    /// assert_eq!(b.to_vec::<f64>()?, vec![42.0, 2.0]);
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn as_slice_mut<T: Element>(&mut self) -> Result<&mut [T]> {
        self.check_dtype::<T>()?;
        if !self.is_c_contiguous() {
            return shape_err!("as_slice_mut needs a C-contiguous array");
        }
        if self.is_empty() {
            return Ok(&mut []);
        }
        self.make_unique()?;
        self.check_aligned::<T>()?;
        // SAFETY: contiguous, in bounds, dtype checked; this handle is the
        // buffer's only owner (`make_unique`) and `&mut self` is borrowed
        // for the slice's life, so nothing else can read or write it.
        Ok(unsafe { std::slice::from_raw_parts_mut(self.as_ptr() as *mut T, self.len()) })
    }

    /// All elements in logical C order, whatever the layout.
    pub fn to_vec<T: Element>(&self) -> Result<Vec<T>> {
        self.check_dtype::<T>()?;
        let mut out = Vec::with_capacity(self.len());
        let base = self.buf.as_ptr() as *const T;
        layout::for_each_offset(&self.shape, &self.strides, self.offset, |o| {
            // SAFETY: every offset of the layout is inside the buffer.
            out.push(unsafe { base.offset(o).read_unaligned() });
        });
        Ok(out)
    }

    /// The value of a 0-d (or one-element) array.
    pub fn to_scalar<T: Element>(&self) -> Result<T> {
        self.check_dtype::<T>()?;
        if self.len() != 1 {
            return shape_err!(
                "to_scalar needs one element, array has shape {}",
                shape_str(&self.shape)
            );
        }
        Ok(self.to_vec::<T>()?[0])
    }

    /// Every element as a [`Scalar`], in logical C order.
    pub fn to_scalars(&self) -> Vec<Scalar> {
        let mut out = Vec::with_capacity(self.len());
        layout::for_each_offset(&self.shape, &self.strides, self.offset, |o| {
            out.push(self.read_scalar(o))
        });
        out
    }

    /// The element at a multi-index.
    pub fn get(&self, index: &[usize]) -> Result<Scalar> {
        if index.len() != self.ndim() || index.iter().zip(&self.shape).any(|(&i, &d)| i >= d) {
            return shape_err!(
                "index {:?} is out of bounds for shape {}",
                index,
                shape_str(&self.shape)
            );
        }
        let off = self.offset
            + index
                .iter()
                .zip(&self.strides)
                .map(|(&i, &s)| i as isize * s)
                .sum::<isize>();
        Ok(self.read_scalar(off))
    }

    /// Reads the element at buffer offset `off` (elements).
    pub(crate) fn read_scalar(&self, off: isize) -> Scalar {
        let p = self.buf.as_ptr().wrapping_offset(off * self.dtype.size() as isize);
        // SAFETY: callers pass offsets from this array's layout (in bounds).
        unsafe {
            match self.dtype {
                DType::Bool => Scalar::Bool(p.read() != 0),
                DType::I8 => Scalar::I8(p.read() as i8),
                DType::U8 => Scalar::U8(p.read()),
                DType::I16 => Scalar::I16((p as *const i16).read_unaligned()),
                DType::U16 => Scalar::U16((p as *const u16).read_unaligned()),
                DType::I32 => Scalar::I32((p as *const i32).read_unaligned()),
                DType::U32 => Scalar::U32((p as *const u32).read_unaligned()),
                DType::I64 => Scalar::I64((p as *const i64).read_unaligned()),
                DType::U64 => Scalar::U64((p as *const u64).read_unaligned()),
                DType::F32 => Scalar::F32((p as *const f32).read_unaligned()),
                DType::F64 => Scalar::F64((p as *const f64).read_unaligned()),
            }
        }
    }

    /// Writes `v` (cast to the array's dtype) at buffer offset `off`.
    pub(crate) fn write_scalar(&mut self, off: isize, v: Scalar) {
        assert!(self.buf.is_writable(), "write to a read-only buffer");
        let v = if v.dtype() == self.dtype { v } else { v.cast(self.dtype) };
        let p = self.buf.as_ptr().wrapping_offset(off * self.dtype.size() as isize);
        let bits = v.bits();
        // SAFETY: in-bounds offset of a writable buffer; little-endian host
        // order of the low `size` bytes of `bits` is the element.
        unsafe {
            let src = bits.to_ne_bytes();
            let src = if cfg!(target_endian = "little") {
                &src[..self.dtype.size()]
            } else {
                &src[8 - self.dtype.size()..]
            };
            std::ptr::copy_nonoverlapping(src.as_ptr(), p, self.dtype.size());
        }
    }

    /// Writes `values` in logical C order into this array's layout.
    pub(crate) fn assign_scalars(&mut self, values: &[Scalar]) {
        assert_eq!(values.len(), self.len());
        let (shape, strides, offset) = (self.shape.clone(), self.strides.clone(), self.offset);
        let mut i = 0;
        layout::for_each_offset(&shape, &strides, offset, |o| {
            self.write_scalar(o, values[i]);
            i += 1;
        });
    }

    /// Copies `src` (same dtype and shape) into this array's layout.
    pub(crate) fn assign_from(&mut self, src: &Array) {
        debug_assert_eq!((self.dtype, &self.shape), (src.dtype, &src.shape));
        if self.is_c_contiguous() && src.is_c_contiguous() && !self.shares_memory(src) {
            // SAFETY: both regions are `nbytes` long, in bounds and disjoint.
            unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), self.as_ptr() as *mut u8, self.nbytes()) };
        } else {
            self.assign_scalars(&src.to_scalars());
        }
    }

    /// A C-contiguous copy (a new buffer).
    ///
    /// # Panics
    ///
    /// If the memory cannot be had (see [`Array::try_to_contiguous`]).
    pub fn to_contiguous(&self) -> Array {
        self.try_to_contiguous().unwrap_or_else(|e| panic!("{e}"))
    }

    /// A C-contiguous copy (a new buffer), or an `Err` when the memory
    /// cannot be had.
    pub fn try_to_contiguous(&self) -> Result<Array> {
        let mut out = Array::try_zeros(self.dtype, &self.shape)?;
        if self.is_c_contiguous() {
            // SAFETY: both regions are `nbytes` long and disjoint.
            unsafe { std::ptr::copy_nonoverlapping(self.as_ptr(), out.as_ptr() as *mut u8, self.nbytes()) };
        } else {
            out.assign_scalars(&self.to_scalars());
        }
        Ok(out)
    }

    /// A copy converted to `dtype` (NumPy's `astype`).
    pub fn astype(&self, dtype: DType) -> Array {
        let mut out = Array::zeros(dtype, &self.shape);
        let v: Vec<Scalar> = self.to_scalars().into_iter().map(|s| s.cast(dtype)).collect();
        out.assign_scalars(&v);
        out
    }
}

/// Whether a layout is dense in C (`c = true`) or Fortran order; length-1
/// axes are ignored, as in NumPy.
fn contiguous(shape: &[usize], strides: &[isize], nd: usize, c: bool) -> bool {
    if shape.contains(&0) {
        return true;
    }
    let mut expect = 1isize;
    let axes: Box<dyn Iterator<Item = usize>> = if c { Box::new((0..nd).rev()) } else { Box::new(0..nd) };
    for ax in axes {
        if shape[ax] == 1 {
            continue;
        }
        if strides[ax] != expect {
            return false;
        }
        expect *= shape[ax] as isize;
    }
    true
}

impl fmt::Debug for Array {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{} ", self.dtype, shape_str(&self.shape))?;
        let vals = self.to_scalars();
        let shown: Vec<String> = vals.iter().take(10).map(|v| v.to_string()).collect();
        write!(f, "[{}{}]", shown.join(", "), if vals.len() > 10 { ", …" } else { "" })
    }
}

impl fmt::Display for Array {
    /// `f64[3] [1.0, 2.0, 3.0]` with at most the first 10 values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl PartialEq for Array {
    /// Same dtype, shape and element bits (layouts may differ).
    fn eq(&self, other: &Array) -> bool {
        self.dtype == other.dtype && self.shape == other.shape && self.to_scalars() == other.to_scalars()
    }
}

#[cfg(test)]
mod tests;
