//! Address history and received outputs of a generated chain with busy
//! addresses (histories spanning many chunks), read back from the store
//! after imports that write the whole chain at once and one block at a
//! time, against a model built by replaying the chain in memory. Every
//! received output is also looked up by id, with its spender.

use std::collections::HashMap;

use redb::ReadableTable;

use skyx_coins::sky::address::Address;
use skyx_coins::sky::chain::UnspentSet;
use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::uxout::UxOut;
use skyx_node::chainfile::ChainFileReader;
use skyx_node::devnet::{chain_spec, generate_to_file, GenerateOptions};
use skyx_node::import::{import_chain_file, ImportOptions};
use skyx_node::store::read::OutputRecord;
use skyx_node::store::tables::{
    addr_key, history_key, output_id_key, OutPos, Spender, ADDR_TXS, HISTORY_CHUNK,
    HISTORY_ENTRY_LEN, OUTPUT_IDS,
};
use skyx_node::store::{ChainStore, STORE_FILE};

/// Per address: txids touching it and outputs it received, in chain order;
/// the spender of every spent output.
#[derive(Default)]
struct Model {
    history: HashMap<Address, Vec<Sha256>>,
    received: HashMap<Address, Vec<UxOut>>,
    spenders: HashMap<Sha256, Spender>,
}

fn model(opts: &GenerateOptions, file: &std::path::Path) -> Model {
    let spec = chain_spec(opts).expect("spec");
    let publisher = spec.to_params().publisher_key().expect("publisher");
    let reader = ChainFileReader::new(std::io::BufReader::new(
        std::fs::File::open(file).expect("chain file"),
    ))
    .expect("chain file header");
    let mut set = UnspentSet::new();
    let mut m = Model::default();
    for block in reader {
        let block = block.expect("block");
        let effects = set
            .apply(&block, &publisher, &spec.genesis_hash)
            .expect("valid block");
        for tx in &effects.transactions {
            let mut touched: Vec<Address> = Vec::new();
            for a in tx.spent.iter().chain(&tx.created).map(|u| u.body.address) {
                if !touched.contains(&a) {
                    touched.push(a);
                }
            }
            for a in touched {
                m.history.entry(a).or_default().push(tx.txid);
            }
            for ux in &tx.created {
                m.received.entry(ux.body.address).or_default().push(*ux);
            }
            for ux in &tx.spent {
                m.spenders.insert(ux.hash(), (tx.txid, block.block.seq()));
            }
        }
    }
    m
}

fn txids(store: &ChainStore, a: &Address, offset: u64, size: u64, descending: bool) -> Vec<Sha256> {
    store
        .address_history(a, offset, size, descending)
        .expect("history page")
        .iter()
        .map(|e| e.txid)
        .collect()
}

fn check(store: &ChainStore, m: &Model) {
    for (a, want) in &m.history {
        let n = want.len() as u64;
        assert_eq!(store.address_tx_count(a).expect("count"), n, "{a}");
        assert_eq!(txids(store, a, 0, u64::MAX, false), *want, "{a}");
        let newest_first: Vec<Sha256> = want.iter().rev().copied().collect();
        // Page sizes below, at and above a chunk; offsets across chunk edges.
        for size in [1, 5, HISTORY_CHUNK, HISTORY_CHUNK + 1, 100] {
            for offset in (0..=n + 1).step_by(3) {
                let lo = offset.min(n) as usize;
                let hi = offset.saturating_add(size).min(n) as usize;
                assert_eq!(
                    txids(store, a, offset, size, false),
                    want[lo..hi],
                    "{a} offset {offset} size {size}"
                );
                assert_eq!(
                    txids(store, a, offset, size, true),
                    newest_first[lo..hi],
                    "{a} offset {offset} size {size} descending"
                );
            }
        }
        let received: Vec<OutputRecord> = m
            .received
            .get(a)
            .into_iter()
            .flatten()
            .map(|ux| OutputRecord {
                ux: *ux,
                spent: m.spenders.get(&ux.hash()).copied(),
            })
            .collect();
        assert_eq!(store.address_outputs(a).expect("outputs"), received, "{a}");
        for r in &received {
            let id = r.ux.hash();
            assert_eq!(store.output(&id).expect("lookup"), Some(*r), "{id}");
        }
    }
}

/// A generated chain of `blocks` blocks written to `dir/chain.jsonl`.
fn generated_chain(
    dir: &std::path::Path,
    blocks: u64,
    txs_per_block: u32,
    seed: &str,
) -> (GenerateOptions, std::path::PathBuf) {
    let opts = GenerateOptions {
        blocks,
        txs_per_block,
        seed: seed.into(),
        ..GenerateOptions::default()
    };
    let file = dir.join("chain.jsonl");
    generate_to_file(&opts, &file).expect("generate");
    (opts, file)
}

#[test]
fn histories_over_many_chunks_equal_a_replay_of_the_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (opts, file) = generated_chain(dir.path(), 120, 25, "address-history");
    let m = model(&opts, &file);
    let longest = m.history.values().map(Vec::len).max().unwrap_or(0) as u64;
    assert!(
        longest > 3 * HISTORY_CHUNK,
        "the chain must have an address whose history spans several chunks (longest {longest})"
    );
    // One write for the whole chain; then a commit every few transactions,
    // so later writes complete chunks that earlier writes began.
    for (name, commit_txs) in [("whole", ImportOptions::default().commit_txs), ("small", 7)] {
        let data = dir.path().join(name);
        let opts = ImportOptions {
            commit_txs,
            ..ImportOptions::default()
        };
        let (store, _) = import_chain_file(&data, &file, &opts).expect("import");
        check(&store, &m);
    }
}

/// The id index keeps only 8 bytes of each id: a lookup must skip entries
/// whose prefix matches but whose output hashes to another id, and report
/// an entry pointing nowhere as damage.
#[test]
fn output_lookups_check_the_full_id_of_each_candidate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (opts, file) = generated_chain(dir.path(), 8, 4, "output-ids");
    let m = model(&opts, &file);
    let data = dir.path().join("store");
    let (store, _) = import_chain_file(&data, &file, &ImportOptions::default()).expect("import");
    // An output of a late block, and the position of the first output of
    // block 1 (which sorts before it under a shared prefix).
    let block = |seq| store.block_by_seq(seq).expect("read").expect("block").block;
    let late = block(6);
    let late_tx = &late.body.transactions[0];
    let target = late_tx.created_outputs(&late_tx.hash(), 6, late.head.time)[0];
    let id = target.hash();
    let want = OutputRecord {
        ux: target,
        spent: m.spenders.get(&id).copied(),
    };
    assert_eq!(store.output(&id).expect("lookup"), Some(want));
    let early = OutPos {
        seq: 1,
        tx: 0,
        index: 0,
    };
    let mut sibling = id;
    sibling.0[31] ^= 0xff;
    let mut broken = id;
    broken.0[0] ^= 0xff;
    let path = data.join(STORE_FILE);
    drop(store);
    {
        let db = redb::Database::open(&path).expect("open");
        let w = db.begin_write().expect("write");
        {
            let mut ids = w.open_table(OUTPUT_IDS).expect("table");
            // Same prefix as `id`, another output: sorts before the real entry.
            ids.insert(&output_id_key(0, &id, &early), ())
                .expect("insert");
            ids.insert(&output_id_key(0, &sibling, &early), ())
                .expect("insert");
            // A position past the chain.
            let nowhere = OutPos {
                seq: 1_000,
                tx: 0,
                index: 0,
            };
            ids.insert(&output_id_key(0, &broken, &nowhere), ())
                .expect("insert");
        }
        w.commit().expect("commit");
    }
    let store = ChainStore::open(&data, None).expect("reopen");
    assert_eq!(store.output(&id).expect("lookup"), Some(want));
    assert_eq!(store.output(&sibling).expect("lookup"), None);
    let err = store.output(&broken).expect_err("points nowhere");
    assert!(
        err.to_string().contains("missing block 1000"),
        "unexpected error: {err}"
    );
}

/// Received outputs are read through the history's (block, position) of
/// each transaction: an entry whose txid is not the transaction at that
/// place is reported as damage, not answered with another's outputs.
#[test]
fn a_history_entry_that_disagrees_with_its_block_is_damage() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, file) = generated_chain(dir.path(), 6, 4, "history-damage");
    let data = dir.path().join("store");
    let (store, _) = import_chain_file(&data, &file, &ImportOptions::default()).expect("import");
    let first = store.block_by_seq(1).expect("read").expect("block").block;
    let tx = &first.body.transactions[0];
    let a = tx.outputs[0].address;
    assert!(!store.address_outputs(&a).expect("outputs").is_empty());
    drop(store);
    {
        let db = redb::Database::open(data.join(STORE_FILE)).expect("open");
        let w = db.begin_write().expect("write");
        {
            let mut t = w.open_table(ADDR_TXS).expect("table");
            let key = history_key(&addr_key(&a), 0);
            let mut chunk = t.get(&key).expect("get").expect("chunk").value().to_vec();
            // Entry 0 keeps its block and position but names another txid.
            chunk[HISTORY_ENTRY_LEN - 1] ^= 0xff;
            t.insert(&key, chunk.as_slice()).expect("insert");
        }
        w.commit().expect("commit");
    }
    let store = ChainStore::open(&data, None).expect("reopen");
    let err = store.address_outputs(&a).expect_err("damaged history");
    assert!(
        err.to_string().contains("is not transaction"),
        "unexpected error: {err}"
    );
}
