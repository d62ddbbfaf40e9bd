//! Shape and stride arithmetic shared by arrays, the expression front end and
//! the graph's type rules: broadcasting, basic indexing, reshape-as-view.
//!
//! Strides and offsets are in elements, not bytes.

use crate::error::{shape_err, Result};
use std::fmt;

/// One entry of a basic NumPy index: `3`, `1:5:2`, `None`, `...`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Index {
    /// An integer index (negative counts from the end); removes the axis.
    At(isize),
    /// `start:stop:step` with Python semantics; `step != 0`.
    Slice {
        /// First index (default: start or end, by the sign of `step`).
        start: Option<isize>,
        /// One past the last (default: end or before-start).
        stop: Option<isize>,
        /// Step, negative walks backwards.
        step: isize,
    },
    /// `None` / `np.newaxis`: inserts an axis of length 1.
    NewAxis,
    /// `...`: as many full slices as needed.
    Ellipsis,
}

impl Index {
    /// The full slice `:`.
    pub const FULL: Index = Index::Slice {
        start: None,
        stop: None,
        step: 1,
    };

    /// `start:stop:step` with explicit bounds.
    pub fn range(start: isize, stop: isize, step: isize) -> Index {
        Index::Slice {
            start: Some(start),
            stop: Some(stop),
            step,
        }
    }
}

impl fmt::Display for Index {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Index::At(i) => write!(f, "{i}"),
            Index::NewAxis => f.write_str("None"),
            Index::Ellipsis => f.write_str("..."),
            Index::Slice { start, stop, step } => {
                if let Some(s) = start {
                    write!(f, "{s}")?;
                }
                f.write_str(":")?;
                if let Some(s) = stop {
                    write!(f, "{s}")?;
                }
                if step != 1 {
                    write!(f, ":{step}")?;
                }
                Ok(())
            }
        }
    }
}

/// Writes `[a, b, c]`.
pub fn fmt_list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, xs: &[T]) -> fmt::Result {
    f.write_str("[")?;
    for (i, x) in xs.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{x}")?;
    }
    f.write_str("]")
}

/// `"[2, 3]"`.
pub fn shape_str(s: &[usize]) -> String {
    let v: Vec<String> = s.iter().map(|d| d.to_string()).collect();
    format!("[{}]", v.join(", "))
}

/// Number of elements of a shape (checked).
pub fn numel(shape: &[usize]) -> Result<usize> {
    shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .map_or_else(|| shape_err!("shape {} has too many elements", shape_str(shape)), Ok)
}

/// C-order (row-major) strides in elements.
pub fn c_strides(shape: &[usize]) -> Vec<isize> {
    let mut s = vec![0isize; shape.len()];
    let mut acc = 1isize;
    for i in (0..shape.len()).rev() {
        s[i] = acc;
        acc = acc.wrapping_mul(shape[i].max(1) as isize);
    }
    s
}

/// Fortran-order (column-major) strides in elements.
pub fn f_strides(shape: &[usize]) -> Vec<isize> {
    let mut s = vec![0isize; shape.len()];
    let mut acc = 1isize;
    for i in 0..shape.len() {
        s[i] = acc;
        acc = acc.wrapping_mul(shape[i].max(1) as isize);
    }
    s
}

/// NumPy broadcasting of two shapes.
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let da = if i + a.len() >= n { a[i + a.len() - n] } else { 1 };
        let db = if i + b.len() >= n { b[i + b.len() - n] } else { 1 };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        };
    }
    Some(out)
}

/// Strides that read an array of `shape`/`strides` as if broadcast to `to`
/// (0 along stretched axes), or `None` if it does not broadcast.
pub fn broadcast_strides(shape: &[usize], strides: &[isize], to: &[usize]) -> Option<Vec<isize>> {
    if shape.len() > to.len() {
        return None;
    }
    let lead = to.len() - shape.len();
    let mut out = vec![0isize; to.len()];
    for (i, &d) in shape.iter().enumerate() {
        let t = to[lead + i];
        if d == t {
            out[lead + i] = if d == 1 { 0 } else { strides[i] };
        } else if d == 1 {
            out[lead + i] = 0;
        } else {
            return None;
        }
    }
    Some(out)
}

/// Normalises an axis (negative counts from the end) against `ndim`.
pub fn norm_axis(axis: isize, ndim: usize) -> Result<usize> {
    let n = ndim as isize;
    if axis < -n || axis >= n {
        return shape_err!("axis {axis} is out of bounds for array of dimension {ndim}");
    }
    Ok(if axis < 0 { (axis + n) as usize } else { axis as usize })
}

/// Checks that `axes` is a permutation of `0..ndim`.
pub fn check_permutation(axes: &[usize], ndim: usize) -> Result<()> {
    let mut seen = vec![false; ndim];
    if axes.len() != ndim {
        return shape_err!("axes don't match array: {} axes for {ndim} dimensions", axes.len());
    }
    for &a in axes {
        if a >= ndim || seen[a] {
            return shape_err!("axes {:?} are not a permutation of 0..{ndim}", axes);
        }
        seen[a] = true;
    }
    Ok(())
}

/// The result of basic indexing: shape, strides and the offset change.
pub struct Indexed {
    /// New shape.
    pub shape: Vec<usize>,
    /// New strides (elements).
    pub strides: Vec<isize>,
    /// Offset to add to the base offset (elements; may be negative).
    pub offset: isize,
}

/// Python slice normalisation (`slice.indices`): returns (start, len).
/// Computed in `i128`, so steps and bounds up to `isize::MAX` and down to
/// `isize::MIN` cannot wrap (`a[::isize::MIN]` is `[a[-1]]`, as in Python).
fn slice_indices(start: Option<isize>, stop: Option<isize>, step: isize, n: usize) -> (isize, usize) {
    let n = n as i128;
    let step = step as i128;
    let (lo, hi) = if step > 0 { (0, n) } else { (-1, n - 1) };
    let clamp = |v: Option<isize>, default: i128| -> i128 {
        match v.map(|v| v as i128) {
            None => default,
            Some(v) if v < 0 => (v + n).max(lo),
            Some(v) => v.min(hi),
        }
    };
    let s = clamp(start, if step > 0 { 0 } else { n - 1 });
    let e = clamp(stop, if step > 0 { n } else { -1 });
    let len = if step > 0 {
        if e > s {
            (e - s + step - 1) / step
        } else {
            0
        }
    } else if s > e {
        (s - e - step - 1) / (-step)
    } else {
        0
    };
    // 0 <= len <= n, and s is in [-1, n]: both fit.
    (s as isize, len as usize)
}

/// Applies a basic index to a layout.
pub fn apply_index(shape: &[usize], strides: &[isize], index: &[Index]) -> Result<Indexed> {
    let consumed = index
        .iter()
        .filter(|i| matches!(i, Index::At(_) | Index::Slice { .. }))
        .count();
    let ellipses = index.iter().filter(|i| matches!(i, Index::Ellipsis)).count();
    if ellipses > 1 {
        return shape_err!("an index can only have a single ellipsis ('...')");
    }
    if consumed > shape.len() {
        return shape_err!(
            "too many indices for array: array is {}-dimensional, but {} were indexed",
            shape.len(),
            consumed
        );
    }
    let mut out = Indexed {
        shape: vec![],
        strides: vec![],
        offset: 0,
    };
    let mut axis = 0usize;
    let fill = shape.len() - consumed;
    let mut expanded: Vec<Index> = Vec::with_capacity(index.len() + fill);
    for &ix in index {
        if ix == Index::Ellipsis {
            expanded.extend(std::iter::repeat_n(Index::FULL, fill));
        } else {
            expanded.push(ix);
        }
    }
    if ellipses == 0 {
        expanded.extend(std::iter::repeat_n(Index::FULL, fill));
    }
    for ix in expanded {
        match ix {
            Index::NewAxis => {
                out.shape.push(1);
                out.strides.push(0);
            }
            Index::At(i) => {
                let n = shape[axis] as i128;
                let j = if i < 0 { i as i128 + n } else { i as i128 };
                if j < 0 || j >= n {
                    return shape_err!("index {i} is out of bounds for axis {axis} with size {n}");
                }
                out.offset = offset_add(out.offset, j as isize, strides[axis])?;
                axis += 1;
            }
            Index::Slice { start, stop, step } => {
                if step == 0 {
                    return shape_err!("slice step cannot be zero");
                }
                let (s, len) = slice_indices(start, stop, step, shape[axis]);
                if len > 0 {
                    out.offset = offset_add(out.offset, s, strides[axis])?;
                }
                // With at most one element the stride is never used: keep
                // the axis' own, so a huge step cannot overflow it.
                let stride = if len <= 1 {
                    strides[axis]
                } else {
                    strides[axis].checked_mul(step).ok_or_else(too_large)?
                };
                out.shape.push(len);
                out.strides.push(stride);
                axis += 1;
            }
            Index::Ellipsis => unreachable!("expanded above"),
        }
    }
    // An empty view reads nothing: it keeps its parent's offset, which a
    // huge axis beside a zero-length one (`[2^62, 0][::-1]`) would otherwise
    // push far outside the buffer (and overflow byte offsets).
    if out.shape.contains(&0) {
        out.offset = 0;
    }
    Ok(out)
}

/// `offset + i * stride`, checked.
fn offset_add(offset: isize, i: isize, stride: isize) -> Result<isize> {
    i.checked_mul(stride)
        .and_then(|d| offset.checked_add(d))
        .ok_or_else(too_large)
}

fn too_large() -> crate::error::Error {
    crate::error::Error::Shape("array is too big: its offsets overflow".into())
}

/// Bytes of an array of `shape` with `itemsize`-byte elements, or an `Err`
/// when the element count or the byte size does not fit in `isize` (NumPy:
/// "array is too big"). Every shape an array, a view, a graph value or a
/// kernel launch is made with passes this check, so element counts, byte
/// sizes and in-bounds offsets never overflow afterwards.
pub fn checked_bytes(shape: &[usize], itemsize: usize) -> Result<usize> {
    let n = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    match n.and_then(|n| n.checked_mul(itemsize)) {
        Some(b) if b <= isize::MAX as usize => Ok(b),
        _ => shape_err!(
            "array is too big: shape {} of {itemsize}-byte elements has more than {} bytes",
            shape_str(shape),
            isize::MAX
        ),
    }
}

/// Whether two elements of a layout may share an address (a broadcast, or
/// an `as_strided` window). Conservative: `false` proves the elements are
/// distinct (axes sorted by |stride|, each stride exceeds the span of the
/// axes inside it); some exotic interleaved layouts whose elements are in
/// fact distinct also report `true`. A destination that may overlap itself
/// is refused for writing by kernels: threads would race on its elements.
pub fn may_self_overlap(shape: &[usize], strides: &[isize]) -> bool {
    if shape.contains(&0) {
        return false;
    }
    let mut axes: Vec<(u128, u128)> = shape
        .iter()
        .zip(strides)
        .filter(|(&d, _)| d > 1)
        .map(|(&d, &s)| (s.unsigned_abs() as u128, d as u128))
        .collect();
    axes.sort_unstable();
    let mut span: u128 = 0; // offsets reachable by the inner axes: 0..=span
    for (s, d) in axes {
        if s <= span {
            return true;
        }
        span = span.saturating_add(s.saturating_mul(d - 1));
    }
    false
}

/// Strides for viewing `shape`/`strides` as `new_shape` without a copy, if
/// possible (NumPy's `_attempt_nocopy_reshape`, C order).
pub fn reshape_strides(shape: &[usize], strides: &[isize], new_shape: &[usize]) -> Option<Vec<isize>> {
    let size: usize = shape.iter().product();
    if size == 0 || size == 1 {
        // Any layout works; use C strides.
        return Some(c_strides(new_shape));
    }
    // Drop length-1 axes of the old layout: they constrain nothing.
    let (os, ot): (Vec<usize>, Vec<isize>) = shape
        .iter()
        .zip(strides)
        .filter(|(&d, _)| d != 1)
        .map(|(&d, &s)| (d, s))
        .unzip();
    let mut nt = vec![0isize; new_shape.len()];
    let (mut oi, mut oj, mut ni, mut nj) = (0usize, 1usize, 0usize, 1usize);
    let (on, nn) = (os.len(), new_shape.len());
    while ni < nn && oi < on {
        let mut np = new_shape[ni];
        let mut op = os[oi];
        while np != op {
            if np < op {
                np *= new_shape[nj];
                nj += 1;
            } else {
                op *= os[oj];
                oj += 1;
            }
        }
        // The old axes oi..oj must be contiguous among themselves (C order).
        for ok in oi..oj - 1 {
            if ot[ok] != os[ok + 1] as isize * ot[ok + 1] {
                return None;
            }
        }
        nt[nj - 1] = ot[oj - 1];
        for nk in (ni + 1..nj).rev() {
            nt[nk - 1] = nt[nk] * new_shape[nk] as isize;
        }
        ni = nj;
        nj += 1;
        oi = oj;
        oj += 1;
    }
    // Trailing length-1 axes of the new shape.
    for t in nt.iter_mut().skip(ni) {
        *t = 1;
    }
    Some(nt)
}

/// Resolves one `-1` in a requested shape against a total size.
pub fn resolve_reshape(size: usize, req: &[isize]) -> Result<Vec<usize>> {
    let mut unknown = None;
    let mut known = 1usize;
    for (i, &d) in req.iter().enumerate() {
        if d == -1 {
            if unknown.replace(i).is_some() {
                return shape_err!("can only specify one unknown dimension");
            }
        } else if d < 0 {
            return shape_err!("negative dimension {d} in reshape");
        } else {
            known = known.saturating_mul(d as usize);
        }
    }
    let mut out: Vec<usize> = req.iter().map(|&d| d.max(0) as usize).collect();
    if let Some(i) = unknown {
        if known == 0 || !size.is_multiple_of(known) {
            return shape_err!("cannot reshape array of size {size} into shape {:?}", req);
        }
        out[i] = size / known;
    } else if known != size {
        return shape_err!("cannot reshape array of size {size} into shape {}", shape_str(&out));
    }
    Ok(out)
}

/// Calls `f` with the element offset of every element of a layout, in
/// logical C order.
pub fn for_each_offset(shape: &[usize], strides: &[isize], offset: isize, mut f: impl FnMut(isize)) {
    if shape.contains(&0) {
        return;
    }
    let nd = shape.len();
    let mut idx = vec![0usize; nd];
    let mut off = offset;
    loop {
        f(off);
        let mut ax = nd;
        loop {
            if ax == 0 {
                return;
            }
            ax -= 1;
            idx[ax] += 1;
            // Wrapping: a length-1 axis may carry any stride; stepping past
            // it and back is exact modulo 2^64, and every offset passed to
            // `f` is a real element's.
            off = off.wrapping_add(strides[ax]);
            if idx[ax] < shape[ax] {
                break;
            }
            off = off.wrapping_sub(strides[ax].wrapping_mul(shape[ax] as isize));
            idx[ax] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_follow_python() {
        assert_eq!(slice_indices(None, None, -1, 5), (4, 5));
        assert_eq!(slice_indices(Some(1), Some(-1), 3, 10), (1, 3));
        assert_eq!(slice_indices(Some(10), None, 1, 5), (5, 0));
        assert_eq!(slice_indices(None, Some(-10), -2, 5), (4, 3));
        assert_eq!(slice_indices(Some(-100), Some(100), 1, 5), (0, 5));
        // Huge steps do not wrap (NumPy: a[::M] == [0.], a[::-M-1] == [4.], a[1::M] == [1.]).
        assert_eq!(slice_indices(None, None, isize::MAX, 5), (0, 1));
        assert_eq!(slice_indices(None, None, isize::MIN, 5), (4, 1));
        assert_eq!(slice_indices(Some(1), None, isize::MAX, 5), (1, 1));
        assert_eq!(
            slice_indices(Some(isize::MIN), Some(isize::MAX), isize::MIN, 5),
            (-1, 0)
        );
        assert_eq!(slice_indices(Some(isize::MAX), Some(isize::MIN), isize::MIN, 5), (4, 1));
    }

    #[test]
    fn self_overlap() {
        assert!(!may_self_overlap(&[3, 4], &[4, 1]));
        assert!(!may_self_overlap(&[3, 4], &[1, 3]));
        assert!(!may_self_overlap(&[3, 4], &[-4, -1]));
        assert!(!may_self_overlap(&[1, 4], &[0, 1]));
        assert!(!may_self_overlap(&[0, 4], &[0, 0]));
        assert!(may_self_overlap(&[4, 3], &[1, 1]));
        assert!(may_self_overlap(&[4], &[0]));
        assert!(may_self_overlap(&[2, 2, 2], &[4, 2, 3]));
    }

    #[test]
    fn reshape_views() {
        assert_eq!(reshape_strides(&[2, 3], &[3, 1], &[6]), Some(vec![1]));
        assert_eq!(reshape_strides(&[2, 3], &[1, 2], &[6]), None);
        assert_eq!(reshape_strides(&[4, 6], &[12, 2], &[4, 2, 3]), Some(vec![12, 6, 2]));
        assert_eq!(reshape_strides(&[6], &[-1], &[2, 3]), Some(vec![-3, -1]));
    }
}
