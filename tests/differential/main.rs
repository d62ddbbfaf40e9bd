//! Differential tests: the JIT against the reference interpreter on random
//! expressions (depth up to 8, all 11 dtypes, every element-wise op, casts,
//! `where`), with broadcasting and transposed, negative-step and strided
//! inputs, sizes 0, 1, odd, vector width ± 1 and around thread-chunk
//! boundaries, with 1–3 threads; and the same expressions reduced (exact
//! reductions: `min`/`max`/`any`/`all`, integer `sum`/`prod`) over random
//! axes. Float sums, `mean`, `var`, `std` are checked with tolerances in
//! `tests/reductions.rs`. Results must be equal bit for bit (any NaN
//! equals any NaN). Each case is generated from one `u64` seed, which
//! proptest prints on failure; rerun one with `LAZYFUSE_SEED=<seed> cargo
//! test --test differential replay`.

mod common;
mod hand_lowered;
mod random_exprs;
