//! Errors of the Bitcoin-family adapter, each with a stable code.

use thiserror::Error;

/// Anything the adapter can report.
#[derive(Debug, Error)]
pub enum BtcError {
    /// The daemon could not be reached (connection refused, timeout) for longer than allowed.
    #[error("daemon unreachable since {since}: {reason}")]
    Unreachable {
        /// When the daemon was first found unreachable (RFC 3339, UTC).
        since: String,
        /// The last transport error.
        reason: String,
    },
    /// The daemon answered with an RPC error.
    #[error("daemon error {code} in {method}: {message}")]
    Rpc {
        /// The method called.
        method: String,
        /// The daemon's error code.
        code: i64,
        /// The daemon's error message.
        message: String,
    },
    /// The daemon refused the credentials.
    #[error("daemon refused the RPC credentials (HTTP 401)")]
    Auth,
    /// The daemon's answer is not what the protocol says.
    #[error("bad answer from the daemon to {method}: {reason}")]
    BadResponse {
        /// The method called.
        method: String,
        /// What is wrong.
        reason: String,
    },
    /// A block or transaction from the daemon does not parse.
    #[error("block {height}: {reason}")]
    BadBlock {
        /// Its height.
        height: u64,
        /// What is wrong.
        reason: String,
    },
    /// A reorganisation deeper than the block hashes the adapter keeps.
    #[error(
        "reorganisation deeper than the {kept} recent blocks kept (fork below height {height})"
    )]
    ReorgTooDeep {
        /// How many block hashes are kept.
        kept: u64,
        /// The lowest height checked.
        height: u64,
    },
    /// The adapter's store failed.
    #[error("store: {0}")]
    Store(String),
    /// The store belongs to another coin or network.
    #[error("store holds {stored}, not {expected}")]
    WrongChain {
        /// What the store holds.
        stored: String,
        /// What was asked for.
        expected: String,
    },
    /// A decimal amount does not parse.
    #[error("invalid amount {0:?}: use a decimal number with at most 8 decimals")]
    Amount(String),
    /// An address does not parse for the coin and network.
    #[error("invalid address {address:?}: {reason}")]
    Address {
        /// The address as given.
        address: String,
        /// Why.
        reason: String,
    },
    /// Not enough spendable outputs for a payment.
    #[error("insufficient funds: {available} sat spendable, {needed} sat needed")]
    InsufficientFunds {
        /// Spendable total.
        available: u64,
        /// Needed total (amount and fee).
        needed: u64,
    },
    /// An input is already being spent by another unsettled own payment.
    #[error(
        "output {outpoint} is already being spent by payment {txid}, which is not settled yet"
    )]
    InputsReserved {
        /// The output.
        outpoint: String,
        /// The payment spending it.
        txid: String,
    },
    /// A payment is in the outbox but the daemon does not hold it.
    #[error("payment {txid} is {}, not accepted by the daemon{}", status.as_str(), if reason.is_empty() { String::new() } else { format!(": {reason}") })]
    NotSent {
        /// Its txid.
        txid: String,
        /// Where it stands.
        status: super::records::PaymentStatus,
        /// The daemon's last answer or the transport failure.
        reason: String,
    },
    /// Building or signing the payment failed.
    #[error("payment: {0}")]
    Payment(String),
    /// Key derivation failed.
    #[error("keys: {0}")]
    Keys(String),
    /// A ZMQ endpoint misbehaved.
    #[error("zmq: {0}")]
    Zmq(String),
    /// Bad input from a caller.
    #[error("{0}")]
    Invalid(String),
}

impl BtcError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            BtcError::Unreachable { .. } => "daemon_unreachable",
            BtcError::Rpc { .. } => "daemon_rpc_error",
            BtcError::Auth => "daemon_auth",
            BtcError::BadResponse { .. } => "daemon_bad_response",
            BtcError::BadBlock { .. } => "bad_block",
            BtcError::ReorgTooDeep { .. } => "reorg_too_deep",
            BtcError::Store(_) => "store_error",
            BtcError::WrongChain { .. } => "store_wrong_chain",
            BtcError::Amount(_) => "invalid_amount",
            BtcError::Address { .. } => "invalid_address",
            BtcError::InsufficientFunds { .. } => "insufficient_funds",
            BtcError::InputsReserved { .. } => "inputs_reserved",
            BtcError::NotSent { status, .. } => match status {
                super::records::PaymentStatus::Rejected => "payment_rejected",
                super::records::PaymentStatus::Replaced
                | super::records::PaymentStatus::DoubleSpent => "payment_conflicted",
                _ => "broadcast_pending",
            },
            BtcError::Payment(_) => "payment_failed",
            BtcError::Keys(_) => "key_derivation",
            BtcError::Zmq(_) => "zmq",
            BtcError::Invalid(_) => "invalid_input",
        }
    }

    /// Whether the error means the daemon could not be reached.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, BtcError::Unreachable { .. })
    }
}

macro_rules! store_from {
    ($($t:ty),*) => {$(
        impl From<$t> for BtcError {
            fn from(e: $t) -> Self {
                BtcError::Store(e.to_string())
            }
        }
    )*};
}
store_from!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::SetDurabilityError,
    std::io::Error
);
