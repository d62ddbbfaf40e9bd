//! The `lazyfuse` command line, as a library function so tests can run it
//! in-process. The binary only maps `Err` to exit status 1.
//!
//! The word after `eval`, `explain` or `bench` is always the expression,
//! whatever it looks like (`lazyfuse eval -i -i i=f64[3]` negates `i`, as
//! NumPy's `-i`): [`run`] takes it out before clap parses the options, and
//! hands it back as a positional after `--`. Only `-h`/`--help` there asks
//! for help, and `bench` with `--suite` has no expression. Every error is
//! one line; clap's tips ("a similar argument exists") are kept on it.
//!
//! This file parses the command line and dispatches; each subcommand is a
//! file (`eval.rs`, `explain.rs`, `bench.rs`, `demo.rs`) with its clap
//! arguments and its run; `inputs.rs` reads `-i` specs, sizes and prints
//! summaries.

use crate::error::{Error, Result};
use crate::runtime::MAX_THREADS;
use clap::{Parser, Subcommand};
use std::io::Write;

mod bench;
mod demo;
mod eval;
mod explain;
mod inputs;

use bench::BenchArgs;
use demo::demo;
use eval::EvalArgs;
use explain::ExplainArgs;
pub use inputs::{parse_type_spec, summary};

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
    Eval(EvalArgs),
    /// Print what would be compiled, stage by stage.
    #[command(
        override_usage = "lazyfuse explain EXPR [-i NAME=FILE.npy|NAME=DTYPE[SHAPE]]... [--stage STAGE] [--dot]",
        after_help = EXPLAIN_HELP
    )]
    Explain(ExplainArgs),
    /// Time an expression (or the cases of a suite) against a hand-written loop.
    #[command(
        override_usage = "lazyfuse bench EXPR [-i NAME=DTYPE[SHAPE]]... [OPTIONS]\n       \
                          lazyfuse bench --suite FILE [--case ID]... [OPTIONS]",
        after_help = BENCH_HELP
    )]
    Bench(BenchArgs),
    /// Evaluate and explain an example expression on built-in data.
    #[command(after_help = "Example:\n  cargo run --release -- demo")]
    Demo,
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

/// A failed write of the normal output.
fn io(e: std::io::Error) -> Error {
    Error::Io(crate::error::IoError::new(format!("writing output: {e}"), e))
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
        (Cmd::Eval(EvalArgs { expr, .. }) | Cmd::Explain(ExplainArgs { expr, .. }), Some(e)) => *expr = e,
        (Cmd::Bench(BenchArgs { expr, .. }), e) => *expr = e,
        _ => {}
    }
    match cli.cmd {
        Cmd::Eval(a) => a.run(out),
        Cmd::Explain(a) => a.run(out),
        Cmd::Bench(a) => a.run(out),
        Cmd::Demo => demo(out),
    }
}
