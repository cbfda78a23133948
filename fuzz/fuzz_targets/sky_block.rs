//! Skycoin blocks and signed blocks (`coins/src/sky/block.rs`) and the block
//! checks of `coins/src/sky/chain.rs`: any bytes decode as a block or a
//! signed block or fail cleanly; what decodes encodes back to the same
//! bytes; a decoded block goes through every check against mainnet's state
//! after genesis — once with its real signatures, once as if every input
//! were signed by its owner, so the fuzzer reaches the coin and hour rules.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skyx_coins::sky::block::{Block, SignedBlock};
use skyx_coins::sky::chain::{
    recover_block_signers, verify_block, verify_header, verify_transactions_with_signers,
    BlockContext, Signers, UnspentView,
};
use skyx_coins::sky::encoding::{decode_exact, encode};
use skyx_coins::sky::params::MAINNET;
use skyx_coins::sky::transaction::Transaction;
use skyx_fuzz::mainnet_genesis_state;

fuzz_target!(|data: &[u8]| {
    if let Ok(block) = Block::decode(data) {
        assert_eq!(
            encode(&block),
            data,
            "block: decode then encode changed the bytes"
        );
        assert_eq!(block.size(), data.len());
        check_block(&block, None);
    }
    if let Ok(signed) = decode_exact::<SignedBlock>(data) {
        assert_eq!(
            encode(&signed),
            data,
            "signed block: decode then encode changed the bytes"
        );
        check_block(&signed.block, Some(&signed));
    }
});

fn check_block(block: &Block, signed: Option<&SignedBlock>) {
    let state = mainnet_genesis_state();
    let _ = block.hash();
    let _ = block.body.hash();
    let _ = verify_header(state.head(), block);
    let _ = verify_header(None, block);
    let _ = recover_block_signers(block);

    let txids: Vec<_> = block
        .body
        .transactions
        .iter()
        .map(Transaction::hash)
        .collect();
    let owners = block
        .body
        .transactions
        .iter()
        .map(|tx| {
            tx.inputs
                .iter()
                .map(|i| {
                    state
                        .get_unspent(i)
                        .map(|ux| ux.body.address)
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect();
    let pretend = Signers {
        block_hash: block.hash(),
        txids,
        signers: owners,
    };
    if let Some(head) = state.head() {
        let _ = verify_transactions_with_signers(head, block, state, &state.ux_hash(), &pretend);
    }
    if let (Some(signed), Ok(publisher)) = (signed, MAINNET.publisher_key()) {
        let genesis = MAINNET.genesis_block().hash();
        let ctx = BlockContext {
            head: state.head(),
            ux_hash: &state.ux_hash(),
            publisher: &publisher,
            genesis: &genesis,
        };
        let _ = verify_block(&ctx, signed, state, &pretend);
        let _ = signed.verify_signature(&publisher);
        let mut after = state.clone();
        let _ = after.apply(signed, &publisher, &genesis);
    }
}
