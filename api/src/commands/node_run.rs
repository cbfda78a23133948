//! `skyx node run` and `skyx node devnet run`: the node as a long-running
//! process — peer sync, mempool relay and, with the publisher key, a block
//! every interval.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use secp256k1::SecretKey;
use skyx_node::p2p::{PeerConfig, PeerNode};
use skyx_node::publisher::{init_genesis, publish_block};
use skyx_node::store::ChainStore;

use crate::commands::node::NetArgs;

/// Runs the node until Ctrl-C (or SIGTERM).
pub fn run(
    store: ChainStore,
    net: &NetArgs,
    publisher: Option<SecretKey>,
) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(Arc::new(store), net, publisher))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(
    store: Arc<ChainStore>,
    net: &NetArgs,
    publisher: Option<SecretKey>,
) -> anyhow::Result<()> {
    if let Some(key) = publisher {
        let s = store.clone();
        if tokio::task::spawn_blocking(move || init_genesis(&s, &key)).await?? {
            tracing::info!("genesis block created");
        }
    }
    let config = PeerConfig {
        listen: net.listen,
        peers: net.peers.clone(),
        genesis_signature: store.spec().genesis_signature,
        progress: false,
        ..PeerConfig::default()
    };
    let node = PeerNode::start(store.clone(), config).await?;
    // One line on stdout that scripts can read: where the node listens.
    println!(
        "{}",
        serde_json::json!({
            "listening": node.local_addr().map(|a| a.to_string()),
            "height": store.height(),
            "genesis_hash": store.genesis_hash().to_hex(),
            "publisher": publisher.is_some(),
        })
    );
    let interval = Duration::from_secs(net.block_interval.max(1));
    let mut ticker = tokio::time::interval(interval);
    ticker.tick().await;
    let mut watch = tokio::time::interval(Duration::from_millis(500));
    let mut reported = store.head().header.map(|h| h.hash());
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            _ = watch.tick() => {
                // A JSON line on stdout whenever the head moves, for scripts
                // (the store is locked by this process while it runs).
                let head = store.head().header;
                if head.map(|h| h.hash()) != reported {
                    reported = head.map(|h| h.hash());
                    println!(
                        "{}",
                        serde_json::json!({
                            "height": head.map(|h| h.bk_seq),
                            "head_hash": reported.map(|h| h.to_hex()),
                        })
                    );
                }
            }
            _ = ticker.tick(), if publisher.is_some() => {
                let Some(key) = publisher else { continue };
                let s = store.clone();
                let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
                match tokio::task::spawn_blocking(move || publish_block(&s, &key, now)).await? {
                    Ok(Some(block)) => {
                        tracing::info!(seq = block.block.seq(), txs = block.block.body.transactions.len(), "published block");
                        node.announce_head();
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!("cannot publish a block: {e}"),
                }
            }
        }
    }
    node.stop().await;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        if let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = ctrl_c.await;
}
