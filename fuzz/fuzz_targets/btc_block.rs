//! Bitcoin-family blocks and transactions (`coins/src/btc/block.rs`),
//! including Dogecoin AuxPoW headers and Litecoin MWEB. The first byte picks
//! the coin (low bits) and whether the rest is a block or a transaction
//! (high bit). What parses re-serializes (with rust-bitcoin) into bytes that
//! parse to the same value; a Bitcoin transaction that rust-bitcoin accepts
//! is accepted here with the same value.
#![no_main]

use bitcoin::consensus::{deserialize, serialize};
use bitcoin::Transaction;
use libfuzzer_sys::fuzz_target;
use skyx_coins::btc::block::{decode_transaction, is_auxpow_version, parse_block};
use skyx_coins::btc::Coin;
// Links the harness's allocation limit.
use skyx_fuzz as _;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let coin = Coin::ALL[usize::from(selector & 0x7f) % Coin::ALL.len()];
    if selector & 0x80 != 0 {
        check_transaction(coin, bytes);
    } else {
        check_block(coin, bytes);
    }
});

fn check_transaction(coin: Coin, bytes: &[u8]) {
    let ours = decode_transaction(coin, bytes);
    if let Ok(tx) = &ours {
        round_trip(coin, tx);
    }
    if coin == Coin::Btc {
        if let Ok(theirs) = deserialize::<Transaction>(bytes) {
            assert_eq!(ours.as_ref().ok(), Some(&theirs), "rust-bitcoin accepts it");
        }
    }
}

/// The transaction, written by rust-bitcoin, reads back as itself.
fn round_trip(coin: Coin, tx: &Transaction) {
    let _ = tx.compute_txid();
    let _ = tx.compute_wtxid();
    let again = decode_transaction(coin, &serialize(tx));
    assert_eq!(
        again.as_ref(),
        Ok(tx),
        "re-serialized transaction reads differently"
    );
}

fn check_block(coin: Coin, bytes: &[u8]) {
    let Ok(block) = parse_block(coin, bytes) else {
        return;
    };
    let _ = block.block_hash();
    let _ = block.compute_merkle_root();
    let _ = block.check_merkle_root();
    let _ = is_auxpow_version(block.header.version);
    for tx in &block.txdata {
        round_trip(coin, tx);
    }
    if let Some(aux) = &block.auxpow {
        round_trip(Coin::Btc, &aux.coinbase_tx);
        let _ = aux.parent_header.block_hash();
    }
    if block.auxpow.is_none() && block.mweb.is_none() {
        let plain = block.to_block();
        if let Ok(again) = parse_block(coin, &serialize(&plain)) {
            assert_eq!(again.header, block.header);
            assert_eq!(again.txdata, block.txdata);
        }
    }
}
