//! The fuzz harness (seeds, budgets, `catch_unwind`, failure reports), random
//! arrays and named inputs, and the comparison of the JIT with the interpreter.

use lazyfuse::internals::array::random::SplitMix64;
use lazyfuse::internals::expr::{Op, ReduceOp};
use lazyfuse::ir::Graph;
use lazyfuse::{Array, DType, Error, Index, Scalar};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Random choices, from the crate's own generator.
pub(crate) struct Rng(pub(crate) SplitMix64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(SplitMix64(seed))
    }
    pub(crate) fn u64(&mut self) -> u64 {
        self.0.next_u64()
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.u64() % n.max(1) as u64) as usize
    }
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.0.next_f64() < p
    }
    pub(crate) fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())].clone()
    }
}

/// What one case did, for the counts in the header.
#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) cases: usize,
    pub(crate) parsed: usize,
    pub(crate) checked: usize,
    /// Cases whose values were compared only within a tolerance (or not at
    /// all) because a float sum/prod/mean/var/std is involved.
    pub(crate) inexact: usize,
}

/// The state of the case being run: its input, for the failure message.
#[derive(Default)]
pub(crate) struct Case {
    pub(crate) input: String,
    pub(crate) stats: Stats,
}

impl Case {
    /// Records the input about to be tried (escaped, so control bytes and
    /// newlines show).
    pub(crate) fn set_input(&mut self, what: &str, text: &str) {
        self.input = format!("{what}: {text:?}");
    }
}

/// `LAZYFUSE_FUZZ_ITERS` (default 1) times `base`.
pub(crate) fn budget(base: usize) -> usize {
    let k = std::env::var("LAZYFUSE_FUZZ_ITERS")
        .ok()
        .map(|v| v.trim().parse::<usize>().expect("LAZYFUSE_FUZZ_ITERS is a count"))
        .unwrap_or(1);
    base * k
}

pub(crate) fn setup() {
    // Split kernels over threads even on tiny arrays (read once per process;
    // every test sets the same value).
    std::env::set_var("LAZYFUSE_MIN_PER_THREAD", "4");
}

pub(crate) fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-string panic)".into())
}

/// Runs `base` cases (times `LAZYFUSE_FUZZ_ITERS`), or the one case
/// `LAZYFUSE_FUZZ_SEED` names, and fails with every failing seed and its
/// input. Seeds are `tag << 32 | i`, so targets never share one.
pub(crate) fn run(target: &str, tag: u64, base: usize, case: fn(&mut Rng, &mut Case) -> Result<(), String>) -> Stats {
    setup();
    let seeds: Vec<u64> = match std::env::var("LAZYFUSE_FUZZ_SEED") {
        Ok(s) => vec![s.trim().parse().expect("LAZYFUSE_FUZZ_SEED is a u64")],
        Err(_) => (0..budget(base) as u64).map(|i| tag << 32 | i).collect(),
    };
    let mut total = Stats::default();
    let mut failures = vec![];
    // An abort (not a panic) ends the process before the failure list is
    // printed: `LAZYFUSE_FUZZ_VERBOSE=1` names each seed before it runs.
    let verbose = std::env::var_os("LAZYFUSE_FUZZ_VERBOSE").is_some();
    for seed in seeds {
        if verbose {
            eprintln!("{target} seed {seed}");
        }
        let mut c = Case::default();
        let out = catch_unwind(AssertUnwindSafe(|| case(&mut Rng::new(seed), &mut c)));
        let msg = match out {
            Ok(Ok(())) => None,
            Ok(Err(m)) => Some(m),
            Err(p) => Some(format!("panicked: {}", panic_text(&*p))),
        };
        if let Some(m) = msg {
            failures.push(format!(
                "{target} seed {seed} (replay: LAZYFUSE_FUZZ_SEED={seed} cargo test --test fuzz {target})\n  {}\n  {m}",
                c.input
            ));
            if failures.len() >= 10 {
                break;
            }
        }
        total.cases += 1;
        total.parsed += c.stats.parsed;
        total.checked += c.stats.checked;
        total.inexact += c.stats.inexact;
    }
    println!(
        "{target}: {} cases, {} parsed, {} checked ({} with inexact float reductions)",
        total.cases, total.parsed, total.checked, total.inexact
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    total
}

// ---------------------------------------------------------------------------
// Arrays.

pub(crate) const DTYPES: [DType; 11] = DType::ALL;

pub(crate) fn value(r: &mut Rng, d: DType) -> Scalar {
    match d {
        DType::Bool => Scalar::Bool(r.u64() & 1 == 1),
        DType::F32 | DType::F64 => {
            let v = match r.below(20) {
                0 => f64::NAN,
                1 => -0.0,
                2 => 0.0,
                3 => f64::INFINITY,
                4 => f64::NEG_INFINITY,
                5 => 5e-324,
                6 => 1e300,
                7 => -2.5,
                8 => 0.5,
                9 => 3e38,
                10..=13 => r.below(9) as f64 - 4.0,
                _ => (r.0.next_f64() - 0.5) * 8.0,
            };
            Scalar::F64(v).cast(d)
        }
        _ => {
            let bits = match r.below(8) {
                0 => r.u64(),
                1 => 1u64 << (d.bits() - 1),
                2 => u64::MAX,
                3 => 0,
                _ => (r.below(21) as u64).wrapping_sub(10),
            };
            Scalar::from_bits(d, bits)
        }
    }
}

pub(crate) fn filled(r: &mut Rng, d: DType, shape: &[usize]) -> Array {
    let n = numel(shape).expect("a small shape");
    let vals: Vec<Scalar> = (0..n).map(|_| value(r, d)).collect();
    Array::from_scalars(d, shape, &vals).expect("values of the dtype")
}

/// A small array of `shape`: C order, or a transposed, negative-step or
/// strided view of the same shape.
pub(crate) fn array(r: &mut Rng, d: DType, shape: &[usize]) -> Array {
    if shape.is_empty() {
        return filled(r, d, shape);
    }
    match r.below(5) {
        0 => {
            let rev: Vec<usize> = shape.iter().rev().copied().collect();
            filled(r, d, &rev).t()
        }
        1 => {
            let mut ix = vec![Index::FULL; shape.len()];
            ix[r.below(shape.len())] = Index::Slice {
                start: None,
                stop: None,
                step: -1,
            };
            filled(r, d, shape).slice(&ix).expect("reversed view")
        }
        // (Not when that would make a large base: a zero-length axis
        // beside a huge one becomes a base of the huge one's length.)
        2 if shape.iter().all(|&d| d <= 64) => {
            let last = shape.len() - 1;
            let mut big = shape.to_vec();
            big[last] = big[last] * 2 + 1;
            let mut ix = vec![Index::FULL; shape.len()];
            ix[last] = Index::Slice {
                start: Some(1),
                stop: None,
                step: 2,
            };
            filled(r, d, &big).slice(&ix).expect("strided view")
        }
        _ => filled(r, d, shape),
    }
}

/// A shape of rank 0 to 3 with at most 64 elements.
pub(crate) fn shape(r: &mut Rng) -> Vec<usize> {
    let rank = r.pick(&[0, 1, 1, 2, 2, 3]);
    let mut s: Vec<usize> = (0..rank).map(|_| r.pick(&[0, 1, 1, 2, 3, 4, 5, 7, 8, 9])).collect();
    while s.iter().product::<usize>() > 64 {
        let k = r.below(s.len());
        s[k] /= 2;
    }
    s
}

/// Elements of a shape, or `None` if the count overflows — NumPy's rule:
/// the nonzero axes' product must fit even when another axis is 0.
pub(crate) fn numel(shape: &[usize]) -> Option<usize> {
    let n = shape
        .iter()
        .filter(|&&d| d > 0)
        .try_fold(1usize, |n, &d| n.checked_mul(d))?;
    Some(if shape.contains(&0) { 0 } else { n })
}

/// Named inputs: a shared shape, broadcast variants of it, sometimes an
/// unrelated shape.
pub(crate) fn inputs(r: &mut Rng) -> Vec<(String, Array)> {
    let base = shape(r);
    let n = 1 + r.below(4);
    (0..n)
        .map(|k| {
            let d = r.pick(&DTYPES);
            let s = match r.below(6) {
                0 if !base.is_empty() => {
                    let drop = r.below(base.len() + 1);
                    base[drop..]
                        .iter()
                        .map(|&x| if r.chance(0.3) { 1 } else { x })
                        .collect()
                }
                1 => shape(r),
                _ => base.clone(),
            };
            (["a", "b", "c", "d"][k].to_string(), array(r, d, &s))
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Comparing the JIT with the interpreter.

/// How exactly two evaluations of a graph must agree.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(crate) enum Exactness {
    /// Bit for bit (any NaN equals any NaN).
    Bits,
    /// Also `-0.0 == 0.0`: a float `min`/`max` reduction is involved.
    SignlessZero,
    /// A float sum/prod/mean/var/std is the output: values within a
    /// tolerance.
    Tolerance,
    /// Such a reduction feeds later ops: Ok/Err, dtype and shape only.
    TypeOnly,
}

pub(crate) fn exactness(g: &Graph) -> Exactness {
    let mut e = Exactness::Bits;
    for id in g.ids() {
        let n = g.node(id);
        if let Op::Reduce { op, .. } = &n.op {
            let float_in = n.args.first().is_some_and(|&a| g.node(a).dtype.is_float());
            match op {
                ReduceOp::Sum | ReduceOp::Prod if float_in => {}
                ReduceOp::Mean | ReduceOp::Var | ReduceOp::Std => {}
                ReduceOp::Min | ReduceOp::Max if float_in => {
                    if e == Exactness::Bits {
                        e = Exactness::SignlessZero;
                    }
                    continue;
                }
                _ => continue,
            }
            if g.outputs().contains(&id) && e != Exactness::TypeOnly {
                e = Exactness::Tolerance;
            } else {
                return Exactness::TypeOnly;
            }
        }
    }
    e
}

pub(crate) fn is_nan(s: &Scalar) -> bool {
    match *s {
        Scalar::F32(v) => v.is_nan(),
        Scalar::F64(v) => v.is_nan(),
        _ => false,
    }
}

pub(crate) fn as_f64(s: &Scalar) -> f64 {
    match s.cast(DType::F64) {
        Scalar::F64(v) => v,
        _ => unreachable!("cast to f64"),
    }
}

pub(crate) fn same(a: &Array, b: &Array, how: Exactness) -> bool {
    if a.dtype() != b.dtype() || a.shape() != b.shape() {
        return false;
    }
    let (x, y) = (a.to_scalars(), b.to_scalars());
    x.iter().zip(&y).all(|(p, q)| {
        p == q
            || (is_nan(p) && is_nan(q))
            || match how {
                Exactness::Bits => false,
                Exactness::SignlessZero => as_f64(p) == as_f64(q),
                Exactness::TypeOnly => true,
                Exactness::Tolerance => {
                    let (u, v) = (as_f64(p), as_f64(q));
                    let eps = if a.dtype() == DType::F32 { 1e-3 } else { 1e-9 };
                    (u == v) || (u.is_finite() && v.is_finite() && (u - v).abs() <= eps * u.abs().max(v.abs()).max(1.0))
                }
            }
    })
}

pub(crate) fn is_internal(r: &lazyfuse::Result<Vec<Array>>) -> bool {
    matches!(r, Err(Error::Internal(_)))
}

/// Requires two evaluations to agree (see the module header).
pub(crate) fn agree(
    what: &str,
    g: &Graph,
    want: &lazyfuse::Result<Vec<Array>>,
    got: &lazyfuse::Result<Vec<Array>>,
    c: &mut Case,
) -> Result<(), String> {
    if is_internal(want) || is_internal(got) {
        return Err(format!("internal error\ninterpreter: {want:?}\n{what}: {got:?}\n{g}"));
    }
    let how = exactness(g);
    let ok = match (want, got) {
        (Ok(w), Ok(j)) => w.len() == j.len() && w.iter().zip(j).all(|(a, b)| same(a, b, how)),
        (Err(a), Err(b)) => how == Exactness::TypeOnly || a.to_string() == b.to_string(),
        _ => false,
    };
    if !ok {
        return Err(format!(
            "{what} differs from the interpreter ({how:?})\n{g}\ninterpreter: {want:?}\n{what}: {got:?}"
        ));
    }
    c.stats.checked += 1;
    c.stats.inexact += (how == Exactness::Tolerance || how == Exactness::TypeOnly) as usize;
    Ok(())
}
