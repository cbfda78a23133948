//! Disconnect reasons and their wire codes (`src/daemon/disconnect.go` and
//! the `gnet` reasons of `src/daemon/gnet/pool.go` / `dispatcher.go`).
//!
//! The reference sends a reason as a `u16` code in the `DISC` message. Its
//! table leaves some reasons out; for those it sends code 0, which the
//! receiver reads as "unknown". [`DisconnectReason::code`] does the same.

use std::fmt;

/// Why a peer connection is closed, as the reference names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisconnectReason {
    /// Code 0: a code that maps to no known reason.
    Unknown,
    /// Code 1: the peer's protocol version is below our minimum.
    VersionNotSupported,
    /// Code 2: the peer did not introduce itself in time.
    IntroductionTimeout,
    /// Code 3: the peer is blacklisted.
    IsBlacklisted,
    /// Code 4: we connected to ourselves (same mirror value).
    SelfConnect,
    /// Code 5: a connection with this base IP and mirror already exists.
    ConnectedTwice,
    /// Code 6: the connection was idle too long.
    Idle,
    /// Code 7: the first message was not an introduction.
    NoIntroduction,
    /// Code 8: too many connections from this IP.
    IpLimitReached,
    /// Code 9: an error that should not happen.
    UnexpectedError,
    /// Code 10: the outgoing connection limit was reached.
    MaxOutgoingConnectionsReached,
    /// Code 11: the peer's block publisher key is not ours.
    BlockchainPubkeyNotMatched,
    /// Code 12: the introduction's extra bytes do not parse.
    InvalidExtraData,
    /// Code 13: the peer sent a `DISC` message.
    ReceivedDisconnect,
    /// Code 14: the peer's user agent is invalid.
    InvalidUserAgent,
    /// Code 15: the node operator asked for the disconnect.
    RequestedByOperator,
    /// Code 16: the peer list is full.
    PeerlistFull,
    /// Code 17: the introduction's burn factor is out of range.
    InvalidBurnFactor,
    /// Code 18: the introduction's max transaction size is out of range.
    InvalidMaxTransactionSize,
    /// Code 19: the introduction's max droplet precision is out of range.
    InvalidMaxDropletPrecision,
    /// Code 1001 (never sent by `gnet`): setting the read deadline failed.
    SetReadDeadlineFailed,
    /// Code 1002: a frame length below 4 or above the incoming limit.
    InvalidMessageLength,
    /// Code 1003: a message body that does not decode.
    MalformedMessage,
    /// Code 1004: an unknown 4-byte message id.
    UnknownMessage,
    /// Code 1005: the node is shutting down.
    Shutdown,
    /// Code 1006: bytes were left after decoding a message body.
    MessageDecodeUnderflow,
    /// Code 1007: a frame too short to hold a message id.
    TruncatedMessageId,
    /// The introduction carries no extra bytes (sent as code 0: the
    /// reference's code table has no entry for it).
    BlockchainPubkeyNotProvided,
    /// The introduction's genesis hash is not ours. A skyx rule: the
    /// reference parses the hash without comparing it and has no code for
    /// this, so it is sent as code 0 like the reference's other unlisted
    /// reasons.
    GenesisHashNotMatched,
}

/// Every reason, in code order (the unlisted ones last).
const ALL: [DisconnectReason; 29] = [
    DisconnectReason::Unknown,
    DisconnectReason::VersionNotSupported,
    DisconnectReason::IntroductionTimeout,
    DisconnectReason::IsBlacklisted,
    DisconnectReason::SelfConnect,
    DisconnectReason::ConnectedTwice,
    DisconnectReason::Idle,
    DisconnectReason::NoIntroduction,
    DisconnectReason::IpLimitReached,
    DisconnectReason::UnexpectedError,
    DisconnectReason::MaxOutgoingConnectionsReached,
    DisconnectReason::BlockchainPubkeyNotMatched,
    DisconnectReason::InvalidExtraData,
    DisconnectReason::ReceivedDisconnect,
    DisconnectReason::InvalidUserAgent,
    DisconnectReason::RequestedByOperator,
    DisconnectReason::PeerlistFull,
    DisconnectReason::InvalidBurnFactor,
    DisconnectReason::InvalidMaxTransactionSize,
    DisconnectReason::InvalidMaxDropletPrecision,
    DisconnectReason::SetReadDeadlineFailed,
    DisconnectReason::InvalidMessageLength,
    DisconnectReason::MalformedMessage,
    DisconnectReason::UnknownMessage,
    DisconnectReason::Shutdown,
    DisconnectReason::MessageDecodeUnderflow,
    DisconnectReason::TruncatedMessageId,
    DisconnectReason::BlockchainPubkeyNotProvided,
    DisconnectReason::GenesisHashNotMatched,
];

impl DisconnectReason {
    /// Every reason the module knows.
    pub fn all() -> &'static [DisconnectReason] {
        &ALL
    }

    /// The `u16` sent in a `DISC` message (`DisconnectReasonToCode`).
    pub fn code(self) -> u16 {
        use DisconnectReason::*;
        match self {
            Unknown | BlockchainPubkeyNotProvided | GenesisHashNotMatched => 0,
            VersionNotSupported => 1,
            IntroductionTimeout => 2,
            IsBlacklisted => 3,
            SelfConnect => 4,
            ConnectedTwice => 5,
            Idle => 6,
            NoIntroduction => 7,
            IpLimitReached => 8,
            UnexpectedError => 9,
            MaxOutgoingConnectionsReached => 10,
            BlockchainPubkeyNotMatched => 11,
            InvalidExtraData => 12,
            ReceivedDisconnect => 13,
            InvalidUserAgent => 14,
            RequestedByOperator => 15,
            PeerlistFull => 16,
            InvalidBurnFactor => 17,
            InvalidMaxTransactionSize => 18,
            InvalidMaxDropletPrecision => 19,
            SetReadDeadlineFailed => 1001,
            InvalidMessageLength => 1002,
            MalformedMessage => 1003,
            UnknownMessage => 1004,
            Shutdown => 1005,
            MessageDecodeUnderflow => 1006,
            TruncatedMessageId => 1007,
        }
    }

    /// The reason for a received code; unknown codes give [`Unknown`](Self::Unknown)
    /// (`DisconnectCodeToReason`).
    pub fn from_code(code: u16) -> DisconnectReason {
        ALL.iter()
            .copied()
            .find(|r| r.code() == code)
            .unwrap_or(DisconnectReason::Unknown)
    }

    /// The reference's error text for this reason.
    pub fn message(self) -> &'static str {
        use DisconnectReason::*;
        match self {
            Unknown => "Unknown DisconnectReason",
            VersionNotSupported => "Version is below minimum supported version",
            IntroductionTimeout => "Introduction timeout",
            IsBlacklisted => "Blacklisted",
            SelfConnect => "Self connect",
            ConnectedTwice => "Already connected",
            Idle => "Idle",
            NoIntroduction => "First message was not an Introduction",
            IpLimitReached => "Maximum number of connections for this IP was reached",
            UnexpectedError => "Unexpected error",
            MaxOutgoingConnectionsReached => "Maximum outgoing connections was reached",
            BlockchainPubkeyNotMatched => "Blockchain pubkey does not match",
            InvalidExtraData => "Invalid extra data in message",
            ReceivedDisconnect => "Received DisconnectMessage",
            InvalidUserAgent => "Invalid user agent",
            RequestedByOperator => "Disconnect requested by the node operator",
            PeerlistFull => "Peerlist is full",
            InvalidBurnFactor => "Invalid burn factor in introduction message",
            InvalidMaxTransactionSize => "Invalid max transaction size in introduction message",
            InvalidMaxDropletPrecision => "Invalid max droplet precision in introduction message",
            SetReadDeadlineFailed => "SetReadDeadline failed",
            InvalidMessageLength => "Invalid message length",
            MalformedMessage => "Malformed message body",
            UnknownMessage => "Unknown message ID",
            Shutdown => "Shutdown",
            MessageDecodeUnderflow => "Message data did not fully decode to a message object",
            TruncatedMessageId => "Message data was too short to contain a message ID",
            BlockchainPubkeyNotProvided => "Blockchain pubkey is not provided",
            GenesisHashNotMatched => "Genesis hash does not match",
        }
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}
