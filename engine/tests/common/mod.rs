//! Helpers shared by the integration tests.
#![allow(dead_code)]

use skyx_engine::fees::FeeSchedule;
use skyx_engine::market::{AssetSpec, MarketSpec};
use skyx_engine::order::NewOrder;
use skyx_engine::types::Side;
use skyx_engine::{Command, Engine, Envelope, Event};

/// Base asset id.
pub const BASE: u32 = 1;
/// Quote asset id.
pub const QUOTE: u32 = 2;
/// Market id.
pub const MKT: u32 = 7;

/// A market with 1 unit per lot and per tick, band 1..=1000.
pub fn spec(maker_bps: i32, taker_bps: i32) -> MarketSpec {
    MarketSpec {
        id: MKT,
        base: BASE,
        quote: QUOTE,
        base_per_lot: 10,
        quote_per_tick: 100,
        min_notional: 100,
        band_low: 1,
        band_high: 1000,
        fees: FeeSchedule {
            maker_bps,
            taker_bps,
        },
    }
}

/// A test harness that numbers commands.
pub struct H {
    pub e: Engine,
    pub seq: u64,
    pub ts: u64,
    pub log: Vec<Envelope>,
}

impl H {
    pub fn new(maker_bps: i32, taker_bps: i32) -> H {
        let mut h = H {
            e: Engine::new(),
            seq: 0,
            ts: 0,
            log: Vec::new(),
        };
        h.ok(Command::AddAsset(AssetSpec {
            id: BASE,
            decimals: 0,
        }));
        h.ok(Command::AddAsset(AssetSpec {
            id: QUOTE,
            decimals: 0,
        }));
        h.ok(Command::AddMarket(spec(maker_bps, taker_bps)));
        for a in 1..=4u64 {
            h.ok(Command::Deposit {
                account: a,
                asset: BASE,
                amount: 1_000_000,
            });
            h.ok(Command::Deposit {
                account: a,
                asset: QUOTE,
                amount: 100_000_000,
            });
        }
        h
    }

    pub fn run(&mut self, cmd: Command) -> Vec<Event> {
        self.seq += 1;
        self.ts += 1;
        let env = Envelope {
            seq: self.seq,
            ts: self.ts,
            cmd,
        };
        self.log.push(env);
        let ev = self.e.apply(&env).to_vec();
        assert_eq!(self.e.verify(), Ok(()), "after {cmd:?}");
        ev
    }

    pub fn ok(&mut self, cmd: Command) -> Vec<Event> {
        let ev = self.run(cmd);
        assert!(
            !ev.iter().any(|e| matches!(e, Event::Rejected { .. })),
            "{cmd:?} rejected: {ev:?}"
        );
        ev
    }

    pub fn limit(&mut self, id: u64, acct: u64, side: Side, price: u64, qty: u64) -> Vec<Event> {
        self.ok(Command::Place(NewOrder::limit(
            MKT, id, acct, side, price, qty,
        )))
    }

    pub fn book_ids(&self, side: Side) -> Vec<(u64, u64, u64)> {
        self.e
            .market(MKT)
            .unwrap()
            .book()
            .orders(side)
            .map(|o| (o.id, o.price, o.qty))
            .collect()
    }
}

pub fn trades(ev: &[Event]) -> Vec<(u64, u64, u64, u64)> {
    ev.iter()
        .filter_map(|e| match *e {
            Event::Trade {
                maker_order,
                taker_order,
                price,
                qty,
                ..
            } => Some((maker_order, taker_order, price, qty)),
            _ => None,
        })
        .collect()
}

pub fn rejected(ev: &[Event]) -> Option<skyx_engine::EngineError> {
    ev.iter().find_map(|e| match *e {
        Event::Rejected { error, .. } => Some(error),
        _ => None,
    })
}
