//! Scalar op lowering: one element of each unary, binary, select and cast
//! op, with the ops' semantics bit for bit (NaN rules of `maximum`/`fmax`,
//! NumPy shifts, saturating float → int casts, `npy_divmod`, `nextafter`,
//! integer `reciprocal`). Math functions — `fmod` inside float `//` and
//! `%` too — call the math module's one-element entry points; integer
//! `power` calls its typed host function (`host::power_i64`/`power_u64`).
//! No op goes through the interpreter.
//!
//! Invariant: nothing traps, and the result equals `ops::scalar::eval_unary` /
//! `ops::scalar::eval_binary` for every input (`tests/differential/`).

use super::types::{cl_ty, int_of_bytes};
use super::Cg;
use crate::array::DType;
use crate::expr::{BinaryOp, UnaryOp};
use crate::loops::LOp;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{types, InstBuilder, MemFlagsData, Value};

impl Cg<'_> {
    /// Truth of a scalar of dtype `t` as a bool (0/1).
    pub(super) fn truth(&mut self, t: DType, x: Value) -> Value {
        match t {
            DType::Bool => x,
            DType::F32 | DType::F64 => {
                let z = self.fconst(t, 0.0);
                self.b.ins().fcmp(FloatCC::NotEqual, x, z)
            }
            _ => self.b.ins().icmp_imm_s(IntCC::NotEqual, x, 0),
        }
    }

    /// An element op on scalars: `ty` is the result dtype, `arg_tys` the
    /// operands'.
    pub(super) fn scalar_op(&mut self, op: &LOp, ty: DType, arg_tys: &[DType], a: &[Value]) -> Value {
        let t = arg_tys.first().copied().unwrap_or(ty);
        match *op {
            LOp::Unary(u, _) => self.scalar_unary(u, t, a[0]),
            LOp::Binary(bop, _, _) => self.scalar_binary(bop, t, a[0], a[1]),
            LOp::Select(..) => self.b.ins().select(a[0], a[1], a[2]),
            LOp::Cast(_) => self.scalar_cast(t, ty, a[0]),
            _ => unreachable!("not an element op"),
        }
    }

    /// Unary op `u` on `x` of dtype `t` (the dtype it computes in).
    pub(super) fn scalar_unary(&mut self, u: UnaryOp, t: DType, x: Value) -> Value {
        use UnaryOp::*;
        let float = t.is_float();
        match u {
            Pos => x,
            Neg if float => self.ins().fneg(x),
            Neg => self.ins().ineg(x),
            Invert if t == DType::Bool => self.ins().bxor_imm_s(x, 1),
            Invert => self.ins().bnot(x),
            Abs if float => self.ins().fabs(x),
            Abs if t.is_signed_int() => self.ins().iabs(x),
            Abs => x,
            Sqrt => self.ins().sqrt(x),
            Square if float => self.ins().fmul(x, x),
            Square => self.ins().imul(x, x),
            Reciprocal if float => {
                let one = self.fconst(t, 1.0);
                self.ins().fdiv(one, x)
            }
            Reciprocal => self.int_reciprocal(t, x),
            Floor if float => self.ins().floor(x),
            Ceil if float => self.ins().ceil(x),
            Trunc if float => self.ins().trunc(x),
            Floor | Ceil | Trunc => x,
            Rint => self.ins().nearest(x),
            IsNan if float => self.ins().fcmp(FloatCC::Unordered, x, x),
            IsInf if float => {
                let a = self.ins().fabs(x);
                let inf = self.fconst(t, f64::INFINITY);
                self.ins().fcmp(FloatCC::Equal, a, inf)
            }
            IsFinite if float => {
                let a = self.ins().fabs(x);
                let inf = self.fconst(t, f64::INFINITY);
                self.ins().fcmp(FloatCC::LessThan, a, inf)
            }
            IsNan | IsInf => self.iconst(types::I8, 0),
            IsFinite => self.iconst(types::I8, 1),
            Signbit => {
                let it = int_of_bytes(t.size());
                let i = self.ins().bitcast(it, MemFlagsData::new(), x);
                self.ins().icmp_imm_s(IntCC::SignedLessThan, i, 0)
            }
            LogicalNot => {
                let tr = self.truth(t, x);
                self.ins().bxor_imm_s(tr, 1)
            }
            Sign if float => {
                // x > 0 ? 1 : x < 0 ? -1 : x == 0 ? 0 : x (NaN stays).
                let z = self.fconst(t, 0.0);
                let one = self.fconst(t, 1.0);
                let m1 = self.fconst(t, -1.0);
                let eq = self.ins().fcmp(FloatCC::Equal, x, z);
                let r = self.ins().select(eq, z, x);
                let lt = self.ins().fcmp(FloatCC::LessThan, x, z);
                let r = self.ins().select(lt, m1, r);
                let gt = self.ins().fcmp(FloatCC::GreaterThan, x, z);
                self.ins().select(gt, one, r)
            }
            Sign => {
                let ct = cl_ty(t);
                let z = self.iconst(ct, 0);
                let one = self.iconst(ct, 1);
                let m1 = self.iconst(ct, -1);
                let (lt_cc, gt_cc) = if t.is_signed_int() {
                    (IntCC::SignedLessThan, IntCC::SignedGreaterThan)
                } else {
                    (IntCC::UnsignedLessThan, IntCC::UnsignedGreaterThan)
                };
                let lt = self.ins().icmp(lt_cc, x, z);
                let r = self.ins().select(lt, m1, z);
                let gt = self.ins().icmp(gt_cc, x, z);
                self.ins().select(gt, one, r)
            }
            u => match u.math().map(|m| (m.c_f64 as *const u8, m.c_f32 as *const u8)) {
                Some((f64f, f32f)) if float => {
                    let (f, ct) = if t == DType::F64 {
                        (f64f, types::F64)
                    } else {
                        (f32f, types::F32)
                    };
                    self.call(f, &[ct], ct, &[x])
                }
                _ => unreachable!("{u} on {t}: the op table computes it in another dtype"),
            },
        }
    }

    /// The integer condition code of comparison `op` on dtype `t`.
    pub(super) fn icc(t: DType, op: BinaryOp) -> IntCC {
        let s = t.is_signed_int();
        match (op, s) {
            (BinaryOp::Eq, _) => IntCC::Equal,
            (BinaryOp::Ne, _) => IntCC::NotEqual,
            (BinaryOp::Lt, true) => IntCC::SignedLessThan,
            (BinaryOp::Le, true) => IntCC::SignedLessThanOrEqual,
            (BinaryOp::Gt, true) => IntCC::SignedGreaterThan,
            (BinaryOp::Ge, true) => IntCC::SignedGreaterThanOrEqual,
            (BinaryOp::Lt, false) => IntCC::UnsignedLessThan,
            (BinaryOp::Le, false) => IntCC::UnsignedLessThanOrEqual,
            (BinaryOp::Gt, false) => IntCC::UnsignedGreaterThan,
            (BinaryOp::Ge, false) => IntCC::UnsignedGreaterThanOrEqual,
            _ => unreachable!("not a comparison"),
        }
    }

    /// The float condition code of comparison `op` (ordered: NaN compares
    /// false, except `!=`).
    pub(super) fn fcc(op: BinaryOp) -> FloatCC {
        match op {
            BinaryOp::Eq => FloatCC::Equal,
            BinaryOp::Ne => FloatCC::NotEqual,
            BinaryOp::Lt => FloatCC::LessThan,
            BinaryOp::Le => FloatCC::LessThanOrEqual,
            BinaryOp::Gt => FloatCC::GreaterThan,
            BinaryOp::Ge => FloatCC::GreaterThanOrEqual,
            _ => unreachable!("not a comparison"),
        }
    }

    /// Binary op `op` on `x`, `y` of dtype `t` (the dtype it computes in).
    pub(super) fn scalar_binary(&mut self, op: BinaryOp, t: DType, x: Value, y: Value) -> Value {
        use BinaryOp::*;
        let float = t.is_float();
        let boolean = t == DType::Bool;
        match op {
            Add if float => self.ins().fadd(x, y),
            Sub if float => self.ins().fsub(x, y),
            Mul if float => self.ins().fmul(x, y),
            Div => self.ins().fdiv(x, y),
            Add if boolean => self.ins().bor(x, y),
            Mul if boolean => self.ins().band(x, y),
            Add => self.ins().iadd(x, y),
            Sub => self.ins().isub(x, y),
            Mul => self.ins().imul(x, y),
            Eq | Ne | Lt | Le | Gt | Ge if float => self.ins().fcmp(Self::fcc(op), x, y),
            Eq | Ne | Lt | Le | Gt | Ge => self.ins().icmp(Self::icc(t, op), x, y),
            BitAnd => self.ins().band(x, y),
            BitOr => self.ins().bor(x, y),
            BitXor => self.ins().bxor(x, y),
            LogicalAnd | LogicalOr | LogicalXor => {
                let a = self.truth(t, x);
                let b = self.truth(t, y);
                match op {
                    LogicalAnd => self.ins().band(a, b),
                    LogicalOr => self.ins().bor(a, b),
                    _ => self.ins().bxor(a, b),
                }
            }
            Maximum | Minimum | Fmax | Fmin if float => {
                // The interpreter's rules: maximum: x if isnan(x) || x > y;
                // fmax: x if isnan(y) || x > y; else y.
                let cc = if matches!(op, Maximum | Fmax) {
                    FloatCC::GreaterThan
                } else {
                    FloatCC::LessThan
                };
                let nan_of = if matches!(op, Maximum | Minimum) { x } else { y };
                let n = self.ins().fcmp(FloatCC::Unordered, nan_of, nan_of);
                let c = self.ins().fcmp(cc, x, y);
                let m = self.ins().bor(n, c);
                self.ins().select(m, x, y)
            }
            Maximum | Fmax if boolean => self.ins().bor(x, y),
            Minimum | Fmin if boolean => self.ins().band(x, y),
            Maximum | Fmax if t.is_signed_int() => self.ins().smax(x, y),
            Minimum | Fmin if t.is_signed_int() => self.ins().smin(x, y),
            Maximum | Fmax => self.ins().umax(x, y),
            Minimum | Fmin => self.ins().umin(x, y),
            Shl | Shr => self.shift(op, t, x, y),
            FloorDiv | Mod | Fmod if !float => self.int_div(op, t, x, y),
            FloorDiv | Mod => self.float_divmod(op, t, x, y),
            Copysign => self.ins().fcopysign(x, y),
            Nextafter => self.nextafter(t, x, y),
            Pow if !float => self.int_power(t, x, y),
            op if float && op.math().is_some() => {
                let m = op.math().expect("a math function");
                let (f, ct) = if t == DType::F64 {
                    (m.c_f64 as *const u8, types::F64)
                } else {
                    (m.c_f32 as *const u8, types::F32)
                };
                self.call(f, &[ct, ct], ct, &[x, y])
            }
            _ => unreachable!("{op} on {t}: the op table computes it in another dtype"),
        }
    }

    /// NumPy's integer `reciprocal`, `(T)(1.0 / x)`: 1 and -1 are their own
    /// reciprocal, every other non-zero value gives 0, and 0 gives what
    /// x86's conversion of `inf` gives: `MIN` for signed types of 32 bits
    /// or more, 0 otherwise.
    fn int_reciprocal(&mut self, t: DType, x: Value) -> Value {
        let ct = cl_ty(t);
        let zero = self.iconst(ct, 0);
        let is_one = self.ins().icmp_imm_s(IntCC::Equal, x, 1);
        let mut r = self.ins().select(is_one, x, zero);
        if t.is_signed_int() {
            let minus_one = self.iconst(ct, -1);
            let is_m1 = self.ins().icmp(IntCC::Equal, x, minus_one);
            r = self.ins().select(is_m1, x, r);
            if t.bits() >= 32 {
                let min = self.iconst(ct, i64::MIN >> (64 - t.bits()));
                let is_zero = self.ins().icmp_imm_s(IntCC::Equal, x, 0);
                r = self.ins().select(is_zero, min, r);
            }
        }
        r
    }

    /// Float `//` or `%`: NumPy's `npy_divmod` on the math module's `fmod`,
    /// branch-free (every case computed, the right one selected).
    fn float_divmod(&mut self, op: BinaryOp, t: DType, x: Value, y: Value) -> Value {
        let fmod = crate::math::FMOD;
        let (f, ct) = if t == DType::F64 {
            (fmod.c_f64 as *const u8, types::F64)
        } else {
            (fmod.c_f32 as *const u8, types::F32)
        };
        let m0 = self.call(f, &[ct, ct], ct, &[x, y]);
        let zero = self.fconst(t, 0.0);
        let one = self.fconst(t, 1.0);
        let q0 = self.ins().fdiv(x, y);
        // `div = (x - fmod) / y`, very nearly an integer; a non-zero
        // (or NaN) `fmod` of the other sign than `y` moves to `y`'s side.
        let d = self.ins().fsub(x, m0);
        let div = self.ins().fdiv(d, y);
        let m_nonzero = self.ins().fcmp(FloatCC::NotEqual, m0, zero);
        let y_neg = self.ins().fcmp(FloatCC::LessThan, y, zero);
        let m_neg = self.ins().fcmp(FloatCC::LessThan, m0, zero);
        let signs_differ = self.ins().bxor(y_neg, m_neg);
        let fix = self.ins().band(m_nonzero, signs_differ);
        if op == BinaryOp::Mod {
            let moved = self.ins().fadd(m0, y);
            let m = self.ins().select(fix, moved, m0);
            // A zero remainder takes the divisor's sign.
            let signed_zero = self.ins().fcopysign(zero, y);
            // By zero: `fmod` is NaN, which the selects above keep.
            return self.ins().select(m_nonzero, m, signed_zero);
        }
        let moved = self.ins().fsub(div, one);
        let div = self.ins().select(fix, moved, div);
        // Snap the quotient to the nearest integral value.
        let fl = self.ins().floor(div);
        let frac = self.ins().fsub(div, fl);
        let half = self.fconst(t, 0.5);
        let up = self.ins().fcmp(FloatCC::GreaterThan, frac, half);
        let fl_up = self.ins().fadd(fl, one);
        let q = self.ins().select(up, fl_up, fl);
        // A zero quotient takes the sign of `x / y`.
        let div_nonzero = self.ins().fcmp(FloatCC::NotEqual, div, zero);
        let signed_zero = self.ins().fcopysign(zero, q0);
        let q = self.ins().select(div_nonzero, q, signed_zero);
        // By zero: `x / 0` (±inf or NaN).
        let by_zero = self.ins().fcmp(FloatCC::Equal, y, zero);
        self.ins().select(by_zero, q0, q)
    }

    /// C's `nextafter` on the bits: NaN operands give `x + y`, equal ones
    /// `y`, a zero `x` the smallest subnormal toward `y`; otherwise the
    /// bits move by one, up when the step goes away from zero.
    fn nextafter(&mut self, t: DType, x: Value, y: Value) -> Value {
        let it = int_of_bytes(t.size());
        let ft = cl_ty(t);
        let zero = self.fconst(t, 0.0);
        let bits = self.ins().bitcast(it, MemFlagsData::new(), x);
        let up = self.ins().fcmp(FloatCC::LessThan, x, y);
        let positive = self.ins().fcmp(FloatCC::GreaterThan, x, zero);
        let away = self.ins().icmp(IntCC::Equal, up, positive);
        let plus = self.iconst(it, 1);
        let minus = self.iconst(it, -1);
        let step = self.ins().select(away, plus, minus);
        let moved = self.ins().iadd(bits, step);
        let r = self.ins().bitcast(ft, MemFlagsData::new(), moved);
        // From ±0: ±(the smallest subnormal), the sign of the direction.
        let tiny_up = self.iconst(it, 1);
        let tiny_down = self.iconst(it, 1 | i64::MIN >> (64 - t.bits()));
        let tiny = self.ins().select(up, tiny_up, tiny_down);
        let tiny = self.ins().bitcast(ft, MemFlagsData::new(), tiny);
        let x_zero = self.ins().fcmp(FloatCC::Equal, x, zero);
        let r = self.ins().select(x_zero, tiny, r);
        let equal = self.ins().fcmp(FloatCC::Equal, x, y);
        let r = self.ins().select(equal, y, r);
        let nan = self.ins().fcmp(FloatCC::Unordered, x, y);
        let sum = self.ins().fadd(x, y);
        self.ins().select(nan, sum, r)
    }

    /// Integer `power` through its typed host function, on 64-bit operands
    /// (sign- or zero-extended: wrapping products agree modulo `2^bits`,
    /// so the truncated result is the narrow type's); a negative exponent
    /// sets the status word (NumPy's `ValueError`).
    fn int_power(&mut self, t: DType, x: Value, y: Value) -> Value {
        let ct = cl_ty(t);
        let signed = t.is_signed_int();
        let wide = |cg: &mut Self, v: Value| {
            if ct == types::I64 {
                v
            } else if signed {
                cg.ins().sextend(types::I64, v)
            } else {
                cg.ins().uextend(types::I64, v)
            }
        };
        let (xw, yw) = (wide(self, x), wide(self, y));
        let r = if signed {
            let st = self.args.status;
            let f = super::host::power_i64 as *const u8;
            self.call(f, &[types::I64, types::I64, types::I64], types::I64, &[xw, yw, st])
        } else {
            let f = super::host::power_u64 as *const u8;
            self.call(f, &[types::I64, types::I64], types::I64, &[xw, yw])
        };
        if ct == types::I64 {
            r
        } else {
            self.ins().ireduce(ct, r)
        }
    }

    /// NumPy shifts: counts `>= width` (or negative) give 0, or -1 for `>>`
    /// of a negative signed value.
    pub(super) fn shift(&mut self, op: BinaryOp, t: DType, x: Value, y: Value) -> Value {
        let ct = cl_ty(t);
        let bits = t.bits() as i64;
        let ok = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, y, bits);
        let zero = self.iconst(ct, 0);
        if op == BinaryOp::Shl {
            let s = self.b.ins().ishl(x, y);
            self.b.ins().select(ok, s, zero)
        } else if t.is_signed_int() {
            let s = self.b.ins().sshr(x, y);
            let fill = self.b.ins().sshr_imm_s(x, bits - 1);
            self.b.ins().select(ok, s, fill)
        } else {
            let s = self.b.ins().ushr(x, y);
            self.b.ins().select(ok, s, zero)
        }
    }

    /// `x` of dtype `from` as dtype `to`, as the interpreter casts.
    pub(super) fn scalar_cast(&mut self, from: DType, to: DType, x: Value) -> Value {
        if from == to {
            return x;
        }
        if to == DType::Bool {
            return self.truth(from, x);
        }
        let (ft, tt) = (cl_ty(from), cl_ty(to));
        match (from.is_float(), to.is_float()) {
            (true, true) => {
                if to == DType::F64 {
                    self.ins().fpromote(types::F64, x)
                } else {
                    self.ins().fdemote(types::F32, x)
                }
            }
            (false, true) => {
                // Integers (and bool) to float, via 64 bits.
                let w = if ft == types::I64 {
                    x
                } else if from.is_signed_int() {
                    self.ins().sextend(types::I64, x)
                } else {
                    self.ins().uextend(types::I64, x)
                };
                if from.is_signed_int() {
                    self.ins().fcvt_from_sint(tt, w)
                } else {
                    self.ins().fcvt_from_uint(tt, w)
                }
            }
            (true, false) => {
                // Saturating, NaN → 0: Rust's `as`, as the interpreter does.
                match to {
                    DType::I64 => self.ins().fcvt_to_sint_sat(types::I64, x),
                    DType::U64 => self.ins().fcvt_to_uint_sat(types::I64, x),
                    DType::I32 => self.ins().fcvt_to_sint_sat(types::I32, x),
                    DType::U32 => self.ins().fcvt_to_uint_sat(types::I32, x),
                    _ => {
                        let (lo, hi) = match to {
                            DType::I8 => (i8::MIN as i64, i8::MAX as i64),
                            DType::U8 => (0, u8::MAX as i64),
                            DType::I16 => (i16::MIN as i64, i16::MAX as i64),
                            _ => (0, u16::MAX as i64),
                        };
                        let v = self.ins().fcvt_to_sint_sat(types::I32, x);
                        let lo = self.iconst(types::I32, lo);
                        let hi = self.iconst(types::I32, hi);
                        let v = self.ins().smax(v, lo);
                        let v = self.ins().smin(v, hi);
                        self.ins().ireduce(tt, v)
                    }
                }
            }
            (false, false) => {
                if ft == tt {
                    x
                } else if ft.bits() > tt.bits() {
                    self.ins().ireduce(tt, x)
                } else if from.is_signed_int() {
                    self.ins().sextend(tt, x)
                } else {
                    self.ins().uextend(tt, x)
                }
            }
        }
    }
}
