//! Read-only reader of BoltDB files (the Go reference node's `data.db`).
//!
//! [`BoltDb`] opens a file read-only, picks the valid meta page with the
//! highest transaction id, and reads pages on demand (see [`file`](mod@file) for why
//! the file is neither loaded whole nor mapped). [`Bucket`]s give lookups,
//! key-ordered iteration and nested buckets. The file is outside input:
//! every offset is checked and every failure is a typed [`BoltError`].
//!
//! [`skycoin`] reads the reference node's chain and unconfirmed pool on top.

pub mod error;
pub mod file;
pub mod meta;
pub mod page;
pub mod reader;
pub mod skycoin;

pub use error::{BoltError, MetaFault};
pub use meta::Meta;
pub use reader::{BoltDb, Bucket, Entries, Entry};
