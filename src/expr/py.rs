//! Weak Python scalars (NEP 50) and Python's own arithmetic between them.
//!
//! `2 * 3` in an expression string is Python arithmetic and stays a weak
//! Python int; `2 * a` resolves the 2 against `a`'s dtype.

use super::ops::{BinaryOp, UnaryOp};
use crate::array::{DType, Scalar};
use crate::error::{type_err, Error, Result};
use std::fmt;

/// A Python `bool`, `int` (here up to 128 bits) or `float` literal.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum PyScalar {
    /// `True` / `False`
    Bool(bool),
    /// An integer literal.
    Int(i128),
    /// A float literal.
    Float(f64),
}

impl fmt::Display for PyScalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PyScalar::Bool(b) => f.write_str(if *b { "True" } else { "False" }),
            PyScalar::Int(i) => write!(f, "{i}"),
            PyScalar::Float(x) => write!(f, "{x:?}"),
        }
    }
}

impl PyScalar {
    /// The dtype NumPy gives the literal alone (`np.asarray(v)`).
    pub fn default_dtype(self) -> DType {
        match self {
            PyScalar::Bool(_) => DType::Bool,
            PyScalar::Int(_) => DType::I64,
            PyScalar::Float(_) => DType::F64,
        }
    }

    /// NEP 50: the dtype of `strong op weak` before the op's own rule.
    pub fn resolve_against(self, strong: DType) -> DType {
        match self {
            PyScalar::Bool(_) => strong,
            PyScalar::Int(_) if strong == DType::Bool => DType::I64,
            PyScalar::Int(_) => strong,
            PyScalar::Float(_) if strong.is_float() => strong,
            PyScalar::Float(_) => DType::F64,
        }
    }

    /// The value as a scalar of `dtype`; an integer that does not fit is an
    /// error, as in NumPy 2.
    pub fn to_scalar(self, dtype: DType) -> Result<Scalar> {
        Ok(match self {
            PyScalar::Bool(b) => Scalar::Bool(b).cast(dtype),
            PyScalar::Float(x) => Scalar::F64(x).cast(dtype),
            PyScalar::Int(i) => match Scalar::int_in(dtype, i) {
                Some(s) if dtype != DType::Bool => s,
                _ => return type_err!("python integer {i} out of bounds for {}", dtype.numpy_name()),
            },
        })
    }

    fn as_int(self) -> Option<i128> {
        match self {
            PyScalar::Bool(b) => Some(b as i128),
            PyScalar::Int(i) => Some(i),
            PyScalar::Float(_) => None,
        }
    }

    fn as_float(self) -> f64 {
        match self {
            PyScalar::Bool(b) => b as u8 as f64,
            PyScalar::Int(i) => i as f64,
            PyScalar::Float(x) => x,
        }
    }
}

fn overflow() -> Error {
    Error::Value("integer literal arithmetic overflows".into())
}

fn zero_div() -> Error {
    Error::Value("division by zero in a literal expression".into())
}

/// Python's float floor division and modulo (CPython `float_divmod`).
fn py_float_divmod(a: f64, b: f64) -> (f64, f64) {
    let m = a % b;
    let mut div = (a - m) / b;
    let mut m = m;
    if m != 0.0 {
        if (b < 0.0) != (m < 0.0) {
            m += b;
            div -= 1.0;
        }
    } else {
        m = 0f64.copysign(b);
    }
    let floordiv = if div != 0.0 {
        let f = div.floor();
        if div - f > 0.5 {
            f + 1.0
        } else {
            f
        }
    } else {
        0f64.copysign(a / b)
    };
    (floordiv, m)
}

/// Python semantics of `a op b` on two literals; `None` for ops that are
/// NumPy functions (those make their operands strong).
pub fn fold_binary(op: BinaryOp, a: PyScalar, b: PyScalar) -> Option<Result<PyScalar>> {
    use BinaryOp::*;
    use PyScalar::*;
    let both_bool = matches!((a, b), (Bool(_), Bool(_)));
    let ints = a.as_int().zip(b.as_int());
    let r = match op {
        Eq | Ne | Lt | Le | Gt | Ge => {
            let c = match ints {
                Some((x, y)) => x.partial_cmp(&y),
                None => a.as_float().partial_cmp(&b.as_float()),
            };
            let v = match (op, c) {
                (Ne, None) => true,
                (_, None) => false,
                (Eq, Some(o)) => o.is_eq(),
                (Ne, Some(o)) => o.is_ne(),
                (Lt, Some(o)) => o.is_lt(),
                (Le, Some(o)) => o.is_le(),
                (Gt, Some(o)) => o.is_gt(),
                (Ge, Some(o)) => o.is_ge(),
                _ => unreachable!(),
            };
            Ok(Bool(v))
        }
        BitAnd | BitOr | BitXor => match ints {
            None => type_err!("unsupported operand types for {op}: float"),
            Some((x, y)) => {
                let v = match op {
                    BitAnd => x & y,
                    BitOr => x | y,
                    _ => x ^ y,
                };
                Ok(if both_bool { Bool(v != 0) } else { Int(v) })
            }
        },
        Shl | Shr => match ints {
            None => type_err!("unsupported operand types for {op}: float"),
            Some((_, y)) if y < 0 => Err(Error::Value("negative shift count".into())),
            Some((x, y)) => {
                let y = y.min(127) as u32;
                if op == Shr {
                    Ok(Int(x >> y))
                } else if x == 0 {
                    Ok(Int(0))
                } else if y < 127 && (x << y) >> y == x {
                    Ok(Int(x << y))
                } else {
                    Err(overflow())
                }
            }
        },
        Add | Sub | Mul => match ints {
            Some((x, y)) => {
                let v = match op {
                    Add => x.checked_add(y),
                    Sub => x.checked_sub(y),
                    _ => x.checked_mul(y),
                };
                v.map(Int).ok_or_else(overflow)
            }
            None => {
                let (x, y) = (a.as_float(), b.as_float());
                Ok(Float(match op {
                    Add => x + y,
                    Sub => x - y,
                    _ => x * y,
                }))
            }
        },
        Div => {
            if b.as_float() == 0.0 {
                Err(zero_div())
            } else {
                Ok(Float(match ints {
                    // Python divides ints exactly-rounded; f64 division of
                    // the exact values matches when both fit in 53 bits.
                    Some((x, y)) => x as f64 / y as f64,
                    None => a.as_float() / b.as_float(),
                }))
            }
        }
        FloorDiv | Mod => match ints {
            Some((_, 0)) => Err(zero_div()),
            Some((x, y)) if op == FloorDiv => floor_div_i128(x, y).map(Int).ok_or_else(overflow),
            Some((x, y)) => Ok(Int(py_mod_i128(x, y))),
            None if b.as_float() == 0.0 => Err(zero_div()),
            None => {
                let (d, m) = py_float_divmod(a.as_float(), b.as_float());
                Ok(Float(if op == FloorDiv { d } else { m }))
            }
        },
        Pow => match ints {
            Some((x, y)) if y >= 0 => u32::try_from(y)
                .ok()
                .and_then(|y| x.checked_pow(y))
                .map(Int)
                .ok_or_else(overflow),
            Some((x, y)) => {
                if x == 0 {
                    Err(zero_div())
                } else {
                    Ok(Float((x as f64).powf(y as f64)))
                }
            }
            None => {
                let (x, y) = (a.as_float(), b.as_float());
                if x == 0.0 && y < 0.0 {
                    Err(zero_div())
                } else if x < 0.0 && y.fract() != 0.0 && y.is_finite() {
                    Err(Error::Value(
                        "negative number raised to a fractional power gives a complex result".into(),
                    ))
                } else {
                    Ok(Float(x.powf(y)))
                }
            }
        },
        _ => return None,
    };
    Some(r)
}

fn floor_div_i128(x: i128, y: i128) -> Option<i128> {
    let q = x.checked_div(y)?;
    Some(if (x % y != 0) && ((x < 0) != (y < 0)) { q - 1 } else { q })
}

/// Python's `x % y` (the sign of `y`), computed without `x - (x // y) * y`,
/// whose product can overflow (`(2**127 - 1) % -257`).
fn py_mod_i128(x: i128, y: i128) -> i128 {
    let m = x.wrapping_rem(y);
    if m != 0 && ((m < 0) != (y < 0)) {
        m + y
    } else {
        m
    }
}

/// Python semantics of unary `-`, `+`, `~` on a literal; `None` for the rest.
pub fn fold_unary(op: UnaryOp, a: PyScalar) -> Option<Result<PyScalar>> {
    use PyScalar::*;
    Some(match (op, a) {
        (UnaryOp::Neg, Float(x)) => Ok(Float(-x)),
        (UnaryOp::Neg, v) => v.as_int().and_then(|i| i.checked_neg()).map(Int).ok_or_else(overflow),
        (UnaryOp::Pos, Float(x)) => Ok(Float(x)),
        (UnaryOp::Pos, v) => Ok(Int(v.as_int().expect("int"))),
        (UnaryOp::Invert, Float(_)) => type_err!("bad operand type for unary ~: 'float'"),
        (UnaryOp::Invert, v) => Ok(Int(!v.as_int().expect("int"))),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_floor_division() {
        let f = |a, b| {
            fold_binary(BinaryOp::FloorDiv, PyScalar::Int(a), PyScalar::Int(b))
                .unwrap()
                .unwrap()
        };
        let m = |a, b| {
            fold_binary(BinaryOp::Mod, PyScalar::Int(a), PyScalar::Int(b))
                .unwrap()
                .unwrap()
        };
        assert_eq!(f(7, -2), PyScalar::Int(-4));
        assert_eq!(m(7, -2), PyScalar::Int(-1));
        assert_eq!(f(-7, 2), PyScalar::Int(-4));
        assert_eq!(m(-7, 2), PyScalar::Int(1));
        assert!(fold_binary(BinaryOp::FloorDiv, PyScalar::Int(1), PyScalar::Int(0))
            .unwrap()
            .is_err());
    }
}
