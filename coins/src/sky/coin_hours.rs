//! Coin-hour accrual (`src/coin/outputs.go CoinHours`) and the fee rules
//! (`src/util/fee/fee.go`): hours earned per whole coin per hour, burned fees,
//! and the burn factor.

/// Droplets per SKY.
pub const DROPLETS_PER_COIN: u64 = 1_000_000;

/// Burn factor for user-created, unconfirmed-pool and block-creation checks.
pub const BURN_FACTOR: u32 = 10;

/// The smallest burn factor a node may be configured with.
pub const MIN_BURN_FACTOR: u32 = 2;

/// Overflow while computing hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CoinHoursError {
    /// `seconds × whole coins` overflows 64 bits.
    #[error("UxOut.CoinHours: Calculating whole coin seconds overflows uint64")]
    WholeCoinSecondsOverflow,
    /// `seconds × droplet remainder` overflows 64 bits.
    #[error("UxOut.CoinHours: Calculating droplet seconds overflows uint64")]
    DropletSecondsOverflow,
    /// Adding the two kinds of coin seconds overflows.
    #[error("UxOut.CoinHours: Adding whole coin seconds and droplet seconds overflows")]
    CoinSecondsOverflow,
    /// Adding the earned hours to the stored hours overflows
    /// (`ErrAddEarnedCoinHoursAdditionOverflow`).
    #[error("UxOut.CoinHours: Adding earned coin hours overflows")]
    AdditionOverflow,
}

/// Hours held at time `t` by an output of `coins` droplets and `hours`
/// created at `created`: one hour per whole coin per hour, droplet
/// remainders included.
pub fn coin_hours(coins: u64, hours: u64, created: u64, t: u64) -> Result<u64, CoinHoursError> {
    if t < created {
        return Ok(hours);
    }
    let seconds = t - created;
    let whole = seconds
        .checked_mul(coins / DROPLETS_PER_COIN)
        .ok_or(CoinHoursError::WholeCoinSecondsOverflow)?;
    let droplet = seconds
        .checked_mul(coins % DROPLETS_PER_COIN)
        .ok_or(CoinHoursError::DropletSecondsOverflow)?;
    let coin_seconds = whole
        .checked_add(droplet / DROPLETS_PER_COIN)
        .ok_or(CoinHoursError::CoinSecondsOverflow)?;
    hours
        .checked_add(coin_seconds / 3600)
        .ok_or(CoinHoursError::AdditionOverflow)
}

/// `ceil(hours / burn_factor)`: the least fee a transaction spending
/// `input_hours` must burn (`fee.RequiredFee`).
pub fn required_fee(input_hours: u64, burn_factor: u32) -> u64 {
    let bf = u64::from(burn_factor.max(1));
    input_hours / bf + u64::from(input_hours % bf != 0)
}

/// Hours left to send after the required fee (`fee.RemainingHours`).
pub fn remaining_hours(input_hours: u64, burn_factor: u32) -> u64 {
    input_hours - required_fee(input_hours, burn_factor)
}

/// Why a fee is not enough.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FeeError {
    /// Zero fee (`fee.ErrTxnNoFee`).
    #[error("Transaction has zero coinhour fee")]
    NoFee,
    /// Below the burn factor's share (`fee.ErrTxnInsufficientFee`).
    #[error("Transaction coinhour fee minimum not met")]
    InsufficientFee,
    /// More hours out than in.
    #[error("Insufficient coinhours for transaction outputs")]
    InsufficientHours,
}

impl FeeError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            FeeError::NoFee => "fee_zero",
            FeeError::InsufficientFee => "fee_insufficient",
            FeeError::InsufficientHours => "fee_insufficient_hours",
        }
    }
}

/// The fee of a transaction, checked against the burn factor (`fee.VerifyTransactionFee`).
pub fn verify_fee(input_hours: u64, output_hours: u64, burn_factor: u32) -> Result<u64, FeeError> {
    let fee = input_hours
        .checked_sub(output_hours)
        .ok_or(FeeError::InsufficientHours)?;
    if fee == 0 {
        return Err(FeeError::NoFee);
    }
    if fee < required_fee(input_hours, burn_factor) {
        return Err(FeeError::InsufficientFee);
    }
    Ok(fee)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accrual_counts_droplet_remainders() {
        // One whole coin for one hour earns one hour.
        assert_eq!(coin_hours(1_000_000, 0, 100, 3700), Ok(1));
        // Half a coin for two hours earns one hour.
        assert_eq!(coin_hours(500_000, 7, 0, 7200), Ok(8));
        // Before creation nothing is earned.
        assert_eq!(coin_hours(10_000_000, 3, 100, 50), Ok(3));
        assert_eq!(
            coin_hours(1_000_000, u64::MAX, 0, 3600),
            Err(CoinHoursError::AdditionOverflow)
        );
        assert_eq!(
            coin_hours(u64::MAX, 0, 0, u64::MAX),
            Err(CoinHoursError::WholeCoinSecondsOverflow)
        );
    }

    #[test]
    fn fee_rules_follow_the_burn_factor() {
        assert_eq!(required_fee(0, 10), 0);
        assert_eq!(required_fee(1, 10), 1);
        assert_eq!(required_fee(10, 10), 1);
        assert_eq!(required_fee(11, 10), 2);
        assert_eq!(remaining_hours(11, 10), 9);
        assert_eq!(verify_fee(100, 90, 10), Ok(10));
        assert_eq!(verify_fee(100, 91, 10), Err(FeeError::InsufficientFee));
        assert_eq!(verify_fee(100, 100, 10), Err(FeeError::NoFee));
        assert_eq!(verify_fee(100, 101, 10), Err(FeeError::InsufficientHours));
    }
}
