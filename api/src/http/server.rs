//! The API listeners. Plain HTTP and HTTPS share one accept loop: a cap on
//! connections served at once (further clients wait in the listen
//! backlog), a pause after accept errors that are not the client's (no
//! free file descriptor must not spin a core), per-connection timeouts
//! (TLS handshake, request headers, whole request, idle) and, on shutdown,
//! a bounded drain of the answers in progress.
//!
//! - [`limits`]: the settings; [`tls`]: the rustls configuration;
//!   `connection`: one connection; `idle`: when a connection is idle.

mod connection;
mod idle;
pub mod limits;
pub mod tls;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

pub use limits::ListenerLimits;
pub use tls::tls_config;

use connection::Shared;

/// Serves `app` on `listener` (over TLS when `tls` is given) until `stop`
/// is cancelled, then stops accepting and lets the answers in progress
/// finish for at most `limits.drain_timeout`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<rustls::ServerConfig>,
    limits: ListenerLimits,
    stop: CancellationToken,
) -> anyhow::Result<()> {
    let local = listener.local_addr()?;
    let shared = Arc::new(Shared {
        app,
        tls: tls.map(|cfg| TlsAcceptor::from(Arc::new(cfg))),
        http: connection::http_builder(&limits),
        limits,
        draining: stop.clone(),
        closing: CancellationToken::new(),
    });
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => p?,
            _ = stop.cancelled() => break,
        };
        let Some((stream, remote)) = accept(&listener, &limits, &stop).await else {
            break;
        };
        let watcher = graceful.watcher();
        let shared = shared.clone();
        tokio::spawn(async move {
            connection::serve(shared, stream, remote, watcher).await;
            drop(permit);
        });
    }
    drop(listener);
    let open = graceful.count();
    tracing::info!(%local, open, "listener closed; draining connections");
    if tokio::time::timeout(limits.drain_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(%local, "connections still busy after the drain time are closed");
        shared.closing.cancel();
    }
    Ok(())
}

/// The next connection, or `None` once `stop` is cancelled.
async fn accept(
    listener: &TcpListener,
    limits: &ListenerLimits,
    stop: &CancellationToken,
) -> Option<(tokio::net::TcpStream, SocketAddr)> {
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = stop.cancelled() => return None,
        };
        match accepted {
            Ok(x) => return Some(x),
            Err(e) if client_error(&e) => {
                tracing::debug!(error = %e, "a connection failed before it was accepted");
            }
            Err(e) => {
                tracing::warn!(
                    error = %e,
                    pause_ms = limits.accept_error_pause.as_millis() as u64,
                    "accept failed; pausing"
                );
                tokio::select! {
                    _ = tokio::time::sleep(limits.accept_error_pause) => {}
                    _ = stop.cancelled() => return None,
                }
            }
        }
    }
}

/// Errors that concern one client's connection, not the listener.
fn client_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
    )
}
