//! Errors of the BoltDB reader and of the Skycoin layer on top of it.
//!
//! Every way a damaged or foreign file can fail has its own variant, naming
//! the page, bucket or block concerned, and a stable machine-readable
//! [`BoltError::code`].

use std::io;

/// Why a meta page was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaFault {
    /// The page could not be read (the file is too short).
    Missing,
    /// The magic number is not BoltDB's.
    BadMagic(u32),
    /// The format version is not 2.
    BadVersion(u32),
    /// The page size is not a power of two in the accepted range.
    BadPageSize(u32),
    /// The FNV-1a checksum over the meta fields does not match.
    BadChecksum,
}

impl std::fmt::Display for MetaFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MetaFault::Missing => write!(f, "missing"),
            MetaFault::BadMagic(m) => write!(f, "bad magic {m:#010x}"),
            MetaFault::BadVersion(v) => write!(f, "unsupported version {v}"),
            MetaFault::BadPageSize(s) => write!(f, "bad page size {s}"),
            MetaFault::BadChecksum => write!(f, "bad checksum"),
        }
    }
}

/// An error reading a BoltDB file or the Skycoin data inside it.
#[derive(Debug, thiserror::Error)]
pub enum BoltError {
    /// The operating system failed to open or read the file.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done ("open", "read").
        action: &'static str,
        /// The file.
        path: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Neither meta page carries the BoltDB magic: not a BoltDB file.
    #[error("not a BoltDB file: bad magic in both meta pages (first: {first}, second: {second})")]
    BadMagic {
        /// Fault of meta page 0.
        first: MetaFault,
        /// Fault of meta page 1.
        second: MetaFault,
    },
    /// Neither meta page is valid (wrong version, page size or checksum).
    #[error("no valid meta page (first: {first}, second: {second})")]
    BadMeta {
        /// Fault of meta page 0.
        first: MetaFault,
        /// Fault of meta page 1.
        second: MetaFault,
    },
    /// A page id at or beyond the database's high-water mark.
    #[error("page {pgid} out of range (the database has {limit} pages)")]
    PageOutOfRange {
        /// The page referenced.
        pgid: u64,
        /// The meta page's high-water mark.
        limit: u64,
    },
    /// A page (with its overflow) reaches past the end of the file.
    #[error("page {pgid} (with {overflow} overflow pages) lies past the end of the file ({file_len} bytes)")]
    Truncated {
        /// The page referenced.
        pgid: u64,
        /// Its overflow count.
        overflow: u32,
        /// Length of the file.
        file_len: u64,
    },
    /// A page larger than the reader accepts.
    #[error("page {pgid} spans {bytes} bytes, more than the {limit} accepted")]
    PageTooLarge {
        /// The page referenced.
        pgid: u64,
        /// Its size with overflow.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// The id written in a page header differs from its position.
    #[error("page {pgid} carries the id {found}")]
    PageIdMismatch {
        /// The page referenced.
        pgid: u64,
        /// The id in its header.
        found: u64,
    },
    /// A page of the wrong type where a branch or leaf page was expected.
    #[error("page {pgid} has flags {flags:#06x}, expected a {expected} page")]
    BadPageType {
        /// The page referenced (0 for an inline page).
        pgid: u64,
        /// Its flags.
        flags: u16,
        /// What was expected.
        expected: &'static str,
    },
    /// An element of a page is malformed or points outside the page.
    #[error("page {pgid}, element {index}: {reason}")]
    BadElement {
        /// The page (0 for an inline page).
        pgid: u64,
        /// The element index.
        index: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// Keys of a bucket are not in strictly increasing order.
    #[error("keys out of order in page {pgid}")]
    KeysOutOfOrder {
        /// The page where the disorder was seen.
        pgid: u64,
    },
    /// The tree is deeper than any real database (a reference cycle).
    #[error("page tree deeper than {limit} levels at page {pgid}: reference cycle")]
    TooDeep {
        /// The page reached at the limit.
        pgid: u64,
        /// The depth limit.
        limit: usize,
    },
    /// A page reached twice in one walk of a bucket (a cycle or shared page).
    #[error("page {pgid} referenced twice in one bucket")]
    PageRevisited {
        /// The page.
        pgid: u64,
    },
    /// A nested bucket's header or inline page is malformed.
    #[error("bucket {name}: {reason}")]
    BadBucket {
        /// The bucket name, lossily as text.
        name: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A bucket the Skycoin database must have is absent.
    #[error("missing bucket {0}")]
    MissingBucket(&'static str),
    /// A stored value does not decode as the Skycoin type it should hold.
    #[error("bucket {bucket}, key {key}: {reason}")]
    BadValue {
        /// The bucket.
        bucket: &'static str,
        /// The key, as hex.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// A block of the main chain is missing from one of the block buckets.
    #[error("block {seq}: missing in bucket {bucket}")]
    MissingBlock {
        /// Height of the block.
        seq: u64,
        /// The bucket it is missing from.
        bucket: &'static str,
    },
    /// A stored block contradicts its key, its height or its parent.
    #[error("block {seq}: {reason}")]
    BlockMismatch {
        /// Height the block was read for.
        seq: u64,
        /// What does not match.
        reason: &'static str,
    },
}

impl BoltError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            BoltError::Io { .. } => "bolt_io",
            BoltError::BadMagic { .. } => "bolt_bad_magic",
            BoltError::BadMeta { .. } => "bolt_bad_meta",
            BoltError::PageOutOfRange { .. } => "bolt_page_out_of_range",
            BoltError::Truncated { .. } => "bolt_truncated",
            BoltError::PageTooLarge { .. } => "bolt_page_too_large",
            BoltError::PageIdMismatch { .. } => "bolt_page_id_mismatch",
            BoltError::BadPageType { .. } => "bolt_bad_page_type",
            BoltError::BadElement { .. } => "bolt_bad_element",
            BoltError::KeysOutOfOrder { .. } => "bolt_keys_out_of_order",
            BoltError::TooDeep { .. } => "bolt_too_deep",
            BoltError::PageRevisited { .. } => "bolt_page_revisited",
            BoltError::BadBucket { .. } => "bolt_bad_bucket",
            BoltError::MissingBucket(_) => "skycoin_missing_bucket",
            BoltError::BadValue { .. } => "skycoin_bad_value",
            BoltError::MissingBlock { .. } => "skycoin_missing_block",
            BoltError::BlockMismatch { .. } => "skycoin_block_mismatch",
        }
    }
}
