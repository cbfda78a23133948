//! Explorer queries over the chain store (balances, rich list, coin supply, paging).
//!
//! These read the tables directly inside one read transaction per call:
//! headers without their bodies, table sizes, several outputs at once and
//! pages of the chain's transactions in chain order.

use redb::{ReadableDatabase, ReadableTable, ReadableTableMetadata};
use skyx_coins::sky::block::{Block, BlockHeader};
use skyx_coins::sky::encoding::decode_exact;
use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::transaction::Transaction;
use skyx_coins::sky::uxout::UxOut;

use super::read::{stored_header, OutputReader, OutputRecord};
use super::tables::*;
use super::ChainStore;
use crate::error::NodeError;

/// Size of a stored block header.
const HEADER_BYTES: usize = 124;

/// A confirmed transaction found by walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainTxn {
    /// Seq of its block.
    pub seq: u64,
    /// Time of its block.
    pub time: u64,
    /// The transaction.
    pub txn: Transaction,
}

/// Table sizes the API reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Unspent outputs.
    pub unspent: u64,
    /// Confirmed transactions.
    pub transactions: u64,
    /// Pool transactions.
    pub unconfirmed: u64,
}

fn tx_count_of(bytes: &[u8]) -> Result<u64, NodeError> {
    bytes
        .get(HEADER_BYTES..HEADER_BYTES + 4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(|b| u64::from(u32::from_le_bytes(b)))
        .ok_or_else(|| NodeError::Damaged("stored block is shorter than its header".into()))
}

impl ChainStore {
    /// The header of block `seq`, without decoding its body.
    pub fn block_header(&self, seq: u64) -> Result<Option<BlockHeader>, NodeError> {
        let r = self.db_handle().begin_read()?;
        let blocks = r.open_table(BLOCKS)?;
        let Some(g) = blocks.get(seq)? else {
            return Ok(None);
        };
        stored_header(seq, g.value()).map(Some)
    }

    /// Sizes of the unspent set, the transaction index and the pool.
    pub fn counts(&self) -> Result<Counts, NodeError> {
        let r = self.db_handle().begin_read()?;
        Ok(Counts {
            unspent: r.open_table(UNSPENT)?.len()?,
            transactions: r.open_table(TXS)?.len()?,
            unconfirmed: r.open_table(UNCONFIRMED)?.len()?,
        })
    }

    /// Several outputs (spent or not) by id, in one read; unknown ids give `None`.
    pub fn outputs(&self, ids: &[Sha256]) -> Result<Vec<Option<OutputRecord>>, NodeError> {
        let r = self.db_handle().begin_read()?;
        let outputs = OutputReader::open(self, &r)?;
        ids.iter().map(|id| outputs.find(id)).collect()
    }

    /// Several unspent outputs by id, in one read; spent or unknown ids give `None`.
    pub fn unspents(&self, ids: &[Sha256]) -> Result<Vec<Option<UxOut>>, NodeError> {
        let r = self.db_handle().begin_read()?;
        let t = r.open_table(UNSPENT)?;
        ids.iter()
            .map(|id| {
                t.get(&id.0)?
                    .map(|g| {
                        decode_exact(split_unspent(g.value()).0)
                            .map_err(|e| NodeError::Damaged(format!("unspent output {id}: {e}")))
                    })
                    .transpose()
            })
            .collect()
    }

    /// At most `limit` unspent outputs in id order, starting after `after`
    /// (from the first when `None`): the whole set a page at a time.
    pub fn unspent_page(
        &self,
        after: Option<&Sha256>,
        limit: usize,
    ) -> Result<Vec<UxOut>, NodeError> {
        let r = self.db_handle().begin_read()?;
        let t = r.open_table(UNSPENT)?;
        let range = match after {
            Some(a) => {
                t.range::<&[u8; 32]>((std::ops::Bound::Excluded(&a.0), std::ops::Bound::Unbounded))?
            }
            None => t.iter()?,
        };
        let mut out = Vec::new();
        for entry in range.take(limit) {
            let (k, v) = entry?;
            out.push(decode_exact(split_unspent(v.value()).0).map_err(|e| {
                NodeError::Damaged(format!("unspent output {}: {e}", Sha256(*k.value())))
            })?);
        }
        Ok(out)
    }

    /// A page of every confirmed transaction in chain order (or newest
    /// first), skipping `offset`. Blocks before the page are skipped by
    /// their transaction count without being decoded.
    pub fn chain_transactions(
        &self,
        offset: u64,
        limit: u64,
        descending: bool,
    ) -> Result<Vec<ChainTxn>, NodeError> {
        let r = self.db_handle().begin_read()?;
        let blocks = r.open_table(BLOCKS)?;
        let mut out = Vec::new();
        let mut skip = offset;
        let mut visit = |bytes: &[u8]| -> Result<bool, NodeError> {
            if out.len() as u64 >= limit {
                return Ok(false);
            }
            let n = tx_count_of(bytes)?;
            if skip >= n {
                skip -= n;
                return Ok(true);
            }
            let block = Block::decode(bytes)
                .map_err(|e| NodeError::Damaged(format!("stored block: {e}")))?;
            let (seq, time) = (block.head.bk_seq, block.head.time);
            let mut txns: Vec<Transaction> = block.body.transactions;
            if descending {
                txns.reverse();
            }
            for txn in txns.into_iter().skip(skip as usize) {
                if out.len() as u64 >= limit {
                    break;
                }
                out.push(ChainTxn { seq, time, txn });
            }
            skip = 0;
            Ok(true)
        };
        if descending {
            for entry in blocks.iter()?.rev() {
                let (_, v) = entry?;
                if !visit(v.value())? {
                    break;
                }
            }
        } else {
            for entry in blocks.iter()? {
                let (_, v) = entry?;
                if !visit(v.value())? {
                    break;
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devnet::{chain_spec, generate_blocks, GenerateOptions};
    use crate::mempool::UnconfirmedTxn;

    /// Walks pages of `size` until one comes back short.
    fn walk<T>(
        size: usize,
        mut page: impl FnMut(Option<&Sha256>) -> Vec<T>,
        id: impl Fn(&T) -> Sha256,
    ) -> Vec<T> {
        let mut all: Vec<T> = Vec::new();
        loop {
            let after = all.last().map(&id);
            let next = page(after.as_ref());
            let done = next.len() < size;
            all.extend(next);
            if done {
                return all;
            }
        }
    }

    #[test]
    fn pages_cover_the_unspent_set_and_the_pool_once_in_id_order() {
        let opts = GenerateOptions {
            blocks: 8,
            txs_per_block: 4,
            seed: "paged-reads".into(),
            ..GenerateOptions::default()
        };
        let blocks = generate_blocks(&opts).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = ChainStore::open(dir.path(), Some(&chain_spec(&opts).unwrap())).unwrap();
        for b in &blocks {
            store.apply_block(b).unwrap();
        }
        let whole = store.all_unspent().unwrap();
        assert!(whole.len() > 10);
        for size in [1, 3, whole.len(), whole.len() + 5] {
            let paged = walk(size, |a| store.unspent_page(a, size).unwrap(), UxOut::hash);
            assert_eq!(paged, whole, "pages of {size}");
        }
        // Pool records are stored as given: any transactions will do.
        for b in blocks.iter().skip(1).take(3) {
            for (i, t) in b.block.body.transactions.iter().enumerate() {
                store
                    .put_unconfirmed(&UnconfirmedTxn {
                        txn: t.clone(),
                        received: i as i64,
                        ..UnconfirmedTxn::default()
                    })
                    .unwrap();
            }
        }
        let pool = store.unconfirmed().unwrap();
        assert!(pool.len() > 5, "{}", pool.len());
        for size in [1, 5, 12, 40] {
            let paged = walk(
                size,
                |a| store.unconfirmed_page(a, size).unwrap(),
                |u| u.txn.hash(),
            );
            assert_eq!(paged, pool, "pool pages of {size}");
        }
    }
}
