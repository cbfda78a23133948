//! Checks every request passes before its handler, as the reference's
//! middleware does: the `Host` (and `Origin`) header against the server's
//! own names (DNS-rebinding defence) and the CSRF token on state-changing
//! requests when enabled; then metrics and a log line per request. (The
//! JSON content type of v2 bodies is checked by their extractor,
//! [`JsonV2`](super::params::JsonV2), once the route and method matched.)

use std::time::{Instant, SystemTime};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::csrf::CSRF_HEADER;
use super::error::{ApiError, Version};
use super::state::SharedState;

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

/// Checks a request against the host, origin and CSRF rules.
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
        if let Err(e) = state.csrf.verify(token, SystemTime::now()) {
            return Err(ApiError::v1(StatusCode::FORBIDDEN, e.to_string()).with_version(version));
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
