//! The Go Skycoin node's database (`data.db`, SKYCOIN-FORMAT.md §13) read
//! through [`BoltDb`]: the main chain's signed blocks and the unconfirmed
//! transaction pool, for migrating a reference node to skyx.
//!
//! The main chain is `blockchain_meta/head_seq` (big-endian u64) blocks
//! high; block `seq` is found through `block_tree` (key: big-endian seq,
//! value: `u32 count` + `(hash, prev hash)` pairs, one per block at that
//! height), then `blocks` (hash → header ‖ body) and `block_sigs`
//! (hash → 65-byte signature). Each block read must hash to its key, carry
//! its height and link to the block before it.

use std::path::Path;

use skyx_coins::sky::block::{Block, SignedBlock};
use skyx_coins::sky::encoding::{decode_exact, decode_prefix, Decode, DecodeError, Reader};
use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::signature::Sig;
use skyx_coins::sky::transaction::Transaction;

use super::error::BoltError;
use super::reader::{BoltDb, Bucket};

/// Bucket of stored blocks, keyed by block hash.
pub const BLOCKS: &str = "blocks";
/// Bucket of block signatures, keyed by block hash.
pub const BLOCK_SIGS: &str = "block_sigs";
/// Bucket of block hashes by height.
pub const BLOCK_TREE: &str = "block_tree";
/// Bucket holding `head_seq`.
pub const BLOCKCHAIN_META: &str = "blockchain_meta";
/// Bucket of the unconfirmed transaction pool, keyed by txid hex.
pub const UNCONFIRMED_TXNS: &str = "unconfirmed_txns";
/// Key of the chain height in [`BLOCKCHAIN_META`].
pub const HEAD_SEQ_KEY: &[u8] = b"head_seq";

/// A transaction of the reference node's unconfirmed pool, as stored (the
/// same record the skyx mempool keeps).
pub use crate::mempool::UnconfirmedTxn;

/// Everything skyx imports from a reference node's database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceDb {
    /// The main chain, `blocks[i]` at height `i`, `0..=head_seq`.
    pub blocks: Vec<SignedBlock>,
    /// Height of the head block (`None` for an empty chain).
    pub head_seq: Option<u64>,
    /// The unconfirmed pool, in txid order.
    pub unconfirmed: Vec<UnconfirmedTxn>,
}

/// Reads the whole main chain and the unconfirmed pool of `path` into
/// memory; see [`for_each_block`] for databases too large for that.
pub fn read_reference_db(path: impl AsRef<Path>) -> Result<ReferenceDb, BoltError> {
    let db = BoltDb::open(path)?;
    let head_seq = head_seq(&db)?;
    let blocks = Blocks::new(&db, head_seq)?.collect::<Result<Vec<_>, _>>()?;
    let unconfirmed = unconfirmed_txns(&db)?;
    Ok(ReferenceDb {
        blocks,
        head_seq,
        unconfirmed,
    })
}

/// Calls `f` with each block of the main chain of `path`, in height order,
/// holding one block at a time; stops at the first error. Returns the head
/// height.
pub fn for_each_block<E, F>(path: impl AsRef<Path>, mut f: F) -> Result<Option<u64>, E>
where
    E: From<BoltError>,
    F: FnMut(SignedBlock) -> Result<(), E>,
{
    let db = BoltDb::open(path)?;
    let head = head_seq(&db)?;
    for block in Blocks::new(&db, head)? {
        f(block?)?;
    }
    Ok(head)
}

fn bucket<'a>(db: &'a BoltDb, name: &'static str) -> Result<Bucket<'a>, BoltError> {
    db.bucket(name.as_bytes())?
        .ok_or(BoltError::MissingBucket(name))
}

fn bad_value(bucket: &'static str, key: &[u8], reason: impl ToString) -> BoltError {
    BoltError::BadValue {
        bucket,
        key: const_hex::encode(key),
        reason: reason.to_string(),
    }
}

/// The head height from `blockchain_meta` (`None` when no block was stored).
pub fn head_seq(db: &BoltDb) -> Result<Option<u64>, BoltError> {
    let meta = bucket(db, BLOCKCHAIN_META)?;
    let Some(value) = meta.get(HEAD_SEQ_KEY)? else {
        return Ok(None);
    };
    let bytes: [u8; 8] = value
        .as_slice()
        .try_into()
        .map_err(|_| bad_value(BLOCKCHAIN_META, HEAD_SEQ_KEY, "head_seq is not 8 bytes"))?;
    Ok(Some(u64::from_be_bytes(bytes)))
}

/// One `(hash, prev hash)` pair of `block_tree`.
#[derive(Debug, Clone, Copy)]
struct HashPair {
    hash: Sha256,
    prev: Sha256,
}

fn decode_hash_pairs(bytes: &[u8]) -> Result<Vec<HashPair>, DecodeError> {
    let mut r = Reader::new(bytes);
    let n = r.count(None)?;
    let mut pairs = Vec::with_capacity(n);
    for _ in 0..n {
        let hash = Sha256::decode_from(&mut r)?;
        let prev = Sha256::decode_from(&mut r)?;
        pairs.push(HashPair { hash, prev });
    }
    if r.remaining() != 0 {
        return Err(DecodeError::RemainingBytes);
    }
    Ok(pairs)
}

/// The main chain read block by block, checked as it goes.
#[derive(Debug)]
pub struct Blocks<'a> {
    tree: Bucket<'a>,
    blocks: Bucket<'a>,
    sigs: Bucket<'a>,
    next: u64,
    head: Option<u64>,
    prev: Sha256,
    failed: bool,
}

impl<'a> Blocks<'a> {
    /// Walks blocks `0..=head` of `db` (none when `head` is `None`).
    pub fn new(db: &'a BoltDb, head: Option<u64>) -> Result<Blocks<'a>, BoltError> {
        Ok(Blocks {
            tree: bucket(db, BLOCK_TREE)?,
            blocks: bucket(db, BLOCKS)?,
            sigs: bucket(db, BLOCK_SIGS)?,
            next: 0,
            head,
            prev: Sha256::ZERO,
            failed: false,
        })
    }

    /// Reads and checks block `seq`, whose parent hash is `self.prev`.
    fn read(&self, seq: u64) -> Result<SignedBlock, BoltError> {
        let key = seq.to_be_bytes();
        let pairs = self.tree.get(&key)?.ok_or(BoltError::MissingBlock {
            seq,
            bucket: BLOCK_TREE,
        })?;
        let pairs = decode_hash_pairs(&pairs).map_err(|e| bad_value(BLOCK_TREE, &key, e))?;
        let hash = pairs
            .iter()
            .find(|p| p.prev == self.prev)
            .map(|p| p.hash)
            .ok_or(BoltError::BlockMismatch {
                seq,
                reason: "no block at this height in block_tree links to the previous block",
            })?;
        let raw = self.blocks.get(&hash.0)?.ok_or(BoltError::MissingBlock {
            seq,
            bucket: BLOCKS,
        })?;
        let block = Block::decode(&raw).map_err(|e| bad_value(BLOCKS, &hash.0, e))?;
        let mismatch = |reason| BoltError::BlockMismatch { seq, reason };
        if block.hash() != hash {
            return Err(mismatch("stored block does not hash to its key"));
        }
        if block.seq() != seq {
            return Err(mismatch("stored block carries another height"));
        }
        if block.head.prev_hash != self.prev {
            return Err(mismatch("stored block does not link to the previous block"));
        }
        let sig = self.sigs.get(&hash.0)?.ok_or(BoltError::MissingBlock {
            seq,
            bucket: BLOCK_SIGS,
        })?;
        let sig: Sig = decode_exact(&sig).map_err(|e| bad_value(BLOCK_SIGS, &hash.0, e))?;
        Ok(SignedBlock { block, sig })
    }
}

impl Iterator for Blocks<'_> {
    type Item = Result<SignedBlock, BoltError>;

    fn next(&mut self) -> Option<Self::Item> {
        let head = self.head?;
        if self.failed || self.next > head {
            return None;
        }
        let seq = self.next;
        match self.read(seq) {
            Ok(b) => {
                self.prev = b.block.hash();
                match seq.checked_add(1) {
                    Some(n) => self.next = n,
                    None => self.failed = true,
                }
                Some(Ok(b))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// Decodes one `unconfirmed_txns` value: the reference's
/// `UnconfirmedTransaction` (transaction, received, checked, announced as
/// i64, is_valid as i8).
fn decode_unconfirmed(value: &[u8]) -> Result<UnconfirmedTxn, DecodeError> {
    let (txn, used): (Transaction, usize) = decode_prefix(value)?;
    let mut r = Reader::new(value.get(used..).unwrap_or_default());
    let received = i64::decode_from(&mut r)?;
    let checked = i64::decode_from(&mut r)?;
    let announced = i64::decode_from(&mut r)?;
    let is_valid = match i8::decode_from(&mut r)? {
        0 => false,
        1 => true,
        _ => return Err(DecodeError::Invalid("is_valid is neither 0 nor 1")),
    };
    if r.remaining() != 0 {
        return Err(DecodeError::RemainingBytes);
    }
    Ok(UnconfirmedTxn {
        txn,
        received,
        checked,
        announced,
        is_valid,
    })
}

/// The unconfirmed pool, in key (txid hex) order; empty when the bucket is
/// absent. Each key must be the hex txid of its transaction.
pub fn unconfirmed_txns(db: &BoltDb) -> Result<Vec<UnconfirmedTxn>, BoltError> {
    let Some(pool) = db.bucket(UNCONFIRMED_TXNS.as_bytes())? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for entry in pool.iter() {
        let (key, value) = entry?;
        let utx = decode_unconfirmed(&value).map_err(|e| bad_value(UNCONFIRMED_TXNS, &key, e))?;
        if key != utx.txn.hash().to_hex().as_bytes() {
            return Err(bad_value(
                UNCONFIRMED_TXNS,
                &key,
                "key is not the hex id of the stored transaction",
            ));
        }
        out.push(utx);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use skyx_coins::sky::encoding::encode;

    fn unconfirmed_value(is_valid: u8) -> Vec<u8> {
        let mut v = encode(&Transaction::default());
        v.extend_from_slice(&5i64.to_le_bytes());
        v.extend_from_slice(&6i64.to_le_bytes());
        v.extend_from_slice(&(-7i64).to_le_bytes());
        v.push(is_valid);
        v
    }

    #[test]
    fn decodes_unconfirmed_values_exactly() {
        let u = decode_unconfirmed(&unconfirmed_value(1)).unwrap();
        assert_eq!((u.received, u.checked, u.announced), (5, 6, -7));
        assert!(u.is_valid);
        assert!(!decode_unconfirmed(&unconfirmed_value(0)).unwrap().is_valid);
        assert!(matches!(
            decode_unconfirmed(&unconfirmed_value(2)),
            Err(DecodeError::Invalid(_))
        ));
        let mut long = unconfirmed_value(1);
        long.push(0);
        assert_eq!(decode_unconfirmed(&long), Err(DecodeError::RemainingBytes));
        let short = unconfirmed_value(1);
        assert_eq!(
            decode_unconfirmed(&short[..short.len() - 1]),
            Err(DecodeError::BufferUnderflow)
        );
    }

    #[test]
    fn decodes_block_tree_pairs_exactly() {
        let mut v = 2u32.to_le_bytes().to_vec();
        v.extend_from_slice(&[1u8; 32]);
        v.extend_from_slice(&[2u8; 32]);
        v.extend_from_slice(&[3u8; 32]);
        v.extend_from_slice(&[1u8; 32]);
        let pairs = decode_hash_pairs(&v).unwrap();
        assert_eq!(pairs.len(), 2);
        assert_eq!((pairs[1].hash.0[0], pairs[1].prev.0[0]), (3, 1));
        assert!(decode_hash_pairs(&v[..v.len() - 1]).is_err());
        v.push(0);
        assert_eq!(
            decode_hash_pairs(&v).unwrap_err(),
            DecodeError::RemainingBytes
        );
        assert!(decode_hash_pairs(&u32::MAX.to_le_bytes()).is_err());
    }
}
