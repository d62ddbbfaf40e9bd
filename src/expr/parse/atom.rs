//! Atoms and calls: literals, constants and input names, parentheses and
//! tuples, function calls, and their arguments — positional ones and the
//! keywords (`axis=`, `keepdims=`, `ddof=`) checked into [`Kwargs`].
//!
//! Invariant: a nested expression (inside parentheses or call arguments)
//! is parsed through `Parser::expr`, which counts one nesting level, so the
//! parser's stack stays bounded.

use super::*;

impl Parser<'_> {
    /// `(x)`, `()` or a tuple `(x, y, ...)`, at the `(`.
    #[inline(never)]
    pub(super) fn parenthesized(&mut self) -> Result<V> {
        self.bump();
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

    /// `name(args)`, at the name.
    pub(super) fn call(&mut self) -> Result<V> {
        let at = self.pos;
        self.bump();
        self.bump();
        let (args, kw) = self.call_args()?;
        self.apply(at, args, kw)
    }

    /// Calls the function named by token `at`.
    #[inline(never)]
    fn apply(&self, at: usize, args: Vec<V>, kw: Kwargs) -> Result<V> {
        let T::Name(n) = &self.toks[at].0 else {
            unreachable!("power checked for a name")
        };
        let mut xs = vec![];
        for a in args {
            xs.push(self.value_expr(a, at)?);
        }
        let e = Expr::call(n, xs.clone(), &kw).map_err(|e| self.at_name(e, at, n))?;
        let refs: Vec<&Expr> = xs.iter().collect();
        Ok(V::E(self.check(e, at, &refs)?))
    }

    /// A literal, a constant or an input name.
    #[inline(never)]
    pub(super) fn leaf(&mut self) -> Result<V> {
        let at = self.pos;
        match self.bump().0 {
            T::Int(i) => Ok(V::E(Expr::weak(PyScalar::Int(i)))),
            T::Float(x) => Ok(V::E(Expr::weak(PyScalar::Float(x)))),
            T::Str(s) => Ok(V::Str(s)),
            T::Name(n) => match n.as_str() {
                "True" => Ok(V::E(Expr::weak(PyScalar::Bool(true)))),
                "False" => Ok(V::E(Expr::weak(PyScalar::Bool(false)))),
                "None" => Ok(V::None),
                "inf" => Ok(V::E(Expr::weak(PyScalar::Float(f64::INFINITY)))),
                "nan" => Ok(V::E(Expr::weak(PyScalar::Float(f64::NAN)))),
                _ => match self.inputs.iter().find(|(k, _)| *k == n) {
                    Some((_, leaf)) => Ok(V::E(leaf.clone())),
                    None => {
                        let names: Vec<&str> = self.inputs.iter().map(|(k, _)| *k).collect();
                        Err(Error::Parse(format!(
                            "{}: unknown name '{}' (inputs: {})",
                            self.loc(at),
                            clip(&n),
                            if names.is_empty() {
                                "none".to_string()
                            } else {
                                clip(&names.join(", "))
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

    /// Call arguments up to and including the `)`. Parsed first as
    /// `(keyword token, value token, value)` items, then interpreted apart
    /// (the recursive path stays small).
    pub(super) fn call_args(&mut self) -> Result<(Vec<V>, Kwargs)> {
        let mut items: Vec<(Option<usize>, usize, V)> = vec![];
        while !self.at_op(")") {
            if !items.is_empty() {
                self.expect_op(",")?;
                if self.at_op(")") {
                    break;
                }
            }
            let key = (matches!(self.peek(), T::Name(_))
                && matches!(self.toks.get(self.pos + 1), Some((T::Op("="), _, _))))
            .then_some(self.pos);
            if key.is_some() {
                self.bump();
                self.bump();
            }
            let vat = self.pos;
            items.push((key, vat, self.expr()?));
        }
        self.expect_op(")")?;
        self.keywords(items)
    }

    /// Splits call arguments into positional ones and [`Kwargs`].
    #[inline(never)]
    fn keywords(&self, items: Vec<(Option<usize>, usize, V)>) -> Result<(Vec<V>, Kwargs)> {
        let mut args = vec![];
        let mut kw = Kwargs::default();
        let mut keys: Vec<&str> = vec![];
        for (key, vat, v) in items {
            let Some(at) = key else {
                if !keys.is_empty() {
                    return Err(Error::Parse(format!(
                        "{}: expected a keyword argument (positional argument follows keyword argument), found {}",
                        self.loc(vat),
                        self.toks[vat].0
                    )));
                }
                args.push(v);
                continue;
            };
            let T::Name(key) = &self.toks[at].0 else {
                unreachable!("call_args checked for a name")
            };
            if keys.contains(&key.as_str()) {
                return Err(Error::Parse(format!(
                    "{}: keyword argument repeated: {}",
                    self.loc(at),
                    clip(key)
                )));
            }
            keys.push(key);
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
                        "{}: unexpected keyword argument '{}'",
                        self.loc(at),
                        clip(key)
                    )))
                }
            }
        }
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
}
