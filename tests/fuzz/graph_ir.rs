//! Target 2: the `graph` IR text — printed graphs of valid expressions,
//! mutated.

use super::common::*;
use super::expr_strings::{expr_text, mutate_bytes};
use lazyfuse::internals::runtime::ExecOptions;
use lazyfuse::ir::Graph;
use lazyfuse::{Array, Expr};
use std::fmt::Write as _;

/// A valid expression over fresh inputs (retried until one parses and
/// builds), with its simplified graph.
pub(crate) fn valid_graph(r: &mut Rng) -> Option<(Expr, Graph, Vec<Array>)> {
    for _ in 0..50 {
        let ins = inputs(r);
        let names: Vec<String> = ins.iter().map(|(n, _)| n.clone()).collect();
        let depth = 1 + r.below(4);
        let src = expr_text(r, &names, depth);
        let bind: Vec<(&str, &Array)> = ins.iter().map(|(n, a)| (n.as_str(), a)).collect();
        if std::env::var_os("LAZYFUSE_FUZZ_VERBOSE").is_some() {
            eprintln!("expression {src:?}");
        }
        if let Ok(e) = Expr::parse(&src, &bind) {
            if let Ok((g, arrays)) = lazyfuse::internals::pipeline::build_graph(std::slice::from_ref(&e)) {
                return Some((e, g, arrays));
            }
        }
    }
    None
}

const IR_TOKENS: &[&str] = &[
    "%0",
    "%1",
    "%2",
    "%a",
    "%b",
    "@f",
    "f64",
    "f32",
    "i8",
    "u8",
    "i64",
    "u64",
    "bool",
    "[",
    "]",
    "(",
    ")",
    "{",
    "}",
    ",",
    ":",
    "=",
    "axes=",
    "keepdims",
    "ddof=",
    "return",
    "add",
    "sub",
    "mul",
    "div",
    "pow",
    "sum",
    "mean",
    "argmax",
    "where",
    "cast",
    "index",
    "permute",
    "broadcast",
    "reshape",
    "const",
    "input",
    "kernel",
    "k0",
    "buf0",
    "i0",
    "v0",
    "load",
    "store",
    "for",
    "::",
    "...",
    "None",
    "nan",
    "inf",
    "-inf",
    "-0.0",
    ";",
    "\n",
    "    ",
];

const EXTREME_NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "64",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "4611686018427387904",
    "1e308",
    "nan",
    "-0.0",
];

/// Byte, token and line mutations of an IR text, and numbers replaced by
/// extremes (which changes shapes, axes, indices and strides).
pub(crate) fn mutate_ir(r: &mut Rng, text: &str) -> String {
    let mut t = text.to_string();
    for _ in 0..1 + r.below(3) {
        t = match r.below(6) {
            0 => {
                let bytes = mutate_bytes(r, t.as_bytes(), &mut |r| r.pick(IR_TOKENS).to_string());
                String::from_utf8_lossy(&bytes).into_owned()
            }
            1 => {
                let mut lines: Vec<&str> = t.lines().collect();
                if lines.is_empty() {
                    continue;
                }
                let (i, j) = (r.below(lines.len()), r.below(lines.len()));
                match r.below(3) {
                    0 => {
                        lines.remove(i);
                    }
                    1 => lines.insert(j, lines[i]),
                    _ => lines.swap(i, j),
                }
                lines.join("\n") + "\n"
            }
            2..=4 => {
                // Replace the k-th number with an extreme or a small one.
                let spans = number_spans(&t);
                if spans.is_empty() {
                    continue;
                }
                let (a, b) = r.pick(&spans);
                let with = if r.chance(0.6) {
                    r.pick(EXTREME_NUMBERS).to_string()
                } else {
                    r.below(10).to_string()
                };
                format!("{}{}{}", &t[..a], with, &t[b..])
            }
            _ => {
                // Swap a dtype or a mnemonic for another.
                let words = [
                    "f64", "f32", "i8", "u8", "i32", "u64", "bool", "add", "mul", "sum", "max", "pow",
                ];
                let from = r.pick(&words);
                match t.find(from) {
                    Some(at) => format!("{}{}{}", &t[..at], r.pick(&words), &t[at + from.len()..]),
                    None => continue,
                }
            }
        };
    }
    t
}

/// Byte ranges of the decimal numbers in a text.
fn number_spans(t: &str) -> Vec<(usize, usize)> {
    let b = t.as_bytes();
    let mut out = vec![];
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !(b[i - 1].is_ascii_alphabetic() || b[i - 1] == b'_')) {
            let s = if i > 0 && b[i - 1] == b'-' { i - 1 } else { i };
            let mut j = i;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            out.push((s, j));
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// Whether evaluating `g` is affordable: every node has at most 2^16
/// elements, or a size that cannot be allocated at all (which must be a
/// clean `Err`). Shapes in between (a mutated broadcast to 2^30 elements)
/// would just take long.
fn affordable(g: &Graph) -> bool {
    g.ids().all(|id| {
        let n = g.node(id);
        let bytes = numel(&n.shape).and_then(|k| k.checked_mul(n.dtype.size()));
        match bytes {
            None => true,
            Some(b) => b <= 1 << 19 || b > isize::MAX as usize,
        }
    })
}

fn graph_case(r: &mut Rng, c: &mut Case) -> Result<(), String> {
    let Some((_, g0, _)) = valid_graph(r) else {
        return Ok(());
    };
    let text = if r.chance(0.1) {
        g0.to_string()
    } else {
        mutate_ir(r, &g0.to_string())
    };
    c.set_input("graph text", &text);
    let Ok(g) = Graph::parse(&text) else {
        return Ok(());
    };
    c.stats.parsed += 1;
    let printed = g.to_string();
    match Graph::parse(&printed) {
        Ok(g2) if g2 == g && g2.to_string() == printed => {}
        other => {
            return Err(format!(
                "does not print and parse back\nprinted:\n{printed}\nreparsed: {other:?}"
            ))
        }
    }
    // Random inputs of the declared types (skipping the evaluation when an
    // input has more than 64 elements).
    let mut arrays = vec![];
    for &id in g.inputs() {
        let n = g.node(id);
        match numel(&n.shape) {
            Some(k) if k <= 64 => arrays.push(array(r, n.dtype, &n.shape)),
            _ => return Ok(()),
        }
    }
    if !affordable(&g) {
        return Ok(());
    }
    for a in &arrays {
        let _ = write!(c.input, "; input {a:?} strides {:?}", a.strides());
    }
    let threads = if r.chance(0.3) { 2 } else { 1 };
    let want = lazyfuse::internals::interp::interpret(&g, &arrays);
    let got = lazyfuse::internals::runtime::eval_graph(&g, &arrays, &ExecOptions::default().with_threads(threads));
    agree(&format!("eval_graph ({threads} threads)"), &g, &want, &got, c)
}

/// The `graph` IR parser on printed graphs of valid expressions, mutated.
#[test]
fn graph_ir_text() {
    run("graph_ir_text", 2, 20000, graph_case);
}
