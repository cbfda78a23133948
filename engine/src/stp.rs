//! Self-trade prevention: what happens when a taker meets a resting order of its own account.

/// The taker's self-trade prevention mode (the taker's choice applies).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StpMode {
    /// Cancel the rest of the incoming order; the resting order stays.
    CancelTaker,
    /// Cancel the resting order and keep matching.
    CancelMaker,
    /// Reduce both by the smaller quantity, without a trade; the one that reaches zero is cancelled.
    DecrementBoth,
}

impl StpMode {
    /// Compact code used by the binary encodings.
    pub fn code(self) -> u8 {
        match self {
            StpMode::CancelTaker => 0,
            StpMode::CancelMaker => 1,
            StpMode::DecrementBoth => 2,
        }
    }

    /// Decodes [`StpMode::code`].
    pub fn from_code(c: u8) -> Option<StpMode> {
        match c {
            0 => Some(StpMode::CancelTaker),
            1 => Some(StpMode::CancelMaker),
            2 => Some(StpMode::DecrementBoth),
            _ => None,
        }
    }
}

/// What the matching loop does when the taker meets its own resting order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StpAction {
    /// Stop matching; the taker's remainder is cancelled.
    StopTaker,
    /// Remove the resting order, go on.
    RemoveMaker,
    /// Reduce both by this many lots.
    Decrement(u64),
}

/// Decides the self-trade action for a taker of `taker_lots` meeting a maker of `maker_lots`.
#[inline]
pub fn decide(mode: StpMode, taker_lots: u64, maker_lots: u64) -> StpAction {
    match mode {
        StpMode::CancelTaker => StpAction::StopTaker,
        StpMode::CancelMaker => StpAction::RemoveMaker,
        StpMode::DecrementBoth => StpAction::Decrement(taker_lots.min(maker_lots)),
    }
}
