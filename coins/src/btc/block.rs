//! Blocks (in progress).
