//! Reductions and views: `reduce` (axes normalised, NumPy's dtype rules
//! for each reduction), basic indexing, `index_axis`, transposes,
//! `broadcast_to`, `reshape`, `squeeze` and `insert_axis`.
//!
//! Invariant: these build op nodes only and touch no data; whether a view
//! (or a copying reshape) is materialized is decided by `fuse`.

use super::*;

impl Expr {
    /// A reduction over `axes` (`None`: all axes; negative axes count from
    /// the end).
    pub fn reduce(&self, op: ReduceOp, axes: Option<&[isize]>, keepdims: bool, ddof: u32) -> Expr {
        let ax = axes.map(<[isize]>::to_vec);
        defer_symbolic!([self], |a| a[0].reduce(op, ax.as_deref(), keepdims, ddof));
        let x = self.clone().strong();
        let nd = match x.shape() {
            Ok(s) => s.len(),
            Err(e) => return Expr::error(e),
        };
        // NumPy lets most reductions of a 0-d array name axis 0 (or -1):
        // nothing is reduced. mean/var/std refuse, as in NumPy.
        let zero_d_axis = nd == 0 && matches!(axes, Some([0]) | Some([-1]));
        let axes = if zero_d_axis && !matches!(op, ReduceOp::Mean | ReduceOp::Var | ReduceOp::Std) {
            None
        } else {
            axes
        };
        let axes: Vec<usize> = match axes {
            None if op.single_axis() => vec![],
            None => (0..nd).collect(),
            Some(ax) => {
                if op.single_axis() && ax.len() != 1 {
                    return Expr::error(Error::Shape(format!("{op} takes a single axis")));
                }
                let mut v = vec![];
                for &a in ax {
                    match layout::norm_axis(a, nd) {
                        Ok(a) if v.contains(&a) => {
                            return Expr::error(Error::Shape(format!("{op}: duplicate value in 'axis'")));
                        }
                        Ok(a) => v.push(a),
                        Err(e) => return Expr::error(e),
                    }
                }
                v.sort();
                v
            }
        };
        if op.single_axis() && keepdims && axes.is_empty() {
            // argmax(axis=None, keepdims=True) keeps every axis with length 1.
            let flat = Expr::op_unchecked(
                Op::Reshape(vec![x.shape().map(|s| s.iter().product()).unwrap_or(0)]),
                vec![x],
            );
            let r = Expr::op_unchecked(
                Op::Reduce {
                    op,
                    axes: vec![0],
                    keepdims: false,
                    ddof,
                },
                vec![flat],
            );
            return r.reshape(&vec![1; nd]);
        }
        Expr::op_unchecked(
            Op::Reduce {
                op,
                axes,
                keepdims,
                ddof,
            },
            vec![x],
        )
    }

    // ------------------------------------------------------------- views

    fn view(&self, op: Op) -> Expr {
        Expr::op_unchecked(op, vec![self.clone().strong()])
    }

    /// Basic indexing (`x[1:5:2, None, 3]`), a view.
    pub fn slice(&self, index: &[layout::Index]) -> Expr {
        let ix = index.to_vec();
        defer_symbolic!([self], |a| a[0].slice(&ix));
        self.view(Op::Index(index.to_vec()))
    }

    /// The sub-array at `index` along `axis`, a view.
    pub fn index_axis(&self, axis: usize, index: isize) -> Expr {
        defer_symbolic!([self], |a| a[0].index_axis(axis, index));
        match self.shape() {
            Ok(s) if axis < s.len() => {}
            Ok(s) => {
                return Expr::error(Error::Shape(format!(
                    "axis {axis} is out of bounds for array of dimension {}",
                    s.len()
                )))
            }
            Err(e) => return Expr::error(e),
        }
        let mut ix = vec![layout::Index::FULL; axis];
        ix.push(layout::Index::At(index));
        self.slice(&ix)
    }

    /// Transpose (axes reversed).
    pub fn t(&self) -> Expr {
        defer_symbolic!([self], |a| a[0].t());
        match self.shape() {
            Ok(s) => self.view(Op::Permute((0..s.len()).rev().collect())),
            Err(e) => Expr::error(e),
        }
    }

    /// Axis permutation.
    pub fn permute(&self, axes: &[usize]) -> Expr {
        let ax = axes.to_vec();
        defer_symbolic!([self], |a| a[0].permute(&ax));
        self.view(Op::Permute(axes.to_vec()))
    }

    /// Broadcast to a shape without copying.
    pub fn broadcast_to(&self, shape: &[usize]) -> Expr {
        let sh = shape.to_vec();
        defer_symbolic!([self], |a| a[0].broadcast_to(&sh));
        self.view(Op::Broadcast(shape.to_vec()))
    }

    /// Reshape (a view where possible; one dimension may be `usize::MAX`
    /// to infer it).
    pub fn reshape(&self, shape: &[usize]) -> Expr {
        let sh = shape.to_vec();
        defer_symbolic!([self], |a| a[0].reshape(&sh));
        let n = match self.shape() {
            Ok(s) => s.iter().product::<usize>(),
            Err(e) => return Expr::error(e),
        };
        if shape.iter().any(|&d| d != usize::MAX && d > isize::MAX as usize) {
            return Expr::error(Error::Shape(format!(
                "cannot reshape array of size {n} into shape {}",
                layout::shape_str(shape)
            )));
        }
        let req: Vec<isize> = shape
            .iter()
            .map(|&d| if d == usize::MAX { -1 } else { d as isize })
            .collect();
        match layout::resolve_reshape(n, &req) {
            Ok(s) => self.view(Op::Reshape(s)),
            Err(e) => Expr::error(e),
        }
    }

    /// Length-1 axes removed.
    pub fn squeeze(&self) -> Expr {
        defer_symbolic!([self], |a| a[0].squeeze());
        match self.shape() {
            Ok(s) => self.reshape(&s.iter().copied().filter(|&d| d != 1).collect::<Vec<_>>()),
            Err(e) => Expr::error(e),
        }
    }

    /// A new length-1 axis at `axis`.
    pub fn insert_axis(&self, axis: usize) -> Expr {
        defer_symbolic!([self], |a| a[0].insert_axis(axis));
        match self.shape() {
            Ok(s) if axis <= s.len() => {
                let mut ix = vec![layout::Index::FULL; axis];
                ix.push(layout::Index::NewAxis);
                self.slice(&ix)
            }
            Ok(s) => Expr::error(Error::Shape(format!(
                "axis {axis} is out of bounds for inserting into {} dimensions",
                s.len()
            ))),
            Err(e) => Expr::error(e),
        }
    }
}
