//! The Skycoin full node of skyx: a crash-safe block store with indexes
//! (transactions by id, address history, unspent outputs), full validation by
//! the reference's rules, a mempool, a block publisher for private chains and
//! peer sync over the reference's wire protocol.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod bitcoin;
pub mod bolt;
pub mod chain;
pub mod chainfile;
pub mod devnet;
pub mod error;
pub mod import;
pub mod mempool;
pub mod p2p;
pub mod progress;
pub mod publisher;
pub mod repair;
pub mod store;
pub mod verify;
