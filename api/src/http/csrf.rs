//! CSRF tokens that the server does not have to remember.
//!
//! The reference node (`src/api/csrf.go`) signs each token with a secret
//! key that lives as long as the process and checks it without keeping a
//! list of issued tokens. skyx does the same: a token is
//! `base64url(expiry ‖ nonce) "." base64url(HMAC-SHA256(key, expiry ‖ nonce))`
//! (unpadded URL-safe base64, the reference's alphabet), the key is drawn
//! at random when the server starts, and a token is valid for
//! [`CSRF_MAX_AGE`] (the reference's `CSRFMaxAge`). The error texts are the
//! reference's.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, DecodeError, Engine};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Header carrying the token (`CSRFHeaderName`).
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// How long a token stays valid (`CSRFMaxAge`).
pub const CSRF_MAX_AGE: Duration = Duration::from_secs(30);

/// Random bytes in each token, so that two tokens never look alike.
const NONCE_LEN: usize = 32;

/// Expiry (Unix milliseconds, big-endian) ‖ nonce.
const PAYLOAD_LEN: usize = 8 + NONCE_LEN;

/// Go's `base64.RawURLEncoding`: URL-safe alphabet, no padding, lenient
/// about the unused bits of the last symbol.
const RAW_URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// Why a token is refused; the texts are the reference's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsrfError {
    /// Missing, or not two dot-separated parts (`ErrCSRFInvalid`).
    #[error("invalid CSRF token")]
    Invalid,
    /// The first part is not base64 (Go's `base64.CorruptInputError`).
    #[error("illegal base64 data at input byte {0}")]
    Encoding(usize),
    /// Not signed by this server (`ErrCSRFInvalidSignature`).
    #[error("invalid CSRF token signature")]
    Signature,
    /// Older than [`CSRF_MAX_AGE`] (`ErrCSRFExpired`).
    #[error("csrf token expired")]
    Expired,
}

/// The server's signing key: one SHA-256 block, the longest key HMAC uses
/// as it is (the reference's secret is 64 bytes too).
#[derive(Clone)]
pub struct CsrfKey([u8; 64]);

impl std::fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfKey(..)")
    }
}

fn unix_millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Go's offset for a corrupt base64 input.
fn corrupt_at(text: &str, e: &DecodeError) -> usize {
    match e {
        DecodeError::InvalidByte(at, _) | DecodeError::InvalidLastSymbol(at, _) => *at,
        // One symbol left over at the end: Go names its offset.
        DecodeError::InvalidLength(_) | DecodeError::InvalidPadding => text.len().saturating_sub(1),
    }
}

impl CsrfKey {
    /// A fresh random key.
    pub fn random() -> CsrfKey {
        let mut key = [0u8; 64];
        rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut key);
        CsrfKey(key)
    }

    fn mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as Mac>::new(&self.0.into())
    }

    /// A token valid until `now + CSRF_MAX_AGE`.
    pub fn issue(&self, now: SystemTime) -> String {
        let mut payload = [0u8; PAYLOAD_LEN];
        let expiry = unix_millis(now + CSRF_MAX_AGE);
        payload[..8].copy_from_slice(&expiry.to_be_bytes());
        payload[8..].copy_from_slice(&rand::random::<[u8; NONCE_LEN]>());
        let mut mac = self.mac();
        mac.update(&payload);
        let sig = mac.finalize().into_bytes();
        format!("{}.{}", RAW_URL.encode(payload), RAW_URL.encode(sig))
    }

    /// Checks a token at time `now`, in the reference's order: shape,
    /// encoding, signature (compared in constant time), expiry.
    pub fn verify(&self, token: &str, now: SystemTime) -> Result<(), CsrfError> {
        let mut parts = token.split('.');
        let (Some(payload), Some(sig), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(CsrfError::Invalid);
        };
        let payload = RAW_URL
            .decode(payload)
            .map_err(|e| CsrfError::Encoding(corrupt_at(payload, &e)))?;
        let sig = RAW_URL.decode(sig).map_err(|_| CsrfError::Signature)?;
        let mut mac = self.mac();
        mac.update(&payload);
        mac.verify_slice(&sig).map_err(|_| CsrfError::Signature)?;
        let expiry = payload
            .get(..8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_be_bytes)
            .ok_or(CsrfError::Invalid)?;
        if unix_millis(now) > expiry {
            return Err(CsrfError::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_valid_until_it_expires() {
        let key = CsrfKey::random();
        let now = SystemTime::now();
        let t = key.issue(now);
        assert_eq!(key.verify(&t, now), Ok(()));
        assert_eq!(key.verify(&t, now + CSRF_MAX_AGE), Ok(()));
        assert_eq!(
            key.verify(&t, now + CSRF_MAX_AGE + Duration::from_secs(1)),
            Err(CsrfError::Expired)
        );
        assert_ne!(key.issue(now), t, "each token has its own nonce");
    }

    #[test]
    fn refusals_carry_the_reference_texts() {
        let key = CsrfKey::random();
        let now = SystemTime::now();
        // The reference's own test tokens (csrf_test.go).
        let invalid = key.verify("xcasadsadsa", now).unwrap_err();
        assert_eq!(invalid.to_string(), "invalid CSRF token");
        assert_eq!(key.verify("", now), Err(CsrfError::Invalid));
        let forged = key.verify("YXNkc2Fkcw.YXNkc2Fkcw", now).unwrap_err();
        assert_eq!(forged.to_string(), "invalid CSRF token signature");
        assert_eq!(CsrfError::Expired.to_string(), "csrf token expired");
        // Another server's token.
        let other = CsrfKey::random().issue(now);
        assert_eq!(key.verify(&other, now), Err(CsrfError::Signature));
        // A token whose expiry was changed by its holder.
        let t = key.issue(now);
        let (payload, sig) = t.split_once('.').unwrap();
        let mut bytes = RAW_URL.decode(payload).unwrap();
        bytes[7] ^= 1;
        let tampered = format!("{}.{sig}", RAW_URL.encode(bytes));
        assert_eq!(key.verify(&tampered, now), Err(CsrfError::Signature));
        // Not base64: Go's message with the offset of the bad byte.
        assert_eq!(
            key.verify("ab!d.x", now).unwrap_err().to_string(),
            "illegal base64 data at input byte 2"
        );
        assert_eq!(
            key.verify("abcde.x", now),
            Err(CsrfError::Encoding(4)),
            "one symbol too many"
        );
        assert_eq!(key.verify("a.b.c", now), Err(CsrfError::Invalid));
    }
}
