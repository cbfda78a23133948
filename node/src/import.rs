//! `skyx node import`: loads a chain file (or a reference node's `data.db`)
//! into the store, validating every block.
//!
//! Blocks are read in batches; the stateless checks of a batch (body hash,
//! transaction structure, recovery of every input's signer — the expensive
//! part) run on all cores with rayon while the previous batch is written, so
//! the single writer only does the unspent-set checks and the write. The
//! writer keeps one transaction open over several batches and commits it
//! durably every [`ImportOptions::commit_txs`] transactions (and at the
//! end): whole blocks only, so an interrupted import resumes after the last
//! committed block. Once the whole input has been read (the reader runs
//! several batches ahead), the writer commits at once, while those batches
//! are still verified, and then writes each remaining batch into the
//! transaction as it comes: the last commit, which no verification
//! overlaps, has only the last batch's changes to write.

use std::io::BufReader;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use indicatif::ProgressBar;
use skyx_coins::sky::block::SignedBlock;
use skyx_coins::sky::chain::Signers;

use crate::chainfile::{ChainFileReader, ChainSpec};
use crate::error::NodeError;
pub use crate::progress::progress_bar;
use crate::store::{blocks_with_signers, ChainStore, StoreOptions};

/// Blocks per parallel verification batch.
pub const BATCH_BLOCKS: usize = 2048;

/// Upper bound of transactions per batch, so huge blocks keep batches small
/// (and the blocks in flight at the end of an import few).
pub const BATCH_TXS: usize = 8_192;

/// Parsed batches waiting for verification. The reader reaches the end of
/// the input while these are still to be verified (a few seconds of work),
/// which hides the commit the writer makes at that moment.
const PARSED_BACKLOG: usize = 6;

/// Verified batches that may wait for the writer (about two seconds of
/// verification on two cores: longer than a commit takes).
const VERIFIED_BACKLOG: usize = 8;

/// Default number of transactions written between durable commits of an import.
pub const COMMIT_TXS: u64 = 262_144;

/// How an import writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportOptions {
    /// Transactions written between durable commits (at least 1).
    pub commit_txs: u64,
    /// How the store is opened (page cache).
    pub store: StoreOptions,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            commit_txs: COMMIT_TXS,
            store: StoreOptions::default(),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct ImportSummary {
    /// Blocks already in the store and skipped (resume).
    pub skipped: u64,
    /// Blocks validated and written.
    pub imported: u64,
    /// Transactions in the written blocks.
    pub transactions: u64,
    /// Wall time spent in the parallel stateless checks (signature recovery).
    pub verify_seconds: f64,
    /// Wall time spent by the writer validating against the unspent set and writing.
    pub write_seconds: f64,
}

/// Imports the chain file at `path` into the store in `data_dir` (created
/// for the file's chain when new).
pub fn import_chain_file(
    data_dir: &Path,
    path: &Path,
    opts: &ImportOptions,
) -> Result<(ChainStore, ImportSummary), NodeError> {
    let file = std::fs::File::open(path)?;
    let reader = ChainFileReader::new(BufReader::new(file))?;
    let spec = reader.spec().clone();
    let store = ChainStore::open_with(data_dir, Some(&spec), &opts.store)?;
    let bar = progress_bar(None, "import");
    let blocks = reader.map(|b| b.map_err(NodeError::from));
    let summary = import_blocks(&store, blocks, &bar, opts)?;
    bar.finish_and_clear();
    Ok((store, summary))
}

/// Imports a reference node's BoltDB `data.db` (blocks, then its
/// unconfirmed transactions into the mempool table).
pub fn import_reference_db(
    data_dir: &Path,
    path: &Path,
    opts: &ImportOptions,
) -> Result<(ChainStore, ImportSummary), NodeError> {
    let db = crate::bolt::skycoin::read_reference_db(path)
        .map_err(|e| NodeError::Invalid(format!("{}: {e}", path.display())))?;
    let store = ChainStore::open_with(data_dir, Some(&ChainSpec::mainnet()), &opts.store)?;
    let bar = progress_bar(Some(db.blocks.len() as u64), "import");
    let summary = import_blocks(&store, db.blocks.into_iter().map(Ok), &bar, opts)?;
    bar.finish_and_clear();
    for u in db.unconfirmed {
        store.put_unconfirmed(&u)?;
    }
    Ok((store, summary))
}

/// Whether `path` looks like a BoltDB file rather than a JSONL chain file.
pub fn is_bolt_file(path: &Path) -> Result<bool, NodeError> {
    use std::io::Read;
    let mut head = [0u8; 32];
    let mut f = std::fs::File::open(path)?;
    let n = f.read(&mut head)?;
    // BoltDB's first page is a meta page whose magic 0xED0CDAED follows the
    // 16-byte page header; a chain file starts with '{'.
    Ok(n >= 20 && head[16..20] == 0xED0C_DAEDu32.to_le_bytes())
}

/// Validates and writes blocks from any source, resuming after the store's
/// head: blocks at or below it must be the stored ones and are skipped.
pub fn import_blocks<I>(
    store: &ChainStore,
    blocks: I,
    bar: &ProgressBar,
    opts: &ImportOptions,
) -> Result<ImportSummary, NodeError>
where
    I: Iterator<Item = Result<SignedBlock, NodeError>> + Send,
{
    let mut summary = ImportSummary::default();
    let height = store.height();
    let commit_txs = opts.commit_txs.max(1);
    // A batch never spans a commit point by much: small commit intervals
    // (tests, slow disks) get small batches.
    let batch_txs = BATCH_TXS.min(usize::try_from(commit_txs).unwrap_or(usize::MAX));
    let (raw_tx, raw_rx) =
        mpsc::sync_channel::<Result<Vec<SignedBlock>, NodeError>>(PARSED_BACKLOG);
    // Verified batches wait here while the writer commits, so the
    // verification goes on through a commit.
    let (tx, rx) =
        mpsc::sync_channel::<Result<Vec<(SignedBlock, Signers)>, NodeError>>(VERIFIED_BACKLOG);
    // Set by the reader once every block of the input has been handed on.
    let input_read = AtomicBool::new(false);
    let input_read = &input_read;
    std::thread::scope(|scope| {
        // Reader: parses blocks and cuts them into batches, skipping blocks the
        // store already has.
        let reader = scope.spawn(move || {
            let mut batch = Vec::with_capacity(BATCH_BLOCKS);
            let mut txs = 0usize;
            let mut skipped = 0u64;
            for item in blocks {
                let block = match item {
                    Ok(b) => b,
                    Err(e) => {
                        let _ = raw_tx.send(Err(e));
                        return skipped;
                    }
                };
                if height.is_some_and(|h| block.block.seq() <= h) {
                    match store.block_hash(block.block.seq()) {
                        Ok(Some(h)) if h == block.block.hash() => {
                            skipped += 1;
                            continue;
                        }
                        Ok(_) => {
                            let _ = raw_tx.send(Err(NodeError::Invalid(format!(
                                "block {} differs from the stored block at that height: the file is another chain",
                                block.block.seq()
                            ))));
                            return skipped;
                        }
                        Err(e) => {
                            let _ = raw_tx.send(Err(e));
                            return skipped;
                        }
                    }
                }
                txs += block.block.body.transactions.len();
                batch.push(block);
                if batch.len() >= BATCH_BLOCKS || txs >= batch_txs {
                    txs = 0;
                    if raw_tx.send(Ok(std::mem::take(&mut batch))).is_err() {
                        return skipped;
                    }
                }
            }
            if !batch.is_empty() {
                let _ = raw_tx.send(Ok(batch));
            }
            input_read.store(true, Ordering::Release);
            skipped
        });
        // Verifier: the stateless checks of a batch on every core.
        let verifier = scope.spawn(move || {
            let mut verify_time = std::time::Duration::ZERO;
            for batch in raw_rx {
                let started = std::time::Instant::now();
                let verified = batch.and_then(blocks_with_signers);
                verify_time += started.elapsed();
                if tx.send(verified).is_err() {
                    break;
                }
            }
            verify_time
        });
        let mut result = Ok(());
        let mut writer = store.bulk_writer();
        let mut committed_at_end_of_input = false;
        for verified in rx {
            let batch = match verified {
                Ok(b) => b,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            let n_txs: usize = batch
                .iter()
                .map(|(b, _)| b.block.body.transactions.len())
                .sum();
            let started = std::time::Instant::now();
            let applied = writer.apply(batch).and_then(|applied| {
                let end_of_input = input_read.load(Ordering::Acquire);
                if writer.pending_transactions() >= commit_txs
                    || (end_of_input && !committed_at_end_of_input)
                {
                    writer.commit()?;
                    committed_at_end_of_input = end_of_input;
                } else if committed_at_end_of_input {
                    // The last blocks are written into the transaction as
                    // they come, while later ones are still verified, so the
                    // final commit has only the last batch's changes to write.
                    writer.flush()?;
                }
                Ok(applied)
            });
            summary.write_seconds += started.elapsed().as_secs_f64();
            match applied {
                Ok(applied) => {
                    summary.imported += applied.len() as u64;
                    summary.transactions += n_txs as u64;
                    bar.inc(applied.len() as u64);
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        // Whatever was validated before an error or the end is kept.
        let started = std::time::Instant::now();
        if let Err(e) = writer.commit() {
            result = Err(e);
        }
        summary.write_seconds += started.elapsed().as_secs_f64();
        drop(writer);
        // Dropping the receiver (end of loop) stops the producer.
        match (reader.join(), verifier.join()) {
            (Ok(skipped), Ok(verify)) => {
                summary.skipped = skipped;
                summary.verify_seconds = verify.as_secs_f64();
            }
            _ => result = Err(NodeError::Invalid("an import thread failed".into())),
        }
        result
    })?;
    tracing::info!(
        imported = summary.imported,
        skipped = summary.skipped,
        transactions = summary.transactions,
        "import finished"
    );
    Ok(summary)
}
