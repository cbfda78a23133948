//! Reading the journal files of a data directory in order, one record at a
//! time, and checking that each file takes over where the previous one ended.

use super::error::{Corruption, JournalError};
use super::reader::{FileKind, SegmentReader, Tail};
use super::segment::{list_segments, LEGACY_FILE, SEGMENT_HEADER};
use crate::command::Envelope;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One journal file to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalFile {
    /// Its path.
    pub path: PathBuf,
    /// Its kind (and, for a segment, its first sequence number).
    pub kind: FileKind,
}

/// What was found in one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileSummary {
    /// The file.
    pub file: PathBuf,
    /// `segment` or `legacy` (format 1).
    pub format: &'static str,
    /// First sequence number it is meant to hold (segments).
    pub base_seq: Option<u64>,
    /// Records read.
    pub records: u64,
    /// Sequence number of its last good record.
    pub last_seq: Option<u64>,
    /// Length of the file.
    pub bytes: u64,
    /// Length up to the end of its last good record.
    pub valid_bytes: u64,
    /// The torn tail after it, if any (cut off on recovery).
    pub torn_bytes: u64,
}

/// The outcome of a walk that found no corruption.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Walked {
    /// Each file read, in order.
    pub files: Vec<FileSummary>,
    /// Sequence number of the last record read.
    pub last_seq: Option<u64>,
    /// The sequence number the next record appended must carry, if known.
    pub next_seq: Option<u64>,
}

/// The journal files of `dir`: the legacy file first if there is one, then
/// the segments by first sequence number.
pub fn journal_files(dir: &Path) -> std::io::Result<Vec<JournalFile>> {
    let mut files = Vec::new();
    let legacy = dir.join(LEGACY_FILE);
    if legacy.exists() {
        files.push(JournalFile {
            path: legacy,
            kind: FileKind::Legacy,
        });
    }
    for s in list_segments(dir)? {
        files.push(JournalFile {
            path: s.path,
            kind: FileKind::Segment(s.base),
        });
    }
    Ok(files)
}

/// The files needed to replay every record after `after`: from the last
/// segment starting at or before `after + 1` (from the first when none does).
pub fn files_after(files: &[JournalFile], after: u64) -> &[JournalFile] {
    let start = files
        .iter()
        .rposition(|f| match f.kind {
            FileKind::Segment(base) => base <= after.saturating_add(1),
            FileKind::Legacy => true,
        })
        .unwrap_or(0);
    &files[start..]
}

/// Reads `files` in order and calls `apply` for every record after `after`.
///
/// Fails with [`Corruption`] when records are missing after `after` (the
/// first file starts later than `after + 1`), when a file does not start
/// where the previous one ended, or when a bad record has valid records
/// behind it (in its file, or because a later file exists). A torn tail of
/// the last file is reported in its [`FileSummary`], not cut off.
pub fn walk(
    files: &[JournalFile],
    after: u64,
    mut apply: impl FnMut(&Envelope),
) -> Result<Walked, JournalError> {
    let mut out = Walked::default();
    let mut prev: Option<(PathBuf, u64)> = None;
    let mut wanted = after.saturating_add(1);
    if let Some(JournalFile {
        path,
        kind: FileKind::Segment(base),
    }) = files.first()
    {
        if *base > after.saturating_add(1) {
            return Err(Corruption {
                file: path.clone(),
                offset: SEGMENT_HEADER as u64,
                reason: format!(
                    "the journal starts at seq {base}; records {} to {} are missing",
                    after + 1,
                    base - 1
                ),
                last_good_seq: Some(after),
                first_seq_after: Some(*base),
                found_in: path.clone(),
                found_at: SEGMENT_HEADER as u64,
            }
            .into());
        }
    }
    for (i, f) in files.iter().enumerate() {
        if let (Some((prev_path, prev_end)), FileKind::Segment(base)) = (&prev, f.kind) {
            if Some(base) != out.next_seq {
                return Err(Corruption {
                    file: prev_path.clone(),
                    offset: *prev_end,
                    reason: format!(
                        "the next segment starts at seq {base}, this one ends {}",
                        match out.last_seq {
                            Some(s) => format!("at seq {s}"),
                            None => "before its first record".into(),
                        }
                    ),
                    last_good_seq: out.last_seq,
                    first_seq_after: Some(base),
                    found_in: f.path.clone(),
                    found_at: SEGMENT_HEADER as u64,
                }
                .into());
            }
        }
        let mut r = SegmentReader::open(&f.path, f.kind)?;
        loop {
            let at = r.valid_len();
            let Some(env) = r.next_record()? else { break };
            if env.seq <= after {
                continue;
            }
            if env.seq != wanted {
                // Only the first record applied can be out of line: the
                // reader checks the others follow each other.
                return Err(Corruption {
                    file: f.path.clone(),
                    offset: at,
                    reason: format!(
                        "the journal continues at seq {} where {wanted} was expected",
                        env.seq
                    ),
                    last_good_seq: Some(wanted - 1),
                    first_seq_after: Some(env.seq),
                    found_in: f.path.clone(),
                    found_at: at,
                }
                .into());
            }
            wanted += 1;
            apply(&env);
        }
        let torn_bytes = match r.tail() {
            Some(Tail::Torn { offset, reason, .. }) => {
                if let Some(next) = files.get(i + 1) {
                    // A segment with a successor was synced whole before it.
                    let base = match next.kind {
                        FileKind::Segment(b) => Some(b),
                        FileKind::Legacy => None,
                    };
                    return Err(Corruption {
                        file: f.path.clone(),
                        offset: *offset,
                        reason: format!("{reason}, in a segment that a later segment follows"),
                        last_good_seq: r.last_seq().or(out.last_seq),
                        first_seq_after: base,
                        found_in: next.path.clone(),
                        found_at: SEGMENT_HEADER as u64,
                    }
                    .into());
                }
                r.file_len() - r.valid_len()
            }
            _ => 0,
        };
        if r.last_seq().is_some() {
            out.last_seq = r.last_seq();
        }
        out.next_seq = match (r.last_seq(), r.base()) {
            (Some(l), _) => l.checked_add(1),
            (None, Some(b)) => Some(b),
            (None, None) => out.next_seq,
        };
        out.files.push(FileSummary {
            file: f.path.clone(),
            format: match f.kind {
                FileKind::Segment(_) => "segment",
                FileKind::Legacy => "legacy",
            },
            base_seq: r.base(),
            records: r.records(),
            last_seq: r.last_seq(),
            bytes: r.file_len(),
            valid_bytes: r.valid_len(),
            torn_bytes,
        });
        prev = Some((f.path.clone(), r.valid_len()));
    }
    Ok(out)
}
