//! The fuser: groups nodes into kernels with the reductions they feed, and
//! builds each kernel's SSA body.

use super::*;

pub(super) struct Fuser<'g> {
    g: &'g Graph,
    /// Value of a node that is read from memory (inputs, boundary results,
    /// expensive materialized values).
    val: Vec<Option<Val>>,
    tmps: Vec<(DType, Vec<usize>)>,
    /// `anc[n]`: every node `n` depends on (bitset over node ids).
    anc: Vec<Vec<u64>>,
}

impl<'g> Fuser<'g> {
    pub(super) fn new(g: &'g Graph) -> Fuser<'g> {
        let n = g.len();
        let words = n.div_ceil(64).max(1);
        let mut anc = vec![vec![0u64; words]; n];
        for id in g.ids() {
            let mut set = vec![0u64; words];
            for &a in &g.node(id).args {
                set[a.index() / 64] |= 1 << (a.index() % 64);
                for (w, x) in set.iter_mut().zip(&anc[a.index()]) {
                    *w |= x;
                }
            }
            anc[id.index()] = set;
        }
        Fuser {
            g,
            val: vec![None; n],
            tmps: vec![],
            anc,
        }
    }

    fn depends(&self, n: NodeId, on: NodeId) -> bool {
        n == on || self.anc[n.index()][on.index() / 64] >> (on.index() % 64) & 1 == 1
    }

    fn new_tmp(&mut self, id: NodeId) -> u32 {
        let n = self.g.node(id);
        self.tmps.push((n.dtype, n.shape.clone()));
        self.tmps.len() as u32 - 1
    }

    /// Cost of computing `root` from the nodes that are read from memory
    /// (each path counted: a node used twice costs twice). Post-order with
    /// an explicit stack, so chains of any depth cost no recursion.
    fn cost(&self, root: NodeId, own: NodeId, memo: &mut HashMap<NodeId, u32>) -> u32 {
        let read = |id: NodeId| id != own && self.val[id.index()].is_some();
        if read(root) {
            return 0;
        }
        let mut stack = vec![(root, false)];
        while let Some((id, expanded)) = stack.pop() {
            if memo.contains_key(&id) {
                continue;
            }
            let n = self.g.node(id);
            if !expanded {
                stack.push((id, true));
                stack.extend(n.args.iter().filter(|&&a| !read(a)).map(|&a| (a, false)));
                continue;
            }
            let here = match &n.op {
                Op::Input(_) | Op::Const(_) => 0,
                op if op.is_view() => 0,
                op => {
                    let t = n.args.first().map_or(n.dtype, |&a| self.g.node(a).dtype);
                    if op.is_call(t) {
                        CALL_COST
                    } else {
                        1
                    }
                }
            };
            let c = n
                .args
                .iter()
                .fold(here, |acc, &a| acc.saturating_add(if read(a) { 0 } else { memo[&a] }));
            memo.insert(id, c);
        }
        memo[&root]
    }

    /// Nodes computed in `root`'s kernel, and the nodes it reads.
    fn region(&self, root: NodeId) -> (Vec<NodeId>, Vec<NodeId>) {
        let mut inner = vec![];
        let mut reads = vec![];
        let mut seen = vec![false; self.g.len()];
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut seen[id.index()], true) {
                continue;
            }
            if id != root && self.val[id.index()].is_some() {
                reads.push(id);
                continue;
            }
            inner.push(id);
            stack.extend(self.g.node(id).args.iter().copied());
        }
        inner.sort();
        reads.sort();
        (inner, reads)
    }

    pub(super) fn run(mut self) -> Result<Program> {
        let g = self.g;
        let inputs: Vec<(String, DType, Vec<usize>)> = g
            .inputs()
            .iter()
            .map(|&i| {
                let n = g.node(i);
                (g.input_name(i).expect("input").to_string(), n.dtype, n.shape.clone())
            })
            .collect();
        for (k, &i) in g.inputs().iter().enumerate() {
            self.val[i.index()] = Some(Val::Input(k as u32));
        }
        // Materialized nodes: outputs and operands of boundaries.
        let mut must = vec![false; g.len()];
        for &o in g.outputs() {
            must[o.index()] = true;
        }
        for id in g.ids() {
            if is_boundary(g, id) {
                must[g.node(id).args[0].index()] = true;
            }
        }
        materialize_partly_read_pows(g, &mut must);
        bound_kernel_depth(g, &mut must);
        // Assign temporaries in node order: boundary results, then kernel roots.
        let mut roots = vec![];
        for id in g.ids() {
            let n = g.node(id);
            if matches!(n.op, Op::Input(_)) {
                continue;
            }
            if is_boundary(g, id) {
                let t = self.new_tmp(id);
                self.val[id.index()] = Some(Val::Tmp(t));
            } else if must[id.index()] || is_fused_reduce(g, id) {
                roots.push(id);
            }
        }
        // Graph outputs that are inputs get a copy kernel.
        for &o in g.outputs() {
            if matches!(g.node(o).op, Op::Input(_)) && !roots.contains(&o) {
                roots.push(o);
            }
        }
        let mut root_tmp: HashMap<NodeId, u32> = HashMap::new();
        for &r in &roots {
            let t = self.new_tmp(r);
            root_tmp.insert(r, t);
        }
        // Reduction results are always read from memory by their users;
        // expensive roots too.
        let mut expensive = vec![];
        for &r in &roots {
            if is_fused_reduce(g, r) {
                expensive.push(r);
                continue;
            }
            if matches!(g.node(r).op, Op::Input(_)) {
                continue;
            }
            let c = self.cost(r, r, &mut HashMap::new());
            if c > RECOMPUTE_LIMIT {
                expensive.push(r);
            }
        }
        for &r in &expensive {
            self.val[r.index()] = Some(Val::Tmp(root_tmp[&r]));
        }
        // Group roots into kernels.
        struct Group {
            roots: Vec<NodeId>,
            inner: Vec<NodeId>,
            reads: Vec<NodeId>,
        }
        let mut groups: Vec<Group> = vec![];
        for &r in &roots {
            let (inner, reads) = if matches!(g.node(r).op, Op::Input(_)) {
                (vec![r], vec![r])
            } else {
                self.region(r)
            };
            // Merging must not make a kernel read what it writes.
            let conflict = |gr: &Group| {
                gr.roots.iter().any(|&q| reads.iter().any(|&s| self.depends(s, q)))
                    || gr.reads.iter().any(|&s| self.depends(s, r))
            };
            // One pass over shared work or shared operands: same iteration
            // space, and a common computed node or a common operand.
            let target = groups.iter().position(|gr| {
                iter_shape(g, gr.roots[0]) == iter_shape(g, r)
                    && (gr.inner.iter().any(|x| inner.binary_search(x).is_ok())
                        || gr.reads.iter().any(|x| reads.binary_search(x).is_ok()))
                    && !conflict(gr)
            });
            match target {
                Some(k) => {
                    let gr = &mut groups[k];
                    gr.roots.push(r);
                    gr.inner.extend(inner);
                    gr.inner.sort();
                    gr.inner.dedup();
                    gr.reads.extend(reads);
                    gr.reads.sort();
                    gr.reads.dedup();
                }
                None => groups.push(Group {
                    roots: vec![r],
                    inner,
                    reads,
                }),
            }
        }
        // Build kernel bodies.
        let mut kernels: Vec<(Kernel, Vec<NodeId>, Vec<NodeId>)> = vec![];
        for gr in &groups {
            let shape = iter_shape(g, gr.roots[0]).to_vec();
            let mut b = BodyBuilder {
                f: &self,
                body: vec![],
                memo: HashMap::new(),
                dedup: HashMap::new(),
                rank: shape.len(),
            };
            let mut stores = vec![];
            let mut reds = vec![];
            for &r in &gr.roots {
                if is_fused_reduce(g, r) {
                    reds.push(b.reduction(r, root_tmp[&r]));
                } else {
                    let v = b.inst(r, &Affine::identity(shape.len()), Some(r));
                    stores.push((root_tmp[&r], v));
                }
            }
            let body = b.body;
            kernels.push((
                Kernel {
                    shape,
                    body,
                    stores,
                    reds,
                },
                gr.reads.clone(),
                gr.inner.clone(),
            ));
        }
        // Auxiliary accumulators (var/std sums, argmin/argmax best values)
        // get temporaries after the others.
        for (k, _, _) in &mut kernels {
            for red in &mut k.reds {
                if let Some((_, v)) = red.aux {
                    let mut ty = self.tmps[red.tmp as usize].clone();
                    if red.op.single_axis() {
                        ty.0 = k.body[red.val].dtype;
                    }
                    self.tmps.push(ty);
                    red.aux = Some((self.tmps.len() as u32 - 1, v));
                }
            }
        }

        // Schedule: kernels and boundary nodes in dependency order.
        enum Pending {
            K(Kernel, Vec<NodeId>, Vec<NodeId>),
            N(NodeId),
        }
        let mut pending: Vec<(NodeId, Pending)> = vec![];
        for (k, reads, inner) in kernels {
            let key = groups_min_root(&k, &root_tmp);
            pending.push((key, Pending::K(k, reads, inner)));
        }
        for id in g.ids() {
            if is_boundary(g, id) {
                pending.push((id, Pending::N(id)));
            }
        }
        pending.sort_by_key(|p| p.0);
        let mut ready = vec![false; self.tmps.len()];
        let mut steps = vec![];
        let mut kernel_nodes = vec![];
        let tmp_of = |s: &Self, id: NodeId| -> Option<u32> {
            match s.val[id.index()] {
                Some(Val::Tmp(t)) => Some(t),
                Some(Val::Input(_)) => None,
                None => root_tmp.get(&id).copied(),
            }
        };
        while !pending.is_empty() {
            let pos = pending
                .iter()
                .position(|(_, p)| match p {
                    Pending::K(_, reads, _) => reads
                        .iter()
                        .all(|&s| tmp_of(&self, s).is_none_or(|t| ready[t as usize])),
                    Pending::N(id) => {
                        let a = g.node(*id).args[0];
                        tmp_of(&self, a).is_none_or(|t| ready[t as usize]) || matches!(g.node(a).op, Op::Input(_))
                    }
                })
                .expect("fusion groups form a DAG");
            let (_, p) = pending.remove(pos);
            match p {
                Pending::K(k, _, inner) => {
                    for t in k.writes() {
                        if let Some(r) = ready.get_mut(t as usize) {
                            *r = true;
                        }
                    }
                    steps.push(Step::Kernel(k));
                    kernel_nodes.push(inner);
                }
                Pending::N(id) => {
                    let n = g.node(id);
                    let a = n.args[0];
                    let arg = match g.node(a).op {
                        Op::Input(_) => self.val[a.index()].expect("input"),
                        _ => Val::Tmp(tmp_of(&self, a).expect("materialized operand")),
                    };
                    let out = tmp_of(&self, id).expect("boundary tmp");
                    ready[out as usize] = true;
                    steps.push(Step::Node {
                        out,
                        op: n.op.clone(),
                        arg,
                    });
                }
            }
        }
        let outputs = g
            .outputs()
            .iter()
            .map(|&o| match root_tmp.get(&o) {
                Some(&t) => Val::Tmp(t),
                None => self.val[o.index()].expect("output value"),
            })
            .collect();
        let computed = g
            .ids()
            .filter(|&id| !matches!(g.node(id).op, Op::Input(_) | Op::Const(_)))
            .count();
        let eliminated = computed.saturating_sub(self.tmps.len());
        Ok(Program {
            inputs,
            tmps: self.tmps,
            steps,
            outputs,
            eliminated,
            kernel_nodes,
        })
    }
}

pub(super) fn groups_min_root(k: &Kernel, root_tmp: &HashMap<NodeId, u32>) -> NodeId {
    let tmps: Vec<u32> = k.writes();
    root_tmp
        .iter()
        .filter(|(_, t)| tmps.contains(t))
        .map(|(&n, _)| n)
        .max()
        .expect("kernel has a root")
}

pub(super) struct BodyBuilder<'a, 'g> {
    f: &'a Fuser<'g>,
    body: Vec<KInst>,
    memo: HashMap<(NodeId, Affine), usize>,
    dedup: HashMap<String, usize>,
    rank: usize,
}

impl BodyBuilder<'_, '_> {
    /// The body of reduction root `r` (writing `tmp`); the temporary of a
    /// `var`/`std` auxiliary sum is assigned later.
    fn reduction(&mut self, r: NodeId, tmp: u32) -> KRed {
        let g = self.f.g;
        let n = g.node(r);
        let Op::Reduce { op, axes, ddof, .. } = &n.op else {
            unreachable!("a reduction root")
        };
        let arg = n.args[0];
        let at = g.node(arg).dtype;
        let rank = self.rank;
        let x = self.inst(arg, &Affine::identity(rank), None);
        let rd = n.dtype;
        let mut aux = None;
        if op.single_axis() {
            // argmin/argmax: the value as it is, and its index along the
            // one reduced axis, or C-order over all axes (`axes` empty:
            // flattened). The best value goes to an aux temporary.
            let shape = &g.node(arg).shape;
            let all: Vec<usize> = (0..rank).collect();
            let red: Vec<usize> = if axes.is_empty() { all } else { axes.clone() };
            let mut coef = vec![0isize; rank];
            let mut w = 1isize;
            for &a in red.iter().rev() {
                coef[a] = w;
                w *= shape[a] as isize;
            }
            let map = Affine {
                rows: vec![AffineRow { off: 0, coef }],
            };
            let i = self.push(KOp::Index(map), DType::I64);
            return KRed {
                tmp,
                op: *op,
                axes: red,
                ddof: 0,
                val: x,
                aux: Some((u32::MAX, i)),
            };
        }
        let val = match op {
            ReduceOp::Any | ReduceOp::All if at == DType::Bool => x,
            ReduceOp::Any | ReduceOp::All => {
                let z = self.push(KOp::Const(Scalar::zero(at)), at);
                self.push(KOp::Binary(BinaryOp::Ne, x, z), DType::Bool)
            }
            ReduceOp::Var | ReduceOp::Std => {
                // K: the operand at reduced index 0.
                let mut m = Affine::identity(rank);
                for &a in axes {
                    m.rows[a].coef[a] = 0;
                }
                let k = self.inst(arg, &m, None);
                let (xc, kc) = if at == rd {
                    (x, k)
                } else {
                    (self.push(KOp::Cast(x), rd), self.push(KOp::Cast(k), rd))
                };
                let d = self.push(KOp::Binary(BinaryOp::Sub, xc, kc), rd);
                aux = Some(d);
                self.push(KOp::Binary(BinaryOp::Mul, d, d), rd)
            }
            _ if at == rd => x,
            _ => self.push(KOp::Cast(x), rd),
        };
        KRed {
            tmp,
            op: *op,
            axes: axes.clone(),
            ddof: *ddof,
            val,
            aux: aux.map(|d| (u32::MAX, d)),
        }
    }

    fn push(&mut self, op: KOp, dtype: DType) -> usize {
        let key = format!("{op:?}:{dtype}");
        if let Some(&v) = self.dedup.get(&key) {
            return v;
        }
        self.body.push(KInst { op, dtype });
        self.dedup.insert(key, self.body.len() - 1);
        self.body.len() - 1
    }

    /// The SSA value of node `root` read at `map(i)`. Operands are built
    /// first, in order, depth first — with an explicit stack (`Frame`s and
    /// a stack of finished values), so chains of any depth cost no
    /// recursion.
    fn inst(&mut self, root: NodeId, map: &Affine, own: Option<NodeId>) -> usize {
        struct Frame {
            id: NodeId,
            map: Affine,
            own: Option<NodeId>,
            expanded: bool,
        }
        let g = self.f.g;
        let mut stack = vec![Frame {
            id: root,
            map: map.clone(),
            own,
            expanded: false,
        }];
        let mut vals: Vec<usize> = vec![];
        while let Some(fr) = stack.pop() {
            let n = g.node(fr.id);
            if !fr.expanded {
                if let Some(&v) = self.memo.get(&(fr.id, fr.map.clone())) {
                    vals.push(v);
                    continue;
                }
                let v = match (&n.op, self.f.val[fr.id.index()]) {
                    (_, Some(src)) if fr.own != Some(fr.id) || matches!(n.op, Op::Input(_)) => self.push(
                        KOp::Load {
                            src,
                            map: fr.map.clone(),
                        },
                        n.dtype,
                    ),
                    (Op::Const(c), _) => self.push(KOp::Const(*c), n.dtype),
                    _ => {
                        let kids: Vec<Frame> = (0..n.args.len())
                            .rev()
                            .map(|p| Frame {
                                id: n.args[p],
                                map: fr.map.then(&operand_map(g, fr.id, p), self.rank),
                                own: None,
                                expanded: false,
                            })
                            .collect();
                        stack.push(Frame { expanded: true, ..fr });
                        stack.extend(kids);
                        continue;
                    }
                };
                self.memo.insert((fr.id, fr.map), v);
                vals.push(v);
                continue;
            }
            let args = vals.split_off(vals.len() - n.args.len());
            let v = match &n.op {
                Op::Unary(u) => self.push(KOp::Unary(*u, args[0]), n.dtype),
                Op::Binary(b) => self.push(KOp::Binary(*b, args[0], args[1]), n.dtype),
                Op::Where => self.push(KOp::Where(args[0], args[1], args[2]), n.dtype),
                Op::Cast(_) => self.push(KOp::Cast(args[0]), n.dtype),
                // Views compute nothing: the operand under the composed map.
                op if op.is_view() => args[0],
                op => unreachable!("{op:?} is not fusable"),
            };
            self.memo.insert((fr.id, fr.map), v);
            vals.push(v);
        }
        debug_assert_eq!(vals.len(), 1);
        vals[0]
    }
}
