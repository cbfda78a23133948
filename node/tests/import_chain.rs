//! Importing the real 181-block chain gives exactly the reference node's
//! unspent set, transaction index, output history and address indexes.
//!
//! Vector files read: skycoin/chain/blockchain-180.blocks.jsonl,
//! blockchain-180.unspent.jsonl, blockchain-180.history-txns.jsonl,
//! blockchain-180.history-uxouts.jsonl, blockchain-180.indexes.json,
//! blockchain-180.meta.json.

use std::path::PathBuf;

use serde_json::Value;
use skyx_coins::sky::address::Address;
use skyx_coins::sky::encoding::encode;
use skyx_coins::sky::hash::Sha256;
use skyx_node::import::{import_chain_file, ImportOptions};
use skyx_node::store::ChainStore;

fn chain_dir() -> PathBuf {
    let base = match std::env::var_os("SKYX_VECTORS") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors")),
    };
    base.join("skycoin/chain")
}

fn lines(name: &str) -> Vec<Value> {
    let path = chain_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} is required: {e}", path.display()));
    text.lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

fn json(name: &str) -> Value {
    let path = chain_dir().join(name);
    serde_json::from_slice(
        &std::fs::read(&path).unwrap_or_else(|e| panic!("{} is required: {e}", path.display())),
    )
    .expect("json")
}

fn h(v: &Value) -> Sha256 {
    v.as_str().expect("hex string").parse().expect("hash")
}

fn imported() -> (tempfile::TempDir, ChainStore) {
    imported_with(&ImportOptions::default())
}

fn imported_with(opts: &ImportOptions) -> (tempfile::TempDir, ChainStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, summary) = import_chain_file(
        dir.path(),
        &chain_dir().join("blockchain-180.blocks.jsonl"),
        opts,
    )
    .expect("import");
    assert_eq!(summary.imported, 181);
    (dir, store)
}

/// The whole chain in one write, and one block per write (so spends of
/// outputs from earlier writes update stored records).
fn both_write_sizes() -> [(tempfile::TempDir, ChainStore); 2] {
    [
        imported(),
        imported_with(&ImportOptions {
            commit_txs: 1,
            ..ImportOptions::default()
        }),
    ]
}

#[test]
fn unspent_set_and_status_equal_the_reference() {
    let (_dir, store) = imported();
    let want = lines("blockchain-180.unspent.jsonl");
    let mut got: Vec<String> = store
        .all_unspent()
        .expect("unspent")
        .iter()
        .map(|u| const_hex::encode(encode(u)))
        .collect();
    let mut want_raw: Vec<String> = want
        .iter()
        .map(|w| w["raw"].as_str().expect("raw").to_string())
        .collect();
    got.sort();
    want_raw.sort();
    assert_eq!(got, want_raw);
    let meta = json("blockchain-180.meta.json");
    let status = store.status().expect("status");
    assert_eq!(status.height, meta["blockchain_meta"]["head_seq"].as_u64());
    assert_eq!(status.unspent_outputs, want.len() as u64);
    assert_eq!(
        store.head().ux_hash.to_hex(),
        meta["unspent_meta"]["xorhash"].as_str().expect("xorhash")
    );
    let history = lines("blockchain-180.history-txns.jsonl");
    assert_eq!(status.transactions, history.len() as u64);
    assert_eq!(
        status.genesis_hash,
        "0551a1e5af999fe8fff529f6f2ab341e1e33db95135eef1b2be44fe6981349f3"
    );
}

#[test]
fn transaction_index_equals_the_reference() {
    let (_dir, store) = imported();
    for t in lines("blockchain-180.history-txns.jsonl") {
        let rec = store
            .transaction(&h(&t["txid"]))
            .expect("lookup")
            .expect("indexed");
        assert_eq!(rec.seq, t["block_seq"].as_u64().expect("seq"));
        assert_eq!(
            const_hex::encode(rec.txn.encode()),
            t["raw"].as_str().expect("raw")
        );
    }
}

#[test]
fn output_history_with_spenders_equals_the_reference() {
    let outs = lines("blockchain-180.history-uxouts.jsonl");
    assert_eq!(outs.len(), 439);
    for (_dir, store) in both_write_sizes() {
        check_outputs(&store, &outs);
    }
}

fn check_outputs(store: &ChainStore, outs: &[Value]) {
    for o in outs {
        let rec = store
            .output(&h(&o["uxid"]))
            .expect("lookup")
            .expect("output indexed");
        assert_eq!(rec.ux.head.bk_seq, o["block_seq"].as_u64().expect("seq"));
        assert_eq!(
            rec.ux.body.address.to_string(),
            o["address"].as_str().expect("address")
        );
        let spent_txid = h(&o["spent_txid"]);
        match rec.spent {
            None => assert!(spent_txid.is_zero(), "{} should be spent", o["uxid"]),
            Some((txid, seq)) => {
                assert_eq!(txid, spent_txid);
                assert_eq!(seq, o["spent_block_seq"].as_u64().expect("spent seq"));
            }
        }
    }
}

#[test]
fn address_indexes_equal_the_reference() {
    let idx = json("blockchain-180.indexes.json");
    for (_dir, store) in both_write_sizes() {
        check_address_indexes(&store, &idx);
    }
}

fn check_address_indexes(store: &ChainStore, idx: &Value) {
    let txns = idx["address_txns"].as_object().expect("address_txns");
    for (addr, want) in txns {
        let a: Address = addr.parse().expect("address");
        let want: Vec<Sha256> = want.as_array().expect("list").iter().map(h).collect();
        let got: Vec<Sha256> = store
            .address_history(&a, 0, u64::MAX, false)
            .expect("history")
            .iter()
            .map(|e| e.txid)
            .collect();
        assert_eq!(got, want, "history of {addr}");
        assert_eq!(
            store.address_tx_count(&a).expect("count"),
            want.len() as u64
        );
        // Every page size and offset, both directions, slices the same list.
        let n = want.len() as u64;
        for size in [1u64, 2, 3, 7] {
            for offset in 0..=n + 1 {
                let page = |descending| -> Vec<Sha256> {
                    store
                        .address_history(&a, offset, size, descending)
                        .expect("page")
                        .iter()
                        .map(|e| e.txid)
                        .collect()
                };
                let lo = offset.min(n) as usize;
                let hi = offset.saturating_add(size).min(n) as usize;
                assert_eq!(page(false), want[lo..hi], "{addr} page {offset}+{size}");
                let mut newest_first: Vec<Sha256> = want.iter().rev().copied().collect();
                newest_first.truncate(hi);
                assert_eq!(
                    page(true),
                    newest_first[lo..],
                    "{addr} newest page {offset}+{size}"
                );
            }
        }
    }
    assert_eq!(store.status().expect("status").addresses, txns.len() as u64);
    for (addr, want) in idx["address_in"].as_object().expect("address_in") {
        let a: Address = addr.parse().expect("address");
        // In the reference's order: block, transaction, output index.
        let want: Vec<Sha256> = want.as_array().expect("list").iter().map(h).collect();
        let got: Vec<Sha256> = store
            .address_outputs(&a)
            .expect("outputs")
            .iter()
            .map(|r| r.ux.hash())
            .collect();
        assert_eq!(got, want, "outputs of {addr}");
    }
    for (addr, want) in idx["unspent_pool_addr_index"]
        .as_object()
        .expect("unspent index")
    {
        let a: Address = addr.parse().expect("address");
        let mut want: Vec<Sha256> = want.as_array().expect("list").iter().map(h).collect();
        let mut got: Vec<Sha256> = store
            .address_unspent(&a)
            .expect("unspent")
            .iter()
            .map(|u| u.hash())
            .collect();
        want.sort();
        got.sort();
        assert_eq!(got, want, "unspent of {addr}");
    }
}

#[test]
fn reopening_resumes_and_a_second_import_skips_everything() {
    let (dir, store) = imported();
    let head = store.head();
    drop(store);
    let (store, summary) = import_chain_file(
        dir.path(),
        &chain_dir().join("blockchain-180.blocks.jsonl"),
        &Default::default(),
    )
    .expect("re-import");
    assert_eq!(summary.imported, 0);
    assert_eq!(summary.skipped, 181);
    assert_eq!(store.head(), head);
}

/// The reference node's own database imports to exactly the same chain,
/// indexes and unspent set as the export, plus its unconfirmed transaction.
#[test]
fn reference_data_db_imports_to_the_same_store() {
    let (_dir, from_jsonl) = imported();
    for (db, unconfirmed) in [
        ("blockchain-180.db", 1usize),
        ("blockchain-180-no-unconfirmed.db", 0),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, summary) = skyx_node::import::import_reference_db(
            dir.path(),
            &chain_dir().join(db),
            &Default::default(),
        )
        .expect("import data.db");
        assert_eq!(summary.imported, 181, "{db}");
        let mut want = from_jsonl.status().expect("status");
        want.unconfirmed = unconfirmed as u64;
        assert_eq!(store.status().expect("status"), want, "{db}");
        assert_eq!(store.head(), from_jsonl.head(), "{db}");
        assert_eq!(
            store.all_unspent().expect("unspent"),
            from_jsonl.all_unspent().expect("unspent"),
            "{db}"
        );
        let idx = json("blockchain-180.indexes.json");
        for addr in idx["address_txns"]
            .as_object()
            .expect("address_txns")
            .keys()
        {
            let a: Address = addr.parse().expect("address");
            assert_eq!(
                store
                    .address_history(&a, 0, u64::MAX, false)
                    .expect("history"),
                from_jsonl
                    .address_history(&a, 0, u64::MAX, false)
                    .expect("history"),
                "{db}: {addr}"
            );
        }
        let pool = store.unconfirmed().expect("pool");
        assert_eq!(pool.len(), unconfirmed, "{db}");
        if let Some(u) = pool.first() {
            let meta = json("blockchain-180.meta.json");
            let want = &meta["unconfirmed_txns"][0];
            assert_eq!(u.txn.hash().to_hex(), want["key"].as_str().expect("txid"));
            assert_eq!(u.received, want["received"].as_i64().expect("received"));
            assert_eq!(u.announced, want["announced"].as_i64().expect("announced"));
            assert!(u.is_valid);
        }
    }
}
