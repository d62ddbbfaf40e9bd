//! Measures the ULP error of every lazyfuse math function, f64 and f32,
//! against MPFR (through `rug`): see README.md.
//!
//! For each function of the op table (`UnaryOp::math`, `BinaryOp::math`)
//! and each dtype: random inputs across the whole domain (uniform over the
//! interesting range and log-uniform over every magnitude, both signs),
//! random bit patterns, hard cases (trig near multiples of π/2 and at huge
//! arguments, exp/expm1 near overflow and into the subnormal range, log of
//! subnormals, functions near 0, near ±1, …) and special values (NaN, ±inf,
//! ±0, subnormals, and for two-argument functions every pair of them).
//! The reference is the exact value computed by MPFR at 160 bits; the
//! error is |ours − exact| / ulp(exact) in the output's format (subnormal
//! spacing below the normal range; an infinity counts as ±2^1024 or
//! ±2^128 when the exact value is finite, and overflowed exact values are
//! clamped there too, so `MAX` for an exact value that rounds to inf is 1
//! ULP). A NaN where the exact value is not NaN (or the reverse), an
//! infinity where the correctly rounded value is finite (or the reverse),
//! or a zero of the wrong sign counts as a special-value mismatch
//! (reported apart from the ULP numbers).
//!
//! `--exhaustive-f32` runs every one of the 2^32 f32 inputs of the
//! one-argument functions instead; there the reference is glibc's f64
//! function (`f64::sin` etc., ≤ 1 f64 ULP, i.e. ~2^-29 f32 ULP) evaluated
//! on the f32 input, not MPFR, which would take days.

mod exhaustive;
mod inputs;
mod reference;
mod report;
mod sampled;
mod throughput;

use crate::exhaustive::*;
use crate::reference::*;
use crate::report::*;
use crate::sampled::*;
use crate::throughput::*;

fn usage() -> ! {
    eprintln!(
        "usage: lazyfuse-accuracy [--samples N] [--only NAME,...] [--dump DIR] [--out FILE]\n\
         \x20      lazyfuse-accuracy --exhaustive-f32 [--threads T] [--stride S] [--only NAME,...] [--out FILE]\n\
         \x20      lazyfuse-accuracy --throughput [--only NAME,...]"
    );
    std::process::exit(2)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut n = 100_000usize;
    let mut only: Vec<String> = Vec::new();
    let mut exhaustive = false;
    let mut threads = 1usize;
    let mut stride = 1u64;
    let mut out: Option<String> = None;
    let mut dump = Dump(None);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--samples" => n = val().parse().unwrap_or_else(|_| usage()),
            "--only" => only = val().split(',').map(str::to_string).collect(),
            "--exhaustive-f32" => exhaustive = true,
            "--throughput" => {
                let rest: Vec<String> = args.collect();
                let only = match rest.as_slice() {
                    [] => Vec::new(),
                    [o, v] if o == "--only" => v.split(',').map(str::to_string).collect(),
                    _ => usage(),
                };
                throughput(&only);
                return;
            }
            "--threads" => threads = val().parse().unwrap_or_else(|_| usage()),
            "--stride" => stride = val().parse().unwrap_or_else(|_| usage()),
            "--out" => out = Some(val()),
            "--dump" => {
                let d = std::path::PathBuf::from(val());
                std::fs::create_dir_all(&d).expect("create dump dir");
                dump = Dump(Some(d));
            }
            _ => usage(),
        }
    }
    let path = lazyfuse::internals::math::Path::current();
    let (rows, reference) = if exhaustive {
        let rows = exhaustive_f32(&only, threads.max(1), stride.max(1));
        let what = if stride > 1 {
            format!("every {stride}-th f32 bit pattern")
        } else {
            "all 2^32 f32 inputs".to_string()
        };
        (
            rows,
            format!(
                "glibc's f64 function on the f32 input (not MPFR), {what}, block functions on the {} path",
                path.name()
            ),
        )
    } else {
        let rows = sampled(n, &only, &dump);
        (rows, format!("MPFR at {PREC} bits (rug), {n} random inputs per function and dtype plus hard cases and special values, scalar kernels ({} path)", path.name()))
    };
    let t = table(&rows, &reference);
    print!("{t}");
    if let Some(o) = out {
        std::fs::write(&o, &t).expect("write --out");
    }
}
