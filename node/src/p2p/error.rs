//! Errors of peer networking, each with a stable code.

use skyx_coins::sky::peer::{DisconnectReason, PeerError};

use crate::error::NodeError;

/// Anything peer networking can report.
#[derive(Debug, thiserror::Error)]
pub enum P2pError {
    /// A socket operation failed.
    #[error("peer I/O: {0}")]
    Io(#[from] std::io::Error),
    /// Nothing arrived (or could be sent) in time.
    #[error("timed out {0}")]
    Timeout(&'static str),
    /// The peer sent bytes that are not a valid frame or message.
    #[error("peer protocol: {0}")]
    Protocol(#[from] PeerError),
    /// We refused the peer and closed the connection with this reason.
    #[error("peer rejected: {0}")]
    Rejected(DisconnectReason),
    /// The peer closed the connection with a `DISC` message.
    #[error("peer disconnected: {0}")]
    PeerDisconnected(DisconnectReason),
    /// The peer closed the connection without a word.
    #[error("connection closed by the peer")]
    Closed,
    /// The peer sent a block that fails validation.
    #[error("invalid block {seq} from peer: {source}")]
    InvalidBlock {
        /// Seq of the block.
        seq: u64,
        /// What the validator found.
        source: NodeError,
    },
    /// Our own store failed.
    #[error("{0}")]
    Store(NodeError),
    /// The store is empty and the genesis block's signature is not known.
    #[error("the store has no genesis block and its signature is not configured")]
    NoGenesis,
    /// The configuration cannot work.
    #[error("peer configuration: {0}")]
    Config(String),
    /// A background task failed.
    #[error("internal: {0}")]
    Internal(String),
}

impl P2pError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            P2pError::Io(_) => "p2p_io",
            P2pError::Timeout(_) => "p2p_timeout",
            P2pError::Protocol(_) => "p2p_protocol",
            P2pError::Rejected(_) => "p2p_peer_rejected",
            P2pError::PeerDisconnected(_) => "p2p_peer_disconnected",
            P2pError::Closed => "p2p_closed",
            P2pError::InvalidBlock { .. } => "p2p_invalid_block",
            P2pError::Store(_) => "p2p_store",
            P2pError::NoGenesis => "p2p_no_genesis",
            P2pError::Config(_) => "p2p_config",
            P2pError::Internal(_) => "p2p_internal",
        }
    }

    /// The reason we give the peer when this error ends a connection
    /// (`None`: close without a `DISC`, or the peer already left).
    pub fn disconnect_reason(&self) -> Option<DisconnectReason> {
        match self {
            P2pError::Protocol(e) => e.disconnect_reason(),
            P2pError::Rejected(r) => Some(*r),
            P2pError::Timeout(_) => Some(DisconnectReason::Idle),
            // The reference has no code for a bad block (it only stops
            // reading the message); the catch-all code 0 is sent.
            P2pError::InvalidBlock { .. } => Some(DisconnectReason::Unknown),
            P2pError::Store(_) | P2pError::Internal(_) => Some(DisconnectReason::UnexpectedError),
            P2pError::Io(_)
            | P2pError::PeerDisconnected(_)
            | P2pError::Closed
            | P2pError::NoGenesis
            | P2pError::Config(_) => None,
        }
    }
}

impl From<NodeError> for P2pError {
    fn from(e: NodeError) -> Self {
        P2pError::Store(e)
    }
}
