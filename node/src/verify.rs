//! `skyx node verify`: a full re-check of a store. The block journal first,
//! read without changing it (damage there is reported and the store is not
//! opened, since it would refuse to), then the database's own page
//! checksums, then every stored block replayed from genesis through the
//! validator (signatures included, on all cores), then every index compared
//! with what the replay says it must hold.

use rayon::prelude::*;
use serde::Serialize;
use skyx_coins::sky::block::SignedBlock;
use skyx_coins::sky::chain::{Signers, UnspentSet, UnspentView};
use skyx_coins::sky::hash::Sha256;

use crate::error::NodeError;
use crate::progress::progress_bar;
use crate::store::journal::{check_journal, JournalCheck};
use crate::store::{block_signers, ChainStore};

/// Blocks read and verified in parallel at a time.
const VERIFY_CHUNK: u64 = 256;

/// At most this many problems are listed.
const MAX_PROBLEMS: usize = 100;

/// The outcome of a full check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// True when nothing is wrong.
    pub ok: bool,
    /// Head seq of the store.
    pub height: Option<u64>,
    /// Blocks replayed successfully.
    pub blocks_checked: u64,
    /// Transactions in them.
    pub transactions_checked: u64,
    /// What is wrong, one line each (capped).
    pub problems: Vec<String>,
    /// The block journal as it was before the store was opened.
    pub journal: Option<JournalCheck>,
}

impl VerifyReport {
    /// A report of a store that could not be checked, for `problem`.
    pub fn failed(problem: String) -> VerifyReport {
        VerifyReport {
            ok: false,
            height: None,
            blocks_checked: 0,
            transactions_checked: 0,
            problems: vec![problem],
            journal: None,
        }
    }

    fn problem(&mut self, p: String) {
        self.ok = false;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(p);
        }
    }
}

/// Checks a store fully. Takes it by value because the database's integrity
/// check needs exclusive access; returns it with the report.
pub fn verify_store(store: ChainStore) -> Result<(ChainStore, VerifyReport), NodeError> {
    let mut report = VerifyReport {
        ok: true,
        height: store.height(),
        blocks_checked: 0,
        transactions_checked: 0,
        problems: Vec::new(),
        journal: None,
    };
    let (store, finding) = store.check_integrity();
    if let Some(problem) = finding {
        report.problem(problem);
        return Ok((store, report));
    }
    let Some(height) = store.height() else {
        return Ok((store, report));
    };
    let bar = progress_bar(Some(height + 1), "verify");
    let mut set = UnspentSet::new();
    let mut seq = 0u64;
    'chunks: while seq <= height {
        let end = (seq + VERIFY_CHUNK - 1).min(height);
        let mut chunk = Vec::new();
        for s in seq..=end {
            match read_checked(&store, s) {
                Ok(b) => chunk.push(b),
                Err(p) => {
                    report.problem(p);
                    break 'chunks;
                }
            }
        }
        let signers: Vec<Result<Signers, String>> = chunk
            .par_iter()
            .map(|b| block_signers(b).map_err(|e| e.to_string()))
            .collect();
        for (block, signers) in chunk.iter().zip(signers) {
            let signers = match signers {
                Ok(s) => s,
                Err(p) => {
                    report.problem(p);
                    break 'chunks;
                }
            };
            if let Err(p) = replay(&mut set, &store, block, &signers) {
                report.problem(p);
                break 'chunks;
            }
            report.blocks_checked += 1;
            report.transactions_checked += block.block.body.transactions.len() as u64;
            check_tx_index(&store, block, &mut report);
        }
        bar.inc(end - seq + 1);
        seq = end + 1;
    }
    bar.finish_and_clear();
    if report.blocks_checked == height + 1 {
        compare_unspent(&store, &set, &mut report);
    }
    Ok((store, report))
}

/// Checks the data directory `dir`: its block journal, then the store that
/// `open` opens (a store that does not open is a finding).
pub fn verify_dir<E: std::fmt::Display>(
    dir: &std::path::Path,
    open: impl FnOnce() -> Result<ChainStore, E>,
) -> Result<VerifyReport, NodeError> {
    let journal = check_journal(dir)?;
    let mut report = match &journal.corruption {
        Some(c) => VerifyReport::failed(c.to_string()),
        None => match open() {
            Ok(store) => verify_store(store)?.1,
            Err(e) => VerifyReport::failed(e.to_string()),
        },
    };
    report.journal = Some(journal);
    Ok(report)
}

fn read_checked(store: &ChainStore, seq: u64) -> Result<SignedBlock, String> {
    let block = match store.block_by_seq(seq) {
        Ok(Some(b)) => b,
        Ok(None) => return Err(format!("block {seq} is missing")),
        Err(e) => return Err(format!("block {seq}: {e}")),
    };
    match store.block_hash(seq) {
        Ok(Some(h)) if h == block.block.hash() => Ok(block),
        Ok(Some(h)) => Err(format!(
            "block {seq} hashes to {} but is indexed as {h}",
            block.block.hash()
        )),
        Ok(None) => Err(format!("block {seq} has no hash index entry")),
        Err(e) => Err(format!("block {seq} hash index: {e}")),
    }
}

fn replay(
    set: &mut UnspentSet,
    store: &ChainStore,
    block: &SignedBlock,
    signers: &Signers,
) -> Result<(), String> {
    set.apply_with_signers(block, store.publisher(), &store.genesis_hash(), signers)
        .map(|_| ())
        .map_err(|e| format!("block {}: {e}", block.block.seq()))
}

fn check_tx_index(store: &ChainStore, block: &SignedBlock, report: &mut VerifyReport) {
    let seq = block.block.seq();
    for (pos, txn) in block.block.body.transactions.iter().enumerate() {
        let txid = txn.hash();
        match store.transaction(&txid) {
            Ok(Some(rec)) if rec.seq == seq && rec.pos as usize == pos => {}
            Ok(Some(rec)) => report.problem(format!(
                "transaction {txid} is indexed at block {} position {} instead of {seq}/{pos}",
                rec.seq, rec.pos
            )),
            Ok(None) => report.problem(format!("transaction {txid} of block {seq} is not indexed")),
            Err(e) => report.problem(format!("transaction {txid}: {e}")),
        }
    }
}

fn compare_unspent(store: &ChainStore, set: &UnspentSet, report: &mut VerifyReport) {
    if store.head().ux_hash != set.ux_hash() {
        report.problem(format!(
            "stored unspent-set hash {} differs from the replayed {}",
            store.head().ux_hash,
            set.ux_hash()
        ));
    }
    let stored = match store.all_unspent() {
        Ok(s) => s,
        Err(e) => {
            report.problem(format!("unspent set: {e}"));
            return;
        }
    };
    if stored.len() != set.len() {
        report.problem(format!(
            "the store holds {} unspent outputs, the replay {}",
            stored.len(),
            set.len()
        ));
    }
    for ux in stored {
        let id: Sha256 = ux.hash();
        if set.get_unspent(&id) != Some(ux) {
            report.problem(format!("unspent output {id} is not in the replayed set"));
        }
    }
}
