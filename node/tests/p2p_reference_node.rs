//! skyx against the reference Skycoin node (Go, v0.26) over the wire:
//!
//! 1. the Go node publishes a private chain; skyx connects, relays a
//!    transaction into it (ANNT → GETT → GIVT), the Go node mints it into a
//!    block and skyx takes that block; twice. A fresh skyx store then syncs
//!    the same blocks from the Go node with `sync_once`.
//! 2. skyx serves a devnet chain; a fresh Go node configured with that
//!    chain's genesis and publisher dials skyx and reaches the same head,
//!    checked through its REST API.
//!
//! Needs the Go node binary: `tests/peers/build-skycoin-node.sh` builds it
//! and `tests/run` exports its path as `SKYX_GO_NODE`. Without it the test
//! fails and says so.

use std::convert::Infallible;
use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use skyx_coins::sky::address::Address;
use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::signature::Sig;
use skyx_coins::sky::transaction::{Transaction, TransactionOutput};
use skyx_node::chainfile::ChainSpec;
use skyx_node::devnet::{chain_spec, generate, GenerateOptions};
use skyx_node::import::import_blocks;
use skyx_node::p2p::{ensure_genesis, sync_once, PeerConfig, PeerNode};
use skyx_node::store::ChainStore;
use tempfile::TempDir;

/// The private chain of the Go publisher (keys of
/// `tests/peers/skycoin-private-chain.sh`): one key is both the block
/// publisher and the owner of the genesis coins.
const GO_PUBKEY: &str = "02deaa6d96e7b42d34c0a340beadb54126439e9c6119ecf04e530fcb3d5c65184d";
const GO_SECKEY: &str = "bd186ed3654a08cab8da14bd2cdfbe2d1cd440a7f0368943b59769b396815268";
const GO_GENESIS_ADDRESS: &str = "2hjTpHBTwK9vbd4EA8F8D4a7k6n3poyWFwu";
const GO_GENESIS_TIME: u64 = 1_426_562_704;
/// The reference node's genesis coins (and hours) for any chain.
const GENESIS_COINS: u64 = 100_000_000_000_000;
/// A second address of the same seed.
const OTHER_ADDRESS: &str = "2BuvFUomv2maPweExegkdZyeDioGLK29ig8";

fn go_binary() -> PathBuf {
    let Some(path) = std::env::var_os("SKYX_GO_NODE") else {
        panic!(
            "SKYX_GO_NODE is not set: this test needs the reference Skycoin node. \
             Build it with tests/peers/build-skycoin-node.sh and set SKYX_GO_NODE \
             to the path it prints (tests/run does both)."
        );
    };
    let path = PathBuf::from(path);
    assert!(
        path.is_file(),
        "SKYX_GO_NODE={} is not a file: build it with tests/peers/build-skycoin-node.sh",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running reference node; killed when dropped.
struct GoNode {
    child: Child,
    dir: TempDir,
    p2p: SocketAddr,
    web_port: u16,
}

impl GoNode {
    /// Starts the node with the flags every test uses plus `extra`.
    fn start(extra: &[String]) -> GoNode {
        let dir = TempDir::new().unwrap();
        let port = free_port();
        let web_port = free_port();
        let log = File::create(dir.path().join("node.log")).unwrap();
        let mut args: Vec<String> = [
            "-localhost-only",
            "-disable-default-peers",
            "-download-peerlist=false",
            "-enable-all-api-sets",
            "-launch-browser=false",
            "-enable-gui=false",
            "-web-interface-addr",
            "127.0.0.1",
            "-address",
            "127.0.0.1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend([
            "-data-dir".into(),
            dir.path().join("data").display().to_string(),
            "-port".into(),
            port.to_string(),
            "-web-interface-port".into(),
            web_port.to_string(),
        ]);
        args.extend(extra.iter().cloned());
        let child = Command::new(go_binary())
            .args(&args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start the reference node");
        let node = GoNode {
            child,
            dir,
            p2p: SocketAddr::from(([127, 0, 0, 1], port)),
            web_port,
        };
        node.wait("its REST API", Duration::from_secs(30), |n| {
            n.get("/api/v1/health").is_some()
        });
        node
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("node.log")).unwrap_or_default()
    }

    /// The last lines of its log, for failure messages.
    fn log_tail(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Polls `cond` every 100 ms; fails with the node's log after `limit`.
    fn wait(&self, what: &str, limit: Duration, mut cond: impl FnMut(&GoNode) -> bool) {
        let start = Instant::now();
        while !cond(self) {
            if start.elapsed() > limit {
                panic!(
                    "timed out after {limit:?} waiting for {what}; reference node log:\n{}",
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// GET on its REST API; `None` while it is not answering.
    fn get(&self, path: &str) -> Option<Value> {
        let mut s = TcpStream::connect(("127.0.0.1", self.web_port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        let req = format!(
            "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\nAccept: application/json\r\n\r\n",
            self.web_port
        );
        s.write_all(req.as_bytes()).ok()?;
        let mut resp = Vec::new();
        s.read_to_end(&mut resp).ok()?;
        let text = String::from_utf8_lossy(&resp);
        let (head, body) = text.split_once("\r\n\r\n")?;
        if !head.starts_with("HTTP/1.0 200") && !head.starts_with("HTTP/1.1 200") {
            return None;
        }
        serde_json::from_str(body).ok()
    }

    /// `(seq, hash)` of its head block.
    fn head(&self) -> Option<(u64, Sha256)> {
        let meta = self.get("/api/v1/blockchain/metadata")?;
        let seq = meta["head"]["seq"].as_u64()?;
        let hash = meta["head"]["block_hash"].as_str()?.parse().ok()?;
        Some((seq, hash))
    }

    fn open_connections(&self) -> u64 {
        self.get("/api/v1/health")
            .and_then(|h| h["open_connections"].as_u64())
            .unwrap_or(0)
    }
}

impl Drop for GoNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn head_of(store: &ChainStore) -> Option<(u64, Sha256)> {
    store.head().header.map(|h| (h.bk_seq, h.hash()))
}

/// Waits (async) for `cond`, failing with the Go node's log.
async fn wait_for(go: &GoNode, what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        if start.elapsed() > limit {
            panic!(
                "timed out after {limit:?} waiting for {what}; reference node log:\n{}",
                go.log_tail()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The chain spec of the Go publisher's private chain.
fn go_chain_spec() -> ChainSpec {
    let mut spec = ChainSpec {
        genesis_hash: Sha256::ZERO,
        genesis_signature: None,
        publisher_pubkey: GO_PUBKEY.into(),
        genesis_address: GO_GENESIS_ADDRESS.into(),
        genesis_coins: GENESIS_COINS,
        genesis_hours: GENESIS_COINS,
        genesis_timestamp: GO_GENESIS_TIME,
    };
    spec.genesis_hash = spec.to_params().genesis_block().hash();
    spec
}

/// A transaction spending every unspent output of the genesis address at
/// the head: 1,000 SKY to another address, the rest back, a quarter of the
/// hours kept (the rest burned as the fee).
fn payment(store: &ChainStore) -> Transaction {
    let from: Address = GO_GENESIS_ADDRESS.parse().unwrap();
    let to: Address = OTHER_ADDRESS.parse().unwrap();
    let head_time = store.head().header.unwrap().time;
    let unspent = store.address_unspent(&from).unwrap();
    assert!(
        !unspent.is_empty(),
        "the genesis address has nothing to spend"
    );
    let coins: u64 = unspent.iter().map(|u| u.body.coins).sum();
    let hours: u64 = unspent
        .iter()
        .map(|u| u.coin_hours(head_time).unwrap())
        .sum();
    let send = 1_000_000_000;
    let keep = hours / 4;
    let mut txn = Transaction::new_unsigned(
        unspent.iter().map(|u| u.hash()).collect(),
        vec![
            TransactionOutput {
                address: to,
                coins: send,
                hours: keep / 2,
            },
            TransactionOutput {
                address: from,
                coins: coins - send,
                hours: keep - keep / 2,
            },
        ],
    );
    let secret = secp256k1::SecretKey::from_slice(&const_hex::decode(GO_SECKEY).unwrap()).unwrap();
    let keys = vec![secret; unspent.len()];
    txn.sign_inputs(&keys).unwrap();
    txn
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn p2p_skyx_syncs_blocks_published_by_the_reference_node() {
    let go = GoNode::start(&[
        "-block-publisher".into(),
        "-blockchain-public-key".into(),
        GO_PUBKEY.into(),
        "-blockchain-secret-key".into(),
        GO_SECKEY.into(),
        "-genesis-address".into(),
        GO_GENESIS_ADDRESS.into(),
        "-genesis-timestamp".into(),
        GO_GENESIS_TIME.to_string(),
        "-disable-pex".into(),
    ]);
    let spec = go_chain_spec();
    assert_eq!(
        go.head(),
        Some((0, spec.genesis_hash)),
        "skyx computes the same genesis block as the reference"
    );
    // The publisher signs its genesis block at first start (with a random
    // nonce) and logs the signature: peers of the chain are configured with it.
    let log = go.log();
    let sig: Sig = log
        .split("Genesis block signature=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the publisher logs its genesis signature")
        .parse()
        .unwrap();

    let dir = TempDir::new().unwrap();
    let store = Arc::new(ChainStore::open(dir.path(), Some(&spec)).unwrap());
    let config = PeerConfig {
        peers: vec![go.p2p],
        genesis_signature: Some(sig),
        progress: false,
        ..PeerConfig::default()
    };
    let node = PeerNode::start(store.clone(), config).await.unwrap();
    wait_for(&go, "skyx to connect", Duration::from_secs(20), || {
        !node.peers().is_empty()
    })
    .await;
    let peer = &node.peers()[0];
    assert!(
        peer.user_agent.starts_with("skycoin:0.26"),
        "{}",
        peer.user_agent
    );
    go.wait("the reference to list skyx", Duration::from_secs(10), |g| {
        g.open_connections() == 1
    });

    for round in 1..=2u64 {
        let txn = payment(&store);
        let txid = store.inject(txn, 1).unwrap();
        let started = Instant::now();
        assert_eq!(
            node.announce_txns(vec![txid]),
            1,
            "skyx lost the reference; its log:\n{}",
            go.log_tail()
        );
        // The publisher mints a block of its pool every 10 s.
        wait_for(
            &go,
            "skyx to receive the block with the relayed transaction",
            Duration::from_secs(40),
            || store.height() == Some(round),
        )
        .await;
        eprintln!(
            "block {round}: relayed, minted by the reference and received in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        assert!(store.transaction(&txid).unwrap().is_some());
        assert!(store.unconfirmed_txn(&txid).unwrap().is_none());
        assert_eq!(go.head(), head_of(&store), "same head after block {round}");
    }

    // A fresh store takes the same blocks from the reference in one go.
    let fresh_dir = TempDir::new().unwrap();
    let fresh = Arc::new(ChainStore::open(fresh_dir.path(), Some(&spec)).unwrap());
    ensure_genesis(&fresh, Some(sig)).unwrap();
    let summary = sync_once(fresh.clone(), go.p2p, Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(summary.blocks, 2);
    assert_eq!(head_of(&fresh), head_of(&store));
    assert!(summary.user_agent.starts_with("skycoin:"));
    eprintln!(
        "sync_once from the reference: {} blocks in {:.2} s",
        summary.blocks, summary.seconds
    );
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn p2p_reference_node_syncs_from_skyx() {
    let opts = GenerateOptions {
        blocks: 300,
        txs_per_block: 10,
        seed: "reference node sync chain".into(),
        ..GenerateOptions::default()
    };
    let spec = chain_spec(&opts).unwrap();
    let mut blocks = Vec::new();
    generate(&opts, |b| {
        blocks.push(b.clone());
        Ok::<_, Infallible>(())
    })
    .unwrap();
    let dir = TempDir::new().unwrap();
    let store = Arc::new(ChainStore::open(dir.path(), Some(&spec)).unwrap());
    import_blocks(
        &store,
        blocks.clone().into_iter().map(Ok),
        &indicatif::ProgressBar::hidden(),
        &Default::default(),
    )
    .unwrap();
    let top = blocks.len() as u64 - 1;

    let config = PeerConfig {
        listen: Some("127.0.0.1:0".parse().unwrap()),
        progress: false,
        ..PeerConfig::default()
    };
    let node = PeerNode::start(store.clone(), config).await.unwrap();
    let addr = node.local_addr().unwrap();

    // A fresh reference node of that chain, told of skyx only.
    let peers_file = dir.path().join("peers.txt");
    std::fs::write(&peers_file, format!("{addr}\n")).unwrap();
    let started = Instant::now();
    let go = GoNode::start(&[
        "-blockchain-public-key".into(),
        spec.publisher_pubkey.clone(),
        "-genesis-address".into(),
        spec.genesis_address.clone(),
        "-genesis-timestamp".into(),
        spec.genesis_timestamp.to_string(),
        "-genesis-signature".into(),
        blocks[0].sig.to_hex(),
        "-custom-peers-file".into(),
        path_str(&peers_file),
    ]);
    assert_eq!(go.head().map(|h| h.1), Some(spec.genesis_hash));
    go.wait(
        "the reference to sync from skyx",
        Duration::from_secs(60),
        |g| g.head().is_some_and(|(seq, _)| seq == top),
    );
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "reference node synced {top} blocks from skyx in {secs:.1} s (including its start; {:.0} blocks/s)",
        top as f64 / secs
    );
    assert_eq!(go.head(), head_of(&store));
    let peers = node.peers();
    assert_eq!(peers.len(), 1);
    assert!(!peers[0].outgoing);
    assert!(peers[0].user_agent.starts_with("skycoin:0.26"));
    node.stop().await;
}

fn path_str(p: &Path) -> String {
    p.display().to_string()
}
