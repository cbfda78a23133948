//! Legacy `sha256-xor` (`src/cipher/encrypt/sha256xor.go`).
//!
//! key = `secp256k1_hash(password)`; plaintext = `u32le(len) || data`
//! zero-padded to 32-byte blocks and prefixed with its own SHA-256; block i
//! is XORed with `sha256(key || sha256(varint(i) in 32 zero bytes || sha256(nonce)))`;
//! text = base64(`sha256(nonce || blocks) || nonce || blocks`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::RngCore;
use zeroize::Zeroizing;

use super::CryptoError;
use crate::sky::hash::{sha256, sha256_concat, Sha256};
use crate::sky::keys::secp256k1_hash;

const BLOCK: usize = 32;

/// Go's `binary.PutVarint(buf32, i)`: zig-zag, then LEB128, in 32 zero bytes.
fn index_bytes(i: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    // zig-zag of a non-negative int64 is 2·i.
    let mut ux = i << 1;
    let mut pos = 0;
    while ux >= 0x80 && pos < 31 {
        out[pos] = (ux as u8) | 0x80;
        ux >>= 7;
        pos += 1;
    }
    out[pos] = ux as u8;
    out
}

/// The keystream block for block index `i`.
fn pad(key: &Sha256, i: u64, nonce_hash: &Sha256) -> Sha256 {
    let index_nonce = sha256_concat(&[&index_bytes(i), &nonce_hash.0]);
    sha256_concat(&[&key.0, &index_nonce.0])
}

fn xor_block(block: &[u8], pad: &Sha256) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (o, (a, b)) in out.iter_mut().zip(block.iter().zip(pad.0.iter())) {
        *o = a ^ b;
    }
    out
}

/// Encrypts `data` with a fresh random nonce.
pub fn encrypt(data: &[u8], password: &[u8]) -> Result<String, CryptoError> {
    let mut nonce = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    encrypt_with(data, password, &nonce)
}

/// Encrypts `data` with the given nonce (deterministic).
pub fn encrypt_with(data: &[u8], password: &[u8], nonce: &[u8; 32]) -> Result<String, CryptoError> {
    if password.is_empty() {
        return Err(CryptoError::MissingPassword);
    }
    let len = u32::try_from(data.len()).map_err(|_| CryptoError::TooLarge)?;
    let mut plain = Zeroizing::new(Vec::with_capacity(4 + data.len() + BLOCK));
    plain.extend_from_slice(&len.to_le_bytes());
    plain.extend_from_slice(data);
    let rem = plain.len() % BLOCK;
    if rem > 0 {
        let padded = plain.len() + BLOCK - rem;
        plain.resize(padded, 0);
    }
    let data_hash = sha256(&plain);
    let key = secp256k1_hash(password);
    let nonce_hash = sha256(nonce);

    let mut out = Vec::with_capacity(64 + BLOCK + plain.len());
    out.extend_from_slice(&[0u8; 32]);
    out.extend_from_slice(nonce);
    let blocks = std::iter::once(&data_hash.0[..]).chain(plain.chunks(BLOCK));
    for (i, block) in blocks.enumerate() {
        out.extend_from_slice(&xor_block(block, &pad(&key, i as u64, &nonce_hash)));
    }
    let checksum = sha256(&out[32..]);
    out[..32].copy_from_slice(&checksum.0);
    Ok(STANDARD.encode(&out))
}

/// Decrypts the base64 text; a wrong password gives
/// [`CryptoError::InvalidPassword`], altered data [`CryptoError::Checksum`].
pub fn decrypt(text: &str, password: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if password.is_empty() {
        return Err(CryptoError::MissingPassword);
    }
    let raw = STANDARD
        .decode(text.trim())
        .map_err(|_| CryptoError::Base64)?;
    if raw.len() < 64 {
        return Err(CryptoError::Truncated("checksum and nonce"));
    }
    let (checksum, rest) = raw.split_at(32);
    if sha256(rest).0[..] != checksum[..] {
        return Err(CryptoError::Checksum);
    }
    let (nonce, blocks) = rest.split_at(32);
    if blocks.is_empty() {
        return Err(CryptoError::Truncated("read data hash failed"));
    }
    if blocks.len() % BLOCK != 0 {
        return Err(CryptoError::Truncated(
            "invalid block size, must be multiple of 32 bytes",
        ));
    }
    let key = secp256k1_hash(password);
    let nonce_hash = sha256(nonce);
    let mut plain = Zeroizing::new(Vec::with_capacity(blocks.len()));
    for (i, block) in blocks.chunks(BLOCK).enumerate() {
        plain.extend_from_slice(&xor_block(block, &pad(&key, i as u64, &nonce_hash)));
    }
    let (data_hash, body) = plain.split_at(32);
    if sha256(body).0[..] != data_hash[..] {
        return Err(CryptoError::InvalidPassword);
    }
    if body.len() < 4 {
        return Err(CryptoError::DataLength);
    }
    let len = u32::from_le_bytes([body[0], body[1], body[2], body[3]]) as usize;
    if len > body.len() - 4 {
        return Err(CryptoError::DataLength);
    }
    Ok(Zeroizing::new(body[4..4 + len].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_index_matches_go_zigzag() {
        assert_eq!(index_bytes(0)[..2], [0, 0]);
        assert_eq!(index_bytes(1)[..2], [2, 0]);
        assert_eq!(index_bytes(63)[..2], [126, 0]);
        assert_eq!(index_bytes(64)[..3], [0x80, 0x01, 0]);
    }

    #[test]
    fn round_trip_wrong_password_and_tamper() {
        for data in [&b""[..], b"a", &[5u8; 28], &[6u8; 29], &[7u8; 100]] {
            let text = encrypt(data, b"pwd").unwrap();
            assert_eq!(&decrypt(&text, b"pwd").unwrap()[..], data);
            assert_eq!(
                decrypt(&text, b"other").unwrap_err(),
                CryptoError::InvalidPassword
            );
            let mut raw = STANDARD.decode(&text).unwrap();
            let last = raw.len() - 1;
            raw[last] ^= 0x10;
            assert_eq!(
                decrypt(&STANDARD.encode(&raw), b"pwd").unwrap_err(),
                CryptoError::Checksum
            );
        }
    }
}
