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
//! Comparison rules (those of `tests/differential/`): bit for bit, any
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

mod common;
mod expr_strings;
mod graph_ir;
mod npy_bytes;
mod regressions;
mod stage_texts;
