//! Order requests: kinds, time in force, post-only handling and why orders end.

use crate::stp::StpMode;
use crate::types::{AccountId, Lots, MarketId, OrderId, Side, Ticks, Units};

/// What the order asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderKind {
    /// A limit order for `qty` lots at `price` ticks or better.
    Limit {
        /// Limit price in ticks.
        price: Ticks,
        /// Quantity in lots.
        qty: Lots,
    },
    /// A market order for `qty` lots (bounded by the market's price band).
    Market {
        /// Quantity in lots.
        qty: Lots,
    },
    /// A market order spending (buy: fees included) or raising (sell: gross) at most `budget` quote units.
    MarketQuote {
        /// Quote budget in minor units.
        budget: Units,
    },
}

/// How long an order may live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeInForce {
    /// Good till cancelled.
    Gtc,
    /// Good till the given logical time (command timestamp), exclusive.
    Gtd(u64),
    /// Immediate or cancel: fill what can be filled now, cancel the rest.
    Ioc,
    /// Fill or kill: fill entirely now, or do nothing.
    Fok,
}

/// Post-only behaviour of a limit order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PostOnly {
    /// May take liquidity.
    Off,
    /// Refuse the order if it would take liquidity.
    Reject,
    /// Move the price to the best non-crossing price instead.
    Slide,
}

/// A request to place a new order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NewOrder {
    /// The market.
    pub market: MarketId,
    /// The client-chosen order id (unique among live orders).
    pub id: OrderId,
    /// The owner.
    pub account: AccountId,
    /// Buy or sell.
    pub side: Side,
    /// Limit or market, with its quantity.
    pub kind: OrderKind,
    /// Time in force (market orders are always immediate).
    pub tif: TimeInForce,
    /// Post-only behaviour (limit GTC/GTD only).
    pub post_only: PostOnly,
    /// Self-trade prevention mode.
    pub stp: StpMode,
}

impl NewOrder {
    /// A plain limit GTC order with the default STP mode (cancel taker).
    pub fn limit(
        market: MarketId,
        id: OrderId,
        account: AccountId,
        side: Side,
        price: Ticks,
        qty: Lots,
    ) -> Self {
        NewOrder {
            market,
            id,
            account,
            side,
            kind: OrderKind::Limit { price, qty },
            tif: TimeInForce::Gtc,
            post_only: PostOnly::Off,
            stp: StpMode::CancelTaker,
        }
    }

    /// The same order with another time in force.
    pub fn with_tif(mut self, tif: TimeInForce) -> Self {
        self.tif = tif;
        self
    }

    /// The same order with another post-only mode.
    pub fn with_post_only(mut self, p: PostOnly) -> Self {
        self.post_only = p;
        self
    }

    /// The same order with another STP mode.
    pub fn with_stp(mut self, stp: StpMode) -> Self {
        self.stp = stp;
        self
    }
}

/// Why an order left the book (or never rested).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DoneReason {
    /// Entirely filled.
    Filled,
    /// Cancelled by its owner.
    Cancelled,
    /// Cancelled by a mass cancel.
    MassCancelled,
    /// Its GTD time passed.
    Expired,
    /// IOC or market remainder that found no more liquidity (or budget).
    Unfilled,
    /// Cancelled by self-trade prevention as the incoming order.
    StpTaker,
    /// Cancelled by self-trade prevention as the resting order.
    StpMaker,
    /// Reduced to zero by self-trade prevention (decrement both).
    StpDecrement,
    /// Reduced to zero by a reduce command.
    Reduced,
}

impl DoneReason {
    /// Compact code used by the binary encodings.
    pub fn code(self) -> u8 {
        match self {
            DoneReason::Filled => 0,
            DoneReason::Cancelled => 1,
            DoneReason::MassCancelled => 2,
            DoneReason::Expired => 3,
            DoneReason::Unfilled => 4,
            DoneReason::StpTaker => 5,
            DoneReason::StpMaker => 6,
            DoneReason::StpDecrement => 7,
            DoneReason::Reduced => 8,
        }
    }
}
