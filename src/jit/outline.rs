//! Outlining: `sqrt`, float division and the math module's functions run
//! on host helpers (`host::block`, the math module's block functions)
//! instead of in the kernel.
//!
//! Cranelift has 128-bit vectors only, and `sqrt`/division are bound by the
//! divider's per-instruction throughput, so a vector kernel with such an op
//! runs its main loop in blocks (`Outline::block` elements), in phases
//! (`Outline`): each phase computes the operands of the next outlined ops
//! into stack scratch, one helper call per op transforms a block in place,
//! and the next phase reads the results back. `sin(x)` and `cos(x)` of one
//! value make one `sincos` call. The `outline` loop pass decides
//! (`loops/outline.rs`, printed in the `loop` text); `plan_outline`
//! allocates the scratch, `outlined_blocks` and `body_phase` emit.
//!
//! Invariant: the helpers compute the same bits as the inline code (IEEE
//! `sqrt` and `/` are correctly rounded; math functions share one scalar
//! kernel), and an output is written only after every load of its block.

use super::host;
use super::mem::mem;
use super::skeleton::Bound;
use super::types::{cl_ty, VECTOR_BYTES};
use super::{Cg, Mode};
use crate::array::DType;
use crate::expr::UnaryOp;
use crate::loops::{LOp, LoopFunc};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, types, InstBuilder, Value};
use cranelift_frontend::FunctionBuilder;

/// Outlining of `sqrt`, float division and math functions to block
/// helpers. The vector main loop runs in blocks of `block` elements (the
/// last one shorter, whole vector steps) and each block in phases: phase `k` computes
/// the operands of the outlined ops of phase `k` into scratch buffers on
/// the stack, then one helper call per op transforms its buffer in place,
/// and phase `k + 1` reads the results back. A value computed in one phase
/// and used in a later one is kept in a scratch buffer too, except loads
/// and constants, which are simply redone. The last elements, fewer than a
/// vector step, run the ordinary loop.
pub(super) struct Outline {
    /// Elements per block (`loops::outline::Outline::block`).
    pub(super) block: i64,
    /// Phase of each innermost-level instruction.
    pub(super) phase: Vec<usize>,
    /// Whether each instruction is an outlined op.
    pub(super) outlined: Vec<bool>,
    /// Scratch buffer index of an instruction's value (an outlined op: its
    /// operand, then its result).
    pub(super) scratch: Vec<Option<usize>>,
    /// Scratch buffer of an outlined division's vector denominator.
    pub(super) den: Vec<Option<usize>>,
    /// Scratch buffers.
    pub(super) slots: Vec<ir::StackSlot>,
    /// An outlined op whose only use is the store of the last phase into
    /// a contiguous output: its operand goes straight into the output's
    /// block and the helper finishes it there; the last phase is then
    /// skipped. (Written at the end of its phase, after every load of it,
    /// so an output over an input of the same layout stays correct.)
    pub(super) direct: Vec<Option<usize>>,
    /// Phases to emit (`phases`, or one fewer when the last is direct).
    pub(super) emit: usize,
    /// A math function whose helper maps its input's block (this param)
    /// to its scratch or the output's (`loops::outline::Outline::source`):
    /// its operand is neither loaded nor copied.
    pub(super) source: Vec<Option<usize>>,
    /// A source op's `(mul, add)` when it reads `input * mul + add`
    /// (`loops::outline::Outline::source_affine`).
    pub(super) affine: Vec<Option<(f64, f64)>>,
    /// Instructions no phase computes (`loops::outline::Outline::absorbed`).
    pub(super) absorbed: Vec<bool>,
    /// Streamed outputs (`loops::outline::Outline::streamed`): the param
    /// and the scratch buffer its block is staged in.
    pub(super) stream: Vec<(usize, usize)>,
    /// Whether this call streams (set by `stream_decision`).
    pub(super) stream_flag: Option<Value>,
    /// Whether each emitted phase has an element loop (it may be left with
    /// nothing to do when its one outlined op reads its input itself).
    pub(super) works: Vec<bool>,
    /// For an outlined `sin`: the outlined `cos` of the same value, both
    /// computed by one `sincos` call (one range reduction); that `cos`
    /// then makes no call of its own and takes no operand.
    pub(super) cos_of: Vec<Option<usize>>,
    /// An outlined `cos` computed by its `sin`'s `sincos` call.
    pub(super) by_sincos: Vec<bool>,
}

impl Cg<'_> {
    /// The outlining the `outline` loop pass chose (`sched.outline`), with
    /// its scratch buffers allocated on the stack.
    pub(super) fn plan_outline(&mut self) -> Option<Outline> {
        let f = self.f;
        let plan = f.sched.outline.as_ref()?;
        let len = f.body.len();
        let (phase, _) = plan.phases(f);
        let (value, second) = plan.scratch(f);
        let mut scratch = vec![None; len];
        let mut den = vec![None; len];
        let mut slots = vec![];
        let block = plan.block(f);
        let bytes = (block * VECTOR_BYTES / self.lanes) as u32;
        let mut new_slot = |b: &mut FunctionBuilder| {
            let data = ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, bytes, 5);
            slots.push(b.create_sized_stack_slot(data));
            Some(slots.len() - 1)
        };
        for v in 0..len {
            if value[v] {
                scratch[v] = new_slot(&mut self.b);
            }
            if second[v] {
                den[v] = new_slot(&mut self.b);
            }
        }
        let mut stream = vec![];
        for p in plan.streamed(f) {
            stream.push((p, new_slot(&mut self.b).expect("a slot")));
        }
        Some(Outline {
            stream,
            stream_flag: None,
            block: block as i64,
            phase,
            outlined: plan.outlined.clone(),
            scratch,
            den,
            slots,
            direct: (0..len).map(|v| plan.direct_param(f, v)).collect(),
            emit: plan.emitted(f),
            source: (0..len).map(|v| plan.source(f, v)).collect(),
            affine: (0..len).map(|v| plan.source_affine(f, v)).collect(),
            absorbed: plan.absorbed(f),
            works: (0..plan.emitted(f)).map(|k| plan.phase_works(f, k)).collect(),
            cos_of: plan.sincos.clone(),
            by_sincos: (0..len).map(|w| plan.by_sincos(w)).collect(),
        })
    }

    /// The blocked, phased main loop of an outlined kernel from `lo` while
    /// a whole vector step fits below `hi`; returns where it stopped. Each
    /// block is `block` elements, or the whole steps left.
    pub(super) fn outlined_blocks(&mut self, ptrs: &[Value], lo: Value, hi: Value) -> Value {
        let step = (self.lanes * self.f.unroll) as i64;
        let block = self.outline.as_ref().expect("outlined").block;
        let bhead = self.b.create_block();
        let bbody = self.b.create_block();
        let bexit = self.b.create_block();
        let bi = self.b.append_block_param(bhead, types::I64);
        self.b.ins().jump(bhead, &[lo.into()]);
        self.b.switch_to_block(bhead);
        // Elements left (signed: indices are below 2^63).
        let left = self.b.ins().isub(hi, bi);
        let any = self.b.ins().icmp_imm_s(IntCC::SignedGreaterThanOrEqual, left, step);
        self.b.ins().brif(any, bbody, &[], bexit, &[bi.into()]);
        self.b.switch_to_block(bbody);
        // n = min(left, block) rounded down to whole steps (≥ one step).
        let cap = self.b.ins().iconst(types::I64, block);
        let m = self.b.ins().smin(left, cap);
        let n = if step & (step - 1) == 0 {
            self.b.ins().band_imm_s(m, -step)
        } else {
            let r = self.b.ins().urem_imm_s(m, step);
            self.b.ins().isub(m, r)
        };
        let bend = self.b.ins().iadd(bi, n);
        // Scratch pointers biased by the block start, so that the element
        // at index `j` is at `ptr + j * bytes_per_element`, like arrays.
        let per = (VECTOR_BYTES / self.lanes) as i64;
        let slots = self.outline.as_ref().expect("outlined").slots.clone();
        let bias = self.b.ins().imul_imm_s(bi, per);
        let mut ext = ptrs.to_vec();
        let mut bases = vec![];
        for &ss in &slots {
            let a = self.b.ins().stack_addr(types::I64, ss, 0);
            bases.push(a);
            ext.push(self.b.ins().isub(a, bias));
        }
        // Streamed outputs: the last phase stores into their scratch when
        // this call streams (`stream_flag`), else into the output.
        let np = ptrs.len();
        let (stream, flag) = {
            let o = self.outline.as_ref().expect("outlined");
            (o.stream.clone(), o.stream_flag)
        };
        if let Some(flag) = flag {
            for &(p, slot) in &stream {
                ext[p] = self.b.ins().select(flag, ext[np + slot], ptrs[p]);
            }
        }
        let phases = self.outline.as_ref().expect("outlined").emit;
        for k in 0..phases {
            if self.outline.as_ref().expect("outlined").works[k] {
                self.phase = Some(k);
                self.vloop(Mode::Vector, &ext, bi, vec![], Bound::Exactly(bend));
                self.phase = None;
            }
            for v in 0..self.f.body.len() {
                let o = self.outline.as_ref().expect("outlined");
                if !o.outlined[v] || o.phase[v] != k {
                    continue;
                }
                if o.by_sincos[v] {
                    continue;
                }
                if let Some(w) = o.cos_of[v] {
                    let (x, c) = (
                        bases[o.scratch[v].expect("scratch")],
                        bases[o.scratch[w].expect("scratch")],
                    );
                    let f = if self.f.body[v].ty == DType::F64 {
                        crate::math::sincos_f64_c_block as *const u8
                    } else {
                        crate::math::sincos_f32_c_block as *const u8
                    };
                    self.call_void(f, &[types::I64, types::I64, types::I64], &[x, c, n]);
                    continue;
                }
                let (direct, scratch, source, aff) = (o.direct[v], o.scratch[v], o.source[v], o.affine[v]);
                let d = o.den[v].map(|d| bases[d]);
                let x = match direct {
                    // The output's block: its element `bi` onwards.
                    Some(p) => self.elem_addr(p, ptrs, bi),
                    None => bases[scratch.expect("an outlined op has scratch or goes direct")],
                };
                let src = source.map(|p| self.elem_addr(p, ptrs, bi));
                self.call_block_helper(v, x, src.map(|s| (s, aff)), d, n);
            }
        }
        if let Some(flag) = flag {
            // The staged blocks out to their outputs, non-temporally.
            let go = self.b.create_block();
            let join = self.b.create_block();
            self.b.ins().brif(flag, go, &[], join, &[]);
            self.b.switch_to_block(go);
            for &(p, slot) in &stream {
                let to = self.elem_addr(p, ptrs, bi);
                let f = if self.f.params[p].dtype == DType::F64 {
                    host::block::stream_f64 as *const u8
                } else {
                    host::block::stream_f32 as *const u8
                };
                self.call_void(f, &[types::I64, types::I64, types::I64], &[bases[slot], to, n]);
            }
            self.b.ins().jump(join, &[]);
            self.b.switch_to_block(join);
        }
        self.b.ins().jump(bhead, &[bend.into()]);
        self.b.switch_to_block(bexit);
        self.b.append_block_param(bexit, types::I64)
    }

    /// Whether this call of a kernel with streamed outputs streams: it
    /// writes at least [`host::block::STREAM_BYTES`] per output (smaller
    /// results stay in the cache for whoever reads them next). Emitted in
    /// the entry block; [`Cg::stream_fence`] closes the kernel.
    pub(super) fn stream_decision(&mut self) {
        let Some(o) = self.outline.as_ref() else { return };
        if o.stream.is_empty() {
            return;
        }
        // Elements of this call: (end - start) × the inner extents (an
        // output's size, so no overflow), times the element size.
        let mut total = self.b.ins().isub(self.args.end, self.args.start);
        for d in 1..self.n {
            total = self.b.ins().imul(total, self.args.dims[d]);
        }
        let per = (VECTOR_BYTES / self.lanes) as i64;
        let bytes = self.b.ins().imul_imm_s(total, per);
        let flag = self.b.ins().icmp_imm_s(
            IntCC::UnsignedGreaterThanOrEqual,
            bytes,
            host::block::STREAM_BYTES as i64,
        );
        self.outline.as_mut().expect("outlined").stream_flag = Some(flag);
    }

    /// Orders a streaming call's non-temporal stores before the kernel
    /// returns (`sfence`), so the runtime and other threads see them.
    pub(super) fn stream_fence(&mut self) {
        let Some(flag) = self.outline.as_ref().and_then(|o| o.stream_flag) else {
            return;
        };
        let go = self.b.create_block();
        let join = self.b.create_block();
        self.b.ins().brif(flag, go, &[], join, &[]);
        self.b.switch_to_block(go);
        self.call_void(host::block::store_fence as *const u8, &[], &[]);
        self.b.ins().jump(join, &[]);
        self.b.switch_to_block(join);
    }

    /// The address of contiguous param `p`'s element `i`.
    fn elem_addr(&mut self, p: usize, ptrs: &[Value], i: Value) -> Value {
        let (a, at) = self.addr(p, ptrs, Some(i), 0);
        if at == 0 {
            a
        } else {
            self.b.ins().iadd_imm_s(a, at as i64)
        }
    }

    /// The helper call of outlined op `v` on its scratch `x` (and `den`),
    /// `n` elements; a unary math function reads `src` instead of `x` if
    /// given (`Outline::source`), through `input * mul + add` with
    /// `Some((mul, add))` (`Outline::source_affine`).
    pub(super) fn call_block_helper(
        &mut self,
        v: usize,
        x: Value,
        src: Option<(Value, Option<(f64, f64)>)>,
        den: Option<Value>,
        n: Value,
    ) {
        use host::block::*;
        let inst = &self.f.body[v];
        let f64_ = inst.ty == DType::F64;
        let ft = cl_ty(inst.ty);
        let i64_ = types::I64;
        match inst.op {
            LOp::Unary(UnaryOp::Sqrt, _) => {
                let f = if f64_ {
                    sqrt_f64 as *const u8
                } else {
                    sqrt_f32 as *const u8
                };
                self.call_void(f, &[i64_, i64_], &[x, n]);
            }
            LOp::Unary(u, _) if u.math().is_some() => {
                let m = u.math().expect("a math function");
                match src {
                    Some((s, Some((mul, add)))) => {
                        let (f, mul, add) = if f64_ {
                            let (a, b) = (self.b.ins().f64const(mul), self.b.ins().f64const(add));
                            (m.affine_f64 as *const u8, a, b)
                        } else {
                            // Exact: the constants are float32 values.
                            let (a, b) = (self.b.ins().f32const(mul as f32), self.b.ins().f32const(add as f32));
                            (m.affine_f32 as *const u8, a, b)
                        };
                        self.call_void(f, &[i64_, i64_, i64_, ft, ft], &[s, x, n, mul, add]);
                    }
                    _ => {
                        let f = if f64_ {
                            m.block_f64 as *const u8
                        } else {
                            m.block_f32 as *const u8
                        };
                        let s = src.map_or(x, |(s, _)| s);
                        self.call_void(f, &[i64_, i64_, i64_], &[s, x, n]);
                    }
                }
            }
            LOp::Binary(op, _, _) if op.math().is_some() => {
                let m = op.math().expect("a math function");
                let f = if f64_ {
                    m.block_f64 as *const u8
                } else {
                    m.block_f32 as *const u8
                };
                self.call_void(f, &[i64_, i64_, i64_], &[x, den.expect("math operands in scratch"), n]);
            }
            LOp::Binary(_, a, b) => match den {
                Some(d) => {
                    let f = if f64_ {
                        div_f64 as *const u8
                    } else {
                        div_f32 as *const u8
                    };
                    self.call_void(f, &[i64_, i64_, i64_], &[x, d, n]);
                }
                None => {
                    // One side is loop-invariant: its scalar was hoisted.
                    let (f, s) = if self.f.body[b].level < self.n {
                        let f = if f64_ {
                            div_scalar_f64 as *const u8
                        } else {
                            div_scalar_f32 as *const u8
                        };
                        (f, self.sv[b].expect("hoisted"))
                    } else {
                        let f = if f64_ {
                            rdiv_scalar_f64 as *const u8
                        } else {
                            rdiv_scalar_f32 as *const u8
                        };
                        (f, self.sv[a].expect("hoisted"))
                    };
                    self.call_void(f, &[i64_, ft, i64_], &[x, s, n]);
                }
            },
            _ => unreachable!("only sqrt and division are outlined"),
        }
    }

    /// Phase `k` of the innermost body at `idx` (see [`Outline`]); scratch
    /// buffer `s` is pointer `ptrs[params + s]`.
    pub(super) fn body_phase(&mut self, k: usize, ptrs: &[Value], idx: Value) {
        let o = self.outline.take().expect("outlined");
        let f = self.f;
        let np = f.params.len();
        let len = f.body.len();
        let n = self.n;
        let inner = |v: usize| f.body[v].level == n;
        // Values of earlier phases that this phase reads.
        let mut need = vec![false; len];
        // Values this phase's instructions read.
        let mut used = vec![false; len];
        for u in 0..len {
            // A helper that reads its input itself needs no operand here,
            // nor do the instructions it absorbs.
            if inner(u) && o.phase[u] == k && o.source[u].is_none() && !o.absorbed[u] {
                for a in LoopFunc::args(&f.body[u].op) {
                    used[a] = true;
                    if inner(a) && o.phase[a] < k {
                        need[a] = true;
                    }
                }
            }
        }
        let mut vals = self.vv.clone();
        let mut late: Vec<(usize, Value)> = vec![];
        let per = VECTOR_BYTES / self.lanes;
        let at = (self.slot_off * per) as i32;
        for v in 0..len {
            if !inner(v) {
                continue;
            }
            let ty = f.body[v].ty;
            let vt = self.vty(ty);
            let addr = |cg: &mut Self, s: usize| {
                let off = cg.b.ins().imul_imm_s(idx, per as i64);
                cg.b.ins().iadd(ptrs[np + s], off)
            };
            if o.outlined[v] {
                if o.phase[v] == k && !o.by_sincos[v] {
                    // Operands into the scratch.
                    let (x, y) = match f.body[v].op {
                        LOp::Binary(op, a, b) if op.math().is_some() => (a, o.den[v].map(|d| (b, d))),
                        LOp::Binary(_, a, b) if !inner(a) => (b, None),
                        LOp::Binary(_, a, b) => (a, o.den[v].map(|d| (b, d))),
                        LOp::Unary(_, a) => (a, None),
                        _ => unreachable!("outlined ops are sqrt and division"),
                    };
                    match (o.direct[v], o.source[v]) {
                        // The helper reads its input itself.
                        (_, Some(_)) => {}
                        // Into the output, after this phase's loads.
                        (Some(p), None) => late.push((p, vals[x].expect("operand computed"))),
                        (None, None) => {
                            let xv = vals[x].expect("operand computed");
                            let p = addr(self, o.scratch[v].expect("scratch"));
                            self.b.ins().store(mem(), xv, p, at);
                        }
                    }
                    if let Some((y, d)) = y {
                        let p = addr(self, d);
                        let yv = vals[y].expect("operand computed");
                        self.b.ins().store(mem(), yv, p, at);
                    }
                } else if need[v] {
                    let p = addr(self, o.scratch[v].expect("scratch"));
                    vals[v] = Some(self.b.ins().load(vt, mem(), p, at));
                }
                continue;
            }
            // A load or constant of phase `k` that only later phases read
            // is redone there, not emitted here.
            let redone_later = matches!(f.body[v].op, LOp::Load(_) | LOp::Const(_)) && !used[v];
            if (o.phase[v] == k && !redone_later && !o.absorbed[v]) || (need[v] && o.scratch[v].is_none()) {
                // This phase's work, or a load or constant redone.
                let r = self.inst(Mode::Vector, v, &mut vals, ptrs, Some(idx));
                vals[v] = Some(r);
                if o.phase[v] == k {
                    if let Some(s) = o.scratch[v] {
                        let p = addr(self, s);
                        self.b.ins().store(mem(), r, p, at);
                    }
                }
            } else if need[v] {
                let p = addr(self, o.scratch[v].expect("scratch"));
                vals[v] = Some(self.b.ins().load(vt, mem(), p, at));
            }
        }
        for (p, x) in late {
            let (a, at) = self.addr(p, ptrs, Some(idx), 0);
            self.b.ins().store(mem(), x, a, at);
        }
        self.outline = Some(o);
    }
}
