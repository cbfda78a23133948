//! Read-only reader of BoltDB files (the Go reference node's `data.db`).
