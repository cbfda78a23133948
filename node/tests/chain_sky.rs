//! The Skycoin [`Chain`]: balances, unspent outputs, history pages and
//! deposit events on the real 181-block mainnet chain against the reference
//! node's own API answers; then events on a devnet where the test publishes
//! blocks (seen, confirmed at depth, double spent, sent and confirmed), read
//! through a cursor that survives reopening.
//!
//! Vector files read (under `shared/vectors/skycoin`, or `$SKYX_VECTORS`):
//! `chain/blockchain-180.db`, `chain/blockchain-180.indexes.json`,
//! `api/balance-2THDupTBEo7UqB6dsVizkYUvkKq82Qn4gjf.golden`,
//! `api/balance-noaddrs.golden`, `api/uxout-addr.golden`,
//! `api/address-transactions-ALJVNKYL7WGxFBSriiZuwZKWD4b7fbV1od.golden`,
//! `api/address-transactions-incoming-212mwY3Dmey6vwnWpiph99zzCmopXTqeVEN.golden`.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use skyx_coins::sky::address::Address;
use skyx_coins::sky::coin_hours::required_fee;
use skyx_coins::sky::create::{create, CreateParams, HoursSelection, ShareFactor, UxBalance};
use skyx_coins::sky::droplet;
use skyx_coins::sky::transaction::{Transaction, TransactionOutput};
use skyx_node::chain::sky::{SkyChain, SkyChainConfig};
use skyx_node::chain::{Chain, ChainEvent, EventKind, TxStatus};
use skyx_node::devnet::{chain_spec, keys, GenerateOptions};
use skyx_node::publisher::{init_genesis, publish_block};
use skyx_node::store::ChainStore;

fn vectors() -> PathBuf {
    std::env::var_os("SKYX_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors"))
        .join("skycoin")
}

fn golden(name: &str) -> Value {
    let path = vectors().join("api").join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (set SKYX_VECTORS)", path.display()));
    serde_json::from_str(&text).expect("golden json")
}

fn coins(v: &Value) -> u64 {
    droplet::from_str(v.as_str().expect("coins string")).expect("coins")
}

fn config() -> SkyChainConfig {
    SkyChainConfig {
        depths: vec![3, 6],
        network: "mainnet",
    }
}

/// The 181-block chain with its one unconfirmed transaction, and its chain.
fn mainnet180() -> (tempfile::TempDir, SkyChain) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, summary) = skyx_node::import::import_reference_db(
        dir.path(),
        &vectors().join("chain/blockchain-180.db"),
        &Default::default(),
    )
    .expect("import blockchain-180.db");
    assert_eq!(summary.imported, 181);
    let chain = SkyChain::open(Arc::new(store), dir.path(), config()).expect("chain");
    (dir, chain)
}

fn all_events(chain: &dyn Chain) -> Vec<ChainEvent> {
    let mut out = Vec::new();
    let mut from = 0;
    loop {
        let page = chain.events(from, 7).expect("events");
        if page.events.is_empty() {
            return out;
        }
        assert_eq!(page.events[0].seq, from, "gap-free");
        from = page.next;
        out.extend(page.events);
    }
}

#[test]
fn mainnet_180_answers_as_the_reference() {
    let (_dir, chain) = mainnet180();
    let tip = chain.tip().expect("tip");
    assert_eq!(tip.height, 180);
    assert_eq!(tip.time, 1431574528);
    assert!(tip.hash.starts_with("63614fdf"), "{}", tip.hash);

    // Balances: the reference's /api/v1/balance.
    let rich = "2THDupTBEo7UqB6dsVizkYUvkKq82Qn4gjf".to_string();
    let b = chain
        .balances(std::slice::from_ref(&rich))
        .expect("balance");
    let g = golden("balance-2THDupTBEo7UqB6dsVizkYUvkKq82Qn4gjf.golden");
    assert_eq!(
        b.total.confirmed.units(),
        g["confirmed"]["coins"].as_u64().unwrap()
    );
    let hours = b.total.hours.expect("hours");
    assert_eq!(hours.confirmed, g["confirmed"]["hours"].as_u64().unwrap());
    assert_eq!(hours.predicted, g["predicted"]["hours"].as_u64().unwrap());
    assert_eq!(
        b.total.predicted().units(),
        i128::from(g["predicted"]["coins"].as_u64().unwrap())
    );
    let empty = "prRXwTcDK24hs6AFxj69UuWae3LzhrsPW9".to_string();
    let b = chain.balances(&[empty]).expect("balance");
    let g = golden("balance-noaddrs.golden");
    assert_eq!(
        b.total.confirmed.units(),
        g["confirmed"]["coins"].as_u64().unwrap()
    );
    let bad = chain.balances(&["nope".into()]).unwrap_err();
    assert_eq!(bad.code(), "invalid_address");

    // Unspent outputs: the unspent part of the reference's /api/v1/address_uxouts.
    let mut want: Vec<(String, u64, u64, u64)> = golden("uxout-addr.golden")
        .as_array()
        .expect("uxouts")
        .iter()
        .filter(|u| u["spent_block_seq"] == 0)
        .map(|u| {
            (
                u["uxid"].as_str().unwrap().to_owned(),
                u["coins"].as_u64().unwrap(),
                u["calculated_hours"].as_u64().unwrap(),
                u["src_block_seq"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut got: Vec<(String, u64, u64, u64)> = chain
        .unspent(std::slice::from_ref(&rich))
        .expect("unspent")
        .into_iter()
        .map(|u| {
            (
                u.uxid.expect("uxid"),
                u.amount.units(),
                u.hours.expect("hours"),
                u.height.expect("height"),
            )
        })
        .collect();
    want.sort();
    got.sort();
    assert_eq!(got, want);

    // History: the reference's verbose /api/v1/transactions of an address.
    for (file, addr) in [
        (
            "address-transactions-ALJVNKYL7WGxFBSriiZuwZKWD4b7fbV1od.golden",
            "ALJVNKYL7WGxFBSriiZuwZKWD4b7fbV1od",
        ),
        (
            "address-transactions-incoming-212mwY3Dmey6vwnWpiph99zzCmopXTqeVEN.golden",
            "212mwY3Dmey6vwnWpiph99zzCmopXTqeVEN",
        ),
    ] {
        let g = golden(file);
        let page = chain
            .history(&[addr.to_string()], None, 100)
            .expect("history");
        assert_eq!(page.next_cursor, None);
        let ours: HashMap<&str, _> = page.items.iter().map(|i| (i.txid.as_str(), i)).collect();
        assert_eq!(ours.len(), g.as_array().unwrap().len(), "{addr}");
        for t in g.as_array().unwrap() {
            let txn = &t["txn"];
            let item = ours[txn["txid"].as_str().unwrap()];
            let received: u64 = txn["outputs"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|o| o["dst"] == addr)
                .map(|o| coins(&o["coins"]))
                .sum();
            let sent: u64 = txn["inputs"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|i| i["owner"] == addr)
                .map(|i| coins(&i["coins"]))
                .sum();
            assert_eq!(item.received.units(), received, "{addr}");
            assert_eq!(item.sent.units(), sent, "{addr}");
            assert_eq!(item.fee_hours, txn["fee"].as_u64(), "{addr}");
            if t["status"]["confirmed"] == true {
                assert_eq!(item.status, TxStatus::Confirmed);
                assert_eq!(item.height, t["status"]["block_seq"].as_u64());
                assert_eq!(item.confirmations, t["status"]["height"].as_u64().unwrap());
                assert_eq!(item.time, t["time"].as_u64());
            } else {
                assert_eq!(item.status, TxStatus::Pending);
                assert_eq!(item.height, None);
            }
        }
        // Newest first: pending, then blocks descending.
        let keys: Vec<(bool, u64)> = page
            .items
            .iter()
            .map(|i| (i.height.is_some(), u64::MAX - i.height.unwrap_or(0)))
            .collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{addr}: {keys:?}");
    }

    // Paging a busy address set one item at a time gives the whole history,
    // which is the reference database's address index.
    let idx: Value = serde_json::from_str(
        &std::fs::read_to_string(vectors().join("chain/blockchain-180.indexes.json")).unwrap(),
    )
    .unwrap();
    let mut busy: Vec<(&String, usize)> = idx["address_txns"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(a, t)| (a, t.as_array().unwrap().len()))
        .collect();
    busy.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let set: Vec<String> = busy.iter().take(3).map(|(a, _)| (*a).clone()).collect();
    let mut want: HashSet<String> = HashSet::new();
    for a in &set {
        for t in idx["address_txns"][a.as_str()].as_array().unwrap() {
            want.insert(t.as_str().unwrap().to_owned());
        }
    }
    let whole = chain.history(&set, None, 1000).expect("history");
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = chain.history(&set, cursor.as_deref(), 2).expect("page");
        paged.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(paged, whole.items);
    let confirmed: HashSet<String> = whole
        .items
        .iter()
        .filter(|i| i.status == TxStatus::Confirmed)
        .map(|i| i.txid.clone())
        .collect();
    assert_eq!(confirmed, want);
    assert_eq!(
        chain.history(&set, Some("c:zz"), 5).unwrap_err().code(),
        "invalid_cursor"
    );

    // Events: watching before the first sync reports the whole history of
    // the watched addresses, each output once, then at depths 3 and 6.
    assert_eq!(
        chain
            .watch(&[rich.clone(), "212mwY3Dmey6vwnWpiph99zzCmopXTqeVEN".into()])
            .unwrap(),
        2
    );
    chain.sync().expect("sync");
    let events = all_events(&chain);
    let first: Vec<&ChainEvent> = events
        .iter()
        .filter(|e| e.kind == EventKind::DepositConfirmed && e.confirmations == Some(1))
        .filter(|e| e.address.as_deref() == Some(rich.as_str()))
        .collect();
    let received = golden("uxout-addr.golden");
    assert_eq!(first.len(), received.as_array().unwrap().len());
    for u in received.as_array().unwrap() {
        let found = first.iter().find(|e| {
            e.txid.as_deref() == u["src_tx"].as_str() && e.height == u["src_block_seq"].as_u64()
        });
        let e = found.unwrap_or_else(|| panic!("no event for {u}"));
        assert_eq!(e.amount.map(|a| a.units()), u["coins"].as_u64());
    }
    for e in &first {
        let deep: Vec<u64> = events
            .iter()
            .filter(|d| {
                d.kind == EventKind::DepositConfirmed && d.txid == e.txid && d.vout == e.vout
            })
            .filter_map(|d| d.confirmations)
            .collect();
        assert_eq!(deep, vec![1, 3, 6], "{e:?}");
    }
    let tips: Vec<&ChainEvent> = events
        .iter()
        .filter(|e| e.kind == EventKind::NewTip)
        .collect();
    assert_eq!(tips.last().and_then(|e| e.height), Some(180));
    assert_eq!(
        tips.last().and_then(|e| e.block_hash.clone()),
        Some(tip.hash.clone())
    );
    // The pool's transaction to 212mw… is seen; syncing again adds nothing.
    let seen: Vec<&ChainEvent> = events
        .iter()
        .filter(|e| e.kind == EventKind::DepositSeen)
        .collect();
    let g = golden("address-transactions-incoming-212mwY3Dmey6vwnWpiph99zzCmopXTqeVEN.golden");
    let pending: Vec<&str> = g
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"]["confirmed"] == false)
        .map(|t| t["txn"]["txid"].as_str().unwrap())
        .collect();
    assert_eq!(
        seen.iter()
            .map(|e| e.txid.as_deref().unwrap())
            .collect::<Vec<_>>(),
        pending
    );
    let before = events.len();
    chain.sync().expect("sync again");
    assert_eq!(all_events(&chain).len(), before);
    assert!(chain.tip().unwrap().synced);
}

fn hours_of(store: &ChainStore, ux: &skyx_coins::sky::uxout::UxOut) -> u64 {
    ux.coin_hours(store.head().header.unwrap().time).unwrap()
}

/// A payment from `key`'s outputs with the reference's choice and hours.
fn pay(
    store: &ChainStore,
    key: &skyx_coins::sky::keys::KeyPair,
    to: Address,
    coins: u64,
) -> Transaction {
    let from = Address::from_secret(&key.secret);
    let t = store.head().header.unwrap().time;
    let uxs: Vec<UxBalance> = store
        .address_unspent(&from)
        .unwrap()
        .iter()
        .map(|u| UxBalance::new(t, u).unwrap())
        .collect();
    let p = CreateParams {
        to: vec![TransactionOutput {
            address: to,
            coins,
            hours: 0,
        }],
        hours: HoursSelection::Share(ShareFactor::new(1, 2).unwrap()),
        change: Some(from),
    };
    let (mut txn, inputs) = create(&p, &uxs, store.params().burn_factor).unwrap();
    let keys = vec![key.secret; inputs.len()];
    txn.sign_inputs(&keys).unwrap();
    txn
}

#[test]
fn devnet_events_from_a_durable_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let opts = GenerateOptions {
        seed: "chain-events".into(),
        ..GenerateOptions::default()
    };
    let spec = chain_spec(&opts).unwrap();
    let publisher = keys::publisher_key(&opts.seed).secret;
    let mut wallet = keys::wallet_chain(&opts.seed).unwrap();
    let owner = wallet.next().unwrap();
    let (r1, r2) = (
        Address::from_pubkey(&wallet.next().unwrap().public),
        Address::from_pubkey(&wallet.next().unwrap().public),
    );
    let owner_addr = Address::from_secret(&owner.secret);
    {
        let store = Arc::new(ChainStore::open(dir.path(), Some(&spec)).unwrap());
        init_genesis(&store, &publisher).unwrap();
        let chain = SkyChain::open(
            store.clone(),
            dir.path(),
            SkyChainConfig {
                depths: vec![3],
                network: "devnet",
            },
        )
        .unwrap();
        chain.watch(&[r1.to_string(), r2.to_string()]).unwrap();
        // The genesis output moves to an ordinary output of the owner first
        // (the reference builds no transaction from the genesis output).
        let g = store.all_unspent().unwrap()[0];
        let hours = hours_of(&store, &g);
        let keep = hours - required_fee(hours, store.params().burn_factor);
        let mut t0 = Transaction::new_unsigned(
            vec![g.hash()],
            vec![TransactionOutput {
                address: owner_addr,
                coins: g.body.coins,
                hours: keep,
            }],
        );
        t0.sign_inputs(&[owner.secret]).unwrap();
        let id0 = chain.broadcast(&t0.encode()).unwrap();
        assert_eq!(id0, t0.hash().to_hex());
        assert_eq!(
            chain.broadcast(&t0.encode()).unwrap(),
            id0,
            "same bytes, same answer"
        );
        let now = g.head.time;
        publish_block(&store, &publisher, now + 3600)
            .unwrap()
            .expect("block 1");

        // A payment to r1 waits in the pool, then confirms, then reaches depth 3.
        let t1 = pay(&store, &owner, r1, 5_000_000);
        let id1 = chain.broadcast(&t1.encode()).unwrap();
        chain.sync().unwrap();
        let b = chain.balances(&[r1.to_string()]).unwrap();
        assert_eq!(
            (b.total.confirmed.units(), b.total.incoming.units()),
            (0, 5_000_000)
        );
        let h = chain.history(&[r1.to_string()], None, 10).unwrap();
        assert_eq!(h.items.len(), 1);
        assert_eq!(h.items[0].status, TxStatus::Pending);
        publish_block(&store, &publisher, now + 7200)
            .unwrap()
            .expect("block 2");
        chain.sync().unwrap();
        let b = chain.balances(&[r1.to_string()]).unwrap();
        assert_eq!(
            (b.total.confirmed.units(), b.total.incoming.units()),
            (5_000_000, 0)
        );
        for (i, to) in [r2, r2].iter().enumerate() {
            let t = pay(&store, &owner, *to, 1_000_000 * (i as u64 + 1));
            chain.broadcast(&t.encode()).unwrap();
            publish_block(&store, &publisher, now + 7200 + 3600 * (i as u64 + 1))
                .unwrap()
                .expect("block");
        }
        chain.sync().unwrap();

        // A seen payment to r2 loses to a conflicting transaction in a block.
        let lost = pay(&store, &owner, r2, 7_000_000);
        store.inject(lost.clone(), 1).unwrap();
        chain.sync().unwrap();
        store.remove_unconfirmed(&lost.hash()).unwrap();
        let winner = pay(&store, &owner, owner_addr, 7_000_000);
        assert_eq!(winner.inputs, lost.inputs);
        store.inject(winner.clone(), 2).unwrap();
        publish_block(&store, &publisher, now + 20_000)
            .unwrap()
            .expect("block 5");
        chain.sync().unwrap();

        let events = all_events(&chain);
        let kinds = |txid: &str| -> Vec<(EventKind, Option<u64>)> {
            events
                .iter()
                .filter(|e| e.txid.as_deref() == Some(txid))
                .map(|e| (e.kind, e.confirmations))
                .collect()
        };
        assert_eq!(
            kinds(&id1),
            vec![
                (EventKind::SentBroadcast, None),
                (EventKind::DepositSeen, None),
                (EventKind::DepositConfirmed, Some(1)),
                (EventKind::SentConfirmed, Some(1)),
                (EventKind::DepositConfirmed, Some(3)),
            ]
        );
        let lost_events = kinds(&lost.hash().to_hex());
        assert_eq!(
            lost_events,
            vec![
                (EventKind::DepositSeen, None),
                (EventKind::DepositDoubleSpent, None)
            ]
        );
        let ds = events
            .iter()
            .find(|e| e.kind == EventKind::DepositDoubleSpent)
            .unwrap();
        assert_eq!(ds.by_txid, Some(winner.hash().to_hex()));
        assert_eq!(ds.address, Some(r2.to_string()));
        assert!(events
            .iter()
            .all(|e| e.txid.as_deref() != Some(&id0) || e.kind != EventKind::DepositSeen));
        let tips: Vec<u64> = events
            .iter()
            .filter(|e| e.kind == EventKind::NewTip)
            .filter_map(|e| e.height)
            .collect();
        assert_eq!(tips.last(), Some(&5));
    }
    // Reopened: the same log, the cursor where it was, nothing doubled.
    let store = Arc::new(ChainStore::open(dir.path(), Some(&spec)).unwrap());
    let chain = SkyChain::open(
        store,
        dir.path(),
        SkyChainConfig {
            depths: vec![3],
            network: "devnet",
        },
    )
    .unwrap();
    let before = all_events(&chain);
    chain.sync().unwrap();
    let after = all_events(&chain);
    assert_eq!(before, after);
    let page = chain.events(before.len() as u64, 10).unwrap();
    assert!(page.events.is_empty());
    assert_eq!(page.next, before.len() as u64);
}
