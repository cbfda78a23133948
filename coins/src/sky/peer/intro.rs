//! The introduction (`INTR`) and the reference's rules for accepting one
//! (`IntroductionMessage.Verify` in `src/daemon/messages.go`).
//!
//! The body is `mirror u32 || listen port u16 || protocol version i32`, then
//! an optional byte slice `extra` (`enc:",omitempty"`: written only when not
//! empty). `extra` is the block publisher key (33 bytes), the transaction
//! rules the peer relays with (burn factor u32, max transaction size u32,
//! max decimals u8), the user agent (a string of at most 256 bytes) and the
//! genesis hash (32 bytes). The reference reads any bytes after the genesis
//! hash and ignores them, so later versions can append fields.

use crate::codec_struct;
use crate::sky::encoding::{decode_exact, Decode, DecodeError, Encode, Reader};
use crate::sky::hash::Sha256;
use crate::sky::params::ChainParams;

use super::disconnect::DisconnectReason;
use super::useragent::{UserAgent, MAX_USER_AGENT_LEN};
use super::PeerError;

/// Bytes of a compressed public key at the start of `extra`.
pub const PUBKEY_LEN: usize = 33;
/// Bytes of the encoded [`TxnVerifyParams`].
pub const VERIFY_TXN_LEN: usize = 9;
/// Bytes of the genesis hash at the end of `extra`.
const HASH_LEN: usize = 32;
/// Smallest burn factor a peer may announce (`params.MinBurnFactor`).
pub const MIN_BURN_FACTOR: u32 = 2;
/// Smallest max transaction size a peer may announce (`params.MinTransactionSize`).
pub const MIN_TRANSACTION_SIZE: u32 = 1024;
/// Largest number of decimals a peer may announce (`droplet.Exponent`).
pub const MAX_DROPLET_PRECISION: u8 = 6;

/// The rules a peer applies to the unconfirmed transactions it relays
/// (`params.VerifyTxn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TxnVerifyParams {
    /// Inverse fraction of coin hours a transaction must burn.
    pub burn_factor: u32,
    /// Largest transaction in bytes.
    pub max_transaction_size: u32,
    /// Decimal places allowed in output coins.
    pub max_decimals: u8,
}
codec_struct!(TxnVerifyParams {
    burn_factor,
    max_transaction_size,
    max_decimals
});

impl TxnVerifyParams {
    /// The range check of `VerifyTxn.Validate`, as the disconnect reason it gives.
    pub fn validate(&self) -> Result<(), DisconnectReason> {
        if self.burn_factor < MIN_BURN_FACTOR {
            return Err(DisconnectReason::InvalidBurnFactor);
        }
        if self.max_transaction_size < MIN_TRANSACTION_SIZE {
            return Err(DisconnectReason::InvalidMaxTransactionSize);
        }
        if self.max_decimals > MAX_DROPLET_PRECISION {
            return Err(DisconnectReason::InvalidMaxDropletPrecision);
        }
        Ok(())
    }
}

/// The fields of a well-formed `extra`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraFields {
    /// The block publisher's compressed public key, as sent (not checked to be a curve point).
    pub publisher_key: [u8; PUBKEY_LEN],
    /// The peer's transaction rules.
    pub verify_txn: TxnVerifyParams,
    /// The user agent as sent (not yet sanitized or parsed).
    pub user_agent: String,
    /// The genesis block hash; older peers do not send it.
    pub genesis_hash: Option<Sha256>,
    /// Bytes after the genesis hash, kept verbatim; written only with a genesis hash.
    pub trailing: Vec<u8>,
}

impl ExtraFields {
    /// Reads the fields when `bytes` has exactly their layout.
    fn parse(bytes: &[u8]) -> Option<ExtraFields> {
        let mut r = Reader::new(bytes);
        let publisher_key = r.take_array::<PUBKEY_LEN>().ok()?;
        let verify_txn = TxnVerifyParams::decode_from(&mut r).ok()?;
        let n = r.count(Some(MAX_USER_AGENT_LEN)).ok()?;
        let user_agent = String::from_utf8(r.take(n).ok()?.to_vec()).ok()?;
        let rest = r.take(r.remaining()).ok()?;
        let (genesis_hash, trailing) = match rest.len() {
            0 => (None, Vec::new()),
            n if n < HASH_LEN => return None,
            _ => {
                let (hash, trailing) = rest.split_at(HASH_LEN);
                (Some(Sha256::from_slice(hash).ok()?), trailing.to_vec())
            }
        };
        Some(ExtraFields {
            publisher_key,
            verify_txn,
            user_agent,
            genesis_hash,
            trailing,
        })
    }

    fn len(&self) -> usize {
        let tail = match self.genesis_hash {
            Some(_) => HASH_LEN + self.trailing.len(),
            None => 0,
        };
        PUBKEY_LEN + VERIFY_TXN_LEN + self.user_agent.encoded_size() + tail
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.publisher_key);
        self.verify_txn.encode_to(out);
        self.user_agent.encode_to(out);
        if let Some(hash) = &self.genesis_hash {
            hash.encode_to(out);
            out.extend_from_slice(&self.trailing);
        }
    }
}

/// The optional `extra` of an introduction.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Extra {
    /// Not sent (a zero-length `extra` is read the same way, as the reference does).
    #[default]
    Absent,
    /// Well-formed fields.
    Fields(ExtraFields),
    /// Bytes without that layout, kept verbatim: the reference decodes any
    /// bytes here and only refuses them when it verifies the introduction.
    Unparsed(Vec<u8>),
}

impl Extra {
    /// Classifies the raw `extra` bytes.
    pub fn from_bytes(bytes: &[u8]) -> Extra {
        if bytes.is_empty() {
            return Extra::Absent;
        }
        match ExtraFields::parse(bytes) {
            Some(fields) => Extra::Fields(fields),
            None => Extra::Unparsed(bytes.to_vec()),
        }
    }

    /// The raw `extra` bytes (empty when absent).
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Extra::Absent => Vec::new(),
            Extra::Fields(fields) => {
                let mut out = Vec::with_capacity(fields.len());
                fields.write(&mut out);
                out
            }
            Extra::Unparsed(bytes) => bytes.clone(),
        }
    }

    /// The parsed fields, when well-formed.
    pub fn fields(&self) -> Option<&ExtraFields> {
        match self {
            Extra::Fields(fields) => Some(fields),
            _ => None,
        }
    }

    fn len(&self) -> usize {
        match self {
            Extra::Absent => 0,
            Extra::Fields(fields) => fields.len(),
            Extra::Unparsed(bytes) => bytes.len(),
        }
    }
}

/// The `INTR` message, sent first by both sides of a connection.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Introduction {
    /// Random value chosen at startup; equal to ours means we reached ourselves.
    pub mirror: u32,
    /// The port the sender listens on.
    pub listen_port: u16,
    /// The sender's protocol version.
    pub protocol_version: i32,
    /// Optional trailing data.
    pub extra: Extra,
}

impl Encode for Introduction {
    fn encode_to(&self, out: &mut Vec<u8>) {
        self.mirror.encode_to(out);
        self.listen_port.encode_to(out);
        self.protocol_version.encode_to(out);
        let n = self.extra.len();
        if n != 0 {
            // `extra` is bounded by the frame limit, far below u32::MAX.
            (n as u32).encode_to(out);
            match &self.extra {
                Extra::Absent => {}
                Extra::Fields(fields) => fields.write(out),
                Extra::Unparsed(bytes) => out.extend_from_slice(bytes),
            }
        }
    }

    fn encoded_size(&self) -> usize {
        let n = self.extra.len();
        10 + if n == 0 { 0 } else { 4 + n }
    }
}

impl Decode for Introduction {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mirror = u32::decode_from(r)?;
        let listen_port = u16::decode_from(r)?;
        let protocol_version = i32::decode_from(r)?;
        let extra = if r.remaining() == 0 {
            Extra::Absent
        } else {
            let n = r.count(None)?;
            Extra::from_bytes(r.take(n)?)
        };
        Ok(Introduction {
            mirror,
            listen_port,
            protocol_version,
            extra,
        })
    }
}

/// What we know of ourselves when introducing and judging introductions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalPeer {
    /// Our random mirror value.
    pub mirror: u32,
    /// Our listening port.
    pub listen_port: u16,
    /// The protocol version we speak.
    pub protocol_version: i32,
    /// The lowest protocol version we accept.
    pub min_protocol_version: i32,
    /// Our chain's block publisher key, compressed.
    pub publisher_key: [u8; PUBKEY_LEN],
    /// Our chain's genesis block hash.
    pub genesis_hash: Sha256,
    /// The transaction rules we announce.
    pub verify_txn: TxnVerifyParams,
    /// The user agent we announce.
    pub user_agent: String,
}

impl LocalPeer {
    /// Our side of a chain: keys, genesis and limits from `params`.
    pub fn from_params(
        params: &ChainParams,
        mirror: u32,
        user_agent: &str,
    ) -> Result<LocalPeer, PeerError> {
        let key = params
            .publisher_key()
            .map_err(|_| PeerError::InvalidLocalParams("block publisher key"))?;
        let max_transaction_size = u32::try_from(params.max_transaction_size)
            .map_err(|_| PeerError::InvalidLocalParams("max transaction size"))?;
        let verify_txn = TxnVerifyParams {
            burn_factor: params.burn_factor,
            max_transaction_size,
            max_decimals: params.max_decimals,
        };
        verify_txn
            .validate()
            .map_err(|_| PeerError::InvalidLocalParams("transaction rules"))?;
        UserAgent::parse(user_agent).map_err(|_| PeerError::InvalidLocalParams("user agent"))?;
        Ok(LocalPeer {
            mirror,
            listen_port: params.port,
            protocol_version: params.protocol_version,
            min_protocol_version: params.min_protocol_version,
            publisher_key: key.serialize(),
            genesis_hash: params.genesis_block().hash(),
            verify_txn,
            user_agent: user_agent.to_string(),
        })
    }

    /// The introduction we send (`NewIntroductionMessage`).
    pub fn introduction(&self) -> Introduction {
        Introduction {
            mirror: self.mirror,
            listen_port: self.listen_port,
            protocol_version: self.protocol_version,
            extra: Extra::Fields(ExtraFields {
                publisher_key: self.publisher_key,
                verify_txn: self.verify_txn,
                user_agent: self.user_agent.clone(),
                genesis_hash: Some(self.genesis_hash),
                trailing: Vec::new(),
            }),
        }
    }
}

/// An introduction that passed [`verify_introduction`], with its `extra` read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedIntroduction {
    /// The peer's mirror value.
    pub mirror: u32,
    /// The port the peer listens on.
    pub listen_port: u16,
    /// The peer's protocol version.
    pub protocol_version: i32,
    /// The peer's transaction rules.
    pub verify_txn: TxnVerifyParams,
    /// The peer's user agent, sanitized and parsed.
    pub user_agent: UserAgent,
    /// The peer's genesis hash, when sent (then equal to ours).
    pub genesis_hash: Option<Sha256>,
}

/// Judges a received introduction as the reference does, in its order:
/// self connection, protocol version, missing `extra`, publisher key,
/// transaction rules, user agent, genesis hash layout. A genesis hash that
/// is sent and differs from ours is refused too (a skyx rule; the
/// reference only parses it).
pub fn verify_introduction(
    intro: &Introduction,
    local: &LocalPeer,
) -> Result<VerifiedIntroduction, DisconnectReason> {
    if intro.mirror == local.mirror {
        return Err(DisconnectReason::SelfConnect);
    }
    if intro.protocol_version < local.min_protocol_version {
        return Err(DisconnectReason::VersionNotSupported);
    }
    let extra = intro.extra.to_bytes();
    if extra.is_empty() {
        return Err(DisconnectReason::BlockchainPubkeyNotProvided);
    }
    let Some((key, rest)) = extra.split_first_chunk::<PUBKEY_LEN>() else {
        return Err(DisconnectReason::InvalidExtraData);
    };
    if *key != local.publisher_key {
        return Err(DisconnectReason::BlockchainPubkeyNotMatched);
    }
    let Some((params, rest)) = rest.split_first_chunk::<VERIFY_TXN_LEN>() else {
        return Err(DisconnectReason::InvalidExtraData);
    };
    let verify_txn: TxnVerifyParams =
        decode_exact(params).map_err(|_| DisconnectReason::InvalidExtraData)?;
    verify_txn.validate()?;
    let mut r = Reader::new(rest);
    let n = r
        .count(Some(MAX_USER_AGENT_LEN))
        .map_err(|_| DisconnectReason::InvalidExtraData)?;
    let agent = r.take(n).map_err(|_| DisconnectReason::InvalidExtraData)?;
    let user_agent =
        UserAgent::parse_received(agent).map_err(|_| DisconnectReason::InvalidUserAgent)?;
    let tail = r
        .take(r.remaining())
        .map_err(|_| DisconnectReason::InvalidExtraData)?;
    let genesis_hash = match tail.first_chunk::<HASH_LEN>() {
        Some(hash) => Some(Sha256(*hash)),
        None if tail.is_empty() => None,
        None => return Err(DisconnectReason::InvalidExtraData),
    };
    if genesis_hash.is_some_and(|h| h != local.genesis_hash) {
        return Err(DisconnectReason::GenesisHashNotMatched);
    }
    Ok(VerifiedIntroduction {
        mirror: intro.mirror,
        listen_port: intro.listen_port,
        protocol_version: intro.protocol_version,
        verify_txn,
        user_agent,
        genesis_hash,
    })
}
