//! Payments (in progress).
