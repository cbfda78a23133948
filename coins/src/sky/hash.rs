//! SHA-256 and RIPEMD-160 digests as Skycoin uses them (`src/cipher/hash.go`):
//! typed 32- and 20-byte values, hex in text, and the Merkle root of block bodies.

use std::fmt;
use std::str::FromStr;

use sha2::Digest;

use super::encoding::{Decode, DecodeError, Encode, Reader};

/// A text form of a hash that is not 2×N hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashParseError {
    /// Not hexadecimal.
    #[error("Invalid hex")]
    InvalidHex,
    /// Hex of the wrong length.
    #[error("Invalid hex length")]
    InvalidLength,
}

macro_rules! digest_type {
    ($(#[$doc:meta])* $name:ident, $len:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub [u8; $len]);

        impl $name {
            /// The all-zero value.
            pub const ZERO: $name = $name([0u8; $len]);

            /// Whether every byte is zero.
            pub fn is_zero(&self) -> bool {
                self.0 == [0u8; $len]
            }

            /// Lower-case hex.
            pub fn to_hex(&self) -> String {
                hex::encode(self.0)
            }

            /// Copies from a slice of exactly the right length.
            pub fn from_slice(b: &[u8]) -> Result<Self, HashParseError> {
                <[u8; $len]>::try_from(b)
                    .map($name)
                    .map_err(|_| HashParseError::InvalidLength)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.to_hex())
            }
        }

        impl FromStr for $name {
            type Err = HashParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let bytes = hex::decode(s).map_err(|_| HashParseError::InvalidHex)?;
                Self::from_slice(&bytes)
            }
        }

        impl AsRef<[u8]> for $name {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }

        impl Encode for $name {
            fn encode_to(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.0);
            }
            fn encoded_size(&self) -> usize {
                $len
            }
        }

        impl Decode for $name {
            fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok($name(r.take_array()?))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_hex())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

digest_type!(
    /// A SHA-256 digest (the reference's `cipher.SHA256`).
    Sha256,
    32
);
digest_type!(
    /// A RIPEMD-160 digest (the reference's `cipher.Ripemd160`).
    Ripemd160,
    20
);

/// One SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Sha256 {
    Sha256(sha2::Sha256::digest(data).into())
}

/// SHA-256 of the concatenation of `parts`.
pub fn sha256_concat(parts: &[&[u8]]) -> Sha256 {
    let mut h = sha2::Sha256::new();
    for p in parts {
        h.update(p);
    }
    Sha256(h.finalize().into())
}

/// `sha256(a || b)` (the reference's `AddSHA256`).
pub fn add_sha256(a: &Sha256, b: &Sha256) -> Sha256 {
    sha256_concat(&[&a.0, &b.0])
}

/// One RIPEMD-160 of `data`.
pub fn ripemd160(data: &[u8]) -> Ripemd160 {
    Ripemd160(ripemd::Ripemd160::digest(data).into())
}

/// Merkle root as the reference computes it (`hash.go Merkle`): the list is
/// padded with zero hashes to a power of two, then pairs are hashed together
/// until one remains. The empty list gives the zero hash.
pub fn merkle_root(hashes: &[Sha256]) -> Sha256 {
    if hashes.is_empty() {
        return Sha256::ZERO;
    }
    let width = hashes.len().next_power_of_two();
    let mut level: Vec<Sha256> = Vec::with_capacity(width);
    level.extend_from_slice(hashes);
    level.resize(width, Sha256::ZERO);
    while level.len() > 1 {
        level = level
            .chunks_exact(2)
            .map(|pair| add_sha256(&pair[0], &pair[1]))
            .collect();
    }
    level[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        // FIPS 180-2 and the RIPEMD-160 authors' published values for "abc".
        assert_eq!(
            sha256(b"abc").to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            ripemd160(b"abc").to_hex(),
            "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"
        );
    }

    #[test]
    fn merkle_of_one_is_itself_and_pads_with_zero() {
        let a = sha256(b"a");
        let b = sha256(b"b");
        let c = sha256(b"c");
        assert_eq!(merkle_root(&[a]), a);
        let ab = add_sha256(&a, &b);
        let c0 = add_sha256(&c, &Sha256::ZERO);
        assert_eq!(merkle_root(&[a, b, c]), add_sha256(&ab, &c0));
    }

    #[test]
    fn parses_hex_strictly() {
        assert_eq!("zz".parse::<Sha256>(), Err(HashParseError::InvalidHex));
        assert_eq!("00".parse::<Sha256>(), Err(HashParseError::InvalidLength));
    }
}
