//! The chain store: blocks, their indexes and the unspent set in one embedded,
//! crash-safe, checksummed database.
//!
//! # Why redb
//! redb is pure Rust (no C++ build on a fresh machine), ACID with copy-on-write
//! B-trees and checksummed pages, and commits atomically: a crash at any
//! instant leaves the last committed transaction. A block is appended with
//! one write transaction that touches only the pages of the keys it adds or
//! removes (O(log n) per key): nothing already stored is rewritten, unlike the
//! Go node, which re-saved whole buckets. Keys sorted by hash would spread
//! a block's inserts over trees that grow with the chain, so once a tree
//! is much larger than a write each insert dirties (and the next durable
//! commit writes and syncs) a page of its own, somewhere in a large file:
//! see *Hash indexes in epochs* for how the store avoids it. An LSM store
//! (fjall) writes such inserts sequentially, but on the same insert pattern
//! it spent about twice the CPU time in its compaction threads, which an
//! import needs for signature checks. SQLite would need a second schema
//! layer and C code; LMDB (heed) needs a C build and a fixed map size; a
//! hand-written log would need its own indexes.
//!
//! # Hash indexes in epochs
//! Block hashes, txids and output ids are indexed under the epoch of the
//! block (one per [`tables::EPOCH_TXS`] transactions) first, then the hash.
//! A write's inserts land in the newest epoch's part of each tree, whose
//! size is bounded, so the pages an append dirties do not grow with the
//! chain (`benches/node_store.rs` measures 1k vs 1M blocks). When an epoch
//! closes, a Bloom filter per index is written for it ([`filter`]); a
//! lookup by hash probes the open epoch and only the closed epochs whose
//! filter may hold the hash, so it stays a few tree lookups.
//!
//! # Atomicity
//! [`ChainStore::apply_blocks`] writes whole blocks in one transaction: the
//! block, its signature, the seq/hash indexes, the transaction index, the
//! unspent set, the address indexes and the head change together or not at
//! all. Nothing already stored is rewritten: blocks and index entries are
//! insert-only; only the unspent set shrinks, the per-address transaction
//! counters grow and the head moves. Import uses a
//! [`bulk::BulkWriter`]: the same writes, committed every few hundred
//! thousand transactions. Writers take their own lock; readers of the head
//! never wait for a write.
//!
//! # Durability of single appends
//! A durable redb commit syncs every page the write dirtied, a few dozen
//! spread over the file for one block, so a block appended on its own
//! (sync at the tip, the publisher) would pay that many random page
//! writes. Those writes commit the store without syncing and make the
//! blocks durable in the [`journal`] (one append, one `fdatasync`). A
//! durable commit every [`journal::CHECKPOINT_BLOCKS`] blocks (or
//! [`journal::CHECKPOINT_BYTES`] bytes, and on close) empties it; opening
//! after a crash replays it through the normal validation. Each commit is
//! still atomic, and a block is acknowledged only once it is in the
//! journal on disk.
//!
//! # Outputs by id
//! An output is stored once, inside its block. Any output ever created is
//! found by id through `output_ids` (epoch ‖ the first 8 bytes of the id ‖
//! where it was created: block, transaction, index); the lookup rebuilds
//! each candidate from its block and keeps the one whose hash is the id.
//! Its spender is kept in `spent` under that position. The index holds 28
//! bytes per output rather than the whole output with its spender.
//!
//! # Address history
//! The n-th transaction of an address (in chain order) is entry n % 32 of
//! the chunk stored under `address ‖ n / 32`, with the address's count kept
//! beside it, so a page at any offset, from either end, is one range read
//! whatever the history's length.
//! The outputs an address received are read through these transactions
//! rather than kept in an index of their own: one index fewer to write per
//! output, for a read the explorer makes rarely.

pub mod bulk;
pub mod explorer;
pub mod filter;
pub mod journal;
pub mod read;
pub mod tables;
mod write;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use redb::{Database, ReadableDatabase};
use secp256k1::PublicKey;
use skyx_coins::sky::address::Address;
use skyx_coins::sky::block::{Block, BlockHeader, SignedBlock};
use skyx_coins::sky::chain::{
    checked_txids, recover_block_signers, recover_tx_signers, BlockEffects, BlockError, Signers,
};
use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::params::ChainParams;
use skyx_coins::sky::transaction::Transaction;

use crate::chainfile::ChainSpec;
use crate::error::NodeError;
use journal::Journal;
use tables::*;

/// Name of the store file inside the data directory.
pub const STORE_FILE: &str = "chain.redb";

/// How many of the newest blocks are re-verified when the store opens.
pub const RECHECK_ON_OPEN: u64 = 8;

/// The head of the chain as the store knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Head {
    /// Header of the newest block (`None` for an empty store).
    pub header: Option<BlockHeader>,
    /// XOR of the snapshot hashes of the unspent set after it.
    pub ux_hash: Sha256,
}

/// Default page cache of the store (1 GiB).
pub const DEFAULT_CACHE_BYTES: usize = 1 << 30;

/// Smallest page cache accepted (16 MiB).
pub const MIN_CACHE_BYTES: usize = 16 << 20;

/// How a store is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// Memory for cached pages. Bulk imports of large chains are faster
    /// when the indexes fit (about 2 GB per million transactions).
    pub cache_bytes: usize,
}

impl StoreOptions {
    /// Options with a page cache of `mib` MiB.
    pub fn with_cache_mib(mib: u64) -> StoreOptions {
        StoreOptions {
            cache_bytes: usize::try_from(mib.saturating_mul(1 << 20)).unwrap_or(usize::MAX),
        }
    }
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            cache_bytes: DEFAULT_CACHE_BYTES,
        }
    }
}

/// The chain store of one data directory.
pub struct ChainStore {
    db: Database,
    path: PathBuf,
    spec: ChainSpec,
    params: ChainParams,
    publisher: PublicKey,
    genesis_hash: Sha256,
    head: Mutex<Head>,
    /// Held by whoever writes blocks, so appends never interleave; it
    /// guards the block journal that makes single appends durable.
    writer: Mutex<Journal>,
    generation: AtomicU64,
    /// The epoch filters read so far (filters never change once written).
    filters: RwLock<Arc<filter::EpochFilters>>,
}

impl std::fmt::Debug for ChainStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainStore")
            .field("path", &self.path)
            .field("genesis", &self.genesis_hash)
            .finish()
    }
}

fn meta_u64(v: &[u8]) -> Result<u64, NodeError> {
    <[u8; 8]>::try_from(v)
        .map(u64::from_le_bytes)
        .map_err(|_| NodeError::Damaged("meta value has the wrong length".into()))
}

impl ChainStore {
    /// Opens (or creates) the store in `dir`. For a new store `spec` chooses
    /// the chain (mainnet when `None`); for an existing one it must match.
    /// The schema, the head and the newest blocks are checked.
    pub fn open(dir: &Path, spec: Option<&ChainSpec>) -> Result<ChainStore, NodeError> {
        ChainStore::open_with(dir, spec, &StoreOptions::default())
    }

    /// [`open`](Self::open) with explicit options.
    pub fn open_with(
        dir: &Path,
        spec: Option<&ChainSpec>,
        opts: &StoreOptions,
    ) -> Result<ChainStore, NodeError> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(STORE_FILE);
        let db = redb::Builder::new()
            .set_cache_size(opts.cache_bytes.max(MIN_CACHE_BYTES))
            .create(&path)
            .map_err(|e| damaged_or_db(&path, e))?;
        let stored = read_spec(&db)?;
        let spec = match (stored, spec) {
            (Some(stored), Some(wanted)) if stored.genesis_hash != wanted.genesis_hash => {
                return Err(NodeError::WrongChain {
                    stored: stored.genesis_hash.to_hex(),
                    expected: wanted.genesis_hash.to_hex(),
                })
            }
            (Some(stored), _) => stored,
            (None, wanted) => {
                let spec = wanted.cloned().unwrap_or_else(ChainSpec::mainnet);
                init_meta(&db, &spec)?;
                spec
            }
        };
        let params = spec.to_params();
        let publisher = params
            .publisher_key()
            .map_err(|e| NodeError::Invalid(format!("chain spec: {e}")))?;
        let (journal, journaled) = Journal::open(dir)?;
        let store = ChainStore {
            db,
            path,
            genesis_hash: spec.genesis_hash,
            spec,
            params,
            publisher,
            head: Mutex::new(Head::default()),
            writer: Mutex::new(journal),
            generation: AtomicU64::new(0),
            filters: RwLock::default(),
        };
        let head = store.load_head()?;
        *store.lock_head() = head;
        store.load_epoch_filters()?;
        store.replay_journal(journaled)?;
        store.recheck_recent(RECHECK_ON_OPEN)?;
        Ok(store)
    }

    /// Path of the store file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The chain this store holds.
    pub fn spec(&self) -> &ChainSpec {
        &self.spec
    }

    /// Its chain parameters.
    pub fn params(&self) -> &ChainParams {
        &self.params
    }

    /// The block publisher's key.
    pub fn publisher(&self) -> &PublicKey {
        &self.publisher
    }

    /// Hash of the genesis block.
    pub fn genesis_hash(&self) -> Sha256 {
        self.genesis_hash
    }

    /// The current head.
    pub fn head(&self) -> Head {
        *self.lock_head()
    }

    /// Seq of the head block, `None` when empty.
    pub fn height(&self) -> Option<u64> {
        self.head().header.map(|h| h.bk_seq)
    }

    fn lock_head(&self) -> std::sync::MutexGuard<'_, Head> {
        // A poisoned lock only means another thread panicked while holding a
        // plain copy of the head; the value itself is always consistent.
        self.head.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn load_head(&self) -> Result<Head, NodeError> {
        let r = self.db.begin_read()?;
        let meta = r.open_table(META)?;
        let Some(seq) = meta.get(META_HEAD)? else {
            return Ok(Head::default());
        };
        let seq = meta_u64(seq.value())?;
        let ux = meta
            .get(META_UX_HASH)?
            .ok_or_else(|| NodeError::Damaged("meta has a head but no unspent-set hash".into()))?;
        let ux_hash = Sha256::from_slice(ux.value())
            .map_err(|_| NodeError::Damaged("unspent-set hash has the wrong length".into()))?;
        let blocks = r.open_table(BLOCKS)?;
        let bytes = blocks
            .get(seq)?
            .ok_or_else(|| NodeError::Damaged(format!("head block {seq} is missing")))?;
        let block = Block::decode(bytes.value())
            .map_err(|e| NodeError::Damaged(format!("head block {seq} does not decode: {e}")))?;
        if block.seq() != seq {
            return Err(NodeError::Damaged(format!(
                "block stored at {seq} has seq {}",
                block.seq()
            )));
        }
        Ok(Head {
            header: Some(block.head),
            ux_hash,
        })
    }

    /// Re-verifies the newest `n` blocks: stored bytes decode, hash to the
    /// indexed hash, chain to their parent and carry a valid publisher signature.
    pub fn recheck_recent(&self, n: u64) -> Result<(), NodeError> {
        let Some(top) = self.height() else {
            return Ok(());
        };
        let from = top.saturating_sub(n.saturating_sub(1));
        let mut prev: Option<Sha256> = None;
        for seq in from..=top {
            let signed = self.check_stored_block(seq)?;
            if let Some(p) = prev {
                if signed.block.head.prev_hash != p {
                    return Err(NodeError::Damaged(format!(
                        "block {seq} does not chain to block {}",
                        seq - 1
                    )));
                }
            }
            prev = Some(signed.block.hash());
        }
        Ok(())
    }

    /// Reads block `seq` and checks it against its hash index and signature.
    pub fn check_stored_block(&self, seq: u64) -> Result<SignedBlock, NodeError> {
        let signed = self
            .block_by_seq(seq)?
            .ok_or_else(|| NodeError::Damaged(format!("block {seq} is missing")))?;
        let indexed = self
            .block_hash(seq)?
            .ok_or_else(|| NodeError::Damaged(format!("hash of block {seq} is not indexed")))?;
        if signed.block.hash() != indexed {
            return Err(NodeError::Damaged(format!(
                "block {seq} does not hash to its indexed hash {indexed}"
            )));
        }
        if signed.block.seq() != seq {
            return Err(NodeError::Damaged(format!(
                "block stored at {seq} has another seq"
            )));
        }
        signed
            .verify_signature(&self.publisher)
            .map_err(|e| NodeError::Damaged(format!("block {seq} signature: {e}")))?;
        Ok(signed)
    }

    /// Validates and appends one block durably. The expensive signature
    /// recovery happens here; for bulk work use [`apply_blocks`](Self::apply_blocks).
    pub fn apply_block(&self, signed: &SignedBlock) -> Result<BlockEffects, NodeError> {
        let signers = block_signers(signed)?;
        let mut effects = self.apply_blocks(vec![(signed.clone(), signers)])?;
        effects
            .pop()
            .ok_or_else(|| NodeError::Invalid("no block applied".into()))
    }

    /// Validates and appends whole blocks in one atomic, durable write (the
    /// blocks are durable in the [`journal`] when this returns).
    /// `signers` come from [`recover_block_signers`] (run them in parallel).
    /// On the first invalid block, the valid blocks before it are committed
    /// and the error is returned; the store never holds a partial block.
    pub fn apply_blocks(
        &self,
        blocks: Vec<(SignedBlock, Signers)>,
    ) -> Result<Vec<BlockEffects>, NodeError> {
        let mut journal = self.lock_writer();
        let head = self.head();
        let (new_head, result) = write::apply_batch(self, &head, blocks, &mut journal)?;
        self.set_head(new_head);
        if journal.wants_checkpoint() {
            // The blocks are durable in the journal either way; a failed
            // checkpoint is retried after the next append.
            if let Err(e) = self.checkpoint_locked(&mut journal) {
                tracing::warn!(error = %e, "checkpoint failed; the journal keeps the blocks");
            }
        }
        result
    }

    /// Makes everything written so far durable in the store itself and
    /// empties the block journal.
    pub fn checkpoint(&self) -> Result<(), NodeError> {
        self.checkpoint_locked(&mut self.lock_writer())
    }

    fn checkpoint_locked(&self, journal: &mut Journal) -> Result<(), NodeError> {
        write::checkpoint(self)?;
        journal.clear()
    }

    /// Applies the journaled blocks the store lost in a crash (those above
    /// its head), then checkpoints. Journaled blocks at or below the head
    /// must be the stored ones; a journal that does not continue the head
    /// (left beside a deleted or replaced store file) is set aside.
    fn replay_journal(&self, journaled: Vec<SignedBlock>) -> Result<(), NodeError> {
        if journaled.is_empty() {
            return Ok(());
        }
        let journal_path = self.lock_writer().path().display().to_string();
        let height = self.height();
        let mut lost = Vec::new();
        for b in journaled {
            let seq = b.block.seq();
            if height.is_some_and(|h| seq <= h) {
                if self.block_hash(seq)? != Some(b.block.hash()) {
                    return Err(NodeError::Damaged(format!(
                        "{journal_path}: journaled block {seq} differs from the stored one"
                    )));
                }
                continue;
            }
            let signers = block_signers(&b)?;
            lost.push((b, signers));
        }
        let next = height.map_or(0, |h| h + 1);
        if lost.first().is_some_and(|(b, _)| b.block.seq() != next) {
            // A crash always leaves the journal continuing the durable head
            // (it is emptied only after a durable commit), so these blocks
            // belong to another store file (the old one was deleted or
            // replaced). Kept aside, not applied.
            let stale = format!("{journal_path}.stale");
            std::fs::copy(&journal_path, &stale)?;
            tracing::warn!(
                journal = %journal_path,
                kept_in = %stale,
                "the block journal does not continue this store's head: set aside"
            );
            return self.checkpoint();
        }
        let replayed = lost.len();
        self.apply_blocks(lost).map_err(|e| {
            NodeError::Damaged(format!(
                "{journal_path}: a journaled block does not apply: {e}"
            ))
        })?;
        self.checkpoint()?;
        if replayed > 0 {
            tracing::info!(blocks = replayed, "replayed the block journal");
        }
        Ok(())
    }

    /// Publishes a committed head, moves the generation on and reads the
    /// filters of the epochs the write closed.
    fn set_head(&self, head: Head) {
        *self.lock_head() = head;
        self.bump_generation();
        if let Err(e) = self.load_epoch_filters() {
            // Lookups then probe the epochs without a filter: slower, still right.
            tracing::warn!(error = %e, "the filters of newly closed epochs were not read");
        }
    }

    fn lock_writer(&self) -> std::sync::MutexGuard<'_, Journal> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A number that changes after every committed write (blocks or pool):
    /// an answer computed from the store while it did not change is current.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Marks a committed write; called after the commit, so a reader that
    /// saw the old number may have read either state, never a newer one
    /// under the old number.
    pub(crate) fn bump_generation(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    fn db(&self) -> &Database {
        &self.db
    }

    /// The database, for modules of this crate that keep their own tables here.
    pub(crate) fn db_handle(&self) -> &Database {
        &self.db
    }

    /// Runs redb's own integrity check (page checksums and tree structure).
    /// Needs exclusive access, so it takes the store by value and returns
    /// it, with a description of the damage when there is any.
    pub fn check_integrity(mut self) -> (ChainStore, Option<String>) {
        let finding = match self.db.check_integrity() {
            Ok(true) => None,
            Ok(false) => {
                Some("the database file failed its page checksum check and was repaired".into())
            }
            Err(e) => Some(format!("{}: {e}", self.path.display())),
        };
        (self, finding)
    }
}

/// The signers of a block's inputs (none for the genesis block): the
/// expensive, stateless part of validating it, safe to run in parallel.
pub fn block_signers(signed: &SignedBlock) -> Result<Signers, NodeError> {
    if signed.block.seq() == 0 {
        return Ok(Signers::default());
    }
    recover_block_signers(&signed.block).map_err(|rule| NodeError::InvalidBlock {
        seq: signed.block.seq(),
        rule,
    })
}

/// [`block_signers`] of many blocks on all cores, one transaction per task,
/// so no core waits at the end for another's last large block. An invalid
/// block is reported as [`block_signers`] would (the first in order).
pub fn blocks_with_signers(
    blocks: Vec<SignedBlock>,
) -> Result<Vec<(SignedBlock, Signers)>, NodeError> {
    use rayon::prelude::*;
    // Txids and body hashes (one block per task; cheap next to recovery).
    let txids: Vec<Result<Vec<Sha256>, BlockError>> = blocks
        .par_iter()
        .map(|b| match b.block.seq() {
            0 => Ok(Vec::new()),
            _ => checked_txids(&b.block),
        })
        .collect();
    let tasks: Vec<(usize, &Transaction, &Sha256)> = blocks
        .iter()
        .zip(&txids)
        .filter_map(|(b, ids)| ids.as_ref().ok().map(|ids| (b, ids)))
        .flat_map(|(b, ids)| {
            b.block
                .body
                .transactions
                .iter()
                .zip(ids)
                .enumerate()
                .map(|(index, (txn, id))| (index, txn, id))
        })
        .collect();
    let recovered: Vec<Result<Vec<Address>, BlockError>> = tasks
        .par_iter()
        .map(|(index, txn, id)| recover_tx_signers(*index, txn, id))
        .collect();
    let mut recovered = recovered.into_iter();
    let mut out = Vec::with_capacity(blocks.len());
    for (signed, ids) in blocks.into_iter().zip(txids) {
        let seq = signed.block.seq();
        let invalid = |rule| NodeError::InvalidBlock { seq, rule };
        if seq == 0 {
            out.push((signed, Signers::default()));
            continue;
        }
        let txids = ids.map_err(invalid)?;
        let signers = recovered
            .by_ref()
            .take(txids.len())
            .collect::<Result<Vec<_>, _>>()
            .map_err(invalid)?;
        let block_hash = signed.block.hash();
        out.push((
            signed,
            Signers {
                block_hash,
                txids,
                signers,
            },
        ));
    }
    Ok(out)
}

impl Drop for ChainStore {
    /// A clean close leaves the store durable on its own and the journal empty.
    fn drop(&mut self) {
        let pending = self
            .writer
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .blocks();
        if pending > 0 {
            if let Err(e) = self.checkpoint() {
                tracing::warn!(error = %e, "closing the store: the journal is kept for the next open");
            }
        }
    }
}

fn damaged_or_db(path: &Path, e: redb::DatabaseError) -> NodeError {
    match e {
        redb::DatabaseError::Storage(redb::StorageError::Corrupted(msg)) => {
            NodeError::Damaged(format!("{}: {msg}", path.display()))
        }
        other => NodeError::Db(other.into()),
    }
}

fn read_spec(db: &Database) -> Result<Option<ChainSpec>, NodeError> {
    let r = db.begin_read()?;
    let meta = match r.open_table(META) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if let Some(v) = meta.get(META_SCHEMA)? {
        let found = <[u8; 4]>::try_from(v.value())
            .map(u32::from_le_bytes)
            .map_err(|_| NodeError::Damaged("schema version has the wrong length".into()))?;
        if found != SCHEMA_VERSION {
            return Err(NodeError::Schema {
                found,
                expected: SCHEMA_VERSION,
            });
        }
    }
    let Some(spec) = meta.get(META_SPEC)? else {
        return Ok(None);
    };
    serde_json::from_slice(spec.value())
        .map(Some)
        .map_err(|e| NodeError::Damaged(format!("chain spec in meta: {e}")))
}

fn init_meta(db: &Database, spec: &ChainSpec) -> Result<(), NodeError> {
    let w = db.begin_write()?;
    {
        let mut meta = w.open_table(META)?;
        meta.insert(META_SCHEMA, SCHEMA_VERSION.to_le_bytes().as_slice())?;
        let json = serde_json::to_vec(spec).map_err(|e| NodeError::Invalid(e.to_string()))?;
        meta.insert(META_SPEC, json.as_slice())?;
        // Create every table so readers never meet a missing one.
        w.open_table(BLOCKS)?;
        w.open_table(BLOCK_SIGS)?;
        w.open_table(SEQ_HASH)?;
        w.open_table(HASH_SEQ)?;
        w.open_table(TXS)?;
        w.open_table(UNSPENT)?;
        w.open_table(OUTPUT_IDS)?;
        w.open_table(SPENT)?;
        w.open_table(ADDR_UNSPENT)?;
        w.open_table(ADDR_TXS)?;
        w.open_table(ADDR_COUNT)?;
        w.open_table(UNCONFIRMED)?;
        w.open_table(EPOCH_FILTERS)?;
    }
    w.commit()?;
    Ok(())
}
