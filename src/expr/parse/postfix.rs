//! What follows an operand: subscripts (`x[1:, ::-1, None, ...]`, slices
//! with optional negative bounds) and attributes (`x.T`, `x.real`,
//! `x.astype('f4')`, method calls such as `x.sum(axis=0)`, which go through
//! the same `Expr::call` table as function calls).
//!
//! Invariant: a method call is the function call with the operand first,
//! so the two spellings cannot disagree.

use super::*;

impl Parser<'_> {
    /// `v[...]`, at the `[`.
    #[inline(never)]
    pub(super) fn subscript_of(&mut self, v: V, start: usize) -> Result<V> {
        let at = self.pos;
        self.bump();
        let ix = self.subscripts()?;
        let x = self.value_expr(v, start)?;
        Ok(V::E(self.check(x.slice(&ix), at, &[&x])?))
    }

    /// `v.name` or `v.name(args)`, at the `.`.
    pub(super) fn attribute(&mut self, v: V, start: usize) -> Result<V> {
        self.bump();
        let at = self.pos;
        if !matches!(self.peek(), T::Name(_)) {
            return self.fail("an attribute name");
        }
        self.bump();
        let call = if self.at_op("(") {
            self.bump();
            Some(self.call_args()?)
        } else {
            None
        };
        self.method(v, start, at, call)
    }

    /// Applies attribute `at` (a name token) of `v`, called with `call`.
    #[inline(never)]
    fn method(&self, v: V, start: usize, at: usize, call: Option<(Vec<V>, Kwargs)>) -> Result<V> {
        let T::Name(name) = &self.toks[at].0 else {
            unreachable!("attribute checked for a name")
        };
        let x = self.value_expr(v, start)?;
        Ok(V::E(match (name.as_str(), call) {
            ("T", None) => x.t(),
            ("real", None) => x.real(),
            ("imag", None) => x.imag(),
            ("astype", Some((mut args, _))) => match (args.pop(), args.is_empty()) {
                (Some(V::Str(s)), true) => x
                    .astype_named(&s)
                    .map_err(|e| Error::Parse(format!("{}: {e}", self.loc(at))))?,
                _ => return Err(Error::Parse(format!("{}: astype takes one dtype string", self.loc(at)))),
            },
            (_, Some((args, kw))) => {
                let mut all = vec![x.clone()];
                for a in args {
                    all.push(self.value_expr(a, at)?);
                }
                let e = Expr::call(name, all, &kw).map_err(|e| self.at_name(e, at, name))?;
                self.check(e, at, &[&x])?
            }
            (_, None) => {
                return Err(Error::Parse(format!(
                    "{}: unknown attribute '{}'",
                    self.loc(at),
                    clip(name)
                )))
            }
        }))
    }

    pub(super) fn at_name(&self, e: Error, at: usize, name: &str) -> Error {
        match e {
            Error::UnknownName(_) => Error::Parse(format!("{}: unknown function '{}'", self.loc(at), clip(name))),
            Error::Parse(m) => Error::Parse(format!("{}: {m}", self.loc(at))),
            e => e,
        }
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
