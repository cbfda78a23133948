//! What reading a journal can report: I/O failures and corruption.

use serde::Serialize;
use std::io;
use std::path::PathBuf;

/// Damage with acknowledged records behind it (not a torn tail): the
/// records between `last_good_seq` and `first_seq_after` are unreadable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Corruption {
    /// The damaged file.
    pub file: PathBuf,
    /// Byte offset of the damage in it.
    pub offset: u64,
    /// What is wrong there.
    pub reason: String,
    /// Sequence number of the last good record before the damage.
    pub last_good_seq: Option<u64>,
    /// Sequence number of the first valid record found after it.
    pub first_seq_after: Option<u64>,
    /// The file holding that record.
    pub found_in: PathBuf,
    /// Its byte offset there.
    pub found_at: u64,
}

impl std::fmt::Display for Corruption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "journal damaged: {} at byte {}: {}; ",
            self.file.display(),
            self.offset,
            self.reason
        )?;
        match self.last_good_seq {
            Some(s) => write!(f, "last good record seq {s}")?,
            None => write!(f, "no good record before it")?,
        }
        match self.first_seq_after {
            Some(s) => write!(
                f,
                ", next valid record seq {s} ({} byte {})",
                self.found_in.display(),
                self.found_at
            )?,
            None => write!(f, ", the records it held are unreadable")?,
        }
        write!(f, "; nothing was cut off")
    }
}

impl std::error::Error for Corruption {}

impl Corruption {
    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        "journal_corrupt"
    }
}

/// Why a journal could not be read.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure.
        source: io::Error,
    },
    /// Acknowledged records lie behind damage.
    #[error(transparent)]
    Corrupt(Box<Corruption>),
}

impl JournalError {
    /// A stable code for logs and APIs.
    pub fn code(&self) -> &'static str {
        match self {
            JournalError::Io { .. } => "journal_io",
            JournalError::Corrupt(c) => c.code(),
        }
    }

    /// An I/O failure on `path`.
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> JournalError {
        JournalError::Io {
            path: path.into(),
            source,
        }
    }
}

impl From<Corruption> for JournalError {
    fn from(c: Corruption) -> Self {
        JournalError::Corrupt(Box::new(c))
    }
}
