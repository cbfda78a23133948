//! Building an unsigned Skycoin transaction from unspent outputs, exactly as
//! the reference's `transaction.Create` does: which outputs to spend
//! ([`choose`]), the burned fee, how the remaining hours go to the receivers
//! ([`hours`]) and the change, with the reference's error texts.
//!
//! The caller gathers the candidate outputs (from the store, a wallet's
//! addresses, listed output ids) and the head time; nothing here reads a
//! database.

pub mod choose;
pub mod hours;

use std::collections::HashSet;

use crate::sky::address::Address;
use crate::sky::coin_hours::{required_fee, CoinHoursError};
use crate::sky::transaction::{Transaction, TransactionOutput};

pub use choose::{choose_spends, sort_hours_low_to_high, Strategy, UxBalance};
pub use hours::distribute_coin_hours_proportional;

/// Why a transaction cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreateError {
    /// The change address is the null address.
    #[error("ChangeAddress must not be the null address")]
    NullChangeAddress,
    /// No receivers.
    #[error("To is required")]
    MissingReceivers,
    /// A receiver of zero coins.
    #[error("To.Coins must not be zero")]
    ZeroCoinsReceiver,
    /// A receiver at the null address.
    #[error("To.Address must not be the null address")]
    NullAddressReceiver,
    /// Two identical receivers.
    #[error("To contains duplicate values")]
    DuplicateReceiver,
    /// Hours given for a receiver in auto mode.
    #[error("To.Hours must be zero for auto type hours selection")]
    ReceiverHoursAuto,
    /// A candidate output listed twice.
    #[error("Duplicate UxBalance in array")]
    DuplicateUxBalance,
    /// Nothing to send.
    #[error("zero spend amount")]
    ZeroSpend,
    /// No candidate outputs.
    #[error("no unspents to spend")]
    NoUnspents,
    /// A candidate output of zero coins.
    #[error("UxOut coins are 0, can't spend")]
    ZeroCoinOutput,
    /// No candidate output has coin hours to pay the fee with.
    #[error("Transaction has zero coinhour fee")]
    NoFee,
    /// Not enough coins.
    #[error("balance is not sufficient")]
    InsufficientBalance,
    /// Enough coins, not enough hours for the requested hours and the fee.
    #[error("hours are not sufficient")]
    InsufficientHours,
    /// More hours out than the inputs leave after the fee.
    #[error("Insufficient coinhours for transaction outputs")]
    InsufficientCoinHours,
    /// A sum of amounts overflows.
    #[error("uint64 addition overflow")]
    AddOverflow,
    /// The receivers' coins add up past 64 bits.
    #[error("total output coins error: uint64 addition overflow")]
    TotalCoinsOverflow,
    /// The receivers' hours add up past 64 bits.
    #[error("total output hours error: uint64 addition overflow")]
    TotalHoursOverflow,
    /// An amount does not fit a signed 64-bit integer.
    #[error("uint64 overflows int64")]
    Int64Overflow,
    /// Hours of a candidate cannot be computed.
    #[error("{0}")]
    Hours(#[from] CoinHoursError),
    /// The proportional hour split refused its input.
    #[error("DistributeCoinHoursProportional {0}")]
    Distribution(&'static str),
    /// The built transaction breaks an invariant the reference checks.
    #[error("Created transaction that violates invariants, this is a bug: {0}")]
    Invariant(&'static str),
}

/// A share of the hours left after the fee, `num / den` with `den ≤ 10^18`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShareFactor {
    num: u64,
    den: u64,
}

impl ShareFactor {
    /// All of the hours.
    pub const ONE: ShareFactor = ShareFactor { num: 1, den: 1 };

    /// `num / den`, which must lie in `[0, 1]` with `0 < den ≤ 10^18`.
    pub fn new(num: u64, den: u64) -> Option<ShareFactor> {
        (den > 0 && den <= 1_000_000_000_000_000_000 && num <= den)
            .then_some(ShareFactor { num, den })
    }

    /// `⌊share · hours⌋`.
    pub fn of(self, hours: u64) -> u64 {
        // num ≤ den ≤ 10^18 < 2^60: the product fits in 128 bits, the result in 64.
        (u128::from(hours) * u128::from(self.num) / u128::from(self.den)) as u64
    }
}

/// How output hours are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoursSelection {
    /// Each receiver's hours are given.
    Manual,
    /// This share of the hours left after the fee goes to the receivers in
    /// proportion to their coins; the rest is change.
    Share(ShareFactor),
}

/// What to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateParams {
    /// Receivers (hours only in manual mode).
    pub to: Vec<TransactionOutput>,
    /// Hours selection.
    pub hours: HoursSelection,
    /// Where change goes; by default the spent owner whose address bytes sort first.
    pub change: Option<Address>,
}

impl CreateParams {
    /// The reference's checks of the parameters (`Params.Validate`).
    pub fn validate(&self) -> Result<(), CreateError> {
        if self.change.is_some_and(|a| a.is_null()) {
            return Err(CreateError::NullChangeAddress);
        }
        if self.to.is_empty() {
            return Err(CreateError::MissingReceivers);
        }
        for to in &self.to {
            if to.coins == 0 {
                return Err(CreateError::ZeroCoinsReceiver);
            }
            if to.address.is_null() {
                return Err(CreateError::NullAddressReceiver);
            }
        }
        let distinct: HashSet<&TransactionOutput> = self.to.iter().collect();
        if distinct.len() != self.to.len() {
            return Err(CreateError::DuplicateReceiver);
        }
        if matches!(self.hours, HoursSelection::Share(_)) && self.to.iter().any(|t| t.hours != 0) {
            return Err(CreateError::ReceiverHoursAuto);
        }
        Ok(())
    }
}

fn sum(mut values: impl Iterator<Item = u64>) -> Result<u64, CreateError> {
    values.try_fold(0u64, |a, v| {
        a.checked_add(v).ok_or(CreateError::AddOverflow)
    })
}

/// The address whose bytes (key, then version) sort first among the spends.
fn first_owner(spends: &[UxBalance]) -> Option<Address> {
    spends
        .iter()
        .map(|s| s.address)
        .min_by(|a, b| (a.key.0, a.version).cmp(&(b.key.0, b.version)))
}

/// Builds the unsigned transaction paying `p.to` from `candidates` (their
/// hours taken at the head time) and returns it with the spent outputs in
/// input order (`transaction.Create`, fewest inputs first).
pub fn create(
    p: &CreateParams,
    candidates: &[UxBalance],
    burn_factor: u32,
) -> Result<(Transaction, Vec<UxBalance>), CreateError> {
    p.validate()?;
    let mut seen = HashSet::with_capacity(candidates.len());
    if !candidates.iter().all(|u| seen.insert(u.hash)) {
        return Err(CreateError::DuplicateUxBalance);
    }
    match build(p, candidates, burn_factor, p.hours)? {
        Built::Done(txn, inputs) => Ok((txn, inputs)),
        // Change hours would be burned for want of change coins: give every
        // remaining hour to the receivers instead, as the reference does.
        Built::RetryWithAllHours => match build(
            p,
            candidates,
            burn_factor,
            HoursSelection::Share(ShareFactor::ONE),
        )? {
            Built::Done(txn, inputs) => Ok((txn, inputs)),
            Built::RetryWithAllHours => Err(CreateError::Invariant(
                "change hours remain with a share factor of 1",
            )),
        },
    }
}

enum Built {
    Done(Transaction, Vec<UxBalance>),
    RetryWithAllHours,
}

fn build(
    p: &CreateParams,
    candidates: &[UxBalance],
    burn_factor: u32,
    selection: HoursSelection,
) -> Result<Built, CreateError> {
    let out_coins =
        sum(p.to.iter().map(|t| t.coins)).map_err(|_| CreateError::TotalCoinsOverflow)?;
    let requested_hours =
        sum(p.to.iter().map(|t| t.hours)).map_err(|_| CreateError::TotalHoursOverflow)?;
    let mut spends = choose_spends(
        candidates,
        out_coins,
        requested_hours,
        burn_factor,
        Strategy::MinimizeUxOuts,
    )?;
    let in_coins = sum(spends.iter().map(|s| s.coins))?;
    let in_hours = sum(spends.iter().map(|s| s.hours))?;
    let fee = required_fee(in_hours, burn_factor);
    if fee == 0 {
        return Err(CreateError::Invariant("chosen spends have no coin hours"));
    }
    let remaining = in_hours - fee;
    let mut outputs = p.to.clone();
    if let HoursSelection::Share(share) = selection {
        let coins: Vec<u64> = p.to.iter().map(|t| t.coins).collect();
        let hours = distribute_coin_hours_proportional(&coins, share.of(remaining))?;
        for (o, h) in outputs.iter_mut().zip(hours) {
            o.hours = h;
        }
    }
    let out_hours = sum(outputs.iter().map(|o| o.hours))?;
    if out_coins > in_coins {
        return Err(CreateError::InsufficientBalance);
    }
    if out_hours > remaining {
        return Err(CreateError::InsufficientCoinHours);
    }
    let mut change_coins = in_coins - out_coins;
    let mut change_hours = remaining - out_hours;
    if change_coins == 0 && change_hours > 0 {
        // Spend one more output (the one with the fewest hours) to carry the
        // change hours, when its extra fee is less than what it saves.
        let chosen: HashSet<_> = spends.iter().map(|s| s.hash).collect();
        let mut rest: Vec<UxBalance> = candidates
            .iter()
            .filter(|c| !chosen.contains(&c.hash))
            .copied()
            .collect();
        sort_hours_low_to_high(&mut rest);
        if let Some(extra) = rest.first().copied() {
            let new_total = in_hours
                .checked_add(extra.hours)
                .ok_or(CreateError::AddOverflow)?;
            let added_fee = required_fee(new_total, burn_factor)
                .checked_sub(fee)
                .ok_or(CreateError::Invariant("the fee shrank with an extra input"))?;
            if added_fee < change_hours {
                let kept = extra
                    .hours
                    .checked_sub(added_fee)
                    .ok_or(CreateError::Invariant(
                        "an extra input costs more than it holds",
                    ))?;
                change_coins = extra.coins;
                change_hours = change_hours
                    .checked_add(kept)
                    .ok_or(CreateError::AddOverflow)?;
                spends.push(extra);
            }
        }
    }
    if change_coins == 0 && change_hours > 0 {
        if let HoursSelection::Share(share) = selection {
            if share == ShareFactor::ONE {
                return Err(CreateError::Invariant(
                    "change hours remain with a share factor of 1",
                ));
            }
            return Ok(Built::RetryWithAllHours);
        }
    }
    if change_coins > 0 {
        let address = match p.change {
            Some(a) => a,
            None => first_owner(&spends).ok_or(CreateError::Invariant("no spends"))?,
        };
        outputs.push(TransactionOutput {
            address,
            coins: change_coins,
            hours: change_hours,
        });
    }
    let txn = Transaction::new_unsigned(spends.iter().map(|s| s.hash).collect(), outputs);
    verify_created(p, &txn, &spends, burn_factor)?;
    Ok(Built::Done(txn, spends))
}

/// The reference's checks of a created transaction
/// (`VerifyCreatedInvariants`): a bug here must not leave as a transaction.
fn verify_created(
    p: &CreateParams,
    txn: &Transaction,
    inputs: &[UxBalance],
    burn_factor: u32,
) -> Result<(), CreateError> {
    let bad = CreateError::Invariant;
    if txn.outputs.iter().any(|o| o.address.is_null()) {
        return Err(bad("Output address is null"));
    }
    if txn.outputs.iter().any(|o| o.coins == 0) {
        return Err(bad("Output coins is 0"));
    }
    if txn.outputs.len() != p.to.len() && txn.outputs.len() != p.to.len() + 1 {
        return Err(bad("Transaction has unexpected number of outputs"));
    }
    for (o, to) in txn.outputs.iter().zip(&p.to) {
        if o.address != to.address || o.coins != to.coins || (to.hours != 0 && o.hours != to.hours)
        {
            return Err(bad("Output does not match the requested output"));
        }
    }
    if txn.sigs.len() != txn.inputs.len() || txn.inputs.len() != inputs.len() {
        return Err(bad("Number of signatures or inputs does not match"));
    }
    let mut seen = HashSet::with_capacity(inputs.len());
    for (h, i) in txn.inputs.iter().zip(inputs) {
        if *h != i.hash
            || i.hours < i.initial_hours
            || i.src_transaction.is_zero()
            || i.hash.is_zero()
        {
            return Err(bad("Transaction input does not match its UxOut"));
        }
        if !seen.insert(i.hash) {
            return Err(bad("Duplicate input in array"));
        }
    }
    let input_hours = sum(inputs.iter().map(|i| i.hours))?;
    let output_hours = sum(txn.outputs.iter().map(|o| o.hours))?;
    if input_hours < output_hours {
        return Err(bad("Total input hours is less than the output hours"));
    }
    if input_hours - output_hours < required_fee(input_hours, burn_factor) {
        return Err(bad("Transaction will not satisfy required fee"));
    }
    Ok(())
}
