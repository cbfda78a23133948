//! Skycoin's deterministic key chain (`src/cipher/secp256k1-go/secp256k1.go`,
//! `src/cipher/crypto.go`): from any seed bytes, an endless sequence of key
//! pairs, as `deterministic` wallets and the vector files use it.

use secp256k1::{PublicKey, SecretKey, SECP256K1};

use super::hash::{sha256, sha256_concat, Sha256};

/// Why a key chain could not be started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The reference refuses an empty seed.
    #[error("seed is empty")]
    EmptySeed,
    /// A 32-byte value that is not a valid secp256k1 secret key.
    #[error("invalid secret key")]
    InvalidSecretKey,
    /// 33 bytes that are not a valid compressed secp256k1 point.
    #[error("invalid public key")]
    InvalidPublicKey,
}

/// One key of the chain.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct KeyPair {
    /// The secret key.
    pub secret: SecretKey,
    /// Its compressed public key.
    pub public: PublicKey,
}

impl KeyPair {
    /// The pair for a secret key.
    pub fn from_secret(secret: SecretKey) -> KeyPair {
        KeyPair {
            secret,
            public: secret.public_key(SECP256K1),
        }
    }
}

/// Hashes until the value is a valid secret key (always at least once).
fn step(mut h: Sha256) -> SecretKey {
    loop {
        h = sha256(&h.0);
        if let Ok(sk) = SecretKey::from_slice(&h.0) {
            return sk;
        }
    }
}

/// The reference's `Secp256k1Hash(seed)`: `sha256(h || ecdh(pk, sk))` with
/// `h = sha256(seed)`, `sk = step(h)`, `pk = pubkey(step(sha256(h)))`.
pub fn secp256k1_hash(seed: &[u8]) -> Sha256 {
    let h = sha256(seed);
    let sk = step(h);
    let pk = step(sha256(&h.0)).public_key(SECP256K1);
    // `ecdh` in the reference is the compressed point sk·PK, unhashed.
    let shared = match pk.mul_tweak(SECP256K1, &sk.into()) {
        Ok(p) => p.serialize(),
        // sk is a valid non-zero scalar and pk a valid point, so the product
        // is never infinity; an all-zero point would mirror the reference's
        // failure value.
        Err(_) => [0u8; 33],
    };
    sha256_concat(&[&h.0, &shared])
}

/// One step of `DeterministicKeyPairIterator`: returns the next seed to feed
/// back and the key pair it yields.
pub fn next_key(seed: &[u8]) -> (Sha256, KeyPair) {
    let next = secp256k1_hash(seed);
    let sk = step(sha256_concat(&[seed, &next.0]));
    (next, KeyPair::from_secret(sk))
}

/// The deterministic key chain of a seed.
#[derive(Clone, Debug)]
pub struct KeyChain {
    seed: Vec<u8>,
}

impl KeyChain {
    /// Starts the chain at `seed` (any non-empty bytes, e.g. a mnemonic's text).
    pub fn new(seed: &[u8]) -> Result<KeyChain, KeyError> {
        if seed.is_empty() {
            return Err(KeyError::EmptySeed);
        }
        Ok(KeyChain {
            seed: seed.to_vec(),
        })
    }

    /// The seed the next key will be derived from; after `n` keys this is
    /// the wallet's `lastSeed`.
    pub fn current_seed(&self) -> &[u8] {
        &self.seed
    }

    /// Produces the next `n` keys.
    pub fn take_keys(&mut self, n: usize) -> Vec<KeyPair> {
        (0..n).map(|_| self.next_pair()).collect()
    }

    fn next_pair(&mut self) -> KeyPair {
        let (next, pair) = next_key(&self.seed);
        self.seed = next.0.to_vec();
        pair
    }
}

impl Iterator for KeyChain {
    type Item = KeyPair;

    fn next(&mut self) -> Option<KeyPair> {
        Some(self.next_pair())
    }
}

/// Parses a 32-byte secret key.
pub fn secret_from_bytes(b: &[u8]) -> Result<SecretKey, KeyError> {
    SecretKey::from_slice(b).map_err(|_| KeyError::InvalidSecretKey)
}

/// Parses a 33-byte compressed public key.
pub fn public_from_bytes(b: &[u8]) -> Result<PublicKey, KeyError> {
    if b.len() != 33 {
        return Err(KeyError::InvalidPublicKey);
    }
    PublicKey::from_slice(b).map_err(|_| KeyError::InvalidPublicKey)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sky::address::{bitcoin_address, Address};
    use crate::sky::test_vectors::read_json;
    use base64::Engine;

    fn check_seed_file(rel: &str) -> usize {
        let v = read_json(rel);
        let seed = base64::engine::general_purpose::STANDARD
            .decode(v["seed"].as_str().unwrap())
            .unwrap();
        let keys = v["keys"].as_array().unwrap();
        let mut chain = KeyChain::new(&seed).unwrap();
        for (i, want) in keys.iter().enumerate() {
            let pair = chain.next().unwrap();
            assert_eq!(
                hex::encode(pair.secret.secret_bytes()),
                want["secret"].as_str().unwrap(),
                "{rel} key {i} secret"
            );
            assert_eq!(
                hex::encode(pair.public.serialize()),
                want["public"].as_str().unwrap(),
                "{rel} key {i} public"
            );
            assert_eq!(
                Address::from_pubkey(&pair.public).to_string(),
                want["address"].as_str().unwrap(),
                "{rel} key {i} address"
            );
            assert_eq!(
                bitcoin_address(&pair.public),
                want["bitcoin_address"].as_str().unwrap(),
                "{rel} key {i} bitcoin address"
            );
        }
        keys.len()
    }

    // Reads: skycoin/cipher/seed-0000.golden … seed-0010.golden, many-addresses.golden
    #[test]
    fn key_chain_matches_every_seed_vector() {
        let mut total = 0;
        for i in 0..=10 {
            total += check_seed_file(&format!("skycoin/cipher/seed-{i:04}.golden"));
        }
        assert!(total > 10);
        assert_eq!(
            check_seed_file("skycoin/cipher/many-addresses.golden"),
            1000
        );
    }

    #[test]
    fn empty_seed_is_refused() {
        assert_eq!(KeyChain::new(b"").unwrap_err(), KeyError::EmptySeed);
    }
}
