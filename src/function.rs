//! Compile once, call many: [`Function`].
//!
//! An expression over typed inputs without data ([`Expr::input`]) is a
//! recipe: every front-end call on a placeholder records itself (a
//! deferred node, see `ExprKind::Deferred`) instead of computing a type.
//! [`Expr::compile`] wraps the recipe in a `Function`; a call binds arrays
//! to the names, replays the recipe for their shapes — the very front-end
//! code an eager expression runs, so promotion, broadcasting and axis rules
//! are the same — and lowers and simplifies it to a graph. That graph is
//! cached per set of input shapes, and under it the prepared plan per set
//! of layouts (dtype, shape, strides; offsets do not matter: kernels take
//! each input's pointer at iteration point zero). A call whose shapes and
//! strides were seen before goes straight to the compiled kernels.
//!
//! Kernels are also shared through the process-wide kernel cache, keyed by
//! loop structure and stride *class* (zero, unit, other): arrays of the same
//! shape with other strides of the same pattern, or at other offsets,
//! reuse compiled code.

use crate::array::{Array, DType, EvalTarget, EvalToken};
use crate::error::{Error, Result};
use crate::expr::{parse, Expr, ExprKind, Graph};
use crate::pipeline::{self, check_dst};
use crate::runtime::{self, ExecOptions, Prepared};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Graphs kept per function (one per set of input shapes seen), least
/// recently used evicted first.
const SHAPE_CAPACITY: usize = 64;
/// Prepared plans kept per graph (one per set of input strides seen).
const LAYOUT_CAPACITY: usize = 16;

/// An expression compiled once and called with arrays many times:
/// `numexpr.NumExpr(ex)` or `jax.jit(f)` for lazyfuse.
///
/// Made by [`Expr::compile`] (inputs are [`Expr::input`] placeholders) or
/// [`Function::parse`] (a string over named, typed inputs). Cheap to clone
/// (one reference count), and `Send + Sync`: one function can be called
/// from many threads at once.
///
/// ```
/// use lazyfuse::{Array, DType, Expr, Function};
///
/// let x = Expr::input("x", DType::F64);
/// let y = Expr::input("y", DType::F64);
/// let f: Function = (x.exp() * &y + 1.0).compile()?;
/// for n in [10, 1000] {
///     let a = Array::from_vec(vec![0.0f64; n]);
///     let b = Array::from_vec(vec![2.0f64; n]);
///     let out = f.call(&[("x", &a), ("y", &b)])?;   // compiled per shape once
///     assert_eq!(out.to_vec::<f64>()?, vec![3.0; n]);
/// }
/// // Wrong names, dtypes and shapes are errors naming the input.
/// let a = Array::from_vec(vec![0.0f32; 3]);
/// let err = f.call(&[("x", &a), ("y", &a)]).unwrap_err();
/// assert_eq!(err.to_string(), "input 'x' is declared f64, got f32");
/// # Ok::<(), lazyfuse::Error>(())
/// ```
///
/// Several functions, results into existing arrays, and what a call runs:
///
/// ```
/// use lazyfuse::{Array, DType, Expr, Function, Error};
///
/// fn compile_once() -> Result<(), Error> {
///     // Named, typed inputs without data: shapes come with each call.
///     let x = Expr::input("x", DType::F64);
///     let y = Expr::input("y", DType::F64);
///     let f: Function = (x.exp() * &y + 1.0).compile()?;
///     let a = Array::from_vec(vec![0.5f64; 1000]);
///     let b = Array::from_vec(vec![2.0f64; 1000]);
///     let out = f.call(&[("x", &a), ("y", &b)])?;   // compiled for this layout once, cached
///     let mut dst = Array::zeros(DType::F64, &[1000]);
///     f.call_into(&[("x", &a), ("y", &b)], &mut dst)?;
///     let g = Function::parse("sum(a * b, axis=0)", &[("a", DType::F32), ("b", DType::F32)])?;
///     println!("{}", f.explain(&[("x", &a), ("y", &b)])?);
///     let _ = (out, g);
///     Ok(())
/// }
/// compile_once().unwrap();
/// ```
#[derive(Clone)]
pub struct Function {
    inner: Arc<Inner>,
}

struct Inner {
    outputs: Vec<Expr>,
    /// The named inputs, in declaration order ([`Function::parse`]) or
    /// order of first appearance ([`Expr::compile`]).
    params: Vec<(String, DType)>,
    /// Per set of input shapes, the graph (most recently used last).
    bound: Mutex<Vec<Arc<Bound>>>,
}

/// The function lowered for one set of input shapes.
struct Bound {
    shapes: Vec<Vec<usize>>,
    graph: Graph,
    /// Per graph input: where its array comes from.
    sources: Vec<Source>,
    /// Plans prepared for sets of input layouts (most recently used last).
    prepared: Mutex<Vec<Arc<Prepared>>>,
}

enum Source {
    /// The function's input `i`.
    Param(usize),
    /// An array captured in the expression (`x * lazy(&w)`).
    Fixed(Array),
}

impl std::fmt::Debug for Function {
    /// `Function(x: f64, y: f64) -> 1 output`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ins: Vec<String> = self.inputs().map(|(n, t)| format!("{n}: {t}")).collect();
        let n = self.output_count();
        write!(
            f,
            "Function({}) -> {n} output{}",
            ins.join(", "),
            if n == 1 { "" } else { "s" }
        )
    }
}

impl Expr {
    /// Compiles an expression over [`Expr::input`] placeholders into a
    /// [`Function`] (see there). An expression without placeholders
    /// compiles to a function of no inputs.
    pub fn compile(&self) -> Result<Function> {
        Function::new(std::slice::from_ref(self))
    }
}

impl Function {
    /// A function of several outputs computed together (shared work done
    /// once), called with [`Function::call_many`].
    pub fn new(outputs: &[Expr]) -> Result<Function> {
        if outputs.is_empty() {
            return Err(Error::Value("a function needs at least one output".into()));
        }
        let params = placeholders(outputs)?;
        Function::with_params(outputs.to_vec(), params)
    }

    /// Parses a numexpr/NumPy-style expression (the syntax of
    /// [`Expr::parse`]) over named, typed inputs.
    ///
    /// ```
    /// use lazyfuse::{Array, DType, Function};
    /// let g = Function::parse("sum(a * b, axis=0)", &[("a", DType::F32), ("b", DType::F32)])?;
    /// let a = Array::from_shape_vec(&[2, 2], vec![1.0f32, 2.0, 3.0, 4.0])?;
    /// assert_eq!(g.call(&[("a", &a), ("b", &a)])?.to_vec::<f32>()?, vec![10.0, 20.0]);
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn parse(src: &str, inputs: &[(&str, DType)]) -> Result<Function> {
        parse::check_input_names(inputs)?;
        let leaves: Vec<(&str, Expr)> = inputs.iter().map(|&(k, t)| (k, Expr::input(k, t))).collect();
        let e = parse::parse_leaves(src, &leaves).map_err(parse::clip_message)?;
        let params = inputs.iter().map(|&(k, t)| (k.to_string(), t)).collect();
        Function::with_params(vec![e], params)
    }

    fn with_params(outputs: Vec<Expr>, params: Vec<(String, DType)>) -> Result<Function> {
        // An expression that failed to build (a bad dtype for an op, a
        // shape error among bound arrays) fails now.
        for o in &outputs {
            if let Err(e) = o.dtype() {
                if !o.is_symbolic() {
                    return Err(e);
                }
            }
        }
        Ok(Function {
            inner: Arc::new(Inner {
                outputs,
                params,
                bound: Mutex::new(vec![]),
            }),
        })
    }

    /// The inputs: names and dtypes, in the order calls list them in
    /// messages.
    pub fn inputs(&self) -> impl Iterator<Item = (&str, DType)> {
        self.inner.params.iter().map(|(n, t)| (n.as_str(), *t))
    }

    /// Number of outputs.
    pub fn output_count(&self) -> usize {
        self.inner.outputs.len()
    }

    /// Calls a one-output function with arrays bound by name.
    pub fn call(&self, inputs: &[(&str, &Array)]) -> Result<Array> {
        self.call_with(inputs, &ExecOptions::default())
    }

    /// [`Function::call`] with explicit options (threads).
    pub fn call_with(&self, inputs: &[(&str, &Array)], opts: &ExecOptions) -> Result<Array> {
        self.one_output("call")?;
        Ok(self.call_many_with(inputs, opts)?.pop().expect("one output"))
    }

    /// Calls the function, returning every output.
    pub fn call_many(&self, inputs: &[(&str, &Array)]) -> Result<Vec<Array>> {
        self.call_many_with(inputs, &ExecOptions::default())
    }

    /// [`Function::call_many`] with explicit options (threads).
    pub fn call_many_with(&self, inputs: &[(&str, &Array)], opts: &ExecOptions) -> Result<Vec<Array>> {
        let args = self.arguments(inputs)?;
        let b = self.bound(&args)?;
        let arrays = b.arrays(&args);
        b.prepared(&arrays)?.run(&arrays, opts)
    }

    /// Calls a one-output function, writing the result into `dst` (an
    /// array of the result's dtype and shape, any layout, or a mutable view
    /// of part of one), as [`Expr::eval_into`] does.
    pub fn call_into(&self, inputs: &[(&str, &Array)], dst: &mut impl EvalTarget) -> Result<()> {
        self.call_into_with(inputs, dst, &ExecOptions::default())
    }

    /// [`Function::call_into`] with explicit options (threads).
    pub fn call_into_with(
        &self,
        inputs: &[(&str, &Array)],
        dst: &mut impl EvalTarget,
        opts: &ExecOptions,
    ) -> Result<()> {
        self.one_output("call_into")?;
        let dst = dst.target(EvalToken(()))?;
        let args = self.arguments(inputs)?;
        let b = self.bound(&args)?;
        let n = b.graph.node(b.graph.outputs()[0]);
        check_dst(dst, n.dtype, &n.shape)?;
        let arrays = b.arrays(&args);
        let p = b.prepared(&arrays)?;
        if arrays.iter().any(|a| a.may_overlap(dst)) {
            // Writing directly could change elements before they are read.
            let out = p.run(&arrays, opts)?.pop().expect("one output");
            dst.assign_from(&out);
            return Ok(());
        }
        p.run_into_exclusive(&arrays, dst, opts)
    }

    /// Every stage of what a call with these arrays compiles and runs, as
    /// text (see [`Expr::explain`]).
    pub fn explain(&self, inputs: &[(&str, &Array)]) -> Result<String> {
        let args = self.arguments(inputs)?;
        let roots = self.replay(&args)?;
        pipeline::explain_many(&roots)
    }

    /// How many graphs (sets of input shapes) and prepared plans (sets of
    /// input layouts) this function holds (tests).
    #[doc(hidden)]
    pub fn cached_plans(&self) -> (usize, usize) {
        let v = self.inner.bound.lock().unwrap_or_else(|e| e.into_inner());
        let plans = v
            .iter()
            .map(|b| b.prepared.lock().unwrap_or_else(|e| e.into_inner()).len())
            .sum();
        (v.len(), plans)
    }

    /// Runs a one-output function over inputs that arrive in chunks of
    /// rows — data that never exists whole. `shapes` gives each input's
    /// whole shape; `chunks` yields, in order, the next rows (along axis 0)
    /// of the inputs, by name, in any chunk sizes (an input may be missing
    /// from an item, or have 0 rows in it). The result comes as
    /// [`Expr::eval_chunks`] gives it: row chunks of an element-wise
    /// result, one chunk for a reduction — the bits of
    /// [`Function::call`] on the whole inputs. The chunks are read once:
    /// a function that reads its inputs in two passes (`x - mean(x)`) is
    /// an error (evaluate the reduction first, then the element-wise part).
    ///
    /// ```
    /// use lazyfuse::{Array, DType, ExecOptions, Expr};
    /// let x = Expr::input("x", DType::F64);
    /// let f = (&x * &x).sum().compile()?;
    /// let chunks = (0..10).map(|k| vec![("x".to_string(), Array::from_vec(vec![k as f64; 100]))]);
    /// let r: Vec<Array> = f
    ///     .call_chunks(&[("x", &[1000])], chunks, &ExecOptions::default())?
    ///     .collect::<Result<_, _>>()?;
    /// assert_eq!(r[0].to_scalar::<f64>()?, 28_500.0);
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn call_chunks<I>(
        &self,
        shapes: &[(&str, &[usize])],
        chunks: I,
        opts: &ExecOptions,
    ) -> Result<crate::pipeline::Chunks>
    where
        I: IntoIterator<Item = Vec<(String, Array)>>,
        I::IntoIter: Send + 'static,
    {
        self.one_output("call_chunks")?;
        let params = &self.inner.params;
        let mut declared: Vec<Option<Vec<usize>>> = vec![None; params.len()];
        for &(name, shape) in shapes {
            let Some(i) = params.iter().position(|p| p.0 == name) else {
                return Err(Error::Value(format!("unknown input '{}'", parse::clip(name))));
            };
            if shape.is_empty() {
                return Err(Error::Shape(format!(
                    "input '{name}': a chunked input needs at least one axis"
                )));
            }
            crate::array::layout::checked_bytes(shape, params[i].1.size())?;
            declared[i] = Some(shape.to_vec());
        }
        let types = params
            .iter()
            .zip(&declared)
            .map(|(p, d)| {
                d.clone()
                    .map(|s| (p.1, s))
                    .ok_or_else(|| Error::Value(format!("missing the shape of input '{}'", p.0)))
            })
            .collect::<Result<Vec<_>>>()?;
        let feed = Arc::new(Mutex::new(crate::runtime::stream::ChunkFeed::new(
            Box::new(chunks.into_iter()),
            params.iter().map(|p| p.0.clone()).collect(),
            types,
        )));
        let mut leaves: HashMap<&str, Expr> = HashMap::new();
        for (i, (name, dtype)) in params.iter().enumerate() {
            let shape = declared[i]
                .clone()
                .ok_or_else(|| Error::Value(format!("missing the shape of input '{name}'")))?;
            let src = crate::runtime::stream::ChunkSource::new(feed.clone(), i, *dtype, shape);
            leaves.insert(name.as_str(), Expr::source(Some(name), Arc::new(src)));
        }
        let roots = rebind(&self.inner.outputs, &leaves)?;
        for r in &roots {
            r.dtype()?;
        }
        roots[0].eval_chunks(opts)
    }

    fn one_output(&self, what: &str) -> Result<()> {
        match self.inner.outputs.len() {
            1 => Ok(()),
            n => Err(Error::Value(format!(
                "{what}: the function has {n} outputs; use call_many"
            ))),
        }
    }

    /// The call's arrays in parameter order, checked: every input given
    /// once, with its declared dtype.
    fn arguments<'a>(&self, inputs: &[(&str, &'a Array)]) -> Result<Vec<&'a Array>> {
        let params = &self.inner.params;
        let names = || params.iter().map(|p| p.0.as_str()).collect::<Vec<_>>().join(", ");
        let mut args: Vec<Option<&Array>> = vec![None; params.len()];
        for &(name, a) in inputs {
            let Some(i) = params.iter().position(|p| p.0 == name) else {
                return Err(Error::Value(format!(
                    "unknown input '{}' (inputs: {})",
                    parse::clip(name),
                    if params.is_empty() { "none".into() } else { names() }
                )));
            };
            if args[i].is_some() {
                return Err(Error::Value(format!("input '{name}' is given twice")));
            }
            if a.dtype() != params[i].1 {
                return Err(Error::Type(format!(
                    "input '{name}' is declared {}, got {}",
                    params[i].1,
                    a.dtype()
                )));
            }
            args[i] = Some(a);
        }
        args.into_iter()
            .zip(params)
            .map(|(a, p)| a.ok_or_else(|| Error::Value(format!("missing input '{}' (inputs: {})", p.0, names()))))
            .collect()
    }

    /// The graph for the shapes of `args`, cached.
    fn bound(&self, args: &[&Array]) -> Result<Arc<Bound>> {
        {
            let mut v = self.inner.bound.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(i) = v
                .iter()
                .position(|b| b.shapes.iter().zip(args).all(|(s, a)| s == a.shape()))
            {
                let b = v.remove(i);
                v.push(b.clone());
                return Ok(b);
            }
        }
        let roots = self.replay(args)?;
        let l = pipeline::build(&roots)?;
        let params = &self.inner.params;
        let sources = l
            .graph
            .inputs()
            .iter()
            .zip(&l.arrays)
            .map(|(&id, a)| {
                let name = l.graph.input_name(id).unwrap_or("");
                match params.iter().position(|p| p.0 == name) {
                    Some(i) if a.same_view(args[i]) => Source::Param(i),
                    _ => Source::Fixed(a.clone()),
                }
            })
            .collect();
        let b = Arc::new(Bound {
            shapes: args.iter().map(|a| a.shape().to_vec()).collect(),
            graph: l.graph,
            sources,
            prepared: Mutex::new(vec![]),
        });
        let mut v = self.inner.bound.lock().unwrap_or_else(|e| e.into_inner());
        if v.len() >= SHAPE_CAPACITY {
            v.remove(0);
        }
        v.push(b.clone());
        Ok(b)
    }

    /// The outputs rebuilt over `args` bound to the placeholders: the
    /// recorded front-end calls replayed for real shapes.
    fn replay(&self, args: &[&Array]) -> Result<Vec<Expr>> {
        let params = &self.inner.params;
        let leaves: HashMap<&str, Expr> = params
            .iter()
            .zip(args)
            .map(|((n, _), a)| (n.as_str(), Expr::named(n, a)))
            .collect();
        let roots = rebind(&self.inner.outputs, &leaves)?;
        for r in &roots {
            if let Err(e) = r.dtype() {
                // Name the inputs' shapes: the message of a broadcast or
                // axis error speaks of operands.
                let shapes: Vec<String> = params
                    .iter()
                    .zip(args)
                    .map(|((n, t), a)| format!("{n}: {t}{}", crate::array::layout::shape_str(a.shape())))
                    .collect();
                return Err(e.with_context(&format!("with inputs {}", shapes.join(", "))));
            }
        }
        Ok(roots)
    }
}

impl Bound {
    /// The graph's input arrays for a call.
    fn arrays(&self, args: &[&Array]) -> Vec<Array> {
        self.sources
            .iter()
            .map(|s| match s {
                Source::Param(i) => args[*i].clone(),
                Source::Fixed(a) => a.clone(),
            })
            .collect()
    }

    /// The plan for the layouts of `arrays`, cached.
    fn prepared(&self, arrays: &[Array]) -> Result<Arc<Prepared>> {
        {
            let mut v = self.prepared.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(i) = v.iter().position(|p| p.accepts(arrays)) {
                let p = v.remove(i);
                v.push(p.clone());
                return Ok(p);
            }
        }
        crate::dump::dump_if_requested(&self.graph, arrays)?;
        let p = runtime::prepare_cached(&self.graph, arrays)?;
        let mut v = self.prepared.lock().unwrap_or_else(|e| e.into_inner());
        if v.len() >= LAYOUT_CAPACITY {
            v.remove(0);
        }
        v.push(p.clone());
        Ok(p)
    }
}

/// The placeholders below `outputs`, in order of first appearance; the
/// same name twice must have the same dtype.
fn placeholders(outputs: &[Expr]) -> Result<Vec<(String, DType)>> {
    let mut params: Vec<(String, DType)> = vec![];
    let mut seen = std::collections::HashSet::new();
    let mut stack: Vec<&Expr> = outputs.iter().rev().collect();
    while let Some(e) = stack.pop() {
        if !seen.insert(Arc::as_ptr(&e.0)) || !e.0.symbolic {
            continue;
        }
        match &e.0.kind {
            ExprKind::Placeholder { name, dtype } => match params.iter().find(|p| p.0 == *name) {
                Some((_, t)) if t != dtype => {
                    return Err(Error::Type(format!(
                        "input '{name}' is declared twice, as {t} and as {dtype}"
                    )))
                }
                Some(_) => {}
                None => params.push((name.clone(), *dtype)),
            },
            ExprKind::Deferred { args, .. } | ExprKind::Op { args, .. } => stack.extend(args.iter().rev()),
            _ => {}
        }
    }
    Ok(params)
}

/// Rebuilds the symbolic parts of `roots` with placeholders replaced by
/// `leaves` — in post-order with an explicit stack (no recursion, whatever
/// the depth), each shared node once.
fn rebind(roots: &[Expr], leaves: &HashMap<&str, Expr>) -> Result<Vec<Expr>> {
    let mut memo: HashMap<*const crate::expr::ExprNode, Expr> = HashMap::new();
    let mut stack: Vec<(&Expr, bool)> = roots.iter().rev().map(|r| (r, false)).collect();
    while let Some((e, expanded)) = stack.pop() {
        let key = Arc::as_ptr(&e.0);
        if memo.contains_key(&key) {
            continue;
        }
        if !e.0.symbolic {
            memo.insert(key, e.clone());
            continue;
        }
        match &e.0.kind {
            ExprKind::Placeholder { name, .. } => {
                let leaf = leaves
                    .get(name.as_str())
                    .ok_or_else(|| Error::Internal(format!("placeholder '{name}' unbound")))?;
                memo.insert(key, leaf.clone());
            }
            ExprKind::Deferred { args, .. } | ExprKind::Op { args, .. } if !expanded => {
                stack.push((e, true));
                stack.extend(args.iter().rev().map(|a| (a, false)));
            }
            ExprKind::Deferred { args, build } => {
                let bound: Vec<Expr> = args.iter().map(|a| memo[&Arc::as_ptr(&a.0)].clone()).collect();
                memo.insert(key, build(&bound));
            }
            ExprKind::Op { .. }
            | ExprKind::Input { .. }
            | ExprKind::Source { .. }
            | ExprKind::Weak(_)
            | ExprKind::Error => {
                return Err(Error::Internal("a symbolic node of a concrete kind".into()));
            }
        }
    }
    Ok(roots.iter().map(|r| memo[&Arc::as_ptr(&r.0)].clone()).collect())
}
