//! Lowering: expressions → a [`Graph`] plus what is bound to its inputs
//! (arrays, or sources read elsewhere), with shared sub-expressions once,
//! inputs in order of first appearance, and inputs handed over by value
//! taken out for donation. Iterative (an explicit stack): chains of any
//! depth lower without recursion.

use super::*;

/// Lowers several outputs into one graph (shared sub-expressions once).
pub fn lower(outputs: &[Expr]) -> Result<(Graph, Vec<Array>)> {
    let l = lower_full(outputs)?;
    Ok((l.graph, l.arrays))
}

/// A lowered expression: the graph, the arrays bound to its inputs (in the
/// order of `graph.inputs()`), and which of them were handed over by value
/// (`lazy(array)`), so a planner may overwrite them.
pub struct Lowered {
    /// The graph.
    pub graph: Graph,
    /// The input arrays.
    pub arrays: Vec<Array>,
    /// `donated[i]`: input `i` was handed over by value.
    pub donated: Vec<bool>,
}

/// [`lower()`], also reporting donated inputs (which stay in their leaves).
pub fn lower_full(outputs: &[Expr]) -> Result<Lowered> {
    lower_impl(outputs, false).map(|(l, _)| l)
}

/// Lowers for an evaluation that may reuse the memory of inputs handed
/// over by value: those are taken out of their leaves, so the evaluation
/// holds the only reference the expression had. Give each back with
/// [`Donation::restore`] unless its memory was reused.
pub fn lower_donating(outputs: &[Expr]) -> Result<(Lowered, Donation)> {
    lower_impl(outputs, true)
}

/// The leaves an evaluation took arrays out of (per graph input).
pub struct Donation {
    leaves: Vec<Option<Expr>>,
}

impl Donation {
    /// Puts input `i`'s array back into its leaf (its memory was not reused).
    pub fn restore(&self, i: usize, array: Array) {
        if let Some(Some(leaf)) = self.leaves.get(i) {
            if let ExprKind::Input { slot, .. } = &leaf.0.kind {
                if let Ok(mut s) = slot.lock() {
                    *s = Some(array);
                }
            }
        }
    }
}

/// A lowered expression whose inputs may be read from elsewhere (for the
/// streaming executor).
pub struct StreamLowered {
    /// The graph.
    pub graph: Graph,
    /// The inputs, in the order of `graph.inputs()`.
    pub(crate) inputs: Vec<Input>,
    /// `donated[i]`: input `i` was handed over by value.
    pub donated: Vec<bool>,
}

/// Lowers, keeping inputs read from elsewhere as they are (nothing is
/// taken out of the expression).
pub(crate) fn lower_stream(outputs: &[Expr]) -> Result<StreamLowered> {
    lower_inputs(outputs, false).map(|(l, _)| l)
}

fn lower_impl(outputs: &[Expr], take: bool) -> Result<(Lowered, Donation)> {
    let (l, donation) = lower_inputs(outputs, take)?;
    // Inputs read from elsewhere are read whole.
    let mut arrays = Vec::with_capacity(l.inputs.len());
    let mut failed = None;
    for i in l.inputs {
        match i.into_array() {
            Ok(a) => arrays.push(a),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    if let Some(e) = failed {
        for (i, a) in arrays.into_iter().enumerate() {
            donation.restore(i, a);
        }
        return Err(e);
    }
    Ok((
        Lowered {
            graph: l.graph,
            arrays,
            donated: l.donated,
        },
        donation,
    ))
}

fn lower_inputs(outputs: &[Expr], take: bool) -> Result<(StreamLowered, Donation)> {
    for o in outputs {
        o.dtype()?;
    }
    let mut cx = Lowering {
        g: Graph::new(),
        arrays: vec![],
        donated: vec![],
        take,
        taken: vec![],
        memo: HashMap::new(),
        inputs: HashMap::new(),
        reserved: std::collections::HashSet::new(),
    };
    // Names given by the user are not picked for unnamed inputs, whichever
    // comes first.
    {
        let mut stack: Vec<&Expr> = outputs.iter().collect();
        let mut seen = std::collections::HashSet::new();
        while let Some(e) = stack.pop() {
            if !seen.insert(Arc::as_ptr(&e.0)) {
                continue;
            }
            match &e.0.kind {
                ExprKind::Input { name: Some(n), .. } | ExprKind::Source { name: Some(n), .. } => {
                    cx.reserved.insert(n.clone());
                }
                ExprKind::Op { args, .. } => stack.extend(args.iter()),
                _ => {}
            }
        }
    }
    // Inputs first, in order of first appearance, so that the arena order
    // matches the text form (where inputs are declared in the header).
    let roots: Vec<Expr> = outputs.iter().map(|o| o.clone().strong()).collect();
    let mut stack: Vec<&Expr> = roots.iter().rev().collect();
    let mut seen = std::collections::HashSet::new();
    while let Some(e) = stack.pop() {
        if !seen.insert(Arc::as_ptr(&e.0)) {
            continue;
        }
        match &e.0.kind {
            ExprKind::Input { .. } | ExprKind::Source { .. } => {
                cx.node(e)?;
            }
            ExprKind::Op { args, .. } => stack.extend(args.iter().rev()),
            _ => {}
        }
    }
    let outs = match roots.iter().map(|o| cx.node(o)).collect::<Result<Vec<_>>>() {
        Ok(o) => o,
        Err(e) => {
            // Give back whatever was taken before failing.
            let d = Donation { leaves: cx.taken };
            for (i, a) in cx.arrays.into_iter().enumerate() {
                if let Input::Array(a) = a {
                    d.restore(i, a);
                }
            }
            return Err(e);
        }
    };
    cx.g.set_outputs(outs);
    Ok((
        StreamLowered {
            graph: cx.g,
            inputs: cx.arrays,
            donated: cx.donated,
        },
        Donation { leaves: cx.taken },
    ))
}

/// The "error" a symbolic node carries as its type: its shape (and so its
/// type) is known only when the compiled function is called.
/// An input's identity: name, buffer address and layout.
pub(crate) type InputKey = (Option<String>, usize, isize, Vec<usize>, Vec<isize>, DType);

struct Lowering {
    g: Graph,
    arrays: Vec<Input>,
    donated: Vec<bool>,
    /// Take donated arrays out of their leaves (for evaluation).
    take: bool,
    /// Per input: the leaf its array was taken from.
    taken: Vec<Option<Expr>>,
    memo: HashMap<*const ExprNode, NodeId>,
    /// Inputs deduplicated by (name, buffer, layout).
    inputs: HashMap<InputKey, NodeId>,
    /// The names of named inputs.
    reserved: std::collections::HashSet<String>,
}

impl Lowering {
    /// The graph node of `root`, lowering what is below it first — in
    /// post-order with an explicit stack, so chains of any depth lower
    /// without recursion.
    fn node(&mut self, root: &Expr) -> Result<NodeId> {
        let mut stack: Vec<(&Expr, bool)> = vec![(root, false)];
        while let Some((e, expanded)) = stack.pop() {
            if self.memo.contains_key(&Arc::as_ptr(&e.0)) {
                continue;
            }
            match &e.0.kind {
                ExprKind::Op { args, .. } if !expanded => {
                    stack.push((e, true));
                    stack.extend(args.iter().rev().map(|a| (a, false)));
                }
                _ => {
                    let id = self.node_once(e)?;
                    self.memo.insert(Arc::as_ptr(&e.0), id);
                }
            }
        }
        Ok(self.memo[&Arc::as_ptr(&root.0)])
    }

    /// Lowers one node whose operands are already lowered.
    fn node_once(&mut self, e: &Expr) -> Result<NodeId> {
        let id = match &e.0.kind {
            ExprKind::Error => return Err(e.0.ty.clone().expect_err("error node")),
            ExprKind::Placeholder { .. } | ExprKind::Deferred { .. } => return Err(unknown_until_called()),
            ExprKind::Weak(v) => self.g.constant(v.to_scalar(v.default_dtype())?),
            ExprKind::Input { name, slot, owned, key } => {
                if let Some(&id) = self.inputs.get(key) {
                    // The same array twice: not donatable.
                    if let Some(i) = self.g.inputs().iter().position(|&x| x == id) {
                        self.donated[i] &= *owned;
                    }
                    id
                } else {
                    let k = key.clone();
                    let taken = |n: &str| self.g.inputs().iter().any(|&i| self.g.input_name(i) == Some(n));
                    let nm = match name {
                        Some(n) if taken(n) => {
                            return Err(Error::Shape(format!(
                                "input name '{n}' is bound to two different arrays"
                            )))
                        }
                        Some(n) => n.clone(),
                        None => (0..)
                            .map(|k| format!("x{k}"))
                            .find(|n| !taken(n) && !self.reserved.contains(n))
                            .expect("a free name"),
                    };
                    let donate = *owned && self.take;
                    let array = {
                        let mut s = slot.lock().map_err(|_| Error::Internal("input slot poisoned".into()))?;
                        if donate {
                            s.take()
                        } else {
                            s.clone()
                        }
                    };
                    let array = array.ok_or_else(|| {
                        Error::Value(format!(
                            "input '%{nm}' was handed over by value (lazy(array)) and its memory was reused by an \
                             earlier evaluation (or is in use by one now); use lazy(&array) to evaluate an expression \
                             more than once"
                        ))
                    })?;
                    // (Cannot fail: the name was checked above.)
                    let id = self.g.add_input(&nm, array.dtype(), array.shape())?;
                    self.arrays.push(Input::Array(array));
                    self.donated.push(*owned);
                    self.taken.push(donate.then(|| e.clone()));
                    self.inputs.insert(k, id);
                    id
                }
            }
            ExprKind::Source { name, src } => {
                let (dt, shape, strides) = src.layout();
                let key = (
                    name.clone(),
                    Arc::as_ptr(src) as *const u8 as usize,
                    0,
                    shape.to_vec(),
                    strides.to_vec(),
                    dt,
                );
                if let Some(&id) = self.inputs.get(&key) {
                    id
                } else {
                    let taken = |n: &str| self.g.inputs().iter().any(|&i| self.g.input_name(i) == Some(n));
                    let nm = match name {
                        Some(n) if taken(n) => {
                            return Err(Error::Shape(format!(
                                "input name '{n}' is bound to two different arrays"
                            )))
                        }
                        Some(n) => n.clone(),
                        None => (0..)
                            .map(|k| format!("x{k}"))
                            .find(|n| !taken(n) && !self.reserved.contains(n))
                            .expect("a free name"),
                    };
                    let id = self.g.add_input(&nm, dt, shape)?;
                    self.arrays.push(Input::Source(src.clone()));
                    self.donated.push(false);
                    self.taken.push(None);
                    self.inputs.insert(key, id);
                    id
                }
            }
            ExprKind::Op { op, args } => {
                let a: Vec<NodeId> = args.iter().map(|x| self.memo[&Arc::as_ptr(&x.0)]).collect();
                self.g.add(op.clone(), &a)?
            }
        };
        Ok(id)
    }
}
