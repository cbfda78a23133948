//! One interface for every coin's chain: what the wallet, exchange and
//! invoice services ask of Skycoin and of the Bitcoin family alike.
//!
//! * [`Chain`] — the trait: tip, balances and unspent outputs of an address
//!   set, a page of its history, fee estimate, broadcast, and events read
//!   from a durable cursor.
//! * [`types`] — the values it speaks (amounts with their coin, never floats).
//! * [`sky`] — Skycoin: a thin layer over the bundled node's store and pool,
//!   with a watched-address set and an event log kept beside the store.
//! * [`bitcoin`] — the Bitcoin family: the adapter's store and daemon.
//! * [`task`] — running a chain's indexing in the background, and calling
//!   the blocking interface from async code.
//!
//! # Blocking, used from async code through `spawn_blocking`
//! The stores under every implementation (redb) and the daemon client are
//! blocking, and a call may read many pages or wait on a daemon. So the
//! trait is plain blocking Rust, `Send + Sync`, shared as `Arc<dyn Chain>`;
//! async services call it through [`task::AsyncChain`], which runs each call
//! on tokio's blocking pool and never on the executor's threads.
//!
//! # Events from a durable cursor
//! Every implementation keeps a gap-free event log with sequence numbers,
//! written in the same store transaction as the index change it reports. A
//! consumer reads [`Chain::events`] from the `next` it stored and commits the
//! new `next` together with its own effects (a deposit credit, a payment
//! marked confirmed) in one database transaction: after a crash it reads the
//! same events again, so an event is acted on exactly once. Deposits are keyed
//! by `txid:vout`; a credited deposit whose block leaves the best chain comes
//! back as [`types::EventKind::DepositReorged`].

pub mod bitcoin;
pub mod error;
pub mod sky;
pub mod task;
pub mod types;

pub use error::ChainError;
pub use types::{
    Balance, Balances, ChainEvent, CoinInfo, EventKind, EventPage, FeeEstimate, HistoryItem,
    HistoryPage, Hours, Tip, TxStatus, Unspent,
};

/// Most events returned by one [`Chain::events`] call.
pub const MAX_EVENTS: usize = 10_000;

/// Most items of one history page.
pub const MAX_HISTORY_PAGE: usize = 1_000;

/// Most addresses in one request.
pub const MAX_ADDRESSES: usize = 10_000;

/// A coin's chain as the services see it. Addresses are the coin's own text
/// form; an address that does not parse for the coin and network is refused
/// with `invalid_address`. Blocking: see the module documentation.
pub trait Chain: Send + Sync {
    /// The coin and network.
    fn coin(&self) -> CoinInfo;

    /// The processed tip and whether it is the best chain's.
    fn tip(&self) -> Result<Tip, ChainError>;

    /// Adds addresses to the watched set (events are reported for watched
    /// addresses from the moment they are added); returns how many were new.
    fn watch(&self, addresses: &[String]) -> Result<usize, ChainError>;

    /// Balances of `addresses`. The Bitcoin family indexes only watched
    /// addresses and refuses others with `not_watched`.
    fn balances(&self, addresses: &[String]) -> Result<Balances, ChainError>;

    /// Unspent outputs of `addresses`, confirmed and pending.
    fn unspent(&self, addresses: &[String]) -> Result<Vec<Unspent>, ChainError>;

    /// Transactions touching `addresses`, newest first (pending before
    /// confirmed), at most `limit` (≤ [`MAX_HISTORY_PAGE`]), from `cursor`
    /// (a `next_cursor` of an earlier page; none for the first page).
    fn history(
        &self,
        addresses: &[String],
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<HistoryPage, ChainError>;

    /// The fee a new transaction should pay.
    fn fee_estimate(&self) -> Result<FeeEstimate, ChainError>;

    /// Sends a signed transaction (the coin's binary serialization); returns
    /// its id once the network holds it. Sending the same bytes again is
    /// harmless: the answer is the same txid.
    fn broadcast(&self, raw: &[u8]) -> Result<String, ChainError>;

    /// Brings the index up to the node's or daemon's tip now, looking at
    /// blocks and pending transactions. [`task::spawn_indexer`] calls it in
    /// a loop; calls are serialized.
    fn sync(&self) -> Result<(), ChainError>;

    /// Events from position `from` on, at most `limit` (≤ [`MAX_EVENTS`]).
    fn events(&self, from: u64, limit: usize) -> Result<EventPage, ChainError>;
}

/// Checks the size of an address list.
pub(crate) fn check_addresses(addresses: &[String]) -> Result<(), ChainError> {
    if addresses.len() > MAX_ADDRESSES {
        return Err(ChainError::Invalid(format!(
            "at most {MAX_ADDRESSES} addresses per request"
        )));
    }
    Ok(())
}

/// Checks a history page size.
pub(crate) fn check_limit(limit: usize, max: usize) -> Result<usize, ChainError> {
    if limit == 0 || limit > max {
        return Err(ChainError::Invalid(format!("limit must be 1..={max}")));
    }
    Ok(limit)
}
