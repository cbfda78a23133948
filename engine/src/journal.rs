//! The command journal: checksummed records in segment files, appended by a
//! group-commit writer thread.
//!
//! # Files
//! Records live in segments named `journal-{base:020}.log`, `base` being the
//! sequence number of the segment's first record, each starting with a
//! header that carries a magic, the format version and `base`
//! ([`segment`]). A new segment starts after each snapshot; once a newer
//! snapshot is durable, the segments that only hold records the older kept
//! snapshot already covers are removed ([`segment::prune_segments`]), so
//! disk use stays bounded. The single headerless `journal.log` of format 1
//! is converted into a segment on recovery.
//!
//! # Records
//! `u32 len ‖ u32 crc32c(payload) ‖ payload`, the payload an encoded
//! [`Envelope`](crate::Envelope) carrying its sequence number
//! ([`frame`]); sequence numbers follow each other without gaps across
//! segments.
//!
//! # A torn tail is not corruption
//! A crash mid-write leaves a prefix of the write: the last record may be
//! cut off, and nothing valid follows it. Such a tail was never
//! acknowledged and is cut off on recovery. A bad record with a valid record
//! behind it (in its file, or in a later segment) is [`Corruption`]:
//! acknowledged records lie behind it, so nothing is cut off and recovery
//! refuses, naming the file, the byte offset and the sequence numbers around
//! the damage ([`reader`], [`walk`]).

pub mod error;
pub mod frame;
pub mod reader;
pub mod segment;
pub mod walk;
pub mod writer;

pub use error::{Corruption, JournalError};
pub use frame::{frame, MAX_RECORD};
pub use reader::{FileKind, SegmentReader, Tail};
pub use segment::{list_segments, sync_dir, Segment, LEGACY_FILE};
pub use walk::{files_after, journal_files, walk, FileSummary, JournalFile, Walked};
pub use writer::{AckFn, AppendTo, Commit, DurableWaiter, JournalWriter};

use std::fs::OpenOptions;
use std::io;
use std::path::Path;

/// Cuts a journal file back to `len` bytes and fsyncs it.
pub fn truncate(path: &Path, len: u64) -> io::Result<()> {
    let f = OpenOptions::new().write(true).open(path)?;
    f.set_len(len)?;
    f.sync_all()
}
