//! Outputs and balances: `readable.UnspentOutput`, `UnspentOutputsSummary`,
//! `readable.SpentOutput` (`/uxout`) and the balance answer.

use std::collections::BTreeMap;

use serde::Serialize;
use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::uxout::UxOut;
use utoipa::ToSchema;

use super::block::Header;
use crate::http::droplet;

/// An unspent output.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnspentOutput {
    /// Output id.
    pub hash: String,
    /// Creating block's time.
    pub time: u64,
    /// Creating block's seq.
    pub block_seq: u64,
    /// Creating transaction.
    pub src_tx: String,
    /// Owner.
    pub address: String,
    /// Coins, decimal.
    pub coins: String,
    /// Hours when created.
    pub hours: u64,
    /// Hours at the head block's time.
    pub calculated_hours: u64,
}

impl UnspentOutput {
    /// The shape of `ux` valued at `t`.
    pub fn new(ux: &UxOut, t: u64) -> UnspentOutput {
        UnspentOutput {
            hash: ux.hash().to_hex(),
            time: ux.head.time,
            block_seq: ux.head.bk_seq,
            src_tx: ux.body.src_transaction.to_hex(),
            address: ux.body.address.to_string(),
            coins: droplet::to_string(ux.body.coins),
            hours: ux.body.hours,
            calculated_hours: ux.coin_hours(t).unwrap_or(0),
        }
    }
}

/// `/outputs`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutputsSummary {
    /// The head block's header.
    pub head: Header,
    /// Confirmed unspent outputs.
    pub head_outputs: Vec<UnspentOutput>,
    /// Confirmed outputs that pool transactions spend.
    pub outgoing_outputs: Vec<UnspentOutput>,
    /// Outputs pool transactions would create.
    pub incoming_outputs: Vec<UnspentOutput>,
}

/// `/uxout` and `/address_uxouts`: any output, with its spender.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SpentOutput {
    /// Output id.
    pub uxid: String,
    /// Creating block's time.
    pub time: u64,
    /// Creating block's seq.
    pub src_block_seq: u64,
    /// Creating transaction.
    pub src_tx: String,
    /// Owner.
    pub owner_address: String,
    /// Droplets.
    pub coins: u64,
    /// Hours when created.
    pub hours: u64,
    /// Hours at the head time (unspent) or when created (spent).
    pub calculated_hours: u64,
    /// Seq of the spending block (0 when unspent).
    pub spent_block_seq: u64,
    /// Spending transaction (zero when unspent).
    pub spent_tx: String,
}

impl SpentOutput {
    /// The shape of an output record valued at `head_time`.
    pub fn new(ux: &UxOut, spent: Option<(Sha256, u64)>, head_time: u64) -> SpentOutput {
        let (spent_tx, spent_block_seq) = spent.unwrap_or((Sha256::ZERO, 0));
        let calculated_hours = if spent.is_some() {
            ux.body.hours
        } else {
            ux.coin_hours(head_time).unwrap_or(0)
        };
        SpentOutput {
            uxid: ux.hash().to_hex(),
            time: ux.head.time,
            src_block_seq: ux.head.bk_seq,
            src_tx: ux.body.src_transaction.to_hex(),
            owner_address: ux.body.address.to_string(),
            coins: ux.body.coins,
            hours: ux.body.hours,
            calculated_hours,
            spent_block_seq,
            spent_tx: spent_tx.to_hex(),
        }
    }
}

/// Coins and hours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Balance {
    /// Droplets.
    pub coins: u64,
    /// Coin hours.
    pub hours: u64,
}

impl Balance {
    /// The sum of two balances (saturating).
    pub fn add(self, o: Balance) -> Balance {
        Balance {
            coins: self.coins.saturating_add(o.coins),
            hours: self.hours.saturating_add(o.hours),
        }
    }
}

/// Confirmed and predicted balance of one address.
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct BalancePair {
    /// From confirmed outputs.
    pub confirmed: Balance,
    /// After the pool's transactions.
    pub predicted: Balance,
}

/// `/balance`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BalanceResponse {
    /// Sum over the addresses, confirmed.
    pub confirmed: Balance,
    /// Sum over the addresses, after the pool.
    pub predicted: Balance,
    /// Per address.
    pub addresses: BTreeMap<String, BalancePair>,
}
