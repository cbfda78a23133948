//! Crash safety of the node store: `skyx node import` of a generated chain is
//! killed with SIGKILL at random moments, many times. After every kill the
//! store must open, its height must never go backwards, and once the import
//! is allowed to finish the store must equal a clean import and verify clean.
//!
//! `SKYX_CRASH_ITERATIONS` sets the number of kills (default 50; the long
//! mode uses 1000). The random schedule is seeded (`SKYX_CRASH_SEED`) and
//! printed, so a failure can be replayed.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use serde_json::Value;

fn skyx(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skyx"))
        .args(args)
        .output()
        .expect("skyx runs")
}

fn status(dir: &Path) -> Value {
    let out = skyx(&[
        "node",
        "status",
        "--data-dir",
        dir.to_str().expect("utf-8 path"),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "store in {} does not open after a kill: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("status JSON")
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn import_survives_kill_9_at_random_moments() {
    let iterations = env_u64("SKYX_CRASH_ITERATIONS", 50);
    let seed = env_u64("SKYX_CRASH_SEED", 0x5eed);
    println!("crash test: {iterations} kills, seed {seed}");
    let tmp = tempfile::tempdir().expect("tempdir");
    let chain = tmp.path().join("chain.jsonl");
    let chain_s = chain.to_str().expect("utf-8 path");
    let out = skyx(&[
        "node",
        "devnet",
        "generate",
        "--blocks",
        "400",
        "--txs-per-block",
        "40",
        "--out",
        chain_s,
        "--seed",
        "crash-test",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let clean = tmp.path().join("clean");
    let out = skyx(&[
        "node",
        "import",
        "--data-dir",
        clean.to_str().expect("path"),
        chain_s,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = status(&clean);

    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut round = 0;
    let mut dir = tmp.path().join(format!("crash-{round}"));
    let mut last_height: i64 = -1;
    let (mut kills, mut finished, mut partial) = (0u64, 0u64, 0u64);
    let want_height = want["height"].as_i64().expect("height");
    while kills < iterations {
        // Small commit intervals: kills land before, between and inside
        // many durable commits, and resumes start from the middle.
        let mut child = Command::new(env!("CARGO_BIN_EXE_skyx"))
            .args([
                "node",
                "import",
                "--commit-every",
                "700",
                "--cache-mb",
                "32",
                "--data-dir",
                dir.to_str().expect("path"),
                chain_s,
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn import");
        std::thread::sleep(Duration::from_millis(rng.gen_range(2..400)));
        let done = child.try_wait().expect("try_wait").is_some();
        if !done {
            child.kill().expect("SIGKILL");
            kills += 1;
        }
        child.wait().expect("reap");
        if !dir.join("chain.redb").exists() {
            continue;
        }
        let now = status(&dir);
        let height = now["height"].as_i64().unwrap_or(-1);
        assert!(
            height >= last_height,
            "height went back from {last_height} to {height}"
        );
        if height > last_height && height > 0 && height < want_height {
            // A commit in the middle survived the kill.
            partial += 1;
        }
        last_height = height;
        if done || now == want {
            // This import reached the end: check it, then start over so the
            // remaining kills land mid-import again.
            assert_eq!(now, want, "a finished import differs from the clean one");
            finished += 1;
            round += 1;
            dir = tmp.path().join(format!("crash-{round}"));
            last_height = -1;
        }
    }
    // Let the last interrupted import finish and compare.
    let out = skyx(&[
        "node",
        "import",
        "--data-dir",
        dir.to_str().expect("path"),
        chain_s,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(status(&dir), want);
    let out = skyx(&[
        "node",
        "verify",
        "--data-dir",
        dir.to_str().expect("path"),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "verify after crashes: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    println!(
        "crash test: {kills} kills, {partial} kills left a partial import to resume, {finished} imports completed between kills"
    );
    assert!(
        partial > 0,
        "no kill landed between two commits: the test did not exercise resuming"
    );
}
