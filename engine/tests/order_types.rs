//! Table tests: one row per order type, time in force, post-only and STP mode.

mod common;
use common::*;
use skyx_engine::order::{DoneReason, NewOrder, OrderKind, PostOnly, TimeInForce};
use skyx_engine::stp::StpMode;
use skyx_engine::types::Side::{Buy, Sell};
use skyx_engine::{Command, EngineError, Event};

fn done_reason(ev: &[Event], id: u64) -> Option<DoneReason> {
    ev.iter().find_map(|e| match *e {
        Event::Done {
            order_id, reason, ..
        } if order_id == id => Some(reason),
        _ => None,
    })
}

/// A book with asks 2@101 (id 1, acct 1), 3@102 (id 2, acct 2) and bids 2@99 (id 3, acct 1), 3@98 (id 4, acct 2).
fn seeded() -> H {
    let mut h = H::new(0, 0);
    h.limit(1, 1, Sell, 101, 2);
    h.limit(2, 2, Sell, 102, 3);
    h.limit(3, 1, Buy, 99, 2);
    h.limit(4, 2, Buy, 98, 3);
    h
}

struct Row {
    name: &'static str,
    order: NewOrder,
    trades: Vec<(u64, u64, u64, u64)>,
    reject: Option<EngineError>,
    done: Option<DoneReason>,
    rests: Option<(u64, u64)>,
}

#[test]
fn order_type_table() {
    let o = |id, acct, side, kind, tif, po, stp| NewOrder {
        market: MKT,
        id,
        account: acct,
        side,
        kind,
        tif,
        post_only: po,
        stp,
    };
    let lim = |price, qty| OrderKind::Limit { price, qty };
    use StpMode::*;
    use TimeInForce::*;
    let rows = vec![
        Row {
            name: "gtc rests",
            order: o(10, 3, Buy, lim(100, 5), Gtc, PostOnly::Off, CancelTaker),
            trades: vec![],
            reject: None,
            done: None,
            rests: Some((100, 5)),
        },
        Row {
            name: "gtc crosses then rests",
            order: o(10, 3, Buy, lim(101, 5), Gtc, PostOnly::Off, CancelTaker),
            trades: vec![(1, 10, 101, 2)],
            reject: None,
            done: None,
            rests: Some((101, 3)),
        },
        Row {
            name: "gtd rests",
            order: o(
                10,
                3,
                Buy,
                lim(100, 5),
                Gtd(1_000),
                PostOnly::Off,
                CancelTaker,
            ),
            trades: vec![],
            reject: None,
            done: None,
            rests: Some((100, 5)),
        },
        Row {
            name: "gtd already expired",
            order: o(10, 3, Buy, lim(100, 5), Gtd(1), PostOnly::Off, CancelTaker),
            trades: vec![],
            reject: Some(EngineError::AlreadyExpired),
            done: None,
            rests: None,
        },
        Row {
            name: "ioc partial",
            order: o(10, 3, Buy, lim(101, 5), Ioc, PostOnly::Off, CancelTaker),
            trades: vec![(1, 10, 101, 2)],
            reject: None,
            done: Some(DoneReason::Unfilled),
            rests: None,
        },
        Row {
            name: "ioc sweeps two levels",
            order: o(10, 3, Buy, lim(102, 4), Ioc, PostOnly::Off, CancelTaker),
            trades: vec![(1, 10, 101, 2), (2, 10, 102, 2)],
            reject: None,
            done: Some(DoneReason::Filled),
            rests: None,
        },
        Row {
            name: "fok fillable",
            order: o(10, 3, Sell, lim(98, 5), Fok, PostOnly::Off, CancelTaker),
            trades: vec![(3, 10, 99, 2), (4, 10, 98, 3)],
            reject: None,
            done: Some(DoneReason::Filled),
            rests: None,
        },
        Row {
            name: "fok not fillable",
            order: o(10, 3, Sell, lim(98, 6), Fok, PostOnly::Off, CancelTaker),
            trades: vec![],
            reject: Some(EngineError::FokNotFillable),
            done: None,
            rests: None,
        },
        Row {
            name: "market by base qty",
            order: o(
                10,
                3,
                Buy,
                OrderKind::Market { qty: 3 },
                Ioc,
                PostOnly::Off,
                CancelTaker,
            ),
            trades: vec![(1, 10, 101, 2), (2, 10, 102, 1)],
            reject: None,
            done: Some(DoneReason::Filled),
            rests: None,
        },
        Row {
            name: "market sell by base qty",
            order: o(
                10,
                3,
                Sell,
                OrderKind::Market { qty: 10 },
                Ioc,
                PostOnly::Off,
                CancelTaker,
            ),
            trades: vec![(3, 10, 99, 2), (4, 10, 98, 3)],
            reject: None,
            done: Some(DoneReason::Unfilled),
            rests: None,
        },
        // 2 lots at 101 cost 20_200; 30_000 leaves 9_800 → 0 lots at 102 (10_200 each).
        Row {
            name: "market by quote budget",
            order: o(
                10,
                3,
                Buy,
                OrderKind::MarketQuote { budget: 30_000 },
                Ioc,
                PostOnly::Off,
                CancelTaker,
            ),
            trades: vec![(1, 10, 101, 2)],
            reject: None,
            done: Some(DoneReason::Filled),
            rests: None,
        },
        Row {
            name: "market sell by quote budget",
            order: o(
                10,
                3,
                Sell,
                OrderKind::MarketQuote { budget: 29_700 },
                Ioc,
                PostOnly::Off,
                CancelTaker,
            ),
            trades: vec![(3, 10, 99, 2), (4, 10, 98, 1)],
            reject: None,
            done: Some(DoneReason::Filled),
            rests: None,
        },
        Row {
            name: "post-only rests",
            order: o(10, 3, Buy, lim(100, 1), Gtc, PostOnly::Reject, CancelTaker),
            trades: vec![],
            reject: None,
            done: None,
            rests: Some((100, 1)),
        },
        Row {
            name: "post-only rejected",
            order: o(10, 3, Buy, lim(101, 1), Gtc, PostOnly::Reject, CancelTaker),
            trades: vec![],
            reject: Some(EngineError::PostOnlyWouldCross),
            done: None,
            rests: None,
        },
        Row {
            name: "post-only slides",
            order: o(10, 3, Buy, lim(105, 1), Gtc, PostOnly::Slide, CancelTaker),
            trades: vec![],
            reject: None,
            done: None,
            rests: Some((100, 1)),
        },
        Row {
            name: "post-only sell slides",
            order: o(10, 3, Sell, lim(90, 1), Gtc, PostOnly::Slide, CancelTaker),
            trades: vec![],
            reject: None,
            done: None,
            rests: Some((100, 1)),
        },
        Row {
            name: "post-only with ioc",
            order: o(10, 3, Buy, lim(90, 1), Ioc, PostOnly::Reject, CancelTaker),
            trades: vec![],
            reject: Some(EngineError::InvalidOrderOptions),
            done: None,
            rests: None,
        },
        Row {
            name: "out of band",
            order: o(10, 3, Buy, lim(1_001, 1), Gtc, PostOnly::Off, CancelTaker),
            trades: vec![],
            reject: Some(EngineError::PriceOutOfBand),
            done: None,
            rests: None,
        },
        Row {
            name: "below min notional",
            order: o(10, 3, Buy, lim(99, 1), Gtc, PostOnly::Off, CancelTaker),
            trades: vec![],
            reject: None,
            done: None,
            rests: Some((99, 1)),
        },
        Row {
            name: "min notional refused",
            order: o(10, 3, Buy, lim(0, 1), Gtc, PostOnly::Off, CancelTaker),
            trades: vec![],
            reject: Some(EngineError::PriceOutOfBand),
            done: None,
            rests: None,
        },
        Row {
            name: "insufficient funds",
            order: o(
                10,
                3,
                Buy,
                lim(100, 100_000),
                Gtc,
                PostOnly::Off,
                CancelTaker,
            ),
            trades: vec![],
            reject: Some(EngineError::InsufficientFunds),
            done: None,
            rests: None,
        },
        Row {
            name: "duplicate id",
            order: o(1, 3, Buy, lim(100, 1), Gtc, PostOnly::Off, CancelTaker),
            trades: vec![],
            reject: Some(EngineError::DuplicateOrderId),
            done: None,
            rests: None,
        },
        Row {
            name: "unknown account",
            order: o(10, 99, Buy, lim(100, 1), Gtc, PostOnly::Off, CancelTaker),
            trades: vec![],
            reject: Some(EngineError::UnknownAccount),
            done: None,
            rests: None,
        },
        // STP: account 1 owns the best ask (id 1, 2 lots @101); account 2 owns id 2.
        Row {
            name: "stp cancel taker",
            order: o(10, 1, Buy, lim(102, 4), Gtc, PostOnly::Off, CancelTaker),
            trades: vec![],
            reject: None,
            done: Some(DoneReason::StpTaker),
            rests: None,
        },
        Row {
            name: "stp cancel maker",
            order: o(10, 1, Buy, lim(102, 4), Gtc, PostOnly::Off, CancelMaker),
            trades: vec![(2, 10, 102, 3)],
            reject: None,
            done: None,
            rests: Some((102, 1)),
        },
        Row {
            name: "stp decrement both",
            order: o(10, 1, Buy, lim(102, 4), Gtc, PostOnly::Off, DecrementBoth),
            trades: vec![(2, 10, 102, 2)],
            reject: None,
            done: Some(DoneReason::Filled),
            rests: None,
        },
        Row {
            name: "stp decrement both, taker smaller",
            order: o(10, 1, Buy, lim(102, 1), Gtc, PostOnly::Off, DecrementBoth),
            trades: vec![],
            reject: None,
            done: Some(DoneReason::Filled),
            rests: None,
        },
        Row {
            name: "fok meets own order",
            order: o(10, 1, Buy, lim(102, 4), Fok, PostOnly::Off, CancelTaker),
            trades: vec![],
            reject: Some(EngineError::FokNotFillable),
            done: None,
            rests: None,
        },
    ];
    for r in rows {
        let mut h = seeded();
        let ev = h.run(Command::Place(r.order));
        assert_eq!(trades(&ev), r.trades, "{}: trades", r.name);
        assert_eq!(rejected(&ev), r.reject, "{}: rejection", r.name);
        if r.reject.is_some() {
            continue;
        }
        assert_eq!(done_reason(&ev, 10), r.done, "{}: done reason", r.name);
        let rest =
            h.e.market(MKT)
                .unwrap()
                .book()
                .get(10)
                .map(|o| (o.price, o.qty));
        assert_eq!(rest, r.rests, "{}: resting", r.name);
    }
}

#[test]
fn stp_modes_effect_on_makers() {
    // cancel maker removes the own ask; decrement both shrinks it.
    let mut h = seeded();
    let ev = h.run(Command::Place(
        NewOrder::limit(MKT, 10, 1, Buy, 102, 4).with_stp(StpMode::CancelMaker),
    ));
    assert_eq!(done_reason(&ev, 1), Some(DoneReason::StpMaker));
    let mut h = seeded();
    h.run(Command::Place(
        NewOrder::limit(MKT, 10, 1, Buy, 101, 1).with_stp(StpMode::DecrementBoth),
    ));
    assert_eq!(h.book_ids(Sell)[0], (1, 101, 1));
    let mut h = seeded();
    h.run(Command::Place(
        NewOrder::limit(MKT, 10, 1, Buy, 102, 4).with_stp(StpMode::CancelTaker),
    ));
    assert_eq!(h.book_ids(Sell)[0], (1, 101, 2));
}

#[test]
fn cancel_move_reduce_mass_cancel() {
    let mut h = seeded();
    h.limit(5, 3, Sell, 101, 4);
    // Not the owner.
    let ev = h.run(Command::Cancel {
        market: MKT,
        id: 5,
        account: 1,
    });
    assert_eq!(rejected(&ev), Some(EngineError::NotOwner));
    // Shrink at the same price keeps priority.
    h.ok(Command::Move {
        market: MKT,
        id: 1,
        account: 1,
        price: 101,
        qty: 1,
    });
    assert_eq!(h.book_ids(Sell)[0], (1, 101, 1));
    // Growing loses priority.
    h.ok(Command::Move {
        market: MKT,
        id: 1,
        account: 1,
        price: 101,
        qty: 3,
    });
    assert_eq!(h.book_ids(Sell)[..2], [(5, 101, 4), (1, 101, 3)]);
    // Reduce keeps priority.
    h.ok(Command::Reduce {
        market: MKT,
        id: 5,
        account: 3,
        by: 1,
    });
    assert_eq!(h.book_ids(Sell)[0], (5, 101, 3));
    // Moving through the book trades.
    let ev = h.ok(Command::Move {
        market: MKT,
        id: 4,
        account: 2,
        price: 101,
        qty: 5,
    });
    assert_eq!(trades(&ev), vec![(5, 4, 101, 3), (1, 4, 101, 2)]);
    assert_eq!(h.book_ids(Buy)[0], (3, 99, 2));
    assert_eq!(h.book_ids(Sell)[0], (1, 101, 1));
    // Cancel.
    let ev = h.ok(Command::Cancel {
        market: MKT,
        id: 3,
        account: 1,
    });
    assert_eq!(done_reason(&ev, 3), Some(DoneReason::Cancelled));
    // Mass cancel per market and for all markets.
    h.limit(20, 4, Buy, 50, 1);
    h.limit(21, 4, Sell, 500, 1);
    let ev = h.ok(Command::MassCancel {
        account: 4,
        market: Some(MKT),
    });
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(
                e,
                Event::Done {
                    reason: DoneReason::MassCancelled,
                    ..
                }
            ))
            .count(),
        2
    );
    let ev = h.ok(Command::MassCancel {
        account: 2,
        market: None,
    });
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(e, Event::Done { .. }))
            .count(),
        1
    );
    assert!(h.e.market(MKT).unwrap().book().account_orders(2).is_empty());
    // Reduce to zero cancels.
    let ev = h.ok(Command::Reduce {
        market: MKT,
        id: 1,
        account: 1,
        by: 10,
    });
    assert_eq!(done_reason(&ev, 1), Some(DoneReason::Reduced));
}

#[test]
fn gtd_expires_on_time() {
    let mut h = H::new(0, 0);
    let now = h.ts;
    h.ok(Command::Place(
        NewOrder::limit(MKT, 1, 1, Buy, 100, 1).with_tif(TimeInForce::Gtd(now + 3)),
    ));
    let ev = h.ok(Command::Check);
    assert_eq!(done_reason(&ev, 1), None);
    let ev = h.ok(Command::Check);
    assert_eq!(done_reason(&ev, 1), Some(DoneReason::Expired));
    assert_eq!(h.e.ledger().balance(1, QUOTE).held, 0);
}

#[test]
fn fees_rebates_and_holds() {
    // taker 25 bps, maker rebate 5 bps.
    let mut h = H::new(-5, 25);
    h.limit(1, 1, Sell, 100, 3); // notional 30_000
    let before_fee = h.e.ledger().totals(QUOTE).unwrap().fee;
    let ev = h.limit(2, 2, Buy, 100, 3);
    let (mf, tf) = ev
        .iter()
        .find_map(|e| match *e {
            Event::Trade {
                maker_fee,
                taker_fee,
                ..
            } => Some((maker_fee, taker_fee)),
            _ => None,
        })
        .unwrap();
    assert_eq!((mf, tf), (-15, 75));
    assert_eq!(h.e.ledger().totals(QUOTE).unwrap().fee - before_fee, 60);
    assert_eq!(
        h.e.ledger().balance(1, QUOTE).available,
        100_000_000 + 30_000 + 15
    );
    assert_eq!(
        h.e.ledger().balance(2, QUOTE).available,
        100_000_000 - 30_075
    );
    assert_eq!(h.e.ledger().balance(2, QUOTE).held, 0);
    // Rounding: many one-lot fills never pay less than one fill of the sum.
    let mut h = H::new(3, 7);
    for i in 0..10 {
        h.limit(100 + i, 1, Sell, 137, 1);
    }
    let ev = h.limit(200, 2, Buy, 137, 10);
    let tf: u64 = ev
        .iter()
        .filter_map(|e| match *e {
            Event::Trade { taker_fee, .. } => Some(taker_fee),
            _ => None,
        })
        .sum();
    assert_eq!(tf, (137 * 100 * 10 * 7_u64).div_ceil(10_000));
    h.ok(Command::Check);
}

#[test]
fn withdrawals_and_transfers() {
    let mut h = H::new(0, 0);
    h.ok(Command::Transfer {
        from: 1,
        to: 9,
        asset: BASE,
        amount: 500,
    });
    h.ok(Command::WithdrawHold {
        id: 1,
        account: 9,
        asset: BASE,
        amount: 200,
    });
    let ev = h.run(Command::Transfer {
        from: 9,
        to: 1,
        asset: BASE,
        amount: 301,
    });
    assert_eq!(rejected(&ev), Some(EngineError::InsufficientFunds));
    h.ok(Command::WithdrawSettle { id: 1 });
    let ev = h.run(Command::WithdrawSettle { id: 1 });
    assert_eq!(rejected(&ev), Some(EngineError::UnknownWithdrawal));
    let t = h.e.ledger().totals(BASE).unwrap();
    assert_eq!(t.withdrawn, 200);
    assert_eq!(h.e.ledger().balance(9, BASE).available, 300);
    h.ok(Command::Check);
}

#[test]
fn l2_updates_follow_the_book() {
    use skyx_engine::depth::{snapshot, L2Book};
    let mut h = seeded();
    let snap = snapshot(&h.e, MKT, usize::MAX).unwrap();
    let mut l2 = L2Book::from_snapshot(&snap);
    let cmds = vec![
        Command::Place(NewOrder::limit(MKT, 10, 3, Buy, 102, 4)),
        Command::Move {
            market: MKT,
            id: 4,
            account: 2,
            price: 97,
            qty: 3,
        },
        Command::Cancel {
            market: MKT,
            id: 3,
            account: 1,
        },
        Command::Place(NewOrder::limit(MKT, 11, 3, Sell, 97, 10)),
    ];
    for c in cmds {
        for e in h.ok(c) {
            l2.apply(&e).unwrap();
        }
    }
    let now = L2Book::from_snapshot(&snapshot(&h.e, MKT, usize::MAX).unwrap());
    assert_eq!(l2, now);
}
