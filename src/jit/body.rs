//! One iteration of the innermost loop: each instruction of the body, in
//! order, dispatched by op to memory access (`mem.rs`), accumulators
//! (`reduce.rs`), constant division (`divide.rs`), and vector or scalar op
//! lowering (`vector.rs`, `scalar.rs`); an op with no vector lowering is
//! computed lane by lane (`Cg::lanewise`).
//!
//! Invariant: values are computed in body order, each once per unroll slot;
//! a vector value of a narrower dtype occupies the low lanes only.

use super::divide::const_divisor;
use super::types::cl_ty;
use super::{Cg, Mode};
use crate::array::DType;
use crate::expr::BinaryOp;
use crate::loops::{LOp, LoopFunc};
use cranelift_codegen::ir::{InstBuilder, Value};

impl Cg<'_> {
    /// The innermost-level instructions at index `idx`; `state` holds this
    /// slot's row-mode accumulators and is updated.
    pub(super) fn body(&mut self, mode: Mode, ptrs: &[Value], idx: Value, state: &mut [Value]) {
        if let Some(k) = self.phase {
            return self.body_phase(k, ptrs, idx);
        }
        let mut vals = if mode == Mode::Vector {
            self.vv.clone()
        } else {
            self.sv.clone()
        };
        for v in 0..self.f.body.len() {
            if self.f.body[v].level != self.n {
                continue;
            }
            match self.f.body[v].op {
                LOp::ArgAccum { v: a, i, .. } => {
                    let x = (vals[a].expect("operand computed"), vals[i].expect("index computed"));
                    self.arg_accum(mode, v, x, ptrs, idx, state);
                    vals[v] = Some(x.0);
                }
                LOp::Accum(_, _, a) => {
                    let x = vals[a].expect("operand computed");
                    self.accum(mode, v, x, ptrs, idx, state);
                    vals[v] = Some(x);
                }
                _ => {
                    let r = self.inst(mode, v, &mut vals, ptrs, Some(idx));
                    vals[v] = Some(r);
                }
            }
        }
    }

    /// Instruction `v` (not an accumulator) in `mode`, its operands in
    /// `vals`; `idx` is the innermost index (`None` for hoisted values).
    pub(super) fn inst(
        &mut self,
        mode: Mode,
        v: usize,
        vals: &mut [Option<Value>],
        ptrs: &[Value],
        idx: Option<Value>,
    ) -> Value {
        let inst = &self.f.body[v];
        let ty = inst.ty;
        let arg = |a: usize| vals[a].expect("operand computed");
        match inst.op {
            LOp::Load(p) => self.load(mode, p, ty, ptrs, idx),
            LOp::Index(p) => self.index(mode, p, ptrs, idx),
            LOp::Store(p, a) => {
                let x = arg(a);
                self.store(mode, p, ty, x, ptrs, idx);
                x
            }
            LOp::Const(c) => {
                let s = match ty {
                    DType::F64 => self.b.ins().f64const(f64::from_bits(c.bits())),
                    DType::F32 => self.b.ins().f32const(f32::from_bits(c.bits() as u32)),
                    d => self.b.ins().iconst(cl_ty(d), c.bits() as i64),
                };
                if mode == Mode::Vector {
                    self.splat(ty, s)
                } else {
                    s
                }
            }
            LOp::Binary(bop @ (BinaryOp::FloorDiv | BinaryOp::Mod | BinaryOp::Fmod), x, y)
                if const_divisor(&self.f.body[y]).is_some() =>
            {
                let d = const_divisor(&self.f.body[y]).expect("checked");
                self.const_div_lanes(mode, bop, ty, self.f.body[x].ty, arg(x), d)
            }
            ref op => {
                let args: Vec<Value> = LoopFunc::args(op).iter().map(|&a| arg(a)).collect();
                let arg_tys: Vec<DType> = LoopFunc::args(op).iter().map(|&a| self.f.body[a].ty).collect();
                let op = op.clone();
                if mode == Mode::Vector {
                    if let Some(r) = self.vector_op(&op, ty, &arg_tys, &args) {
                        return r;
                    }
                    return self.lanewise(&op, ty, &arg_tys, &args);
                }
                self.scalar_op(&op, ty, &arg_tys, &args)
            }
        }
    }
}
