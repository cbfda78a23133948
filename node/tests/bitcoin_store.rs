//! The Bitcoin-family adapter without a daemon: real blocks of each chain
//! kind (Dogecoin AuxPoW, Litecoin MWEB, Bitcoin SV) through the follower's
//! block check and the store, and synthetic chains through confirmations,
//! mempool double spends, payment replacement, rollbacks and reopening.
//!
//! Vector files read (under `shared/vectors/btc-family`, or `$SKYX_VECTORS`):
//! `electrumx-blocks/*.json`.

use std::path::PathBuf;

use bitcoin::absolute::LockTime;
use bitcoin::hashes::Hash;
use bitcoin::transaction::Version;
use bitcoin::{
    Amount, BlockHash, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Txid, Witness,
};
use skyx_coins::btc::{params, Address, Coin, Network};
use skyx_node::bitcoin::follow::decode_block;
use skyx_node::bitcoin::index::WatchSet;
use skyx_node::bitcoin::outbox::{AttemptOutcome, Recording};
use skyx_node::bitcoin::store::{BlockInput, Store};
use skyx_node::bitcoin::{
    deposits_view, raw_hex, DepositStatus, EventKind, PaymentRecord, PaymentStatus,
};

fn vectors() -> PathBuf {
    std::env::var_os("SKYX_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors"))
        .join("btc-family/electrumx-blocks")
}

#[test]
fn bitcoin_real_blocks_of_each_kind_are_followed() {
    let cases = [
        ("dogecoin_mainnet_371337.json", Coin::Doge),
        ("litecoin_mainnet_2265985.json", Coin::Ltc),
        ("litecoin_mainnet_900000.json", Coin::Ltc),
        ("bitcoinsv_mainnet_100000.json", Coin::Bsv),
        ("bitcoin_mainnet_951658.json", Coin::Btc),
    ];
    for (file, coin) in cases {
        let path = vectors().join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (set SKYX_VECTORS)", path.display()));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let raw = const_hex::decode(v["block"].as_str().unwrap()).unwrap();
        let hash: BlockHash = v["hash"].as_str().unwrap().parse().unwrap();
        let height: u64 = v["height"]
            .as_u64()
            .or_else(|| v["height"].as_str().and_then(|h| h.parse().ok()))
            .unwrap();
        let (block, prev) = decode_block(coin, height, hash, &raw).unwrap();
        assert_eq!(
            prev.to_string(),
            v["previousblockhash"].as_str().unwrap(),
            "{file}"
        );
        let txids: Vec<String> = block
            .txs
            .iter()
            .map(|t| t.compute_txid().to_string())
            .collect();
        let expected: Vec<String> = match &v["tx"] {
            serde_json::Value::String(s) => s
                .trim_matches(|c| c == '[' || c == ']')
                .split(',')
                .map(|t| t.trim().trim_matches('\'').to_owned())
                .collect(),
            other => serde_json::from_value(other.clone()).unwrap_or_default(),
        };
        if !expected.is_empty() {
            assert_eq!(txids, expected, "{file}");
        }
        // Watch the coinbase's first paying script and follow the block.
        let out = block.txs[0]
            .output
            .iter()
            .find(|o| o.value.to_sat() > 0)
            .unwrap()
            .clone();
        let mut watch = WatchSet::new();
        watch.insert_script(out.script_pubkey.clone(), "coinbase-payee".into());
        let dir = tempfile::tempdir().unwrap();
        let p = params(coin, Network::Mainnet).unwrap();
        let store = Store::open(&dir.path().join("s.redb"), p).unwrap();
        store.ensure_start_height(height).unwrap();
        let first_tx = block.txs[0].clone();
        let stats = store.apply_blocks(&[block], &watch, &[]).unwrap();
        assert_eq!(stats.blocks, 1);
        let outputs = store.outputs().unwrap();
        assert!(!outputs.is_empty(), "{file}");
        assert!(outputs
            .iter()
            .any(|(_, r)| r.coinbase && r.value == out.value.to_sat()));
        // A flipped byte inside the coinbase's input is refused, not applied.
        let last_tx = bitcoin::consensus::serialize(&first_tx);
        let at = raw
            .windows(last_tx.len())
            .rposition(|w| w == last_tx.as_slice())
            .expect("coinbase inside the block")
            + 10;
        let mut bad = raw.clone();
        bad[at] ^= 1;
        assert!(decode_block(coin, height, hash, &bad).is_err(), "{file}");
    }
}

fn addr(n: u8) -> Address {
    Address::from_pubkey_hash(params(Coin::Ltc, Network::Regtest).unwrap(), [n; 20])
}

fn tx(inputs: &[OutPoint], outputs: &[(&Address, u64)], tag: u32) -> Transaction {
    Transaction {
        version: Version(2),
        lock_time: LockTime::from_consensus(tag),
        input: inputs
            .iter()
            .map(|o| TxIn {
                previous_output: *o,
                script_sig: ScriptBuf::new(),
                sequence: Sequence::MAX,
                witness: Witness::new(),
            })
            .collect(),
        output: outputs
            .iter()
            .map(|(a, v)| TxOut {
                value: Amount::from_sat(*v),
                script_pubkey: a.script_pubkey(),
            })
            .collect(),
    }
}

fn coinbase(to: &Address, height: u32) -> Transaction {
    tx(&[OutPoint::null()], &[(to, 5_000_000_000)], height)
}

fn block(height: u64, txs: Vec<Transaction>) -> BlockInput {
    BlockInput {
        height,
        hash: BlockHash::from_byte_array([height as u8; 32]),
        txs,
    }
}

fn kinds(store: &Store) -> Vec<EventKind> {
    store
        .events_since(0, usize::MAX)
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect()
}

#[test]
fn bitcoin_store_confirmations_double_spends_replacement_and_rollback() {
    let p = params(Coin::Ltc, Network::Regtest).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ltc-regtest.redb");
    let store = Store::open(&path, p).unwrap();
    let (ours, other) = (addr(1), addr(9));
    store.add_watched(std::slice::from_ref(&ours)).unwrap();
    let watch = store.watch_set().unwrap();
    store.ensure_start_height(1).unwrap();

    // Block 1 pays us a coinbase; blocks 2..6 deepen it.
    let cb = coinbase(&ours, 1);
    let cb_out = OutPoint::new(cb.compute_txid(), 0);
    store
        .apply_blocks(&[block(1, vec![cb])], &watch, &[3, 6])
        .unwrap();
    for h in 2..=6 {
        store
            .apply_blocks(
                &[block(h, vec![coinbase(&other, h as u32)])],
                &watch,
                &[3, 6],
            )
            .unwrap();
    }
    let confs: Vec<u64> = store
        .events_since(0, usize::MAX)
        .unwrap()
        .iter()
        .filter(|e| e.kind == EventKind::DepositConfirmed)
        .filter_map(|e| e.confirmations)
        .collect();
    assert_eq!(confs, vec![1, 3, 6]);
    let view = deposits_view(&store.outputs().unwrap(), Some(6), 100);
    assert_eq!(view[0].status, "immature");
    assert_eq!(view[0].confirmations, 6);

    // An incoming mempool payment, then a block takes its input for someone else.
    let outside = OutPoint::new(Txid::from_byte_array([0xee; 32]), 3);
    let incoming = tx(&[outside], &[(&ours, 70_000)], 0);
    let rival = tx(&[outside], &[(&other, 69_000)], 0);
    store
        .apply_mempool(&[(incoming.compute_txid(), incoming.clone())], &watch)
        .unwrap();
    let mempool_dep = OutPoint::new(incoming.compute_txid(), 0);
    let status_of = |o: &OutPoint| {
        store
            .outputs()
            .unwrap()
            .into_iter()
            .find(|(x, _)| x == o)
            .map(|(_, r)| r)
    };
    assert_eq!(
        status_of(&mempool_dep).unwrap().status,
        DepositStatus::Mempool
    );
    store
        .apply_blocks(
            &[block(7, vec![coinbase(&other, 7), rival.clone()])],
            &watch,
            &[],
        )
        .unwrap();
    assert_eq!(
        status_of(&mempool_dep).unwrap().status,
        DepositStatus::DoubleSpent
    );
    assert!(kinds(&store).contains(&EventKind::DepositDoubleSpent));

    // An own payment spending the coinbase, then replaced in the mempool.
    let payment = tx(&[cb_out], &[(&other, 1_000_000), (&ours, 4_998_000_000)], 1);
    let pay_id = payment.compute_txid();
    let record = PaymentRecord::recorded(raw_hex(&payment), None, 1);
    store.record_outgoing(&pay_id, &payment, record).unwrap();
    store
        .note_attempt(&pay_id, &AttemptOutcome::Accepted, &watch, 2)
        .unwrap();
    assert_eq!(
        status_of(&cb_out).unwrap().pending_spent_by,
        Some(pay_id.to_string())
    );
    let change = OutPoint::new(pay_id, 1);
    assert_eq!(status_of(&change).unwrap().status, DepositStatus::Mempool);
    let replacement = tx(&[cb_out], &[(&other, 4_999_000_000)], 2);
    store
        .apply_mempool(&[(replacement.compute_txid(), replacement.clone())], &watch)
        .unwrap();
    let paid = store.payment(&pay_id).unwrap().unwrap();
    assert_eq!(paid.status, PaymentStatus::Replaced);
    assert_eq!(paid.by_txid, Some(replacement.compute_txid().to_string()));
    assert_eq!(
        status_of(&change).unwrap().status,
        DepositStatus::DoubleSpent
    );

    // The replacement is mined: the coinbase is spent.
    store
        .apply_blocks(
            &[block(8, vec![coinbase(&other, 8), replacement.clone()])],
            &watch,
            &[],
        )
        .unwrap();
    let spent = status_of(&cb_out).unwrap();
    assert_eq!(spent.spent_by, Some(replacement.compute_txid().to_string()));
    assert_eq!(spent.spent_height, Some(8));

    // Reopen (as after a crash): everything is still there.
    drop(store);
    let store = Store::open(&path, p).unwrap();
    assert_eq!(store.tip().unwrap().unwrap().height, 8);
    let status_of = |o: &OutPoint| {
        store
            .outputs()
            .unwrap()
            .into_iter()
            .find(|(x, _)| x == o)
            .map(|(_, r)| r)
    };

    // Roll back 8 and 7: the spend and the double spend are undone.
    store.rollback_tip().unwrap();
    assert_eq!(status_of(&cb_out).unwrap().spent_by, None);
    store.rollback_tip().unwrap();
    assert_eq!(
        status_of(&mempool_dep).unwrap().status,
        DepositStatus::Mempool
    );
    // Down to before block 1: the coinbase deposit is reported reorged out.
    for _ in 0..6 {
        store.rollback_tip().unwrap();
    }
    assert_eq!(store.tip().unwrap(), None);
    let cb_rec = status_of(&cb_out).unwrap();
    assert_eq!(cb_rec.status, DepositStatus::Reorged);
    assert_eq!(cb_rec.height, None);
    assert!(kinds(&store).contains(&EventKind::DepositReorged));
    assert_eq!(store.next_height().unwrap(), 1);

    // Another coin's store refuses to open the file.
    drop(store);
    let err = Store::open(&path, params(Coin::Doge, Network::Regtest).unwrap()).unwrap_err();
    assert_eq!(err.code(), "store_wrong_chain");
}

/// The outbox in the store: a payment is recorded (inputs reserved) before
/// any broadcast, a reference maps to one record forever, a second payment
/// cannot take reserved inputs, a refusal of a never-accepted payment frees
/// its inputs, a mempool sighting marks a recorded payment accepted, and
/// every state survives reopening the store.
#[test]
fn bitcoin_outbox_records_before_broadcast_and_settles() {
    let p = params(Coin::Ltc, Network::Regtest).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ltc-regtest.redb");
    let store = Store::open(&path, p).unwrap();
    let (ours, other) = (addr(1), addr(9));
    store.add_watched(std::slice::from_ref(&ours)).unwrap();
    let watch = store.watch_set().unwrap();
    store.ensure_start_height(1).unwrap();
    let cb1 = coinbase(&ours, 1);
    let cb2 = coinbase(&ours, 2);
    let (out1, out2) = (
        OutPoint::new(cb1.compute_txid(), 0),
        OutPoint::new(cb2.compute_txid(), 0),
    );
    store
        .apply_blocks(&[block(1, vec![cb1]), block(2, vec![cb2])], &watch, &[])
        .unwrap();
    let record_of = |o: &OutPoint, s: &Store| {
        s.outputs()
            .unwrap()
            .into_iter()
            .find(|(x, _)| x == o)
            .map(|(_, r)| r)
            .unwrap()
    };

    // Recorded under a reference: the input is reserved at once.
    let pay = tx(&[out1], &[(&other, 1_000_000), (&ours, 4_998_000_000)], 10);
    let pay_id = pay.compute_txid();
    let rec = PaymentRecord::recorded(raw_hex(&pay), Some("order-1".into()), 100);
    let first = store.record_outgoing(&pay_id, &pay, rec.clone()).unwrap();
    assert!(matches!(first, Recording::New(_)));
    assert_eq!(
        record_of(&out1, &store).pending_spent_by,
        Some(pay_id.to_string())
    );
    // The same reference with other bytes: the first record, nothing written.
    let again = tx(&[out2], &[(&other, 1_000_000)], 11);
    let rec2 = PaymentRecord::recorded(raw_hex(&again), Some("order-1".into()), 101);
    match store
        .record_outgoing(&again.compute_txid(), &again, rec2)
        .unwrap()
    {
        Recording::Existing { txid, record } => {
            assert_eq!(txid, pay_id);
            assert_eq!(record.status, PaymentStatus::Recorded);
        }
        other => panic!("expected the first record, got {other:?}"),
    }
    assert_eq!(record_of(&out2, &store).pending_spent_by, None);
    // Another payment may not take the reserved input.
    let rival = tx(&[out1], &[(&other, 2_000_000)], 12);
    let err = store
        .record_outgoing(
            &rival.compute_txid(),
            &rival,
            PaymentRecord::recorded(raw_hex(&rival), None, 102),
        )
        .unwrap_err();
    assert_eq!(err.code(), "inputs_reserved");
    assert_eq!(store.unsettled_payments().unwrap().len(), 1);

    // Reopened (as after a kill right after the write): still recorded.
    drop(store);
    let store = Store::open(&path, p).unwrap();
    let (id, stored) = store.payment_by_reference("order-1").unwrap().unwrap();
    assert_eq!(id, pay_id);
    assert_eq!(stored, rec);

    // An unknown outcome is noted; the daemon's mempool then shows it: accepted.
    let noted = store
        .note_attempt(
            &pay_id,
            &AttemptOutcome::Unknown("timed out".into()),
            &watch,
            103,
        )
        .unwrap();
    assert_eq!(noted.status, PaymentStatus::Recorded);
    assert_eq!(noted.attempts, 1);
    assert_eq!(noted.last_error.as_deref(), Some("timed out"));
    store
        .apply_mempool(&[(pay_id, pay.clone())], &watch)
        .unwrap();
    let seen = store.payment(&pay_id).unwrap().unwrap();
    assert_eq!(seen.status, PaymentStatus::Broadcast);
    let change = OutPoint::new(pay_id, 1);
    assert_eq!(record_of(&change, &store).status, DepositStatus::Mempool);
    assert!(kinds(&store).contains(&EventKind::PaymentBroadcast));
    // A later refusal of an accepted payment changes nothing but the note.
    let noted = store
        .note_attempt(
            &pay_id,
            &AttemptOutcome::Refused("-26: txn-mempool-conflict".into()),
            &watch,
            104,
        )
        .unwrap();
    assert_eq!(noted.status, PaymentStatus::Broadcast);
    // Mined: confirmed.
    store
        .apply_blocks(&[block(3, vec![coinbase(&other, 3), pay])], &watch, &[])
        .unwrap();
    let mined = store.payment(&pay_id).unwrap().unwrap();
    assert_eq!(mined.status, PaymentStatus::Confirmed);
    assert_eq!(mined.height, Some(3));
    assert!(store.unsettled_payments().unwrap().is_empty());

    // A payment the daemon refuses before ever accepting it: rejected, input free.
    let low = tx(&[out2], &[(&other, 4_999_999_990)], 13);
    let low_id = low.compute_txid();
    store
        .record_outgoing(
            &low_id,
            &low,
            PaymentRecord::recorded(raw_hex(&low), Some("order-2".into()), 105),
        )
        .unwrap();
    assert_eq!(
        record_of(&out2, &store).pending_spent_by,
        Some(low_id.to_string())
    );
    let noted = store
        .note_attempt(
            &low_id,
            &AttemptOutcome::Refused("-26: min relay fee not met".into()),
            &watch,
            106,
        )
        .unwrap();
    assert_eq!(noted.status, PaymentStatus::Rejected);
    assert_eq!(record_of(&out2, &store).pending_spent_by, None);
    let rejected: Vec<_> = store
        .events_since(0, usize::MAX)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EventKind::PaymentRejected)
        .collect();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].txid, low_id.to_string());
    assert_eq!(
        rejected[0].reason.as_deref(),
        Some("-26: min relay fee not met")
    );
    // Its reference keeps answering with the refused payment.
    let (id, again) = store.payment_by_reference("order-2").unwrap().unwrap();
    assert_eq!((id, again.status), (low_id, PaymentStatus::Rejected));
    // A new payment may now spend the freed input.
    let retry = tx(&[out2], &[(&other, 4_999_000_000)], 14);
    let fresh = store
        .record_outgoing(
            &retry.compute_txid(),
            &retry,
            PaymentRecord::recorded(raw_hex(&retry), Some("order-3".into()), 107),
        )
        .unwrap();
    assert!(matches!(fresh, Recording::New(_)));
    let all: Vec<PaymentStatus> = store
        .payments()
        .unwrap()
        .into_iter()
        .map(|(_, p)| p.status)
        .collect();
    assert_eq!(
        all,
        vec![
            PaymentStatus::Confirmed,
            PaymentStatus::Rejected,
            PaymentStatus::Recorded
        ]
    );
}
