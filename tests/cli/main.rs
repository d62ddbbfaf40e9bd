//! The `lazyfuse` binary: success paths, and exit status 1 with exactly one
//! line on stderr naming the cause for every kind of user error.

mod commands;
mod common;
mod errors;
mod files;
