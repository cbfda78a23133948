//! WIF private keys (wallet import format) per chain: base58check of the
//! chain's WIF version byte, the 32-byte secret, and 0x01 when the public key
//! is used compressed.

use std::fmt;

use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey, Signing};
use thiserror::Error;

use super::address::{base58check, AddressError};
use super::params::{all_params, ChainParams};

/// Why a string is not a WIF private key of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WifError {
    /// Not valid base58check (bad character, checksum or length).
    #[error("invalid WIF encoding: {0}")]
    Encoding(AddressError),
    /// Length other than 33 (uncompressed) or 34 (compressed) bytes.
    #[error("WIF payload has {0} bytes, expected 33 or 34")]
    BadLength(usize),
    /// A 34-byte WIF whose last byte is not 0x01.
    #[error("WIF compression flag is {0:#04x}, expected 0x01")]
    BadCompressionFlag(u8),
    /// A WIF of another chain.
    #[error("private key of {found}, not of {expected}")]
    WrongNetwork {
        /// The chain checked against.
        expected: &'static str,
        /// The chain(s) using that version byte.
        found: String,
    },
    /// A version byte no known chain uses for private keys.
    #[error("unknown WIF version byte {0:#04x}")]
    UnknownVersion(u8),
    /// The secret is zero or not below the curve order.
    #[error("secret is not a valid secp256k1 private key")]
    InvalidSecret,
}

/// A private key with the compression flag of the public key it stands for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PrivateKey {
    /// The secp256k1 secret.
    pub secret: SecretKey,
    /// Whether the public key is used in its compressed (33-byte) form.
    pub compressed: bool,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("secret", &"<hidden>")
            .field("compressed", &self.compressed)
            .finish()
    }
}

impl PrivateKey {
    /// A key used with its compressed public key (the usual case).
    pub fn compressed(secret: SecretKey) -> PrivateKey {
        PrivateKey {
            secret,
            compressed: true,
        }
    }

    /// The public key.
    pub fn public_key<C: Signing>(&self, secp: &Secp256k1<C>) -> PublicKey {
        PublicKey::from_secret_key(secp, &self.secret)
    }

    /// The public key bytes as used in scripts (33 or 65 bytes).
    pub fn public_key_bytes<C: Signing>(&self, secp: &Secp256k1<C>) -> Vec<u8> {
        let pk = self.public_key(secp);
        if self.compressed {
            pk.serialize().to_vec()
        } else {
            pk.serialize_uncompressed().to_vec()
        }
    }

    /// Decodes a WIF string of the chain `params`.
    pub fn from_wif(params: &ChainParams, s: &str) -> Result<PrivateKey, WifError> {
        let data = base58check(s).map_err(WifError::Encoding)?;
        let (&version, rest) = data.split_first().ok_or(WifError::BadLength(0))?;
        if version != params.wif_prefix {
            let found: Vec<&str> = all_params()
                .iter()
                .filter(|p| p.wif_prefix == version)
                .map(|p| p.name)
                .collect();
            return Err(if found.is_empty() {
                WifError::UnknownVersion(version)
            } else {
                WifError::WrongNetwork {
                    expected: params.name,
                    found: found.join(" or "),
                }
            });
        }
        let (secret, compressed) = match rest.len() {
            32 => (rest, false),
            33 => match rest[32] {
                1 => (&rest[..32], true),
                flag => return Err(WifError::BadCompressionFlag(flag)),
            },
            n => return Err(WifError::BadLength(n + 1)),
        };
        let secret = SecretKey::from_slice(secret).map_err(|_| WifError::InvalidSecret)?;
        Ok(PrivateKey { secret, compressed })
    }

    /// Encodes the key as a WIF string of the chain `params`.
    pub fn to_wif(&self, params: &ChainParams) -> String {
        let mut data = Vec::with_capacity(34);
        data.push(params.wif_prefix);
        data.extend_from_slice(&self.secret.secret_bytes());
        if self.compressed {
            data.push(1);
        }
        bitcoin::base58::encode_check(&data)
    }
}
