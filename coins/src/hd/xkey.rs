//! Extended-key serialization (BIP32 §Serialization format) with any known
//! version bytes, and a strict parser.
//!
//! The parser rejects, each with its own [`HdError`]: bad base58, bad
//! checksum, a length other than 78 bytes, unknown versions, private data under
//! a public version and the reverse, key prefixes other than 0x00 / 0x02 / 0x03,
//! master keys (depth 0) with a parent fingerprint or a child number, private
//! keys outside 1..n-1 and public keys off the curve.

use bitcoin::bip32::{ChainCode, ChildNumber, Fingerprint, Xpriv, Xpub};
use bitcoin::secp256k1::{PublicKey, SecretKey};
use bitcoin::NetworkKind;
use sha2::{Digest, Sha256};

use super::version::{lookup_version, KeyVersions};
use super::HdError;

/// Length of a serialized extended key without its checksum.
const XKEY_LEN: usize = 78;

/// A decoded extended key, private or public.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtendedKey {
    /// An extended private key.
    Private(Xpriv),
    /// An extended public key.
    Public(Xpub),
}

/// An extended key together with the version family it was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedExtendedKey {
    /// The key.
    pub key: ExtendedKey,
    /// The version pair of its family (e.g. ypub/yprv for a `ypub...` string).
    pub versions: KeyVersions,
    /// The base58 prefix of the string (`"xprv"`, `"Ltub"`...).
    pub prefix: &'static str,
}

/// Writes an extended private key with the given versions' private bytes.
pub fn encode_xpriv(key: &Xpriv, versions: KeyVersions) -> String {
    let mut data = key.encode();
    data[..4].copy_from_slice(&versions.private);
    base58check(&data)
}

/// Writes an extended public key with the given versions' public bytes.
pub fn encode_xpub(key: &Xpub, versions: KeyVersions) -> String {
    let mut data = key.encode();
    data[..4].copy_from_slice(&versions.public);
    base58check(&data)
}

/// Strictly parses an extended key of any known version family.
pub fn parse_extended_key(s: &str) -> Result<ParsedExtendedKey, HdError> {
    let data = base58check_decode(s)?;
    if data.len() != XKEY_LEN {
        return Err(HdError::ExtKeyLength(data.len()));
    }
    let version = take4(&data[0..4]);
    let (info, is_private) = lookup_version(version).ok_or(HdError::UnknownVersion(version))?;
    let depth = data[4];
    let parent_fingerprint = Fingerprint::from(take4(&data[5..9]));
    let child_number = ChildNumber::from(u32::from_be_bytes(take4(&data[9..13])));
    if depth == 0 && parent_fingerprint != Fingerprint::default() {
        return Err(HdError::ZeroDepthWithParentFingerprint);
    }
    if depth == 0 && u32::from(child_number) != 0 {
        return Err(HdError::ZeroDepthWithChildNumber);
    }
    let mut chain = [0u8; 32];
    chain.copy_from_slice(&data[13..45]);
    let chain_code = ChainCode::from(chain);
    let network = if info.test {
        NetworkKind::Test
    } else {
        NetworkKind::Main
    };
    let key_data = &data[45..78];
    let key = if is_private {
        match key_data[0] {
            0x00 => {}
            0x02 | 0x03 => return Err(HdError::PrivateVersionWithPublicKey(info.private_prefix)),
            b => return Err(HdError::InvalidPrivateKeyPrefix(b)),
        }
        let private_key =
            SecretKey::from_slice(&key_data[1..]).map_err(|_| HdError::PrivateKeyOutOfRange)?;
        ExtendedKey::Private(Xpriv {
            network,
            depth,
            parent_fingerprint,
            child_number,
            private_key,
            chain_code,
        })
    } else {
        match key_data[0] {
            0x02 | 0x03 => {}
            0x00 => return Err(HdError::PublicVersionWithPrivateKey(info.public_prefix)),
            b => return Err(HdError::InvalidPublicKeyPrefix(b)),
        }
        let public_key = PublicKey::from_slice(key_data).map_err(|_| HdError::InvalidPublicKey)?;
        ExtendedKey::Public(Xpub {
            network,
            depth,
            parent_fingerprint,
            child_number,
            public_key,
            chain_code,
        })
    };
    Ok(ParsedExtendedKey {
        key,
        versions: info.versions,
        prefix: if is_private {
            info.private_prefix
        } else {
            info.public_prefix
        },
    })
}

/// Strictly parses an extended private key (any known private version).
pub fn parse_xpriv(s: &str) -> Result<(Xpriv, KeyVersions), HdError> {
    let parsed = parse_extended_key(s)?;
    match parsed.key {
        ExtendedKey::Private(k) => Ok((k, parsed.versions)),
        ExtendedKey::Public(_) => Err(HdError::WrongKeyKind {
            expected: "private",
            got: "public",
        }),
    }
}

/// Strictly parses an extended public key (any known public version).
pub fn parse_xpub(s: &str) -> Result<(Xpub, KeyVersions), HdError> {
    let parsed = parse_extended_key(s)?;
    match parsed.key {
        ExtendedKey::Public(k) => Ok((k, parsed.versions)),
        ExtendedKey::Private(_) => Err(HdError::WrongKeyKind {
            expected: "public",
            got: "private",
        }),
    }
}

/// Base58 of `data` followed by the first 4 bytes of its double SHA-256.
fn base58check(data: &[u8]) -> String {
    let mut buf = Vec::with_capacity(data.len() + 4);
    buf.extend_from_slice(data);
    buf.extend_from_slice(&checksum(data));
    bs58::encode(buf).into_string()
}

/// Decodes base58check, returning the payload without its checksum.
fn base58check_decode(s: &str) -> Result<Vec<u8>, HdError> {
    let mut raw = bs58::decode(s)
        .into_vec()
        .map_err(|_| HdError::ExtKeyBase58)?;
    if raw.len() < 4 {
        return Err(HdError::ExtKeyLength(0));
    }
    let sum = raw.split_off(raw.len() - 4);
    if sum != checksum(&raw) {
        return Err(HdError::ExtKeyChecksum);
    }
    Ok(raw)
}

/// First 4 bytes of SHA-256(SHA-256(data)).
fn checksum(data: &[u8]) -> [u8; 4] {
    let twice = Sha256::digest(Sha256::digest(data));
    take4(&twice[..4])
}

/// Copies a 4-byte slice into an array (callers pass exactly 4 bytes).
fn take4(s: &[u8]) -> [u8; 4] {
    let mut out = [0u8; 4];
    out.copy_from_slice(&s[..4]);
    out
}
