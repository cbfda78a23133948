//! `skyx serve` and `skyx openapi`.
//!
//! `serve` opens the node's store, starts the peer node when peers are
//! given, and serves the reference Skycoin REST API over HTTPS (`--https`)
//! and/or plain HTTP (`--http`; 127.0.0.1:6420 when neither is given;
//! loopback only unless `--insecure-http`). Every long-running task runs
//! under one [`supervise::Supervisor`]: SIGTERM or SIGINT drains the
//! listeners and exits 0; a task that fails shuts the process down with an
//! error.

mod listen;
mod supervise;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use clap::Args;

use crate::http::server::{self, ListenerLimits};
use crate::http::state::{ApiConfig, AppState, MAINNET_DEFAULT_PEERS};
use crate::http::{distribution, openapi, router};

pub use listen::ListenAddr;
use listen::{allowed_names, bind, Plan};
use supervise::Supervisor;

/// Arguments of `skyx serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Folder holding the node's store (see `skyx node import`).
    #[arg(long = "data-dir", env = "SKYX_DATA_DIR", value_name = "DIR")]
    pub data_dir: PathBuf,
    /// Plain HTTP address, `IP:PORT` or `HOST:PORT` (port 0: any free
    /// port). Default 127.0.0.1:6420, but none when --https is given.
    #[arg(long, value_name = "ADDR")]
    pub http: Option<ListenAddr>,
    /// Allow plain HTTP on a non-loopback address.
    #[arg(long = "insecure-http")]
    pub insecure_http: bool,
    /// HTTPS address (needs --tls-cert and --tls-key); alone, it is the
    /// only listener.
    #[arg(long, value_name = "ADDR", requires_all = ["tls_cert", "tls_key"])]
    pub https: Option<ListenAddr>,
    /// PEM certificate chain for HTTPS.
    #[arg(long = "tls-cert", value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for HTTPS.
    #[arg(long = "tls-key", value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Offer only TLS 1.3 with TLS13_CHACHA20_POLY1305_SHA256.
    #[arg(long = "tls-chacha20-only")]
    pub tls_chacha20_only: bool,
    /// Limits of the HTTP and HTTPS listeners.
    #[command(flatten)]
    pub limits: LimitArgs,
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

/// The listener limits as flags (see [`ListenerLimits`]; times in seconds).
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Seconds a client has to send a request's headers (and, on a
    /// keep-alive connection, to start its next request).
    #[arg(long = "http-header-timeout", value_name = "SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: u64,
    /// Seconds from a request's headers to its answer.
    #[arg(long = "http-request-timeout", value_name = "SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: u64,
    /// Seconds a connection with no request in progress stays open.
    #[arg(long = "http-idle-timeout", value_name = "SECS", default_value_t = 120,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout: u64,
    /// Seconds a client has to complete the TLS handshake.
    #[arg(long = "tls-handshake-timeout", value_name = "SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub tls_handshake_timeout: u64,
    /// Connections served at once per listener; more wait until one closes.
    #[arg(long = "http-max-connections", value_name = "N", default_value_t = 1024,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,
    /// Seconds answers in progress get to finish on SIGTERM or SIGINT.
    #[arg(long = "shutdown-timeout", value_name = "SECS", default_value_t = 30)]
    pub shutdown_timeout: u64,
}

impl LimitArgs {
    /// The limits these flags set, the rest at their defaults.
    pub fn limits(&self) -> ListenerLimits {
        ListenerLimits {
            header_timeout: Duration::from_secs(self.header_timeout),
            request_timeout: Duration::from_secs(self.request_timeout),
            idle_timeout: Duration::from_secs(self.idle_timeout),
            tls_handshake_timeout: Duration::from_secs(self.tls_handshake_timeout),
            max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
            drain_timeout: Duration::from_secs(self.shutdown_timeout),
            ..ListenerLimits::default()
        }
    }
}

/// Arguments of `skyx openapi`.
#[derive(Debug, Args)]
pub struct OpenapiArgs {}

/// Runs the server.
pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let plan = Plan::new(args)?;
    let tls = match (&args.https, &args.tls_cert, &args.tls_key) {
        (Some(_), Some(c), Some(k)) => Some(server::tls_config(c, k, args.tls_chacha20_only)?),
        (None, _, _) if args.tls_chacha20_only => bail!("--tls-chacha20-only needs --https"),
        _ => None,
    };
    // A new data directory starts as a Skycoin mainnet node holding the
    // genesis block; peers (`--peer`) or `skyx node import` bring the rest.
    let store = skyx_node::store::ChainStore::open(&args.data_dir, None)?;
    if skyx_node::p2p::ensure_genesis(&store, None)? {
        tracing::info!(dir = %args.data_dir.display(), "new node store with the genesis block");
    }
    let store = Arc::new(store);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(serve(args, plan, store, tls));
    // Store reads still running on blocking threads get a moment to end.
    runtime.shutdown_timeout(Duration::from_secs(5));
    result?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(
    args: &ServeArgs,
    plan: Plan,
    store: Arc<skyx_node::store::ChainStore>,
    tls: Option<rustls::ServerConfig>,
) -> anyhow::Result<()> {
    let stop = stop_signal()?;
    let limits = args.limits.limits();
    let http = bind(&plan.http, limits.backlog)?;
    let https = bind(&plan.https, limits.backlog)?;
    let http_addr = http.as_ref().map(|(_, a)| *a);
    let https_addr = https.as_ref().map(|(_, a)| *a);
    let mut tasks = Supervisor::new();
    let networking = !args.peers.is_empty() || args.peer_listen.is_some();
    let user_agent = skyx_node::p2p::default_user_agent();
    let peer_node = if networking {
        let config = skyx_node::p2p::PeerConfig {
            listen: args.peer_listen,
            peers: args.peers.clone(),
            progress: false,
            ..Default::default()
        };
        let node = Arc::new(
            skyx_node::p2p::PeerNode::start(store.clone(), config)
                .await
                .context("cannot start the peer node")?,
        );
        tasks.spawn("peer node", run_peer_node(node.clone(), tasks.token()));
        Some(node)
    } else {
        None
    };
    let mainnet = store.genesis_hash() == skyx_node::chainfile::ChainSpec::mainnet().genesis_hash;
    let mut allowed_hosts = allowed_names(&plan.http, http_addr);
    allowed_hosts.extend(allowed_names(&plan.https, https_addr));
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
    let state = Arc::new(AppState::new(store, peer_node, config));
    let app = router(state);
    println!(
        "{}",
        serde_json::json!({
            "http": http_addr.map(|a| a.to_string()),
            "https": https_addr.map(|a| a.to_string()),
        })
    );
    if let Some((listener, addr)) = http {
        tracing::info!(%addr, ?limits, "serving the API over plain HTTP");
        let task = server::serve(listener, app.clone(), None, limits, tasks.token());
        tasks.spawn("HTTP listener", task);
    }
    if let Some((listener, addr)) = https {
        tracing::info!(%addr, ?limits, "serving the API over HTTPS");
        let task = server::serve(listener, app, tls, limits, tasks.token());
        tasks.spawn("HTTPS listener", task);
    }
    tracing::info!(networking, peers = ?args.peers, peer_listen = ?args.peer_listen, "node networking");
    // The listeners drain within their own bound; this one only catches a
    // task that ignores cancellation.
    tasks
        .run(stop, limits.drain_timeout + Duration::from_secs(5))
        .await
}

/// The peer node as a supervised task: it runs until cancelled, or fails
/// when one of its own tasks ends.
async fn run_peer_node(
    node: Arc<skyx_node::p2p::PeerNode>,
    cancel: tokio_util::sync::CancellationToken,
) -> anyhow::Result<()> {
    let failure = tokio::select! {
        _ = cancel.cancelled() => None,
        why = node.failed() => Some(why),
    };
    node.shutdown().await;
    match failure {
        None => Ok(()),
        Some(why) => Err(anyhow!(why)),
    }
}

/// Resolves on SIGTERM or SIGINT. Registered before the listeners open,
/// so that a signal is never missed.
fn stop_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
        let mut int = signal(SignalKind::interrupt()).context("cannot watch SIGINT")?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM"),
                _ = int.recv() => tracing::info!("SIGINT"),
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
    }
}

/// Prints the OpenAPI document.
pub fn openapi(_args: &OpenapiArgs) -> anyhow::Result<ExitCode> {
    println!("{}", openapi::document_json()?);
    Ok(ExitCode::SUCCESS)
}
