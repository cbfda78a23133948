//! A long Litecoin regtest chain (2,000+ blocks, several payments per block
//! to watched and other addresses): the speed of following it (blocks/s,
//! transactions/s, and the time spent on RPC, parsing and the store), and
//! crash safety: `skyx chain sync` killed with SIGKILL many times while
//! following ends with exactly the deposits of a clean run.
//!
//! `SKYX_CHAIN_BLOCKS` sets the chain length (default 2000).

#[path = "chain_support.rs"]
mod support;

use std::time::{Duration, Instant};

use std::collections::VecDeque;

use rand::Rng;
use serde_json::{json, Value};
use skyx_coins::{btc, hd};
use skyx_node::bitcoin::{raw_hex, RpcClient};
use support::*;

/// Builds the chain: blocks paying a test key, then per block ten payments
/// signed here (each to four random targets, change back to the test key)
/// sent with `sendrawtransaction` and mined.
fn generate_chain(d: &Daemon, targets: &[String], blocks: u64) -> u64 {
    let params = btc::params(btc::Coin::Ltc, btc::Network::Regtest).expect("params");
    let seed = hd::seed_from_mnemonic(MNEMONIC, "").expect("seed");
    let coin_type = hd::HdCoin::Litecoin.coin_type(hd::HdNetwork::Regtest);
    let k = hd::derive_account_keys(&seed, hd::Purpose::Bip44, coin_type, 2, 0, 0, 1)
        .expect("test key")
        .remove(0);
    let key = btc::PrivateKey::compressed(k.secret);
    let funder = btc::Address::p2pkh(params, &k.public);
    // The payer wallet only funds the peg-in MWEB activation asks for.
    let wallet = d.wallet("payer");
    let wallet_addr: String = wallet.call("getnewaddress", json!([])).expect("address");
    d.mine(1, &wallet_addr);
    let coinbases = d.mine(150, &funder.to_string());
    let mut pool: VecDeque<(String, u64)> = coinbases[..50]
        .iter()
        .map(|h| {
            let b = d.call("getblock", json!([h, 1]));
            (
                format!("{}:0", b["tx"][0].as_str().expect("txid")),
                5_000_000_000,
            )
        })
        .collect();
    let mut rng = rand::thread_rng();
    let started = Instant::now();
    let mut txs = 0u64;
    for _ in 0..blocks {
        let mut raws = Vec::new();
        for _ in 0..10 {
            let (outpoint, value) = pool.pop_front().expect("funding output");
            let recipients = (0..4)
                .map(|_| {
                    let a = &targets[rng.gen_range(0..targets.len())];
                    btc::Recipient::parse(params, a, rng.gen_range(10_000..1_000_000))
                        .expect("recipient")
                })
                .collect();
            let request = btc::PaymentRequest {
                params,
                utxos: vec![btc::Utxo {
                    outpoint: outpoint.parse().expect("outpoint"),
                    value,
                    key,
                    kind: btc::SpendKind::P2pkh,
                }],
                recipients,
                change: funder.clone(),
                fee_rate: btc::FeeRate::from_sat_per_vb(10),
                lock_time: 0,
            };
            let signed = btc::build_and_sign(&request).expect("sign");
            let change = signed.change_index.expect("change output");
            let change_value = signed.tx.output[change].value.to_sat();
            pool.push_back((format!("{}:{change}", signed.txid), change_value));
            raws.push(json!([raw_hex(&signed.tx)]));
        }
        for r in d
            .rpc
            .batch("sendrawtransaction", &raws)
            .expect("broadcast batch")
        {
            r.expect("payment accepted");
            txs += 1;
        }
        mine_one(d, &wallet, &funder.to_string());
    }
    eprintln!(
        "generated {blocks} blocks with {txs} payments in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    txs
}

/// Mines a block; the first block after MWEB activates (height 432 on
/// regtest) must carry a peg-in, sent from a separate wallet so the payer
/// never holds MWEB coins.
fn mine_one(d: &Daemon, funder: &RpcClient, payer: &str) {
    if d.rpc
        .call::<Value>("generatetoaddress", json!([1, payer]))
        .is_ok()
    {
        return;
    }
    let sink = d.wallet("mweb-sink");
    let mweb: String = sink
        .call("getnewaddress", json!(["", "mweb"]))
        .expect("mweb address");
    let _: Value = funder
        .call("sendtoaddress", json!([mweb, "1"]))
        .expect("peg-in");
    d.mine(1, payer);
}

fn secs(v: &Value, key: &str) -> f64 {
    v[key].as_str().and_then(|s| s.parse().ok()).unwrap_or(0.0)
}

#[test]
fn ltc_long_chain_speed_and_kill9_safety() {
    let blocks: u64 = std::env::var("SKYX_CHAIN_BLOCKS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let d = Daemon::litecoin();
    let mut watched = hd_addresses("ltc", 44, 0, 0, 20);
    watched.extend(hd_addresses("ltc", 84, 0, 0, 10));
    let mut targets = watched.clone();
    targets.extend(hd_addresses("ltc", 44, 1, 0, 30));
    generate_chain(&d, &targets, blocks);
    let height = d.height();
    let watch_args: Vec<&str> = watched.iter().map(String::as_str).collect();

    // Clean run, timed.
    let clean = tempfile::tempdir().expect("temp dir");
    let common = chain_args("ltc", &d, clean.path());
    chain_json("watch", &common, &watch_args);
    let report = chain_json("sync", &common, &[]);
    assert_eq!(report["synced_height"], height);
    let total = secs(&report, "seconds");
    let n_blocks = report["blocks"].as_u64().unwrap_or(0);
    let n_txs = report["transactions"].as_u64().unwrap_or(0);
    eprintln!(
        "SPEED: {n_blocks} blocks, {n_txs} transactions in {total:.2} s: {:.0} blocks/s, {:.0} tx/s \
         (rpc {:.2} s, parse {:.2} s, store {:.2} s)",
        n_blocks as f64 / total.max(1e-9),
        n_txs as f64 / total.max(1e-9),
        secs(&report, "rpc_seconds"),
        secs(&report, "parse_seconds"),
        secs(&report, "store_seconds"),
    );
    let expected = chain_json("deposits", &common, &[]);
    let n_deposits = expected.as_array().map_or(0, Vec::len);
    assert!(n_deposits > blocks as usize, "{n_deposits} deposits");
    let confirmed_events = |common: &[String]| {
        chain_json("events", common, &[])
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["type"] == "deposit_confirmed" && e["confirmations"] == 1)
            .count()
    };
    assert_eq!(confirmed_events(&common), n_deposits);

    // The same chain, with the follower killed again and again.
    let crashy = tempfile::tempdir().expect("temp dir");
    let common = chain_args("ltc", &d, crashy.path());
    chain_json("watch", &common, &watch_args);
    let mut rng = rand::thread_rng();
    let mut kills = 0;
    for _ in 0..15 {
        let mut child = chain_spawn("sync", &common, &["--batch", "7"]);
        std::thread::sleep(Duration::from_millis(rng.gen_range(100..900)));
        if child.try_wait().expect("poll sync").is_none() {
            child.kill().expect("SIGKILL the sync");
            kills += 1;
        }
        let _ = child.wait();
    }
    eprintln!("killed the follower {kills} times");
    assert!(kills >= 3, "the sync finished too fast to be interrupted");
    let report = chain_json("sync", &common, &[]);
    assert_eq!(report["synced_height"], height);
    let got = chain_json("deposits", &common, &[]);
    assert_eq!(
        got, expected,
        "deposits after crashes differ from a clean run"
    );
    assert_eq!(
        confirmed_events(&common),
        n_deposits,
        "no event lost or doubled"
    );
}
