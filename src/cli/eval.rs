//! `lazyfuse eval`: evaluates an expression on its `-i` inputs and prints a
//! summary, or writes the result (`-o`) to a `.npy` file or a Zarr array,
//! streaming, with a progress bar on a terminal.
//!
//! Invariant: `-o` output goes through `eval_to_npy_with`/`eval_to_zarr_with`,
//! so the working memory stays within `--memory`.

use super::inputs::{input_exprs, parse_bytes, parse_input_exprs, summary};
use super::{check_threads, io};
use crate::error::{Error, Result};
use crate::expr::parse::clip;
use crate::expr::Expr;
use std::io::Write;
use std::path::Path;

// No doc comment: the subcommand's `about` is the variant's, in `mod.rs`.
#[derive(clap::Args, Debug)]
pub(super) struct EvalArgs {
    /// The expression (taken out of the arguments before clap parses
    /// them, see [`clap_argv`](super::clap_argv)).
    #[arg(skip)]
    pub(super) expr: String,
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
}

impl EvalArgs {
    pub(super) fn run(self, out: &mut dyn Write) -> Result<()> {
        let EvalArgs {
            expr,
            inputs,
            output,
            codec,
            threads,
            memory,
        } = self;
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
        r
    }
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
