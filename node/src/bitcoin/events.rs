//! Events the adapter emits about deposits and own payments, stored with a
//! sequence number in the same write as the change they describe.

use serde::{Deserialize, Serialize};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A deposit was seen in the mempool.
    DepositSeen,
    /// A deposit is in a block and has reached `confirmations`.
    DepositConfirmed,
    /// The block holding a deposit left the best chain.
    DepositReorged,
    /// A deposit's transaction lost to a conflicting transaction.
    DepositDoubleSpent,
    /// An own payment was broadcast.
    PaymentBroadcast,
    /// An own payment was mined.
    PaymentConfirmed,
    /// The block holding an own payment left the best chain.
    PaymentReorged,
    /// An own payment was replaced in the mempool by another transaction.
    PaymentReplaced,
    /// An own payment lost to a conflicting transaction in a block.
    PaymentDoubleSpent,
    /// The daemon refused an own payment it had never accepted; its inputs are free again.
    PaymentRejected,
    /// Blocks were applied up to `height` (`block_hash`); `txid` is empty.
    NewTip,
}

/// One event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the event log (assigned when stored).
    #[serde(default)]
    pub seq: u64,
    /// What happened.
    #[serde(rename = "type")]
    pub kind: EventKind,
    /// The transaction concerned.
    pub txid: String,
    /// The output index, for deposits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vout: Option<u32>,
    /// The watched address, for deposits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The amount as a decimal string, for deposits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    /// The block height concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u64>,
    /// Confirmations reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmations: Option<u64>,
    /// The conflicting transaction, for double spends and replacements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_txid: Option<String>,
    /// The daemon's answer, for refused payments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The block, for a new tip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_hash: Option<String>,
}

impl Event {
    /// An event about a transaction with no other details yet.
    pub fn new(kind: EventKind, txid: impl ToString) -> Event {
        Event {
            seq: 0,
            kind,
            txid: txid.to_string(),
            vout: None,
            address: None,
            amount: None,
            height: None,
            confirmations: None,
            by_txid: None,
            reason: None,
            block_hash: None,
        }
    }
}
