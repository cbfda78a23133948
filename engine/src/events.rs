//! Events the engine emits for every command, in a deterministic order.

use crate::error::EngineError;
use crate::order::DoneReason;
use crate::types::{AccountId, AssetId, Lots, MarketId, OrderId, Side, Ticks, Units};

/// Which ledger movement a [`Event::Ledger`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LedgerKind {
    /// Funds came in from outside.
    Deposit,
    /// A withdrawal's amount is now held.
    WithdrawHeld,
    /// A withdrawal left the exchange.
    WithdrawSettled,
    /// A withdrawal was cancelled; its amount is available again.
    WithdrawCancelled,
    /// Funds left this account for another (`reference` is the receiver).
    TransferOut,
    /// Funds arrived from another account (`reference` is the sender).
    TransferIn,
}

/// Something that happened while applying a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// An asset was registered.
    AssetAdded {
        /// Asset id.
        asset: AssetId,
    },
    /// A market was opened.
    MarketAdded {
        /// Market id.
        market: MarketId,
    },
    /// An order passed validation (it may then trade, rest or end).
    Accepted {
        /// Market.
        market: MarketId,
        /// Order id.
        order_id: OrderId,
        /// Owner.
        account: AccountId,
        /// Side.
        side: Side,
        /// Limit price (after a post-only slide), or the band edge for market orders.
        price: Ticks,
        /// Quantity (0 for quote-budget market orders).
        qty: Lots,
    },
    /// A trade between a resting maker and an incoming taker.
    Trade {
        /// Market.
        market: MarketId,
        /// Maker order id.
        maker_order: OrderId,
        /// Taker order id.
        taker_order: OrderId,
        /// Maker account.
        maker_account: AccountId,
        /// Taker account.
        taker_account: AccountId,
        /// Taker's side.
        taker_side: Side,
        /// Price (the maker's).
        price: Ticks,
        /// Lots traded.
        qty: Lots,
        /// Fee charged to the maker in quote units (negative: rebate paid).
        maker_fee: i64,
        /// Fee charged to the taker in quote units.
        taker_fee: Units,
    },
    /// An order ended (filled, cancelled, expired, ...); `remaining` lots were not filled.
    Done {
        /// Market.
        market: MarketId,
        /// Order id.
        order_id: OrderId,
        /// Owner.
        account: AccountId,
        /// Why it ended.
        reason: DoneReason,
        /// Lots left unfilled.
        remaining: Lots,
    },
    /// A resting order was reduced in place (reduce command or STP decrement), keeping priority.
    Reduced {
        /// Market.
        market: MarketId,
        /// Order id.
        order_id: OrderId,
        /// Lots removed.
        by: Lots,
        /// Lots left.
        remaining: Lots,
        /// Reduce command or self-trade prevention.
        reason: DoneReason,
    },
    /// A resting order was moved (cancel-replace).
    Moved {
        /// Market.
        market: MarketId,
        /// Order id.
        order_id: OrderId,
        /// New price.
        price: Ticks,
        /// New quantity.
        qty: Lots,
        /// Whether it kept its time priority (same price, smaller or equal size).
        kept_priority: bool,
    },
    /// An L2 incremental update: the total at one level is now `total`.
    Depth {
        /// Market.
        market: MarketId,
        /// Side.
        side: Side,
        /// Price level.
        price: Ticks,
        /// New total quantity at that level (0: the level is gone).
        total: Lots,
        /// Per-market update sequence number (gap-free, starting at 1).
        seq: u64,
    },
    /// A ledger movement outside trading.
    Ledger {
        /// Kind of movement.
        kind: LedgerKind,
        /// Account.
        account: AccountId,
        /// Asset.
        asset: AssetId,
        /// Amount.
        amount: Units,
        /// Withdrawal id or counterparty account.
        reference: u64,
    },
    /// The command was refused and changed nothing.
    Rejected {
        /// The command's sequence number.
        seq: u64,
        /// Order id concerned, or 0.
        order_id: OrderId,
        /// Why.
        error: EngineError,
    },
    /// The `check` command passed.
    Checked,
}
