//! Memory access: addresses, loads, stores, gathers and scatters.
//!
//! A unit-stride operand computes `base + idx * size` once per iteration
//! and reaches its unroll slots and lanes by displacement (x86-64 folds it
//! into the addressing mode); other strides multiply. Unit-stride operands
//! are loaded and stored as whole vectors; other strides are gathered and
//! scattered lane by lane. A partial vector (mixed widths) is loaded and
//! stored as one `lanes * size`-byte scalar. Bools are 0/1 bytes in memory
//! and lane masks in registers.
//!
//! Invariant: no access reaches past an array, and none traps: every load
//! and store is `notrap`, never `aligned`.

use super::types::{cl_ty, VECTOR_BITS};
use super::{Cg, Mode};
use crate::array::DType;
use crate::loops::StrideClass;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, MemFlagsData, Value};

/// Flags of every kernel load and store: the runtime guarantees the
/// address is valid; alignment is never assumed.
pub(super) fn mem() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

impl Cg<'_> {
    /// Address of param `p` at innermost index `idx` plus the unroll
    /// slot's offset and `lane` elements, as a base and a displacement: a
    /// unit-stride operand computes `base + idx * size` once per
    /// iteration and reaches its unroll slots and lanes by displacement,
    /// which x86-64 folds into the load's addressing mode.
    pub(super) fn addr(&mut self, p: usize, ptrs: &[Value], idx: Option<Value>, lane: usize) -> (Value, i32) {
        let base = ptrs[p];
        let d = self.n - 1;
        let Some(idx) = idx else { return (base, 0) };
        let size = self.f.params[p].dtype.size() as i64;
        let at = self.slot_off + lane;
        match (StrideClass::of(self.f.params[p].strides[d]), self.args.strides[p][d]) {
            (StrideClass::Zero, _) | (StrideClass::Other, None) => (base, 0),
            (StrideClass::Unit, _) => {
                let off = self.b.ins().imul_imm_s(idx, size);
                (self.b.ins().iadd(base, off), (at as i64 * size) as i32)
            }
            (StrideClass::Other, Some(s)) => {
                let i = if at == 0 {
                    idx
                } else {
                    self.b.ins().iadd_imm_s(idx, at as i64)
                };
                let off = self.b.ins().imul(i, s);
                (self.b.ins().iadd(base, off), 0)
            }
        }
    }

    /// Param `p` (dtype `ty`) at innermost index `idx` (`None`: its
    /// pointer as is, for hoisted loads).
    pub(super) fn load(&mut self, mode: Mode, p: usize, ty: DType, ptrs: &[Value], idx: Option<Value>) -> Value {
        let class = StrideClass::of(self.f.params[p].strides[self.n - 1]);
        if mode == Mode::Scalar || idx.is_none() {
            let (a, at) = self.addr(p, ptrs, idx, 0);
            return self.b.ins().load(cl_ty(ty), mem(), a, at);
        }
        let vt = self.vty(ty);
        let raw = if class == StrideClass::Unit && self.partial(ty) {
            // Exactly `lanes` elements, as one scalar, into the low lanes.
            let (a, at) = self.addr(p, ptrs, idx, 0);
            let ct = self.chunk_ty(ty);
            let c = self.b.ins().load(ct, mem(), a, at);
            let (c, rt) = if ct.bits() < 32 {
                (self.b.ins().uextend(types::I32, c), types::I32X4)
            } else {
                (c, ct.by(VECTOR_BITS / ct.bits()).expect("lanes"))
            };
            let v = self.b.ins().scalar_to_vector(rt, c);
            self.vcast(vt, v)
        } else if class == StrideClass::Unit {
            let (a, at) = self.addr(p, ptrs, idx, 0);
            self.b.ins().load(vt, mem(), a, at)
        } else {
            let lt = vt;
            let mut acc = None;
            for j in 0..self.lanes {
                let (a, at) = self.addr(p, ptrs, idx, j);
                let s = self.b.ins().load(cl_ty(ty), mem(), a, at);
                acc = Some(match acc {
                    None => self.b.ins().splat(lt, s),
                    Some(x) => self.b.ins().insertlane(x, s, j as u8),
                });
            }
            acc.expect("lanes")
        };
        if ty == DType::Bool {
            // 0/1 bytes → lane masks (lanes are bytes: vectorize allows
            // bool memory only with 16 lanes).
            debug_assert_eq!(vt, types::I8X16);
            let z = self.b.ins().iconst(types::I8, 0);
            let z = self.b.ins().splat(types::I8X16, z);
            return self.b.ins().icmp(IntCC::NotEqual, raw, z);
        }
        raw
    }

    /// Stores `x` (dtype `ty`) to param `p` at innermost index `idx`.
    pub(super) fn store(&mut self, mode: Mode, p: usize, ty: DType, x: Value, ptrs: &[Value], idx: Option<Value>) {
        let class = StrideClass::of(self.f.params[p].strides[self.n - 1]);
        if mode == Mode::Scalar {
            let (a, at) = self.addr(p, ptrs, idx, 0);
            self.b.ins().store(mem(), x, a, at);
            return;
        }
        let x = if ty == DType::Bool {
            let one = self.b.ins().iconst(types::I8, 1);
            let one = self.b.ins().splat(types::I8X16, one);
            self.b.ins().band(x, one)
        } else {
            x
        };
        if class == StrideClass::Unit && self.partial(ty) {
            let (a, at) = self.addr(p, ptrs, idx, 0);
            let ct = self.chunk_ty(ty);
            let v = self.vcast(ct.by(VECTOR_BITS / ct.bits()).expect("lanes"), x);
            let c = self.b.ins().extractlane(v, 0);
            self.b.ins().store(mem(), c, a, at);
        } else if class == StrideClass::Unit {
            let (a, at) = self.addr(p, ptrs, idx, 0);
            self.b.ins().store(mem(), x, a, at);
        } else {
            for j in 0..self.lanes {
                let (a, at) = self.addr(p, ptrs, idx, j);
                let s = self.b.ins().extractlane(x, j as u8);
                self.b.ins().store(mem(), s, a, at);
            }
        }
    }

    /// The `index` value of param `p` at `idx`: the param's "address" is
    /// 8 × the index (it is bound to no buffer and never dereferenced).
    pub(super) fn index(&mut self, mode: Mode, p: usize, ptrs: &[Value], idx: Option<Value>) -> Value {
        // The param's "address" is 8 × the index (it is bound to
        // no buffer and never dereferenced).
        let lanes = if mode == Mode::Vector { self.lanes } else { 1 };
        let inner = StrideClass::of(self.f.params[p].strides[self.n - 1]);
        if lanes == 2 && idx.is_some() && inner == StrideClass::Unit {
            // Consecutive indices: splat(first) + [0, 1].
            let (a, at) = self.addr(p, ptrs, idx, 0);
            let a = self.b.ins().iadd_imm_s(a, at as i64);
            let first = self.b.ins().sshr_imm_u(a, 3);
            let s = self.b.ins().splat(types::I64X2, first);
            let c = self
                .b
                .func
                .dfg
                .constants
                .insert([0u8, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0].to_vec().into());
            let step = self.b.ins().vconst(types::I64X2, c);
            return self.b.ins().iadd(s, step);
        }
        let mut acc = None;
        for j in 0..lanes {
            let (a, at) = self.addr(p, ptrs, idx, j);
            let a = self.b.ins().iadd_imm_s(a, at as i64);
            let x = self.b.ins().sshr_imm_u(a, 3);
            acc = Some(match (acc, mode) {
                (_, Mode::Scalar) => x,
                (None, _) => self.b.ins().splat(types::I64X2, x),
                (Some(v), _) => self.b.ins().insertlane(v, x, j as u8),
            });
        }
        acc.expect("lanes")
    }
}
