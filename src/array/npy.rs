//! .npy (being written).
