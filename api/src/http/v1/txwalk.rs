//! The transactions of `/api/v1/transactions` and `/api/v2/transactions` in
//! the reference's order — by time, then txid (`TransactionsWithStatus.Sort`)
//! — walked from the store one block at a time, forwards or backwards.
//!
//! Block times strictly increase along the chain (a consensus rule), so in
//! that order the confirmed transactions are the blocks in chain order,
//! each block's transactions by txid. They come from the whole chain or
//! from the histories of some addresses (merged, each transaction once).
//! Pool transactions, timed by when they were received, are merged in by
//! the same key; the walk holds only their keys. A block is read when one
//! of its transactions is needed (or, for the merge with the pool, its
//! time), so skipping through an address history reads only its index.

use std::cmp::Ordering;
use std::collections::{BTreeSet, VecDeque};

use skyx_coins::sky::address::Address;
use skyx_coins::sky::block::Block;
use skyx_coins::sky::hash::Sha256;
use skyx_node::store::read::HistoryEntry;

use super::head;
use super::transaction::{find, Found};
use crate::http::error::{ApiError, ApiResult};
use crate::http::state::AppState;

/// History entries read per address and page.
const HISTORY_PAGE: u64 = 512;

/// Pool transactions read per page while the pool's keys are gathered.
const POOL_PAGE: usize = 1024;

/// A transaction's place in the order: time, then txid (the order of the
/// bytes is the order of the hex text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    /// Block time, or arrival time in seconds for a pooled transaction.
    pub time: u64,
    /// The txid.
    pub txid: [u8; 32],
}

/// The transactions of one block the walk visits, in walk order.
struct BlockBatch {
    seq: u64,
    /// Its time, once read.
    time: Option<u64>,
    /// Txid and position in the block.
    entries: VecDeque<(Sha256, u32)>,
    /// The block, once read.
    block: Option<Block>,
}

/// One address's history, read a page at a time in walk order.
struct History {
    address: Address,
    /// Entries taken from the store so far.
    taken: u64,
    /// Entries in all.
    count: u64,
    buf: VecDeque<HistoryEntry>,
}

impl History {
    /// The next entry in walk order, reading a page when needed.
    fn front(&mut self, s: &AppState, desc: bool) -> ApiResult<Option<&HistoryEntry>> {
        if self.buf.is_empty() && self.taken < self.count {
            let page = s
                .store
                .address_history(&self.address, self.taken, HISTORY_PAGE, desc)?;
            if page.is_empty() {
                // The index holds fewer entries than its counter says.
                return Err(ApiError::internal(
                    "address history is shorter than its count",
                ));
            }
            self.taken += page.len() as u64;
            self.buf.extend(page);
        }
        Ok(self.buf.front())
    }
}

/// Where the confirmed transactions come from.
enum Source {
    /// Every block up to the walk's top; `next` is the next seq to visit.
    Chain { next: Option<u64> },
    /// The merged histories of some addresses.
    Addresses(Vec<History>),
}

/// Which of the two heads comes next.
enum Next {
    Confirmed,
    Pooled,
}

/// A walk over the selected transactions in order.
pub struct TxWalk {
    top: u64,
    desc: bool,
    source: Option<Source>,
    batch: Option<BlockBatch>,
    pool: VecDeque<Key>,
}

/// Whether a pooled transaction touches one of `wanted` (receives, or
/// spends an output of one).
fn touches(
    s: &AppState,
    u: &skyx_node::mempool::UnconfirmedTxn,
    wanted: &BTreeSet<Address>,
) -> ApiResult<bool> {
    if u.txn.outputs.iter().any(|o| wanted.contains(&o.address)) {
        return Ok(true);
    }
    Ok(s.store
        .outputs(&u.txn.inputs)?
        .into_iter()
        .flatten()
        .any(|r| wanted.contains(&r.ux.body.address)))
}

/// The keys of the pool transactions that touch `addrs` (all of them when
/// `addrs` is empty), sorted.
fn pool_keys(s: &AppState, addrs: &[Address]) -> ApiResult<Vec<Key>> {
    let wanted: BTreeSet<Address> = addrs.iter().copied().collect();
    let mut keys = Vec::new();
    let mut after: Option<Sha256> = None;
    loop {
        let page = s.store.unconfirmed_page(after.as_ref(), POOL_PAGE)?;
        for u in &page {
            if wanted.is_empty() || touches(s, u, &wanted)? {
                let found = Found::Unconfirmed(u.clone());
                keys.push(Key {
                    time: found.time(),
                    txid: u.txn.hash().0,
                });
            }
        }
        match page.last() {
            Some(last) if page.len() == POOL_PAGE => after = Some(last.txn.hash()),
            _ => break,
        }
    }
    keys.sort_unstable();
    Ok(keys)
}

impl TxWalk {
    /// A walk over the transactions touching `addrs` (every transaction
    /// when empty), confirmed ones up to the current head, only confirmed
    /// or only pooled ones when `confirmed` says so; newest first when
    /// `desc`.
    pub fn new(
        s: &AppState,
        addrs: &[Address],
        confirmed: Option<bool>,
        desc: bool,
    ) -> ApiResult<TxWalk> {
        let top = head(s)?.bk_seq;
        let source = match confirmed {
            Some(false) => None,
            _ if addrs.is_empty() => Some(Source::Chain {
                next: Some(if desc { top } else { 0 }),
            }),
            _ => {
                let mut hs = Vec::with_capacity(addrs.len());
                for a in addrs {
                    hs.push(History {
                        address: *a,
                        taken: 0,
                        count: s.store.address_tx_count(a)?,
                        buf: VecDeque::new(),
                    });
                }
                Some(Source::Addresses(hs))
            }
        };
        let mut pool: VecDeque<Key> = if confirmed == Some(true) {
            VecDeque::new()
        } else {
            pool_keys(s, addrs)?.into()
        };
        if desc {
            pool.make_contiguous().reverse();
        }
        Ok(TxWalk {
            top,
            desc,
            source,
            batch: None,
            pool,
        })
    }

    /// The head seq the walk reports confirmations against.
    pub fn top(&self) -> u64 {
        self.top
    }

    /// Pool transactions still ahead.
    pub fn pool_len(&self) -> u64 {
        self.pool.len() as u64
    }

    /// Whether every pooled transaction ahead sorts after every block up
    /// to the top (always, unless a pool transaction arrived with a time
    /// before the head block's).
    pub fn pool_after_chain(&self, head_time: u64) -> bool {
        self.pool.iter().all(|k| k.time > head_time)
    }

    /// Reads the next block batch of the source (none at its end).
    fn load_batch(&mut self, s: &AppState) -> ApiResult<Option<BlockBatch>> {
        let (desc, top) = (self.desc, self.top);
        match &mut self.source {
            None => Ok(None),
            Some(Source::Chain { next }) => {
                let Some(seq) = *next else {
                    return Ok(None);
                };
                *next = if desc {
                    seq.checked_sub(1)
                } else {
                    Some(seq + 1).filter(|n| *n <= top)
                };
                let block = s
                    .store
                    .block_by_seq(seq)?
                    .ok_or_else(|| ApiError::internal(format!("block {seq} is missing")))?
                    .block;
                let mut entries: Vec<(Sha256, u32)> = block
                    .body
                    .transactions
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (t.hash(), i as u32))
                    .collect();
                entries.sort_unstable_by_key(|a| a.0 .0);
                if desc {
                    entries.reverse();
                }
                Ok(Some(BlockBatch {
                    seq,
                    time: Some(block.head.time),
                    entries: entries.into(),
                    block: Some(block),
                }))
            }
            Some(Source::Addresses(histories)) => {
                // The next block any history visits, among those up to
                // the top (blocks added since the walk began are left out) ...
                let mut target: Option<u64> = None;
                for h in histories.iter_mut() {
                    while h.front(s, desc)?.is_some_and(|e| e.seq > top) {
                        h.buf.pop_front();
                    }
                    if let Some(e) = h.front(s, desc)? {
                        target = Some(match target {
                            None => e.seq,
                            Some(t) if desc => t.max(e.seq),
                            Some(t) => t.min(e.seq),
                        });
                    }
                }
                let Some(seq) = target else {
                    return Ok(None);
                };
                // ... and every entry of that block, each transaction once.
                let mut entries: Vec<(Sha256, u32)> = Vec::new();
                for h in histories.iter_mut() {
                    while let Some(e) = h.front(s, desc)? {
                        if e.seq != seq {
                            break;
                        }
                        entries.push((e.txid, e.pos));
                        h.buf.pop_front();
                    }
                }
                entries.sort_unstable_by_key(|a| a.0 .0);
                entries.dedup_by(|a, b| a.0 == b.0);
                if desc {
                    entries.reverse();
                }
                Ok(Some(BlockBatch {
                    seq,
                    time: None,
                    entries: entries.into(),
                    block: None,
                }))
            }
        }
    }

    /// Makes sure the current batch has an entry ahead, when any is left.
    fn fill_batch(&mut self, s: &AppState) -> ApiResult<()> {
        while self.batch.as_ref().is_none_or(|b| b.entries.is_empty()) {
            match self.load_batch(s)? {
                Some(b) => self.batch = Some(b),
                None => {
                    self.batch = None;
                    break;
                }
            }
        }
        Ok(())
    }

    /// Which comes next: the batch's transaction or the pool's.
    fn choose(&mut self, s: &AppState) -> ApiResult<Option<Next>> {
        self.fill_batch(s)?;
        let pool_head = self.pool.front().copied();
        let Some(batch) = self.batch.as_mut() else {
            return Ok(pool_head.map(|_| Next::Pooled));
        };
        let Some(p) = pool_head else {
            return Ok(Some(Next::Confirmed));
        };
        let time = match batch.time {
            Some(t) => t,
            None => {
                let t = s
                    .store
                    .block_header(batch.seq)?
                    .ok_or_else(|| ApiError::internal(format!("block {} is missing", batch.seq)))?
                    .time;
                batch.time = Some(t);
                t
            }
        };
        let Some((txid, _)) = batch.entries.front() else {
            return Ok(Some(Next::Pooled));
        };
        let c = Key { time, txid: txid.0 };
        let confirmed_first = match c.cmp(&p) {
            Ordering::Less => !self.desc,
            Ordering::Greater => self.desc,
            Ordering::Equal => {
                // Confirmed while the walk ran: it is shown once, confirmed.
                self.pool.pop_front();
                true
            }
        };
        Ok(Some(if confirmed_first {
            Next::Confirmed
        } else {
            Next::Pooled
        }))
    }

    /// The next transaction, read from the store.
    pub fn next(&mut self, s: &AppState) -> ApiResult<Option<Found>> {
        loop {
            match self.choose(s)? {
                None => return Ok(None),
                Some(Next::Confirmed) => {
                    let Some(batch) = self.batch.as_mut() else {
                        return Ok(None);
                    };
                    let Some((txid, pos)) = batch.entries.pop_front() else {
                        continue;
                    };
                    if batch.block.is_none() {
                        let b = s.store.block_by_seq(batch.seq)?.ok_or_else(|| {
                            ApiError::internal(format!("block {} is missing", batch.seq))
                        })?;
                        batch.time = Some(b.block.head.time);
                        batch.block = Some(b.block);
                    }
                    let block = batch.block.as_ref().ok_or_else(|| {
                        ApiError::internal(format!("block {} is missing", batch.seq))
                    })?;
                    let txn = block
                        .body
                        .transactions
                        .get(pos as usize)
                        .filter(|t| t.hash() == txid)
                        .cloned()
                        .ok_or_else(|| {
                            ApiError::internal(format!(
                                "transaction {txid} is not at {pos} in block {}",
                                batch.seq
                            ))
                        })?;
                    return Ok(Some(Found::Confirmed {
                        txn,
                        seq: batch.seq,
                        time: block.head.time,
                    }));
                }
                Some(Next::Pooled) => {
                    let Some(k) = self.pool.pop_front() else {
                        continue;
                    };
                    let txid = Sha256(k.txid);
                    if let Some(u) = s.store.unconfirmed_txn(&txid)? {
                        return Ok(Some(Found::Unconfirmed(u)));
                    }
                    // It left the pool while the walk ran: show what it is
                    // now (confirmed), or nothing if it is gone.
                    if let Some(f) = find(s, &txid)? {
                        return Ok(Some(f));
                    }
                }
            }
        }
    }

    /// Skips up to `n` transactions without reading them; returns how many
    /// were skipped.
    pub fn skip(&mut self, s: &AppState, n: u64) -> ApiResult<u64> {
        let mut done = 0;
        while done < n {
            match self.choose(s)? {
                None => break,
                Some(Next::Confirmed) => {
                    if let Some(b) = self.batch.as_mut() {
                        b.entries.pop_front();
                    }
                }
                Some(Next::Pooled) => {
                    self.pool.pop_front();
                }
            }
            done += 1;
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_order_by_time_then_txid_hex() {
        let a = Key {
            time: 5,
            txid: [0xff; 32],
        };
        let b = Key {
            time: 6,
            txid: [0; 32],
        };
        assert!(a < b);
        let mut c = [0u8; 32];
        c[0] = 0x0a;
        let mut d = [0u8; 32];
        d[0] = 0xa0;
        let (kc, kd) = (Key { time: 1, txid: c }, Key { time: 1, txid: d });
        assert!(kc < kd);
        assert!(Sha256(c).to_hex() < Sha256(d).to_hex());
    }
}
