//! Printing and parsing the `fused` stage text. `parse(print(p)) == p`.
//!
//! ```text
//! fused @f(%a: f64[4], %b: f64[4]) {
//!     ; 1 kernel, 1 temporary eliminated
//!     kernel k0 [4] {
//!         v0 = const 2.0 : f64
//!         v1 = load %a[i0] : f64
//!         v2 = mul v0, v1 : f64
//!         v3 = load %b[i0] : f64
//!         v4 = add v2, v3 : f64
//!         store %t0, v4
//!     }
//!     return %t0
//! }
//! ```
//!
//! A load's index is one affine expression per operand dimension over the
//! kernel's iteration variables `i0, i1, …` (`%a[3 - i1, 2*i0 + 1]`).

use super::{Affine, AffineRow, KInst, KOp, KRed, Kernel, Program, Step, Val};
use crate::array::layout::fmt_list;
use crate::array::DType;
use crate::error::{Error, Result};
use crate::expr::graph::{infer_type, type_str};
use crate::expr::graph_text::{write_op_attrs, Lexer};
use crate::expr::{BinaryOp, Op, ReduceOp, UnaryOp};
use std::collections::HashMap;
use std::fmt::{self, Write};

fn val_name(p: &Program, v: Val) -> String {
    match v {
        Val::Input(k) => format!("%{}", p.inputs[k as usize].0),
        Val::Tmp(k) => format!("%t{k}"),
    }
}

/// Writes one affine row: `3 - i0 + 2*i1`.
pub fn write_row(out: &mut String, row: &AffineRow) {
    let mut first = true;
    if row.off != 0 {
        let _ = write!(out, "{}", row.off);
        first = false;
    }
    for (d, &c) in row.coef.iter().enumerate() {
        if c == 0 {
            continue;
        }
        let mag = c.unsigned_abs();
        let term = if mag == 1 {
            format!("i{d}")
        } else {
            format!("{mag}*i{d}")
        };
        if first {
            if c < 0 {
                let _ = write!(out, "-{mag}*i{d}");
            } else {
                out.push_str(&term);
            }
            first = false;
        } else {
            let _ = write!(out, " {} {term}", if c < 0 { '-' } else { '+' });
        }
    }
    if first {
        out.push('0');
    }
}

/// Writes `[row, row]`.
pub fn write_affine(out: &mut String, m: &Affine) {
    out.push('[');
    for (k, row) in m.rows.iter().enumerate() {
        if k > 0 {
            out.push_str(", ");
        }
        write_row(out, row);
    }
    out.push(']');
}

fn write_kernel(f: &mut fmt::Formatter<'_>, p: &Program, id: usize, k: &Kernel) -> fmt::Result {
    write!(f, "    kernel k{id} ")?;
    fmt_list(f, &k.shape)?;
    f.write_str(" {\n")?;
    for (v, inst) in k.body.iter().enumerate() {
        write!(f, "        v{v} = ")?;
        match &inst.op {
            KOp::Load { src, map } => {
                let mut s = String::new();
                write_affine(&mut s, map);
                write!(f, "load {}{s}", val_name(p, *src))?
            }
            KOp::Const(c) => write!(f, "const {c}")?,
            KOp::Unary(u, a) => write!(f, "{u} v{a}")?,
            KOp::Binary(b, x, y) => write!(f, "{b} v{x}, v{y}")?,
            KOp::Where(c, x, y) => write!(f, "where v{c}, v{x}, v{y}")?,
            KOp::Cast(a) => write!(f, "cast v{a}")?,
            KOp::Index(map) => {
                let mut s = String::new();
                write_affine(&mut s, map);
                write!(f, "index {s}")?
            }
        }
        writeln!(f, " : {}", inst.dtype)?;
    }
    for &(t, v) in &k.stores {
        writeln!(f, "        store %t{t}, v{v}")?;
    }
    for r in &k.reds {
        write!(f, "        reduce %t{} = {} v{}, axes=", r.tmp, r.op, r.val)?;
        fmt_list(f, &r.axes)?;
        if r.ddof != 0 {
            write!(f, ", ddof={}", r.ddof)?;
        }
        if let Some((t, v)) = r.aux {
            write!(f, ", aux=%t{t} v{v}")?;
        }
        let (dt, shape) = &p.tmps[r.tmp as usize];
        writeln!(f, " : {}", type_str(*dt, shape))?;
    }
    f.write_str("    }\n")
}

/// Writes a program in its text form.
pub fn write_program(f: &mut fmt::Formatter<'_>, p: &Program) -> fmt::Result {
    f.write_str("fused @f(")?;
    for (k, (name, dt, shape)) in p.inputs.iter().enumerate() {
        if k > 0 {
            f.write_str(", ")?;
        }
        write!(f, "%{name}: {}", type_str(*dt, shape))?;
    }
    f.write_str(") {\n")?;
    let nk = p.kernels().count();
    writeln!(
        f,
        "    ; {nk} kernel{}, {} temporar{} eliminated",
        if nk == 1 { "" } else { "s" },
        p.eliminated,
        if p.eliminated == 1 { "y" } else { "ies" }
    )?;
    let mut kid = 0;
    for s in &p.steps {
        match s {
            Step::Kernel(k) => {
                write_kernel(f, p, kid, k)?;
                kid += 1;
            }
            Step::Node { out, op, arg } => {
                write!(f, "    %t{out} = {} {}", op.mnemonic(), val_name(p, *arg))?;
                write_op_attrs(f, op)?;
                let (dt, shape) = &p.tmps[*out as usize];
                writeln!(f, " : {}", type_str(*dt, shape))?;
            }
        }
    }
    f.write_str("    return")?;
    for (k, &o) in p.outputs.iter().enumerate() {
        write!(f, "{}{}", if k > 0 { ", " } else { " " }, val_name(p, o))?;
    }
    f.write_str("\n}\n")
}

fn perr<T>(m: String) -> Result<T> {
    Err(Error::Parse(m))
}

/// Parses an `iN` loop variable name.
pub fn parse_var(s: &str, rank: usize) -> Result<usize> {
    match s.strip_prefix('i').and_then(|d| d.parse::<usize>().ok()) {
        Some(d) if d < rank => Ok(d),
        _ => perr(format!("expected a loop variable i0..i{rank}, found '{s}'")),
    }
}

/// Parses one affine row over `rank` variables.
pub fn parse_row(lx: &mut Lexer, rank: usize) -> Result<AffineRow> {
    let mut row = AffineRow {
        off: 0,
        coef: vec![0; rank],
    };
    let mut sign = if lx.eat('-') { -1 } else { 1 };
    loop {
        if let Ok(name) = lx.ident() {
            row.coef[parse_var(&name, rank)?] += sign;
        } else {
            let c = lx.int()? as isize * sign;
            if lx.eat('*') {
                let name = lx.ident()?;
                row.coef[parse_var(&name, rank)?] += c;
            } else {
                row.off += c;
            }
        }
        if lx.eat('+') {
            sign = 1;
        } else if lx.eat('-') {
            sign = -1;
        } else {
            return Ok(row);
        }
    }
}

/// Parses `[row, …]` (`q` rows).
pub fn parse_affine(lx: &mut Lexer, rank: usize) -> Result<Affine> {
    lx.expect('[')?;
    let mut rows = vec![];
    while !lx.eat(']') {
        if !rows.is_empty() {
            lx.expect(',')?;
        }
        rows.push(parse_row(lx, rank)?);
    }
    Ok(Affine { rows })
}

fn vname(lx: &mut Lexer, n: usize) -> Result<usize> {
    let s = lx.ident()?;
    match s.strip_prefix('v').and_then(|d| d.parse::<usize>().ok()) {
        Some(v) if v < n => Ok(v),
        _ => perr(format!("'{s}' is not a defined value (v0..v{n})")),
    }
}

struct Env {
    names: HashMap<String, Val>,
    tmps: HashMap<u32, (DType, Vec<usize>)>,
}

impl Env {
    fn val(&self, lx: &mut Lexer) -> Result<Val> {
        let s = lx.value()?;
        if let Some(&v) = self.names.get(&s) {
            return Ok(v);
        }
        match s.strip_prefix('t').and_then(|d| d.parse::<u32>().ok()) {
            Some(t) if self.tmps.contains_key(&t) => Ok(Val::Tmp(t)),
            _ => perr(format!("use of undefined value '%{s}'")),
        }
    }
    fn ty(&self, inputs: &[(String, DType, Vec<usize>)], v: Val) -> (DType, Vec<usize>) {
        match v {
            Val::Input(k) => (inputs[k as usize].1, inputs[k as usize].2.clone()),
            Val::Tmp(t) => self.tmps[&t].clone(),
        }
    }
}

fn tmp_def(lx: &mut Lexer, env: &Env) -> Result<u32> {
    let s = lx.value()?;
    match s.strip_prefix('t').and_then(|d| d.parse::<u32>().ok()) {
        Some(t) if !env.tmps.contains_key(&t) => Ok(t),
        _ => perr(format!("'%{s}' is not a fresh temporary name like '%t3'")),
    }
}

fn parse_kernel(lx: &mut Lexer, env: &mut Env, inputs: &[(String, DType, Vec<usize>)]) -> Result<Kernel> {
    lx.ident()?; // kN
    let shape = lx.usize_list()?;
    let rank = shape.len();
    lx.expect('{')?;
    let mut body: Vec<KInst> = vec![];
    let mut stores = vec![];
    let mut reds = vec![];
    while !lx.eat('}') {
        if lx.eat_kw("reduce") {
            reds.push(parse_reduce(lx, env, &body, rank)?);
            continue;
        }
        if lx.eat_kw("store") {
            let t = tmp_def(lx, env)?;
            lx.expect(',')?;
            let v = vname(lx, body.len())?;
            env.tmps.insert(t, (body[v].dtype, shape.clone()));
            stores.push((t, v));
            continue;
        }
        let def = lx.ident()?;
        if def != format!("v{}", body.len()) {
            return perr(format!("expected 'v{}', found '{def}'", body.len()));
        }
        lx.expect('=')?;
        let m = lx.ident()?;
        let n = body.len();
        let op = match m.as_str() {
            "load" => {
                let src = env.val(lx)?;
                let map = parse_affine(lx, rank)?;
                if map.rows.len() != env.ty(inputs, src).1.len() {
                    return perr(format!("load of {m}: index rank does not match the operand"));
                }
                KOp::Load { src, map }
            }
            "const" => {
                let txt = lx.number_text()?;
                lx.expect(':')?;
                let dt: DType = lx.ident()?.parse()?;
                let c = Lexer::new(&txt)?.scalar(dt)?;
                body.push(KInst {
                    op: KOp::Const(c),
                    dtype: dt,
                });
                continue;
            }
            "where" => {
                let c = vname(lx, n)?;
                lx.expect(',')?;
                let x = vname(lx, n)?;
                lx.expect(',')?;
                let y = vname(lx, n)?;
                KOp::Where(c, x, y)
            }
            "cast" => KOp::Cast(vname(lx, n)?),
            "index" => {
                let map = parse_affine(lx, rank)?;
                if map.rows.len() != 1 {
                    return perr("an index has one row".into());
                }
                KOp::Index(map)
            }
            m => {
                if let Some(u) = UnaryOp::from_mnemonic(m) {
                    KOp::Unary(u, vname(lx, n)?)
                } else if let Some(b) = BinaryOp::from_mnemonic(m) {
                    let x = vname(lx, n)?;
                    lx.expect(',')?;
                    KOp::Binary(b, x, vname(lx, n)?)
                } else {
                    return perr(format!("unknown kernel op '{m}'"));
                }
            }
        };
        lx.expect(':')?;
        let dt: DType = lx.ident()?.parse()?;
        body.push(KInst { op, dtype: dt });
    }
    Ok(Kernel {
        shape,
        body,
        stores,
        reds,
    })
}

/// `reduce %t1 = sum v3, axes=[0], ddof=1, aux=%t2 v2 : f64[]`.
fn parse_reduce(lx: &mut Lexer, env: &mut Env, body: &[KInst], rank: usize) -> Result<KRed> {
    let tmp = tmp_def(lx, env)?;
    lx.expect('=')?;
    let m = lx.ident()?;
    let op = match ReduceOp::from_mnemonic(&m) {
        Some(op) => op,
        _ => return perr(format!("'{m}' is not a reduction")),
    };
    let val = vname(lx, body.len())?;
    let (mut axes, mut ddof, mut aux) = (vec![], 0, None);
    while lx.eat(',') {
        match lx.ident()?.as_str() {
            "axes" => {
                lx.expect('=')?;
                axes = lx.usize_list()?;
            }
            "ddof" => {
                lx.expect('=')?;
                ddof = lx.usize()? as u32;
            }
            "aux" => {
                lx.expect('=')?;
                let t = tmp_def(lx, env)?;
                aux = Some((t, vname(lx, body.len())?));
            }
            k => return perr(format!("unknown attribute '{k}' of reduce")),
        }
    }
    if axes.windows(2).any(|w| w[0] >= w[1]) || axes.iter().any(|&a| a >= rank) {
        return perr(format!("reduce axes {axes:?} are invalid for a rank-{rank} kernel"));
    }
    if (op.has_ddof() || op.single_axis()) != aux.is_some() {
        return perr(format!(
            "{op} {} an aux accumulator",
            if aux.is_some() { "takes no" } else { "needs" }
        ));
    }
    lx.expect(':')?;
    let (dt, shape) = lx.ty()?;
    let want_rank = rank - axes.len();
    if shape.len() != rank && shape.len() != want_rank {
        return perr(format!("reduce result {} has the wrong rank", type_str(dt, &shape)));
    }
    if op.single_axis() {
        // argmin/argmax: an i64 result; aux = (best values, the index).
        let (t, i) = aux.expect("checked above");
        if dt != DType::I64 || body[i].dtype != DType::I64 || !matches!(body[i].op, KOp::Index(_)) {
            return perr(format!("{op} needs an i64 result and an index aux value"));
        }
        env.tmps.insert(tmp, (dt, shape.clone()));
        env.tmps.insert(t, (body[val].dtype, shape));
    } else {
        if body[val].dtype != dt {
            return perr(format!("reduce of a {} value into {dt}", body[val].dtype));
        }
        env.tmps.insert(tmp, (dt, shape.clone()));
        if let Some((t, _)) = aux {
            env.tmps.insert(t, (dt, shape));
        }
    }
    Ok(KRed {
        tmp,
        op,
        axes,
        ddof,
        val,
        aux,
    })
}

/// Parses the `fused` stage text.
pub fn parse_program(text: &str) -> Result<Program> {
    let mut lx = Lexer::new(text)?;
    lx.expect_kw("fused")?;
    lx.global()?;
    lx.expect('(')?;
    let mut inputs = vec![];
    let mut env = Env {
        names: HashMap::new(),
        tmps: HashMap::new(),
    };
    while !lx.eat(')') {
        if !inputs.is_empty() {
            lx.expect(',')?;
        }
        let name = lx.value()?;
        lx.expect(':')?;
        let (dt, shape) = lx.ty()?;
        env.names.insert(name.clone(), Val::Input(inputs.len() as u32));
        inputs.push((name, dt, shape));
    }
    lx.expect('{')?;
    let mut steps = vec![];
    loop {
        if lx.eat_kw("return") {
            let mut outputs = vec![env.val(&mut lx)?];
            while lx.eat(',') {
                outputs.push(env.val(&mut lx)?);
            }
            lx.expect('}')?;
            if !lx.at_eof() {
                return perr("expected end of input after '}'".into());
            }
            let n = env.tmps.len();
            let mut tmps = vec![];
            for t in 0..n as u32 {
                match env.tmps.get(&t) {
                    Some(ty) => tmps.push(ty.clone()),
                    None => return perr(format!("temporary %t{t} is never defined")),
                }
            }
            return Ok(Program {
                inputs,
                tmps,
                steps,
                outputs,
                eliminated: 0,
                kernel_nodes: vec![],
            });
        }
        if lx.eat_kw("kernel") {
            steps.push(Step::Kernel(parse_kernel(&mut lx, &mut env, &inputs)?));
            continue;
        }
        let out = tmp_def(&mut lx, &env)?;
        lx.expect('=')?;
        let m = lx.ident()?;
        let arg = env.val(&mut lx)?;
        let (adt, ashape) = env.ty(&inputs, arg);
        let op = if m == "reshape" {
            lx.expect(',')?;
            Op::Reshape(lx.usize_list()?)
        } else if let Some(r) = ReduceOp::from_mnemonic(&m) {
            let (mut axes, mut keepdims, mut ddof) = (None, false, 0);
            while lx.eat(',') {
                match lx.ident()?.as_str() {
                    "axes" => {
                        lx.expect('=')?;
                        axes = Some(lx.usize_list()?);
                    }
                    "keepdims" => keepdims = true,
                    "ddof" => {
                        lx.expect('=')?;
                        ddof = lx.usize()? as u32;
                    }
                    k => return perr(format!("unknown attribute '{k}' of {m}")),
                }
            }
            let axes = axes.unwrap_or_else(|| {
                if r.single_axis() {
                    vec![]
                } else {
                    (0..ashape.len()).collect()
                }
            });
            Op::Reduce {
                op: r,
                axes,
                keepdims,
                ddof,
            }
        } else {
            return perr(format!("unknown boundary op '{m}'"));
        };
        lx.expect(':')?;
        let (dt, shape) = lx.ty()?;
        let (idt, ishape) = infer_type(&op, &[(adt, &ashape)])?;
        if idt != dt || ishape != shape {
            return perr(format!(
                "annotated type {} does not match the inferred {}",
                type_str(dt, &shape),
                type_str(idt, &ishape)
            ));
        }
        env.tmps.insert(out, (dt, shape));
        steps.push(Step::Node { out, op, arg });
    }
}
