//! Making arrays: zero-filled and filled ones, from vectors and scalars,
//! from raw buffers with explicit strides (`from_buffer`, `as_strided`,
//! checked to stay inside the buffer), `arange` and `linspace` with
//! NumPy's arithmetic.
//!
//! Invariant: every constructor checks the byte size and the layout;
//! an impossible one is an `Err` (or, for the infallible `zeros`/`full`,
//! a documented panic), never an array reaching outside its buffer.

use super::*;

impl Array {
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
}
