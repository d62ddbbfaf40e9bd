//! `jit`: loop IR → Cranelift IR → native code. The ONLY module that
//! imports `cranelift_*`.
//!
//! This file is the driver: [`compile`] sets up the ISA, has the code
//! generator (`Cg`, below) build one Cranelift function from a
//! [`LoopFunc`], runs Cranelift's optimizer, interleaves the unroll slots of
//! the main loops (`schedule.rs`) and lowers the function to machine code.
//! The code generator is in parts, one job per file, in the order a kernel
//! is built:
//!
//! | file | job |
//! |---|---|
//! | `abi.rs` | the kernel signature ([`KernelFn`]) and its arguments; calls out to the host |
//! | `types.rs` | dtype → Cranelift type, the vector width (`VECTOR_BYTES`), splats and lane masks |
//! | `skeleton.rs` | the loop nest: outer loops, the rotated unrolled main loop, the remainder |
//! | `body.rs` | one iteration's instructions, dispatched by op |
//! | `mem.rs` | addresses, loads, stores, gathers and scatters |
//! | `scalar.rs` | scalar op lowering |
//! | `vector.rs` | vector op lowering, and ops computed lane by lane |
//! | `divide.rs` | integer division that never traps; constant divisors by magic numbers |
//! | `reduce.rs` | accumulators: TwoSum blocks, pairwise trees, `argmin` combining, pipe balancing |
//! | `outline.rs` | outlining `sqrt`, division and math functions to 256-bit block helpers |
//! | `schedule.rs` | interleaving the unroll slots after Cranelift's optimizer |
//! | `disas.rs` | the machine-code listing of the `asm` dump |
//! | `host.rs` | the host functions kernels call, and the names the `clif` dump gives them |
//!
//! **Nothing traps.** Integer `//`, `%`, `fmod` substitute a safe divisor and
//! select 0 for a zero divisor (and handle `MIN // -1`); float → int casts
//! saturate; shifts follow NumPy (`>= width` gives 0 or -1); transcendentals
//! call the math module's functions ([`host`], `UnaryOp::math`). Loads and
//! stores never reach past an array (`mem.rs`).
//!
//! **Semantics** are the ops' ([`crate::ops::scalar::eval_unary`],
//! [`crate::ops::scalar::eval_binary`]), bit for bit; `tests/differential/`
//! checks it on random expressions. A code generator failure is an error
//! (a panic in debug builds), never a silent rebuild as other code.

pub mod host;

mod abi;
mod body;
mod disas;
mod divide;
mod mem;
mod outline;
mod reduce;
mod scalar;
mod schedule;
mod skeleton;
mod types;
mod vector;

pub use abi::KernelFn;
use types::VECTOR_BYTES;

use crate::error::{Error, Result};
use crate::loops::LoopFunc;
use abi::KernelArgs;
use cranelift_codegen::ir::{self, InstBuilder, Type, UserFuncName, Value};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, Linkage, Module};
use outline::Outline;
use reduce::RAcc;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

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
    crate::loops::outline::helpers_available()
}

fn compile_once(f: &LoopFunc, text: bool) -> Result<Compiled> {
    let opt = isa(true)?;
    let call_conv = opt.default_call_conv();
    let jb = JITBuilder::with_isa(isa(false)?, default_libcall_names());
    let mut module = JITModule::new(jb);
    let mut ctx = module.make_context();
    let sig = abi::signature(call_conv);
    ctx.func.signature = sig.clone();
    ctx.func.name = UserFuncName::user(0, 0);
    let mut fbc = FunctionBuilderContext::new();
    let sched;
    {
        let mut b = FunctionBuilder::new(&mut ctx.func, &mut fbc);
        let args = abi::entry(&mut b, f);
        let mut cg = Cg::new(f, b, call_conv, args);
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
    let asm = if text {
        disas::disassemble(&ctx, module.isa())
    } else {
        None
    };
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

/// Values of the body: scalar and (vector mode) vector versions.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Scalar,
    Vector,
}

/// The code generator's state while it builds one kernel. Its methods are
/// spread over this module's files by job (see the module docs).
struct Cg<'a> {
    f: &'a LoopFunc,
    /// Row-mode accumulators, in body order.
    raccs: Vec<RAcc>,
    b: FunctionBuilder<'a>,
    call_conv: CallConv,
    /// Vector lanes (1: scalar code).
    lanes: usize,
    /// Width in bytes of a vector lane (for bool masks).
    lane_w: usize,
    /// Loop levels (`f.ndims()`).
    n: usize,
    /// The kernel's arguments, read in the entry block.
    args: KernelArgs,
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
    /// (the `balance-pipes` loop pass's `fma_sums`), and how many are left in
    /// this iteration.
    fma_per_iter: usize,
    fma_left: usize,
    /// Main-loop bodies to interleave after Cranelift's optimizer (see
    /// `schedule`), with the unroll slot of each of their loads and stores.
    sched: Vec<(ir::Block, HashMap<ir::Inst, usize>)>,
}

impl<'a> Cg<'a> {
    fn new(f: &'a LoopFunc, b: FunctionBuilder<'a>, call_conv: CallConv, args: KernelArgs) -> Cg<'a> {
        let lanes = f.vector.max(1);
        let raccs = reduce::row_accumulators(f);
        Cg {
            f,
            raccs,
            b,
            call_conv,
            lanes,
            lane_w: VECTOR_BYTES / lanes,
            n: f.ndims(),
            args,
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

    fn ins<'s>(&'s mut self) -> cranelift_frontend::FuncInstBuilder<'s, 'a> {
        self.b.ins()
    }

    fn iconst(&mut self, t: Type, v: i64) -> Value {
        self.b.ins().iconst(t, v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A loop function no pass produces (3 lanes: not a power of two) makes
    /// the code generator fail. That must surface: a panic in debug builds,
    /// an `Error::Internal` in release builds, never a kernel.
    #[test]
    fn a_code_generator_failure_surfaces() {
        let mut f = LoopFunc::parse(
            "loop @k0(%a: f64, %t0: f64 out) {
                dims [1000]
                strides %a [1], %t0 [1]
                vector 2 unroll 1
                v0 = load %a : f64
                v1 = const true : bool hoist 0
                v2 = select v1, v0, v0 : f64
                store %t0, v2
            }",
        )
        .expect("parse");
        f.vector = 3;
        let r = std::panic::catch_unwind(|| compile(&f, false));
        let debug = cfg!(debug_assertions);
        match r {
            Err(_) => assert!(debug, "a release build must not panic"),
            Ok(Err(e)) => {
                assert!(!debug, "a debug build must panic, not return {e}");
                assert!(e.to_string().contains("code generator panicked on k0"), "{e}");
            }
            Ok(Ok(_)) => panic!("an invalid loop function compiled"),
        }
    }
}
