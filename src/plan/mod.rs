//! `plan_buffers`: fused program → buffer plan (the `plan` stage).
//!
//! **What it does.** Decides where every temporary of a [`Program`] lives:
//! liveness over the step schedule; a buffer is reused once the last step
//! that reads it has run; a kernel writes *in place* over an operand it
//! reads element for element (same dtype, same shape, identity access map)
//! when that operand dies at this step — a temporary, or an input the caller
//! handed over by value (`lazy(array)`). Outputs get their own buffers
//! (they are returned), and never alias an input that was not donated.
//!
//! It also says what eager, one-op-at-a-time evaluation (NumPy) would have
//! allocated for the same graph, so the dump reads "temporaries eliminated:
//! N, bytes saved: X".
//!
//! **Requires** a program whose steps are in dependency order (as `fuse`
//! makes them). **Guarantees** no two temporaries that are live at the same
//! step share a buffer, except an in-place pair whose kernel reads each
//! element before writing it; `BufferPlan::parse(&p.to_string()) == p`.
//! Tests: unit tests below, `ir/plan/*.ir`.

mod text;

use crate::array::DType;
use crate::error::Result;
use crate::expr::{Graph, Op};
use crate::fuse::{Affine, KOp, Program, Step, Val};

/// Where a temporary lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Home {
    /// In planned buffer `bufN`.
    Buf(u32),
    /// In place over donated input `k`.
    Input(u32),
}

/// One planned buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanBuf {
    /// Size in bytes.
    pub bytes: usize,
    /// The temporaries stored in it, in order of definition.
    pub tmps: Vec<u32>,
    /// Whether it holds an output (returned to the caller).
    pub output: bool,
}

/// The buffer plan of a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BufferPlan {
    /// Planned buffers (`buf0`, `buf1`, …).
    pub bufs: Vec<PlanBuf>,
    /// Home of each temporary (`%t0`, `%t1`, …).
    pub homes: Vec<Home>,
    /// Highest sum of live planned bytes over the schedule.
    pub peak_bytes: usize,
    /// Arrays eager evaluation would allocate (one per computing node).
    pub eager_arrays: usize,
    /// Bytes eager evaluation would allocate.
    pub eager_bytes: usize,
    /// Input names (for printing in-place homes).
    pub inputs: Vec<String>,
}

impl BufferPlan {
    /// Bytes of all planned buffers.
    pub fn planned_bytes(&self) -> usize {
        // Saturating: a parsed plan's sizes are whatever its text says.
        self.bufs.iter().fold(0usize, |s, b| s.saturating_add(b.bytes))
    }
    /// Temporaries eager evaluation would allocate that are not allocated
    /// here (fused away, reused, or written in place).
    pub fn temporaries_eliminated(&self) -> usize {
        self.eager_arrays.saturating_sub(self.bufs.len())
    }
    /// Bytes eager evaluation would allocate beyond this plan's.
    pub fn bytes_saved(&self) -> usize {
        self.eager_bytes.saturating_sub(self.planned_bytes())
    }
    /// Parses the `plan` text form.
    pub fn parse(text: &str) -> Result<BufferPlan> {
        text::parse_plan(text)
    }
}

impl std::fmt::Display for BufferPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        text::write_plan(f, self)
    }
}

/// The memory figures of an evaluation, as data (`Expr::memory_report`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemoryReport {
    /// Buffers the plan allocates (outputs included).
    pub buffers: usize,
    /// Their bytes.
    pub planned_bytes: usize,
    /// Highest live planned bytes at any step.
    pub peak_bytes: usize,
    /// Arrays eager evaluation would allocate.
    pub eager_arrays: usize,
    /// Their bytes.
    pub eager_bytes: usize,
    /// `eager_arrays - buffers`.
    pub temporaries_eliminated: usize,
    /// `eager_bytes - planned_bytes`.
    pub bytes_saved: usize,
    /// Temporaries written in place over donated inputs.
    pub in_place: usize,
}

impl BufferPlan {
    /// The figures as data.
    pub fn report(&self) -> MemoryReport {
        MemoryReport {
            buffers: self.bufs.len(),
            planned_bytes: self.planned_bytes(),
            peak_bytes: self.peak_bytes,
            eager_arrays: self.eager_arrays,
            eager_bytes: self.eager_bytes,
            temporaries_eliminated: self.temporaries_eliminated(),
            bytes_saved: self.bytes_saved(),
            in_place: self.homes.iter().filter(|h| matches!(h, Home::Input(_))).count(),
        }
    }
}

/// What eager evaluation allocates for `g`: one array per node that computes
/// (element-wise ops, casts, reductions, copying reshapes); views and
/// constants allocate nothing.
pub fn eager_cost(g: &Graph) -> (usize, usize) {
    let mut n = 0;
    let mut bytes = 0;
    for id in g.ids() {
        let node = g.node(id);
        // Views and constants allocate nothing in NumPy either.
        let computes = !matches!(
            node.op,
            Op::Input(_) | Op::Const(_) | Op::Index(_) | Op::Permute(_) | Op::Broadcast(_) | Op::Reshape(_)
        );
        if computes {
            n += 1;
            bytes += node.shape.iter().product::<usize>() * node.dtype.size();
        }
    }
    (n, bytes)
}

fn bytes_of(t: &(DType, Vec<usize>)) -> usize {
    t.1.iter().product::<usize>() * t.0.size()
}

/// The values a step reads.
fn reads(s: &Step) -> Vec<Val> {
    match s {
        Step::Kernel(k) => k
            .body
            .iter()
            .filter_map(|i| match &i.op {
                KOp::Load { src, .. } => Some(*src),
                _ => None,
            })
            .collect(),
        Step::Node { arg, .. } => vec![*arg],
    }
}

/// The temporaries a step writes.
fn writes(s: &Step) -> Vec<u32> {
    match s {
        Step::Kernel(k) => k.writes(),
        Step::Node { out, .. } => vec![*out],
    }
}

/// The temporaries a step writes element for element (not accumulators,
/// which are filled with an identity before the step runs).
fn stores(s: &Step) -> Vec<u32> {
    match s {
        Step::Kernel(k) => k.stores.iter().map(|&(t, _)| t).collect(),
        Step::Node { .. } => vec![],
    }
}

/// Operands a kernel reads only element for element (every load of the
/// value uses the identity map over the kernel's own shape): the kernel
/// may overwrite them.
fn elementwise_operands(p: &Program, s: &Step) -> Vec<Val> {
    let Step::Kernel(k) = s else { return vec![] };
    let id = Affine::identity(k.shape.len());
    let mut ok: Vec<Val> = vec![];
    let mut bad: Vec<Val> = vec![];
    for i in &k.body {
        if let KOp::Load { src, map } = &i.op {
            if *map == id && p.val_type(*src).1 == k.shape.as_slice() {
                ok.push(*src);
            } else {
                bad.push(*src);
            }
        }
    }
    ok.retain(|v| !bad.contains(v));
    ok.dedup();
    ok
}

/// Plans buffers for `p`. `donated[k]`: input `k` was handed over by value
/// and nothing else holds it, so a kernel may overwrite it. `g` is the graph
/// `p` was fused from (for the eager comparison).
/// The one liveness analysis of a program, which the planner reuses
/// buffers by and the runtime frees them by: per temporary, the last step
/// that needs it — the last that reads it, or for one nothing reads (an
/// argmin's best values) the step that writes it — and `None` for an
/// output, which outlives the program; per input, the last step that reads
/// it.
pub fn last_uses(p: &Program) -> (Vec<Option<usize>>, Vec<Option<usize>>) {
    let mut last_tmp = vec![None::<usize>; p.tmps.len()];
    let mut last_in = vec![None::<usize>; p.inputs.len()];
    for (si, s) in p.steps.iter().enumerate() {
        for v in reads(s) {
            match v {
                Val::Tmp(t) => last_tmp[t as usize] = Some(si),
                Val::Input(k) => last_in[k as usize] = Some(si),
            }
        }
    }
    for (si, s) in p.steps.iter().enumerate() {
        for t in writes(s) {
            last_tmp[t as usize].get_or_insert(si);
        }
    }
    for &o in &p.outputs {
        if let Val::Tmp(t) = o {
            last_tmp[t as usize] = None;
        }
    }
    (last_tmp, last_in)
}

pub fn plan_buffers(p: &Program, g: &Graph, donated: &[bool]) -> BufferPlan {
    let n = p.tmps.len();
    let steps = p.steps.len();
    // Outputs live past the last step.
    let (last_tmp, last_in) = last_uses(p);
    let last_tmp: Vec<Option<usize>> = last_tmp.into_iter().map(|l| Some(l.unwrap_or(steps))).collect();
    let is_output = |v: Val| p.outputs.contains(&v);
    let mut bufs: Vec<PlanBuf> = vec![];
    let mut homes: Vec<Option<Home>> = vec![None; n];
    let mut free: Vec<u32> = vec![];
    let mut donated_used = vec![false; p.inputs.len()];
    let (mut live, mut peak) = (0usize, 0usize);
    for (si, s) in p.steps.iter().enumerate() {
        let inplace_ok = elementwise_operands(p, s);
        let stored = stores(s);
        let mut taken: Vec<Val> = vec![];
        for t in writes(s) {
            let inplace_ok: &[Val] = if stored.contains(&t) { &inplace_ok } else { &[] };
            let ty = &p.tmps[t as usize];
            let want = bytes_of(ty);
            let out = is_output(Val::Tmp(t));
            // 1. In place over an operand that dies here.
            let over = inplace_ok.iter().find_map(|&v| {
                if p.val_type(v) != (ty.0, ty.1.as_slice()) || taken.contains(&v) {
                    return None;
                }
                match v {
                    Val::Input(k)
                        if donated.get(k as usize) == Some(&true)
                            && last_in[k as usize] == Some(si)
                            && !donated_used[k as usize] =>
                    {
                        Some(Home::Input(k))
                    }
                    Val::Tmp(u) if last_tmp[u as usize] == Some(si) && !out => match homes[u as usize] {
                        Some(Home::Buf(b)) if !bufs[b as usize].output => Some(Home::Buf(b)),
                        Some(h @ Home::Input(_)) => Some(h),
                        _ => None,
                    },
                    _ => None,
                }
            });
            if let Some(&v) = inplace_ok.iter().find(|&&v| {
                over.is_some()
                    && !taken.contains(&v)
                    && p.val_type(v) == (ty.0, ty.1.as_slice())
                    && match (v, over) {
                        (Val::Input(k), Some(Home::Input(j))) => k == j,
                        (Val::Tmp(u), Some(h)) => homes[u as usize] == Some(h),
                        _ => false,
                    }
            }) {
                taken.push(v);
            }
            let home = match over {
                Some(h) => {
                    if let Home::Input(k) = h {
                        donated_used[k as usize] = true;
                    }
                    h
                }
                None => {
                    // 2. A free buffer of the same size (not for outputs:
                    //    the caller keeps those).
                    let reuse = if out {
                        None
                    } else {
                        free.iter().position(|&b| bufs[b as usize].bytes == want)
                    };
                    match reuse {
                        Some(i) => {
                            live += want;
                            Home::Buf(free.swap_remove(i))
                        }
                        None => {
                            bufs.push(PlanBuf {
                                bytes: want,
                                tmps: vec![],
                                output: out,
                            });
                            live += want;
                            Home::Buf(bufs.len() as u32 - 1)
                        }
                    }
                }
            };
            if let Home::Buf(b) = home {
                bufs[b as usize].tmps.push(t);
            }
            homes[t as usize] = Some(home);
        }
        peak = peak.max(live);
        // Free the buffers whose last reader was this step.
        for t in 0..n {
            if last_tmp[t] == Some(si) {
                if let Some(Home::Buf(b)) = homes[t] {
                    let still_used = bufs[b as usize].tmps.iter().any(|&u| {
                        u as usize != t && homes[u as usize].is_some() && last_tmp[u as usize].is_some_and(|l| l > si)
                    });
                    if !still_used && !bufs[b as usize].output && !free.contains(&b) {
                        free.push(b);
                        live -= bufs[b as usize].bytes;
                    }
                }
            }
        }
    }
    let (eager_arrays, eager_bytes) = eager_cost(g);
    BufferPlan {
        bufs,
        homes: homes.into_iter().map(|h| h.unwrap_or(Home::Buf(u32::MAX))).collect(),
        peak_bytes: peak,
        eager_arrays,
        eager_bytes,
        inputs: p.inputs.iter().map(|i| i.0.clone()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Graph;
    use crate::fuse::fuse;

    fn plan(text: &str, donated: &[bool]) -> BufferPlan {
        let g = Graph::parse(text).unwrap();
        let p = fuse(&g).unwrap();
        plan_buffers(&p, &g, donated)
    }

    #[test]
    fn one_kernel_needs_only_its_output() {
        let p = plan(
            "graph @f(%a: f64[1000], %b: f64[1000]) {
                %0 = mul %a, %b : f64[1000]
                %1 = sqrt %0 : f64[1000]
                %2 = add %1, %a : f64[1000]
                return %2
            }",
            &[false, false],
        );
        assert_eq!(p.bufs.len(), 1);
        assert!(p.bufs[0].output);
        assert_eq!(p.peak_bytes, 8000);
        assert_eq!((p.eager_arrays, p.eager_bytes), (3, 24000));
        assert_eq!(p.temporaries_eliminated(), 2);
        assert_eq!(p.bytes_saved(), 16000);
        assert_eq!(BufferPlan::parse(&p.to_string()).unwrap(), p, "{p}");
    }

    #[test]
    fn donated_input_is_overwritten_in_place() {
        let text = "graph @f(%a: f64[1000]) {
                %0 = const 2.0 : f64[]
                %1 = mul %a, %0 : f64[1000]
                return %1
            }";
        let p = plan(text, &[true]);
        assert!(p.bufs.is_empty(), "{p}");
        assert_eq!(p.homes, vec![Home::Input(0)]);
        assert_eq!(p.report().in_place, 1);
        assert!(p.to_string().contains("%t0 in place of %a"), "{p}");
        assert_eq!(BufferPlan::parse(&p.to_string()).unwrap(), p);
        // Not donated: a fresh buffer.
        assert_eq!(plan(text, &[false]).bufs.len(), 1);
    }

    #[test]
    fn a_transposed_read_blocks_in_place() {
        let p = plan(
            "graph @f(%a: f64[4, 4]) {
                %0 = permute %a, [1, 0] : f64[4, 4]
                %1 = add %a, %0 : f64[4, 4]
                return %1
            }",
            &[true],
        );
        assert_eq!(p.homes, vec![Home::Buf(0)], "{p}");
    }

    #[test]
    fn plan_text_errors() {
        for bad in [
            "",
            "plan @f() {",
            "plan @f() { buf1 8 : %t0 peak 0 eager 0 0 }",
            "plan @f() { %t0 in place of %x peak 0 eager 0 0 }",
            "plan @f() { buf0 8 : %q peak 0 eager 0 0 }",
        ] {
            assert!(BufferPlan::parse(bad).is_err(), "{bad}");
        }
    }
}
