//! Skycoin primitives against the bare operation they are built on:
//! signature verification and public-key recovery against libsecp256k1's
//! recovery, address derivation against public-key creation, transaction
//! decode + txid against one SHA-256 of the same bytes (both the zero-copy
//! view and the owned decode).
//!
//! Criterion measures each pair; a summary at the end times both sides of
//! each pair interleaved in this process and prints `ours / bare` (the goal
//! is an overhead of at most 10%, a ratio ≤ 1.10).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use secp256k1::{Message, PublicKey, SecretKey, SECP256K1};
use sha2::Digest;
use skyx_coins::sky::address::Address;
use skyx_coins::sky::hash::{sha256, Sha256};
use skyx_coins::sky::keys::KeyChain;
use skyx_coins::sky::signature::{recover_pubkey, sign_hash, verify_address, verify_pubkey, Sig};
use skyx_coins::sky::transaction::Transaction;
use skyx_coins::sky::transaction_view::TransactionView;

struct Fixture {
    secret: SecretKey,
    public: PublicKey,
    address: Address,
    hash: Sha256,
    sig: Sig,
    raw_sig: RecoverableSignature,
    msg: Message,
    raw_tx: Vec<u8>,
}

fn fixture() -> Fixture {
    let pair = KeyChain::new(b"bench seed")
        .ok()
        .and_then(|mut c| c.next())
        .unwrap_or_else(|| unreachable!("a non-empty seed always yields keys"));
    let hash = sha256(b"message");
    let sig = sign_hash(&hash, &pair.secret).unwrap_or_else(|e| panic!("sign: {e}"));
    let id = RecoveryId::from_i32(i32::from(sig.0[64])).unwrap_or_else(|e| panic!("{e}"));
    let raw_sig =
        RecoverableSignature::from_compact(&sig.0[..64], id).unwrap_or_else(|e| panic!("{e}"));
    // A 2-input, 2-output signed transaction, a typical payment.
    let mut keys = KeyChain::new(b"bench inputs").unwrap_or_else(|e| panic!("{e}"));
    let (k1, k2) = (keys.next().map(|k| k.secret), keys.next().map(|k| k.secret));
    let (Some(k1), Some(k2)) = (k1, k2) else {
        unreachable!()
    };
    let mut txn = Transaction::new_unsigned(
        vec![sha256(b"in1"), sha256(b"in2")],
        vec![
            skyx_coins::sky::transaction::TransactionOutput {
                address: Address::from_secret(&k1),
                coins: 1_000_000,
                hours: 10,
            },
            skyx_coins::sky::transaction::TransactionOutput {
                address: Address::from_secret(&k2),
                coins: 2_000_000,
                hours: 5,
            },
        ],
    );
    txn.sign_inputs(&[k1, k2]).unwrap_or_else(|e| panic!("{e}"));
    Fixture {
        secret: pair.secret,
        public: pair.public,
        address: Address::from_pubkey(&pair.public),
        hash,
        sig,
        raw_sig,
        msg: Message::from_digest(hash.0),
        raw_tx: txn.encode(),
    }
}

type Op<'a> = Box<dyn Fn() + 'a>;

fn pairs(f: &Fixture) -> Vec<(&'static str, Op<'_>, Op<'_>)> {
    vec![
        (
            "verify",
            Box::new(|| {
                let _ = black_box(verify_pubkey(&f.public, &f.sig, &f.hash));
            }),
            Box::new(|| {
                let pk = SECP256K1.recover_ecdsa(&f.msg, &f.raw_sig);
                black_box(pk.map(|pk| pk == f.public).ok());
            }),
        ),
        (
            "verify_address",
            Box::new(|| {
                let _ = black_box(verify_address(&f.address, &f.sig, &f.hash));
            }),
            Box::new(|| {
                black_box(SECP256K1.recover_ecdsa(&f.msg, &f.raw_sig).ok());
            }),
        ),
        (
            "recover",
            Box::new(|| {
                let _ = black_box(recover_pubkey(&f.hash, &f.sig));
            }),
            Box::new(|| {
                black_box(SECP256K1.recover_ecdsa(&f.msg, &f.raw_sig).ok());
            }),
        ),
        (
            "address_from_secret",
            Box::new(|| {
                black_box(Address::from_secret(black_box(&f.secret)));
            }),
            Box::new(|| {
                black_box(PublicKey::from_secret_key(SECP256K1, black_box(&f.secret)));
            }),
        ),
        (
            "tx_view_txid",
            Box::new(|| {
                let view = TransactionView::parse(black_box(&f.raw_tx));
                black_box(view.map(|v| v.txid()).ok());
            }),
            Box::new(|| {
                black_box(sha2::Sha256::digest(black_box(&f.raw_tx)));
            }),
        ),
        (
            "tx_decode_txid",
            Box::new(|| {
                black_box(Transaction::decode_with_txid(black_box(&f.raw_tx)).ok());
            }),
            Box::new(|| {
                black_box(sha2::Sha256::digest(black_box(&f.raw_tx)));
            }),
        ),
    ]
}

fn criterion_benches(c: &mut Criterion, f: &Fixture) {
    for (name, ours, bare) in pairs(f) {
        let mut group = c.benchmark_group(name);
        group.bench_function("skyx", |b| b.iter(&ours));
        group.bench_function("bare", |b| b.iter(&bare));
        group.finish();
    }
}

/// Median time per call of `op` over `rounds` batches of `batch` calls.
fn time_per_call(op: &dyn Fn(), batch: u32) -> Duration {
    let start = Instant::now();
    for _ in 0..batch {
        op();
    }
    start.elapsed() / batch
}

fn ratio_summary(f: &Fixture) {
    println!("\nsummary: overhead of skyx over the bare operation (ours / bare; goal ≤ 1.10)");
    for (name, ours, bare) in pairs(f) {
        let (mut o, mut b) = (Vec::new(), Vec::new());
        // Interleave the two sides so drift affects both equally.
        for _ in 0..15 {
            o.push(time_per_call(&ours, 2_000));
            b.push(time_per_call(&bare, 2_000));
        }
        o.sort();
        b.sort();
        let (om, bm) = (o[o.len() / 2], b[b.len() / 2]);
        let ratio = om.as_secs_f64() / bm.as_secs_f64().max(f64::MIN_POSITIVE);
        println!(
            "  {name:<22} skyx {:>9.0} ns   bare {:>9.0} ns   ratio {ratio:.3}",
            om.as_secs_f64() * 1e9,
            bm.as_secs_f64() * 1e9
        );
    }
}

fn main() {
    let f = fixture();
    let mut c = Criterion::default()
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
        .configure_from_args();
    criterion_benches(&mut c, &f);
    c.final_summary();
    ratio_summary(&f);
}
