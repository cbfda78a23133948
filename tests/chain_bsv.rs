//! `skyx chain` against a real Bitcoin SV regtest daemon: new blocks arrive
//! by ZMQ (polling is set far too slow to notice them), a FORKID-signed
//! spend made by skyx is accepted and mined, and sending it again (in the
//! mempool, then mined) is read as held by the daemon.

#[path = "chain_support.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use skyx_node::bitcoin::broadcast::{classify, Verdict};
use skyx_node::bitcoin::rpc::SendAnswer;
use support::*;

fn answer_verdict(a: &SendAnswer) -> Verdict {
    match a {
        SendAnswer::Accepted(_) => Verdict::Known,
        SendAnswer::Refused { code, message } => classify(*code, message),
        SendAnswer::NoAnswer(r) => panic!("no answer: {r}"),
    }
}

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
        &["--poll-interval", "600", "--for", "120", "-v"],
    );
    let stdout = follow.stdout.take().expect("stdout");
    let stderr = follow.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                let _ = tx.send(v);
            }
        }
    });
    let (log_tx, log_rx) = std::sync::mpsc::channel::<String>();
    let log_reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = log_tx.send(line.clone());
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    // Wait until the subscription is up, and give the publisher a moment to register it.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match log_rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) if line.contains("zmq subscribed") => break,
            _ => assert!(
                Instant::now() < deadline,
                "the ZMQ subscription never came up"
            ),
        }
    }
    std::thread::sleep(Duration::from_secs(1));
    // The first round is over once the startup notice has been handled.
    while rx.recv_timeout(Duration::from_millis(500)).is_ok() {}
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
    let _ = follow.wait();
    let _ = reader.join();
    let log = log_reader.join().unwrap_or_default();
    let latency =
        seen.unwrap_or_else(|| panic!("the block was not noticed through ZMQ; follow log:\n{log}"));
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
    // Sent again while in the mempool, then once mined: the daemon holds it.
    let bytes = hex::decode(raw["hex"].as_str().expect("hex")).expect("hex");
    let again = d.rpc.send_raw_once(&bytes).expect("credentials accepted");
    assert!(
        matches!(&again, SendAnswer::Refused { code: -27, message } if message == "Transaction already in the mempool"),
        "{again:?}"
    );
    assert_eq!(answer_verdict(&again), Verdict::Known);
    d.mine(1, &other[0]);
    let mined_again = d.rpc.send_raw_once(&bytes).expect("credentials accepted");
    assert!(
        matches!(&mined_again, SendAnswer::Refused { code: -26, message } if message == "257: txn-already-known"),
        "{mined_again:?}"
    );
    assert_eq!(answer_verdict(&mined_again), Verdict::Known);
    eprintln!("Bitcoin SV sendrawtransaction answers:\n  again, in the mempool: {again:?}\n  again, mined: {mined_again:?}");
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
