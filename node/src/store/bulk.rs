//! Bulk appends (import): many batches of blocks in one write transaction,
//! committed durably every so often.
//!
//! With hash-keyed indexes, each commit rewrites every index page the
//! batch touched; committing every few hundred thousand transactions
//! instead of every batch writes those pages once per commit. A crash
//! loses only uncommitted blocks: the store stays at its last commit and
//! an import resumes from there.

use std::sync::MutexGuard;

use redb::{Durability, WriteTransaction};
use skyx_coins::sky::block::SignedBlock;
use skyx_coins::sky::chain::{BlockEffects, Signers};

use super::journal::Journal;
use super::write::{self, BatchChanges};
use super::{ChainStore, Head};
use crate::error::NodeError;

/// An open bulk append; blocks become visible and durable at [`commit`](Self::commit).
pub struct BulkWriter<'s> {
    store: &'s ChainStore,
    /// The writer lock (with the block journal, emptied by each commit).
    journal: MutexGuard<'s, Journal>,
    txn: Option<WriteTransaction>,
    /// Index changes of the uncommitted blocks, written at the commit.
    changes: BatchChanges,
    /// Head including the uncommitted blocks.
    head: Head,
    pending_txs: u64,
}

impl ChainStore {
    /// Starts a bulk append; other writers of this store wait until it is dropped.
    pub fn bulk_writer(&self) -> BulkWriter<'_> {
        let journal = self.lock_writer();
        BulkWriter {
            store: self,
            journal,
            txn: None,
            changes: BatchChanges::default(),
            head: self.head(),
            pending_txs: 0,
        }
    }
}

impl BulkWriter<'_> {
    /// Validates and writes whole blocks into the open transaction. On the
    /// first invalid block the valid ones before it (and everything pending)
    /// are committed and its error is returned.
    pub fn apply(
        &mut self,
        blocks: Vec<(SignedBlock, Signers)>,
    ) -> Result<Vec<BlockEffects>, NodeError> {
        let txn = match &mut self.txn {
            Some(txn) => txn,
            open @ None => open.insert(write::begin(self.store, Durability::Immediate)?),
        };
        let applied = write::apply_in(self.store, txn, &self.head, &blocks, &mut self.changes);
        let (head, result) = match applied {
            Ok(r) => r,
            Err(e) => {
                // The transaction may hold part of a batch.
                self.abandon();
                return Err(e);
            }
        };
        self.head = head;
        let applied = result.as_ref().map_or(0, |v| v.len());
        self.pending_txs += blocks
            .iter()
            .take(applied)
            .map(|(b, _)| b.block.body.transactions.len() as u64)
            .sum::<u64>();
        if result.is_err() {
            self.commit()?;
        }
        result
    }

    /// Transactions written since the last commit.
    pub fn pending_transactions(&self) -> u64 {
        self.pending_txs
    }

    /// Writes the index changes gathered so far into the open transaction,
    /// so the next [`commit`](Self::commit) has only the later ones to
    /// write (nothing becomes visible or durable yet).
    pub fn flush(&mut self) -> Result<(), NodeError> {
        let Some(txn) = &self.txn else {
            return Ok(());
        };
        let flushed = write::flush_changes(txn, &mut self.changes);
        if flushed.is_err() {
            // The transaction may hold part of the changes.
            self.abandon();
        }
        flushed
    }

    /// Drops the open transaction (redb aborts it) and everything gathered
    /// for it: back to the committed state.
    fn abandon(&mut self) {
        self.txn = None;
        self.changes.clear();
        self.head = self.store.head();
        self.pending_txs = 0;
    }

    /// Makes everything written so far durable and visible.
    pub fn commit(&mut self) -> Result<(), NodeError> {
        let Some(txn) = self.txn.take() else {
            return Ok(());
        };
        let started = std::time::Instant::now();
        let written = write::flush_changes(&txn, &mut self.changes).and_then(|()| {
            let flushed = started.elapsed();
            txn.commit().map_err(NodeError::from)?;
            tracing::debug!(
                transactions = self.pending_txs,
                flush_ms = flushed.as_millis() as u64,
                commit_ms = (started.elapsed() - flushed).as_millis() as u64,
                "bulk commit"
            );
            Ok(())
        });
        match written {
            Ok(()) => {
                self.pending_txs = 0;
                self.store.set_head(self.head);
                // The durable commit holds every journaled block too.
                self.journal.clear()
            }
            Err(e) => {
                // Nothing of the transaction is kept.
                self.abandon();
                Err(e)
            }
        }
    }
}
