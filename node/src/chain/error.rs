//! Errors of the chain interface, each with a stable code that services
//! pass on to their clients.

use thiserror::Error;

use crate::bitcoin::BtcError;
use crate::error::NodeError;

/// Anything a [`Chain`](super::Chain) call can report.
#[derive(Debug, Error)]
pub enum ChainError {
    /// An address that is not the coin's and network's.
    #[error("invalid address {address:?}: {reason}")]
    InvalidAddress {
        /// The address as given.
        address: String,
        /// Why.
        reason: String,
    },
    /// An address the index does not follow (Bitcoin family).
    #[error("address {0} is not watched: watch it first")]
    NotWatched(String),
    /// A history cursor this chain did not make.
    #[error("invalid cursor {0:?}")]
    InvalidCursor(String),
    /// The node or daemon cannot be reached.
    #[error("chain unavailable: {0}")]
    Unavailable(String),
    /// The node or daemon answered a request with an error.
    #[error("chain node error: {0}")]
    Node(String),
    /// The network refused a transaction.
    #[error("transaction refused: {0}")]
    Rejected(String),
    /// A transaction that does not decode.
    #[error("invalid transaction: {0}")]
    BadTransaction(String),
    /// The index or store failed.
    #[error("chain store: {0}")]
    Store(String),
    /// Any other bad input.
    #[error("{0}")]
    Invalid(String),
}

impl ChainError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ChainError::InvalidAddress { .. } => "invalid_address",
            ChainError::NotWatched(_) => "not_watched",
            ChainError::InvalidCursor(_) => "invalid_cursor",
            ChainError::Unavailable(_) => "chain_unavailable",
            ChainError::Node(_) => "chain_node_error",
            ChainError::Rejected(_) => "tx_rejected",
            ChainError::BadTransaction(_) => "invalid_transaction",
            ChainError::Store(_) => "chain_store",
            ChainError::Invalid(_) => "invalid_input",
        }
    }
}

impl From<BtcError> for ChainError {
    fn from(e: BtcError) -> ChainError {
        match e {
            BtcError::Unreachable { .. } | BtcError::Auth => ChainError::Unavailable(e.to_string()),
            BtcError::Address { address, reason } => ChainError::InvalidAddress { address, reason },
            BtcError::NotSent { .. } => ChainError::Rejected(e.to_string()),
            BtcError::Rpc { .. } | BtcError::BadResponse { .. } => ChainError::Node(e.to_string()),
            BtcError::Invalid(m) => ChainError::Invalid(m),
            other => ChainError::Store(other.to_string()),
        }
    }
}

impl From<NodeError> for ChainError {
    fn from(e: NodeError) -> ChainError {
        match e {
            NodeError::Pool(p) => ChainError::Rejected(p.to_string()),
            NodeError::Invalid(m) => ChainError::Invalid(m),
            other => ChainError::Store(other.to_string()),
        }
    }
}
