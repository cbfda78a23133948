//! A read-only check of an engine data directory: every snapshot, every
//! record of every journal file, a replay from the newest valid snapshot and
//! the ledger's conservation check. Nothing is changed (a torn tail is
//! reported, not cut off).

use crate::journal::{journal_files, walk, Corruption, FileSummary, JournalError};
use crate::snapshot::{list_snapshots, read_snapshot};
use crate::Engine;
use serde::Serialize;
use std::io;
use std::path::{Path, PathBuf};

/// One snapshot file and whether it is sound.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SnapshotCheck {
    /// The file.
    pub file: PathBuf,
    /// Sequence number in its name.
    pub seq: u64,
    /// Whether it reads back whole, for the sequence number its name says.
    pub ok: bool,
    /// What is wrong with it.
    pub problem: Option<String>,
}

/// A torn last record: never acknowledged, cut off when the engine opens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TornTail {
    /// The file.
    pub file: PathBuf,
    /// Where the torn record starts.
    pub offset: u64,
    /// Bytes from there to the end of the file.
    pub bytes: u64,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Stable code.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

/// The outcome of [`verify_dir`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// True when nothing is wrong (a torn tail is not wrong).
    pub ok: bool,
    /// The directory checked.
    pub data_dir: PathBuf,
    /// Every snapshot file.
    pub snapshots: Vec<SnapshotCheck>,
    /// Every journal file read, in order (until damage stopped the reading).
    pub journal: Vec<FileSummary>,
    /// Sequence number of the snapshot the replay started from (0: none).
    pub snapshot_seq: u64,
    /// Records replayed on top of it.
    pub replayed: u64,
    /// Sequence number of the last command the state holds.
    pub last_seq: u64,
    /// SHA-256 of the canonical state after the replay (hex).
    pub state_hash: String,
    /// The torn tail, if the journal ends in one.
    pub torn_tail: Option<TornTail>,
    /// Damage with acknowledged records behind it.
    pub corruption: Option<Corruption>,
    /// Everything wrong, one finding each.
    pub problems: Vec<Problem>,
}

/// Checks the engine files in `dir` without changing them.
pub fn verify_dir(dir: &Path) -> io::Result<VerifyReport> {
    let mut problems = Vec::new();
    let mut snaps = list_snapshots(dir)?;
    snaps.sort_unstable();
    let mut snapshots = Vec::new();
    let mut base: Option<Engine> = None;
    for (seq, file) in snaps.into_iter().rev() {
        let checked = read_snapshot(&file).and_then(|e| {
            if e.last_seq() == seq {
                Ok(e)
            } else {
                Err(crate::codec::DecodeError::Invalid(
                    "snapshot sequence differs from its name",
                ))
            }
        });
        let problem = match checked {
            Ok(e) => {
                if base.is_none() {
                    base = Some(e);
                }
                None
            }
            Err(e) => {
                problems.push(Problem {
                    code: "snapshot_damaged",
                    message: format!("{}: {e}", file.display()),
                });
                Some(e.to_string())
            }
        };
        snapshots.push(SnapshotCheck {
            file,
            seq,
            ok: problem.is_none(),
            problem,
        });
    }
    snapshots.reverse();
    let mut engine = base.unwrap_or_default();
    engine.set_paranoid(false);
    let snapshot_seq = engine.last_seq();
    let files = journal_files(dir)?;
    let mut replayed = 0;
    let mut journal = Vec::new();
    let mut torn_tail = None;
    let mut corruption = None;
    match walk(&files, snapshot_seq, |env| {
        engine.apply(env);
        replayed += 1;
    }) {
        Ok(walked) => {
            if let Some(last) = walked.files.last().filter(|f| f.torn_bytes > 0) {
                torn_tail = Some(TornTail {
                    file: last.file.clone(),
                    offset: last.valid_bytes,
                    bytes: last.torn_bytes,
                });
            }
            journal = walked.files;
        }
        Err(JournalError::Corrupt(c)) => {
            problems.push(Problem {
                code: c.code(),
                message: c.to_string(),
            });
            corruption = Some(*c);
        }
        Err(e) => problems.push(Problem {
            code: e.code(),
            message: e.to_string(),
        }),
    }
    if let Err(e) = engine.verify() {
        problems.push(Problem {
            code: e.code_str(),
            message: format!("the replayed state does not check: {e}"),
        });
    }
    Ok(VerifyReport {
        ok: problems.is_empty(),
        data_dir: dir.to_path_buf(),
        snapshots,
        journal,
        snapshot_seq,
        replayed,
        last_seq: engine.last_seq(),
        state_hash: engine
            .state_hash()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        torn_tail,
        corruption,
        problems,
    })
}
