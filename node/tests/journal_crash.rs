//! Single block appends are durable through the block journal. A child
//! process (this test binary, re-run in child mode) appends a generated
//! chain one block per write and prints each block it got an
//! acknowledgement for; it is killed with SIGKILL at random moments. After
//! every kill the store opens (replaying the journal), holds every
//! acknowledged block and never goes back; the chain, once appended to the
//! end, equals a clean import and verifies clean. After some kills the
//! store is rebuilt by `repair` instead, which must keep the journaled
//! blocks too.
//!
//! `SKYX_JOURNAL_KILLS` sets the number of kills (default 25); the random
//! schedule is seeded by `SKYX_CRASH_SEED` and printed.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use redb::ReadableDatabase;
use skyx_node::chainfile::ChainFileReader;
use skyx_node::devnet::{generate_to_file, GenerateOptions};
use skyx_node::import::{import_chain_file, ImportOptions};
use skyx_node::repair::{repair, RepairSource};
use skyx_node::store::journal::{read_journal, Journal, JOURNAL_FILE};
use skyx_node::store::tables::{META, META_HEAD};
use skyx_node::store::{ChainStore, STORE_FILE};

const TEST_NAME: &str = "acknowledged_appends_survive_kill_9";
/// Set in the child: the data directory to append into.
const CHILD_DIR: &str = "SKYX_JOURNAL_CHILD_DIR";
/// Set in the child: the chain file to append from.
const CHILD_CHAIN: &str = "SKYX_JOURNAL_CHILD_CHAIN";

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A generated chain of `blocks` blocks (2 transactions each) in `dir/chain.jsonl`.
fn generated_chain(dir: &Path, blocks: u64, seed: &str) -> PathBuf {
    let opts = GenerateOptions {
        blocks,
        txs_per_block: 2,
        seed: seed.into(),
        ..GenerateOptions::default()
    };
    let file = dir.join("chain.jsonl");
    generate_to_file(&opts, &file).expect("generate");
    file
}

/// The blocks of the chain file at `path`.
fn chain_reader(path: &Path) -> ChainFileReader<BufReader<std::fs::File>> {
    ChainFileReader::new(BufReader::new(
        std::fs::File::open(path).expect("chain file"),
    ))
    .expect("chain header")
}

/// Child mode: appends every block of the chain above the store's head,
/// one durable write each, printing `acked SEQ` after each returns.
fn append_one_by_one(dir: &Path, chain: &Path) -> ! {
    let reader = chain_reader(chain);
    let store = ChainStore::open(dir, Some(&reader.spec().clone())).expect("open store");
    let height = store.height();
    for block in reader {
        let block = block.expect("block");
        if height.is_some_and(|h| block.block.seq() <= h) {
            continue;
        }
        store.apply_block(&block).expect("append");
        println!("acked {}", block.block.seq());
    }
    drop(store);
    std::process::exit(0)
}

/// The head seq of the store file as last made durable, read without the
/// journal (`None` for an empty store).
fn durable_head(dir: &Path) -> Option<u64> {
    let db = redb::Database::open(dir.join(STORE_FILE)).expect("store file opens");
    let r = db.begin_read().expect("read");
    let meta = r.open_table(META).expect("meta");
    let v = meta.get(META_HEAD).expect("head")?;
    let bytes: [u8; 8] = v.value().try_into().expect("8-byte head");
    Some(u64::from_le_bytes(bytes))
}

#[test]
fn acknowledged_appends_survive_kill_9() {
    if let (Ok(dir), Ok(chain)) = (std::env::var(CHILD_DIR), std::env::var(CHILD_CHAIN)) {
        append_one_by_one(Path::new(&dir), Path::new(&chain));
    }
    let kills_wanted = env_u64("SKYX_JOURNAL_KILLS", 25);
    let seed = env_u64("SKYX_CRASH_SEED", 0x5eed);
    println!("journal crash test: {kills_wanted} kills, seed {seed}");
    let tmp = tempfile::tempdir().expect("tempdir");
    let chain = generated_chain(tmp.path(), 300, "journal-crash");
    let (clean, _) =
        import_chain_file(&tmp.path().join("clean"), &chain, &ImportOptions::default())
            .expect("clean import");
    let want = clean.status().expect("status");
    drop(clean);

    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut round = 0;
    let mut dir: PathBuf = tmp.path().join("crash-0");
    let mut last_height: Option<u64> = None;
    let (mut kills, mut replayed, mut finished, mut repaired) = (0u64, 0u64, 0u64, 0u64);
    while kills < kills_wanted {
        let mut child = Command::new(std::env::current_exe().expect("test binary"))
            .args(["--exact", TEST_NAME, "--nocapture", "--test-threads", "1"])
            .env(CHILD_DIR, &dir)
            .env(CHILD_CHAIN, &chain)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn child");
        let out = child.stdout.take().expect("child stdout");
        let acks = std::thread::spawn(move || {
            BufReader::new(out)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| l.strip_prefix("acked ")?.parse::<u64>().ok())
                .max()
        });
        std::thread::sleep(Duration::from_millis(rng.gen_range(20..600)));
        let done = child.try_wait().expect("try_wait").is_some();
        if !done {
            child.kill().expect("SIGKILL");
            kills += 1;
        }
        let status = child.wait().expect("reap");
        let acked = acks.join().expect("reader");
        if done {
            assert!(status.success(), "the appending child failed");
        }
        if !dir.join(STORE_FILE).exists() {
            continue;
        }
        // What the journal must bring back: its blocks above the durable head.
        let durable = durable_head(&dir);
        let above = read_journal(&dir)
            .expect("journal readable")
            .iter()
            .filter(|b| durable.is_none_or(|h| b.block.seq() > h))
            .count() as u64;
        replayed += above;
        if above > 0 && kills % 4 == 0 {
            let report = repair(&dir, None, RepairSource::None).expect("repair");
            assert!(
                report.height >= acked,
                "repair lost acknowledged block {acked:?}: {report:?}"
            );
            repaired += 1;
        }
        let store = ChainStore::open(&dir, None).expect("store opens after a kill");
        let height = store.height();
        assert!(
            height >= acked,
            "acknowledged block {acked:?} lost: height {height:?}"
        );
        assert!(
            height >= last_height,
            "height went back from {last_height:?} to {height:?}"
        );
        last_height = height;
        if done || height == want.height {
            assert_eq!(store.status().expect("status"), want);
            let (_, report) = skyx_node::verify::verify_store(store).expect("verify runs");
            assert!(report.ok, "verify after kills: {:?}", report.problems);
            finished += 1;
            round += 1;
            dir = tmp.path().join(format!("crash-{round}"));
            last_height = None;
        }
    }
    println!(
        "journal crash test: {kills} kills, {replayed} journaled blocks replayed, {repaired} repairs, {finished} chains appended to the end"
    );
    assert!(
        repaired > 0,
        "no repair ran on a store with journaled blocks"
    );
    assert!(
        replayed > 0,
        "no kill left journaled blocks above the durable head: the test did not exercise the replay"
    );
}

/// A journal left beside a deleted store file does not continue the new
/// store's head: the store opens without it and keeps it aside.
#[test]
fn a_journal_of_another_store_file_is_set_aside() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let chain = generated_chain(tmp.path(), 12, "stale-journal");
    let reader = chain_reader(&chain);
    let spec = reader.spec().clone();
    let blocks: Vec<_> = reader.map(|b| b.expect("block")).collect();
    let dir = tmp.path().join("store");
    {
        let store = ChainStore::open(&dir, Some(&spec)).expect("open");
        for b in &blocks[..9] {
            store.apply_block(b).expect("append");
        }
    }
    // The store file is deleted; a journal holding blocks 6..9 stays.
    std::fs::remove_file(dir.join(STORE_FILE)).expect("remove store");
    {
        let (mut j, _) = Journal::open(&dir).expect("journal");
        j.append(&blocks[6..9]).expect("append");
    }
    let store = ChainStore::open(&dir, Some(&spec)).expect("opens without the stale journal");
    assert_eq!(store.height(), None);
    let stale = dir.join(format!("{JOURNAL_FILE}.stale"));
    let kept = std::fs::read(&stale).expect("journal kept aside");
    assert!(!kept.is_empty());
    assert!(read_journal(&dir).expect("journal").is_empty());
    // The new store takes the chain from the start.
    for b in &blocks {
        store.apply_block(b).expect("append");
    }
    assert_eq!(store.height(), Some(blocks.len() as u64 - 1));
}
