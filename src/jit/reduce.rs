//! Reductions: accumulators and how their partial results combine.
//!
//! A row-mode accumulator (its param does not move along the innermost
//! loop) lives in registers there and is folded into memory once per
//! innermost loop (`acc_flush`); a column-mode one loads, folds and stores
//! with the data. Float sums are blocked and compensated (`RAcc`: NumPy's
//! pairwise shape, whole blocks joined by Knuth's TwoSum); `argmin` /
//! `argmax` carry (value, index) pairs combined by NumPy's rule
//! (`arg_combine`). The `balance-pipes` loop pass's `fma_sums` float-sum
//! additions per iteration are done as `fma(x, 1, P)` on the multiply-add
//! pipes (`accum`).
//!
//! Invariant: every combination order is fixed (slots, then lanes, in
//! order), so results do not depend on the schedule; up to one block a
//! float sum equals NumPy's bit for bit.

use super::mem::mem;
use super::types::{cl_ty, VECTOR_BYTES};
use super::{Cg, Mode};
use crate::array::DType;
use crate::expr::BinaryOp;
use crate::loops::{LOp, LoopFunc};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{self, types, InstBuilder, Value};

/// A row-mode accumulator: its param does not move in the innermost loop,
/// so it lives in registers there (`unroll` vectors of partial results)
/// and is folded into memory once per innermost loop.
///
/// **Float sums** follow NumPy's `pairwise_sum` shape and then improve on
/// it: `unroll × lanes` (8 when possible) interleaved plain partial sums
/// over blocks of [`SUM_BLOCK`] iterations (NumPy's 128-element block);
/// after each whole block its partials are added pairwise into one block
/// sum, which joins a compensated pair `(S, C)` (Knuth's TwoSum, exact
/// error; two loop-carried scalars). The last, partial block's lanes are
/// combined pairwise in NumPy's order, the remainder continues
/// sequentially from there, and that joins `(S, C)` last. Up to one block
/// this is NumPy's result bit for bit; beyond, the error is about
/// `(16 + 3) ε Σ|x|`, independent of `n` (NumPy: `(16 + log2(n/128)) ε
/// Σ|x|`).
#[derive(Clone, Copy)]
pub(super) struct RAcc {
    /// The `accum` instruction.
    pub(super) v: usize,
    pub(super) p: usize,
    pub(super) op: BinaryOp,
    pub(super) ty: DType,
    pub(super) kahan: bool,
    /// Where the main loop leaves its registers (not float sums): `unroll`
    /// accumulators, written when the main loop ends. Keeps the vector
    /// registers dead after the main loop.
    pub(super) slot: Option<ir::StackSlot>,
    /// `argmin`/`argmax`: (`min`, the value param, the index value); the
    /// state is the pair (best value, its index), `p` the index param.
    pub(super) arg: Option<(bool, usize, usize)>,
}

impl RAcc {
    /// Loop-carried values per slot: the accumulator (for a float sum, the
    /// block's plain partial sum; its compensated pair `(S, C)` is carried
    /// by the loop over blocks).
    pub(super) fn width(&self) -> usize {
        if self.arg.is_some() {
            2
        } else {
            1
        }
    }
}

/// Main-loop iterations per block of a float sum: each of the `unroll ×
/// lanes` plain partial sums adds this many values before it is folded
/// into its compensated pair (NumPy's pairwise block: 8 accumulators × 16).
pub(super) const SUM_BLOCK: i64 = 16;

/// The row-mode accumulators of `f`, in body order: those whose param
/// does not move along the innermost loop.
pub(super) fn row_accumulators(f: &LoopFunc) -> Vec<RAcc> {
    let n = f.ndims();
    f.body
        .iter()
        .enumerate()
        .filter_map(|(v, i)| match i.op {
            LOp::Accum(p, op, _) if f.params[p].strides[n - 1] == 0 => Some(RAcc {
                v,
                p,
                op,
                ty: i.ty,
                kahan: op == BinaryOp::Add && i.ty.is_float(),
                slot: None,
                arg: None,
            }),
            LOp::ArgAccum {
                min,
                index_out,
                value_out,
                i: x,
                ..
            } if f.params[index_out].strides[n - 1] == 0 => Some(RAcc {
                v,
                p: index_out,
                op: BinaryOp::Minimum,
                ty: i.ty,
                kahan: false,
                slot: None,
                arg: Some((min, value_out, x)),
            }),
            _ => None,
        })
        .collect()
}

impl Cg<'_> {
    /// Identity values of the row-mode accumulators (plus zero
    /// compensations), for one slot.
    pub(super) fn acc_init(&mut self, mode: Mode) -> Vec<Value> {
        let mut out = vec![];
        for r in self.raccs.clone() {
            if let Some((min, _, _)) = r.arg {
                // Index -1: no element taken yet. The value starts at the
                // extreme no element can beat (an element equal to it is
                // not taken; if none is ever taken, every element equals
                // it and the runtime answers index 0).
                let v = self.identity(if min { BinaryOp::Minimum } else { BinaryOp::Maximum }, r.ty);
                let i = self.iconst(types::I64, -1);
                if mode == Mode::Vector {
                    let (v, i) = (self.splat(r.ty, v), self.b.ins().splat(types::I64X2, i));
                    out.extend([v, i]);
                } else {
                    out.extend([v, i]);
                }
                continue;
            }
            let s = self.identity(r.op, r.ty);
            let x = if mode == Mode::Vector { self.splat(r.ty, s) } else { s };
            out.push(x);
        }
        out
    }

    /// Offset of row accumulator `k`'s state within a slot's state.
    pub(super) fn racc_off(&self, k: usize) -> usize {
        self.raccs[..k].iter().map(RAcc::width).sum()
    }

    /// NumPy's `argmin`/`argmax` rule on two (value, index) pairs, index -1
    /// meaning none: the better value; among equal values, or among NaNs
    /// (which beat numbers), the smaller index. Associative and
    /// commutative, so slots, chunks and memory combine in any order.
    pub(super) fn arg_combine(&mut self, min: bool, ty: DType, a: (Value, Value), b: (Value, Value)) -> (Value, Value) {
        let ((v1, i1), (v2, i2)) = (a, b);
        let none1 = self.b.ins().icmp_imm_s(IntCC::Equal, i1, -1);
        let some2 = self.b.ins().icmp_imm_s(IntCC::NotEqual, i2, -1);
        let ilt = self.b.ins().icmp(IntCC::SignedLessThan, i2, i1);
        let better2 = if ty.is_float() {
            let n1 = self.b.ins().fcmp(FloatCC::Unordered, v1, v1);
            let n2 = self.b.ins().fcmp(FloatCC::Unordered, v2, v2);
            let cc = if min { FloatCC::LessThan } else { FloatCC::GreaterThan };
            let lt = self.b.ins().fcmp(cc, v2, v1);
            let eq = self.b.ins().fcmp(FloatCC::Equal, v2, v1);
            // n2 & (!n1 | ilt)  |  !n1 & !n2 & (lt | eq & ilt)
            let not_n1 = self.b.ins().bxor_imm_s(n1, 1);
            let not_n2 = self.b.ins().bxor_imm_s(n2, 1);
            let a1 = self.b.ins().bor(not_n1, ilt);
            let nan_side = self.b.ins().band(n2, a1);
            let eq_ilt = self.b.ins().band(eq, ilt);
            let num = self.b.ins().bor(lt, eq_ilt);
            let both = self.b.ins().band(not_n1, not_n2);
            let num_side = self.b.ins().band(both, num);
            self.b.ins().bor(nan_side, num_side)
        } else {
            let signed = ty.is_signed_int();
            let cc = match (min, signed) {
                (true, true) => IntCC::SignedLessThan,
                (true, false) => IntCC::UnsignedLessThan,
                (false, true) => IntCC::SignedGreaterThan,
                (false, false) => IntCC::UnsignedGreaterThan,
            };
            let lt = self.b.ins().icmp(cc, v2, v1);
            let eq = self.b.ins().icmp(IntCC::Equal, v2, v1);
            let eq_ilt = self.b.ins().band(eq, ilt);
            self.b.ins().bor(lt, eq_ilt)
        };
        let t = self.b.ins().band(some2, better2);
        let take2 = self.b.ins().bor(none1, t);
        let v = self.b.ins().select(take2, v2, v1);
        let i = self.b.ins().select(take2, i2, i1);
        (v, i)
    }

    /// The scalar identity of folding with `op` in dtype `t`.
    pub(super) fn identity(&mut self, op: BinaryOp, t: DType) -> Value {
        use BinaryOp::*;
        if t.is_float() {
            let v = match op {
                Add => 0.0,
                Mul => 1.0,
                Minimum => f64::INFINITY,
                _ => f64::NEG_INFINITY,
            };
            return self.fconst(t, v);
        }
        let ct = cl_ty(t);
        let bits = ct.bits();
        // Immediates are zero-extended bit patterns of the lane type.
        let mask = u64::MAX >> (64 - bits);
        let v: u64 = match (op, t) {
            (Add | LogicalOr, _) => 0,
            (Mul | LogicalAnd, _) => 1,
            (Minimum, DType::Bool) => 1,
            (Maximum, DType::Bool) => 0,
            (Minimum, _) if t.is_signed_int() => mask >> 1,
            (Minimum, _) => mask,
            (_, _) if t.is_signed_int() => 1 << (bits - 1),
            _ => 0,
        };
        self.iconst(ct, v as i64)
    }

    /// `op(a, x)` in `mode`.
    pub(super) fn fold(&mut self, mode: Mode, op: BinaryOp, ty: DType, a: Value, x: Value) -> Value {
        let lop = LOp::Binary(op, 0, 0);
        let tys = [ty, ty];
        if mode == Mode::Vector {
            if let Some(r) = self.vector_op(&lop, ty, &tys, &[a, x]) {
                return r;
            }
            return self.lanewise(&lop, ty, &tys, &[a, x]);
        }
        self.scalar_op(&lop, ty, &tys, &[a, x])
    }

    /// One compensated step (Knuth's TwoSum): `s` stays the plain sum and
    /// `c` collects the exact rounding error of every addition, whatever
    /// the magnitudes (`1e300 + 5 - 1e300` keeps the 5). `c` never feeds
    /// back into `s`, so `inf` and NaN in `s` behave as in a plain sum.
    pub(super) fn kahan(&mut self, _mode: Mode, _ty: DType, s: Value, c: Value, x: Value) -> (Value, Value) {
        let t = self.b.ins().fadd(s, x);
        let z = self.b.ins().fsub(t, s);
        let tz = self.b.ins().fsub(t, z);
        let a = self.b.ins().fsub(s, tz);
        let bz = self.b.ins().fsub(x, z);
        let e = self.b.ins().fadd(a, bz);
        let c1 = self.b.ins().fadd(c, e);
        (t, c1)
    }

    /// `s + c`, or `s` when that is NaN (a non-finite sum makes `c` NaN).
    pub(super) fn compensated(&mut self, s: Value, c: Value) -> Value {
        let r = self.b.ins().fadd(s, c);
        let uno = self.b.ins().fcmp(FloatCC::Unordered, r, r);
        self.b.ins().select(uno, s, r)
    }

    /// Moves the main loop's registers to the stack slots (float sums keep
    /// theirs: they are combined right after the loop).
    pub(super) fn spill_state(&mut self, state: &[Value]) {
        let w: usize = self.raccs.iter().map(RAcc::width).sum();
        let mut off = 0;
        for r in self.raccs.clone() {
            if let Some(ss) = r.slot {
                for u in 0..self.f.unroll {
                    self.b
                        .ins()
                        .stack_store(types::I64, state[u * w + off], ss, (u * VECTOR_BYTES) as i32);
                }
            }
            off += r.width();
        }
    }

    /// The pairwise sum of a float sum's partials (slot by slot, lane by
    /// lane: NumPy's accumulator order), combined as NumPy combines its
    /// eight accumulators: `((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))`.
    pub(super) fn lane_tree(&mut self, mode: Mode, parts: &[Value]) -> Value {
        let mut vals = vec![];
        for &p in parts {
            if mode == Mode::Vector {
                for j in 0..self.lanes {
                    vals.push(self.b.ins().extractlane(p, j as u8));
                }
            } else {
                vals.push(p);
            }
        }
        self.tree(vals)
    }

    /// A whole block's sum: its partials added pairwise as vectors, then
    /// the lanes (any fixed order will do beyond NumPy's first block).
    pub(super) fn block_sum(&mut self, mode: Mode, parts: &[Value]) -> Value {
        let v = self.tree(parts.to_vec());
        if mode == Mode::Scalar {
            return v;
        }
        let lanes: Vec<Value> = (0..self.lanes).map(|j| self.b.ins().extractlane(v, j as u8)).collect();
        self.tree(lanes)
    }

    /// `vals` added pairwise: `((v0+v1)+(v2+v3))+…`.
    pub(super) fn tree(&mut self, mut vals: Vec<Value>) -> Value {
        while vals.len() > 1 {
            let mut next = vec![];
            for pair in vals.chunks(2) {
                next.push(match pair {
                    [a, b] => self.b.ins().fadd(*a, *b),
                    [a] => *a,
                    _ => unreachable!("chunks of two"),
                });
            }
            vals = next;
        }
        vals[0]
    }

    /// After the innermost loop: folds the registers of every row-mode
    /// accumulator (remainder first, then slot by slot, lane by lane — a
    /// fixed order) into its memory.
    pub(super) fn acc_flush(&mut self, mode: Mode, ptrs: &[Value], vstate: &[Value], sstate: &[Value]) {
        let mut off = 0;
        let mut kahan_k = 0;
        for r in self.raccs.clone() {
            if let Some((min, value_out, _)) = r.arg {
                // The remainder's pair, every slot's, then memory's.
                let w: usize = self.raccs.iter().map(RAcc::width).sum();
                let mut best = (sstate[off], sstate[off + 1]);
                for u in 0..self.f.unroll {
                    let (sv, si) = (vstate[u * w + off], vstate[u * w + off + 1]);
                    if mode == Mode::Vector {
                        for j in 0..self.lanes {
                            let lv = self.b.ins().extractlane(sv, j as u8);
                            let li = self.b.ins().extractlane(si, j as u8);
                            best = self.arg_combine(min, r.ty, best, (lv, li));
                        }
                    } else {
                        best = self.arg_combine(min, r.ty, best, (sv, si));
                    }
                }
                let (av, _) = self.addr(value_out, ptrs, None, 0);
                let (ai, _) = self.addr(r.p, ptrs, None, 0);
                let mv = self.b.ins().load(cl_ty(r.ty), mem(), av, 0);
                let mi = self.b.ins().load(types::I64, mem(), ai, 0);
                let (bv, bi) = self.arg_combine(min, r.ty, (mv, mi), best);
                self.b.ins().store(mem(), bv, av, 0);
                self.b.ins().store(mem(), bi, ai, 0);
                off += r.width();
                continue;
            }
            let mut total = sstate[off];
            if r.kahan {
                // Float sums: the last partial block and the remainder
                // (`total`) join the whole blocks' compensated pair.
                let (s, c) = self.sc[kahan_k];
                kahan_k += 1;
                let (t, c) = self.kahan(Mode::Scalar, r.ty, s, c, total);
                total = self.compensated(t, c);
            } else {
                // The remainder's result first, then slot by slot, lane by
                // lane: a fixed order.
                let ss = r.slot.expect("row accumulators have a slot");
                let vt = self.b.func.dfg.value_type(vstate[off]);
                let lanes = if mode == Mode::Vector { self.lanes } else { 1 };
                for u in 0..self.f.unroll {
                    let x = self.b.ins().stack_load(types::I64, vt, ss, (u * VECTOR_BYTES) as i32);
                    for j in 0..lanes {
                        let e = if mode == Mode::Vector {
                            let e = self.b.ins().extractlane(x, j as u8);
                            if r.ty == DType::Bool {
                                self.lane_to_bool(e)
                            } else {
                                e
                            }
                        } else {
                            x
                        };
                        total = self.fold(Mode::Scalar, r.op, r.ty, total, e);
                    }
                }
            }
            let (a, _) = self.addr(r.p, ptrs, None, 0);
            let m = self.b.ins().load(cl_ty(r.ty), mem(), a, 0);
            let m = self.fold(Mode::Scalar, r.op, r.ty, m, total);
            self.b.ins().store(mem(), m, a, 0);
            off += r.width();
        }
    }

    /// A stack slot for each row accumulator that is neither a float sum
    /// nor `argmin`/`argmax`: the main loop leaves its registers there.
    pub(super) fn acc_slots(&mut self) {
        for k in 0..self.raccs.len() {
            if !self.raccs[k].kahan && self.raccs[k].arg.is_none() {
                let size = (self.f.unroll * VECTOR_BYTES) as u32;
                let data = ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, size, 4);
                self.raccs[k].slot = Some(self.b.create_sized_stack_slot(data));
            }
        }
    }

    /// One `argmin`/`argmax` step of instruction `v` on the pair `x`
    /// (value, index): into this slot's registers (row mode) or into the
    /// pair in memory (column mode).
    pub(super) fn arg_accum(
        &mut self,
        mode: Mode,
        v: usize,
        x: (Value, Value),
        ptrs: &[Value],
        idx: Value,
        state: &mut [Value],
    ) {
        let LOp::ArgAccum {
            min,
            index_out,
            value_out,
            ..
        } = self.f.body[v].op
        else {
            unreachable!("an argmin/argmax accumulator")
        };
        let ty = self.f.body[v].ty;
        match self.raccs.iter().position(|r| r.v == v) {
            Some(k) => {
                // One element after earlier ones of this slot:
                // NumPy's loop, `x` replaces the best unless it is
                // not better or the best is NaN.
                let off = self.racc_off(k);
                let (v1, i1) = (state[off], state[off + 1]);
                let take = if ty.is_float() {
                    let cc = if min {
                        FloatCC::UnorderedOrLessThan
                    } else {
                        FloatCC::UnorderedOrGreaterThan
                    };
                    let better = self.b.ins().fcmp(cc, x.0, v1);
                    let ord = self.b.ins().fcmp(FloatCC::Ordered, v1, v1);
                    self.b.ins().band(better, ord)
                } else {
                    let cc = match (min, ty.is_signed_int()) {
                        (true, true) => IntCC::SignedLessThan,
                        (true, false) => IntCC::UnsignedLessThan,
                        (false, true) => IntCC::SignedGreaterThan,
                        (false, false) => IntCC::UnsignedGreaterThan,
                    };
                    self.b.ins().icmp(cc, x.0, v1)
                };
                if mode == Mode::Vector {
                    // 64-bit values: the mask fits the index lanes.
                    let vt = self.vty(ty);
                    let (mv, mi) = (self.vcast(vt, take), self.vcast(types::I64X2, take));
                    state[off] = self.b.ins().bitselect(mv, x.0, v1);
                    state[off + 1] = self.b.ins().bitselect(mi, x.1, i1);
                } else {
                    state[off] = self.b.ins().select(take, x.0, v1);
                    state[off + 1] = self.b.ins().select(take, x.1, i1);
                }
            }
            None => {
                // Column mode: the pair moves with the data.
                let mv = self.load(mode, value_out, ty, ptrs, Some(idx));
                let mi = self.load(mode, index_out, DType::I64, ptrs, Some(idx));
                let (bv, bi) = self.arg_combine(min, ty, (mv, mi), x);
                self.store(mode, value_out, ty, bv, ptrs, Some(idx));
                self.store(mode, index_out, DType::I64, bi, ptrs, Some(idx));
            }
        }
    }

    /// One accumulation step of instruction `v` with operand `x`: into
    /// this slot's registers (row mode) or into memory (column mode).
    pub(super) fn accum(&mut self, mode: Mode, v: usize, x: Value, ptrs: &[Value], idx: Value, state: &mut [Value]) {
        let LOp::Accum(p, op, _) = self.f.body[v].op else {
            unreachable!("an accumulator")
        };
        let ty = self.f.body[v].ty;
        let mut off = 0;
        let row = self.raccs.iter().find(|r| {
            let hit = r.v == v;
            if !hit {
                off += r.width();
            }
            hit
        });
        match row.copied() {
            // Float sums add into the block's plain partial `P`.
            Some(r) if r.kahan => {
                state[off] = if mode == Mode::Vector && self.fma_left > 0 {
                    // `x * 1 + P` rounds once, exactly as `P + x`:
                    // the same bits from the multiply-add pipes.
                    self.fma_left -= 1;
                    let one = self.vsplat_f(ty, 1.0);
                    self.b.ins().fma(x, one, state[off])
                } else {
                    self.b.ins().fadd(state[off], x)
                }
            }
            Some(r) => state[off] = self.fold(mode, r.op, ty, state[off], x),
            None => {
                // Column mode: the accumulator moves with the data.
                let m = self.load(mode, p, ty, ptrs, Some(idx));
                let r = self.fold(mode, op, ty, m, x);
                self.store(mode, p, ty, r, ptrs, Some(idx));
            }
        }
    }
}
