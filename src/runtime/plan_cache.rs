//! The plan cache: prepared plans by graph, input layouts (offsets aside)
//! and donation mask, least recently used evicted first.

use super::*;

pub(crate) struct PlanEntry {
    graph: Graph,
    layouts: Vec<Layout>,
    donated: Vec<bool>,
    plan: Arc<Prepared>,
    last_use: u64,
}

pub(crate) const PLAN_CAPACITY: usize = 256;

#[allow(clippy::type_complexity)]
pub(crate) fn plans() -> &'static Mutex<(HashMap<u64, Vec<PlanEntry>>, u64)> {
    static PLANS: OnceLock<Mutex<(HashMap<u64, Vec<PlanEntry>>, u64)>> = OnceLock::new();
    PLANS.get_or_init(|| Mutex::new((HashMap::new(), 0)))
}

/// The hash of a graph and layouts (the same for arrays and their layouts).
fn graph_hash(g: &Graph, strides: &mut dyn Iterator<Item = (Vec<isize>, isize)>, donated: &[bool]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for id in g.ids() {
        let n = g.node(id);
        n.op.hash(&mut h);
        n.args.hash(&mut h);
        n.dtype.hash(&mut h);
        n.shape.hash(&mut h);
    }
    g.outputs().hash(&mut h);
    let donating = donated.iter().any(|&d| d);
    for (ks, off) in strides {
        ks.hash(&mut h);
        if donating {
            off.hash(&mut h);
        }
    }
    donated.hash(&mut h);
    h.finish()
}

/// The prepared plan for `g` and input `layouts` (not donated), through
/// the same cache as evaluation: what `explain` shows is what runs.
pub(crate) fn prepare_cached_layouts(g: &Graph, layouts: Vec<Layout>) -> Result<Arc<Prepared>> {
    let donated = vec![false; layouts.len()];
    let h = graph_hash(g, &mut layouts.iter().map(|l| (l.2.clone(), l.3)), &donated);
    {
        let mut guard = plans().lock().unwrap_or_else(|e| e.into_inner());
        let (map, tick) = &mut *guard;
        *tick += 1;
        if let Some(v) = map.get_mut(&h) {
            for e in v.iter_mut() {
                if e.layouts.len() == layouts.len()
                    && e.donated == donated
                    && e.layouts
                        .iter()
                        .zip(&layouts)
                        .all(|(a, b)| (&a.0, &a.1, &a.2) == (&b.0, &b.1, &b.2))
                    && e.graph == *g
                {
                    e.last_use = *tick;
                    return Ok(e.plan.clone());
                }
            }
        }
    }
    let plan = Arc::new(prepare_layouts(g, layouts.clone(), &donated)?);
    insert(h, g, layouts, donated, plan.clone());
    Ok(plan)
}

pub(crate) fn plan_hash(g: &Graph, inputs: &[Array], donated: &[bool]) -> u64 {
    graph_hash(
        g,
        &mut inputs
            .iter()
            .map(|a| (kernel_strides(a.shape(), a.strides()), a.offset())),
        donated,
    )
}

/// The prepared plan for `g` and the layouts of `inputs`, cached.
pub fn prepare_cached(g: &Graph, inputs: &[Array]) -> Result<Arc<Prepared>> {
    prepare_cached_donating(g, inputs, &vec![false; inputs.len()])
}

/// [`prepare_cached`] for a donation mask (part of the cache key).
pub(crate) fn prepare_cached_donating(g: &Graph, inputs: &[Array], donated: &[bool]) -> Result<Arc<Prepared>> {
    let h = plan_hash(g, inputs, donated);
    {
        let mut guard = plans().lock().unwrap_or_else(|e| e.into_inner());
        let (map, tick) = &mut *guard;
        *tick += 1;
        if let Some(v) = map.get_mut(&h) {
            for e in v.iter_mut() {
                if e.layouts.len() == inputs.len()
                    && e.donated == donated
                    && e.layouts.iter().zip(inputs).all(|(l, a)| fits(a, l, e.plan.donating))
                    && e.graph == *g
                {
                    e.last_use = *tick;
                    return Ok(e.plan.clone());
                }
            }
        }
    }
    let plan = Arc::new(prepare_donating(g, inputs, donated)?);
    insert(
        h,
        g,
        inputs.iter().map(layout_of).collect(),
        donated.to_vec(),
        plan.clone(),
    );
    Ok(plan)
}

/// Adds a plan to the cache, evicting the least recently used beyond
/// [`PLAN_CAPACITY`].
fn insert(h: u64, g: &Graph, layouts: Vec<Layout>, donated: Vec<bool>, plan: Arc<Prepared>) {
    let mut guard = plans().lock().unwrap_or_else(|e| e.into_inner());
    let (map, tick) = &mut *guard;
    let n: usize = map.values().map(Vec::len).sum();
    if n >= PLAN_CAPACITY {
        // Evict the least recently used plan.
        let oldest = map
            .iter()
            .flat_map(|(k, v)| v.iter().enumerate().map(move |(i, e)| (e.last_use, *k, i)))
            .min();
        if let Some((_, k, i)) = oldest {
            if let Some(v) = map.get_mut(&k) {
                v.remove(i);
            }
        }
    }
    map.entry(h).or_default().push(PlanEntry {
        graph: g.clone(),
        layouts,
        donated,
        plan,
        last_use: *tick,
    });
}
