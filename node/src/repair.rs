//! `skyx node export` and `skyx node repair`.
//!
//! Repair never edits a damaged file in place. It salvages the longest
//! prefix of blocks that still decode, hash to their index and carry a valid
//! signature, imports them into a fresh store (which rebuilds every index
//! and re-validates every block), continues from a chain file or a peer when
//! given, and only then replaces the old file (rename, so a crash during
//! repair leaves either the old or the new store, never a mix).

use std::io::BufWriter;
use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase};
use serde::Serialize;
use skyx_coins::sky::block::{Block, SignedBlock};
use skyx_coins::sky::signature::Sig;

use crate::chainfile::{ChainFileWriter, ChainSpec};
use crate::error::NodeError;
use crate::import::{import_blocks, ImportOptions, ImportSummary};
use crate::progress::progress_bar;
use crate::store::journal::{read_journal, JOURNAL_FILE};
use crate::store::tables::{BLOCKS, BLOCK_SIGS, META, META_SPEC, SEQ_HASH};
use crate::store::{ChainStore, STORE_FILE};

/// Longest time a repair may spend fetching blocks from a peer.
pub const PEER_REPAIR_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3600);

/// Writes the whole chain of a store to a chain file.
pub fn export(store: &ChainStore, out: &Path) -> Result<u64, NodeError> {
    let tmp = out.with_extension("partial");
    let file = std::fs::File::create(&tmp)?;
    let mut writer = ChainFileWriter::new(BufWriter::new(file), store.spec())?;
    let mut n = 0;
    if let Some(height) = store.height() {
        let bar = progress_bar(Some(height + 1), "export");
        for seq in 0..=height {
            let block = store
                .block_by_seq(seq)?
                .ok_or_else(|| NodeError::Damaged(format!("block {seq} is missing")))?;
            writer.write_block(&block)?;
            n += 1;
            bar.inc(1);
        }
        bar.finish_and_clear();
    }
    let file = writer
        .finish()?
        .into_inner()
        .map_err(|e| NodeError::Io(e.into_error()))?;
    file.sync_all()?;
    std::fs::rename(&tmp, out)?;
    Ok(n)
}

/// Where repair takes the blocks the damaged store lost.
#[derive(Debug, Clone)]
pub enum RepairSource {
    /// Nothing: keep what can be salvaged.
    None,
    /// A chain file.
    File(PathBuf),
    /// Already-fetched blocks, in order.
    Blocks(Vec<SignedBlock>),
    /// A peer speaking the Skycoin wire protocol.
    Peer(std::net::SocketAddr),
}

/// What repair did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepairReport {
    /// Blocks recovered from the old store.
    pub salvaged: u64,
    /// Why salvage stopped, if it did before the old head.
    pub salvage_stopped: Option<String>,
    /// Blocks added from the file or peer.
    pub refetched: u64,
    /// Head seq after repair.
    pub height: Option<u64>,
    /// Head hash after repair.
    pub head_hash: Option<String>,
}

/// Salvages the good blocks of the store in `data_dir`, rebuilds the store
/// and its indexes from them, then adds blocks from `source`.
pub fn repair(
    data_dir: &Path,
    spec_hint: Option<&ChainSpec>,
    source: RepairSource,
) -> Result<RepairReport, NodeError> {
    let old = data_dir.join(STORE_FILE);
    let work = data_dir.join("repair");
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    let (spec, mut salvaged, stopped) = salvage(&old);
    // Blocks acknowledged through the journal but not yet in the store
    // file continue the salvaged chain when they link to it.
    for b in read_journal(data_dir)? {
        let follows = match salvaged.last() {
            Some(last) => {
                b.block.seq() == last.block.seq() + 1 && b.block.head.prev_hash == last.block.hash()
            }
            None => b.block.seq() == 0,
        };
        if follows {
            salvaged.push(b);
        }
    }
    let spec = match (spec, spec_hint, &source) {
        (Some(s), _, _) => s,
        (None, Some(s), _) => s.clone(),
        (None, None, RepairSource::File(path)) => {
            let f = std::fs::File::open(path)?;
            crate::chainfile::ChainFileReader::new(std::io::BufReader::new(f))?
                .spec()
                .clone()
        }
        (None, None, _) => ChainSpec::mainnet(),
    };
    let store = std::sync::Arc::new(ChainStore::open(&work, Some(&spec))?);
    let n = salvaged.len() as u64;
    let summary = import_shown(&store, salvaged.into_iter().map(Ok), Some(n), "repair")?;
    let refetched = match source {
        RepairSource::None => 0,
        RepairSource::File(path) => {
            let f = std::fs::File::open(&path)?;
            let reader = crate::chainfile::ChainFileReader::new(std::io::BufReader::new(f))?;
            if reader.spec().genesis_hash != spec.genesis_hash {
                return Err(NodeError::Invalid(format!(
                    "{} holds another chain",
                    path.display()
                )));
            }
            import_shown(
                &store,
                reader.map(|b| b.map_err(NodeError::from)),
                None,
                "refetch",
            )?
            .imported
        }
        RepairSource::Peer(addr) => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let summary = runtime
                .block_on(crate::p2p::sync_once(
                    store.clone(),
                    addr,
                    PEER_REPAIR_TIMEOUT,
                ))
                .map_err(|e| NodeError::Invalid(format!("fetching from {addr}: {e}")))?;
            summary.blocks
        }
        RepairSource::Blocks(blocks) => {
            let n = blocks.len() as u64;
            import_shown(&store, blocks.into_iter().map(Ok), Some(n), "refetch")?.imported
        }
    };
    // Keep the unconfirmed pool when it can still be read.
    if let Ok(old_store) = ChainStore::open(data_dir, Some(&spec)) {
        if let Ok(pool) = old_store.unconfirmed() {
            for u in pool {
                store.put_unconfirmed(&u)?;
            }
        }
    }
    let head = store.head();
    drop(store);
    // The new store holds whatever of the journal could be used; a crash
    // from here on leaves the old store without it or the new one.
    let journal = data_dir.join(JOURNAL_FILE);
    if journal.exists() {
        std::fs::remove_file(&journal)?;
    }
    let damaged = data_dir.join(format!("{STORE_FILE}.damaged"));
    if old.exists() {
        std::fs::rename(&old, &damaged)?;
    }
    std::fs::rename(work.join(STORE_FILE), &old)?;
    std::fs::remove_dir_all(&work)?;
    sync_dir(data_dir)?;
    Ok(RepairReport {
        salvaged: summary.imported,
        salvage_stopped: stopped,
        refetched,
        height: head.header.map(|h| h.bk_seq),
        head_hash: head.header.map(|h| h.hash().to_hex()),
    })
}

fn sync_dir(dir: &Path) -> Result<(), NodeError> {
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

/// Reads the longest valid prefix of blocks straight from the tables, without
/// trusting the store's metadata. Returns the stored chain spec if readable.
fn salvage(path: &Path) -> (Option<ChainSpec>, Vec<SignedBlock>, Option<String>) {
    let db = match Database::open(path) {
        Ok(db) => db,
        Err(e) => {
            return (
                None,
                Vec::new(),
                Some(format!("the store cannot be opened: {e}")),
            )
        }
    };
    let spec = read_spec(&db);
    let publisher = spec
        .as_ref()
        .and_then(|s| s.to_params().publisher_key().ok());
    let mut blocks = Vec::new();
    let stopped = salvage_blocks(&db, publisher.as_ref(), &mut blocks).err();
    (spec, blocks, stopped)
}

fn read_spec(db: &Database) -> Option<ChainSpec> {
    let r = db.begin_read().ok()?;
    let meta = r.open_table(META).ok()?;
    let v = meta.get(META_SPEC).ok()??;
    serde_json::from_slice(v.value()).ok()
}

fn salvage_blocks(
    db: &Database,
    publisher: Option<&secp256k1::PublicKey>,
    out: &mut Vec<SignedBlock>,
) -> Result<(), String> {
    let r = db.begin_read().map_err(|e| e.to_string())?;
    let blocks = r.open_table(BLOCKS).map_err(|e| e.to_string())?;
    let sigs = r.open_table(BLOCK_SIGS).map_err(|e| e.to_string())?;
    let hashes = r.open_table(SEQ_HASH).map_err(|e| e.to_string())?;
    let mut prev = None;
    for seq in 0u64.. {
        let bytes = match blocks.get(seq) {
            Ok(Some(b)) => b.value().to_vec(),
            Ok(None) => return Ok(()),
            Err(e) => return Err(format!("block {seq} cannot be read: {e}")),
        };
        let block =
            Block::decode(&bytes).map_err(|e| format!("block {seq} does not decode: {e}"))?;
        let indexed = hashes
            .get(seq)
            .map_err(|e| format!("hash of block {seq}: {e}"))?
            .map(|h| *h.value());
        if indexed != Some(block.hash().0) || block.seq() != seq {
            return Err(format!("block {seq} does not match its hash index"));
        }
        if block.body.hash() != block.head.body_hash {
            return Err(format!(
                "block {seq}: its transactions do not match its body hash"
            ));
        }
        if seq > 0 && Some(block.head.prev_hash) != prev {
            return Err(format!("block {seq} does not chain to block {}", seq - 1));
        }
        let sig = sigs
            .get(seq)
            .map_err(|e| format!("signature of block {seq}: {e}"))?
            .map(|s| Sig(*s.value()))
            .ok_or_else(|| format!("signature of block {seq} is missing"))?;
        let signed = SignedBlock { block, sig };
        if let Some(pk) = publisher {
            signed
                .verify_signature(pk)
                .map_err(|e| format!("block {seq} signature: {e}"))?;
        }
        prev = Some(signed.block.hash());
        out.push(signed);
    }
    Ok(())
}

/// Imports `blocks` into `store` (default options) under a progress bar.
fn import_shown<I>(
    store: &ChainStore,
    blocks: I,
    len: Option<u64>,
    label: &'static str,
) -> Result<ImportSummary, NodeError>
where
    I: Iterator<Item = Result<SignedBlock, NodeError>> + Send,
{
    let bar = progress_bar(len, label);
    let summary = import_blocks(store, blocks, &bar, &ImportOptions::default())?;
    bar.finish_and_clear();
    Ok(summary)
}
