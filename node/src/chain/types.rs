//! The values the [`Chain`](super::Chain) interface speaks: the tip,
//! balances, unspent outputs, history pages, fee estimates and events, the
//! same for every coin. Amounts are integer smallest units with the coin
//! attached ([`Amount`]); Skycoin's coin hours ride beside them.

use serde::Serialize;
use skyx_coins::amount::{Amount, Currency, SignedAmount};
use skyx_coins::btc::FeeRate;

/// Which chain an implementation follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CoinInfo {
    /// The coin (and the decimals of its amounts).
    #[serde(serialize_with = "currency_str")]
    pub currency: Currency,
    /// `mainnet`, `testnet`, `regtest` or a private chain's name.
    pub network: &'static str,
}

fn currency_str<S: serde::Serializer>(c: &Currency, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(c.as_str())
}

/// The newest block the index has processed, and whether that is the chain's tip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tip {
    /// Its height (Skycoin: block seq).
    pub height: u64,
    /// Its hash (hex, as the coin's explorers print it).
    pub hash: String,
    /// Its timestamp (Unix seconds).
    pub time: u64,
    /// Whether the index has caught up with the best chain known to the node
    /// or daemon (balances and events are current).
    pub synced: bool,
    /// The height of the best chain known to the node or daemon.
    pub network_height: Option<u64>,
}

/// Coin hours of a Skycoin balance (at the head time).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Hours {
    /// Hours of the confirmed unspent outputs.
    pub confirmed: u64,
    /// Hours after the pool's transactions (received minus spent).
    pub predicted: u64,
}

/// What a set of addresses holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Balance {
    /// Unspent outputs in blocks of the best chain.
    pub confirmed: Amount,
    /// Outputs paid to the set by transactions not yet in a block.
    pub incoming: Amount,
    /// Confirmed outputs that transactions not yet in a block spend.
    pub outgoing: Amount,
    /// What can be spent now: confirmed, not being spent, mature.
    pub spendable: Amount,
    /// Skycoin's coin hours (none for other coins).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours: Option<Hours>,
}

impl Balance {
    /// Nothing of `currency`.
    pub fn zero(currency: Currency) -> Balance {
        let z = Amount::zero(currency);
        Balance {
            confirmed: z,
            incoming: z,
            outgoing: z,
            spendable: z,
            hours: (currency == Currency::Sky).then(Hours::default),
        }
    }

    /// `confirmed + incoming − outgoing`: the balance once the pending
    /// transactions confirm.
    pub fn predicted(&self) -> SignedAmount {
        SignedAmount::from_units(
            self.confirmed.currency(),
            i128::from(self.confirmed.units()) + i128::from(self.incoming.units())
                - i128::from(self.outgoing.units()),
        )
    }
}

/// The balance of each address asked for, and their total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Balances {
    /// Sum over the set.
    pub total: Balance,
    /// Per address, in the order asked.
    pub addresses: Vec<(String, Balance)>,
}

/// An unspent output of a watched address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unspent {
    /// Creating transaction.
    pub txid: String,
    /// Index among its outputs.
    pub vout: u32,
    /// The address it pays.
    pub address: String,
    /// Its value.
    pub amount: Amount,
    /// Skycoin: coin hours at the head time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours: Option<u64>,
    /// Skycoin: the output id (what a transaction spends).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uxid: Option<String>,
    /// Height of its block; none while in the mempool.
    pub height: Option<u64>,
    /// Confirmations at the processed tip (0 in the mempool).
    pub confirmations: u64,
    /// Whether it may be spent now (confirmed, mature, not being spent).
    pub spendable: bool,
}

/// Where a transaction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TxStatus {
    /// Waiting in the mempool or pool.
    Pending,
    /// In a block of the best chain.
    Confirmed,
    /// Lost to a conflicting transaction, or its block left the best chain.
    Conflicted,
}

/// One transaction of an address set's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryItem {
    /// Its id.
    pub txid: String,
    /// Height of its block; none while pending.
    pub height: Option<u64>,
    /// Confirmations at the processed tip.
    pub confirmations: u64,
    /// Block time (Unix seconds) when known.
    pub time: Option<u64>,
    /// Paid to the set.
    pub received: Amount,
    /// Spent from the set.
    pub sent: Amount,
    /// `received − sent`: the net effect on the set.
    pub net: SignedAmount,
    /// Fee in the coin, when known (own payments for the Bitcoin family).
    pub fee: Option<Amount>,
    /// Skycoin: coin hours burned as the fee.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee_hours: Option<u64>,
    /// Where it stands.
    pub status: TxStatus,
}

/// A page of history, newest first, and where the next page starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryPage {
    /// The transactions.
    pub items: Vec<HistoryItem>,
    /// Pass this to get the next (older) page; none at the end.
    pub next_cursor: Option<String>,
}

/// The fee a new transaction should pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeeEstimate {
    /// Bitcoin family: rates for slow, normal and fast confirmation.
    Rate {
        /// Within about 12 blocks.
        low: FeeRate,
        /// Within about 6 blocks.
        normal: FeeRate,
        /// Within about 2 blocks.
        high: FeeRate,
        /// Whether the rates came from the daemon (else the configured fallback).
        estimated: bool,
    },
    /// Skycoin: a share of the input coin hours is burned, no coins.
    CoinHours {
        /// At least `⌈input hours / burn_factor⌉` hours are burned.
        burn_factor: u32,
    },
}

/// What an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A payment to a watched address is waiting in the mempool.
    DepositSeen,
    /// A payment to a watched address is in a block and has `confirmations`
    /// (1 when mined, then each configured depth).
    DepositConfirmed,
    /// The block holding a deposit left the best chain: undo any credit.
    DepositReorged,
    /// A conflicting transaction took a deposit's inputs: it will not confirm.
    DepositDoubleSpent,
    /// A transaction sent through this interface is held by the network.
    SentBroadcast,
    /// A sent transaction is in a block.
    SentConfirmed,
    /// The block holding a sent transaction left the best chain.
    SentReorged,
    /// A sent transaction was replaced or lost to a conflicting one.
    SentConflicted,
    /// The network refused a sent transaction.
    SentRejected,
    /// The processed tip moved to `height`.
    NewTip,
}

/// One event, at position `seq` of the chain's gap-free event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainEvent {
    /// Position in the log; read on from `seq + 1`.
    pub seq: u64,
    /// What happened.
    pub kind: EventKind,
    /// The transaction (none for [`EventKind::NewTip`]).
    pub txid: Option<String>,
    /// The output index, for deposits (`txid:vout` keys a deposit).
    pub vout: Option<u32>,
    /// The watched address paid.
    pub address: Option<String>,
    /// The deposit's value.
    pub amount: Option<Amount>,
    /// Skycoin: the deposit's coin hours when it was created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours: Option<u64>,
    /// The block height concerned.
    pub height: Option<u64>,
    /// Confirmations reached.
    pub confirmations: Option<u64>,
    /// The block hash, for [`EventKind::NewTip`].
    pub block_hash: Option<String>,
    /// The conflicting transaction, for double spends.
    pub by_txid: Option<String>,
}

impl ChainEvent {
    /// An event of `kind` with no details yet.
    pub fn new(kind: EventKind) -> ChainEvent {
        ChainEvent {
            seq: 0,
            kind,
            txid: None,
            vout: None,
            address: None,
            amount: None,
            hours: None,
            height: None,
            confirmations: None,
            block_hash: None,
            by_txid: None,
        }
    }
}

/// Events read from a cursor, and the cursor to read on from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventPage {
    /// Events in log order.
    pub events: Vec<ChainEvent>,
    /// The `from` of the next read: store it with the effects of these events.
    pub next: u64,
}
