//! `scrypt-chacha20poly1305` (`src/cipher/encrypt/scrypt_chacha20poly1305.go`).
//!
//! key = scrypt(password, salt, N, r, p, keyLen); header = JSON
//! `{"n","r","p","keyLen","salt","nonce"}` (salt and nonce base64);
//! blob = `u16le(len(header)) || header || ChaCha20-Poly1305(data)` with
//! `u16le(len) || header` as associated data; the text is base64(blob).
//! Decryption reads N, r, p and keyLen back from the header.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::CryptoError;
use crate::sky::wallet::gojson;

/// Salt length in bytes.
const SALT_LEN: usize = 32;
/// ChaCha20-Poly1305 IETF nonce length.
const NONCE_LEN: usize = 12;
/// The largest scrypt working memory (128·N·r bytes) a header may ask for.
const MAX_SCRYPT_MEMORY: u64 = 1 << 31;
/// The largest parallelism a header may ask for.
const MAX_SCRYPT_P: u32 = 16;

/// scrypt work parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScryptParams {
    /// CPU/memory cost, a power of two.
    pub n: u64,
    /// Block size.
    pub r: u32,
    /// Parallelism.
    pub p: u32,
    /// Derived key length (32 for ChaCha20).
    pub key_len: usize,
}

impl Default for ScryptParams {
    /// The reference's defaults: N = 2^20, r = 8, p = 1, keyLen = 32.
    fn default() -> Self {
        ScryptParams {
            n: 1 << 20,
            r: 8,
            p: 1,
            key_len: 32,
        }
    }
}

impl ScryptParams {
    /// The reference's `-insecure` variant: N = 2^15.
    pub fn insecure() -> Self {
        ScryptParams {
            n: 1 << 15,
            ..ScryptParams::default()
        }
    }

    fn derive(&self, password: &[u8], salt: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if self.n < 2 || !self.n.is_power_of_two() {
            return Err(CryptoError::ScryptParams(format!(
                "N = {} is not a power of two > 1",
                self.n
            )));
        }
        if self.key_len != 32 {
            return Err(CryptoError::ScryptParams(format!(
                "keyLen = {} (ChaCha20-Poly1305 needs 32)",
                self.key_len
            )));
        }
        if self.p == 0 || self.p > MAX_SCRYPT_P {
            return Err(CryptoError::ScryptParams(format!(
                "p = {} out of range",
                self.p
            )));
        }
        let memory = 128u64
            .checked_mul(self.n)
            .and_then(|m| m.checked_mul(u64::from(self.r)))
            .unwrap_or(u64::MAX);
        if self.r == 0 || memory > MAX_SCRYPT_MEMORY {
            return Err(CryptoError::ScryptParams(format!(
                "N = {}, r = {} need too much memory",
                self.n, self.r
            )));
        }
        // n is a power of two below 2^64, so its log fits in a u8.
        let log_n = self.n.trailing_zeros() as u8;
        let params = scrypt::Params::new(log_n, self.r, self.p, self.key_len)
            .map_err(|e| CryptoError::ScryptParams(e.to_string()))?;
        let mut key = Zeroizing::new(vec![0u8; self.key_len]);
        scrypt::scrypt(password, salt, &params, &mut key)
            .map_err(|e| CryptoError::ScryptParams(e.to_string()))?;
        Ok(key)
    }
}

/// The JSON header, in the reference's field order.
#[derive(Serialize, Deserialize)]
struct Header {
    n: u64,
    r: u32,
    p: u32,
    #[serde(rename = "keyLen")]
    key_len: usize,
    salt: String,
    nonce: String,
}

/// Encrypts `data` with a fresh random salt and nonce.
pub fn encrypt(data: &[u8], password: &[u8], params: &ScryptParams) -> Result<String, CryptoError> {
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    let mut rng = rand::rngs::OsRng;
    rng.fill_bytes(&mut salt);
    rng.fill_bytes(&mut nonce);
    encrypt_with(data, password, params, &salt, &nonce)
}

/// Encrypts `data` with the given salt and nonce (deterministic; for tests
/// and for callers that bring their own randomness).
pub fn encrypt_with(
    data: &[u8],
    password: &[u8],
    params: &ScryptParams,
    salt: &[u8],
    nonce: &[u8; NONCE_LEN],
) -> Result<String, CryptoError> {
    if password.is_empty() {
        return Err(CryptoError::MissingPassword);
    }
    let key = params.derive(password, salt)?;
    let header = Header {
        n: params.n,
        r: params.r,
        p: params.p,
        key_len: params.key_len,
        salt: STANDARD.encode(salt),
        nonce: STANDARD.encode(nonce),
    };
    let header = gojson::to_vec_compact(&header).map_err(|e| CryptoError::Header(e.to_string()))?;
    let len = u16::try_from(header.len()).map_err(|_| CryptoError::TooLarge)?;
    let mut blob = Vec::with_capacity(2 + header.len() + data.len() + 16);
    blob.extend_from_slice(&len.to_le_bytes());
    blob.extend_from_slice(&header);
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&key));
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: data,
                aad: &blob,
            },
        )
        .map_err(|_| CryptoError::TooLarge)?;
    blob.extend_from_slice(&sealed);
    Ok(STANDARD.encode(&blob))
}

/// Decrypts the base64 text; a wrong password or altered data gives
/// [`CryptoError::InvalidPassword`].
pub fn decrypt(text: &str, password: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if password.is_empty() {
        return Err(CryptoError::MissingPassword);
    }
    let blob = STANDARD
        .decode(text.trim())
        .map_err(|_| CryptoError::Base64)?;
    if blob.len() < 2 {
        return Err(CryptoError::Truncated("no header length"));
    }
    let len = usize::from(u16::from_le_bytes([blob[0], blob[1]]));
    if blob.len() < 2 + len {
        return Err(CryptoError::Truncated("invalid metadata length"));
    }
    let (aad, sealed) = blob.split_at(2 + len);
    let header: Header =
        serde_json::from_slice(&aad[2..]).map_err(|e| CryptoError::Header(e.to_string()))?;
    let salt = STANDARD
        .decode(&header.salt)
        .map_err(|_| CryptoError::Header("salt is not base64".into()))?;
    let nonce = STANDARD
        .decode(&header.nonce)
        .map_err(|_| CryptoError::Header("nonce is not base64".into()))?;
    if nonce.len() != NONCE_LEN {
        return Err(CryptoError::Header(format!(
            "nonce is {} bytes, not 12",
            nonce.len()
        )));
    }
    let params = ScryptParams {
        n: header.n,
        r: header.r,
        p: header.p,
        key_len: header.key_len,
    };
    let key = params.derive(password, &salt)?;
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&key));
    cipher
        .decrypt(Nonce::from_slice(&nonce), Payload { msg: sealed, aad })
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::InvalidPassword)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast() -> ScryptParams {
        ScryptParams {
            n: 1 << 10,
            ..ScryptParams::default()
        }
    }

    #[test]
    fn round_trip_and_header_layout() {
        let salt = [7u8; 32];
        let nonce = [9u8; 12];
        let text = encrypt_with(b"secret data", b"pwd", &fast(), &salt, &nonce).unwrap();
        let blob = STANDARD.decode(&text).unwrap();
        let len = u16::from_le_bytes([blob[0], blob[1]]) as usize;
        let header = std::str::from_utf8(&blob[2..2 + len]).unwrap();
        assert_eq!(
            header,
            format!(
                r#"{{"n":1024,"r":8,"p":1,"keyLen":32,"salt":"{}","nonce":"{}"}}"#,
                STANDARD.encode(salt),
                STANDARD.encode(nonce)
            )
        );
        assert_eq!(blob.len(), 2 + len + 11 + 16);
        assert_eq!(&decrypt(&text, b"pwd").unwrap()[..], b"secret data");
    }

    #[test]
    fn wrong_password_and_tampering_are_errors() {
        let text = encrypt(b"secret", b"pwd", &fast()).unwrap();
        assert_eq!(
            decrypt(&text, b"pwe").unwrap_err(),
            CryptoError::InvalidPassword
        );
        assert_eq!(
            decrypt(&text, b"").unwrap_err(),
            CryptoError::MissingPassword
        );
        let mut blob = STANDARD.decode(&text).unwrap();
        let last = blob.len() - 1;
        blob[last] ^= 1;
        assert_eq!(
            decrypt(&STANDARD.encode(&blob), b"pwd").unwrap_err(),
            CryptoError::InvalidPassword
        );
        assert_eq!(decrypt("!!", b"pwd").unwrap_err(), CryptoError::Base64);
        assert!(matches!(
            decrypt(&STANDARD.encode([200u8, 0, 1]), b"pwd").unwrap_err(),
            CryptoError::Truncated(_)
        ));
    }

    #[test]
    fn absurd_parameters_are_refused_before_allocating() {
        let bad = ScryptParams {
            n: 1 << 30,
            ..ScryptParams::default()
        };
        assert!(matches!(
            encrypt(b"x", b"pwd", &bad).unwrap_err(),
            CryptoError::ScryptParams(_)
        ));
        let not_pow2 = ScryptParams {
            n: 1000,
            ..ScryptParams::default()
        };
        assert!(matches!(
            encrypt(b"x", b"pwd", &not_pow2).unwrap_err(),
            CryptoError::ScryptParams(_)
        ));
    }
}
