//! Lookups answered from the indexes: blocks by seq or hash, transactions by
//! id, outputs by id, and per address its unspent outputs, its history and
//! every output it received. None of them scans the chain.

use std::sync::Arc;

use redb::{
    ReadOnlyTable, ReadTransaction, ReadableDatabase, ReadableTable, ReadableTableMetadata,
};
use serde::Serialize;
use skyx_coins::sky::address::Address;
use skyx_coins::sky::block::{Block, BlockHeader, SignedBlock};
use skyx_coins::sky::encoding::{decode_exact, decode_prefix};
use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::signature::Sig;
use skyx_coins::sky::transaction::{encoded_len, Transaction};
use skyx_coins::sky::uxout::UxOut;

use super::filter::{prefix, EpochFilters, HashFilter, HashIndex};
use super::tables::*;
use super::ChainStore;
use crate::error::NodeError;

/// A confirmed transaction and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxRecord {
    /// The transaction.
    pub txn: Transaction,
    /// Seq of its block.
    pub seq: u64,
    /// Position in the block.
    pub pos: u32,
}

/// An output ever created, with what spent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputRecord {
    /// The output.
    pub ux: UxOut,
    /// Spending txid and block seq, when spent.
    pub spent: Option<Spender>,
}

/// One entry of an address's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Block seq.
    pub seq: u64,
    /// Position in the block.
    pub pos: u32,
    /// The txid.
    pub txid: Sha256,
}

/// The figures of `skyx node status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// Seq of the head block (`null` when empty).
    pub height: Option<u64>,
    /// Hash of the head block.
    pub head_hash: Option<String>,
    /// Hash of the genesis block of this chain.
    pub genesis_hash: String,
    /// Number of unspent outputs.
    pub unspent_outputs: u64,
    /// Number of confirmed transactions.
    pub transactions: u64,
    /// Number of addresses that appear in a transaction.
    pub addresses: u64,
    /// Number of unconfirmed transactions.
    pub unconfirmed: u64,
}

fn decode_or_damaged<T: skyx_coins::sky::encoding::Decode>(
    what: &str,
    bytes: &[u8],
) -> Result<T, NodeError> {
    decode_exact(bytes).map_err(|e| NodeError::Damaged(format!("{what} does not decode: {e}")))
}

/// The header at the front of the stored bytes of block `seq`.
pub(super) fn stored_header(seq: u64, block: &[u8]) -> Result<BlockHeader, NodeError> {
    decode_prefix::<BlockHeader>(block)
        .map(|(header, _)| header)
        .map_err(|e| NodeError::Damaged(format!("header of block {seq}: {e}")))
}

/// The transaction at `loc` inside the stored bytes of its block.
fn located_tx(block: &[u8], loc: &TxLocation, txid: &Sha256) -> Result<Transaction, NodeError> {
    let start = loc.offset as usize;
    let slice = block.get(start..start + loc.len as usize).ok_or_else(|| {
        NodeError::Damaged(format!("transaction {txid} points past block {}", loc.seq))
    })?;
    decode_or_damaged(&format!("transaction {txid}"), slice)
}

/// Byte offset of the first transaction in a stored block: the header
/// (124 bytes) and the transaction count (4).
const FIRST_TX_OFFSET: usize = 128;

/// The encoding of the transaction at position `tx` of the stored block
/// `seq`, found by walking the transactions before it.
fn tx_bytes_at(seq: u64, block: &[u8], tx: u32) -> Result<&[u8], NodeError> {
    let damaged = || NodeError::Damaged(format!("block {seq} has no transaction {tx}"));
    let mut at = FIRST_TX_OFFSET;
    for _ in 0..tx {
        at += block.get(at..).and_then(encoded_len).ok_or_else(damaged)?;
    }
    let rest = block.get(at..).ok_or_else(damaged)?;
    let len = encoded_len(rest).ok_or_else(damaged)?;
    Ok(&rest[..len])
}

/// The newest epoch with an entry in an index keyed by epoch first.
fn newest_epoch<const N: usize, V: redb::Value + 'static>(
    t: &ReadOnlyTable<&'static [u8; N], V>,
) -> Result<Option<u32>, NodeError> {
    Ok(t.last()?
        .map(|(k, _)| u32::from_be_bytes(field(k.value(), 0))))
}

/// The entry of `hash` in `index`, searched newest epoch first, skipping
/// the closed epochs whose filter rules it out.
fn epoch_get<'a, V: redb::Value + 'static>(
    t: &'a ReadOnlyTable<&'static [u8; 36], V>,
    filters: &EpochFilters,
    index: HashIndex,
    hash: &[u8; 32],
) -> Result<Option<redb::AccessGuard<'a, V>>, NodeError> {
    let Some(newest) = newest_epoch(t)? else {
        return Ok(None);
    };
    let p = prefix(hash);
    for epoch in (0..=newest).rev() {
        if !filters.may_hold(epoch, index, &p) {
            continue;
        }
        if let Some(g) = t.get(&epoch_key(epoch, hash))? {
            return Ok(Some(g));
        }
    }
    Ok(None)
}

/// The tables an output lookup reads, opened once per read transaction.
pub(super) struct OutputReader {
    filters: Arc<EpochFilters>,
    ids: ReadOnlyTable<&'static [u8; 28], ()>,
    blocks: ReadOnlyTable<u64, &'static [u8]>,
    spent: ReadOnlyTable<&'static [u8; 16], &'static [u8; 40]>,
}

impl OutputReader {
    /// Opens the tables of `store` in `r`.
    pub(super) fn open(store: &ChainStore, r: &ReadTransaction) -> Result<OutputReader, NodeError> {
        Ok(OutputReader {
            filters: store.epoch_filters(),
            ids: r.open_table(OUTPUT_IDS)?,
            blocks: r.open_table(BLOCKS)?,
            spent: r.open_table(SPENT)?,
        })
    }

    /// Output `id` (spent or not) with its spender: each position indexed
    /// under the id's prefix is read from its block until one hashes to `id`.
    pub(super) fn find(&self, id: &Sha256) -> Result<Option<OutputRecord>, NodeError> {
        let Some(newest) = newest_epoch(&self.ids)? else {
            return Ok(None);
        };
        let p = prefix(&id.0);
        for epoch in (0..=newest).rev() {
            if !self.filters.may_hold(epoch, HashIndex::OutputIds, &p) {
                continue;
            }
            let (lo, hi) = output_id_range(epoch, id);
            for entry in self.ids.range::<&[u8; 28]>(&lo..=&hi)? {
                let (k, _) = entry?;
                let at = OutPos::from_bytes(&field(k.value(), 12));
                let ux = self.output_at(&at)?;
                if ux.hash() == *id {
                    return Ok(Some(OutputRecord {
                        ux,
                        spent: self.spender(&at)?,
                    }));
                }
            }
        }
        Ok(None)
    }

    /// The output created at `at`, rebuilt from its stored block.
    fn output_at(&self, at: &OutPos) -> Result<UxOut, NodeError> {
        let OutPos { seq, tx, index } = *at;
        let block = self.blocks.get(seq)?.ok_or_else(|| {
            NodeError::Damaged(format!("output index points at missing block {seq}"))
        })?;
        let time = stored_header(seq, block.value())?.time;
        let (txn, txid) = Transaction::decode_with_txid(tx_bytes_at(seq, block.value(), tx)?)
            .map_err(|e| NodeError::Damaged(format!("transaction {tx} of block {seq}: {e}")))?;
        txn.created_outputs(&txid, seq, time)
            .get(index as usize)
            .copied()
            .ok_or_else(|| {
                NodeError::Damaged(format!(
                    "output index points past the outputs of transaction {tx} of block {seq}"
                ))
            })
    }

    /// The spender of the output created at `at`, if it is spent.
    fn spender(&self, at: &OutPos) -> Result<Option<Spender>, NodeError> {
        Ok(self
            .spent
            .get(&at.to_bytes())?
            .map(|g| parse_spender(g.value())))
    }
}

/// Entries `lo..hi` of the history of address `a`: the chunks holding
/// them, in one range read.
fn history_entries(
    t: &impl ReadableTable<&'static [u8; 29], &'static [u8]>,
    a: &[u8; 21],
    lo: u64,
    hi: u64,
) -> Result<Vec<HistoryEntry>, NodeError> {
    let mut out = Vec::with_capacity(usize::try_from(hi.saturating_sub(lo)).unwrap_or(0));
    if lo >= hi {
        return Ok(out);
    }
    let (first, last) = (lo / HISTORY_CHUNK, (hi - 1) / HISTORY_CHUNK);
    let (start, end) = (history_key(a, first), history_key(a, last));
    for (expected, entry) in (first..).zip(t.range::<&[u8; 29]>(&start..=&end)?) {
        let (k, v) = entry?;
        let chunk_no = u64::from_be_bytes(field(k.value(), 21));
        let bytes = v.value();
        if chunk_no != expected || bytes.len() % HISTORY_ENTRY_LEN != 0 {
            return Err(NodeError::Damaged(format!(
                "history chunk {chunk_no} of an address is missing or malformed"
            )));
        }
        let base = chunk_no * HISTORY_CHUNK;
        for (i, e) in bytes.chunks_exact(HISTORY_ENTRY_LEN).enumerate() {
            let n = base + i as u64;
            if n < lo || n >= hi {
                continue;
            }
            let (seq, pos, txid) = parse_history_entry(&field(e, 0));
            out.push(HistoryEntry {
                seq,
                pos,
                txid: Sha256(txid),
            });
        }
    }
    if out.len() as u64 != hi - lo {
        return Err(NodeError::Damaged(format!(
            "address history holds {} of entries {lo}..{hi}",
            out.len()
        )));
    }
    Ok(out)
}

impl ChainStore {
    /// The epoch filters read so far. An epoch closed since then has none
    /// here yet, so lookups probe it: always a correct answer.
    pub(super) fn epoch_filters(&self) -> Arc<EpochFilters> {
        self.filters
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Reads the filters of the epochs closed since the last call.
    pub(super) fn load_epoch_filters(&self) -> Result<(), NodeError> {
        let r = self.db().begin_read()?;
        // Every epoch below the one the next block goes to has its filters.
        let closed = epoch_of(r.open_table(TXS)?.len()?);
        let known = self.epoch_filters();
        if known.closed() >= closed {
            return Ok(());
        }
        let t = r.open_table(EPOCH_FILTERS)?;
        let read = |epoch: u32, index: HashIndex| -> Result<HashFilter, NodeError> {
            let g = t.get(index.filter_key(epoch))?.ok_or_else(|| {
                NodeError::Damaged(format!(
                    "the filter of epoch {epoch} ({index:?}) is missing"
                ))
            })?;
            HashFilter::from_bytes(g.value())
        };
        let new = (known.closed()..closed)
            .map(|e| {
                Ok([
                    read(e, HashIndex::BlockHashes)?,
                    read(e, HashIndex::Txids)?,
                    read(e, HashIndex::OutputIds)?,
                ])
            })
            .collect::<Result<Vec<_>, NodeError>>()?;
        let filters = known.extended(new);
        let mut shared = self.filters.write().unwrap_or_else(|p| p.into_inner());
        if shared.closed() < filters.closed() {
            *shared = Arc::new(filters);
        }
        Ok(())
    }

    /// The block at `seq` with its signature.
    pub fn block_by_seq(&self, seq: u64) -> Result<Option<SignedBlock>, NodeError> {
        let r = self.db().begin_read()?;
        let blocks = r.open_table(BLOCKS)?;
        let Some(bytes) = blocks.get(seq)? else {
            return Ok(None);
        };
        let block: Block = decode_or_damaged(&format!("block {seq}"), bytes.value())?;
        let sigs = r.open_table(BLOCK_SIGS)?;
        let sig = sigs
            .get(seq)?
            .ok_or_else(|| NodeError::Damaged(format!("signature of block {seq} is missing")))?;
        Ok(Some(SignedBlock {
            block,
            sig: Sig(*sig.value()),
        }))
    }

    /// The indexed hash of block `seq`.
    pub fn block_hash(&self, seq: u64) -> Result<Option<Sha256>, NodeError> {
        let r = self.db().begin_read()?;
        let t = r.open_table(SEQ_HASH)?;
        Ok(t.get(seq)?.map(|g| Sha256(*g.value())))
    }

    /// Seq of the block with `hash`.
    pub fn block_seq(&self, hash: &Sha256) -> Result<Option<u64>, NodeError> {
        let r = self.db().begin_read()?;
        let t = r.open_table(HASH_SEQ)?;
        let filters = self.epoch_filters();
        let seq = epoch_get(&t, &filters, HashIndex::BlockHashes, &hash.0)?.map(|g| g.value());
        Ok(seq)
    }

    /// The block with `hash`.
    pub fn block_by_hash(&self, hash: &Sha256) -> Result<Option<SignedBlock>, NodeError> {
        match self.block_seq(hash)? {
            Some(seq) => self.block_by_seq(seq),
            None => Ok(None),
        }
    }

    /// A confirmed transaction by id.
    pub fn transaction(&self, txid: &Sha256) -> Result<Option<TxRecord>, NodeError> {
        let r = self.db().begin_read()?;
        let txs = r.open_table(TXS)?;
        let filters = self.epoch_filters();
        let Some(loc) = epoch_get(&txs, &filters, HashIndex::Txids, &txid.0)? else {
            return Ok(None);
        };
        let loc = TxLocation::from_bytes(loc.value());
        let blocks = r.open_table(BLOCKS)?;
        let bytes = blocks.get(loc.seq)?.ok_or_else(|| {
            NodeError::Damaged(format!(
                "transaction {txid} points at missing block {}",
                loc.seq
            ))
        })?;
        let txn = located_tx(bytes.value(), &loc, txid)?;
        if txn.hash() != *txid {
            return Err(NodeError::Damaged(format!(
                "transaction {txid} does not hash to its id"
            )));
        }
        let (seq, pos) = (loc.seq, loc.pos);
        Ok(Some(TxRecord { txn, seq, pos }))
    }

    /// An unspent output by id.
    pub fn unspent(&self, uxid: &Sha256) -> Result<Option<UxOut>, NodeError> {
        let r = self.db().begin_read()?;
        let t = r.open_table(UNSPENT)?;
        t.get(&uxid.0)?
            .map(|g| {
                decode_or_damaged(
                    &format!("unspent output {uxid}"),
                    split_unspent(g.value()).0,
                )
            })
            .transpose()
    }

    /// Any output ever created, with its spender.
    pub fn output(&self, uxid: &Sha256) -> Result<Option<OutputRecord>, NodeError> {
        let r = self.db().begin_read()?;
        OutputReader::open(self, &r)?.find(uxid)
    }

    /// The unspent outputs of an address.
    pub fn address_unspent(&self, address: &Address) -> Result<Vec<UxOut>, NodeError> {
        let a = addr_key(address);
        let (start, end) = (
            addr_unspent_key(&a, &[0; 32]),
            addr_unspent_key(&a, &[0xff; 32]),
        );
        let r = self.db().begin_read()?;
        let index = r.open_table(ADDR_UNSPENT)?;
        let unspent = r.open_table(UNSPENT)?;
        let mut out = Vec::new();
        for entry in index.range::<&[u8; 53]>(&start..=&end)? {
            let (k, _) = entry?;
            let id: [u8; 32] = field(k.value(), 21);
            let g = unspent.get(&id)?.ok_or_else(|| {
                NodeError::Damaged(format!("indexed unspent output {} is missing", Sha256(id)))
            })?;
            out.push(decode_or_damaged(
                "unspent output",
                split_unspent(g.value()).0,
            )?);
        }
        Ok(out)
    }

    /// Number of transactions touching an address.
    pub fn address_tx_count(&self, address: &Address) -> Result<u64, NodeError> {
        let r = self.db().begin_read()?;
        let t = r.open_table(ADDR_COUNT)?;
        Ok(t.get(&addr_key(address))?.map(|g| g.value()).unwrap_or(0))
    }

    /// A page of an address's transactions in chain order (`descending` from
    /// the newest), skipping `offset` entries.
    pub fn address_history(
        &self,
        address: &Address,
        offset: u64,
        limit: u64,
        descending: bool,
    ) -> Result<Vec<HistoryEntry>, NodeError> {
        let a = addr_key(address);
        let r = self.db().begin_read()?;
        let count = r
            .open_table(ADDR_COUNT)?
            .get(&a)?
            .map(|g| g.value())
            .unwrap_or(0);
        // Entries are numbered 0..count in chain order: the page is one
        // range of chunks.
        let (lo, hi) = if descending {
            let hi = count.saturating_sub(offset);
            (hi.saturating_sub(limit), hi)
        } else {
            let lo = offset.min(count);
            (lo, lo.saturating_add(limit).min(count))
        };
        if lo >= hi {
            return Ok(Vec::new());
        }
        let mut page = history_entries(&r.open_table(ADDR_TXS)?, &a, lo, hi)?;
        if descending {
            page.reverse();
        }
        Ok(page)
    }

    /// Every output an address received, with its spender, in chain order
    /// (block, transaction, output index), found through its history.
    pub fn address_outputs(&self, address: &Address) -> Result<Vec<OutputRecord>, NodeError> {
        let a = addr_key(address);
        let r = self.db().begin_read()?;
        let count = r
            .open_table(ADDR_COUNT)?
            .get(&a)?
            .map(|g| g.value())
            .unwrap_or(0);
        let history = r.open_table(ADDR_TXS)?;
        let blocks = r.open_table(BLOCKS)?;
        let spent = r.open_table(SPENT)?;
        let mut out = Vec::new();
        let entries = history_entries(&history, &a, 0, count)?;
        // Entries of one block are adjacent: each block is read once.
        for same_block in entries.chunk_by(|x, y| x.seq == y.seq) {
            let seq = same_block[0].seq;
            let bytes = blocks.get(seq)?.ok_or_else(|| {
                NodeError::Damaged(format!("history points at missing block {seq}"))
            })?;
            let time = stored_header(seq, bytes.value())?.time;
            for HistoryEntry { txid, pos, .. } in same_block {
                // The entry gives the transaction's place in its block.
                let (txn, found) =
                    Transaction::decode_with_txid(tx_bytes_at(seq, bytes.value(), *pos)?).map_err(
                        |e| NodeError::Damaged(format!("transaction {pos} of block {seq}: {e}")),
                    )?;
                if found != *txid {
                    return Err(NodeError::Damaged(format!(
                        "history transaction {txid} is not transaction {pos} of block {seq}"
                    )));
                }
                for (index, ux) in txn.created_outputs(txid, seq, time).into_iter().enumerate() {
                    if ux.body.address != *address {
                        continue;
                    }
                    let at = OutPos {
                        seq,
                        tx: *pos,
                        index: index as u32,
                    };
                    let spent = spent.get(&at.to_bytes())?.map(|g| parse_spender(g.value()));
                    out.push(OutputRecord { ux, spent });
                }
            }
        }
        Ok(out)
    }

    /// Every unspent output, in id order.
    pub fn all_unspent(&self) -> Result<Vec<UxOut>, NodeError> {
        let r = self.db().begin_read()?;
        let t = r.open_table(UNSPENT)?;
        let mut out = Vec::new();
        for entry in t.iter()? {
            let (_, v) = entry?;
            out.push(decode_or_damaged(
                "unspent output",
                split_unspent(v.value()).0,
            )?);
        }
        Ok(out)
    }

    /// The figures of `skyx node status`.
    pub fn status(&self) -> Result<Status, NodeError> {
        let head = self.head();
        let r = self.db().begin_read()?;
        Ok(Status {
            height: head.header.map(|h| h.bk_seq),
            head_hash: head.header.map(|h| h.hash().to_hex()),
            genesis_hash: self.genesis_hash().to_hex(),
            unspent_outputs: r.open_table(UNSPENT)?.len()?,
            transactions: r.open_table(TXS)?.len()?,
            addresses: r.open_table(ADDR_COUNT)?.len()?,
            unconfirmed: r.open_table(UNCONFIRMED)?.len()?,
        })
    }
}
