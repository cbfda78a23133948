//! `skyx chain` against a real Bitcoin SV regtest daemon: new blocks arrive
//! by ZMQ (polling is set far too slow to notice them), and a FORKID-signed
//! spend made by skyx is accepted and mined.

#[path = "chain_support.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::*;

#[test]
fn bsv_zmq_blocks_and_forkid_spend() {
    let d = Daemon::bitcoin_sv();
    let data = tempfile::tempdir().expect("temp dir");
    let common = chain_args("bsv", &d, data.path());
    let ours = hd_addresses("bsv", 44, 0, 0, 2);
    let other = hd_addresses("bsv", 44, 1, 0, 1);
    chain_json("watch", &common, &[&ours[0], &ours[1]]);
    d.mine(1, &ours[0]);
    d.mine(100, &other[0]);
    let s = chain_json("sync", &common, &[]);
    assert_eq!(s["synced_height"], 101);
    let deps = chain_json("deposits", &common, &[]);
    assert_eq!(deps[0]["status"], "confirmed", "{deps}");
    assert_eq!(deps[0]["confirmations"], 101);

    // Follow with a 10-minute poll interval: only ZMQ can bring the next block in time.
    let mut follow = chain_spawn(
        "follow",
        &common,
        &["--poll-interval", "600", "--for", "120"],
    );
    let stdout = follow.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                let _ = tx.send(v);
            }
        }
    });
    std::thread::sleep(Duration::from_secs(3));
    let mined_at = Instant::now();
    d.mine(1, &ours[1]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = None;
    while Instant::now() < deadline && seen.is_none() {
        if let Ok(e) = rx.recv_timeout(Duration::from_millis(200)) {
            if e["type"] == "deposit_confirmed" && e["address"] == ours[1].as_str() {
                seen = Some(mined_at.elapsed());
            }
        }
    }
    let _ = follow.kill();
    let out = follow.wait_with_output().expect("follow output");
    let _ = reader.join();
    let latency = seen.unwrap_or_else(|| {
        panic!(
            "the block was not noticed through ZMQ: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    eprintln!("block noticed through ZMQ after {latency:?}");

    // A FORKID-signed spend of the matured coinbase.
    let sent = chain_json(
        "send",
        &common,
        &[
            "--mnemonic",
            MNEMONIC,
            "--to",
            &other[0],
            "--amount",
            "12.5",
        ],
    );
    let txid = sent["txid"].as_str().expect("txid").to_owned();
    let raw = d.call("getrawtransaction", json!([txid, true]));
    let asm = raw["vin"][0]["scriptSig"]["asm"].as_str().unwrap_or("");
    assert!(asm.contains("[ALL|FORKID]"), "FORKID signature: {raw}");
    d.mine(1, &other[0]);
    chain_json("sync", &common, &[]);
    let mined = d.call("getrawtransaction", json!([txid, true]));
    assert_eq!(mined["confirmations"], 1, "{mined}");
    let events = chain_json("events", &common, &[]);
    assert!(events
        .as_array()
        .into_iter()
        .flatten()
        .any(|e| e["type"] == "payment_confirmed" && e["txid"] == txid.as_str()));
    let deps = chain_json("deposits", &common, &[]);
    assert!(
        deps.as_array()
            .into_iter()
            .flatten()
            .any(|d| d["txid"] == txid.as_str() && d["status"] == "confirmed"),
        "change came back: {deps}"
    );
}
