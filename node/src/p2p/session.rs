//! One introduced connection inside a running node: a reader task, a writer
//! task fed by a queue, and the loop that answers each message as the
//! reference does, pings, and asks for blocks.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use skyx_coins::sky::block::SignedBlock;
use skyx_coins::sky::peer::{
    AnnounceBlocks, AnnounceTxns, DisconnectReason, GetBlocks, GetTxns, GivePeers, Message,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::connection::{FrameReader, FrameWriter, Introduced};
use super::error::P2pError;
use super::hub::{lock, Hub, Outgoing, PeerInfo, OUT_QUEUE};
use super::peers::socket_addr;
use super::sync;

/// Runs a store call on the blocking pool.
pub(crate) async fn blocking<T, F>(f: F) -> Result<T, P2pError>
where
    F: FnOnce() -> Result<T, P2pError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| P2pError::Internal(format!("store task: {e}")))?
}

/// Current time in Unix nanoseconds.
pub(crate) fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

async fn write_loop(
    mut writer: FrameWriter,
    mut rx: mpsc::Receiver<Outgoing>,
    hub: Arc<Hub>,
    id: u64,
) {
    while let Some(out) = rx.recv().await {
        match out {
            Outgoing::Send(msg) => {
                if let Err(e) = writer.send(&msg).await {
                    tracing::debug!(error = %e, "write failed");
                    break;
                }
                hub.touch_sent(id);
            }
            Outgoing::Close(Some(reason)) => {
                writer.disconnect(reason).await;
                return;
            }
            Outgoing::Close(None) => break,
        }
    }
    writer.close().await;
}

async fn read_loop(
    mut reader: FrameReader,
    inbox: mpsc::Sender<Result<Message, P2pError>>,
    idle: Duration,
) {
    loop {
        let item = reader.read(idle).await;
        let stop = item.is_err();
        if inbox.send(item).await.is_err() || stop {
            return;
        }
    }
}

/// Serves an introduced connection until it ends or the node shuts down.
pub(crate) async fn run(hub: Arc<Hub>, conn: Introduced, outgoing: bool) {
    let Introduced {
        reader,
        mut writer,
        peer,
        remote,
    } = conn;
    let (tx, rx) = mpsc::channel(OUT_QUEUE);
    let info = PeerInfo {
        addr: remote,
        outgoing,
        user_agent: peer.user_agent.to_string(),
        height: None,
        listen_port: peer.listen_port,
        id: 0,
        mirror: peer.mirror,
        connected_at: 0,
        last_sent: 0,
        last_received: 0,
    };
    let id = match hub.register(info, tx.clone()) {
        Ok(id) => id,
        Err(reason) => {
            tracing::info!(%remote, %reason, "refusing connection");
            writer.disconnect(reason).await;
            return;
        }
    };
    tracing::info!(%remote, outgoing, agent = %peer.user_agent, "peer connected");
    let mut writer_task = tokio::spawn(write_loop(writer, rx, hub.clone(), id));
    let (in_tx, mut inbox) = mpsc::channel(16);
    let reader_task: JoinHandle<()> =
        tokio::spawn(read_loop(reader, in_tx, hub.config.idle_timeout));
    let mut session = Session {
        hub: hub.clone(),
        id,
    };
    let end = session.serve(&mut inbox, &mut writer_task).await;
    hub.unregister(id);
    reader_task.abort();
    let reason = match &end {
        Ok(()) => None,
        Err(e) => e.disconnect_reason(),
    };
    match &end {
        Ok(()) | Err(P2pError::Closed) => tracing::info!(%remote, "peer disconnected"),
        Err(e) => tracing::info!(%remote, error = %e, code = e.code(), "peer disconnected"),
    }
    if !writer_task.is_finished() {
        let _ = tx.try_send(Outgoing::Close(reason));
        drop(tx);
        let _ = tokio::time::timeout(Duration::from_secs(2), &mut writer_task).await;
        writer_task.abort();
    }
    hub.update_progress();
}

struct Session {
    hub: Arc<Hub>,
    id: u64,
}

impl Session {
    fn send(&self, msg: Message) {
        self.hub.send(self.id, msg);
    }

    fn our_height(&self) -> u64 {
        self.hub.store.height().unwrap_or(0)
    }

    fn request_blocks(&self) {
        self.send(Message::GetBlocks(GetBlocks {
            last_block: self.our_height(),
            requested_blocks: self.hub.config.blocks_per_request,
        }));
    }

    fn announce_height(&self) {
        self.send(Message::AnnounceBlocks(AnnounceBlocks {
            max_bk_seq: self.our_height(),
        }));
    }

    /// Announces our valid pooled transactions. The reference does this
    /// once after the introduction; skyx repeats it every round so a peer
    /// that could not check them yet (still syncing) gets another chance.
    async fn announce_pool(&self) -> Result<(), P2pError> {
        let store = self.hub.store.clone();
        let txids = blocking(move || sync::valid_pooled_txids(&store)).await?;
        if !txids.is_empty() {
            self.send(Message::AnnounceTxns(AnnounceTxns::fitting(txids)));
        }
        Ok(())
    }

    async fn serve(
        &mut self,
        inbox: &mut mpsc::Receiver<Result<Message, P2pError>>,
        writer: &mut JoinHandle<()>,
    ) -> Result<(), P2pError> {
        // What the reference does once a peer is introduced: ask for blocks
        // and announce the pool; we also tell our height at once.
        self.request_blocks();
        self.announce_height();
        self.announce_pool().await?;
        if self.hub.config.discover_peers {
            self.send(Message::GetPeers);
        }
        let start = tokio::time::Instant::now();
        let mut ping = tokio::time::interval_at(
            start + self.hub.config.ping_interval,
            self.hub.config.ping_interval,
        );
        let mut rounds = tokio::time::interval_at(
            start + self.hub.config.request_interval,
            self.hub.config.request_interval,
        );
        let mut shutdown = self.hub.shutdown.clone();
        loop {
            tokio::select! {
                item = inbox.recv() => match item {
                    Some(Ok(msg)) => {
                        self.hub.touch_received(self.id);
                        self.handle(msg).await?
                    }
                    Some(Err(e)) => return Err(e),
                    None => return Err(P2pError::Closed),
                },
                _ = ping.tick() => self.send(Message::Ping),
                _ = rounds.tick() => {
                    self.request_blocks();
                    self.announce_height();
                    self.announce_pool().await?;
                }
                _ = shutdown.changed() => {
                    return Err(P2pError::Rejected(DisconnectReason::Shutdown));
                }
                _ = &mut *writer => return Err(P2pError::Closed),
            }
        }
    }

    async fn handle(&mut self, msg: Message) -> Result<(), P2pError> {
        let hub = self.hub.clone();
        let store = hub.store.clone();
        match msg {
            Message::Introduction(_) => {
                tracing::debug!(conn = self.id, "ignoring a second INTR");
            }
            Message::Ping => self.send(Message::Pong),
            Message::Pong => {}
            Message::Disconnect(d) => return Err(P2pError::PeerDisconnected(d.reason())),
            Message::GetPeers => {
                let peers = lock(&hub.book).sample();
                if !peers.is_empty() {
                    self.send(Message::GivePeers(GivePeers::fitting(peers)));
                }
            }
            Message::GivePeers(g) => {
                let mut book = lock(&hub.book);
                for p in &g.peers {
                    book.add(socket_addr(p), false);
                }
            }
            Message::GetBlocks(g) => {
                hub.set_peer_height(self.id, g.last_block);
                let give =
                    blocking(move || sync::blocks_after(&store, g.last_block, g.requested_blocks))
                        .await?;
                if let Some(give) = give {
                    self.send(Message::GiveBlocks(give));
                }
            }
            Message::AnnounceBlocks(a) => {
                hub.set_peer_height(self.id, a.max_bk_seq);
                if a.max_bk_seq > self.our_height() {
                    self.request_blocks();
                }
                hub.update_progress();
            }
            Message::GiveBlocks(g) => self.receive_blocks(g.blocks).await?,
            Message::AnnounceTxns(a) => {
                let unknown = blocking(move || sync::unknown_txids(&store, &a.txids)).await?;
                if !unknown.is_empty() {
                    self.send(Message::GetTxns(GetTxns::fitting(unknown)));
                }
            }
            Message::GetTxns(g) => {
                let give = blocking(move || sync::pooled_txns(&store, &g.txids)).await?;
                if let Some(give) = give {
                    self.send(Message::GiveTxns(give));
                }
            }
            Message::GiveTxns(g) => {
                let now = now_ns();
                let fresh =
                    blocking(move || sync::inject_received(&store, g.transactions, now)).await?;
                if !fresh.is_empty() {
                    tracing::info!(count = fresh.len(), "new transactions from a peer");
                    hub.broadcast(
                        &Message::AnnounceTxns(AnnounceTxns::fitting(fresh)),
                        Some(self.id),
                    );
                }
            }
        }
        Ok(())
    }

    async fn receive_blocks(&mut self, blocks: Vec<SignedBlock>) -> Result<(), P2pError> {
        let hub = self.hub.clone();
        let Some(top) = blocks.last().map(|b| b.block.seq()) else {
            return Ok(());
        };
        hub.set_peer_height(self.id, top);
        let applied = {
            let _guard = hub.apply_lock.lock().await;
            let store = hub.store.clone();
            blocking(move || sync::apply_received(&store, blocks)).await?
        };
        hub.update_progress();
        if applied.blocks == 0 {
            return Ok(());
        }
        let height = self.our_height();
        tracing::debug!(
            blocks = applied.blocks,
            transactions = applied.transactions,
            height,
            "applied blocks from a peer"
        );
        // As the reference: announce the new head to everyone, ask for more.
        hub.broadcast(
            &Message::AnnounceBlocks(AnnounceBlocks { max_bk_seq: height }),
            None,
        );
        self.request_blocks();
        Ok(())
    }
}
