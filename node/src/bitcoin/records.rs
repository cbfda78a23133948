//! Records kept in the adapter's store and the byte layout of its keys.

use bitcoin::hashes::Hash;
use bitcoin::{OutPoint, Txid};
use serde::{Deserialize, Serialize};

/// Where a deposit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DepositStatus {
    /// Seen in the mempool, not in a block.
    Mempool,
    /// In a block of the best chain.
    Confirmed,
    /// Its block left the best chain and it is not back yet.
    Reorged,
    /// A conflicting transaction took its inputs.
    DoubleSpent,
}

/// An output paying a watched address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputRecord {
    /// The watched address.
    pub address: String,
    /// Value in satoshis.
    pub value: u64,
    /// Whether it is a coinbase output.
    pub coinbase: bool,
    /// Height of its block, when confirmed.
    pub height: Option<u64>,
    /// Where it stands.
    pub status: DepositStatus,
    /// The confirmed transaction spending it.
    pub spent_by: Option<String>,
    /// The height of that transaction.
    pub spent_height: Option<u64>,
    /// A mempool transaction spending it.
    pub pending_spent_by: Option<String>,
}

/// A transaction in the mempool that matters to the adapter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingTx {
    /// Its inputs (`txid:vout`).
    pub inputs: Vec<String>,
    /// Its outputs paying watched addresses (`txid:vout`).
    pub deposits: Vec<String>,
    /// Whether it is an own payment.
    pub payment: bool,
}

/// Where an own payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Written to the outbox; the daemon has not acknowledged it yet (a
    /// broadcast is pending, was cut short, or its outcome is unknown).
    Recorded,
    /// Accepted by the daemon, not mined yet.
    Broadcast,
    /// Mined in the best chain.
    Confirmed,
    /// Replaced in the mempool by another transaction.
    Replaced,
    /// A conflicting transaction was mined.
    DoubleSpent,
    /// Refused by the daemon before it ever accepted it; its inputs are free again.
    Rejected,
}

impl PaymentStatus {
    /// Whether the transaction may still need broadcasting (recorded or in the mempool).
    pub fn is_unsettled(self) -> bool {
        matches!(self, PaymentStatus::Recorded | PaymentStatus::Broadcast)
    }

    /// The status as written in JSON (`recorded`, `broadcast`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Recorded => "recorded",
            PaymentStatus::Broadcast => "broadcast",
            PaymentStatus::Confirmed => "confirmed",
            PaymentStatus::Replaced => "replaced",
            PaymentStatus::DoubleSpent => "double_spent",
            PaymentStatus::Rejected => "rejected",
        }
    }
}

/// An outgoing transaction in the outbox: written durably before its first
/// broadcast, then followed until it is mined, conflicted or refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRecord {
    /// The signed transaction (hex).
    pub raw: String,
    /// Where it stands.
    pub status: PaymentStatus,
    /// Height of its block, when confirmed.
    pub height: Option<u64>,
    /// The recipient, as described by the submitter.
    #[serde(default)]
    pub to: Option<String>,
    /// The amount paid to the recipient, in satoshis, as described by the submitter.
    #[serde(default)]
    pub amount: Option<u64>,
    /// The fee, in satoshis, as described by the submitter.
    #[serde(default)]
    pub fee: Option<u64>,
    /// The conflicting transaction, when replaced or double-spent.
    pub by_txid: Option<String>,
    /// The caller's reference (idempotency key), if one was given.
    #[serde(default)]
    pub reference: Option<String>,
    /// Broadcast attempts made so far.
    #[serde(default)]
    pub attempts: u32,
    /// When it was recorded (Unix seconds).
    #[serde(default)]
    pub recorded_at: u64,
    /// When it was last sent to the daemon (Unix seconds).
    #[serde(default)]
    pub last_attempt_at: Option<u64>,
    /// The daemon's last refusal or the last transport failure, if any.
    #[serde(default)]
    pub last_error: Option<String>,
}

impl PaymentRecord {
    /// A new outbox record for the signed transaction `raw` (hex), not yet broadcast.
    pub fn recorded(raw: String, reference: Option<String>, now: u64) -> PaymentRecord {
        PaymentRecord {
            raw,
            status: PaymentStatus::Recorded,
            height: None,
            to: None,
            amount: None,
            fee: None,
            by_txid: None,
            reference,
            attempts: 0,
            recorded_at: now,
            last_attempt_at: None,
            last_error: None,
        }
    }
}

/// Everything a block changed, so it can be undone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Undo {
    /// Output records before the block touched them (`None`: absent).
    pub records: Vec<(String, Option<OutputRecord>)>,
    /// Outputs the block confirmed.
    pub confirmed: Vec<String>,
    /// Payment records before the block touched them.
    pub payments: Vec<(String, PaymentRecord)>,
    /// Waiting transactions the block resolved.
    pub pending_removed: Vec<(String, PendingTx)>,
}

/// `txid ‖ vout (BE)`: the key of an output.
pub fn outpoint_key(o: &OutPoint) -> [u8; 36] {
    let mut k = [0u8; 36];
    k[..32].copy_from_slice(&o.txid.to_byte_array());
    k[32..].copy_from_slice(&o.vout.to_be_bytes());
    k
}

/// The output of a key made by [`outpoint_key`].
pub fn key_outpoint(k: &[u8; 36]) -> OutPoint {
    let mut txid = [0u8; 32];
    txid.copy_from_slice(&k[..32]);
    let mut vout = [0u8; 4];
    vout.copy_from_slice(&k[32..]);
    OutPoint::new(Txid::from_byte_array(txid), u32::from_be_bytes(vout))
}

/// `height (BE) ‖ outpoint key`: the key of a deposit by height.
pub fn height_key(height: u64, o: &[u8; 36]) -> [u8; 44] {
    let mut k = [0u8; 44];
    k[..8].copy_from_slice(&height.to_be_bytes());
    k[8..].copy_from_slice(o);
    k
}

/// Parses `txid:vout`.
pub fn parse_outpoint(s: &str) -> Option<OutPoint> {
    let (txid, vout) = s.split_once(':')?;
    Some(OutPoint::new(txid.parse().ok()?, vout.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        let o = OutPoint::new(Txid::from_byte_array([5; 32]), 258);
        assert_eq!(key_outpoint(&outpoint_key(&o)), o);
        assert_eq!(parse_outpoint(&o.to_string()), Some(o));
        assert_eq!(parse_outpoint("zz:1"), None);
        let k = height_key(7, &outpoint_key(&o));
        assert_eq!(&k[..8], &7u64.to_be_bytes());
    }
}
