//! The exchange core: order books, matching, the account ledger and the journal.
//!
//! The engine is pure, deterministic and single-threaded per group of markets:
//! the same stream of [`command::Envelope`]s always yields the same events and the
//! same [`engine::Engine::state_hash`]. Durability comes from the [`journal`]
//! (every command is appended and fsynced before it is acknowledged) and from
//! periodic [`snapshot`]s; [`recovery`] rebuilds the state from both.
//!
//! Money is never a float: prices are integer ticks, quantities integer lots and
//! balances integer minor units. Decimals (`rust_decimal`) appear only in the
//! conversion functions of [`market`].
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![warn(missing_docs)]

pub mod bitset;
pub mod book;
pub mod codec;
pub mod command;
pub mod depth;
pub mod durable;
pub mod engine;
pub mod error;
pub mod events;
pub mod fees;
pub mod idmap;
pub mod journal;
pub mod ledger;
pub mod market;
pub mod order;
pub mod recovery;
pub mod snapshot;
pub mod stp;
pub mod types;
pub mod verify;

pub use command::{Command, Envelope};
pub use engine::Engine;
pub use error::EngineError;
pub use events::Event;
