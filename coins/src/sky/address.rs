//! Skycoin addresses (`src/cipher/address.go`, `src/cipher/bitcoin.go`).
//!
//! The key hash is `ripemd160(sha256(sha256(pubkey)))`; the text form is
//! `base58(key20 || version || checksum4)` with `checksum4 = sha256(key20 || version)[..4]`.
//! On the wire (transactions, outputs) an address is `version || key20`.

use std::fmt;
use std::str::FromStr;

use secp256k1::PublicKey;

use super::hash::{ripemd160, sha256, sha256_concat, Ripemd160};
use crate::codec_struct;

/// Why a string or byte slice is not a Skycoin address, with the
/// reference's messages, checked in the reference's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// The empty string (`base58.ErrInvalidString`).
    #[error("Invalid base58 string")]
    InvalidBase58String,
    /// A character outside the base58 alphabet (`base58.ErrInvalidChar`).
    #[error("Invalid base58 character")]
    InvalidBase58Char,
    /// Not 25 bytes once decoded (`ErrAddressInvalidLength`).
    #[error("Invalid address length")]
    InvalidLength,
    /// The checksum does not match (`ErrAddressInvalidChecksum`).
    #[error("Invalid checksum")]
    InvalidChecksum,
    /// A version other than 0 (`ErrAddressInvalidVersion`).
    #[error("Address version invalid")]
    InvalidVersion,
}

impl AddressError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            AddressError::InvalidBase58String => "address_empty",
            AddressError::InvalidBase58Char => "address_base58_char",
            AddressError::InvalidLength => "address_length",
            AddressError::InvalidChecksum => "address_checksum",
            AddressError::InvalidVersion => "address_version",
        }
    }
}

/// A Skycoin address: a version byte (always 0) and a 20-byte key hash.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Address {
    /// Address version; the reference accepts only 0.
    pub version: u8,
    /// `ripemd160(sha256(sha256(pubkey)))`.
    pub key: Ripemd160,
}
codec_struct!(Address { version, key });

/// `ripemd160(sha256(sha256(pubkey33)))`, the key hash of a Skycoin address.
pub fn key_hash(public: &PublicKey) -> Ripemd160 {
    let once = sha256(&public.serialize());
    ripemd160(&sha256(&once.0).0)
}

impl Address {
    /// The null address (version 0, zero key), which user transactions may not pay.
    pub const NULL: Address = Address {
        version: 0,
        key: Ripemd160::ZERO,
    };

    /// The address of a public key.
    pub fn from_pubkey(public: &PublicKey) -> Address {
        Address {
            version: 0,
            key: key_hash(public),
        }
    }

    /// The address of the public key of a secret key.
    pub fn from_secret(secret: &secp256k1::SecretKey) -> Address {
        Address::from_pubkey(&secret.public_key(secp256k1::SECP256K1))
    }

    /// The 4-byte checksum: `sha256(key || version)[..4]`.
    pub fn checksum(&self) -> [u8; 4] {
        let h = sha256_concat(&[&self.key.0, &[self.version]]);
        [h.0[0], h.0[1], h.0[2], h.0[3]]
    }

    /// The 25-byte payload of the base58 form, also used as database key.
    pub fn to_bytes(&self) -> [u8; 25] {
        let mut out = [0u8; 25];
        out[..20].copy_from_slice(&self.key.0);
        out[20] = self.version;
        out[21..].copy_from_slice(&self.checksum());
        out
    }

    /// Parses the 25-byte payload (`AddressFromBytes`): length, then checksum,
    /// then version.
    pub fn from_bytes(b: &[u8]) -> Result<Address, AddressError> {
        if b.len() != 25 {
            return Err(AddressError::InvalidLength);
        }
        let mut key = [0u8; 20];
        key.copy_from_slice(&b[..20]);
        let addr = Address {
            version: b[20],
            key: Ripemd160(key),
        };
        if addr.checksum() != b[21..25] {
            return Err(AddressError::InvalidChecksum);
        }
        if addr.version != 0 {
            return Err(AddressError::InvalidVersion);
        }
        Ok(addr)
    }

    /// Whether this is the null address.
    pub fn is_null(&self) -> bool {
        *self == Address::NULL
    }
}

impl FromStr for Address {
    type Err = AddressError;

    /// Parses the base58 text form (`DecodeBase58Address`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Err(AddressError::InvalidBase58String);
        }
        let bytes = bs58::decode(s)
            .into_vec()
            .map_err(|_| AddressError::InvalidBase58Char)?;
        Address::from_bytes(&bytes)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.to_bytes()).into_string())
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({self})")
    }
}

impl serde::Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The Bitcoin P2PKH address of the same key (`BitcoinAddressFromPubKey`):
/// `base58(0x00 || ripemd160(sha256(pub)) || sha256d(..)[..4])`.
pub fn bitcoin_address(public: &PublicKey) -> String {
    let mut payload = Vec::with_capacity(25);
    payload.push(0u8);
    payload.extend_from_slice(&ripemd160(&sha256(&public.serialize()).0).0);
    let check = sha256(&sha256(&payload).0);
    payload.extend_from_slice(&check.0[..4]);
    bs58::encode(payload).into_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sky::encoding::{decode_exact, encode};

    #[test]
    fn genesis_address_round_trips() {
        let s = "2jBbGxZRGoQG1mqhPBnXnLTxK6oxsTf8os6";
        let a: Address = s.parse().unwrap();
        assert_eq!(a.to_string(), s);
        let wire = encode(&a);
        assert_eq!(wire.len(), 21);
        assert_eq!(wire[0], 0);
        assert_eq!(decode_exact::<Address>(&wire).unwrap(), a);
    }

    #[test]
    fn errors_in_reference_order() {
        assert_eq!(
            "".parse::<Address>(),
            Err(AddressError::InvalidBase58String)
        );
        assert_eq!(
            "2jBbGxZRGoQG1mqhPBnXnLTxK6oxsTf8os0".parse::<Address>(),
            Err(AddressError::InvalidBase58Char)
        );
        assert_eq!(
            "2jBbGxZRGoQG1mqhPBnXnLTxK6oxsTf8".parse::<Address>(),
            Err(AddressError::InvalidLength)
        );
        assert_eq!(
            "2jBbGxZRGoQG1mqhPBnXnLTxK6oxsTf8os7".parse::<Address>(),
            Err(AddressError::InvalidChecksum)
        );
        // A correct checksum over version 1: the version check comes last.
        let mut bytes = "2jBbGxZRGoQG1mqhPBnXnLTxK6oxsTf8os6"
            .parse::<Address>()
            .unwrap()
            .to_bytes();
        bytes[20] = 1;
        let h = sha256(&bytes[..21]);
        bytes[21..].copy_from_slice(&h.0[..4]);
        let s = bs58::encode(bytes).into_string();
        assert_eq!(s.parse::<Address>(), Err(AddressError::InvalidVersion));
    }
}
