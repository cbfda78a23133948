//! Peer-to-peer networking over the reference node's own wire protocol
//! (`src/daemon` of the Skycoin node): skyx nodes sync blocks and relay
//! unconfirmed transactions with each other and with the Go node.
//!
//! - [`connection`]: framing over TCP with size limits and timeouts, and the
//!   introduction handshake (`INTR` first, verified, `DISC` on refusal).
//! - [`sync`]: serving and applying blocks and transactions against the store.
//! - [`peers`]: the book of known addresses with redial backoff.
//! - [`node`]: a running node ([`PeerNode`], [`run`]): listener, dialler and
//!   one session per connection that answers every message as the
//!   reference does.
//! - [`once`]: [`sync_once`], a one-shot download from one peer.

pub mod config;
pub mod connection;
pub mod error;
mod hub;
pub mod node;
pub mod once;
pub mod peers;
mod session;
pub mod sync;

pub use config::{default_user_agent, PeerConfig};
pub use error::P2pError;
pub use hub::PeerInfo;
pub use node::{run, PeerNode};
pub use once::{sync_once, SyncSummary};
pub use sync::ensure_genesis;
