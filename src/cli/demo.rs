//! `lazyfuse demo`: a real expression on built-in data (one input a
//! negative-step view), evaluated and explained.

use super::inputs::summary;
use crate::array::Array;
use crate::error::{Error, Result};
use crate::expr::Expr;
use std::io::Write;

/// `lazyfuse demo`: a real expression on built-in data, evaluated and
/// explained.
pub(super) fn demo(out: &mut dyn Write) -> Result<()> {
    let n = 1_000_000;
    let a = Array::linspace(0.0, 1.0, n)?;
    let b = Array::linspace(1.0, 2.0, n)?;
    // A negative-step view: read backwards in place, never copied.
    let c = Array::linspace(-1.0, 1.0, n)?.slice(&[crate::array::Index::Slice {
        start: None,
        stop: None,
        step: -1,
    }])?;
    let d = Array::linspace(0.5, 0.75, n)?;
    let src = "2*a + 3*b*c - d/4 + 1";
    let e = parse_expr(
        src,
        &[("a".into(), a), ("b".into(), b), ("c".into(), c), ("d".into(), d)],
    )?;
    let r = e.eval()?;
    let io = |e: std::io::Error| Error::Io(crate::error::IoError::new(format!("writing output: {e}"), e));
    writeln!(
        out,
        "expression: {src}   (a, b, d: linspace over 10^6 f64; c: linspace reversed, a negative-step view)"
    )
    .map_err(io)?;
    out.write_all(summary(&r).as_bytes()).map_err(io)?;
    writeln!(out).map_err(io)?;
    out.write_all(e.explain()?.as_bytes()).map_err(io)?;
    Ok(())
}

fn parse_expr(expr: &str, inputs: &[(String, Array)]) -> Result<Expr> {
    let bind: Vec<(&str, &Array)> = inputs.iter().map(|(n, a)| (n.as_str(), a)).collect();
    Expr::parse(expr, &bind)
}
