//! Printing and parsing the `graph` stage text. `parse(print(g)) == g`.

use super::graph::{type_str, Graph, NodeId};
use super::ops::{BinaryOp, Op, ReduceOp, UnaryOp};
use crate::array::layout::{fmt_list, Index};
use crate::array::{DType, Scalar};
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::fmt;

/// Writes a graph in its text form.
pub fn write_graph(f: &mut fmt::Formatter<'_>, g: &Graph) -> fmt::Result {
    let names = value_names(g);
    f.write_str("graph @f(")?;
    for (k, &i) in g.inputs().iter().enumerate() {
        let n = g.node(i);
        write!(
            f,
            "{}{}: {}",
            if k > 0 { ", " } else { "" },
            names[i.index()],
            type_str(n.dtype, &n.shape)
        )?;
    }
    f.write_str(") {\n")?;
    for id in g.ids() {
        let n = g.node(id);
        if matches!(n.op, Op::Input(_)) {
            continue;
        }
        write!(f, "    {} = {}", names[id.index()], n.op.mnemonic())?;
        if let Op::Const(v) = &n.op {
            write!(f, " {v}")?;
        }
        for (k, a) in n.args.iter().enumerate() {
            write!(f, "{}{}", if k > 0 { ", " } else { " " }, names[a.index()])?;
        }
        write_op_attrs(f, &n.op)?;
        writeln!(f, " : {}", type_str(n.dtype, &n.shape))?;
    }
    f.write_str("    return")?;
    for (k, o) in g.outputs().iter().enumerate() {
        write!(f, "{}{}", if k > 0 { ", " } else { " " }, names[o.index()])?;
    }
    f.write_str("\n}\n")
}

/// Writes an op's attributes after its operands (`, axes=[0], keepdims`,
/// `, [1:5:2]`, `, [1, 0]`). Shared by every IR that prints graph ops.
pub fn write_op_attrs(f: &mut fmt::Formatter<'_>, op: &Op) -> fmt::Result {
    match op {
        Op::Reduce {
            op,
            axes,
            keepdims,
            ddof,
        } => {
            if !(op.single_axis() && axes.is_empty()) {
                f.write_str(", axes=")?;
                fmt_list(f, axes)?;
            }
            if *keepdims {
                f.write_str(", keepdims")?;
            }
            if *ddof != 0 {
                write!(f, ", ddof={ddof}")?;
            }
        }
        Op::Index(ix) => {
            f.write_str(", ")?;
            fmt_list(f, ix)?;
        }
        Op::Permute(v) | Op::Broadcast(v) | Op::Reshape(v) => {
            f.write_str(", ")?;
            fmt_list(f, v)?;
        }
        _ => {}
    }
    Ok(())
}

/// `%name` for inputs, `%0, %1, …` for the other nodes in arena order.
pub fn value_names(g: &Graph) -> Vec<String> {
    let mut k = 0;
    g.ids()
        .map(|id| match g.input_name(id) {
            Some(n) => format!("%{n}"),
            None => {
                k += 1;
                format!("%{}", k - 1)
            }
        })
        .collect()
}

// ------------------------------------------------------------------ parser

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Value(String),  // %name
    Global(String), // @name
    Ident(String),
    Num(String),
    Punct(char),
    Ellipsis,
    Eof,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Value(s) => write!(f, "'%{s}'"),
            Tok::Global(s) => write!(f, "'@{s}'"),
            Tok::Ident(s) | Tok::Num(s) => write!(f, "'{s}'"),
            Tok::Punct(c) => write!(f, "'{c}'"),
            Tok::Ellipsis => f.write_str("'...'"),
            Tok::Eof => f.write_str("end of input"),
        }
    }
}

/// A token stream over IR text with `line:col` positions. `;` starts a
/// comment. Shared by the graph and loop IR parsers.
pub struct Lexer {
    toks: Vec<(Tok, usize, usize)>,
    pos: usize,
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

impl Lexer {
    /// Tokenises `text`.
    pub fn new(text: &str) -> Result<Lexer> {
        let mut toks = vec![];
        for (ln, line) in text.lines().enumerate() {
            let chars: Vec<char> = line.chars().collect();
            let mut i = 0;
            while i < chars.len() {
                let c = chars[i];
                let col = i + 1;
                let start = i;
                if c == ';' {
                    break;
                } else if c.is_whitespace() {
                    i += 1;
                    continue;
                } else if c == '%' || c == '@' {
                    i += 1;
                    while i < chars.len() && is_ident(chars[i]) {
                        i += 1;
                    }
                    let s: String = chars[start + 1..i].iter().collect();
                    if s.is_empty() {
                        return Err(Error::Parse(format!("{}:{col}: expected a name after '{c}'", ln + 1)));
                    }
                    toks.push((if c == '%' { Tok::Value(s) } else { Tok::Global(s) }, ln + 1, col));
                    continue;
                } else if c == '.' && chars.get(i + 1) == Some(&'.') && chars.get(i + 2) == Some(&'.') {
                    i += 3;
                    toks.push((Tok::Ellipsis, ln + 1, col));
                    continue;
                } else if c.is_ascii_digit()
                    || (c == '-'
                        && chars
                            .get(i + 1)
                            .is_some_and(|d| d.is_ascii_digit() || *d == 'i' || *d == 'n'))
                {
                    i += 1;
                    while i < chars.len()
                        && (chars[i].is_ascii_alphanumeric()
                            || chars[i] == '.'
                            || ((chars[i] == '-' || chars[i] == '+') && matches!(chars[i - 1], 'e' | 'E')))
                    {
                        i += 1;
                    }
                    toks.push((Tok::Num(chars[start..i].iter().collect()), ln + 1, col));
                    continue;
                } else if c.is_ascii_alphabetic() || c == '_' {
                    while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                        i += 1;
                    }
                    toks.push((Tok::Ident(chars[start..i].iter().collect()), ln + 1, col));
                    continue;
                } else if "(){}[],:=<>*+-".contains(c) {
                    toks.push((Tok::Punct(c), ln + 1, col));
                } else {
                    return Err(Error::Parse(format!("{}:{col}: unexpected character '{c}'", ln + 1)));
                }
                i += 1;
            }
        }
        let (l, c) = toks.last().map(|t| (t.1, t.2 + 1)).unwrap_or((1, 1));
        toks.push((Tok::Eof, l, c));
        Ok(Lexer { toks, pos: 0 })
    }

    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }

    fn err<T>(&self, what: &str) -> Result<T> {
        let (t, l, c) = &self.toks[self.pos];
        Err(Error::Parse(format!("{l}:{c}: expected {what}, found {t}")))
    }

    fn next(&mut self) -> Tok {
        let t = self.toks[self.pos].0.clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    /// Consumes punctuation `c` if present.
    pub fn eat(&mut self, c: char) -> bool {
        if *self.peek() == Tok::Punct(c) {
            self.next();
            true
        } else {
            false
        }
    }

    /// Expects punctuation `c`.
    pub fn expect(&mut self, c: char) -> Result<()> {
        if self.eat(c) {
            Ok(())
        } else {
            self.err(&format!("'{c}'"))
        }
    }

    /// Consumes the identifier `kw` if present.
    pub fn eat_kw(&mut self, kw: &str) -> bool {
        if matches!(self.peek(), Tok::Ident(s) if s == kw) {
            self.next();
            true
        } else {
            false
        }
    }

    /// Expects the identifier `kw`.
    pub fn expect_kw(&mut self, kw: &str) -> Result<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            self.err(&format!("'{kw}'"))
        }
    }

    /// An identifier.
    pub fn ident(&mut self) -> Result<String> {
        match self.peek().clone() {
            Tok::Ident(s) => {
                self.next();
                Ok(s)
            }
            _ => self.err("a name"),
        }
    }

    /// A `%value` name.
    pub fn value(&mut self) -> Result<String> {
        match self.peek().clone() {
            Tok::Value(s) => {
                self.next();
                Ok(s)
            }
            _ => self.err("a value like '%0'"),
        }
    }

    /// An `@name`.
    pub fn global(&mut self) -> Result<String> {
        match self.peek().clone() {
            Tok::Global(s) => {
                self.next();
                Ok(s)
            }
            _ => self.err("a name like '@f'"),
        }
    }

    /// Whether the next token is a `%value`.
    pub fn at_value(&self) -> bool {
        matches!(self.peek(), Tok::Value(_))
    }

    /// Whether the input is exhausted.
    pub fn at_eof(&self) -> bool {
        *self.peek() == Tok::Eof
    }

    /// A number token's text (also `inf`, `nan`, `true`, `false`).
    pub fn number_text(&mut self) -> Result<String> {
        match self.peek().clone() {
            Tok::Num(s) => {
                self.next();
                Ok(s)
            }
            Tok::Ident(s) if matches!(s.as_str(), "inf" | "nan" | "true" | "false") => {
                self.next();
                Ok(s)
            }
            _ => self.err("a number"),
        }
    }

    /// A signed integer.
    pub fn int(&mut self) -> Result<i64> {
        let here = self.pos;
        let s = self.number_text()?;
        s.parse::<i64>().or_else(|_| {
            self.pos = here;
            self.err("an integer")
        })
    }

    /// A non-negative integer.
    pub fn usize(&mut self) -> Result<usize> {
        let here = self.pos;
        let v = self.int()?;
        usize::try_from(v).or_else(|_| {
            self.pos = here;
            self.err("a non-negative integer")
        })
    }

    /// `[a, b, …]` of non-negative integers.
    pub fn usize_list(&mut self) -> Result<Vec<usize>> {
        self.expect('[')?;
        let mut v = vec![];
        while !self.eat(']') {
            if !v.is_empty() {
                self.expect(',')?;
            }
            v.push(self.usize()?);
        }
        Ok(v)
    }

    /// A type `f64[2, 3]`.
    pub fn ty(&mut self) -> Result<(DType, Vec<usize>)> {
        let here = self.pos;
        let name = self.ident()?;
        let dt: DType = name.parse().or_else(|_| {
            self.pos = here;
            self.err("a dtype")
        })?;
        Ok((dt, self.usize_list()?))
    }

    /// A scalar of `dtype` from its printed form.
    pub fn scalar(&mut self, dtype: DType) -> Result<Scalar> {
        let here = self.pos;
        let s = self.number_text()?;
        let v = match dtype {
            DType::Bool => match s.as_str() {
                "true" => Some(Scalar::Bool(true)),
                "false" => Some(Scalar::Bool(false)),
                _ => None,
            },
            DType::F32 => s.parse::<f32>().ok().map(Scalar::F32),
            DType::F64 => s.parse::<f64>().ok().map(Scalar::F64),
            d => s.parse::<i128>().ok().and_then(|v| Scalar::int_in(d, v)),
        };
        v.ok_or(()).or_else(|_| {
            self.pos = here;
            self.err(&format!("a {dtype} constant"))
        })
    }

    /// One basic index entry: `3`, `1:5:2`, `::-1`, `None`, `...`.
    pub fn index(&mut self) -> Result<Index> {
        if self.eat_kw("None") {
            return Ok(Index::NewAxis);
        }
        if *self.peek() == Tok::Ellipsis {
            self.next();
            return Ok(Index::Ellipsis);
        }
        let opt_int = |lx: &mut Lexer| -> Result<Option<isize>> {
            if matches!(lx.peek(), Tok::Num(_)) {
                Ok(Some(lx.int()? as isize))
            } else {
                Ok(None)
            }
        };
        let start = opt_int(self)?;
        if !self.eat(':') {
            return match start {
                Some(i) => Ok(Index::At(i)),
                None => self.err("an index"),
            };
        }
        let stop = opt_int(self)?;
        let step = if self.eat(':') { opt_int(self)?.unwrap_or(1) } else { 1 };
        if step == 0 {
            return self.err("a non-zero step");
        }
        Ok(Index::Slice { start, stop, step })
    }

    /// Prefixes an error with the `line:col` of the last token read.
    pub fn located(&self, e: Error) -> Error {
        let (_, l, c) = &self.toks[self.pos.saturating_sub(1)];
        match e {
            Error::Parse(m) if m.chars().next().is_some_and(|c| c.is_ascii_digit()) => Error::Parse(m),
            Error::Shape(m) | Error::Type(m) | Error::Parse(m) | Error::Internal(m) => {
                Error::Parse(format!("{l}:{c}: {m}"))
            }
            e => e,
        }
    }
}

/// Parses the `graph` stage text.
pub fn parse_graph(text: &str) -> Result<Graph> {
    let mut lx = Lexer::new(text)?;
    let mut g = Graph::new();
    let mut env: HashMap<String, NodeId> = HashMap::new();
    lx.expect_kw("graph")?;
    lx.global()?;
    lx.expect('(')?;
    while !lx.eat(')') {
        if !g.inputs().is_empty() {
            lx.expect(',')?;
        }
        let name = lx.value()?;
        lx.expect(':')?;
        let (dt, shape) = lx.ty()?;
        let id = g.add_input(&name, dt, &shape).map_err(|e| lx.located(e))?;
        env.insert(name, id);
    }
    lx.expect('{')?;
    loop {
        if lx.eat_kw("return") {
            let mut outs = vec![operand(&mut lx, &env)?];
            while lx.eat(',') {
                outs.push(operand(&mut lx, &env)?);
            }
            lx.expect('}')?;
            if !lx.at_eof() {
                return lx.err("end of input after '}'");
            }
            g.set_outputs(outs);
            return Ok(g);
        }
        let name = lx.value()?;
        if env.contains_key(&name) {
            return Err(lx.located(Error::Parse(format!("'%{name}' is defined twice"))));
        }
        lx.expect('=')?;
        let id = statement(&mut lx, &mut g, &env)?;
        env.insert(name, id);
    }
}

fn operand(lx: &mut Lexer, env: &HashMap<String, NodeId>) -> Result<NodeId> {
    let name = lx.value()?;
    env.get(&name)
        .copied()
        .ok_or_else(|| lx.located(Error::Parse(format!("use of undefined value '%{name}'"))))
}

fn statement(lx: &mut Lexer, g: &mut Graph, env: &HashMap<String, NodeId>) -> Result<NodeId> {
    let op_at = lx.pos;
    let m = lx.ident()?;
    let mut args = vec![];
    let mut op = if m == "const" {
        // The dtype comes from the annotation; parse the text after it.
        let save = lx.pos;
        lx.number_text()?;
        lx.expect(':')?;
        let (dt, shape) = lx.ty()?;
        if !shape.is_empty() {
            return Err(lx.located(Error::Parse("constants are 0-d: expected type like 'f64[]'".into())));
        }
        lx.pos = save;
        let v = lx.scalar(dt)?;
        Op::Const(v)
    } else if let Some(u) = UnaryOp::from_mnemonic(&m) {
        Op::Unary(u)
    } else if let Some(b) = BinaryOp::from_mnemonic(&m) {
        Op::Binary(b)
    } else if let Some(r) = ReduceOp::from_mnemonic(&m) {
        Op::Reduce {
            op: r,
            axes: vec![],
            keepdims: false,
            ddof: 0,
        }
    } else {
        match m.as_str() {
            "where" => Op::Where,
            "cast" => Op::Cast(DType::Bool),
            "index" => Op::Index(vec![]),
            "permute" => Op::Permute(vec![]),
            "broadcast" => Op::Broadcast(vec![]),
            "reshape" => Op::Reshape(vec![]),
            _ => return Err(lx.located(Error::Parse(format!("unknown op '{m}'")))),
        }
    };
    for k in 0..op.arity() {
        if k > 0 {
            lx.expect(',')?;
        }
        args.push(operand(lx, env)?);
    }
    match &mut op {
        Op::Reduce {
            op: r,
            axes,
            keepdims,
            ddof,
        } => {
            let mut saw_axes = false;
            while lx.eat(',') {
                let key = lx.ident()?;
                match key.as_str() {
                    "axes" => {
                        lx.expect('=')?;
                        *axes = lx.usize_list()?;
                        saw_axes = true;
                    }
                    "keepdims" => *keepdims = true,
                    "ddof" => {
                        lx.expect('=')?;
                        *ddof = u32::try_from(lx.usize()?).map_err(|_| Error::Parse("ddof too large".into()))?;
                    }
                    _ => return Err(lx.located(Error::Parse(format!("unknown attribute '{key}' of {r}")))),
                }
            }
            if !r.single_axis() && !saw_axes {
                // `sum %x` without axes means every axis.
                *axes = (0..g.node(args[0]).shape.len()).collect();
            }
        }
        Op::Index(ix) => {
            lx.expect(',')?;
            lx.expect('[')?;
            while !lx.eat(']') {
                if !ix.is_empty() {
                    lx.expect(',')?;
                }
                ix.push(lx.index()?);
            }
        }
        Op::Permute(v) | Op::Broadcast(v) | Op::Reshape(v) => {
            lx.expect(',')?;
            *v = lx.usize_list()?;
        }
        _ => {}
    }
    lx.expect(':')?;
    let type_at = lx.pos;
    let (dt, shape) = lx.ty()?;
    if let Op::Cast(t) = &mut op {
        *t = dt;
    }
    let id = g.add(op, &args).map_err(|e| {
        lx.pos = op_at + 1;
        lx.located(e)
    })?;
    let n = g.node(id);
    if n.dtype != dt || n.shape != shape {
        lx.pos = type_at + 1;
        return Err(lx.located(Error::Parse(format!(
            "annotated type {} does not match the inferred {}",
            type_str(dt, &shape),
            type_str(n.dtype, &n.shape)
        ))));
    }
    Ok(id)
}
