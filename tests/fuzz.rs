//! A deterministic, seeded, structure-aware fuzzer for everything a user can
//! hand lazyfuse as text or bytes: expression strings, the `graph` IR, the
//! `fused`/`plan`/`loop` stage texts and `.npy` files. One `#[test]` per
//! target, each running a fixed number of cases.
//!
//! Every case is generated from one `u64` seed by the crate's own
//! `SplitMix64` and runs under `catch_unwind`: a panic, an internal error or
//! a JIT result that differs from the reference interpreter fails the test
//! and prints the seed and the input (escaped). Replay one case with
//! `LAZYFUSE_FUZZ_SEED=<seed> cargo test --test fuzz <target>`; run longer
//! with `LAZYFUSE_FUZZ_ITERS=<k>` (k times the cases below).
//!
//! What is required of each input:
//!
//! - **expression strings**: `Expr::parse` returns `Ok` or `Err`; what
//!   parses is evaluated by the JIT (1 or 2 threads) and by the interpreter
//!   on the simplified graph, and both are `Ok` with the same dtype, shape
//!   and bits, or both `Err` with the same message.
//! - **graph IR**: what `Graph::parse` accepts prints and parses back to an
//!   equal graph, and is evaluated on random inputs of its declared types by
//!   `runtime::eval_graph` and `interp::interpret` as above.
//! - **fused / plan / loop texts**: what parses prints and parses back to an
//!   equal value.
//! - **`.npy` bytes**: `Array::from_npy_bytes` returns `Ok` or `Err`; what
//!   reads round-trips through `to_npy_bytes`, and `a + a` and `sum(a)` on it
//!   agree between the JIT and the interpreter.
//!
//! Comparison rules (those of `tests/differential.rs`): bit for bit, any
//! NaN equals any NaN; where a `min`/`max` reduction of floats is involved,
//! `-0.0 == 0.0` (the sign of the extreme of mixed-sign zeros depends on
//! the comparison order, as in NumPy). Float `sum`/`prod`/`mean`/`var`/
//! `std` fold in a different order in the JIT (blocked and compensated)
//! than in the interpreter (NumPy's pairwise sum), so graphs that contain
//! one are compared for Ok/Err, dtype and shape, and their values only
//! within a tolerance when the reduction is the output (`tests/reductions.rs`
//! checks those values with NumPy's error bounds).
//!
//! Cases per CI run (`LAZYFUSE_FUZZ_ITERS=1`; the four targets together
//! take about 19 s in a debug build on 2 cores), as printed by each test
//! with `--nocapture`:
//!
//! | target               | cases   | parsed `Ok` | compared / round-tripped                     |
//! |----------------------|---------|-------------|----------------------------------------------|
//! | `expression_strings` | 20,000  | 6,935       | 6,807 JIT vs interpreter (328 inexact)       |
//! | `graph_ir_text`      | 20,000  | 4,580       | 4,580 round trips, 4,466 evaluated (171)     |
//! | `stage_texts`        | 150,000 | 54,776      | 54,776 round trips                           |
//! | `npy_bytes`          | 40,000  | 5,790       | 5,790 round trips, 17,370 evaluations (1,126)|
//!
//! ("inexact": a float sum/prod/mean/var/std is involved, see above.)
//!
//! Known differences found by longer runs and not fixed yet (their seeds lie
//! outside the CI range): `var`/`std` where NumPy's mean overflows
//! (`std` of `[1e308, 1e308, 1e308]`: NumPy and the interpreter give inf,
//! the JIT's shifted one-pass sum gives 0; `LAZYFUSE_FUZZ_SEED=4294999942`),
//! and f32 `var`/`std` whose shifted sum overflows f32 (`std` of
//! `[3e38, -2.5, 1.7, -3, -3.1, 2.7, -2.5, 0]`: NaN instead of inf;
//! `LAZYFUSE_FUZZ_SEED=4295012320`, and `graph_ir_text` seeds 8590044893,
//! 8590147967, 8590149747).

use lazyfuse::internals::array::random::SplitMix64;
use lazyfuse::internals::expr::{Op, ReduceOp};
use lazyfuse::internals::fuse::Program;
use lazyfuse::internals::loops::LoopFunc;
use lazyfuse::internals::plan::BufferPlan;
use lazyfuse::internals::runtime::ExecOptions;
use lazyfuse::ir::Graph;
use lazyfuse::{Array, DType, Error, Expr, Index, Scalar};
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};

// ---------------------------------------------------------------------------
// The harness.

/// Random choices, from the crate's own generator.
struct Rng(SplitMix64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(SplitMix64(seed))
    }
    fn u64(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn below(&mut self, n: usize) -> usize {
        (self.u64() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        self.0.next_f64() < p
    }
    fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())].clone()
    }
}

/// What one case did, for the counts in the header.
#[derive(Default)]
struct Stats {
    cases: usize,
    parsed: usize,
    checked: usize,
    /// Cases whose values were compared only within a tolerance (or not at
    /// all) because a float sum/prod/mean/var/std is involved.
    inexact: usize,
}

/// The state of the case being run: its input, for the failure message.
#[derive(Default)]
struct Case {
    input: String,
    stats: Stats,
}

impl Case {
    /// Records the input about to be tried (escaped, so control bytes and
    /// newlines show).
    fn set_input(&mut self, what: &str, text: &str) {
        self.input = format!("{what}: {text:?}");
    }
}

/// `LAZYFUSE_FUZZ_ITERS` (default 1) times `base`.
fn budget(base: usize) -> usize {
    let k = std::env::var("LAZYFUSE_FUZZ_ITERS")
        .ok()
        .map(|v| v.trim().parse::<usize>().expect("LAZYFUSE_FUZZ_ITERS is a count"))
        .unwrap_or(1);
    base * k
}

fn setup() {
    // Split kernels over threads even on tiny arrays (read once per process;
    // every test sets the same value).
    std::env::set_var("LAZYFUSE_MIN_PER_THREAD", "4");
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-string panic)".into())
}

/// Runs `base` cases (times `LAZYFUSE_FUZZ_ITERS`), or the one case
/// `LAZYFUSE_FUZZ_SEED` names, and fails with every failing seed and its
/// input. Seeds are `tag << 32 | i`, so targets never share one.
fn run(target: &str, tag: u64, base: usize, case: fn(&mut Rng, &mut Case) -> Result<(), String>) -> Stats {
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

const DTYPES: [DType; 11] = DType::ALL;

fn value(r: &mut Rng, d: DType) -> Scalar {
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

fn filled(r: &mut Rng, d: DType, shape: &[usize]) -> Array {
    let n = numel(shape).expect("a small shape");
    let vals: Vec<Scalar> = (0..n).map(|_| value(r, d)).collect();
    Array::from_scalars(d, shape, &vals).expect("values of the dtype")
}

/// A small array of `shape`: C order, or a transposed, negative-step or
/// strided view of the same shape.
fn array(r: &mut Rng, d: DType, shape: &[usize]) -> Array {
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
fn shape(r: &mut Rng) -> Vec<usize> {
    let rank = r.pick(&[0, 1, 1, 2, 2, 3]);
    let mut s: Vec<usize> = (0..rank).map(|_| r.pick(&[0, 1, 1, 2, 3, 4, 5, 7, 8, 9])).collect();
    while s.iter().product::<usize>() > 64 {
        let k = r.below(s.len());
        s[k] /= 2;
    }
    s
}

/// Named inputs: a shared shape, broadcast variants of it, sometimes an
/// unrelated shape.
fn inputs(r: &mut Rng) -> Vec<(String, Array)> {
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
enum Exactness {
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

fn exactness(g: &Graph) -> Exactness {
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

fn is_nan(s: &Scalar) -> bool {
    match *s {
        Scalar::F32(v) => v.is_nan(),
        Scalar::F64(v) => v.is_nan(),
        _ => false,
    }
}

fn as_f64(s: &Scalar) -> f64 {
    match s.cast(DType::F64) {
        Scalar::F64(v) => v,
        _ => unreachable!("cast to f64"),
    }
}

fn same(a: &Array, b: &Array, how: Exactness) -> bool {
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

fn is_internal(r: &lazyfuse::Result<Vec<Array>>) -> bool {
    matches!(r, Err(Error::Internal(_)))
}

/// Requires two evaluations to agree (see the module header).
fn agree(
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

// ---------------------------------------------------------------------------
// Target 1: expression strings.

const NUMBERS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "7",
    "-1",
    "0.5",
    "2.5",
    "-0.0",
    "1e308",
    "1e-320",
    "5e-324",
    "1.7976931348623157e308",
    "3.4e38",
    "127",
    "128",
    "255",
    "256",
    "-129",
    "65536",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "170141183460469231731687303715884105727",
    "1_000",
    ".5",
    "5.",
    "nan",
    "inf",
    "True",
    "False",
];

/// Literals the lexer must reject.
const BAD_NUMBERS: &[&str] = &[
    "340282366920938463463374607431768211456",
    "0x10",
    "1e",
    "1__0",
    "1.2.3",
    "08",
];

const BINOPS: &[&str] = &[
    "+", "-", "*", "/", "//", "%", "**", "&", "|", "^", "<<", ">>", "<", "<=", "==", "!=", ">=", ">",
];

const UNARY_FNS: &[&str] = &[
    "negative",
    "positive",
    "invert",
    "bitwise_not",
    "abs",
    "absolute",
    "sign",
    "sqrt",
    "square",
    "reciprocal",
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "sin",
    "cos",
    "tan",
    "arcsin",
    "asin",
    "arccos",
    "arctan",
    "sinh",
    "cosh",
    "tanh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "floor",
    "ceil",
    "trunc",
    "rint",
    "isnan",
    "isinf",
    "isfinite",
    "signbit",
    "logical_not",
    "round",
    "around",
    "copy",
    "conj",
    "real",
    "imag",
    "ones_like",
    "zeros_like",
];

const BINARY_FNS: &[&str] = &[
    "add",
    "subtract",
    "multiply",
    "divide",
    "true_divide",
    "floor_divide",
    "mod",
    "remainder",
    "power",
    "pow",
    "equal",
    "less",
    "greater_equal",
    "bitwise_and",
    "bitwise_xor",
    "left_shift",
    "right_shift",
    "maximum",
    "minimum",
    "fmax",
    "fmin",
    "arctan2",
    "atan2",
    "hypot",
    "fmod",
    "copysign",
    "logaddexp",
    "nextafter",
    "logical_and",
    "logical_or",
    "logical_xor",
];

const REDUCTIONS: &[&str] = &[
    "sum", "prod", "min", "max", "amin", "amax", "mean", "var", "std", "any", "all", "argmin", "argmax",
];

const DTYPE_NAMES: &[&str] = &[
    "bool",
    "int8",
    "uint8",
    "int16",
    "uint16",
    "int32",
    "uint32",
    "int64",
    "uint64",
    "float32",
    "float64",
    "f8",
    "<i4",
    "float16",
    "complex128",
    "object",
    "",
];

const HUGE_INTS: &[&str] = &[
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "4611686018427387904",
];

fn small_int(r: &mut Rng) -> String {
    if r.chance(0.1) {
        r.pick(HUGE_INTS).to_string()
    } else {
        (r.below(11) as i64 - 5).to_string()
    }
}

fn slice_part(r: &mut Rng) -> String {
    if r.chance(0.4) {
        String::new()
    } else if r.chance(0.05) {
        "None".into()
    } else {
        small_int(r)
    }
}

fn subscript(r: &mut Rng) -> String {
    let n = r.pick(&[1, 1, 1, 2, 2, 3]);
    let items: Vec<String> = (0..n)
        .map(|_| match r.below(10) {
            0 => "None".into(),
            1 => "...".into(),
            2 | 3 => small_int(r),
            4 => ":".into(),
            5 | 6 => format!("{}:{}", slice_part(r), slice_part(r)),
            _ => format!("{}:{}:{}", slice_part(r), slice_part(r), slice_part(r)),
        })
        .collect();
    format!("[{}]", items.join(", "))
}

fn kwargs(r: &mut Rng) -> String {
    let mut s = String::new();
    for _ in 0..r.below(3) {
        let kw = match r.below(30) {
            0..=2 => {
                let v = match r.below(7) {
                    0 => "None".into(),
                    1 => format!("({}, {})", r.below(4) as i64 - 1, r.below(4) as i64 - 1),
                    2 => format!("({},)", r.below(3)),
                    3 => "()".into(),
                    4 => small_int(r),
                    _ => (r.below(5) as i64 - 2).to_string(),
                };
                format!("axis={v}")
            }
            3 | 4 => format!("keepdims={}", r.pick(&["True", "False", "1", "0", "None", "2"])),
            5 => format!("ddof={}", r.pick(&["0", "1", "2", "-1", "True", "4294967296"])),
            6 => "out=a".into(),
            7 => "dtype='float32'".into(),
            _ => format!("axis={}", r.below(3)),
        };
        s.push_str(", ");
        s.push_str(&kw);
    }
    s
}

fn atom(r: &mut Rng, names: &[String]) -> String {
    match r.below(100) {
        0 => "z".into(),
        1 => r.pick(BAD_NUMBERS).to_string(),
        2..=70 if !names.is_empty() => r.pick(names),
        _ => r.pick(NUMBERS).to_string(),
    }
}

fn expr_text(r: &mut Rng, names: &[String], depth: usize) -> String {
    if depth == 0 || r.chance(0.2) {
        return atom(r, names);
    }
    let d = depth - 1;
    match r.below(14) {
        0 => format!("{}{}", r.pick(&["-", "+", "~", "-", "~"]), expr_text(r, names, d)),
        1..=4 => {
            let op = r.pick(BINOPS);
            let (a, b) = (expr_text(r, names, d), expr_text(r, names, d));
            if r.chance(0.5) {
                format!("({a} {op} {b})")
            } else {
                format!("{a}{op}{b}")
            }
        }
        5 | 6 => format!("{}({})", r.pick(UNARY_FNS), expr_text(r, names, d)),
        7 => format!(
            "{}({}, {})",
            r.pick(BINARY_FNS),
            expr_text(r, names, d),
            expr_text(r, names, d)
        ),
        8 | 9 => format!("{}({}{})", r.pick(REDUCTIONS), expr_text(r, names, d), kwargs(r)),
        10 => format!(
            "{}({}, {}, {})",
            r.pick(&["where", "where", "clip"]),
            expr_text(r, names, d),
            expr_text(r, names, d),
            expr_text(r, names, d)
        ),
        11 => format!("({}){}", expr_text(r, names, d), subscript(r)),
        12 => {
            let x = expr_text(r, names, d);
            match r.below(5) {
                0 => format!("({x}).T"),
                1 => format!("({x}).astype('{}')", r.pick(DTYPE_NAMES)),
                2 => format!("({x}).{}({})", r.pick(REDUCTIONS), kwargs(r).trim_start_matches(", ")),
                3 => format!("({x}).{}", r.pick(&["real", "imag", "shape", "foo"])),
                _ => format!("({x}).{}()", r.pick(&["copy", "sum", "round", "conj"])),
            }
        }
        _ => format!("({})", expr_text(r, names, d)),
    }
}

/// Tokens for the soup and for mutations.
fn token(r: &mut Rng, names: &[String]) -> String {
    match r.below(8) {
        0 => r.pick(NUMBERS).to_string(),
        1 => r.pick(BINOPS).trim().to_string(),
        2 => r
            .pick(&["(", ")", "[", "]", ",", ":", ".", "=", "...", "'", "\"", "None", "T"])
            .to_string(),
        3 => r.pick(UNARY_FNS).to_string(),
        4 => r.pick(REDUCTIONS).to_string(),
        5 => r
            .pick(&[
                "axis=",
                "keepdims=",
                "ddof=",
                "not",
                "and",
                "or",
                "lambda",
                "\n",
                "\t",
                "é",
                "\u{0}",
                "#",
            ])
            .to_string(),
        _ => atom(r, names),
    }
}

/// One to three byte-level edits: insert, delete, replace or duplicate a
/// span, or insert a token. The result is made valid UTF-8 lossily.
fn mutate_bytes(r: &mut Rng, text: &[u8], tokens: &mut dyn FnMut(&mut Rng) -> String) -> Vec<u8> {
    let mut t = text.to_vec();
    for _ in 0..1 + r.below(3) {
        let n = t.len();
        let at = r.below(n + 1);
        let span = (r.below(8) + 1).min(n - at.min(n));
        match r.below(6) {
            0 => {
                let byte = if r.chance(0.2) {
                    r.u64() as u8
                } else {
                    r.pick(b"()[],:.+-*/ 0123456789abcd")
                };
                t.insert(at, byte)
            }
            1 => {
                t.drain(at..at + span);
            }
            2 => {
                let tok = tokens(r);
                t.splice(at..at + span, tok.into_bytes());
            }
            3 => {
                let dup: Vec<u8> = t[at..at + span].to_vec();
                t.splice(at..at, dup);
            }
            4 => {
                let tok = tokens(r);
                t.splice(at..at, tok.into_bytes());
            }
            _ => {
                if at < n {
                    t[at] = r.pick(b"()[],:.=+-*/%<>&|^~ 0123456789abcdabcdabcdTNe_'\n\x7f");
                }
            }
        }
    }
    t
}

fn expression_case(r: &mut Rng, c: &mut Case) -> Result<(), String> {
    let ins = inputs(r);
    let names: Vec<String> = ins.iter().map(|(n, _)| n.clone()).collect();
    let src = match r.below(10) {
        0 => {
            let n = 1 + r.below(20);
            let sep = if r.chance(0.5) { " " } else { "" };
            (0..n).map(|_| token(r, &names)).collect::<Vec<_>>().join(sep)
        }
        1..=3 => {
            let depth = 1 + r.below(6);
            let valid = expr_text(r, &names, depth);
            let names2 = names.clone();
            let bytes = mutate_bytes(r, valid.as_bytes(), &mut |r| token(r, &names2));
            String::from_utf8_lossy(&bytes).into_owned()
        }
        _ => {
            let depth = 1 + r.below(6);
            expr_text(r, &names, depth)
        }
    };
    c.set_input("expression", &src);
    let mut desc = String::new();
    for (n, a) in &ins {
        let _ = write!(desc, "; {n} = {a:?} strides {:?}", a.strides());
    }
    c.input.push_str(&desc);
    let bind: Vec<(&str, &Array)> = ins.iter().map(|(n, a)| (n.as_str(), a)).collect();
    let Ok(e) = Expr::parse(&src, &bind) else {
        return Ok(());
    };
    c.stats.parsed += 1;
    let threads = if r.chance(0.3) { 2 } else { 1 };
    let got = e
        .eval_with(&ExecOptions::default().with_threads(threads))
        .map(|a| vec![a]);
    match lazyfuse::internals::pipeline::build_graph(std::slice::from_ref(&e)) {
        Ok((g, arrays)) => {
            let want = lazyfuse::internals::interp::interpret(&g, &arrays);
            agree(&format!("JIT ({threads} threads)"), &g, &want, &got, c)
        }
        Err(b) => match got {
            Err(j) if j.to_string() == b.to_string() => Ok(()),
            _ => Err(format!("build_graph failed with {b:?} but eval gave {got:?}")),
        },
    }
}

/// Expression strings: token soup, grammar-built expressions and byte
/// mutations of them.
#[test]
fn expression_strings() {
    run("expression_strings", 1, 20000, expression_case);
}

// ---------------------------------------------------------------------------
// Target 2: graph IR text.

/// A valid expression over fresh inputs (retried until one parses and
/// builds), with its simplified graph.
fn valid_graph(r: &mut Rng) -> Option<(Expr, Graph, Vec<Array>)> {
    for _ in 0..50 {
        let ins = inputs(r);
        let names: Vec<String> = ins.iter().map(|(n, _)| n.clone()).collect();
        let depth = 1 + r.below(4);
        let src = expr_text(r, &names, depth);
        let bind: Vec<(&str, &Array)> = ins.iter().map(|(n, a)| (n.as_str(), a)).collect();
        if std::env::var_os("LAZYFUSE_FUZZ_VERBOSE").is_some() {
            eprintln!("expression {src:?}");
        }
        if let Ok(e) = Expr::parse(&src, &bind) {
            if let Ok((g, arrays)) = lazyfuse::internals::pipeline::build_graph(std::slice::from_ref(&e)) {
                return Some((e, g, arrays));
            }
        }
    }
    None
}

const IR_TOKENS: &[&str] = &[
    "%0",
    "%1",
    "%2",
    "%a",
    "%b",
    "@f",
    "f64",
    "f32",
    "i8",
    "u8",
    "i64",
    "u64",
    "bool",
    "[",
    "]",
    "(",
    ")",
    "{",
    "}",
    ",",
    ":",
    "=",
    "axes=",
    "keepdims",
    "ddof=",
    "return",
    "add",
    "sub",
    "mul",
    "div",
    "pow",
    "sum",
    "mean",
    "argmax",
    "where",
    "cast",
    "index",
    "permute",
    "broadcast",
    "reshape",
    "const",
    "input",
    "kernel",
    "k0",
    "buf0",
    "i0",
    "v0",
    "load",
    "store",
    "for",
    "::",
    "...",
    "None",
    "nan",
    "inf",
    "-inf",
    "-0.0",
    ";",
    "\n",
    "    ",
];

const EXTREME_NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "64",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "4611686018427387904",
    "1e308",
    "nan",
    "-0.0",
];

/// Byte, token and line mutations of an IR text, and numbers replaced by
/// extremes (which changes shapes, axes, indices and strides).
fn mutate_ir(r: &mut Rng, text: &str) -> String {
    let mut t = text.to_string();
    for _ in 0..1 + r.below(3) {
        t = match r.below(6) {
            0 => {
                let bytes = mutate_bytes(r, t.as_bytes(), &mut |r| r.pick(IR_TOKENS).to_string());
                String::from_utf8_lossy(&bytes).into_owned()
            }
            1 => {
                let mut lines: Vec<&str> = t.lines().collect();
                if lines.is_empty() {
                    continue;
                }
                let (i, j) = (r.below(lines.len()), r.below(lines.len()));
                match r.below(3) {
                    0 => {
                        lines.remove(i);
                    }
                    1 => lines.insert(j, lines[i]),
                    _ => lines.swap(i, j),
                }
                lines.join("\n") + "\n"
            }
            2..=4 => {
                // Replace the k-th number with an extreme or a small one.
                let spans = number_spans(&t);
                if spans.is_empty() {
                    continue;
                }
                let (a, b) = r.pick(&spans);
                let with = if r.chance(0.6) {
                    r.pick(EXTREME_NUMBERS).to_string()
                } else {
                    r.below(10).to_string()
                };
                format!("{}{}{}", &t[..a], with, &t[b..])
            }
            _ => {
                // Swap a dtype or a mnemonic for another.
                let words = [
                    "f64", "f32", "i8", "u8", "i32", "u64", "bool", "add", "mul", "sum", "max", "pow",
                ];
                let from = r.pick(&words);
                match t.find(from) {
                    Some(at) => format!("{}{}{}", &t[..at], r.pick(&words), &t[at + from.len()..]),
                    None => continue,
                }
            }
        };
    }
    t
}

/// Byte ranges of the decimal numbers in a text.
fn number_spans(t: &str) -> Vec<(usize, usize)> {
    let b = t.as_bytes();
    let mut out = vec![];
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !(b[i - 1].is_ascii_alphabetic() || b[i - 1] == b'_')) {
            let s = if i > 0 && b[i - 1] == b'-' { i - 1 } else { i };
            let mut j = i;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            out.push((s, j));
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// Elements of a shape, or `None` if the count overflows — NumPy's rule:
/// the nonzero axes' product must fit even when another axis is 0.
fn numel(shape: &[usize]) -> Option<usize> {
    let n = shape
        .iter()
        .filter(|&&d| d > 0)
        .try_fold(1usize, |n, &d| n.checked_mul(d))?;
    Some(if shape.contains(&0) { 0 } else { n })
}

/// Whether evaluating `g` is affordable: every node has at most 2^16
/// elements, or a size that cannot be allocated at all (which must be a
/// clean `Err`). Shapes in between (a mutated broadcast to 2^30 elements)
/// would just take long.
fn affordable(g: &Graph) -> bool {
    g.ids().all(|id| {
        let n = g.node(id);
        let bytes = numel(&n.shape).and_then(|k| k.checked_mul(n.dtype.size()));
        match bytes {
            None => true,
            Some(b) => b <= 1 << 19 || b > isize::MAX as usize,
        }
    })
}

fn graph_case(r: &mut Rng, c: &mut Case) -> Result<(), String> {
    let Some((_, g0, _)) = valid_graph(r) else {
        return Ok(());
    };
    let text = if r.chance(0.1) {
        g0.to_string()
    } else {
        mutate_ir(r, &g0.to_string())
    };
    c.set_input("graph text", &text);
    let Ok(g) = Graph::parse(&text) else {
        return Ok(());
    };
    c.stats.parsed += 1;
    let printed = g.to_string();
    match Graph::parse(&printed) {
        Ok(g2) if g2 == g && g2.to_string() == printed => {}
        other => {
            return Err(format!(
                "does not print and parse back\nprinted:\n{printed}\nreparsed: {other:?}"
            ))
        }
    }
    // Random inputs of the declared types (skipping the evaluation when an
    // input has more than 64 elements).
    let mut arrays = vec![];
    for &id in g.inputs() {
        let n = g.node(id);
        match numel(&n.shape) {
            Some(k) if k <= 64 => arrays.push(array(r, n.dtype, &n.shape)),
            _ => return Ok(()),
        }
    }
    if !affordable(&g) {
        return Ok(());
    }
    for a in &arrays {
        let _ = write!(c.input, "; input {a:?} strides {:?}", a.strides());
    }
    let threads = if r.chance(0.3) { 2 } else { 1 };
    let want = lazyfuse::internals::interp::interpret(&g, &arrays);
    let got = lazyfuse::internals::runtime::eval_graph(&g, &arrays, &ExecOptions::default().with_threads(threads));
    agree(&format!("eval_graph ({threads} threads)"), &g, &want, &got, c)
}

/// The `graph` IR parser on printed graphs of valid expressions, mutated.
#[test]
fn graph_ir_text() {
    run("graph_ir_text", 2, 20000, graph_case);
}

// ---------------------------------------------------------------------------
// Target 3: the fused, plan and loop stage texts.

/// Stage texts of valid expressions, made once per process (each costs a
/// compilation).
fn stage_pool() -> &'static [(String, String)] {
    static POOL: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let mut r = Rng::new(3 << 32);
        let mut out = vec![];
        while out.len() < 3 * 40 {
            let Some((e, _, _)) = valid_graph(&mut r) else { continue };
            for stage in ["fused", "plan", "loop"] {
                if let Ok(t) = e.explain_stage(stage) {
                    if stage == "loop" {
                        // One function per kernel.
                        for f in t.split_inclusive("}\n").filter(|f| !f.trim().is_empty()) {
                            out.push((stage.to_string(), f.to_string()));
                        }
                    } else {
                        out.push((stage.to_string(), t));
                    }
                }
            }
        }
        out
    })
}

fn roundtrip<T: PartialEq + std::fmt::Display + std::fmt::Debug>(
    x: T,
    parse: fn(&str) -> lazyfuse::Result<T>,
) -> Result<(), String> {
    let printed = x.to_string();
    match parse(&printed) {
        Ok(y) if y == x && y.to_string() == printed => Ok(()),
        other => Err(format!(
            "does not print and parse back\nparsed: {x:?}\nprinted:\n{printed}\nreparsed: {other:?}"
        )),
    }
}

fn stage_case(r: &mut Rng, c: &mut Case) -> Result<(), String> {
    let (stage, seed_text) = r.pick(stage_pool());
    let text = if r.chance(0.05) {
        seed_text
    } else {
        mutate_ir(r, &seed_text)
    };
    c.set_input(&format!("{stage} text"), &text);
    match stage.as_str() {
        "fused" => {
            if let Ok(p) = Program::parse(&text) {
                c.stats.parsed += 1;
                roundtrip(p, Program::parse)?;
            }
        }
        "plan" => {
            if let Ok(p) = BufferPlan::parse(&text) {
                c.stats.parsed += 1;
                roundtrip(p, BufferPlan::parse)?;
            }
        }
        _ => {
            if let Ok(f) = LoopFunc::parse(&text) {
                c.stats.parsed += 1;
                roundtrip(f, LoopFunc::parse)?;
            }
        }
    }
    c.stats.checked += c.stats.parsed;
    Ok(())
}

/// The `fused`, `plan` and `loop` parsers on mutated stage texts.
#[test]
fn stage_texts() {
    run("stage_texts", 3, 150000, stage_case);
}

// ---------------------------------------------------------------------------
// Target 4: `.npy` bytes.

/// The header's dictionary text, its position and length.
fn header_span(b: &[u8]) -> Option<(usize, usize)> {
    let start = b.iter().position(|&x| x == b'{')?;
    let end = b[start..].iter().position(|&x| x == b'\n')? + start;
    Some((start, end))
}

const DESCRS: &[&str] = &[
    "'<f8'",
    "'<f4'",
    "'>f8'",
    "'>i4'",
    "'<i8'",
    "'|b1'",
    "'|u1'",
    "'|i1'",
    "'<u2'",
    "'>u8'",
    "'<f2'",
    "'|O'",
    "'<c16'",
    "'<U3'",
    "'|V8'",
    "'<M8[s]'",
    "'<i0'",
    "'<f8",
    "[('x', '<f8')]",
    "'='",
    "''",
    "b'<f8'",
    "42",
];

const SHAPES: &[&str] = &[
    "()",
    "(0,)",
    "(3,)",
    "(2, 3)",
    "(2, 3,)",
    "(,)",
    "(3)",
    "(-1,)",
    "(1, -1)",
    "(18446744073709551615,)",
    "(18446744073709551616,)",
    "(9223372036854775807,)",
    "(4294967296, 4294967296)",
    "(0, 9223372036854775807)",
    "(0, 18446744073709551615, 18446744073709551615)",
    "(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)",
    "(2, 2, 2, 2, 2, 2)",
    "[2, 3]",
    "(2.0,)",
    "(True,)",
    "None",
];

/// A header-aware mutation of a `.npy` file.
fn mutate_npy(r: &mut Rng, bytes: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    for _ in 0..1 + r.below(2) {
        match r.below(9) {
            // Header fields.
            0..=2 => {
                let Some((s, e)) = header_span(&b) else { continue };
                let h = String::from_utf8_lossy(&b[s..e]).into_owned();
                let new = match r.below(4) {
                    0 => {
                        let v = r.pick(DESCRS);
                        replace_field(&h, "'descr': ", v)
                    }
                    1 => {
                        let v = r.pick(&["True", "False", "1", "None", "'yes'", "Tru"]);
                        replace_field(&h, "'fortran_order': ", v)
                    }
                    2 => {
                        let v = r.pick(SHAPES);
                        replace_field(&h, "'shape': ", v)
                    }
                    _ => {
                        // Drop, duplicate or add a key.
                        match r.below(3) {
                            0 => h.replacen("'descr'", "'dscr'", 1),
                            1 => h.replacen("{", "{'shape': (1,), ", 1),
                            _ => h.replacen("{", "{'extra': 1, ", 1),
                        }
                    }
                };
                // Keep the header length consistent, or not.
                let fix_len = r.chance(0.7);
                let mut nb = b[..s].to_vec();
                nb.extend_from_slice(new.as_bytes());
                nb.extend_from_slice(&b[e..]);
                if fix_len && b[6] == 1 && s == 10 {
                    let hl =
                        (nb.len() - s) as isize - (b.len() - s) as isize + u16::from_le_bytes([b[8], b[9]]) as isize;
                    if (0..=u16::MAX as isize).contains(&hl) {
                        nb[8..10].copy_from_slice(&(hl as u16).to_le_bytes());
                    }
                }
                b = nb;
            }
            // Header length bytes.
            3 => {
                if b.len() >= 10 {
                    let v = r.pick(&[0u16, 1, 10, 118, 119, 127, 128, 65535]);
                    b[8..10].copy_from_slice(&v.to_le_bytes());
                }
            }
            // Version bytes.
            4 => {
                if b.len() >= 8 {
                    b[6] = r.pick(&[0u8, 1, 2, 3, 4, 255]);
                    b[7] = r.pick(&[0u8, 0, 1]);
                }
            }
            // Truncate or extend the data.
            5 => {
                if r.chance(0.5) {
                    let n = r.below(b.len() + 1);
                    b.truncate(n);
                } else {
                    let n = 1 + r.below(16);
                    b.extend((0..n).map(|_| r.u64() as u8));
                }
            }
            // Byte flips anywhere.
            _ => {
                if !b.is_empty() {
                    for _ in 0..1 + r.below(4) {
                        let i = r.below(b.len());
                        let v = if r.chance(0.5) {
                            b[i] ^ (1 << r.below(8))
                        } else {
                            r.u64() as u8
                        };
                        b[i] = v;
                    }
                }
            }
        }
    }
    b
}

/// `h` with the value after `key` (up to the next `,` at depth 0 or `}`)
/// replaced.
fn replace_field(h: &str, key: &str, with: &str) -> String {
    let Some(k) = h.find(key) else {
        return h.to_string();
    };
    let v = k + key.len();
    let mut depth = 0i32;
    let mut end = h.len();
    for (i, ch) in h[v..].char_indices() {
        match ch {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' | '}' if depth <= 0 => {
                end = v + i;
                break;
            }
            _ => {}
        }
    }
    format!("{}{}{}", &h[..v], with, &h[end..])
}

fn npy_case(r: &mut Rng, c: &mut Case) -> Result<(), String> {
    let d = r.pick(&DTYPES);
    let s = shape(r);
    let a = array(r, d, &s);
    let mut bytes = a.to_npy_bytes();
    if r.chance(0.15) && s.len() >= 2 {
        // Fortran order: the transpose's C bytes with the shape reversed
        // back.
        let t = a.t().to_contiguous();
        let (hs, he) = header_span(&bytes).expect("a header");
        let h = String::from_utf8_lossy(&bytes[hs..he]).into_owned();
        let h = h.replace("'fortran_order': False", "'fortran_order': True");
        let mut nb = bytes[..hs].to_vec();
        nb.extend_from_slice(h.as_bytes());
        nb.extend_from_slice(&bytes[he..bytes.len() - a.nbytes()]);
        nb.extend_from_slice(&t.to_npy_bytes()[bytes.len() - a.nbytes()..]);
        bytes = nb;
    }
    let bytes = if r.chance(0.1) { bytes } else { mutate_npy(r, &bytes) };
    c.input = format!("npy bytes: {:?}", String::from_utf8_lossy(&bytes));
    let Ok(x) = Array::from_npy_bytes(&bytes) else {
        return Ok(());
    };
    c.stats.parsed += 1;
    let back = Array::from_npy_bytes(&x.to_npy_bytes()).map_err(|e| format!("re-reading what was written: {e}"))?;
    if back != x {
        return Err(format!("round trip changed the array: {x:?} became {back:?}"));
    }
    let k = numel(x.shape()).unwrap_or(usize::MAX);
    for src in ["a + a", "sum(a)", "a * 2 + 1"] {
        // Huge empty shapes are fine to evaluate; only elementwise work
        // on more than 2^16 elements is skipped (there is none in data
        // this small, but a mutated shape could claim it).
        if k > 1 << 16 {
            break;
        }
        let e = Expr::parse(src, &[("a", &x)]).map_err(|e| format!("{src}: {e}"))?;
        let threads = if r.chance(0.3) { 2 } else { 1 };
        let got = e
            .eval_with(&ExecOptions::default().with_threads(threads))
            .map(|a| vec![a]);
        let (g, arrays) =
            lazyfuse::internals::pipeline::build_graph(std::slice::from_ref(&e)).map_err(|e| format!("{src}: {e}"))?;
        let want = lazyfuse::internals::interp::interpret(&g, &arrays);
        agree(&format!("{src}: JIT ({threads} threads)"), &g, &want, &got, c)?;
    }
    Ok(())
}

/// The `.npy` reader on mutated files of every dtype, 0-d, empty and
/// Fortran-ordered.
#[test]
fn npy_bytes() {
    run("npy_bytes", 4, 40000, npy_case);
}

// ---------------------------------------------------------------------------
// Regression tests for what the fuzzer found (one per bug).

/// `graph_ir_text` seeds 8589939900 and 8589940171: reversing (or indexing)
/// an empty array with a huge axis beside its zero-length one put the
/// view's offset at `2^62 - 1` elements, whose byte offset overflowed
/// (a debug-build panic in the layout check; in release an offset far
/// outside the buffer). An empty view now keeps its parent's offset.
#[test]
fn empty_view_of_huge_axis_keeps_offset() {
    for shape in [[1usize << 62, 0], [0, isize::MAX as usize]] {
        let a = Array::zeros(DType::U64, &shape);
        let rev = |axis: usize| {
            let mut ix = vec![Index::FULL; 2];
            ix[axis] = Index::Slice {
                start: None,
                stop: None,
                step: -1,
            };
            ix
        };
        let last = vec![
            Index::FULL,
            Index::Slice {
                start: Some(-1),
                stop: None,
                step: 1,
            },
        ];
        for ix in [rev(0), rev(1), last] {
            let v = a.slice(&ix).expect("an empty view");
            assert!(v.is_empty());
            assert_eq!(v.offset(), 0);
            let e = Expr::parse("x[::-1] + 1", &[("x", &v)]).expect("parses");
            assert_eq!(e.eval().expect("evaluates").shape(), v.shape());
        }
        if shape[0] > 0 {
            assert_eq!(a.index_axis(0, 5).expect("a row").offset(), 0);
        }
    }
    // The same through the graph IR, evaluated by both evaluators.
    let text = "graph @f(%a: u64[4611686018427387904, 0]) {\n    %0 = index %a, [::-1] : u64[4611686018427387904, 0]\n    return %0\n}\n";
    let g = Graph::parse(text).expect("the graph parses");
    assert_eq!(g.to_string(), text);
    let a = Array::zeros(DType::U64, &[1 << 62, 0]);
    let want = lazyfuse::internals::interp::interpret(&g, std::slice::from_ref(&a)).expect("interpreter");
    let got = lazyfuse::internals::runtime::eval_graph(&g, &[a], &ExecOptions::default()).expect("JIT");
    assert_eq!(want, got);
}

/// The comparison can fail: one changed bit, a NaN against a number, a
/// different dtype or shape, `Ok` against `Err`, different messages and an
/// internal error are all caught; any NaN equals any NaN, and `-0.0` equals
/// `0.0` only under a float `min`/`max` reduction.
#[test]
fn comparison_catches_differences() {
    let a = Array::from_vec(vec![1.0f64, f64::NAN, -0.0]);
    let graph = |src: &str| {
        let e = Expr::parse(src, &[("a", &a)]).expect("parses");
        lazyfuse::internals::pipeline::build_graph(&[e]).expect("builds").0
    };
    let (plain, minmax, summed) = (graph("a + a"), graph("max(a) + a"), graph("sum(a) + a"));
    assert_eq!(exactness(&plain), Exactness::Bits);
    assert_eq!(exactness(&minmax), Exactness::SignlessZero);
    assert_eq!(exactness(&summed), Exactness::TypeOnly);
    assert_eq!(exactness(&graph("sum(a)")), Exactness::Tolerance);
    let f = |v: Vec<f64>| Ok(vec![Array::from_vec(v)]);
    let check = |g: &Graph, x: lazyfuse::Result<Vec<Array>>, y: lazyfuse::Result<Vec<Array>>| {
        agree("JIT", g, &x, &y, &mut Case::default()).is_ok()
    };
    let nan2 = f64::from_bits(f64::NAN.to_bits() | 1);
    assert!(check(&plain, f(vec![1.0, f64::NAN, 0.0]), f(vec![1.0, nan2, 0.0])));
    assert!(!check(&plain, f(vec![1.0, f64::NAN, 0.0]), f(vec![1.0, 2.0, 0.0])));
    assert!(!check(
        &plain,
        f(vec![1.0]),
        f(vec![f64::from_bits(1.0f64.to_bits() + 1)])
    ));
    assert!(!check(&plain, f(vec![0.0]), f(vec![-0.0])));
    assert!(check(&minmax, f(vec![0.0]), f(vec![-0.0])));
    assert!(!check(&minmax, f(vec![1.0]), f(vec![2.0])));
    assert!(!check(&plain, f(vec![1.0]), Ok(vec![Array::from_vec(vec![1.0f32])])));
    assert!(!check(&plain, f(vec![1.0]), f(vec![1.0, 1.0])));
    assert!(!check(&plain, f(vec![1.0]), Err(Error::Value("x".into()))));
    assert!(check(
        &plain,
        Err(Error::Value("x".into())),
        Err(Error::Value("x".into()))
    ));
    assert!(!check(
        &plain,
        Err(Error::Value("x".into())),
        Err(Error::Value("y".into()))
    ));
    assert!(!check(
        &plain,
        Err(Error::Internal("x".into())),
        Err(Error::Internal("x".into()))
    ));
    assert!(check(&graph("sum(a)"), f(vec![1.0]), f(vec![1.0 + 1e-12])));
    assert!(!check(&graph("sum(a)"), f(vec![1.0]), f(vec![1.1])));
    assert!(check(&summed, f(vec![1.0]), f(vec![1.1])));
    assert!(!check(&summed, f(vec![1.0]), f(vec![1.0, 1.0])));
}

/// `graph_ir_text` seed 8589953852: `var` of finite data whose shifted
/// squares overflow (`[4, 1e300, -1]`) gave NaN (`inf - inf` in the
/// one-pass finish) where NumPy gives inf; and with squares that fit but
/// a sum whose square does not (`d * d` overflowing), the variance came
/// out 0. Both now match the interpreter (NumPy's two passes).
#[test]
fn var_of_overflowing_squares() {
    let c = 1e153;
    let mut big = vec![0.0f64];
    big.extend(std::iter::repeat_n(c, 63));
    for (data, inf) in [
        (vec![4.0, 1e300, -1.0], true),
        (vec![-3.0, 1e300, 1e300, 1.0], true),
        (big, false),
    ] {
        let a = Array::from_vec(data.clone());
        for src in ["var(a)", "std(a)", "var(a, ddof=1)"] {
            let e = Expr::parse(src, &[("a", &a)]).expect("parses");
            let (g, arrays) = lazyfuse::internals::pipeline::build_graph(std::slice::from_ref(&e)).expect("builds");
            let want = lazyfuse::internals::interp::interpret(&g, &arrays).expect("interpreter")[0]
                .to_scalar::<f64>()
                .unwrap();
            let got = e.eval().expect("JIT").to_scalar::<f64>().unwrap();
            assert_eq!(want.is_infinite(), inf, "{src} of {data:?}: interpreter {want}");
            assert!(
                got == want || (got - want).abs() <= 1e-9 * want.abs(),
                "{src} of {data:?}: JIT {got}, interpreter {want}"
            );
        }
    }
}

/// `stage_texts` seed 12885187712: a `plan` text with buffers of
/// 9223372036854775807 bytes parsed, and printing it panicked adding the
/// sizes up (`planned_bytes`); the total now saturates.
#[test]
fn plan_with_huge_buffers_prints() {
    let text = "plan @f(%a, %b) {\n    buf0 8 : %t0\n    buf1 9223372036854775807 : %t2\n    buf2 9223372036854775807 output : %t1\n    peak 12\n    eager 3 17\n}\n";
    let p = BufferPlan::parse(text).expect("parses");
    assert_eq!(p.planned_bytes(), usize::MAX);
    roundtrip(p, BufferPlan::parse).expect("prints and parses back");
}

/// `graph_ir_text` seeds 8590046724 and 8590096667 (found while building
/// their seed expressions): Python literal `%` computed `x - (x // y) * y`
/// in i128, whose product overflowed (`(2**127 - 1) % -257` panicked), and
/// `(-2**127) // -1` overflowed the division. Now Python's values, and an
/// error where the quotient does not fit.
#[test]
fn literal_modulo_of_huge_ints() {
    let max = "170141183460469231731687303715884105727";
    let eval = |src: &str| {
        Expr::parse(src, &[])
            .and_then(|e| e.eval())
            .map(|a| a.to_scalar::<i64>().unwrap())
    };
    assert_eq!(eval(&format!("{max} % -257")).unwrap(), -129);
    assert_eq!(eval(&format!("{max} // -257 % 7")).unwrap(), 2);
    assert_eq!(eval(&format!("(-{max} - 1) % 255")).unwrap(), 127);
    assert_eq!(eval(&format!("(-{max} - 1) % -1")).unwrap(), 0);
    let err = eval(&format!("(-{max} - 1) // -1")).unwrap_err();
    assert!(
        err.to_string().ends_with("integer literal arithmetic overflows"),
        "{err}"
    );
}
