//! Throughput and latency on the exchange-core command mix, against two baselines in the same process.
//!
//! `cargo run --release -p skyx-engine --example bench_mix -- --json [--n N] [--seed S]`

#[path = "../benches/mix/mod.rs"]
mod mix;

use mix::{Core, Op, Plain};
use orderbook_rs::OrderBook;
use pricelevel::{Id, Side as PSide, TimeInForce as PTif};
use skyx_engine::durable::{DurableEngine, DEFAULT_SNAPSHOT_EVERY};
use skyx_engine::recovery::recover;
use skyx_engine::types::Side;
use skyx_engine::Engine;
use std::hint::black_box;
use std::time::Instant;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn psided(s: Side) -> PSide {
    match s {
        Side::Buy => PSide::Buy,
        Side::Sell => PSide::Sell,
    }
}

fn peer_apply(b: &OrderBook<()>, op: &Op, sides: &mut std::collections::HashMap<u64, Side>) {
    match *op {
        Op::New {
            id,
            side,
            price,
            qty,
            ioc,
            ..
        } => {
            sides.insert(id, side);
            let _ = b.add_limit_order(
                Id::from_u64(id),
                u128::from(price),
                qty,
                psided(side),
                if ioc { PTif::Ioc } else { PTif::Gtc },
                None,
            );
        }
        Op::Cancel { id, .. } => {
            let _ = b.cancel_order(Id::from_u64(id));
        }
        Op::Move { id, price, .. } => {
            if let Ok(Some(o)) = b.cancel_order(Id::from_u64(id)) {
                let qty = o.visible_quantity().as_u64() + o.hidden_quantity().as_u64();
                let side = sides[&id];
                let _ = b.add_limit_order(
                    Id::from_u64(id),
                    u128::from(price),
                    qty,
                    psided(side),
                    PTif::Gtc,
                    None,
                );
            }
        }
    }
}

fn levels(orders: &[(u64, u64, u64)]) -> Vec<(u64, u64)> {
    let mut v: Vec<(u64, u64)> = Vec::new();
    for &(_, p, q) in orders {
        match v.last_mut() {
            Some(l) if l.0 == p => l.1 += q,
            _ => v.push((p, q)),
        }
    }
    v
}

fn main() {
    let json = std::env::args().any(|a| a == "--json");
    let n: usize = arg("--n").and_then(|s| s.parse().ok()).unwrap_or(2_000_000);
    let seed: u64 = arg("--seed").and_then(|s| s.parse().ok()).unwrap_or(42);
    let mix = mix::generate(seed, n);
    let (envs, start) = mix::envelopes(&mix);
    let rounds = 3;

    // (a) matching core alone.
    let mut core_best = f64::MAX;
    let mut core = Core::new();
    for _ in 0..rounds {
        core = Core::new();
        for op in &mix.prefill {
            core.apply(op);
        }
        let t = Instant::now();
        for op in &mix.ops {
            core.apply(op);
        }
        core_best = core_best.min(t.elapsed().as_secs_f64());
        black_box(&core);
    }

    // (b) full engine.
    let mut full_best = f64::MAX;
    let mut engine = Engine::new();
    for _ in 0..rounds {
        engine = Engine::new();
        engine.set_paranoid(false);
        for e in &envs[..start] {
            engine.apply(e);
        }
        let t = Instant::now();
        for e in &envs[start..] {
            black_box(engine.apply(e).len());
        }
        full_best = full_best.min(t.elapsed().as_secs_f64());
    }
    engine
        .verify()
        .expect("ledger and books consistent after the run");

    // (c) plain baseline.
    let mut plain_best = f64::MAX;
    let mut plain = Plain::default();
    for _ in 0..rounds {
        plain = Plain::default();
        for op in &mix.prefill {
            plain.apply(op);
        }
        let t = Instant::now();
        for op in &mix.ops {
            plain.apply(op);
        }
        plain_best = plain_best.min(t.elapsed().as_secs_f64());
        black_box(&plain);
    }

    // (d) orderbook-rs (one round: it is slow).
    let peer = OrderBook::<()>::new("BENCH");
    let mut sides = std::collections::HashMap::new();
    for op in &mix.prefill {
        peer_apply(&peer, op, &mut sides);
    }
    let t = Instant::now();
    for op in &mix.ops {
        peer_apply(&peer, op, &mut sides);
    }
    let peer_s = t.elapsed().as_secs_f64();

    // All four end in the same book.
    let p = plain.orders();
    assert_eq!(
        core.orders(),
        p,
        "core book differs from the plain baseline"
    );
    assert_eq!(
        mix::engine_orders(&engine),
        p,
        "engine book differs from the plain baseline"
    );
    let snap = peer.create_snapshot(usize::MAX).expect("peer snapshot");
    let peer_levels = |ls: &[pricelevel::PriceLevelSnapshot]| -> Vec<(u64, u64)> {
        ls.iter()
            .map(|l| (l.price().as_u128() as u64, l.visible_quantity().as_u64()))
            .collect()
    };
    assert_eq!(
        peer_levels(&snap.bids),
        levels(&p[0]),
        "orderbook-rs bids differ"
    );
    assert_eq!(
        peer_levels(&snap.asks),
        levels(&p[1]),
        "orderbook-rs asks differ"
    );

    // Latency of the full engine, per command.
    let mut e = Engine::new();
    e.set_paranoid(false);
    for x in &envs[..start] {
        e.apply(x);
    }
    let mut lat: Vec<u32> = Vec::with_capacity(envs.len() - start);
    for x in &envs[start..] {
        let t = Instant::now();
        black_box(e.apply(x).len());
        lat.push(t.elapsed().as_nanos() as u32);
    }
    lat.sort_unstable();
    let pct = |q: f64| lat[((lat.len() as f64 - 1.0) * q) as usize];

    // Journaled: every command appended, group-committed with fdatasync and
    // acknowledged; a snapshot every DEFAULT_SNAPSHOT_EVERY commands, the
    // journal rotated and old segments removed. Timed like the others: the
    // trading commands after the setup, until the last one is durable.
    let fresh_dir = |tag: &str| {
        let dir =
            std::env::temp_dir().join(format!("skyx-bench-journal-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    };
    let journal_run = |dir: &std::path::Path, every: u64| {
        let (mut d, _) =
            DurableEngine::open(dir, every, Box::new(|_: &_| {})).expect("open journal");
        for x in &envs[..start] {
            d.submit(x.ts, x.cmd).expect("journal append");
        }
        let t = Instant::now();
        for x in &envs[start..] {
            d.submit(x.ts, x.cmd).expect("journal append");
        }
        d.wait_durable(envs.len() as u64).expect("durable");
        let secs = t.elapsed().as_secs_f64();
        (secs, d.close().expect("close"))
    };
    let mut journal_best = f64::MAX;
    for _ in 0..rounds {
        let dir = fresh_dir("snap");
        let (secs, journaled) = journal_run(&dir, DEFAULT_SNAPSHOT_EVERY);
        journal_best = journal_best.min(secs);
        assert_eq!(
            journaled.state_hash(),
            engine.state_hash(),
            "the journaled engine reaches the same state"
        );
        let rec = recover(&dir).expect("recover");
        assert_eq!(
            rec.engine.state_hash(),
            engine.state_hash(),
            "recovery gives the same state"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    // Replay speed: the whole journal, without snapshots.
    let dir = fresh_dir("replay");
    let _ = journal_run(&dir, u64::MAX);
    let t = Instant::now();
    let rec = recover(&dir).expect("recover");
    let replay_s = t.elapsed().as_secs_f64();
    assert_eq!(
        rec.engine.state_hash(),
        engine.state_hash(),
        "replay gives the same state"
    );
    let _ = std::fs::remove_dir_all(&dir);

    let n_ops = mix.ops.len() as f64;
    let skyx = n_ops / full_best;
    let core_ops = n_ops / core_best;
    let plain_ops = n_ops / plain_best;
    let peer_ops = n_ops / peer_s;
    let journal_ops = n_ops / journal_best;
    let replay_ops = rec.replayed as f64 / replay_s;
    eprintln!(
        "commands: {} (+{} setup), trading commands: {:.2}%, resting orders at end: {}, levels: {}+{}",
        mix.ops.len(),
        start,
        100.0 * mix.trading_ops as f64 / n_ops,
        p[0].len() + p[1].len(),
        levels(&p[0]).len(),
        levels(&p[1]).len()
    );
    if json {
        println!(
            "{{\"skyx_ops_per_s\":{:.0},\"core_ops_per_s\":{:.0},\"plain_ops_per_s\":{:.0},\"peer_ops_per_s\":{:.0},\"ratio_vs_plain\":{:.3},\"ratio_vs_peer\":{:.3},\"p50_ns\":{},\"p99_ns\":{},\"p999_ns\":{},\"journal_ops_per_s\":{:.0},\"journal_ratio_vs_plain\":{:.3},\"replay_ops_per_s\":{:.0}}}",
            skyx, core_ops, plain_ops, peer_ops, skyx / plain_ops, skyx / peer_ops,
            pct(0.5), pct(0.99), pct(0.999), journal_ops, journal_ops / plain_ops, replay_ops
        );
    } else {
        println!("full engine   {:>12.0} ops/s", skyx);
        println!("core alone    {:>12.0} ops/s", core_ops);
        println!("plain book    {:>12.0} ops/s", plain_ops);
        println!("orderbook-rs  {:>12.0} ops/s", peer_ops);
        println!(
            "latency p50 {} ns, p99 {} ns, p99.9 {} ns",
            pct(0.5),
            pct(0.99),
            pct(0.999)
        );
        println!(
            "journaled     {:>12.0} ops/s ({:.3} of the plain book), replay {:>12.0} ops/s",
            journal_ops,
            journal_ops / plain_ops,
            replay_ops
        );
    }
}
