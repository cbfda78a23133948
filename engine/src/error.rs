//! Typed engine errors with stable numeric and string codes.

/// Why a command was refused. A refused command changes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum EngineError {
    /// The market id is not known.
    #[error("unknown market")]
    UnknownMarket,
    /// The asset id is not known.
    #[error("unknown asset")]
    UnknownAsset,
    /// The account has never held anything.
    #[error("unknown account")]
    UnknownAccount,
    /// No live order has this id.
    #[error("unknown order")]
    UnknownOrder,
    /// A live order already has this id.
    #[error("duplicate order id")]
    DuplicateOrderId,
    /// The market id is already used.
    #[error("duplicate market")]
    DuplicateMarket,
    /// The asset id is already used.
    #[error("duplicate asset")]
    DuplicateAsset,
    /// The order belongs to another account.
    #[error("order belongs to another account")]
    NotOwner,
    /// Quantity is zero or too large.
    #[error("invalid quantity")]
    InvalidQuantity,
    /// Price outside the market's band.
    #[error("price outside the band")]
    PriceOutOfBand,
    /// Notional below the market's minimum.
    #[error("notional below the market minimum")]
    BelowMinNotional,
    /// Not enough available funds.
    #[error("insufficient funds")]
    InsufficientFunds,
    /// A post-only order would have taken liquidity.
    #[error("post-only order would cross")]
    PostOnlyWouldCross,
    /// A fill-or-kill order could not be filled entirely.
    #[error("fill-or-kill order not fillable")]
    FokNotFillable,
    /// The order's expiry is already past.
    #[error("order already expired")]
    AlreadyExpired,
    /// The market specification is invalid.
    #[error("invalid market specification")]
    InvalidMarketSpec,
    /// The amount is zero or would overflow the asset's supply.
    #[error("invalid amount")]
    InvalidAmount,
    /// No pending withdrawal has this id.
    #[error("unknown withdrawal")]
    UnknownWithdrawal,
    /// A pending withdrawal already has this id.
    #[error("duplicate withdrawal id")]
    DuplicateWithdrawal,
    /// The ledger does not balance (a bug; reported by the check command).
    #[error("ledger imbalance")]
    LedgerImbalance,
    /// A decimal value is not a whole number of ticks, lots or units.
    #[error("value not on the tick, lot or unit grid")]
    OffGrid,
    /// A decimal value is negative or too large.
    #[error("decimal value out of range")]
    DecimalOutOfRange,
    /// The order kind is not valid with these options.
    #[error("invalid order options")]
    InvalidOrderOptions,
    /// Too many markets, assets or levels.
    #[error("capacity exceeded")]
    CapacityExceeded,
}

impl EngineError {
    /// All errors, in code order.
    pub const ALL: [EngineError; 24] = [
        EngineError::UnknownMarket,
        EngineError::UnknownAsset,
        EngineError::UnknownAccount,
        EngineError::UnknownOrder,
        EngineError::DuplicateOrderId,
        EngineError::DuplicateMarket,
        EngineError::DuplicateAsset,
        EngineError::NotOwner,
        EngineError::InvalidQuantity,
        EngineError::PriceOutOfBand,
        EngineError::BelowMinNotional,
        EngineError::InsufficientFunds,
        EngineError::PostOnlyWouldCross,
        EngineError::FokNotFillable,
        EngineError::AlreadyExpired,
        EngineError::InvalidMarketSpec,
        EngineError::InvalidAmount,
        EngineError::UnknownWithdrawal,
        EngineError::DuplicateWithdrawal,
        EngineError::LedgerImbalance,
        EngineError::OffGrid,
        EngineError::DecimalOutOfRange,
        EngineError::InvalidOrderOptions,
        EngineError::CapacityExceeded,
    ];

    /// The stable numeric code (never reused or renumbered).
    pub fn code(self) -> u16 {
        match self {
            EngineError::UnknownMarket => 1001,
            EngineError::UnknownAsset => 1002,
            EngineError::UnknownAccount => 1003,
            EngineError::UnknownOrder => 1004,
            EngineError::DuplicateOrderId => 1005,
            EngineError::DuplicateMarket => 1006,
            EngineError::DuplicateAsset => 1007,
            EngineError::NotOwner => 1008,
            EngineError::InvalidQuantity => 1009,
            EngineError::PriceOutOfBand => 1010,
            EngineError::BelowMinNotional => 1011,
            EngineError::InsufficientFunds => 1012,
            EngineError::PostOnlyWouldCross => 1013,
            EngineError::FokNotFillable => 1014,
            EngineError::AlreadyExpired => 1015,
            EngineError::InvalidMarketSpec => 1016,
            EngineError::InvalidAmount => 1017,
            EngineError::UnknownWithdrawal => 1018,
            EngineError::DuplicateWithdrawal => 1019,
            EngineError::LedgerImbalance => 1020,
            EngineError::OffGrid => 1021,
            EngineError::DecimalOutOfRange => 1022,
            EngineError::InvalidOrderOptions => 1023,
            EngineError::CapacityExceeded => 1024,
        }
    }

    /// The stable string code (for APIs and logs).
    pub fn code_str(self) -> &'static str {
        match self {
            EngineError::UnknownMarket => "unknown_market",
            EngineError::UnknownAsset => "unknown_asset",
            EngineError::UnknownAccount => "unknown_account",
            EngineError::UnknownOrder => "unknown_order",
            EngineError::DuplicateOrderId => "duplicate_order_id",
            EngineError::DuplicateMarket => "duplicate_market",
            EngineError::DuplicateAsset => "duplicate_asset",
            EngineError::NotOwner => "not_owner",
            EngineError::InvalidQuantity => "invalid_quantity",
            EngineError::PriceOutOfBand => "price_out_of_band",
            EngineError::BelowMinNotional => "below_min_notional",
            EngineError::InsufficientFunds => "insufficient_funds",
            EngineError::PostOnlyWouldCross => "post_only_would_cross",
            EngineError::FokNotFillable => "fok_not_fillable",
            EngineError::AlreadyExpired => "already_expired",
            EngineError::InvalidMarketSpec => "invalid_market_spec",
            EngineError::InvalidAmount => "invalid_amount",
            EngineError::UnknownWithdrawal => "unknown_withdrawal",
            EngineError::DuplicateWithdrawal => "duplicate_withdrawal",
            EngineError::LedgerImbalance => "ledger_imbalance",
            EngineError::OffGrid => "off_grid",
            EngineError::DecimalOutOfRange => "decimal_out_of_range",
            EngineError::InvalidOrderOptions => "invalid_order_options",
            EngineError::CapacityExceeded => "capacity_exceeded",
        }
    }

    /// Decodes [`EngineError::code`].
    pub fn from_code(code: u16) -> Option<EngineError> {
        EngineError::ALL.iter().copied().find(|e| e.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for e in EngineError::ALL {
            assert!(seen.insert(e.code()));
            assert_eq!(EngineError::from_code(e.code()), Some(e));
        }
    }
}
