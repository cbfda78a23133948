//! Appending blocks: validation against the stored unspent set and the
//! atomic write of a block with all its indexes.

use std::cell::RefCell;
use std::collections::hash_map::Entry;
// The maps of a write are keyed by output ids and addresses, millions per
// import: foldhash (seeded per process) hashes them several times faster
// than the standard SipHash.
use foldhash::{HashMap, HashSet};

use redb::{Durability, ReadableTable, ReadableTableMetadata, Table, WriteTransaction};
use skyx_coins::sky::block::SignedBlock;
use skyx_coins::sky::chain::{verify_block, BlockContext, BlockEffects, Signers, UnspentView};
use skyx_coins::sky::encoding::{decode_exact, encode};
use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::uxout::UxOut;

use super::filter::{HashFilter, HashIndex};
use super::journal::Journal;
use super::tables::*;
use super::{ChainStore, Head};
use crate::error::NodeError;

/// The tables a block write touches, opened once per transaction.
struct Tables<'txn> {
    meta: Table<'txn, &'static str, &'static [u8]>,
    blocks: Table<'txn, u64, &'static [u8]>,
    sigs: Table<'txn, u64, &'static [u8; 65]>,
    seq_hash: Table<'txn, u64, &'static [u8; 32]>,
    hash_seq: Table<'txn, &'static [u8; 36], u64>,
    txs: Table<'txn, &'static [u8; 36], &'static [u8; 20]>,
    unspent: Table<'txn, &'static [u8; 32], &'static [u8; UNSPENT_LEN]>,
    output_ids: Table<'txn, &'static [u8; 28], ()>,
    spent: Table<'txn, &'static [u8; 16], &'static [u8; 40]>,
    addr_unspent: Table<'txn, &'static [u8; 53], ()>,
    addr_txs: Table<'txn, &'static [u8; 29], &'static [u8]>,
    addr_count: Table<'txn, &'static [u8; 21], u64>,
    unconfirmed: Table<'txn, &'static [u8; 32], &'static [u8]>,
    epoch_filters: Table<'txn, u64, &'static [u8]>,
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
            output_ids: w.open_table(OUTPUT_IDS)?,
            spent: w.open_table(SPENT)?,
            addr_unspent: w.open_table(ADDR_UNSPENT)?,
            addr_txs: w.open_table(ADDR_TXS)?,
            addr_count: w.open_table(ADDR_COUNT)?,
            unconfirmed: w.open_table(UNCONFIRMED)?,
            epoch_filters: w.open_table(EPOCH_FILTERS)?,
        })
    }
}

/// The unspent set as seen while a batch is validated: the stored table,
/// overlaid with the outputs the batch's earlier blocks spent and created. A
/// storage error while looking up is kept and reported after validation.
struct BatchUnspent<'a, 'txn> {
    table: &'a Table<'txn, &'static [u8; 32], &'static [u8; UNSPENT_LEN]>,
    changes: &'a BatchChanges,
    error: RefCell<Option<NodeError>>,
    /// Where the stored outputs it found were created, so the block's write
    /// records their spenders without reading them again.
    stored_at: RefCell<HashMap<Sha256, OutPos>>,
}

impl UnspentView for BatchUnspent<'_, '_> {
    fn get_unspent(&self, uxid: &Sha256) -> Option<UxOut> {
        if self.changes.spent_stored.contains(uxid) {
            return None;
        }
        if let Some((ux, _)) = self.changes.created.get(uxid) {
            return Some(*ux);
        }
        let found = match self.table.get(&uxid.0) {
            Ok(v) => v.map(|g| {
                let (ux, at) = split_unspent(g.value());
                (decode_exact::<UxOut>(ux), at)
            }),
            Err(e) => {
                *self.error.borrow_mut() = Some(e.into());
                return None;
            }
        };
        match found {
            Some((Ok(ux), at)) => {
                self.stored_at.borrow_mut().insert(*uxid, at);
                Some(ux)
            }
            Some((Err(e), _)) => {
                *self.error.borrow_mut() = Some(NodeError::Damaged(format!(
                    "unspent output {uxid} does not decode: {e}"
                )));
                None
            }
            None => None,
        }
    }
}

/// Everything the blocks written into an open transaction change in the
/// indexes, gathered while validating and written table by table in key
/// order before the commit (sorted inserts touch each B-tree page once per
/// commit instead of once per key; an output created and spent before the
/// commit never enters the unspent tables). Flushing empties it but keeps
/// its memory, so a bulk import reuses the same buffers for every commit.
#[derive(Default)]
pub(super) struct BatchChanges {
    /// Outputs created in the batch and still unspent at its end.
    created: HashMap<Sha256, (UxOut, OutPos)>,
    /// Stored outputs (from before the batch) the batch spends.
    spent_stored: HashSet<Sha256>,
    /// Their owners, for the address unspent index.
    spent_owners: Vec<[u8; 53]>,
    txs: Vec<([u8; 36], [u8; 20])>,
    /// Every output the batch spends: where it was created, and its spender.
    spent: Vec<([u8; 16], [u8; 40])>,
    /// The id index keys of every output the batch creates.
    output_ids: Vec<[u8; 28]>,
    /// New history entries of each address touched.
    history: HashMap<[u8; 21], NewHistory>,
    confirmed: Vec<[u8; 32]>,
    /// Buffers of the flush (the unspent changes in key order).
    sorted_spent: Vec<Sha256>,
    sorted_created: Vec<(Sha256, (UxOut, OutPos))>,
    sorted_owners: Vec<[u8; 53]>,
    sorted_history: Vec<([u8; 21], NewHistory)>,
}

/// The entries a batch adds to one address's history.
struct NewHistory {
    /// Entries stored before the batch.
    stored: u64,
    /// The new entries, in order.
    added: Vec<[u8; HISTORY_ENTRY_LEN]>,
}

impl BatchChanges {
    /// Forgets every gathered change, keeping the memory.
    pub(super) fn clear(&mut self) {
        self.created.clear();
        self.spent_stored.clear();
        self.spent_owners.clear();
        self.txs.clear();
        self.spent.clear();
        self.output_ids.clear();
        self.history.clear();
        self.confirmed.clear();
        self.sorted_spent.clear();
        self.sorted_created.clear();
        self.sorted_owners.clear();
        self.sorted_history.clear();
    }
}

/// Validates and writes `blocks` in one transaction, made durable by the
/// journal: the valid blocks are journaled (and synced) before the store
/// commits them without syncing. The outer error means nothing was
/// written; the inner result reports an invalid block after the valid ones
/// before it were committed.
pub(super) fn apply_batch(
    store: &ChainStore,
    head: &Head,
    blocks: Vec<(SignedBlock, Signers)>,
    journal: &mut Journal,
) -> Result<(Head, Result<Vec<BlockEffects>, NodeError>), NodeError> {
    let w = begin(store, Durability::None)?;
    let mut changes = BatchChanges::default();
    let (current, result) = apply_in(store, &w, head, &blocks, &mut changes)?;
    let Some(top) = current.header.filter(|_| current != *head) else {
        w.abort()?;
        return Ok((current, result));
    };
    flush_changes(&w, &mut changes)?;
    journal.append(
        blocks
            .iter()
            .map(|(b, _)| b)
            .take_while(|b| b.block.seq() <= top.bk_seq),
    )?;
    w.commit()?;
    Ok((current, result))
}

/// Makes every earlier commit durable (an empty durable commit persists
/// the unsynced ones before it).
pub(super) fn checkpoint(store: &ChainStore) -> Result<(), NodeError> {
    begin(store, Durability::Immediate)?.commit()?;
    Ok(())
}

/// A write transaction whose commit has `durability`.
pub(super) fn begin(
    store: &ChainStore,
    durability: Durability,
) -> Result<WriteTransaction, NodeError> {
    let mut w = store.db().begin_write()?;
    w.set_durability(durability)
        .map_err(|e| NodeError::Invalid(e.to_string()))?;
    Ok(w)
}

/// Validates `blocks` on top of `head` and writes the valid ones into the
/// open transaction `w`, their index changes into `changes` (written by
/// [`flush_changes`] before the commit). Returns the new head and the
/// effects, or the first invalid block's error after the valid ones.
pub(super) fn apply_in(
    store: &ChainStore,
    w: &WriteTransaction,
    head: &Head,
    blocks: &[(SignedBlock, Signers)],
    changes: &mut BatchChanges,
) -> Result<(Head, Result<Vec<BlockEffects>, NodeError>), NodeError> {
    let mut current = *head;
    let mut applied = Vec::with_capacity(blocks.len());
    let mut failure = None;
    {
        let mut t = Tables::open(w)?;
        for (signed, signers) in blocks {
            let ctx = BlockContext {
                head: current.header.as_ref(),
                ux_hash: &current.ux_hash,
                publisher: store.publisher(),
                genesis: &store.genesis_hash(),
            };
            let view = BatchUnspent {
                table: &t.unspent,
                changes,
                error: RefCell::new(None),
                stored_at: RefCell::default(),
            };
            let verdict = verify_block(&ctx, signed, &view, signers);
            let BatchUnspent {
                error, stored_at, ..
            } = view;
            if let Some(e) = error.into_inner() {
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
            write_block(&mut t, changes, &stored_at.into_inner(), signed, &effects)?;
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
    let result = match failure {
        Some(e) => Err(e),
        None => Ok(applied),
    };
    Ok((current, result))
}

/// Stores the block itself and gathers its index changes.
fn write_block(
    t: &mut Tables<'_>,
    changes: &mut BatchChanges,
    stored_at: &HashMap<Sha256, OutPos>,
    signed: &SignedBlock,
    effects: &BlockEffects,
) -> Result<(), NodeError> {
    let block = &signed.block;
    let seq = block.seq();
    let hash = block.hash();
    let bytes = encode(block);
    t.blocks.insert(seq, bytes.as_slice())?;
    t.sigs.insert(seq, &signed.sig.0)?;
    t.seq_hash.insert(seq, &hash.0)?;
    let epoch = epoch_of(t.txs.len()? + changes.txs.len() as u64);
    t.hash_seq.insert(&epoch_key(epoch, &hash.0), seq)?;
    // Byte ranges of the transactions: header (124) + count (4), then each in turn.
    let mut offset = 128usize;
    for (pos, (tx, txn)) in effects
        .transactions
        .iter()
        .zip(&block.body.transactions)
        .enumerate()
    {
        let pos =
            u32::try_from(pos).map_err(|_| NodeError::Invalid("too many transactions".into()))?;
        let len = txn.size();
        let loc = TxLocation {
            seq,
            pos,
            offset: u32::try_from(offset)
                .map_err(|_| NodeError::Invalid("block too large".into()))?,
            len: u32::try_from(len)
                .map_err(|_| NodeError::Invalid("transaction too large".into()))?,
        };
        offset += len;
        changes
            .txs
            .push((epoch_key(epoch, &tx.txid.0), loc.to_bytes()));
        changes.confirmed.push(tx.txid.0);
        // Addresses touched by the transaction, in first-seen order.
        let mut touched: Vec<[u8; 21]> = Vec::with_capacity(tx.spent.len() + tx.created.len());
        // `spent` is in input order and each input is the spent output's id.
        for (ux, id) in tx.spent.iter().zip(&txn.inputs) {
            let a = addr_key(&ux.body.address);
            let created_at = match changes.created.remove(id) {
                Some((_, at)) => at,
                None => {
                    changes.spent_stored.insert(*id);
                    changes.spent_owners.push(addr_unspent_key(&a, &id.0));
                    stored_at.get(id).copied().ok_or_else(|| {
                        NodeError::Invalid(format!("spent output {id} was not validated"))
                    })?
                }
            };
            changes
                .spent
                .push((created_at.to_bytes(), spender_value(&(tx.txid, seq))));
            if !touched.contains(&a) {
                touched.push(a);
            }
        }
        for (index, (ux, id)) in tx.created.iter().zip(&tx.created_ids).enumerate() {
            let at = OutPos {
                seq,
                tx: pos,
                index: u32::try_from(index)
                    .map_err(|_| NodeError::Invalid("too many outputs".into()))?,
            };
            let a = addr_key(&ux.body.address);
            changes.created.insert(*id, (*ux, at));
            changes.output_ids.push(output_id_key(epoch, id, &at));
            if !touched.contains(&a) {
                touched.push(a);
            }
        }
        for a in touched {
            let history = match changes.history.entry(a) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(NewHistory {
                    stored: t.addr_count.get(&a)?.map(|g| g.value()).unwrap_or(0),
                    added: Vec::new(),
                }),
            };
            history.added.push(history_entry(seq, pos, &tx.txid.0));
        }
    }
    Ok(())
}

/// Writes the gathered index changes into `w`, each table in key order,
/// and empties `changes` (whether or not the write succeeds).
pub(super) fn flush_changes(
    w: &WriteTransaction,
    changes: &mut BatchChanges,
) -> Result<(), NodeError> {
    let written = Tables::open(w).and_then(|mut t| flush(&mut t, changes));
    changes.clear();
    written
}

/// Writes a batch's index changes, each table in key order.
fn flush(t: &mut Tables<'_>, c: &mut BatchChanges) -> Result<(), NodeError> {
    let txs_before = t.txs.len()?;
    let spent = &mut c.sorted_spent;
    spent.extend(c.spent_stored.drain());
    spent.sort_unstable();
    for id in spent.iter() {
        t.unspent.remove(&id.0)?;
    }
    c.spent_owners.sort_unstable();
    for k in &c.spent_owners {
        t.addr_unspent.remove(k)?;
    }
    let created = &mut c.sorted_created;
    created.extend(c.created.drain());
    created.sort_unstable_by_key(|(id, _)| *id);
    let owners = &mut c.sorted_owners;
    for (id, (ux, at)) in created.iter() {
        t.unspent.insert(&id.0, &unspent_value(&ux_bytes(ux), at))?;
        owners.push(addr_unspent_key(&addr_key(&ux.body.address), &id.0));
    }
    owners.sort_unstable();
    for k in owners.iter() {
        t.addr_unspent.insert(k, ())?;
    }
    c.txs.sort_unstable();
    for (k, v) in &c.txs {
        t.txs.insert(k, v)?;
    }
    if !t.unconfirmed.is_empty()? {
        c.confirmed.sort_unstable();
        for k in &c.confirmed {
            t.unconfirmed.remove(k)?;
        }
    }
    c.spent.sort_unstable();
    for (at, spender) in &c.spent {
        if t.spent.insert(at, spender)?.is_some() {
            return Err(NodeError::Damaged(format!(
                "the output created at {:?} already has a spender",
                OutPos::from_bytes(at)
            )));
        }
    }
    c.output_ids.sort_unstable();
    for k in &c.output_ids {
        t.output_ids.insert(k, ())?;
    }
    let history = &mut c.sorted_history;
    history.extend(c.history.drain());
    history.sort_unstable_by_key(|(a, _)| *a);
    for (a, new) in history.iter() {
        append_history(t, a, new)?;
    }
    for (a, new) in history.iter() {
        t.addr_count
            .insert(a, new.stored + new.added.len() as u64)?;
    }
    close_epochs(t, txs_before)
}

/// Writes the filters of the epochs the batch closed: those below the epoch
/// the next block will be indexed under that were still open when the store
/// held `txs_before` transactions. So every epoch below
/// `epoch_of(transactions stored)` always has its filters.
fn close_epochs(t: &mut Tables<'_>, txs_before: u64) -> Result<(), NodeError> {
    for epoch in epoch_of(txs_before)..epoch_of(t.txs.len()?) {
        let filters = [
            (HashIndex::BlockHashes, epoch_prefixes(&t.hash_seq, epoch)?),
            (HashIndex::Txids, epoch_prefixes(&t.txs, epoch)?),
            (HashIndex::OutputIds, epoch_prefixes(&t.output_ids, epoch)?),
        ];
        for (index, prefixes) in filters {
            let bytes = HashFilter::of(&prefixes).to_bytes();
            t.epoch_filters
                .insert(index.filter_key(epoch), bytes.as_slice())?;
        }
    }
    Ok(())
}

/// The hash prefixes of the keys of `epoch` in an index keyed by epoch ‖ hash.
fn epoch_prefixes<const N: usize, V: redb::Value + 'static>(
    t: &Table<'_, &'static [u8; N], V>,
    epoch: u32,
) -> Result<Vec<[u8; 8]>, NodeError> {
    let (lo, hi) = epoch_bounds::<N>(epoch);
    t.range::<&[u8; N]>(&lo..=&hi)?
        .map(|e| Ok(field::<8>(e?.0.value(), 4)))
        .collect()
}

/// Appends an address's new history entries to its chunks: the last
/// stored chunk is completed, then new ones are written.
fn append_history(t: &mut Tables<'_>, a: &[u8; 21], new: &NewHistory) -> Result<(), NodeError> {
    let mut n = new.stored;
    let mut entries = new.added.as_slice();
    let mut chunk: Vec<u8> = Vec::with_capacity(HISTORY_CHUNK as usize * HISTORY_ENTRY_LEN);
    while !entries.is_empty() {
        let chunk_no = n / HISTORY_CHUNK;
        let in_chunk = n % HISTORY_CHUNK;
        chunk.clear();
        if in_chunk > 0 {
            match t.addr_txs.get(&history_key(a, chunk_no))? {
                Some(g) if g.value().len() == in_chunk as usize * HISTORY_ENTRY_LEN => {
                    chunk.extend_from_slice(g.value())
                }
                _ => {
                    return Err(NodeError::Damaged(format!(
                        "history chunk {chunk_no} of an address does not hold {in_chunk} entries"
                    )))
                }
            }
        }
        let room = usize::try_from(HISTORY_CHUNK - in_chunk).unwrap_or(usize::MAX);
        let (these, rest) = entries.split_at(room.min(entries.len()));
        chunk.extend(these.iter().flatten());
        t.addr_txs
            .insert(&history_key(a, chunk_no), chunk.as_slice())?;
        n += these.len() as u64;
        entries = rest;
    }
    Ok(())
}

/// The 85-byte stored form of an output.
pub(super) fn ux_bytes(ux: &UxOut) -> [u8; UX_LEN] {
    let mut out = [0u8; UX_LEN];
    out.copy_from_slice(&encode(ux));
    out
}
