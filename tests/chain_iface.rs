//! The Bitcoin-family [`Chain`] against real regtest daemons (Litecoin Core
//! and Bitcoin SV): deposits seen, confirmed and at depth through the event
//! cursor, balances and unspent outputs equal to what the daemon's own
//! wallet reports, history pages, broadcast of a transaction the daemon's
//! wallet signed (twice: one txid), fee estimates, and a reorganisation
//! with `invalidateblock` reported as `deposit_reorged`.

#[path = "chain_support.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use skyx_coins::amount::{Amount, Currency};
use skyx_coins::btc::{params, Coin, FeeRate, Network};
use skyx_node::bitcoin::{Adapter, AdapterConfig, FollowConfig, RpcClient, RpcConfig};
use skyx_node::chain::bitcoin::BtcChain;
use skyx_node::chain::task::AsyncChain;
use skyx_node::chain::{Chain, ChainEvent, EventKind, FeeEstimate, TxStatus};
use support::{Daemon, Kind};

fn chain_for(d: &Daemon, coin: Coin, data: &std::path::Path) -> BtcChain {
    let p = params(coin, Network::Regtest).expect("params");
    let adapter = Adapter::open(AdapterConfig {
        params: p,
        rpc: RpcConfig {
            url: d.url(),
            user: "u".into(),
            password: "p".into(),
            timeout: Duration::from_secs(60),
            max_wait: Duration::from_secs(5),
        },
        zmq: None,
        data_dir: data.to_path_buf(),
        follow: FollowConfig {
            depths: vec![3],
            ..FollowConfig::default()
        },
        fee_floor: FeeRate::from_sat_per_vb(1),
        fee_fallback: FeeRate::from_sat_per_vb(2),
    })
    .expect("adapter");
    BtcChain::new(adapter)
}

fn wallet_call(w: &RpcClient, method: &str, params: Value) -> Value {
    w.call(method, params.clone())
        .unwrap_or_else(|e| panic!("{method} {params}: {e}"))
}

fn new_address(w: &RpcClient, kind: Kind) -> String {
    let args = match kind {
        Kind::Litecoin => json!(["", "bech32"]),
        Kind::BitcoinSv => json!([]),
    };
    wallet_call(w, "getnewaddress", args)
        .as_str()
        .expect("address")
        .to_owned()
}

fn default_wallet(d: &Daemon) -> RpcClient {
    RpcClient::new(RpcConfig {
        url: d.url(),
        user: "u".into(),
        password: "p".into(),
        timeout: Duration::from_secs(60),
        max_wait: Duration::from_secs(30),
    })
}

fn events_of(chain: &dyn Chain, from: u64) -> Vec<ChainEvent> {
    let mut out = Vec::new();
    let mut next = from;
    loop {
        let page = chain.events(next, 5).expect("events");
        if page.events.is_empty() {
            return out;
        }
        for (i, e) in page.events.iter().enumerate() {
            assert_eq!(e.seq, next + i as u64, "gap-free log");
        }
        next = page.next;
        out.extend(page.events);
    }
}

fn of<'a>(events: &'a [ChainEvent], kind: EventKind, txid: &str) -> Vec<&'a ChainEvent> {
    events
        .iter()
        .filter(|e| e.kind == kind && e.txid.as_deref() == Some(txid))
        .collect()
}

/// A daemon amount (a JSON number) in smallest units.
fn units(v: &Value, currency: Currency) -> u64 {
    Amount::parse_json_number(currency, &v.to_string())
        .unwrap_or_else(|e| panic!("{v}: {e}"))
        .units()
}

fn run(kind: Kind) {
    let (coin, currency) = match kind {
        Kind::Litecoin => (Coin::Ltc, Currency::Ltc),
        Kind::BitcoinSv => (Coin::Bsv, Currency::Bsv),
    };
    let d = match kind {
        Kind::Litecoin => Daemon::litecoin(),
        Kind::BitcoinSv => Daemon::bitcoin_sv(),
    };
    let data = tempfile::tempdir().expect("temp dir");
    let chain = Arc::new(chain_for(&d, coin, data.path()));
    // Litecoin Core has named wallets; Bitcoin SV one default wallet.
    let (payer, payee) = match kind {
        Kind::Litecoin => (d.wallet("payer"), d.wallet("payee")),
        Kind::BitcoinSv => (default_wallet(&d), default_wallet(&d)),
    };
    let mine_to = new_address(&payer, Kind::BitcoinSv);
    d.mine(102, &mine_to);
    let (a1, a2) = (new_address(&payee, kind), new_address(&payee, kind));

    assert_eq!(chain.watch(&[a1.clone(), a2.clone()]).expect("watch"), 2);
    assert_eq!(chain.watch(std::slice::from_ref(&a1)).expect("watch"), 0);
    assert_eq!(
        chain.watch(&["nope".into()]).unwrap_err().code(),
        "invalid_address"
    );
    let other = new_address(&payee, kind);
    assert_eq!(chain.balances(&[other]).unwrap_err().code(), "not_watched");

    // Two deposits wait in the mempool.
    // Each deposit spends its own mature coinbase output of the payer, so
    // no payment of the test touches another's outputs (Bitcoin SV has one
    // wallet for payer and payee).
    let coinbases = wallet_call(&payer, "listunspent", json!([100]));
    let coinbases = coinbases.as_array().expect("coinbase outputs").clone();
    let send_from = |n: usize, to: &str, sat: u64| -> String {
        let cb = &coinbases[n];
        let value = units(&cb["amount"], currency);
        let fee = 100_000;
        let amount = |u: u64| Value::String(Amount::from_units(currency, u).to_string());
        let mut outputs = serde_json::Map::new();
        outputs.insert(to.to_owned(), amount(sat));
        outputs.insert(mine_to.clone(), amount(value - sat - fee));
        let raw = wallet_call(
            &payer,
            "createrawtransaction",
            json!([[{"txid": cb["txid"], "vout": cb["vout"]}], outputs]),
        );
        let signed = match kind {
            Kind::Litecoin => wallet_call(&payer, "signrawtransactionwithwallet", json!([raw])),
            Kind::BitcoinSv => wallet_call(&payer, "signrawtransaction", json!([raw])),
        };
        let txid = d.call("sendrawtransaction", json!([signed["hex"]]));
        txid.as_str().expect("txid").to_owned()
    };
    let tx1 = send_from(0, &a1, 200_000_000);
    let tx2 = send_from(1, &a2, 50_000_000);
    chain.sync().expect("sync");
    let events = events_of(chain.as_ref(), 0);
    assert_eq!(of(&events, EventKind::DepositSeen, &tx1).len(), 1);
    assert_eq!(of(&events, EventKind::DepositSeen, &tx2).len(), 1);
    let b = chain.balances(&[a1.clone(), a2.clone()]).expect("balances");
    assert_eq!(b.total.incoming.units(), 250_000_000);
    assert_eq!(b.total.confirmed.units(), 0);
    let page = chain
        .history(&[a1.clone(), a2.clone()], None, 10)
        .expect("history");
    assert!(page.items.iter().all(|i| i.status == TxStatus::Pending));
    assert_eq!(page.items.len(), 2);

    // Mined: confirmed once, then at depth 3; balances as the daemon's wallet says.
    let block = d.mine(1, &mine_to)[0].clone();
    chain.sync().expect("sync");
    let seen = events.len() as u64;
    let events = events_of(chain.as_ref(), 0);
    let e = of(&events, EventKind::DepositConfirmed, &tx1);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].confirmations, Some(1));
    assert_eq!(e[0].address.as_deref(), Some(a1.as_str()));
    assert_eq!(e[0].amount.map(|a| a.units()), Some(200_000_000));
    assert_eq!(e[0].amount.map(|a| a.currency()), Some(currency));
    let details = wallet_call(&payee, "gettransaction", json!([tx1]));
    let vout = details["details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["address"] == a1.as_str() && x["category"] == "receive")
        .and_then(|x| x["vout"].as_u64());
    assert_eq!(e[0].vout.map(u64::from), vout, "txid:vout keys the deposit");
    let tip = chain.tip().expect("tip");
    assert_eq!(tip.hash, block);
    assert!(tip.synced);
    let header = d.call("getblockheader", json!([block]));
    assert_eq!(Some(tip.time), header["time"].as_u64());
    let tip_event = events
        .iter()
        .rev()
        .find(|e| e.kind == EventKind::NewTip)
        .unwrap();
    assert_eq!(tip_event.block_hash.as_deref(), Some(block.as_str()));
    assert!(tip_event.seq >= seen);
    d.mine(2, &mine_to);
    chain.sync().expect("sync");
    let events = events_of(chain.as_ref(), 0);
    let depths: Vec<Option<u64>> = of(&events, EventKind::DepositConfirmed, &tx2)
        .iter()
        .map(|e| e.confirmations)
        .collect();
    assert_eq!(depths, vec![Some(1), Some(3)]);
    for a in [&a1, &a2] {
        let b = chain.balances(std::slice::from_ref(a)).expect("balance");
        let daemon = wallet_call(&payee, "getreceivedbyaddress", json!([a, 1]));
        assert_eq!(b.total.confirmed.units(), units(&daemon, currency), "{a}");
        assert_eq!(b.total.spendable, b.total.confirmed);
    }
    let utxos = chain.unspent(&[a1.clone(), a2.clone()]).expect("unspent");
    let daemon_utxos = wallet_call(&payee, "listunspent", json!([1, 9999, [a1, a2]]));
    let mut ours: Vec<(String, u32, u64)> = utxos
        .iter()
        .map(|u| (u.txid.clone(), u.vout, u.amount.units()))
        .collect();
    let mut theirs: Vec<(String, u32, u64)> = daemon_utxos
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["txid"].as_str().unwrap().to_owned(),
                u["vout"].as_u64().unwrap() as u32,
                units(&u["amount"], currency),
            )
        })
        .collect();
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs);

    // A transaction the daemon's wallet signed, broadcast through the
    // interface (twice: the same txid), then mined.
    let u1 = daemon_utxos
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["address"] == a1.as_str())
        .unwrap()
        .clone();
    let back = new_address(&payer, Kind::BitcoinSv);
    let raw = wallet_call(
        &payee,
        "createrawtransaction",
        json!([[{"txid": u1["txid"], "vout": u1["vout"]}], {back.clone(): 1.999}]),
    );
    let signed = match kind {
        Kind::Litecoin => wallet_call(&payee, "signrawtransactionwithwallet", json!([raw])),
        Kind::BitcoinSv => wallet_call(&payee, "signrawtransaction", json!([raw])),
    };
    let hex = signed["hex"].as_str().unwrap();
    let bytes = hex::decode(hex).unwrap();
    let spend = chain.broadcast(&bytes).expect("broadcast");
    let decoded = d.call("decoderawtransaction", json!([hex]));
    assert_eq!(Some(spend.as_str()), decoded["txid"].as_str());
    assert_eq!(chain.broadcast(&bytes).expect("again"), spend);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let via_async = rt
        .block_on(AsyncChain::new(chain.clone()).broadcast(bytes.clone()))
        .expect("async broadcast");
    assert_eq!(via_async, spend);
    let mempool = d.call("getrawmempool", json!([]));
    assert!(mempool
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t == spend.as_str()));
    d.mine(1, &mine_to);
    chain.sync().expect("sync");
    let events = events_of(chain.as_ref(), 0);
    assert_eq!(of(&events, EventKind::SentBroadcast, &spend).len(), 1);
    assert_eq!(of(&events, EventKind::SentConfirmed, &spend).len(), 1);
    let page = chain
        .history(std::slice::from_ref(&a1), None, 10)
        .expect("history");
    let item = page
        .items
        .iter()
        .find(|i| i.txid == spend)
        .expect("spend in history");
    assert_eq!(item.sent.units(), 200_000_000);
    assert_eq!(item.net.units(), -200_000_000);
    assert_eq!(item.status, TxStatus::Confirmed);
    assert!(item.time.is_some());
    // Paging one by one gives the same history.
    let set = vec![a1.clone(), a2.clone()];
    let whole = chain.history(&set, None, 100).expect("history");
    let mut paged = Vec::new();
    let mut cursor = None;
    loop {
        let p = chain.history(&set, cursor.as_deref(), 1).expect("page");
        paged.extend(p.items);
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(paged, whole.items);
    assert_eq!(whole.items.len(), 3);

    // No estimate on a fresh regtest chain: the fallback, not below the relay minimum.
    let fallback =
        FeeRate::from_sat_per_vb(2).max(params(coin, Network::Regtest).unwrap().min_relay_fee);
    match chain.fee_estimate().expect("fee") {
        FeeEstimate::Rate {
            low,
            normal,
            high,
            estimated,
        } => {
            assert!(!estimated);
            assert_eq!((low, normal, high), (fallback, fallback, fallback));
        }
        other => panic!("{other:?}"),
    }

    // A reorganisation removes the block holding the deposits.
    let from = events_of(chain.as_ref(), 0).len() as u64;
    d.call("invalidateblock", json!([block]));
    match kind {
        // A longer branch without the deposits.
        Kind::Litecoin => {
            for _ in 0..5 {
                d.call("generateblock", json!([mine_to, []]));
            }
        }
        // Bitcoin SV has no generateblock: the branch mines them again.
        Kind::BitcoinSv => {
            d.mine(5, &mine_to);
        }
    }
    chain.sync().expect("sync after reorg");
    let after = events_of(chain.as_ref(), from);
    for txid in [&tx1, &tx2] {
        let r = of(&after, EventKind::DepositReorged, txid);
        assert_eq!(r.len(), 1, "{txid}: {after:?}");
    }
    assert_eq!(
        of(&after, EventKind::SentReorged, &spend).len(),
        1,
        "{after:?}"
    );
    if kind == Kind::Litecoin {
        let b = chain.balances(&set).expect("balances");
        assert_eq!(b.total.confirmed.units(), 0);
    }
}

#[test]
fn litecoin_regtest_through_the_chain_interface() {
    run(Kind::Litecoin);
}

#[test]
fn bitcoin_sv_regtest_through_the_chain_interface() {
    run(Kind::BitcoinSv);
}
