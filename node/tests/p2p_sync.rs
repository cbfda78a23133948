//! Two (or three) skyx peer nodes in one process on 127.0.0.1 sync over the
//! reference's wire protocol: the real 181-block mainnet chain and a private
//! devnet chain reach the same head, a transaction is relayed, and peers that
//! break the rules (wrong genesis, no introduction, oversized frames,
//! undecodable bodies, invalid blocks) are disconnected with the reason the
//! reference would give.
//!
//! Vector file read: skycoin/chain/blockchain-180.blocks.jsonl.

use std::convert::Infallible;
use std::io::BufReader;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use skyx_coins::sky::address::Address;
use skyx_coins::sky::block::SignedBlock;
use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::params::MAINNET;
use skyx_coins::sky::peer::{
    decode_frame, encode_frame, DisconnectReason, Extra, GiveBlocks, LocalPeer, Message,
};
use skyx_coins::sky::transaction::{Transaction, TransactionOutput};
use skyx_node::chainfile::{ChainFileReader, ChainSpec};
use skyx_node::devnet::keys::wallet_chain;
use skyx_node::devnet::{chain_spec, generate, GenerateOptions};
use skyx_node::import::{import_blocks, import_chain_file};
use skyx_node::p2p::{ensure_genesis, sync_once, P2pError, PeerConfig, PeerNode};
use skyx_node::store::ChainStore;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn chain_file() -> PathBuf {
    let base = match std::env::var_os("SKYX_VECTORS") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors")),
    };
    base.join("skycoin/chain/blockchain-180.blocks.jsonl")
}

fn mainnet_blocks() -> Vec<SignedBlock> {
    let path = chain_file();
    let file = std::fs::File::open(&path)
        .unwrap_or_else(|e| panic!("{} is required: {e}", path.display()));
    ChainFileReader::new(BufReader::new(file))
        .unwrap()
        .map(|b| b.unwrap())
        .collect()
}

/// A store in a fresh directory holding the mainnet chain of the vectors.
fn mainnet_store() -> (TempDir, Arc<ChainStore>) {
    let dir = TempDir::new().unwrap();
    let (store, summary) =
        import_chain_file(dir.path(), &chain_file(), &Default::default()).unwrap();
    assert_eq!(summary.imported, 181);
    (dir, Arc::new(store))
}

fn empty_store(spec: Option<&ChainSpec>) -> (TempDir, Arc<ChainStore>) {
    let dir = TempDir::new().unwrap();
    let store = ChainStore::open(dir.path(), spec).unwrap();
    (dir, Arc::new(store))
}

fn devnet_opts() -> GenerateOptions {
    GenerateOptions {
        blocks: 400,
        txs_per_block: 20,
        seed: "p2p sync test chain".into(),
        ..GenerateOptions::default()
    }
}

/// A private devnet chain: its spec, its blocks and a store holding them.
fn devnet_store() -> (ChainSpec, Vec<SignedBlock>, TempDir, Arc<ChainStore>) {
    let opts = devnet_opts();
    let spec = chain_spec(&opts).unwrap();
    let mut blocks = Vec::new();
    generate(&opts, |b| {
        blocks.push(b.clone());
        Ok::<_, Infallible>(())
    })
    .unwrap();
    let (dir, store) = empty_store(Some(&spec));
    let bar = indicatif::ProgressBar::hidden();
    let started = Instant::now();
    import_blocks(
        &store,
        blocks.clone().into_iter().map(Ok),
        &bar,
        &Default::default(),
    )
    .unwrap();
    eprintln!(
        "devnet: local import of {} blocks in {:.2} s",
        blocks.len(),
        started.elapsed().as_secs_f64()
    );
    (spec, blocks, dir, store)
}

fn listen_config() -> PeerConfig {
    PeerConfig {
        listen: Some("127.0.0.1:0".parse().unwrap()),
        progress: false,
        ..PeerConfig::default()
    }
}

fn dial_config(peer: SocketAddr) -> PeerConfig {
    PeerConfig {
        peers: vec![peer],
        progress: false,
        request_interval: Duration::from_secs(1),
        ..PeerConfig::default()
    }
}

fn head_hash(store: &ChainStore) -> Option<Sha256> {
    store.head().header.map(|h| h.hash())
}

/// Polls `cond` every 20 ms until it holds or `limit` passes.
async fn wait_for(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn p2p_mainnet_chain_syncs_between_two_nodes() {
    let (_a_dir, a) = mainnet_store();
    let node_a = PeerNode::start(a.clone(), listen_config()).await.unwrap();
    let addr = node_a.local_addr().unwrap();

    // B starts empty (mainnet's genesis is built in) and dials A.
    let (_b_dir, b) = empty_store(None);
    let started = Instant::now();
    let config = PeerConfig {
        listen: Some("127.0.0.1:0".parse().unwrap()),
        ..dial_config(addr)
    };
    let node_b = PeerNode::start(b.clone(), config).await.unwrap();
    wait_for("B to reach A's head", Duration::from_secs(30), || {
        b.height() == Some(180)
    })
    .await;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "mainnet: 180 blocks over the wire in {secs:.2} s ({:.0} blocks/s)",
        180.0 / secs
    );
    assert_eq!(head_hash(&b), head_hash(&a));
    assert_eq!(b.head().ux_hash, a.head().ux_hash);
    for seq in [0, 1, 90, 180] {
        assert_eq!(b.block_by_seq(seq).unwrap(), a.block_by_seq(seq).unwrap());
    }

    // Each side sees the other, with our user agent and A's height.
    let peers_b = node_b.peers();
    assert_eq!(peers_b.len(), 1);
    assert!(peers_b[0].outgoing);
    assert!(peers_b[0].user_agent.starts_with("skyx:"));
    assert_eq!(peers_b[0].height, Some(180));
    wait_for("A to list B", Duration::from_secs(5), || {
        node_a.peers().len() == 1
    })
    .await;
    assert!(!node_a.peers()[0].outgoing);

    // A one-shot sync of a third empty store from B (which now serves).
    let (_c_dir, c) = empty_store(None);
    let summary = sync_once(
        c.clone(),
        node_b.local_addr().unwrap(),
        Duration::from_secs(30),
    )
    .await
    .unwrap();
    assert_eq!(summary.blocks, 180);
    assert_eq!(summary.start_height, Some(0));
    assert_eq!(summary.end_height, Some(180));
    assert_eq!(summary.peer_height, Some(180));
    assert_eq!(head_hash(&c), head_hash(&a));
    eprintln!(
        "mainnet sync_once: {} blocks in {:.2} s ({:.0} blocks/s)",
        summary.blocks,
        summary.seconds,
        summary.blocks_per_sec()
    );

    // A second one-shot sync finds nothing new and returns at once.
    let again = sync_once(c.clone(), addr, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(again.blocks, 0);
    assert!(again.seconds < 5.0, "took {} s", again.seconds);

    node_b.stop().await;
    node_a.stop().await;
}

/// Finds an unspent output owned by one of the first wallet keys of the
/// devnet seed and spends all its coins to another address, burning its hours.
fn spend_one(store: &ChainStore) -> Transaction {
    let keys: Vec<_> = wallet_chain(&devnet_opts().seed)
        .unwrap()
        .take(64)
        .collect();
    for key in &keys {
        let address = Address::from_pubkey(&key.public);
        let unspent = store.address_unspent(&address).unwrap();
        let Some(ux) = unspent.first() else {
            continue;
        };
        let to = Address::from_pubkey(&keys[63].public);
        let mut txn = Transaction::new_unsigned(
            vec![ux.hash()],
            vec![TransactionOutput {
                address: to,
                coins: ux.body.coins,
                hours: 0,
            }],
        );
        txn.sign_inputs(std::slice::from_ref(&key.secret)).unwrap();
        return txn;
    }
    panic!("no unspent output among the first wallet keys");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn p2p_private_chain_syncs_and_relays_a_transaction() {
    let (spec, blocks, _a_dir, a) = devnet_store();
    let top = blocks.len() as u64 - 1;
    let txs: usize = blocks.iter().map(|b| b.block.body.transactions.len()).sum();
    let node_a = PeerNode::start(a.clone(), listen_config()).await.unwrap();
    let addr = node_a.local_addr().unwrap();

    // An empty store of a private chain cannot start without the genesis
    // signature when neither its chain spec nor the configuration has it.
    let unsigned = ChainSpec {
        genesis_signature: None,
        ..spec.clone()
    };
    let (_x_dir, x) = empty_store(Some(&unsigned));
    let err = PeerNode::start(x.clone(), dial_config(addr))
        .await
        .unwrap_err();
    assert!(matches!(err, P2pError::NoGenesis), "{err}");
    assert_eq!(err.code(), "p2p_no_genesis");
    let err = sync_once(x.clone(), addr, Duration::from_secs(5))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "p2p_no_genesis");

    // With it, B syncs the whole chain; B listens too.
    let (_b_dir, b) = empty_store(Some(&spec));
    let config = PeerConfig {
        listen: Some("127.0.0.1:0".parse().unwrap()),
        genesis_signature: Some(blocks[0].sig),
        ..dial_config(addr)
    };
    let started = Instant::now();
    let node_b = PeerNode::start(b.clone(), config).await.unwrap();
    wait_for("B to reach A's head", Duration::from_secs(60), || {
        b.height() == Some(top)
    })
    .await;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "devnet: {top} blocks ({txs} transactions) over the wire in {secs:.2} s ({:.0} blocks/s, {:.0} txs/s)",
        top as f64 / secs,
        txs as f64 / secs
    );
    assert_eq!(head_hash(&b), head_hash(&a));
    assert_eq!(b.head().ux_hash, a.head().ux_hash);

    // A transaction injected at A reaches B's pool (ANNT, GETT, GIVT).
    let txn = spend_one(&a);
    let txid = a.inject(txn.clone(), 1).unwrap();
    assert_eq!(node_a.announce_txns(vec![txid]), 1);
    wait_for("B to pool the transaction", Duration::from_secs(10), || {
        b.unconfirmed_txn(&txid).unwrap().is_some()
    })
    .await;

    // C joins through B only, and gets the chain and the pooled transaction
    // (a new peer is told of the pool right after the introduction).
    let (_c_dir, c) = empty_store(Some(&spec));
    ensure_genesis(&c, Some(blocks[0].sig)).unwrap();
    let node_c = PeerNode::start(c.clone(), dial_config(node_b.local_addr().unwrap()))
        .await
        .unwrap();
    wait_for("C to reach the head", Duration::from_secs(60), || {
        c.height() == Some(top)
    })
    .await;
    assert_eq!(head_hash(&c), head_hash(&a));
    wait_for("C to pool the transaction", Duration::from_secs(10), || {
        c.unconfirmed_txn(&txid).unwrap().is_some()
    })
    .await;

    // A new block at A (signed by the devnet publisher) spreads to B and C.
    let publisher = skyx_node::devnet::keys::publisher_key(&devnet_opts().seed);
    let next = next_block(&a, vec![txn], &publisher.secret);
    a.apply_block(&next).unwrap();
    assert!(node_a.announce_head() >= 1);
    wait_for(
        "B and C to take the new block",
        Duration::from_secs(10),
        || b.height() == Some(top + 1) && c.height() == Some(top + 1),
    )
    .await;
    assert_eq!(head_hash(&c), Some(next.block.hash()));
    assert!(
        b.unconfirmed_txn(&txid).unwrap().is_none(),
        "confirmed txn left the pool"
    );
    assert!(c.transaction(&txid).unwrap().is_some());

    node_c.stop().await;
    node_b.stop().await;
    node_a.stop().await;
}

/// The block after the store's head holding `txns`, signed by `secret`.
fn next_block(
    store: &ChainStore,
    txns: Vec<Transaction>,
    secret: &secp256k1::SecretKey,
) -> SignedBlock {
    use skyx_coins::sky::block::{Block, BlockBody, BlockHeader};
    let head = store.head();
    let prev = head.header.unwrap();
    let spent: Vec<_> = txns
        .iter()
        .flat_map(|t| t.inputs.iter())
        .map(|id| store.unspent(id).unwrap().unwrap())
        .collect();
    let time = prev.time + 3600;
    let hours_in: u64 = spent.iter().map(|u| u.coin_hours(prev.time).unwrap()).sum();
    let hours_out: u64 = txns.iter().map(|t| t.output_hours().unwrap()).sum();
    let body = BlockBody { transactions: txns };
    let block = Block {
        head: BlockHeader {
            version: prev.version,
            time,
            bk_seq: prev.bk_seq + 1,
            fee: hours_in - hours_out,
            prev_hash: prev.hash(),
            body_hash: body.hash(),
            ux_hash: head.ux_hash,
        },
        body,
    };
    SignedBlock::sign(block, secret).unwrap()
}

/// A hand-driven peer speaking raw frames.
struct RawPeer {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl RawPeer {
    async fn connect(addr: SocketAddr) -> RawPeer {
        RawPeer {
            stream: TcpStream::connect(addr).await.unwrap(),
            buf: Vec::new(),
        }
    }

    async fn send(&mut self, msg: &Message) {
        self.send_bytes(&encode_frame(msg).unwrap()).await;
    }

    async fn send_bytes(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    /// The next message, or `None` when the node closed the connection.
    async fn recv(&mut self) -> Option<Message> {
        loop {
            if let Some((msg, used)) = decode_frame(&self.buf).unwrap() {
                self.buf.drain(..used);
                return Some(msg);
            }
            let mut chunk = [0u8; 65536];
            let n = tokio::time::timeout(Duration::from_secs(10), self.stream.read(&mut chunk))
                .await
                .expect("node went silent")
                .unwrap_or(0);
            if n == 0 {
                return None;
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Reads until a `DISC` arrives; returns its code, then checks the
    /// connection closes.
    async fn expect_disconnect(&mut self) -> u16 {
        loop {
            match self.recv().await {
                Some(Message::Disconnect(d)) => {
                    assert_eq!(self.recv().await, None, "connection left open after DISC");
                    return d.reason_code;
                }
                Some(_) => continue,
                None => panic!("closed without DISC"),
            }
        }
    }
}

fn mainnet_local() -> LocalPeer {
    LocalPeer::from_params(&MAINNET, 0x5eed, "probe:1.0.0").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn p2p_rule_breaking_peers_are_disconnected() {
    let (_b_dir, b) = empty_store(None);
    let node = PeerNode::start(b.clone(), listen_config()).await.unwrap();
    let addr = node.local_addr().unwrap();
    assert_eq!(b.height(), Some(0), "mainnet genesis written");

    // Another genesis hash with the right publisher key: refused (skyx rule;
    // code 0 as the reference sends for reasons outside its table).
    let mut peer = RawPeer::connect(addr).await;
    assert!(matches!(peer.recv().await, Some(Message::Introduction(_))));
    let mut intro = mainnet_local().introduction();
    if let Extra::Fields(f) = &mut intro.extra {
        f.genesis_hash = Some(Sha256([7; 32]));
    }
    peer.send(&Message::Introduction(intro)).await;
    assert_eq!(
        peer.expect_disconnect().await,
        DisconnectReason::GenesisHashNotMatched.code()
    );

    // Another chain altogether: the publisher key differs (code 11).
    let (_d_dir, d) = {
        let (spec, blocks, dir, store) = devnet_store();
        let _ = (spec, blocks);
        (dir, store)
    };
    let err = sync_once(d.clone(), addr, Duration::from_secs(10))
        .await
        .unwrap_err();
    match &err {
        P2pError::Rejected(r) | P2pError::PeerDisconnected(r) => {
            assert_eq!(*r, DisconnectReason::BlockchainPubkeyNotMatched, "{err}")
        }
        other => panic!("unexpected {other}"),
    }

    // A first message other than INTR (code 7).
    let mut peer = RawPeer::connect(addr).await;
    peer.send(&Message::Ping).await;
    assert_eq!(
        peer.expect_disconnect().await,
        DisconnectReason::NoIntroduction.code()
    );

    // After a good introduction: an oversized length (code 1002) ...
    let mut peer = introduced(addr, 1).await;
    peer.send_bytes(&(2u32 * 1024 * 1024).to_le_bytes()).await;
    assert_eq!(
        peer.expect_disconnect().await,
        DisconnectReason::InvalidMessageLength.code()
    );
    // ... an unknown message id (code 1004) ...
    let mut peer = introduced(addr, 2).await;
    peer.send_bytes(&[4, 0, 0, 0, b'W', b'H', b'A', b'T']).await;
    assert_eq!(
        peer.expect_disconnect().await,
        DisconnectReason::UnknownMessage.code()
    );
    // ... a body that does not decode (code 1003) ...
    let mut peer = introduced(addr, 3).await;
    peer.send_bytes(&[7, 0, 0, 0, b'G', b'E', b'T', b'B', 1, 2, 3])
        .await;
    assert_eq!(
        peer.expect_disconnect().await,
        DisconnectReason::MalformedMessage.code()
    );
    // ... and a block with a bad signature (code 0; the block is not stored).
    let mut peer = introduced(addr, 4).await;
    let mut bad = mainnet_blocks()[1].clone();
    bad.sig.0[10] ^= 1;
    peer.send(&Message::GiveBlocks(GiveBlocks { blocks: vec![bad] }))
        .await;
    assert_eq!(
        peer.expect_disconnect().await,
        DisconnectReason::Unknown.code()
    );
    assert_eq!(b.height(), Some(0));

    // A well-behaved peer is answered: PING gets PONG, GETB gets nothing
    // for a height we do not exceed, and the node keeps serving.
    let mut peer = introduced(addr, 5).await;
    peer.send(&Message::Ping).await;
    loop {
        match peer.recv().await {
            Some(Message::Pong) => break,
            Some(_) => continue,
            None => panic!("closed"),
        }
    }
    // Invalid transactions are dropped without a disconnect.
    let junk = Transaction::new_unsigned(vec![Sha256([1; 32])], vec![]);
    peer.send(&Message::GiveTxns(skyx_coins::sky::peer::GiveTxns {
        transactions: vec![junk],
    }))
    .await;
    peer.send(&Message::Ping).await;
    loop {
        match peer.recv().await {
            Some(Message::Pong) => break,
            Some(Message::Disconnect(d)) => panic!("disconnected: {}", d.reason()),
            Some(_) => continue,
            None => panic!("closed"),
        }
    }
    assert!(b.unconfirmed().unwrap().is_empty());
    node.stop().await;
}

/// A raw peer that passed the introduction (distinct `mirror` per call).
async fn introduced(addr: SocketAddr, mirror: u32) -> RawPeer {
    let mut peer = RawPeer::connect(addr).await;
    assert!(matches!(peer.recv().await, Some(Message::Introduction(_))));
    let mut local = mainnet_local();
    local.mirror = mirror;
    peer.send(&Message::Introduction(local.introduction()))
        .await;
    peer
}

#[test]
fn p2p_store_exchange_rules() {
    use skyx_node::p2p::sync::{apply_received, blocks_after, MAX_BLOCKS_PER_REQUEST};
    let (_a_dir, a) = mainnet_store();
    // GETB answers: blocks after the given seq, capped, none past the head.
    let give = blocks_after(&a, 0, 20).unwrap().unwrap();
    assert_eq!(give.blocks.len(), 20);
    assert_eq!(give.blocks[0].block.seq(), 1);
    let give = blocks_after(&a, 10, 1_000).unwrap().unwrap();
    assert_eq!(give.blocks.len() as u64, MAX_BLOCKS_PER_REQUEST);
    assert_eq!(
        blocks_after(&a, 170, 100).unwrap().unwrap().blocks.len(),
        10
    );
    assert!(blocks_after(&a, 180, 20).unwrap().is_none());
    assert!(blocks_after(&a, 5, 0).unwrap().is_none());

    // Applying: old blocks are skipped, a gap ends the batch, order is kept.
    let blocks = mainnet_blocks();
    let (_b_dir, b) = empty_store(None);
    skyx_node::p2p::ensure_genesis(&b, None).unwrap();
    assert!(
        !skyx_node::p2p::ensure_genesis(&b, None).unwrap(),
        "only once"
    );
    let applied = apply_received(&b, blocks[0..5].to_vec()).unwrap();
    assert_eq!((applied.blocks, applied.skipped), (4, 1));
    let mut gapped = blocks[3..8].to_vec();
    gapped.extend_from_slice(&blocks[9..12]);
    let applied = apply_received(&b, gapped).unwrap();
    assert_eq!((applied.blocks, applied.skipped), (3, 5));
    assert_eq!(b.height(), Some(7));

    // An invalid block is reported with its seq after the valid ones before it.
    let mut batch = blocks[8..12].to_vec();
    batch[2].sig.0[0] ^= 0x40;
    let err = apply_received(&b, batch).unwrap_err();
    assert_eq!(err.code(), "p2p_invalid_block");
    assert!(
        matches!(err, P2pError::InvalidBlock { seq: 10, .. }),
        "{err}"
    );
    assert_eq!(b.height(), Some(9));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn p2p_run_introduction_timeout_and_shutdown() {
    let (_b_dir, b) = empty_store(None);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let config = PeerConfig {
        listen: Some(addr),
        introduction_timeout: Duration::from_millis(300),
        progress: false,
        ..PeerConfig::default()
    };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(skyx_node::p2p::run(b.clone(), config, stopped));
    let mut silent = loop {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                break RawPeer {
                    stream,
                    buf: Vec::new(),
                }
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    // Saying nothing: refused once the introduction wait is over (code 2).
    assert_eq!(
        silent.expect_disconnect().await,
        DisconnectReason::IntroductionTimeout.code()
    );
    // An introduced peer is told of the shutdown (code 1005), and run returns.
    let mut peer = introduced(addr, 9).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(true).unwrap();
    assert_eq!(
        peer.expect_disconnect().await,
        DisconnectReason::Shutdown.code()
    );
    tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}
