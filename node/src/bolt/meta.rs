//! BoltDB meta pages: pages 0 and 1 each hold a copy of the database root,
//! written alternately by successive transactions; the valid one with the
//! highest transaction id is current.
//!
//! A meta page is a page header followed by `magic u32, version u32,
//! page_size u32, flags u32, root bucket {root pgid u64, sequence u64},
//! freelist pgid u64, high-water pgid u64, txid u64, checksum u64`, all
//! little-endian; the checksum is FNV-1a 64 over the 56 bytes before it.

use super::error::MetaFault;
use super::page::{le_u32, le_u64, PAGE_HEADER_SIZE};

/// BoltDB's magic number.
pub const MAGIC: u32 = 0xED0C_DAED;
/// The only file format version BoltDB has written.
pub const VERSION: u32 = 2;
/// Smallest page size accepted.
pub const MIN_PAGE_SIZE: u32 = 512;
/// Largest page size accepted.
pub const MAX_PAGE_SIZE: u32 = 1 << 20;
/// Bytes of the meta structure, checksum included.
pub const META_SIZE: usize = 64;
/// Bytes covered by the checksum.
const CHECKSUMMED: usize = 56;

/// The fields of a valid meta page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    /// Page size in bytes.
    pub page_size: u32,
    /// Meta flags (unused by BoltDB, kept as read).
    pub flags: u32,
    /// Root page of the root bucket (whose keys are the top-level buckets).
    pub root: u64,
    /// Sequence of the root bucket.
    pub sequence: u64,
    /// Page of the freelist.
    pub freelist: u64,
    /// High-water mark: number of pages in use, every page id is below it.
    pub pgid: u64,
    /// Id of the transaction that wrote this meta.
    pub txid: u64,
}

/// FNV-1a, 64 bits.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl Meta {
    /// Parses and validates the meta page whose bytes start at `page`
    /// (at least a page header and a meta structure long).
    pub fn parse(page: &[u8]) -> Result<Meta, MetaFault> {
        let m = page
            .get(PAGE_HEADER_SIZE..PAGE_HEADER_SIZE + META_SIZE)
            .ok_or(MetaFault::Missing)?;
        let magic = le_u32(m, 0).ok_or(MetaFault::Missing)?;
        if magic != MAGIC {
            return Err(MetaFault::BadMagic(magic));
        }
        let version = le_u32(m, 4).ok_or(MetaFault::Missing)?;
        if version != VERSION {
            return Err(MetaFault::BadVersion(version));
        }
        let checksum = le_u64(m, CHECKSUMMED).ok_or(MetaFault::Missing)?;
        if checksum != fnv1a64(&m[..CHECKSUMMED]) {
            return Err(MetaFault::BadChecksum);
        }
        let page_size = le_u32(m, 8).ok_or(MetaFault::Missing)?;
        if !page_size.is_power_of_two() || !(MIN_PAGE_SIZE..=MAX_PAGE_SIZE).contains(&page_size) {
            return Err(MetaFault::BadPageSize(page_size));
        }
        let field = |at: usize| le_u64(m, at).ok_or(MetaFault::Missing);
        Ok(Meta {
            page_size,
            flags: le_u32(m, 12).ok_or(MetaFault::Missing)?,
            root: field(16)?,
            sequence: field(24)?,
            freelist: field(32)?,
            pgid: field(40)?,
            txid: field(48)?,
        })
    }

    /// Chooses between the two meta pages: the valid one with the highest
    /// txid, or why neither is valid.
    pub fn choose(
        first: Result<Meta, MetaFault>,
        second: Result<Meta, MetaFault>,
    ) -> Result<Meta, (MetaFault, MetaFault)> {
        match (first, second) {
            (Ok(a), Ok(b)) => Ok(if b.txid > a.txid { b } else { a }),
            (Ok(a), Err(_)) => Ok(a),
            (Err(_), Ok(b)) => Ok(b),
            (Err(a), Err(b)) => Err((a, b)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta_page(txid: u64) -> Vec<u8> {
        let mut p = vec![0u8; PAGE_HEADER_SIZE + META_SIZE];
        let m = &mut p[PAGE_HEADER_SIZE..];
        m[0..4].copy_from_slice(&MAGIC.to_le_bytes());
        m[4..8].copy_from_slice(&VERSION.to_le_bytes());
        m[8..12].copy_from_slice(&4096u32.to_le_bytes());
        m[16..24].copy_from_slice(&3u64.to_le_bytes());
        m[40..48].copy_from_slice(&10u64.to_le_bytes());
        m[48..56].copy_from_slice(&txid.to_le_bytes());
        let sum = fnv1a64(&m[..CHECKSUMMED]);
        m[56..64].copy_from_slice(&sum.to_le_bytes());
        p
    }

    #[test]
    fn fnv1a64_matches_known_values() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn parses_and_picks_the_highest_valid_txid() {
        let a = Meta::parse(&meta_page(7)).unwrap();
        assert_eq!((a.page_size, a.root, a.pgid, a.txid), (4096, 3, 10, 7));
        let b = Meta::parse(&meta_page(8)).unwrap();
        assert_eq!(Meta::choose(Ok(a), Ok(b)).unwrap().txid, 8);
        assert_eq!(
            Meta::choose(Ok(a), Err(MetaFault::BadChecksum))
                .unwrap()
                .txid,
            7
        );
    }

    #[test]
    fn rejects_bad_magic_version_checksum_and_page_size() {
        let mut p = meta_page(1);
        p[PAGE_HEADER_SIZE + 20] ^= 1;
        assert_eq!(Meta::parse(&p), Err(MetaFault::BadChecksum));
        let mut p = meta_page(1);
        p[PAGE_HEADER_SIZE] ^= 1;
        assert!(matches!(Meta::parse(&p), Err(MetaFault::BadMagic(_))));
        let mut p = meta_page(1);
        p[PAGE_HEADER_SIZE + 4] = 3;
        assert_eq!(Meta::parse(&p), Err(MetaFault::BadVersion(3)));
        assert_eq!(Meta::parse(&p[..40]), Err(MetaFault::Missing));
        let mut p = meta_page(1);
        let m = &mut p[PAGE_HEADER_SIZE..];
        m[8..12].copy_from_slice(&1000u32.to_le_bytes());
        let sum = fnv1a64(&m[..CHECKSUMMED]);
        m[56..64].copy_from_slice(&sum.to_le_bytes());
        assert_eq!(Meta::parse(&p), Err(MetaFault::BadPageSize(1000)));
    }
}
