//! Operators and named methods on [`Expr`], and the one table that maps
//! function names (NumPy's, with their aliases) to them — used by the string
//! parser, so the Rust API and the string syntax cannot drift apart.

use super::ops::{BinaryOp, Op, ReduceOp, UnaryOp};
use super::py::PyScalar;
use super::{defer_symbolic, lazy, Expr};
use crate::array::{Array, DType, Scalar};
use crate::error::{Error, Result};
use std::ops;

/// Anything usable as an operand: expressions, arrays (borrowed) and Rust
/// numbers (as weak Python scalars: `2.0` takes the array's float dtype).
pub trait IntoExpr {
    /// Converts to an expression.
    fn into_expr(self) -> Expr;
}

impl IntoExpr for Expr {
    fn into_expr(self) -> Expr {
        self
    }
}
impl IntoExpr for &Expr {
    fn into_expr(self) -> Expr {
        self.clone()
    }
}
impl IntoExpr for &Array {
    fn into_expr(self) -> Expr {
        lazy(self)
    }
}
impl IntoExpr for PyScalar {
    fn into_expr(self) -> Expr {
        Expr::weak(self)
    }
}
impl IntoExpr for Scalar {
    fn into_expr(self) -> Expr {
        Expr::scalar(self)
    }
}
impl IntoExpr for bool {
    fn into_expr(self) -> Expr {
        Expr::weak(PyScalar::Bool(self))
    }
}
macro_rules! into_expr_num {
    ($($t:ty => $v:ident as $c:ty),*) => {$(
        impl IntoExpr for $t {
            fn into_expr(self) -> Expr { Expr::weak(PyScalar::$v(self as $c)) }
        }
    )*};
}
into_expr_num!(f64 => Float as f64, f32 => Float as f64, i64 => Int as i128, i32 => Int as i128,
               u64 => Int as i128, u32 => Int as i128, usize => Int as i128, isize => Int as i128);

macro_rules! binop_traits {
    ($($tr:ident $m:ident => $op:ident),*) => {$(
        impl<R: IntoExpr> ops::$tr<R> for Expr {
            type Output = Expr;
            fn $m(self, rhs: R) -> Expr { self.binary(BinaryOp::$op, rhs) }
        }
        impl<R: IntoExpr> ops::$tr<R> for &Expr {
            type Output = Expr;
            fn $m(self, rhs: R) -> Expr { self.binary(BinaryOp::$op, rhs) }
        }
        binop_traits!(@scalars $tr $m $op: f64, i64, bool);
    )*};
    (@scalars $tr:ident $m:ident $op:ident: $($t:ty),*) => {$(
        impl ops::$tr<Expr> for $t {
            type Output = Expr;
            fn $m(self, rhs: Expr) -> Expr { self.into_expr().binary(BinaryOp::$op, rhs) }
        }
        impl ops::$tr<&Expr> for $t {
            type Output = Expr;
            fn $m(self, rhs: &Expr) -> Expr { self.into_expr().binary(BinaryOp::$op, rhs) }
        }
    )*};
}
binop_traits!(Add add => Add, Sub sub => Sub, Mul mul => Mul, Div div => Div, Rem rem => Mod,
              BitAnd bitand => BitAnd, BitOr bitor => BitOr, BitXor bitxor => BitXor,
              Shl shl => Shl, Shr shr => Shr);

impl ops::Neg for Expr {
    type Output = Expr;
    fn neg(self) -> Expr {
        self.unary(UnaryOp::Neg)
    }
}
impl ops::Neg for &Expr {
    type Output = Expr;
    fn neg(self) -> Expr {
        self.unary(UnaryOp::Neg)
    }
}
impl ops::Not for Expr {
    type Output = Expr;
    /// `~x`: bitwise not (logical not on bool).
    fn not(self) -> Expr {
        self.unary(UnaryOp::Invert)
    }
}
impl ops::Not for &Expr {
    type Output = Expr;
    fn not(self) -> Expr {
        self.unary(UnaryOp::Invert)
    }
}

macro_rules! unary_methods {
    ($($(#[$d:meta])* $name:ident => $op:ident),*) => {
        impl Expr {$(
            $(#[$d])*
            pub fn $name(&self) -> Expr { self.unary(UnaryOp::$op) }
        )*}
    };
}
unary_methods!(
    /// `+x`.
    positive => Pos, /// `abs(x)`; `abs(INT_MIN) == INT_MIN`.
    abs => Abs, /// `sign(x)`.
    sign => Sign, /// `sqrt(x)`, correctly rounded.
    sqrt => Sqrt, /// `x*x`.
    square => Square, /// `1/x` (integer division for integer dtypes, as NumPy).
    reciprocal => Reciprocal, /// `e**x`.
    exp => Exp, /// `2**x`.
    exp2 => Exp2, /// `e**x - 1`.
    expm1 => Expm1, /// Natural logarithm.
    log => Log, /// Base-2 logarithm.
    log2 => Log2, /// Base-10 logarithm.
    log10 => Log10, /// `log(1 + x)`.
    log1p => Log1p, /// Sine.
    sin => Sin, /// Cosine.
    cos => Cos, /// Tangent.
    tan => Tan, /// Inverse sine.
    arcsin => Arcsin, /// Inverse cosine.
    arccos => Arccos, /// Inverse tangent.
    arctan => Arctan, /// Hyperbolic sine.
    sinh => Sinh, /// Hyperbolic cosine.
    cosh => Cosh, /// Hyperbolic tangent.
    tanh => Tanh, /// Inverse hyperbolic sine.
    arcsinh => Arcsinh, /// Inverse hyperbolic cosine.
    arccosh => Arccosh, /// Inverse hyperbolic tangent.
    arctanh => Arctanh, /// Round down.
    floor => Floor, /// Round up.
    ceil => Ceil, /// Round toward zero.
    trunc => Trunc, /// Round half to even.
    rint => Rint, /// `isnan(x)`.
    isnan => IsNan, /// `isinf(x)`.
    isinf => IsInf, /// `isfinite(x)`.
    isfinite => IsFinite, /// Sign bit set (true for `-0.0`).
    signbit => Signbit, /// `logical_not(x)`.
    logical_not => LogicalNot, /// `~x`.
    invert => Invert
);

macro_rules! binary_methods {
    ($($(#[$d:meta])* $name:ident => $op:ident),*) => {
        impl Expr {$(
            $(#[$d])*
            pub fn $name(&self, other: impl IntoExpr) -> Expr { self.binary(BinaryOp::$op, other) }
        )*}
    };
}
binary_methods!(
    /// `x // y` (floor division; integer division by zero gives 0).
    floor_div => FloorDiv, /// `x ** y`.
    pow => Pow, /// `x == y`.
    equal => Eq, /// `x != y`.
    not_equal => Ne, /// `x < y`.
    less => Lt, /// `x <= y`.
    less_equal => Le, /// `x > y`.
    greater => Gt, /// `x >= y`.
    greater_equal => Ge, /// NaN-propagating maximum.
    maximum => Maximum, /// NaN-propagating minimum.
    minimum => Minimum, /// NaN-ignoring maximum.
    fmax => Fmax, /// NaN-ignoring minimum.
    fmin => Fmin, /// `arctan2(y=self, x=other)`.
    arctan2 => Arctan2, /// `sqrt(x**2 + y**2)` without overflow.
    hypot => Hypot, /// C remainder (sign of the dividend).
    fmod => Fmod, /// Magnitude of `self` with the sign of `other`.
    copysign => Copysign, /// `log(exp(x) + exp(y))`.
    logaddexp => Logaddexp, /// Next float after `self` toward `other`.
    nextafter => Nextafter, /// `logical_and`.
    logical_and => LogicalAnd, /// `logical_or`.
    logical_or => LogicalOr, /// `logical_xor`.
    logical_xor => LogicalXor
);

macro_rules! reduce_methods {
    ($($(#[$d:meta])* $all:ident, $axes:ident => $op:ident),*) => {
        impl Expr {$(
            $(#[$d])*
            pub fn $all(&self) -> Expr { self.reduce(ReduceOp::$op, None, false, 0) }
            $(#[$d])*
            /// Over the given axes (negative count from the end).
            pub fn $axes(&self, axes: &[isize], keepdims: bool) -> Expr {
                self.reduce(ReduceOp::$op, Some(axes), keepdims, 0)
            }
        )*}
    };
}
reduce_methods!(
    /// Sum (bool and signed ints in i64, unsigned in u64).
    sum, sum_axes => Sum,
    /// Product (accumulates like `sum`).
    prod, prod_axes => Prod,
    /// Minimum (NaN-propagating).
    min, min_axes => Min,
    /// Maximum (NaN-propagating).
    max, max_axes => Max,
    /// Arithmetic mean (ints give f64).
    mean, mean_axes => Mean,
    /// Whether any element is true.
    any, any_axes => Any,
    /// Whether all elements are true.
    all, all_axes => All
);

impl Expr {
    /// Variance with `ddof` delta degrees of freedom, over all axes.
    pub fn var(&self, ddof: u32) -> Expr {
        self.reduce(ReduceOp::Var, None, false, ddof)
    }
    /// Variance over the given axes.
    pub fn var_axes(&self, axes: &[isize], keepdims: bool, ddof: u32) -> Expr {
        self.reduce(ReduceOp::Var, Some(axes), keepdims, ddof)
    }
    /// Standard deviation with `ddof`, over all axes.
    pub fn std(&self, ddof: u32) -> Expr {
        self.reduce(ReduceOp::Std, None, false, ddof)
    }
    /// Standard deviation over the given axes.
    pub fn std_axes(&self, axes: &[isize], keepdims: bool, ddof: u32) -> Expr {
        self.reduce(ReduceOp::Std, Some(axes), keepdims, ddof)
    }
    /// Index of the first minimum of the flattened array (i64).
    pub fn argmin(&self) -> Expr {
        self.reduce(ReduceOp::ArgMin, None, false, 0)
    }
    /// Index of the first minimum along `axis`.
    pub fn argmin_axis(&self, axis: isize) -> Expr {
        self.reduce(ReduceOp::ArgMin, Some(&[axis]), false, 0)
    }
    /// Index of the first maximum of the flattened array (i64).
    pub fn argmax(&self) -> Expr {
        self.reduce(ReduceOp::ArgMax, None, false, 0)
    }
    /// Index of the first maximum along `axis`.
    pub fn argmax_axis(&self, axis: isize) -> Expr {
        self.reduce(ReduceOp::ArgMax, Some(&[axis]), false, 0)
    }

    /// `np.round(x)` (decimals 0): round half to even for floats, the value
    /// itself for integers.
    pub fn round(&self) -> Expr {
        defer_symbolic!([self], |a| a[0].round());
        match self.dtype() {
            Ok(t) if t.is_float() => self.rint(),
            Ok(_) => self.clone().strong(),
            Err(e) => Expr::error(e),
        }
    }

    /// The value itself (a copy is made at evaluation anyway).
    pub fn copy(&self) -> Expr {
        self.clone().strong()
    }

    /// The complex conjugate: the value itself on real dtypes (NumPy's
    /// `conj` ufunc has no bool loop, so bool gives int8).
    pub fn conj(&self) -> Expr {
        defer_symbolic!([self], |a| a[0].conj());
        match self.dtype() {
            Ok(DType::Bool) => self.astype(DType::I8),
            _ => self.copy(),
        }
    }

    /// The real part: the value itself on real dtypes.
    pub fn real(&self) -> Expr {
        self.copy()
    }

    /// The imaginary part: zeros on real dtypes.
    pub fn imag(&self) -> Expr {
        self.zeros_like()
    }

    /// Ones of this expression's dtype and shape.
    pub fn ones_like(&self) -> Expr {
        self.filled(1)
    }

    /// Zeros of this expression's dtype and shape.
    pub fn zeros_like(&self) -> Expr {
        self.filled(0)
    }

    fn filled(&self, v: i128) -> Expr {
        defer_symbolic!([self], |a| a[0].filled(v));
        let x = self.clone().strong();
        match (x.dtype(), x.shape()) {
            (Ok(t), Ok(s)) => {
                let c = Expr::scalar(Scalar::int_in(t, v).unwrap_or(Scalar::Bool(v != 0)));
                if s.is_empty() {
                    c
                } else {
                    c.broadcast_to(&s)
                }
            }
            (Err(e), _) | (_, Err(e)) => Expr::error(e),
        }
    }
}

/// Keyword arguments of a function call in the string syntax.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Kwargs {
    /// `axis=` (a tuple or one integer); `None` when absent or `axis=None`.
    pub axis: Option<Vec<isize>>,
    /// `keepdims=`.
    pub keepdims: bool,
    /// `ddof=`.
    pub ddof: u32,
}

impl Expr {
    /// Calls a function by its NumPy name (aliases included) — the table
    /// behind the string syntax. Wrong arity or keywords are errors naming
    /// the function.
    pub fn call(name: &str, args: Vec<Expr>, kw: &Kwargs) -> Result<Expr> {
        let arity = |n: usize| -> Result<()> {
            if args.len() == n {
                Ok(())
            } else {
                Err(Error::Parse(format!(
                    "{name}() takes {n} positional argument{}, got {}",
                    if n == 1 { "" } else { "s" },
                    args.len()
                )))
            }
        };
        let reduce = |op: ReduceOp| -> Result<Expr> {
            arity(1)?;
            if kw.ddof != 0 && !op.has_ddof() {
                return Err(Error::Parse(format!(
                    "{name}() got an unexpected keyword argument 'ddof'"
                )));
            }
            Ok(args[0].reduce(op, kw.axis.as_deref(), kw.keepdims, kw.ddof))
        };
        if let Some(op) = reduce_by_name(name) {
            return reduce(op);
        }
        if kw.axis.is_some() || kw.keepdims || kw.ddof != 0 {
            return Err(Error::Parse(format!("{name}() takes no keyword arguments")));
        }
        if let Some(op) = unary_by_name(name) {
            arity(1)?;
            return Ok(args[0].clone().strong().unary(op));
        }
        if let Some(op) = binary_by_name(name) {
            arity(2)?;
            // A NumPy function of two literals gives a strong NumPy scalar;
            // with an array operand the literals stay weak (NEP 50).
            let (a, b) = (&args[0], &args[1]);
            return Ok(if a.weak_value().is_some() && b.weak_value().is_some() {
                a.clone().strong().binary(op, b.clone().strong())
            } else {
                a.binary(op, b.clone())
            });
        }
        Ok(match name {
            "round" | "around" => {
                arity(1)?;
                args[0].round()
            }
            "where" => {
                arity(3)?;
                Expr::where_(&args[0], &args[1], &args[2])
            }
            "clip" => {
                arity(3)?;
                args[0].clip(&args[1], &args[2])
            }
            "copy" => {
                arity(1)?;
                args[0].copy()
            }
            "conj" | "conjugate" => {
                arity(1)?;
                args[0].conj()
            }
            "real" => {
                arity(1)?;
                args[0].real()
            }
            "imag" => {
                arity(1)?;
                args[0].imag()
            }
            "ones_like" => {
                arity(1)?;
                args[0].ones_like()
            }
            "degrees" | "rad2deg" => {
                arity(1)?;
                args[0].degrees()
            }
            "radians" | "deg2rad" => {
                arity(1)?;
                args[0].radians()
            }
            "heaviside" => {
                arity(2)?;
                args[0].heaviside(&args[1])
            }
            "zeros_like" => {
                arity(1)?;
                args[0].zeros_like()
            }
            _ => return Err(Error::UnknownName(name.to_string())),
        })
    }

    /// Radians to degrees (`np.degrees`, `np.rad2deg`): `x * (180/π)` in
    /// the float dtype `x` computes in, with that dtype's constant, as
    /// NumPy's `npy_rad2deg` does.
    pub fn degrees(&self) -> Expr {
        self.times_float_constant(180.0 / std::f64::consts::PI, 180.0 / std::f32::consts::PI)
    }

    /// Degrees to radians (`np.radians`, `np.deg2rad`): `x * (π/180)`.
    pub fn radians(&self) -> Expr {
        self.times_float_constant(std::f64::consts::PI / 180.0, std::f32::consts::PI / 180.0)
    }

    fn times_float_constant(&self, c64: f64, c32: f32) -> Expr {
        defer_symbolic!([self], |a| a[0].times_float_constant(c64, c32));
        let x = self.clone().strong();
        match x.dtype().and_then(|t| super::ops::unary_types(UnaryOp::Sqrt, t)) {
            Err(e) => Expr::error(e),
            Ok((f, _)) => {
                let c = if f == DType::F32 {
                    Scalar::F32(c32)
                } else {
                    Scalar::F64(c64)
                };
                x.cast_to(f).binary(BinaryOp::Mul, Expr::scalar(c))
            }
        }
    }

    /// NumPy's `heaviside(x, h0)`: 0 where `x < 0`, `h0` where `x == 0`, 1
    /// where `x > 0`, NaN where `x` is NaN; in the float dtype of the
    /// operands together.
    pub fn heaviside(&self, h0: impl IntoExpr) -> Expr {
        let h0 = h0.into_expr();
        defer_symbolic!([self, h0], |a| a[0].heaviside(&a[1]));
        // The dtype NumPy's loop selection gives a float-only binary ufunc
        // (`i16` with `u16` runs the f32 loop): `arctan2`'s, which has the
        // same loops.
        let t = match self.binary(BinaryOp::Arctan2, h0.clone()).dtype() {
            Ok(f) => f,
            Err(e) => return Expr::error(e),
        };
        let (x, h0) = match (
            self.clone().resolve(t, "heaviside", false),
            h0.resolve(t, "heaviside", false),
        ) {
            (Ok(x), Ok(h)) => (x, h),
            (Err(e), _) | (_, Err(e)) => return Expr::error(e),
        };
        let k = |v: f64| Expr::scalar(Scalar::F64(v).cast(t));
        let step = Expr::where_(x.binary(BinaryOp::Lt, k(0.0)), k(0.0), k(1.0));
        let at_zero = Expr::where_(x.binary(BinaryOp::Eq, k(0.0)), h0, step);
        Expr::where_(x.unary(UnaryOp::IsNan), k(f64::NAN), at_zero)
    }

    /// `x.astype('float32')` in the string syntax.
    pub fn astype_named(&self, dtype: &str) -> Result<Expr> {
        Ok(self.astype(dtype.parse::<DType>()?))
    }

    /// `x.T`.
    pub fn transpose(&self) -> Expr {
        self.t()
    }

    /// Whether the expression is a plain op node of this kind (tests).
    #[doc(hidden)]
    pub fn is_op(&self, f: impl Fn(&Op) -> bool) -> bool {
        matches!(&self.0.kind, super::ExprKind::Op { op, .. } if f(op))
    }
}

fn unary_by_name(name: &str) -> Option<UnaryOp> {
    use UnaryOp::*;
    Some(match name {
        "negative" => Neg,
        "positive" => Pos,
        "invert" | "bitwise_not" | "bitwise_invert" => Invert,
        "abs" | "absolute" => Abs,
        "asin" => Arcsin,
        "acos" => Arccos,
        "atan" => Arctan,
        "asinh" => Arcsinh,
        "acosh" => Arccosh,
        "atanh" => Arctanh,
        // IR mnemonics that are not NumPy function names.
        "neg" | "pos" => return None,
        n => return UnaryOp::from_mnemonic(n),
    })
}

fn binary_by_name(name: &str) -> Option<BinaryOp> {
    use BinaryOp::*;
    Some(match name {
        "add" => Add,
        "subtract" => Sub,
        "multiply" => Mul,
        "divide" | "true_divide" => Div,
        "floor_divide" => FloorDiv,
        "mod" | "remainder" => Mod,
        "power" | "pow" => Pow,
        "equal" => Eq,
        "not_equal" => Ne,
        "less" => Lt,
        "less_equal" => Le,
        "greater" => Gt,
        "greater_equal" => Ge,
        "bitwise_and" => BitAnd,
        "bitwise_or" => BitOr,
        "bitwise_xor" => BitXor,
        "left_shift" | "bitwise_left_shift" => Shl,
        "right_shift" | "bitwise_right_shift" => Shr,
        "atan2" => Arctan2,
        // IR mnemonics that are not NumPy function names.
        "sub" | "mul" | "div" | "floordiv" | "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "and" | "or" | "xor" | "shl"
        | "shr" => return None,
        n => return BinaryOp::from_mnemonic(n),
    })
}

fn reduce_by_name(name: &str) -> Option<ReduceOp> {
    match name {
        "amin" => Some(ReduceOp::Min),
        "amax" => Some(ReduceOp::Max),
        n => ReduceOp::from_mnemonic(n),
    }
}

impl Expr {
    /// Python's `x ** y` on an array: NumPy's `fast_scalar_power` turns the
    /// literal power `2` into `square` (for every dtype: `bool ** 2` is
    /// int8), and for float arrays `-1` into `reciprocal` and `0.5` into
    /// `sqrt` (which differ from `pow` at `-0.0` and `-inf`); otherwise `pow`.
    pub fn power_operator(&self, exponent: &Expr) -> Expr {
        defer_symbolic!([self, exponent], |a| a[0].power_operator(&a[1]));
        if let (Some(w), Ok(t)) = (exponent.weak_value(), self.dtype()) {
            if self.weak_value().is_none() && w == PyScalar::Int(2) {
                return self.square();
            }
            if t.is_float() && self.weak_value().is_none() {
                match w {
                    PyScalar::Int(-1) => return self.reciprocal(),
                    PyScalar::Float(0.5) => return self.sqrt(),
                    _ => {}
                }
            }
        }
        self.pow(exponent)
    }
}
