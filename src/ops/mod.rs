//! The ops: every operation of the graph IR, defined once, and what each
//! element-wise op means on one value.
//!
//! This file is the op table: each op has a mnemonic (the IR text), an
//! arity and a type rule. The printer, the parser, the type checker, the
//! interpreter and the JIT all read these definitions; a new op is one row
//! here plus one match arm per backend, and exhaustiveness checking finds
//! the rest. [`scalar`] is NumPy 2's semantics of each element-wise op on
//! one [`Scalar`], which constant folding (`expr::simplify`), the
//! interpreter and the JIT's host functions share.
//!
//! Layering: `ops` depends on `array`, `error` and `math` only, never on
//! `expr`, `interp` or `jit`, which all build on it (`expr` re-exports it
//! as `expr::ops`).
//!
//! Tests: `tests.rs` (hand-picked edge cases of the scalar semantics) and
//! `numpy_cases.rs`, which checks them against the table `numpy_cases.txt`
//! (≈52 000 cases) produced by running NumPy (`gen_numpy_cases.py`).

pub mod scalar;

#[cfg(test)]
mod numpy_cases;
#[cfg(test)]
mod tests;

use crate::array::{DType, Index, Kind, Scalar};
use crate::error::{type_err, Result};
use std::fmt;

macro_rules! op_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $mn:literal, $rule:ident;)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name { $($(#[$vm])* $var,)* }
        impl $name {
            /// Every op of this group, in table order.
            pub const ALL: &'static [$name] = &[$($name::$var,)*];
            /// The IR mnemonic.
            pub const fn mnemonic(self) -> &'static str { match self { $($name::$var => $mn,)* } }
            /// The type rule.
            pub const fn rule(self) -> Rule { match self { $($name::$var => Rule::$rule,)* } }
            /// Looks an op up by mnemonic.
            pub fn from_mnemonic(s: &str) -> Option<$name> {
                match s { $($mn => Some($name::$var),)* _ => None }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.mnemonic()) }
        }
    };
}

/// How an op's result dtype follows from its operands' (already promoted)
/// dtype. See [`Rule::result_dtype`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Same dtype; all kinds.
    Same,
    /// Same dtype; numbers only (bool is a type error).
    Numeric,
    /// Same dtype for numbers, bool computed in int8 (NumPy has no bool loop).
    NumericBoolI8,
    /// Integers and bool only (bitwise).
    Bitwise,
    /// Integers only; bool computed in int8 (shifts).
    Shift,
    /// Computed in floating point: ints go to f32/f64 (see `DType::to_float`).
    Float,
    /// Result is bool; any input.
    Predicate,
    /// Result is bool; inputs converted to float first (`signbit`).
    FloatPredicate,
    /// `/`: ints and bool give f64.
    TrueDiv,
    /// Rounding (`floor`, `ceil`, `trunc`): floats; NumPy 2 keeps ints as they are.
    Round,
}

impl Rule {
    /// The dtype the op computes in and returns, for operand dtype `t` (for
    /// binary ops: the promoted dtype). `Err` names the op and dtype.
    pub fn compute_dtype(self, mnemonic: &str, t: DType) -> Result<DType> {
        let bad = || type_err!("{mnemonic} is not supported for dtype {t}");
        Ok(match self {
            Rule::Same | Rule::Predicate => t,
            Rule::Numeric if t == DType::Bool => return bad(),
            Rule::Numeric => t,
            Rule::NumericBoolI8 if t == DType::Bool => DType::I8,
            Rule::NumericBoolI8 => t,
            Rule::Bitwise if t.is_float() => return bad(),
            Rule::Bitwise => t,
            Rule::Shift if t.is_float() => return bad(),
            Rule::Shift if t == DType::Bool => DType::I8,
            Rule::Shift => t,
            Rule::Float | Rule::FloatPredicate => t.to_float(),
            Rule::TrueDiv if t.is_float() => t,
            Rule::TrueDiv => DType::F64,
            Rule::Round => t,
        })
    }

    /// The result dtype given the compute dtype.
    pub fn result_dtype(self, compute: DType) -> DType {
        match self {
            Rule::Predicate | Rule::FloatPredicate => DType::Bool,
            _ => compute,
        }
    }
}

op_enum! {
    /// Element-wise unary ops.
    UnaryOp {
        /// `-x`
        Neg = "neg", Numeric;
        /// `+x`
        Pos = "pos", Numeric;
        /// `~x`: bitwise not; logical not on bool.
        Invert = "invert", Bitwise;
        /// `abs(x)`; `abs(INT_MIN) == INT_MIN`.
        Abs = "abs", Same;
        /// `sign(x)`: -1, 0, 1 (NaN for NaN).
        Sign = "sign", Numeric;
        /// `sqrt(x)`, correctly rounded.
        Sqrt = "sqrt", Float;
        /// `x*x`.
        Square = "square", NumericBoolI8;
        /// `1/x` (integer division for ints, as NumPy).
        Reciprocal = "reciprocal", NumericBoolI8;
        /// `e**x`
        Exp = "exp", Float;
        /// `2**x`
        Exp2 = "exp2", Float;
        /// `e**x - 1`
        Expm1 = "expm1", Float;
        /// natural log
        Log = "log", Float;
        /// base-2 log
        Log2 = "log2", Float;
        /// base-10 log
        Log10 = "log10", Float;
        /// `log(1 + x)`
        Log1p = "log1p", Float;
        /// cube root
        Cbrt = "cbrt", Float;
        /// sine
        Sin = "sin", Float;
        /// cosine
        Cos = "cos", Float;
        /// tangent
        Tan = "tan", Float;
        /// inverse sine
        Arcsin = "arcsin", Float;
        /// inverse cosine
        Arccos = "arccos", Float;
        /// inverse tangent
        Arctan = "arctan", Float;
        /// hyperbolic sine
        Sinh = "sinh", Float;
        /// hyperbolic cosine
        Cosh = "cosh", Float;
        /// hyperbolic tangent
        Tanh = "tanh", Float;
        /// inverse hyperbolic sine
        Arcsinh = "arcsinh", Float;
        /// inverse hyperbolic cosine
        Arccosh = "arccosh", Float;
        /// inverse hyperbolic tangent
        Arctanh = "arctanh", Float;
        /// round down
        Floor = "floor", Round;
        /// round up
        Ceil = "ceil", Round;
        /// round toward zero
        Trunc = "trunc", Round;
        /// round half to even
        Rint = "rint", Float;
        /// `isnan(x)`
        IsNan = "isnan", Predicate;
        /// `isinf(x)`
        IsInf = "isinf", Predicate;
        /// `isfinite(x)`
        IsFinite = "isfinite", Predicate;
        /// sign bit set (`-0.0` too)
        Signbit = "signbit", FloatPredicate;
        /// `logical_not(x)`
        LogicalNot = "logical_not", Predicate;
    }
}

op_enum! {
    /// Element-wise binary ops. Operands are promoted to one dtype first.
    BinaryOp {
        /// `+` (logical or on bool)
        Add = "add", Same;
        /// `-`
        Sub = "sub", Numeric;
        /// `*` (logical and on bool)
        Mul = "mul", Same;
        /// `/`, true division
        Div = "div", TrueDiv;
        /// `//`, floor division; integer division by zero gives 0
        FloorDiv = "floordiv", NumericBoolI8;
        /// `%`, sign of the divisor; integer modulo by zero gives 0
        Mod = "mod", NumericBoolI8;
        /// `**`
        Pow = "pow", NumericBoolI8;
        /// `==`
        Eq = "eq", Predicate;
        /// `!=`
        Ne = "ne", Predicate;
        /// `<`
        Lt = "lt", Predicate;
        /// `<=`
        Le = "le", Predicate;
        /// `>`
        Gt = "gt", Predicate;
        /// `>=`
        Ge = "ge", Predicate;
        /// `&`
        BitAnd = "and", Bitwise;
        /// `|`
        BitOr = "or", Bitwise;
        /// `^`
        BitXor = "xor", Bitwise;
        /// `<<`; shifts by the bit width or more give 0
        Shl = "shl", Shift;
        /// `>>`; arithmetic for signed, 0 or -1 past the bit width
        Shr = "shr", Shift;
        /// `maximum`, NaN-propagating
        Maximum = "maximum", Same;
        /// `minimum`, NaN-propagating
        Minimum = "minimum", Same;
        /// `fmax`, NaN-ignoring
        Fmax = "fmax", Same;
        /// `fmin`, NaN-ignoring
        Fmin = "fmin", Same;
        /// `arctan2(y, x)`
        Arctan2 = "arctan2", Float;
        /// `hypot(x, y)`
        Hypot = "hypot", Float;
        /// `fmod`, C remainder (sign of the dividend)
        Fmod = "fmod", NumericBoolI8;
        /// `copysign(x, y)`
        Copysign = "copysign", Float;
        /// `log(exp(x) + exp(y))`
        Logaddexp = "logaddexp", Float;
        /// `log2(2**x + 2**y)`
        Logaddexp2 = "logaddexp2", Float;
        /// `nextafter(x, y)`
        Nextafter = "nextafter", Float;
        /// `logical_and`
        LogicalAnd = "logical_and", Predicate;
        /// `logical_or`
        LogicalOr = "logical_or", Predicate;
        /// `logical_xor`
        LogicalXor = "logical_xor", Predicate;
    }
}

impl UnaryOp {
    /// The function of lazyfuse's math module that computes this op on
    /// floats, if there is one: the interpreter, constant folding and
    /// compiled kernels (one element or a block at a time) all call it, so
    /// they agree bit for bit. Adding a function is one row here plus its
    /// code in `math`.
    pub fn math(self) -> Option<&'static crate::math::UnaryFn> {
        use crate::math as m;
        Some(match self {
            UnaryOp::Exp => &m::EXP,
            UnaryOp::Exp2 => &m::EXP2,
            UnaryOp::Expm1 => &m::EXPM1,
            UnaryOp::Log => &m::LOG,
            UnaryOp::Log2 => &m::LOG2,
            UnaryOp::Log10 => &m::LOG10,
            UnaryOp::Log1p => &m::LOG1P,
            UnaryOp::Cbrt => &m::CBRT,
            UnaryOp::Sin => &m::SIN,
            UnaryOp::Cos => &m::COS,
            UnaryOp::Tan => &m::TAN,
            UnaryOp::Arcsin => &m::ARCSIN,
            UnaryOp::Arccos => &m::ARCCOS,
            UnaryOp::Arctan => &m::ARCTAN,
            UnaryOp::Sinh => &m::SINH,
            UnaryOp::Cosh => &m::COSH,
            UnaryOp::Tanh => &m::TANH,
            UnaryOp::Arcsinh => &m::ARCSINH,
            UnaryOp::Arccosh => &m::ARCCOSH,
            UnaryOp::Arctanh => &m::ARCTANH,
            _ => return None,
        })
    }
}

impl BinaryOp {
    /// As [`UnaryOp::math`], for two-argument functions.
    pub fn math(self) -> Option<&'static crate::math::BinaryFn> {
        use crate::math as m;
        Some(match self {
            BinaryOp::Arctan2 => &m::ARCTAN2,
            BinaryOp::Logaddexp => &m::LOGADDEXP,
            BinaryOp::Logaddexp2 => &m::LOGADDEXP2,
            // Float operands only (the interpreter and the JIT ask for
            // float dtypes); integer `**` and `fmod` are integer code.
            BinaryOp::Pow => &m::POWER,
            BinaryOp::Hypot => &m::HYPOT,
            BinaryOp::Fmod => &m::FMOD,
            _ => return None,
        })
    }
}

op_enum! {
    /// Reductions over a set of axes.
    ReduceOp {
        /// sum; bool and signed ints accumulate in i64, unsigned in u64
        Sum = "sum", Same;
        /// product; accumulates like `sum`
        Prod = "prod", Same;
        /// minimum, NaN-propagating
        Min = "min", Same;
        /// maximum, NaN-propagating
        Max = "max", Same;
        /// arithmetic mean; ints give f64
        Mean = "mean", Same;
        /// variance with `ddof`
        Var = "var", Same;
        /// standard deviation with `ddof`
        Std = "std", Same;
        /// any element true
        Any = "any", Predicate;
        /// all elements true
        All = "all", Predicate;
        /// index of the first minimum (i64), over one axis or the flattened array
        ArgMin = "argmin", Same;
        /// index of the first maximum (i64)
        ArgMax = "argmax", Same;
    }
}

impl ReduceOp {
    /// The result dtype for an operand dtype (NumPy's reduction rules).
    pub fn result_dtype(self, t: DType) -> DType {
        match self {
            ReduceOp::Sum | ReduceOp::Prod => match t.kind() {
                Kind::Bool | Kind::Int => DType::I64,
                Kind::UInt => DType::U64,
                Kind::Float => t,
            },
            ReduceOp::Min | ReduceOp::Max => t,
            ReduceOp::Mean | ReduceOp::Var | ReduceOp::Std => {
                if t.is_float() {
                    t
                } else {
                    DType::F64
                }
            }
            ReduceOp::Any | ReduceOp::All => DType::Bool,
            ReduceOp::ArgMin | ReduceOp::ArgMax => DType::I64,
        }
    }

    /// Whether the reduction has no identity, so an empty input is an error.
    pub fn needs_nonempty(self) -> bool {
        matches!(
            self,
            ReduceOp::Min | ReduceOp::Max | ReduceOp::ArgMin | ReduceOp::ArgMax
        )
    }

    /// Whether the op takes `ddof`.
    pub fn has_ddof(self) -> bool {
        matches!(self, ReduceOp::Var | ReduceOp::Std)
    }

    /// Whether the op reduces one axis at most (`argmin`/`argmax`).
    pub fn single_axis(self) -> bool {
        matches!(self, ReduceOp::ArgMin | ReduceOp::ArgMax)
    }
}

/// A graph operation. Operands are the node's `args`, in order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Op {
    /// A graph input, bound to an array at evaluation (no args).
    Input(String),
    /// A 0-d constant (no args).
    Const(Scalar),
    /// Element-wise unary op (1 arg).
    Unary(UnaryOp),
    /// Element-wise binary op on operands of one dtype (2 args, broadcast).
    Binary(BinaryOp),
    /// `where(cond, x, y)`: cond is bool, x and y share a dtype (3 args).
    Where,
    /// Conversion to a dtype (1 arg).
    Cast(DType),
    /// Reduction over `axes` (sorted, unique; for `argmin`/`argmax` empty
    /// means the flattened array). `ddof` only for var/std.
    Reduce {
        /// Which reduction.
        op: ReduceOp,
        /// Axes reduced, sorted.
        axes: Vec<usize>,
        /// Keep reduced axes with length 1.
        keepdims: bool,
        /// Delta degrees of freedom (var/std).
        ddof: u32,
    },
    /// Basic indexing view (1 arg).
    Index(Vec<Index>),
    /// Axis permutation view (1 arg).
    Permute(Vec<usize>),
    /// Broadcast view to a shape (1 arg).
    Broadcast(Vec<usize>),
    /// Reshape (1 arg): a view where strides allow, a copy otherwise.
    Reshape(Vec<usize>),
}

impl Op {
    /// Whether the op calls a host function in the JIT — a math-module
    /// function, or the typed integer `power` helpers — on operands of
    /// `dtype_in` (for the cost model of fusion and unrolling).
    pub fn is_call(&self, dtype_in: DType) -> bool {
        match self {
            Op::Unary(u) if u.math().is_some() && dtype_in.is_float() => true,
            Op::Binary(b) if b.math().is_some() && dtype_in.is_float() => true,
            Op::Unary(u) => matches!(
                u,
                UnaryOp::Exp
                    | UnaryOp::Exp2
                    | UnaryOp::Expm1
                    | UnaryOp::Log
                    | UnaryOp::Log2
                    | UnaryOp::Log10
                    | UnaryOp::Log1p
                    | UnaryOp::Sin
                    | UnaryOp::Cos
                    | UnaryOp::Tan
                    | UnaryOp::Arcsin
                    | UnaryOp::Arccos
                    | UnaryOp::Arctan
                    | UnaryOp::Sinh
                    | UnaryOp::Cosh
                    | UnaryOp::Tanh
                    | UnaryOp::Arcsinh
                    | UnaryOp::Arccosh
                    | UnaryOp::Arctanh
            ),
            Op::Binary(b) => match b {
                BinaryOp::Pow | BinaryOp::Arctan2 | BinaryOp::Hypot | BinaryOp::Logaddexp => true,
                BinaryOp::Fmod | BinaryOp::Mod | BinaryOp::FloorDiv => dtype_in.is_float(),
                _ => false,
            },
            _ => false,
        }
    }

    /// The IR mnemonic.
    pub fn mnemonic(&self) -> &'static str {
        match self {
            Op::Input(_) => "input",
            Op::Const(_) => "const",
            Op::Unary(u) => u.mnemonic(),
            Op::Binary(b) => b.mnemonic(),
            Op::Where => "where",
            Op::Cast(_) => "cast",
            Op::Reduce { op, .. } => op.mnemonic(),
            Op::Index(_) => "index",
            Op::Permute(_) => "permute",
            Op::Broadcast(_) => "broadcast",
            Op::Reshape(_) => "reshape",
        }
    }

    /// Number of operands.
    pub fn arity(&self) -> usize {
        match self {
            Op::Input(_) | Op::Const(_) => 0,
            Op::Binary(_) => 2,
            Op::Where => 3,
            _ => 1,
        }
    }

    /// Element-wise ops (including casts and `where`): fusable without
    /// changing the iteration space.
    pub fn is_elementwise(&self) -> bool {
        matches!(self, Op::Unary(_) | Op::Binary(_) | Op::Where | Op::Cast(_))
    }

    /// Views: re-index their operand without computing.
    pub fn is_view(&self) -> bool {
        matches!(self, Op::Index(_) | Op::Permute(_) | Op::Broadcast(_) | Op::Reshape(_))
    }
}

/// The dtype a binary op computes in and its result dtype, for operands
/// already promoted to `t`.
pub fn binary_types(op: BinaryOp, t: DType) -> Result<(DType, DType)> {
    let c = op.rule().compute_dtype(op.mnemonic(), t)?;
    // Ops whose loops NumPy defines for floats only (besides the Float rule).
    if op == BinaryOp::Pow && c == DType::Bool {
        return type_err!("pow is not supported for dtype bool");
    }
    Ok((c, op.rule().result_dtype(c)))
}

/// The dtype a unary op computes in and its result dtype.
pub fn unary_types(op: UnaryOp, t: DType) -> Result<(DType, DType)> {
    let c = op.rule().compute_dtype(op.mnemonic(), t)?;
    Ok((c, op.rule().result_dtype(c)))
}
