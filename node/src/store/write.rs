//! Appending blocks: validation against the stored unspent set and the
//! atomic write of a block with all its indexes.

use std::cell::RefCell;
use std::collections::HashSet;

use redb::{Durability, ReadableTable, Table, WriteTransaction};
use skyx_coins::sky::block::SignedBlock;
use skyx_coins::sky::chain::{verify_block, BlockContext, BlockEffects, Signers, UnspentView};
use skyx_coins::sky::encoding::{decode_exact, encode};
use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::uxout::UxOut;

use super::tables::*;
use super::{ChainStore, Head};
use crate::error::NodeError;

/// The tables a block write touches, opened once per transaction.
struct Tables<'txn> {
    meta: Table<'txn, &'static str, &'static [u8]>,
    blocks: Table<'txn, u64, &'static [u8]>,
    sigs: Table<'txn, u64, &'static [u8; 65]>,
    seq_hash: Table<'txn, u64, &'static [u8; 32]>,
    hash_seq: Table<'txn, &'static [u8; 32], u64>,
    txs: Table<'txn, &'static [u8; 32], &'static [u8; 20]>,
    unspent: Table<'txn, &'static [u8; 32], &'static [u8; 85]>,
    outputs: Table<'txn, &'static [u8; 32], &'static [u8; 85]>,
    spent: Table<'txn, &'static [u8; 32], &'static [u8; 40]>,
    addr_unspent: Table<'txn, &'static [u8], ()>,
    addr_txs: Table<'txn, &'static [u8], &'static [u8; 32]>,
    addr_outs: Table<'txn, &'static [u8], ()>,
    addr_count: Table<'txn, &'static [u8; 21], u64>,
    unconfirmed: Table<'txn, &'static [u8; 32], &'static [u8]>,
}

impl<'txn> Tables<'txn> {
    fn open(w: &'txn WriteTransaction) -> Result<Self, NodeError> {
        Ok(Tables {
            meta: w.open_table(META)?,
            blocks: w.open_table(BLOCKS)?,
            sigs: w.open_table(BLOCK_SIGS)?,
            seq_hash: w.open_table(SEQ_HASH)?,
            hash_seq: w.open_table(HASH_SEQ)?,
            txs: w.open_table(TXS)?,
            unspent: w.open_table(UNSPENT)?,
            outputs: w.open_table(OUTPUTS)?,
            spent: w.open_table(SPENT)?,
            addr_unspent: w.open_table(ADDR_UNSPENT)?,
            addr_txs: w.open_table(ADDR_TXS)?,
            addr_outs: w.open_table(ADDR_OUTS)?,
            addr_count: w.open_table(ADDR_COUNT)?,
            unconfirmed: w.open_table(UNCONFIRMED)?,
        })
    }
}

/// The unspent set as seen from inside the write transaction; a storage
/// error while looking up is kept and reported after validation.
struct StoredUnspent<'a, 'txn> {
    table: &'a Table<'txn, &'static [u8; 32], &'static [u8; 85]>,
    error: RefCell<Option<NodeError>>,
}

impl UnspentView for StoredUnspent<'_, '_> {
    fn get_unspent(&self, uxid: &Sha256) -> Option<UxOut> {
        let found = match self.table.get(&uxid.0) {
            Ok(v) => v.map(|g| decode_exact::<UxOut>(g.value())),
            Err(e) => {
                *self.error.borrow_mut() = Some(e.into());
                return None;
            }
        };
        match found {
            Some(Ok(ux)) => Some(ux),
            Some(Err(e)) => {
                *self.error.borrow_mut() = Some(NodeError::Damaged(format!(
                    "unspent output {uxid} does not decode: {e}"
                )));
                None
            }
            None => None,
        }
    }
}

/// Validates and writes `blocks` in one transaction. The outer error means
/// nothing was written; the inner result reports an invalid block after the
/// valid ones before it were committed.
pub(super) fn apply_batch(
    store: &ChainStore,
    head: &Head,
    blocks: Vec<(SignedBlock, Signers)>,
) -> Result<(Head, Result<Vec<BlockEffects>, NodeError>), NodeError> {
    let mut w = store.db().begin_write()?;
    w.set_durability(Durability::Immediate)
        .map_err(|e| NodeError::Invalid(e.to_string()))?;
    let mut current = *head;
    let mut applied = Vec::with_capacity(blocks.len());
    let mut failure = None;
    {
        let mut t = Tables::open(&w)?;
        for (signed, signers) in &blocks {
            let ctx = BlockContext {
                head: current.header.as_ref(),
                ux_hash: &current.ux_hash,
                publisher: store.publisher(),
                genesis: &store.genesis_hash(),
            };
            let view = StoredUnspent {
                table: &t.unspent,
                error: RefCell::new(None),
            };
            let verdict = verify_block(&ctx, signed, &view, signers);
            if let Some(e) = view.error.into_inner() {
                return Err(e);
            }
            let effects = match verdict {
                Ok(e) => e,
                Err(rule) => {
                    failure = Some(NodeError::InvalidBlock {
                        seq: signed.block.seq(),
                        rule,
                    });
                    break;
                }
            };
            write_block(&mut t, signed, &effects)?;
            current = Head {
                header: Some(signed.block.head),
                ux_hash: effects.ux_hash_after,
            };
            applied.push(effects);
        }
        if let Some(h) = current.header {
            t.meta
                .insert(META_HEAD, h.bk_seq.to_le_bytes().as_slice())?;
            t.meta.insert(META_UX_HASH, current.ux_hash.0.as_slice())?;
        }
    }
    if applied.is_empty() {
        w.abort()?;
    } else {
        w.commit()?;
    }
    let result = match failure {
        Some(e) => Err(e),
        None => Ok(applied),
    };
    Ok((current, result))
}

fn write_block(
    t: &mut Tables<'_>,
    signed: &SignedBlock,
    effects: &BlockEffects,
) -> Result<(), NodeError> {
    let block = &signed.block;
    let seq = block.seq();
    let hash = block.hash();
    let bytes = encode(block);
    t.blocks.insert(seq, bytes.as_slice())?;
    // Byte ranges of the transactions: header (124) + count (4), then each in turn.
    let mut offset = 128usize;
    let mut ranges = Vec::with_capacity(block.body.transactions.len());
    for txn in &block.body.transactions {
        let len = txn.size();
        ranges.push((offset, len));
        offset += len;
    }
    t.sigs.insert(seq, &signed.sig.0)?;
    t.seq_hash.insert(seq, &hash.0)?;
    t.hash_seq.insert(&hash.0, seq)?;
    let mut spent_value = [0u8; 40];
    spent_value[32..].copy_from_slice(&seq.to_be_bytes());
    for (pos, tx) in effects.transactions.iter().enumerate() {
        let pos =
            u32::try_from(pos).map_err(|_| NodeError::Invalid("too many transactions".into()))?;
        let (offset, len) = ranges.get(pos as usize).copied().unwrap_or((0, 0));
        let loc = TxLocation {
            seq,
            pos,
            offset: u32::try_from(offset)
                .map_err(|_| NodeError::Invalid("block too large".into()))?,
            len: u32::try_from(len)
                .map_err(|_| NodeError::Invalid("transaction too large".into()))?,
        };
        t.txs.insert(&tx.txid.0, &loc.to_bytes())?;
        t.unconfirmed.remove(&tx.txid.0)?;
        // Addresses touched by the transaction, in first-seen order.
        let mut seen = HashSet::new();
        let mut touched = Vec::new();
        spent_value[..32].copy_from_slice(&tx.txid.0);
        for ux in &tx.spent {
            let id = ux.hash();
            let a = addr_key(&ux.body.address);
            t.unspent.remove(&id.0)?;
            t.addr_unspent
                .remove(addr_unspent_key(&a, &id.0).as_slice())?;
            t.spent.insert(&id.0, &spent_value)?;
            if seen.insert(a) {
                touched.push(a);
            }
        }
        for ux in &tx.created {
            let id = ux.hash();
            let a = addr_key(&ux.body.address);
            let bytes = ux_bytes(ux);
            t.unspent.insert(&id.0, &bytes)?;
            t.outputs.insert(&id.0, &bytes)?;
            t.addr_unspent
                .insert(addr_unspent_key(&a, &id.0).as_slice(), ())?;
            t.addr_outs
                .insert(addr_out_key(&a, seq, &id.0).as_slice(), ())?;
            if seen.insert(a) {
                touched.push(a);
            }
        }
        for a in &touched {
            t.addr_txs
                .insert(addr_tx_key(a, seq, pos).as_slice(), &tx.txid.0)?;
            let n = t.addr_count.get(a)?.map(|g| g.value()).unwrap_or(0);
            t.addr_count.insert(a, n + 1)?;
        }
    }
    Ok(())
}

/// The 85-byte stored form of an output.
pub(super) fn ux_bytes(ux: &UxOut) -> [u8; 85] {
    let mut out = [0u8; 85];
    out.copy_from_slice(&encode(ux));
    out
}
