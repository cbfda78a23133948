//! Which unspent outputs pay for a transaction (the reference's
//! `src/transaction/choose.go`): one output with coin hours first (so the
//! fee can be paid), then outputs without hours, then the other outputs with
//! hours, each group in a fixed order.

use std::cmp::Ordering;

use crate::sky::address::Address;
use crate::sky::coin_hours::{remaining_hours, CoinHoursError};
use crate::sky::hash::Sha256;
use crate::sky::uxout::UxOut;

use super::CreateError;

/// An unspent output as selection sees it, with its hours at the head time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UxBalance {
    /// Output id.
    pub hash: Sha256,
    /// Seq of the block that created it.
    pub bk_seq: u64,
    /// Time of that block.
    pub time: u64,
    /// Owner.
    pub address: Address,
    /// Droplets.
    pub coins: u64,
    /// Hours at creation.
    pub initial_hours: u64,
    /// Hours at the head time.
    pub hours: u64,
    /// The creating transaction.
    pub src_transaction: Sha256,
}

impl UxBalance {
    /// `ux` with its hours at `head_time` (`NewUxBalance`).
    pub fn new(head_time: u64, ux: &UxOut) -> Result<UxBalance, CoinHoursError> {
        Ok(UxBalance {
            hash: ux.hash(),
            bk_seq: ux.head.bk_seq,
            time: ux.head.time,
            address: ux.body.address,
            coins: ux.body.coins,
            initial_hours: ux.body.hours,
            hours: ux.coin_hours(head_time)?,
            src_transaction: ux.body.src_transaction,
        })
    }
}

/// The order of outputs of equal coins: fewer hours, then older, then id.
fn tie_break(a: &UxBalance, b: &UxBalance) -> Ordering {
    a.hours
        .cmp(&b.hours)
        .then(a.bk_seq.cmp(&b.bk_seq))
        .then(a.hash.0.cmp(&b.hash.0))
}

/// How the outputs of each group are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Most coins first: fewest inputs (`ChooseSpendsMinimizeUxOuts`).
    MinimizeUxOuts,
    /// Fewest coins first: most inputs (`ChooseSpendsMaximizeUxOuts`).
    MaximizeUxOuts,
}

impl Strategy {
    /// Sorts `uxs` by coins in this strategy's direction, ties by [`tie_break`].
    pub fn sort(self, uxs: &mut [UxBalance]) {
        match self {
            Strategy::MinimizeUxOuts => {
                uxs.sort_by(|a, b| b.coins.cmp(&a.coins).then_with(|| tie_break(a, b)))
            }
            Strategy::MaximizeUxOuts => {
                uxs.sort_by(|a, b| a.coins.cmp(&b.coins).then_with(|| tie_break(a, b)))
            }
        }
    }
}

/// Sorts by hours, fewest first, then fewer coins, older, id.
pub fn sort_hours_low_to_high(uxs: &mut [UxBalance]) {
    uxs.sort_by(|a, b| {
        a.hours
            .cmp(&b.hours)
            .then(a.coins.cmp(&b.coins))
            .then(a.bk_seq.cmp(&b.bk_seq))
            .then(a.hash.0.cmp(&b.hash.0))
    });
}

/// Chooses outputs worth `coins` droplets and leaving `hours` after the
/// fee (`ChooseSpends`): the output with the most coins among those with
/// hours, then outputs without hours until the coins are met, then the
/// remaining outputs with hours until both are met; each group in
/// `strategy`'s order.
pub fn choose_spends(
    uxs: &[UxBalance],
    coins: u64,
    hours: u64,
    burn_factor: u32,
    strategy: Strategy,
) -> Result<Vec<UxBalance>, CreateError> {
    if coins == 0 {
        return Err(CreateError::ZeroSpend);
    }
    if uxs.is_empty() {
        return Err(CreateError::NoUnspents);
    }
    if uxs.iter().any(|u| u.coins == 0) {
        return Err(CreateError::ZeroCoinOutput);
    }
    let (mut zero, mut nonzero): (Vec<UxBalance>, Vec<UxBalance>) =
        uxs.iter().partition(|u| u.hours == 0);
    if nonzero.is_empty() {
        return Err(CreateError::NoFee);
    }
    Strategy::MinimizeUxOuts.sort(&mut nonzero);
    let first = nonzero.remove(0);
    let mut spending = vec![first];
    let (mut have_coins, mut have_hours) = (first.coins, first.hours);
    let enough = |c: u64, h: u64| c >= coins && remaining_hours(h, burn_factor) >= hours;
    if enough(have_coins, have_hours) {
        return Ok(spending);
    }
    strategy.sort(&mut zero);
    for ux in zero {
        spending.push(ux);
        have_coins = have_coins.saturating_add(ux.coins);
        have_hours = have_hours.saturating_add(ux.hours);
        if have_coins >= coins {
            break;
        }
    }
    if enough(have_coins, have_hours) {
        return Ok(spending);
    }
    strategy.sort(&mut nonzero);
    for ux in nonzero {
        spending.push(ux);
        have_coins = have_coins.saturating_add(ux.coins);
        have_hours = have_hours.saturating_add(ux.hours);
        if enough(have_coins, have_hours) {
            return Ok(spending);
        }
    }
    if have_coins < coins {
        Err(CreateError::InsufficientBalance)
    } else {
        Err(CreateError::InsufficientHours)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sky::coin_hours::BURN_FACTOR;

    fn h(hex: &str) -> Sha256 {
        hex.parse().unwrap()
    }

    fn ux(n: u8, bk_seq: u64, coins: u64, hours: u64) -> UxBalance {
        let mut id = [n; 32];
        id[0] = 0x10;
        UxBalance {
            hash: Sha256(id),
            bk_seq,
            time: 0,
            address: Address::NULL,
            coins,
            initial_hours: 0,
            hours,
            src_transaction: Sha256([1; 32]),
        }
    }

    /// The reference's ordering tables (`TestSortSpendsLowToHigh`,
    /// `TestSortSpendsHighToLow`): coins, then hours, then seq, then id.
    #[test]
    fn reference_sort_orders() {
        let a = h("bddf0aaf80f96c144f33ac8a27764a868d37e1c11e568063ebeb1367de859566");
        let b = h("f569461182b0efe9a5c666e9a35c6602b351021c1803cc740aca548cf6db4cb2");
        let with = |mut u: UxBalance, id| {
            u.hash = id;
            u
        };
        let low_to_high = vec![
            ux(1, 5, 1, 0),
            ux(2, 3, 10, 1),
            ux(3, 1, 10, 10),
            with(ux(0, 2, 10, 10), a),
            with(ux(0, 2, 10, 10), b),
            ux(4, 4, 100, 100),
        ];
        let high_to_low = vec![
            ux(5, 4, 10_000, 0),
            ux(6, 10, 1_000, 1),
            ux(7, 4, 100, 100),
            ux(8, 3, 10, 1),
            ux(9, 1, 10, 10),
            with(ux(0, 2, 10, 10), a),
            with(ux(0, 2, 10, 10), b),
        ];
        for (ordered, strategy) in [
            (low_to_high, Strategy::MaximizeUxOuts),
            (high_to_low, Strategy::MinimizeUxOuts),
        ] {
            for rot in 0..ordered.len() {
                let mut shuffled = ordered.clone();
                shuffled.rotate_left(rot);
                shuffled.swap(0, rot / 2);
                strategy.sort(&mut shuffled);
                assert_eq!(shuffled, ordered, "{strategy:?} rotation {rot}");
            }
        }
    }

    #[test]
    fn refusals() {
        let bf = BURN_FACTOR;
        let m = Strategy::MinimizeUxOuts;
        assert_eq!(
            choose_spends(&[ux(1, 1, 5, 5)], 0, 0, bf, m),
            Err(CreateError::ZeroSpend)
        );
        assert_eq!(
            choose_spends(&[], 1, 0, bf, m),
            Err(CreateError::NoUnspents)
        );
        assert_eq!(
            choose_spends(&[ux(1, 1, 5, 0)], 1, 0, bf, m),
            Err(CreateError::NoFee)
        );
        assert_eq!(
            choose_spends(&[ux(1, 1, 5, 5)], 6, 0, bf, m),
            Err(CreateError::InsufficientBalance)
        );
        assert_eq!(
            choose_spends(&[ux(1, 1, 5, 5)], 5, 5, bf, m),
            Err(CreateError::InsufficientHours)
        );
        assert_eq!(
            CreateError::NoFee.to_string(),
            "Transaction has zero coinhour fee"
        );
        assert_eq!(
            CreateError::InsufficientBalance.to_string(),
            "balance is not sufficient"
        );
    }
}
