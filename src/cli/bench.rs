//! `lazyfuse bench`: times an expression, or the cases of a suite, against
//! hand-written loops (`crate::bench`), then the paired relative and
//! thread-scaling targets.

use super::inputs::parse_type_spec;
use super::{check_threads, io};
use crate::error::{Error, Result};
use crate::expr::parse::clip;
use std::io::Write;

// No doc comment: the subcommand's `about` is the variant's, in `mod.rs`.
#[derive(clap::Args, Debug)]
pub(super) struct BenchArgs {
    /// The expression (none with --suite).
    #[arg(skip)]
    pub(super) expr: Option<String>,
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
}

impl BenchArgs {
    pub(super) fn run(self, out: &mut dyn Write) -> Result<()> {
        let BenchArgs {
            expr,
            inputs,
            suite,
            cases,
            threads,
            repeat,
            json,
        } = self;
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
        Ok(())
    }
}
