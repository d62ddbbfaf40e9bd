//! `lower`: a fused [`Kernel`] plus concrete operand layouts → [`LoopFunc`].
//!
//! Requires a kernel from [`crate::fuse`] and, for each value it reads or
//! writes, its element strides and offset. Guarantees a verified loop nest
//! with the kernel's shape as dims (a 0-d kernel gets one loop of extent 1),
//! one param per distinct (value, access map), every instruction innermost
//! (no pass run yet). Returns, per param, what the runtime binds to it.
//! Tests: `ir/lower/*.ir`.

use super::{Inst, LOp, LoopFunc, Param};
use crate::expr::BinaryOp;
use crate::fuse::{Affine, KOp, Kernel, Program, Val};

/// What the runtime passes for one param: the value's buffer, moved by
/// `offset` elements (the element at iteration point zero).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    /// The value read or written.
    pub val: Val,
    /// Element offset of iteration point zero from the value's buffer start
    /// (for an index param: the index at iteration point zero).
    pub offset: isize,
    /// An index param (`LOp::Index`): no buffer; `val` is unused.
    pub index: bool,
}

/// Lowers kernel `k` of `p`. `layout(v)` gives a value's element strides
/// and offset (as stored in its array).
pub fn lower(
    p: &Program,
    k: &Kernel,
    name: &str,
    layout: &dyn Fn(Val) -> (Vec<isize>, isize),
) -> (LoopFunc, Vec<Binding>) {
    let rank = k.shape.len();
    let n = rank.max(1);
    let dims = if rank == 0 { vec![1] } else { k.shape.clone() };
    let mut params: Vec<Param> = vec![];
    let mut binds: Vec<Binding> = vec![];
    let mut keys: Vec<(Val, Affine)> = vec![];
    let mut body: Vec<Inst> = vec![];
    let pname = |v: Val, params: &[Param]| -> String {
        let base = match v {
            Val::Input(i) => p.inputs[i as usize].0.clone(),
            Val::Tmp(u32::MAX) => "index".to_string(),
            Val::Tmp(t) => format!("t{t}"),
        };
        let mut name = base.clone();
        let mut j = 0;
        while params.iter().any(|q| q.name == name) {
            j += 1;
            name = format!("{base}.{j}");
        }
        name
    };
    let strides_of = |v: Val, map: &Affine| -> (Vec<isize>, isize) {
        let (st, off) = layout(v);
        let (mut s, o) = map.layout(&st, off, rank);
        if rank == 0 {
            s = vec![0];
        }
        (s, o)
    };
    for inst in &k.body {
        let op = match &inst.op {
            KOp::Load { src, map } => {
                let pos = keys.iter().position(|(v, m)| v == src && m == map);
                let pi = match pos {
                    Some(pi) => pi,
                    None => {
                        let (strides, offset) = strides_of(*src, map);
                        params.push(Param {
                            name: pname(*src, &params),
                            dtype: inst.dtype,
                            output: false,
                            strides,
                        });
                        binds.push(Binding {
                            val: *src,
                            offset,
                            index: false,
                        });
                        keys.push((*src, map.clone()));
                        params.len() - 1
                    }
                };
                LOp::Load(pi)
            }
            KOp::Const(c) => LOp::Const(*c),
            KOp::Unary(u, a) => LOp::Unary(*u, *a),
            KOp::Binary(b, x, y) => LOp::Binary(*b, *x, *y),
            KOp::Where(c, x, y) => LOp::Select(*c, *x, *y),
            KOp::Cast(a) => LOp::Cast(*a),
            KOp::Index(map) => {
                let row = &map.rows[0];
                let strides = if rank == 0 { vec![0] } else { row.coef.clone() };
                params.push(Param {
                    name: pname(Val::Tmp(u32::MAX), &params),
                    dtype: inst.dtype,
                    output: false,
                    strides,
                });
                binds.push(Binding {
                    val: Val::Tmp(u32::MAX),
                    offset: row.off,
                    index: true,
                });
                LOp::Index(params.len() - 1)
            }
        };
        body.push(Inst {
            op,
            ty: inst.dtype,
            level: n,
        });
    }
    for &(t, v) in &k.stores {
        let src = Val::Tmp(t);
        let (strides, offset) = strides_of(src, &Affine::identity(rank));
        params.push(Param {
            name: pname(src, &params),
            dtype: k.body[v].dtype,
            output: true,
            strides,
        });
        binds.push(Binding {
            val: src,
            offset,
            index: false,
        });
        body.push(Inst {
            op: LOp::Store(params.len() - 1, v),
            ty: k.body[v].dtype,
            level: n,
        });
    }
    for r in &k.reds {
        if r.op.single_axis() {
            // argmin/argmax: the index result and the best value.
            let (vt, iv) = r.aux.expect("argmin/argmax have an aux");
            let mut ps = [0usize; 2];
            for (j, (t, dtype)) in [(r.tmp, crate::array::DType::I64), (vt, k.body[r.val].dtype)]
                .into_iter()
                .enumerate()
            {
                let src = Val::Tmp(t);
                let map = r.out_map(rank, p.tmps[t as usize].1.len());
                let (strides, offset) = strides_of(src, &map);
                params.push(Param {
                    name: pname(src, &params),
                    dtype,
                    output: true,
                    strides,
                });
                binds.push(Binding {
                    val: src,
                    offset,
                    index: false,
                });
                ps[j] = params.len() - 1;
            }
            body.push(Inst {
                op: LOp::ArgAccum {
                    min: r.op == crate::expr::ReduceOp::ArgMin,
                    index_out: ps[0],
                    value_out: ps[1],
                    v: r.val,
                    i: iv,
                },
                ty: k.body[r.val].dtype,
                level: n,
            });
            continue;
        }
        let mut accs = vec![(r.tmp, r.fold_op(), r.val)];
        if let Some((t, v)) = r.aux {
            accs.push((t, BinaryOp::Add, v));
        }
        for (t, op, v) in accs {
            let src = Val::Tmp(t);
            let out_rank = p.tmps[t as usize].1.len();
            let map = r.out_map(rank, out_rank);
            let (strides, offset) = strides_of(src, &map);
            params.push(Param {
                name: pname(src, &params),
                dtype: k.body[v].dtype,
                output: true,
                strides,
            });
            binds.push(Binding {
                val: src,
                offset,
                index: false,
            });
            body.push(Inst {
                op: LOp::Accum(params.len() - 1, op, v),
                ty: k.body[v].dtype,
                level: n,
            });
        }
    }
    (
        LoopFunc {
            sched: super::Sched::default(),
            name: name.to_string(),
            params,
            dims,
            body,
            vector: 1,
            unroll: 1,
        },
        binds,
    )
}
