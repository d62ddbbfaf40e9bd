//! `jit`: loop IR → Cranelift IR → native code. The ONLY module that
//! imports `cranelift_*`.
//!
//! **Kernel ABI.** Every kernel is
//! `extern "C" fn(ptrs, strides, dims, start, end, status)`:
//! `ptrs[p]` is param `p`'s pointer at iteration point zero, `strides[p *
//! ndims + d]` its stride in **bytes** along loop `d`, `dims[d]` the extents;
//! the outermost loop runs over `[start, end)` only, so the runtime can split
//! work between threads; `status` is an `AtomicU32` set to a non-zero code
//! when a value NumPy rejects is met (an integer to a negative power).
//!
//! **Code shape.** Loops nest as in the [`LoopFunc`]; values hoisted to an
//! outer level are computed there (and splatted once for vector code). The
//! innermost loop has a vector main loop (`vector` lanes of 128 bits,
//! `unroll` vectors per iteration) and a scalar remainder loop. Unit-stride
//! operands are loaded and stored as whole vectors (unaligned, `notrap`
//! flags: never `aligned`); other strides are gathered lane by lane. In a
//! mixed-width kernel (`f64 * f32`), a narrower value sits in the low lanes
//! of its register and is loaded/stored as one `lanes * size`-byte scalar,
//! so no access ever extends past an array. Integer `//`, `%`, `fmod` by a
//! positive constant multiply by a magic number instead of dividing. Ops
//! without a vector lowering on x86-64 (integer division, shifts, calls,
//! 64-bit min/max, …) are computed lane by lane inside the vector loop.
//! After Cranelift's optimizer (`opt_level=speed`), the unroll slots of an
//! element-wise main loop are interleaved (`schedule.rs`) and the function is
//! lowered without a second optimizer run.
//!
//! **Nothing traps.** Integer `//`, `%`, `fmod` substitute a safe divisor and
//! select 0 for a zero divisor (and handle `MIN // -1`); float → int casts
//! saturate; shifts follow NumPy (`>= width` gives 0 or -1); transcendentals
//! call the math module's functions ([`host`], `UnaryOp::math`).
//!
//! **Semantics** are the interpreter's ([`crate::interp::eval_unary`],
//! [`crate::interp::eval_binary`]), bit for bit; `tests/differential.rs`
//! checks it on random expressions. A code generator failure is an error
//! (a panic in debug builds), never a silent rebuild as other code.

pub mod host;
mod schedule;

use crate::array::DType;
use crate::error::{Error, Result};
use crate::expr::{BinaryOp, UnaryOp};
use crate::loops::{LOp, LoopFunc, StrideClass};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{self, types, AbiParam, InstBuilder, MemFlagsData, Signature, Type, UserFuncName, Value};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, Linkage, Module};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// The native signature of every kernel (see the module docs).
pub type KernelFn = unsafe extern "C" fn(
    ptrs: *const *mut u8,
    strides: *const isize,
    dims: *const usize,
    start: usize,
    end: usize,
    status: *const std::sync::atomic::AtomicU32,
);

/// A compiled kernel. Its code is freed when it is dropped.
pub struct Compiled {
    module: Mutex<Option<JITModule>>,
    func: KernelFn,
    /// The optimized Cranelift IR (when requested).
    pub clif: Option<String>,
    /// Machine code listing (Cranelift's VCode; when requested).
    pub asm: Option<String>,
    /// Vector lanes of the main loops (the loop function's `vector`).
    pub vector: usize,
}

impl Compiled {
    /// The entry point.
    pub fn func(&self) -> KernelFn {
        self.func
    }
}

impl Drop for Compiled {
    fn drop(&mut self) {
        if let Some(m) = self.module.get_mut().ok().and_then(|m| m.take()) {
            // SAFETY: the cache drops an entry only when no run holds it
            // (entries are `Arc`s), so nothing can call into this code.
            unsafe { m.free_memory() };
        }
    }
}

/// The host ISA with `opt_level=speed` (Cranelift's optimizer), or with
/// `opt_level=none` for the final lowering: kernels are optimized first
/// (`Context::optimize` at `speed`), then `schedule`d, then lowered by a
/// module whose ISA does not optimize again (the e-graph pass would undo
/// the schedule; `opt_level` selects nothing else in Cranelift 0.135).
fn isa(optimize: bool) -> Result<OwnedTargetIsa> {
    static ISA: [OnceLock<std::result::Result<OwnedTargetIsa, String>>; 2] = [OnceLock::new(), OnceLock::new()];
    ISA[optimize as usize]
        .get_or_init(|| {
            let mut fb = settings::builder();
            let set =
                |fb: &mut settings::Builder, k: &str, v: &str| fb.set(k, v).map_err(|e| format!("setting {k}: {e}"));
            set(&mut fb, "opt_level", if optimize { "speed" } else { "none" })?;
            // The verifier costs 30-50% compile time: on in tests, off in release.
            set(
                &mut fb,
                "enable_verifier",
                if cfg!(debug_assertions) { "true" } else { "false" },
            )?;
            set(&mut fb, "is_pic", "false")?;
            cranelift_native::builder()
                .map_err(|e| e.to_string())?
                .finish(settings::Flags::new(fb))
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(Error::Internal)
}

/// Compiles a loop function. `text`: also keep the CLIF and VCode listings.
///
/// A code generator panic is a bug: in debug builds (tests) it propagates,
/// so the test that met it fails; in release builds it becomes
/// [`Error::Internal`] naming the kernel. It never turns into other code.
pub fn compile(f: &LoopFunc, text: bool) -> Result<Compiled> {
    let r = if cfg!(debug_assertions) {
        compile_once(f, text)
    } else {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| compile_once(f, text))).unwrap_or_else(|p| {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(Error::Internal(format!("code generator panicked on {}: {msg}", f.name)))
        })
    };
    if r.is_err() && crate::env::debug_jit() {
        eprintln!("lazyfuse: failed to compile this loop function:\n{f}");
    }
    r
}

/// How many main loops had their unroll slots interleaved (see
/// `schedule`).
pub static INTERLEAVED_LOOPS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many kernels were compiled with outlined `sqrt`/division (see
/// `Outline`).
pub static OUTLINED_KERNELS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Whether kernels outline `sqrt` and division to 256-bit host helpers on
/// this machine (x86-64 with AVX, unless `LAZYFUSE_NO_BLOCK_HELPERS` is
/// set).
pub fn block_helpers_available() -> bool {
    host::block::available()
}

fn compile_once(f: &LoopFunc, text: bool) -> Result<Compiled> {
    let opt = isa(true)?;
    let call_conv = opt.default_call_conv();
    let jb = JITBuilder::with_isa(isa(false)?, default_libcall_names());
    let mut module = JITModule::new(jb);
    let mut ctx = module.make_context();
    let ptr = types::I64;
    let mut sig = Signature::new(call_conv);
    for _ in 0..6 {
        sig.params.push(AbiParam::new(ptr));
    }
    ctx.func.signature = sig.clone();
    ctx.func.name = UserFuncName::user(0, 0);
    let mut fbc = FunctionBuilderContext::new();
    let sched;
    {
        let b = FunctionBuilder::new(&mut ctx.func, &mut fbc);
        let mut cg = Cg::new(f, b, call_conv);
        cg.build();
        cg.b.seal_all_blocks();
        sched = std::mem::take(&mut cg.sched);
        cg.b.finalize(module.target_config());
    }
    ctx.optimize(&*opt, &mut Default::default())
        .map_err(|e| Error::Internal(format!("optimize {}: {e:?}", f.name)))?;
    for (block, slot_of) in &sched {
        if schedule::interleave(&mut ctx.func, *block, slot_of) > 1 {
            INTERLEAVED_LOOPS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
    ctx.set_disasm(text);
    let id = module
        .declare_function(&f.name, Linkage::Export, &sig)
        .map_err(|e| Error::Internal(format!("declare {}: {e}", f.name)))?;
    module
        .define_function(id, &mut ctx)
        .map_err(|e| Error::Internal(format!("compile {}: {e:?}", f.name)))?;
    let clif = text.then(|| host::annotate(ctx.func.display().to_string()));
    let asm = if text { disassemble(&ctx, module.isa()) } else { None };
    module.clear_context(&mut ctx);
    module
        .finalize_definitions()
        .map_err(|e| Error::Internal(format!("finalize {}: {e}", f.name)))?;
    let code = module.get_finalized_function(id);
    // SAFETY: the function was built with exactly `KernelFn`'s signature.
    let func: KernelFn = unsafe { std::mem::transmute::<*const u8, KernelFn>(code) };
    Ok(Compiled {
        module: Mutex::new(Some(module)),
        func,
        clif,
        asm,
        vector: f.vector,
    })
}

/// A positive integer constant divisor (the magic-number path).
fn const_divisor(i: &crate::loops::Inst) -> Option<u64> {
    match i.op {
        LOp::Const(c) if i.ty.is_int() => {
            let v = c.as_i128()?;
            (v > 0).then_some(v as u64)
        }
        _ => None,
    }
}

/// Scalar Cranelift type of a dtype (bool is an `i8` holding 0 or 1).
fn cl_ty(d: DType) -> Type {
    match d {
        DType::Bool | DType::I8 | DType::U8 => types::I8,
        DType::I16 | DType::U16 => types::I16,
        DType::I32 | DType::U32 => types::I32,
        DType::I64 | DType::U64 => types::I64,
        DType::F32 => types::F32,
        DType::F64 => types::F64,
    }
}

fn int_of_bytes(w: usize) -> Type {
    match w {
        1 => types::I8,
        2 => types::I16,
        4 => types::I32,
        _ => types::I64,
    }
}

fn mem() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

/// Values of the body: scalar and (vector mode) vector versions.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Scalar,
    Vector,
}

/// A row-mode accumulator: its param does not move in the innermost loop,
/// so it lives in registers there (`unroll` vectors of partial results)
/// and is folded into memory once per innermost loop.
///
/// **Float sums** follow NumPy's `pairwise_sum` shape and then improve on
/// it: `unroll × lanes` (8 when possible) interleaved plain partial sums
/// over blocks of [`SUM_BLOCK`] iterations (NumPy's 128-element block);
/// after each whole block its partials are added pairwise into one block
/// sum, which joins a compensated pair `(S, C)` (Knuth's TwoSum, exact
/// error; two loop-carried scalars). The last, partial block's lanes are
/// combined pairwise in NumPy's order, the remainder continues
/// sequentially from there, and that joins `(S, C)` last. Up to one block
/// this is NumPy's result bit for bit; beyond, the error is about
/// `(16 + 3) ε Σ|x|`, independent of `n` (NumPy: `(16 + log2(n/128)) ε
/// Σ|x|`).
#[derive(Clone, Copy)]
struct RAcc {
    /// The `accum` instruction.
    v: usize,
    p: usize,
    op: BinaryOp,
    ty: DType,
    kahan: bool,
    /// Where the main loop leaves its registers (not float sums): `unroll`
    /// accumulators, written when the main loop ends. Keeps the vector
    /// registers dead after the main loop.
    slot: Option<ir::StackSlot>,
    /// `argmin`/`argmax`: (`min`, the value param, the index value); the
    /// state is the pair (best value, its index), `p` the index param.
    arg: Option<(bool, usize, usize)>,
}

impl RAcc {
    /// Loop-carried values per slot: the accumulator (for a float sum, the
    /// block's plain partial sum; its compensated pair `(S, C)` is carried
    /// by the loop over blocks).
    fn width(&self) -> usize {
        if self.arg.is_some() {
            2
        } else {
            1
        }
    }
}

/// Main-loop iterations per block of a float sum: each of the `unroll ×
/// lanes` plain partial sums adds this many values before it is folded
/// into its compensated pair (NumPy's pairwise block: 8 accumulators × 16).
const SUM_BLOCK: i64 = 16;

/// Elements per block of an outlined kernel.
const OUTLINE_BLOCK: i64 = host::block::BLOCK as i64;

/// Outlining of `sqrt` and float division to the host's 256-bit block
/// helpers ([`host::block`]). The vector main loop runs in blocks of
/// [`OUTLINE_BLOCK`] elements and each block in phases: phase `k` computes
/// the operands of the outlined ops of phase `k` into scratch buffers on
/// the stack, then one helper call per op transforms its buffer in place,
/// and phase `k + 1` reads the results back. A value computed in one phase
/// and used in a later one is kept in a scratch buffer too, except loads
/// and constants, which are simply redone. The partial last block and the
/// scalar remainder run the ordinary loop.
struct Outline {
    /// Phase of each innermost-level instruction.
    phase: Vec<usize>,
    /// Whether each instruction is an outlined op.
    outlined: Vec<bool>,
    /// Scratch buffer index of an instruction's value (an outlined op: its
    /// operand, then its result).
    scratch: Vec<Option<usize>>,
    /// Scratch buffer of an outlined division's vector denominator.
    den: Vec<Option<usize>>,
    /// Scratch buffers.
    slots: Vec<ir::StackSlot>,
    /// An outlined op whose only use is the store of the last phase into
    /// a contiguous output: its operand goes straight into the output's
    /// block and the helper finishes it there; the last phase is then
    /// skipped. (Written at the end of its phase, after every load of it,
    /// so an output over an input of the same layout stays correct.)
    direct: Vec<Option<usize>>,
    /// Phases to emit (`phases`, or one fewer when the last is direct).
    emit: usize,
    /// For an outlined `sin`: the outlined `cos` of the same value, both
    /// computed by one `sincos` call (one range reduction); that `cos`
    /// then makes no call of its own and takes no operand.
    cos_of: Vec<Option<usize>>,
    /// An outlined `cos` computed by its `sin`'s `sincos` call.
    by_sincos: Vec<bool>,
}

/// Where a main loop stops.
#[derive(Clone, Copy)]
enum Bound {
    /// At this index, reached after at least one iteration.
    Exactly(Value),
    /// Before an iteration would pass this index.
    Below(Value),
}

struct Cg<'a> {
    f: &'a LoopFunc,
    /// Row-mode accumulators, in body order.
    raccs: Vec<RAcc>,
    b: FunctionBuilder<'a>,
    call_conv: CallConv,
    lanes: usize,
    /// Width in bytes of a vector lane (for bool masks).
    lane_w: usize,
    n: usize,
    ptrs: Vec<Value>,
    /// `strides[p][d]` in bytes (runtime), `None` for stride class zero.
    strides: Vec<Vec<Option<Value>>>,
    dims: Vec<Value>,
    start: Value,
    end: Value,
    status: Value,
    /// Hoisted values: scalar, vector.
    sv: Vec<Option<Value>>,
    vv: Vec<Option<Value>>,
    sigs: HashMap<(Vec<Type>, Type), ir::SigRef>,
    /// Element offset of the unroll slot being emitted, added to the
    /// index in addresses.
    slot_off: usize,
    /// The outlining plan, if the kernel uses one.
    outline: Option<Outline>,
    /// The phase being emitted (blocked main loop of an outlined kernel).
    phase: Option<usize>,
    /// Float sums' compensated pairs `(S, C)` over whole blocks, in
    /// accumulator order, as they leave the block loop.
    sc: Vec<(Value, Value)>,
    /// Float-sum additions per main-loop iteration done as `fma(x, 1, P)`
    /// (see `balance_pipes`), and how many are left in this iteration.
    fma_per_iter: usize,
    fma_left: usize,
    /// Main-loop bodies to interleave after Cranelift's optimizer (see
    /// `schedule`), with the unroll slot of each of their loads and stores.
    sched: Vec<(ir::Block, HashMap<ir::Inst, usize>)>,
}

impl<'a> Cg<'a> {
    fn new(f: &'a LoopFunc, b: FunctionBuilder<'a>, call_conv: CallConv) -> Cg<'a> {
        let lanes = f.vector.max(1);
        let n = f.ndims();
        let raccs = f
            .body
            .iter()
            .enumerate()
            .filter_map(|(v, i)| match i.op {
                LOp::Accum(p, op, _) if f.params[p].strides[n - 1] == 0 => Some(RAcc {
                    v,
                    p,
                    op,
                    ty: i.ty,
                    kahan: op == BinaryOp::Add && i.ty.is_float(),
                    slot: None,
                    arg: None,
                }),
                LOp::ArgAccum {
                    min,
                    index_out,
                    value_out,
                    i: x,
                    ..
                } if f.params[index_out].strides[n - 1] == 0 => Some(RAcc {
                    v,
                    p: index_out,
                    op: BinaryOp::Minimum,
                    ty: i.ty,
                    kahan: false,
                    slot: None,
                    arg: Some((min, value_out, x)),
                }),
                _ => None,
            })
            .collect();
        Cg {
            f,
            raccs,
            b,
            call_conv,
            lanes,
            lane_w: 16 / lanes,
            n: f.ndims(),
            ptrs: vec![],
            strides: vec![],
            dims: vec![],
            start: Value::from_u32(0),
            end: Value::from_u32(0),
            status: Value::from_u32(0),
            sv: vec![None; f.body.len()],
            vv: vec![None; f.body.len()],
            sigs: HashMap::new(),
            slot_off: 0,
            outline: None,
            phase: None,
            sc: vec![],
            fma_per_iter: 0,
            fma_left: 0,
            sched: vec![],
        }
    }

    /// The vector type of a dtype: a full 128-bit register. With mixed
    /// widths (no bools then, see `vectorize`) a narrower type uses only its
    /// low `lanes` lanes.
    fn vty(&self, d: DType) -> Type {
        if d == DType::Bool {
            int_of_bytes(self.lane_w).by(self.lanes as u32).expect("lanes")
        } else {
            cl_ty(d).by((16 / d.size()) as u32).expect("lanes")
        }
    }

    /// Whether values of `d` fill only part of their register.
    fn partial(&self, d: DType) -> bool {
        d != DType::Bool && d.size() * self.lanes < 16
    }

    /// An integer scalar type of `lanes * size` bytes (a partial vector's
    /// memory footprint).
    fn chunk_ty(&self, d: DType) -> Type {
        int_of_bytes(d.size() * self.lanes)
    }

    fn ins<'s>(&'s mut self) -> cranelift_frontend::FuncInstBuilder<'s, 'a> {
        self.b.ins()
    }

    fn iconst(&mut self, t: Type, v: i64) -> Value {
        self.b.ins().iconst(t, v)
    }

    fn build(&mut self) {
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        let params = self.b.block_params(entry).to_vec();
        let (pp, sp, dp) = (params[0], params[1], params[2]);
        self.start = params[3];
        self.end = params[4];
        self.status = params[5];
        let n = self.n;
        for (k, p) in self.f.params.iter().enumerate() {
            let v = self.b.ins().load(types::I64, mem(), pp, (k * 8) as i32);
            self.ptrs.push(v);
            let mut row = vec![];
            for d in 0..n {
                // Zero strides never move; the innermost unit stride is the
                // element size, a constant.
                row.push(match StrideClass::of(p.strides[d]) {
                    StrideClass::Zero => None,
                    StrideClass::Unit if d + 1 == n => None,
                    _ => Some(self.b.ins().load(types::I64, mem(), sp, ((k * n + d) * 8) as i32)),
                });
            }
            self.strides.push(row);
        }
        // The outermost loop runs over [start, end); inner extents are read.
        self.dims.push(self.start);
        for d in 1..n {
            let v = self.b.ins().load(types::I64, mem(), dp, (d * 8) as i32);
            self.dims.push(v);
        }
        for k in 0..self.raccs.len() {
            if !self.raccs[k].kahan && self.raccs[k].arg.is_none() {
                let size = (self.f.unroll * 16) as u32;
                let data = ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, size, 4);
                self.raccs[k].slot = Some(self.b.create_sized_stack_slot(data));
            }
        }
        self.outline = self.plan_outline();
        self.fma_per_iter = self.balance_pipes();
        if self.outline.is_some() {
            OUTLINED_KERNELS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        let ptrs = self.ptrs.clone();
        self.hoisted(0, &ptrs);
        self.emit_loop(0, ptrs);
        self.b.ins().return_(&[]);
    }

    /// Computes the values of `level` (< n) with pointers `ptrs`.
    fn hoisted(&mut self, level: usize, ptrs: &[Value]) {
        for v in 0..self.f.body.len() {
            if self.f.body[v].level != level || matches!(self.f.body[v].op, LOp::Store(..) | LOp::Accum(..)) {
                continue;
            }
            let mut vals = self.sv.clone();
            let s = self.inst(Mode::Scalar, v, &mut vals, ptrs, None);
            self.sv[v] = Some(s);
            if self.lanes > 1 {
                let ty = self.f.body[v].ty;
                let sp = self.splat(ty, s);
                self.vv[v] = Some(sp);
            }
        }
    }

    fn splat(&mut self, ty: DType, s: Value) -> Value {
        let vt = self.vty(ty);
        let s = if ty == DType::Bool { self.bool_to_lane(s) } else { s };
        self.b.ins().splat(vt, s)
    }

    /// A scalar bool (0/1 in i8) as a mask lane (0 or all ones).
    fn bool_to_lane(&mut self, s: Value) -> Value {
        let t = int_of_bytes(self.lane_w);
        let x = if t == types::I8 { s } else { self.b.ins().uextend(t, s) };
        self.b.ins().ineg(x)
    }

    /// A mask lane as a scalar bool.
    fn lane_to_bool(&mut self, x: Value) -> Value {
        self.b.ins().icmp_imm_s(IntCC::NotEqual, x, 0)
    }

    fn range(&mut self, d: usize) -> (Value, Value) {
        if d == 0 {
            (self.start, self.end)
        } else {
            let z = self.iconst(types::I64, 0);
            (z, self.dims[d])
        }
    }

    fn emit_loop(&mut self, d: usize, ptrs: Vec<Value>) {
        let (lo, hi) = self.range(d);
        if d + 1 == self.n {
            return self.emit_inner(ptrs, lo, hi);
        }
        let head = self.b.create_block();
        let body = self.b.create_block();
        let exit = self.b.create_block();
        let i = self.b.append_block_param(head, types::I64);
        self.b.ins().jump(head, &[lo.into()]);
        self.b.switch_to_block(head);
        let c = self.b.ins().icmp(IntCC::UnsignedLessThan, i, hi);
        self.b.ins().brif(c, body, &[], exit, &[]);
        self.b.switch_to_block(body);
        let inner: Vec<Value> = (0..ptrs.len())
            .map(|p| match self.strides[p][d] {
                None => ptrs[p],
                Some(s) => {
                    let off = self.b.ins().imul(i, s);
                    self.b.ins().iadd(ptrs[p], off)
                }
            })
            .collect();
        self.hoisted(d + 1, &inner);
        self.emit_loop(d + 1, inner);
        let i1 = self.b.ins().iadd_imm_s(i, 1);
        self.b.ins().jump(head, &[i1.into()]);
        self.b.switch_to_block(exit);
    }

    fn emit_inner(&mut self, ptrs: Vec<Value>, lo: Value, hi: Value) {
        let step = (self.lanes * self.f.unroll) as i64;
        let mode = if self.lanes > 1 { Mode::Vector } else { Mode::Scalar };
        // Loop-carried accumulator state: `unroll` slots in the main loop,
        // one scalar slot in the remainder loop.
        let vinit = self.acc_init(mode);
        let sinit = self.acc_init(Mode::Scalar);
        let slots = self.f.unroll;
        let mut i = lo;
        let mut state: Vec<Value> = (0..slots).flat_map(|_| vinit.clone()).collect();
        // Float sums: the compensated pair (S, C) of the whole blocks.
        let kahans: Vec<usize> = (0..self.raccs.len()).filter(|&k| self.raccs[k].kahan).collect();
        self.sc = kahans
            .iter()
            .map(|&k| {
                let z = self.fconst(self.raccs[k].ty, 0.0);
                (z, z)
            })
            .collect();
        if !kahans.is_empty() {
            // Whole blocks of SUM_BLOCK iterations; after each, the block's
            // partials are summed and added into (S, C) with TwoSum, and
            // restart from 0.
            let bhead = self.b.create_block();
            let bbody = self.b.create_block();
            let bexit = self.b.create_block();
            // The block's end is a loop-carried param, not `bi + const`,
            // which Cranelift would rematerialise inside the inner loop.
            let bi = self.b.append_block_param(bhead, types::I64);
            let bend = self.b.append_block_param(bhead, types::I64);
            let bstate = self.block_params_like(bhead, &state);
            let flat: Vec<Value> = self.sc.iter().flat_map(|&(s, c)| [s, c]).collect();
            let bsc = self.block_params_like(bhead, &flat);
            let end0 = self.b.ins().iadd_imm_s(i, step * SUM_BLOCK);
            let mut args = vec![ir::BlockArg::from(i), end0.into()];
            args.extend(state.iter().chain(&flat).map(|&x| ir::BlockArg::from(x)));
            self.b.ins().jump(bhead, &args);
            self.b.switch_to_block(bhead);
            let full = self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, bend, hi);
            let mut out = vec![ir::BlockArg::from(bi)];
            out.extend(bstate.iter().chain(&bsc).map(|&x| ir::BlockArg::from(x)));
            self.b.ins().brif(full, bbody, &[], bexit, &out);
            self.b.switch_to_block(bbody);
            let (i2, st2) = self.vloop(mode, &ptrs, bi, bstate, Bound::Exactly(bend));
            let mut folded = st2.clone();
            let mut nsc = vec![];
            let w = vinit.len();
            for (j, &k) in kahans.iter().enumerate() {
                let off = self.racc_off(k);
                let parts: Vec<Value> = (0..slots).map(|u| st2[u * w + off]).collect();
                let block = self.block_sum(mode, &parts);
                let (t, c) = self.kahan(Mode::Scalar, self.raccs[k].ty, bsc[2 * j], bsc[2 * j + 1], block);
                nsc.extend([t, c]);
                for u in 0..slots {
                    folded[u * w + off] = vinit[off];
                }
            }
            let end2 = self.b.ins().iadd_imm_s(i2, step * SUM_BLOCK);
            let mut args = vec![ir::BlockArg::from(i2), end2.into()];
            args.extend(folded.iter().chain(&nsc).map(|&x| ir::BlockArg::from(x)));
            self.b.ins().jump(bhead, &args);
            self.b.switch_to_block(bexit);
            i = self.b.append_block_param(bexit, types::I64);
            state = self.block_params_like(bexit, &state);
            let sc = self.block_params_like(bexit, &flat);
            self.sc = sc.chunks(2).map(|p| (p[0], p[1])).collect();
        }
        if mode == Mode::Vector && self.outline.is_some() {
            i = self.outlined_blocks(&ptrs, i, hi);
        }
        // The main loop (for float sums: the last, partial block).
        let (vi, vstate) = self.vloop(mode, &ptrs, i, state, Bound::Below(hi));
        // Leaving the main loop: its registers go to the stack slots.
        self.spill_state(&vstate);
        // Float sums: the remainder continues from the pairwise combination
        // of the lanes, as NumPy's `pairwise_sum` does for a block.
        let shead = self.b.create_block();
        let sbody = self.b.create_block();
        let exit = self.b.create_block();
        let si = self.b.append_block_param(shead, types::I64);
        let sstate = self.block_params_like(shead, &sinit);
        let mut sargs: Vec<ir::BlockArg> = vec![vi.into()];
        for (k, r) in self.raccs.clone().into_iter().enumerate() {
            let off = self.racc_off(k);
            if r.kahan {
                let w = vinit.len();
                let parts: Vec<Value> = (0..slots).map(|u| vstate[u * w + off]).collect();
                let x = self.lane_tree(mode, &parts);
                sargs.push(x.into());
            } else {
                sargs.extend(sinit[off..off + r.width()].iter().map(|&x| ir::BlockArg::from(x)));
            }
        }
        self.b.ins().jump(shead, &sargs);
        // Remainder, one element at a time.
        self.b.switch_to_block(shead);
        let c = self.b.ins().icmp(IntCC::UnsignedLessThan, si, hi);
        self.b.ins().brif(c, sbody, &[], exit, &[]);
        self.b.switch_to_block(sbody);
        let mut st = sstate.clone();
        self.body(Mode::Scalar, &ptrs, si, &mut st);
        let s1 = self.b.ins().iadd_imm_s(si, 1);
        let mut sargs: Vec<ir::BlockArg> = vec![s1.into()];
        sargs.extend(st.into_iter().map(ir::BlockArg::from));
        self.b.ins().jump(shead, &sargs);
        self.b.switch_to_block(exit);
        self.acc_flush(mode, &ptrs, &vstate, &sstate);
    }

    /// New params of `block` with the types of `like`.
    fn block_params_like(&mut self, block: ir::Block, like: &[Value]) -> Vec<Value> {
        like.iter()
            .map(|&x| {
                let t = self.b.func.dfg.value_type(x);
                self.b.append_block_param(block, t)
            })
            .collect()
    }

    /// The unrolled main loop from `i0` with accumulator state `state0`, in
    /// rotated form (one test and branch per iteration, at the bottom).
    /// Pointers computed by outer loops enter as block params, so that the
    /// optimizer does not rematerialise them inside the loop. Returns the
    /// index and the state where it exits, with the builder in its exit
    /// block.
    fn vloop(
        &mut self,
        mode: Mode,
        ptrs: &[Value],
        i0: Value,
        state0: Vec<Value>,
        bound: Bound,
    ) -> (Value, Vec<Value>) {
        let step = (self.lanes * self.f.unroll) as i64;
        let body = self.b.create_block();
        let exit = self.b.create_block();
        let moved: Vec<usize> = (0..ptrs.len())
            .filter(|&p| p >= self.ptrs.len() || ptrs[p] != self.ptrs[p])
            .collect();
        let i = self.b.append_block_param(body, types::I64);
        let state = self.block_params_like(body, &state0);
        let mut lptrs = ptrs.to_vec();
        for &p in &moved {
            lptrs[p] = self.b.append_block_param(body, types::I64);
        }
        // With an exact bound the loop is the exit's only predecessor: the
        // body's values reach it directly (no edge copies to coalesce).
        let exact = matches!(bound, Bound::Exactly(_));
        let (xi, xstate) = if exact {
            (i0, vec![])
        } else {
            let xi = self.b.append_block_param(exit, types::I64);
            (xi, self.block_params_like(exit, &state0))
        };
        let args = |i: Value, st: &[Value], ps: &[Value]| {
            let mut a = vec![ir::BlockArg::from(i)];
            a.extend(st.iter().map(|&x| ir::BlockArg::from(x)));
            let mut b = a.clone();
            b.extend(moved.iter().map(|&p| ir::BlockArg::from(ps[p])));
            (b, a)
        };
        // The bound enters as a block param too: Cranelift rematerialises
        // add-with-immediate in every block that uses it, loops included.
        let (limit, cc) = match bound {
            Bound::Exactly(end) => (end, IntCC::SignedLessThan),
            // `next + step <= hi` as `next <= hi - step` (signed: indices
            // are below 2^63, so `hi - step` may go negative).
            Bound::Below(hi) => (self.b.ins().iadd_imm_s(hi, -step), IntCC::SignedLessThanOrEqual),
        };
        let lim = self.b.append_block_param(body, types::I64);
        let (mut enter, skip) = args(i0, &state0, ptrs);
        enter.push(limit.into());
        match bound {
            Bound::Exactly(_) => {
                self.b.ins().jump(body, &enter);
            }
            Bound::Below(_) => {
                let c = self.b.ins().icmp(IntCC::SignedLessThanOrEqual, i0, limit);
                self.b.ins().brif(c, body, &enter, exit, &skip);
            }
        }
        self.b.switch_to_block(body);
        let w = state0.len() / self.f.unroll.max(1);
        let mut next_state: Vec<Value> = vec![];
        self.fma_left = self.fma_per_iter;
        let mut slot_of = self.may_interleave(mode).then(HashMap::new);
        for u in 0..self.f.unroll {
            self.slot_off = u * self.lanes;
            let mut st = state[u * w..(u + 1) * w].to_vec();
            let last = self.b.func.layout.last_inst(body);
            self.body(mode, &lptrs, i, &mut st);
            next_state.extend(st);
            if let Some(m) = slot_of.as_mut() {
                if self.b.current_block() != Some(body) {
                    slot_of = None;
                    continue;
                }
                let mut at = match last {
                    Some(l) => self.b.func.layout.next_inst(l),
                    None => self.b.func.layout.first_inst(body),
                };
                while let Some(x) = at {
                    let op = self.b.func.dfg.insts[x].opcode();
                    if op.can_load() || op.can_store() {
                        m.insert(x, u);
                    }
                    at = self.b.func.layout.next_inst(x);
                }
            }
        }
        if let Some(m) = slot_of {
            self.sched.push((body, m));
        }
        self.slot_off = 0;
        let next = self.b.ins().iadd_imm_s(i, step);
        let more = self.b.ins().icmp(cc, next, lim);
        let (mut again, out) = args(next, &next_state, &lptrs);
        again.push(lim.into());
        if exact {
            self.b.ins().brif(more, body, &again, exit, &[]);
            self.b.switch_to_block(exit);
            return (next, next_state);
        }
        self.b.ins().brif(more, body, &again, exit, &out);
        self.b.switch_to_block(exit);
        (xi, xstate)
    }

    /// Whether the unroll slots of a main loop may be interleaved by
    /// `schedule`: vector code with several slots, no outlining phases, no
    /// `argmin`/`argmax`, and every store and accumulator moving along the
    /// innermost loop (register accumulators do not: their slots share a
    /// chain), so that different slots touch different elements. Column
    /// sums (`out[j] += a[i, j]`) qualify: 3.2 -> 2.6 ms for `colsum`.
    /// `LAZYFUSE_NO_INTERLEAVE` (read once) turns it off, for comparisons.
    fn may_interleave(&self, mode: Mode) -> bool {
        let n = self.n;
        schedule::enabled()
            && mode == Mode::Vector
            && self.f.unroll > 1
            && self.phase.is_none()
            && self.f.body.iter().all(|i| match i.op {
                LOp::ArgAccum { .. } => false,
                LOp::Accum(p, ..) | LOp::Store(p, _) => self.f.params[p].strides[n - 1] != 0,
                _ => true,
            })
    }

    /// How many float-sum additions per main-loop iteration to move to
    /// the multiply-add pipes. x86-64 cores run vector adds and
    /// multiplies on separate pairs of pipes; a reduction body such as
    /// `mean` + `std` (four adds or subtractions per element, one multiply)
    /// is bound by the add pipes. `P + x` equals `fma(x, 1, P)` bit for bit
    /// (one rounding of the exact sum), so half the excess of adds over
    /// multiplies moves over, when the CPU has FMA.
    fn balance_pipes(&self) -> usize {
        let f = self.f;
        let n = self.n;
        if self.lanes < 2 || !host::has_fma() {
            return 0;
        }
        let (mut adds, mut muls, mut sums) = (0usize, 0usize, 0usize);
        for i in f.body.iter().filter(|i| i.level == n && i.ty.is_float()) {
            match i.op {
                LOp::Binary(BinaryOp::Add | BinaryOp::Sub, ..) => adds += 1,
                LOp::Binary(BinaryOp::Mul, ..) | LOp::Unary(UnaryOp::Square, _) => muls += 1,
                _ => {}
            }
        }
        for r in &self.raccs {
            if r.kahan {
                adds += 1;
                sums += 1;
            }
        }
        let unroll = f.unroll.max(1);
        (adds.saturating_sub(muls) * unroll / 2).min(sums * unroll)
    }

    /// Decides whether and how to outline (see [`Outline`]): vector
    /// kernels without row accumulators whose innermost body has a float
    /// `sqrt` or division on full vectors.
    fn plan_outline(&mut self) -> Option<Outline> {
        let f = self.f;
        let n = self.n;
        let accum = f
            .body
            .iter()
            .any(|i| matches!(i.op, LOp::Accum(..) | LOp::ArgAccum { .. }));
        if self.lanes < 2 || accum || !host::block::available() {
            return None;
        }
        let len = f.body.len();
        let inner = |v: usize| f.body[v].level == n;
        let outlinable = |v: usize| {
            let i = &f.body[v];
            let full = matches!(i.ty, DType::F64 | DType::F32) && i.ty.size() * self.lanes == 16;
            match i.op {
                LOp::Unary(UnaryOp::Sqrt, a) => full && f.body[a].ty == i.ty,
                LOp::Unary(u, a) if u.math().is_some() => full && f.body[a].ty == i.ty,
                LOp::Binary(op, a, b) if op.math().is_some() => {
                    full && f.body[a].ty == i.ty && f.body[b].ty == i.ty && (inner(a) || inner(b))
                }
                LOp::Binary(BinaryOp::Div, a, b) => {
                    full && f.body[a].ty == i.ty && f.body[b].ty == i.ty && (inner(a) || inner(b))
                }
                _ => false,
            }
        };
        let outlined: Vec<bool> = (0..len).map(|v| inner(v) && outlinable(v)).collect();
        if !outlined.iter().any(|&o| o) {
            return None;
        }
        let mut phase = vec![0; len];
        for v in 0..len {
            if inner(v) {
                phase[v] = LoopFunc::args(&f.body[v].op)
                    .iter()
                    .filter(|&&a| inner(a))
                    .map(|&a| phase[a] + outlined[a] as usize)
                    .max()
                    .unwrap_or(0);
            }
        }
        let phases = (0..len).filter(|&v| inner(v)).map(|v| phase[v] + 1).max().unwrap_or(1);
        // The last phase only stores outlined results into contiguous
        // outputs of their dtype: those go direct.
        let last = phases - 1;
        let uses = |v: usize| (0..len).filter(|&u| LoopFunc::args(&f.body[u].op).contains(&v)).count();
        let last_insts: Vec<usize> = (0..len).filter(|&u| inner(u) && phase[u] == last).collect();
        let all_direct = phases >= 2
            && !last_insts.is_empty()
            && last_insts.iter().all(|&u| match f.body[u].op {
                LOp::Store(p, v) => {
                    outlined[v]
                        && uses(v) == 1
                        && StrideClass::of(f.params[p].strides[n - 1]) == StrideClass::Unit
                        && f.params[p].dtype == f.body[v].ty
                }
                _ => false,
            });
        let mut direct = vec![None; len];
        if all_direct {
            for &u in &last_insts {
                if let LOp::Store(p, v) = f.body[u].op {
                    direct[v] = Some(p);
                }
            }
        }
        let emit = if all_direct { last } else { phases };
        // sin(x) and cos(x) of one value share a range reduction.
        let mut cos_of = vec![None; len];
        let mut by_sincos = vec![false; len];
        for v in 0..len {
            if let (true, None, &LOp::Unary(UnaryOp::Sin, a)) = (outlined[v], direct[v], &f.body[v].op) {
                let w = (0..len).find(|&w| {
                    outlined[w]
                        && direct[w].is_none()
                        && !by_sincos[w]
                        && f.body[w].ty == f.body[v].ty
                        && matches!(f.body[w].op, LOp::Unary(UnaryOp::Cos, b) if b == a)
                });
                if let Some(w) = w {
                    cos_of[v] = Some(w);
                    by_sincos[w] = true;
                }
            }
        }
        let mut scratch = vec![None; len];
        let mut den = vec![None; len];
        let mut slots = vec![];
        let bytes = (OUTLINE_BLOCK as usize * 16 / self.lanes) as u32;
        let mut new_slot = |b: &mut FunctionBuilder| {
            let data = ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, bytes, 5);
            slots.push(b.create_sized_stack_slot(data));
            Some(slots.len() - 1)
        };
        for v in 0..len {
            if !inner(v) {
                continue;
            }
            let redo = matches!(f.body[v].op, LOp::Load(_) | LOp::Const(_));
            let later = (v + 1..len)
                .any(|u| inner(u) && LoopFunc::args(&f.body[u].op).contains(&v) && phase[u] > phase[v] && !outlined[v]);
            if outlined[v] {
                if direct[v].is_none() {
                    scratch[v] = new_slot(&mut self.b);
                }
                if let LOp::Binary(op, a, b) = f.body[v].op {
                    // Math functions take both operands from scratch (an
                    // invariant one splatted); division has scalar forms.
                    if (inner(a) && inner(b)) || op.math().is_some() {
                        den[v] = new_slot(&mut self.b);
                    }
                }
            } else if later && !redo {
                scratch[v] = new_slot(&mut self.b);
            }
        }
        // Scratch beyond half of L1 would push the arrays' lines out: not
        // worth it then (32 buffers of BLOCK elements are 16 KiB).
        (slots.len() <= 32).then_some(Outline {
            phase,
            outlined,
            scratch,
            den,
            slots,
            direct,
            emit,
            cos_of,
            by_sincos,
        })
    }

    /// The blocked, phased main loop of an outlined kernel from `lo` while
    /// whole blocks fit below `hi`; returns where it stopped.
    fn outlined_blocks(&mut self, ptrs: &[Value], lo: Value, hi: Value) -> Value {
        let bhead = self.b.create_block();
        let bbody = self.b.create_block();
        let bexit = self.b.create_block();
        let bi = self.b.append_block_param(bhead, types::I64);
        self.b.ins().jump(bhead, &[lo.into()]);
        self.b.switch_to_block(bhead);
        let bend = self.b.ins().iadd_imm_s(bi, OUTLINE_BLOCK);
        let full = self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, bend, hi);
        self.b.ins().brif(full, bbody, &[], bexit, &[bi.into()]);
        self.b.switch_to_block(bbody);
        // Scratch pointers biased by the block start, so that the element
        // at index `j` is at `ptr + j * bytes_per_element`, like arrays.
        let per = (16 / self.lanes) as i64;
        let slots = self.outline.as_ref().expect("outlined").slots.clone();
        let bias = self.b.ins().imul_imm_s(bi, per);
        let mut ext = ptrs.to_vec();
        let mut bases = vec![];
        for &ss in &slots {
            let a = self.b.ins().stack_addr(types::I64, ss, 0);
            bases.push(a);
            ext.push(self.b.ins().isub(a, bias));
        }
        let phases = self.outline.as_ref().expect("outlined").emit;
        for k in 0..phases {
            self.phase = Some(k);
            self.vloop(Mode::Vector, &ext, bi, vec![], Bound::Exactly(bend));
            self.phase = None;
            for v in 0..self.f.body.len() {
                let o = self.outline.as_ref().expect("outlined");
                if !o.outlined[v] || o.phase[v] != k {
                    continue;
                }
                if o.by_sincos[v] {
                    continue;
                }
                if let Some(w) = o.cos_of[v] {
                    let (x, c) = (
                        bases[o.scratch[v].expect("scratch")],
                        bases[o.scratch[w].expect("scratch")],
                    );
                    let f = if self.f.body[v].ty == DType::F64 {
                        crate::math::sincos_f64_c_block as *const u8
                    } else {
                        crate::math::sincos_f32_c_block as *const u8
                    };
                    self.call_void(f, &[types::I64, types::I64], &[x, c]);
                    continue;
                }
                let (direct, scratch) = (o.direct[v], o.scratch[v]);
                let d = o.den[v].map(|d| bases[d]);
                let x = match direct {
                    // The output's block: its element `bi` onwards.
                    Some(p) => self.addr(p, ptrs, Some(bi), 0).0,
                    None => bases[scratch.expect("an outlined op has scratch or goes direct")],
                };
                self.call_block_helper(v, x, d);
            }
        }
        self.b.ins().jump(bhead, &[bend.into()]);
        self.b.switch_to_block(bexit);
        self.b.append_block_param(bexit, types::I64)
    }

    /// The helper call of outlined op `v` on its scratch `x` (and `den`).
    fn call_block_helper(&mut self, v: usize, x: Value, den: Option<Value>) {
        use host::block::*;
        let inst = &self.f.body[v];
        let f64_ = inst.ty == DType::F64;
        let ft = cl_ty(inst.ty);
        let i64_ = types::I64;
        match inst.op {
            LOp::Unary(UnaryOp::Sqrt, _) => {
                let f = if f64_ {
                    sqrt_f64 as *const u8
                } else {
                    sqrt_f32 as *const u8
                };
                self.call_void(f, &[i64_], &[x]);
            }
            LOp::Unary(u, _) if u.math().is_some() => {
                let m = u.math().expect("a math function");
                let f = if f64_ {
                    m.block_f64 as *const u8
                } else {
                    m.block_f32 as *const u8
                };
                self.call_void(f, &[i64_], &[x]);
            }
            LOp::Binary(op, _, _) if op.math().is_some() => {
                let m = op.math().expect("a math function");
                let f = if f64_ {
                    m.block_f64 as *const u8
                } else {
                    m.block_f32 as *const u8
                };
                self.call_void(f, &[i64_, i64_], &[x, den.expect("math operands in scratch")]);
            }
            LOp::Binary(_, a, b) => match den {
                Some(d) => {
                    let f = if f64_ {
                        div_f64 as *const u8
                    } else {
                        div_f32 as *const u8
                    };
                    self.call_void(f, &[i64_, i64_], &[x, d]);
                }
                None => {
                    // One side is loop-invariant: its scalar was hoisted.
                    let (f, s) = if self.f.body[b].level < self.n {
                        let f = if f64_ {
                            div_scalar_f64 as *const u8
                        } else {
                            div_scalar_f32 as *const u8
                        };
                        (f, self.sv[b].expect("hoisted"))
                    } else {
                        let f = if f64_ {
                            rdiv_scalar_f64 as *const u8
                        } else {
                            rdiv_scalar_f32 as *const u8
                        };
                        (f, self.sv[a].expect("hoisted"))
                    };
                    self.call_void(f, &[i64_, ft], &[x, s]);
                }
            },
            _ => unreachable!("only sqrt and division are outlined"),
        }
    }

    /// Calls a host function returning nothing.
    fn call_void(&mut self, fnptr: *const u8, params: &[Type], args: &[Value]) {
        let mut sig = Signature::new(self.call_conv);
        for &p in params {
            sig.params.push(AbiParam::new(p));
        }
        let sr = self.b.import_signature(sig);
        let callee = self.iconst(types::I64, fnptr as i64);
        self.b.ins().call_indirect(sr, callee, args);
    }

    /// Phase `k` of the innermost body at `idx` (see [`Outline`]); scratch
    /// buffer `s` is pointer `ptrs[params + s]`.
    fn body_phase(&mut self, k: usize, ptrs: &[Value], idx: Value) {
        let o = self.outline.take().expect("outlined");
        let f = self.f;
        let np = f.params.len();
        let len = f.body.len();
        let n = self.n;
        let inner = |v: usize| f.body[v].level == n;
        // Values of earlier phases that this phase reads.
        let mut need = vec![false; len];
        for u in 0..len {
            if inner(u) && o.phase[u] == k {
                for a in LoopFunc::args(&f.body[u].op) {
                    if inner(a) && o.phase[a] < k {
                        need[a] = true;
                    }
                }
            }
        }
        let mut vals = self.vv.clone();
        let mut late: Vec<(usize, Value)> = vec![];
        let per = 16 / self.lanes;
        let at = (self.slot_off * per) as i32;
        for v in 0..len {
            if !inner(v) {
                continue;
            }
            let ty = f.body[v].ty;
            let vt = self.vty(ty);
            let addr = |cg: &mut Self, s: usize| {
                let off = cg.b.ins().imul_imm_s(idx, per as i64);
                cg.b.ins().iadd(ptrs[np + s], off)
            };
            if o.outlined[v] {
                if o.phase[v] == k && !o.by_sincos[v] {
                    // Operands into the scratch.
                    let (x, y) = match f.body[v].op {
                        LOp::Binary(op, a, b) if op.math().is_some() => (a, o.den[v].map(|d| (b, d))),
                        LOp::Binary(_, a, b) if !inner(a) => (b, None),
                        LOp::Binary(_, a, b) => (a, o.den[v].map(|d| (b, d))),
                        LOp::Unary(_, a) => (a, None),
                        _ => unreachable!("outlined ops are sqrt and division"),
                    };
                    let xv = vals[x].expect("operand computed");
                    match o.direct[v] {
                        // Into the output, after this phase's loads.
                        Some(p) => late.push((p, xv)),
                        None => {
                            let p = addr(self, o.scratch[v].expect("scratch"));
                            self.b.ins().store(mem(), xv, p, at);
                        }
                    }
                    if let Some((y, d)) = y {
                        let p = addr(self, d);
                        let yv = vals[y].expect("operand computed");
                        self.b.ins().store(mem(), yv, p, at);
                    }
                } else if need[v] {
                    let p = addr(self, o.scratch[v].expect("scratch"));
                    vals[v] = Some(self.b.ins().load(vt, mem(), p, at));
                }
                continue;
            }
            if o.phase[v] == k || (need[v] && o.scratch[v].is_none()) {
                // This phase's work, or a load or constant redone.
                let r = self.inst(Mode::Vector, v, &mut vals, ptrs, Some(idx));
                vals[v] = Some(r);
                if o.phase[v] == k {
                    if let Some(s) = o.scratch[v] {
                        let p = addr(self, s);
                        self.b.ins().store(mem(), r, p, at);
                    }
                }
            } else if need[v] {
                let p = addr(self, o.scratch[v].expect("scratch"));
                vals[v] = Some(self.b.ins().load(vt, mem(), p, at));
            }
        }
        for (p, x) in late {
            let (a, at) = self.addr(p, ptrs, Some(idx), 0);
            self.b.ins().store(mem(), x, a, at);
        }
        self.outline = Some(o);
    }

    /// Identity values of the row-mode accumulators (plus zero
    /// compensations), for one slot.
    fn acc_init(&mut self, mode: Mode) -> Vec<Value> {
        let mut out = vec![];
        for r in self.raccs.clone() {
            if let Some((min, _, _)) = r.arg {
                // Index -1: no element taken yet. The value starts at the
                // extreme no element can beat (an element equal to it is
                // not taken; if none is ever taken, every element equals
                // it and the runtime answers index 0).
                let v = self.identity(if min { BinaryOp::Minimum } else { BinaryOp::Maximum }, r.ty);
                let i = self.iconst(types::I64, -1);
                if mode == Mode::Vector {
                    let (v, i) = (self.splat(r.ty, v), self.b.ins().splat(types::I64X2, i));
                    out.extend([v, i]);
                } else {
                    out.extend([v, i]);
                }
                continue;
            }
            let s = self.identity(r.op, r.ty);
            let x = if mode == Mode::Vector { self.splat(r.ty, s) } else { s };
            out.push(x);
        }
        out
    }

    /// Offset of row accumulator `k`'s state within a slot's state.
    fn racc_off(&self, k: usize) -> usize {
        self.raccs[..k].iter().map(RAcc::width).sum()
    }

    /// NumPy's `argmin`/`argmax` rule on two (value, index) pairs, index -1
    /// meaning none: the better value; among equal values, or among NaNs
    /// (which beat numbers), the smaller index. Associative and
    /// commutative, so slots, chunks and memory combine in any order.
    fn arg_combine(&mut self, min: bool, ty: DType, a: (Value, Value), b: (Value, Value)) -> (Value, Value) {
        let ((v1, i1), (v2, i2)) = (a, b);
        let none1 = self.b.ins().icmp_imm_s(IntCC::Equal, i1, -1);
        let some2 = self.b.ins().icmp_imm_s(IntCC::NotEqual, i2, -1);
        let ilt = self.b.ins().icmp(IntCC::SignedLessThan, i2, i1);
        let better2 = if ty.is_float() {
            let n1 = self.b.ins().fcmp(FloatCC::Unordered, v1, v1);
            let n2 = self.b.ins().fcmp(FloatCC::Unordered, v2, v2);
            let cc = if min { FloatCC::LessThan } else { FloatCC::GreaterThan };
            let lt = self.b.ins().fcmp(cc, v2, v1);
            let eq = self.b.ins().fcmp(FloatCC::Equal, v2, v1);
            // n2 & (!n1 | ilt)  |  !n1 & !n2 & (lt | eq & ilt)
            let not_n1 = self.b.ins().bxor_imm_s(n1, 1);
            let not_n2 = self.b.ins().bxor_imm_s(n2, 1);
            let a1 = self.b.ins().bor(not_n1, ilt);
            let nan_side = self.b.ins().band(n2, a1);
            let eq_ilt = self.b.ins().band(eq, ilt);
            let num = self.b.ins().bor(lt, eq_ilt);
            let both = self.b.ins().band(not_n1, not_n2);
            let num_side = self.b.ins().band(both, num);
            self.b.ins().bor(nan_side, num_side)
        } else {
            let signed = ty.is_signed_int();
            let cc = match (min, signed) {
                (true, true) => IntCC::SignedLessThan,
                (true, false) => IntCC::UnsignedLessThan,
                (false, true) => IntCC::SignedGreaterThan,
                (false, false) => IntCC::UnsignedGreaterThan,
            };
            let lt = self.b.ins().icmp(cc, v2, v1);
            let eq = self.b.ins().icmp(IntCC::Equal, v2, v1);
            let eq_ilt = self.b.ins().band(eq, ilt);
            self.b.ins().bor(lt, eq_ilt)
        };
        let t = self.b.ins().band(some2, better2);
        let take2 = self.b.ins().bor(none1, t);
        let v = self.b.ins().select(take2, v2, v1);
        let i = self.b.ins().select(take2, i2, i1);
        (v, i)
    }

    /// The scalar identity of folding with `op` in dtype `t`.
    fn identity(&mut self, op: BinaryOp, t: DType) -> Value {
        use BinaryOp::*;
        if t.is_float() {
            let v = match op {
                Add => 0.0,
                Mul => 1.0,
                Minimum => f64::INFINITY,
                _ => f64::NEG_INFINITY,
            };
            return self.fconst(t, v);
        }
        let ct = cl_ty(t);
        let bits = ct.bits();
        // Immediates are zero-extended bit patterns of the lane type.
        let mask = u64::MAX >> (64 - bits);
        let v: u64 = match (op, t) {
            (Add | LogicalOr, _) => 0,
            (Mul | LogicalAnd, _) => 1,
            (Minimum, DType::Bool) => 1,
            (Maximum, DType::Bool) => 0,
            (Minimum, _) if t.is_signed_int() => mask >> 1,
            (Minimum, _) => mask,
            (_, _) if t.is_signed_int() => 1 << (bits - 1),
            _ => 0,
        };
        self.iconst(ct, v as i64)
    }

    /// `op(a, x)` in `mode`.
    fn fold(&mut self, mode: Mode, op: BinaryOp, ty: DType, a: Value, x: Value) -> Value {
        let lop = LOp::Binary(op, 0, 0);
        let tys = [ty, ty];
        if mode == Mode::Vector {
            if let Some(r) = self.vector_op(&lop, ty, &tys, &[a, x]) {
                return r;
            }
            return self.lanewise(&lop, ty, &tys, &[a, x]);
        }
        self.scalar_op(&lop, ty, &tys, &[a, x])
    }

    /// One compensated step (Knuth's TwoSum): `s` stays the plain sum and
    /// `c` collects the exact rounding error of every addition, whatever
    /// the magnitudes (`1e300 + 5 - 1e300` keeps the 5). `c` never feeds
    /// back into `s`, so `inf` and NaN in `s` behave as in a plain sum.
    fn kahan(&mut self, _mode: Mode, _ty: DType, s: Value, c: Value, x: Value) -> (Value, Value) {
        let t = self.b.ins().fadd(s, x);
        let z = self.b.ins().fsub(t, s);
        let tz = self.b.ins().fsub(t, z);
        let a = self.b.ins().fsub(s, tz);
        let bz = self.b.ins().fsub(x, z);
        let e = self.b.ins().fadd(a, bz);
        let c1 = self.b.ins().fadd(c, e);
        (t, c1)
    }

    /// `s + c`, or `s` when that is NaN (a non-finite sum makes `c` NaN).
    fn compensated(&mut self, s: Value, c: Value) -> Value {
        let r = self.b.ins().fadd(s, c);
        let uno = self.b.ins().fcmp(FloatCC::Unordered, r, r);
        self.b.ins().select(uno, s, r)
    }

    /// Moves the main loop's registers to the stack slots (float sums keep
    /// theirs: they are combined right after the loop).
    fn spill_state(&mut self, state: &[Value]) {
        let w: usize = self.raccs.iter().map(RAcc::width).sum();
        let mut off = 0;
        for r in self.raccs.clone() {
            if let Some(ss) = r.slot {
                for u in 0..self.f.unroll {
                    self.b
                        .ins()
                        .stack_store(types::I64, state[u * w + off], ss, (u * 16) as i32);
                }
            }
            off += r.width();
        }
    }

    /// The pairwise sum of a float sum's partials (slot by slot, lane by
    /// lane: NumPy's accumulator order), combined as NumPy combines its
    /// eight accumulators: `((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))`.
    fn lane_tree(&mut self, mode: Mode, parts: &[Value]) -> Value {
        let mut vals = vec![];
        for &p in parts {
            if mode == Mode::Vector {
                for j in 0..self.lanes {
                    vals.push(self.b.ins().extractlane(p, j as u8));
                }
            } else {
                vals.push(p);
            }
        }
        self.tree(vals)
    }

    /// A whole block's sum: its partials added pairwise as vectors, then
    /// the lanes (any fixed order will do beyond NumPy's first block).
    fn block_sum(&mut self, mode: Mode, parts: &[Value]) -> Value {
        let v = self.tree(parts.to_vec());
        if mode == Mode::Scalar {
            return v;
        }
        let lanes: Vec<Value> = (0..self.lanes).map(|j| self.b.ins().extractlane(v, j as u8)).collect();
        self.tree(lanes)
    }

    /// `vals` added pairwise: `((v0+v1)+(v2+v3))+…`.
    fn tree(&mut self, mut vals: Vec<Value>) -> Value {
        while vals.len() > 1 {
            let mut next = vec![];
            for pair in vals.chunks(2) {
                next.push(match pair {
                    [a, b] => self.b.ins().fadd(*a, *b),
                    [a] => *a,
                    _ => unreachable!("chunks of two"),
                });
            }
            vals = next;
        }
        vals[0]
    }

    /// After the innermost loop: folds the registers of every row-mode
    /// accumulator (remainder first, then slot by slot, lane by lane — a
    /// fixed order) into its memory.
    fn acc_flush(&mut self, mode: Mode, ptrs: &[Value], vstate: &[Value], sstate: &[Value]) {
        let mut off = 0;
        let mut kahan_k = 0;
        for r in self.raccs.clone() {
            if let Some((min, value_out, _)) = r.arg {
                // The remainder's pair, every slot's, then memory's.
                let w: usize = self.raccs.iter().map(RAcc::width).sum();
                let mut best = (sstate[off], sstate[off + 1]);
                for u in 0..self.f.unroll {
                    let (sv, si) = (vstate[u * w + off], vstate[u * w + off + 1]);
                    if mode == Mode::Vector {
                        for j in 0..self.lanes {
                            let lv = self.b.ins().extractlane(sv, j as u8);
                            let li = self.b.ins().extractlane(si, j as u8);
                            best = self.arg_combine(min, r.ty, best, (lv, li));
                        }
                    } else {
                        best = self.arg_combine(min, r.ty, best, (sv, si));
                    }
                }
                let (av, _) = self.addr(value_out, ptrs, None, 0);
                let (ai, _) = self.addr(r.p, ptrs, None, 0);
                let mv = self.b.ins().load(cl_ty(r.ty), mem(), av, 0);
                let mi = self.b.ins().load(types::I64, mem(), ai, 0);
                let (bv, bi) = self.arg_combine(min, r.ty, (mv, mi), best);
                self.b.ins().store(mem(), bv, av, 0);
                self.b.ins().store(mem(), bi, ai, 0);
                off += r.width();
                continue;
            }
            let mut total = sstate[off];
            if r.kahan {
                // Float sums: the last partial block and the remainder
                // (`total`) join the whole blocks' compensated pair.
                let (s, c) = self.sc[kahan_k];
                kahan_k += 1;
                let (t, c) = self.kahan(Mode::Scalar, r.ty, s, c, total);
                total = self.compensated(t, c);
            } else {
                // The remainder's result first, then slot by slot, lane by
                // lane: a fixed order.
                let ss = r.slot.expect("row accumulators have a slot");
                let vt = self.b.func.dfg.value_type(vstate[off]);
                let lanes = if mode == Mode::Vector { self.lanes } else { 1 };
                for u in 0..self.f.unroll {
                    let x = self.b.ins().stack_load(types::I64, vt, ss, (u * 16) as i32);
                    for j in 0..lanes {
                        let e = if mode == Mode::Vector {
                            let e = self.b.ins().extractlane(x, j as u8);
                            if r.ty == DType::Bool {
                                self.lane_to_bool(e)
                            } else {
                                e
                            }
                        } else {
                            x
                        };
                        total = self.fold(Mode::Scalar, r.op, r.ty, total, e);
                    }
                }
            }
            let (a, _) = self.addr(r.p, ptrs, None, 0);
            let m = self.b.ins().load(cl_ty(r.ty), mem(), a, 0);
            let m = self.fold(Mode::Scalar, r.op, r.ty, m, total);
            self.b.ins().store(mem(), m, a, 0);
            off += r.width();
        }
    }

    /// The innermost-level instructions at index `idx`; `state` holds this
    /// slot's row-mode accumulators and is updated.
    fn body(&mut self, mode: Mode, ptrs: &[Value], idx: Value, state: &mut [Value]) {
        if let Some(k) = self.phase {
            return self.body_phase(k, ptrs, idx);
        }
        let mut vals = if mode == Mode::Vector {
            self.vv.clone()
        } else {
            self.sv.clone()
        };
        for v in 0..self.f.body.len() {
            if self.f.body[v].level != self.n {
                continue;
            }
            if let LOp::ArgAccum {
                min,
                index_out,
                value_out,
                v: a,
                i,
            } = self.f.body[v].op
            {
                let ty = self.f.body[v].ty;
                let x = (vals[a].expect("operand computed"), vals[i].expect("index computed"));
                match self.raccs.iter().position(|r| r.v == v) {
                    Some(k) => {
                        // One element after earlier ones of this slot:
                        // NumPy's loop, `x` replaces the best unless it is
                        // not better or the best is NaN.
                        let off = self.racc_off(k);
                        let (v1, i1) = (state[off], state[off + 1]);
                        let take = if ty.is_float() {
                            let cc = if min {
                                FloatCC::UnorderedOrLessThan
                            } else {
                                FloatCC::UnorderedOrGreaterThan
                            };
                            let better = self.b.ins().fcmp(cc, x.0, v1);
                            let ord = self.b.ins().fcmp(FloatCC::Ordered, v1, v1);
                            self.b.ins().band(better, ord)
                        } else {
                            let cc = match (min, ty.is_signed_int()) {
                                (true, true) => IntCC::SignedLessThan,
                                (true, false) => IntCC::UnsignedLessThan,
                                (false, true) => IntCC::SignedGreaterThan,
                                (false, false) => IntCC::UnsignedGreaterThan,
                            };
                            self.b.ins().icmp(cc, x.0, v1)
                        };
                        if mode == Mode::Vector {
                            // 64-bit values: the mask fits the index lanes.
                            let vt = self.vty(ty);
                            let (mv, mi) = (self.vcast(vt, take), self.vcast(types::I64X2, take));
                            state[off] = self.b.ins().bitselect(mv, x.0, v1);
                            state[off + 1] = self.b.ins().bitselect(mi, x.1, i1);
                        } else {
                            state[off] = self.b.ins().select(take, x.0, v1);
                            state[off + 1] = self.b.ins().select(take, x.1, i1);
                        }
                    }
                    None => {
                        // Column mode: the pair moves with the data.
                        let mv = self.load(mode, value_out, ty, ptrs, Some(idx));
                        let mi = self.load(mode, index_out, DType::I64, ptrs, Some(idx));
                        let (bv, bi) = self.arg_combine(min, ty, (mv, mi), x);
                        self.store(mode, value_out, ty, bv, ptrs, Some(idx));
                        self.store(mode, index_out, DType::I64, bi, ptrs, Some(idx));
                    }
                }
                vals[v] = Some(x.0);
                continue;
            }
            if let LOp::Accum(p, op, a) = self.f.body[v].op {
                let ty = self.f.body[v].ty;
                let x = vals[a].expect("operand computed");
                let mut off = 0;
                let row = self.raccs.iter().find(|r| {
                    let hit = r.v == v;
                    if !hit {
                        off += r.width();
                    }
                    hit
                });
                match row.copied() {
                    // Float sums add into the block's plain partial `P`.
                    Some(r) if r.kahan => {
                        state[off] = if mode == Mode::Vector && self.fma_left > 0 {
                            // `x * 1 + P` rounds once, exactly as `P + x`:
                            // the same bits from the multiply-add pipes.
                            self.fma_left -= 1;
                            let one = self.vsplat_f(ty, 1.0);
                            self.b.ins().fma(x, one, state[off])
                        } else {
                            self.b.ins().fadd(state[off], x)
                        }
                    }
                    Some(r) => state[off] = self.fold(mode, r.op, ty, state[off], x),
                    None => {
                        // Column mode: the accumulator moves with the data.
                        let m = self.load(mode, p, ty, ptrs, Some(idx));
                        let r = self.fold(mode, op, ty, m, x);
                        self.store(mode, p, ty, r, ptrs, Some(idx));
                    }
                }
                vals[v] = Some(x);
                continue;
            }
            let r = self.inst(mode, v, &mut vals, ptrs, Some(idx));
            vals[v] = Some(r);
        }
    }

    /// Address of param `p` at innermost index `idx` plus the unroll
    /// slot's offset and `lane` elements, as a base and a displacement: a
    /// unit-stride operand computes `base + idx * size` once per
    /// iteration and reaches its unroll slots and lanes by displacement,
    /// which x86-64 folds into the load's addressing mode.
    fn addr(&mut self, p: usize, ptrs: &[Value], idx: Option<Value>, lane: usize) -> (Value, i32) {
        let base = ptrs[p];
        let d = self.n - 1;
        let Some(idx) = idx else { return (base, 0) };
        let size = self.f.params[p].dtype.size() as i64;
        let at = self.slot_off + lane;
        match (StrideClass::of(self.f.params[p].strides[d]), self.strides[p][d]) {
            (StrideClass::Zero, _) | (StrideClass::Other, None) => (base, 0),
            (StrideClass::Unit, _) => {
                let off = self.b.ins().imul_imm_s(idx, size);
                (self.b.ins().iadd(base, off), (at as i64 * size) as i32)
            }
            (StrideClass::Other, Some(s)) => {
                let i = if at == 0 {
                    idx
                } else {
                    self.b.ins().iadd_imm_s(idx, at as i64)
                };
                let off = self.b.ins().imul(i, s);
                (self.b.ins().iadd(base, off), 0)
            }
        }
    }

    fn inst(&mut self, mode: Mode, v: usize, vals: &mut [Option<Value>], ptrs: &[Value], idx: Option<Value>) -> Value {
        let inst = &self.f.body[v];
        let ty = inst.ty;
        let arg = |a: usize| vals[a].expect("operand computed");
        match inst.op {
            LOp::Load(p) => self.load(mode, p, ty, ptrs, idx),
            LOp::Index(p) => {
                // The param's "address" is 8 × the index (it is bound to
                // no buffer and never dereferenced).
                let lanes = if mode == Mode::Vector { self.lanes } else { 1 };
                let inner = StrideClass::of(self.f.params[p].strides[self.n - 1]);
                if lanes == 2 && idx.is_some() && inner == StrideClass::Unit {
                    // Consecutive indices: splat(first) + [0, 1].
                    let (a, at) = self.addr(p, ptrs, idx, 0);
                    let a = self.b.ins().iadd_imm_s(a, at as i64);
                    let first = self.b.ins().sshr_imm_u(a, 3);
                    let s = self.b.ins().splat(types::I64X2, first);
                    let c = self
                        .b
                        .func
                        .dfg
                        .constants
                        .insert([0u8, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0].to_vec().into());
                    let step = self.b.ins().vconst(types::I64X2, c);
                    return self.b.ins().iadd(s, step);
                }
                let mut acc = None;
                for j in 0..lanes {
                    let (a, at) = self.addr(p, ptrs, idx, j);
                    let a = self.b.ins().iadd_imm_s(a, at as i64);
                    let x = self.b.ins().sshr_imm_u(a, 3);
                    acc = Some(match (acc, mode) {
                        (_, Mode::Scalar) => x,
                        (None, _) => self.b.ins().splat(types::I64X2, x),
                        (Some(v), _) => self.b.ins().insertlane(v, x, j as u8),
                    });
                }
                acc.expect("lanes")
            }
            LOp::Store(p, a) => {
                let x = arg(a);
                self.store(mode, p, ty, x, ptrs, idx);
                x
            }
            LOp::Const(c) => {
                let s = match ty {
                    DType::F64 => self.b.ins().f64const(f64::from_bits(c.bits())),
                    DType::F32 => self.b.ins().f32const(f32::from_bits(c.bits() as u32)),
                    d => self.b.ins().iconst(cl_ty(d), c.bits() as i64),
                };
                if mode == Mode::Vector {
                    self.splat(ty, s)
                } else {
                    s
                }
            }
            LOp::Binary(bop @ (BinaryOp::FloorDiv | BinaryOp::Mod | BinaryOp::Fmod), x, y)
                if const_divisor(&self.f.body[y]).is_some() =>
            {
                let d = const_divisor(&self.f.body[y]).expect("checked");
                let t = self.f.body[x].ty;
                let xv = arg(x);
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
            ref op => {
                let args: Vec<Value> = LoopFunc::args(op).iter().map(|&a| arg(a)).collect();
                let arg_tys: Vec<DType> = LoopFunc::args(op).iter().map(|&a| self.f.body[a].ty).collect();
                let op = op.clone();
                if mode == Mode::Vector {
                    if let Some(r) = self.vector_op(&op, ty, &arg_tys, &args) {
                        return r;
                    }
                    return self.lanewise(&op, ty, &arg_tys, &args);
                }
                self.scalar_op(&op, ty, &arg_tys, &args)
            }
        }
    }

    fn load(&mut self, mode: Mode, p: usize, ty: DType, ptrs: &[Value], idx: Option<Value>) -> Value {
        let class = StrideClass::of(self.f.params[p].strides[self.n - 1]);
        if mode == Mode::Scalar || idx.is_none() {
            let (a, at) = self.addr(p, ptrs, idx, 0);
            return self.b.ins().load(cl_ty(ty), mem(), a, at);
        }
        let vt = self.vty(ty);
        let raw = if class == StrideClass::Unit && self.partial(ty) {
            // Exactly `lanes` elements, as one scalar, into the low lanes.
            let (a, at) = self.addr(p, ptrs, idx, 0);
            let ct = self.chunk_ty(ty);
            let c = self.b.ins().load(ct, mem(), a, at);
            let (c, rt) = if ct.bits() < 32 {
                (self.b.ins().uextend(types::I32, c), types::I32X4)
            } else {
                (c, ct.by(128 / ct.bits()).expect("lanes"))
            };
            let v = self.b.ins().scalar_to_vector(rt, c);
            self.vcast(vt, v)
        } else if class == StrideClass::Unit {
            let (a, at) = self.addr(p, ptrs, idx, 0);
            self.b.ins().load(vt, mem(), a, at)
        } else {
            let lt = vt;
            let mut acc = None;
            for j in 0..self.lanes {
                let (a, at) = self.addr(p, ptrs, idx, j);
                let s = self.b.ins().load(cl_ty(ty), mem(), a, at);
                acc = Some(match acc {
                    None => self.b.ins().splat(lt, s),
                    Some(x) => self.b.ins().insertlane(x, s, j as u8),
                });
            }
            acc.expect("lanes")
        };
        if ty == DType::Bool {
            // 0/1 bytes → lane masks (lanes are bytes: vectorize allows
            // bool memory only with 16 lanes).
            debug_assert_eq!(vt, types::I8X16);
            let z = self.b.ins().iconst(types::I8, 0);
            let z = self.b.ins().splat(types::I8X16, z);
            return self.b.ins().icmp(IntCC::NotEqual, raw, z);
        }
        raw
    }

    fn store(&mut self, mode: Mode, p: usize, ty: DType, x: Value, ptrs: &[Value], idx: Option<Value>) {
        let class = StrideClass::of(self.f.params[p].strides[self.n - 1]);
        if mode == Mode::Scalar {
            let (a, at) = self.addr(p, ptrs, idx, 0);
            self.b.ins().store(mem(), x, a, at);
            return;
        }
        let x = if ty == DType::Bool {
            let one = self.b.ins().iconst(types::I8, 1);
            let one = self.b.ins().splat(types::I8X16, one);
            self.b.ins().band(x, one)
        } else {
            x
        };
        if class == StrideClass::Unit && self.partial(ty) {
            let (a, at) = self.addr(p, ptrs, idx, 0);
            let ct = self.chunk_ty(ty);
            let v = self.vcast(ct.by(128 / ct.bits()).expect("lanes"), x);
            let c = self.b.ins().extractlane(v, 0);
            self.b.ins().store(mem(), c, a, at);
        } else if class == StrideClass::Unit {
            let (a, at) = self.addr(p, ptrs, idx, 0);
            self.b.ins().store(mem(), x, a, at);
        } else {
            for j in 0..self.lanes {
                let (a, at) = self.addr(p, ptrs, idx, j);
                let s = self.b.ins().extractlane(x, j as u8);
                self.b.ins().store(mem(), s, a, at);
            }
        }
    }

    /// A vector op computed lane by lane with the scalar lowering.
    fn lanewise(&mut self, op: &LOp, ty: DType, arg_tys: &[DType], args: &[Value]) -> Value {
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

    fn call(&mut self, fnptr: *const u8, params: &[Type], ret: Type, args: &[Value]) -> Value {
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

    /// Value bits as an i64 (for the generic host escape).
    fn bits_of(&mut self, t: DType, x: Value) -> Value {
        match t {
            DType::F64 => self.b.ins().bitcast(types::I64, MemFlagsData::new(), x),
            DType::F32 => {
                let i = self.b.ins().bitcast(types::I32, MemFlagsData::new(), x);
                self.b.ins().uextend(types::I64, i)
            }
            DType::I64 | DType::U64 => x,
            _ => self.b.ins().uextend(types::I64, x),
        }
    }

    fn value_of_bits(&mut self, t: DType, x: Value) -> Value {
        match t {
            DType::F64 => self.b.ins().bitcast(types::F64, MemFlagsData::new(), x),
            DType::F32 => {
                let i = self.b.ins().ireduce(types::I32, x);
                self.b.ins().bitcast(types::F32, MemFlagsData::new(), i)
            }
            DType::I64 | DType::U64 => x,
            d => self.b.ins().ireduce(cl_ty(d), x),
        }
    }

    fn host_unary(&mut self, u: UnaryOp, t: DType, ty: DType, x: Value) -> Value {
        let bits = self.bits_of(t, x);
        let o = self.iconst(types::I32, host::unary_index(u) as i64);
        let d = self.iconst(types::I32, host::dtype_index(t) as i64);
        let f = host::unary_bits as *const u8;
        let r = self.call(f, &[types::I32, types::I32, types::I64], types::I64, &[o, d, bits]);
        self.value_of_bits(ty, r)
    }

    fn host_binary(&mut self, bop: BinaryOp, t: DType, ty: DType, x: Value, y: Value) -> Value {
        let xb = self.bits_of(t, x);
        let yb = self.bits_of(t, y);
        let o = self.iconst(types::I32, host::binary_index(bop) as i64);
        let d = self.iconst(types::I32, host::dtype_index(t) as i64);
        let f = host::binary_bits as *const u8;
        let st = self.status;
        let r = self.call(
            f,
            &[types::I32, types::I32, types::I64, types::I64, types::I64],
            types::I64,
            &[o, d, xb, yb, st],
        );
        self.value_of_bits(ty, r)
    }

    fn fconst(&mut self, t: DType, v: f64) -> Value {
        if t == DType::F32 {
            self.b.ins().f32const(v as f32)
        } else {
            self.b.ins().f64const(v)
        }
    }

    /// Truth of a scalar of dtype `t` as a bool (0/1).
    fn truth(&mut self, t: DType, x: Value) -> Value {
        match t {
            DType::Bool => x,
            DType::F32 | DType::F64 => {
                let z = self.fconst(t, 0.0);
                self.b.ins().fcmp(FloatCC::NotEqual, x, z)
            }
            _ => self.b.ins().icmp_imm_s(IntCC::NotEqual, x, 0),
        }
    }

    fn scalar_op(&mut self, op: &LOp, ty: DType, arg_tys: &[DType], a: &[Value]) -> Value {
        let t = arg_tys.first().copied().unwrap_or(ty);
        match *op {
            LOp::Unary(u, _) => self.scalar_unary(u, t, ty, a[0]),
            LOp::Binary(bop, _, _) => self.scalar_binary(bop, t, ty, a[0], a[1]),
            LOp::Select(..) => self.b.ins().select(a[0], a[1], a[2]),
            LOp::Cast(_) => self.scalar_cast(t, ty, a[0]),
            _ => unreachable!("not an element op"),
        }
    }

    fn scalar_unary(&mut self, u: UnaryOp, t: DType, ty: DType, x: Value) -> Value {
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
                _ => self.host_unary(u, t, ty, x),
            },
        }
    }

    fn icc(t: DType, op: BinaryOp) -> IntCC {
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

    fn fcc(op: BinaryOp) -> FloatCC {
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

    fn scalar_binary(&mut self, op: BinaryOp, t: DType, ty: DType, x: Value, y: Value) -> Value {
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
            op if float && op.math().is_some() => {
                let m = op.math().expect("a math function");
                let (f, ct) = if t == DType::F64 {
                    (m.c_f64 as *const u8, types::F64)
                } else {
                    (m.c_f32 as *const u8, types::F32)
                };
                self.call(f, &[ct, ct], ct, &[x, y])
            }
            _ => self.host_binary(op, t, ty, x, y),
        }
    }

    /// NumPy shifts: counts `>= width` (or negative) give 0, or -1 for `>>`
    /// of a negative signed value.
    fn shift(&mut self, op: BinaryOp, t: DType, x: Value, y: Value) -> Value {
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

    /// Integer `//`, `%` (Python) and `fmod` (C) that never trap: a zero
    /// divisor gives 0, `MIN // -1` wraps, `MIN % -1` is 0.
    fn int_div(&mut self, op: BinaryOp, t: DType, x: Value, y: Value) -> Value {
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
    fn const_div(&mut self, op: BinaryOp, t: DType, x: Value, d: u64) -> Value {
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
    fn udiv_const(&mut self, x: Value, d: u64, bits: u32) -> Value {
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

    fn scalar_cast(&mut self, from: DType, to: DType, x: Value) -> Value {
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

    // ------------------------------------------------------------ vectors

    fn vsplat_f(&mut self, t: DType, v: f64) -> Value {
        let s = self.fconst(t, v);
        let vt = self.vty(t);
        self.b.ins().splat(vt, s)
    }

    fn vsplat_i(&mut self, vt: Type, v: i64) -> Value {
        let s = self.iconst(vt.lane_type(), v);
        self.b.ins().splat(vt, s)
    }

    /// A mask (int vector) as the float vector type `vt`, or vice versa.
    fn vcast(&mut self, vt: Type, x: Value) -> Value {
        if self.b.func.dfg.value_type(x) == vt {
            x
        } else {
            // Lane counts may differ: the flags must fix the byte order.
            let le = MemFlagsData::new().with_endianness(ir::Endianness::Little);
            self.b.ins().bitcast(vt, le, x)
        }
    }

    /// Vector truth mask of a vector of dtype `t`.
    fn vtruth(&mut self, t: DType, x: Value) -> Value {
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
    fn vector_op(&mut self, op: &LOp, ty: DType, arg_tys: &[DType], a: &[Value]) -> Option<Value> {
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
                    Neg if float => self.ins().fneg(a[0]),
                    Neg => self.ins().ineg(a[0]),
                    Abs if float => self.ins().fabs(a[0]),
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
    fn vector_resize(&mut self, from: DType, to: DType, x: Value) -> Option<Value> {
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
    fn vector_cast(&mut self, from: DType, to: DType, x: Value) -> Option<Value> {
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
}

/// The machine code as text: real x86-64 disassembly (capstone) with the
/// `disas` cargo feature, otherwise Cranelift's VCode listing (the final
/// instructions before encoding, with a few pseudo-instructions).
fn disassemble(ctx: &cranelift_codegen::Context, isa: &dyn cranelift_codegen::isa::TargetIsa) -> Option<String> {
    let code = ctx.compiled_code()?;
    #[cfg(feature = "disas")]
    {
        if let Ok(cs) = isa.to_capstone() {
            if let Ok(text) = code.disassemble(Some(&ctx.func.params), &cs) {
                return Some(text);
            }
        }
    }
    let _ = isa;
    code.vcode.clone()
}
