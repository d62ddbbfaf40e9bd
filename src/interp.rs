//! The reference interpreter (being written).
use crate::array::Array;
use crate::error::{Error, Result};
use crate::expr::Graph;

/// Evaluates every output of `g` with `inputs` bound in order.
pub fn interpret(_g: &Graph, _inputs: &[Array]) -> Result<Vec<Array>> {
    Err(Error::Internal("interpreter not built yet".into()))
}
