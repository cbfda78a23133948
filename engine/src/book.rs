//! The matching core: a price-time priority order book over a dense array of
//! price levels.
//!
//! Prices are integer ticks within the market's band, so a level is found by
//! indexing `price − band_low`; a two-level [`Bitset`] finds the next occupied
//! level. Orders live in a slab (a `Vec` with a free list) and are chained per
//! level by intrusive doubly-linked lists, so placing, cancelling and moving an
//! order allocates nothing once the slab has grown. Order ids map to slab slots
//! through an [`IdMap`].
//!
//! The book knows nothing about money: every fill, self-trade decision and
//! removal is reported to a [`MatchSink`], which the full engine uses to move
//! funds and emit events, and which a bare benchmark can leave empty.

use crate::bitset::Bitset;
use crate::error::EngineError;
use crate::idmap::{id_map_with_capacity, IdMap};
use crate::order::DoneReason;
use crate::stp::{self, StpAction, StpMode};
use crate::types::{AccountId, Lots, OrderId, Side, Ticks, Units};

const NIL: u32 = u32::MAX;

/// A resting order as the book stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RestingOrder {
    /// Client order id.
    pub id: OrderId,
    /// Owner.
    pub account: AccountId,
    /// Owner's dense ledger slot (not part of the canonical state).
    pub slot: u32,
    /// Buy or sell.
    pub side: Side,
    /// Limit price in ticks.
    pub price: Ticks,
    /// Remaining quantity in lots.
    pub qty: Lots,
    /// Funds still held for this order (quote for buys, base for sells).
    pub held: Units,
    /// Cumulative notional filled as maker since the order (re)entered the book.
    pub maker_cum: Units,
    /// GTD expiry (logical time), or 0 for none.
    pub expiry: u64,
    /// Self-trade prevention mode the order was placed with.
    pub stp: StpMode,
}

#[derive(Clone, Copy, Debug)]
struct Node {
    o: RestingOrder,
    prev: u32,
    next: u32,
}

/// One price level: a FIFO of orders and its total quantity.
#[derive(Clone, Copy, Debug)]
struct Level {
    head: u32,
    tail: u32,
    total: Lots,
    count: u32,
    dirty: u32,
}

impl Default for Level {
    fn default() -> Self {
        Level {
            head: NIL,
            tail: NIL,
            total: 0,
            count: 0,
            dirty: 0,
        }
    }
}

#[derive(Clone, Debug)]
struct SideBook {
    levels: Vec<Level>,
    bits: Bitset,
    best: u32,
    orders: usize,
}

impl SideBook {
    fn new(n: usize) -> Self {
        SideBook {
            levels: vec![Level::default(); n],
            bits: Bitset::new(n),
            best: NIL,
            orders: 0,
        }
    }
}

/// The incoming (aggressive) side of a match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Taker {
    /// Incoming order id.
    pub id: OrderId,
    /// Incoming order's account.
    pub account: AccountId,
    /// Buy or sell.
    pub side: Side,
    /// Worst acceptable price (band edge for market orders).
    pub limit: Ticks,
    /// Lots still wanted.
    pub qty: Lots,
    /// Self-trade prevention mode.
    pub stp: StpMode,
}

/// Why matching stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchEnd {
    /// The taker is entirely filled.
    Filled,
    /// No more resting liquidity at an acceptable price.
    NoLiquidity,
    /// Self-trade prevention cancelled the taker.
    StpTaker,
    /// The sink capped the fill (budget or funds exhausted).
    Capped,
}

/// Receives the consequences of matching.
pub trait MatchSink {
    /// How many of `lots` the taker may buy or sell at `price` (budget limits); default all.
    #[inline]
    fn cap(&mut self, _taker: &Taker, _price: Ticks, lots: Lots) -> Lots {
        lots
    }
    /// A trade of `lots` at `price`; `maker.qty` is already reduced.
    fn fill(&mut self, maker: &mut RestingOrder, taker: &Taker, price: Ticks, lots: Lots);
    /// The maker left the book (`maker.qty` is what was left unfilled).
    fn maker_removed(&mut self, maker: &RestingOrder, reason: DoneReason);
    /// Self-trade prevention reduced the maker by `lots` without a trade.
    fn maker_decremented(&mut self, maker: &mut RestingOrder, lots: Lots);
}

/// A sink that only counts trades (for the bare matching core).
#[derive(Clone, Copy, Debug, Default)]
pub struct CountingSink {
    /// Number of fills.
    pub fills: u64,
    /// Lots traded.
    pub volume: u64,
}

impl MatchSink for CountingSink {
    #[inline]
    fn fill(&mut self, _m: &mut RestingOrder, _t: &Taker, _p: Ticks, lots: Lots) {
        self.fills += 1;
        self.volume += lots;
    }
    #[inline]
    fn maker_removed(&mut self, _m: &RestingOrder, _r: DoneReason) {}
    #[inline]
    fn maker_decremented(&mut self, _m: &mut RestingOrder, _l: Lots) {}
}

/// A price-time priority order book of one market.
#[derive(Clone, Debug)]
pub struct Book {
    low: Ticks,
    high: Ticks,
    sides: [SideBook; 2],
    nodes: Vec<Node>,
    free: Vec<u32>,
    index: IdMap<OrderId, u32>,
    epoch: u32,
    dirty: Vec<(Side, Ticks)>,
}

#[inline]
fn unlink(nodes: &mut [Node], lvl: &mut Level, idx: u32) {
    let (prev, next) = {
        let n = &nodes[idx as usize];
        (n.prev, n.next)
    };
    if prev == NIL {
        lvl.head = next;
    } else {
        nodes[prev as usize].next = next;
    }
    if next == NIL {
        lvl.tail = prev;
    } else {
        nodes[next as usize].prev = prev;
    }
    lvl.count -= 1;
}

#[inline]
fn mark(dirty: &mut Vec<(Side, Ticks)>, lvl: &mut Level, epoch: u32, side: Side, price: Ticks) {
    if lvl.dirty != epoch {
        lvl.dirty = epoch;
        dirty.push((side, price));
    }
}

impl Book {
    /// Creates an empty book for prices `low..=high` ticks.
    pub fn new(low: Ticks, high: Ticks) -> Result<Self, EngineError> {
        if low == 0 || high < low || high - low >= crate::market::MAX_BAND_LEVELS {
            return Err(EngineError::InvalidMarketSpec);
        }
        let n = (high - low + 1) as usize;
        Ok(Book {
            low,
            high,
            sides: [SideBook::new(n), SideBook::new(n)],
            nodes: Vec::with_capacity(1024),
            free: Vec::with_capacity(1024),
            index: id_map_with_capacity(1024),
            epoch: 1,
            dirty: Vec::with_capacity(16),
        })
    }

    /// Lowest accepted price.
    pub fn band_low(&self) -> Ticks {
        self.low
    }

    /// Highest accepted price.
    pub fn band_high(&self) -> Ticks {
        self.high
    }

    /// Number of resting orders.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether the book has no resting order.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Starts a new command: levels touched from now on are reported by [`Book::dirty_levels`].
    #[inline]
    pub fn begin_command(&mut self) {
        self.dirty.clear();
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            for s in &mut self.sides {
                for l in &mut s.levels {
                    l.dirty = 0;
                }
            }
            self.epoch = 1;
        }
    }

    /// Levels whose total changed since [`Book::begin_command`], in first-touch order.
    #[inline]
    pub fn dirty_levels(&self) -> &[(Side, Ticks)] {
        &self.dirty
    }

    /// Best (highest) bid price.
    #[inline]
    pub fn best_bid(&self) -> Option<Ticks> {
        self.best(Side::Buy)
    }

    /// Best (lowest) ask price.
    #[inline]
    pub fn best_ask(&self) -> Option<Ticks> {
        self.best(Side::Sell)
    }

    /// Best price of a side.
    #[inline]
    pub fn best(&self, side: Side) -> Option<Ticks> {
        let b = self.sides[side.index()].best;
        (b != NIL).then(|| self.low + u64::from(b))
    }

    /// Total quantity and order count resting at `price` on `side`.
    pub fn level(&self, side: Side, price: Ticks) -> (Lots, u32) {
        if price < self.low || price > self.high {
            return (0, 0);
        }
        let l = &self.sides[side.index()].levels[(price - self.low) as usize];
        (l.total, l.count)
    }

    /// The resting order with this id.
    #[inline]
    pub fn get(&self, id: OrderId) -> Option<&RestingOrder> {
        self.index.get(&id).map(|&i| &self.nodes[i as usize].o)
    }

    /// Whether an order with this id rests in the book.
    #[inline]
    pub fn contains(&self, id: OrderId) -> bool {
        self.index.contains_key(&id)
    }

    /// Whether a `side` order at `price` would take liquidity.
    #[inline]
    pub fn would_cross(&self, side: Side, price: Ticks) -> bool {
        match side {
            Side::Buy => self.best_ask().is_some_and(|a| price >= a),
            Side::Sell => self.best_bid().is_some_and(|b| price <= b),
        }
    }

    /// Adds an order at the tail of its price level.
    pub fn insert(&mut self, o: RestingOrder) -> Result<(), EngineError> {
        if o.price < self.low || o.price > self.high {
            return Err(EngineError::PriceOutOfBand);
        }
        if o.qty == 0 {
            return Err(EngineError::InvalidQuantity);
        }
        if self.index.contains_key(&o.id) {
            return Err(EngineError::DuplicateOrderId);
        }
        let idx = match self.free.pop() {
            Some(i) => {
                self.nodes[i as usize] = Node {
                    o,
                    prev: NIL,
                    next: NIL,
                };
                i
            }
            None => {
                let i = u32::try_from(self.nodes.len())
                    .ok()
                    .filter(|&i| i != NIL)
                    .ok_or(EngineError::CapacityExceeded)?;
                self.nodes.push(Node {
                    o,
                    prev: NIL,
                    next: NIL,
                });
                i
            }
        };
        self.index.insert(o.id, idx);
        let off = (o.price - self.low) as u32;
        let side = o.side;
        let epoch = self.epoch;
        let sb = &mut self.sides[side.index()];
        let lvl = &mut sb.levels[off as usize];
        mark(&mut self.dirty, lvl, epoch, side, o.price);
        let tail = lvl.tail;
        self.nodes[idx as usize].prev = tail;
        if tail == NIL {
            lvl.head = idx;
            sb.bits.set(off);
        } else {
            self.nodes[tail as usize].next = idx;
        }
        lvl.tail = idx;
        lvl.total += o.qty;
        lvl.count += 1;
        sb.orders += 1;
        let better = match side {
            Side::Buy => sb.best == NIL || off > sb.best,
            Side::Sell => sb.best == NIL || off < sb.best,
        };
        if better {
            sb.best = off;
        }
        Ok(())
    }

    fn refresh_best_after_empty(sb: &mut SideBook, side: Side, off: u32) {
        sb.bits.clear(off);
        if sb.best == off {
            sb.best = match side {
                Side::Sell => sb.bits.next_at_or_after(off + 1),
                Side::Buy => {
                    if off == 0 {
                        None
                    } else {
                        sb.bits.prev_at_or_before(off - 1)
                    }
                }
            }
            .unwrap_or(NIL);
        }
    }

    /// Removes an order and returns it.
    pub fn remove(&mut self, id: OrderId) -> Option<RestingOrder> {
        let idx = self.index.remove(&id)?;
        let o = self.nodes[idx as usize].o;
        let off = (o.price - self.low) as u32;
        let epoch = self.epoch;
        let sb = &mut self.sides[o.side.index()];
        let lvl = &mut sb.levels[off as usize];
        mark(&mut self.dirty, lvl, epoch, o.side, o.price);
        unlink(&mut self.nodes, lvl, idx);
        lvl.total -= o.qty;
        sb.orders -= 1;
        if lvl.count == 0 {
            Self::refresh_best_after_empty(sb, o.side, off);
        }
        self.free.push(idx);
        Some(o)
    }

    /// Lowers an order's quantity to `qty` (> 0), keeping its time priority.
    pub fn shrink(&mut self, id: OrderId, qty: Lots) -> Result<RestingOrder, EngineError> {
        let idx = *self.index.get(&id).ok_or(EngineError::UnknownOrder)?;
        let n = &mut self.nodes[idx as usize].o;
        if qty == 0 || qty > n.qty {
            return Err(EngineError::InvalidQuantity);
        }
        let delta = n.qty - qty;
        n.qty = qty;
        let o = *n;
        let epoch = self.epoch;
        let lvl = &mut self.sides[o.side.index()].levels[(o.price - self.low) as usize];
        mark(&mut self.dirty, lvl, epoch, o.side, o.price);
        lvl.total -= delta;
        Ok(o)
    }

    /// Changes bookkeeping fields (hold, fee cumulative) of a resting order.
    pub fn update_funds(&mut self, id: OrderId, held: Units, maker_cum: Units) -> bool {
        match self.index.get(&id) {
            Some(&i) => {
                let o = &mut self.nodes[i as usize].o;
                o.held = held;
                o.maker_cum = maker_cum;
                true
            }
            None => false,
        }
    }

    /// Matches `t` against the opposite side until it is filled, out of price, capped or stopped by STP.
    pub fn match_taker<S: MatchSink>(&mut self, t: &mut Taker, sink: &mut S) -> MatchEnd {
        let mside = t.side.opposite();
        let low = self.low;
        let epoch = self.epoch;
        let Book {
            sides,
            nodes,
            free,
            index,
            dirty,
            ..
        } = self;
        let sb = &mut sides[mside.index()];
        loop {
            if t.qty == 0 {
                return MatchEnd::Filled;
            }
            let off = sb.best;
            if off == NIL {
                return MatchEnd::NoLiquidity;
            }
            let price = low + u64::from(off);
            let acceptable = match t.side {
                Side::Buy => price <= t.limit,
                Side::Sell => price >= t.limit,
            };
            if !acceptable {
                return MatchEnd::NoLiquidity;
            }
            let lvl = &mut sb.levels[off as usize];
            mark(dirty, lvl, epoch, mside, price);
            let mut idx = lvl.head;
            let mut end = None;
            while idx != NIL && t.qty > 0 {
                let next = nodes[idx as usize].next;
                let maker_account = nodes[idx as usize].o.account;
                if maker_account == t.account {
                    let mq = nodes[idx as usize].o.qty;
                    match stp::decide(t.stp, t.qty, mq) {
                        StpAction::StopTaker => {
                            end = Some(MatchEnd::StpTaker);
                            break;
                        }
                        StpAction::RemoveMaker => {
                            lvl.total -= mq;
                            unlink(nodes, lvl, idx);
                            let o = nodes[idx as usize].o;
                            index.remove(&o.id);
                            free.push(idx);
                            sb.orders -= 1;
                            sink.maker_removed(&o, DoneReason::StpMaker);
                        }
                        StpAction::Decrement(d) => {
                            t.qty -= d;
                            lvl.total -= d;
                            let o = &mut nodes[idx as usize].o;
                            o.qty -= d;
                            sink.maker_decremented(o, d);
                            if o.qty == 0 {
                                let o = *o;
                                unlink(nodes, lvl, idx);
                                index.remove(&o.id);
                                free.push(idx);
                                sb.orders -= 1;
                                sink.maker_removed(&o, DoneReason::StpDecrement);
                            }
                        }
                    }
                    idx = next;
                    continue;
                }
                let o = &mut nodes[idx as usize].o;
                let want = t.qty.min(o.qty);
                let lots = sink.cap(t, price, want).min(want);
                if lots == 0 {
                    end = Some(MatchEnd::Capped);
                    break;
                }
                o.qty -= lots;
                t.qty -= lots;
                lvl.total -= lots;
                sink.fill(o, t, price, lots);
                if o.qty == 0 {
                    let o = *o;
                    unlink(nodes, lvl, idx);
                    index.remove(&o.id);
                    free.push(idx);
                    sb.orders -= 1;
                    sink.maker_removed(&o, DoneReason::Filled);
                } else if lots < want {
                    end = Some(MatchEnd::Capped);
                    break;
                }
                idx = next;
            }
            if lvl.count == 0 {
                Self::refresh_best_after_empty(sb, mside, off);
            }
            if let Some(e) = end {
                return e;
            }
        }
    }

    /// Whether a fill-or-kill taker would be entirely filled by trades.
    ///
    /// Meeting one's own resting order fails the check unless the STP mode is
    /// cancel-maker (the maker is then skipped).
    pub fn fok_fillable(&self, t: &Taker) -> bool {
        let mut need = t.qty;
        for o in self.orders(t.side.opposite()) {
            let ok = match t.side {
                Side::Buy => o.price <= t.limit,
                Side::Sell => o.price >= t.limit,
            };
            if !ok {
                return false;
            }
            if o.account == t.account {
                if t.stp == StpMode::CancelMaker {
                    continue;
                }
                return false;
            }
            need = need.saturating_sub(o.qty);
            if need == 0 {
                return true;
            }
        }
        need == 0
    }

    /// Resting orders of one side in priority order (best price first, then time).
    pub fn orders(&self, side: Side) -> OrderIter<'_> {
        let sb = &self.sides[side.index()];
        let (off, idx) = if sb.best == NIL {
            (NIL, NIL)
        } else {
            (sb.best, sb.levels[sb.best as usize].head)
        };
        OrderIter {
            book: self,
            side,
            off,
            idx,
        }
    }

    /// Up to `max` levels of one side as `(price, total lots, order count)`, best first.
    pub fn depth(&self, side: Side, max: usize) -> Vec<(Ticks, Lots, u32)> {
        let mut out = Vec::new();
        let sb = &self.sides[side.index()];
        let mut off = sb.best;
        while off != NIL && out.len() < max {
            let l = &sb.levels[off as usize];
            out.push((self.low + u64::from(off), l.total, l.count));
            off = self.next_level(side, off);
        }
        out
    }

    fn next_level(&self, side: Side, off: u32) -> u32 {
        let sb = &self.sides[side.index()];
        match side {
            Side::Sell => sb.bits.next_at_or_after(off + 1),
            Side::Buy => {
                if off == 0 {
                    None
                } else {
                    sb.bits.prev_at_or_before(off - 1)
                }
            }
        }
        .unwrap_or(NIL)
    }

    /// Ids of `account`'s orders: bids then asks, each in priority order.
    pub fn account_orders(&self, account: AccountId) -> Vec<OrderId> {
        self.orders(Side::Buy)
            .chain(self.orders(Side::Sell))
            .filter(|o| o.account == account)
            .map(|o| o.id)
            .collect()
    }

    /// Checks internal invariants (uncrossed, totals, counts, links); for tests and `check`.
    pub fn check_invariants(&self) -> Result<(), String> {
        if let (Some(b), Some(a)) = (self.best_bid(), self.best_ask()) {
            if b >= a {
                return Err(format!("crossed book: bid {b} >= ask {a}"));
            }
        }
        let mut seen = 0usize;
        for side in [Side::Buy, Side::Sell] {
            let sb = &self.sides[side.index()];
            let mut n = 0usize;
            let mut last_price: Option<Ticks> = None;
            for (price, total, count) in self.depth(side, usize::MAX) {
                if let Some(lp) = last_price {
                    let ordered = match side {
                        Side::Buy => price < lp,
                        Side::Sell => price > lp,
                    };
                    if !ordered {
                        return Err("levels out of order".into());
                    }
                }
                last_price = Some(price);
                let l = &sb.levels[(price - self.low) as usize];
                let mut sum = 0;
                let mut c = 0;
                let mut i = l.head;
                let mut prev = NIL;
                while i != NIL {
                    let nd = &self.nodes[i as usize];
                    if nd.prev != prev || nd.o.price != price || nd.o.side != side || nd.o.qty == 0
                    {
                        return Err(format!("bad node {}", nd.o.id));
                    }
                    if self.index.get(&nd.o.id) != Some(&i) {
                        return Err(format!("index mismatch for {}", nd.o.id));
                    }
                    sum += nd.o.qty;
                    c += 1;
                    prev = i;
                    i = nd.next;
                }
                if sum != total || c != count || l.tail != prev || count == 0 {
                    return Err(format!("level {price} totals wrong"));
                }
                n += c as usize;
            }
            if n != sb.orders {
                return Err("order count wrong".into());
            }
            seen += n;
        }
        if seen != self.index.len() {
            return Err("index holds orders that are not linked".into());
        }
        Ok(())
    }
}

/// Iterator over one side's resting orders in priority order.
pub struct OrderIter<'a> {
    book: &'a Book,
    side: Side,
    off: u32,
    idx: u32,
}

impl<'a> Iterator for OrderIter<'a> {
    type Item = &'a RestingOrder;

    fn next(&mut self) -> Option<&'a RestingOrder> {
        while self.off != NIL {
            if self.idx != NIL {
                let n = &self.book.nodes[self.idx as usize];
                self.idx = n.next;
                return Some(&n.o);
            }
            self.off = self.book.next_level(self.side, self.off);
            if self.off != NIL {
                self.idx = self.book.sides[self.side.index()].levels[self.off as usize].head;
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ro(id: u64, account: u64, side: Side, price: u64, qty: u64) -> RestingOrder {
        RestingOrder {
            id,
            account,
            slot: 0,
            side,
            price,
            qty,
            held: 0,
            maker_cum: 0,
            expiry: 0,
            stp: StpMode::CancelTaker,
        }
    }

    fn taker(account: u64, side: Side, limit: u64, qty: u64, stp: StpMode) -> Taker {
        Taker {
            id: 999,
            account,
            side,
            limit,
            qty,
            stp,
        }
    }

    #[test]
    fn price_time_priority() {
        let mut b = Book::new(1, 1000).unwrap();
        b.insert(ro(1, 1, Side::Sell, 101, 5)).unwrap();
        b.insert(ro(2, 2, Side::Sell, 100, 5)).unwrap();
        b.insert(ro(3, 3, Side::Sell, 100, 5)).unwrap();
        b.insert(ro(4, 4, Side::Buy, 99, 5)).unwrap();
        assert_eq!(b.best_ask(), Some(100));
        assert_eq!(b.best_bid(), Some(99));
        let ids: Vec<_> = b.orders(Side::Sell).map(|o| o.id).collect();
        assert_eq!(ids, vec![2, 3, 1]);
        let mut t = taker(9, Side::Buy, 101, 12, StpMode::CancelTaker);
        let mut s = CountingSink::default();
        assert_eq!(b.match_taker(&mut t, &mut s), MatchEnd::Filled);
        assert_eq!(s.fills, 3);
        assert_eq!(b.get(1).unwrap().qty, 3);
        assert!(!b.contains(2) && !b.contains(3));
        assert_eq!(b.best_ask(), Some(101));
        b.check_invariants().unwrap();
    }

    #[test]
    fn stp_modes_in_the_core() {
        for (mode, end, left_maker, taker_left) in [
            (StpMode::CancelTaker, MatchEnd::StpTaker, Some(5), 4),
            (StpMode::CancelMaker, MatchEnd::Filled, None, 0),
            (StpMode::DecrementBoth, MatchEnd::Filled, Some(1), 0),
        ] {
            let mut b = Book::new(1, 1000).unwrap();
            b.insert(ro(1, 7, Side::Sell, 100, 5)).unwrap();
            b.insert(ro(2, 8, Side::Sell, 100, 5)).unwrap();
            let mut t = taker(7, Side::Buy, 100, 4, mode);
            let mut s = CountingSink::default();
            assert_eq!(b.match_taker(&mut t, &mut s), end, "{mode:?}");
            assert_eq!(b.get(1).map(|o| o.qty), left_maker, "{mode:?}");
            assert_eq!(t.qty, taker_left, "{mode:?}");
            b.check_invariants().unwrap();
        }
    }

    #[test]
    fn shrink_keeps_priority_and_remove_updates_best() {
        let mut b = Book::new(10, 20).unwrap();
        b.insert(ro(1, 1, Side::Buy, 15, 5)).unwrap();
        b.insert(ro(2, 2, Side::Buy, 15, 5)).unwrap();
        b.insert(ro(3, 2, Side::Buy, 12, 5)).unwrap();
        b.shrink(1, 2).unwrap();
        assert_eq!(b.orders(Side::Buy).next().unwrap().id, 1);
        assert_eq!(b.level(Side::Buy, 15), (7, 2));
        b.remove(1).unwrap();
        b.remove(2).unwrap();
        assert_eq!(b.best_bid(), Some(12));
        assert_eq!(b.account_orders(2), vec![3]);
        assert!(b.insert(ro(4, 1, Side::Buy, 21, 1)).is_err());
        b.check_invariants().unwrap();
    }
}
