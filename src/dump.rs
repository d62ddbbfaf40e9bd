//! `explain()`: the text of every stage, and the graph as Graphviz DOT.

use crate::array::Array;
use crate::error::{Error, Result};
use crate::expr::graph_text::value_names;
use crate::expr::ops::Op;
use crate::expr::Graph;
use crate::pipeline;
use crate::runtime;
use std::fmt::Write;

/// The stages `explain` knows, in pipeline order.
pub const STAGES: &[&str] = &["graph", "fused", "plan", "loop", "clif", "asm"];

/// Renders all stages (or one) of a simplified graph.
pub fn explain(g: &Graph, arrays: &[Array], donated: &[bool], only: Option<&str>) -> Result<String> {
    if let Some(s) = only {
        if !STAGES.contains(&s) {
            return Err(Error::Parse(format!(
                "unknown stage '{s}' (stages: {})",
                STAGES.join(", ")
            )));
        }
    }
    let later = if only == Some("graph") {
        None
    } else {
        Some(runtime::explain_graph(g, arrays)?)
    };
    let mut out = String::new();
    for &stage in STAGES {
        if only.is_some_and(|s| s != stage) {
            continue;
        }
        let text = match stage {
            "graph" => g.to_string(),
            "fused" => later.as_ref().map(|s| s.fused.clone()).unwrap_or_default(),
            "plan" => pipeline::plan(g, donated)?.to_string(),
            "loop" => later.as_ref().map(|s| s.loops.clone()).unwrap_or_default(),
            "clif" => later.as_ref().map(|s| s.clif.clone()).unwrap_or_default(),
            "asm" => later
                .as_ref()
                .and_then(|s| s.asm.clone())
                .unwrap_or_else(|| "; no disassembly available\n".into()),
            _ => unreachable!("listed in STAGES"),
        };
        if only.is_none() {
            let _ = writeln!(out, ";; ---- {stage} ----");
        }
        out.push_str(&text);
    }
    Ok(out)
}

/// The graph as Graphviz DOT: one node per op, edges operand → user.
pub fn dot(g: &Graph) -> String {
    let names = value_names(g);
    let mut s = String::from("digraph lazyfuse {\n  rankdir=BT;\n  node [shape=box, fontname=monospace];\n");
    for id in g.ids() {
        let n = g.node(id);
        let label = match &n.op {
            Op::Input(_) => format!(
                "{}: {}",
                names[id.index()],
                crate::expr::graph::type_str(n.dtype, &n.shape)
            ),
            Op::Const(v) => format!("{} = {v}", names[id.index()]),
            op => format!("{} = {}", names[id.index()], op.mnemonic()),
        };
        let _ = writeln!(s, "  n{} [label=\"{}\"];", id.index(), label.replace('"', "\\\""));
        for a in &n.args {
            let _ = writeln!(s, "  n{} -> n{};", a.index(), id.index());
        }
    }
    s.push_str("}\n");
    s
}
