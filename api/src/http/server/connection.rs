//! One accepted connection: the TLS handshake (bounded in time) on HTTPS,
//! then HTTP/1.1 or HTTP/2 under the listener's limits until the client
//! leaves, the connection idles out, or the server shuts down.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::Watcher;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_io_timeout::TimeoutStream;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;
use tower_http::timeout::RequestBodyTimeout;

use super::idle::{Activity, Tracked};
use super::limits::ListenerLimits;
use crate::http::error::ApiError;
use crate::http::middleware::version_of;

/// What the connections of one listener share.
pub(super) struct Shared {
    /// The API.
    pub app: Router,
    /// The TLS acceptor of an HTTPS listener.
    pub tls: Option<TlsAcceptor>,
    /// The listener's limits.
    pub limits: ListenerLimits,
    /// HTTP/1.1 and HTTP/2 settings.
    pub http: auto::Builder<TokioExecutor>,
    /// Cancelled when shutdown starts: handshakes in progress are dropped.
    pub draining: CancellationToken,
    /// Cancelled when the drain time is over: every connection is closed.
    pub closing: CancellationToken,
}

/// The HTTP/1.1 and HTTP/2 settings for `limits`.
pub(super) fn http_builder(limits: &ListenerLimits) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(limits.max_streams);
    builder
}

/// Serves one accepted TCP connection to its end.
pub(super) async fn serve(
    shared: Arc<Shared>,
    stream: TcpStream,
    remote: SocketAddr,
    watcher: Watcher,
) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(%remote, error = %e, "cannot set TCP_NODELAY");
    }
    // A write that waits this long for a client to read fails the connection.
    let mut io = TimeoutStream::new(stream);
    io.set_write_timeout(Some(shared.limits.request_timeout));
    let io = Box::pin(io);
    let Some(acceptor) = &shared.tls else {
        return serve_http(&shared, io, remote, watcher).await;
    };
    let handshake = tokio::time::timeout(shared.limits.tls_handshake_timeout, acceptor.accept(io));
    let tls = tokio::select! {
        r = handshake => r,
        _ = shared.draining.cancelled() => return,
    };
    match tls {
        Ok(Ok(tls)) => serve_http(&shared, tls, remote, watcher).await,
        Ok(Err(e)) => tracing::debug!(%remote, error = %e, "TLS handshake failed"),
        Err(_) => tracing::debug!(%remote, "TLS handshake timed out"),
    }
}

/// HTTP on an established (plain or TLS) stream.
async fn serve_http<I>(shared: &Shared, io: I, remote: SocketAddr, watcher: Watcher)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let limits = shared.limits;
    let activity = Activity::new();
    let app = RequestBodyTimeout::new(shared.app.clone(), limits.header_timeout);
    let tracker = activity.clone();
    let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(remote));
        let version = version_of(req.uri().path());
        let busy = tracker.begin();
        let answer = app.clone().oneshot(req);
        async move {
            let response = match tokio::time::timeout(limits.request_timeout, answer).await {
                Ok(Ok(response)) => response,
                Ok(Err(never)) => match never {},
                Err(_) => ApiError::v1(
                    StatusCode::REQUEST_TIMEOUT,
                    format!("not answered within {} s", limits.request_timeout.as_secs()),
                )
                .with_version(version)
                .into_response(),
            };
            Ok::<_, Infallible>(response.map(|b| Body::new(Tracked::new(b, busy))))
        }
    });
    let conn = shared
        .http
        .serve_connection_with_upgrades(TokioIo::new(io), service)
        .into_owned();
    let conn = watcher.watch(conn);
    tokio::select! {
        r = conn => {
            if let Err(e) = r {
                tracing::debug!(%remote, error = %e, "connection ended");
            }
        }
        _ = activity.idle_out(limits.header_timeout, limits.idle_timeout) => {
            tracing::debug!(%remote, "closing an idle connection");
        }
        _ = shared.closing.cancelled() => {
            tracing::debug!(%remote, "closing a connection still busy after the drain time");
        }
    }
}
