//! The exchange-core style command mix shared by `bench_mix` and the criterion benches:
//! 9% GTC, 3% IOC, 6% cancel, 82% move, 1K accounts, about 1K resting orders on
//! about 750 levels, generated once from a seed against a plain reference book.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, VecDeque};

use skyx_engine::book::{Book, CountingSink, RestingOrder, Taker};
use skyx_engine::command::{Command, Envelope};
use skyx_engine::fees::FeeSchedule;
use skyx_engine::market::{AssetSpec, MarketSpec};
use skyx_engine::order::{NewOrder, OrderKind, PostOnly, TimeInForce};
use skyx_engine::stp::StpMode;
use skyx_engine::types::Side;
use skyx_engine::Engine;

/// Band of the bench market.
pub const LOW: u64 = 1;
/// Band of the bench market.
pub const HIGH: u64 = 20_000;
/// Market id.
pub const MKT: u32 = 1;

/// One bench command.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    /// New limit order (GTC, or IOC).
    New {
        id: u64,
        acct: u64,
        side: Side,
        price: u64,
        qty: u64,
        ioc: bool,
    },
    /// Cancel.
    Cancel { id: u64, acct: u64 },
    /// Move to a new price, same size.
    Move { id: u64, acct: u64, price: u64 },
}

/// SplitMix64.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The plain baseline: `BTreeMap<price, VecDeque<order>>` per side and a `HashMap` id index.
#[derive(Default)]
pub struct Plain {
    pub bids: BTreeMap<u64, VecDeque<(u64, u64)>>,
    pub asks: BTreeMap<u64, VecDeque<(u64, u64)>>,
    pub idx: HashMap<u64, (Side, u64)>,
    pub filled: Vec<u64>,
    pub fills: u64,
}

impl Plain {
    pub fn limit(&mut self, id: u64, side: Side, price: u64, mut qty: u64, ioc: bool) {
        let opp = match side {
            Side::Buy => &mut self.asks,
            Side::Sell => &mut self.bids,
        };
        while qty > 0 {
            let mut e = match side {
                Side::Buy => match opp.first_entry() {
                    Some(e) if *e.key() <= price => e,
                    _ => break,
                },
                Side::Sell => match opp.last_entry() {
                    Some(e) if *e.key() >= price => e,
                    _ => break,
                },
            };
            let q = e.get_mut();
            while qty > 0 {
                let Some(front) = q.front_mut() else { break };
                let t = qty.min(front.1);
                qty -= t;
                front.1 -= t;
                self.fills += 1;
                if front.1 == 0 {
                    let mid = front.0;
                    q.pop_front();
                    self.idx.remove(&mid);
                    self.filled.push(mid);
                }
            }
            if q.is_empty() {
                e.remove();
            }
        }
        if qty > 0 && !ioc {
            let own = match side {
                Side::Buy => &mut self.bids,
                Side::Sell => &mut self.asks,
            };
            own.entry(price).or_default().push_back((id, qty));
            self.idx.insert(id, (side, price));
        }
    }

    pub fn cancel(&mut self, id: u64) -> Option<(Side, u64, u64)> {
        let (side, price) = self.idx.remove(&id)?;
        let book = match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        };
        let q = book.get_mut(&price)?;
        let pos = q.iter().position(|o| o.0 == id)?;
        let (_, qty) = q.remove(pos)?;
        if q.is_empty() {
            book.remove(&price);
        }
        Some((side, price, qty))
    }

    pub fn apply(&mut self, op: &Op) {
        match *op {
            Op::New {
                id,
                side,
                price,
                qty,
                ioc,
                ..
            } => self.limit(id, side, price, qty, ioc),
            Op::Cancel { id, .. } => {
                self.cancel(id);
            }
            Op::Move { id, price, .. } => {
                if let Some((side, _, qty)) = self.cancel(id) {
                    self.limit(id, side, price, qty, false);
                }
            }
        }
    }

    /// Orders per side in priority order.
    pub fn orders(&self) -> [Vec<(u64, u64, u64)>; 2] {
        let b = self
            .bids
            .iter()
            .rev()
            .flat_map(|(p, q)| q.iter().map(move |o| (o.0, *p, o.1)))
            .collect();
        let a = self
            .asks
            .iter()
            .flat_map(|(p, q)| q.iter().map(move |o| (o.0, *p, o.1)))
            .collect();
        [b, a]
    }
}

fn acct(side: Side, id: u64) -> u64 {
    match side {
        Side::Buy => id % 500,
        Side::Sell => 500 + id % 500,
    }
}

/// The generated workload: a prefill and a timed stream.
pub struct Mix {
    pub prefill: Vec<Op>,
    pub ops: Vec<Op>,
    pub trading_ops: u64,
}

/// Generates `n` commands after a prefill of about 1K orders.
pub fn generate(seed: u64, n: usize) -> Mix {
    let mut rng = Rng(seed);
    let mut m = Plain::default();
    let mut live: Vec<u64> = Vec::new();
    let mut pos: HashMap<u64, usize> = HashMap::new();
    let mut next_id = 1u64;
    let mid = 10_000u64;
    let mut prefill = Vec::new();
    for _ in 0..1_000 {
        let side = if rng.below(2) == 0 {
            Side::Buy
        } else {
            Side::Sell
        };
        let off = 1 + rng.below(480);
        let price = if side == Side::Buy {
            mid - off
        } else {
            mid + off
        };
        let id = next_id;
        next_id += 1;
        let op = Op::New {
            id,
            acct: acct(side, id),
            side,
            price,
            qty: 1 + rng.below(10),
            ioc: false,
        };
        m.apply(&op);
        prefill.push(op);
    }
    for &id in m.idx.keys() {
        pos.insert(id, live.len());
        live.push(id);
    }
    live.sort_unstable();
    for (i, id) in live.iter().enumerate() {
        pos.insert(*id, i);
    }
    let mut ops = Vec::with_capacity(n);
    let mut trading_ops = 0;
    let remove_live = |live: &mut Vec<u64>, pos: &mut HashMap<u64, usize>, id: u64| {
        if let Some(i) = pos.remove(&id) {
            live.swap_remove(i);
            if i < live.len() {
                pos.insert(live[i], i);
            }
        }
    };
    for _ in 0..n {
        let best_bid = m.bids.keys().next_back().copied().unwrap_or(mid - 1);
        let best_ask = m.asks.keys().next().copied().unwrap_or(mid + 1);
        let r = rng.below(100);
        let mut kind = if r < 9 {
            0
        } else if r < 12 {
            1
        } else if r < 18 {
            2
        } else {
            3
        };
        if kind == 0 && live.len() > 1_100 {
            kind = 2;
        }
        if kind == 2 && live.len() < 980 {
            kind = 0;
        }
        if kind >= 2 && live.is_empty() {
            kind = 0;
        }
        let op = match kind {
            0 | 1 => {
                let side = if rng.below(2) == 0 {
                    Side::Buy
                } else {
                    Side::Sell
                };
                let cross = kind == 1 || rng.below(100) < 8;
                let price = match (side, cross) {
                    (Side::Buy, true) => best_ask + rng.below(3),
                    (Side::Buy, false) => best_ask.saturating_sub(1 + rng.below(480)),
                    (Side::Sell, true) => best_bid.saturating_sub(rng.below(3)),
                    (Side::Sell, false) => best_ask.max(best_bid + 1) + rng.below(480),
                }
                .clamp(LOW, HIGH);
                let price = if side == Side::Sell && !cross {
                    price.max(best_bid + 1)
                } else {
                    price
                };
                let id = next_id;
                next_id += 1;
                Op::New {
                    id,
                    acct: acct(side, id),
                    side,
                    price,
                    qty: 1 + rng.below(10),
                    ioc: kind == 1,
                }
            }
            2 => {
                let id = live[rng.below(live.len() as u64) as usize];
                let side = m.idx[&id].0;
                Op::Cancel {
                    id,
                    acct: acct(side, id),
                }
            }
            _ => {
                let id = live[rng.below(live.len() as u64) as usize];
                let (side, old) = m.idx[&id];
                let cross = rng.below(1000) < 22;
                let mut price = match (side, cross) {
                    (Side::Buy, true) => best_ask + rng.below(2),
                    (Side::Buy, false) => best_ask.saturating_sub(1 + rng.below(480)),
                    (Side::Sell, true) => best_bid.saturating_sub(rng.below(2)),
                    (Side::Sell, false) => best_bid + 1 + rng.below(480),
                }
                .clamp(LOW, HIGH);
                if price == old {
                    price = if side == Side::Buy {
                        price - 1
                    } else {
                        price + 1
                    };
                }
                Op::Move {
                    id,
                    acct: acct(side, id),
                    price,
                }
            }
        };
        let fills_before = m.fills;
        m.filled.clear();
        m.apply(&op);
        if m.fills > fills_before {
            trading_ops += 1;
        }
        let filled = std::mem::take(&mut m.filled);
        for id in &filled {
            remove_live(&mut live, &mut pos, *id);
        }
        match op {
            Op::New { id, .. } => {
                if m.idx.contains_key(&id) {
                    pos.insert(id, live.len());
                    live.push(id);
                }
            }
            Op::Cancel { id, .. } => remove_live(&mut live, &mut pos, id),
            Op::Move { id, .. } => {
                if !m.idx.contains_key(&id) {
                    remove_live(&mut live, &mut pos, id);
                }
            }
        }
        ops.push(op);
    }
    Mix {
        prefill,
        ops,
        trading_ops,
    }
}

/// The bench market (fees: 3 bps taker, 1 bps maker rebate).
pub fn market() -> MarketSpec {
    MarketSpec {
        id: MKT,
        base: 1,
        quote: 2,
        base_per_lot: 1,
        quote_per_tick: 1,
        min_notional: 1,
        band_low: LOW,
        band_high: HIGH,
        fees: FeeSchedule {
            maker_bps: -1,
            taker_bps: 3,
        },
    }
}

/// Setup commands for the full engine: assets, market, funds for 1K accounts.
pub fn setup_commands() -> Vec<Command> {
    let mut v = vec![
        Command::AddAsset(AssetSpec { id: 1, decimals: 0 }),
        Command::AddAsset(AssetSpec { id: 2, decimals: 0 }),
        Command::AddMarket(market()),
    ];
    for a in 0..1_000u64 {
        v.push(Command::Deposit {
            account: a,
            asset: 1,
            amount: 1 << 40,
        });
        v.push(Command::Deposit {
            account: a,
            asset: 2,
            amount: 1 << 50,
        });
    }
    v
}

/// The engine command of an op.
pub fn to_command(op: &Op) -> Command {
    match *op {
        Op::New {
            id,
            acct,
            side,
            price,
            qty,
            ioc,
        } => Command::Place(NewOrder {
            market: MKT,
            id,
            account: acct,
            side,
            kind: OrderKind::Limit { price, qty },
            tif: if ioc {
                TimeInForce::Ioc
            } else {
                TimeInForce::Gtc
            },
            post_only: PostOnly::Off,
            stp: StpMode::CancelTaker,
        }),
        Op::Cancel { id, acct } => Command::Cancel {
            market: MKT,
            id,
            account: acct,
        },
        Op::Move { id, acct, price } => {
            // Same size: the generator never changes it; the engine needs it explicitly.
            Command::Move {
                market: MKT,
                id,
                account: acct,
                price,
                qty: 0,
            }
        }
    }
}

/// Envelopes for setup + prefill + ops, with move sizes filled in from a reference run.
pub fn envelopes(mix: &Mix) -> (Vec<Envelope>, usize) {
    let mut env = Vec::new();
    let mut seq = 0;
    let mut push = |env: &mut Vec<Envelope>, cmd| {
        seq += 1;
        env.push(Envelope { seq, ts: seq, cmd });
    };
    for c in setup_commands() {
        push(&mut env, c);
    }
    let mut plain = Plain::default();
    for op in &mix.prefill {
        plain.apply(op);
        push(&mut env, to_command(op));
    }
    let start = env.len();
    for op in &mix.ops {
        let mut cmd = to_command(op);
        if let (Op::Move { id, .. }, Command::Move { qty, .. }) = (op, &mut cmd) {
            *qty = plain
                .idx
                .get(id)
                .and_then(|&(side, price)| {
                    let book = if side == Side::Buy {
                        &plain.bids
                    } else {
                        &plain.asks
                    };
                    book.get(&price)?.iter().find(|o| o.0 == *id).map(|o| o.1)
                })
                .unwrap_or(1);
        }
        plain.apply(op);
        push(&mut env, cmd);
    }
    (env, start)
}

/// The matching core alone, driven by the ops.
pub struct Core {
    pub book: Book,
    pub sink: CountingSink,
}

impl Core {
    pub fn new() -> Core {
        Core {
            book: Book::new(LOW, HIGH).unwrap_or_else(|_| unreachable!()),
            sink: CountingSink::default(),
        }
    }

    #[inline]
    fn enter(&mut self, id: u64, acct: u64, side: Side, price: u64, qty: u64, rest: bool) {
        let mut t = Taker {
            id,
            account: acct,
            side,
            limit: price,
            qty,
            stp: StpMode::CancelTaker,
        };
        self.book.match_taker(&mut t, &mut self.sink);
        if rest && t.qty > 0 {
            let _ = self.book.insert(RestingOrder {
                id,
                account: acct,
                slot: 0,
                side,
                price,
                qty: t.qty,
                held: 0,
                maker_cum: 0,
                expiry: 0,
                stp: StpMode::CancelTaker,
            });
        }
    }

    #[inline]
    pub fn apply(&mut self, op: &Op) {
        match *op {
            Op::New {
                id,
                acct,
                side,
                price,
                qty,
                ioc,
            } => self.enter(id, acct, side, price, qty, !ioc),
            Op::Cancel { id, .. } => {
                self.book.remove(id);
            }
            Op::Move { id, acct, price } => {
                if let Some(o) = self.book.remove(id) {
                    self.enter(id, acct, o.side, price, o.qty, true);
                }
            }
        }
    }

    pub fn orders(&self) -> [Vec<(u64, u64, u64)>; 2] {
        [Side::Buy, Side::Sell].map(|s| {
            self.book
                .orders(s)
                .map(|o| (o.id, o.price, o.qty))
                .collect()
        })
    }
}

/// Orders of the full engine's book.
pub fn engine_orders(e: &Engine) -> [Vec<(u64, u64, u64)>; 2] {
    let b = e.market(MKT).map(|m| m.book());
    [Side::Buy, Side::Sell].map(|s| {
        b.map(|b| b.orders(s).map(|o| (o.id, o.price, o.qty)).collect())
            .unwrap_or_default()
    })
}
