//! `blocks_with_signers` (one transaction per task) against `block_signers`
//! (one block at a time): the same signers for valid blocks, and the same
//! error, for the first invalid block in order, when a batch holds invalid
//! ones.

use skyx_coins::sky::block::SignedBlock;
use skyx_coins::sky::hash::merkle_root;
use skyx_coins::sky::transaction::Transaction;
use skyx_node::devnet::{generate, GenerateOptions};
use skyx_node::error::NodeError;
use skyx_node::store::{block_signers, blocks_with_signers};

fn chain() -> Vec<SignedBlock> {
    let opts = GenerateOptions {
        blocks: 40,
        txs_per_block: 7,
        seed: "block-signers".into(),
        ..GenerateOptions::default()
    };
    let mut blocks = Vec::new();
    generate(&opts, |b| -> Result<(), std::convert::Infallible> {
        blocks.push(b.clone());
        Ok(())
    })
    .expect("generate");
    blocks
}

/// The seq and rule code of an invalid-block error.
fn invalid(e: NodeError) -> (u64, &'static str) {
    match e {
        NodeError::InvalidBlock { seq, rule } => (seq, rule.code()),
        other => panic!("not an invalid block: {other}"),
    }
}

/// Gives the first transaction of block `seq` one signature too many and
/// keeps the body hash right, so only the transaction check fails.
fn extra_signature(blocks: &mut [SignedBlock], seq: usize) {
    let block = &mut blocks[seq].block;
    let tx = &mut block.body.transactions[0];
    let sig = tx.sigs[0];
    tx.sigs.push(sig);
    let txids: Vec<_> = block
        .body
        .transactions
        .iter()
        .map(Transaction::hash)
        .collect();
    block.head.body_hash = merkle_root(&txids);
}

#[test]
fn same_signers_as_one_block_at_a_time() {
    let blocks = chain();
    let expected: Vec<_> = blocks
        .iter()
        .map(|b| block_signers(b).expect("valid block"))
        .collect();
    let got = blocks_with_signers(blocks.clone()).expect("valid batch");
    assert_eq!(got.len(), blocks.len());
    for ((b, signers), (want_block, want)) in got.iter().zip(blocks.iter().zip(&expected)) {
        assert_eq!(b, want_block, "blocks stay in order");
        assert_eq!(signers, want, "signers of block {}", b.block.seq());
    }
    assert!(got.iter().skip(1).all(|(_, s)| !s.signers.is_empty()));
}

#[test]
fn the_first_invalid_block_is_reported() {
    let mut blocks = chain();
    extra_signature(&mut blocks, 25);
    let want = invalid(block_signers(&blocks[25]).expect_err("block 25 is invalid"));
    assert_eq!(want.0, 25);
    assert_eq!(
        invalid(blocks_with_signers(blocks.clone()).expect_err("invalid batch")),
        want
    );

    // An earlier block whose body hash no longer matches comes first.
    blocks[12].block.body.transactions[1].sigs[0].0[9] ^= 1;
    let first = invalid(block_signers(&blocks[12]).expect_err("block 12 is invalid"));
    assert_eq!(first.0, 12);
    assert_ne!(first.1, want.1, "two different rules are exercised");
    assert_eq!(
        invalid(blocks_with_signers(blocks).expect_err("invalid batch")),
        first
    );
}
