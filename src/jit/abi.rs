//! The kernel ABI, and calls out of a kernel into the host.
//!
//! Every kernel is `extern "C" fn(ptrs, strides, dims, start, end, status)`
//! ([`KernelFn`]): `ptrs[p]` is param `p`'s pointer at iteration point
//! zero, `strides[p * ndims + d]` its stride in **bytes** along loop `d`,
//! `dims[d]` the extents; the outermost loop runs over `[start, end)` only,
//! so the runtime can split work between threads; `status` is an
//! `AtomicU32` set to a non-zero code when a value NumPy rejects is met (an
//! integer to a negative power).
//!
//! Invariant: the entry block reads every argument once ([`entry`]); no
//! other code reads the argument arrays. Calls out of a kernel go through
//! `call`/`call_void` with the host's calling convention.

use super::mem::mem;
use super::Cg;
use crate::loops::{LoopFunc, StrideClass};
use cranelift_codegen::ir::{types, AbiParam, InstBuilder, Signature, Type, Value};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::FunctionBuilder;

/// The native signature of every kernel: `ptrs[p]` is param `p`'s
/// pointer at iteration point zero, `strides[p * ndims + d]` its stride in
/// bytes along loop `d`, `dims[d]` the extents; the outermost loop runs
/// over `[start, end)` only; `status` is set to a non-zero code when a
/// value NumPy rejects is met.
pub type KernelFn = unsafe extern "C" fn(
    ptrs: *const *mut u8,
    strides: *const isize,
    dims: *const usize,
    start: usize,
    end: usize,
    status: *const std::sync::atomic::AtomicU32,
);

/// [`KernelFn`] as a Cranelift signature: six pointer-sized integers.
pub(super) fn signature(call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    for _ in 0..6 {
        sig.params.push(AbiParam::new(types::I64));
    }
    sig
}

/// The kernel's arguments as the entry block reads them.
pub(super) struct KernelArgs {
    /// Each param's pointer at iteration point zero.
    pub(super) ptrs: Vec<Value>,
    /// `strides[p][d]` in bytes (runtime), `None` for stride class zero and
    /// for an innermost unit stride (the element size, a constant).
    pub(super) strides: Vec<Vec<Option<Value>>>,
    /// Loop extents; `dims[0]` is `start` (the outermost loop runs over
    /// `[start, end)`).
    pub(super) dims: Vec<Value>,
    pub(super) start: Value,
    pub(super) end: Value,
    /// The `AtomicU32` status word (see the module docs).
    pub(super) status: Value,
}

/// Creates the entry block of `f`'s kernel and reads its arguments there;
/// the builder stays in the entry block.
pub(super) fn entry(b: &mut FunctionBuilder, f: &LoopFunc) -> KernelArgs {
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let params = b.block_params(entry).to_vec();
    let (pp, sp, dp) = (params[0], params[1], params[2]);
    let (start, end, status) = (params[3], params[4], params[5]);
    let n = f.ndims();
    let mut ptrs = vec![];
    let mut strides = vec![];
    for (k, p) in f.params.iter().enumerate() {
        let v = b.ins().load(types::I64, mem(), pp, (k * 8) as i32);
        ptrs.push(v);
        let mut row = vec![];
        for d in 0..n {
            // Zero strides never move; the innermost unit stride is the
            // element size, a constant.
            row.push(match StrideClass::of(p.strides[d]) {
                StrideClass::Zero => None,
                StrideClass::Unit if d + 1 == n => None,
                _ => Some(b.ins().load(types::I64, mem(), sp, ((k * n + d) * 8) as i32)),
            });
        }
        strides.push(row);
    }
    // The outermost loop runs over [start, end); inner extents are read.
    let mut dims = vec![start];
    for d in 1..n {
        dims.push(b.ins().load(types::I64, mem(), dp, (d * 8) as i32));
    }
    KernelArgs {
        ptrs,
        strides,
        dims,
        start,
        end,
        status,
    }
}

impl Cg<'_> {
    /// Calls host function `fnptr` (one result), importing one signature
    /// per list of types.
    pub(super) fn call(&mut self, fnptr: *const u8, params: &[Type], ret: Type, args: &[Value]) -> Value {
        let key = (params.to_vec(), ret);
        let sr = match self.sigs.get(&key) {
            Some(&s) => s,
            None => {
                let mut sig = Signature::new(self.call_conv);
                for &p in params {
                    sig.params.push(AbiParam::new(p));
                }
                sig.returns.push(AbiParam::new(ret));
                let s = self.b.import_signature(sig);
                self.sigs.insert(key, s);
                s
            }
        };
        let callee = self.iconst(types::I64, fnptr as i64);
        let c = self.b.ins().call_indirect(sr, callee, args);
        self.b.inst_results(c)[0]
    }

    /// Calls a host function returning nothing.
    pub(super) fn call_void(&mut self, fnptr: *const u8, params: &[Type], args: &[Value]) {
        let mut sig = Signature::new(self.call_conv);
        for &p in params {
            sig.params.push(AbiParam::new(p));
        }
        let sr = self.b.import_signature(sig);
        let callee = self.iconst(types::I64, fnptr as i64);
        self.b.ins().call_indirect(sr, callee, args);
    }
}
