//! The engine: applies commands to markets, books and the ledger, emitting events.
//!
//! [`Engine::apply`] is pure and deterministic: it reads no clock (time comes in
//! the [`Envelope`]), does no I/O and iterates only in canonical orders, so the
//! same command stream always yields the same events and [`Engine::state_hash`].
//! A refused command changes nothing except that GTD orders whose time has come
//! are expired first.

use crate::book::{Book, MatchEnd, MatchSink, RestingOrder, Taker};
use crate::command::{Command, Envelope};
use crate::error::EngineError;
use crate::events::{Event, LedgerKind};
use crate::fees::{self, FeeSchedule};
use crate::ledger::Ledger;
use crate::market::{AssetSpec, MarketSpec};
use crate::order::{DoneReason, NewOrder, OrderKind, PostOnly, TimeInForce};
use crate::types::{AccountId, Lots, MarketId, OrderId, Side, Ticks, Units};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The largest market id accepted.
pub const MAX_MARKET_ID: MarketId = 65_535;

/// One market's specification, book and depth sequence.
#[derive(Clone, Debug)]
pub struct MarketState {
    pub(crate) spec: MarketSpec,
    pub(crate) base_ai: usize,
    pub(crate) quote_ai: usize,
    pub(crate) book: Book,
    pub(crate) depth_seq: u64,
    touched: u64,
}

impl MarketState {
    /// The market's specification.
    pub fn spec(&self) -> &MarketSpec {
        &self.spec
    }

    /// The market's book.
    pub fn book(&self) -> &Book {
        &self.book
    }

    /// Sequence number of the last L2 update emitted.
    pub fn depth_seq(&self) -> u64 {
        self.depth_seq
    }
}

/// The exchange core for one group of markets.
#[derive(Clone, Debug)]
pub struct Engine {
    pub(crate) markets: Vec<Option<Box<MarketState>>>,
    pub(crate) ledger: Ledger,
    events: Vec<Event>,
    pub(crate) expiries: BinaryHeap<Reverse<(u64, MarketId, OrderId)>>,
    pub(crate) now: u64,
    pub(crate) last_seq: u64,
    touched: Vec<MarketId>,
    tick: u64,
    scratch: Vec<OrderId>,
    paranoid: bool,
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

/// Moves money and records events while a taker matches.
struct LedgerSink<'a> {
    ledger: &'a mut Ledger,
    events: &'a mut Vec<Event>,
    market: MarketId,
    qpt: Units,
    bpl: Units,
    fees: FeeSchedule,
    base_ai: usize,
    quote_ai: usize,
    taker_slot: u32,
    taker_held: Units,
    taker_cum: Units,
    /// For market orders: the budget bounding the fills (buy: quote incl. fees; sell: gross quote).
    budget: Option<Units>,
}

impl LedgerSink<'_> {
    #[inline]
    fn buy_cost(&self, notional: Units) -> Units {
        notional + fees::charge_increment(self.taker_cum, notional, self.fees.taker_bps as u32)
    }
}

impl MatchSink for LedgerSink<'_> {
    #[inline]
    fn cap(&mut self, t: &Taker, price: Ticks, lots: Lots) -> Lots {
        let Some(budget) = self.budget else {
            return lots;
        };
        let per_lot = price * self.qpt;
        match t.side {
            Side::Buy => {
                let room = self.taker_held.min(budget);
                if self.buy_cost(lots * per_lot) <= room {
                    return lots;
                }
                let mut l = (room / per_lot).min(lots);
                while l > 0 && self.buy_cost(l * per_lot) > room {
                    l -= 1;
                }
                l
            }
            Side::Sell => {
                let by_budget = budget.saturating_sub(self.taker_cum) / per_lot;
                let by_funds = self.taker_held / self.bpl;
                lots.min(by_budget).min(by_funds)
            }
        }
    }

    #[inline]
    fn fill(&mut self, maker: &mut RestingOrder, t: &Taker, price: Ticks, lots: Lots) {
        let notional = price * self.qpt * lots;
        let base = lots * self.bpl;
        let tfee = fees::charge_increment(self.taker_cum, notional, self.fees.taker_bps as u32);
        self.taker_cum += notional;
        if let Some(b) = self.budget.as_mut() {
            if t.side == Side::Buy {
                *b -= notional + tfee;
            }
        }
        let (mcharge, mrebate) = if self.fees.maker_bps >= 0 {
            (
                fees::charge_increment(maker.maker_cum, notional, self.fees.maker_bps as u32),
                0,
            )
        } else {
            (
                0,
                fees::rebate_increment(maker.maker_cum, notional, (-self.fees.maker_bps) as u32),
            )
        };
        maker.maker_cum += notional;
        let l = &mut *self.ledger;
        let (tq, tb) = (
            l.at(self.taker_slot, self.quote_ai),
            l.at(self.taker_slot, self.base_ai),
        );
        let (mq, mb) = (
            l.at(maker.slot, self.quote_ai),
            l.at(maker.slot, self.base_ai),
        );
        match t.side {
            Side::Buy => {
                let cost = notional + tfee;
                self.taker_held -= cost;
                l.bal[tq].held -= cost;
                l.bal[tb].available += base;
                maker.held -= base;
                l.bal[mb].held -= base;
                l.bal[mq].available += notional - mcharge + mrebate;
            }
            Side::Sell => {
                self.taker_held -= base;
                l.bal[tb].held -= base;
                l.bal[tq].available += notional - tfee;
                let cost = notional + mcharge;
                maker.held -= cost;
                l.bal[mq].held -= cost;
                l.bal[mq].available += mrebate;
                l.bal[mb].available += base;
            }
        }
        let fee = &mut l.totals[self.quote_ai].fee;
        *fee = *fee + tfee + mcharge - mrebate;
        self.events.push(Event::Trade {
            market: self.market,
            maker_order: maker.id,
            taker_order: t.id,
            maker_account: maker.account,
            taker_account: t.account,
            taker_side: t.side,
            price,
            qty: lots,
            maker_fee: mcharge as i64 - mrebate as i64,
            taker_fee: tfee,
        });
    }

    #[inline]
    fn maker_removed(&mut self, maker: &RestingOrder, reason: DoneReason) {
        let ai = match maker.side {
            Side::Buy => self.quote_ai,
            Side::Sell => self.base_ai,
        };
        self.ledger.release(maker.slot, ai, maker.held);
        self.events.push(Event::Done {
            market: self.market,
            order_id: maker.id,
            account: maker.account,
            reason,
            remaining: maker.qty,
        });
    }

    fn maker_decremented(&mut self, maker: &mut RestingOrder, lots: Lots) {
        let (ai, amount) = match maker.side {
            Side::Buy => (self.quote_ai, lots * maker.price * self.qpt),
            Side::Sell => (self.base_ai, lots * self.bpl),
        };
        let amount = amount.min(maker.held);
        maker.held -= amount;
        self.ledger.release(maker.slot, ai, amount);
        self.events.push(Event::Reduced {
            market: self.market,
            order_id: maker.id,
            by: lots,
            remaining: maker.qty,
            reason: DoneReason::StpDecrement,
        });
    }
}

/// Finds a market and marks it touched by the current command.
#[inline]
fn touch_market<'a>(
    markets: &'a mut [Option<Box<MarketState>>],
    touched: &mut Vec<MarketId>,
    tick: u64,
    id: MarketId,
) -> Result<&'a mut MarketState, EngineError> {
    let seq = tick;
    let m = markets
        .get_mut(id as usize)
        .and_then(|m| m.as_deref_mut())
        .ok_or(EngineError::UnknownMarket)?;
    if m.touched != seq {
        m.touched = seq;
        m.book.begin_command();
        touched.push(id);
    }
    Ok(m)
}

/// What a taker entering the book looks like, after validation.
struct Entry {
    id: OrderId,
    account: AccountId,
    slot: u32,
    side: Side,
    limit: Ticks,
    qty: Lots,
    held: Units,
    budget: Option<Units>,
    rests: bool,
    expiry: u64,
    stp: crate::stp::StpMode,
}

impl Engine {
    /// An engine with no asset, market or account.
    pub fn new() -> Self {
        Engine {
            markets: Vec::new(),
            ledger: Ledger::new(),
            events: Vec::with_capacity(64),
            expiries: BinaryHeap::new(),
            now: 0,
            last_seq: 0,
            touched: Vec::with_capacity(4),
            tick: 0,
            scratch: Vec::new(),
            paranoid: cfg!(debug_assertions),
        }
    }

    /// Turns the after-every-command ledger and book check on or off (on by default in debug builds).
    pub fn set_paranoid(&mut self, on: bool) {
        self.paranoid = on;
    }

    /// Sequence number of the last command applied.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// The logical time of the latest command.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// The ledger (read-only).
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// A market's state.
    pub fn market(&self, id: MarketId) -> Option<&MarketState> {
        self.markets.get(id as usize).and_then(|m| m.as_deref())
    }

    /// Ids of the markets, ascending.
    pub fn market_ids(&self) -> Vec<MarketId> {
        self.markets
            .iter()
            .enumerate()
            .filter(|(_, m)| m.is_some())
            .map(|(i, _)| i as MarketId)
            .collect()
    }

    /// The events of the last applied command.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Applies one command and returns its events.
    pub fn apply(&mut self, env: &Envelope) -> &[Event] {
        self.events.clear();
        self.tick = self.tick.wrapping_add(1);
        self.last_seq = env.seq;
        self.now = self.now.max(env.ts);
        self.expire_due();
        let r = self.dispatch(&env.cmd);
        if let Err(error) = r {
            let order_id = match env.cmd {
                Command::Place(o) => o.id,
                Command::Cancel { id, .. }
                | Command::Move { id, .. }
                | Command::Reduce { id, .. } => id,
                _ => 0,
            };
            self.events.push(Event::Rejected {
                seq: env.seq,
                order_id,
                error,
            });
        }
        self.flush_depth();
        if self.paranoid {
            debug_assert_eq!(self.verify(), Ok(()), "invariant broken at seq {}", env.seq);
        }
        &self.events
    }

    fn dispatch(&mut self, cmd: &Command) -> Result<(), EngineError> {
        match *cmd {
            Command::AddAsset(a) => self.add_asset(a),
            Command::AddMarket(m) => self.add_market(m),
            Command::Deposit {
                account,
                asset,
                amount,
            } => {
                self.ledger.deposit(account, asset, amount)?;
                self.ledger_event(LedgerKind::Deposit, account, asset, amount, 0);
                Ok(())
            }
            Command::WithdrawHold {
                id,
                account,
                asset,
                amount,
            } => {
                self.ledger.withdraw_hold(id, account, asset, amount)?;
                self.ledger_event(LedgerKind::WithdrawHeld, account, asset, amount, id);
                Ok(())
            }
            Command::WithdrawSettle { id } => {
                let p = self.ledger.withdraw_settle(id)?;
                self.ledger_event(
                    LedgerKind::WithdrawSettled,
                    p.account,
                    p.asset,
                    p.amount,
                    id,
                );
                Ok(())
            }
            Command::WithdrawCancel { id } => {
                let p = self.ledger.withdraw_cancel(id)?;
                self.ledger_event(
                    LedgerKind::WithdrawCancelled,
                    p.account,
                    p.asset,
                    p.amount,
                    id,
                );
                Ok(())
            }
            Command::Transfer {
                from,
                to,
                asset,
                amount,
            } => {
                self.ledger.transfer(from, to, asset, amount)?;
                self.ledger_event(LedgerKind::TransferOut, from, asset, amount, to);
                self.ledger_event(LedgerKind::TransferIn, to, asset, amount, from);
                Ok(())
            }
            Command::Place(o) => self.place(&o),
            Command::Cancel {
                market,
                id,
                account,
            } => self.cancel(market, id, account),
            Command::Move {
                market,
                id,
                account,
                price,
                qty,
            } => self.move_order(market, id, account, price, qty),
            Command::Reduce {
                market,
                id,
                account,
                by,
            } => self.reduce(market, id, account, by),
            Command::MassCancel { account, market } => self.mass_cancel(account, market),
            Command::Check => {
                self.verify()?;
                self.events.push(Event::Checked);
                Ok(())
            }
        }
    }

    fn ledger_event(
        &mut self,
        kind: LedgerKind,
        account: AccountId,
        asset: u32,
        amount: Units,
        reference: u64,
    ) {
        self.events.push(Event::Ledger {
            kind,
            account,
            asset,
            amount,
            reference,
        });
    }

    fn add_asset(&mut self, a: AssetSpec) -> Result<(), EngineError> {
        self.ledger.add_asset(a)?;
        self.events.push(Event::AssetAdded { asset: a.id });
        Ok(())
    }

    fn add_market(&mut self, spec: MarketSpec) -> Result<(), EngineError> {
        spec.validate()?;
        if spec.id > MAX_MARKET_ID {
            return Err(EngineError::CapacityExceeded);
        }
        if self.market(spec.id).is_some() {
            return Err(EngineError::DuplicateMarket);
        }
        let base_ai = self.ledger.asset_index(spec.base)?;
        let quote_ai = self.ledger.asset_index(spec.quote)?;
        let book = Book::new(spec.band_low, spec.band_high)?;
        let i = spec.id as usize;
        if self.markets.len() <= i {
            self.markets.resize_with(i + 1, || None);
        }
        self.markets[i] = Some(Box::new(MarketState {
            spec,
            base_ai,
            quote_ai,
            book,
            depth_seq: 0,
            touched: 0,
        }));
        self.events.push(Event::MarketAdded { market: spec.id });
        Ok(())
    }

    /// The market, marked as touched by this command (so its L2 changes are reported).
    #[inline]
    fn market_mut(&mut self, id: MarketId) -> Result<&mut MarketState, EngineError> {
        touch_market(&mut self.markets, &mut self.touched, self.tick, id)
    }

    fn flush_depth(&mut self) {
        for &id in &self.touched {
            if let Some(m) = self
                .markets
                .get_mut(id as usize)
                .and_then(|m| m.as_deref_mut())
            {
                for &(side, price) in m.book.dirty_levels() {
                    m.depth_seq += 1;
                    self.events.push(Event::Depth {
                        market: id,
                        side,
                        price,
                        total: m.book.level(side, price).0,
                        seq: m.depth_seq,
                    });
                }
            }
        }
        self.touched.clear();
    }

    fn expire_due(&mut self) {
        while let Some(&Reverse((t, market, id))) = self.expiries.peek() {
            if t > self.now {
                break;
            }
            self.expiries.pop();
            let due = self
                .market(market)
                .and_then(|m| m.book.get(id))
                .is_some_and(|o| o.expiry == t);
            if due {
                let _ = self.remove_order(market, id, DoneReason::Expired);
            }
        }
    }

    /// Removes a resting order, releases its hold and reports it done.
    fn remove_order(
        &mut self,
        market: MarketId,
        id: OrderId,
        reason: DoneReason,
    ) -> Result<(), EngineError> {
        let m = self.market_mut(market)?;
        let o = m.book.remove(id).ok_or(EngineError::UnknownOrder)?;
        let ai = match o.side {
            Side::Buy => m.quote_ai,
            Side::Sell => m.base_ai,
        };
        self.ledger.release(o.slot, ai, o.held);
        self.events.push(Event::Done {
            market,
            order_id: id,
            account: o.account,
            reason,
            remaining: o.qty,
        });
        Ok(())
    }

    fn owned(
        &self,
        market: MarketId,
        id: OrderId,
        account: AccountId,
    ) -> Result<RestingOrder, EngineError> {
        let m = self.market(market).ok_or(EngineError::UnknownMarket)?;
        let o = m.book.get(id).ok_or(EngineError::UnknownOrder)?;
        if o.account != account {
            return Err(EngineError::NotOwner);
        }
        Ok(*o)
    }

    fn cancel(
        &mut self,
        market: MarketId,
        id: OrderId,
        account: AccountId,
    ) -> Result<(), EngineError> {
        self.owned(market, id, account)?;
        self.remove_order(market, id, DoneReason::Cancelled)
    }

    fn mass_cancel(
        &mut self,
        account: AccountId,
        market: Option<MarketId>,
    ) -> Result<(), EngineError> {
        let ids = match market {
            Some(m) => {
                self.market(m).ok_or(EngineError::UnknownMarket)?;
                vec![m]
            }
            None => self.market_ids(),
        };
        let mut scratch = std::mem::take(&mut self.scratch);
        for m in ids {
            scratch.clear();
            if let Some(ms) = self.market(m) {
                scratch.extend(ms.book.account_orders(account));
            }
            for &id in &scratch {
                self.remove_order(m, id, DoneReason::MassCancelled)?;
            }
        }
        self.scratch = scratch;
        Ok(())
    }

    fn reduce(
        &mut self,
        market: MarketId,
        id: OrderId,
        account: AccountId,
        by: Lots,
    ) -> Result<(), EngineError> {
        let o = self.owned(market, id, account)?;
        if by == 0 {
            return Err(EngineError::InvalidQuantity);
        }
        if by >= o.qty {
            return self.remove_order(market, id, DoneReason::Reduced);
        }
        self.shrink_in_place(market, o, o.qty - by)?;
        self.events.push(Event::Reduced {
            market,
            order_id: id,
            by,
            remaining: o.qty - by,
            reason: DoneReason::Reduced,
        });
        Ok(())
    }

    /// Shrinks a resting order to `qty` and releases the matching part of its hold.
    fn shrink_in_place(
        &mut self,
        market: MarketId,
        o: RestingOrder,
        qty: Lots,
    ) -> Result<(), EngineError> {
        let m = self.market_mut(market)?;
        let spec = m.spec;
        let (ai, amount) = match o.side {
            Side::Buy => (m.quote_ai, (o.qty - qty) * o.price * spec.quote_per_tick),
            Side::Sell => (m.base_ai, (o.qty - qty) * spec.base_per_lot),
        };
        let amount = amount.min(o.held);
        m.book.shrink(o.id, qty)?;
        m.book.update_funds(o.id, o.held - amount, o.maker_cum);
        self.ledger.release(o.slot, ai, amount);
        Ok(())
    }

    fn check_limit(spec: &MarketSpec, price: Ticks, qty: Lots) -> Result<Units, EngineError> {
        if !spec.in_band(price) {
            return Err(EngineError::PriceOutOfBand);
        }
        if qty == 0 || qty > spec.max_lots() {
            return Err(EngineError::InvalidQuantity);
        }
        let notional = spec
            .notional(price, qty)
            .ok_or(EngineError::InvalidQuantity)?;
        if notional < spec.min_notional {
            return Err(EngineError::BelowMinNotional);
        }
        Ok(notional)
    }

    fn limit_hold(spec: &MarketSpec, side: Side, notional: Units, qty: Lots) -> Units {
        match side {
            Side::Buy => notional + fees::buy_reserve(notional, &spec.fees),
            Side::Sell => qty * spec.base_per_lot,
        }
    }

    fn move_order(
        &mut self,
        market: MarketId,
        id: OrderId,
        account: AccountId,
        price: Ticks,
        qty: Lots,
    ) -> Result<(), EngineError> {
        let o = self.owned(market, id, account)?;
        let m = self.market(market).ok_or(EngineError::UnknownMarket)?;
        let spec = m.spec;
        let (base_ai, quote_ai) = (m.base_ai, m.quote_ai);
        let notional = Self::check_limit(&spec, price, qty)?;
        if price == o.price && qty <= o.qty {
            if qty < o.qty {
                self.shrink_in_place(market, o, qty)?;
            }
            self.events.push(Event::Moved {
                market,
                order_id: id,
                price,
                qty,
                kept_priority: true,
            });
            return Ok(());
        }
        let need = Self::limit_hold(&spec, o.side, notional, qty);
        let ai = match o.side {
            Side::Buy => quote_ai,
            Side::Sell => base_ai,
        };
        if self.ledger.balance_at(o.slot, ai).available + o.held < need {
            return Err(EngineError::InsufficientFunds);
        }
        let ms = self.market_mut(market)?;
        ms.book.remove(id);
        self.ledger.release(o.slot, ai, o.held);
        self.ledger.hold(o.slot, ai, need)?;
        self.events.push(Event::Moved {
            market,
            order_id: id,
            price,
            qty,
            kept_priority: false,
        });
        let e = Entry {
            id,
            account,
            slot: o.slot,
            side: o.side,
            limit: price,
            qty,
            held: need,
            budget: None,
            rests: true,
            expiry: o.expiry,
            stp: o.stp,
        };
        self.enter(market, e)
    }

    fn place(&mut self, o: &NewOrder) -> Result<(), EngineError> {
        let m = self.market(o.market).ok_or(EngineError::UnknownMarket)?;
        let spec = m.spec;
        let (base_ai, quote_ai) = (m.base_ai, m.quote_ai);
        if m.book.contains(o.id) {
            return Err(EngineError::DuplicateOrderId);
        }
        let slot = self
            .ledger
            .slot(o.account)
            .ok_or(EngineError::UnknownAccount)?;
        let hold_ai = match o.side {
            Side::Buy => quote_ai,
            Side::Sell => base_ai,
        };
        let available = self.ledger.balance_at(slot, hold_ai).available;
        let mut expiry = 0;
        let (limit, qty, need, budget, rests) = match o.kind {
            OrderKind::Limit { price, qty } => {
                let mut price = price;
                let mut notional = Self::check_limit(&spec, price, qty)?;
                let rests = match o.tif {
                    TimeInForce::Gtc => true,
                    TimeInForce::Gtd(t) => {
                        if t <= self.now {
                            return Err(EngineError::AlreadyExpired);
                        }
                        expiry = t;
                        true
                    }
                    TimeInForce::Ioc | TimeInForce::Fok => false,
                };
                if o.post_only != PostOnly::Off {
                    if !rests {
                        return Err(EngineError::InvalidOrderOptions);
                    }
                    if m.book.would_cross(o.side, price) {
                        if o.post_only == PostOnly::Reject {
                            return Err(EngineError::PostOnlyWouldCross);
                        }
                        price = match o.side {
                            Side::Buy => m.book.best_ask().map(|a| a - 1),
                            Side::Sell => m.book.best_bid().map(|b| b + 1),
                        }
                        .filter(|&p| spec.in_band(p))
                        .ok_or(EngineError::PostOnlyWouldCross)?;
                        notional = Self::check_limit(&spec, price, qty)?;
                    }
                }
                let need = Self::limit_hold(&spec, o.side, notional, qty);
                (price, qty, need, None, rests)
            }
            OrderKind::Market { qty } => {
                if o.tif != TimeInForce::Ioc || o.post_only != PostOnly::Off {
                    return Err(EngineError::InvalidOrderOptions);
                }
                if qty == 0 || qty > spec.max_lots() {
                    return Err(EngineError::InvalidQuantity);
                }
                match o.side {
                    Side::Buy => (spec.band_high, qty, available, Some(available), false),
                    Side::Sell => (spec.band_low, qty, qty * spec.base_per_lot, None, false),
                }
            }
            OrderKind::MarketQuote { budget } => {
                if o.tif != TimeInForce::Ioc || o.post_only != PostOnly::Off {
                    return Err(EngineError::InvalidOrderOptions);
                }
                if budget == 0 || budget < spec.min_notional {
                    return Err(EngineError::BelowMinNotional);
                }
                match o.side {
                    Side::Buy => (spec.band_high, spec.max_lots(), budget, Some(budget), false),
                    Side::Sell => (
                        spec.band_low,
                        spec.max_lots(),
                        available,
                        Some(budget),
                        false,
                    ),
                }
            }
        };
        if need == 0 || available < need {
            return Err(EngineError::InsufficientFunds);
        }
        if o.tif == TimeInForce::Fok {
            let t = Taker {
                id: o.id,
                account: o.account,
                side: o.side,
                limit,
                qty,
                stp: o.stp,
            };
            if !m.book.fok_fillable(&t) {
                return Err(EngineError::FokNotFillable);
            }
        }
        self.ledger.hold(slot, hold_ai, need)?;
        self.events.push(Event::Accepted {
            market: o.market,
            order_id: o.id,
            account: o.account,
            side: o.side,
            price: limit,
            qty: if matches!(o.kind, OrderKind::MarketQuote { .. }) {
                0
            } else {
                qty
            },
        });
        let e = Entry {
            id: o.id,
            account: o.account,
            slot,
            side: o.side,
            limit,
            qty,
            held: need,
            budget,
            rests,
            expiry,
            stp: o.stp,
        };
        self.enter(o.market, e)
    }

    /// Matches an entry whose funds are already held, then rests or ends it.
    fn enter(&mut self, market: MarketId, e: Entry) -> Result<(), EngineError> {
        let m = touch_market(&mut self.markets, &mut self.touched, self.tick, market)?;
        let spec = m.spec;
        let mut t = Taker {
            id: e.id,
            account: e.account,
            side: e.side,
            limit: e.limit,
            qty: e.qty,
            stp: e.stp,
        };
        let mut sink = LedgerSink {
            ledger: &mut self.ledger,
            events: &mut self.events,
            market,
            qpt: spec.quote_per_tick,
            bpl: spec.base_per_lot,
            fees: spec.fees,
            base_ai: m.base_ai,
            quote_ai: m.quote_ai,
            taker_slot: e.slot,
            taker_held: e.held,
            taker_cum: 0,
            budget: e.budget,
        };
        let end = m.book.match_taker(&mut t, &mut sink);
        let held = sink.taker_held;
        let hold_ai = match e.side {
            Side::Buy => m.quote_ai,
            Side::Sell => m.base_ai,
        };
        if e.rests && t.qty > 0 && end != MatchEnd::StpTaker {
            m.book.insert(RestingOrder {
                id: e.id,
                account: e.account,
                slot: e.slot,
                side: e.side,
                price: e.limit,
                qty: t.qty,
                held,
                maker_cum: 0,
                expiry: e.expiry,
                stp: e.stp,
            })?;
            if e.expiry != 0 {
                self.expiries.push(Reverse((e.expiry, market, e.id)));
            }
            return Ok(());
        }
        self.ledger.release(e.slot, hold_ai, held);
        let reason = match end {
            MatchEnd::StpTaker => DoneReason::StpTaker,
            MatchEnd::Filled => DoneReason::Filled,
            MatchEnd::Capped if e.budget.is_some() => DoneReason::Filled,
            MatchEnd::Capped | MatchEnd::NoLiquidity => DoneReason::Unfilled,
        };
        // Quote-budget orders have no base quantity: nothing "remains".
        let remaining = if e.budget.is_some() && e.qty == spec.max_lots() {
            0
        } else {
            t.qty
        };
        self.events.push(Event::Done {
            market,
            order_id: e.id,
            account: e.account,
            reason,
            remaining,
        });
        Ok(())
    }

    /// Verifies conservation, that every hold is backed by an order or a withdrawal, and the books' invariants.
    pub fn verify(&self) -> Result<(), EngineError> {
        self.ledger.check()?;
        let stride = self.ledger.assets.len();
        let mut expected = vec![0u128; self.ledger.accounts.len() * stride];
        for (s, ai, amount) in self.ledger.pending_holds() {
            expected[s as usize * stride + ai] += u128::from(amount);
        }
        for m in self.markets.iter().flatten() {
            m.book
                .check_invariants()
                .map_err(|_| EngineError::LedgerImbalance)?;
            for side in [Side::Buy, Side::Sell] {
                for o in m.book.orders(side) {
                    let ai = if side == Side::Buy {
                        m.quote_ai
                    } else {
                        m.base_ai
                    };
                    // Checked: a loaded snapshot may hold any values here.
                    let min = match side {
                        Side::Buy => u128::from(o.qty)
                            .checked_mul(u128::from(o.price))
                            .and_then(|v| v.checked_mul(u128::from(m.spec.quote_per_tick))),
                        Side::Sell => Some(u128::from(o.qty) * u128::from(m.spec.base_per_lot)),
                    };
                    let backed = min.is_some_and(|min| u128::from(o.held) >= min);
                    if !backed || self.ledger.slot(o.account) != Some(o.slot) {
                        return Err(EngineError::LedgerImbalance);
                    }
                    expected[o.slot as usize * stride + ai] += u128::from(o.held);
                }
            }
        }
        for (i, e) in expected.iter().enumerate() {
            if u128::from(self.ledger.bal[i].held) != *e {
                return Err(EngineError::LedgerImbalance);
            }
        }
        Ok(())
    }

    /// A deterministic hash (SHA-256) of the canonical state.
    pub fn state_hash(&self) -> [u8; 32] {
        use sha2::Digest;
        let bytes = crate::snapshot::encode_state(self);
        sha2::Sha256::digest(&bytes).into()
    }

    pub(crate) fn from_parts(
        markets: Vec<Option<Box<MarketState>>>,
        ledger: Ledger,
        now: u64,
        last_seq: u64,
    ) -> Engine {
        let mut e = Engine::new();
        let mut heap = BinaryHeap::new();
        for m in markets.iter().flatten() {
            for side in [Side::Buy, Side::Sell] {
                for o in m.book.orders(side) {
                    if o.expiry != 0 {
                        heap.push(Reverse((o.expiry, m.spec.id, o.id)));
                    }
                }
            }
        }
        e.markets = markets;
        e.ledger = ledger;
        e.now = now;
        e.last_seq = last_seq;
        e.expiries = heap;
        e
    }

    pub(crate) fn new_market_state(
        spec: MarketSpec,
        base_ai: usize,
        quote_ai: usize,
        depth_seq: u64,
    ) -> Result<MarketState, EngineError> {
        Ok(MarketState {
            spec,
            base_ai,
            quote_ai,
            book: Book::new(spec.band_low, spec.band_high)?,
            depth_seq,
            touched: 0,
        })
    }
}
