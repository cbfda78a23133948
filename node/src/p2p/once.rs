//! One-shot sync from one peer (`skyx node repair --peer`, tests): connect,
//! introduce, download blocks until the peer has no more, disconnect.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use skyx_coins::sky::peer::{AnnounceBlocks, DisconnectReason, GetBlocks, Message};
use tokio::net::TcpStream;

use super::config::default_user_agent;
use super::connection::{handshake, FrameWriter, Introduced};
use super::error::P2pError;
use super::node::local_peer;
use super::session::blocking;
use super::sync::{self, MAX_BLOCKS_PER_REQUEST};
use crate::store::ChainStore;

/// After a `GETB`, how long a silent peer means it has nothing newer (the
/// reference sends nothing when it has no blocks to give).
pub const SYNC_QUIET: Duration = Duration::from_millis(1500);

/// What [`sync_once`] did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncSummary {
    /// The peer.
    pub peer: SocketAddr,
    /// The user agent it announced.
    pub user_agent: String,
    /// Our head seq before.
    pub start_height: Option<u64>,
    /// Our head seq after.
    pub end_height: Option<u64>,
    /// The highest seq the peer told us about, if it did.
    pub peer_height: Option<u64>,
    /// Blocks written.
    pub blocks: u64,
    /// Transactions in them.
    pub transactions: u64,
    /// Seconds from connecting to the end.
    pub seconds: f64,
}

impl SyncSummary {
    /// Blocks written per second.
    pub fn blocks_per_sec(&self) -> f64 {
        if self.seconds > 0.0 {
            self.blocks as f64 / self.seconds
        } else {
            0.0
        }
    }
}

async fn send(writer: &mut FrameWriter, msg: Message) -> Result<(), P2pError> {
    writer.send(&msg).await
}

/// Connects to `peer`, introduces, and downloads and applies blocks until
/// the peer has no newer one (it stays silent for [`SYNC_QUIET`] after a
/// `GETB`, or our head reaches the height it announced). An empty store is
/// first given its genesis block (known for mainnet only: for a private
/// chain call [`sync::ensure_genesis`] with its signature first). Fails
/// with [`P2pError::Timeout`] when the whole run takes longer than `timeout`.
pub async fn sync_once(
    store: Arc<ChainStore>,
    peer: SocketAddr,
    timeout: Duration,
) -> Result<SyncSummary, P2pError> {
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + timeout;
    match tokio::time::timeout_at(deadline, run(store, peer, started)).await {
        Ok(r) => r,
        Err(_) => Err(P2pError::Timeout("syncing from the peer")),
    }
}

async fn run(
    store: Arc<ChainStore>,
    peer: SocketAddr,
    started: Instant,
) -> Result<SyncSummary, P2pError> {
    let s = store.clone();
    blocking(move || sync::ensure_genesis(&s, None)).await?;
    let local = local_peer(&store, &default_user_agent(), None)?;
    let stream = TcpStream::connect(peer).await?;
    let Introduced {
        mut reader,
        mut writer,
        peer: intro,
        remote,
    } = handshake(
        stream,
        &local,
        Duration::from_secs(30),
        Duration::from_secs(30),
    )
    .await?;
    tracing::info!(%remote, agent = %intro.user_agent, "syncing from peer");
    let start_height = store.height();
    let mut summary = SyncSummary {
        peer: remote,
        user_agent: intro.user_agent.to_string(),
        start_height,
        end_height: start_height,
        peer_height: None,
        blocks: 0,
        transactions: 0,
        seconds: 0.0,
    };
    let bar = crate::progress::progress_bar(None, "sync");
    let height = || store.height().unwrap_or(0);
    let request = |h: u64| {
        Message::GetBlocks(GetBlocks {
            last_block: h,
            requested_blocks: MAX_BLOCKS_PER_REQUEST,
        })
    };
    send(&mut writer, request(height())).await?;
    send(
        &mut writer,
        Message::AnnounceBlocks(AnnounceBlocks {
            max_bk_seq: height(),
        }),
    )
    .await?;
    let result: Result<(), P2pError> = async {
        loop {
            let msg = match reader.read(SYNC_QUIET).await {
                Ok(m) => m,
                Err(P2pError::Timeout(_)) => return Ok(()),
                Err(e) => return Err(e),
            };
            match msg {
                Message::Ping => send(&mut writer, Message::Pong).await?,
                Message::Disconnect(d) => return Err(P2pError::PeerDisconnected(d.reason())),
                Message::AnnounceBlocks(a) => {
                    summary.peer_height = summary.peer_height.max(Some(a.max_bk_seq));
                    if let Some(p) = summary.peer_height {
                        bar.set_length(p);
                    }
                    if a.max_bk_seq <= height() {
                        return Ok(());
                    }
                }
                Message::GetBlocks(g) => {
                    let s = store.clone();
                    let give =
                        blocking(move || sync::blocks_after(&s, g.last_block, g.requested_blocks))
                            .await?;
                    if let Some(give) = give {
                        send(&mut writer, Message::GiveBlocks(give)).await?;
                    }
                }
                Message::GiveBlocks(g) => {
                    let s = store.clone();
                    let applied = blocking(move || sync::apply_received(&s, g.blocks)).await?;
                    summary.blocks += applied.blocks;
                    summary.transactions += applied.transactions;
                    let h = height();
                    bar.set_position(h);
                    if summary.peer_height.is_some_and(|p| h >= p) {
                        return Ok(());
                    }
                    if applied.blocks > 0 {
                        send(&mut writer, request(h)).await?;
                    }
                }
                _ => {}
            }
        }
    }
    .await;
    bar.finish_and_clear();
    match &result {
        Ok(()) => {
            writer
                .disconnect(DisconnectReason::RequestedByOperator)
                .await
        }
        Err(e) => match e.disconnect_reason() {
            Some(reason) => writer.disconnect(reason).await,
            None => writer.close().await,
        },
    }
    result?;
    summary.end_height = store.height();
    summary.seconds = started.elapsed().as_secs_f64();
    tracing::info!(
        blocks = summary.blocks,
        height = ?summary.end_height,
        blocks_per_sec = summary.blocks_per_sec(),
        "sync finished"
    );
    Ok(summary)
}
