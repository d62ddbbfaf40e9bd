//! Preparing a graph to run: fuse → plan → lower each kernel for the input
//! layouts → loop passes → JIT (through the kernel cache). A [`Prepared`]
//! holds the result; its layouts say what inputs it accepts (offsets may
//! differ: `launch` moves the pointers).

use super::*;

/// A kernel step ready to launch.
pub(crate) struct PreparedKernel {
    pub(crate) func: LoopFunc,
    pub(crate) binds: Vec<Binding>,
    pub(crate) compiled: Arc<Compiled>,
}

/// Layout of an input: dtype, shape, strides, offset.
pub(crate) type Layout = (DType, Vec<usize>, Vec<isize>, isize);

pub(crate) fn layout_of(a: &Array) -> Layout {
    (
        a.dtype(),
        a.shape().to_vec(),
        kernel_strides(a.shape(), a.strides()),
        a.offset(),
    )
}

/// Whether `a` can run on a plan prepared for layout `l`: same dtype,
/// shape and kernel strides. The offset may differ — kernels take each
/// input's pointer at iteration point zero, which [`launch`] moves by the
/// difference — except for a donated input, which the plan may overwrite
/// in place (only at offset 0).
pub(crate) fn fits(a: &Array, l: &Layout, offset_too: bool) -> bool {
    a.dtype() == l.0
        && a.shape() == l.1.as_slice()
        && a.shape()
            .iter()
            .zip(a.strides())
            .zip(&l.2)
            .all(|((&d, &s), &k)| k == if d <= 1 { 0 } else { s })
        && (!offset_too || a.offset() == l.3)
}

/// Strides as kernels see them: 0 along axes of length 0 or 1, which are
/// never stepped (an array may carry any stride there, up to `isize::MAX`,
/// and no loop bound or pointer bump should be computed from it).
pub(crate) fn kernel_strides(shape: &[usize], strides: &[isize]) -> Vec<isize> {
    shape
        .iter()
        .zip(strides)
        .map(|(&d, &s)| if d <= 1 { 0 } else { s })
        .collect()
}

/// A graph compiled for particular input layouts: run it many times.
pub struct Prepared {
    pub(crate) program: Program,
    pub(crate) layouts: Vec<Layout>,
    pub(crate) kernels: Vec<Option<PreparedKernel>>,
    /// Where every temporary lives (see [`crate::plan`]).
    pub(crate) plan: BufferPlan,
    /// Whether an input was donated (the plan may write over it).
    pub(crate) donating: bool,
    /// Per temporary: the last step that reads it (`None`: never read, or
    /// an output, which lives on).
    pub(crate) last_read: Vec<Option<usize>>,
    /// Per planned buffer: the last step that needs it.
    pub(crate) buf_last: Vec<Option<usize>>,
}

/// Fuses, lowers and compiles `g` for the layouts of `inputs`.
pub fn prepare(g: &Graph, inputs: &[Array]) -> Result<Prepared> {
    prepare_donating(g, inputs, &[])
}

/// [`prepare`] with a buffer plan that may overwrite the inputs marked in
/// `donated` (which the caller guarantees nothing else reads; see
/// [`eval_graph_donating`]).
pub(crate) fn prepare_donating(g: &Graph, inputs: &[Array], donated: &[bool]) -> Result<Prepared> {
    check_inputs(g, inputs)?;
    prepare_layouts(g, inputs.iter().map(layout_of).collect(), donated)
}

/// [`prepare_donating`] for inputs given by their layouts (checked against
/// the graph's inputs).
pub(crate) fn prepare_layouts(g: &Graph, layouts: Vec<Layout>, donated: &[bool]) -> Result<Prepared> {
    crate::pipeline::compile(g, layouts, donated)
}

/// A [`Prepared`] from the stages' results (see `pipeline::compile`).
pub(crate) fn assemble(
    program: Program,
    plan: BufferPlan,
    layouts: Vec<Layout>,
    mask: &[bool],
    kernels: Vec<Option<PreparedKernel>>,
) -> Prepared {
    let (last_read, buf_last) = lifetimes(&program, &plan);
    Prepared {
        program,
        layouts,
        kernels,
        plan,
        donating: mask.iter().any(|&d| d),
        last_read,
        buf_last,
    }
}

/// The streaming section of the `plan` stage: how an evaluation over
/// `inputs` (sources and arrays over mapped files streamed) runs in the
/// default memory budget.
pub(crate) fn stream_text(g: &Graph, inputs: &[stream::Input]) -> Result<String> {
    if !stream::streams(inputs) {
        return Ok(String::new());
    }
    let p = super::plan_cache::prepare_cached_layouts(g, inputs.iter().map(stream::Input::layout).collect())?;
    let streamed: Vec<bool> = inputs
        .iter()
        .map(|i| match i {
            stream::Input::Source(_) => true,
            stream::Input::Array(a) => a.buffer().mapped_file().is_some(),
        })
        .collect();
    Ok(p.stream_text(&streamed, ExecOptions::default().budget()))
}

/// Checks layouts against a graph's inputs.
pub(crate) fn prepare_layouts_check(g: &Graph, layouts: &[Layout]) -> Result<()> {
    if layouts.len() != g.inputs().len() {
        return shape_err!("the graph takes {} inputs, got {}", g.inputs().len(), layouts.len());
    }
    for (&i, l) in g.inputs().iter().zip(layouts) {
        let n = g.node(i);
        if n.dtype != l.0 || n.shape != l.1 {
            return type_err!(
                "input '{}' is declared {}{:?}, got {}{:?}",
                g.input_name(i).unwrap_or("?"),
                n.dtype,
                n.shape,
                l.0,
                l.1
            );
        }
    }
    Ok(())
}

/// Last reading step of every temporary and last step needing every
/// planned buffer (outputs: `None`, they are returned).
pub(crate) fn lifetimes(p: &Program, plan: &BufferPlan) -> (Vec<Option<usize>>, Vec<Option<usize>>) {
    // The planner's own liveness (no second analysis here).
    let (last, _) = crate::plan::last_uses(p);
    let mut buf_last: Vec<Option<usize>> = vec![Some(0); plan.bufs.len()];
    for (b, pb) in plan.bufs.iter().enumerate() {
        buf_last[b] = if pb.output {
            None
        } else {
            pb.tmps
                .iter()
                .map(|&t| last[t as usize])
                .try_fold(0usize, |m, l| l.map(|l| m.max(l)))
        };
    }
    (last, buf_last)
}

pub(crate) fn check_inputs(g: &Graph, inputs: &[Array]) -> Result<()> {
    if inputs.len() != g.inputs().len() {
        return shape_err!("the graph takes {} inputs, got {}", g.inputs().len(), inputs.len());
    }
    for (&i, a) in g.inputs().iter().zip(inputs) {
        let n = g.node(i);
        if n.dtype != a.dtype() || n.shape != a.shape() {
            return type_err!(
                "input '{}' is declared {}{:?}, got {}{:?}",
                g.input_name(i).unwrap_or("?"),
                n.dtype,
                n.shape,
                a.dtype(),
                a.shape()
            );
        }
    }
    Ok(())
}

/// Lowers and optimizes kernel `k`; temporaries are C-contiguous, except
/// `out_layout` (tmp, strides, offset) for a caller-provided output.
pub(crate) fn lower_kernel(
    p: &Program,
    k: &fuse::Kernel,
    kid: usize,
    inputs: &[Layout],
    out_layout: Option<(u32, &[isize], isize)>,
) -> (LoopFunc, Vec<Binding>) {
    let layout = |v: Val| -> (Vec<isize>, isize) {
        match v {
            Val::Input(i) => {
                let l = &inputs[i as usize];
                (l.2.clone(), l.3)
            }
            Val::Tmp(t) => match out_layout {
                Some((ot, st, off)) if ot == t => (st.to_vec(), off),
                _ => (c_strides(&p.tmps[t as usize].1), 0),
            },
        }
    };
    let (mut f, binds) = loops::lower(p, k, &format!("k{kid}"), &layout);
    loops::optimize(&mut f);
    (f, binds)
}
