//! The 11 element types, typed scalars, and NumPy 2's promotion rules
//! (`numpy.result_type` with NEP 50 weak Python scalars).
//!
//! Tested against the table `tests/golden/promotion.tsv`, which
//! `scripts/gen_promotion.py` produced by running NumPy.

use crate::error::{type_err, Error, Result};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// An element type. The names are NumPy's (`float64`) in long form and
/// lazyfuse's (`f64`) in short form; both parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DType {
    /// `bool`, one byte, 0 or 1.
    Bool,
    /// `int8`.
    I8,
    /// `int16`.
    I16,
    /// `int32`.
    I32,
    /// `int64`.
    I64,
    /// `uint8`.
    U8,
    /// `uint16`.
    U16,
    /// `uint32`.
    U32,
    /// `uint64`.
    U64,
    /// `float32`.
    F32,
    /// `float64`.
    F64,
}

/// The kind of a dtype: NumPy's `b`, `i`, `u`, `f`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// bool
    Bool,
    /// signed integer
    Int,
    /// unsigned integer
    UInt,
    /// floating point
    Float,
}

impl DType {
    /// All 11 dtypes, in NumPy's type-number order.
    pub const ALL: [DType; 11] = [
        DType::Bool,
        DType::I8,
        DType::U8,
        DType::I16,
        DType::U16,
        DType::I32,
        DType::U32,
        DType::I64,
        DType::U64,
        DType::F32,
        DType::F64,
    ];

    /// Size of one element in bytes.
    pub const fn size(self) -> usize {
        match self {
            DType::Bool | DType::I8 | DType::U8 => 1,
            DType::I16 | DType::U16 => 2,
            DType::I32 | DType::U32 | DType::F32 => 4,
            DType::I64 | DType::U64 | DType::F64 => 8,
        }
    }

    /// Bit width of one element.
    pub const fn bits(self) -> u32 {
        self.size() as u32 * 8
    }

    /// The kind (bool, signed, unsigned, float).
    pub const fn kind(self) -> Kind {
        match self {
            DType::Bool => Kind::Bool,
            DType::I8 | DType::I16 | DType::I32 | DType::I64 => Kind::Int,
            DType::U8 | DType::U16 | DType::U32 | DType::U64 => Kind::UInt,
            DType::F32 | DType::F64 => Kind::Float,
        }
    }

    /// True for the eight integer dtypes (not bool).
    pub const fn is_int(self) -> bool {
        matches!(self.kind(), Kind::Int | Kind::UInt)
    }
    /// True for signed integers.
    pub const fn is_signed_int(self) -> bool {
        matches!(self.kind(), Kind::Int)
    }
    /// True for unsigned integers.
    pub const fn is_unsigned_int(self) -> bool {
        matches!(self.kind(), Kind::UInt)
    }
    /// True for `f32` and `f64`.
    pub const fn is_float(self) -> bool {
        matches!(self.kind(), Kind::Float)
    }

    /// The short name used in the IR and the CLI: `f64`, `i32`, `bool`.
    pub const fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::I8 => "i8",
            DType::I16 => "i16",
            DType::I32 => "i32",
            DType::I64 => "i64",
            DType::U8 => "u8",
            DType::U16 => "u16",
            DType::U32 => "u32",
            DType::U64 => "u64",
            DType::F32 => "f32",
            DType::F64 => "f64",
        }
    }

    /// NumPy's name: `float64`, `int32`, `bool`.
    pub const fn numpy_name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::U8 => "uint8",
            DType::U16 => "uint16",
            DType::U32 => "uint32",
            DType::U64 => "uint64",
            DType::F32 => "float32",
            DType::F64 => "float64",
        }
    }

    /// The signed/unsigned integer of a given width in bytes.
    fn int_of(signed: bool, size: usize) -> Option<DType> {
        Some(match (signed, size) {
            (true, 1) => DType::I8,
            (true, 2) => DType::I16,
            (true, 4) => DType::I32,
            (true, 8) => DType::I64,
            (false, 1) => DType::U8,
            (false, 2) => DType::U16,
            (false, 4) => DType::U32,
            (false, 8) => DType::U64,
            _ => return None,
        })
    }

    /// `numpy.result_type(a, b)` for two array dtypes.
    pub fn promote(a: DType, b: DType) -> DType {
        use Kind::*;
        if a == b {
            return a;
        }
        match (a.kind(), b.kind()) {
            (Bool, _) => b,
            (_, Bool) => a,
            (Float, Float) => a.max_by_size(b),
            (Float, _) => float_for_int(b, a),
            (_, Float) => float_for_int(a, b),
            (Int, Int) | (UInt, UInt) => a.max_by_size(b),
            (Int, UInt) => mixed_int(a, b),
            (UInt, Int) => mixed_int(b, a),
        }
    }

    fn max_by_size(self, other: DType) -> DType {
        if self.size() >= other.size() {
            self
        } else {
            other
        }
    }

    /// The float dtype NumPy computes an inexact function in for inputs of
    /// this dtype (`sqrt`, `sin`, `/`-like loops): integers small enough for
    /// float32 go to float32, others to float64.
    ///
    /// NumPy picks `float16` for bool, int8 and uint8; lazyfuse has no
    /// float16 and uses float32 there (the one documented deviation).
    pub fn to_float(self) -> DType {
        match self {
            DType::F32 | DType::F64 => self,
            DType::Bool | DType::I8 | DType::U8 | DType::I16 | DType::U16 => DType::F32,
            _ => DType::F64,
        }
    }

    /// Whether every value of `self` is representable in `to`
    /// (`numpy.can_cast(self, to, 'safe')`).
    pub fn can_cast_safe(self, to: DType) -> bool {
        DType::promote(self, to) == to
    }
}

/// int + float: the float wide enough for the int (NumPy: i8/u8/i16/u16 fit
/// in f32 — via float16 — larger ints need f64).
fn float_for_int(int: DType, float: DType) -> DType {
    if float == DType::F64 || int.size() >= 4 {
        DType::F64
    } else {
        DType::F32
    }
}

/// signed + unsigned: a signed type wider than the unsigned one, or f64 when
/// none exists (int64 + uint64 → float64).
fn mixed_int(signed: DType, unsigned: DType) -> DType {
    if signed.size() > unsigned.size() {
        signed
    } else {
        DType::int_of(true, unsigned.size() * 2).unwrap_or(DType::F64)
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DType {
    type Err = Error;
    /// Parses `f64`, `float64`, `double`, `int`, `bool`, `'<f8'`-style codes.
    fn from_str(s: &str) -> Result<DType> {
        let t = s.trim();
        let t = t.strip_prefix("np.").or_else(|| t.strip_prefix("numpy.")).unwrap_or(t);
        let t = t.trim_start_matches(['<', '>', '=', '|']);
        Ok(match t {
            "bool" | "bool_" | "?" | "b1" => DType::Bool,
            "i8" | "int8" | "byte" | "i1" => DType::I8,
            "i16" | "int16" | "short" | "i2" => DType::I16,
            "i32" | "int32" | "intc" | "i4" => DType::I32,
            "i64" | "int64" | "int" | "int_" | "long" | "intp" => DType::I64,
            "u8" | "uint8" | "ubyte" | "u1" => DType::U8,
            "u16" | "uint16" | "ushort" | "u2" => DType::U16,
            "u32" | "uint32" | "uintc" | "u4" => DType::U32,
            "u64" | "uint64" | "ulong" | "uint" | "uintp" => DType::U64,
            "f32" | "float32" | "single" | "f4" => DType::F32,
            "f64" | "float64" | "double" | "float" | "f8" => DType::F64,
            _ => return type_err!("unknown dtype '{s}'"),
        })
    }
}

/// One typed value: a constant in the IR, a 0-d result, a fill value.
///
/// Equality and hashing are by bit pattern, so `-0.0 != 0.0` and a NaN
/// equals itself: what hash-consing and constant folding need.
#[derive(Clone, Copy, Debug)]
#[allow(missing_docs)]
#[non_exhaustive]
pub enum Scalar {
    Bool(bool),
    I8(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    F32(f32),
    F64(f64),
}

impl Scalar {
    /// The dtype of the value.
    pub fn dtype(self) -> DType {
        match self {
            Scalar::Bool(_) => DType::Bool,
            Scalar::I8(_) => DType::I8,
            Scalar::I16(_) => DType::I16,
            Scalar::I32(_) => DType::I32,
            Scalar::I64(_) => DType::I64,
            Scalar::U8(_) => DType::U8,
            Scalar::U16(_) => DType::U16,
            Scalar::U32(_) => DType::U32,
            Scalar::U64(_) => DType::U64,
            Scalar::F32(_) => DType::F32,
            Scalar::F64(_) => DType::F64,
        }
    }

    /// The raw bits, zero-extended: the identity used by `Eq`/`Hash`.
    pub fn bits(self) -> u64 {
        match self {
            Scalar::Bool(v) => v as u64,
            Scalar::I8(v) => v as u8 as u64,
            Scalar::I16(v) => v as u16 as u64,
            Scalar::I32(v) => v as u32 as u64,
            Scalar::I64(v) => v as u64,
            Scalar::U8(v) => v as u64,
            Scalar::U16(v) => v as u64,
            Scalar::U32(v) => v as u64,
            Scalar::U64(v) => v,
            Scalar::F32(v) => v.to_bits() as u64,
            Scalar::F64(v) => v.to_bits(),
        }
    }

    /// Rebuilds a scalar of `dtype` from [`Scalar::bits`].
    pub fn from_bits(dtype: DType, bits: u64) -> Scalar {
        match dtype {
            DType::Bool => Scalar::Bool(bits & 1 != 0),
            DType::I8 => Scalar::I8(bits as u8 as i8),
            DType::I16 => Scalar::I16(bits as u16 as i16),
            DType::I32 => Scalar::I32(bits as u32 as i32),
            DType::I64 => Scalar::I64(bits as i64),
            DType::U8 => Scalar::U8(bits as u8),
            DType::U16 => Scalar::U16(bits as u16),
            DType::U32 => Scalar::U32(bits as u32),
            DType::U64 => Scalar::U64(bits),
            DType::F32 => Scalar::F32(f32::from_bits(bits as u32)),
            DType::F64 => Scalar::F64(f64::from_bits(bits)),
        }
    }

    /// The value as f64 (exact for everything but large 64-bit integers).
    pub fn as_f64(self) -> f64 {
        match self {
            Scalar::Bool(v) => v as u8 as f64,
            Scalar::I8(v) => v as f64,
            Scalar::I16(v) => v as f64,
            Scalar::I32(v) => v as f64,
            Scalar::I64(v) => v as f64,
            Scalar::U8(v) => v as f64,
            Scalar::U16(v) => v as f64,
            Scalar::U32(v) => v as f64,
            Scalar::U64(v) => v as f64,
            Scalar::F32(v) => v as f64,
            Scalar::F64(v) => v,
        }
    }

    /// The value as i128 for integers and bools (`None` for floats).
    pub fn as_i128(self) -> Option<i128> {
        Some(match self {
            Scalar::Bool(v) => v as i128,
            Scalar::I8(v) => v as i128,
            Scalar::I16(v) => v as i128,
            Scalar::I32(v) => v as i128,
            Scalar::I64(v) => v as i128,
            Scalar::U8(v) => v as i128,
            Scalar::U16(v) => v as i128,
            Scalar::U32(v) => v as i128,
            Scalar::U64(v) => v as i128,
            Scalar::F32(_) | Scalar::F64(_) => return None,
        })
    }

    /// True when the value is non-zero (NumPy's truthiness).
    pub fn is_truthy(self) -> bool {
        match self {
            Scalar::F32(v) => v != 0.0,
            Scalar::F64(v) => v != 0.0,
            s => s.as_i128() != Some(0),
        }
    }

    /// The zero of a dtype.
    pub fn zero(dtype: DType) -> Scalar {
        Scalar::from_bits(dtype, 0)
    }

    /// An integer of `dtype` from an i128, if it fits.
    pub fn int_in(dtype: DType, v: i128) -> Option<Scalar> {
        macro_rules! fit {
            ($t:ty, $var:ident) => {
                <$t>::try_from(v).ok().map(Scalar::$var)
            };
        }
        match dtype {
            DType::Bool => match v {
                0 => Some(Scalar::Bool(false)),
                1 => Some(Scalar::Bool(true)),
                _ => None,
            },
            DType::I8 => fit!(i8, I8),
            DType::I16 => fit!(i16, I16),
            DType::I32 => fit!(i32, I32),
            DType::I64 => fit!(i64, I64),
            DType::U8 => fit!(u8, U8),
            DType::U16 => fit!(u16, U16),
            DType::U32 => fit!(u32, U32),
            DType::U64 => fit!(u64, U64),
            DType::F32 => Some(Scalar::F32(v as f32)),
            DType::F64 => Some(Scalar::F64(v as f64)),
        }
    }

    /// Converts to `dtype` with NumPy's `astype` (C cast) semantics:
    /// integers wrap, floats round to nearest, float → int truncates and
    /// saturates (NaN → 0; NumPy leaves out-of-range casts undefined),
    /// anything → bool is `!= 0`.
    pub fn cast(self, dtype: DType) -> Scalar {
        if dtype == DType::Bool {
            return Scalar::Bool(self.is_truthy());
        }
        match self {
            Scalar::F32(v) => cast_float(v as f64, Some(v), dtype),
            Scalar::F64(v) => cast_float(v, None, dtype),
            s => {
                let v = s.as_i128().expect("integer scalar");
                match dtype {
                    DType::F32 => Scalar::F32(v as f32),
                    DType::F64 => Scalar::F64(v as f64),
                    _ => Scalar::from_bits(dtype, v as u64),
                }
            }
        }
    }
}

fn cast_float(v: f64, v32: Option<f32>, dtype: DType) -> Scalar {
    // Rust `as` from float to int saturates and maps NaN to 0: deterministic,
    // never traps, and the JIT uses the same saturating conversions.
    match dtype {
        DType::Bool => Scalar::Bool(v != 0.0),
        DType::I8 => Scalar::I8(v as i8),
        DType::I16 => Scalar::I16(v as i16),
        DType::I32 => Scalar::I32(v as i32),
        DType::I64 => Scalar::I64(v as i64),
        DType::U8 => Scalar::U8(v as u8),
        DType::U16 => Scalar::U16(v as u16),
        DType::U32 => Scalar::U32(v as u32),
        DType::U64 => Scalar::U64(v as u64),
        DType::F32 => Scalar::F32(v32.unwrap_or(v as f32)),
        DType::F64 => Scalar::F64(v),
    }
}

impl PartialEq for Scalar {
    fn eq(&self, other: &Scalar) -> bool {
        self.dtype() == other.dtype() && self.bits() == other.bits()
    }
}
impl Eq for Scalar {}
impl Hash for Scalar {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.dtype().hash(h);
        self.bits().hash(h);
    }
}

impl fmt::Display for Scalar {
    /// Prints the value so that it parses back to the same bits: floats with
    /// Rust's shortest round-trip form, always with a `.`, `e`, `inf` or
    /// `nan` so they read as floats.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Scalar::Bool(v) => write!(f, "{}", if v { "true" } else { "false" }),
            Scalar::F32(v) => write_float(f, v as f64, v.is_nan(), format!("{v:?}")),
            Scalar::F64(v) => write_float(f, v, v.is_nan(), format!("{v:?}")),
            s => write!(f, "{}", s.as_i128().expect("integer")),
        }
    }
}

fn write_float(f: &mut fmt::Formatter<'_>, v: f64, nan: bool, dbg: String) -> fmt::Result {
    if nan {
        // NaN payloads and signs are not preserved through the text form;
        // NumPy does not distinguish them either.
        f.write_str("nan")
    } else if v.is_infinite() {
        f.write_str(if v > 0.0 { "inf" } else { "-inf" })
    } else {
        f.write_str(&dbg)
    }
}

/// A Rust element type that maps to one [`DType`]. Sealed: implemented for
/// `bool`, `i8`…`i64`, `u8`…`u64`, `f32`, `f64`.
pub trait Element: Copy + Send + Sync + 'static + sealed::Sealed + fmt::Debug {
    /// The dtype of this element type.
    const DTYPE: DType;
    /// Wraps a value as a [`Scalar`].
    fn to_scalar(self) -> Scalar;
    /// Unwraps a [`Scalar`] of exactly this dtype.
    fn from_scalar(s: Scalar) -> Option<Self>;
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! element {
    ($($t:ty => $var:ident),*) => {$(
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: DType = DType::$var;
            fn to_scalar(self) -> Scalar { Scalar::$var(self) }
            fn from_scalar(s: Scalar) -> Option<Self> {
                match s { Scalar::$var(v) => Some(v), _ => None }
            }
        }
    )*};
}
element!(bool => Bool, i8 => I8, i16 => I16, i32 => I32, i64 => I64, u8 => U8, u16 => U16,
         u32 => U32, u64 => U64, f32 => F32, f64 => F64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promotion_basics() {
        use DType::*;
        assert_eq!(DType::promote(I8, U8), I16);
        assert_eq!(DType::promote(I64, U64), F64);
        assert_eq!(DType::promote(I16, F32), F32);
        assert_eq!(DType::promote(I32, F32), F64);
        assert_eq!(DType::promote(Bool, U16), U16);
        assert_eq!(DType::promote(U8, I32), I32);
    }

    #[test]
    fn scalar_display_round_trips_floats() {
        for v in [0.1f64, -0.0, 1e300, 5e-324, 2.5] {
            let s = Scalar::F64(v).to_string();
            assert_eq!(s.parse::<f64>().unwrap().to_bits(), v.to_bits(), "{s}");
        }
        assert_eq!(Scalar::F32(0.1).to_string(), "0.1");
    }
}
