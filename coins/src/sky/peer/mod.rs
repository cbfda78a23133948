//! The Skycoin peer protocol, byte-exact with the reference node
//! (`src/daemon/messages.go`, `src/daemon/gnet/`): the twelve message
//! bodies, the frame around them, the disconnect reason codes and the rules
//! for accepting a peer's introduction. Pure encoding and decoding: the
//! node does the I/O.

mod disconnect;
mod frame;
mod intro;
mod message;
mod useragent;

#[cfg(test)]
mod tests;

pub use disconnect::DisconnectReason;
pub use frame::{
    decode_frame, decode_frame_limited, encode_frame, LENGTH_PREFIX_SIZE,
    MAX_INCOMING_MESSAGE_LENGTH, MAX_OUTGOING_MESSAGE_LENGTH, MESSAGE_ID_SIZE,
};
pub use intro::{
    verify_introduction, Extra, ExtraFields, Introduction, LocalPeer, TxnVerifyParams,
    VerifiedIntroduction, MAX_DROPLET_PRECISION, MIN_BURN_FACTOR, MIN_TRANSACTION_SIZE, PUBKEY_LEN,
    VERIFY_TXN_LEN,
};
pub use message::{
    AnnounceBlocks, AnnounceTxns, Disconnect, GetBlocks, GetTxns, GiveBlocks, GivePeers, GiveTxns,
    Message, MessageId, PeerAddr, GET_BLOCKS_REQUEST_COUNT, MAX_GIVE_BLOCKS, MAX_GIVE_PEERS,
    MAX_TXNS, MESSAGE_IDS,
};
pub use useragent::{is_semver, sanitize, UserAgent, UserAgentError, MAX_USER_AGENT_LEN};

use crate::sky::encoding::DecodeError;

/// Why bytes could not be read as, or a message could not be made into, a frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeerError {
    /// A frame length below 4 or above the incoming limit.
    #[error("invalid message length {length}")]
    InvalidLength {
        /// The length field received.
        length: u32,
    },
    /// A message id the protocol does not have.
    #[error("unknown message id \"{}\"", id.escape_ascii())]
    UnknownMessage {
        /// The id received.
        id: MessageId,
    },
    /// A body that does not decode.
    #[error("malformed {} message body: {source}", id.escape_ascii())]
    Malformed {
        /// The message id.
        id: MessageId,
        /// What the codec found.
        source: DecodeError,
    },
    /// Bytes left after the body was decoded.
    #[error("{count} bytes left after the {} message body", id.escape_ascii())]
    TrailingBytes {
        /// The message id.
        id: MessageId,
        /// How many bytes were left.
        count: usize,
    },
    /// A frame we would send is above the outgoing limit.
    #[error("message of {size} bytes exceeds the {MAX_OUTGOING_MESSAGE_LENGTH}-byte limit")]
    OutgoingTooLarge {
        /// Size of the whole frame.
        size: usize,
    },
    /// Our own chain parameters cannot make an introduction.
    #[error("invalid local peer parameter: {0}")]
    InvalidLocalParams(&'static str),
}

impl PeerError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            PeerError::InvalidLength { .. } => "peer_invalid_length",
            PeerError::UnknownMessage { .. } => "peer_unknown_message",
            PeerError::Malformed { .. } => "peer_malformed_message",
            PeerError::TrailingBytes { .. } => "peer_trailing_bytes",
            PeerError::OutgoingTooLarge { .. } => "peer_outgoing_too_large",
            PeerError::InvalidLocalParams(_) => "peer_invalid_local_params",
        }
    }

    /// The reason the reference closes a connection for this error (`gnet`
    /// does so without sending `DISC`); `None` for errors of our own sending.
    pub fn disconnect_reason(&self) -> Option<DisconnectReason> {
        match self {
            PeerError::InvalidLength { .. } => Some(DisconnectReason::InvalidMessageLength),
            PeerError::UnknownMessage { .. } => Some(DisconnectReason::UnknownMessage),
            PeerError::Malformed { .. } => Some(DisconnectReason::MalformedMessage),
            PeerError::TrailingBytes { .. } => Some(DisconnectReason::MessageDecodeUnderflow),
            PeerError::OutgoingTooLarge { .. } | PeerError::InvalidLocalParams(_) => None,
        }
    }
}
