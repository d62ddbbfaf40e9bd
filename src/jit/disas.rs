//! The machine-code listing of the `asm` dump.
//!
//! Invariant: only for dumps; nothing compiled depends on it.

/// The machine code as text: real x86-64 disassembly (capstone) with the
/// `disas` cargo feature, otherwise Cranelift's VCode listing (the final
/// instructions before encoding, with a few pseudo-instructions).
pub(super) fn disassemble(
    ctx: &cranelift_codegen::Context,
    isa: &dyn cranelift_codegen::isa::TargetIsa,
) -> Option<String> {
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
