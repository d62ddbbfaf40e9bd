//! ndarray interop (being written).
