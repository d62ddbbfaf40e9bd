//! The string syntax: Python/numexpr expressions parsed straight
//! into [`Expr`] calls, so strings and the Rust API build the same DAG.
//!
//! A hand-written precedence-climbing parser over Python's grammar subset:
//! literals, names, unary and binary operators with Python precedence (`**`
//! right-associative and binding tighter than unary minus on its left),
//! calls with positional arguments and `axis=`/`keepdims=`/`ddof=`, method
//! calls (`x.sum(axis=0)`, `x.astype('float32')`), `x.T`, `x.real`,
//! `x.imag`, and subscripts with slices, integers, `None` and `...`.
//! Every error names the 1-based `line:column` and what was expected;
//! tokens echoed in messages are clipped to [`CLIP`] characters, so a huge
//! input never comes back whole.
//!
//! **Limits.** Binary operators are parsed by iterative precedence climbing:
//! a flat chain (`a+a+…+a`, any length) recurses at most once per
//! precedence level, not once per term. What does nest — parentheses,
//! brackets and call arguments, prefix operators (`-`, `+`, `~`) and the
//! right operand of `**` — counts one level each, and more than
//! [`MAX_NESTING`] levels is an error ("expression nests too deeply"), as
//! CPython refuses more than 200 nested parentheses; the parser's stack use
//! is therefore bounded whatever the input. Input names must be
//! identifiers, distinct, and not one of the parser's constants
//! ([`RESERVED`]), which would otherwise silently shadow them.
//!
//! `lex.rs` is the lexer; this file the entry points and the operator
//! levels; `atom.rs` leaves, parentheses and calls; `postfix.rs`
//! subscripts and attributes.

use super::api::Kwargs;
use super::py::PyScalar;
use super::{BinaryOp, Expr, UnaryOp};
use crate::array::layout::Index;
use crate::array::Array;
use crate::error::{Error, Result};

mod atom;
mod lex;
mod postfix;
use lex::{lex, Tok, T};

/// The deepest nesting the string parser accepts (parentheses, brackets,
/// call arguments, prefix operators and `**` exponents, one level each).
pub const MAX_NESTING: usize = 200;

/// Names the parser reads as constants: no input may be bound to them.
pub const RESERVED: &[&str] = &["True", "False", "None", "inf", "nan"];

/// Longest piece of user text (a name, a literal) echoed in a message.
pub const CLIP: usize = 60;

/// `s`, or its first [`CLIP`]` - 1` characters and `…` if it is longer.
pub(crate) fn clip(s: &str) -> String {
    clip_to(s, CLIP)
}

/// `s` in at most `max` characters, ending in `…` if it was cut.
fn clip_to(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some(_) => {
            let end = s.char_indices().nth(max - 1).map_or(s.len(), |(i, _)| i);
            format!("{}…", &s[..end])
        }
    }
}

/// Checks the names bound as inputs: identifiers, distinct, not reserved.
pub(crate) fn check_input_names<T>(inputs: &[(&str, T)]) -> Result<()> {
    for (k, (name, _)) in inputs.iter().enumerate() {
        let mut cs = name.chars();
        let ident =
            cs.next().is_some_and(|c| c.is_alphabetic() || c == '_') && cs.all(|c| c.is_alphanumeric() || c == '_');
        if !ident {
            return Err(Error::Parse(format!(
                "input name '{}' is not an identifier",
                clip(name)
            )));
        }
        if RESERVED.contains(name) {
            return Err(Error::Parse(format!(
                "input name '{name}' is reserved: it is a constant in expressions"
            )));
        }
        if inputs[..k].iter().any(|(n, _)| n == name) {
            return Err(Error::Parse(format!("input '{}' is given twice", clip(name))));
        }
    }
    Ok(())
}

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
    ///
    /// // Input names that the parser reads as constants are refused.
    /// let err = Expr::parse("inf + 1", &[("inf", &a)]).unwrap_err();
    /// assert_eq!(err.to_string(), "input name 'inf' is reserved: it is a constant in expressions");
    ///
    /// // Nesting is bounded (see the module's limits).
    /// let deep = format!("{}a{}", "(".repeat(300), ")".repeat(300));
    /// let err = Expr::parse(&deep, &[("a", &a)]).unwrap_err();
    /// assert_eq!(err.to_string(), "1:200: expression nests too deeply: more than 200 levels");
    /// # Ok::<(), lazyfuse::Error>(())
    /// ```
    pub fn parse(src: &str, inputs: &[(&str, &Array)]) -> Result<Expr> {
        parse_expr(src, inputs).map_err(clip_message)
    }
}

/// A message no longer than a line: user text inside it is clipped where
/// it is formatted, and this catches what comes from elsewhere (an
/// `astype` string echoed by the dtype parser, a path).
pub(crate) fn clip_message(e: Error) -> Error {
    const MAX: usize = 4 * CLIP;
    let cut = |m: String| if m.chars().count() > MAX { clip_to(&m, MAX) } else { m };
    match e {
        Error::Shape(m) => Error::Shape(cut(m)),
        Error::Type(m) => Error::Type(cut(m)),
        Error::Parse(m) => Error::Parse(cut(m)),
        Error::UnknownName(m) => Error::UnknownName(clip(&m)),
        Error::Value(m) => Error::Value(cut(m)),
        Error::Npy(m) => Error::Npy(cut(m)),
        Error::Io(e) => Error::Io(e.map_message(cut)),
        Error::Internal(m) => Error::Internal(cut(m)),
    }
}

fn parse_expr(src: &str, inputs: &[(&str, &Array)]) -> Result<Expr> {
    check_input_names(inputs)?;
    let leaves: Vec<(&str, Expr)> = inputs.iter().map(|&(k, a)| (k, Expr::named(k, a))).collect();
    parse_leaves(src, &leaves)
}

/// Parses over named leaves (arrays, or the placeholders of
/// [`crate::Function::parse`]), whose names were checked.
pub(crate) fn parse_leaves(src: &str, inputs: &[(&str, Expr)]) -> Result<Expr> {
    let toks = lex(src)?;
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
        inputs,
    };
    let v = p.expr()?;
    if !p.at(&T::Eof) {
        return p.fail("an operator or end of input");
    }
    let e = p.value_expr(v, 0)?;
    // Surface build errors (shape/dtype) now, with the whole string's
    // context; they would also surface from eval. (Over placeholders they
    // surface when the compiled function is first called with shapes.)
    if !e.is_symbolic() {
        e.dtype()?;
    }
    Ok(e)
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
    /// Levels of nesting entered (see [`MAX_NESTING`]).
    depth: usize,
    inputs: &'a [(&'a str, Expr)],
}

/// Binary operator precedence levels, loosest first (Python's table); `**`
/// is parsed apart (right-associative, above unary minus).
const LEVELS: &[&[&str]] = &[
    &["<", "<=", ">", ">=", "==", "!="],
    &["|"],
    &["^"],
    &["&"],
    &["<<", ">>"],
    &["+", "-"],
    &["*", "/", "//", "%"],
];

/// The precedence level of a binary operator (an index into [`LEVELS`]).
fn level_of(o: &str) -> Option<usize> {
    LEVELS.iter().position(|l| l.contains(&o))
}

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
        if e.is_symbolic() {
            // Typed when the compiled function is called with shapes.
            return Ok(e);
        }
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

    // The functions on the recursive path (`expr` → `binary` → `unary` →
    // `power` → `parenthesized`/`call`/`attribute` → `expr`) keep only tokens and values in
    // their frames; everything that builds expressions or messages is in
    // `#[inline(never)]` helpers, so one nesting level costs little stack
    // even in unoptimised builds and [`MAX_NESTING`] levels fit easily.

    /// Enters one nesting level, opened by token `at`, refusing more than
    /// [`MAX_NESTING`].
    fn enter(&mut self, at: usize) -> Result<()> {
        if self.depth >= MAX_NESTING {
            return Err(self.too_deep(at));
        }
        self.depth += 1;
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn too_deep(&self, at: usize) -> Error {
        Error::Parse(format!(
            "{}: expression nests too deeply: more than {MAX_NESTING} levels",
            self.loc(at)
        ))
    }

    /// A whole (sub-)expression: one nesting level.
    /// Opened by the token before it (`(`, `,`, `=`), or the start.
    fn expr(&mut self) -> Result<V> {
        self.enter(self.pos.saturating_sub(1))?;
        let v = self.binary();
        self.depth -= 1;
        v
    }

    /// Operands joined by binary operators, by operator precedence with an
    /// explicit stack of pending left operands: no recursion per operator
    /// or per precedence level, so a chain of any length or mix costs one
    /// frame.
    fn binary(&mut self) -> Result<V> {
        // (left operand, its first token, operator, operator token, level)
        let mut pending: Vec<(V, usize, BinaryOp, usize, usize)> = vec![];
        let mut start = self.pos;
        let mut rhs = self.unary()?;
        let mut compared = false;
        loop {
            let level = match *self.peek() {
                T::Op(o) => level_of(o).map(|l| (l, o)),
                _ => None,
            };
            // Left-associative: fold what binds at least as tightly.
            while pending.last().is_some_and(|p| level.is_none_or(|(l, _)| p.4 >= l)) {
                let (lhs, lstart, op, at, _) = pending.pop().expect("checked non-empty");
                rhs = self.join(op, lhs, rhs, [lstart, at, start])?;
                start = lstart;
            }
            let Some((level, o)) = level else {
                return Ok(rhs);
            };
            if level == 0 {
                if compared {
                    return Err(self.chained());
                }
                compared = true;
            }
            pending.push((rhs, start, binop(o), self.pos, level));
            self.bump();
            start = self.pos;
            rhs = self.unary()?;
        }
    }

    #[cold]
    #[inline(never)]
    fn chained(&self) -> Error {
        Error::Parse(format!("{}: chained comparisons are not supported", self.loc(self.pos)))
    }

    /// `lhs op rhs`; `[lhs start, operator, rhs start]` are token indices
    /// for error positions.
    #[inline(never)]
    fn join(&self, op: BinaryOp, lhs: V, rhs: V, [start, at, rstart]: [usize; 3]) -> Result<V> {
        let a = self.value_expr(lhs, start)?;
        let b = self.value_expr(rhs, rstart)?;
        let e = match op {
            BinaryOp::Pow => a.power_operator(&b),
            _ => a.binary(op, &b),
        };
        Ok(V::E(self.check(e, at, &[&a, &b])?))
    }

    /// Prefix operators (each one nesting level, applied innermost first)
    /// and the power they apply to; a loop, not a recursion.
    fn unary(&mut self) -> Result<V> {
        let first = self.pos;
        while matches!(self.peek(), T::Op("-" | "+" | "~")) {
            self.enter(self.pos)?;
            self.bump();
        }
        let n = self.pos - first;
        let v = self.power();
        self.depth -= n;
        if n == 0 {
            v
        } else {
            self.prefix(first, v?)
        }
    }

    /// Applies the prefix operators at tokens `first..` (up to the operand
    /// at `self.pos`'s start) to `v`, innermost first.
    #[inline(never)]
    fn prefix(&self, first: usize, v: V) -> Result<V> {
        let mut k = first;
        while matches!(self.toks[k].0, T::Op("-" | "+" | "~")) {
            k += 1;
        }
        let mut x = self.value_expr(v, k)?;
        for at in (first..k).rev() {
            let u = match self.toks[at].0 {
                T::Op("-") => UnaryOp::Neg,
                T::Op("+") => UnaryOp::Pos,
                _ => UnaryOp::Invert,
            };
            x = self.check(x.unary(u), at, &[&x])?;
        }
        Ok(V::E(x))
    }

    /// An atom, its subscripts, attributes and method calls, and a `**`
    /// exponent (right-associative, one level deeper; `2**-1` is allowed).
    fn power(&mut self) -> Result<V> {
        let start = self.pos;
        let mut v = match self.peek() {
            T::Op("(") => self.parenthesized()?,
            T::Name(_) if matches!(self.toks.get(self.pos + 1), Some((T::Op("("), _, _))) => self.call()?,
            _ => self.leaf()?,
        };
        loop {
            if self.at_op("[") {
                v = self.subscript_of(v, start)?;
            } else if self.at_op(".") {
                v = self.attribute(v, start)?;
            } else {
                break;
            }
        }
        if !self.at_op("**") {
            return Ok(v);
        }
        let at = self.pos;
        self.bump();
        let s = self.pos;
        self.enter(at)?;
        let exp = self.unary();
        self.depth -= 1;
        self.join(BinaryOp::Pow, v, exp?, [start, at, s])
    }
}
