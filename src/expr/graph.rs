//! The graph IR: a typed DAG of [`Op`]s with hash-consing.
//!
//! Nodes live in a petgraph arena in insertion order, which is a topological
//! order (operands are always inserted before their users and nodes are
//! never removed; passes build a new graph). Every node carries its dtype and
//! shape, computed by [`Graph::add`] from the op table's type rules, so an
//! ill-typed graph cannot be built — by the front end or by the IR parser.
//!
//! Invariant: operands already have the dtype the op computes in (the front
//! end inserts explicit `cast` nodes), so later stages never convert
//! implicitly.
//!
//! Text form (the `graph` stage):
//!
//! ```text
//! graph @f(%a: f64[1024], %b: f64[1024]) {
//!     %0 = mul %a, %b : f64[1024]
//!     %1 = sum %0, axes=[0] : f64[]
//!     return %1
//! }
//! ```

use super::ops::{binary_types, unary_types, Op};
use crate::array::layout::{self, broadcast_shapes, check_permutation, shape_str};
use crate::array::{DType, Scalar};
use crate::error::{shape_err, type_err, Error, Result};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use std::collections::HashMap;
use std::fmt;

/// A node of a [`Graph`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub(crate) u32);

impl NodeId {
    /// The arena index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
    fn ix(self) -> NodeIndex {
        NodeIndex::new(self.0 as usize)
    }
}

/// One operation with its operands and result type.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// What it computes.
    pub op: Op,
    /// Operands, in order.
    pub args: Vec<NodeId>,
    /// Result dtype.
    pub dtype: DType,
    /// Result shape.
    pub shape: Vec<usize>,
}

/// A typed expression DAG with named inputs and one or more outputs.
#[derive(Clone, Default)]
pub struct Graph {
    dag: DiGraph<Node, u8>,
    inputs: Vec<NodeId>,
    outputs: Vec<NodeId>,
    intern: HashMap<(Op, Vec<NodeId>), NodeId>,
}

impl PartialEq for Graph {
    fn eq(&self, other: &Graph) -> bool {
        self.len() == other.len()
            && self.inputs == other.inputs
            && self.outputs == other.outputs
            && self.ids().all(|id| self.node(id) == other.node(id))
    }
}

impl fmt::Debug for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Graph {
        Graph::default()
    }

    /// Number of nodes (inputs included).
    pub fn len(&self) -> usize {
        self.dag.node_count()
    }
    /// True when there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// All node ids in topological (arena) order.
    pub fn ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.len() as u32).map(NodeId)
    }
    /// A node.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.dag[id.ix()]
    }
    /// The input nodes, in declaration order.
    pub fn inputs(&self) -> &[NodeId] {
        &self.inputs
    }
    /// The outputs, in order.
    pub fn outputs(&self) -> &[NodeId] {
        &self.outputs
    }
    /// Sets the outputs.
    pub fn set_outputs(&mut self, outs: Vec<NodeId>) {
        self.outputs = outs;
    }
    /// The name of an input node.
    pub fn input_name(&self, id: NodeId) -> Option<&str> {
        match &self.node(id).op {
            Op::Input(n) => Some(n),
            _ => None,
        }
    }
    /// The users of a node (each once, in arena order).
    pub fn users(&self, id: NodeId) -> Vec<NodeId> {
        let mut u: Vec<NodeId> = self
            .dag
            .edges(id.ix())
            .map(|e| NodeId(e.target().index() as u32))
            .collect();
        u.sort();
        u.dedup();
        u
    }

    /// Declares an input of the given type. Names must be unique.
    pub fn add_input(&mut self, name: &str, dtype: DType, shape: &[usize]) -> Result<NodeId> {
        if self.inputs.iter().any(|&i| self.input_name(i) == Some(name)) {
            return Err(Error::Parse(format!("input '%{name}' is declared twice")));
        }
        crate::array::layout::checked_bytes(shape, dtype.size())?;
        let id = self.push(Node {
            op: Op::Input(name.to_string()),
            args: vec![],
            dtype,
            shape: shape.to_vec(),
        });
        self.inputs.push(id);
        Ok(id)
    }

    /// A 0-d constant.
    pub fn constant(&mut self, v: Scalar) -> NodeId {
        self.add(Op::Const(v), &[]).expect("constants always type-check")
    }

    /// Adds (or finds, by hash-consing) the node `op(args)`, checking types
    /// and shapes. Errors name the op.
    pub fn add(&mut self, op: Op, args: &[NodeId]) -> Result<NodeId> {
        if let Op::Input(name) = &op {
            return Err(Error::Parse(format!(
                "input '%{name}' must be declared in the graph header"
            )));
        }
        if args.len() != op.arity() {
            return Err(Error::Parse(format!(
                "{} takes {} operands, got {}",
                op.mnemonic(),
                op.arity(),
                args.len()
            )));
        }
        if let Some(bad) = args.iter().find(|a| a.index() >= self.len()) {
            return Err(Error::Internal(format!("operand {bad:?} does not exist")));
        }
        let key = (op, args.to_vec());
        if let Some(&id) = self.intern.get(&key) {
            return Ok(id);
        }
        let (op, args) = key;
        let types: Vec<(DType, &[usize])> = args
            .iter()
            .map(|&a| (self.node(a).dtype, &self.node(a).shape[..]))
            .collect();
        let (dtype, shape) = infer_type(&op, &types)?;
        let id = self.push(Node {
            op: op.clone(),
            args: args.clone(),
            dtype,
            shape,
        });
        self.intern.insert((op, args), id);
        Ok(id)
    }

    fn push(&mut self, node: Node) -> NodeId {
        let args = node.args.clone();
        let id = NodeId(self.dag.add_node(node).index() as u32);
        for (pos, a) in args.iter().enumerate() {
            self.dag.add_edge(a.ix(), id.ix(), pos as u8);
        }
        id
    }

    /// Builds a new graph from the nodes reachable from the outputs, letting
    /// `f` re-create each non-input node from its already-mapped operands.
    /// Inputs are carried over in order. This is how passes rewrite.
    pub fn rebuild(&self, mut f: impl FnMut(&mut Graph, &Node, &[NodeId]) -> Result<NodeId>) -> Result<Graph> {
        let mut live = vec![false; self.len()];
        for &o in &self.outputs {
            live[o.index()] = true;
        }
        for id in self.ids().collect::<Vec<_>>().into_iter().rev() {
            if live[id.index()] {
                for &a in &self.node(id).args {
                    live[a.index()] = true;
                }
            }
        }
        let mut out = Graph::new();
        let mut map: Vec<Option<NodeId>> = vec![None; self.len()];
        for &i in &self.inputs {
            let n = self.node(i);
            map[i.index()] = Some(out.add_input(self.input_name(i).expect("input"), n.dtype, &n.shape)?);
        }
        for id in self.ids() {
            if !live[id.index()] || map[id.index()].is_some() {
                continue;
            }
            let node = self.node(id);
            let args: Vec<NodeId> = node
                .args
                .iter()
                .map(|a| map[a.index()].expect("operand mapped"))
                .collect();
            map[id.index()] = Some(f(&mut out, node, &args)?);
        }
        out.outputs = self
            .outputs
            .iter()
            .map(|o| map[o.index()].expect("output mapped"))
            .collect();
        Ok(out)
    }

    /// Inserts a cast unless `id` already has dtype `to`.
    pub fn cast(&mut self, id: NodeId, to: DType) -> Result<NodeId> {
        if self.node(id).dtype == to {
            Ok(id)
        } else {
            self.add(Op::Cast(to), &[id])
        }
    }

    /// Parses the `graph` text form.
    pub fn parse(text: &str) -> Result<Graph> {
        super::graph_text::parse_graph(text)
    }
}

/// The type rule of every op: result dtype and shape from the operands'
/// dtypes and shapes. Shared by [`Graph::add`] and the expression front end.
pub fn infer_type(op: &Op, args: &[(DType, &[usize])]) -> Result<(DType, Vec<usize>)> {
    let (dtype, shape) = infer_type_unsized(op, args)?;
    // A result whose element count or byte size overflows is an error
    // wherever it is built (NumPy: "array is too big"), so no later stage
    // computes a size, a stride or a loop bound that wraps.
    crate::array::layout::checked_bytes(&shape, dtype.size())?;
    Ok((dtype, shape))
}

fn infer_type_unsized(op: &Op, args: &[(DType, &[usize])]) -> Result<(DType, Vec<usize>)> {
    struct T<'a> {
        dtype: DType,
        shape: &'a [usize],
    }
    let n = |i: usize| T {
        dtype: args[i].0,
        shape: args[i].1,
    };
    let name = op.mnemonic();
    Ok(match op {
        Op::Input(_) => unreachable!("inputs are added by add_input"),
        Op::Const(v) => (v.dtype(), vec![]),
        Op::Unary(u) => {
            let t = n(0).dtype;
            let (c, r) = unary_types(*u, t)?;
            if c != t {
                return type_err!("{name} computes in {c}: cast its {t} operand first");
            }
            (r, n(0).shape.to_vec())
        }
        Op::Binary(b) => {
            let (t, t1) = (n(0).dtype, n(1).dtype);
            if t != t1 {
                return type_err!("{name} needs operands of one dtype, got {t} and {t1}");
            }
            let (c, r) = binary_types(*b, t)?;
            if c != t {
                return type_err!("{name} computes in {c}: cast its {t} operands first");
            }
            (r, broadcast(name, n(0).shape, n(1).shape)?)
        }
        Op::Where => {
            if n(0).dtype != DType::Bool {
                return type_err!("where needs a bool condition, got {}", n(0).dtype);
            }
            if n(1).dtype != n(2).dtype {
                return type_err!(
                    "where needs branches of one dtype, got {} and {}",
                    n(1).dtype,
                    n(2).dtype
                );
            }
            let s = broadcast(name, n(0).shape, n(1).shape)?;
            (n(1).dtype, broadcast(name, &s, n(2).shape)?)
        }
        Op::Cast(d) => (*d, n(0).shape.to_vec()),
        Op::Reduce {
            op: r,
            axes,
            keepdims,
            ddof,
        } => {
            let s = n(0).shape;
            let t = n(0).dtype;
            if axes.windows(2).any(|w| w[0] >= w[1]) || axes.iter().any(|&a| a >= s.len()) {
                return shape_err!("{name}: axes {:?} are invalid for shape {}", axes, shape_str(s));
            }
            if r.single_axis() && axes.len() > 1 {
                return shape_err!("{name} takes a single axis, got {:?}", axes);
            }
            if !r.has_ddof() && *ddof != 0 {
                return type_err!("{name} takes no ddof");
            }
            let whole = r.single_axis() && axes.is_empty();
            let reduced = |i: usize| whole || axes.contains(&i);
            if r.needs_nonempty() && s.iter().enumerate().any(|(i, &d)| d == 0 && reduced(i)) {
                return shape_err!("zero-size array to reduction operation {name} which has no identity");
            }
            let shape = if *keepdims {
                s.iter()
                    .enumerate()
                    .map(|(i, &d)| if reduced(i) { 1 } else { d })
                    .collect()
            } else {
                s.iter()
                    .enumerate()
                    .filter(|&(i, _)| !reduced(i))
                    .map(|(_, &d)| d)
                    .collect()
            };
            (r.result_dtype(t), shape)
        }
        Op::Index(ix) => {
            let s = n(0).shape;
            let strides = layout::c_strides(s);
            (
                n(0).dtype,
                layout::apply_index(s, &strides, ix).map_err(|e| prefix(name, e))?.shape,
            )
        }
        Op::Permute(p) => {
            check_permutation(p, n(0).shape.len()).map_err(|e| prefix(name, e))?;
            (n(0).dtype, p.iter().map(|&a| n(0).shape[a]).collect())
        }
        Op::Broadcast(to) => {
            let s = n(0).shape;
            if layout::broadcast_strides(s, &layout::c_strides(s), to).is_none() {
                return shape_err!("cannot broadcast shape {} to {}", shape_str(s), shape_str(to));
            }
            (n(0).dtype, to.clone())
        }
        Op::Reshape(to) => {
            let from: usize = n(0).shape.iter().product();
            if layout::numel(to)? != from {
                return shape_err!("cannot reshape array of size {from} into shape {}", shape_str(to));
            }
            (n(0).dtype, to.clone())
        }
    })
}

fn prefix(name: &str, e: Error) -> Error {
    match e {
        Error::Shape(m) => Error::Shape(format!("{name}: {m}")),
        e => e,
    }
}

fn broadcast(name: &str, a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    match broadcast_shapes(a, b) {
        Some(s) => Ok(s),
        None => shape_err!("shape mismatch in {name}: {} vs {}", shape_str(a), shape_str(b)),
    }
}

/// `f64[2, 3]`.
pub fn type_str(dtype: DType, shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("{dtype}[{}]", dims.join(", "))
}

impl fmt::Display for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::graph_text::write_graph(f, self)
    }
}
