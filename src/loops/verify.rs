//! `verify`: checks a [`LoopFunc`]'s invariants.
//!
//! Requires nothing; guarantees, when it returns `Ok`: at least one loop;
//! every param has one stride per loop; operands are defined earlier and
//! are not stores; types follow the op table ([`crate::expr::ops`]); loads
//! read inputs and stores write outputs, each output exactly once; levels
//! are consistent (an instruction is computed no earlier than its operands,
//! a load no earlier than the innermost loop that moves its pointer, stores
//! innermost); the code-generation decisions (`sched`) are ones the passes
//! could have made: outlining per `Outline::check`, `interleave` only
//! where slots touch different elements, `fma_sums` within the register
//! sums. Run by the parser and between passes in debug builds.

use super::{LOp, LoopFunc};
use crate::array::DType;
use crate::error::{Error, Result};
use crate::expr::ops::{binary_types, unary_types};
use crate::expr::BinaryOp;

/// Checks the invariants listed in the module docs.
pub fn verify(f: &LoopFunc) -> Result<()> {
    let bad = |m: String| Err(Error::Parse(format!("invalid loop @{}: {m}", f.name)));
    let n = f.ndims();
    if n == 0 {
        return bad("no loops".into());
    }
    if !matches!(f.vector, 1 | 2 | 4 | 8 | 16) || f.unroll == 0 || f.unroll > 16 {
        return bad(format!("vector {} unroll {}", f.vector, f.unroll));
    }
    for p in &f.params {
        if p.strides.len() != n {
            return bad(format!("%{} has {} strides for {n} loops", p.name, p.strides.len()));
        }
    }
    let mut stored = vec![0; f.params.len()];
    for (v, i) in f.body.iter().enumerate() {
        let args = LoopFunc::args(&i.op);
        for &a in &args {
            if a >= v || matches!(f.body[a].op, LOp::Store(..)) {
                return bad(format!("v{v} uses v{a} before it is defined"));
            }
            if f.body[a].level > i.level {
                return bad(format!("v{v} is computed outside its operand v{a}"));
            }
        }
        if i.level > n {
            return bad(format!("v{v} has level {} > {n}", i.level));
        }
        let ty = |a: usize| f.body[a].ty;
        let ok = match &i.op {
            LOp::Load(p) => {
                let p = f.params.get(*p);
                match p {
                    Some(p) if !p.output => {
                        let need = p.strides.iter().rposition(|&s| s != 0).map_or(0, |d| d + 1);
                        if i.level < need {
                            return bad(format!("load v{v} hoisted out of a loop that moves it"));
                        }
                        p.dtype == i.ty
                    }
                    _ => return bad(format!("v{v} loads from an output or unknown param")),
                }
            }
            LOp::Store(p, a) => {
                match f.params.get(*p) {
                    Some(q) if q.output => stored[*p] += 1,
                    _ => return bad(format!("store to an input or unknown param at v{v}")),
                }
                if i.level != n {
                    return bad("stores are innermost".into());
                }
                f.params[*p].dtype == ty(*a) && i.ty == ty(*a)
            }
            LOp::Accum(p, b, a) => {
                match f.params.get(*p) {
                    Some(q) if q.output => stored[*p] += 1,
                    _ => return bad(format!("accum into an input or unknown param at v{v}")),
                }
                if i.level != n {
                    return bad("accumulations are innermost".into());
                }
                let folds = matches!(
                    b,
                    BinaryOp::Add
                        | BinaryOp::Mul
                        | BinaryOp::Minimum
                        | BinaryOp::Maximum
                        | BinaryOp::LogicalOr
                        | BinaryOp::LogicalAnd
                );
                folds && f.params[*p].dtype == ty(*a) && i.ty == ty(*a)
            }
            LOp::Index(p) => match f.params.get(*p) {
                Some(q) if !q.output => {
                    let need = q.strides.iter().rposition(|&s| s != 0).map_or(0, |d| d + 1);
                    if i.level < need {
                        return bad(format!("index v{v} hoisted out of a loop that moves it"));
                    }
                    q.dtype == DType::I64 && i.ty == DType::I64
                }
                _ => return bad(format!("v{v} indexes an output or unknown param")),
            },
            LOp::ArgAccum {
                index_out,
                value_out,
                v: a,
                i: x,
                ..
            } => {
                for p in [*index_out, *value_out] {
                    match f.params.get(p) {
                        Some(q) if q.output => stored[p] += 1,
                        _ => return bad(format!("accum into an input or unknown param at v{v}")),
                    }
                }
                if i.level != n || index_out == value_out {
                    return bad("argmin/argmax accumulations are innermost, into two params".into());
                }
                f.params[*index_out].dtype == DType::I64
                    && ty(*x) == DType::I64
                    && f.params[*value_out].dtype == ty(*a)
                    && i.ty == ty(*a)
            }
            LOp::Const(c) => c.dtype() == i.ty,
            LOp::Unary(u, a) => unary_types(*u, ty(*a)).ok() == Some((ty(*a), i.ty)),
            LOp::Binary(b, x, y) => ty(*x) == ty(*y) && binary_types(*b, ty(*x)).ok() == Some((ty(*x), i.ty)),
            LOp::Select(c, x, y) => ty(*c) == DType::Bool && ty(*x) == i.ty && ty(*y) == i.ty,
            LOp::Cast(_) => true,
        };
        if !ok {
            return bad(format!("v{v} is ill-typed"));
        }
    }
    for (p, &c) in f.params.iter().zip(&stored) {
        if p.output && c != 1 {
            return bad(format!("output %{} is stored {c} times", p.name));
        }
    }
    if let Some(o) = &f.sched.outline {
        o.check(f).or_else(bad)?;
    }
    if f.sched.interleave && !super::interleave::eligible(f) {
        return bad("interleave on a loop whose slots may touch the same elements".into());
    }
    let sums = super::balance_pipes::register_sums(f);
    if f.sched.fma_sums > f.unroll * sums {
        return bad(format!("fma_sums {} > unroll × {sums} register sums", f.sched.fma_sums));
    }
    Ok(())
}
