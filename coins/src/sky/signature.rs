//! Skycoin's 65-byte recoverable signatures (`src/cipher/crypto.go`,
//! `src/cipher/secp256k1-go2/sig.go`): `R(32) || S(32) || recid(1)`.
//!
//! Verification is by recovery, as in the reference: the high bit of S and
//! recovery ids ≥ 4 are refused, the public key is recovered from
//! `(hash, sig)` and compared with the expected key or address.
//!
//! Signing uses RFC 6979 nonces and low-S normalisation (libsecp256k1's
//! defaults). The reference draws random nonces; both are valid signatures
//! for the same verifier, and ours are reproducible.

use std::fmt;
use std::str::FromStr;

use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use secp256k1::{Message, PublicKey, SecretKey, SECP256K1};

use super::address::Address;
use super::encoding::{Decode, DecodeError, Encode, Reader};
use super::hash::Sha256;

/// Why a signature does not verify, with the reference's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The top bit of S is set (`ErrInvalidSigInvalidS`-class rejections).
    #[error("Signature not valid for hash")]
    HighS,
    /// A recovery id outside 0..=3.
    #[error("Invalid recovery id")]
    InvalidRecoveryId,
    /// No public key can be recovered (`ErrInvalidSigPubKeyRecovery`).
    #[error("Failed to recover public key")]
    RecoveryFailed,
    /// The recovered key differs from the expected one (`ErrInvalidSigPubKey`).
    #[error("Recovered pubkey does not match pubkey")]
    PubKeyMismatch,
    /// The recovered key's address differs (`ErrInvalidAddressForSig`).
    #[error("Address does not match recovered signing address")]
    AddressMismatch,
    /// Signing an all-zero hash is refused (`ErrSignNilHash`-like).
    #[error("cannot sign the zero hash")]
    ZeroHash,
    /// Hex of the wrong length or not hex.
    #[error("invalid signature encoding")]
    Encoding,
}

/// A 65-byte Skycoin signature.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sig(pub [u8; 65]);

impl Default for Sig {
    fn default() -> Self {
        Sig([0u8; 65])
    }
}

impl Sig {
    /// Whether every byte is zero (an unsigned slot).
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|b| *b == 0)
    }

    /// Lower-case hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The reference's quick checks, then libsecp256k1's recoverable form.
    fn parse(&self) -> Result<RecoverableSignature, SignatureError> {
        if self.0[32] & 0x80 != 0 {
            return Err(SignatureError::HighS);
        }
        let recid = self.0[64];
        if recid >= 4 {
            return Err(SignatureError::InvalidRecoveryId);
        }
        let id = RecoveryId::from_i32(i32::from(recid))
            .map_err(|_| SignatureError::InvalidRecoveryId)?;
        RecoverableSignature::from_compact(&self.0[..64], id)
            .map_err(|_| SignatureError::RecoveryFailed)
    }
}

impl fmt::Display for Sig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Sig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sig({})", self.to_hex())
    }
}

impl FromStr for Sig {
    type Err = SignatureError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = hex::decode(s).map_err(|_| SignatureError::Encoding)?;
        <[u8; 65]>::try_from(b.as_slice())
            .map(Sig)
            .map_err(|_| SignatureError::Encoding)
    }
}

impl Encode for Sig {
    fn encode_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0);
    }
    fn encoded_size(&self) -> usize {
        65
    }
}

impl Decode for Sig {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Sig(r.take_array()?))
    }
}

impl serde::Serialize for Sig {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Sig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Signs a 32-byte hash (`SignHash`).
pub fn sign_hash(hash: &Sha256, secret: &SecretKey) -> Result<Sig, SignatureError> {
    if hash.is_zero() {
        return Err(SignatureError::ZeroHash);
    }
    let msg = Message::from_digest(hash.0);
    let (id, compact) = SECP256K1
        .sign_ecdsa_recoverable(&msg, secret)
        .serialize_compact();
    let mut out = [0u8; 65];
    out[..64].copy_from_slice(&compact);
    // RecoveryId is always 0..=3.
    out[64] = id.to_i32() as u8;
    Ok(Sig(out))
}

/// Recovers the public key that made `sig` over `hash` (`PubKeyFromSig`).
pub fn recover_pubkey(hash: &Sha256, sig: &Sig) -> Result<PublicKey, SignatureError> {
    let rs = sig.parse()?;
    let msg = Message::from_digest(hash.0);
    SECP256K1
        .recover_ecdsa(&msg, &rs)
        .map_err(|_| SignatureError::RecoveryFailed)
}

/// Checks that `sig` over `hash` was made by `public` (`VerifyPubKeySignedHash`).
pub fn verify_pubkey(public: &PublicKey, sig: &Sig, hash: &Sha256) -> Result<(), SignatureError> {
    if recover_pubkey(hash, sig)? != *public {
        return Err(SignatureError::PubKeyMismatch);
    }
    Ok(())
}

/// Checks that `sig` over `hash` was made by the owner of `address`
/// (`VerifyAddressSignedHash`).
pub fn verify_address(address: &Address, sig: &Sig, hash: &Sha256) -> Result<(), SignatureError> {
    let public = recover_pubkey(hash, sig)?;
    if Address::from_pubkey(&public) != *address {
        return Err(SignatureError::AddressMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sky::keys::{public_from_bytes, secret_from_bytes};
    use crate::sky::test_vectors::read_json;

    fn hashes() -> Vec<Sha256> {
        read_json("skycoin/cipher/input-hashes.golden")["hashes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap().parse().unwrap())
            .collect()
    }

    // Reads: skycoin/cipher/input-hashes.golden, seed-0000.golden … seed-0010.golden,
    // seed-bip32-0000.golden … seed-bip32-0009.golden
    #[test]
    fn every_vector_signature_recovers_its_key() {
        let hashes = hashes();
        let mut checked = 0;
        let files = (0..=10)
            .map(|i| format!("skycoin/cipher/seed-{i:04}.golden"))
            .chain((0..=9).map(|i| format!("skycoin/cipher/seed-bip32-{i:04}.golden")));
        for rel in files {
            let v = read_json(&rel);
            for key in v["keys"].as_array().unwrap() {
                let public =
                    public_from_bytes(&hex::decode(key["public"].as_str().unwrap()).unwrap())
                        .unwrap();
                let address: Address = key["address"].as_str().unwrap().parse().unwrap();
                let sigs = key["signatures"].as_array().unwrap();
                assert_eq!(sigs.len(), hashes.len(), "{rel}");
                for (sig, hash) in sigs.iter().zip(&hashes) {
                    let sig: Sig = sig.as_str().unwrap().parse().unwrap();
                    assert_eq!(recover_pubkey(hash, &sig).unwrap(), public, "{rel}");
                    verify_pubkey(&public, &sig, hash).unwrap();
                    verify_address(&address, &sig, hash).unwrap();
                    checked += 1;
                }
            }
        }
        assert!(checked >= 2000, "only {checked} signatures checked");
    }

    #[test]
    fn sign_then_verify_and_reject_tampering() {
        let v = read_json("skycoin/cipher/seed-0000.golden");
        let key = &v["keys"][0];
        let secret =
            secret_from_bytes(&hex::decode(key["secret"].as_str().unwrap()).unwrap()).unwrap();
        let public =
            public_from_bytes(&hex::decode(key["public"].as_str().unwrap()).unwrap()).unwrap();
        for hash in hashes() {
            let sig = sign_hash(&hash, &secret).unwrap();
            verify_pubkey(&public, &sig, &hash).unwrap();
            let mut bad = sig;
            bad.0[64] = 4;
            assert_eq!(
                verify_pubkey(&public, &bad, &hash),
                Err(SignatureError::InvalidRecoveryId)
            );
            let mut high = sig;
            high.0[32] |= 0x80;
            assert_eq!(
                verify_pubkey(&public, &high, &hash),
                Err(SignatureError::HighS)
            );
            let mut other = hash;
            other.0[0] ^= 1;
            assert!(verify_pubkey(&public, &sig, &other).is_err());
        }
        assert_eq!(
            sign_hash(&Sha256::ZERO, &secret),
            Err(SignatureError::ZeroHash)
        );
    }
}
