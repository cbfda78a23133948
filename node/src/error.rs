//! Errors of the node, each with a stable code.

use skyx_coins::sky::chain::BlockError;
use skyx_coins::sky::encoding::DecodeError;

/// Anything the node's store or its operations can report.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The embedded database failed (I/O, or a damaged file it detected).
    #[error("store: {0}")]
    Db(#[from] redb::Error),
    /// The store file is damaged; the message says what.
    #[error("store damaged: {0}")]
    Damaged(String),
    /// The store was written by an incompatible version.
    #[error(
        "store schema version {found} is not supported (this skyx reads {expected}); \
         `skyx node repair` rebuilds the store from its blocks"
    )]
    Schema {
        /// Version in the file.
        found: u32,
        /// Version this code reads.
        expected: u32,
    },
    /// The store belongs to another chain than the one asked for.
    #[error("store holds another chain (genesis {stored}, expected {expected})")]
    WrongChain {
        /// Genesis hash in the store.
        stored: String,
        /// Genesis hash expected.
        expected: String,
    },
    /// A block is invalid.
    #[error("block {seq}: {rule}")]
    InvalidBlock {
        /// Seq of the block.
        seq: u64,
        /// The rule it breaks.
        rule: BlockError,
    },
    /// Stored bytes do not decode.
    #[error("stored data does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// File I/O outside the store.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A chain file problem.
    #[error("{0}")]
    ChainFile(#[from] crate::chainfile::ChainFileError),
    /// A transaction the mempool refuses.
    #[error("{0}")]
    Pool(#[from] crate::mempool::PoolError),
    /// Bad input from a caller.
    #[error("{0}")]
    Invalid(String),
    /// The block journal is damaged with acknowledged blocks behind the damage.
    #[error("{0}")]
    JournalCorrupt(Box<crate::store::journal::JournalCorruption>),
}

impl NodeError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            NodeError::Db(_) => "store_error",
            NodeError::Damaged(_) => "store_damaged",
            NodeError::Schema { .. } => "store_schema",
            NodeError::WrongChain { .. } => "store_wrong_chain",
            NodeError::InvalidBlock { rule, .. } => rule.code(),
            NodeError::Decode(_) => "store_decode",
            NodeError::Io(_) => "io",
            NodeError::ChainFile(_) => "chain_file",
            NodeError::Pool(e) => e.code(),
            NodeError::Invalid(_) => "invalid_input",
            NodeError::JournalCorrupt(_) => "journal_corrupt",
        }
    }
}

macro_rules! redb_from {
    ($($t:ty),*) => {$(
        impl From<$t> for NodeError {
            fn from(e: $t) -> Self {
                NodeError::Db(e.into())
            }
        }
    )*};
}
redb_from!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);
