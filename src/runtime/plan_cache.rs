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

pub(crate) fn plan_hash(g: &Graph, inputs: &[Array], donated: &[bool]) -> u64 {
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
    for a in inputs {
        kernel_strides(a.shape(), a.strides()).hash(&mut h);
        if donating {
            a.offset().hash(&mut h);
        }
    }
    donated.hash(&mut h);
    h.finish()
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
        layouts: inputs.iter().map(layout_of).collect(),
        donated: donated.to_vec(),
        plan: plan.clone(),
        last_use: *tick,
    });
    Ok(plan)
}
