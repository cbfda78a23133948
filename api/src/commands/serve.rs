//! `skyx serve` and `skyx openapi`.
//!
//! `serve` opens the node's store, starts the peer node when peers are
//! given, and serves the reference Skycoin REST API over plain HTTP
//! (loopback only unless `--insecure-http`) and, when asked, over HTTPS.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::Args;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::http::state::{ApiConfig, AppState, MAINNET_DEFAULT_PEERS};
use crate::http::{distribution, openapi, router, server};

/// Arguments of `skyx serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Folder holding the node's store (see `skyx node import`).
    #[arg(long = "data-dir", env = "SKYX_DATA_DIR", value_name = "DIR")]
    pub data_dir: PathBuf,
    /// Plain HTTP address (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:6420", value_name = "ADDR")]
    pub http: SocketAddr,
    /// Allow plain HTTP on a non-loopback address.
    #[arg(long = "insecure-http")]
    pub insecure_http: bool,
    /// HTTPS address (needs --tls-cert and --tls-key).
    #[arg(long, value_name = "ADDR", requires_all = ["tls_cert", "tls_key"])]
    pub https: Option<SocketAddr>,
    /// PEM certificate chain for HTTPS.
    #[arg(long = "tls-cert", value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for HTTPS.
    #[arg(long = "tls-key", value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Offer only TLS 1.3 with TLS13_CHACHA20_POLY1305_SHA256.
    #[arg(long = "tls-chacha20-only")]
    pub tls_chacha20_only: bool,
    /// A peer to keep connected to (repeatable); turns networking on.
    #[arg(long = "peer", value_name = "ADDR")]
    pub peers: Vec<SocketAddr>,
    /// Accept peers on this address; turns networking on.
    #[arg(long = "peer-listen", value_name = "ADDR")]
    pub peer_listen: Option<SocketAddr>,
    /// Require the reference's CSRF token on POST requests.
    #[arg(long)]
    pub csrf: bool,
    /// Turn off the Host-header check (DNS-rebinding defence).
    #[arg(long = "disable-header-check")]
    pub disable_header_check: bool,
    /// Extra `host:port` accepted in the Host header (repeatable).
    #[arg(long = "host-whitelist", value_name = "HOST")]
    pub host_whitelist: Vec<String>,
    /// Confirmations after which a transaction is reported final.
    #[arg(long = "final-depth", default_value_t = 1)]
    pub final_depth: u64,
    /// Memory for answers of read-only routes, kept until the next block or
    /// pool change (MiB; 0 turns the cache off).
    #[arg(
        long = "response-cache-mb",
        env = "SKYX_RESPONSE_CACHE_MB",
        default_value_t = crate::http::cache::DEFAULT_CAPACITY_MIB,
        value_name = "MIB"
    )]
    pub response_cache_mb: u64,
}

/// Arguments of `skyx openapi`.
#[derive(Debug, Args)]
pub struct OpenapiArgs {}

/// `host:port` names a listener answers to.
fn host_names(addr: &SocketAddr) -> Vec<String> {
    let port = addr.port();
    let mut v = vec![addr.to_string()];
    if addr.ip().is_loopback() || addr.ip().is_unspecified() {
        v.push(format!("localhost:{port}"));
        v.push(format!("127.0.0.1:{port}"));
        v.push(format!("[::1]:{port}"));
    }
    v
}

/// Runs the server.
pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    if !args.http.ip().is_loopback() && !args.insecure_http {
        bail!(
            "refusing plain HTTP on non-loopback address {}: use --https, or --insecure-http to allow it",
            args.http
        );
    }
    // A new data directory starts as a Skycoin mainnet node holding the
    // genesis block; peers (`--peer`) or `skyx node import` bring the rest.
    let store = skyx_node::store::ChainStore::open(&args.data_dir, None)?;
    if skyx_node::p2p::ensure_genesis(&store, None)? {
        tracing::info!(dir = %args.data_dir.display(), "new node store with the genesis block");
    }
    let store = Arc::new(store);
    let tls = match (&args.https, &args.tls_cert, &args.tls_key) {
        (Some(_), Some(c), Some(k)) => Some(server::tls_config(c, k, args.tls_chacha20_only)?),
        (None, _, _) if args.tls_chacha20_only => bail!("--tls-chacha20-only needs --https"),
        _ => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(args, store, tls))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(
    args: &ServeArgs,
    store: Arc<skyx_node::store::ChainStore>,
    tls: Option<rustls::ServerConfig>,
) -> anyhow::Result<()> {
    let http = TcpListener::bind(args.http)
        .await
        .with_context(|| format!("cannot listen on {}", args.http))?;
    let http_addr = http.local_addr()?;
    let https = match args.https {
        Some(a) => Some(
            TcpListener::bind(a)
                .await
                .with_context(|| format!("cannot listen on {a}"))?,
        ),
        None => None,
    };
    let https_addr = https.as_ref().map(|l| l.local_addr()).transpose()?;
    let networking = !args.peers.is_empty() || args.peer_listen.is_some();
    let user_agent = skyx_node::p2p::default_user_agent();
    let peer_node = if networking {
        let config = skyx_node::p2p::PeerConfig {
            listen: args.peer_listen,
            peers: args.peers.clone(),
            progress: false,
            ..Default::default()
        };
        Some(Arc::new(
            skyx_node::p2p::PeerNode::start(store.clone(), config)
                .await
                .context("cannot start the peer node")?,
        ))
    } else {
        None
    };
    let mainnet = store.genesis_hash() == skyx_node::chainfile::ChainSpec::mainnet().genesis_hash;
    let mut allowed_hosts = host_names(&http_addr);
    if let Some(a) = https_addr {
        allowed_hosts.extend(host_names(&a));
    }
    allowed_hosts.extend(args.host_whitelist.iter().cloned());
    let config = ApiConfig {
        host_check: !args.disable_header_check,
        allowed_hosts,
        csrf: args.csrf,
        final_depth: args.final_depth,
        default_peers: if mainnet {
            MAINNET_DEFAULT_PEERS
                .iter()
                .map(|s| s.to_string())
                .collect()
        } else {
            args.peers.iter().map(|p| p.to_string()).collect()
        },
        trusted_peers: if mainnet && args.peers.is_empty() {
            MAINNET_DEFAULT_PEERS
                .iter()
                .map(|s| s.to_string())
                .collect()
        } else {
            args.peers.iter().map(|p| p.to_string()).collect()
        },
        distribution: if mainnet {
            distribution::ADDRESSES
                .iter()
                .map(|s| s.to_string())
                .collect()
        } else {
            Vec::new()
        },
        unlocked: distribution::UNLOCKED,
        max_supply: if mainnet {
            distribution::MAX_SUPPLY
        } else {
            store.params().genesis_coins
        },
        user_agent,
        response_cache_bytes: args.response_cache_mb.saturating_mul(1024 * 1024),
    };
    let state = Arc::new(AppState::new(store, peer_node.clone(), config));
    let app = router(state);
    let (stop_tx, stop_rx) = watch::channel(false);
    println!(
        "{}",
        serde_json::json!({
            "http": http_addr.to_string(),
            "https": https_addr.map(|a| a.to_string()),
        })
    );
    tracing::info!(%http_addr, ?https_addr, networking, "serving the API");
    let mut tasks = Vec::new();
    {
        let mut rx = stop_rx.clone();
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            server::serve_http(http, app, async move {
                let _ = rx.changed().await;
            })
            .await
        }));
    }
    if let (Some(listener), Some(cfg)) = (https, tls) {
        let rx = stop_rx.clone();
        tasks.push(tokio::spawn(server::serve_https(listener, app, cfg, rx)));
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    let _ = stop_tx.send(true);
    for t in tasks {
        match t.await {
            Ok(Err(e)) => tracing::warn!(error = %e, "server ended with an error"),
            Err(e) => tracing::warn!(error = %e, "server task failed"),
            Ok(Ok(())) => {}
        }
    }
    if let Some(p) = peer_node {
        if let Ok(p) = Arc::try_unwrap(p) {
            p.stop().await;
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Prints the OpenAPI document.
pub fn openapi(_args: &OpenapiArgs) -> anyhow::Result<ExitCode> {
    println!("{}", openapi::document_json()?);
    Ok(ExitCode::SUCCESS)
}
