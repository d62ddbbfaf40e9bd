//! NumPy 2 / NEP 50 type promotion and the element-wise operations built
//! on it: `promoted_dtype` (strong dtypes promote, weak Python scalars only
//! raise the kind), `resolve` (a weak scalar converted to the operation's
//! dtype, or NumPy's out-of-range error), `binary`/`binary_checked`
//! (including NumPy's exact comparisons of signed with `uint64` and of
//! out-of-range literals), `unary`, `where_`, `clip` and `astype`.
//!
//! Invariant: every dtype change in an expression is an explicit `Cast`
//! node inserted here; the graph's type rules never promote (mixed
//! operand dtypes are an error there).

use super::*;

impl Expr {
    /// Makes a weak scalar strong with its default dtype (`np.asarray(3)`).
    pub(super) fn strong(self) -> Expr {
        match self.weak_value() {
            Some(v) => match v.to_scalar(v.default_dtype()) {
                Ok(s) => Expr::scalar(s),
                Err(e) => Expr::error(e),
            },
            None => self,
        }
    }

    /// Casts to `to` (no node when already of that dtype).
    pub(super) fn cast_to(self, to: DType) -> Expr {
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
    pub(super) fn resolve(self, to: DType, name: &str, wrap: bool) -> Result<Expr> {
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
}
