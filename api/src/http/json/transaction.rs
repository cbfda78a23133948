//! Transactions: `readable.Transaction`, its verbose form with the inputs'
//! owners and hours, statuses, pool entries and the `CreatedTransaction` of
//! the v2 endpoints.

use serde::Serialize;
use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::transaction::{Transaction as Txn, TransactionOutput};
use skyx_coins::sky::uxout::UxOut;
use utoipa::ToSchema;

use super::time::rfc3339_nano;
use crate::http::droplet;

fn is_zero(v: &u64) -> bool {
    *v == 0
}

/// An output of a transaction.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Output {
    /// Id of the unspent output it creates.
    pub uxid: String,
    /// Receiver.
    pub dst: String,
    /// Coins, decimal with six places.
    #[schema(example = "1000.000000")]
    pub coins: String,
    /// Coin hours.
    pub hours: u64,
}

impl Output {
    /// The shape of output `o` of transaction `txid`.
    pub fn new(o: &TransactionOutput, txid: &Sha256) -> Output {
        Output {
            uxid: o.uxid(txid).to_hex(),
            dst: o.address.to_string(),
            coins: droplet::to_string(o.coins),
            hours: o.hours,
        }
    }
}

/// A transaction.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Transaction {
    /// Time of its block (or of its arrival when unconfirmed); absent in blocks.
    #[serde(skip_serializing_if = "is_zero")]
    pub timestamp: u64,
    /// Serialized size from its length prefix.
    pub length: u32,
    /// Always 0.
    #[serde(rename = "type")]
    pub tx_type: u8,
    /// Transaction id.
    pub txid: String,
    /// Hash of inputs and outputs.
    pub inner_hash: String,
    /// Signatures (hex).
    pub sigs: Vec<String>,
    /// Ids of the spent outputs.
    pub inputs: Vec<String>,
    /// Created outputs.
    pub outputs: Vec<Output>,
}

impl Transaction {
    /// The shape of `t`, with a timestamp when given.
    pub fn new(t: &Txn, timestamp: Option<u64>) -> Transaction {
        let txid = t.hash();
        // Only the genesis transaction has no inputs; its output ids use a
        // zero source transaction (`CreateUnspents`).
        let src = if t.inputs.is_empty() {
            Sha256::ZERO
        } else {
            txid
        };
        Transaction {
            timestamp: timestamp.unwrap_or(0),
            length: t.length,
            tx_type: t.tx_type,
            txid: txid.to_hex(),
            inner_hash: t.inner_hash.to_hex(),
            sigs: t.sigs.iter().map(|s| s.to_hex()).collect(),
            inputs: t.inputs.iter().map(Sha256::to_hex).collect(),
            outputs: t.outputs.iter().map(|o| Output::new(o, &src)).collect(),
        }
    }
}

/// A spent output as a verbose input.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Input {
    /// Output id.
    pub uxid: String,
    /// Its owner.
    pub owner: String,
    /// Coins, decimal.
    pub coins: String,
    /// The transaction that created it.
    pub src_txid: String,
    /// Hours when created.
    pub hours: u64,
    /// Hours at the time the spend is judged (previous block or head).
    pub calculated_hours: u64,
}

impl Input {
    /// The shape of a spent output with its hours at time `t`.
    pub fn new(ux: &UxOut, t: u64) -> Input {
        Input {
            uxid: ux.hash().to_hex(),
            owner: ux.body.address.to_string(),
            coins: droplet::to_string(ux.body.coins),
            src_txid: ux.body.src_transaction.to_hex(),
            hours: ux.body.hours,
            calculated_hours: ux.coin_hours(t).unwrap_or(0),
        }
    }
}

/// A transaction with its inputs resolved and its fee.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TransactionVerbose {
    /// As in [`Transaction`].
    #[serde(skip_serializing_if = "is_zero")]
    pub timestamp: u64,
    /// Serialized size.
    pub length: u32,
    /// Always 0.
    #[serde(rename = "type")]
    pub tx_type: u8,
    /// Transaction id.
    pub txid: String,
    /// Hash of inputs and outputs.
    pub inner_hash: String,
    /// Burned coin hours: input hours minus output hours.
    pub fee: u64,
    /// Signatures.
    pub sigs: Vec<String>,
    /// The spent outputs.
    pub inputs: Vec<Input>,
    /// Created outputs.
    pub outputs: Vec<Output>,
}

impl TransactionVerbose {
    /// The verbose shape of `t` whose inputs `spent` are valued at time `t_in`.
    pub fn new(t: &Txn, spent: &[UxOut], t_in: u64, timestamp: Option<u64>) -> TransactionVerbose {
        let base = Transaction::new(t, timestamp);
        let inputs: Vec<Input> = spent.iter().map(|u| Input::new(u, t_in)).collect();
        let hours_in = inputs
            .iter()
            .try_fold(0u64, |acc, i| acc.checked_add(i.calculated_hours));
        let hours_out = t
            .outputs
            .iter()
            .try_fold(0u64, |acc, o| acc.checked_add(o.hours));
        let fee = match (hours_in, hours_out) {
            (Some(i), Some(o)) => i.saturating_sub(o),
            _ => 0,
        };
        TransactionVerbose {
            timestamp: base.timestamp,
            length: base.length,
            tx_type: base.tx_type,
            txid: base.txid,
            inner_hash: base.inner_hash,
            fee,
            sigs: base.sigs,
            inputs,
            outputs: base.outputs,
        }
    }
}

/// Where a transaction stands.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Status {
    /// In a block.
    pub confirmed: bool,
    /// In the pool.
    pub unconfirmed: bool,
    /// Confirmations: head seq − block seq + 1 (0 when unconfirmed).
    pub height: u64,
    /// Seq of its block (0 when unconfirmed).
    pub block_seq: u64,
}

impl Status {
    /// Confirmed in block `seq` under head `head`.
    pub fn confirmed(seq: u64, head: u64) -> Status {
        Status {
            confirmed: true,
            unconfirmed: false,
            height: head.saturating_sub(seq) + 1,
            block_seq: seq,
        }
    }

    /// In the pool.
    pub fn unconfirmed() -> Status {
        Status {
            confirmed: false,
            unconfirmed: true,
            height: 0,
            block_seq: 0,
        }
    }
}

/// A transaction with its status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WithStatus<T> {
    /// Where it stands.
    pub status: Status,
    /// Block time, or arrival time when unconfirmed.
    pub time: u64,
    /// The transaction.
    pub txn: T,
}

/// `/transaction?encoded=1`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Encoded {
    /// Where it stands.
    pub status: Status,
    /// Block time, or arrival time.
    pub time: u64,
    /// Serialized transaction (hex).
    pub encoded_transaction: String,
}

/// A pool entry.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Unconfirmed<T> {
    /// The transaction.
    pub transaction: T,
    /// When it arrived (RFC 3339).
    pub received: String,
    /// When it was last checked.
    pub checked: String,
    /// When it was last announced (zero time: never).
    pub announced: String,
    /// Whether it passed the last check.
    pub is_valid: bool,
}

impl<T> Unconfirmed<T> {
    /// A pool entry around `transaction`.
    pub fn new(transaction: T, u: &skyx_node::mempool::UnconfirmedTxn) -> Unconfirmed<T> {
        Unconfirmed {
            transaction,
            received: rfc3339_nano(u.received),
            checked: rfc3339_nano(u.checked),
            announced: rfc3339_nano(u.announced),
            is_valid: u.is_valid,
        }
    }
}

/// An output of a created transaction (`CreatedTransactionOutput`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedOutput {
    /// Output id.
    pub uxid: String,
    /// Receiver.
    pub address: String,
    /// Coins, decimal.
    pub coins: String,
    /// Hours, decimal string.
    pub hours: String,
}

/// An input of a created transaction (`CreatedTransactionInput`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedInput {
    /// Output id.
    pub uxid: String,
    /// Owner.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub address: String,
    /// Coins, decimal.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub coins: String,
    /// Hours when created.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub hours: String,
    /// Hours at the head time.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub calculated_hours: String,
    /// Creation time.
    #[serde(skip_serializing_if = "is_zero")]
    pub timestamp: u64,
    /// Creating block.
    #[serde(skip_serializing_if = "is_zero")]
    pub block: u64,
    /// Creating transaction.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub txid: String,
}

impl CreatedInput {
    /// An input known only by its id.
    pub fn bare(uxid: &Sha256) -> CreatedInput {
        CreatedInput {
            uxid: uxid.to_hex(),
            address: String::new(),
            coins: String::new(),
            hours: String::new(),
            calculated_hours: String::new(),
            timestamp: 0,
            block: 0,
            txid: String::new(),
        }
    }

    /// An input with its output valued at `head_time`.
    pub fn new(ux: &UxOut, head_time: u64) -> CreatedInput {
        CreatedInput {
            uxid: ux.hash().to_hex(),
            address: ux.body.address.to_string(),
            coins: droplet::to_string(ux.body.coins),
            hours: ux.body.hours.to_string(),
            calculated_hours: ux.coin_hours(head_time).unwrap_or(0).to_string(),
            timestamp: ux.head.time,
            block: ux.head.bk_seq,
            txid: ux.body.src_transaction.to_hex(),
        }
    }
}

/// A transaction as the v2 endpoints show it (`CreatedTransaction`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Created {
    /// Serialized size from the length prefix.
    pub length: u32,
    /// Always 0.
    #[serde(rename = "type")]
    pub tx_type: u8,
    /// Transaction id.
    pub txid: String,
    /// Inner hash.
    pub inner_hash: String,
    /// Fee in coin hours, decimal string ("0" when unknown).
    pub fee: String,
    /// Signatures (zero for unsigned inputs).
    pub sigs: Vec<String>,
    /// Inputs.
    pub inputs: Vec<CreatedInput>,
    /// Outputs.
    pub outputs: Vec<CreatedOutput>,
}

impl Created {
    /// The shape of `t`; `spent` are its inputs when all are known.
    pub fn new(t: &Txn, spent: Option<&[UxOut]>, head_time: u64) -> Created {
        let txid = t.hash();
        let inputs: Vec<CreatedInput> = match spent {
            Some(s) => s.iter().map(|u| CreatedInput::new(u, head_time)).collect(),
            None => t.inputs.iter().map(CreatedInput::bare).collect(),
        };
        let hours_out = t
            .outputs
            .iter()
            .try_fold(0u64, |a, o| a.checked_add(o.hours));
        let hours_in = spent.unwrap_or(&[]).iter().try_fold(0u64, |a, u| {
            u.coin_hours(head_time).ok().and_then(|h| a.checked_add(h))
        });
        let fee = match (hours_in, hours_out) {
            (Some(i), Some(o)) if i >= o => i - o,
            _ => 0,
        };
        Created {
            length: t.length,
            tx_type: t.tx_type,
            txid: txid.to_hex(),
            inner_hash: t.inner_hash.to_hex(),
            fee: fee.to_string(),
            sigs: t.sigs.iter().map(|s| s.to_hex()).collect(),
            inputs,
            outputs: t
                .outputs
                .iter()
                .map(|o| CreatedOutput {
                    uxid: o.uxid(&txid).to_hex(),
                    address: o.address.to_string(),
                    coins: droplet::to_string(o.coins),
                    hours: o.hours.to_string(),
                })
                .collect(),
        }
    }
}
