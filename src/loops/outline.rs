//! `outline`: chooses the ops of a vector kernel that run on the host's
//! block helpers instead of in the kernel: `sqrt`, float division and the
//! math module's functions.
//!
//! Cranelift has 128-bit vectors only, and `sqrt`/division are bound by the
//! divider's per-instruction throughput, so such ops run faster as one call
//! per block of elements to a helper compiled for 256- or 512-bit
//! vectors (`jit/host.rs`, the math module's block functions). The JIT then
//! runs the main loop in blocks, each block in *phases*: phase `k` computes
//! the operands of the outlined ops of phase `k` into stack scratch, one
//! helper call per op transforms a block in place, and phase `k + 1` reads
//! the results back. This pass records the choice in [`Outline`]; the
//! phases and scratch buffers follow from it ([`Outline::phases`],
//! [`Outline::scratch`]), and `jit/outline.rs` emits them.
//!
//! Chosen: every innermost `sqrt`, float division and math function of a
//! vector kernel (a binary one with at least one innermost operand) on full
//! vectors of its own dtype — unless the kernel folds (`accum`/`argmin`
//! keep registers across the block), the CPU has no 256-bit AVX (or
//! `LAZYFUSE_NO_BLOCK_HELPERS` is set), or the scratch would exceed
//! [`MAX_SCRATCH`] buffers (half of L1: the arrays' lines would be pushed
//! out). An outlined op whose one use is the last phase's store into a
//! contiguous output of its dtype is `direct` (its operand goes into the
//! output's block and the helper finishes it there) when every store of
//! the last phase is such a store. A direct math function of a load of a
//! contiguous input reads its block straight from that input into its
//! scratch or, direct, the output, when nothing is written before its call
//! ([`Outline::source`]; derived, not printed). A phase left with no work
//! has no element loop.
//! `sin` and `cos` of one value share one
//! `sincos` call (one range reduction). When no per-element call is left,
//! the pass sets `unroll` as for a loop without calls (the phases are
//! plain vector loops). Blocks are [`Outline::block`] elements: up to
//! [`BLOCK`], fewer when the scratch would exceed [`SCRATCH_BYTES`].
//!
//! Text: ` outline` after an outlined instruction, then ` direct` or
//! ` sincos vN` (the `cos` this `sin`'s call computes).
//!
//! Requires `vectorize` and `hoist-invariants` (levels). Guarantees a
//! verified function whose `sched.outline` satisfies [`Outline::check`].
//! Tests: `ir/outline/*.ir`.

use super::{LOp, LoopFunc, StrideClass, VarId, VECTOR_BYTES};
use crate::array::DType;
use crate::expr::{BinaryOp, UnaryOp};

/// Most elements per block of an outlined kernel (the math module's).
pub const BLOCK: usize = crate::math::BLOCK;

/// Fewest elements per block: a helper call's fixed cost stays small.
pub const MIN_BLOCK: usize = 64;

/// Bytes of scratch a kernel's blocks may take: half of a 32 KiB L1.
pub const SCRATCH_BYTES: usize = 16 << 10;

/// Scratch buffers at most: as many as fit [`SCRATCH_BYTES`] in blocks of
/// [`MIN_BLOCK`] 8-byte elements (32).
pub const MAX_SCRATCH: usize = SCRATCH_BYTES / (MIN_BLOCK * 8);

/// Which kernels stream their large outputs ([`Outline::streamed`]).
///
/// Streaming saves the read-for-ownership of every output line; it costs
/// a copy of each block out of the L1 scratch. Measured on a kernel whose
/// math dominates, `exp(-a**2/2) * c` in float64 at 10^7 (one thread): on
/// an AMD EPYC (Zen 5) 6.5 → 6.9 ms streamed, on an Intel Xeon (AVX-512,
/// 2026) 18.5 → 12.0 ms. Intel's cores stall on the regular stores of
/// the last phase, a burst into lines not yet owned, where AMD's overlap
/// them with the next block's arithmetic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamPolicy {
    /// Every kernel whose last phase stores into scratch may stream.
    All,
    /// Only kernels bound by memory ([`Outline::memory_bound`]).
    Bound,
}

impl StreamPolicy {
    /// `LAZYFUSE_STREAM` (`all` or `bound`), else [`StreamPolicy::All`] on
    /// an Intel CPU and [`StreamPolicy::Bound`] on any other. Read once.
    pub fn current() -> StreamPolicy {
        static V: std::sync::OnceLock<StreamPolicy> = std::sync::OnceLock::new();
        *V.get_or_init(|| match crate::env::stream_all() {
            Some(true) => StreamPolicy::All,
            Some(false) => StreamPolicy::Bound,
            None if intel() => StreamPolicy::All,
            None => StreamPolicy::Bound,
        })
    }
}

/// Whether the CPU's vendor string is `GenuineIntel`.
fn intel() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        // Leaf 0 (the vendor) exists on every x86-64 CPU.
        let r = std::arch::x86_64::__cpuid(0);
        let mut v = [0u8; 12];
        v[..4].copy_from_slice(&r.ebx.to_le_bytes());
        v[4..8].copy_from_slice(&r.edx.to_le_bytes());
        v[8..].copy_from_slice(&r.ecx.to_le_bytes());
        &v == b"GenuineIntel"
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The outlined ops of a loop function (per body instruction).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Outline {
    /// Runs on a block helper.
    pub outlined: Vec<bool>,
    /// An outlined op whose operand goes straight into the block of the
    /// output its one store writes; the last phase is then not emitted.
    pub direct: Vec<bool>,
    /// For an outlined `sin`: the outlined `cos` of the same value that the
    /// same `sincos` call computes (that `cos` makes no call of its own).
    pub sincos: Vec<Option<VarId>>,
}

/// Whether `v` is computed in the innermost loop.
fn inner(f: &LoopFunc, v: VarId) -> bool {
    f.body[v].level == f.ndims()
}

/// What a source op reads: the input param, `(mul, add)` or `None` for
/// the input as it is, and the instructions from the load to the operand.
type SourceOf = (usize, Option<(f64, f64)>, Vec<VarId>);

/// Whether `v` is `load p`, `load p * k`, `load p ± c`, `load p * k ± c`
/// or `c - load p * k` (either operand order of `*` and `+`) with `k`
/// and `c` invariant constants that are not NaN, all innermost and of
/// `v`'s dtype: `(p, (mul, add) or None for the load itself, the chain)`.
/// `a - c` is `a + (-c)` and `c - t` is `t * -1 + c` bit for bit (IEEE
/// negation is exact).
fn affine_load(f: &LoopFunc, v: VarId) -> Option<SourceOf> {
    let ty = f.body[v].ty;
    let konst = |k: VarId| match f.body[k].op {
        LOp::Const(c) if !inner(f, k) && f.body[k].ty == ty && !c.as_f64().is_nan() => Some(c.as_f64()),
        _ => None,
    };
    let same = |w: VarId| inner(f, w) && f.body[w].ty == ty;
    // `load` or `load * k`.
    let product = |w: VarId| -> Option<(usize, f64, Vec<VarId>)> {
        if !same(w) {
            return None;
        }
        match f.body[w].op {
            LOp::Load(p) => Some((p, 1.0, vec![w])),
            LOp::Binary(BinaryOp::Mul, x, y) => {
                let (l, k) = if konst(y).is_some() { (x, y) } else { (y, x) };
                match (&f.body[l].op, konst(k)) {
                    (&LOp::Load(p), Some(k)) if same(l) => Some((p, k, vec![l, w])),
                    _ => None,
                }
            }
            _ => None,
        }
    };
    if !same(v) {
        return None;
    }
    if let Some((p, k, chain)) = product(v) {
        let affine = (chain.len() > 1).then_some((k, -0.0));
        return Some((p, affine, chain));
    }
    let (t, c, neg) = match f.body[v].op {
        LOp::Binary(BinaryOp::Add, x, y) => match (konst(x), konst(y)) {
            (_, Some(c)) => (x, c, false),
            (Some(c), _) => (y, c, false),
            _ => return None,
        },
        LOp::Binary(BinaryOp::Sub, x, y) => match (konst(x), konst(y)) {
            (_, Some(c)) => (x, -c, false),
            (Some(c), _) => (y, c, true),
            _ => return None,
        },
        _ => return None,
    };
    let (p, k, mut chain) = product(t)?;
    chain.push(v);
    Some((p, Some((if neg { -k } else { k }, c)), chain))
}

/// Whether instruction `v` may run on a block helper.
pub fn outlinable(f: &LoopFunc, v: VarId) -> bool {
    let i = &f.body[v];
    let full = matches!(i.ty, DType::F64 | DType::F32) && i.ty.size() * f.vector == VECTOR_BYTES;
    inner(f, v)
        && full
        && match i.op {
            LOp::Unary(UnaryOp::Sqrt, a) => f.body[a].ty == i.ty,
            LOp::Unary(u, a) if u.math().is_some() => f.body[a].ty == i.ty,
            LOp::Binary(op, a, b) if op.math().is_some() || op == BinaryOp::Div => {
                f.body[a].ty == i.ty && f.body[b].ty == i.ty && (inner(f, a) || inner(f, b))
            }
            _ => false,
        }
}

/// Whether the helpers are worth calling on this CPU (256-bit AVX), unless
/// `LAZYFUSE_NO_BLOCK_HELPERS` is set.
pub fn helpers_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx") && !crate::env::no_block_helpers()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

impl Outline {
    /// The phase of every innermost instruction (0 elsewhere) and the
    /// number of phases: an instruction runs in the phase after the
    /// latest outlined operand's, else in its latest operand's — except
    /// stores, which all run in the last phase. An output may be written
    /// over an input of the same layout, and later phases load inputs
    /// again: a store in an earlier phase would overwrite a block that a
    /// later phase still reads.
    pub fn phases(&self, f: &LoopFunc) -> (Vec<usize>, usize) {
        let len = f.body.len();
        let mut phase = vec![0; len];
        for v in 0..len {
            if inner(f, v) {
                phase[v] = LoopFunc::args(&f.body[v].op)
                    .iter()
                    .filter(|&&a| inner(f, a))
                    .map(|&a| phase[a] + self.outlined[a] as usize)
                    .max()
                    .unwrap_or(0);
            }
        }
        let n = (0..len)
            .filter(|&v| inner(f, v))
            .map(|v| phase[v] + 1)
            .max()
            .unwrap_or(1);
        for v in (0..len).filter(|&v| inner(f, v)) {
            if matches!(f.body[v].op, LOp::Store(..)) {
                phase[v] = n - 1;
            }
        }
        (phase, n)
    }

    /// Phases the JIT emits: all, or one fewer when the last only stores
    /// `direct` results.
    pub fn emitted(&self, f: &LoopFunc) -> usize {
        self.phases(f).1 - self.direct.iter().any(|&d| d) as usize
    }

    /// The output param a `direct` op's one store writes.
    pub fn direct_param(&self, f: &LoopFunc, v: VarId) -> Option<usize> {
        if !self.direct[v] {
            return None;
        }
        f.body.iter().find_map(|i| match i.op {
            LOp::Store(p, x) if x == v => Some(p),
            _ => None,
        })
    }

    /// The input param an outlined math function `v` reads straight from:
    /// its operand is a load of a contiguous input of its dtype (so `v` is
    /// in phase 0) and it is not half of a `sincos`. The helper then maps
    /// the input's block to `v`'s scratch or, `direct`, to the output's
    /// (`UnaryFn::block_f64`), and the operand is not copied. Phase 0 must
    /// write no array before the helper reads: no store in phase 0 and no
    /// other `direct` op there (its operand goes into its output in the
    /// phase, its helper then writes it).
    ///
    /// The operand may also be an affine function of the load, `a * k`,
    /// `a ± c`, `a * k ± c` or `c - a * k` (`k`, `c` constants, not NaN):
    /// the helper then computes it per element
    /// ([`Outline::source_affine`]) and the phases skip those instructions
    /// when nothing else reads them ([`Outline::absorbed`]).
    pub fn source(&self, f: &LoopFunc, v: VarId) -> Option<usize> {
        self.source_full(f, v).map(|(p, _, _)| p)
    }

    /// `(mul, add)` when source op `v` reads `input * mul + add` (each
    /// rounded: `mul` 1 for a sum, `add` -0.0 for a product, both exact
    /// identities), `None` when it reads the input as it is or is not a
    /// source op.
    pub fn source_affine(&self, f: &LoopFunc, v: VarId) -> Option<(f64, f64)> {
        self.source_full(f, v).and_then(|(_, a, _)| a)
    }

    /// The instructions that no phase computes: those between a source
    /// op's load and the op ([`Outline::source`]), the load included, that
    /// nothing else reads.
    pub fn absorbed(&self, f: &LoopFunc) -> Vec<bool> {
        let len = f.body.len();
        let chains: Vec<Option<Vec<VarId>>> = (0..len).map(|v| self.source_full(f, v).map(|(_, _, c)| c)).collect();
        let mut out = vec![false; len];
        for u in (0..len).rev() {
            if !chains.iter().flatten().any(|c| c.contains(&u)) {
                continue;
            }
            out[u] = (u + 1..len)
                .filter(|&w| LoopFunc::args(&f.body[w].op).contains(&u))
                .all(|w| out[w] || chains[w].as_ref().is_some_and(|c| c.contains(&u)));
        }
        out
    }

    /// [`Outline::source`] with [`Outline::source_affine`] and the chain of
    /// instructions from the load to the operand.
    fn source_full(&self, f: &LoopFunc, v: VarId) -> Option<SourceOf> {
        if !self.outlined[v] || self.sincos[v].is_some() || self.by_sincos(v) {
            return None;
        }
        let LOp::Unary(u, a) = f.body[v].op else { return None };
        let (p, affine, chain) = affine_load(f, a)?;
        let (phase, _) = self.phases(f);
        let writes = (0..f.body.len()).any(|w| {
            let store = matches!(f.body[w].op, LOp::Store(..)) && (!inner(f, w) || phase[w] == 0);
            store || (w != v && self.direct[w] && phase[w] == 0)
        });
        let ok = u.math().is_some()
            && !writes
            && StrideClass::of(f.params[p].strides[f.ndims() - 1]) == StrideClass::Unit
            && f.params[p].dtype == f.body[v].ty;
        ok.then_some((p, affine, chain))
    }

    /// Whether phase `k` has work for its element loop: an instruction
    /// other than a load, a constant or an op read by its helper straight
    /// from an input ([`Outline::source`]).
    pub fn phase_works(&self, f: &LoopFunc, k: usize) -> bool {
        let (phase, _) = self.phases(f);
        let absorbed = self.absorbed(f);
        (0..f.body.len()).any(|u| {
            inner(f, u)
                && phase[u] == k
                && !matches!(f.body[u].op, LOp::Load(_) | LOp::Const(_))
                && self.source(f, u).is_none()
                && !absorbed[u]
        })
    }

    /// Whether outlined `cos` `w` is computed by a `sin`'s `sincos` call.
    pub fn by_sincos(&self, w: VarId) -> bool {
        self.sincos.contains(&Some(w))
    }

    /// The scratch buffers the phases need, per instruction: `(value,
    /// second operand)`. An outlined op keeps its operand (then result) in
    /// one unless it is `direct`; a binary one also its second operand
    /// when both are innermost or it is a math function (an invariant one
    /// splatted); a value used in a later phase keeps it in one, except
    /// loads and constants, which are simply redone.
    pub fn scratch(&self, f: &LoopFunc) -> (Vec<bool>, Vec<bool>) {
        let len = f.body.len();
        let (phase, _) = self.phases(f);
        let mut value = vec![false; len];
        let mut second = vec![false; len];
        for v in (0..len).filter(|&v| inner(f, v)) {
            let redo = matches!(f.body[v].op, LOp::Load(_) | LOp::Const(_));
            let later = !self.outlined[v]
                && (v + 1..len)
                    .any(|u| inner(f, u) && LoopFunc::args(&f.body[u].op).contains(&v) && phase[u] > phase[v]);
            if self.outlined[v] {
                value[v] = !self.direct[v];
                if let LOp::Binary(op, a, b) = f.body[v].op {
                    second[v] = (inner(f, a) && inner(f, b)) || op.math().is_some();
                }
            } else {
                value[v] = later && !redo;
            }
        }
        (value, second)
    }

    /// Scratch buffers in all (with one per [`Outline::streamed`] output).
    pub fn scratch_count(&self, f: &LoopFunc) -> usize {
        let (value, second) = self.scratch(f);
        value.iter().chain(&second).filter(|&&x| x).count() + self.streamed(f).len()
    }

    /// The outputs whose blocks may be *streamed*: the last phase (emitted:
    /// not all `direct`) stores each one's block into a scratch buffer,
    /// and a host helper copies it out with non-temporal stores, which
    /// write whole lines without first reading them (a third less memory
    /// traffic for `exp(a) * b`). Contiguous float outputs of the loop's
    /// element size, one store each. Whether a call streams is decided
    /// when the kernel runs, by how much it writes (`jit/outline.rs`): a
    /// small result is better left in the cache. Which kernels may stream
    /// is the CPU's [`StreamPolicy`]: under `Bound` only one bound by
    /// memory ([`Outline::memory_bound`]).
    pub fn streamed(&self, f: &LoopFunc) -> Vec<usize> {
        self.streamed_with(f, StreamPolicy::current())
    }

    /// [`Outline::streamed`] under a given policy. None when the scratch
    /// buffers would then exceed [`MAX_SCRATCH`].
    pub fn streamed_with(&self, f: &LoopFunc, policy: StreamPolicy) -> Vec<usize> {
        let (phase, phases) = self.phases(f);
        if self.emitted(f) < phases || (policy == StreamPolicy::Bound && !self.memory_bound(f)) {
            return vec![];
        }
        let per = VECTOR_BYTES / f.vector.max(1);
        let n = f.ndims();
        let mut out = vec![];
        for (u, i) in f.body.iter().enumerate() {
            if let LOp::Store(p, _) = i.op {
                let prm = &f.params[p];
                let stores = f
                    .body
                    .iter()
                    .filter(|j| matches!(j.op, LOp::Store(q, _) if q == p))
                    .count();
                if inner(f, u)
                    && phase[u] == phases - 1
                    && prm.output
                    && matches!(prm.dtype, DType::F64 | DType::F32)
                    && prm.dtype.size() == per
                    && StrideClass::of(prm.strides[n - 1]) == StrideClass::Unit
                    && stores == 1
                    && !out.contains(&p)
                {
                    out.push(p);
                }
            }
        }
        let (value, second) = self.scratch(f);
        let own = value.iter().chain(&second).filter(|&&x| x).count();
        if own + out.len() > MAX_SCRATCH {
            out.clear();
        }
        out
    }

    /// Whether the outlined ops' cost per element (the math table's
    /// `cost`, measured; about 0.3 ns for `sqrt` and division in float64)
    /// is at most 5/4 of a nanosecond per 40 bytes of memory traffic (each
    /// varying param's element, outputs twice: read before written) —
    /// about half the time a core takes to move those bytes.
    pub fn memory_bound(&self, f: &LoopFunc) -> bool {
        let n = f.ndims();
        let mut cost = 0u64;
        for (v, i) in f.body.iter().enumerate() {
            if !self.outlined[v] || self.by_sincos(v) {
                continue;
            }
            let k = (i.ty != DType::F64) as usize;
            cost += match i.op {
                LOp::Unary(u, _) => u.math().map_or([30, 15][k], |m| m.cost[k]),
                LOp::Binary(b, _, _) => b.math().map_or([30, 15][k], |m| m.cost[k]),
                _ => 0,
            } as u64;
        }
        let bytes: u64 = f
            .params
            .iter()
            .filter(|p| StrideClass::of(p.strides[n - 1]) != StrideClass::Zero)
            .map(|p| (p.dtype.size() * (1 + p.output as usize)) as u64)
            .sum();
        // cost (hundredths of ns) ≤ bytes × 2.5 / 2.
        4 * cost <= 5 * bytes
    }

    /// Elements per block: the largest power of two from [`MIN_BLOCK`] to
    /// [`BLOCK`] whose scratch buffers fit [`SCRATCH_BYTES`], rounded down
    /// to a multiple of the loop's step (`vector × unroll`). The partial
    /// last block is as long as whole steps allow (the JIT's remainder
    /// loop does the rest one element at a time).
    ///
    /// Long blocks matter beyond the calls they save: a helper reads its
    /// block with 512-bit loads right after the kernel wrote it with
    /// 128-bit stores, and a load that spans several pending stores waits
    /// for them to reach the cache. Over 64 elements that wait was a
    /// quarter of `tanh`'s time; over 256, the first stores have long
    /// landed when the helper reaches them.
    pub fn block(&self, f: &LoopFunc) -> usize {
        // A scratch element is one lane of the loop's vectors.
        let bytes = self.scratch_count(f) * (VECTOR_BYTES / f.vector.max(1));
        let mut b = BLOCK;
        while b > MIN_BLOCK && b * bytes > SCRATCH_BYTES {
            b /= 2;
        }
        let step = (f.vector * f.unroll).max(1);
        (b / step).max(1) * step
    }

    /// Checks the plan against `f`: lengths, only outlinable ops, `direct`
    /// ops stored once into a contiguous output of their dtype in the last
    /// phase (and then every last-phase instruction is such a store),
    /// `sincos` pairs of an outlined `sin` and `cos` of one value.
    pub fn check(&self, f: &LoopFunc) -> Result<(), String> {
        let len = f.body.len();
        if self.outlined.len() != len || self.direct.len() != len || self.sincos.len() != len {
            return Err("outline plan does not match the body".into());
        }
        if f.vector < 2
            || f.body
                .iter()
                .any(|i| matches!(i.op, LOp::Accum(..) | LOp::ArgAccum { .. }))
        {
            return Err("outlining needs a vector kernel without accumulators".into());
        }
        for v in 0..len {
            if self.outlined[v] && !outlinable(f, v) {
                return Err(format!("v{v} cannot be outlined"));
            }
            if (self.direct[v] || self.sincos[v].is_some()) && !self.outlined[v] {
                return Err(format!("v{v} is marked direct or sincos but not outlined"));
            }
        }
        let n = f.ndims();
        let (phase, phases) = self.phases(f);
        if self.direct.iter().any(|&d| d) {
            let uses = |v: usize| (0..len).filter(|&u| LoopFunc::args(&f.body[u].op).contains(&v)).count();
            for u in (0..len).filter(|&u| inner(f, u) && phase[u] == phases - 1) {
                let ok = match f.body[u].op {
                    LOp::Store(p, v) => {
                        self.direct[v]
                            && uses(v) == 1
                            && StrideClass::of(f.params[p].strides[n - 1]) == StrideClass::Unit
                            && f.params[p].dtype == f.body[v].ty
                    }
                    _ => false,
                };
                if !ok {
                    return Err(format!("v{u}: direct stores need a last phase of direct stores only"));
                }
            }
            if phases < 2 || (0..len).any(|v| self.direct[v] && phase[v] != phases - 2) {
                return Err("a direct op must feed the last phase's store".into());
            }
        }
        for v in 0..len {
            if let Some(w) = self.sincos[v] {
                let ok = w < len
                    && w != v
                    && self.outlined[w]
                    && !self.direct[w]
                    && !self.direct[v]
                    && self.sincos[w].is_none()
                    && f.body[w].ty == f.body[v].ty
                    && self.sincos.iter().filter(|&&s| s == Some(w)).count() == 1
                    && matches!((&f.body[v].op, &f.body[w].op),
                        (LOp::Unary(UnaryOp::Sin, a), LOp::Unary(UnaryOp::Cos, b)) if a == b);
                if !ok {
                    return Err(format!("v{v} sincos v{w}: not a sin and a cos of one value"));
                }
            }
        }
        if self.scratch_count(f) > MAX_SCRATCH {
            return Err(format!("outlining needs more than {MAX_SCRATCH} scratch buffers"));
        }
        Ok(())
    }
}

/// Sets `f.sched.outline` (see the module docs).
pub fn outline(f: &mut LoopFunc) {
    f.sched.outline = plan(f);
    // Outlined ops are one call per block, not per element: when no other
    // call is left, the element loops (the phases) unroll like call-free
    // loops (`unroll` chose 1 for the calls).
    if let Some(o) = &f.sched.outline {
        let calls = (0..f.body.len()).any(|v| !o.outlined[v] && super::unroll::is_call(f, v));
        if !calls {
            f.unroll = super::unroll::choose(f, false);
        }
    }
}

fn plan(f: &LoopFunc) -> Option<Outline> {
    let accum = f
        .body
        .iter()
        .any(|i| matches!(i.op, LOp::Accum(..) | LOp::ArgAccum { .. }));
    if f.vector < 2 || accum || !helpers_available() {
        return None;
    }
    let len = f.body.len();
    let n = f.ndims();
    let outlined: Vec<bool> = (0..len).map(|v| outlinable(f, v)).collect();
    if !outlined.iter().any(|&o| o) {
        return None;
    }
    let mut o = Outline {
        outlined,
        direct: vec![false; len],
        sincos: vec![None; len],
    };
    // The last phase only stores outlined results into contiguous outputs
    // of their dtype: those go direct.
    let (phase, phases) = o.phases(f);
    let last = phases - 1;
    let uses = |v: usize| (0..len).filter(|&u| LoopFunc::args(&f.body[u].op).contains(&v)).count();
    let last_insts: Vec<usize> = (0..len).filter(|&u| inner(f, u) && phase[u] == last).collect();
    let all_direct = phases >= 2
        && !last_insts.is_empty()
        && last_insts.iter().all(|&u| match f.body[u].op {
            LOp::Store(p, v) => {
                o.outlined[v]
                    && uses(v) == 1
                    && StrideClass::of(f.params[p].strides[n - 1]) == StrideClass::Unit
                    && f.params[p].dtype == f.body[v].ty
            }
            _ => false,
        });
    if all_direct {
        for &u in &last_insts {
            if let LOp::Store(_, v) = f.body[u].op {
                o.direct[v] = true;
            }
        }
    }
    // sin(x) and cos(x) of one value share a range reduction.
    for v in 0..len {
        if let (true, false, &LOp::Unary(UnaryOp::Sin, a)) = (o.outlined[v], o.direct[v], &f.body[v].op) {
            let w = (0..len).find(|&w| {
                o.outlined[w]
                    && !o.direct[w]
                    && !o.by_sincos(w)
                    && f.body[w].ty == f.body[v].ty
                    && matches!(f.body[w].op, LOp::Unary(UnaryOp::Cos, b) if b == a)
            });
            o.sincos[v] = w;
        }
    }
    (o.scratch_count(f) <= MAX_SCRATCH).then_some(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> LoopFunc {
        LoopFunc::parse(text).expect("a valid loop")
    }

    /// Blocks are as long as the scratch budget allows, whole vector steps.
    #[test]
    fn blocks_shrink_with_scratch_and_are_whole_steps() {
        let direct = parsed(
            "loop @k0(%a: f64, %t0: f64 out) {\n dims [1000]\n strides %a [1], %t0 [1]\n vector 2 unroll 1\n \
             v0 = load %a : f64\n v1 = exp v0 : f64 outline direct\n store %t0, v1\n}",
        );
        let o = direct.sched.outline.clone().expect("outlined");
        assert_eq!(o.scratch_count(&direct), 0);
        assert_eq!(o.block(&direct), BLOCK);
        // Unroll 3: a step of 6 elements; the block is whole steps.
        let mut odd = direct.clone();
        odd.unroll = 3;
        assert_eq!(o.block(&odd), BLOCK / 6 * 6);
        // Nine f64 scratch buffers of 256 elements exceed the budget: 128.
        let mut text = String::from(
            "loop @k0(%a: f64, %t0: f64 out) {\n dims [1000]\n strides %a [1], %t0 [1]\n vector 2 unroll 1\n v0 = load %a : f64\n",
        );
        for k in 1..=9 {
            text += &format!(" v{k} = exp v0 : f64 outline\n");
        }
        text += " v10 = add v1, v2 : f64\n";
        for k in 3..=9 {
            text += &format!(" v{} = add v{}, v{k} : f64\n", k + 8, k + 7);
        }
        text += " store %t0, v17\n}";
        let many = parsed(&text);
        let o = many.sched.outline.clone().expect("outlined");
        // Nine exps per element: bound by arithmetic, streamed only when
        // every kernel streams (through a tenth scratch buffer).
        assert!(!o.memory_bound(&many) && o.streamed_with(&many, StreamPolicy::Bound).is_empty());
        assert_eq!(o.streamed_with(&many, StreamPolicy::All), vec![1]);
        assert_eq!(o.scratch_count(&many), 9 + o.streamed(&many).len());
        // Thirty-two exps fill the scratch budget: no room to stream.
        let mut text = String::from(
            "loop @k0(%a: f64, %t0: f64 out) {\n dims [1000]\n strides %a [1], %t0 [1]\n vector 2 unroll 1\n v0 = load %a : f64\n",
        );
        for k in 1..=32 {
            text += &format!(" v{k} = exp v0 : f64 outline\n");
        }
        text += " v33 = add v1, v2 : f64\n";
        for k in 3..=32 {
            text += &format!(" v{} = add v{}, v{k} : f64\n", k + 31, k + 30);
        }
        text += " store %t0, v63\n}";
        let full = parsed(&text);
        let of = full.sched.outline.clone().expect("outlined");
        assert!(of.streamed_with(&full, StreamPolicy::All).is_empty());
        assert_eq!(of.scratch_count(&full), MAX_SCRATCH);
        assert_eq!(o.block(&many), 128);
        assert!(o.block(&many) * 9 * 8 <= SCRATCH_BYTES);
        // One exp and a product with a second input: bound by memory, the
        // output streamed through a tenth scratch buffer.
        let light = parsed(
            "loop @k0(%a: f64, %b: f64, %t0: f64 out) {\n dims [1000]\n strides %a [1], %b [1], %t0 [1]\n \
             vector 2 unroll 1\n v0 = load %a : f64\n v1 = exp v0 : f64 outline\n v2 = load %b : f64\n \
             v3 = mul v1, v2 : f64\n store %t0, v3\n}",
        );
        let o = light.sched.outline.clone().expect("outlined");
        assert!(o.memory_bound(&light));
        assert_eq!(o.streamed_with(&light, StreamPolicy::Bound), vec![2]);
        assert_eq!(o.streamed_with(&light, StreamPolicy::All), vec![2]);
        assert_eq!(o.scratch_count(&light), 2);
    }

    /// A math function of `a * k + c` (each affine form) reads `a` itself
    /// and the chain from the load is not computed by any phase, unless
    /// another instruction reads it; a NaN constant is not folded.
    #[test]
    fn affine_operands_are_read_by_the_helper() {
        let text = |tail: &str| {
            format!(
                "loop @k0(%a: f64, %t0: f64 out) {{\n dims [1000]\n strides %a [1], %t0 [1]\n vector 2 unroll 1\n \
                 v0 = load %a : f64\n v1 = const 2.0 : f64 hoist 0\n v2 = mul v0, v1 : f64\n \
                 v3 = const 1.0 : f64 hoist 0\n {tail}\n}}"
            )
        };
        let f = parsed(&text(
            "v4 = sub v2, v3 : f64\n v5 = tanh v4 : f64 outline direct\n store %t0, v5",
        ));
        let o = f.sched.outline.clone().expect("outlined");
        assert_eq!(o.source(&f, 5), Some(0));
        assert_eq!(o.source_affine(&f, 5), Some((2.0, -1.0)));
        assert_eq!(o.absorbed(&f), [true, false, true, false, true, false, false]);
        assert!(!o.phase_works(&f, 0));
        // c - a * k = a * -k + c.
        let f = parsed(&text(
            "v4 = sub v3, v2 : f64\n v5 = exp v4 : f64 outline direct\n store %t0, v5",
        ));
        let o = f.sched.outline.clone().expect("outlined");
        assert_eq!(o.source_affine(&f, 5), Some((-2.0, 1.0)));
        // a * k alone: add -0.0, the identity of every sum.
        let f = parsed(&text("v4 = exp v2 : f64 outline direct\n store %t0, v4"));
        let o = f.sched.outline.clone().expect("outlined");
        let (m, c) = o.source_affine(&f, 4).expect("affine");
        assert!(m == 2.0 && c == 0.0 && c.is_sign_negative());
        // k + a: mul 1.
        let f = parsed(&text(
            "v4 = add v3, v0 : f64\n v5 = exp v4 : f64 outline direct\n store %t0, v5",
        ));
        let o = f.sched.outline.clone().expect("outlined");
        assert_eq!(o.source_affine(&f, 5), Some((1.0, 1.0)));
        // (The load also feeds v2 here: it stays.)
        assert_eq!(o.absorbed(&f), [false, false, false, false, true, false, false]);
        // a * 2 also read by the sum after the call: computed, not absorbed.
        let f = parsed(&text(
            "v4 = sub v2, v3 : f64\n v5 = tanh v4 : f64 outline\n v6 = add v5, v2 : f64\n store %t0, v6",
        ));
        let o = f.sched.outline.clone().expect("outlined");
        assert_eq!(o.source_affine(&f, 5), Some((2.0, -1.0)));
        assert_eq!(o.absorbed(&f), [false, false, false, false, true, false, false, false]);
        assert!(o.phase_works(&f, 0));
        // A NaN constant: a - NaN is not a + (-NaN) bit for bit.
        let f = parsed(
            "loop @k0(%a: f64, %t0: f64 out) {\n dims [1000]\n strides %a [1], %t0 [1]\n vector 2 unroll 1\n \
             v0 = load %a : f64\n v1 = const nan : f64 hoist 0\n v2 = sub v0, v1 : f64\n \
             v3 = exp v2 : f64 outline direct\n store %t0, v3\n}",
        );
        let o = f.sched.outline.clone().expect("outlined");
        assert_eq!(o.source(&f, 3), None);
        assert!(o.absorbed(&f).iter().all(|&x| !x));
    }
}
