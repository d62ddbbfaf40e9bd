//! Parses the `loop` stage text back into a [`LoopFunc`].

use super::outline::Outline;
use super::{Inst, LOp, LoopFunc, Param};
use crate::array::DType;
use crate::error::{Error, Result};
use crate::expr::graph_text::Lexer;
use crate::expr::{BinaryOp, UnaryOp};

fn perr<T>(m: String) -> Result<T> {
    Err(Error::Parse(m))
}

fn var(lx: &mut Lexer, n: usize) -> Result<usize> {
    let s = lx.ident()?;
    match s.strip_prefix('v').and_then(|d| d.parse::<usize>().ok()) {
        Some(v) if v < n => Ok(v),
        _ => perr(format!("'{s}' is not a defined value (v0..v{n})")),
    }
}

fn param(lx: &mut Lexer, params: &[Param]) -> Result<usize> {
    let s = lx.value()?;
    params
        .iter()
        .position(|p| p.name == s)
        .map_or_else(|| perr(format!("unknown parameter '%{s}'")), Ok)
}

/// The outlining marks after an instruction: ` outline [direct | sincos
/// vN]` (the `sincos` partner may come later in the body; `verify` checks
/// it).
fn outline_marks(lx: &mut Lexer) -> Result<(bool, bool, Option<usize>)> {
    if !lx.eat_kw("outline") {
        return Ok((false, false, None));
    }
    if lx.eat_kw("direct") {
        return Ok((true, true, None));
    }
    if lx.eat_kw("sincos") {
        let s = lx.ident()?;
        return match s.strip_prefix('v').and_then(|d| d.parse::<usize>().ok()) {
            Some(w) => Ok((true, false, Some(w))),
            None => perr(format!("'{s}' is not a value (after 'sincos')")),
        };
    }
    Ok((true, false, None))
}

/// Parses the `loop` stage text.
pub fn parse_loop(text: &str) -> Result<LoopFunc> {
    let mut lx = Lexer::new(text)?;
    lx.expect_kw("loop")?;
    let name = lx.global()?;
    lx.expect('(')?;
    let mut params: Vec<Param> = vec![];
    while !lx.eat(')') {
        if !params.is_empty() {
            lx.expect(',')?;
        }
        let pname = lx.value()?;
        lx.expect(':')?;
        let dtype: DType = lx.ident()?.parse()?;
        let output = lx.eat_kw("out");
        params.push(Param {
            name: pname,
            dtype,
            output,
            strides: vec![],
        });
    }
    lx.expect('{')?;
    lx.expect_kw("dims")?;
    let dims = lx.usize_list()?;
    lx.expect_kw("strides")?;
    for k in 0..params.len() {
        if k > 0 {
            lx.expect(',')?;
        }
        let p = param(&mut lx, &params)?;
        lx.expect('[')?;
        let mut st = vec![];
        while !lx.eat(']') {
            if !st.is_empty() {
                lx.expect(',')?;
            }
            st.push(lx.int()? as isize);
        }
        params[p].strides = st;
    }
    lx.expect_kw("vector")?;
    let vector = lx.usize()?;
    lx.expect_kw("unroll")?;
    let unroll = lx.usize()?;
    let interleave = lx.eat_kw("interleave");
    let fma_sums = if lx.eat_kw("fma_sums") { lx.usize()? } else { 0 };
    // Outlining marks per instruction: (outline, direct, sincos partner).
    let mut marks: Vec<(bool, bool, Option<usize>)> = vec![];
    let mut body: Vec<Inst> = vec![];
    let n = dims.len();
    while !lx.eat('}') {
        let (op, ty) = if lx.eat_kw("store") {
            let p = param(&mut lx, &params)?;
            lx.expect(',')?;
            let v = var(&mut lx, body.len())?;
            (LOp::Store(p, v), body[v].ty)
        } else if lx.eat_kw("accum") {
            let m = lx.ident()?;
            if m == "argmin" || m == "argmax" {
                let index_out = param(&mut lx, &params)?;
                lx.expect(',')?;
                let value_out = param(&mut lx, &params)?;
                lx.expect(',')?;
                let v = var(&mut lx, body.len())?;
                lx.expect(',')?;
                let i = var(&mut lx, body.len())?;
                let op = LOp::ArgAccum {
                    min: m == "argmin",
                    index_out,
                    value_out,
                    v,
                    i,
                };
                let level = if lx.eat_kw("hoist") { lx.usize()? } else { n };
                marks.push(outline_marks(&mut lx)?);
                body.push(Inst {
                    op,
                    ty: body[v].ty,
                    level,
                });
                continue;
            }
            let b = BinaryOp::from_mnemonic(&m).ok_or_else(|| Error::Parse(format!("unknown accumulation '{m}'")))?;
            let p = param(&mut lx, &params)?;
            lx.expect(',')?;
            let v = var(&mut lx, body.len())?;
            (LOp::Accum(p, b, v), body[v].ty)
        } else {
            let def = lx.ident()?;
            if def != format!("v{}", body.len()) {
                return perr(format!("expected 'v{}', found '{def}'", body.len()));
            }
            lx.expect('=')?;
            let m = lx.ident()?;
            let nb = body.len();
            let op = match m.as_str() {
                "load" => LOp::Load(param(&mut lx, &params)?),
                "index" => LOp::Index(param(&mut lx, &params)?),
                "const" => {
                    let txt = lx.number_text()?;
                    lx.expect(':')?;
                    let dt: DType = lx.ident()?.parse()?;
                    let c = Lexer::new(&txt)?.scalar(dt)?;
                    let level = if lx.eat_kw("hoist") { lx.usize()? } else { n };
                    marks.push(outline_marks(&mut lx)?);
                    body.push(Inst {
                        op: LOp::Const(c),
                        ty: dt,
                        level,
                    });
                    continue;
                }
                "select" => {
                    let c = var(&mut lx, nb)?;
                    lx.expect(',')?;
                    let x = var(&mut lx, nb)?;
                    lx.expect(',')?;
                    LOp::Select(c, x, var(&mut lx, nb)?)
                }
                "cast" => LOp::Cast(var(&mut lx, nb)?),
                m => {
                    if let Some(u) = UnaryOp::from_mnemonic(m) {
                        LOp::Unary(u, var(&mut lx, nb)?)
                    } else if let Some(b) = BinaryOp::from_mnemonic(m) {
                        let x = var(&mut lx, nb)?;
                        lx.expect(',')?;
                        LOp::Binary(b, x, var(&mut lx, nb)?)
                    } else {
                        return perr(format!("unknown loop op '{m}'"));
                    }
                }
            };
            lx.expect(':')?;
            let dt: DType = lx.ident()?.parse()?;
            (op, dt)
        };
        let level = if lx.eat_kw("hoist") { lx.usize()? } else { n };
        marks.push(outline_marks(&mut lx)?);
        body.push(Inst { op, ty, level });
    }
    if !lx.at_eof() {
        return perr("expected end of input after '}'".into());
    }
    let mut f = LoopFunc {
        sched: super::Sched::default(),
        name,
        params,
        dims,
        body,
        vector,
        unroll,
    };
    f.sched.interleave = interleave;
    f.sched.fma_sums = fma_sums;
    if marks.iter().any(|m| m.0) {
        f.sched.outline = Some(Outline {
            outlined: marks.iter().map(|m| m.0).collect(),
            direct: marks.iter().map(|m| m.1).collect(),
            sincos: marks.iter().map(|m| m.2).collect(),
        });
    } else if marks.iter().any(|m| m.1 || m.2.is_some()) {
        return perr("'direct' or 'sincos' without 'outline'".into());
    }
    super::verify(&f)?;
    Ok(f)
}
