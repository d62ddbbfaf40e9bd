//! The loop skeleton: the loop nest of a `LoopFunc` as Cranelift blocks.
//!
//! Loops nest as in the loop function; values hoisted to an outer level are
//! computed there (`hoisted`, and splatted once for vector code). The
//! innermost loop has an unrolled main loop (`lanes` per vector, `unroll`
//! vectors per iteration) and a scalar remainder loop; a float sum runs
//! whole blocks of `SUM_BLOCK` main-loop iterations first (`reduce.rs`), an
//! outlined kernel whole blocks of phases (`outline.rs`). The main loop is
//! rotated (one test and branch, at the bottom); pointers and bounds
//! computed by outer loops enter it as block params, because Cranelift
//! would otherwise rematerialise add-with-immediate inside it. Main-loop
//! bodies that `schedule.rs` may interleave are recorded in `Cg::sched`
//! with the unroll slot of each load and store.
//!
//! Invariant: this file decides block structure only; what one iteration
//! computes is `body.rs`, and no instruction is emitted here for an op.

use super::reduce::SUM_BLOCK;
use super::OUTLINED_KERNELS;
use super::{Cg, Mode};
use crate::loops::LOp;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, types, InstBuilder, Value};
use std::collections::HashMap;

/// Where a main loop stops.
#[derive(Clone, Copy)]
pub(super) enum Bound {
    /// At this index, reached after at least one iteration.
    Exactly(Value),
    /// Before an iteration would pass this index.
    Below(Value),
}

impl Cg<'_> {
    /// The whole kernel, after the entry block (`abi::entry`): decides
    /// outlining and pipe balancing, then emits the loop nest from level 0.
    pub(super) fn build(&mut self) {
        self.acc_slots();
        self.outline = self.plan_outline();
        self.fma_per_iter = self.f.sched.fma_sums;
        if self.outline.is_some() {
            OUTLINED_KERNELS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        self.stream_decision();
        let ptrs = self.args.ptrs.clone();
        self.hoisted(0, &ptrs);
        self.emit_loop(0, ptrs);
        self.stream_fence();
        self.b.ins().return_(&[]);
    }

    /// Computes the values of `level` (< n) with pointers `ptrs`.
    pub(super) fn hoisted(&mut self, level: usize, ptrs: &[Value]) {
        for v in 0..self.f.body.len() {
            if self.f.body[v].level != level || matches!(self.f.body[v].op, LOp::Store(..) | LOp::Accum(..)) {
                continue;
            }
            let mut vals = self.sv.clone();
            let s = self.inst(Mode::Scalar, v, &mut vals, ptrs, None);
            self.sv[v] = Some(s);
            if self.lanes > 1 {
                let ty = self.f.body[v].ty;
                let sp = self.splat(ty, s);
                self.vv[v] = Some(sp);
            }
        }
    }

    /// The index range of loop `d`: `[start, end)` for the outermost,
    /// `[0, dims[d])` for the others.
    pub(super) fn range(&mut self, d: usize) -> (Value, Value) {
        if d == 0 {
            (self.args.start, self.args.end)
        } else {
            let z = self.iconst(types::I64, 0);
            (z, self.args.dims[d])
        }
    }

    /// Loop `d` and everything inside it, with pointers `ptrs` at its
    /// first iteration.
    pub(super) fn emit_loop(&mut self, d: usize, ptrs: Vec<Value>) {
        let (lo, hi) = self.range(d);
        if d + 1 == self.n {
            return self.emit_inner(ptrs, lo, hi);
        }
        let head = self.b.create_block();
        let body = self.b.create_block();
        let exit = self.b.create_block();
        let i = self.b.append_block_param(head, types::I64);
        self.b.ins().jump(head, &[lo.into()]);
        self.b.switch_to_block(head);
        let c = self.b.ins().icmp(IntCC::UnsignedLessThan, i, hi);
        self.b.ins().brif(c, body, &[], exit, &[]);
        self.b.switch_to_block(body);
        let inner: Vec<Value> = (0..ptrs.len())
            .map(|p| match self.args.strides[p][d] {
                None => ptrs[p],
                Some(s) => {
                    let off = self.b.ins().imul(i, s);
                    self.b.ins().iadd(ptrs[p], off)
                }
            })
            .collect();
        self.hoisted(d + 1, &inner);
        self.emit_loop(d + 1, inner);
        let i1 = self.b.ins().iadd_imm_s(i, 1);
        self.b.ins().jump(head, &[i1.into()]);
        self.b.switch_to_block(exit);
    }

    /// The innermost loop over `[lo, hi)`: float sums' whole blocks, an
    /// outlined kernel's blocks, the main loop, the remainder, then the
    /// accumulators' flush.
    pub(super) fn emit_inner(&mut self, ptrs: Vec<Value>, lo: Value, hi: Value) {
        let step = (self.lanes * self.f.unroll) as i64;
        let mode = if self.lanes > 1 { Mode::Vector } else { Mode::Scalar };
        // Loop-carried accumulator state: `unroll` slots in the main loop,
        // one scalar slot in the remainder loop.
        let vinit = self.acc_init(mode);
        let sinit = self.acc_init(Mode::Scalar);
        let slots = self.f.unroll;
        let mut i = lo;
        let mut state: Vec<Value> = (0..slots).flat_map(|_| vinit.clone()).collect();
        // Float sums: the compensated pair (S, C) of the whole blocks.
        let kahans: Vec<usize> = (0..self.raccs.len()).filter(|&k| self.raccs[k].kahan).collect();
        self.sc = kahans
            .iter()
            .map(|&k| {
                let z = self.fconst(self.raccs[k].ty, 0.0);
                (z, z)
            })
            .collect();
        if !kahans.is_empty() {
            // Whole blocks of SUM_BLOCK iterations; after each, the block's
            // partials are summed and added into (S, C) with TwoSum, and
            // restart from 0.
            let bhead = self.b.create_block();
            let bbody = self.b.create_block();
            let bexit = self.b.create_block();
            // The block's end is a loop-carried param, not `bi + const`,
            // which Cranelift would rematerialise inside the inner loop.
            let bi = self.b.append_block_param(bhead, types::I64);
            let bend = self.b.append_block_param(bhead, types::I64);
            let bstate = self.block_params_like(bhead, &state);
            let flat: Vec<Value> = self.sc.iter().flat_map(|&(s, c)| [s, c]).collect();
            let bsc = self.block_params_like(bhead, &flat);
            let end0 = self.b.ins().iadd_imm_s(i, step * SUM_BLOCK);
            let mut args = vec![ir::BlockArg::from(i), end0.into()];
            args.extend(state.iter().chain(&flat).map(|&x| ir::BlockArg::from(x)));
            self.b.ins().jump(bhead, &args);
            self.b.switch_to_block(bhead);
            let full = self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, bend, hi);
            let mut out = vec![ir::BlockArg::from(bi)];
            out.extend(bstate.iter().chain(&bsc).map(|&x| ir::BlockArg::from(x)));
            self.b.ins().brif(full, bbody, &[], bexit, &out);
            self.b.switch_to_block(bbody);
            let (i2, st2) = self.vloop(mode, &ptrs, bi, bstate, Bound::Exactly(bend));
            let mut folded = st2.clone();
            let mut nsc = vec![];
            let w = vinit.len();
            for (j, &k) in kahans.iter().enumerate() {
                let off = self.racc_off(k);
                let parts: Vec<Value> = (0..slots).map(|u| st2[u * w + off]).collect();
                let block = self.block_sum(mode, &parts);
                let (t, c) = self.kahan(Mode::Scalar, self.raccs[k].ty, bsc[2 * j], bsc[2 * j + 1], block);
                nsc.extend([t, c]);
                for u in 0..slots {
                    folded[u * w + off] = vinit[off];
                }
            }
            let end2 = self.b.ins().iadd_imm_s(i2, step * SUM_BLOCK);
            let mut args = vec![ir::BlockArg::from(i2), end2.into()];
            args.extend(folded.iter().chain(&nsc).map(|&x| ir::BlockArg::from(x)));
            self.b.ins().jump(bhead, &args);
            self.b.switch_to_block(bexit);
            i = self.b.append_block_param(bexit, types::I64);
            state = self.block_params_like(bexit, &state);
            let sc = self.block_params_like(bexit, &flat);
            self.sc = sc.chunks(2).map(|p| (p[0], p[1])).collect();
        }
        // The main loop (for float sums: the last, partial block). An
        // outlined kernel's blocks leave less than one step (and it has no
        // accumulators): no main loop.
        let (vi, vstate) = if mode == Mode::Vector && self.outline.is_some() {
            (self.outlined_blocks(&ptrs, i, hi), state)
        } else {
            self.vloop(mode, &ptrs, i, state, Bound::Below(hi))
        };
        // Leaving the main loop: its registers go to the stack slots.
        self.spill_state(&vstate);
        // Float sums: the remainder continues from the pairwise combination
        // of the lanes, as NumPy's `pairwise_sum` does for a block.
        let shead = self.b.create_block();
        let sbody = self.b.create_block();
        let exit = self.b.create_block();
        let si = self.b.append_block_param(shead, types::I64);
        let sstate = self.block_params_like(shead, &sinit);
        let mut sargs: Vec<ir::BlockArg> = vec![vi.into()];
        for (k, r) in self.raccs.clone().into_iter().enumerate() {
            let off = self.racc_off(k);
            if r.kahan {
                let w = vinit.len();
                let parts: Vec<Value> = (0..slots).map(|u| vstate[u * w + off]).collect();
                let x = self.lane_tree(mode, &parts);
                sargs.push(x.into());
            } else {
                sargs.extend(sinit[off..off + r.width()].iter().map(|&x| ir::BlockArg::from(x)));
            }
        }
        self.b.ins().jump(shead, &sargs);
        // Remainder, one element at a time.
        self.b.switch_to_block(shead);
        let c = self.b.ins().icmp(IntCC::UnsignedLessThan, si, hi);
        self.b.ins().brif(c, sbody, &[], exit, &[]);
        self.b.switch_to_block(sbody);
        let mut st = sstate.clone();
        self.body(Mode::Scalar, &ptrs, si, &mut st);
        let s1 = self.b.ins().iadd_imm_s(si, 1);
        let mut sargs: Vec<ir::BlockArg> = vec![s1.into()];
        sargs.extend(st.into_iter().map(ir::BlockArg::from));
        self.b.ins().jump(shead, &sargs);
        self.b.switch_to_block(exit);
        self.acc_flush(mode, &ptrs, &vstate, &sstate);
    }

    /// New params of `block` with the types of `like`.
    pub(super) fn block_params_like(&mut self, block: ir::Block, like: &[Value]) -> Vec<Value> {
        like.iter()
            .map(|&x| {
                let t = self.b.func.dfg.value_type(x);
                self.b.append_block_param(block, t)
            })
            .collect()
    }

    /// The unrolled main loop from `i0` with accumulator state `state0`, in
    /// rotated form (one test and branch per iteration, at the bottom).
    /// Pointers computed by outer loops enter as block params, so that the
    /// optimizer does not rematerialise them inside the loop. Returns the
    /// index and the state where it exits, with the builder in its exit
    /// block.
    pub(super) fn vloop(
        &mut self,
        mode: Mode,
        ptrs: &[Value],
        i0: Value,
        state0: Vec<Value>,
        bound: Bound,
    ) -> (Value, Vec<Value>) {
        let step = (self.lanes * self.f.unroll) as i64;
        let body = self.b.create_block();
        let exit = self.b.create_block();
        let moved: Vec<usize> = (0..ptrs.len())
            .filter(|&p| p >= self.args.ptrs.len() || ptrs[p] != self.args.ptrs[p])
            .collect();
        let i = self.b.append_block_param(body, types::I64);
        let state = self.block_params_like(body, &state0);
        let mut lptrs = ptrs.to_vec();
        for &p in &moved {
            lptrs[p] = self.b.append_block_param(body, types::I64);
        }
        // With an exact bound the loop is the exit's only predecessor: the
        // body's values reach it directly (no edge copies to coalesce).
        let exact = matches!(bound, Bound::Exactly(_));
        let (xi, xstate) = if exact {
            (i0, vec![])
        } else {
            let xi = self.b.append_block_param(exit, types::I64);
            (xi, self.block_params_like(exit, &state0))
        };
        let args = |i: Value, st: &[Value], ps: &[Value]| {
            let mut a = vec![ir::BlockArg::from(i)];
            a.extend(st.iter().map(|&x| ir::BlockArg::from(x)));
            let mut b = a.clone();
            b.extend(moved.iter().map(|&p| ir::BlockArg::from(ps[p])));
            (b, a)
        };
        // The bound enters as a block param too: Cranelift rematerialises
        // add-with-immediate in every block that uses it, loops included.
        let (limit, cc) = match bound {
            Bound::Exactly(end) => (end, IntCC::SignedLessThan),
            // `next + step <= hi` as `next <= hi - step` (signed: indices
            // are below 2^63, so `hi - step` may go negative).
            Bound::Below(hi) => (self.b.ins().iadd_imm_s(hi, -step), IntCC::SignedLessThanOrEqual),
        };
        let lim = self.b.append_block_param(body, types::I64);
        let (mut enter, skip) = args(i0, &state0, ptrs);
        enter.push(limit.into());
        match bound {
            Bound::Exactly(_) => {
                self.b.ins().jump(body, &enter);
            }
            Bound::Below(_) => {
                let c = self.b.ins().icmp(IntCC::SignedLessThanOrEqual, i0, limit);
                self.b.ins().brif(c, body, &enter, exit, &skip);
            }
        }
        self.b.switch_to_block(body);
        let w = state0.len() / self.f.unroll.max(1);
        let mut next_state: Vec<Value> = vec![];
        self.fma_left = self.fma_per_iter;
        let mut slot_of = self.may_interleave(mode).then(HashMap::new);
        for u in 0..self.f.unroll {
            self.slot_off = u * self.lanes;
            let mut st = state[u * w..(u + 1) * w].to_vec();
            let last = self.b.func.layout.last_inst(body);
            self.body(mode, &lptrs, i, &mut st);
            next_state.extend(st);
            if let Some(m) = slot_of.as_mut() {
                if self.b.current_block() != Some(body) {
                    slot_of = None;
                    continue;
                }
                let mut at = match last {
                    Some(l) => self.b.func.layout.next_inst(l),
                    None => self.b.func.layout.first_inst(body),
                };
                while let Some(x) = at {
                    let op = self.b.func.dfg.insts[x].opcode();
                    if op.can_load() || op.can_store() {
                        m.insert(x, u);
                    }
                    at = self.b.func.layout.next_inst(x);
                }
            }
        }
        if let Some(m) = slot_of {
            self.sched.push((body, m));
        }
        self.slot_off = 0;
        let next = self.b.ins().iadd_imm_s(i, step);
        let more = self.b.ins().icmp(cc, next, lim);
        let (mut again, out) = args(next, &next_state, &lptrs);
        again.push(lim.into());
        if exact {
            self.b.ins().brif(more, body, &again, exit, &[]);
            self.b.switch_to_block(exit);
            return (next, next_state);
        }
        self.b.ins().brif(more, body, &again, exit, &out);
        self.b.switch_to_block(exit);
        (xi, xstate)
    }

    /// Whether `schedule` may interleave the unroll slots of this main
    /// loop: the `interleave` loop pass allowed it (`sched.interleave`),
    /// and this is the vector loop outside the phases of an outlined
    /// kernel.
    pub(super) fn may_interleave(&self, mode: Mode) -> bool {
        self.f.sched.interleave && mode == Mode::Vector && self.phase.is_none()
    }
}
