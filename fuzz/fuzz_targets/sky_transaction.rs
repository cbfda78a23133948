//! Skycoin transactions (`coins/src/sky/transaction.rs`, the zero-copy
//! `transaction_view.rs`): any bytes decode or fail cleanly; what decodes
//! encodes back to the same bytes, hashes to the SHA-256 of those bytes,
//! and is seen identically by the view; every check on it returns.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skyx_coins::sky::hash::sha256;
use skyx_coins::sky::transaction::{encoded_len, Transaction};
use skyx_coins::sky::transaction_view::TransactionView;
// Links the harness's allocation limit.
use skyx_fuzz as _;

fuzz_target!(|data: &[u8]| {
    let decoded = Transaction::decode(data);
    let view = TransactionView::parse(data);
    assert_eq!(decoded.is_ok(), view.is_ok(), "decoder and view disagree");
    let _ = encoded_len(data);
    let (Ok(tx), Ok(view)) = (decoded, view) else {
        return;
    };
    assert_eq!(tx.encode(), data, "decode then encode changed the bytes");
    assert_eq!(tx.size(), data.len());
    assert_eq!(encoded_len(data), Some(data.len()));
    let txid = tx.hash();
    assert_eq!(txid, sha256(data), "streamed txid differs");
    assert_eq!(view.txid(), txid);
    assert_eq!(view.length(), tx.length);
    assert_eq!(view.tx_type(), tx.tx_type);
    assert_eq!(view.inner_hash(), tx.inner_hash);
    assert_eq!(
        view.counts(),
        (tx.sigs.len(), tx.inputs.len(), tx.outputs.len())
    );
    for (i, o) in tx.outputs.iter().enumerate() {
        assert_eq!(view.output(i).as_ref(), Some(o));
    }
    assert_eq!(view.output(tx.outputs.len()), None);

    let _ = tx.hash_inner();
    let _ = tx.output_coins();
    let _ = tx.output_hours();
    let _ = tx.verify_without_signatures();
    // Signature recovery costs the same for every input: a few inputs
    // exercise it, more would only slow the run.
    let few_inputs = tx.inputs.len() <= 4;
    if few_inputs {
        let _ = tx.verify_unsigned();
        let _ = tx.verify();
        let _ = tx.recover_signers();
    }
    for i in 0..=tx.inputs.len() {
        let _ = tx.input_sign_hash(i);
    }
    // Outputs created at extreme heights and times, and their coin hours
    // at a later time, as a block using this transaction would compute them.
    let created = tx.created_outputs(&txid, u64::MAX, u64::MAX - 1);
    for ux in &created {
        let _ = ux.hash();
        let _ = ux.snapshot_hash();
        let _ = ux.coin_hours(u64::MAX);
        let _ = ux.coin_hours(0);
    }
    let _ = skyx_coins::sky::transaction::input_hours(u64::MAX, &created);
    if few_inputs {
        let _ = tx.verify_input_signatures(&created);
    }
});
