//! Recovery: the latest valid snapshot plus a replay of the journal's tail.

use crate::engine::Engine;
use crate::journal::{self, JOURNAL_FILE};
use crate::snapshot;
use std::io;
use std::path::Path;

/// What recovery found.
#[derive(Debug)]
pub struct Recovered {
    /// The rebuilt engine.
    pub engine: Engine,
    /// Sequence number of the snapshot used (0 if none).
    pub snapshot_seq: u64,
    /// Journal records applied on top of the snapshot.
    pub replayed: u64,
    /// Bytes of torn tail truncated from the journal.
    pub torn_bytes: u64,
}

/// Why recovery failed.
#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    /// Reading or truncating files failed.
    #[error("i/o: {0}")]
    Io(#[from] io::Error),
    /// The journal skips sequence numbers after the snapshot.
    #[error("journal gap: expected seq {expected}, found {found}")]
    Gap {
        /// The sequence expected next.
        expected: u64,
        /// The sequence found.
        found: u64,
    },
}

impl RecoveryError {
    /// A stable code for logs and APIs.
    pub fn code(&self) -> &'static str {
        match self {
            RecoveryError::Io(_) => "recovery_io",
            RecoveryError::Gap { .. } => "recovery_gap",
        }
    }
}

/// Rebuilds the engine from `dir`: newest valid snapshot, then every later journal record.
///
/// A torn last record is truncated from the file (it was never acknowledged).
pub fn recover(dir: &Path) -> Result<Recovered, RecoveryError> {
    std::fs::create_dir_all(dir)?;
    let mut engine = snapshot::load_latest(dir)?.unwrap_or_default();
    let paranoid = cfg!(debug_assertions);
    engine.set_paranoid(false);
    let snapshot_seq = engine.last_seq();
    let path = dir.join(JOURNAL_FILE);
    let scan = journal::scan_file(&path)?;
    if scan.torn_bytes > 0 {
        journal::truncate(&path, scan.valid_len)?;
    }
    let mut replayed = 0;
    for env in &scan.records {
        if env.seq <= engine.last_seq() {
            continue;
        }
        if env.seq != engine.last_seq() + 1 {
            return Err(RecoveryError::Gap {
                expected: engine.last_seq() + 1,
                found: env.seq,
            });
        }
        engine.apply(env);
        replayed += 1;
    }
    engine.set_paranoid(paranoid);
    Ok(Recovered {
        engine,
        snapshot_seq,
        replayed,
        torn_bytes: scan.torn_bytes,
    })
}
