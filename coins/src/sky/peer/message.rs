//! Message bodies (`src/daemon/messages.go`) and the [`Message`] enum.

use std::net::{Ipv4Addr, SocketAddrV4};

use crate::codec_struct;
use crate::sky::block::SignedBlock;
use crate::sky::encoding::{Decode, DecodeError, Encode, Reader};
use crate::sky::hash::Sha256;
use crate::sky::transaction::Transaction;

use super::disconnect::DisconnectReason;
use super::frame::{LENGTH_PREFIX_SIZE, MAX_OUTGOING_MESSAGE_LENGTH, MESSAGE_ID_SIZE};
use super::intro::Introduction;
use super::PeerError;

/// Most peers in a `GIVP` message.
pub const MAX_GIVE_PEERS: usize = 512;
/// Most blocks in a `GIVB` message.
pub const MAX_GIVE_BLOCKS: usize = 128;
/// Most hashes or transactions in a `GETT`, `ANNT` or `GIVT` message.
pub const MAX_TXNS: usize = 256;
/// Blocks asked for in one `GETB` (`GetBlocksRequestCount`).
pub const GET_BLOCKS_REQUEST_COUNT: u64 = 20;

/// A 4-byte ASCII message id.
pub type MessageId = [u8; 4];

/// Every message id, in the reference's registration order.
pub const MESSAGE_IDS: [MessageId; 12] = [
    *b"INTR", *b"GETP", *b"GIVP", *b"PING", *b"PONG", *b"GETB", *b"GIVB", *b"ANNB", *b"GETT",
    *b"GIVT", *b"ANNT", *b"DISC",
];

/// An IPv4 peer address (`IPAddr`): the address as a `u32` whose value is
/// `a.b.c.d` read big-endian, written little-endian like every integer,
/// then the port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PeerAddr {
    /// The IPv4 address.
    pub ip: Ipv4Addr,
    /// The TCP port.
    pub port: u16,
}

impl PeerAddr {
    /// As a socket address.
    pub fn socket_addr(&self) -> SocketAddrV4 {
        SocketAddrV4::new(self.ip, self.port)
    }
}

impl From<SocketAddrV4> for PeerAddr {
    fn from(a: SocketAddrV4) -> Self {
        PeerAddr {
            ip: *a.ip(),
            port: a.port(),
        }
    }
}

impl Encode for PeerAddr {
    fn encode_to(&self, out: &mut Vec<u8>) {
        u32::from(self.ip).encode_to(out);
        self.port.encode_to(out);
    }
    fn encoded_size(&self) -> usize {
        6
    }
}

impl Decode for PeerAddr {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let ip = Ipv4Addr::from(u32::decode_from(r)?);
        let port = u16::decode_from(r)?;
        Ok(PeerAddr { ip, port })
    }
}

/// Keeps the first items of `items`, at most `cap` of them, that fit with
/// their count prefix in a frame of [`MAX_OUTGOING_MESSAGE_LENGTH`] (what
/// the reference's `NewGive*Message` and `NewGet/AnnounceTxnsMessage` do).
fn fit_outgoing<T: Encode>(mut items: Vec<T>, cap: usize) -> Vec<T> {
    items.truncate(cap);
    let mut size = LENGTH_PREFIX_SIZE + MESSAGE_ID_SIZE + 4;
    let keep = items
        .iter()
        .take_while(|item| {
            size += item.encoded_size();
            size <= MAX_OUTGOING_MESSAGE_LENGTH
        })
        .count();
    items.truncate(keep);
    items
}

/// `GIVP`: peers the sender knows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GivePeers {
    /// At most [`MAX_GIVE_PEERS`].
    pub peers: Vec<PeerAddr>,
}
codec_struct!(GivePeers { peers <= 512 });

impl GivePeers {
    /// The first peers that fit in one outgoing message.
    pub fn fitting(peers: Vec<PeerAddr>) -> GivePeers {
        GivePeers {
            peers: fit_outgoing(peers, MAX_GIVE_PEERS),
        }
    }
}

/// `GETB`: asks for blocks after `last_block`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GetBlocks {
    /// The sender's head sequence.
    pub last_block: u64,
    /// How many blocks are wanted.
    pub requested_blocks: u64,
}
codec_struct!(GetBlocks {
    last_block,
    requested_blocks
});

/// `GIVB`: signed blocks, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GiveBlocks {
    /// At most [`MAX_GIVE_BLOCKS`].
    pub blocks: Vec<SignedBlock>,
}
codec_struct!(GiveBlocks { blocks <= 128 });

impl GiveBlocks {
    /// The first blocks that fit in one outgoing message.
    pub fn fitting(blocks: Vec<SignedBlock>) -> GiveBlocks {
        GiveBlocks {
            blocks: fit_outgoing(blocks, MAX_GIVE_BLOCKS),
        }
    }
}

/// `ANNB`: the sender's head sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AnnounceBlocks {
    /// Highest block sequence the sender has.
    pub max_bk_seq: u64,
}
codec_struct!(AnnounceBlocks { max_bk_seq });

/// `GETT`: asks for these unconfirmed transactions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetTxns {
    /// At most [`MAX_TXNS`] txids.
    pub txids: Vec<Sha256>,
}
codec_struct!(GetTxns { txids <= 256 });

impl GetTxns {
    /// The first txids that fit in one outgoing message.
    pub fn fitting(txids: Vec<Sha256>) -> GetTxns {
        GetTxns {
            txids: fit_outgoing(txids, MAX_TXNS),
        }
    }
}

/// `ANNT`: the sender has these unconfirmed transactions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AnnounceTxns {
    /// At most [`MAX_TXNS`] txids.
    pub txids: Vec<Sha256>,
}
codec_struct!(AnnounceTxns { txids <= 256 });

impl AnnounceTxns {
    /// The first txids that fit in one outgoing message.
    pub fn fitting(txids: Vec<Sha256>) -> AnnounceTxns {
        AnnounceTxns {
            txids: fit_outgoing(txids, MAX_TXNS),
        }
    }
}

/// `GIVT`: unconfirmed transactions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GiveTxns {
    /// At most [`MAX_TXNS`].
    pub transactions: Vec<Transaction>,
}
codec_struct!(GiveTxns { transactions <= 256 });

impl GiveTxns {
    /// The first transactions that fit in one outgoing message.
    pub fn fitting(transactions: Vec<Transaction>) -> GiveTxns {
        GiveTxns {
            transactions: fit_outgoing(transactions, MAX_TXNS),
        }
    }
}

/// `DISC`: the sender is closing the connection.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Disconnect {
    /// The reason's code (see [`DisconnectReason::code`]).
    pub reason_code: u16,
    /// Reserved; empty when we send.
    pub reserved: Vec<u8>,
}
codec_struct!(Disconnect {
    reason_code,
    reserved
});

impl Disconnect {
    /// The message for `reason` (`NewDisconnectMessage`).
    pub fn new(reason: DisconnectReason) -> Disconnect {
        Disconnect {
            reason_code: reason.code(),
            reserved: Vec::new(),
        }
    }

    /// The reason the code stands for.
    pub fn reason(&self) -> DisconnectReason {
        DisconnectReason::from_code(self.reason_code)
    }
}

/// One peer-protocol message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// `INTR`.
    Introduction(Introduction),
    /// `GETP` (empty body).
    GetPeers,
    /// `GIVP`.
    GivePeers(GivePeers),
    /// `PING` (empty body).
    Ping,
    /// `PONG` (empty body).
    Pong,
    /// `GETB`.
    GetBlocks(GetBlocks),
    /// `GIVB`.
    GiveBlocks(GiveBlocks),
    /// `ANNB`.
    AnnounceBlocks(AnnounceBlocks),
    /// `GETT`.
    GetTxns(GetTxns),
    /// `ANNT`.
    AnnounceTxns(AnnounceTxns),
    /// `GIVT`.
    GiveTxns(GiveTxns),
    /// `DISC`.
    Disconnect(Disconnect),
}

fn decode_body<T: Decode>(id: MessageId, body: &[u8]) -> Result<T, PeerError> {
    let mut r = Reader::new(body);
    let value = T::decode_from(&mut r).map_err(|source| PeerError::Malformed { id, source })?;
    match r.remaining() {
        0 => Ok(value),
        count => Err(PeerError::TrailingBytes { id, count }),
    }
}

impl Message {
    /// The 4-byte id.
    pub fn id(&self) -> MessageId {
        match self {
            Message::Introduction(_) => *b"INTR",
            Message::GetPeers => *b"GETP",
            Message::GivePeers(_) => *b"GIVP",
            Message::Ping => *b"PING",
            Message::Pong => *b"PONG",
            Message::GetBlocks(_) => *b"GETB",
            Message::GiveBlocks(_) => *b"GIVB",
            Message::AnnounceBlocks(_) => *b"ANNB",
            Message::GetTxns(_) => *b"GETT",
            Message::AnnounceTxns(_) => *b"ANNT",
            Message::GiveTxns(_) => *b"GIVT",
            Message::Disconnect(_) => *b"DISC",
        }
    }

    fn body(&self) -> Option<&dyn Encode> {
        match self {
            Message::Introduction(m) => Some(m),
            Message::GetPeers | Message::Ping | Message::Pong => None,
            Message::GivePeers(m) => Some(m),
            Message::GetBlocks(m) => Some(m),
            Message::GiveBlocks(m) => Some(m),
            Message::AnnounceBlocks(m) => Some(m),
            Message::GetTxns(m) => Some(m),
            Message::AnnounceTxns(m) => Some(m),
            Message::GiveTxns(m) => Some(m),
            Message::Disconnect(m) => Some(m),
        }
    }

    /// Length of the body in bytes.
    pub fn body_size(&self) -> usize {
        self.body().map_or(0, Encode::encoded_size)
    }

    /// Appends the body (without length or id) to `out`.
    pub fn encode_body_to(&self, out: &mut Vec<u8>) {
        if let Some(body) = self.body() {
            body.encode_to(out);
        }
    }

    /// The body, without length or id.
    pub fn encode_body(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.body_size());
        self.encode_body_to(&mut out);
        out
    }

    /// Reads the body of message `id`; the body must be used up exactly.
    pub fn decode_body(id: MessageId, body: &[u8]) -> Result<Message, PeerError> {
        let empty = |m: Message| match body.len() {
            0 => Ok(m),
            count => Err(PeerError::TrailingBytes { id, count }),
        };
        match &id {
            b"INTR" => decode_body(id, body).map(Message::Introduction),
            b"GETP" => empty(Message::GetPeers),
            b"GIVP" => decode_body(id, body).map(Message::GivePeers),
            b"PING" => empty(Message::Ping),
            b"PONG" => empty(Message::Pong),
            b"GETB" => decode_body(id, body).map(Message::GetBlocks),
            b"GIVB" => decode_body(id, body).map(Message::GiveBlocks),
            b"ANNB" => decode_body(id, body).map(Message::AnnounceBlocks),
            b"GETT" => decode_body(id, body).map(Message::GetTxns),
            b"ANNT" => decode_body(id, body).map(Message::AnnounceTxns),
            b"GIVT" => decode_body(id, body).map(Message::GiveTxns),
            b"DISC" => decode_body(id, body).map(Message::Disconnect),
            _ => Err(PeerError::UnknownMessage { id }),
        }
    }
}
