//! Addresses of the Bitcoin family: base58check (P2PKH, P2SH), bech32/bech32m
//! segwit programs (BTC, LTC) and cashaddr (BCH), each checked against one
//! chain's parameters, with precise errors.

use std::fmt;

use bitcoin::bech32::primitives::decode::{
    CharError, CheckedHrpstring, ChecksumError, SegwitHrpstring, SegwitHrpstringError,
    UncheckedHrpstring, UncheckedHrpstringError,
};
use bitcoin::bech32::{segwit, Bech32, Bech32m, Fe32, Hrp};
use bitcoin::hashes::{hash160, Hash};
use bitcoin::secp256k1::{PublicKey, Secp256k1, Verification, XOnlyPublicKey};
use bitcoin::{
    PubkeyHash, Script, ScriptBuf, ScriptHash, TapNodeHash, WPubkeyHash, WScriptHash,
    WitnessProgram, WitnessVersion,
};
use serde::{Deserialize, Serialize, Serializer};
use thiserror::Error;

use super::cashaddr::{self, CashAddrError};
use super::params::{all_params, ChainParams};

/// What an address pays to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressKind {
    /// Pay to public key hash.
    P2pkh,
    /// Pay to script hash (includes P2SH-wrapped segwit).
    P2sh,
    /// Segwit v0 key hash.
    P2wpkh,
    /// Segwit v0 script hash.
    P2wsh,
    /// Segwit v1 taproot.
    P2tr,
    /// A segwit program of a version or length with no meaning yet.
    WitnessUnknown,
}

impl fmt::Display for AddressKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AddressKind::P2pkh => "p2pkh",
            AddressKind::P2sh => "p2sh",
            AddressKind::P2wpkh => "p2wpkh",
            AddressKind::P2wsh => "p2wsh",
            AddressKind::P2tr => "p2tr",
            AddressKind::WitnessUnknown => "witness_unknown",
        })
    }
}

/// Which text encoding an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Base58check.
    Base58,
    /// Bech32 (BIP173).
    Bech32,
    /// Bech32m (BIP350).
    Bech32m,
    /// CashAddr.
    CashAddr,
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Encoding::Base58 => "base58",
            Encoding::Bech32 => "bech32",
            Encoding::Bech32m => "bech32m",
            Encoding::CashAddr => "cashaddr",
        })
    }
}

/// Why a string is not an address of the chain, or an address cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AddressError {
    /// The string is empty.
    #[error("empty address")]
    Empty,
    /// A character outside the encoding's alphabet.
    #[error("invalid {encoding} character {ch:?}")]
    InvalidChar {
        /// The encoding.
        encoding: Encoding,
        /// The offending character.
        ch: char,
    },
    /// Upper and lower case mixed in a bech32 or cashaddr string.
    #[error("{0} string mixes upper and lower case")]
    MixedCase(Encoding),
    /// The checksum does not match.
    #[error("bad {0} checksum")]
    BadChecksum(Encoding),
    /// A segwit address with the other bech32 variant's checksum (bech32 for v1+, bech32m for v0).
    #[error("witness version {version} must use {expected} checksum")]
    WrongChecksumVariant {
        /// The witness version.
        version: u8,
        /// The checksum the version requires.
        expected: Encoding,
    },
    /// Wrong payload length for the encoding or kind.
    #[error("bad {encoding} payload length {len}")]
    BadLength {
        /// The encoding.
        encoding: Encoding,
        /// The length found.
        len: usize,
    },
    /// A malformed bech32 string (no separator, empty part, too long, bad padding).
    #[error("malformed bech32 string: {0}")]
    MalformedBech32(String),
    /// A base58 version byte that no known chain uses for addresses.
    #[error("unknown address version byte {0:#04x}")]
    UnknownVersion(u8),
    /// A bech32 human-readable part or cashaddr prefix that no known chain uses.
    #[error("unknown address prefix {0:?}")]
    UnknownHrp(String),
    /// A cashaddr type that is neither P2PKH nor P2SH.
    #[error("unknown cashaddr type {0}")]
    UnknownCashAddrType(u8),
    /// A valid address, but of another chain.
    #[error("address of {found}, not of {expected}")]
    WrongNetwork {
        /// The chain the address was checked against.
        expected: &'static str,
        /// The chain(s) whose prefix the address carries.
        found: String,
    },
    /// The chain has no segregated witness.
    #[error("{0} has no segwit addresses")]
    SegwitNotSupported(&'static str),
    /// Witness version above 16.
    #[error("invalid witness version {0}")]
    InvalidWitnessVersion(u8),
    /// Witness program of a length the version forbids.
    #[error("invalid witness program length {len} for version {version}")]
    InvalidWitnessProgramLength {
        /// The witness version.
        version: u8,
        /// The program length.
        len: usize,
    },
    /// The chain's address format cannot express this kind of address.
    #[error("{chain} cannot encode a {kind} address")]
    KindNotSupported {
        /// The chain.
        chain: &'static str,
        /// The kind asked for.
        kind: AddressKind,
    },
}

impl AddressError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            AddressError::Empty => "address_empty",
            AddressError::InvalidChar { .. } => "address_char",
            AddressError::MixedCase(_) => "address_mixed_case",
            AddressError::BadChecksum(_) | AddressError::WrongChecksumVariant { .. } => {
                "address_checksum"
            }
            AddressError::BadLength { .. } | AddressError::MalformedBech32(_) => "address_length",
            AddressError::UnknownVersion(_)
            | AddressError::UnknownHrp(_)
            | AddressError::UnknownCashAddrType(_) => "address_unknown_kind",
            AddressError::WrongNetwork { .. } => "address_wrong_network",
            AddressError::SegwitNotSupported(_) | AddressError::KindNotSupported { .. } => {
                "address_kind_not_supported"
            }
            AddressError::InvalidWitnessVersion(_)
            | AddressError::InvalidWitnessProgramLength { .. } => "address_witness",
        }
    }
}

/// The data an address carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Payload {
    PubkeyHash([u8; 20]),
    ScriptHash([u8; 20]),
    Witness { version: u8, program: Vec<u8> },
}

/// An address valid on one chain of the Bitcoin family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    params: &'static ChainParams,
    payload: Payload,
}

impl Address {
    /// P2PKH of the compressed public key.
    pub fn p2pkh(params: &'static ChainParams, pk: &PublicKey) -> Address {
        Self::from_pubkey_hash(params, hash160::Hash::hash(&pk.serialize()).to_byte_array())
    }

    /// P2PKH of the uncompressed (65-byte) public key.
    pub fn p2pkh_uncompressed(params: &'static ChainParams, pk: &PublicKey) -> Address {
        let h = hash160::Hash::hash(&pk.serialize_uncompressed());
        Self::from_pubkey_hash(params, h.to_byte_array())
    }

    /// P2PKH of a 20-byte public key hash.
    pub fn from_pubkey_hash(params: &'static ChainParams, hash: [u8; 20]) -> Address {
        Address {
            params,
            payload: Payload::PubkeyHash(hash),
        }
    }

    /// P2SH of a 20-byte script hash.
    pub fn from_script_hash(params: &'static ChainParams, hash: [u8; 20]) -> Address {
        Address {
            params,
            payload: Payload::ScriptHash(hash),
        }
    }

    /// P2SH of a redeem script.
    pub fn p2sh(params: &'static ChainParams, redeem_script: &Script) -> Address {
        Self::from_script_hash(
            params,
            hash160::Hash::hash(redeem_script.as_bytes()).to_byte_array(),
        )
    }

    /// P2SH-wrapped P2WPKH (BIP49); only on chains with segwit.
    pub fn p2sh_p2wpkh(
        params: &'static ChainParams,
        pk: &PublicKey,
    ) -> Result<Address, AddressError> {
        require_segwit(params)?;
        Ok(Self::p2sh(params, &p2wpkh_script(pk)))
    }

    /// Native P2WPKH (BIP84); only on chains with segwit.
    pub fn p2wpkh(params: &'static ChainParams, pk: &PublicKey) -> Result<Address, AddressError> {
        require_segwit(params)?;
        let hash = hash160::Hash::hash(&pk.serialize()).to_byte_array();
        Ok(Self::witness_unchecked(params, 0, hash.to_vec()))
    }

    /// Native P2WSH of a witness script; only on chains with segwit.
    pub fn p2wsh(
        params: &'static ChainParams,
        witness_script: &Script,
    ) -> Result<Address, AddressError> {
        require_segwit(params)?;
        let hash = WScriptHash::hash(witness_script.as_bytes()).to_byte_array();
        Ok(Self::witness_unchecked(params, 0, hash.to_vec()))
    }

    /// Key-path-only taproot (BIP86 tweak, no script tree); only where taproot exists (BTC, LTC).
    pub fn p2tr<C: Verification>(
        params: &'static ChainParams,
        secp: &Secp256k1<C>,
        internal_key: XOnlyPublicKey,
    ) -> Result<Address, AddressError> {
        require_segwit(params)?;
        let program = WitnessProgram::p2tr(secp, internal_key, None);
        Ok(Self::witness_unchecked(
            params,
            1,
            program.program().as_bytes().to_vec(),
        ))
    }

    /// Taproot output committing to a script tree with this merkle root (BIP341 tweak).
    pub fn p2tr_with_merkle_root<C: Verification>(
        params: &'static ChainParams,
        secp: &Secp256k1<C>,
        internal_key: XOnlyPublicKey,
        merkle_root: [u8; 32],
    ) -> Result<Address, AddressError> {
        require_segwit(params)?;
        let root = TapNodeHash::from_byte_array(merkle_root);
        let program = WitnessProgram::p2tr(secp, internal_key, Some(root));
        Ok(Self::witness_unchecked(
            params,
            1,
            program.program().as_bytes().to_vec(),
        ))
    }

    /// A segwit program of any version; checks version and program length.
    pub fn from_witness_program(
        params: &'static ChainParams,
        version: u8,
        program: &[u8],
    ) -> Result<Address, AddressError> {
        require_segwit(params)?;
        check_witness_program(version, program.len())?;
        Ok(Self::witness_unchecked(params, version, program.to_vec()))
    }

    fn witness_unchecked(params: &'static ChainParams, version: u8, program: Vec<u8>) -> Address {
        Address {
            params,
            payload: Payload::Witness { version, program },
        }
    }

    /// Parses `s` as an address of the chain `params`.
    pub fn parse(params: &'static ChainParams, s: &str) -> Result<Address, AddressError> {
        if s.is_empty() {
            return Err(AddressError::Empty);
        }
        let lower = s.to_ascii_lowercase();
        let known_hrp = all_params()
            .iter()
            .filter_map(|p| p.bech32_hrp)
            .any(|h| lower.starts_with(h) && lower.as_bytes().get(h.len()) == Some(&b'1'));
        if known_hrp {
            return parse_bech32(params, s);
        }
        if let Some(prefix) = params.cashaddr_prefix {
            let base58_alphabet = s.chars().all(is_base58_char);
            if s.contains(':') || !base58_alphabet {
                return parse_cashaddr(params, prefix, s);
            }
        } else if s.contains(':') || !s.chars().all(is_base58_char) {
            if let Some(err) = foreign_cashaddr(params, s) {
                return Err(err);
            }
        }
        let single_case = !(s.bytes().any(|b| b.is_ascii_lowercase())
            && s.bytes().any(|b| b.is_ascii_uppercase()));
        if !s.chars().all(is_base58_char) && s.contains('1') && single_case {
            return parse_bech32(params, s);
        }
        parse_base58(params, s)
    }

    /// The chain this address belongs to.
    pub fn params(&self) -> &'static ChainParams {
        self.params
    }

    /// What the address pays to.
    pub fn kind(&self) -> AddressKind {
        match &self.payload {
            Payload::PubkeyHash(_) => AddressKind::P2pkh,
            Payload::ScriptHash(_) => AddressKind::P2sh,
            Payload::Witness {
                version: 0,
                program,
            } if program.len() == 20 => AddressKind::P2wpkh,
            Payload::Witness { version: 0, .. } => AddressKind::P2wsh,
            Payload::Witness {
                version: 1,
                program,
            } if program.len() == 32 => AddressKind::P2tr,
            Payload::Witness { .. } => AddressKind::WitnessUnknown,
        }
    }

    /// The output script paying to this address.
    pub fn script_pubkey(&self) -> ScriptBuf {
        match &self.payload {
            Payload::PubkeyHash(h) => ScriptBuf::new_p2pkh(&PubkeyHash::from_byte_array(*h)),
            Payload::ScriptHash(h) => ScriptBuf::new_p2sh(&ScriptHash::from_byte_array(*h)),
            Payload::Witness { version, program } => {
                // Version and length were checked on construction; build the script by hand
                // so no error path is needed: OP_n, push(program).
                let op = if *version == 0 { 0x00 } else { 0x50 + version };
                let mut bytes = Vec::with_capacity(program.len() + 2);
                bytes.push(op);
                bytes.push(program.len() as u8);
                bytes.extend_from_slice(program);
                ScriptBuf::from_bytes(bytes)
            }
        }
    }

    /// The base58 form for chains whose display form is cashaddr (BCH); `None` for segwit.
    pub fn to_legacy_string(&self) -> Option<String> {
        match &self.payload {
            Payload::PubkeyHash(h) => Some(base58_string(self.params.p2pkh_prefix, h)),
            Payload::ScriptHash(h) => Some(base58_string(self.params.p2sh_prefix, h)),
            Payload::Witness { .. } => None,
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.payload {
            Payload::PubkeyHash(h) | Payload::ScriptHash(h) => {
                let is_p2sh = matches!(self.payload, Payload::ScriptHash(_));
                if let Some(prefix) = self.params.cashaddr_prefix {
                    let kind = if is_p2sh {
                        cashaddr::TYPE_P2SH
                    } else {
                        cashaddr::TYPE_P2PKH
                    };
                    let s = cashaddr::encode(prefix, kind, h).ok_or(fmt::Error)?;
                    return f.write_str(&s);
                }
                let version = if is_p2sh {
                    self.params.p2sh_prefix
                } else {
                    self.params.p2pkh_prefix
                };
                f.write_str(&base58_string(version, h))
            }
            Payload::Witness { version, program } => {
                let hrp_str = self.params.bech32_hrp.ok_or(fmt::Error)?;
                let hrp = Hrp::parse(hrp_str).map_err(|_| fmt::Error)?;
                let v = Fe32::try_from(*version).map_err(|_| fmt::Error)?;
                let s = segwit::encode(hrp, v, program).map_err(|_| fmt::Error)?;
                f.write_str(&s)
            }
        }
    }
}

impl Serialize for Address {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The P2WPKH script `0 <hash160(pk)>` (also the P2SH-P2WPKH redeem script).
pub fn p2wpkh_script(pk: &PublicKey) -> ScriptBuf {
    let hash = hash160::Hash::hash(&pk.serialize()).to_byte_array();
    ScriptBuf::new_p2wpkh(&WPubkeyHash::from_byte_array(hash))
}

/// A cashaddr valid on some other chain: the "wrong network" error naming it.
fn foreign_cashaddr(params: &'static ChainParams, s: &str) -> Option<AddressError> {
    all_params()
        .iter()
        .filter_map(|p| p.cashaddr_prefix)
        .find(|prefix| cashaddr::decode(s, prefix).is_ok())
        .map(|prefix| AddressError::WrongNetwork {
            expected: params.name,
            found: chains_matching(|q| q.cashaddr_prefix == Some(prefix)),
        })
}

fn require_segwit(params: &'static ChainParams) -> Result<(), AddressError> {
    if params.has_segwit() {
        Ok(())
    } else {
        Err(AddressError::SegwitNotSupported(params.name))
    }
}

fn check_witness_program(version: u8, len: usize) -> Result<(), AddressError> {
    let wv = WitnessVersion::try_from(version)
        .map_err(|_| AddressError::InvalidWitnessVersion(version))?;
    let ok = match wv {
        WitnessVersion::V0 => len == 20 || len == 32,
        _ => (2..=40).contains(&len),
    };
    if ok {
        Ok(())
    } else {
        Err(AddressError::InvalidWitnessProgramLength { version, len })
    }
}

fn is_base58_char(c: char) -> bool {
    c.is_ascii_alphanumeric() && !matches!(c, '0' | 'O' | 'I' | 'l')
}

fn base58_string(version: u8, hash: &[u8; 20]) -> String {
    let mut data = Vec::with_capacity(21);
    data.push(version);
    data.extend_from_slice(hash);
    bitcoin::base58::encode_check(&data)
}

/// Names of every chain satisfying `pred`, joined with " or ".
fn chains_matching(pred: impl Fn(&ChainParams) -> bool) -> String {
    let names: Vec<&str> = all_params()
        .iter()
        .filter(|p| pred(p))
        .map(|p| p.name)
        .collect();
    names.join(" or ")
}

/// Decodes a base58check string into its bytes, with typed errors.
pub(crate) fn base58check(s: &str) -> Result<Vec<u8>, AddressError> {
    use bitcoin::base58::Error as B58;
    bitcoin::base58::decode_check(s).map_err(|e| match e {
        B58::Decode(c) => AddressError::InvalidChar {
            encoding: Encoding::Base58,
            ch: char::from(c.invalid_base58_character()),
        },
        B58::IncorrectChecksum(_) => AddressError::BadChecksum(Encoding::Base58),
        B58::TooShort(t) => AddressError::BadLength {
            encoding: Encoding::Base58,
            len: t.invalid_base58_length(),
        },
        _ => AddressError::BadChecksum(Encoding::Base58),
    })
}

fn parse_base58(params: &'static ChainParams, s: &str) -> Result<Address, AddressError> {
    let data = base58check(s)?;
    let (&version, payload) = data.split_first().ok_or(AddressError::BadLength {
        encoding: Encoding::Base58,
        len: 0,
    })?;
    let is_p2sh =
        |p: &ChainParams| p.p2sh_prefix == version || p.legacy_p2sh_prefixes.contains(&version);
    let ours = version == params.p2pkh_prefix || is_p2sh(params);
    let hash: Option<[u8; 20]> = payload.try_into().ok();
    match (ours, hash) {
        (true, Some(h)) if version == params.p2pkh_prefix => {
            Ok(Address::from_pubkey_hash(params, h))
        }
        (true, Some(h)) => Ok(Address::from_script_hash(params, h)),
        (true, None) => Err(AddressError::BadLength {
            encoding: Encoding::Base58,
            len: payload.len(),
        }),
        (false, _) => {
            let found = chains_matching(|p| p.p2pkh_prefix == version || is_p2sh(p));
            if found.is_empty() {
                Err(AddressError::UnknownVersion(version))
            } else if hash.is_none() {
                Err(AddressError::BadLength {
                    encoding: Encoding::Base58,
                    len: payload.len(),
                })
            } else {
                Err(AddressError::WrongNetwork {
                    expected: params.name,
                    found,
                })
            }
        }
    }
}

fn map_char_error(e: &CharError, encoding: Encoding) -> AddressError {
    match e {
        CharError::InvalidChar(c) => AddressError::InvalidChar { encoding, ch: *c },
        CharError::MixedCase => AddressError::MixedCase(encoding),
        other => AddressError::MalformedBech32(other.to_string()),
    }
}

fn map_unchecked(e: &UncheckedHrpstringError) -> AddressError {
    match e {
        UncheckedHrpstringError::Char(c) => map_char_error(c, Encoding::Bech32),
        other => AddressError::MalformedBech32(other.to_string()),
    }
}

fn parse_bech32(params: &'static ChainParams, s: &str) -> Result<Address, AddressError> {
    let unchecked = UncheckedHrpstring::new(s).map_err(|e| map_unchecked(&e))?;
    let hrp = unchecked.hrp().to_lowercase();
    match params.bech32_hrp {
        Some(ours) if ours == hrp => {}
        ours => {
            let found = chains_matching(|p| p.bech32_hrp == Some(hrp.as_str()));
            if found.is_empty() {
                return Err(AddressError::UnknownHrp(hrp));
            }
            // Only a string that is otherwise valid gets "wrong network".
            SegwitHrpstring::new(s).map_err(|e| map_segwit(s, &e))?;
            return Err(match ours {
                Some(_) => AddressError::WrongNetwork {
                    expected: params.name,
                    found,
                },
                None => AddressError::SegwitNotSupported(params.name),
            });
        }
    }
    let segwit = SegwitHrpstring::new(s).map_err(|e| map_segwit(s, &e))?;
    let version = segwit.witness_version().to_u8();
    let program: Vec<u8> = segwit.byte_iter().collect();
    check_witness_program(version, program.len())?;
    Ok(Address::witness_unchecked(params, version, program))
}

fn map_segwit(s: &str, e: &SegwitHrpstringError) -> AddressError {
    match e {
        SegwitHrpstringError::Unchecked(u) => map_unchecked(u),
        SegwitHrpstringError::InvalidWitnessVersion(v) => {
            AddressError::InvalidWitnessVersion(v.to_u8())
        }
        SegwitHrpstringError::WitnessLength(_) | SegwitHrpstringError::NoData => {
            let checked =
                CheckedHrpstring::new::<Bech32m>(s).or_else(|_| CheckedHrpstring::new::<Bech32>(s));
            match checked {
                Ok(mut c) => {
                    let version = c.remove_witness_version().map(|v| v.to_u8()).unwrap_or(0);
                    let len = c.byte_iter().count();
                    AddressError::InvalidWitnessProgramLength { version, len }
                }
                Err(_) => AddressError::MalformedBech32(e.to_string()),
            }
        }
        SegwitHrpstringError::Checksum(ChecksumError::InvalidResidue) => {
            let version = UncheckedHrpstring::new(s)
                .ok()
                .and_then(|u| u.witness_version());
            match version.map(|v| v.to_u8()) {
                Some(0) if CheckedHrpstring::new::<Bech32m>(s).is_ok() => {
                    AddressError::WrongChecksumVariant {
                        version: 0,
                        expected: Encoding::Bech32,
                    }
                }
                Some(v) if v > 0 && CheckedHrpstring::new::<Bech32>(s).is_ok() => {
                    AddressError::WrongChecksumVariant {
                        version: v,
                        expected: Encoding::Bech32m,
                    }
                }
                Some(0) => AddressError::BadChecksum(Encoding::Bech32),
                _ => AddressError::BadChecksum(Encoding::Bech32m),
            }
        }
        other => AddressError::MalformedBech32(other.to_string()),
    }
}

fn parse_cashaddr(
    params: &'static ChainParams,
    prefix: &'static str,
    s: &str,
) -> Result<Address, AddressError> {
    let decoded = cashaddr::decode(s, prefix).map_err(|e| match e {
        CashAddrError::MixedCase => AddressError::MixedCase(Encoding::CashAddr),
        CashAddrError::InvalidChar(ch) => AddressError::InvalidChar {
            encoding: Encoding::CashAddr,
            ch,
        },
        CashAddrError::WrongPrefix { found, .. } => {
            let others = chains_matching(|p| p.cashaddr_prefix == Some(found.as_str()));
            if others.is_empty() {
                AddressError::UnknownHrp(found)
            } else {
                AddressError::WrongNetwork {
                    expected: params.name,
                    found: others,
                }
            }
        }
        CashAddrError::BadChecksum => AddressError::BadChecksum(Encoding::CashAddr),
        CashAddrError::BadLength | CashAddrError::ReservedBit(_) => AddressError::BadLength {
            encoding: Encoding::CashAddr,
            len: s.len(),
        },
    })?;
    let hash: [u8; 20] =
        decoded
            .hash
            .as_slice()
            .try_into()
            .map_err(|_| AddressError::BadLength {
                encoding: Encoding::CashAddr,
                len: decoded.hash.len(),
            })?;
    match decoded.kind {
        cashaddr::TYPE_P2PKH => Ok(Address::from_pubkey_hash(params, hash)),
        cashaddr::TYPE_P2SH => Ok(Address::from_script_hash(params, hash)),
        other => Err(AddressError::UnknownCashAddrType(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btc::params::{params, Coin, Network};

    #[test]
    fn precise_errors() {
        let btc = params(Coin::Btc, Network::Mainnet).unwrap();
        let ltc = params(Coin::Ltc, Network::Mainnet).unwrap();
        let doge = params(Coin::Doge, Network::Mainnet).unwrap();
        // A valid Litecoin address on Bitcoin.
        assert!(matches!(
            Address::parse(btc, "LT2KVaAy1ppRuxRgrS5RNU3vBsy7RibPeA"),
            Err(AddressError::WrongNetwork { .. })
        ));
        assert!(matches!(
            Address::parse(ltc, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"),
            Err(AddressError::WrongNetwork { .. })
        ));
        assert_eq!(
            Address::parse(doge, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"),
            Err(AddressError::SegwitNotSupported("doge mainnet"))
        );
        assert_eq!(
            Address::parse(btc, "1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mp"),
            Err(AddressError::BadChecksum(Encoding::Base58))
        );
        assert!(matches!(
            Address::parse(btc, "1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2m0"),
            Err(AddressError::InvalidChar {
                encoding: Encoding::Base58,
                ch: '0'
            })
        ));
        assert_eq!(Address::parse(btc, ""), Err(AddressError::Empty));
        let bch_addr = "bitcoincash:qrvcdmgpk73zyfd8pmdl9wnuld36zh9n4gms8s0u59";
        let bsv = params(Coin::Bsv, Network::Mainnet).unwrap();
        assert_eq!(
            Address::parse(bsv, bch_addr),
            Err(AddressError::WrongNetwork {
                expected: "bsv mainnet",
                found: "bch mainnet".into()
            })
        );
        let bch_test = params(Coin::Bch, Network::Testnet).unwrap();
        assert_eq!(
            Address::parse(bch_test, bch_addr),
            Err(AddressError::WrongNetwork {
                expected: "bch testnet",
                found: "bch mainnet".into()
            })
        );
        let pk = PublicKey::from_slice(&[2u8; 33]);
        if let Ok(pk) = pk {
            assert_eq!(
                Address::p2wpkh(doge, &pk),
                Err(AddressError::SegwitNotSupported("doge mainnet"))
            );
        }
    }
}
