//! Vector op lowering: native 128-bit lowerings where x86-64 has them, and
//! `lanewise` (the scalar lowering, lane by lane) otherwise: integer
//! division, shifts, calls, 64-bit min/max, narrowing casts, ….
//!
//! Invariant: a vector op computes exactly what the scalar lowering
//! computes on each lane; `vector_op` returns `None` rather than approximate.

use super::types::int_of_bytes;
use super::Cg;
use crate::array::DType;
use crate::expr::{BinaryOp, UnaryOp};
use crate::loops::LOp;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{InstBuilder, Value};

impl Cg<'_> {
    /// Vector truth mask of a vector of dtype `t`.
    pub(super) fn vtruth(&mut self, t: DType, x: Value) -> Value {
        match t {
            DType::Bool => x,
            DType::F32 | DType::F64 => {
                let z = self.vsplat_f(t, 0.0);
                self.b.ins().fcmp(FloatCC::NotEqual, x, z)
            }
            _ => {
                let vt = self.vty(t);
                let z = self.vsplat_i(vt, 0);
                self.b.ins().icmp(IntCC::NotEqual, x, z)
            }
        }
    }

    /// Native vector lowering, or `None` to compute lane by lane.
    pub(super) fn vector_op(&mut self, op: &LOp, ty: DType, arg_tys: &[DType], a: &[Value]) -> Option<Value> {
        let t = arg_tys.first().copied().unwrap_or(ty);
        let vt = self.vty(t);
        let float = t.is_float();
        let lane_bits = vt.lane_bits();
        Some(match *op {
            LOp::Select(..) => {
                let rt = self.vty(ty);
                let m = self.vcast(rt, a[0]);
                self.ins().bitselect(m, a[1], a[2])
            }
            LOp::Cast(_) => return self.vector_cast(t, ty, a[0]),
            LOp::Unary(u, _) => {
                use UnaryOp::*;
                match u {
                    Pos => a[0],
                    // Sign-bit masks from the constant pool (see `vbits_f`).
                    Neg if float => {
                        let sign = self.vbits_f(t, 1 << (t.size() * 8 - 1));
                        self.ins().bxor(a[0], sign)
                    }
                    Neg => self.ins().ineg(a[0]),
                    Abs if float => {
                        let rest = self.vbits_f(t, (1 << (t.size() * 8 - 1)) - 1);
                        self.ins().band(a[0], rest)
                    }
                    Abs if t.is_signed_int() => self.ins().iabs(a[0]),
                    Abs => a[0],
                    Invert | LogicalNot if t == DType::Bool => self.ins().bnot(a[0]),
                    Invert => self.ins().bnot(a[0]),
                    LogicalNot => {
                        let m = self.vtruth(t, a[0]);
                        self.ins().bnot(m)
                    }
                    Sqrt => self.ins().sqrt(a[0]),
                    Square if float => self.ins().fmul(a[0], a[0]),
                    Square if lane_bits > 8 => self.ins().imul(a[0], a[0]),
                    Reciprocal if float => {
                        let one = self.vsplat_f(t, 1.0);
                        self.ins().fdiv(one, a[0])
                    }
                    Floor if float => self.ins().floor(a[0]),
                    Ceil if float => self.ins().ceil(a[0]),
                    Trunc if float => self.ins().trunc(a[0]),
                    Floor | Ceil | Trunc if !float => a[0],
                    Rint => self.ins().nearest(a[0]),
                    IsNan if float => self.ins().fcmp(FloatCC::Unordered, a[0], a[0]),
                    IsInf if float => {
                        let x = self.ins().fabs(a[0]);
                        let inf = self.vsplat_f(t, f64::INFINITY);
                        self.ins().fcmp(FloatCC::Equal, x, inf)
                    }
                    IsFinite if float => {
                        let x = self.ins().fabs(a[0]);
                        let inf = self.vsplat_f(t, f64::INFINITY);
                        self.ins().fcmp(FloatCC::LessThan, x, inf)
                    }
                    IsNan | IsInf if !float => {
                        let rt = self.vty(DType::Bool);
                        self.vsplat_i(rt, 0)
                    }
                    IsFinite if !float => {
                        let rt = self.vty(DType::Bool);
                        self.vsplat_i(rt, -1)
                    }
                    Signbit if float => {
                        let it = int_of_bytes(t.size()).by(self.lanes as u32)?;
                        let i = self.vcast(it, a[0]);
                        let z = self.vsplat_i(it, 0);
                        self.ins().icmp(IntCC::SignedLessThan, i, z)
                    }
                    _ => return None,
                }
            }
            LOp::Binary(bop, _, _) => {
                use BinaryOp::*;
                let (x, y) = (a[0], a[1]);
                let boolean = t == DType::Bool;
                match bop {
                    Add if float => self.ins().fadd(x, y),
                    Sub if float => self.ins().fsub(x, y),
                    Mul if float => self.ins().fmul(x, y),
                    Div => self.ins().fdiv(x, y),
                    Add if boolean => self.ins().bor(x, y),
                    Mul if boolean => self.ins().band(x, y),
                    Add => self.ins().iadd(x, y),
                    Sub => self.ins().isub(x, y),
                    Mul if lane_bits > 8 => self.ins().imul(x, y),
                    Eq | Ne | Lt | Le | Gt | Ge if float => self.ins().fcmp(Self::fcc(bop), x, y),
                    Eq | Ne => self.ins().icmp(Self::icc(t, bop), x, y),
                    Lt | Le | Gt | Ge if boolean && lane_bits < 64 => {
                        // Masks: true is all ones, so unsigned order works.
                        let cc = Self::icc(DType::U8, bop);
                        self.ins().icmp(cc, x, y)
                    }
                    Lt | Le | Gt | Ge if !boolean && (t.is_signed_int() || lane_bits < 64) => {
                        self.ins().icmp(Self::icc(t, bop), x, y)
                    }
                    BitAnd => self.ins().band(x, y),
                    BitOr => self.ins().bor(x, y),
                    BitXor => self.ins().bxor(x, y),
                    LogicalAnd | LogicalOr | LogicalXor => {
                        let mx = self.vtruth(t, x);
                        let my = self.vtruth(t, y);
                        match bop {
                            LogicalAnd => self.ins().band(mx, my),
                            LogicalOr => self.ins().bor(mx, my),
                            _ => self.ins().bxor(mx, my),
                        }
                    }
                    Maximum | Minimum | Fmax | Fmin if float => {
                        let cc = if matches!(bop, Maximum | Fmax) {
                            FloatCC::GreaterThan
                        } else {
                            FloatCC::LessThan
                        };
                        let nan_of = if matches!(bop, Maximum | Minimum) { x } else { y };
                        let n = self.ins().fcmp(FloatCC::Unordered, nan_of, nan_of);
                        let c = self.ins().fcmp(cc, x, y);
                        let m = self.ins().bor(n, c);
                        let m = self.vcast(vt, m);
                        self.ins().bitselect(m, x, y)
                    }
                    Maximum | Fmax if boolean => self.ins().bor(x, y),
                    Minimum | Fmin if boolean => self.ins().band(x, y),
                    Maximum | Fmax if lane_bits < 64 && t.is_signed_int() => self.ins().smax(x, y),
                    Minimum | Fmin if lane_bits < 64 && t.is_signed_int() => self.ins().smin(x, y),
                    Maximum | Fmax if lane_bits < 64 => self.ins().umax(x, y),
                    Minimum | Fmin if lane_bits < 64 => self.ins().umin(x, y),
                    _ => return None,
                }
            }
            _ => return None,
        })
    }

    /// Casts between widths on the low lanes (mixed-width kernels):
    /// widening only; narrowing goes lane by lane.
    pub(super) fn vector_resize(&mut self, from: DType, to: DType, x: Value) -> Option<Value> {
        let tv = self.vty(to);
        match (from.is_float(), to.is_float()) {
            (true, true) if from == DType::F32 => Some(self.b.ins().fvpromote_low(x)),
            (true, true) => Some(self.b.ins().fvdemote(x)),
            (false, _) if from.size() < to.size() => {
                // Widen the integer step by step to the target's width.
                let mut v = x;
                let mut w = from.size();
                while w < to.size() {
                    v = if from.is_signed_int() {
                        self.b.ins().swiden_low(v)
                    } else {
                        self.b.ins().uwiden_low(v)
                    };
                    w *= 2;
                }
                if !to.is_float() {
                    return Some(v);
                }
                // `fcvt_from_sint(swiden_low(i32x4))` is one cvtdq2pd.
                match (to, w) {
                    (DType::F64, 8) if from.is_signed_int() => Some(self.b.ins().fcvt_from_sint(tv, v)),
                    (DType::F32, 4) if from.is_signed_int() || from.size() < 4 => {
                        Some(self.b.ins().fcvt_from_sint(tv, v))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Same-width vector casts.
    pub(super) fn vector_cast(&mut self, from: DType, to: DType, x: Value) -> Option<Value> {
        if from == to {
            return Some(x);
        }
        let tv = self.vty(to);
        if to == DType::Bool {
            return Some(self.vtruth(from, x));
        }
        if from == DType::Bool {
            // Mask → 1 or 0 of the target type.
            let it = tv.as_int();
            let one = if to.is_float() {
                let o = self.vsplat_f(to, 1.0);
                self.vcast(it, o)
            } else {
                self.vsplat_i(it, 1)
            };
            let m = self.vcast(it, x);
            let r = self.b.ins().band(m, one);
            return Some(self.vcast(tv, r));
        }
        if from.size() != to.size() {
            return self.vector_resize(from, to, x);
        }
        match (from.is_float(), to.is_float()) {
            (false, false) => Some(x), // same width: reinterpret
            (false, true) if from == DType::I32 || from == DType::I64 => Some(self.b.ins().fcvt_from_sint(tv, x)),
            (false, true) if from == DType::U32 => Some(self.b.ins().fcvt_from_uint(tv, x)),
            (true, false) if from == DType::F32 && to == DType::I32 => Some(self.b.ins().fcvt_to_sint_sat(tv, x)),
            _ => None,
        }
    }

    /// A vector op computed lane by lane with the scalar lowering.
    pub(super) fn lanewise(&mut self, op: &LOp, ty: DType, arg_tys: &[DType], args: &[Value]) -> Value {
        let vt = self.vty(ty);
        let mut acc = None;
        for j in 0..self.lanes {
            let sargs: Vec<Value> = args
                .iter()
                .zip(arg_tys)
                .map(|(&a, &t)| {
                    let x = self.b.ins().extractlane(a, j as u8);
                    if t == DType::Bool {
                        self.lane_to_bool(x)
                    } else {
                        x
                    }
                })
                .collect();
            let r = self.scalar_op(op, ty, arg_tys, &sargs);
            let r = if ty == DType::Bool { self.bool_to_lane(r) } else { r };
            acc = Some(match acc {
                None => self.b.ins().splat(vt, r),
                Some(x) => self.b.ins().insertlane(x, r, j as u8),
            });
        }
        acc.expect("lanes")
    }
}
