//! Maker/taker fees in basis points, with rebates, rounded in the exchange's favour.
//!
//! Fees are charged in the quote asset. They are computed on the *cumulative*
//! notional of one order in one role (taker while it enters, maker while it
//! rests): after a fill taking the order's cumulative notional from `a` to `b`,
//! the fee charged is `ceil(b·bps) − ceil(a·bps)` (and a rebate is
//! `floor(b·bps) − floor(a·bps)`). The sum over an order telescopes to the
//! rounded fee of its whole notional, so splitting an order into many fills
//! never lowers the fee, and the fee account receives every rounding remainder.
//! Because `maker rebate bps ≤ taker fee bps` (checked when a market is created)
//! and every trade has one maker and one taker of equal notional, the fee
//! account can never be driven below zero by rebates.

/// One basis point is 1/10 000.
pub const BPS_DENOM: u128 = 10_000;

/// The fee schedule of one market.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FeeSchedule {
    /// Maker fee in bps; negative means a rebate paid to the maker.
    pub maker_bps: i32,
    /// Taker fee in bps (never negative).
    pub taker_bps: i32,
}

impl FeeSchedule {
    /// Whether the schedule is allowed (taker 0..=10000, −taker ≤ maker ≤ 10000).
    pub fn is_valid(&self) -> bool {
        (0..=10_000).contains(&self.taker_bps)
            && self.maker_bps <= 10_000
            && self.maker_bps >= -self.taker_bps
    }

    /// The largest fee rate a buy order may pay, in bps (for its hold).
    pub fn max_charge_bps(&self) -> u32 {
        self.taker_bps.max(self.maker_bps).max(0) as u32
    }
}

/// `ceil(notional · bps / 10 000)`.
#[inline]
pub fn fee_ceil(notional: u64, bps: u32) -> u64 {
    if bps == 0 {
        return 0;
    }
    let n = u128::from(notional) * u128::from(bps);
    n.div_ceil(BPS_DENOM) as u64
}

/// `floor(notional · bps / 10 000)`.
#[inline]
pub fn fee_floor(notional: u64, bps: u32) -> u64 {
    if bps == 0 {
        return 0;
    }
    (u128::from(notional) * u128::from(bps) / BPS_DENOM) as u64
}

/// The fee charged for a fill moving an order's cumulative notional from `before` to `before + n`.
#[inline]
pub fn charge_increment(before: u64, n: u64, bps: u32) -> u64 {
    if bps == 0 {
        return 0;
    }
    fee_ceil(before.saturating_add(n), bps) - fee_ceil(before, bps)
}

/// The rebate paid for a fill moving a maker's cumulative notional from `before` to `before + n`.
#[inline]
pub fn rebate_increment(before: u64, n: u64, bps: u32) -> u64 {
    if bps == 0 {
        return 0;
    }
    fee_floor(before.saturating_add(n), bps) - fee_floor(before, bps)
}

/// The fee reserve a buy order of at most `notional` holds on top of its notional.
///
/// Fees of one order are at most `ceil(T·t) + ceil(M·m) ≤ ceil(N·max) + 1`.
#[inline]
pub fn buy_reserve(notional: u64, sched: &FeeSchedule) -> u64 {
    let b = sched.max_charge_bps();
    if b == 0 {
        0
    } else {
        fee_ceil(notional, b).saturating_add(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn increments_telescope() {
        let mut cum = 0;
        let mut charged = 0;
        for n in [1u64, 3, 7, 11, 13, 999] {
            charged += charge_increment(cum, n, 25);
            cum += n;
        }
        assert_eq!(charged, fee_ceil(cum, 25));
        let mut cum = 0;
        let mut rebated = 0;
        for n in [1u64, 3, 7, 11, 13, 999] {
            rebated += rebate_increment(cum, n, 10);
            cum += n;
        }
        assert_eq!(rebated, fee_floor(cum, 10));
    }

    #[test]
    fn schedule_validation() {
        assert!(FeeSchedule {
            maker_bps: -5,
            taker_bps: 10
        }
        .is_valid());
        assert!(!FeeSchedule {
            maker_bps: -11,
            taker_bps: 10
        }
        .is_valid());
        assert!(!FeeSchedule {
            maker_bps: 0,
            taker_bps: -1
        }
        .is_valid());
        assert_eq!(
            buy_reserve(
                10_000,
                &FeeSchedule {
                    maker_bps: 0,
                    taker_bps: 0
                }
            ),
            0
        );
        assert_eq!(
            buy_reserve(
                10_000,
                &FeeSchedule {
                    maker_bps: 2,
                    taker_bps: 5
                }
            ),
            6
        );
    }
}
