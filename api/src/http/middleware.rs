//! Checks every request passes before its handler, as the reference's
//! middleware does: the `Host` (and `Origin`) header against the server's
//! own names (DNS-rebinding defence), the CSRF token on state-changing
//! requests when enabled, JSON content type on v2 POSTs; then metrics and
//! a log line per request.

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::{ApiError, Version};
use super::state::{lock, SharedState};

/// Header carrying the CSRF token.
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// How long a CSRF token stays valid.
pub const CSRF_TTL: Duration = Duration::from_secs(30 * 60);

/// The error format of a path.
pub fn version_of(path: &str) -> Version {
    if path.starts_with("/api/v2/") {
        Version::V2
    } else {
        Version::V1
    }
}

/// Whether a `Host` value (`name[:port]`) is one the server answers to.
pub fn host_allowed(allowed: &[String], host: &str) -> bool {
    allowed.iter().any(|a| a.eq_ignore_ascii_case(host))
}

fn origin_host(origin: &str) -> &str {
    let rest = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .unwrap_or(origin);
    rest.split('/').next().unwrap_or(rest)
}

/// Checks a request against the host, origin, CSRF and content-type rules.
pub fn check(state: &SharedState, req: &Request) -> Result<(), ApiError> {
    let path = req.uri().path();
    let version = version_of(path);
    let cfg = &state.config;
    if cfg.host_check {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| req.uri().authority().map(|a| a.as_str()))
            .unwrap_or("");
        if !host_allowed(&cfg.allowed_hosts, host) {
            return Err(ApiError::v1(StatusCode::FORBIDDEN, "Invalid Host").with_version(version));
        }
        if let Some(origin) = req.headers().get(header::ORIGIN) {
            let o = origin.to_str().unwrap_or("");
            if !host_allowed(&cfg.allowed_hosts, origin_host(o)) {
                return Err(
                    ApiError::v1(StatusCode::FORBIDDEN, "Invalid Origin").with_version(version)
                );
            }
        }
    }
    let changes_state = matches!(*req.method(), Method::POST | Method::PUT | Method::DELETE);
    if cfg.csrf && changes_state && path.starts_with("/api/") {
        let token = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let mut tokens = lock(&state.csrf_tokens);
        let now = Instant::now();
        tokens.retain(|_, exp| *exp > now);
        if token.is_empty() || !tokens.contains_key(token) {
            return Err(
                ApiError::v1(StatusCode::FORBIDDEN, "invalid CSRF token").with_version(version)
            );
        }
    }
    if version == Version::V2 && req.method() == Method::POST {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let media = ct.split(';').next().unwrap_or("").trim();
        if !media.eq_ignore_ascii_case("application/json") {
            return Err(ApiError::v2(StatusCode::UNSUPPORTED_MEDIA_TYPE, ""));
        }
    }
    Ok(())
}

/// The middleware: checks, then the handler, then metrics and a log line.
pub async fn guard(State(state): State<SharedState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let method = req.method().clone();
    let response = match check(&state, &req) {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    };
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    let route = route.as_ref().map_or("unmatched", |p| p.as_str());
    state.metrics.observe(route, status, elapsed);
    tracing::debug!(%method, route, status, micros = elapsed.as_micros() as u64, "request");
    response
}
