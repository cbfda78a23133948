//! State shared by every connection of a running peer node: the store, our
//! introduction, the live connections with their outgoing queues and the
//! peer book.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use indicatif::ProgressBar;
use skyx_coins::sky::peer::{DisconnectReason, LocalPeer, Message};
use tokio::sync::{mpsc, watch};

use super::config::PeerConfig;
use super::peers::PeerBook;
use crate::store::ChainStore;

/// Queued outgoing messages per connection before sends are dropped.
pub(crate) const OUT_QUEUE: usize = 512;

/// What a session's writer is asked to do.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// Send a message.
    Send(Message),
    /// Send `DISC` with this reason (if any) and close.
    Close(Option<DisconnectReason>),
}

/// A connected, introduced peer as others see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    /// The peer's socket address.
    pub addr: SocketAddr,
    /// Whether we dialled it.
    pub outgoing: bool,
    /// The user agent it announced.
    pub user_agent: String,
    /// The highest block seq it told us about (`ANNB` or `GETB`).
    pub height: Option<u64>,
    /// The port it says it listens on.
    pub listen_port: u16,
    /// The connection's id (what `/network/connection/disconnect` takes); set on admission.
    pub id: u64,
    /// The mirror value the peer introduced itself with.
    pub mirror: u32,
    /// When the connection was admitted (Unix seconds).
    pub connected_at: i64,
    /// When a message was last written to it (Unix seconds; 0: never).
    pub last_sent: i64,
    /// When a message was last read from it (Unix seconds; 0: never).
    pub last_received: i64,
}

/// Current time in Unix seconds.
fn now_secs() -> i64 {
    super::session::now_ns() / 1_000_000_000
}

/// One live connection.
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) info: PeerInfo,
    pub(crate) tx: mpsc::Sender<Outgoing>,
}

impl Conn {
    /// The address this peer can be dialled on.
    fn dial_addr(&self) -> SocketAddr {
        if self.info.outgoing {
            self.info.addr
        } else {
            SocketAddr::new(self.info.addr.ip(), self.info.listen_port)
        }
    }
}

/// Locks a mutex, taking the data of a poisoned one (every value kept
/// behind these locks is consistent between statements).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The shared state of a running node.
pub(crate) struct Hub {
    pub(crate) store: Arc<ChainStore>,
    pub(crate) config: PeerConfig,
    pub(crate) local: LocalPeer,
    pub(crate) listen: Option<SocketAddr>,
    pub(crate) book: Mutex<PeerBook>,
    pub(crate) conns: Mutex<HashMap<u64, Conn>>,
    pub(crate) apply_lock: tokio::sync::Mutex<()>,
    pub(crate) shutdown: watch::Receiver<bool>,
    next_id: AtomicU64,
    progress: Mutex<Option<ProgressBar>>,
}

impl Hub {
    /// A hub for a node with these settings.
    pub(crate) fn new(
        store: Arc<ChainStore>,
        config: PeerConfig,
        local: LocalPeer,
        listen: Option<SocketAddr>,
        shutdown: watch::Receiver<bool>,
    ) -> Hub {
        let mut book = PeerBook::new();
        for p in &config.peers {
            book.add(*p, true);
        }
        Hub {
            store,
            config,
            local,
            listen,
            book: Mutex::new(book),
            conns: Mutex::new(HashMap::new()),
            apply_lock: tokio::sync::Mutex::new(()),
            shutdown,
            next_id: AtomicU64::new(1),
            progress: Mutex::new(None),
        }
    }

    /// Admits an introduced connection, or says why not: the same node
    /// (same mirror) already connected, too many outgoing connections, or
    /// too many connections.
    pub(crate) fn register(
        &self,
        mut info: PeerInfo,
        tx: mpsc::Sender<Outgoing>,
    ) -> Result<u64, DisconnectReason> {
        let mut conns = lock(&self.conns);
        if conns.values().any(|c| c.info.mirror == info.mirror) {
            return Err(DisconnectReason::ConnectedTwice);
        }
        if info.outgoing
            && conns.values().filter(|c| c.info.outgoing).count() >= self.config.max_outgoing
        {
            return Err(DisconnectReason::MaxOutgoingConnectionsReached);
        }
        if conns.len() >= self.config.max_connections {
            return Err(DisconnectReason::PeerlistFull);
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        if !info.outgoing && info.listen_port != 0 {
            let listen = SocketAddr::new(info.addr.ip(), info.listen_port);
            lock(&self.book).add(listen, false);
        }
        info.id = id;
        info.connected_at = now_secs();
        // Both introductions were just exchanged.
        info.last_sent = info.connected_at;
        info.last_received = info.connected_at;
        conns.insert(id, Conn { info, tx });
        Ok(id)
    }

    /// Notes that a message was written to connection `id`.
    pub(crate) fn touch_sent(&self, id: u64) {
        if let Some(c) = lock(&self.conns).get_mut(&id) {
            c.info.last_sent = now_secs();
        }
    }

    /// Notes that a message was read from connection `id`.
    pub(crate) fn touch_received(&self, id: u64) {
        if let Some(c) = lock(&self.conns).get_mut(&id) {
            c.info.last_received = now_secs();
        }
    }

    /// Closes connection `id` with `reason`; false when there is no such connection.
    pub(crate) fn disconnect(&self, id: u64, reason: DisconnectReason) -> bool {
        let tx = lock(&self.conns).get(&id).map(|c| c.tx.clone());
        match tx {
            Some(tx) => {
                let _ = tx.try_send(Outgoing::Close(Some(reason)));
                true
            }
            None => false,
        }
    }

    /// Forgets a connection.
    pub(crate) fn unregister(&self, id: u64) {
        let gone = lock(&self.conns).remove(&id);
        if let Some(c) = gone {
            if c.info.outgoing {
                lock(&self.book).connected(&c.info.addr, self.config.retry_interval);
            }
        }
    }

    /// Queues a message for one connection; drops it when the queue is full.
    pub(crate) fn send(&self, id: u64, msg: Message) {
        let tx = lock(&self.conns).get(&id).map(|c| c.tx.clone());
        if let Some(tx) = tx {
            if tx.try_send(Outgoing::Send(msg)).is_err() {
                tracing::debug!(conn = id, "outgoing queue full, message dropped");
            }
        }
    }

    /// Queues a message for every connection except `except`.
    pub(crate) fn broadcast(&self, msg: &Message, except: Option<u64>) -> usize {
        let targets: Vec<mpsc::Sender<Outgoing>> = lock(&self.conns)
            .iter()
            .filter(|(id, _)| Some(**id) != except)
            .map(|(_, c)| c.tx.clone())
            .collect();
        let mut sent = 0;
        for tx in targets {
            if tx.try_send(Outgoing::Send(msg.clone())).is_ok() {
                sent += 1;
            }
        }
        sent
    }

    /// Records the height a peer told us about.
    pub(crate) fn set_peer_height(&self, id: u64, height: u64) {
        if let Some(c) = lock(&self.conns).get_mut(&id) {
            c.info.height = Some(c.info.height.map_or(height, |h| h.max(height)));
        }
    }

    /// Every live connection.
    pub(crate) fn peers(&self) -> Vec<PeerInfo> {
        lock(&self.conns).values().map(|c| c.info.clone()).collect()
    }

    /// Addresses that are connected now (as we would dial them).
    pub(crate) fn connected_addrs(&self) -> Vec<SocketAddr> {
        lock(&self.conns).values().map(Conn::dial_addr).collect()
    }

    /// Number of outgoing connections.
    pub(crate) fn outgoing_count(&self) -> usize {
        lock(&self.conns)
            .values()
            .filter(|c| c.info.outgoing)
            .count()
    }

    /// Number of connections.
    pub(crate) fn connection_count(&self) -> usize {
        lock(&self.conns).len()
    }

    /// Tells every connection to close with `reason`.
    pub(crate) fn close_all(&self, reason: DisconnectReason) {
        let targets: Vec<mpsc::Sender<Outgoing>> =
            lock(&self.conns).values().map(|c| c.tx.clone()).collect();
        for tx in targets {
            let _ = tx.try_send(Outgoing::Close(Some(reason)));
        }
    }

    /// Updates the initial-sync progress bar from our height and the best
    /// height peers told us about.
    pub(crate) fn update_progress(&self) {
        if !self.config.progress {
            return;
        }
        let ours = self.store.height().unwrap_or(0);
        let best = lock(&self.conns)
            .values()
            .filter_map(|c| c.info.height)
            .max()
            .unwrap_or(0);
        let mut bar = lock(&self.progress);
        if ours >= best {
            if let Some(b) = bar.take() {
                b.finish_and_clear();
            }
            return;
        }
        let b = bar.get_or_insert_with(|| crate::progress::progress_bar(Some(best), "sync"));
        b.set_length(best);
        b.set_position(ours);
    }
}
