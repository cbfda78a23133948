//! CashAddr, Bitcoin Cash's address format: `prefix:payload`, where the payload
//! is a version byte (type and hash size) and the hash in base32 (bech32's
//! alphabet) followed by a 40-bit BCH-code checksum over prefix and payload.

use thiserror::Error;

/// The base32 alphabet shared with bech32.
const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// Number of 5-bit checksum characters.
const CHECKSUM_LEN: usize = 8;

/// Type number of a pay-to-public-key-hash cashaddr.
pub const TYPE_P2PKH: u8 = 0;
/// Type number of a pay-to-script-hash cashaddr.
pub const TYPE_P2SH: u8 = 1;

/// Why a string is not a valid cashaddr.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CashAddrError {
    /// Upper and lower case letters are mixed.
    #[error("cashaddr mixes upper and lower case")]
    MixedCase,
    /// A character outside the base32 alphabet (or the prefix's letters and digits).
    #[error("invalid cashaddr character {0:?}")]
    InvalidChar(char),
    /// The prefix is not the one this chain uses.
    #[error("cashaddr prefix {found:?} where {expected:?} was expected")]
    WrongPrefix {
        /// The prefix of the string (lower case).
        found: String,
        /// The chain's prefix.
        expected: &'static str,
    },
    /// The checksum does not match.
    #[error("cashaddr checksum mismatch")]
    BadChecksum,
    /// The payload is too short, badly padded, or its length disagrees with its size bits.
    #[error("cashaddr payload has a bad length or padding")]
    BadLength,
    /// The version byte's reserved bit is set.
    #[error("cashaddr version byte {0:#04x} has its reserved bit set")]
    ReservedBit(u8),
}

/// A decoded cashaddr: its prefix, type number and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CashAddr {
    /// The prefix (lower case), e.g. "bitcoincash".
    pub prefix: String,
    /// The type number: 0 P2PKH, 1 P2SH.
    pub kind: u8,
    /// The hash (20 to 64 bytes).
    pub hash: Vec<u8>,
}

fn polymod(values: impl Iterator<Item = u8>) -> u64 {
    const GEN: [u64; 5] = [
        0x98_f2bc_8e61,
        0x79_b76d_99e2,
        0xf3_3e5f_b3c4,
        0xae_2eab_e2a8,
        0x1e_4f43_e470,
    ];
    let mut c: u64 = 1;
    for d in values {
        let c0 = c >> 35;
        c = ((c & 0x07_ffff_ffff) << 5) ^ u64::from(d);
        for (i, g) in GEN.iter().enumerate() {
            if (c0 >> i) & 1 == 1 {
                c ^= g;
            }
        }
    }
    c ^ 1
}

fn prefix_values(prefix: &str) -> impl Iterator<Item = u8> + '_ {
    prefix.bytes().map(|b| b & 0x1f).chain(std::iter::once(0))
}

/// Regroups bits: 8→5 with zero padding (`pad`) or 5→8 refusing non-zero padding.
fn convert_bits(data: &[u8], from: u32, to: u32, pad: bool) -> Option<Vec<u8>> {
    let mut acc: u32 = 0;
    let mut bits: u32 = 0;
    let maxv: u32 = (1 << to) - 1;
    let mut out = Vec::with_capacity(data.len() * from as usize / to as usize + 1);
    for &v in data {
        acc = (acc << from) | u32::from(v);
        bits += from;
        while bits >= to {
            bits -= to;
            out.push(((acc >> bits) & maxv) as u8);
        }
    }
    if pad {
        if bits > 0 {
            out.push(((acc << (to - bits)) & maxv) as u8);
        }
    } else if bits >= from || ((acc << (to - bits)) & maxv) != 0 {
        return None;
    }
    Some(out)
}

/// Size bits of the version byte for a hash length, if it is one cashaddr allows.
fn size_code(len: usize) -> Option<u8> {
    match len {
        20 => Some(0),
        24 => Some(1),
        28 => Some(2),
        32 => Some(3),
        40 => Some(4),
        48 => Some(5),
        56 => Some(6),
        64 => Some(7),
        _ => None,
    }
}

/// Encodes `hash` with type `kind` (0..=15) under `prefix`, lower case, prefix included.
/// Returns `None` when the hash length has no size code or the type is out of range.
pub fn encode(prefix: &str, kind: u8, hash: &[u8]) -> Option<String> {
    if kind > 15 {
        return None;
    }
    let version = (kind << 3) | size_code(hash.len())?;
    let mut payload8 = Vec::with_capacity(hash.len() + 1);
    payload8.push(version);
    payload8.extend_from_slice(hash);
    let payload = convert_bits(&payload8, 8, 5, true)?;
    let checksum = polymod(
        prefix_values(prefix)
            .chain(payload.iter().copied())
            .chain([0u8; CHECKSUM_LEN]),
    );
    let mut out = String::with_capacity(prefix.len() + 1 + payload.len() + CHECKSUM_LEN);
    out.push_str(prefix);
    out.push(':');
    for v in payload {
        out.push(char::from(CHARSET[usize::from(v)]));
    }
    for i in 0..CHECKSUM_LEN {
        let v = (checksum >> (5 * (CHECKSUM_LEN - 1 - i))) & 0x1f;
        out.push(char::from(CHARSET[v as usize]));
    }
    Some(out)
}

/// Decodes a cashaddr. The prefix may be left out, then `expected_prefix` is assumed;
/// when present it must equal `expected_prefix` (case-insensitive).
pub fn decode(s: &str, expected_prefix: &'static str) -> Result<CashAddr, CashAddrError> {
    let has_lower = s.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = s.bytes().any(|b| b.is_ascii_uppercase());
    if has_lower && has_upper {
        return Err(CashAddrError::MixedCase);
    }
    let lower = s.to_ascii_lowercase();
    let (prefix, data) = match lower.rsplit_once(':') {
        Some((p, d)) => (p.to_owned(), d),
        None => (expected_prefix.to_owned(), lower.as_str()),
    };
    if let Some(c) = prefix.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Err(CashAddrError::InvalidChar(c));
    }
    let mut values = Vec::with_capacity(data.len());
    for c in data.chars() {
        let v = CHARSET
            .iter()
            .position(|&x| char::from(x) == c)
            .ok_or(CashAddrError::InvalidChar(c))?;
        values.push(v as u8);
    }
    if prefix != expected_prefix {
        return Err(CashAddrError::WrongPrefix {
            found: prefix,
            expected: expected_prefix,
        });
    }
    if values.len() <= CHECKSUM_LEN {
        return Err(CashAddrError::BadLength);
    }
    if polymod(prefix_values(&prefix).chain(values.iter().copied())) != 0 {
        return Err(CashAddrError::BadChecksum);
    }
    let payload5 = &values[..values.len() - CHECKSUM_LEN];
    let payload = convert_bits(payload5, 5, 8, false).ok_or(CashAddrError::BadLength)?;
    let (&version, hash) = payload.split_first().ok_or(CashAddrError::BadLength)?;
    if version & 0x80 != 0 {
        return Err(CashAddrError::ReservedBit(version));
    }
    if size_code(hash.len()) != Some(version & 0x07) {
        return Err(CashAddrError::BadLength);
    }
    Ok(CashAddr {
        prefix,
        kind: (version >> 3) & 0x0f,
        hash: hash.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let hash = [7u8; 20];
        let s = encode("bitcoincash", TYPE_P2SH, &hash).unwrap();
        let d = decode(&s, "bitcoincash").unwrap();
        assert_eq!((d.kind, d.hash.as_slice()), (TYPE_P2SH, &hash[..]));
        let bare = s.trim_start_matches("bitcoincash:");
        assert_eq!(decode(bare, "bitcoincash").unwrap(), d);
        assert_eq!(decode(&s.to_uppercase(), "bitcoincash").unwrap(), d);
        assert_eq!(
            decode(&s, "bchtest"),
            Err(CashAddrError::WrongPrefix {
                found: "bitcoincash".into(),
                expected: "bchtest"
            })
        );
        let mut bad = s.clone().into_bytes();
        let last = bad.len() - 1;
        bad[last] = if bad[last] == b'q' { b'p' } else { b'q' };
        let bad = String::from_utf8(bad).unwrap();
        assert_eq!(decode(&bad, "bitcoincash"), Err(CashAddrError::BadChecksum));
        assert_eq!(
            decode("bitcoincash:qB", "bitcoincash"),
            Err(CashAddrError::MixedCase)
        );
        assert_eq!(
            decode("bitcoincash:qb", "bitcoincash"),
            Err(CashAddrError::InvalidChar('b'))
        );
        assert_eq!(encode("bitcoincash", 0, &[0u8; 21]), None);
    }
}
