//! Views: `index_axis`, `slice`, `t`, `permute`, `broadcast_to`,
//! `reshape` (a view where NumPy's `_attempt_nocopy_reshape` finds one),
//! `squeeze` and `insert_axis`.
//!
//! Invariant: a view shares the buffer and only changes shape, strides and
//! offset; no data is copied here except by `reshape` when no view exists.

use super::*;

impl Array {
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
