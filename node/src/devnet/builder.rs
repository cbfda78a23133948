//! Shaping a block's transactions: which outputs to spend, how many outputs
//! to create, to whom, how many coins and hours each gets, and the fee.
//!
//! The shape keeps the unspent set near a target size. Below half the
//! target the generator spreads coins (one input, many outputs, as payouts
//! do); above 125 % it consolidates (2–4 inputs, 1–2 outputs); in between,
//! payments have 1–4 inputs and 1–5 outputs, the last one being change.
//! Every transaction obeys the soft rules of user-created transactions:
//! outputs are whole multiples of 0.001 SKY and at least 1 SKY (so they
//! keep earning hours), the fee is positive and at least a tenth of the
//! input hours, and the size stays within 32 KiB.

use skyx_coins::sky::coin_hours::{coin_hours, required_fee, CoinHoursError, BURN_FACTOR};
use skyx_coins::sky::transaction::{tx_size, Transaction, TransactionOutput, TxError};

use super::rng::DevRng;
use super::unspent::{Spendable, WorkingSet};
use super::wallet_pool::{KeyIndex, WalletPool};

/// The smallest output the generator creates (1 SKY, in droplets).
pub const MIN_OUTPUT_DROPLETS: u64 = 1_000_000;

/// Output coins are multiples of this (3 decimals, the mainnet soft rule).
pub const DROPLET_STEP: u64 = 1_000;

/// Largest transaction the generator builds (the mainnet soft limit).
pub const MAX_TX_SIZE: usize = 32_768;

/// Most inputs a transaction gathers when its first picks hold no hours.
const MAX_INPUTS: usize = 8;

/// Bytes one output adds to a transaction.
const OUTPUT_SIZE: usize = 37;

/// A transaction could not be shaped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// Coin-hour arithmetic overflowed.
    #[error("coin hours: {0}")]
    CoinHours(#[from] CoinHoursError),
    /// A key index outside the wallet pool (an internal inconsistency).
    #[error("no wallet key {0}")]
    UnknownKey(KeyIndex),
    /// Signing an input failed.
    #[error("signing an input: {0}")]
    Sign(#[from] TxError),
}

/// An unsigned transaction with what the generator needs to finish it.
#[derive(Debug, Clone)]
pub struct PlannedTx {
    /// The transaction with empty signature slots.
    pub tx: Transaction,
    /// The outputs it spends, in input order.
    pub spent: Vec<Spendable>,
    /// The pool key receiving each output, in output order.
    pub recipients: Vec<KeyIndex>,
    /// Hours it burns.
    pub fee: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Spread,
    Pay,
    Consolidate,
}

/// Plans up to `want` transactions for a block whose previous block has time
/// `head_time`, taking their inputs out of `set`. Returns fewer when the
/// spendable outputs run out.
pub fn plan_block(
    set: &mut WorkingSet,
    pool: &WalletPool,
    rng: &mut DevRng,
    head_time: u64,
    want: usize,
    target_unspent: usize,
) -> Result<Vec<PlannedTx>, BuildError> {
    let mut txs = Vec::with_capacity(want);
    while txs.len() < want {
        match plan_tx(set, pool, rng, head_time, want, target_unspent)? {
            Some(p) => txs.push(p),
            None => break,
        }
    }
    Ok(txs)
}

fn plan_tx(
    set: &mut WorkingSet,
    pool: &WalletPool,
    rng: &mut DevRng,
    head_time: u64,
    width: usize,
    target: usize,
) -> Result<Option<PlannedTx>, BuildError> {
    let total = set.len();
    let mode = if total.saturating_mul(2) < target {
        Mode::Spread
    } else if total.saturating_mul(4) > target.saturating_mul(5) {
        Mode::Consolidate
    } else {
        Mode::Pay
    };
    let n_in = match mode {
        Mode::Spread => 1,
        Mode::Pay => 1 + rng.weighted(&[40, 30, 18, 12]),
        Mode::Consolidate => 2 + rng.weighted(&[40, 35, 25]),
    };
    let mut spent = Vec::with_capacity(n_in);
    let mut hours = 0u64;
    while spent.len() < n_in || (hours == 0 && spent.len() < MAX_INPUTS) {
        let Some(s) = set.take_random(rng) else { break };
        hours = hours.saturating_add(coin_hours(s.coins, s.hours, s.time, head_time)?);
        spent.push(s);
    }
    if hours == 0 {
        // Nothing here can pay a fee: leave the outputs for a later block.
        for s in spent {
            set.put_back(s);
        }
        return Ok(None);
    }
    let Some(owner) = spent.first().map(|s| s.key) else {
        return Ok(None);
    };
    let coins_in = spent
        .iter()
        .fold(0u64, |acc, s| acc.saturating_add(s.coins));

    let wanted_outputs = match mode {
        Mode::Spread => {
            // Share the shortfall over a block's worth of transactions (or
            // over the few outputs there are, when spreading the genesis).
            let sharing = width.min(set.ready_len() + 1).max(1);
            (target.saturating_sub(total) / sharing).max(2)
        }
        Mode::Pay => 1 + rng.weighted(&[10, 45, 25, 12, 8]),
        Mode::Consolidate => 1 + rng.weighted(&[60, 40]),
    };
    let by_size = MAX_TX_SIZE.saturating_sub(tx_size(spent.len(), 0)) / OUTPUT_SIZE;
    let by_coins = usize::try_from(coins_in / MIN_OUTPUT_DROPLETS).unwrap_or(usize::MAX);
    let n_out = wanted_outputs
        .min(by_size)
        .min(by_coins)
        .min(pool.len())
        .max(1);

    let recipients = choose_recipients(pool, rng, n_out, owner);
    let coins = split_coins(rng, coins_in, n_out, mode == Mode::Spread);

    let fee_min = required_fee(hours, BURN_FACTOR);
    let spare = hours - fee_min;
    // Now and then someone pays more than the least fee.
    let extra = if rng.chance(1, 10) {
        rng.below(spare / 10 + 1)
    } else {
        0
    };
    let fee = fee_min + extra;
    let to_share = hours - fee;
    let mut outputs = Vec::with_capacity(n_out);
    let mut hours_left = to_share;
    for (i, (&key, &c)) in recipients.iter().zip(&coins).enumerate() {
        let h = if i + 1 == n_out {
            hours_left
        } else {
            // Receivers get half of their coins' share of the hours; the
            // change output keeps the rest.
            let share = u128::from(to_share) * u128::from(c) / u128::from(coins_in.max(1)) / 2;
            u64::try_from(share).unwrap_or(0).min(hours_left)
        };
        hours_left -= h;
        let address = *pool.address(key).ok_or(BuildError::UnknownKey(key))?;
        outputs.push(TransactionOutput {
            address,
            coins: c,
            hours: h,
        });
    }
    let tx = Transaction::new_unsigned(spent.iter().map(|s| s.uxid).collect(), outputs);
    Ok(Some(PlannedTx {
        tx,
        spent,
        recipients,
        fee,
    }))
}

/// One payment in this many goes to [`HOT_KEY`] first, the way an
/// exchange's deposit address collects many: the chain then holds an
/// address with a long history next to many short ones.
pub const HOT_ONE_IN: u64 = 40;

/// The wallet key of the busy address.
pub const HOT_KEY: KeyIndex = 0;

/// `n` distinct receivers; sometimes the first is the busy [`HOT_KEY`];
/// half the time the last one (the change) goes back to the owner of the
/// first input, as wallets do.
fn choose_recipients(
    pool: &WalletPool,
    rng: &mut DevRng,
    n: usize,
    owner: KeyIndex,
) -> Vec<KeyIndex> {
    let mut recipients = pool.pick_distinct(rng, n);
    if rng.chance(1, HOT_ONE_IN) && !recipients.contains(&HOT_KEY) {
        if let Some(first) = recipients.first_mut() {
            *first = HOT_KEY;
        }
    }
    if let Some((last, payees)) = recipients.split_last_mut() {
        if !payees.is_empty() && rng.chance(1, 2) && !payees.contains(&owner) {
            *last = owner;
        }
    }
    recipients
}

/// Splits `coins_in` droplets into `n` outputs, each at least
/// [`MIN_OUTPUT_DROPLETS`] and a multiple of [`DROPLET_STEP`]; the last one
/// takes the rest. `even` spreads evenly with jitter (payouts), otherwise
/// payment amounts spread over orders of magnitude, half of them whole coins.
fn split_coins(rng: &mut DevRng, coins_in: u64, n: usize, even: bool) -> Vec<u64> {
    let min_units = MIN_OUTPUT_DROPLETS / DROPLET_STEP;
    let whole = 1_000_000 / DROPLET_STEP;
    let mut left = coins_in / DROPLET_STEP;
    let mut out = Vec::with_capacity(n);
    let mut paid = 0u64;
    for i in 0..n.saturating_sub(1) {
        let after = (n - 1 - i) as u64;
        let max = left.saturating_sub(after * min_units).max(min_units);
        let units = if even {
            let fair = left / (after + 1);
            rng.range(fair / 2, fair + fair / 2).clamp(min_units, max)
        } else {
            let a = rng.log_range(min_units, max);
            if rng.chance(1, 2) {
                (a / whole * whole).max(min_units)
            } else {
                a
            }
        };
        left -= units.min(left);
        let droplets = units * DROPLET_STEP;
        paid += droplets;
        out.push(droplets);
    }
    out.push(coins_in - paid);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coin_splits_conserve_coins_and_keep_three_decimals() {
        let mut rng = DevRng::from_seed("split");
        for &(coins, n, even) in &[
            (1_000_000u64, 1usize, false),
            (5_000_000, 5, false),
            (5_000_000, 5, true),
            (123_456_789_000, 4, false),
            (100_000_000_000_000, 800, true),
            (7_777_000, 3, true),
        ] {
            for _ in 0..200 {
                let split = split_coins(&mut rng, coins, n, even);
                assert_eq!(split.len(), n);
                assert_eq!(split.iter().sum::<u64>(), coins);
                for c in &split {
                    assert!(*c >= MIN_OUTPUT_DROPLETS, "{c} in {split:?}");
                    assert_eq!(c % DROPLET_STEP, 0);
                }
            }
        }
    }

    #[test]
    fn change_back_to_the_owner_keeps_receivers_distinct() {
        let pool = WalletPool::new("recipients", 6, 6).unwrap();
        let mut rng = DevRng::from_seed("r");
        let mut back = 0;
        for _ in 0..500 {
            let r = choose_recipients(&pool, &mut rng, 3, 2);
            let mut sorted = r.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), 3);
            back += usize::from(r[2] == 2);
        }
        assert!(back > 100, "{back}");
        assert_eq!(choose_recipients(&pool, &mut rng, 1, 2).len(), 1);
    }
}
