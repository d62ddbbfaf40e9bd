//! `explain()`: the text of every stage, and the graph as Graphviz DOT.

use crate::array::Array;
use crate::error::{Error, Result};
use crate::expr::graph_text::value_names;
use crate::expr::ops::Op;
use crate::expr::Graph;
use crate::runtime;
use crate::runtime::stream::Input;
use std::fmt::Write;

/// The stages `explain` knows, in pipeline order.
pub const STAGES: &[&str] = &["graph", "fused", "plan", "loop", "clif", "asm"];

/// Renders all stages (or one) of a simplified graph.
pub(crate) fn explain(g: &Graph, inputs: &[Input], donated: &[bool], only: Option<&str>) -> Result<String> {
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
        let text = only.is_none_or(|s| s == "clif" || s == "asm");
        Some(runtime::explain_graph(g, inputs, text)?)
    };
    let mut out = String::new();
    for &stage in STAGES {
        if only.is_some_and(|s| s != stage) {
            continue;
        }
        let text = match stage {
            "graph" => g.to_string(),
            "fused" => later.as_ref().map(|s| s.fused.clone()).unwrap_or_default(),
            "plan" => {
                // The plan that runs (a donated input changes it: then
                // planned for the donation).
                let mut t = match &later {
                    Some(l) if !donated.contains(&true) => l.plan.clone(),
                    _ => crate::plan::plan_buffers(&crate::fuse::fuse(g)?, g, donated).to_string(),
                };
                t.push_str(&runtime::stream_text(g, inputs)?);
                t
            }
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

/// The graph as Graphviz DOT: one node per op, edges operand → user, and
/// each fused kernel's nodes in a cluster `k0`, `k1`, ….
pub fn dot(g: &Graph) -> String {
    let names = value_names(g);
    let clusters = crate::fuse::fuse(g).map(|p| p.kernel_nodes).unwrap_or_default();
    let mut s = String::from("digraph lazyfuse {\n  rankdir=BT;\n  node [shape=box, fontname=monospace];\n");
    let label = |id: crate::expr::NodeId| {
        let n = g.node(id);
        let l = match &n.op {
            Op::Input(_) => format!(
                "{}: {}",
                names[id.index()],
                crate::expr::graph::type_str(n.dtype, &n.shape)
            ),
            Op::Const(v) => format!("{} = {v}", names[id.index()]),
            op => format!("{} = {}", names[id.index()], op.mnemonic()),
        };
        format!("  n{} [label=\"{}\"];\n", id.index(), l.replace('"', "\\\""))
    };
    let mut placed = vec![false; g.len()];
    for (k, nodes) in clusters.iter().enumerate() {
        let _ = writeln!(
            s,
            "  subgraph cluster_k{k} {{\n    label=\"kernel k{k}\"; style=rounded; color=blue;"
        );
        for &id in nodes {
            if id.index() < placed.len() && !placed[id.index()] {
                placed[id.index()] = true;
                s.push_str("  ");
                s.push_str(&label(id));
            }
        }
        s.push_str("  }\n");
    }
    for id in g.ids() {
        if !placed[id.index()] {
            s.push_str(&label(id));
        }
    }
    for id in g.ids() {
        for a in &g.node(id).args {
            let _ = writeln!(s, "  n{} -> n{};", a.index(), id.index());
        }
    }
    s.push_str("}\n");
    s
}

/// With `LAZYFUSE_DUMP=<dir>`, writes the stages of each graph compiled
/// for the first time to `<dir>/<n>-<stage>.<ext>` (graph, fused, plan,
/// loop, clif, asm). Set but empty is the same as unset (it would
/// otherwise mean the working directory); `LAZYFUSE_DUMP=.` dumps there.
pub fn dump_if_requested(g: &Graph, arrays: &[Array]) -> Result<()> {
    use std::collections::HashSet;
    use std::sync::Mutex;
    static SEEN: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let Some(dir) = crate::env::dump_dir() else {
        return Ok(());
    };
    let key = g.to_string();
    let n = {
        let mut seen = SEEN
            .lock()
            .map_err(|_| Error::Internal("dump registry poisoned".into()))?;
        let set = seen.get_or_insert_with(HashSet::new);
        if !set.insert(key) {
            return Ok(());
        }
        set.len()
    };
    let dir = std::path::PathBuf::from(dir);
    let io = |e: std::io::Error| Error::Io(format!("LAZYFUSE_DUMP {}: {e}", dir.display()).into());
    std::fs::create_dir_all(&dir).map_err(io)?;
    let donated = vec![false; arrays.len()];
    let inputs: Vec<Input> = arrays.iter().cloned().map(Input::Array).collect();
    for (stage, ext) in [
        ("graph", "ir"),
        ("fused", "ir"),
        ("plan", "ir"),
        ("loop", "ir"),
        ("clif", "clif"),
        ("asm", "s"),
    ] {
        let text = explain(g, &inputs, &donated, Some(stage))?;
        std::fs::write(dir.join(format!("{n:04}-{stage}.{ext}")), text).map_err(io)?;
    }
    Ok(())
}
