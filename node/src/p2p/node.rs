//! A running peer node: the listener, the dialler that keeps configured
//! (and discovered) peers connected, and a handle to stop it.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::peer::{AnnounceBlocks, AnnounceTxns, DisconnectReason, LocalPeer, Message};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::config::PeerConfig;
use super::connection::handshake;
use super::error::P2pError;
use super::hub::{lock, Hub, PeerInfo};
use super::session::{self, blocking};
use super::sync;
use crate::store::ChainStore;

/// How often the dialler looks for peers to connect to.
const DIAL_TICK: Duration = Duration::from_millis(250);

/// A peer node serving one store; stop it with [`PeerNode::stop`].
pub struct PeerNode {
    hub: Arc<Hub>,
    stop_tx: watch::Sender<bool>,
    /// The listener and the dialler; each ends with its name.
    tasks: tokio::sync::Mutex<JoinSet<&'static str>>,
}

impl std::fmt::Debug for PeerNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerNode")
            .field("listen", &self.hub.listen)
            .finish()
    }
}

/// Our introduction for `store`'s chain with a fresh random mirror. Without
/// a listening port the chain's default port is announced: the reference
/// refuses an introduction with port 0 (its peer list cannot hold the
/// address) and always announces its own configured port.
pub fn local_peer(
    store: &ChainStore,
    user_agent: &str,
    listen_port: Option<u16>,
) -> Result<LocalPeer, P2pError> {
    let mirror: u32 = rand::random();
    let mut local = LocalPeer::from_params(store.params(), mirror, user_agent)
        .map_err(|e| P2pError::Config(e.to_string()))?;
    if let Some(port) = listen_port {
        local.listen_port = port;
    }
    Ok(local)
}

impl PeerNode {
    /// Starts listening (when configured) and dialling. An empty store is
    /// first given its genesis block (see [`sync::ensure_genesis`]).
    pub async fn start(store: Arc<ChainStore>, config: PeerConfig) -> Result<PeerNode, P2pError> {
        let sig = config.genesis_signature;
        let s = store.clone();
        if blocking(move || sync::ensure_genesis(&s, sig)).await? {
            tracing::info!("wrote the genesis block");
        }
        let listener = match config.listen {
            Some(addr) => Some(TcpListener::bind(addr).await?),
            None => None,
        };
        let listen = listener.as_ref().map(|l| l.local_addr()).transpose()?;
        let local = local_peer(&store, &config.user_agent, listen.map(|a| a.port()))?;
        let (stop_tx, stop_rx) = watch::channel(false);
        let hub = Arc::new(Hub::new(store, config, local, listen, stop_rx));
        let mut tasks = JoinSet::new();
        if let Some(listener) = listener {
            tracing::info!(addr = ?listen, "listening for peers");
            let hub = hub.clone();
            tasks.spawn(async move {
                accept_loop(hub, listener).await;
                "the peer listener"
            });
        }
        let dialler = hub.clone();
        tasks.spawn(async move {
            dial_loop(dialler).await;
            "the peer dialler"
        });
        Ok(PeerNode {
            hub,
            stop_tx,
            tasks: tokio::sync::Mutex::new(tasks),
        })
    }

    /// The address we accept peers on.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.hub.listen
    }

    /// Our mirror value (a random number that tells a node it reached itself).
    pub fn mirror(&self) -> u32 {
        self.hub.local.mirror
    }

    /// The connected peers.
    pub fn peers(&self) -> Vec<PeerInfo> {
        self.hub.peers()
    }

    /// Closes the connection with id `id` (`DISC`: requested by the node
    /// operator); false when no such connection is open.
    pub fn disconnect(&self, id: u64) -> bool {
        self.hub
            .disconnect(id, DisconnectReason::RequestedByOperator)
    }

    /// Seq of our head block.
    pub fn height(&self) -> Option<u64> {
        self.hub.store.height()
    }

    /// Announces pooled transactions (for example just injected) to every peer.
    pub fn announce_txns(&self, txids: Vec<Sha256>) -> usize {
        if txids.is_empty() {
            return 0;
        }
        self.hub
            .broadcast(&Message::AnnounceTxns(AnnounceTxns::fitting(txids)), None)
    }

    /// Announces our head to every peer (for example after publishing a block).
    pub fn announce_head(&self) -> usize {
        let max_bk_seq = self.hub.store.height().unwrap_or(0);
        self.hub.broadcast(
            &Message::AnnounceBlocks(AnnounceBlocks { max_bk_seq }),
            None,
        )
    }

    /// Says goodbye to every peer (`DISC` with reason `Shutdown`) and stops.
    pub async fn stop(self) {
        self.shutdown().await;
    }

    /// [`PeerNode::stop`] through a shared handle.
    pub async fn shutdown(&self) {
        let _ = self.stop_tx.send(true);
        self.hub.close_all(DisconnectReason::Shutdown);
        let deadline = Instant::now() + Duration::from_secs(3);
        while self.hub.connection_count() > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Both loops return on the stop signal; a pending `failed` holds
        // the set, and its tasks are then ending anyway.
        if let Ok(mut tasks) = self.tasks.try_lock() {
            tasks.abort_all();
        }
    }

    /// Waits until the listener or the dialler ends before the node is
    /// stopped (they run until then, so this is a failure) and says how.
    /// Cancel-safe; never resolves once the node is stopped.
    pub async fn failed(&self) -> String {
        let mut tasks = self.tasks.lock().await;
        while let Some(ended) = tasks.join_next().await {
            if *self.stop_tx.borrow() {
                continue;
            }
            return match ended {
                Ok(name) => format!("{name} stopped unexpectedly"),
                Err(e) if e.is_panic() => "a peer node task panicked".to_string(),
                Err(e) => format!("a peer node task was cancelled: {e}"),
            };
        }
        drop(tasks);
        std::future::pending().await
    }
}

/// Runs a peer node on `store` until `shutdown` turns true (or its sender
/// is dropped).
pub async fn run(
    store: Arc<ChainStore>,
    config: PeerConfig,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), P2pError> {
    let node = PeerNode::start(store, config).await?;
    while !*shutdown.borrow() {
        if shutdown.changed().await.is_err() {
            break;
        }
    }
    node.stop().await;
    Ok(())
}

async fn accept_loop(hub: Arc<Hub>, listener: TcpListener) {
    let mut shutdown = hub.shutdown.clone();
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = shutdown.changed() => return,
        };
        let (stream, remote) = match accepted {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if hub.connection_count() >= hub.config.max_connections {
            tracing::info!(%remote, "too many connections, closing");
            drop(stream);
            continue;
        }
        let hub = hub.clone();
        tokio::spawn(async move {
            match handshake(
                stream,
                &hub.local,
                hub.config.introduction_timeout,
                hub.config.write_timeout,
            )
            .await
            {
                Ok(conn) => session::run(hub, conn, false).await,
                Err(e) => {
                    tracing::info!(%remote, error = %e, code = e.code(), "incoming peer refused")
                }
            }
        });
    }
}

async fn dial_loop(hub: Arc<Hub>) {
    let dialling: Arc<Mutex<HashSet<SocketAddr>>> = Arc::new(Mutex::new(HashSet::new()));
    let mut shutdown = hub.shutdown.clone();
    let mut tick = tokio::time::interval(DIAL_TICK);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => return,
        }
        let connected: HashSet<SocketAddr> = hub.connected_addrs().into_iter().collect();
        let trusted: HashSet<SocketAddr> = hub.config.peers.iter().copied().collect();
        let due = lock(&hub.book).due(Instant::now());
        let mut slots = hub
            .config
            .max_outgoing
            .saturating_sub(hub.outgoing_count() + lock(&dialling).len());
        for addr in due {
            if slots == 0 {
                break;
            }
            if connected.contains(&addr)
                || Some(addr) == hub.listen
                || (!trusted.contains(&addr) && !hub.config.discover_peers)
                || !lock(&dialling).insert(addr)
            {
                continue;
            }
            slots -= 1;
            let hub = hub.clone();
            let dialling = dialling.clone();
            tokio::spawn(async move {
                dial(&hub, addr).await;
                lock(&dialling).remove(&addr);
            });
        }
    }
}

async fn dial(hub: &Arc<Hub>, addr: SocketAddr) {
    let connected = tokio::time::timeout(hub.config.connect_timeout, TcpStream::connect(addr))
        .await
        .map_err(|_| P2pError::Timeout("connecting to a peer"))
        .and_then(|r| r.map_err(P2pError::from));
    let stream = match connected {
        Ok(s) => s,
        Err(e) => {
            tracing::debug!(%addr, error = %e, "dial failed");
            lock(&hub.book).failed(&addr, hub.config.retry_interval);
            return;
        }
    };
    match handshake(
        stream,
        &hub.local,
        hub.config.introduction_timeout,
        hub.config.write_timeout,
    )
    .await
    {
        Ok(conn) => {
            lock(&hub.book).connected(&addr, hub.config.retry_interval);
            session::run(hub.clone(), conn, true).await;
        }
        Err(e) => {
            tracing::info!(%addr, error = %e, code = e.code(), "outgoing peer refused");
            lock(&hub.book).failed(&addr, hub.config.retry_interval);
        }
    }
}
