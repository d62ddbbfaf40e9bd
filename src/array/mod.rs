//! `Array`: a reference-counted buffer seen through a dtype, shape, strides
//! and offset — NumPy's memory model, with zero-copy views.

mod buffer;
pub mod dtype;
pub mod layout;
#[cfg(any(feature = "ndarray", feature = "ndarray-0_16"))]
mod ndarray_interop;
pub mod npy;
pub mod random;
mod view_mut;

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

    /// A new zero-filled C-order array.
    ///
    /// # Panics
    ///
    /// If the byte size overflows `isize` (like `Vec::with_capacity`); use
    /// [`Array::try_zeros`] for sizes that come from users.
    pub fn zeros(dtype: DType, shape: &[usize]) -> Array {
        Self::try_zeros(dtype, shape).expect("array size overflows")
    }

    /// Like [`Array::zeros`], with an `Err` for sizes that overflow.
    pub fn try_zeros(dtype: DType, shape: &[usize]) -> Result<Array> {
        Array::new_c(dtype, shape, Buffer::try_zeroed)
    }

    /// A new C-order array whose contents are unspecified (possibly a
    /// recycled buffer's old values): for results that will be completely
    /// overwritten.
    pub fn for_output(dtype: DType, shape: &[usize]) -> Result<Array> {
        Array::new_c(dtype, shape, Buffer::for_output)
    }

    /// A C-order array over a buffer from `alloc(bytes)`, checking the size.
    fn new_c(dtype: DType, shape: &[usize], alloc: fn(usize) -> Result<Buffer>) -> Result<Array> {
        let bytes = numel(shape)?
            .checked_mul(dtype.size())
            .filter(|&b| b <= isize::MAX as usize)
            .ok_or_else(|| Error::Shape(format!("shape {} is too large", shape_str(shape))))?;
        Ok(Array::from_parts(
            Arc::new(alloc(bytes)?),
            dtype,
            shape.to_vec(),
            c_strides(shape),
            0,
        ))
    }

    /// A C-order array of `shape` holding `values` (each of dtype `dtype`).
    ///
    /// ```
    /// # use lazyfuse::{Array, DType, Scalar};
    /// let a = Array::from_scalars(DType::U8, &[2], &[Scalar::U8(1), Scalar::U8(255)])?;
    /// assert_eq!(a.to_vec::<u8>()?, vec![1, 255]);
    /// assert!(Array::from_scalars(DType::U8, &[1], &[Scalar::I8(1)]).is_err());
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn from_scalars(dtype: DType, shape: &[usize], values: &[Scalar]) -> Result<Array> {
        if let Some(v) = values.iter().find(|v| v.dtype() != dtype) {
            return type_err!("from_scalars: a {} value in a {dtype} array", v.dtype());
        }
        let mut a = Array::try_zeros(dtype, shape)?;
        if a.len() != values.len() {
            return shape_err!(
                "shape {} needs {} values, got {}",
                shape_str(shape),
                a.len(),
                values.len()
            );
        }
        a.assign_scalars(values);
        Ok(a)
    }

    /// A new array filled with `value` (its dtype is the value's).
    ///
    /// # Panics
    ///
    /// As [`Array::zeros`].
    pub fn full(shape: &[usize], value: Scalar) -> Array {
        let mut a = Array::zeros(value.dtype(), shape);
        if value.bits() != 0 {
            let n = a.len();
            for i in 0..n as isize {
                a.write_scalar(i, value);
            }
        }
        a
    }

    /// A 0-d array holding one value.
    pub fn scalar(value: Scalar) -> Array {
        Array::full(&[], value)
    }

    /// A 1-D array that takes a copy of `v` into an aligned buffer.
    pub fn from_vec<T: Element>(v: Vec<T>) -> Array {
        let n = v.len();
        Array::from_shape_vec(&[n], v).expect("1-d shape matches")
    }

    /// A C-order array of `shape` from `v`; `Err` if the sizes differ.
    pub fn from_shape_vec<T: Element>(shape: &[usize], v: Vec<T>) -> Result<Array> {
        let n = numel(shape)?;
        if n != v.len() {
            return shape_err!("shape {} needs {n} elements, got {}", shape_str(shape), v.len());
        }
        // SAFETY: `T` is a plain-old-data element type; reading its bytes is fine.
        let bytes = unsafe { std::slice::from_raw_parts(v.as_ptr() as *const u8, std::mem::size_of_val(&v[..])) };
        Ok(Array::from_parts(
            Arc::new(Buffer::from_bytes(bytes)),
            T::DTYPE,
            shape.to_vec(),
            c_strides(shape),
            0,
        ))
    }

    /// A Fortran-order (column-major) array of `shape` from `v`, which lists
    /// the elements with the first index varying fastest.
    ///
    /// ```
    /// # use lazyfuse::Array;
    /// let f = Array::from_shape_vec_f(&[2, 3], vec![1i32, 4, 2, 5, 3, 6])?;
    /// assert!(f.is_f_contiguous());
    /// assert_eq!(f.to_vec::<i32>()?, vec![1, 2, 3, 4, 5, 6]);
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn from_shape_vec_f<T: Element>(shape: &[usize], v: Vec<T>) -> Result<Array> {
        let rev: Vec<usize> = shape.iter().rev().copied().collect();
        Ok(Array::from_shape_vec(&rev, v)?.t())
    }

    /// A view of this array's buffer with an explicit layout (NumPy's
    /// `as_strided`, but checked): `strides` and `offset` in elements,
    /// relative to the buffer start. Overlapping layouts are allowed (they
    /// read like broadcasts); anything outside the buffer is an `Err`.
    ///
    /// ```
    /// # use lazyfuse::Array;
    /// let a = Array::from_vec((0..6).collect::<Vec<i64>>());
    /// let w = a.as_strided(&[4, 3], &[1, 1], 0)?;   // sliding windows of 3
    /// assert_eq!(w.to_vec::<i64>()?[..6], [0, 1, 2, 1, 2, 3]);
    /// assert!(a.as_strided(&[4, 3], &[1, 2], 0).is_err());
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn as_strided(&self, shape: &[usize], strides: &[isize], offset: isize) -> Result<Array> {
        if shape.len() != strides.len() {
            return shape_err!("as_strided: {} dimensions but {} strides", shape.len(), strides.len());
        }
        layout::checked_bytes(shape, self.dtype.size())?;
        let v = Array {
            buf: self.buf.clone(),
            dtype: self.dtype,
            shape: shape.to_vec(),
            strides: strides.to_vec(),
            offset,
        };
        let elems = (self.buf.len() / self.dtype.size()) as isize;
        let fits = v.shape.contains(&0) && (0..=elems).contains(&offset)
            || {
                let span = |d: usize, s: isize| (d as isize - 1).checked_mul(s);
                let spans: Option<Vec<isize>> = v.shape.iter().zip(&v.strides).map(|(&d, &s)| span(d, s)).collect();
                spans.is_some_and(|sp| {
                let lo = sp.iter().filter(|&&x| x < 0).try_fold(offset, |a, &x| a.checked_add(x));
                let hi = sp.iter().filter(|&&x| x > 0).try_fold(offset, |a, &x| a.checked_add(x));
                matches!((lo, hi), (Some(lo), Some(hi)) if lo >= 0 && (hi as i128 + 1) * self.dtype.size() as i128 <= self.buf.len() as i128)
            })
            };
        if !fits {
            return shape_err!("as_strided: the layout reaches outside the array's buffer");
        }
        Ok(v)
    }

    /// An array over `buf` with an explicit layout: `strides` and `offset`
    /// in elements of `dtype`, relative to the buffer start. Checked as
    /// [`Array::as_strided`]: anything outside the buffer is an `Err`.
    ///
    /// ```
    /// use lazyfuse::{internals::array::Buffer, Array, DType};
    /// use std::sync::Arc;
    /// let buf = Arc::new(Buffer::from_bytes(&[1, 2, 3, 4]));
    /// let a = Array::from_buffer(buf.clone(), DType::U8, &[2], &[-1], 3)?;
    /// assert_eq!(a.to_vec::<u8>()?, vec![4, 3]);
    /// assert!(Array::from_buffer(buf, DType::U16, &[3], &[1], 0).is_err());
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    #[doc(hidden)]
    pub fn from_buffer(
        buf: Arc<Buffer>,
        dtype: DType,
        shape: &[usize],
        strides: &[isize],
        offset: isize,
    ) -> Result<Array> {
        let base = Array {
            buf,
            dtype,
            shape: vec![0],
            strides: vec![1],
            offset: 0,
        };
        let a = base.as_strided(shape, strides, offset)?;
        // A bool must be 0 or 1 (a `&[bool]` of other bytes is undefined
        // behaviour); the bytes came from elsewhere, so check them.
        if dtype == DType::Bool {
            let mut bad = false;
            let p = a.buf.as_ptr() as *const u8;
            layout::for_each_offset(&a.shape, &a.strides, a.offset, |o| {
                // SAFETY: every offset of the checked layout is in bounds.
                bad |= unsafe { p.offset(o).read() } > 1;
            });
            if bad {
                return type_err!("from_buffer: bool data must be 0 or 1");
            }
        }
        Ok(a)
    }

    /// Values `start, start+step, …` below `stop` (NumPy's `arange`), cast
    /// to `dtype`.
    ///
    /// ```
    /// # use lazyfuse::{Array, DType};
    /// let a = Array::arange(DType::I32, 0.0, 5.0, 2.0)?;
    /// assert_eq!(a.to_vec::<i32>()?, vec![0, 2, 4]);
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn arange(dtype: DType, start: f64, stop: f64, step: f64) -> Result<Array> {
        if step == 0.0 || !step.is_finite() || !start.is_finite() || !stop.is_finite() {
            return shape_err!("arange needs finite bounds and a non-zero step");
        }
        let len = ((stop - start) / step).ceil().max(0.0);
        if len > 1e12 {
            return shape_err!("arange of {len} elements is too large");
        }
        let len = len as usize;
        let mut a = Array::try_zeros(dtype, &[len])?;
        for i in 0..len {
            a.write_scalar(i as isize, Scalar::F64(start + i as f64 * step).cast(dtype));
        }
        Ok(a)
    }

    /// `num` evenly spaced f64 values from `start` to `stop` inclusive
    /// (NumPy's `linspace` with `endpoint=True`, same rounding).
    /// `Err` when `num` values do not fit in memory.
    ///
    /// ```
    /// # use lazyfuse::Array;
    /// assert_eq!(Array::linspace(0.0, 1.0, 5)?.to_vec::<f64>()?, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
    /// assert!(Array::linspace(0.0, 1.0, usize::MAX).is_err());
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn linspace(start: f64, stop: f64, num: usize) -> Result<Array> {
        let mut a = Array::try_zeros(DType::F64, &[num])?;
        let div = num.saturating_sub(1).max(1) as f64;
        let step = (stop - start) / div;
        let out = a.as_slice_mut::<f64>()?;
        for (i, v) in out.iter_mut().enumerate() {
            *v = if num > 1 && i == num - 1 {
                stop
            } else if step == 0.0 {
                (i as f64 / div) * (stop - start) + start
            } else {
                i as f64 * step + start
            };
        }
        Ok(a)
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

    // ---------------------------------------------------------------- views

    fn view(&self, shape: Vec<usize>, strides: Vec<isize>, offset: isize) -> Array {
        Array::from_parts(self.buf.clone(), self.dtype, shape, strides, offset)
    }

    /// The sub-array at `index` along `axis` (one dimension fewer), a view.
    pub fn index_axis(&self, axis: usize, index: usize) -> Result<Array> {
        if axis >= self.ndim() {
            return shape_err!("axis {axis} is out of bounds for array of dimension {}", self.ndim());
        }
        let mut ix = vec![Index::FULL; axis];
        ix.push(Index::At(isize::try_from(index).unwrap_or(isize::MAX)));
        self.slice(&ix)
    }

    /// Basic NumPy indexing (`a[1:5:2, ::-1, None, 3]`), a view.
    ///
    /// ```
    /// # use lazyfuse::{Array, Index};
    /// let a = Array::from_vec((0..10).collect::<Vec<i64>>());
    /// let r = a.slice(&[Index::Slice { start: None, stop: None, step: -3 }])?;
    /// assert_eq!(r.to_vec::<i64>()?, vec![9, 6, 3, 0]);
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn slice(&self, index: &[Index]) -> Result<Array> {
        let ix = layout::apply_index(&self.shape, &self.strides, index)?;
        Ok(self.view(ix.shape, ix.strides, self.offset + ix.offset))
    }

    /// The transpose (axes reversed), a view.
    pub fn t(&self) -> Array {
        let mut shape = self.shape.clone();
        let mut strides = self.strides.clone();
        shape.reverse();
        strides.reverse();
        self.view(shape, strides, self.offset)
    }

    /// Axes permuted: axis `i` of the result is axis `axes[i]` of `self`.
    pub fn permute(&self, axes: &[usize]) -> Result<Array> {
        layout::check_permutation(axes, self.ndim())?;
        Ok(self.view(
            axes.iter().map(|&a| self.shape[a]).collect(),
            axes.iter().map(|&a| self.strides[a]).collect(),
            self.offset,
        ))
    }

    /// A read-only broadcast view (stride 0 along stretched axes).
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Array> {
        layout::checked_bytes(shape, self.dtype.size())?;
        match layout::broadcast_strides(&self.shape, &self.strides, shape) {
            Some(st) => Ok(self.view(shape.to_vec(), st, self.offset)),
            None => shape_err!(
                "cannot broadcast shape {} to {}",
                shape_str(&self.shape),
                shape_str(shape)
            ),
        }
    }

    /// A new shape: a view when the strides allow it, else a C-order copy.
    /// One dimension may be given as `usize::MAX` to infer it.
    pub fn reshape(&self, shape: &[usize]) -> Result<Array> {
        if shape.iter().any(|&d| d != usize::MAX && d > isize::MAX as usize) {
            return shape_err!(
                "cannot reshape array of size {} into shape {}",
                self.len(),
                shape_str(shape)
            );
        }
        let req: Vec<isize> = shape
            .iter()
            .map(|&d| if d == usize::MAX { -1 } else { d as isize })
            .collect();
        let shape = layout::resolve_reshape(self.len(), &req)?;
        layout::checked_bytes(&shape, self.dtype.size())?;
        match layout::reshape_strides(&self.shape, &self.strides, &shape) {
            Some(st) => Ok(self.view(shape, st, self.offset)),
            None => {
                let c = self.try_to_contiguous()?;
                Ok(c.view(shape.clone(), c_strides(&shape), 0))
            }
        }
    }

    /// Whether [`Array::reshape`] to `shape` would be a view.
    pub fn can_reshape_view(&self, shape: &[usize]) -> bool {
        layout::reshape_strides(&self.shape, &self.strides, shape).is_some()
    }

    /// Length-1 axes removed, a view.
    pub fn squeeze(&self) -> Array {
        let (shape, strides) = self
            .shape
            .iter()
            .zip(&self.strides)
            .filter(|(&d, _)| d != 1)
            .map(|(&d, &s)| (d, s))
            .unzip();
        self.view(shape, strides, self.offset)
    }

    /// A new length-1 axis at position `axis` (`0..=ndim`), a view.
    pub fn insert_axis(&self, axis: usize) -> Result<Array> {
        if axis > self.ndim() {
            return shape_err!(
                "axis {axis} is out of bounds for inserting into {} dimensions",
                self.ndim()
            );
        }
        let mut shape = self.shape.clone();
        let mut strides = self.strides.clone();
        shape.insert(axis, 1);
        strides.insert(axis, 0);
        Ok(self.view(shape, strides, self.offset))
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
mod tests {
    use super::*;

    #[test]
    fn views_share_memory() {
        let a = Array::from_shape_vec(&[3, 4], (0..12).map(|x| x as f64).collect()).unwrap();
        for v in [
            a.t(),
            a.index_axis(0, 1).unwrap(),
            a.slice(&[
                Index::range(0, 3, 2),
                Index::Slice {
                    start: None,
                    stop: None,
                    step: -1,
                },
            ])
            .unwrap(),
            a.broadcast_to(&[2, 3, 4]).unwrap(),
            a.reshape(&[4, 3]).unwrap(),
            a.insert_axis(0).unwrap().squeeze(),
            a.permute(&[1, 0]).unwrap(),
        ] {
            assert!(v.shares_memory(&a));
        }
        let s = a
            .slice(&[
                Index::range(0, 3, 2),
                Index::Slice {
                    start: None,
                    stop: None,
                    step: -1,
                },
            ])
            .unwrap();
        assert_eq!(
            s.to_vec::<f64>().unwrap(),
            vec![3.0, 2.0, 1.0, 0.0, 11.0, 10.0, 9.0, 8.0]
        );
        // Writing through a clone copies first: the base keeps its values.
        let mut b = a.clone();
        b.as_slice_mut::<f64>().unwrap()[1] = 100.0;
        assert_eq!(a.t().get(&[1, 0]).unwrap(), Scalar::F64(1.0));
        assert_eq!(b.t().get(&[1, 0]).unwrap(), Scalar::F64(100.0));
        // A transposed array reshaped to 1-D is a copy.
        let r = a.t().reshape(&[12]).unwrap();
        assert!(!r.shares_memory(&a));
        assert_eq!(r.to_vec::<f64>().unwrap()[..3], [0.0, 4.0, 8.0]);
    }

    #[test]
    fn linspace_matches_numpy() {
        // np.linspace(0, 1, 7)
        let v = Array::linspace(0.0, 1.0, 7).unwrap().to_vec::<f64>().unwrap();
        assert_eq!(v[1].to_bits(), (1.0f64 / 6.0).to_bits());
        assert_eq!(v[6], 1.0);
    }
}
