//! Speed of the node store, each figure against a baseline run in this process.
//!
//! 1. Ingest: a generated chain of `SKYX_BENCH_TXS` transactions (default
//!    1,000,000) is imported into a fresh store (full validation, every
//!    index, durable commits). The baseline is the bare work no validator
//!    can skip: recovering the public key of every input signature of the
//!    same chain, on all cores, timed before and after the import. Ratio =
//!    mean bare time / ingest time (goal ≥ 0.8).
//! 2. Append cost: single durable block appends on a store at height
//!    ~1,000 and on one of the same chain at `SKYX_BENCH_APPEND_BLOCKS`
//!    blocks (default 1,000,000; both built by bulk writes, as an import
//!    builds a store), timed in alternating rounds of one journal
//!    period each (so each includes one checkpoint). Ratio = median late /
//!    median early (goal ≤ 1.2).
//! 3. Lookups, single thread: transaction by id, one page (100) of the
//!    history of the address with the most entries, unspent outputs of that
//!    address, every output it received, one output by id — each timed
//!    over many calls.
//!
//! Prints one JSON object at the end. Run with
//! `cargo bench -p skyx-node --bench node_store` (about 12 minutes on two
//! cores, most of it generating and importing the 1M-block chain;
//! `SKYX_BENCH_TXS` and `SKYX_BENCH_APPEND_BLOCKS` make it smaller).

use std::path::Path;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde_json::json;
use skyx_coins::sky::address::Address;
use skyx_coins::sky::block::SignedBlock;
use skyx_coins::sky::hash::Sha256;
use skyx_node::chainfile::ChainFileReader;
use skyx_node::devnet::{generate, generate_to_file, GenerateOptions};
use skyx_node::import::{import_chain_file, progress_bar, ImportOptions};
use skyx_node::store::bulk::BulkWriter;
use skyx_node::store::{block_signers, ChainStore, StoreOptions};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn read_chain(path: &Path) -> Vec<SignedBlock> {
    let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ChainFileReader::new(std::io::BufReader::new(f))
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|b| b.unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// The import's options, from the variables the `skyx node import` command
/// also reads (its defaults otherwise).
fn import_options() -> ImportOptions {
    let defaults = ImportOptions::default();
    ImportOptions {
        commit_txs: env_u64("SKYX_IMPORT_COMMIT_EVERY", defaults.commit_txs),
        store: std::env::var("SKYX_STORE_CACHE_MB")
            .ok()
            .and_then(|v| v.parse().ok())
            .map_or(defaults.store, StoreOptions::with_cache_mib),
    }
}

/// Recovers the signer of every input of the chain in `file` on all cores,
/// nothing else: the time and the number of inputs.
fn bare_recovery(file: &Path) -> (Duration, usize) {
    let blocks = read_chain(file);
    let inputs: usize = blocks
        .iter()
        .flat_map(|b| &b.block.body.transactions)
        .map(|t| t.inputs.len())
        .sum();
    let started = Instant::now();
    let recovered: usize = blocks
        .par_iter()
        .filter(|b| b.block.seq() > 0)
        .map(|b| {
            b.block
                .body
                .transactions
                .iter()
                .map(|t| t.recover_signers().map(|s| s.len()).unwrap_or(0))
                .sum::<usize>()
        })
        .sum();
    let bare = started.elapsed();
    assert_eq!(recovered, inputs, "every signature recovers");
    (bare, inputs)
}

/// Ingest vs bare signature recovery.
fn ingest(dir: &Path) -> (serde_json::Value, ChainStore) {
    let txs = env_u64("SKYX_BENCH_TXS", 1_000_000);
    let per_block = 100u32;
    let opts = GenerateOptions {
        blocks: txs / u64::from(per_block) + 1,
        txs_per_block: per_block,
        seed: "bench-ingest".into(),
        ..GenerateOptions::default()
    };
    let file = dir.join("ingest.jsonl");
    eprintln!(
        "generating {} blocks × {per_block} transactions …",
        opts.blocks
    );
    let summary = generate_to_file(&opts, &file).unwrap_or_else(|e| panic!("generate: {e}"));
    eprintln!("{summary}");

    // Baseline: recover every input's signer, nothing else, on all cores;
    // measured before and after the import (the mean is used, so a drift in
    // the machine's speed during the run does not favour either side).
    let (bare_before, inputs) = bare_recovery(&file);
    // The import: full validation, every index, durable batches.
    let started = Instant::now();
    let (store, imported) = import_chain_file(&dir.join("ingest-store"), &file, &import_options())
        .unwrap_or_else(|e| panic!("import: {e}"));
    let ingest = started.elapsed();
    let (bare_after, _) = bare_recovery(&file);
    let bare = (bare_before + bare_after) / 2;
    let ratio = bare.as_secs_f64() / ingest.as_secs_f64();
    eprintln!(
        "ingest: parallel checks {:.1}s, writer {:.1}s (overlapping)",
        imported.verify_seconds, imported.write_seconds
    );
    eprintln!(
        "ingest: bare signature recovery {:.1}s before the import, {:.1}s after",
        bare_before.as_secs_f64(),
        bare_after.as_secs_f64()
    );
    eprintln!(
        "ingest: {} txs in {:.1}s = {:.0} txs/s; bare signature recovery of the {inputs} inputs {:.1}s; ratio {ratio:.3}",
        imported.transactions,
        ingest.as_secs_f64(),
        imported.transactions as f64 / ingest.as_secs_f64(),
        bare.as_secs_f64()
    );
    let _ = std::fs::remove_file(&file);
    (
        json!({
            "transactions": imported.transactions,
            "inputs": inputs,
            "ingest_seconds": ingest.as_secs_f64(),
            "ingest_txs_per_s": imported.transactions as f64 / ingest.as_secs_f64(),
            "bare_sig_recovery_seconds": bare.as_secs_f64(),
            "bare_sig_recovery_seconds_before": bare_before.as_secs_f64(),
            "bare_sig_recovery_seconds_after": bare_after.as_secs_f64(),
            "bare_sigs_per_s": inputs as f64 / bare.as_secs_f64(),
            "ratio_ingest_vs_bare_signatures": ratio,
            "import_verify_seconds": imported.verify_seconds,
            "import_write_seconds": imported.write_seconds,
        }),
        store,
    )
}

/// Signers of every block, recovered on all cores.
fn with_signers(blocks: Vec<SignedBlock>) -> Vec<(SignedBlock, skyx_coins::sky::chain::Signers)> {
    blocks
        .into_par_iter()
        .map(|b| {
            let signers = block_signers(&b).unwrap_or_else(|e| panic!("{e}"));
            (b, signers)
        })
        .collect()
}

/// Mean time per block of one round on `store`: `period` blocks appended
/// one durable write each, then `period` blocks in one durable batch (as
/// sync does). Each part starts on an empty journal and is one journal
/// period long, so each includes one checkpoint.
fn append_round(store: &ChainStore, blocks: &[SignedBlock], period: usize) -> (Duration, Duration) {
    let (single, batched) = blocks.split_at(period.min(blocks.len()));
    let per = |d: Duration, n: usize| d / u32::try_from(n).unwrap_or(u32::MAX).max(1);
    store.checkpoint().unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    for b in single {
        store
            .apply_block(b)
            .unwrap_or_else(|e| panic!("append {}: {e}", b.block.seq()));
    }
    let single_time = per(started.elapsed(), single.len());
    let batch = with_signers(batched.to_vec());
    store.checkpoint().unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    store.apply_blocks(batch).unwrap_or_else(|e| panic!("{e}"));
    (single_time, per(started.elapsed(), batched.len()))
}

/// The median of `v` (sorted in place).
fn median(v: &mut [Duration]) -> Duration {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// Append cost at a low and a high height. Two stores of the same chain,
/// one at height ~1,000 and one at `SKYX_BENCH_APPEND_BLOCKS`, are timed
/// in alternating rounds, so a drift in the machine's disk or CPU speed
/// hits both; the medians of the rounds are compared.
fn append_cost(dir: &Path) -> serde_json::Value {
    let total = env_u64("SKYX_BENCH_APPEND_BLOCKS", 1_000_000);
    let rounds = env_u64("SKYX_BENCH_APPEND_ROUNDS", 5);
    let period = skyx_node::store::journal::CHECKPOINT_BLOCKS;
    let sample = 2 * period * rounds;
    let early_start = 1_000u64;
    let late_start = total.max(early_start + sample);
    let opts = GenerateOptions {
        blocks: late_start + sample,
        txs_per_block: 2,
        seed: "bench-append".into(),
        ..GenerateOptions::default()
    };
    let spec = skyx_node::devnet::chain_spec(&opts).unwrap_or_else(|e| panic!("{e}"));
    let import = import_options();
    let open = |name: &str| {
        ChainStore::open_with(&dir.join(name), Some(&spec), &import.store)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let (early_store, late_store) = (open("append-early"), open("append-late"));
    eprintln!(
        "append cost: generating {} blocks, building stores at heights {early_start} and {late_start} …",
        opts.blocks + 1
    );
    // Blocks below `early_start` go to both stores; the early samples are
    // kept for the early store and also build the late store.
    let mut pending: Vec<SignedBlock> = Vec::new();
    let mut early: Vec<SignedBlock> = Vec::new();
    let mut late: Vec<SignedBlock> = Vec::new();
    let bar = progress_bar(Some(opts.blocks + 1), "append");
    // Both stores are built as an import builds a store (bulk writes,
    // durable commits as often as an import's); the timed appends
    // then go through the journal as a synced block does.
    let (mut early_writer, mut late_writer) = (early_store.bulk_writer(), late_store.bulk_writer());
    let write = |w: &mut BulkWriter<'_>,
                 batch: Vec<(SignedBlock, skyx_coins::sky::chain::Signers)>| {
        w.apply(batch).unwrap_or_else(|e| panic!("{e}"));
        if w.pending_transactions() >= import.commit_txs {
            w.commit().unwrap_or_else(|e| panic!("{e}"));
        }
    };
    let mut flush = |pending: &mut Vec<SignedBlock>, both: bool| {
        let batch = with_signers(std::mem::take(pending));
        if both {
            write(&mut early_writer, batch.clone());
        }
        write(&mut late_writer, batch);
    };
    generate(&opts, |b| -> Result<(), std::convert::Infallible> {
        let seq = b.block.seq();
        bar.inc(1);
        if seq >= late_start {
            late.push(b.clone());
            return Ok(());
        }
        if (early_start..early_start + sample).contains(&seq) {
            early.push(b.clone());
        }
        let both = seq < early_start;
        pending.push(b.clone());
        if pending.len() >= 512 || seq + 1 == early_start {
            flush(&mut pending, both);
        }
        Ok(())
    })
    .unwrap_or_else(|e| panic!("{e}"));
    if !pending.is_empty() {
        flush(&mut pending, false);
    }
    for mut w in [early_writer, late_writer] {
        w.commit().unwrap_or_else(|e| panic!("{e}"));
    }
    bar.finish_and_clear();
    let period = usize::try_from(period).unwrap_or(usize::MAX);
    let (mut early_single, mut early_batch, mut late_single, mut late_batch) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (e, l) in early.chunks(2 * period).zip(late.chunks(2 * period)) {
        let (s, b) = append_round(&early_store, e, period);
        early_single.push(s);
        early_batch.push(b);
        let (s, b) = append_round(&late_store, l, period);
        late_single.push(s);
        late_batch.push(b);
    }
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let all = |v: &[Duration]| v.iter().map(|d| us(*d).round()).collect::<Vec<_>>();
    eprintln!(
        "append rounds (µs/block), single: early {:?}, late {:?}; batched: early {:?}, late {:?}",
        all(&early_single),
        all(&late_single),
        all(&early_batch),
        all(&late_batch)
    );
    let (es, ls) = (median(&mut early_single), median(&mut late_single));
    let (eb, lb) = (median(&mut early_batch), median(&mut late_batch));
    let store_bytes = std::fs::metadata(late_store.path())
        .map(|m| m.len())
        .unwrap_or(0);
    let ratio = ls.as_secs_f64() / es.as_secs_f64();
    let batch_ratio = lb.as_secs_f64() / eb.as_secs_f64();
    eprintln!(
        "append, one durable write per block (median of {rounds} rounds): {:.0} µs at height {early_start}, {:.0} µs at height {late_start}; ratio {ratio:.3}",
        us(es),
        us(ls)
    );
    eprintln!(
        "append, batches of {period}: {:.0} µs/block at height {early_start}, {:.0} µs/block at height {late_start}; ratio {batch_ratio:.3}; late store file {} MiB",
        us(eb),
        us(lb),
        store_bytes >> 20
    );
    json!({
        "store_file_bytes": store_bytes,
        "rounds": rounds,
        "early_height": early_start,
        "late_height": late_start,
        "early_us_per_block": us(es),
        "late_us_per_block": us(ls),
        "ratio_late_vs_early": ratio,
        "batched_early_us_per_block": us(eb),
        "batched_late_us_per_block": us(lb),
        "batched_ratio_late_vs_early": batch_ratio,
    })
}

/// Mean time per call of `f` over `n` calls.
fn per_call<T>(n: u32, mut f: impl FnMut(u32) -> T) -> Duration {
    let started = Instant::now();
    for i in 0..n {
        std::hint::black_box(f(i));
    }
    started.elapsed() / n
}

fn lookups(store: &ChainStore) -> serde_json::Value {
    let head = store.height().unwrap_or(0);
    // Sample txids from across the chain.
    let mut txids: Vec<Sha256> = Vec::new();
    for seq in (1..=head).step_by((head as usize / 500).max(1)) {
        if let Ok(Some(b)) = store.block_by_seq(seq) {
            txids.extend(b.block.body.transactions.iter().take(2).map(|t| t.hash()));
        }
    }
    // The address with the most history among the first wallet keys.
    let mut best: Option<(Address, u64)> = None;
    let chain =
        skyx_node::devnet::keys::wallet_chain("bench-ingest").unwrap_or_else(|e| panic!("{e}"));
    for pair in chain.take(200) {
        let a = Address::from_pubkey(&pair.public);
        let n = store.address_tx_count(&a).unwrap_or(0);
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((a, n));
        }
    }
    let (address, entries) = best.unwrap_or((Address::NULL, 0));
    let tx = per_call(20_000, |i| {
        store.transaction(&txids[i as usize % txids.len()])
    });
    let page = per_call(2_000, |i| {
        let offset = u64::from(i * 100) % entries.max(1);
        store.address_history(&address, offset, 100, false)
    });
    let unspent = per_call(2_000, |_| store.address_unspent(&address));
    // Every output the address received (read through its history).
    let received = per_call(5, |_| store.address_outputs(&address));
    let received_ids: Vec<Sha256> = store
        .address_outputs(&address)
        .map(|v| v.iter().map(|r| r.ux.hash()).collect())
        .unwrap_or_default();
    let n_received = received_ids.len();
    // Outputs by id (spent or not), sampled across the address's outputs.
    let output = per_call(20_000, |i| {
        received_ids
            .get(i as usize % received_ids.len().max(1))
            .map(|id| store.output(id))
    });
    let n_unspent = store
        .address_unspent(&address)
        .map(|v| v.len())
        .unwrap_or(0);
    eprintln!(
        "lookups: tx by id {:.1} µs; history page of 100 (address with {entries} entries) {:.1} µs; {n_unspent} unspent outputs of it {:.1} µs",
        tx.as_secs_f64() * 1e6,
        page.as_secs_f64() * 1e6,
        unspent.as_secs_f64() * 1e6
    );
    eprintln!(
        "lookups: the {n_received} outputs it received {:.1} ms; one output by id {:.1} µs",
        received.as_secs_f64() * 1e3,
        output.as_secs_f64() * 1e6
    );
    json!({
        "output_by_id_us": output.as_secs_f64() * 1e6,
        "received_outputs_ms": received.as_secs_f64() * 1e3,
        "received_outputs": n_received,
        "tx_by_id_us": tx.as_secs_f64() * 1e6,
        "history_page_100_us": page.as_secs_f64() * 1e6,
        "history_entries_of_address": entries,
        "address_unspent_us": unspent.as_secs_f64() * 1e6,
        "address_unspent_outputs": n_unspent,
    })
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs a quick pass.
    let quick = std::env::args().all(|a| a != "--bench");
    if quick {
        std::env::set_var("SKYX_BENCH_TXS", "2000");
        std::env::set_var("SKYX_BENCH_APPEND_BLOCKS", "1100");
        std::env::set_var("SKYX_BENCH_APPEND_ROUNDS", "1");
    }
    let tmp = std::env::temp_dir().join(format!("skyx-node-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap_or_else(|e| panic!("{e}"));
    let (ingest, store) = ingest(&tmp);
    let lookups = lookups(&store);
    drop(store);
    let append = append_cost(&tmp);
    println!(
        "{}",
        json!({ "ingest": ingest, "append": append, "lookups": lookups })
    );
    let _ = std::fs::remove_dir_all(&tmp);
}
