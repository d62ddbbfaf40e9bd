//! The lazy front end: [`Expr`], its operators and methods, and lowering to
//! the graph IR.
//!
//! An `Expr` is an immutable tree node behind an `Arc`: cloning is cheap and
//! sub-expressions are shared. Every node knows its dtype and shape (or the
//! error that building it caused); errors propagate to the root and surface
//! from `eval`/`explain`, naming the operation, so operator chains need no
//! `?` at every step.
//!
//! Python scalars follow NEP 50: a literal (`2`, `2.5`, `True`, or a Rust
//! number used as an operand) is *weak* and takes the array operand's dtype
//! when it fits — `2 * a` keeps `a`'s dtype.
//!
//! This file holds `Expr` itself (its node kinds and leaves); promotion and
//! the element-wise ops are in `promote.rs`, reductions and views in
//! `shape_ops.rs`.

mod api;
pub mod graph;
pub mod graph_text;
mod lower;
pub mod parse;
mod promote;
mod py;
mod shape_ops;
pub mod simplify;

/// The op table lives below `expr` (see `crate::ops`); re-exported here.
pub use crate::internals::ops;
pub use api::{IntoExpr, Kwargs};
pub use graph::{Graph, Node, NodeId};
pub use lower::{lower, lower_donating, lower_full, Donation, Lowered, StreamLowered};
pub(crate) use lower::{lower_stream, InputKey};
pub use ops::{BinaryOp, Op, ReduceOp, UnaryOp};
pub use py::PyScalar;

use crate::array::{layout, Array, DType, Scalar};
use crate::error::{Error, Result};
use crate::runtime::stream::{Input, OpenSource};
use graph::infer_type;
use std::collections::HashMap;
use std::sync::Arc;

/// A lazy array expression. Nothing is computed until [`Expr::eval`].
///
/// ```
/// use lazyfuse::{lazy, Array};
/// let a = Array::from_vec(vec![1.0f64, 2.0, 3.0]);
/// let x = lazy(&a);
/// let y = (&x * 2.0 + 1.0).sqrt();
/// assert_eq!(y.eval()?.to_vec::<f64>()?, vec![3f64.sqrt(), 5f64.sqrt(), 7f64.sqrt()]);
/// # Ok::<(), lazyfuse::Error>(())
/// ```
#[derive(Clone)]
pub struct Expr(pub(crate) Arc<ExprNode>);

pub(crate) struct ExprNode {
    pub(crate) kind: ExprKind,
    /// dtype and shape, or the first error met while building.
    pub(crate) ty: std::result::Result<(DType, Vec<usize>), Error>,
    /// Whether an input handed over by value is somewhere below.
    pub(crate) has_owned: bool,
    /// Whether a placeholder input ([`Expr::input`]) is somewhere below:
    /// then the node is a recipe, built for real shapes when a
    /// [`crate::Function`] is called.
    pub(crate) symbolic: bool,
    /// Whether an input read from elsewhere ([`ExprKind::Source`]) is
    /// somewhere below (then evaluation streams).
    pub(crate) has_source: bool,
    /// The simplified graph of this expression as a root, built on first
    /// evaluation (only for expressions without handed-over inputs, whose
    /// lowering never changes), so repeated evaluation skips lowering.
    pub(crate) built: std::sync::OnceLock<Arc<(Graph, Vec<Array>)>>,
}

pub(crate) enum ExprKind {
    /// An input array. `owned`: handed over by value, so an evaluation may
    /// take it out of `slot` and reuse its memory; `slot` is `None` while
    /// an evaluation holds it, and for good once its memory was reused.
    Input {
        name: Option<String>,
        slot: std::sync::Mutex<Option<Array>>,
        owned: bool,
        key: InputKey,
    },
    /// An input read window by window from elsewhere (a `.npy` or Zarr
    /// file) by a streamed evaluation, and read whole by the others.
    Source {
        name: Option<String>,
        src: Arc<dyn OpenSource>,
    },
    /// A weak Python scalar.
    Weak(PyScalar),
    /// A typed input without data ([`Expr::input`]): its shape comes with
    /// each call of the [`crate::Function`] compiled from the expression.
    Placeholder { name: String, dtype: DType },
    /// An operation on operands at least one of which is symbolic: the
    /// front-end call itself, replayed on the bound operands when the shapes
    /// are known, so a compiled function follows exactly the rules (NEP 50
    /// promotion, axis normalisation, broadcasting) of the eager front end.
    Deferred { args: Vec<Expr>, build: DeferredBuild },
    /// An operation on typed operands.
    Op { op: Op, args: Vec<Expr> },
    /// Building failed; `ty` holds the error.
    Error,
}

/// The replayed front-end call of an [`ExprKind::Deferred`] node.
pub(crate) type DeferredBuild = Arc<dyn Fn(&[Expr]) -> Expr + Send + Sync>;

/// Returns, from the enclosing front-end method, a deferred node over the
/// given operands when one of them is symbolic; `|$a| body` rebuilds the
/// node from the bound operands `$a[0], $a[1], …` (in the order given).
macro_rules! defer_symbolic {
    ([$($arg:expr),+ $(,)?], |$a:ident| $body:expr) => {{
        let args: Vec<Expr> = vec![$(Expr::clone(&$arg)),+];
        if args.iter().any(|x| x.0.symbolic) {
            return Expr::deferred(args, std::sync::Arc::new(move |$a: &[Expr]| $body));
        }
    }};
}
pub(crate) use defer_symbolic;

/// Starts a lazy expression from an array.
///
/// `lazy(&a)` borrows (shares the buffer); `lazy(a)` hands the array over,
/// and when nothing else holds its buffer the planner may reuse it for the
/// result.
pub fn lazy(array: impl Into<LazyArray>) -> Expr {
    let LazyArray(array, owned) = array.into();
    Expr::leaf(None, array, owned)
}

/// An array given to [`lazy`]: by reference (shared) or by value (handed over).
pub struct LazyArray(Array, bool);

impl From<&Array> for LazyArray {
    fn from(a: &Array) -> LazyArray {
        LazyArray(a.clone(), false)
    }
}
impl From<Array> for LazyArray {
    fn from(a: Array) -> LazyArray {
        LazyArray(a, true)
    }
}

impl Expr {
    fn new(kind: ExprKind, ty: Result<(DType, Vec<usize>)>) -> Expr {
        let has_owned = match &kind {
            ExprKind::Input { owned, .. } => *owned,
            ExprKind::Op { args, .. } | ExprKind::Deferred { args, .. } => args.iter().any(|a| a.0.has_owned),
            _ => false,
        };
        let symbolic = match &kind {
            ExprKind::Placeholder { .. } | ExprKind::Deferred { .. } => true,
            ExprKind::Op { args, .. } => args.iter().any(|a| a.0.symbolic),
            _ => false,
        };
        let has_source = match &kind {
            ExprKind::Source { .. } => true,
            ExprKind::Op { args, .. } | ExprKind::Deferred { args, .. } => args.iter().any(|a| a.0.has_source),
            _ => false,
        };
        Expr(Arc::new(ExprNode {
            kind,
            ty,
            has_owned,
            symbolic,
            has_source,
            built: std::sync::OnceLock::new(),
        }))
    }

    /// A deferred node (see [`ExprKind::Deferred`]). Its type is unknown
    /// until the shapes are: asking for it is an error that says so.
    pub(crate) fn deferred(args: Vec<Expr>, build: DeferredBuild) -> Expr {
        // An operand that already failed fails the whole expression now.
        if let Some(e) = args.iter().find_map(|a| a.0.ty.as_ref().err()) {
            if !a_symbolic_unknown(e) {
                return Expr::error(e.clone());
            }
        }
        Expr::new(ExprKind::Deferred { args, build }, Err(unknown_until_called()))
    }

    /// Whether the expression has inputs without data ([`Expr::input`]):
    /// it can be compiled ([`Expr::compile`]) but not evaluated.
    pub fn is_symbolic(&self) -> bool {
        self.0.symbolic
    }

    /// The lowered and simplified graph of this expression, cached in the
    /// node when no input was handed over by value.
    pub(crate) fn cached_graph(
        &self,
        build: impl FnOnce() -> Result<(Graph, Vec<Array>)>,
    ) -> Result<Arc<(Graph, Vec<Array>)>> {
        if self.0.has_owned || self.0.has_source {
            // (A source's data would stay in memory with the expression.)
            return build().map(Arc::new);
        }
        if let Some(b) = self.0.built.get() {
            return Ok(b.clone());
        }
        let b = Arc::new(build()?);
        Ok(self.0.built.get_or_init(|| b).clone())
    }

    fn leaf(name: Option<String>, array: Array, owned: bool) -> Expr {
        let ty = Ok((array.dtype(), array.shape().to_vec()));
        let key = (
            name.clone(),
            array.buffer().as_ptr() as usize,
            array.offset(),
            array.shape().to_vec(),
            array.strides().to_vec(),
            array.dtype(),
        );
        Expr::new(
            ExprKind::Input {
                name,
                slot: std::sync::Mutex::new(Some(array)),
                owned,
                key,
            },
            ty,
        )
    }

    /// An input read from elsewhere (see [`OpenSource`]), named or not.
    pub(crate) fn source(name: Option<&str>, src: Arc<dyn OpenSource>) -> Expr {
        let (dt, shape, _) = src.layout();
        let ty = Ok((dt, shape.to_vec()));
        Expr::new(
            ExprKind::Source {
                name: name.map(str::to_string),
                src,
            },
            ty,
        )
    }

    /// A `.npy` file as an input, read when the expression is evaluated:
    /// evaluations stream it window by window (with `pread`, within the
    /// memory budget of [`crate::ExecOptions`], so the file may be larger
    /// than memory). Only its header is read now. The file must not change
    /// until the last evaluation: one that finds it changed (its length or
    /// modification time) is an error. Safe, unlike the memory map of
    /// [`Array::open_npy`].
    ///
    /// ```
    /// use lazyfuse::{Array, Expr};
    /// let path = std::env::temp_dir().join(format!("lazyfuse-doc-npy-{}.npy", std::process::id()));
    /// Array::from_vec(vec![1.0f64, 2.0, 3.0]).write_npy(&path)?;
    /// let a = Expr::npy("a", &path)?;
    /// assert_eq!((&a * 2.0).sum().eval()?.to_scalar::<f64>()?, 12.0);
    /// # std::fs::remove_file(&path).ok();
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn npy(name: &str, path: impl AsRef<std::path::Path>) -> Result<Expr> {
        let f = crate::array::npy::NpyFile::open(path.as_ref())?;
        Ok(Expr::source(Some(name), Arc::new(f)))
    }

    /// A Zarr v3 array (a directory with `zarr.json`, as Python's zarr,
    /// xarray and Dask write them) as an input, read when the expression is
    /// evaluated: evaluations decode it chunk by chunk, within the memory
    /// budget of [`crate::ExecOptions`], so it may be larger than memory.
    /// Only its metadata is read now. Data types: bool, int8 to uint64,
    /// float32, float64; missing chunks read as the fill value. See
    /// [`Expr::eval_to_zarr`] for an example.
    #[cfg(feature = "zarr")]
    pub fn zarr(name: &str, path: impl AsRef<std::path::Path>) -> Result<Expr> {
        let z = crate::internals::zarr::ZarrInput::open(path.as_ref())?;
        Ok(Expr::source(Some(name), Arc::new(z)))
    }

    /// Parses a numexpr/NumPy-style expression (the syntax of
    /// [`Expr::parse`]) over named expressions: arrays ([`lazy`]), files
    /// ([`Expr::npy`]), placeholders ([`Expr::input`]) or any other.
    ///
    /// ```
    /// use lazyfuse::{lazy, Array, Expr};
    /// let a = Array::from_vec(vec![1.0f64, 4.0]);
    /// let e = Expr::parse_exprs("sqrt(x) + 1", &[("x", &lazy(&a))])?;
    /// assert_eq!(e.eval()?.to_vec::<f64>()?, vec![2.0, 3.0]);
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn parse_exprs(src: &str, inputs: &[(&str, &Expr)]) -> Result<Expr> {
        parse::check_input_names(inputs)?;
        let leaves: Vec<(&str, Expr)> = inputs.iter().map(|&(k, e)| (k, e.clone())).collect();
        parse::parse_leaves(src, &leaves).map_err(parse::clip_message)
    }

    /// A named input bound to an array (the name appears in the IR as
    /// `%name`; [`lazy`] picks names itself).
    pub fn named(name: &str, array: &Array) -> Expr {
        Expr::leaf(Some(name.to_string()), array.clone(), false)
    }

    /// A named, typed input without data: the expressions built on it are
    /// compiled once ([`Expr::compile`]) into a [`crate::Function`] and
    /// called with arrays of any shape that fits.
    ///
    /// ```
    /// use lazyfuse::{Array, DType, Expr};
    /// let x = Expr::input("x", DType::F64);
    /// let f = (x.sqrt() + 1.0).compile()?;
    /// let a = Array::from_vec(vec![4.0f64, 9.0]);
    /// assert_eq!(f.call(&[("x", &a)])?.to_vec::<f64>()?, vec![3.0, 4.0]);
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn input(name: &str, dtype: DType) -> Expr {
        Expr::new(
            ExprKind::Placeholder {
                name: name.to_string(),
                dtype,
            },
            Err(unknown_until_called()),
        )
    }

    /// A weak (Python-like) scalar literal.
    pub fn weak(v: PyScalar) -> Expr {
        Expr::new(ExprKind::Weak(v), Ok((v.default_dtype(), vec![])))
    }

    /// A strongly typed 0-d constant (like a NumPy scalar `np.float32(2)`).
    pub fn scalar(v: Scalar) -> Expr {
        Expr::op_unchecked(Op::Const(v), vec![])
    }

    pub(crate) fn error(e: Error) -> Expr {
        Expr::new(ExprKind::Error, Err(e))
    }

    /// The dtype the expression will have, or the error building it caused
    /// (for an expression over [`Expr::input`] placeholders: known once
    /// called, except for a placeholder itself).
    pub fn dtype(&self) -> Result<DType> {
        if let ExprKind::Placeholder { dtype, .. } = &self.0.kind {
            return Ok(*dtype);
        }
        self.0.ty.as_ref().map(|t| t.0).map_err(Clone::clone)
    }

    /// The shape the expression will have, or the error building it caused.
    pub fn shape(&self) -> Result<Vec<usize>> {
        self.0.ty.as_ref().map(|t| t.1.clone()).map_err(Clone::clone)
    }

    pub(crate) fn weak_value(&self) -> Option<PyScalar> {
        match self.0.kind {
            ExprKind::Weak(v) => Some(v),
            _ => None,
        }
    }

    /// An op node; the type rule decides the type (or the error).
    fn op_unchecked(op: Op, args: Vec<Expr>) -> Expr {
        if let Some(e) = args.iter().find_map(|a| a.0.ty.as_ref().err()) {
            return Expr::error(e.clone());
        }
        let types: Vec<(DType, &[usize])> = args
            .iter()
            .map(|a| a.0.ty.as_ref().map(|t| (t.0, &t.1[..])).expect("checked"))
            .collect();
        let ty = infer_type(&op, &types);
        match ty {
            Ok(t) => Expr::new(ExprKind::Op { op, args }, Ok(t)),
            Err(e) => Expr::error(e),
        }
    }

    // ---------------------------------------------------------- lowering

    /// Lowers to a graph plus the arrays bound to its inputs (in the order
    /// of `graph.inputs()`).
    pub fn to_graph(&self) -> Result<(Graph, Vec<Array>)> {
        lower(std::slice::from_ref(self))
    }
}

fn unknown_until_called() -> Error {
    Error::Value(
        "the expression has inputs without data (Expr::input): compile it (Expr::compile) and call the Function".into(),
    )
}

fn a_symbolic_unknown(e: &Error) -> bool {
    *e == unknown_until_called()
}

impl Drop for ExprNode {
    /// Drops the operands of a long chain iteratively: the default drop
    /// would recurse once per level and overflow the stack on a chain of
    /// tens of thousands of operations.
    fn drop(&mut self) {
        let (ExprKind::Op { args, .. } | ExprKind::Deferred { args, .. }) = &mut self.kind else {
            return;
        };
        let mut stack: Vec<Expr> = std::mem::take(args);
        while let Some(e) = stack.pop() {
            if let Some(mut node) = Arc::into_inner(e.0) {
                if let ExprKind::Op { args, .. } | ExprKind::Deferred { args, .. } = &mut node.kind {
                    stack.append(args);
                }
            }
        }
    }
}

impl std::fmt::Debug for Expr {
    /// The graph text of the expression, or the error building it caused.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.to_graph() {
            Ok((g, _)) => write!(f, "{g}"),
            Err(e) => write!(f, "<invalid expression: {e}>"),
        }
    }
}
