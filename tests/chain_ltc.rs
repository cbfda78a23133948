//! `skyx chain` against a real Litecoin Core regtest daemon: coinbase
//! maturity, a received payment with rising confirmations, skyx-signed
//! spends (legacy and segwit) mined by the daemon, a reorganisation out and
//! back, and the daemon going away and coming back.

#[path = "chain_support.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::*;

fn deposits(common: &[String]) -> Value {
    chain_json("deposits", common, &[])
}

fn sync(common: &[String]) -> Value {
    chain_json("sync", common, &[])
}

fn events_of(common: &[String], kind: &str, txid: &str) -> Vec<Value> {
    chain_json("events", common, &[])
        .as_array()
        .expect("events array")
        .iter()
        .filter(|e| e["type"] == kind && e["txid"] == txid)
        .cloned()
        .collect()
}

/// A daemon wallet used only as an outside payer (skyx never uses it).
fn payer(d: &Daemon) -> String {
    d.call("createwallet", json!(["payer"]));
    d.call("getnewaddress", json!([]))
        .as_str()
        .expect("address")
        .to_owned()
}

#[test]
fn ltc_mine_mature_receive_confirm_spend() {
    let d = Daemon::litecoin();
    let data = tempfile::tempdir().expect("temp dir");
    let common = chain_args("ltc", &d, data.path());
    let legacy = hd_addresses("ltc", 44, 0, 0, 3);
    let segwit = hd_addresses("ltc", 84, 0, 0, 2);
    assert!(segwit[0].starts_with("rltc1"), "{}", segwit[0]);
    let w = chain_json("watch", &common, &[&legacy[0], &legacy[1], &segwit[0]]);
    assert_eq!(w["watched"], 3);
    let bad = chain("watch", &common, &["not-an-address"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid_address"));

    let pay_addr = payer(&d);
    let cb_legacy = d.mine(1, &legacy[0]);
    let cb_segwit = d.mine(1, &segwit[0]);
    d.mine(50, &pay_addr);
    let s = sync(&common);
    assert_eq!(s["synced_height"], 52);
    let deps = deposits(&common);
    assert_eq!(deps.as_array().map(Vec::len), Some(2), "{deps}");
    for dep in deps.as_array().into_iter().flatten() {
        assert_eq!(dep["status"], "immature", "{dep}");
        assert_eq!(dep["amount"], "50.00000000");
    }
    let block1 = d.call("getblock", json!([cb_legacy[0], 1]));
    let cb_txid = block1["tx"][0].as_str().expect("coinbase txid").to_owned();
    let dep = find_deposit(&deps, &cb_txid, 0).expect("legacy coinbase deposit");
    assert_eq!(dep["height"], 1);
    assert_eq!(dep["confirmations"], 52);
    assert_eq!(dep["address"], legacy[0].as_str());
    assert!(!cb_segwit.is_empty());

    // 51 more: the payer's first coinbase needs 101 confirmations in its wallet.
    d.mine(51, &pay_addr);
    sync(&common);
    let deps = deposits(&common);
    for dep in deps.as_array().into_iter().flatten() {
        assert_eq!(dep["status"], "confirmed", "coinbase matured: {dep}");
    }
    let status = chain_json("status", &common, &[]);
    assert_eq!(status["tip_height"], 103);
    assert_eq!(status["synced_height"], 103);
    assert_eq!(status["daemon"], "ok");
    assert_eq!(status["tip_hash"], d.call("getbestblockhash", json!([])));

    // An outside payment: seen in the mempool, then confirmations rise.
    let txid = d.call("sendtoaddress", json!([legacy[1], "1.5"]));
    let txid = txid.as_str().expect("txid").to_owned();
    sync(&common);
    let deps = deposits(&common);
    let paid = find_deposit(&deps, &txid, 0)
        .or_else(|| find_deposit(&deps, &txid, 1))
        .expect("mempool deposit");
    assert_eq!(paid["status"], "mempool");
    assert_eq!(paid["confirmations"], 0);
    assert_eq!(paid["amount"], "1.50000000");
    assert_eq!(paid["height"], Value::Null);
    assert_eq!(events_of(&common, "deposit_seen", &txid).len(), 1);
    let vout = paid["vout"].as_u64().expect("vout");
    for expected in 1..=3u64 {
        d.mine(1, &pay_addr);
        sync(&common);
        let deps = deposits(&common);
        let paid = find_deposit(&deps, &txid, vout).expect("deposit");
        assert_eq!(paid["status"], "confirmed");
        assert_eq!(paid["confirmations"], expected);
        assert_eq!(paid["height"], 104);
    }
    let confirmations: Vec<u64> = events_of(&common, "deposit_confirmed", &txid)
        .iter()
        .filter_map(|e| e["confirmations"].as_u64())
        .collect();
    assert_eq!(confirmations, vec![1, 3]);

    // A legacy spend signed by skyx, fee from the daemon's estimate (fallback on regtest).
    let sent = chain_json(
        "send",
        &common,
        &["--mnemonic", MNEMONIC, "--to", &pay_addr, "--amount", "10"],
    );
    let spend = sent["txid"].as_str().expect("txid").to_owned();
    let mempool = d.call("getrawmempool", json!([]));
    assert!(mempool
        .as_array()
        .expect("mempool")
        .iter()
        .any(|t| t == spend.as_str()));
    d.mine(1, &pay_addr);
    sync(&common);
    let mined = d.call("getrawtransaction", json!([spend, true]));
    assert_eq!(mined["confirmations"], 1, "{mined}");
    assert_eq!(events_of(&common, "payment_broadcast", &spend).len(), 1);
    assert_eq!(events_of(&common, "payment_confirmed", &spend).len(), 1);
    let change = hd_addresses("ltc", 44, 0, 1, 1);
    let deps = deposits(&common);
    let change_dep = deps
        .as_array()
        .into_iter()
        .flatten()
        .find(|d| d["txid"] == spend.as_str())
        .expect("change deposit");
    assert_eq!(change_dep["address"], change[0].as_str());
    assert_eq!(change_dep["status"], "confirmed");
    let unspent = chain_json("unspent", &common, &[]);
    assert!(
        !unspent
            .as_array()
            .into_iter()
            .flatten()
            .any(|u| u["txid"] == cb_txid.as_str()),
        "the spent coinbase is no longer unspent: {unspent}"
    );

    // A segwit (P2WPKH) spend from the bech32 coinbase, explicit fee rate.
    chain_json("watch", &common, &[&legacy[2]]);
    let sent = chain_json(
        "send",
        &common,
        &[
            "--mnemonic",
            MNEMONIC,
            "--purpose",
            "84",
            "--to",
            &legacy[2],
            "--amount",
            "5",
            "--fee-rate",
            "20",
        ],
    );
    let spend = sent["txid"].as_str().expect("txid").to_owned();
    d.mine(1, &pay_addr);
    sync(&common);
    let mined = d.call("getrawtransaction", json!([spend, true]));
    assert_eq!(mined["confirmations"], 1);
    assert!(
        mined["vin"][0]["txinwitness"].is_array(),
        "segwit input: {mined}"
    );
    let deps = deposits(&common);
    let got = deps
        .as_array()
        .into_iter()
        .flatten()
        .find(|d| d["txid"] == spend.as_str() && d["address"] == legacy[2].as_str())
        .expect("self-payment deposit");
    assert_eq!(got["amount"], "5.00000000");
    assert_eq!(got["confirmations"], 1);

    // Not enough funds: a clear error code, nothing broadcast.
    let out = chain(
        "send",
        &common,
        &[
            "--mnemonic",
            MNEMONIC,
            "--to",
            &pay_addr,
            "--amount",
            "100000",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("insufficient_funds"));
}

#[test]
fn ltc_reorg_out_and_back() {
    let d = Daemon::litecoin();
    let data = tempfile::tempdir().expect("temp dir");
    let common = chain_args("ltc", &d, data.path());
    let ours = hd_addresses("ltc", 44, 0, 0, 1);
    chain_json("watch", &common, &[&ours[0]]);
    let pay_addr = payer(&d);
    d.mine(101, &pay_addr);
    let txid = d.call("sendtoaddress", json!([ours[0], "2"]));
    let txid = txid.as_str().expect("txid").to_owned();
    let holding = d.mine(1, &pay_addr)[0].clone();
    let h = d.height();
    d.mine(3, &pay_addr);
    sync(&common);
    let deps = deposits(&common);
    let dep = &deps[0];
    assert_eq!(dep["txid"], txid.as_str());
    assert_eq!(dep["height"], h);
    assert_eq!(dep["confirmations"], 4);

    // Drop the block holding the deposit; mine a branch without it.
    d.call("invalidateblock", json!([holding]));
    d.call("generateblock", json!([pay_addr, []]));
    d.call("generateblock", json!([pay_addr, []]));
    assert_eq!(d.height(), h + 1);
    let s = sync(&common);
    assert_eq!(s["rolled_back"], 4, "{s}");
    assert_eq!(s["synced_height"], h + 1);
    let deps = deposits(&common);
    let dep = &deps[0];
    assert_ne!(dep["status"], "confirmed", "{dep}");
    assert_eq!(dep["height"], Value::Null);
    assert_eq!(dep["confirmations"], 0);
    let reorged = events_of(&common, "deposit_reorged", &txid);
    assert_eq!(reorged.len(), 1);
    assert_eq!(reorged[0]["height"], h);

    // The old branch is longer: it comes back with its depth.
    d.call("reconsiderblock", json!([holding]));
    assert_eq!(d.height(), h + 3);
    let s = sync(&common);
    assert_eq!(s["synced_height"], h + 3);
    let deps = deposits(&common);
    assert_eq!(deps.as_array().map(Vec::len), Some(1));
    let dep = &deps[0];
    assert_eq!(dep["status"], "confirmed");
    assert_eq!(dep["height"], h);
    assert_eq!(dep["confirmations"], 4);
    let status = chain_json("status", &common, &[]);
    assert_eq!(status["tip_hash"], d.call("getbestblockhash", json!([])));
}

#[test]
fn ltc_daemon_stops_and_comes_back() {
    let d = Daemon::litecoin();
    let data = tempfile::tempdir().expect("temp dir");
    let common = chain_args("ltc", &d, data.path());
    let ours = hd_addresses("ltc", 44, 0, 0, 1);
    chain_json("watch", &common, &[&ours[0]]);
    d.mine(5, &ours[0]);
    assert_eq!(sync(&common)["synced_height"], 5);

    d.stop();
    let out = chain("status", &common, &[]);
    assert!(out.status.success());
    let status: Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    assert_eq!(status["daemon"], "unreachable");
    assert_eq!(status["synced_height"], 5);
    assert_eq!(status["tip_height"], Value::Null);
    assert!(String::from_utf8_lossy(&out.stderr).contains("daemon unreachable since"));
    let out = chain("sync", &common, &["--wait", "1"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("daemon unreachable since") && err.contains("daemon_unreachable"),
        "{err}"
    );

    // A sync started while the daemon is down waits for it and catches up.
    let child = chain_spawn("sync", &common, &["--wait", "90"]);
    std::thread::sleep(Duration::from_secs(3));
    d.launch();
    let out = child.wait_with_output().expect("sync output");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("daemon unreachable since"), "{err}");

    // Following: the daemon stops mid-run and starts again; blocks mined on
    // both sides of the outage all arrive, and the outage is reported.
    let mut follow = chain_spawn(
        "follow",
        &common,
        &["--poll-interval", "1", "--wait", "3", "--for", "40"],
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
    let wait_for_height = |height: u64| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(e) = rx.recv_timeout(Duration::from_millis(500)) {
                if e["type"] == "deposit_confirmed" && e["height"] == height {
                    return;
                }
            }
        }
        panic!("no deposit_confirmed event for height {height}");
    };
    d.mine(1, &ours[0]);
    wait_for_height(6);
    d.stop();
    std::thread::sleep(Duration::from_secs(4));
    d.launch();
    d.mine(1, &ours[0]);
    wait_for_height(7);
    let _ = follow.kill();
    let out = follow.wait_with_output().expect("follow output");
    let _ = reader.join();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("daemon unreachable since"), "{err}");
    let deps = deposits(&common);
    assert_eq!(deps.as_array().map(Vec::len), Some(7));
}

/// What Litecoin Core 0.21 answers to `sendrawtransaction` in each case the
/// outbox must tell apart, and how skyx reads each answer: accepted,
/// re-sent while in the mempool, re-sent once mined, a conflicting spend, a
/// fee below the relay minimum, bytes that are no transaction, and a
/// re-send after every output of the mined transaction was spent.
#[test]
fn ltc_broadcast_answers_are_classified() {
    use skyx_node::bitcoin::broadcast::{classify, Verdict};
    use skyx_node::bitcoin::rpc::SendAnswer;

    let d = Daemon::litecoin();
    let w = d.wallet("payer");
    let mine_to: String = w.call("getnewaddress", json!([])).expect("address");
    d.mine(103, &mine_to);
    let unspent: Vec<Value> = w.call("listunspent", json!([])).expect("listunspent");
    let coin = |i: usize| (unspent[i]["txid"].clone(), unspent[i]["vout"].clone());
    let new_addr = || -> String { w.call("getnewaddress", json!([])).expect("address") };
    let sign = |inputs: Value, outputs: Value| -> Vec<u8> {
        let raw: String = w
            .call("createrawtransaction", json!([inputs, outputs]))
            .expect("createrawtransaction");
        let signed: Value = w
            .call("signrawtransactionwithwallet", json!([raw]))
            .expect("sign");
        assert_eq!(signed["complete"], true, "{signed}");
        hex::decode(signed["hex"].as_str().expect("hex")).expect("hex")
    };
    let (t0, v0) = coin(0);
    let (t1, v1) = coin(1);
    let (t2, v2) = coin(2);
    let pay = sign(
        json!([{"txid": t0, "vout": v0}]),
        json!({ new_addr(): "10", new_addr(): "39.999" }),
    );
    let rival = sign(
        json!([{"txid": t0, "vout": v0}]),
        json!({ new_addr(): "49.998" }),
    );
    let no_fee = sign(
        json!([{"txid": t1, "vout": v1}]),
        json!({ new_addr(): "50" }),
    );
    let mut answers = Vec::new();
    let mut send = |what: &str, raw: &[u8]| -> SendAnswer {
        let a = d.rpc.send_raw_once(raw).expect("credentials accepted");
        answers.push(format!("{what}: {a:?}"));
        a
    };
    let verdict = |a: &SendAnswer| match a {
        SendAnswer::Accepted(_) => Verdict::Known,
        SendAnswer::Refused { code, message } => classify(*code, message),
        SendAnswer::NoAnswer(r) => panic!("no answer: {r}"),
    };

    let first = send("new", &pay);
    assert!(matches!(first, SendAnswer::Accepted(_)), "{first:?}");
    let again = send("again, in the mempool", &pay);
    assert_eq!(verdict(&again), Verdict::Known, "{again:?}");
    let conflict = send("conflicting spend", &rival);
    assert!(
        matches!(&conflict, SendAnswer::Refused { code: -26, message } if message.contains("txn-mempool-conflict")),
        "{conflict:?}"
    );
    assert_eq!(verdict(&conflict), Verdict::Refused);
    let low = send("no fee", &no_fee);
    assert!(
        matches!(&low, SendAnswer::Refused { code: -26, message } if message.contains("min relay fee not met")),
        "{low:?}"
    );
    assert_eq!(verdict(&low), Verdict::Refused);
    let garbage = send("not a transaction", &[0u8, 1, 2, 3]);
    assert!(
        matches!(&garbage, SendAnswer::Refused { code: -22, .. }),
        "{garbage:?}"
    );
    assert_eq!(verdict(&garbage), Verdict::Refused);

    d.mine(1, &mine_to);
    let mined = send("again, mined", &pay);
    assert!(
        matches!(&mined, SendAnswer::Refused { code: -27, message } if message == "Transaction already in block chain"),
        "{mined:?}"
    );
    assert_eq!(verdict(&mined), Verdict::Known);

    // Spend both outputs of the mined payment: nothing shows it was mined.
    let txid = skyx_coins::btc::block::decode_transaction(skyx_coins::btc::Coin::Ltc, &pay)
        .expect("decode")
        .compute_txid()
        .to_string();
    let sweep = sign(
        json!([{"txid": txid, "vout": 0}, {"txid": txid, "vout": 1}, {"txid": t2, "vout": v2}]),
        json!({ new_addr(): "99.99" }),
    );
    assert!(matches!(send("sweep", &sweep), SendAnswer::Accepted(_)));
    d.mine(1, &mine_to);
    let gone = send("again, mined and spent", &pay);
    assert!(
        matches!(&gone, SendAnswer::Refused { code: -25, message } if message == "bad-txns-inputs-missingorspent"),
        "{gone:?}"
    );
    assert_eq!(verdict(&gone), Verdict::Unclear);
    eprintln!(
        "Litecoin Core sendrawtransaction answers:\n  {}",
        answers.join("\n  ")
    );
}
