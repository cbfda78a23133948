//! Commands carrying extreme values (zero, one, powers of two, maxima and
//! their neighbours) in every field never panic — overflow checks are on in
//! tests and in release builds — and leave a ledger that conserves: what
//! could overflow is refused with an error instead.
//! Streams: `SKYX_EXTREME_STREAMS` (default 300) of 400 commands each.

#[path = "support/crash_gen.rs"]
mod crash_gen;

use skyx_engine::fees::FeeSchedule;
use skyx_engine::market::{AssetSpec, MarketSpec};
use skyx_engine::order::{NewOrder, OrderKind, PostOnly, TimeInForce};
use skyx_engine::stp::StpMode;
use skyx_engine::types::Side;
use skyx_engine::{Command, Engine, Envelope, Event};

struct R(u64);

impl R {
    fn next(&mut self) -> u64 {
        self.0 = crash_gen::mix64(self.0);
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// A value near an edge most of the time, else anything.
    fn edge(&mut self) -> u64 {
        const EDGES: [u64; 16] = [
            0,
            1,
            2,
            3,
            10,
            100,
            1_000_000,
            u32::MAX as u64,
            1 << 32,
            1 << 53,
            1 << 62,
            u64::MAX / 4,
            u64::MAX / 2,
            u64::MAX - 2,
            u64::MAX - 1,
            u64::MAX,
        ];
        match self.below(4) {
            0 => self.next(),
            1 => 1 + self.below(1_000),
            _ => EDGES[self.below(EDGES.len() as u64) as usize],
        }
    }
    fn small_or_edge(&mut self, n: u64) -> u64 {
        if self.below(3) == 0 {
            self.edge()
        } else {
            1 + self.below(n)
        }
    }
    fn bps(&mut self) -> i32 {
        const B: [i32; 9] = [
            i32::MIN,
            -10_001,
            -10_000,
            -1,
            0,
            1,
            10_000,
            10_001,
            i32::MAX,
        ];
        B[self.below(B.len() as u64) as usize]
    }
    fn side(&mut self) -> Side {
        if self.below(2) == 0 {
            Side::Buy
        } else {
            Side::Sell
        }
    }
}

fn command(r: &mut R) -> Command {
    let market = r.small_or_edge(3) as u32;
    let account = r.small_or_edge(4);
    let asset = r.small_or_edge(3) as u32;
    let id = r.small_or_edge(20);
    match r.below(16) {
        0 => Command::AddAsset(AssetSpec {
            id: asset,
            decimals: r.edge() as u8,
        }),
        1 => Command::AddMarket(MarketSpec {
            id: market,
            base: asset,
            quote: r.small_or_edge(3) as u32,
            base_per_lot: r.edge(),
            quote_per_tick: r.edge(),
            min_notional: r.edge(),
            band_low: r.edge(),
            band_high: r.edge(),
            fees: FeeSchedule {
                maker_bps: r.bps(),
                taker_bps: r.bps(),
            },
        }),
        2 | 3 => Command::Deposit {
            account,
            asset,
            amount: r.edge(),
        },
        4 => Command::WithdrawHold {
            id,
            account,
            asset,
            amount: r.edge(),
        },
        5 => Command::WithdrawSettle { id },
        6 => Command::WithdrawCancel { id },
        7 => Command::Transfer {
            from: account,
            to: r.small_or_edge(4),
            asset,
            amount: r.edge(),
        },
        8..=11 => Command::Place(NewOrder {
            market,
            id,
            account,
            side: r.side(),
            kind: match r.below(3) {
                0 => OrderKind::Limit {
                    price: r.edge(),
                    qty: r.edge(),
                },
                1 => OrderKind::Market { qty: r.edge() },
                _ => OrderKind::MarketQuote { budget: r.edge() },
            },
            tif: match r.below(4) {
                0 => TimeInForce::Gtc,
                1 => TimeInForce::Gtd(r.edge()),
                2 => TimeInForce::Ioc,
                _ => TimeInForce::Fok,
            },
            post_only: match r.below(3) {
                0 => PostOnly::Off,
                1 => PostOnly::Reject,
                _ => PostOnly::Slide,
            },
            stp: match r.below(3) {
                0 => StpMode::CancelTaker,
                1 => StpMode::CancelMaker,
                _ => StpMode::DecrementBoth,
            },
        }),
        12 => Command::Cancel {
            market,
            id,
            account,
        },
        13 => Command::Move {
            market,
            id,
            account,
            price: r.edge(),
            qty: r.edge(),
        },
        14 => Command::Reduce {
            market,
            id,
            account,
            by: r.edge(),
        },
        _ => Command::MassCancel {
            account,
            market: if r.below(2) == 0 { Some(market) } else { None },
        },
    }
}

/// A market wide enough that extreme prices and quantities are inside its band.
fn wide_market(id: u32) -> Command {
    Command::AddMarket(MarketSpec {
        id,
        base: 1,
        quote: 2,
        base_per_lot: 1,
        quote_per_tick: 1,
        min_notional: 1,
        band_low: 1,
        band_high: 4096,
        fees: FeeSchedule {
            maker_bps: -5,
            taker_bps: 10,
        },
    })
}

#[test]
fn extreme_values_are_refused_not_panicked_on() {
    let streams: u64 = std::env::var("SKYX_EXTREME_STREAMS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let mut refused = 0u64;
    let mut applied = 0u64;
    for stream in 0..streams {
        let mut r = R(stream.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x5EED);
        let mut e = Engine::new();
        let mut cmds = vec![
            Command::AddAsset(AssetSpec { id: 1, decimals: 8 }),
            Command::AddAsset(AssetSpec { id: 2, decimals: 0 }),
            wide_market(1),
            wide_market(2),
        ];
        for _ in 0..400 {
            cmds.push(command(&mut r));
        }
        let mut ts = 0u64;
        for (i, cmd) in cmds.into_iter().enumerate() {
            ts = match r.below(50) {
                0 => u64::MAX - r.below(3),
                1 => ts.saturating_add(r.edge()),
                _ => ts.saturating_add(1),
            };
            let env = Envelope {
                seq: i as u64 + 1,
                ts,
                cmd,
            };
            let events = e.apply(&env);
            if events.iter().any(|x| matches!(x, Event::Rejected { .. })) {
                refused += 1;
            } else {
                applied += 1;
            }
            if i % 25 == 0 {
                assert_eq!(e.verify(), Ok(()), "stream {stream}, after {cmd:?}");
            }
        }
        assert_eq!(e.verify(), Ok(()), "stream {stream}");
        // A snapshot of whatever state this reached reads back the same.
        let bytes = skyx_engine::snapshot::encode_state(&e);
        let back = skyx_engine::snapshot::decode_state(&bytes).unwrap();
        assert_eq!(back.state_hash(), e.state_hash(), "stream {stream}");
    }
    assert!(
        refused > 0 && applied > streams * 4,
        "{refused} refused, {applied} applied"
    );
}
