//! The account ledger: available and held balances per account and asset, the
//! fee account, deposits, two-step withdrawals and internal transfers.
//!
//! Every movement has two sides (available ⇄ held of one account, one account ⇄
//! another, an account ⇄ the fee account, or the outside world ⇄ `supply`), so for
//! every asset `Σ(available + held) + fee == deposited − withdrawn` (= `supply`).
//! [`Ledger::check`] verifies it; the engine calls it after every command in
//! debug builds and on the `check` command.

use crate::error::EngineError;
use crate::idmap::{id_map_with_capacity, IdMap};
use crate::market::AssetSpec;
use crate::types::{AccountId, AssetId, Units};
use std::collections::BTreeMap;

/// The largest asset id accepted.
pub const MAX_ASSET_ID: AssetId = 4095;

/// One account's balance of one asset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Balance {
    /// Free to trade, transfer or withdraw.
    pub available: Units,
    /// Reserved by open orders and pending withdrawals.
    pub held: Units,
}

/// A withdrawal whose funds are held until it is settled or cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PendingWithdrawal {
    /// Owner.
    pub account: AccountId,
    /// Asset.
    pub asset: AssetId,
    /// Amount held.
    pub amount: Units,
}

/// Per-asset totals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct AssetTotals {
    /// Fee account balance.
    pub fee: Units,
    /// Deposited minus withdrawn: what all balances plus the fee account must add up to.
    pub supply: Units,
    /// Everything ever deposited.
    pub deposited: u128,
    /// Everything ever withdrawn.
    pub withdrawn: u128,
}

/// Balances of every account, indexed by dense slots.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    pub(crate) assets: Vec<AssetSpec>,
    asset_index: Vec<u32>,
    pub(crate) totals: Vec<AssetTotals>,
    slots: IdMap<AccountId, u32>,
    pub(crate) accounts: Vec<AccountId>,
    pub(crate) bal: Vec<Balance>,
    stride: usize,
    pub(crate) pending: BTreeMap<u64, PendingWithdrawal>,
}

const NO_ASSET: u32 = u32::MAX;

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Ledger {
            slots: id_map_with_capacity(1024),
            ..Default::default()
        }
    }

    /// Registers an asset.
    pub fn add_asset(&mut self, spec: AssetSpec) -> Result<(), EngineError> {
        if spec.id > MAX_ASSET_ID || spec.decimals > 28 {
            return Err(EngineError::CapacityExceeded);
        }
        if self.asset_index(spec.id).is_ok() {
            return Err(EngineError::DuplicateAsset);
        }
        let id = spec.id as usize;
        if self.asset_index.len() <= id {
            self.asset_index.resize(id + 1, NO_ASSET);
        }
        self.asset_index[id] = self.assets.len() as u32;
        self.assets.push(spec);
        self.totals.push(AssetTotals::default());
        // Re-layout balances with one more column.
        let old = self.stride;
        let new = old + 1;
        let mut bal = vec![Balance::default(); self.accounts.len() * new];
        for s in 0..self.accounts.len() {
            bal[s * new..s * new + old].copy_from_slice(&self.bal[s * old..s * old + old]);
        }
        self.bal = bal;
        self.stride = new;
        Ok(())
    }

    /// Dense index of an asset.
    #[inline]
    pub fn asset_index(&self, asset: AssetId) -> Result<usize, EngineError> {
        match self.asset_index.get(asset as usize) {
            Some(&i) if i != NO_ASSET => Ok(i as usize),
            _ => Err(EngineError::UnknownAsset),
        }
    }

    /// Registered assets in registration order.
    pub fn assets(&self) -> &[AssetSpec] {
        &self.assets
    }

    /// Dense slot of an account, if it exists.
    #[inline]
    pub fn slot(&self, account: AccountId) -> Option<u32> {
        self.slots.get(&account).copied()
    }

    /// Dense slot of an account, creating an empty account if needed.
    pub fn slot_or_create(&mut self, account: AccountId) -> Result<u32, EngineError> {
        if let Some(s) = self.slot(account) {
            return Ok(s);
        }
        let s = u32::try_from(self.accounts.len()).map_err(|_| EngineError::CapacityExceeded)?;
        self.slots.insert(account, s);
        self.accounts.push(account);
        self.bal
            .resize(self.bal.len() + self.stride, Balance::default());
        Ok(s)
    }

    /// Number of accounts.
    pub fn account_count(&self) -> usize {
        self.accounts.len()
    }

    #[inline]
    pub(crate) fn at(&self, slot: u32, ai: usize) -> usize {
        slot as usize * self.stride + ai
    }

    /// Balance of `slot` in asset index `ai`.
    #[inline]
    pub fn balance_at(&self, slot: u32, ai: usize) -> Balance {
        self.bal[self.at(slot, ai)]
    }

    /// Balance of an account in an asset (zero if either is unknown).
    pub fn balance(&self, account: AccountId, asset: AssetId) -> Balance {
        match (self.slot(account), self.asset_index(asset)) {
            (Some(s), Ok(ai)) => self.balance_at(s, ai),
            _ => Balance::default(),
        }
    }

    /// Totals of an asset.
    pub fn totals(&self, asset: AssetId) -> Result<AssetTotals, EngineError> {
        Ok(self.totals[self.asset_index(asset)?])
    }

    /// Moves `amount` from available to held.
    #[inline]
    pub fn hold(&mut self, slot: u32, ai: usize, amount: Units) -> Result<(), EngineError> {
        let i = self.at(slot, ai);
        let b = &mut self.bal[i];
        if b.available < amount {
            return Err(EngineError::InsufficientFunds);
        }
        b.available -= amount;
        b.held += amount;
        Ok(())
    }

    /// Moves `amount` from held back to available.
    #[inline]
    pub fn release(&mut self, slot: u32, ai: usize, amount: Units) {
        let i = self.at(slot, ai);
        let b = &mut self.bal[i];
        debug_assert!(b.held >= amount, "release more than held");
        b.held = b.held.wrapping_sub(amount);
        b.available = b.available.wrapping_add(amount);
    }

    /// Credits a deposit from outside.
    pub fn deposit(
        &mut self,
        account: AccountId,
        asset: AssetId,
        amount: Units,
    ) -> Result<(), EngineError> {
        let ai = self.asset_index(asset)?;
        if amount == 0 {
            return Err(EngineError::InvalidAmount);
        }
        let supply = self.totals[ai]
            .supply
            .checked_add(amount)
            .ok_or(EngineError::InvalidAmount)?;
        let s = self.slot_or_create(account)?;
        let i = self.at(s, ai);
        self.bal[i].available += amount;
        let t = &mut self.totals[ai];
        t.supply = supply;
        t.deposited += u128::from(amount);
        Ok(())
    }

    /// Starts a withdrawal: holds the amount under withdrawal id `wid`.
    pub fn withdraw_hold(
        &mut self,
        wid: u64,
        account: AccountId,
        asset: AssetId,
        amount: Units,
    ) -> Result<(), EngineError> {
        let ai = self.asset_index(asset)?;
        if amount == 0 {
            return Err(EngineError::InvalidAmount);
        }
        if self.pending.contains_key(&wid) {
            return Err(EngineError::DuplicateWithdrawal);
        }
        let s = self.slot(account).ok_or(EngineError::UnknownAccount)?;
        self.hold(s, ai, amount)?;
        self.pending.insert(
            wid,
            PendingWithdrawal {
                account,
                asset,
                amount,
            },
        );
        Ok(())
    }

    /// Completes a withdrawal: the held amount leaves the exchange.
    pub fn withdraw_settle(&mut self, wid: u64) -> Result<PendingWithdrawal, EngineError> {
        let (p, s, ai) = self.take_pending(wid)?;
        let i = self.at(s, ai);
        self.bal[i].held -= p.amount;
        let t = &mut self.totals[ai];
        t.supply -= p.amount;
        t.withdrawn += u128::from(p.amount);
        Ok(p)
    }

    /// Cancels a withdrawal: the held amount becomes available again.
    pub fn withdraw_cancel(&mut self, wid: u64) -> Result<PendingWithdrawal, EngineError> {
        let (p, s, ai) = self.take_pending(wid)?;
        self.release(s, ai, p.amount);
        Ok(p)
    }

    /// Removes pending withdrawal `wid` and finds its account slot and asset
    /// index; nothing changes when any of them is missing.
    fn take_pending(&mut self, wid: u64) -> Result<(PendingWithdrawal, u32, usize), EngineError> {
        let p = *self
            .pending
            .get(&wid)
            .ok_or(EngineError::UnknownWithdrawal)?;
        let ai = self.asset_index(p.asset)?;
        let s = self.slot(p.account).ok_or(EngineError::UnknownAccount)?;
        self.pending.remove(&wid);
        Ok((p, s, ai))
    }

    /// Moves available funds from one account to another.
    pub fn transfer(
        &mut self,
        from: AccountId,
        to: AccountId,
        asset: AssetId,
        amount: Units,
    ) -> Result<(), EngineError> {
        let ai = self.asset_index(asset)?;
        if amount == 0 {
            return Err(EngineError::InvalidAmount);
        }
        let fs = self.slot(from).ok_or(EngineError::UnknownAccount)?;
        if self.balance_at(fs, ai).available < amount {
            return Err(EngineError::InsufficientFunds);
        }
        let ts = self.slot_or_create(to)?;
        let fi = self.at(fs, ai);
        self.bal[fi].available -= amount;
        let ti = self.at(ts, ai);
        self.bal[ti].available += amount;
        Ok(())
    }

    /// Verifies `Σ(available + held) + fee == supply` for every asset.
    pub fn check(&self) -> Result<(), EngineError> {
        for (ai, t) in self.totals.iter().enumerate() {
            let mut sum: u128 = u128::from(t.fee);
            for s in 0..self.accounts.len() {
                let b = self.bal[s * self.stride + ai];
                sum += u128::from(b.available) + u128::from(b.held);
            }
            // A loaded snapshot may claim more withdrawn than deposited.
            let net = t.deposited.checked_sub(t.withdrawn);
            if sum != u128::from(t.supply) || net != Some(u128::from(t.supply)) {
                return Err(EngineError::LedgerImbalance);
            }
        }
        Ok(())
    }

    /// Held amounts expected from pending withdrawals, keyed by (slot, asset index).
    pub(crate) fn pending_holds(&self) -> Vec<(u32, usize, Units)> {
        self.pending
            .values()
            .filter_map(|p| {
                let s = self.slot(p.account)?;
                let ai = self.asset_index(p.asset).ok()?;
                Some((s, ai, p.amount))
            })
            .collect()
    }

    /// Accounts sorted by id, for canonical encodings.
    pub(crate) fn sorted_slots(&self) -> Vec<(AccountId, u32)> {
        let mut v: Vec<(AccountId, u32)> = self
            .accounts
            .iter()
            .enumerate()
            .map(|(s, &a)| (a, s as u32))
            .collect();
        v.sort_unstable();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn movements_conserve() {
        let mut l = Ledger::new();
        l.add_asset(AssetSpec { id: 1, decimals: 8 }).unwrap();
        l.deposit(10, 1, 1_000).unwrap();
        l.add_asset(AssetSpec { id: 2, decimals: 6 }).unwrap();
        l.deposit(11, 2, 50).unwrap();
        assert_eq!(l.balance(10, 1).available, 1_000);
        l.transfer(10, 12, 1, 300).unwrap();
        assert_eq!(
            l.transfer(10, 12, 1, 701),
            Err(EngineError::InsufficientFunds)
        );
        l.withdraw_hold(7, 12, 1, 100).unwrap();
        assert_eq!(
            l.balance(12, 1),
            Balance {
                available: 200,
                held: 100
            }
        );
        assert_eq!(
            l.withdraw_hold(7, 12, 1, 1),
            Err(EngineError::DuplicateWithdrawal)
        );
        l.withdraw_settle(7).unwrap();
        l.withdraw_hold(8, 12, 1, 50).unwrap();
        l.withdraw_cancel(8).unwrap();
        assert_eq!(
            l.balance(12, 1),
            Balance {
                available: 200,
                held: 0
            }
        );
        let t = l.totals(1).unwrap();
        assert_eq!((t.supply, t.deposited, t.withdrawn), (900, 1_000, 100));
        l.check().unwrap();
        assert_eq!(l.deposit(1, 1, u64::MAX), Err(EngineError::InvalidAmount));
    }

    /// Found by the `journal` fuzz target: a damaged snapshot loads totals
    /// with more withdrawn than deposited, and the check overflowed instead
    /// of reporting the imbalance.
    #[test]
    fn more_withdrawn_than_deposited_is_an_imbalance() {
        let mut l = Ledger::new();
        l.add_asset(AssetSpec { id: 1, decimals: 8 }).unwrap();
        l.deposit(10, 1, 1_000).unwrap();
        l.totals[0].withdrawn = 1_001;
        assert_eq!(l.check(), Err(EngineError::LedgerImbalance));
    }
}
