//! Recovery: the newest valid snapshot plus a streamed replay of the journal
//! segments after it.
//!
//! Before reading, leftovers of interrupted writes are removed and a
//! format-1 `journal.log` is converted into a segment. A torn last record is
//! cut off (it was never acknowledged); damage with acknowledged records
//! behind it stops recovery with [`RecoveryError::Journal`] and changes
//! nothing.

use crate::engine::Engine;
use crate::journal::frame::frame;
use crate::journal::segment::{self, encode_header, segment_name, LEGACY_FILE};
use crate::journal::{
    self, files_after, journal_files, walk, AppendTo, FileKind, JournalError, SegmentReader,
};
use crate::snapshot;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// What recovery found.
#[derive(Debug)]
pub struct Recovered {
    /// The rebuilt engine.
    pub engine: Engine,
    /// Sequence number of the snapshot used (0 if none).
    pub snapshot_seq: u64,
    /// Journal records applied on top of the snapshot.
    pub replayed: u64,
    /// Bytes of torn tail cut off the last segment.
    pub torn_bytes: u64,
    /// Damaged snapshots set aside (renamed to `*.damaged`).
    pub damaged_snapshots: Vec<PathBuf>,
    /// Whether a format-1 journal was converted into a segment.
    pub migrated: bool,
    /// Where new records go.
    pub append_to: AppendTo,
}

/// Why recovery failed.
#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    /// Reading or writing the data directory failed.
    #[error("i/o: {0}")]
    Io(#[from] io::Error),
    /// The journal cannot be read, or acknowledged records lie behind damage.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

impl RecoveryError {
    /// A stable code for logs and APIs.
    pub fn code(&self) -> &'static str {
        match self {
            RecoveryError::Io(_) => "recovery_io",
            RecoveryError::Journal(e) => e.code(),
        }
    }
}

/// Rebuilds the engine from `dir`: newest valid snapshot, then every later journal record.
pub fn recover(dir: &Path) -> Result<Recovered, RecoveryError> {
    fs::create_dir_all(dir)?;
    segment::remove_temporaries(dir)?;
    snapshot::remove_temporaries(dir)?;
    let migrated = migrate_legacy(dir)?;
    let loaded = snapshot::load_latest(dir)?;
    let mut damaged_snapshots = Vec::new();
    for (path, _) in &loaded.damaged {
        damaged_snapshots.push(snapshot::set_aside(path)?);
    }
    let mut engine = loaded.engine.unwrap_or_default();
    let paranoid = cfg!(debug_assertions);
    engine.set_paranoid(false);
    let snapshot_seq = engine.last_seq();
    let files = journal_files(dir)?;
    let needed = files_after(&files, snapshot_seq);
    let mut replayed = 0;
    let walked = walk(needed, snapshot_seq, |env| {
        engine.apply(env);
        replayed += 1;
    })?;
    engine.set_paranoid(paranoid);
    let mut torn_bytes = 0;
    if let Some(last) = walked.files.last() {
        if last.torn_bytes > 0 {
            journal::truncate(&last.file, last.valid_bytes)?;
            torn_bytes = last.torn_bytes;
        }
    }
    let next = engine.last_seq() + 1;
    let append_to = match walked.files.last() {
        Some(last) if walked.next_seq == Some(next) => AppendTo::Segment(last.file.clone()),
        _ => AppendTo::NewSegment(next),
    };
    Ok(Recovered {
        engine,
        snapshot_seq,
        replayed,
        torn_bytes,
        damaged_snapshots,
        migrated,
        append_to,
    })
}

/// Converts a format-1 `journal.log` (records without a file header) into
/// the segment starting at its first record, then removes it. Running it
/// again after a crash gives the same segment.
pub fn migrate_legacy(dir: &Path) -> Result<bool, RecoveryError> {
    let legacy = dir.join(LEGACY_FILE);
    if !legacy.exists() {
        return Ok(false);
    }
    let tmp = dir.join("journal-migrate.tmp");
    let out = match copy_legacy(&legacy, &tmp) {
        Ok(out) => out,
        Err(e) => {
            // Damage found part way: leave the directory as it was.
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
    };
    if let Some((base, w)) = out {
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, dir.join(segment_name(base)))?;
        segment::sync_dir(dir)?;
    }
    fs::remove_file(&legacy)?;
    segment::sync_dir(dir)?;
    Ok(true)
}

/// Writes the records of a format-1 file into `tmp` after a segment header;
/// returns the first sequence number and the unsynced writer (none when the
/// file holds no whole record).
fn copy_legacy(legacy: &Path, tmp: &Path) -> Result<Option<(u64, BufWriter<File>)>, RecoveryError> {
    let mut r = SegmentReader::open(legacy, FileKind::Legacy)?;
    let mut out: Option<(u64, BufWriter<File>)> = None;
    let mut rec = Vec::with_capacity(64);
    while let Some(env) = r.next_record()? {
        if out.is_none() {
            let mut w = BufWriter::new(File::create(tmp)?);
            w.write_all(&encode_header(env.seq))?;
            out = Some((env.seq, w));
        }
        if let Some((_, w)) = out.as_mut() {
            rec.clear();
            frame(&env, &mut rec);
            w.write_all(&rec)?;
        }
    }
    Ok(out)
}
