//! The `lazyfuse` command line, as a library function so tests can run it
//! in-process. The binary only maps `Err` to exit status 1.
//!
//! The word after `eval`, `explain` or `bench` is always the expression,
//! whatever it looks like (`lazyfuse eval -i -i i=f64[3]` negates `i`, as
//! NumPy's `-i`): [`run`] takes it out before clap parses the options, and
//! hands it back as a positional after `--`. Only `-h`/`--help` there asks
//! for help, and `bench` with `--suite` has no expression. Every error is
//! one line; clap's tips ("a similar argument exists") are kept on it.

use crate::array::{random, Array, DType};
use crate::error::{Error, Result};
use crate::expr::parse::clip;
use crate::expr::Expr;
use crate::runtime::MAX_THREADS;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::Path;

const TOP_EXAMPLES: &str = "\
Examples:
  lazyfuse demo
  lazyfuse eval \"2*a + sin(b)\" -i a=data.npy -i b=f64[1000] -o out.npy
  lazyfuse explain \"sum(a * b, axis=1)\" -i a=f32[1000,1000] -i b=f32[1000] --stage fused
  lazyfuse bench \"exp(-a**2/2) * c\" -i a=f64[10000000] -i c=f64[10000000]
  lazyfuse bench --suite benches/suite.json --case add --case gauss

Environment: LAZYFUSE_THREADS (default thread count), LAZYFUSE_DUMP=DIR (write every stage of each new graph); see README.md.";

const EVAL_HELP: &str = "\
EXPR, e.g. \"2*a + sin(b)\", is always the first argument, even if it starts with '-' (`lazyfuse eval -i -i i=f64[3]` negates i). Nesting deeper than 200 levels (parentheses, calls, prefix operators, `**`) is refused.

Examples:
  lazyfuse eval \"a[::-1] * 2 + 1\" -i a=i32[4]
  lazyfuse eval \"where(a > 0, sqrt(a), 0)\" -i a=data.npy -o out.npy
  lazyfuse eval \"sum(a.T ** 2, axis=0)\" -i a=f64[1000,1000] --threads 2
  lazyfuse eval \"(a - mean(a)) / std(a)\" -i a=big.npy -o z.npy --memory 64M
  lazyfuse eval \"a - mean(a)\" -i a=data.zarr -o out.zarr --codec blosc

.npy inputs are read window by window, Zarr arrays (directories with zarr.json) chunk by chunk, and -o (a .npy file, or a Zarr array for a path ending in .zarr) is written window by window: the working memory stays within --memory (default 256M) whatever the size of the files.";

const EXPLAIN_HELP: &str = "\
EXPR, e.g. \"2*a + sin(b)\", is always the first argument, even if it starts with '-'. Nesting deeper than 200 levels is refused.

Examples:
  lazyfuse explain \"2*a + 3*b*c - d/4 + 1\" -i a=f64[1000000] -i b=f64[1000000] -i c=f64[1000000] -i d=f64[1000000]
  lazyfuse explain \"mean(a, axis=0)\" -i a=f32[1000,100] --stage loop
  lazyfuse explain \"exp(a) * b\" -i a=f64[1000] -i b=f64[1000] --dot > graph.dot";

const BENCH_HELP: &str = "\
EXPR is always the first argument, unless --suite is given (then there is none).

Examples:
  lazyfuse bench \"2*a + b\" -i a=f64[10000000] -i b=f64[10000000]
  lazyfuse bench \"sin(a)**2 + cos(b)**2\" -i a=f64[1000000] -i b=f64[1000000] --threads 2 --json
  lazyfuse bench --suite benches/suite.json
  lazyfuse bench --suite benches/suite.json --case add --case trig --repeat 5";

/// A stage of `explain --stage`.
#[derive(ValueEnum, Clone, Copy, Debug)]
enum Stage {
    /// The graph after simplification.
    Graph,
    /// The fused kernels.
    Fused,
    /// The buffer plan.
    Plan,
    /// The loop nests after the loop passes.
    Loop,
    /// The Cranelift IR.
    Clif,
    /// The machine code.
    Asm,
}

impl Stage {
    fn name(self) -> &'static str {
        match self {
            Stage::Graph => "graph",
            Stage::Fused => "fused",
            Stage::Plan => "plan",
            Stage::Loop => "loop",
            Stage::Clif => "clif",
            Stage::Asm => "asm",
        }
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "lazyfuse",
    version,
    about = "Lazy array expressions, fused and JIT-compiled",
    after_help = TOP_EXAMPLES
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Evaluate an expression on .npy inputs.
    #[command(
        override_usage = "lazyfuse eval EXPR [-i NAME=FILE.npy|NAME=DIR.zarr|NAME=DTYPE[SHAPE]]... [-o OUT.npy|OUT.zarr] [--codec CODEC] [--threads N] [--memory BYTES]",
        after_help = EVAL_HELP
    )]
    Eval {
        /// The expression (taken out of the arguments before clap parses
        /// them, see [`clap_argv`]).
        #[arg(skip)]
        expr: String,
        /// Inputs: NAME=FILE.npy, NAME=DIR.zarr (a Zarr v3 array) or
        /// NAME=DTYPE[SHAPE] (random data), e.g.
        /// a=f64[1000,1000]; SHAPE is non-negative integers separated by
        /// commas (a trailing comma is allowed, as in a Python tuple;
        /// f64[] is a 0-d array). NAME cannot be True, False, None, inf or
        /// nan.
        #[arg(short = 'i', long = "input")]
        inputs: Vec<String>,
        /// Write the result to this .npy file (or Zarr array, for a path
        /// ending in .zarr) instead of printing it.
        #[arg(short = 'o', long = "output")]
        output: Option<String>,
        /// Compression of a Zarr output: zstd (default), blosc, gzip or
        /// none.
        #[arg(long, value_parser = ["zstd", "blosc", "gzip", "none"])]
        codec: Option<String>,
        /// Worker threads, 1 to 256 (default: LAZYFUSE_THREADS or 1).
        #[arg(long)]
        threads: Option<usize>,
        /// Working memory of the evaluation: bytes, or with a K, M or G
        /// suffix (powers of 1024), e.g. 64M (default: 256M).
        #[arg(long, value_parser = parse_bytes)]
        memory: Option<usize>,
    },
    /// Print what would be compiled, stage by stage.
    #[command(
        override_usage = "lazyfuse explain EXPR [-i NAME=FILE.npy|NAME=DTYPE[SHAPE]]... [--stage STAGE] [--dot]",
        after_help = EXPLAIN_HELP
    )]
    Explain {
        /// The expression.
        #[arg(skip)]
        expr: String,
        /// Inputs: NAME=FILE.npy or NAME=DTYPE[SHAPE].
        #[arg(short = 'i', long = "input")]
        inputs: Vec<String>,
        /// Only this stage.
        #[arg(long, value_enum)]
        stage: Option<Stage>,
        /// Print the graph as Graphviz DOT.
        #[arg(long)]
        dot: bool,
    },
    /// Time an expression (or the cases of a suite) against a hand-written loop.
    #[command(
        override_usage = "lazyfuse bench EXPR [-i NAME=DTYPE[SHAPE]]... [OPTIONS]\n       \
                          lazyfuse bench --suite FILE [--case ID]... [OPTIONS]",
        after_help = BENCH_HELP
    )]
    Bench {
        /// The expression (none with --suite).
        #[arg(skip)]
        expr: Option<String>,
        /// Inputs: NAME=DTYPE[SHAPE].
        #[arg(short = 'i', long = "input")]
        inputs: Vec<String>,
        /// A suite file (benches/suite.json in the repository).
        #[arg(long)]
        suite: Option<String>,
        /// Only these case ids of the suite.
        #[arg(long = "case")]
        cases: Vec<String>,
        /// Worker threads, 1 to 256 (default: LAZYFUSE_THREADS or 1).
        #[arg(long)]
        threads: Option<usize>,
        /// Timed samples per measurement.
        #[arg(long, default_value_t = 11)]
        repeat: usize,
        /// One JSON object per case instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Evaluate and explain an example expression on built-in data.
    #[command(after_help = "Example:\n  cargo run --release -- demo")]
    Demo,
}

/// Parses `f64[1000,1000]` into a dtype and shape. Dimensions are
/// non-negative decimal integers separated by commas, with optional spaces
/// around them and an optional trailing comma (Python's `(3,)`); `f64[]` is
/// a 0-d array.
///
/// ```
/// use lazyfuse::{internals::cli::parse_type_spec, DType};
/// assert_eq!(parse_type_spec("f64[2, 3]")?, (DType::F64, vec![2, 3]));
/// assert_eq!(parse_type_spec("u8[4,]")?, (DType::U8, vec![4]));
/// assert!(parse_type_spec("f64[1,,2]").is_err());
/// # Ok::<(), lazyfuse::Error>(())
/// ```
pub fn parse_type_spec(s: &str) -> Result<(DType, Vec<usize>)> {
    let bad = |why: String| {
        Error::Parse(format!(
            "bad type '{}': {why} (expected DTYPE[SHAPE] like f64[1000,1000])",
            clip(s)
        ))
    };
    let (open, body) = match s.find('[') {
        Some(open) => match s[open + 1..].strip_suffix(']') {
            Some(body) => (open, body),
            None => return Err(bad("no ']' at the end".into())),
        },
        None => return Err(bad("no '['".into())),
    };
    let dtype: DType = s[..open].parse()?;
    if body.trim().is_empty() {
        return Ok((dtype, vec![]));
    }
    let mut dims: Vec<&str> = body.split(',').map(str::trim).collect();
    if dims.len() > 1 && dims.last() == Some(&"") {
        dims.pop();
    }
    let shape = dims
        .iter()
        .map(|&d| {
            if d.is_empty() {
                Err(bad("empty dimension".into()))
            } else if !d.bytes().all(|b| b.is_ascii_digit()) {
                Err(bad(format!("dimension '{}' is not a non-negative integer", clip(d))))
            } else {
                d.parse::<usize>()
                    .map_err(|_| bad(format!("dimension {} is too large", clip(d))))
            }
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((dtype, shape))
}

/// `64M`, `1G`, `4096`: a byte count with an optional K, M, G or T suffix
/// (powers of 1024).
fn parse_bytes(s: &str) -> std::result::Result<usize, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m: u64 = match c.to_ascii_uppercase() {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'T' => 1 << 40,
                _ => {
                    return Err(format!(
                        "'{}' is not a size: use bytes or a K, M, G or T suffix",
                        clip(s)
                    ))
                }
            };
            (&t[..i], m)
        }
        _ => (t, 1),
    };
    let n: u64 = num
        .trim()
        .parse()
        .map_err(|_| format!("'{}' is not a size: use bytes or a K, M, G or T suffix", clip(s)))?;
    n.checked_mul(mult)
        .and_then(|b| usize::try_from(b).ok())
        .filter(|&b| b > 0)
        .ok_or_else(|| format!("'{}' is not a usable size (more than 0, less than 2^64 bytes)", clip(s)))
}

/// Inputs as expressions: `NAME=FILE.npy` streamed from the file (read
/// with `pread` window by window, never mapped: an input file truncated by
/// another program is an error, not a crash; a pipe or device is read
/// whole), or random data for `NAME=DTYPE[SHAPE]`.
fn input_exprs(specs: &[String]) -> Result<Vec<(String, Expr)>> {
    let mut out = vec![];
    for (k, spec) in specs.iter().enumerate() {
        let (name, val) = split_input(spec, k, &out)?;
        let e = if val.ends_with(']') && val.contains('[') {
            let (dt, shape) = parse_type_spec(val)?;
            Expr::named(name, &random::random(dt, &shape, 0x5eed + k as u64)?)
        } else if std::fs::metadata(val).is_ok_and(|m| m.is_file()) {
            Expr::npy(name, val)?
        } else if cfg!(feature = "zarr") && Path::new(val).join("zarr.json").is_file() {
            zarr_input(name, val)?
        } else {
            Expr::named(name, &Array::read_npy(val)?)
        };
        out.push((name.to_string(), e));
    }
    Ok(out)
}

/// `NAME=DIR.zarr`: a Zarr array, decoded chunk by chunk.
#[cfg(feature = "zarr")]
fn zarr_input(name: &str, path: &str) -> Result<Expr> {
    Expr::zarr(name, path)
}

#[cfg(not(feature = "zarr"))]
fn zarr_input(_: &str, path: &str) -> Result<Expr> {
    Err(Error::Value(format!(
        "{path}: Zarr arrays need lazyfuse built with the zarr feature"
    )))
}

/// Writes the result to `path`: a Zarr array when it ends in `.zarr`, else
/// a `.npy` file.
fn write_output(e: &Expr, path: &str, codec: Option<&str>, opts: &crate::runtime::ExecOptions) -> Result<()> {
    let zarr = Path::new(path).extension().is_some_and(|x| x == "zarr");
    if !zarr {
        if codec.is_some() {
            return Err(Error::Value(format!(
                "--codec applies to a Zarr output (-o DIR.zarr), not to {}",
                clip(path)
            )));
        }
        return e.eval_to_npy_with(path, opts);
    }
    #[cfg(feature = "zarr")]
    {
        let mut z = crate::internals::zarr::ZarrOptions::default();
        if let Some(c) = codec {
            z.codec = c.parse()?;
        }
        e.eval_to_zarr_with(path, &z, opts)
    }
    #[cfg(not(feature = "zarr"))]
    Err(Error::Value(format!(
        "{path}: Zarr arrays need lazyfuse built with the zarr feature"
    )))
}

/// `NAME=VALUE`, with a valid name not given before.
fn split_input<'a, T>(spec: &'a str, _k: usize, before: &[(String, T)]) -> Result<(&'a str, &'a str)> {
    let (name, val) = spec.split_once('=').ok_or_else(|| {
        Error::Parse(format!(
            "bad input '{}': expected NAME=FILE.npy or NAME=DTYPE[SHAPE]",
            clip(spec)
        ))
    })?;
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(Error::Parse(format!("bad input name '{}'", clip(name))));
    }
    if before.iter().any(|(n, _)| n == name) {
        return Err(Error::Parse(format!("input '{}' is given twice", clip(name))));
    }
    Ok((name, val))
}

fn parse_input_exprs(expr: &str, inputs: &[(String, Expr)]) -> Result<Expr> {
    let bind: Vec<(&str, &Expr)> = inputs.iter().map(|(n, e)| (n.as_str(), e)).collect();
    Expr::parse_exprs(expr, &bind)
}

fn parse_expr(expr: &str, inputs: &[(String, Array)]) -> Result<Expr> {
    let bind: Vec<(&str, &Array)> = inputs.iter().map(|(n, a)| (n.as_str(), a)).collect();
    Expr::parse(expr, &bind)
}

/// Prints dtype, shape and the first values of an array (only those are
/// converted).
pub fn summary(a: &Array) -> String {
    let n = a.len();
    let mut shown: Vec<String> = Vec::with_capacity(10);
    let mut idx = vec![0usize; a.ndim()];
    for _ in 0..n.min(10) {
        shown.push(a.get(&idx).map(|v| v.to_string()).unwrap_or_else(|e| e.to_string()));
        // The next index in C order.
        for d in (0..idx.len()).rev() {
            idx[d] += 1;
            if idx[d] < a.shape()[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    format!(
        "dtype: {}\nshape: {}\nvalues: [{}{}]\n",
        a.dtype(),
        crate::array::layout::shape_str(a.shape()),
        shown.join(", "),
        if n > 10 {
            format!(", … ({} more)", n - 10)
        } else {
            String::new()
        }
    )
}

/// Splits off the expression — the word after `eval`, `explain` or
/// `bench`, unless it is `-h`/`--help` or `bench` has `--suite` — and
/// returns the rest for clap, which never sees the expression.
fn clap_argv(args: &[String]) -> Result<(Vec<String>, Option<String>)> {
    let mut argv = vec!["lazyfuse".to_string()];
    let Some((sub, rest)) = args.split_first() else {
        return Ok((argv, None));
    };
    argv.push(sub.clone());
    let usage = match sub.as_str() {
        "eval" => "lazyfuse eval EXPR [-i NAME=FILE]...",
        "explain" => "lazyfuse explain EXPR [-i NAME=FILE]...",
        "bench" => "lazyfuse bench EXPR [-i NAME=DTYPE[SHAPE]]... or lazyfuse bench --suite FILE",
        _ => {
            argv.extend(rest.iter().cloned());
            return Ok((argv, None));
        }
    };
    let suite = sub == "bench" && rest.iter().any(|a| a == "--suite" || a.starts_with("--suite="));
    match rest.split_first() {
        Some((first, _)) if suite || first == "-h" || first == "--help" => {
            argv.extend(rest.iter().cloned());
            Ok((argv, None))
        }
        Some((expr, more)) => {
            argv.extend(more.iter().cloned());
            Ok((argv, Some(expr.clone())))
        }
        None => Err(Error::Parse(format!("missing the expression: {usage}"))),
    }
}

/// Clap's error as one line: its first line, the valid values and its tips
/// ("did you mean").
fn one_line(e: &clap::Error) -> String {
    let msg = e.to_string();
    let mut lines = msg.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("bad arguments").trim_start_matches("error: ");
    let tips: Vec<&str> = lines
        .filter_map(|l| match l.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            Some(values) if values.starts_with("possible values:") => Some(values),
            _ => l.starts_with("tip:").then_some(l),
        })
        .collect();
    if tips.is_empty() {
        first.to_string()
    } else {
        format!("{first} ({})", tips.join("; "))
    }
}

/// `--threads`: 1 to [`MAX_THREADS`].
fn check_threads(threads: Option<usize>) -> Result<()> {
    match threads {
        Some(0) => Err(Error::Parse("--threads must be at least 1".into())),
        Some(n) if n > MAX_THREADS => Err(Error::Parse(format!(
            "--threads {n} is above the limit of {MAX_THREADS} threads"
        ))),
        _ => Ok(()),
    }
}

/// Runs the command line `args` (without the program name), writing normal
/// output to `out`. Error messages are one line of at most 240 characters.
pub fn run(args: &[String], out: &mut dyn Write) -> Result<()> {
    run_args(args, out).map_err(crate::expr::parse::clip_message)
}

fn run_args(args: &[String], out: &mut dyn Write) -> Result<()> {
    let (argv, expression) = clap_argv(args)?;
    let mut cli = match Cli::try_parse_from(argv) {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind::*;
            if matches!(e.kind(), DisplayHelp | DisplayVersion) {
                let text = e.to_string();
                let end = if text.ends_with('\n') { "" } else { "\n" };
                let _ = write!(out, "{text}{end}");
                return Ok(());
            }
            if matches!(e.kind(), DisplayHelpOnMissingArgumentOrSubcommand) {
                return Err(Error::Parse(
                    "missing subcommand: eval, explain, bench or demo (see --help)".into(),
                ));
            }
            return Err(Error::Parse(one_line(&e)));
        }
    };
    match (&mut cli.cmd, expression) {
        (Cmd::Eval { expr, .. } | Cmd::Explain { expr, .. }, Some(e)) => *expr = e,
        (Cmd::Bench { expr, .. }, e) => *expr = e,
        _ => {}
    }
    let io = |e: std::io::Error| Error::Io(crate::error::IoError::new(format!("writing output: {e}"), e));
    match cli.cmd {
        Cmd::Eval {
            expr,
            inputs,
            output,
            codec,
            threads,
            memory,
        } => {
            check_threads(threads)?;
            let inputs = input_exprs(&inputs)?;
            let e = parse_input_exprs(&expr, &inputs)?;
            let mut opts = crate::runtime::ExecOptions::default().with_threads(threads.unwrap_or(0));
            opts.memory = memory;
            // A progress bar on stderr when it is a terminal (streamed
            // evaluations report progress; others finish before it shows).
            let bar = std::io::IsTerminal::is_terminal(&std::io::stderr()).then(|| {
                let b = indicatif::ProgressBar::hidden();
                b.set_style(
                    indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                b
            });
            if let Some(b) = &bar {
                let b = b.clone();
                opts = opts.with_progress(move |done, total| {
                    if b.is_hidden() {
                        b.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                    }
                    b.set_length(total);
                    b.set_position(done);
                });
            }
            let r = match output {
                Some(path) => write_output(&e, &path, codec.as_deref(), &opts),
                None => e
                    .eval_with(&opts)
                    .and_then(|r| out.write_all(summary(&r).as_bytes()).map_err(io)),
            };
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            r?
        }
        Cmd::Explain {
            expr,
            inputs,
            stage,
            dot,
        } => {
            let inputs = input_exprs(&inputs)?;
            let e = parse_input_exprs(&expr, &inputs)?;
            let text = if dot {
                e.explain_dot()?
            } else {
                match stage {
                    Some(s) => e.explain_stage(s.name())?,
                    None => e.explain()?,
                }
            };
            out.write_all(text.as_bytes()).map_err(io)?;
        }
        Cmd::Bench {
            expr,
            inputs,
            suite,
            cases,
            threads,
            repeat,
            json,
        } => {
            check_threads(threads)?;
            if repeat == 0 {
                return Err(Error::Parse("--repeat must be at least 1".into()));
            }
            let list = match (suite, expr) {
                (Some(path), None) => {
                    let all = crate::bench::load_suite(&path)?;
                    if let Some(bad) = cases.iter().find(|c| !all.iter().any(|k| &k.id == *c)) {
                        return Err(Error::Parse(format!("no case '{}' in {path}", clip(bad))));
                    }
                    all.into_iter()
                        .filter(|k| cases.is_empty() || cases.contains(&k.id))
                        .collect()
                }
                (None, Some(expr)) => {
                    let mut ins = vec![];
                    for spec in &inputs {
                        let (name, ty) = spec.split_once('=').ok_or_else(|| {
                            Error::Parse(format!("bad input '{}': expected NAME=DTYPE[SHAPE]", clip(spec)))
                        })?;
                        let (dt, shape) = parse_type_spec(ty)?;
                        ins.push((name.to_string(), dt, shape));
                    }
                    vec![crate::bench::Case {
                        id: "expr".into(),
                        expr,
                        inputs: ins,
                    }]
                }
                (Some(_), Some(_)) => return Err(Error::Parse("give an expression or --suite, not both".into())),
                (None, None) => return Err(Error::Parse("bench needs an expression or --suite FILE".into())),
            };
            if !json {
                writeln!(out, "{}", crate::bench::TABLE_HEADER).map_err(io)?;
            }
            for case in &list {
                let m = crate::bench::run_case(case, threads.unwrap_or(0), repeat)?;
                let line = if json { m.to_json() } else { m.table_row() };
                writeln!(out, "{line}").map_err(io)?;
                out.flush().map_err(io)?;
            }
            // Cases that should cost about as much as another one, timed
            // against it in alternating rounds.
            let find = |id: &str| list.iter().find(|c| c.id == id);
            for &(a, b, target) in crate::bench::RELATIVE_TARGETS {
                let (Some(ca), Some(cb)) = (find(a), find(b)) else {
                    continue;
                };
                let t = threads.unwrap_or(0);
                let r = crate::bench::run_pair((ca, t), (cb, t), repeat)?;
                let line = if json {
                    format!("{{\"pair\": \"{a}/{b}\", \"ratio\": {r:.6e}, \"target_max\": {target}}}")
                } else {
                    format!("{a} / {b}: {r:.2} (paired rounds; target <= {target})")
                };
                writeln!(out, "{line}").map_err(io)?;
            }
            // Two threads against one, when the thread count was not given.
            for &(a, target) in crate::bench::SCALING_TARGETS {
                let (Some(ca), None) = (find(a), threads) else { continue };
                let r = crate::bench::run_pair((ca, 1), (ca, 2), repeat)?;
                let line = if json {
                    format!("{{\"pair\": \"{a} 1 thread/2 threads\", \"ratio\": {r:.6e}, \"target_min\": {target}}}")
                } else {
                    format!("{a} 1 thread / 2 threads: {r:.2} (paired rounds; target >= {target})")
                };
                writeln!(out, "{line}").map_err(io)?;
            }
        }
        Cmd::Demo => demo(out)?,
    }
    Ok(())
}

/// `lazyfuse demo`: a real expression on built-in data, evaluated and
/// explained.
fn demo(out: &mut dyn Write) -> Result<()> {
    let n = 1_000_000;
    let a = Array::linspace(0.0, 1.0, n)?;
    let b = Array::linspace(1.0, 2.0, n)?;
    // A negative-step view: read backwards in place, never copied.
    let c = Array::linspace(-1.0, 1.0, n)?.slice(&[crate::array::Index::Slice {
        start: None,
        stop: None,
        step: -1,
    }])?;
    let d = Array::linspace(0.5, 0.75, n)?;
    let src = "2*a + 3*b*c - d/4 + 1";
    let e = parse_expr(
        src,
        &[("a".into(), a), ("b".into(), b), ("c".into(), c), ("d".into(), d)],
    )?;
    let r = e.eval()?;
    let io = |e: std::io::Error| Error::Io(crate::error::IoError::new(format!("writing output: {e}"), e));
    writeln!(
        out,
        "expression: {src}   (a, b, d: linspace over 10^6 f64; c: linspace reversed, a negative-step view)"
    )
    .map_err(io)?;
    out.write_all(summary(&r).as_bytes()).map_err(io)?;
    writeln!(out).map_err(io)?;
    out.write_all(e.explain()?.as_bytes()).map_err(io)?;
    Ok(())
}
