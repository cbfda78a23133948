//! Bloom filters of the closed epochs of the hash-keyed indexes.
//!
//! The block-hash, txid and output-id indexes are keyed by epoch first
//! (see [`EPOCH_TXS`](super::tables::EPOCH_TXS)), so a lookup by hash does
//! not know where to look. When an epoch closes, one filter per index is
//! written for it; a lookup then probes only the open epoch and the closed
//! ones whose filter may hold the hash (about 1 % of the others).
//!
//! The filters are blocked: all the bits of a key lie in one 512-bit block
//! (one cache line), so ruling an epoch out costs one memory access, and a
//! lookup checks every closed epoch's filter. The keys are SHA-256 hashes,
//! so their first eight bytes already are uniform: the upper half picks the
//! block and a multiplicative mix of all eight gives the bits in it,
//! instead of hashing again.
//!
//! Stored form: the bit words, little-endian, 8 bytes each, in blocks of
//! eight words.

use std::sync::Arc;

use crate::error::NodeError;

/// Filter bits per indexed key: about 1 % false positives with [`PROBES`].
const BITS_PER_KEY: u64 = 10;

/// Bit positions set and tested per key.
const PROBES: u32 = 7;

/// Words per block: 512 bits, one cache line.
const BLOCK_WORDS: usize = 8;

/// An odd 64-bit constant (2^64 / golden ratio) that spreads the key bits.
const MIX: u64 = 0x9e37_79b9_7f4a_7c15;

/// The hash-keyed indexes that have a filter per epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashIndex {
    /// Block hash → seq.
    BlockHashes = 0,
    /// Txid → location.
    Txids = 1,
    /// Output id → where it was created.
    OutputIds = 2,
}

impl HashIndex {
    /// Every filtered index, in the order of their discriminants.
    pub const ALL: [HashIndex; 3] = [
        HashIndex::BlockHashes,
        HashIndex::Txids,
        HashIndex::OutputIds,
    ];

    /// The key of this index's filter of `epoch` in the filter table.
    pub fn filter_key(self, epoch: u32) -> u64 {
        (u64::from(epoch) << 2) | self as u64
    }
}

/// A Bloom filter over the first eight bytes of hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashFilter {
    words: Vec<u64>,
}

impl HashFilter {
    /// An empty filter sized for `keys` keys.
    pub fn with_capacity(keys: usize) -> HashFilter {
        let bits = (keys as u64).saturating_mul(BITS_PER_KEY);
        let blocks = usize::try_from(bits.div_ceil(64 * BLOCK_WORDS as u64))
            .unwrap_or(usize::MAX)
            .max(1);
        HashFilter {
            words: vec![0; blocks * BLOCK_WORDS],
        }
    }

    /// A filter holding `prefixes`.
    pub fn of(prefixes: &[[u8; 8]]) -> HashFilter {
        let mut f = HashFilter::with_capacity(prefixes.len());
        for p in prefixes {
            f.insert(p);
        }
        f
    }

    /// Adds the hash whose first eight bytes are `prefix`.
    pub fn insert(&mut self, prefix: &[u8; 8]) {
        let (block, bits) = self.locate(prefix);
        for bit in bits {
            self.words[block + bit / 64] |= 1 << (bit % 64);
        }
    }

    /// False only if the hash whose first eight bytes are `prefix` was never added.
    pub fn may_contain(&self, prefix: &[u8; 8]) -> bool {
        let (block, mut bits) = self.locate(prefix);
        let words = &self.words[block..block + BLOCK_WORDS];
        bits.all(|bit| words[bit / 64] & (1 << (bit % 64)) != 0)
    }

    /// The first word of the key's block and its bits in the block.
    fn locate(&self, prefix: &[u8; 8]) -> (usize, impl Iterator<Item = usize>) {
        let h = u64::from_le_bytes(*prefix);
        let blocks = (self.words.len() / BLOCK_WORDS) as u64;
        // Multiply-shift maps the upper 32 bits onto 0..blocks without a division.
        let block = ((h >> 32) * blocks) >> 32;
        let mixed = h.wrapping_mul(MIX);
        let bits = (0..PROBES).map(move |i| ((mixed >> (9 * i)) & 511) as usize);
        (block as usize * BLOCK_WORDS, bits)
    }

    /// The stored form.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.words.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    /// Reads the stored form: a non-empty whole number of 64-byte blocks.
    pub fn from_bytes(bytes: &[u8]) -> Result<HashFilter, NodeError> {
        let block_bytes = 8 * BLOCK_WORDS;
        if bytes.is_empty() || bytes.len() % block_bytes != 0 {
            return Err(NodeError::Damaged(format!(
                "an epoch filter of {} bytes is not a whole number of {block_bytes}-byte blocks",
                bytes.len()
            )));
        }
        let words = bytes
            .chunks_exact(8)
            .map(|c| {
                let mut w = [0u8; 8];
                w.copy_from_slice(c);
                u64::from_le_bytes(w)
            })
            .collect();
        Ok(HashFilter { words })
    }
}

/// The filters of the closed epochs, oldest first.
#[derive(Debug, Clone, Default)]
pub struct EpochFilters {
    epochs: Vec<Arc<[HashFilter; 3]>>,
}

impl EpochFilters {
    /// Number of epochs with filters (all epochs below it).
    pub fn closed(&self) -> u32 {
        u32::try_from(self.epochs.len()).unwrap_or(u32::MAX)
    }

    /// These filters followed by those of the epochs closed after them.
    pub fn extended(&self, next: Vec<[HashFilter; 3]>) -> EpochFilters {
        let mut epochs = self.epochs.clone();
        epochs.extend(next.into_iter().map(Arc::new));
        EpochFilters { epochs }
    }

    /// False only if `index` surely lacks, in `epoch`, the hash whose first
    /// eight bytes are `prefix`. An epoch without a filter (the open one)
    /// may hold anything.
    pub fn may_hold(&self, epoch: u32, index: HashIndex, prefix: &[u8; 8]) -> bool {
        match self.epochs.get(epoch as usize) {
            Some(f) => f[index as usize].may_contain(prefix),
            None => true,
        }
    }
}

/// The first eight bytes of a hash.
pub fn prefix(hash: &[u8; 32]) -> [u8; 8] {
    let mut p = [0u8; 8];
    p.copy_from_slice(&hash[..8]);
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use skyx_coins::sky::hash::sha256;

    fn key(i: u32) -> [u8; 8] {
        prefix(&sha256(&i.to_le_bytes()).0)
    }

    #[test]
    fn holds_every_key_added_and_few_others() {
        let added: Vec<_> = (0..20_000).map(key).collect();
        let f = HashFilter::of(&added);
        assert!(added.iter().all(|k| f.may_contain(k)));
        let false_positives = (20_000..120_000)
            .map(key)
            .filter(|k| f.may_contain(k))
            .count();
        // 10 bits and 7 bits per key in 512-bit blocks: about 1 % in theory.
        assert!(false_positives < 1_500, "{false_positives} of 100000");
    }

    #[test]
    fn round_trips_and_rejects_a_torn_filter() {
        let f = HashFilter::of(&[key(1), key(2)]);
        let bytes = f.to_bytes();
        assert_eq!(HashFilter::from_bytes(&bytes).ok(), Some(f));
        assert!(HashFilter::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert!(HashFilter::from_bytes(&[]).is_err());
    }

    #[test]
    fn an_empty_epoch_filter_holds_nothing() {
        let f = HashFilter::of(&[]);
        assert!(!f.may_contain(&key(7)));
    }
}
