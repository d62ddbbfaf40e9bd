//! Types: dtype → Cranelift type, the vector width, and conversions between
//! scalars, splats and lane masks.
//!
//! Cranelift's x86-64 back end has 128-bit vectors only: a vector of dtype
//! `d` is one register of [`VECTOR_BYTES`] bytes, `VECTOR_BYTES / d.size()`
//! lanes. In a mixed-width kernel (`f64 * f32`), a narrower value sits in
//! the low `lanes` lanes of its register (`partial`). A bool is an `i8`
//! holding 0 or 1 as a scalar, and a lane mask (0 or all ones, lanes of
//! `VECTOR_BYTES / lanes` bytes) in a vector.
//!
//! Invariant: every vector width in `jit/` is derived from [`VECTOR_BYTES`];
//! no other file names a register width as a number.

use super::Cg;
use crate::array::DType;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, types, InstBuilder, MemFlagsData, Type, Value};

/// Bytes in a vector register (Cranelift's x86-64 vectors are 128-bit):
/// the loop IR's constant, which `vectorize` sizes lanes by.
pub(super) use crate::loops::VECTOR_BYTES;

/// Bits in a vector register.
pub(super) const VECTOR_BITS: u32 = (VECTOR_BYTES * 8) as u32;

/// Scalar Cranelift type of a dtype (bool is an `i8` holding 0 or 1).
pub(super) fn cl_ty(d: DType) -> Type {
    match d {
        DType::Bool | DType::I8 | DType::U8 => types::I8,
        DType::I16 | DType::U16 => types::I16,
        DType::I32 | DType::U32 => types::I32,
        DType::I64 | DType::U64 => types::I64,
        DType::F32 => types::F32,
        DType::F64 => types::F64,
    }
}

/// The integer type of `w` bytes.
pub(super) fn int_of_bytes(w: usize) -> Type {
    match w {
        1 => types::I8,
        2 => types::I16,
        4 => types::I32,
        _ => types::I64,
    }
}

impl Cg<'_> {
    /// The vector type of a dtype: a full 128-bit register. With mixed
    /// widths (no bools then, see `vectorize`) a narrower type uses only its
    /// low `lanes` lanes.
    pub(super) fn vty(&self, d: DType) -> Type {
        if d == DType::Bool {
            int_of_bytes(self.lane_w).by(self.lanes as u32).expect("lanes")
        } else {
            cl_ty(d).by((VECTOR_BYTES / d.size()) as u32).expect("lanes")
        }
    }

    /// Whether values of `d` fill only part of their register.
    pub(super) fn partial(&self, d: DType) -> bool {
        d != DType::Bool && d.size() * self.lanes < VECTOR_BYTES
    }

    /// An integer scalar type of `lanes * size` bytes (a partial vector's
    /// memory footprint).
    pub(super) fn chunk_ty(&self, d: DType) -> Type {
        int_of_bytes(d.size() * self.lanes)
    }

    /// A float constant of dtype `t`.
    pub(super) fn fconst(&mut self, t: DType, v: f64) -> Value {
        if t == DType::F32 {
            self.b.ins().f32const(v as f32)
        } else {
            self.b.ins().f64const(v)
        }
    }

    /// Scalar `s` of dtype `ty` in every lane (a bool as a lane mask).
    pub(super) fn splat(&mut self, ty: DType, s: Value) -> Value {
        let vt = self.vty(ty);
        let s = if ty == DType::Bool { self.bool_to_lane(s) } else { s };
        self.b.ins().splat(vt, s)
    }

    /// A scalar bool (0/1 in i8) as a mask lane (0 or all ones).
    pub(super) fn bool_to_lane(&mut self, s: Value) -> Value {
        let t = int_of_bytes(self.lane_w);
        let x = if t == types::I8 { s } else { self.b.ins().uextend(t, s) };
        self.b.ins().ineg(x)
    }

    /// A mask lane as a scalar bool.
    pub(super) fn lane_to_bool(&mut self, x: Value) -> Value {
        self.b.ins().icmp_imm_s(IntCC::NotEqual, x, 0)
    }

    /// A float constant of dtype `t` in every lane.
    pub(super) fn vsplat_f(&mut self, t: DType, v: f64) -> Value {
        let s = self.fconst(t, v);
        let vt = self.vty(t);
        self.b.ins().splat(vt, s)
    }

    /// The float vector of `t` whose every lane has the bits `bits` (a
    /// constant-pool vector: x86-64 folds it into the instruction that
    /// uses it, where a splat or Cranelift's own `fabs`/`fneg` sign masks
    /// are rebuilt with two instructions at every use).
    pub(super) fn vbits_f(&mut self, t: DType, bits: u64) -> Value {
        let vt = self.vty(t);
        let lane = t.size();
        let bytes: Vec<u8> = (0..VECTOR_BYTES / lane)
            .flat_map(|_| bits.to_le_bytes()[..lane].to_vec())
            .collect();
        let c = self.b.func.dfg.constants.insert(bytes.into());
        self.b.ins().vconst(vt, c)
    }

    /// An integer constant in every lane of `vt`.
    pub(super) fn vsplat_i(&mut self, vt: Type, v: i64) -> Value {
        let s = self.iconst(vt.lane_type(), v);
        self.b.ins().splat(vt, s)
    }

    /// A mask (int vector) as the float vector type `vt`, or vice versa.
    pub(super) fn vcast(&mut self, vt: Type, x: Value) -> Value {
        if self.b.func.dfg.value_type(x) == vt {
            x
        } else {
            // Lane counts may differ: the flags must fix the byte order.
            let le = MemFlagsData::new().with_endianness(ir::Endianness::Little);
            self.b.ins().bitcast(vt, le, x)
        }
    }
}
