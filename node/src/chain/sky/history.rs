//! A page of an address set's Skycoin history, newest first, from the
//! store's per-address history: pool transactions first (by txid), then
//! confirmed ones by (block, position) descending. A cursor is the last
//! item's place (`p:<txid>` or `c:<seq>:<pos>`); each address's history is
//! entered by binary search, so a page costs the same at any depth.

use std::collections::{BTreeMap, HashSet};

use skyx_coins::amount::{Amount, Currency, SignedAmount};
use skyx_coins::sky::address::Address;
use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::transaction::Transaction;

use crate::chain::types::{HistoryItem, HistoryPage, TxStatus};
use crate::chain::ChainError;
use crate::store::read::HistoryEntry;
use crate::store::ChainStore;

/// Where a page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// After this pool transaction (pool transactions come first, by txid).
    Pending(Sha256),
    /// Before this confirmed transaction (block seq, position).
    Confirmed(u64, u32),
}

impl Cursor {
    /// The text form handed to clients.
    pub fn encode(self) -> String {
        match self {
            Cursor::Pending(t) => format!("p:{t}"),
            Cursor::Confirmed(seq, pos) => format!("c:{seq}:{pos}"),
        }
    }

    /// Parses a cursor this module made.
    pub fn decode(s: &str) -> Result<Cursor, ChainError> {
        let bad = || ChainError::InvalidCursor(s.chars().take(80).collect());
        if let Some(t) = s.strip_prefix("p:") {
            return t.parse().map(Cursor::Pending).map_err(|_| bad());
        }
        let (seq, pos) = s
            .strip_prefix("c:")
            .and_then(|r| r.split_once(':'))
            .ok_or_else(bad)?;
        Ok(Cursor::Confirmed(
            seq.parse().map_err(|_| bad())?,
            pos.parse().map_err(|_| bad())?,
        ))
    }
}

/// How many history entries of `a` come before `(seq, pos)` in chain order.
fn entries_before(store: &ChainStore, a: &Address, seq: u64, pos: u32) -> Result<u64, ChainError> {
    let (mut lo, mut hi) = (0u64, store.address_tx_count(a)?);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let e = store
            .address_history(a, mid, 1, false)?
            .first()
            .copied()
            .ok_or_else(|| ChainError::Store("address history is shorter than its count".into()))?;
        if (e.seq, e.pos) < (seq, pos) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

/// The newest `limit` confirmed entries of the set strictly before `before`.
fn confirmed_entries(
    store: &ChainStore,
    set: &[Address],
    before: Option<(u64, u32)>,
    limit: usize,
) -> Result<Vec<HistoryEntry>, ChainError> {
    let mut merged: BTreeMap<(u64, u32), HistoryEntry> = BTreeMap::new();
    for a in set {
        let count = store.address_tx_count(a)?;
        let end = match before {
            Some((seq, pos)) => entries_before(store, a, seq, pos)?,
            None => count,
        };
        for e in store.address_history(a, count - end, limit as u64, true)? {
            merged.insert((e.seq, e.pos), e);
        }
        // Keep only the newest `limit` across addresses seen so far.
        while merged.len() > limit {
            merged.pop_first();
        }
    }
    Ok(merged.into_values().rev().collect())
}

/// Sums what `txn` pays to and spends from the set; `spent` gives the
/// outputs its inputs spend (owner, coins, hours at `time`).
fn summarize(
    txn: &Transaction,
    set: &HashSet<Address>,
    spent: &[(Address, u64, u64)],
) -> (u64, u64, Option<u64>) {
    let received = txn
        .outputs
        .iter()
        .filter(|o| set.contains(&o.address))
        .fold(0u64, |a, o| a.saturating_add(o.coins));
    let sent = spent
        .iter()
        .filter(|(a, _, _)| set.contains(a))
        .fold(0u64, |s, (_, c, _)| s.saturating_add(*c));
    let hours_in = spent
        .iter()
        .try_fold(0u64, |s, (_, _, h)| s.checked_add(*h));
    let hours_out = txn.output_hours().ok();
    let fee = hours_in.zip(hours_out).and_then(|(i, o)| i.checked_sub(o));
    (received, sent, fee)
}

fn item(
    txid: Sha256,
    (received, sent, fee_hours): (u64, u64, Option<u64>),
    height: Option<u64>,
    confirmations: u64,
    time: Option<u64>,
    status: TxStatus,
) -> Result<HistoryItem, ChainError> {
    let (r, s) = (
        Amount::from_units(Currency::Sky, received),
        Amount::from_units(Currency::Sky, sent),
    );
    Ok(HistoryItem {
        txid: txid.to_hex(),
        height,
        confirmations,
        time,
        received: r,
        sent: s,
        net: SignedAmount::net(r, s).map_err(|e| ChainError::Store(e.to_string()))?,
        fee: Some(Amount::zero(Currency::Sky)),
        fee_hours,
        status,
    })
}

/// A page of the history of `set`.
pub fn page(
    store: &ChainStore,
    set: &[Address],
    cursor: Option<Cursor>,
    limit: usize,
) -> Result<HistoryPage, ChainError> {
    let members: HashSet<Address> = set.iter().copied().collect();
    let head = store
        .head()
        .header
        .ok_or_else(|| ChainError::Unavailable("the chain is empty".into()))?;
    let mut items = Vec::new();
    let mut last: Option<Cursor> = None;
    // Pool transactions touching the set, by txid, unless the cursor is past them.
    if !matches!(cursor, Some(Cursor::Confirmed(..))) {
        let after = match cursor {
            Some(Cursor::Pending(t)) => Some(t),
            _ => None,
        };
        let mut pool: Vec<_> = store.unconfirmed()?;
        pool.sort_by_key(|u| u.txn.hash().0);
        for u in pool {
            let txid = u.txn.hash();
            if after.is_some_and(|a| txid.0 <= a.0) {
                continue;
            }
            let mut spent = Vec::with_capacity(u.txn.inputs.len());
            for i in &u.txn.inputs {
                if let Some(ux) = store.unspent(i)? {
                    let h = ux.coin_hours(head.time).unwrap_or(0);
                    spent.push((ux.body.address, ux.body.coins, h));
                }
            }
            let sums = summarize(&u.txn, &members, &spent);
            if sums.0 == 0 && sums.1 == 0 {
                continue;
            }
            if items.len() == limit {
                return Ok(HistoryPage {
                    items,
                    next_cursor: last.map(Cursor::encode),
                });
            }
            items.push(item(txid, sums, None, 0, None, TxStatus::Pending)?);
            last = Some(Cursor::Pending(txid));
        }
    }
    let before = match cursor {
        Some(Cursor::Confirmed(seq, pos)) => Some((seq, pos)),
        _ => None,
    };
    let want = limit - items.len();
    let entries = confirmed_entries(store, set, before, want + 1)?;
    let more = entries.len() > want;
    for e in entries.into_iter().take(want) {
        let rec = store.transaction(&e.txid)?.ok_or_else(|| {
            ChainError::Store(format!("history transaction {} is missing", e.txid))
        })?;
        let time = store.block_header(e.seq)?.map(|h| h.time);
        // Inputs are valued as the block was judged: at the previous block's time.
        let judged = match e.seq.checked_sub(1) {
            Some(prev) => store.block_header(prev)?.map(|h| h.time),
            None => time,
        };
        let mut spent = Vec::with_capacity(rec.txn.inputs.len());
        for i in &rec.txn.inputs {
            let out = store
                .output(i)?
                .ok_or_else(|| ChainError::Store(format!("spent output {i} is missing")))?;
            let h = out.ux.coin_hours(judged.unwrap_or(0)).unwrap_or(0);
            spent.push((out.ux.body.address, out.ux.body.coins, h));
        }
        let sums = summarize(&rec.txn, &members, &spent);
        let confirmations = head.bk_seq.saturating_sub(e.seq) + 1;
        items.push(item(
            e.txid,
            sums,
            Some(e.seq),
            confirmations,
            time,
            TxStatus::Confirmed,
        )?);
        last = Some(Cursor::Confirmed(e.seq, e.pos));
    }
    Ok(HistoryPage {
        items,
        next_cursor: if more { last.map(Cursor::encode) } else { None },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let t = Sha256([7; 32]);
        for c in [Cursor::Pending(t), Cursor::Confirmed(180, 2)] {
            assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        }
        for bad in ["", "p:", "p:zz", "c:1", "c:x:1", "c:1:-1", "q:1:1"] {
            assert_eq!(Cursor::decode(bad).unwrap_err().code(), "invalid_cursor");
        }
    }
}
