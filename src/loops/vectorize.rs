//! `vectorize`: chooses the vector width of the innermost loop.
//!
//! The JIT has 128-bit vectors only (Cranelift's x86-64 backend lowers no
//! wider vector types: [`VECTOR_BYTES`](super::VECTOR_BYTES) = 16), so the
//! width is `VECTOR_BYTES / W` lanes where `W` is the one element size every value of the
//! body shares. A bool produced by a comparison is a lane mask of its
//! operands' width; a loaded or stored bool is 1 byte wide. A body mixing
//! widths (an `f32` cast to `f64`) gets `VECTOR_BYTES / widest` lanes, narrower values
//! filling the low lanes of their registers, unless it has bools (then it
//! stays scalar, `vector 1`); so do loops shorter than one vector, bodies
//! with 64-bit integer floor division or modulo (no vector instructions:
//! lane by lane is slower than scalar), and `argmin`/`argmax` over values
//! that are not 64-bit (their index lanes would not match). (Bodies calling
//! libm stay vector: measured faster than scalar even with one call per
//! lane.)
//!
//! Requires a verified function. Guarantees `vector` is 1, 2, 4, 8 or 16 and
//! that the JIT can give every value a vector type of that many lanes (ops
//! without a vector lowering are computed lane by lane).
//! Tests: `ir/vectorize/*.ir`.

use super::{LOp, LoopFunc, VECTOR_BYTES};
use crate::array::DType;

/// The common element width of a body, or `None` if widths are mixed.
fn common_width(f: &LoopFunc) -> Option<usize> {
    // 0 = any width (bool constants).
    let mut w = vec![0usize; f.body.len()];
    let mut all = 0usize;
    let unify = |a: usize, b: usize| -> Option<usize> {
        match (a, b) {
            (0, x) | (x, 0) => Some(x),
            (x, y) if x == y => Some(x),
            _ => None,
        }
    };
    for (v, i) in f.body.iter().enumerate() {
        let args = LoopFunc::args(&i.op);
        let wi = match i.op {
            LOp::Load(_) => i.ty.size(),
            LOp::Const(_) if i.ty == DType::Bool => 0,
            LOp::Const(_) => i.ty.size(),
            LOp::Store(_, a) | LOp::Accum(_, _, a) if i.ty == DType::Bool => unify(w[a], 1)?,
            _ if i.ty == DType::Bool => {
                let mut x = 0;
                for &a in &args {
                    let aw = if f.body[a].ty == DType::Bool {
                        w[a]
                    } else {
                        f.body[a].ty.size()
                    };
                    x = unify(x, aw)?;
                }
                x
            }
            _ => {
                let mut x = i.ty.size();
                for &a in &args {
                    x = unify(x, w[a])?;
                }
                x
            }
        };
        w[v] = wi;
        all = unify(all, wi)?;
    }
    Some(if all == 0 { 1 } else { all })
}

/// The vector lanes the body allows: `VECTOR_BYTES / W` for one common
/// width `W`; with mixed widths and no bools, `VECTOR_BYTES / widest`
/// (narrower values use the
/// low lanes of their registers); 1 for mixed widths with bools (masks of
/// several widths are not supported).
pub fn vector_lanes(f: &LoopFunc) -> usize {
    if let Some(w) = common_width(f) {
        return VECTOR_BYTES / w;
    }
    if f.body.iter().any(|i| i.ty == DType::Bool) {
        return 1;
    }
    let widest = f.body.iter().map(|i| i.ty.size()).max().unwrap_or(1);
    VECTOR_BYTES / widest
}

/// Sets `f.vector` (see the module docs).
pub fn vectorize(f: &mut LoopFunc) {
    // `argmin`/`argmax` keep (value, index) pairs: vectorized when both are
    // 64-bit lanes (f64, i64, u64 values) and the pair stays in registers
    // (reduced along the innermost loop); otherwise scalar.
    let n = f.ndims();
    let arg = f
        .body
        .iter()
        .any(|i| matches!(i.op, LOp::ArgAccum { .. } | LOp::Index(_)));
    let arg_vector = f.body.iter().all(|i| match i.op {
        LOp::ArgAccum { index_out, .. } => i.ty.size() == 8 && f.params[index_out].strides[n - 1] == 0,
        _ => true,
    });
    // 64-bit integer floor division and modulo have no vector instructions
    // (the JIT would compute them lane by lane, extracting and inserting):
    // such a body runs faster scalar (int_mix: 1.13x -> 1.0x of the hand
    // loop).
    let int_div = f.body.iter().any(|i| {
        matches!(
            i.op,
            LOp::Binary(crate::expr::BinaryOp::FloorDiv | crate::expr::BinaryOp::Mod, ..)
        ) && i.ty.size() == 8
            && !i.ty.is_float()
    });
    let lanes = match (arg, if int_div { 1 } else { vector_lanes(f) }) {
        (false, l) => l,
        (true, 2) if arg_vector => 2,
        (true, _) => 1,
    };
    let inner = *f.dims.last().expect("a loop");
    f.vector = if inner >= lanes { lanes } else { 1 };
}
