//! `.npy` reading, writing and memory-mapping (`src/array/npy/`).
//!
//! Fixtures in `tests/data/npy/` were written by NumPy
//! (`scripts/gen_npy_fixtures.py`); the expected values are spelled out here.
//!
//! Safety of every `unsafe { Array::open_npy(..) }` here: no test truncates
//! or modifies a file in place while an array maps it (replacing it by
//! rename, as `write_npy` does, is allowed).

mod common;
mod errors;
mod fuzz;
mod numpy;
mod open_npy;
mod round_trips;
