//! Shared helpers of the `api_*` tests: the vectors folder, a store
//! imported from a reference database, and a running `skyx serve`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The shared vectors folder (`SKYX_VECTORS` or `../shared/vectors`).
pub fn vectors() -> PathBuf {
    match std::env::var_os("SKYX_VECTORS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors")),
    }
}

/// Imports a reference `data.db` into a fresh data directory.
pub fn import(db_name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = vectors().join("skycoin/chain").join(db_name);
    assert!(db.exists(), "vector file {} is required", db.display());
    let out = Command::new(env!("CARGO_BIN_EXE_skyx"))
        .args(["node", "import", "--data-dir"])
        .arg(dir.path())
        .arg(&db)
        .output()
        .expect("skyx runs");
    assert!(
        out.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// A running `skyx serve`, stopped on drop.
pub struct Server {
    child: Child,
    /// `host:port` of the plain HTTP listener.
    pub http: String,
    /// `host:port` of the HTTPS listener, when asked for.
    pub https: Option<String>,
}

impl Server {
    /// Starts `skyx serve --data-dir DIR --http 127.0.0.1:0 EXTRA…` and
    /// waits until it answers.
    pub fn start(data_dir: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_skyx"))
            .args(["serve", "--data-dir"])
            .arg(data_dir)
            .args(["--http", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("skyx serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("skyx serve prints its addresses");
        let v: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("first line is not JSON ({e}): {line:?}"));
        let http = v["http"].as_str().expect("http address").to_string();
        let https = v["https"].as_str().map(str::to_string);
        let server = Server { child, http, https };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if reqwest::blocking::get(server.url("/api/v1/version")).is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("skyx serve did not answer");
    }

    /// A URL on the plain listener.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.http, path)
    }

    /// Starts `skyx serve --data-dir DIR ARGS…` with exactly these
    /// arguments and returns once it printed its addresses (its listeners
    /// are bound by then). `http` is empty when it serves no plain HTTP.
    pub fn start_exact(data_dir: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_skyx"))
            .args(["serve", "--data-dir"])
            .arg(data_dir)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("skyx serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("skyx serve prints its addresses");
        let v: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("first line is not JSON ({e}): {line:?}"));
        let http = v["http"].as_str().unwrap_or_default().to_string();
        let https = v["https"].as_str().map(str::to_string);
        Server { child, http, https }
    }

    /// The process id of `skyx serve`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends signal `name` (`TERM`, `INT`, …) to the server (with the
    /// shell's own `kill`, present on any machine).
    pub fn signal(&self, name: &str) {
        let status = Command::new("sh")
            .args(["-c", "kill -s \"$0\" \"$1\"", name])
            .arg(self.pid().to_string())
            .status()
            .expect("sh runs");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits up to `limit` for the server to exit; `None` if it still runs.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A line of this server's `/proc/PID/status` (see [`proc_status`]).
    pub fn proc_status(&self, key: &str) -> u64 {
        proc_status(self.pid(), key)
    }
}

/// A line of `/proc/PID/status` (`VmRSS`, …) as its number (kB for sizes).
pub fn proc_status(pid: u32, key: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc/PID/status");
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {key} in /proc/{pid}/status"))
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free TCP port on loopback (bound and released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A blocking HTTP client.
pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client")
}
