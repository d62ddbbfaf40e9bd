//! The meaning of every element-wise op on one value: NumPy 2's loops,
//! written out once, generically over the element types.
//!
//! [`eval_unary`] and [`eval_binary`] take operands of the dtype the op
//! computes in (the graph invariant) and return a value of the op's result
//! dtype. The array interpreter (`interp`) and constant folding
//! (`expr::simplify`) go through these functions, and the few host
//! functions compiled kernels call for an op with no native lowering
//! (integer `power`: [`power_i64`], [`power_u64`]) are made of the same
//! code; the JIT's native lowerings are tested against them bit for bit
//! (`tests/differential/`).
//!
//! The integer ops follow NumPy's C loops (`loops_arithmetic`,
//! `npy_lshift`/`npy_rshift`, the integer `power` loop), the float ops
//! `npy_divmod`, `npy_remainder` and the x86 SIMD `maximum`/`minimum`
//! loops; the elementary functions (`exp`, `sin`, `power`, `logaddexp`, …)
//! are lazyfuse's own (`crate::math`, named by `UnaryOp::math` and
//! `BinaryOp::math`), in the operand's precision — the very code compiled
//! kernels call, so both agree bit for bit on every machine.

use super::{binary_types, unary_types, BinaryOp, UnaryOp};
use crate::array::{DType, Element, Scalar};
use crate::error::{type_err, Error, Result};
use std::ops::{BitAnd, BitOr, BitXor, Not};

/// Evaluates an element-wise unary op on one value of its compute dtype.
///
/// `Err(Error::Type)` if `x` does not have the dtype the op computes in for
/// it (the graph inserts casts first, so this only catches misuse).
///
/// ```
/// use lazyfuse::internals::ops::{scalar::eval_unary, UnaryOp};
/// use lazyfuse::Scalar;
/// assert_eq!(eval_unary(UnaryOp::Abs, Scalar::I8(-128))?, Scalar::I8(-128));
/// assert_eq!(eval_unary(UnaryOp::Sign, Scalar::F64(-0.0))?, Scalar::F64(0.0));
/// # Ok::<(), lazyfuse::Error>(())
/// ```
pub fn eval_unary(op: UnaryOp, x: Scalar) -> Result<Scalar> {
    let (compute, _) = unary_types(op, x.dtype())?;
    if compute != x.dtype() {
        return type_err!("{op} computes in {compute}, got a {} operand", x.dtype());
    }
    let r = match x {
        Scalar::Bool(v) => unary_bool(op, v),
        Scalar::I8(v) => unary_int(op, v),
        Scalar::I16(v) => unary_int(op, v),
        Scalar::I32(v) => unary_int(op, v),
        Scalar::I64(v) => unary_int(op, v),
        Scalar::U8(v) => unary_int(op, v),
        Scalar::U16(v) => unary_int(op, v),
        Scalar::U32(v) => unary_int(op, v),
        Scalar::U64(v) => unary_int(op, v),
        Scalar::F32(v) => unary_float(op, v),
        Scalar::F64(v) => unary_float(op, v),
    }?;
    debug_assert_eq!(r.dtype(), unary_types(op, x.dtype())?.1, "{op} on {x:?}");
    Ok(r)
}

/// Evaluates an element-wise binary op on two values of its compute dtype.
///
/// Errors: `Err(Error::Type)` for operands of different dtypes or not of the
/// op's compute dtype; `Err(Error::Value)` for an integer to a negative
/// integer power (NumPy raises `ValueError`).
///
/// ```
/// use lazyfuse::internals::ops::{scalar::eval_binary, BinaryOp};
/// use lazyfuse::Scalar;
/// assert_eq!(eval_binary(BinaryOp::FloorDiv, Scalar::I64(-7), Scalar::I64(2))?, Scalar::I64(-4));
/// assert_eq!(eval_binary(BinaryOp::Mod, Scalar::I64(7), Scalar::I64(0))?, Scalar::I64(0));
/// assert!(eval_binary(BinaryOp::Pow, Scalar::I32(2), Scalar::I32(-1)).is_err());
/// # Ok::<(), lazyfuse::Error>(())
/// ```
pub fn eval_binary(op: BinaryOp, a: Scalar, b: Scalar) -> Result<Scalar> {
    if a.dtype() != b.dtype() {
        return type_err!("{op} needs operands of one dtype, got {} and {}", a.dtype(), b.dtype());
    }
    let (compute, _) = binary_types(op, a.dtype())?;
    if compute != a.dtype() {
        return type_err!("{op} computes in {compute}, got {} operands", a.dtype());
    }
    let r = match (a, b) {
        (Scalar::Bool(x), Scalar::Bool(y)) => binary_bool(op, x, y),
        (Scalar::I8(x), Scalar::I8(y)) => binary_int(op, x, y),
        (Scalar::I16(x), Scalar::I16(y)) => binary_int(op, x, y),
        (Scalar::I32(x), Scalar::I32(y)) => binary_int(op, x, y),
        (Scalar::I64(x), Scalar::I64(y)) => binary_int(op, x, y),
        (Scalar::U8(x), Scalar::U8(y)) => binary_int(op, x, y),
        (Scalar::U16(x), Scalar::U16(y)) => binary_int(op, x, y),
        (Scalar::U32(x), Scalar::U32(y)) => binary_int(op, x, y),
        (Scalar::U64(x), Scalar::U64(y)) => binary_int(op, x, y),
        (Scalar::F32(x), Scalar::F32(y)) => binary_float(op, x, y),
        (Scalar::F64(x), Scalar::F64(y)) => binary_float(op, x, y),
        _ => Err(Error::Internal(format!("{op}: operand dtypes differ"))),
    }?;
    debug_assert_eq!(r.dtype(), binary_types(op, a.dtype())?.1, "{op}");
    Ok(r)
}

/// `where(c, x, y)`: `x` where `c` is true, else `y`. The graph guarantees
/// a bool `c` and `x`, `y` of one dtype; any other `c` is read by
/// truthiness.
///
/// ```
/// use lazyfuse::internals::ops::scalar::eval_where;
/// use lazyfuse::Scalar;
/// assert_eq!(eval_where(Scalar::Bool(false), Scalar::I8(1), Scalar::I8(2)), Scalar::I8(2));
/// ```
pub fn eval_where(c: Scalar, x: Scalar, y: Scalar) -> Scalar {
    if c.is_truthy() {
        x
    } else {
        y
    }
}

// ------------------------------------------------------------------- bool

fn unary_bool(op: UnaryOp, x: bool) -> Result<Scalar> {
    use UnaryOp::*;
    Ok(Scalar::Bool(match op {
        // `~` on bool is logical not; `abs` and the rounding functions are
        // the identity.
        Invert | LogicalNot => !x,
        Abs | Floor | Ceil | Trunc => x,
        IsNan | IsInf => false,
        IsFinite => true,
        Neg | Pos | Sign | Sqrt | Square | Reciprocal | Exp | Exp2 | Expm1 | Log | Log2 | Log10 | Log1p | Cbrt
        | Sin | Cos | Tan | Arcsin | Arccos | Arctan | Sinh | Cosh | Tanh | Arcsinh | Arccosh | Arctanh | Rint
        | Signbit => return not_for(op, DType::Bool),
    }))
}

fn binary_bool(op: BinaryOp, x: bool, y: bool) -> Result<Scalar> {
    use BinaryOp::*;
    Ok(Scalar::Bool(match op {
        // NumPy's bool `add` is logical or, `multiply` logical and; the
        // maximum of two bools is their or.
        Add | BitOr | LogicalOr | Maximum | Fmax => x | y,
        Mul | BitAnd | LogicalAnd | Minimum | Fmin => x & y,
        BitXor | LogicalXor | Ne => x ^ y,
        Eq => x == y,
        Lt => !x & y,
        Le => x <= y,
        Gt => x & !y,
        Ge => x >= y,
        Sub | Div | FloorDiv | Mod | Pow | Shl | Shr | Arctan2 | Hypot | Fmod | Copysign | Logaddexp | Logaddexp2
        | Nextafter => return not_for(op, DType::Bool),
    }))
}

fn not_for<T: std::fmt::Display>(op: T, dtype: DType) -> Result<Scalar> {
    type_err!("{op} is not supported for dtype {dtype}")
}

// --------------------------------------------------------------- integers

/// The eight NumPy integer types, as one generic interface.
trait Int:
    Element + Ord + Not<Output = Self> + BitAnd<Output = Self> + BitOr<Output = Self> + BitXor<Output = Self>
{
    const SIGNED: bool;
    const BITS: u32;
    const MIN: Self;
    const ZERO: Self;
    const ONE: Self;
    fn wrapping_add(self, o: Self) -> Self;
    fn wrapping_sub(self, o: Self) -> Self;
    fn wrapping_mul(self, o: Self) -> Self;
    fn wrapping_neg(self) -> Self;
    /// Truncating division; `MIN / -1` wraps to `MIN`. `o != 0`.
    fn wrapping_div(self, o: Self) -> Self;
    /// Truncating remainder; `MIN % -1 == 0`. `o != 0`.
    fn wrapping_rem(self, o: Self) -> Self;
    /// `self << n` for `n < BITS`, wrapping.
    fn shl(self, n: u32) -> Self;
    /// `self >> n` for `n < BITS`, arithmetic for signed types.
    fn shr(self, n: u32) -> Self;
    /// C's `(size_t)self`: the count a shift sees (negative → huge).
    fn as_count(self) -> u64;
}

macro_rules! impl_int {
    ($($t:ty => $signed:expr),*) => {$(
        impl Int for $t {
            const SIGNED: bool = $signed;
            const BITS: u32 = <$t>::BITS;
            const MIN: Self = <$t>::MIN;
            const ZERO: Self = 0;
            const ONE: Self = 1;
            fn wrapping_add(self, o: Self) -> Self { <$t>::wrapping_add(self, o) }
            fn wrapping_sub(self, o: Self) -> Self { <$t>::wrapping_sub(self, o) }
            fn wrapping_mul(self, o: Self) -> Self { <$t>::wrapping_mul(self, o) }
            fn wrapping_neg(self) -> Self { <$t>::wrapping_neg(self) }
            fn wrapping_div(self, o: Self) -> Self { <$t>::wrapping_div(self, o) }
            fn wrapping_rem(self, o: Self) -> Self { <$t>::wrapping_rem(self, o) }
            fn shl(self, n: u32) -> Self { <$t>::wrapping_shl(self, n) }
            fn shr(self, n: u32) -> Self { <$t>::wrapping_shr(self, n) }
            fn as_count(self) -> u64 { self as i128 as u64 }
        }
    )*};
}
impl_int!(i8 => true, i16 => true, i32 => true, i64 => true,
          u8 => false, u16 => false, u32 => false, u64 => false);

fn unary_int<T: Int>(op: UnaryOp, x: T) -> Result<Scalar> {
    use UnaryOp::*;
    let zero = T::ZERO;
    let minus_one = zero.wrapping_sub(T::ONE);
    Ok(match op {
        Neg => x.wrapping_neg().to_scalar(),
        // `floor`, `ceil` and `trunc` of an integer are the integer itself
        // (NumPy 2).
        Pos | Floor | Ceil | Trunc => x.to_scalar(),
        Invert => (!x).to_scalar(),
        // abs(INT_MIN) wraps to INT_MIN.
        Abs if x < zero => x.wrapping_neg().to_scalar(),
        Abs => x.to_scalar(),
        Sign if x < zero => minus_one.to_scalar(),
        Sign if x > zero => T::ONE.to_scalar(),
        Sign => zero.to_scalar(),
        Square => x.wrapping_mul(x).to_scalar(),
        Reciprocal => int_reciprocal(x).to_scalar(),
        IsNan | IsInf => Scalar::Bool(false),
        IsFinite => Scalar::Bool(true),
        LogicalNot => Scalar::Bool(x == zero),
        Sqrt | Exp | Exp2 | Expm1 | Log | Log2 | Log10 | Log1p | Cbrt | Sin | Cos | Tan | Arcsin | Arccos | Arctan
        | Sinh | Cosh | Tanh | Arcsinh | Arccosh | Arctanh | Rint | Signbit => return not_for(op, T::DTYPE),
    })
}

/// NumPy's integer `reciprocal` is `(T)(1.0 / x)`: exact 1 and -1, 0 for
/// every other non-zero `x`. For `x == 0` it converts `inf` to the integer
/// type, which on x86 gives `INT_MIN` for 32- and 64-bit signed types and
/// 0 for the rest (the value NumPy returns there, with no error).
fn int_reciprocal<T: Int>(x: T) -> T {
    let minus_one = T::ZERO.wrapping_sub(T::ONE);
    if x == T::ZERO {
        if T::SIGNED && T::BITS >= 32 {
            T::MIN
        } else {
            T::ZERO
        }
    } else if x == T::ONE || (T::SIGNED && x == minus_one) {
        x
    } else {
        T::ZERO
    }
}

fn binary_int<T: Int>(op: BinaryOp, x: T, y: T) -> Result<Scalar> {
    use BinaryOp::*;
    let zero = T::ZERO;
    Ok(match op {
        Add => x.wrapping_add(y).to_scalar(),
        Sub => x.wrapping_sub(y).to_scalar(),
        Mul => x.wrapping_mul(y).to_scalar(),
        FloorDiv => int_floor_div(x, y).to_scalar(),
        Mod => int_mod(x, y).to_scalar(),
        // C `%`: the sign of the dividend; by zero gives 0.
        Fmod if y == zero => zero.to_scalar(),
        Fmod => x.wrapping_rem(y).to_scalar(),
        Pow => int_pow(x, y)?.to_scalar(),
        Eq => Scalar::Bool(x == y),
        Ne => Scalar::Bool(x != y),
        Lt => Scalar::Bool(x < y),
        Le => Scalar::Bool(x <= y),
        Gt => Scalar::Bool(x > y),
        Ge => Scalar::Bool(x >= y),
        BitAnd => (x & y).to_scalar(),
        BitOr => (x | y).to_scalar(),
        BitXor => (x ^ y).to_scalar(),
        Shl => int_shl(x, y).to_scalar(),
        Shr => int_shr(x, y).to_scalar(),
        Maximum | Fmax => x.max(y).to_scalar(),
        Minimum | Fmin => x.min(y).to_scalar(),
        LogicalAnd => Scalar::Bool(x != zero && y != zero),
        LogicalOr => Scalar::Bool(x != zero || y != zero),
        LogicalXor => Scalar::Bool((x != zero) != (y != zero)),
        Div | Arctan2 | Hypot | Copysign | Logaddexp | Logaddexp2 | Nextafter => return not_for(op, T::DTYPE),
    })
}

/// `x // y` rounding toward minus infinity; `x // 0 == 0`; `MIN // -1`
/// wraps to `MIN`.
fn int_floor_div<T: Int>(x: T, y: T) -> T {
    if y == T::ZERO {
        return T::ZERO;
    }
    let q = x.wrapping_div(y);
    if x.wrapping_rem(y) != T::ZERO && ((x < T::ZERO) != (y < T::ZERO)) {
        q.wrapping_sub(T::ONE)
    } else {
        q
    }
}

/// `x % y` with the sign of `y`; `x % 0 == 0`; `MIN % -1 == 0`.
fn int_mod<T: Int>(x: T, y: T) -> T {
    if y == T::ZERO {
        return T::ZERO;
    }
    let r = x.wrapping_rem(y);
    if r != T::ZERO && ((r < T::ZERO) != (y < T::ZERO)) {
        r.wrapping_add(y)
    } else {
        r
    }
}

/// `x ** y` by repeated squaring, wrapping; `0 ** 0 == 1`; a negative
/// exponent is NumPy's `ValueError`.
fn int_pow<T: Int>(x: T, y: T) -> Result<T> {
    int_pow_checked(x, y).ok_or_else(|| Error::Value("integers to negative integer powers are not allowed".into()))
}

/// The signed integer `power` of every width, `None` for a negative
/// exponent. Operands of a narrower type are sign-extended: wrapping
/// products agree modulo 2^bits with the narrow type's, so the result
/// truncated to that width is the narrow `power` (what compiled kernels
/// call; see `jit::host`).
///
/// ```
/// use lazyfuse::internals::ops::scalar::power_i64;
/// assert_eq!(power_i64(-3, 3), Some(-27));
/// assert_eq!(power_i64(2, 64), Some(0));
/// assert_eq!(power_i64(2, -1), None);
/// ```
pub fn power_i64(x: i64, y: i64) -> Option<i64> {
    int_pow_checked(x, y)
}

/// The unsigned integer `power` of every width (zero-extended operands, as
/// [`power_i64`]); it never fails.
///
/// ```
/// use lazyfuse::internals::ops::scalar::power_u64;
/// assert_eq!(power_u64(3, 4), 81);
/// assert_eq!(power_u64(u64::MAX, 2), 1);
/// ```
pub fn power_u64(x: u64, y: u64) -> u64 {
    int_pow_checked(x, y).unwrap_or(0)
}

fn int_pow_checked<T: Int>(x: T, y: T) -> Option<T> {
    if y < T::ZERO {
        return None;
    }
    let mut e = y.as_count();
    let mut base = x;
    let mut out = T::ONE;
    while e > 0 {
        if e & 1 == 1 {
            out = out.wrapping_mul(base);
        }
        base = base.wrapping_mul(base);
        e >>= 1;
    }
    Some(out)
}

/// `npy_lshift`: counts of the bit width or more (negative counts too,
/// which C's `(size_t)` cast makes huge) give 0.
fn int_shl<T: Int>(x: T, n: T) -> T {
    let n = n.as_count();
    if n < u64::from(T::BITS) {
        x.shl(n as u32)
    } else {
        T::ZERO
    }
}

/// `npy_rshift`: counts of the bit width or more (or negative) give 0, or
/// -1 for a negative signed `x`.
fn int_shr<T: Int>(x: T, n: T) -> T {
    let n = n.as_count();
    if n < u64::from(T::BITS) {
        x.shr(n as u32)
    } else if x < T::ZERO {
        T::ZERO.wrapping_sub(T::ONE)
    } else {
        T::ZERO
    }
}

// ----------------------------------------------------------------- floats

/// `f32` and `f64`, as one generic interface: `num_traits::Float` for the
/// IEEE basics (comparisons, `abs`, `floor`, `sqrt`, `copysign`, …), plus
/// what it lacks; the elementary functions come from `crate::math` through
/// `math1`/`math2`.
trait Float: Element + num_traits::Float + num_traits::ConstZero + num_traits::ConstOne {
    const HALF: Self;
    fn round_ties_even(self) -> Self;
    fn next_up(self) -> Self;
    fn next_down(self) -> Self;
    /// A math-module function of one argument, in this precision.
    fn math1(f: &crate::math::UnaryFn, x: Self) -> Self;
    /// A math-module function of two arguments, in this precision.
    fn math2(f: &crate::math::BinaryFn, x: Self, y: Self) -> Self;
}

macro_rules! impl_float {
    ($t:ident) => {
        impl Float for $t {
            const HALF: Self = 0.5;
            fn round_ties_even(self) -> Self {
                <$t>::round_ties_even(self)
            }
            fn next_up(self) -> Self {
                <$t>::next_up(self)
            }
            fn next_down(self) -> Self {
                <$t>::next_down(self)
            }
            fn math1(f: &crate::math::UnaryFn, x: Self) -> Self {
                (f.$t)(x)
            }
            fn math2(f: &crate::math::BinaryFn, x: Self, y: Self) -> Self {
                (f.$t)(x, y)
            }
        }
    };
}
impl_float!(f32);
impl_float!(f64);

fn unary_float<F: Float>(op: UnaryOp, x: F) -> Result<Scalar> {
    use UnaryOp::*;
    let v = match op {
        Neg => -x,
        Pos => x,
        Abs => x.abs(),
        // NumPy: `x > 0 ? 1 : x < 0 ? -1 : x == 0 ? 0 : x`, so
        // sign(-0.0) == +0.0 and sign(NaN) is that NaN.
        Sign if x > F::ZERO => F::ONE,
        Sign if x < F::ZERO => -F::ONE,
        Sign if x == F::ZERO => F::ZERO,
        Sign => x,
        Sqrt => x.sqrt(),
        Square => x * x,
        Reciprocal => F::ONE / x,
        Floor => x.floor(),
        Ceil => x.ceil(),
        Trunc => x.trunc(),
        Rint => x.round_ties_even(),
        IsNan => return Ok(Scalar::Bool(x.is_nan())),
        IsInf => return Ok(Scalar::Bool(x.is_infinite())),
        IsFinite => return Ok(Scalar::Bool(x.is_finite())),
        Signbit => return Ok(Scalar::Bool(x.is_sign_negative())),
        LogicalNot => return Ok(Scalar::Bool(x == F::ZERO)),
        // The elementary functions: lazyfuse's math module (see
        // `UnaryOp::math`), the same code compiled kernels call.
        op => match op.math() {
            Some(f) => F::math1(f, x),
            None => return not_for(op, F::DTYPE),
        },
    };
    Ok(v.to_scalar())
}

fn binary_float<F: Float>(op: BinaryOp, x: F, y: F) -> Result<Scalar> {
    use BinaryOp::*;
    let v = match op {
        Add => x + y,
        Sub => x - y,
        Mul => x * y,
        Div => x / y,
        FloorDiv => divmod(x, y).0,
        Mod => divmod(x, y).1,
        Eq => return Ok(Scalar::Bool(x == y)),
        Ne => return Ok(Scalar::Bool(x != y)),
        Lt => return Ok(Scalar::Bool(x < y)),
        Le => return Ok(Scalar::Bool(x <= y)),
        Gt => return Ok(Scalar::Bool(x > y)),
        Ge => return Ok(Scalar::Bool(x >= y)),
        // NumPy's (x86 SIMD) loops: a NaN `x` wins, then a NaN `y`; on
        // equal values (+0.0 vs -0.0) the second operand is returned.
        Maximum if x.is_nan() || x > y => x,
        Minimum if x.is_nan() || x < y => x,
        Maximum | Minimum => y,
        // NaNs are ignored (both NaN: the first); ties give the second.
        Fmax if y.is_nan() || x > y => x,
        Fmin if y.is_nan() || x < y => x,
        Fmax | Fmin => y,
        Copysign => x.copysign(y),
        Nextafter => nextafter(x, y),
        LogicalAnd => return Ok(Scalar::Bool(x != F::ZERO && y != F::ZERO)),
        LogicalOr => return Ok(Scalar::Bool(x != F::ZERO || y != F::ZERO)),
        LogicalXor => return Ok(Scalar::Bool((x != F::ZERO) != (y != F::ZERO))),
        BitAnd | BitOr | BitXor | Shl | Shr => return not_for(op, F::DTYPE),
        // The elementary functions (`BinaryOp::math`).
        op => match op.math() {
            Some(f) => F::math2(f, x, y),
            None => return not_for(op, F::DTYPE),
        },
    };
    Ok(v.to_scalar())
}

/// NumPy's `npy_divmod`: Python's floor division and modulo (sign of the
/// divisor), built on `fmod` (the math module's, which compiled kernels
/// call too: `fmod` is exact, so only a NaN's payload could differ between
/// implementations). By zero: `x / 0` and `fmod(x, 0)` (NaN).
fn divmod<F: Float>(a: F, b: F) -> (F, F) {
    let fmod = F::math2(&crate::math::FMOD, a, b);
    if b == F::ZERO {
        return (a / b, fmod);
    }
    // `a - fmod` is very nearly an integer multiple of `b`.
    let mut div = (a - fmod) / b;
    let mut m = fmod;
    // NaN is "true" in C's `if (mod)`, as `!= 0` is here.
    if m != F::ZERO {
        if (b < F::ZERO) != (m < F::ZERO) {
            m = m + b;
            div = div - F::ONE;
        }
    } else {
        m = F::ZERO.copysign(b);
    }
    let floordiv = if div != F::ZERO {
        // Snap the quotient to the nearest integral value.
        let mut f = div.floor();
        if div - f > F::HALF {
            f = f + F::ONE;
        }
        f
    } else {
        F::ZERO.copysign(a / b)
    };
    (floordiv, m)
}

/// C's `nextafter`: the next representable value after `x` toward `y`.
fn nextafter<F: Float>(x: F, y: F) -> F {
    if x.is_nan() || y.is_nan() {
        x + y
    } else if x == y {
        y
    } else if x < y {
        x.next_up()
    } else {
        x.next_down()
    }
}
