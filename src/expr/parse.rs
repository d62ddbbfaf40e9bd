//! The string syntax: Python/numexpr expressions (SPEC §2) parsed straight
//! into [`Expr`] calls, so strings and the Rust API build the same DAG.
//!
//! A hand-written precedence-climbing parser over Python's grammar subset:
//! literals, names, unary and binary operators with Python precedence (`**`
//! right-associative and binding tighter than unary minus on its left),
//! calls with positional arguments and `axis=`/`keepdims=`/`ddof=`, method
//! calls (`x.sum(axis=0)`, `x.astype('float32')`), `x.T`, `x.real`,
//! `x.imag`, and subscripts with slices, integers, `None` and `...`.
//! Every error names the 1-based `line:column` and what was expected.

use super::api::Kwargs;
use super::py::PyScalar;
use super::{BinaryOp, Expr, UnaryOp};
use crate::array::layout::Index;
use crate::array::Array;
use crate::error::{Error, Result};

impl Expr {
    /// Parses a numexpr/NumPy-style expression over named arrays.
    ///
    /// ```
    /// use lazyfuse::{Array, Expr};
    /// let a = Array::from_vec(vec![1.0f64, 4.0, 9.0]);
    /// let e = Expr::parse("sqrt(a) * 2 + a[::-1]", &[("a", &a)])?;
    /// assert_eq!(e.eval()?.to_vec::<f64>()?, vec![11.0, 8.0, 7.0]);
    ///
    /// let err = Expr::parse("a + * 2", &[("a", &a)]).unwrap_err();
    /// assert_eq!(err.to_string(), "1:5: expected an operand, found '*'");
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn parse(src: &str, inputs: &[(&str, &Array)]) -> Result<Expr> {
        let toks = lex(src)?;
        let mut p = Parser { toks, pos: 0, inputs };
        let v = p.expr()?;
        if !p.at(&T::Eof) {
            return p.fail("an operator or end of input");
        }
        let e = p.value_expr(v, 0)?;
        // Surface build errors (shape/dtype) now, with the whole string's
        // context; they would also surface from eval.
        e.dtype()?;
        Ok(e)
    }
}

#[derive(Clone, Debug, PartialEq)]
enum T {
    Name(String),
    Int(i128),
    Float(f64),
    Str(String),
    Op(&'static str),
    Eof,
}

impl std::fmt::Display for T {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            T::Name(s) => write!(f, "'{s}'"),
            T::Int(i) => write!(f, "'{i}'"),
            T::Float(x) => write!(f, "'{x}'"),
            T::Str(s) => write!(f, "'{s:?}'"),
            T::Op(o) => write!(f, "'{o}'"),
            T::Eof => f.write_str("end of input"),
        }
    }
}

/// (token, line, column)
type Tok = (T, usize, usize);

const OPS: &[&str] = &[
    "**", "//", "<<", ">>", "<=", ">=", "==", "!=", "...", "+", "-", "*", "/", "%", "<", ">", "&", "|", "^", "~", "(",
    ")", "[", "]", ",", ":", ".", "=",
];

fn lex(src: &str) -> Result<Vec<Tok>> {
    let mut out = vec![];
    for (ln, line) in src.split('\n').enumerate() {
        let cs: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < cs.len() {
            let c = cs[i];
            let col = i + 1;
            let here = |msg: String| Error::Parse(format!("{}:{col}: {msg}", ln + 1));
            if c.is_whitespace() {
                i += 1;
            } else if c.is_ascii_digit() || (c == '.' && cs.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
                let start = i;
                let mut float = false;
                while i < cs.len() && (cs[i].is_ascii_digit() || cs[i] == '_') {
                    i += 1;
                }
                if i < cs.len() && cs[i] == '.' && cs.get(i + 1) != Some(&'.') {
                    float = true;
                    i += 1;
                    while i < cs.len() && (cs[i].is_ascii_digit() || cs[i] == '_') {
                        i += 1;
                    }
                }
                if i < cs.len() && (cs[i] == 'e' || cs[i] == 'E') {
                    let save = i;
                    i += 1;
                    if i < cs.len() && (cs[i] == '+' || cs[i] == '-') {
                        i += 1;
                    }
                    if i < cs.len() && cs[i].is_ascii_digit() {
                        float = true;
                        while i < cs.len() && cs[i].is_ascii_digit() {
                            i += 1;
                        }
                    } else {
                        i = save;
                    }
                }
                if i < cs.len() && (cs[i].is_ascii_alphabetic() || cs[i] == '_') {
                    return Err(here(format!(
                        "invalid number literal '{}'",
                        cs[start..=i].iter().collect::<String>()
                    )));
                }
                let text: String = cs[start..i].iter().filter(|&&c| c != '_').collect();
                let t = if float {
                    T::Float(
                        text.parse()
                            .map_err(|_| here(format!("invalid number literal '{text}'")))?,
                    )
                } else {
                    T::Int(
                        text.parse()
                            .map_err(|_| here(format!("integer literal '{text}' is too large")))?,
                    )
                };
                out.push((t, ln + 1, col));
            } else if c.is_alphabetic() || c == '_' {
                let start = i;
                while i < cs.len() && (cs[i].is_alphanumeric() || cs[i] == '_') {
                    i += 1;
                }
                out.push((T::Name(cs[start..i].iter().collect()), ln + 1, col));
            } else if c == '\'' || c == '"' {
                let start = i + 1;
                i += 1;
                while i < cs.len() && cs[i] != c {
                    i += 1;
                }
                if i == cs.len() {
                    return Err(here("unterminated string".into()));
                }
                out.push((T::Str(cs[start..i].iter().collect()), ln + 1, col));
                i += 1;
            } else if let Some(op) = OPS
                .iter()
                .find(|op| cs[i..].iter().take(op.len()).copied().eq(op.chars()))
            {
                out.push((T::Op(op), ln + 1, col));
                i += op.len();
            } else {
                return Err(here(format!("unexpected character '{c}'")));
            }
        }
    }
    let (l, c) = match out.last() {
        Some((t, l, c)) => (*l, c + t.to_string().chars().count().saturating_sub(2).max(1)),
        None => (1, 1),
    };
    out.push((T::Eof, l, c));
    Ok(out)
}

/// What a sub-expression parses to before it is known to be an array.
enum V {
    E(Expr),
    Tuple(Vec<V>),
    Str(String),
    None,
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    inputs: &'a [(&'a str, &'a Array)],
}

/// Binary operator precedence levels, loosest first (Python's table).
const LEVELS: &[&[&str]] = &[
    &["<", "<=", ">", ">=", "==", "!="],
    &["|"],
    &["^"],
    &["&"],
    &["<<", ">>"],
    &["+", "-"],
    &["*", "/", "//", "%"],
];

fn binop(o: &str) -> BinaryOp {
    match o {
        "<" => BinaryOp::Lt,
        "<=" => BinaryOp::Le,
        ">" => BinaryOp::Gt,
        ">=" => BinaryOp::Ge,
        "==" => BinaryOp::Eq,
        "!=" => BinaryOp::Ne,
        "|" => BinaryOp::BitOr,
        "^" => BinaryOp::BitXor,
        "&" => BinaryOp::BitAnd,
        "<<" => BinaryOp::Shl,
        ">>" => BinaryOp::Shr,
        "+" => BinaryOp::Add,
        "-" => BinaryOp::Sub,
        "*" => BinaryOp::Mul,
        "/" => BinaryOp::Div,
        "//" => BinaryOp::FloorDiv,
        "%" => BinaryOp::Mod,
        "**" => BinaryOp::Pow,
        _ => unreachable!("not a binary operator: {o}"),
    }
}

impl Parser<'_> {
    fn peek(&self) -> &T {
        &self.toks[self.pos].0
    }
    fn at(&self, t: &T) -> bool {
        self.peek() == t
    }
    fn at_op(&self, o: &str) -> bool {
        matches!(self.peek(), T::Op(x) if *x == o)
    }
    fn bump(&mut self) -> Tok {
        let t = self.toks[self.pos].clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }
    fn loc(&self, k: usize) -> String {
        let (_, l, c) = &self.toks[k];
        format!("{l}:{c}")
    }
    fn fail<X>(&self, what: &str) -> Result<X> {
        Err(Error::Parse(format!(
            "{}: expected {what}, found {}",
            self.loc(self.pos),
            self.peek()
        )))
    }
    fn expect_op(&mut self, o: &str) -> Result<()> {
        if self.at_op(o) {
            self.bump();
            Ok(())
        } else {
            self.fail(&format!("'{o}'"))
        }
    }

    /// Converts a parsed value to an expression; `at` is the token index
    /// for error positions.
    fn value_expr(&self, v: V, at: usize) -> Result<Expr> {
        match v {
            V::E(e) => Ok(e),
            V::Tuple(_) => Err(Error::Parse(format!(
                "{}: tuples are only allowed as axis=",
                self.loc(at)
            ))),
            V::Str(_) => Err(Error::Parse(format!(
                "{}: strings are only allowed in astype()",
                self.loc(at)
            ))),
            V::None => Err(Error::Parse(format!(
                "{}: None is only allowed in subscripts and axis=",
                self.loc(at)
            ))),
        }
    }

    /// Attaches the position of the operator to a build error (shape or
    /// dtype) that the operator itself caused.
    fn check(&self, e: Expr, at: usize, operands: &[&Expr]) -> Result<Expr> {
        if let Err(err) = e.dtype() {
            if operands.iter().all(|o| o.dtype().is_ok()) {
                let msg = err.to_string();
                return Err(match err {
                    Error::Shape(_) => Error::Shape(format!("{}: {msg}", self.loc(at))),
                    Error::Type(_) => Error::Type(format!("{}: {msg}", self.loc(at))),
                    Error::Value(_) => Error::Value(format!("{}: {msg}", self.loc(at))),
                    Error::Parse(_) => Error::Parse(format!("{}: {msg}", self.loc(at))),
                    other => other,
                });
            }
        }
        Ok(e)
    }

    fn expr(&mut self) -> Result<V> {
        self.binary(0)
    }

    fn binary(&mut self, level: usize) -> Result<V> {
        if level == LEVELS.len() {
            return self.unary();
        }
        let start = self.pos;
        let mut lhs = self.binary(level + 1)?;
        let mut chained = false;
        while let T::Op(o) = *self.peek() {
            if !LEVELS[level].contains(&o) {
                break;
            }
            if level == 0 && chained {
                return Err(Error::Parse(format!(
                    "{}: chained comparisons are not supported",
                    self.loc(self.pos)
                )));
            }
            chained = true;
            let at = self.pos;
            self.bump();
            let rstart = self.pos;
            let rhs = self.binary(level + 1)?;
            let a = self.value_expr(lhs, start)?;
            let b = self.value_expr(rhs, rstart)?;
            lhs = V::E(self.check(a.binary(binop(o), &b), at, &[&a, &b])?);
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<V> {
        let at = self.pos;
        let op = match self.peek() {
            T::Op("-") => Some(UnaryOp::Neg),
            T::Op("+") => Some(UnaryOp::Pos),
            T::Op("~") => Some(UnaryOp::Invert),
            _ => None,
        };
        match op {
            Some(u) => {
                self.bump();
                let s = self.pos;
                let v = self.unary()?;
                let x = self.value_expr(v, s)?;
                Ok(V::E(self.check(x.unary(u), at, &[&x])?))
            }
            None => self.power(),
        }
    }

    fn power(&mut self) -> Result<V> {
        let start = self.pos;
        let base = self.postfix()?;
        if self.at_op("**") {
            let at = self.pos;
            self.bump();
            let s = self.pos;
            let exp = self.unary()?; // right-associative; `2**-1` allowed
            let a = self.value_expr(base, start)?;
            let b = self.value_expr(exp, s)?;
            return Ok(V::E(self.check(a.power_operator(&b), at, &[&a, &b])?));
        }
        Ok(base)
    }

    fn postfix(&mut self) -> Result<V> {
        let start = self.pos;
        let mut v = self.atom()?;
        loop {
            if self.at_op("[") {
                let at = self.pos;
                self.bump();
                let ix = self.subscripts()?;
                let x = self.value_expr(v, start)?;
                v = V::E(self.check(x.slice(&ix), at, &[&x])?);
            } else if self.at_op(".") {
                self.bump();
                let at = self.pos;
                let name = match self.bump().0 {
                    T::Name(n) => n,
                    _ => {
                        self.pos = at;
                        return self.fail("an attribute name");
                    }
                };
                let x = self.value_expr(v, start)?;
                v = V::E(match name.as_str() {
                    "T" => x.t(),
                    "real" => x.real(),
                    "imag" => x.imag(),
                    _ if self.at_op("(") => {
                        self.bump();
                        let (mut args, kw) = self.call_args()?;
                        if name == "astype" {
                            match (args.pop(), args.is_empty()) {
                                (Some(V::Str(s)), true) => x
                                    .astype_named(&s)
                                    .map_err(|e| Error::Parse(format!("{}: {e}", self.loc(at))))?,
                                _ => {
                                    return Err(Error::Parse(format!(
                                        "{}: astype takes one dtype string",
                                        self.loc(at)
                                    )))
                                }
                            }
                        } else {
                            let mut all = vec![x.clone()];
                            for a in args {
                                all.push(self.value_expr(a, at)?);
                            }
                            let e = Expr::call(&name, all, &kw).map_err(|e| self.at_name(e, at, &name))?;
                            self.check(e, at, &[&x])?
                        }
                    }
                    _ => return Err(Error::Parse(format!("{}: unknown attribute '{name}'", self.loc(at)))),
                });
            } else {
                return Ok(v);
            }
        }
    }

    fn at_name(&self, e: Error, at: usize, name: &str) -> Error {
        match e {
            Error::UnknownName(_) => Error::Parse(format!("{}: unknown function '{name}'", self.loc(at))),
            Error::Parse(m) => Error::Parse(format!("{}: {m}", self.loc(at))),
            e => e,
        }
    }

    fn atom(&mut self) -> Result<V> {
        let at = self.pos;
        match self.bump().0 {
            T::Int(i) => Ok(V::E(Expr::weak(PyScalar::Int(i)))),
            T::Float(x) => Ok(V::E(Expr::weak(PyScalar::Float(x)))),
            T::Str(s) => Ok(V::Str(s)),
            T::Op("(") => {
                if self.at_op(")") {
                    self.bump();
                    return Ok(V::Tuple(vec![]));
                }
                let mut items = vec![self.expr()?];
                let mut tuple = false;
                while self.at_op(",") {
                    self.bump();
                    tuple = true;
                    if self.at_op(")") {
                        break;
                    }
                    items.push(self.expr()?);
                }
                self.expect_op(")")?;
                Ok(if tuple {
                    V::Tuple(items)
                } else {
                    items.pop().expect("one item")
                })
            }
            T::Name(n) => match n.as_str() {
                "True" => Ok(V::E(Expr::weak(PyScalar::Bool(true)))),
                "False" => Ok(V::E(Expr::weak(PyScalar::Bool(false)))),
                "None" => Ok(V::None),
                "inf" => Ok(V::E(Expr::weak(PyScalar::Float(f64::INFINITY)))),
                "nan" => Ok(V::E(Expr::weak(PyScalar::Float(f64::NAN)))),
                _ if self.at_op("(") => {
                    self.bump();
                    let (args, kw) = self.call_args()?;
                    let mut xs = vec![];
                    for a in args {
                        xs.push(self.value_expr(a, at)?);
                    }
                    let e = Expr::call(&n, xs.clone(), &kw).map_err(|e| self.at_name(e, at, &n))?;
                    let refs: Vec<&Expr> = xs.iter().collect();
                    Ok(V::E(self.check(e, at, &refs)?))
                }
                _ => match self.inputs.iter().find(|(k, _)| *k == n) {
                    Some((k, a)) => Ok(V::E(Expr::input(k, a))),
                    None => {
                        let names: Vec<&str> = self.inputs.iter().map(|(k, _)| *k).collect();
                        Err(Error::Parse(format!(
                            "{}: unknown name '{n}' (inputs: {})",
                            self.loc(at),
                            if names.is_empty() {
                                "none".to_string()
                            } else {
                                names.join(", ")
                            }
                        )))
                    }
                },
            },
            _ => {
                self.pos = at;
                self.fail("an operand")
            }
        }
    }

    fn call_args(&mut self) -> Result<(Vec<V>, Kwargs)> {
        let mut args = vec![];
        let mut kw = Kwargs::default();
        let mut seen_kw = false;
        while !self.at_op(")") {
            if !args.is_empty() || seen_kw {
                self.expect_op(",")?;
                if self.at_op(")") {
                    break;
                }
            }
            let is_kw =
                matches!(self.peek(), T::Name(_)) && matches!(self.toks.get(self.pos + 1), Some((T::Op("="), _, _)));
            if is_kw {
                let at = self.pos;
                let T::Name(key) = self.bump().0 else {
                    unreachable!("checked above")
                };
                self.bump();
                let vat = self.pos;
                let v = self.expr()?;
                seen_kw = true;
                match key.as_str() {
                    "axis" => kw.axis = self.axis_value(v, vat)?,
                    "keepdims" => kw.keepdims = self.bool_value(v, vat)?,
                    "ddof" => {
                        kw.ddof = match self.int_value(&v) {
                            Some(d) if (0..=u32::MAX as i128).contains(&d) => d as u32,
                            _ => {
                                return Err(Error::Parse(format!(
                                    "{}: ddof must be a non-negative integer",
                                    self.loc(vat)
                                )))
                            }
                        }
                    }
                    _ => {
                        return Err(Error::Parse(format!(
                            "{}: unexpected keyword argument '{key}'",
                            self.loc(at)
                        )))
                    }
                }
            } else {
                if seen_kw {
                    return self.fail("a keyword argument (positional argument follows keyword argument)");
                }
                args.push(self.expr()?);
            }
        }
        self.expect_op(")")?;
        Ok((args, kw))
    }

    fn int_value(&self, v: &V) -> Option<i128> {
        match v {
            V::E(e) => match e.weak_value() {
                Some(PyScalar::Int(i)) => Some(i),
                _ => None,
            },
            _ => None,
        }
    }

    fn axis_value(&self, v: V, at: usize) -> Result<Option<Vec<isize>>> {
        let one = |v: &V| {
            self.int_value(v).and_then(|i| isize::try_from(i).ok()).ok_or_else(|| {
                Error::Parse(format!(
                    "{}: axis must be an integer, a tuple of integers or None",
                    self.loc(at)
                ))
            })
        };
        match v {
            V::None => Ok(None),
            V::Tuple(items) => items.iter().map(one).collect::<Result<Vec<_>>>().map(Some),
            v => Ok(Some(vec![one(&v)?])),
        }
    }

    fn bool_value(&self, v: V, at: usize) -> Result<bool> {
        if let V::E(e) = &v {
            match e.weak_value() {
                Some(PyScalar::Bool(b)) => return Ok(b),
                Some(PyScalar::Int(i)) => return Ok(i != 0),
                _ => {}
            }
        }
        Err(Error::Parse(format!(
            "{}: keepdims must be True or False",
            self.loc(at)
        )))
    }

    fn subscripts(&mut self) -> Result<Vec<Index>> {
        let mut out = vec![];
        loop {
            out.push(self.subscript()?);
            if self.at_op(",") {
                self.bump();
                if self.at_op("]") {
                    break;
                }
            } else {
                break;
            }
        }
        self.expect_op("]")?;
        Ok(out)
    }

    /// An optional (possibly negative) integer inside a subscript.
    fn opt_int(&mut self) -> Result<Option<isize>> {
        let neg = if self.at_op("-") {
            self.bump();
            true
        } else {
            false
        };
        match *self.peek() {
            T::Int(i) => {
                self.bump();
                let v = if neg { -i } else { i };
                isize::try_from(v)
                    .map(Some)
                    .map_err(|_| Error::Parse(format!("{}: index {v} is out of range", self.loc(self.pos - 1))))
            }
            _ if neg => self.fail("an integer"),
            _ => Ok(None),
        }
    }

    fn subscript(&mut self) -> Result<Index> {
        if self.at_op("...") {
            self.bump();
            return Ok(Index::Ellipsis);
        }
        if matches!(self.peek(), T::Name(n) if n == "None") {
            self.bump();
            return Ok(Index::NewAxis);
        }
        let start = self.opt_int()?;
        if !self.at_op(":") {
            return match start {
                Some(i) => Ok(Index::At(i)),
                None => self.fail("an integer, a slice, None or '...'"),
            };
        }
        self.bump();
        let stop = self.opt_int()?;
        let mut step = 1;
        if self.at_op(":") {
            self.bump();
            let at = self.pos;
            if let Some(s) = self.opt_int()? {
                if s == 0 {
                    return Err(Error::Shape(format!("{}: slice step cannot be zero", self.loc(at))));
                }
                step = s;
            }
        }
        Ok(Index::Slice { start, stop, step })
    }
}
