//! `lazyfuse explain`: every stage of what would be compiled, one stage
//! (`--stage`), or the graph as Graphviz DOT (`--dot`).

use super::inputs::{input_exprs, parse_input_exprs};
use super::io;
use crate::error::Result;
use clap::ValueEnum;
use std::io::Write;

// No doc comment: the subcommand's `about` is the variant's, in `mod.rs`.
#[derive(clap::Args, Debug)]
pub(super) struct ExplainArgs {
    /// The expression.
    #[arg(skip)]
    pub(super) expr: String,
    /// Inputs: NAME=FILE.npy or NAME=DTYPE[SHAPE].
    #[arg(short = 'i', long = "input")]
    inputs: Vec<String>,
    /// Only this stage.
    #[arg(long, value_enum)]
    stage: Option<Stage>,
    /// Print the graph as Graphviz DOT.
    #[arg(long)]
    dot: bool,
}

impl ExplainArgs {
    pub(super) fn run(self, out: &mut dyn Write) -> Result<()> {
        let ExplainArgs {
            expr,
            inputs,
            stage,
            dot,
        } = self;
        let inputs = input_exprs(&inputs)?;
        let e = parse_input_exprs(&expr, &inputs)?;
        let text = if dot {
            e.explain_dot()?
        } else {
            match stage {
                Some(s) => e.explain_stage(s.name())?,
                None => e.explain()?,
            }
        };
        out.write_all(text.as_bytes()).map_err(io)?;
        Ok(())
    }
}

/// A stage of `explain --stage`.
#[derive(ValueEnum, Clone, Copy, Debug)]
enum Stage {
    /// The graph after simplification.
    Graph,
    /// The fused kernels.
    Fused,
    /// The buffer plan.
    Plan,
    /// The loop nests after the loop passes.
    Loop,
    /// The Cranelift IR.
    Clif,
    /// The machine code.
    Asm,
}

impl Stage {
    fn name(self) -> &'static str {
        match self {
            Stage::Graph => "graph",
            Stage::Fused => "fused",
            Stage::Plan => "plan",
            Stage::Loop => "loop",
            Stage::Clif => "clif",
            Stage::Asm => "asm",
        }
    }
}
