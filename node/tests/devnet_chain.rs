//! Synthetic devnet chains: every block passes the full validator, every
//! transaction the soft rules, and generation is deterministic.

use std::collections::HashSet;
use std::convert::Infallible;

use skyx_coins::sky::block::SignedBlock;
use skyx_coins::sky::chain::UnspentSet;
use skyx_coins::sky::coin_hours::{required_fee, BURN_FACTOR};
use skyx_coins::sky::transaction::input_hours;
use skyx_node::chainfile::{ChainFileReader, ChainSpec};
use skyx_node::devnet::{
    chain_spec, generate, generate_to_file, GenerateError, GenerateOptions, OptionsError,
};

fn opts(blocks: u64, txs: u32, seed: &str) -> GenerateOptions {
    GenerateOptions {
        blocks,
        txs_per_block: txs,
        seed: seed.to_string(),
        ..GenerateOptions::default()
    }
}

fn collect(o: &GenerateOptions) -> Vec<SignedBlock> {
    let mut blocks = Vec::new();
    let summary = generate(o, |b| {
        blocks.push(b.clone());
        Ok::<_, Infallible>(())
    })
    .unwrap();
    assert_eq!(summary.blocks, blocks.len() as u64);
    blocks
}

#[derive(Default, Debug)]
struct Seen {
    txs: usize,
    fan_in: HashSet<usize>,
    fan_out: HashSet<usize>,
    addresses: HashSet<String>,
}

/// Replays the chain through the full validator and checks the soft rules of
/// every transaction.
fn replay(spec: &ChainSpec, blocks: &[SignedBlock]) -> Seen {
    let publisher = spec.to_params().publisher_key().unwrap();
    let mut set = UnspentSet::new();
    let mut seen = Seen::default();
    for signed in blocks {
        let head_time = set.head().map(|h| h.time);
        let effects = set
            .apply(signed, &publisher, &spec.genesis_hash)
            .unwrap_or_else(|e| panic!("block {}: {e}", signed.block.seq()));
        let Some(head_time) = head_time else {
            continue;
        };
        assert!(!signed.block.body.transactions.is_empty());
        for (txn, fx) in signed
            .block
            .body
            .transactions
            .iter()
            .zip(&effects.transactions)
        {
            let hours_in = input_hours(head_time, &fx.spent).unwrap();
            assert!(fx.fee > 0, "zero fee in block {}", signed.block.seq());
            assert!(fx.fee >= required_fee(hours_in, BURN_FACTOR));
            assert!(txn.size() <= 32_768);
            for o in &txn.outputs {
                assert_eq!(o.coins % 1_000, 0, "more than 3 decimals");
                assert!(o.coins > 0);
                seen.addresses.insert(o.address.to_string());
            }
            seen.fan_in.insert(txn.inputs.len());
            seen.fan_out.insert(txn.outputs.len());
            seen.txs += 1;
        }
    }
    seen
}

#[test]
fn devnet_thirty_narrow_blocks_replay_through_the_validator() {
    let o = opts(30, 20, "narrow");
    let spec = chain_spec(&o).unwrap();
    let blocks = collect(&o);
    assert_eq!(blocks.len(), 31);
    let seen = replay(&spec, &blocks);
    // Block 1 spreads the genesis output; every later block is full.
    assert_eq!(blocks[1].block.body.transactions.len(), 1);
    assert!(blocks[2..]
        .iter()
        .all(|b| b.block.body.transactions.len() == 20));
    assert_eq!(seen.txs, 1 + 29 * 20);
    for n in 1..=4 {
        assert!(seen.fan_in.contains(&n), "fan-in {n}: {seen:?}");
    }
    for n in 1..=5 {
        assert!(seen.fan_out.contains(&n), "fan-out {n}: {seen:?}");
    }
    assert!(
        seen.addresses.len() > 300,
        "{} addresses",
        seen.addresses.len()
    );
}

#[test]
fn devnet_five_wide_blocks_replay_through_the_validator() {
    let o = opts(5, 200, "wide");
    let spec = chain_spec(&o).unwrap();
    let blocks = collect(&o);
    let seen = replay(&spec, &blocks);
    assert!(blocks[2..]
        .iter()
        .all(|b| b.block.body.transactions.len() == 200));
    assert_eq!(seen.txs, 1 + 4 * 200);
}

#[test]
fn devnet_short_block_intervals_still_pay_fees() {
    let o = GenerateOptions {
        block_interval_secs: 1,
        ..opts(25, 30, "fast blocks")
    };
    let blocks = collect(&o);
    replay(&chain_spec(&o).unwrap(), &blocks);
    assert_eq!(blocks[25].block.head.time, o.start_time + 25);
}

#[test]
fn devnet_same_options_same_chain() {
    let o = opts(8, 40, "determinism");
    let a = collect(&o);
    let b = collect(&o);
    assert_eq!(a, b);
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| collect(&o));
    assert_eq!(a, single, "the thread count does not change the chain");
    let c = collect(&opts(8, 40, "other seed"));
    assert_ne!(a[0], c[0]);
    assert_ne!(a[5].block.hash(), c[5].block.hash());
}

#[test]
fn devnet_chain_file_round_trip() {
    let o = opts(6, 50, "file");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("devnet.jsonl");
    let summary = generate_to_file(&o, &path).unwrap();
    assert_eq!(summary.blocks, 7);
    assert!(summary.txs_per_sec() > 0.0);
    assert!(summary.to_string().contains("txs/s"));
    let reader =
        ChainFileReader::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap())).unwrap();
    let spec = reader.spec().clone();
    assert_eq!(spec, chain_spec(&o).unwrap());
    let read: Vec<SignedBlock> = reader.map(|b| b.unwrap()).collect();
    assert_eq!(read, collect(&o));
    assert_eq!(read.last().unwrap().block.hash(), summary.head_hash);
    assert_eq!(summary.transactions, replay(&spec, &read).txs as u64);
}

#[test]
fn devnet_genesis_only_and_bad_options() {
    let blocks = collect(&opts(0, 10, "genesis only"));
    assert_eq!(blocks.len(), 1);
    let o = opts(3, 0, "x");
    assert_eq!(chain_spec(&o), Err(OptionsError::NoTransactions));
    match generate(&o, |_| Ok::<_, Infallible>(())) {
        Err(GenerateError::Options(OptionsError::NoTransactions)) => {}
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn devnet_unwritable_file_is_a_sink_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing").join("devnet.jsonl");
    match generate_to_file(&opts(2, 3, "nowhere"), &path) {
        Err(GenerateError::Sink { seq: 0, .. }) => {}
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn devnet_sink_errors_stop_generation_at_their_block() {
    let o = opts(10, 5, "sink");
    let mut count = 0;
    let result = generate(&o, |_| {
        count += 1;
        if count == 4 {
            Err("disk full")
        } else {
            Ok(())
        }
    });
    match result {
        Err(GenerateError::Sink { seq: 3, source }) => assert_eq!(source, "disk full"),
        other => panic!("unexpected {other:?}"),
    }
}

/// A chain written to a file streams back through the full validator; the
/// generation rate is printed. Small by default; for a rate figure run in
/// release with a bigger chain: `SKYX_DEVNET_BLOCKS=2000 SKYX_DEVNET_TXS=100
/// cargo test --release -p skyx-node --test devnet_chain -- --nocapture`.
#[test]
fn devnet_generation_rate() {
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let o = opts(
        env("SKYX_DEVNET_BLOCKS", 200),
        env("SKYX_DEVNET_TXS", 50) as u32,
        "rate",
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("devnet.jsonl");
    let summary = generate_to_file(&o, &path).unwrap();
    let bytes = std::fs::metadata(&path).unwrap().len();
    println!("{summary}; file {} MB", bytes / 1_000_000);
    // Stream the file back through the validator without holding the chain.
    let reader =
        ChainFileReader::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap())).unwrap();
    let spec = reader.spec().clone();
    let publisher = spec.to_params().publisher_key().unwrap();
    let mut set = UnspentSet::new();
    for block in reader {
        set.apply(&block.unwrap(), &publisher, &spec.genesis_hash)
            .unwrap();
    }
    assert_eq!(set.head().unwrap().hash(), summary.head_hash);
    assert_eq!(set.len(), summary.unspent_outputs);
}
