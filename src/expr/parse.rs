//! String parser (being written).
