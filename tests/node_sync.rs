//! Two `skyx node run` processes on 127.0.0.1 sync over the Skycoin wire
//! protocol: one serves an imported chain, one starts empty and must reach
//! the same head hash. Also `skyx node repair --peer` refetching from a
//! running node.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

fn skyx(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skyx"))
        .args(args)
        .output()
        .expect("skyx runs")
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// A running `skyx node run`, stopped (SIGKILL) when dropped.
struct Node {
    child: Child,
    lines: mpsc::Receiver<Value>,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_reader(stdout: ChildStdout) -> mpsc::Receiver<Value> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                if tx.send(v).is_err() {
                    return;
                }
            }
        }
    });
    rx
}

fn start(args: &[&str]) -> Node {
    let mut child = Command::new(env!("CARGO_BIN_EXE_skyx"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn skyx node run");
    let stdout = child.stdout.take().expect("stdout");
    Node {
        child,
        lines: spawn_reader(stdout),
    }
}

impl Node {
    /// Waits for a JSON line satisfying `want`.
    fn wait_for(&self, timeout: Duration, want: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(v) if want(&v) => return v,
                Ok(_) => {}
                Err(e) => panic!("node did not report what was expected in time: {e}"),
            }
        }
    }
}

#[test]
fn an_empty_node_syncs_a_private_chain_from_another_process() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let chain = tmp.path().join("chain.jsonl");
    let out = skyx(&[
        "node",
        "devnet",
        "generate",
        "--blocks",
        "150",
        "--txs-per-block",
        "20",
        "--out",
        p(&chain),
        "--seed",
        "sync-test",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let a_dir = tmp.path().join("a");
    let out = skyx(&[
        "node",
        "import",
        "--data-dir",
        p(&a_dir),
        p(&chain),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let imported: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let want_head = imported["head_hash"].clone();

    let a = start(&[
        "node",
        "run",
        "--data-dir",
        p(&a_dir),
        "--listen",
        "127.0.0.1:0",
    ]);
    let hello = a.wait_for(Duration::from_secs(20), |v| v.get("listening").is_some());
    let addr = hello["listening"]
        .as_str()
        .expect("listening address")
        .to_string();

    let b_dir = tmp.path().join("b");
    let b = start(&[
        "node",
        "run",
        "--data-dir",
        p(&b_dir),
        "--chain",
        p(&chain),
        "--peer",
        &addr,
    ]);
    let reached = b.wait_for(Duration::from_secs(120), |v| {
        v.get("head_hash") == Some(&want_head)
    });
    assert_eq!(reached["height"], imported["height"]);
    drop(b);

    // B's store, opened again after the process is gone, verifies clean.
    let out = skyx(&["node", "verify", "--data-dir", p(&b_dir), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // A third store repaired from the running node A gets the whole chain.
    let c_dir = tmp.path().join("c");
    let out = skyx(&["node", "import", "--data-dir", p(&c_dir), p(&chain)]);
    assert!(out.status.success());
    std::fs::remove_file(c_dir.join("chain.redb")).expect("remove store");
    let out = skyx(&[
        "node",
        "repair",
        "--data-dir",
        p(&c_dir),
        "--peer",
        &addr,
        "--json",
    ]);
    // With no store left and no chain file, repair starts a mainnet store:
    // the peer is another chain and must be refused.
    assert!(
        !out.status.success(),
        "repairing from a peer of another chain must fail"
    );
    let c2 = tmp.path().join("c2");
    let out = skyx(&["node", "import", "--data-dir", p(&c2), p(&chain)]);
    assert!(out.status.success());
    let store = c2.join("chain.redb");
    let len = std::fs::metadata(&store).expect("metadata").len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&store)
        .expect("open")
        .set_len(len / 3)
        .expect("truncate");
    let out = skyx(&[
        "node",
        "repair",
        "--data-dir",
        p(&c2),
        "--peer",
        &addr,
        "--chain",
        p(&chain),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "repair --peer: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["head_hash"], want_head, "{report}");
}
