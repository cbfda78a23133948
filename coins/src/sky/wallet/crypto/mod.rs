//! The two ciphers a wallet's `meta.secrets` is encrypted with
//! (`src/cipher/encrypt/`, `src/wallet/crypto/`): `scrypt-chacha20poly1305`
//! (default; `-insecure` is the same with N = 2^15) and the legacy
//! `sha256-xor`. Both take and return the base64 text stored in the file.

pub mod scrypt_chacha20poly1305;
pub mod sha256_xor;

use std::fmt;
use std::str::FromStr;

use zeroize::Zeroizing;

pub use scrypt_chacha20poly1305::ScryptParams;

/// Why encrypted data could not be produced or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// An empty password.
    #[error("missing password")]
    MissingPassword,
    /// The blob is not standard base64.
    #[error("encrypted data is not valid base64")]
    Base64,
    /// The blob is shorter than its own length fields say.
    #[error("encrypted data is truncated: {0}")]
    Truncated(&'static str),
    /// The scrypt header is not the expected JSON.
    #[error("invalid encryption header: {0}")]
    Header(String),
    /// Scrypt parameters the KDF refuses (N not a power of two, …).
    #[error("invalid scrypt parameters: {0}")]
    ScryptParams(String),
    /// The sha256-xor outer checksum does not match: the data was altered.
    #[error("invalid data, checksum is not matched")]
    Checksum,
    /// The password is wrong or the ciphertext/header was altered.
    #[error("invalid password")]
    InvalidPassword,
    /// The decrypted sha256-xor payload's length field is inconsistent.
    #[error("invalid data length")]
    DataLength,
    /// Data too large for the format's length field.
    #[error("data too large to encrypt")]
    TooLarge,
}

impl CryptoError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            CryptoError::MissingPassword => "crypto_password_missing",
            CryptoError::Base64 => "crypto_base64",
            CryptoError::Truncated(_) => "crypto_truncated",
            CryptoError::Header(_) => "crypto_header",
            CryptoError::ScryptParams(_) => "crypto_scrypt_params",
            CryptoError::Checksum => "crypto_checksum",
            CryptoError::InvalidPassword => "crypto_password_invalid",
            CryptoError::DataLength => "crypto_data_length",
            CryptoError::TooLarge => "crypto_too_large",
        }
    }
}

/// The `meta.cryptoType` of an encrypted wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CryptoType {
    /// scrypt (N = 2^20, r = 8, p = 1) + ChaCha20-Poly1305; the default.
    #[default]
    ScryptChacha20poly1305,
    /// The same with N = 2^15 (the reference uses it to speed up tests).
    ScryptChacha20poly1305Insecure,
    /// The legacy SHA-256 XOR stream; weak, kept for old wallets.
    Sha256Xor,
}

impl CryptoType {
    /// The name stored in `meta.cryptoType`.
    pub fn as_str(&self) -> &'static str {
        match self {
            CryptoType::ScryptChacha20poly1305 => "scrypt-chacha20poly1305",
            CryptoType::ScryptChacha20poly1305Insecure => "scrypt-chacha20poly1305-insecure",
            CryptoType::Sha256Xor => "sha256-xor",
        }
    }

    /// Encrypts `data` and returns the base64 text for `meta.secrets`.
    pub fn encrypt(&self, data: &[u8], password: &[u8]) -> Result<String, CryptoError> {
        match self {
            CryptoType::ScryptChacha20poly1305 => {
                scrypt_chacha20poly1305::encrypt(data, password, &ScryptParams::default())
            }
            CryptoType::ScryptChacha20poly1305Insecure => {
                scrypt_chacha20poly1305::encrypt(data, password, &ScryptParams::insecure())
            }
            CryptoType::Sha256Xor => sha256_xor::encrypt(data, password),
        }
    }

    /// Decrypts the base64 text of `meta.secrets`.
    pub fn decrypt(&self, text: &str, password: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        match self {
            CryptoType::ScryptChacha20poly1305 | CryptoType::ScryptChacha20poly1305Insecure => {
                scrypt_chacha20poly1305::decrypt(text, password)
            }
            CryptoType::Sha256Xor => sha256_xor::decrypt(text, password),
        }
    }
}

impl fmt::Display for CryptoType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CryptoType {
    type Err = CryptoTypeParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "scrypt-chacha20poly1305" => Ok(CryptoType::ScryptChacha20poly1305),
            "scrypt-chacha20poly1305-insecure" => Ok(CryptoType::ScryptChacha20poly1305Insecure),
            "sha256-xor" => Ok(CryptoType::Sha256Xor),
            other => Err(CryptoTypeParseError(other.to_string())),
        }
    }
}

/// A crypto type name that is not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown crypto type {0:?}")]
pub struct CryptoTypeParseError(pub String);
