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

mod api;
pub mod graph;
pub mod graph_text;
mod lower;
pub mod parse;
mod py;
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

    /// Makes a weak scalar strong with its default dtype (`np.asarray(3)`).
    fn strong(self) -> Expr {
        match self.weak_value() {
            Some(v) => match v.to_scalar(v.default_dtype()) {
                Ok(s) => Expr::scalar(s),
                Err(e) => Expr::error(e),
            },
            None => self,
        }
    }

    /// Casts to `to` (no node when already of that dtype).
    fn cast_to(self, to: DType) -> Expr {
        match self.dtype() {
            Ok(t) if t == to => self,
            Ok(_) => Expr::op_unchecked(Op::Cast(to), vec![self]),
            Err(_) => self,
        }
    }

    /// NEP 50: the dtype of an operation's operands together — strong
    /// dtypes promote; weak scalars only raise the kind (bool < int < float);
    /// weak scalars alone give their defaults.
    fn promoted_dtype(xs: &[Expr]) -> Result<DType> {
        for x in xs {
            x.dtype()?;
        }
        let strong = xs
            .iter()
            .filter(|x| x.weak_value().is_none())
            .map(|x| x.dtype().expect("checked"));
        let weaks: Vec<PyScalar> = xs.iter().filter_map(|x| x.weak_value()).collect();
        Ok(match strong.reduce(DType::promote) {
            Some(t) => weaks.iter().fold(t, |t, w| w.resolve_against(t)),
            None => weaks
                .iter()
                .map(|w| w.default_dtype())
                .reduce(DType::promote)
                .expect("an operand"),
        })
    }

    /// The operand as an expression of dtype `to`: a weak scalar becomes a
    /// constant (an integer that does not fit is an error, or wraps when
    /// `wrap`, as `np.where` does), a strong one is cast.
    fn resolve(self, to: DType, name: &str, wrap: bool) -> Result<Expr> {
        match self.weak_value() {
            Some(PyScalar::Int(i)) if wrap && Scalar::int_in(to, i).is_none() => {
                if i < i64::MIN as i128 || i > u64::MAX as i128 {
                    return Err(Error::Type(format!(
                        "{name}: python integer {i} is out of bounds for int64"
                    )));
                }
                Ok(Expr::scalar(Scalar::U64(i as u64).cast(to)))
            }
            // Truthiness, for the logical ops (NumPy converts the literal
            // to its default int first).
            Some(PyScalar::Int(i)) if to == DType::Bool => match i64::try_from(i) {
                Ok(i) => Ok(Expr::scalar(Scalar::Bool(i != 0))),
                Err(_) => Err(Error::Type(format!(
                    "{name}: python integer {i} out of bounds for int64"
                ))),
            },
            Some(w) => Ok(Expr::scalar(w.to_scalar(to).map_err(|e| match e {
                Error::Type(m) => Error::Type(format!("{name}: {m}")),
                e => e,
            })?)),
            None => Ok(self.cast_to(to)),
        }
    }

    /// An element-wise binary op with NumPy promotion and casts.
    pub fn binary(&self, op: BinaryOp, rhs: impl IntoExpr) -> Expr {
        let rhs = rhs.into_expr();
        defer_symbolic!([self, rhs], |a| a[0].binary(op, &a[1]));
        if let (Some(a), Some(b)) = (self.weak_value(), rhs.weak_value()) {
            if let Some(r) = py::fold_binary(op, a, b) {
                return match r {
                    Ok(v) => Expr::weak(v),
                    Err(e) => Expr::error(e),
                };
            }
        }
        match self.binary_checked(op, rhs) {
            Ok(e) => e,
            Err(e) => Expr::error(e),
        }
    }

    fn binary_checked(&self, op: BinaryOp, rhs: Expr) -> Result<Expr> {
        let lhs = self.clone();
        let t = Expr::promoted_dtype(&[lhs.clone(), rhs.clone()])?;
        let name = op.mnemonic();
        let c = match op.rule() {
            // NumPy's loop search: the first float loop every operand casts
            // to safely (i8 and u16 fit f32 even though they promote to i32).
            ops::Rule::Float => {
                let each = |x: &Expr| {
                    x.weak_value()
                        .map_or_else(|| x.dtype().expect("checked"), |w| w.resolve_against(t))
                };
                let c = DType::promote(each(&lhs).to_float(), each(&rhs).to_float());
                ops::binary_types(op, c)?.0
            }
            // Logical ops work on truthiness.
            _ if matches!(op, BinaryOp::LogicalAnd | BinaryOp::LogicalOr | BinaryOp::LogicalXor) => DType::Bool,
            _ => ops::binary_types(op, t)?.0,
        };
        if let Some(e) = Expr::compare_out_of_range(op, &lhs, &rhs, c) {
            return Ok(e);
        }
        if let Some(e) = Expr::compare_signed_u64(op, &lhs, &rhs) {
            return Ok(e);
        }
        if op == BinaryOp::Pow && !c.is_float() && matches!(rhs.weak_value(), Some(PyScalar::Int(i)) if i < 0) {
            return Err(Error::Value(
                "pow: integers to negative integer powers are not allowed".into(),
            ));
        }
        let (a, b) = (lhs.resolve(c, name, false)?, rhs.resolve(c, name, false)?);
        if op == BinaryOp::Pow && c.is_float() && b.shape()?.iter().all(|&d| d == 1) {
            return Ok(Expr::pow_broadcast_exponent(a, b));
        }
        Ok(Expr::op_unchecked(Op::Binary(op), vec![a, b]))
    }

    /// NumPy's float `power` loop special-cases an exponent that is the same
    /// for every element (stride 0): -1, 0, 0.5, 1 and 2 give `1/x`, `1`,
    /// `sqrt(x)`, `x` and `x*x`, which differ from `pow` at `-0.0`, `-inf`
    /// and in the last bit. Spelled out as a `where` chain so every backend
    /// inherits it; a constant exponent folds to the one branch it selects.
    fn pow_broadcast_exponent(x: Expr, e: Expr) -> Expr {
        let t = x.dtype().expect("typed");
        let k = |v: f64| Expr::scalar(Scalar::F64(v).cast(t));
        let general = Expr::op_unchecked(Op::Binary(BinaryOp::Pow), vec![x.clone(), e.clone()]);
        let cases = [
            (
                2.0,
                Expr::op_unchecked(Op::Binary(BinaryOp::Mul), vec![x.clone(), x.clone()]),
            ),
            (0.5, Expr::op_unchecked(Op::Unary(UnaryOp::Sqrt), vec![x.clone()])),
            (
                -1.0,
                Expr::op_unchecked(Op::Binary(BinaryOp::Div), vec![k(1.0), x.clone()]),
            ),
            (1.0, x.clone()),
            (0.0, k(1.0)),
        ];
        cases.into_iter().rev().fold(general, |acc, (v, then)| {
            let cond = Expr::op_unchecked(Op::Binary(BinaryOp::Eq), vec![e.clone(), k(v)]);
            Expr::op_unchecked(Op::Where, vec![cond, then, acc])
        })
    }

    /// NumPy compares signed integers with uint64 exactly (they would
    /// promote to float64 and lose precision): a negative signed value
    /// decides the answer, otherwise both compare as uint64.
    fn compare_signed_u64(op: BinaryOp, lhs: &Expr, rhs: &Expr) -> Option<Expr> {
        use BinaryOp::*;
        if !matches!(op, Eq | Ne | Lt | Le | Gt | Ge) || lhs.weak_value().is_some() || rhs.weak_value().is_some() {
            return None;
        }
        let (tl, tr) = (lhs.dtype().ok()?, rhs.dtype().ok()?);
        let (signed, unsigned, op) = match (tl, tr) {
            (s, DType::U64) if s.is_signed_int() => (lhs, rhs, op),
            (DType::U64, s) if s.is_signed_int() => {
                let flipped = match op {
                    Lt => Gt,
                    Le => Ge,
                    Gt => Lt,
                    Ge => Le,
                    o => o,
                };
                (rhs, lhs, flipped)
            }
            _ => return None,
        };
        // When the signed side is negative it is below every uint64.
        let when_negative = matches!(op, Ne | Lt | Le);
        let negative = signed.less(0);
        let as_unsigned = signed.astype(DType::U64).binary(op, unsigned);
        Some(Expr::where_(
            negative,
            Expr::scalar(Scalar::Bool(when_negative)),
            as_unsigned,
        ))
    }

    /// NumPy 2 compares integer arrays with Python ints exactly, even ints
    /// outside the array's dtype: the answer is then the same everywhere.
    fn compare_out_of_range(op: BinaryOp, lhs: &Expr, rhs: &Expr, c: DType) -> Option<Expr> {
        use BinaryOp::*;
        if !matches!(op, Eq | Ne | Lt | Le | Gt | Ge) || !c.is_int() {
            return None;
        }
        let (v, other, flipped) = match (lhs.weak_value(), rhs.weak_value()) {
            (None, Some(PyScalar::Int(v))) => (v, lhs, false),
            (Some(PyScalar::Int(v)), None) => (v, rhs, true),
            _ => return None,
        };
        if Scalar::int_in(c, v).is_some() || !other.dtype().is_ok_and(|t| t.is_int()) {
            return None;
        }
        // The literal is above (or below) every value of the dtype.
        let above = v > 0;
        let op = if flipped {
            match op {
                Lt => Gt,
                Le => Ge,
                Gt => Lt,
                Ge => Le,
                o => o,
            }
        } else {
            op
        };
        let r = match op {
            Eq => false,
            Ne => true,
            Lt | Le => above,
            Gt | Ge => !above,
            _ => unreachable!("comparison"),
        };
        let shape = other.shape().ok()?;
        let k = Expr::scalar(Scalar::Bool(r));
        Some(if shape.is_empty() { k } else { k.broadcast_to(&shape) })
    }

    /// An element-wise unary op (weak scalars become strong first, as a
    /// NumPy ufunc makes them).
    pub fn unary(&self, op: UnaryOp) -> Expr {
        defer_symbolic!([self], |a| a[0].unary(op));
        if let Some(v) = self.weak_value() {
            if let Some(r) = py::fold_unary(op, v) {
                return match r {
                    Ok(v) => Expr::weak(v),
                    Err(e) => Expr::error(e),
                };
            }
        }
        let x = self.clone().strong();
        match x.dtype().and_then(|t| ops::unary_types(op, t)) {
            Err(e) => Expr::error(e),
            Ok((c, _)) => Expr::op_unchecked(Op::Unary(op), vec![x.cast_to(c)]),
        }
    }

    /// `where(cond, x, y)`: `x` where `cond` is true, else `y`.
    pub fn where_(cond: impl IntoExpr, x: impl IntoExpr, y: impl IntoExpr) -> Expr {
        let (c, x, y) = (cond.into_expr(), x.into_expr(), y.into_expr());
        defer_symbolic!([c, x, y], |a| Expr::where_(&a[0], &a[1], &a[2]));
        let c = c.strong().cast_to(DType::Bool);
        let r = Expr::promoted_dtype(&[x.clone(), y.clone()]).and_then(|t| {
            // np.where converts out-of-range Python ints with a C cast.
            Ok(Expr::op_unchecked(
                Op::Where,
                vec![c, x.resolve(t, "where", true)?, y.resolve(t, "where", true)?],
            ))
        });
        r.unwrap_or_else(Expr::error)
    }

    /// Element-wise limits: `minimum(maximum(x, lo), hi)` with the dtype of
    /// `result_type(x, lo, hi)`, as `np.clip`.
    pub fn clip(&self, lo: impl IntoExpr, hi: impl IntoExpr) -> Expr {
        let xs = [self.clone(), lo.into_expr(), hi.into_expr()];
        defer_symbolic!([xs[0], xs[1], xs[2]], |a| a[0].clip(&a[1], &a[2]));
        let r = Expr::promoted_dtype(&xs).and_then(|t| {
            let [x, lo, hi] = xs;
            // Bounds outside the dtype's range are fine for np.clip: clamp them.
            let (lo, hi) = (lo.clamp_literal(t), hi.clamp_literal(t));
            let x = x.resolve(t, "clip", false)?;
            let m = Expr::op_unchecked(Op::Binary(BinaryOp::Maximum), vec![x, lo.resolve(t, "clip", false)?]);
            Ok(Expr::op_unchecked(
                Op::Binary(BinaryOp::Minimum),
                vec![m, hi.resolve(t, "clip", false)?],
            ))
        });
        r.unwrap_or_else(Expr::error)
    }

    /// A weak integer clamped into `t`'s range (for `clip` bounds).
    fn clamp_literal(self, t: DType) -> Expr {
        match self.weak_value() {
            Some(PyScalar::Int(i)) if t.is_int() && Scalar::int_in(t, i).is_none() => {
                let (lo, hi) = match t.bits() {
                    64 if t.is_unsigned_int() => (0, u64::MAX as i128),
                    b if t.is_unsigned_int() => (0, (1i128 << b) - 1),
                    b => (-(1i128 << (b - 1)), (1i128 << (b - 1)) - 1),
                };
                Expr::weak(PyScalar::Int(i.clamp(lo, hi)))
            }
            _ => self,
        }
    }

    /// Conversion to `dtype` (NumPy's `astype`, C casting semantics).
    pub fn astype(&self, dtype: DType) -> Expr {
        defer_symbolic!([self], |a| a[0].astype(dtype));
        self.clone().strong().cast_to(dtype)
    }

    /// A reduction over `axes` (`None`: all axes; negative axes count from
    /// the end).
    pub fn reduce(&self, op: ReduceOp, axes: Option<&[isize]>, keepdims: bool, ddof: u32) -> Expr {
        let ax = axes.map(<[isize]>::to_vec);
        defer_symbolic!([self], |a| a[0].reduce(op, ax.as_deref(), keepdims, ddof));
        let x = self.clone().strong();
        let nd = match x.shape() {
            Ok(s) => s.len(),
            Err(e) => return Expr::error(e),
        };
        // NumPy lets most reductions of a 0-d array name axis 0 (or -1):
        // nothing is reduced. mean/var/std refuse, as in NumPy.
        let zero_d_axis = nd == 0 && matches!(axes, Some([0]) | Some([-1]));
        let axes = if zero_d_axis && !matches!(op, ReduceOp::Mean | ReduceOp::Var | ReduceOp::Std) {
            None
        } else {
            axes
        };
        let axes: Vec<usize> = match axes {
            None if op.single_axis() => vec![],
            None => (0..nd).collect(),
            Some(ax) => {
                if op.single_axis() && ax.len() != 1 {
                    return Expr::error(Error::Shape(format!("{op} takes a single axis")));
                }
                let mut v = vec![];
                for &a in ax {
                    match layout::norm_axis(a, nd) {
                        Ok(a) if v.contains(&a) => {
                            return Expr::error(Error::Shape(format!("{op}: duplicate value in 'axis'")));
                        }
                        Ok(a) => v.push(a),
                        Err(e) => return Expr::error(e),
                    }
                }
                v.sort();
                v
            }
        };
        if op.single_axis() && keepdims && axes.is_empty() {
            // argmax(axis=None, keepdims=True) keeps every axis with length 1.
            let flat = Expr::op_unchecked(
                Op::Reshape(vec![x.shape().map(|s| s.iter().product()).unwrap_or(0)]),
                vec![x],
            );
            let r = Expr::op_unchecked(
                Op::Reduce {
                    op,
                    axes: vec![0],
                    keepdims: false,
                    ddof,
                },
                vec![flat],
            );
            return r.reshape(&vec![1; nd]);
        }
        Expr::op_unchecked(
            Op::Reduce {
                op,
                axes,
                keepdims,
                ddof,
            },
            vec![x],
        )
    }

    // ------------------------------------------------------------- views

    fn view(&self, op: Op) -> Expr {
        Expr::op_unchecked(op, vec![self.clone().strong()])
    }

    /// Basic indexing (`x[1:5:2, None, 3]`), a view.
    pub fn slice(&self, index: &[layout::Index]) -> Expr {
        let ix = index.to_vec();
        defer_symbolic!([self], |a| a[0].slice(&ix));
        self.view(Op::Index(index.to_vec()))
    }

    /// The sub-array at `index` along `axis`, a view.
    pub fn index_axis(&self, axis: usize, index: isize) -> Expr {
        defer_symbolic!([self], |a| a[0].index_axis(axis, index));
        match self.shape() {
            Ok(s) if axis < s.len() => {}
            Ok(s) => {
                return Expr::error(Error::Shape(format!(
                    "axis {axis} is out of bounds for array of dimension {}",
                    s.len()
                )))
            }
            Err(e) => return Expr::error(e),
        }
        let mut ix = vec![layout::Index::FULL; axis];
        ix.push(layout::Index::At(index));
        self.slice(&ix)
    }

    /// Transpose (axes reversed).
    pub fn t(&self) -> Expr {
        defer_symbolic!([self], |a| a[0].t());
        match self.shape() {
            Ok(s) => self.view(Op::Permute((0..s.len()).rev().collect())),
            Err(e) => Expr::error(e),
        }
    }

    /// Axis permutation.
    pub fn permute(&self, axes: &[usize]) -> Expr {
        let ax = axes.to_vec();
        defer_symbolic!([self], |a| a[0].permute(&ax));
        self.view(Op::Permute(axes.to_vec()))
    }

    /// Broadcast to a shape without copying.
    pub fn broadcast_to(&self, shape: &[usize]) -> Expr {
        let sh = shape.to_vec();
        defer_symbolic!([self], |a| a[0].broadcast_to(&sh));
        self.view(Op::Broadcast(shape.to_vec()))
    }

    /// Reshape (a view where possible; one dimension may be `usize::MAX`
    /// to infer it).
    pub fn reshape(&self, shape: &[usize]) -> Expr {
        let sh = shape.to_vec();
        defer_symbolic!([self], |a| a[0].reshape(&sh));
        let n = match self.shape() {
            Ok(s) => s.iter().product::<usize>(),
            Err(e) => return Expr::error(e),
        };
        if shape.iter().any(|&d| d != usize::MAX && d > isize::MAX as usize) {
            return Expr::error(Error::Shape(format!(
                "cannot reshape array of size {n} into shape {}",
                layout::shape_str(shape)
            )));
        }
        let req: Vec<isize> = shape
            .iter()
            .map(|&d| if d == usize::MAX { -1 } else { d as isize })
            .collect();
        match layout::resolve_reshape(n, &req) {
            Ok(s) => self.view(Op::Reshape(s)),
            Err(e) => Expr::error(e),
        }
    }

    /// Length-1 axes removed.
    pub fn squeeze(&self) -> Expr {
        defer_symbolic!([self], |a| a[0].squeeze());
        match self.shape() {
            Ok(s) => self.reshape(&s.iter().copied().filter(|&d| d != 1).collect::<Vec<_>>()),
            Err(e) => Expr::error(e),
        }
    }

    /// A new length-1 axis at `axis`.
    pub fn insert_axis(&self, axis: usize) -> Expr {
        defer_symbolic!([self], |a| a[0].insert_axis(axis));
        match self.shape() {
            Ok(s) if axis <= s.len() => {
                let mut ix = vec![layout::Index::FULL; axis];
                ix.push(layout::Index::NewAxis);
                self.slice(&ix)
            }
            Ok(s) => Expr::error(Error::Shape(format!(
                "axis {axis} is out of bounds for inserting into {} dimensions",
                s.len()
            ))),
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
