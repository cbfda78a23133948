//! `BulkWriter::flush`: index changes written into the open transaction
//! before the commit give the same store as commits after every batch, and
//! a flush alone makes nothing visible or durable.

use skyx_coins::sky::block::SignedBlock;
use skyx_node::devnet::{chain_spec, generate_blocks, GenerateOptions};
use skyx_node::error::NodeError;
use skyx_node::store::bulk::BulkWriter;
use skyx_node::store::{blocks_with_signers, ChainStore};

fn opts() -> GenerateOptions {
    GenerateOptions {
        blocks: 40,
        txs_per_block: 6,
        seed: "bulk-flush".into(),
        ..GenerateOptions::default()
    }
}

fn chain() -> Vec<SignedBlock> {
    generate_blocks(&opts()).expect("generate")
}

/// Three batches; the later ones spend outputs the earlier ones created.
fn batches(blocks: &[SignedBlock]) -> Vec<Vec<SignedBlock>> {
    vec![
        blocks[..10].to_vec(),
        blocks[10..25].to_vec(),
        blocks[25..].to_vec(),
    ]
}

fn open(dir: &std::path::Path) -> ChainStore {
    let spec = chain_spec(&opts()).expect("spec");
    ChainStore::open(dir, Some(&spec)).expect("open")
}

/// Writes `blocks` in their three batches with one bulk writer, calling
/// `after_batch` after each, then commits; returns the store.
fn written(
    dir: &std::path::Path,
    blocks: &[SignedBlock],
    after_batch: fn(&mut BulkWriter<'_>) -> Result<(), NodeError>,
) -> ChainStore {
    let store = open(dir);
    {
        let mut w = store.bulk_writer();
        for batch in batches(blocks) {
            w.apply(blocks_with_signers(batch).expect("signers"))
                .expect("apply");
            after_batch(&mut w).expect("after the batch");
        }
        w.commit().expect("commit");
    }
    store
}

#[test]
fn flushed_batches_commit_to_the_same_store_as_committed_batches() {
    let blocks = chain();
    let tmp = tempfile::tempdir().expect("tempdir");
    let committed = written(&tmp.path().join("committed"), &blocks, |w| w.commit());
    let want = committed.status().expect("status");
    assert_eq!(want.height, Some(blocks.len() as u64 - 1));
    let flushed = written(&tmp.path().join("flushed"), &blocks, |w| w.flush());
    assert_eq!(flushed.status().expect("status"), want);
    let (_, report) = skyx_node::verify::verify_store(flushed).expect("verify runs");
    assert!(
        report.ok,
        "verify after flushed batches: {:?}",
        report.problems
    );
}

#[test]
fn a_flush_without_a_commit_changes_nothing() {
    let blocks = chain();
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("store");
    let store = open(&dir);
    let mut all = batches(&blocks).into_iter();
    let first = all.next().expect("a batch");
    let first_top = first.last().expect("a block").block.seq();
    {
        let mut w = store.bulk_writer();
        w.apply(blocks_with_signers(first).expect("signers"))
            .expect("apply");
        w.commit().expect("commit");
        for batch in all {
            w.apply(blocks_with_signers(batch).expect("signers"))
                .expect("apply");
            w.flush().expect("flush");
        }
        // Dropped without a commit: the flushed batches are abandoned.
    }
    let status = store.status().expect("status");
    assert_eq!(status.height, Some(first_top));
    drop(store);
    let reopened = open(&dir);
    assert_eq!(reopened.status().expect("status"), status);
    let (_, report) = skyx_node::verify::verify_store(reopened).expect("verify runs");
    assert!(
        report.ok,
        "verify after an abandoned flush: {:?}",
        report.problems
    );
}
