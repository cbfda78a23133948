//! The hash-keyed indexes (block hashes, txids, output ids) split in
//! epochs of `EPOCH_TXS` transactions: every block, transaction and output
//! is found whether its epoch is closed (behind a Bloom filter) or still
//! open, through bulk and single writes, after reopening; a damaged filter
//! is reported when the store opens, and repair rebuilds it.

use std::sync::OnceLock;

use redb::{ReadableDatabase, ReadableTableMetadata};
use skyx_coins::sky::block::SignedBlock;
use skyx_coins::sky::hash::Sha256;
use skyx_node::devnet::{chain_spec, generate_blocks, GenerateOptions};
use skyx_node::error::NodeError;
use skyx_node::repair::{repair, RepairSource};
use skyx_node::store::filter::HashIndex;
use skyx_node::store::tables::{EPOCH_FILTERS, EPOCH_TXS, META, META_SCHEMA, SCHEMA_VERSION};
use skyx_node::store::{blocks_with_signers, ChainStore, STORE_FILE};
use skyx_node::verify::verify_store;

fn opts() -> GenerateOptions {
    GenerateOptions {
        blocks: 90,
        txs_per_block: 400,
        seed: "index-epochs".into(),
        ..GenerateOptions::default()
    }
}

/// The chain, generated once for all the tests of this file.
fn chain() -> &'static [SignedBlock] {
    static CHAIN: OnceLock<Vec<SignedBlock>> = OnceLock::new();
    CHAIN.get_or_init(|| generate_blocks(&opts()).expect("generate"))
}

/// Changes the store file in `dir` behind the store's back, in one commit.
fn edit_store(dir: &std::path::Path, edit: impl FnOnce(&redb::WriteTransaction)) {
    let db = redb::Database::open(dir.join(STORE_FILE)).expect("db");
    let w = db.begin_write().expect("write");
    edit(&w);
    w.commit().expect("commit");
}

fn open(dir: &std::path::Path) -> ChainStore {
    let spec = chain_spec(&opts()).expect("spec");
    ChainStore::open(dir, Some(&spec)).expect("open")
}

/// The chain written as a sync and an import would: most of it in bulk
/// batches, the last blocks one by one through the journal.
fn stored(dir: &std::path::Path, blocks: &[SignedBlock]) -> ChainStore {
    let store = open(dir);
    let single_from = blocks.len() - 12;
    {
        let mut w = store.bulk_writer();
        for batch in blocks[..single_from].chunks(7) {
            w.apply(blocks_with_signers(batch.to_vec()).expect("signers"))
                .expect("apply");
            w.commit().expect("commit");
        }
    }
    for b in &blocks[single_from..] {
        store.apply_block(b).expect("append");
    }
    store
}

fn total_txs(blocks: &[SignedBlock]) -> u64 {
    blocks
        .iter()
        .map(|b| b.block.body.transactions.len() as u64)
        .sum()
}

/// Every block by hash, every transaction by id and every output by id.
fn assert_all_found(store: &ChainStore, blocks: &[SignedBlock]) {
    for b in blocks {
        let seq = b.block.seq();
        assert_eq!(store.block_seq(&b.block.hash()).expect("seq"), Some(seq));
        for (pos, txn) in b.block.body.transactions.iter().enumerate() {
            let txid = txn.hash();
            let found = store
                .transaction(&txid)
                .expect("lookup")
                .unwrap_or_else(|| panic!("transaction {txid} of block {seq} not found"));
            assert_eq!((found.seq, found.pos as usize), (seq, pos));
            for ux in txn.created_outputs(&txid, seq, b.block.head.time) {
                let out = store
                    .output(&ux.hash())
                    .expect("lookup")
                    .unwrap_or_else(|| panic!("output {} of block {seq} not found", ux.hash()));
                assert_eq!(out.ux, ux);
            }
        }
    }
}

#[test]
fn every_hash_is_found_in_closed_and_open_epochs() {
    let blocks = chain();
    let txs = total_txs(blocks);
    let closed = txs / EPOCH_TXS;
    assert!(closed >= 2, "the chain closes only {closed} epochs");
    let dir = tempfile::tempdir().expect("tempdir");
    let store = stored(dir.path(), blocks);
    assert_all_found(&store, blocks);
    for unknown in [Sha256([0; 32]), Sha256([0xa5; 32])] {
        assert_eq!(store.transaction(&unknown).expect("lookup"), None);
        assert_eq!(store.block_seq(&unknown).expect("lookup"), None);
        assert_eq!(store.output(&unknown).expect("lookup"), None);
    }
    drop(store);

    // One filter per index for each closed epoch, none for the open one.
    {
        let db = redb::Database::open(dir.path().join(STORE_FILE)).expect("db");
        let r = db.begin_read().expect("read");
        let filters = r.open_table(EPOCH_FILTERS).expect("filters");
        assert_eq!(filters.len().expect("len"), 3 * closed);
        for epoch in 0..closed as u32 {
            for index in HashIndex::ALL {
                assert!(filters.get(index.filter_key(epoch)).expect("get").is_some());
            }
        }
    }

    // Filters read back from the file after reopening; a full verify agrees.
    let store = open(dir.path());
    assert_all_found(&store, &blocks[..3]);
    assert_all_found(&store, &blocks[blocks.len() - 3..]);
    let (_, report) = verify_store(store).expect("verify");
    assert!(report.ok, "{report:?}");
}

#[test]
fn a_damaged_filter_is_reported() {
    let blocks = chain();
    let dir = tempfile::tempdir().expect("tempdir");
    drop(stored(dir.path(), blocks));
    edit_store(dir.path(), |w| {
        let mut filters = w.open_table(EPOCH_FILTERS).expect("filters");
        filters
            .insert(HashIndex::Txids.filter_key(0), [1u8, 2, 3].as_slice())
            .expect("insert");
    });
    let spec = chain_spec(&opts()).expect("spec");
    match ChainStore::open(dir.path(), Some(&spec)) {
        Err(NodeError::Damaged(m)) => assert!(m.contains("epoch filter"), "{m}"),
        other => panic!("expected a damaged-store error on open, got {other:?}"),
    }
    // Repair rebuilds the filters with the indexes.
    repair(dir.path(), Some(&spec), RepairSource::None).expect("repair");
    let store = open(dir.path());
    assert_all_found(&store, &blocks[..2]);
}

#[test]
fn a_store_of_an_older_schema_is_refused_then_rebuilt_by_repair() {
    let blocks = chain();
    let dir = tempfile::tempdir().expect("tempdir");
    drop(stored(dir.path(), blocks));
    // The schema before epochs: same blocks, indexes keyed by hash alone.
    edit_store(dir.path(), |w| {
        let mut meta = w.open_table(META).expect("meta");
        meta.insert(META_SCHEMA, 4u32.to_le_bytes().as_slice())
            .expect("insert");
    });
    let spec = chain_spec(&opts()).expect("spec");
    match ChainStore::open(dir.path(), Some(&spec)) {
        Err(e @ NodeError::Schema { found: 4, .. }) => {
            assert_eq!(e.code(), "store_schema");
            assert!(e.to_string().contains("skyx node repair"), "{e}");
        }
        other => panic!("expected a schema error, got {other:?}"),
    }
    let report = repair(dir.path(), Some(&spec), RepairSource::None).expect("repair");
    assert_eq!(report.height, Some(blocks.len() as u64 - 1), "{report:?}");
    let store = open(dir.path());
    assert_all_found(&store, &blocks[..2]);
    assert_all_found(&store, &blocks[blocks.len() - 2..]);
    drop(store);
    let db = redb::Database::open(dir.path().join(STORE_FILE)).expect("db");
    let r = db.begin_read().expect("read");
    let meta = r.open_table(META).expect("meta");
    let schema = meta.get(META_SCHEMA).expect("get").expect("present");
    assert_eq!(schema.value(), SCHEMA_VERSION.to_le_bytes().as_slice());
}
