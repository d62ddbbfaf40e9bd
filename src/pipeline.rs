//! The one place that sequences the stages.
use crate::array::Array;
use crate::error::Result;
use crate::expr::{lower, Expr};

/// Evaluates expressions together.
pub fn eval_many(outputs: &[Expr]) -> Result<Vec<Array>> {
    let (g, arrays) = lower(outputs)?;
    crate::interp::interpret(&g, &arrays)
}
