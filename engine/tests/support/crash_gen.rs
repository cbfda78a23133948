//! A deterministic command stream: command number `seq` depends only on `(seed, seq)`,
//! so a restarted writer and an independent checker produce the same commands.
#![allow(dead_code)]

use skyx_engine::command::Command;
use skyx_engine::fees::FeeSchedule;
use skyx_engine::market::{AssetSpec, MarketSpec};
use skyx_engine::order::{NewOrder, OrderKind, PostOnly, TimeInForce};
use skyx_engine::stp::StpMode;
use skyx_engine::types::Side;

/// SplitMix64 step.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct R(u64);
impl R {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = mix64(self.0);
        self.0 % n
    }
}

/// Setup: two assets, one market with fees and a rebate, 20 funded accounts.
pub fn setup() -> Vec<Command> {
    let mut v = vec![
        Command::AddAsset(AssetSpec { id: 1, decimals: 2 }),
        Command::AddAsset(AssetSpec { id: 2, decimals: 2 }),
        Command::AddMarket(MarketSpec {
            id: 1,
            base: 1,
            quote: 2,
            base_per_lot: 10,
            quote_per_tick: 3,
            min_notional: 50,
            band_low: 50,
            band_high: 150,
            fees: FeeSchedule {
                maker_bps: -2,
                taker_bps: 7,
            },
        }),
    ];
    for a in 1..=20 {
        v.push(Command::Deposit {
            account: a,
            asset: 1,
            amount: 100_000,
        });
        v.push(Command::Deposit {
            account: a,
            asset: 2,
            amount: 10_000_000,
        });
    }
    v
}

/// Command number `seq` (1-based) of the stream.
pub fn command(seed: u64, seq: u64) -> Command {
    let s = setup();
    if seq >= 1 && (seq as usize) <= s.len() {
        return s[seq as usize - 1];
    }
    let mut r = R(seed ^ seq.wrapping_mul(0xA24B_AED4_963E_E407));
    let id = 1 + r.below(300);
    let account = 1 + r.below(20);
    let side = if r.below(2) == 0 {
        Side::Buy
    } else {
        Side::Sell
    };
    let price = 90 + r.below(21);
    let qty = 1 + r.below(8);
    let stp = match r.below(3) {
        0 => StpMode::CancelTaker,
        1 => StpMode::CancelMaker,
        _ => StpMode::DecrementBoth,
    };
    let k = r.below(100);
    match k {
        0..=39 => {
            let tif = match r.below(10) {
                0 => TimeInForce::Ioc,
                1 => TimeInForce::Fok,
                2 => TimeInForce::Gtd(seq + 1 + r.below(50)),
                _ => TimeInForce::Gtc,
            };
            let post_only = match r.below(10) {
                0 => PostOnly::Reject,
                1 => PostOnly::Slide,
                _ => PostOnly::Off,
            };
            Command::Place(NewOrder {
                market: 1,
                id,
                account,
                side,
                kind: OrderKind::Limit { price, qty },
                tif,
                post_only,
                stp,
            })
        }
        40..=44 => Command::Place(NewOrder {
            market: 1,
            id,
            account,
            side,
            kind: if r.below(2) == 0 {
                OrderKind::Market { qty }
            } else {
                OrderKind::MarketQuote {
                    budget: 100 + r.below(5_000),
                }
            },
            tif: TimeInForce::Ioc,
            post_only: PostOnly::Off,
            stp,
        }),
        45..=59 => Command::Cancel {
            market: 1,
            id,
            account,
        },
        60..=84 => Command::Move {
            market: 1,
            id,
            account,
            price,
            qty,
        },
        85..=87 => Command::Reduce {
            market: 1,
            id,
            account,
            by: 1 + r.below(3),
        },
        88..=90 => Command::Deposit {
            account,
            asset: 1 + r.below(2) as u32,
            amount: 1 + r.below(1_000),
        },
        91..=93 => Command::WithdrawHold {
            id: r.below(50),
            account,
            asset: 1 + r.below(2) as u32,
            amount: 1 + r.below(500),
        },
        94..=95 => Command::WithdrawSettle { id: r.below(50) },
        96 => Command::WithdrawCancel { id: r.below(50) },
        97 => Command::Transfer {
            from: account,
            to: 1 + r.below(21),
            asset: 1 + r.below(2) as u32,
            amount: 1 + r.below(300),
        },
        98 => Command::MassCancel {
            account,
            market: if r.below(2) == 0 { Some(1) } else { None },
        },
        _ => Command::Check,
    }
}
