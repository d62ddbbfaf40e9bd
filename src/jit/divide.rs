//! Integer division that never traps, and division by a constant.
//!
//! `int_div`: `//`, `%` (Python) and `fmod` (C) substitute a safe divisor
//! and select 0 for a zero divisor; `MIN // -1` wraps. By a positive
//! constant (`const_divisor`), `const_div` multiplies by a magic number
//! (Granlund–Montgomery) instead of dividing; in vector code lane by lane.
//!
//! Invariant: the same results as the interpreter for every dividend and
//! divisor, zero and `MIN` included.

use super::types::cl_ty;
use super::{Cg, Mode};
use crate::array::DType;
use crate::expr::BinaryOp;
use crate::loops::LOp;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, Value};

/// A positive integer constant divisor (the magic-number path).
pub(super) fn const_divisor(i: &crate::loops::Inst) -> Option<u64> {
    match i.op {
        LOp::Const(c) if i.ty.is_int() => {
            let v = c.as_i128()?;
            (v > 0).then_some(v as u64)
        }
        _ => None,
    }
}

impl Cg<'_> {
    /// Integer `//`, `%` (Python) and `fmod` (C) that never trap: a zero
    /// divisor gives 0, `MIN // -1` wraps, `MIN % -1` is 0.
    pub(super) fn int_div(&mut self, op: BinaryOp, t: DType, x: Value, y: Value) -> Value {
        let ct = cl_ty(t);
        // Narrow types divide in i32 (exact; avoids 8/16-bit division forms).
        let wide = if t.size() < 4 { types::I32 } else { ct };
        let signed = t.is_signed_int();
        let ext = |s: &mut Self, v: Value| {
            if wide == ct {
                v
            } else if signed {
                s.b.ins().sextend(wide, v)
            } else {
                s.b.ins().uextend(wide, v)
            }
        };
        let (a, b) = (ext(self, x), ext(self, y));
        let zero = self.iconst(wide, 0);
        let one = self.iconst(wide, 1);
        let bz = self.b.ins().icmp_imm_s(IntCC::Equal, b, 0);
        let r = if signed {
            // b == 0 or b == -1 → divide by 1 (no trap), fix up after.
            let bm1 = self.b.ins().icmp_imm_s(IntCC::Equal, b, -1);
            let unsafe_ = self.b.ins().bor(bz, bm1);
            let bs = self.b.ins().select(unsafe_, one, b);
            let q = self.b.ins().sdiv(a, bs);
            let rem = self.b.ins().srem(a, bs);
            // For b == -1: q = -a (wrapping), rem = 0.
            let na = self.b.ins().ineg(a);
            let q = self.b.ins().select(bm1, na, q);
            let rem = self.b.ins().select(bm1, zero, rem);
            match op {
                BinaryOp::Fmod => rem,
                _ => {
                    // Floor: remainder non-zero with sign unlike the divisor.
                    let nz = self.b.ins().icmp_imm_s(IntCC::NotEqual, rem, 0);
                    let sx = self.b.ins().bxor(rem, b);
                    let diff = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, sx, 0);
                    let adj = self.b.ins().band(nz, diff);
                    if op == BinaryOp::FloorDiv {
                        let q1 = self.b.ins().iadd_imm_s(q, -1);
                        self.b.ins().select(adj, q1, q)
                    } else {
                        let r1 = self.b.ins().iadd(rem, b);
                        self.b.ins().select(adj, r1, rem)
                    }
                }
            }
        } else {
            let bs = self.b.ins().select(bz, one, b);
            if op == BinaryOp::FloorDiv {
                self.b.ins().udiv(a, bs)
            } else {
                self.b.ins().urem(a, bs)
            }
        };
        let r = self.b.ins().select(bz, zero, r);
        if wide == ct {
            r
        } else {
            self.b.ins().ireduce(ct, r)
        }
    }

    /// `x // d`, `x % d`, `fmod(x, d)` for a constant `d > 0`, by
    /// multiplying with a magic number (Granlund–Montgomery) instead of
    /// dividing. Signed floor division maps to unsigned: with `s = x >> (N-1)`
    /// (0 or -1), `floor(x / d) = s ^ ((x ^ s) / d)`.
    pub(super) fn const_div(&mut self, op: BinaryOp, t: DType, x: Value, d: u64) -> Value {
        let ct = cl_ty(t);
        let wide = if t.size() < 4 { types::I32 } else { ct };
        let n = wide.bits() as i64;
        let signed = t.is_signed_int();
        let a = if wide == ct {
            x
        } else if signed {
            self.b.ins().sextend(wide, x)
        } else {
            self.b.ins().uextend(wide, x)
        };
        let dv = self.iconst(wide, d as i64);
        let r = if signed {
            let sign = self.b.ins().sshr_imm_s(a, n - 1);
            let u = self.b.ins().bxor(a, sign);
            let qu = self.udiv_const(u, d, n as u32);
            let q = self.b.ins().bxor(qu, sign);
            match op {
                BinaryOp::FloorDiv => q,
                _ => {
                    let qd = self.b.ins().imul(q, dv);
                    let r = self.b.ins().isub(a, qd);
                    if op == BinaryOp::Mod {
                        r
                    } else {
                        // C remainder: sign of the dividend.
                        let nz = self.b.ins().icmp_imm_s(IntCC::NotEqual, r, 0);
                        let neg = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, a, 0);
                        let adj = self.b.ins().band(nz, neg);
                        let rd = self.b.ins().isub(r, dv);
                        self.b.ins().select(adj, rd, r)
                    }
                }
            }
        } else {
            let q = self.udiv_const(a, d, n as u32);
            if op == BinaryOp::FloorDiv {
                q
            } else {
                let qd = self.b.ins().imul(q, dv);
                self.b.ins().isub(a, qd)
            }
        };
        if wide == ct {
            r
        } else {
            self.b.ins().ireduce(ct, r)
        }
    }

    /// Unsigned `x / d` for a constant `d >= 1` in `bits`-bit arithmetic.
    pub(super) fn udiv_const(&mut self, x: Value, d: u64, bits: u32) -> Value {
        let ty = self.b.func.dfg.value_type(x);
        if d == 1 {
            return x;
        }
        if d.is_power_of_two() {
            return self.b.ins().ushr_imm_s(x, d.trailing_zeros() as i64);
        }
        if u128::from(d) > (1u128 << (bits - 1)) {
            // At most one multiple of d fits: x >= d.
            let ge = self.b.ins().icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, x, d as i64);
            return self.b.ins().uextend(ty, ge);
        }
        // l = ceil(log2 d); m = floor(2^N (2^l - d) / d) + 1 < 2^N.
        let l = 64 - (d - 1).leading_zeros();
        let m = ((1u128 << bits) * ((1u128 << l) - u128::from(d)) / u128::from(d)) + 1;
        let mv = self.iconst(ty, m as u64 as i64);
        let t = self.b.ins().umulhi(x, mv);
        let diff = self.b.ins().isub(x, t);
        let half = self.b.ins().ushr_imm_s(diff, 1);
        let sum = self.b.ins().iadd(t, half);
        self.b.ins().ushr_imm_s(sum, i64::from(l) - 1)
    }

    /// `x // d`, `x % d` or `fmod(x, d)` (`x` of dtype `t`, result `ty`)
    /// for a constant `d > 0`, lane by lane in vector mode.
    pub(super) fn const_div_lanes(
        &mut self,
        mode: Mode,
        bop: BinaryOp,
        ty: DType,
        t: DType,
        xv: Value,
        d: u64,
    ) -> Value {
        if mode == Mode::Vector {
            let vt = self.vty(ty);
            let mut acc = None;
            for j in 0..self.lanes {
                let xj = self.b.ins().extractlane(xv, j as u8);
                let r = self.const_div(bop, t, xj, d);
                acc = Some(match acc {
                    None => self.b.ins().splat(vt, r),
                    Some(v) => self.b.ins().insertlane(v, r, j as u8),
                });
            }
            acc.expect("lanes")
        } else {
            self.const_div(bop, t, xv, d)
        }
    }
}
