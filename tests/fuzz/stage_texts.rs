//! Target 3: the `fused`, `plan` and `loop` stage texts, mutated.

use super::common::*;
use super::graph_ir::{mutate_ir, valid_graph};
use lazyfuse::internals::fuse::Program;
use lazyfuse::internals::loops::LoopFunc;
use lazyfuse::internals::plan::BufferPlan;

/// Stage texts of valid expressions, made once per process (each costs a
/// compilation).
fn stage_pool() -> &'static [(String, String)] {
    static POOL: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let mut r = Rng::new(3 << 32);
        let mut out = vec![];
        while out.len() < 3 * 40 {
            let Some((e, _, _)) = valid_graph(&mut r) else { continue };
            for stage in ["fused", "plan", "loop"] {
                if let Ok(t) = e.explain_stage(stage) {
                    if stage == "loop" {
                        // One function per kernel.
                        for f in t.split_inclusive("}\n").filter(|f| !f.trim().is_empty()) {
                            out.push((stage.to_string(), f.to_string()));
                        }
                    } else {
                        out.push((stage.to_string(), t));
                    }
                }
            }
        }
        out
    })
}

pub(crate) fn roundtrip<T: PartialEq + std::fmt::Display + std::fmt::Debug>(
    x: T,
    parse: fn(&str) -> lazyfuse::Result<T>,
) -> Result<(), String> {
    let printed = x.to_string();
    match parse(&printed) {
        Ok(y) if y == x && y.to_string() == printed => Ok(()),
        other => Err(format!(
            "does not print and parse back\nparsed: {x:?}\nprinted:\n{printed}\nreparsed: {other:?}"
        )),
    }
}

fn stage_case(r: &mut Rng, c: &mut Case) -> Result<(), String> {
    let (stage, seed_text) = r.pick(stage_pool());
    let text = if r.chance(0.05) {
        seed_text
    } else {
        mutate_ir(r, &seed_text)
    };
    c.set_input(&format!("{stage} text"), &text);
    match stage.as_str() {
        "fused" => {
            if let Ok(p) = Program::parse(&text) {
                c.stats.parsed += 1;
                roundtrip(p, Program::parse)?;
            }
        }
        "plan" => {
            if let Ok(p) = BufferPlan::parse(&text) {
                c.stats.parsed += 1;
                roundtrip(p, BufferPlan::parse)?;
            }
        }
        _ => {
            if let Ok(f) = LoopFunc::parse(&text) {
                c.stats.parsed += 1;
                roundtrip(f, LoopFunc::parse)?;
            }
        }
    }
    c.stats.checked += c.stats.parsed;
    Ok(())
}

/// The `fused`, `plan` and `loop` parsers on mutated stage texts.
#[test]
fn stage_texts() {
    run("stage_texts", 3, 150000, stage_case);
}
