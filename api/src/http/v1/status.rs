//! Node status: `/health`, `/version`, `/csrf`, and `/metrics`.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use super::network::verify_params;
use super::{blocking, head};
use crate::http::error::{ApiError, ApiResult};
use crate::http::json::block::Header;
use crate::http::json::misc::{go_duration, BuildInfo, CsrfToken, Fiber, Health, HealthChain};
use crate::http::json::Json;
use crate::http::state::{AppState, SharedState};

/// The build of this program.
pub fn build_info() -> BuildInfo {
    BuildInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        commit: option_env!("SKYX_COMMIT").unwrap_or("").to_string(),
        branch: option_env!("SKYX_BRANCH").unwrap_or("").to_string(),
    }
}

/// The health answer.
pub fn health(s: &AppState) -> ApiResult<Health> {
    let h = head(s)?;
    let c = s.store.counts()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let peers = s.connected_peers();
    let outgoing = peers.iter().filter(|p| p.outgoing).count() as u64;
    let v = verify_params(s);
    Ok(Health {
        blockchain: HealthChain {
            head: Header::new(&h),
            unspents: c.unspent,
            unconfirmed: c.unconfirmed,
            time_since_last_block: go_duration(
                u128::from(now.saturating_sub(h.time)) * 1_000_000_000,
            ),
        },
        version: build_info(),
        coin: "skycoin".into(),
        user_agent: s.config.user_agent.clone(),
        open_connections: peers.len() as u64,
        outgoing_connections: outgoing,
        incoming_connections: peers.len() as u64 - outgoing,
        uptime: go_duration(s.started.elapsed().as_nanos()),
        csrf_enabled: s.config.csrf,
        header_check_enabled: s.config.host_check,
        csp_enabled: false,
        wallet_api_enabled: false,
        gui_enabled: false,
        block_publisher: false,
        user_verify_transaction: v.clone(),
        unconfirmed_verify_transaction: v,
        started_at: s.started_unix,
        fiber: Fiber {
            name: "skycoin".into(),
            display_name: "Skycoin".into(),
            ticker: "SKY".into(),
            coin_hours_display_name: "Coin Hours".into(),
            coin_hours_display_name_singular: "Coin Hour".into(),
            coin_hours_ticker: "SCH".into(),
            explorer_url: "https://explorer.skycoin.com".into(),
            bip44_coin: 8000,
        },
    })
}

/// `GET /api/v1/health`
#[utoipa::path(get, path = "/api/v1/health", tag = "status",
    responses((status = 200, description = "Node health", body = Health)))]
pub async fn health_handler(State(s): State<SharedState>) -> ApiResult<Json<Health>> {
    blocking(&s, |s| health(s).map(Json)).await
}

/// `GET /api/v1/version`
#[utoipa::path(get, path = "/api/v1/version", tag = "status",
    responses((status = 200, description = "Build information", body = BuildInfo)))]
pub async fn version_handler() -> Json<BuildInfo> {
    Json(build_info())
}

/// `GET /api/v1/csrf`
#[utoipa::path(get, path = "/api/v1/csrf", tag = "status",
    responses((status = 200, description = "A new CSRF token (when `--csrf` is on)", body = CsrfToken),
              (status = 404, description = "CSRF check is off: `404 Not Found`")))]
pub async fn csrf_handler(State(s): State<SharedState>) -> ApiResult<Json<CsrfToken>> {
    if !s.config.csrf {
        return Err(ApiError::not_found());
    }
    let token = s.csrf.issue(std::time::SystemTime::now());
    Ok(Json(CsrfToken { csrf_token: token }))
}

/// `GET /metrics`
#[utoipa::path(get, path = "/metrics", tag = "status",
    responses((status = 200, description = "Prometheus text exposition", body = String, content_type = "text/plain")))]
pub async fn metrics_handler(State(s): State<SharedState>) -> Response {
    let mut text = s.metrics.render();
    text.push_str(&s.cache.render());
    text.push_str(&format!(
        "# HELP skyx_http_figures_computed_total Computations of the per-block figures (rich list, supply, outputs order).\n\
         # TYPE skyx_http_figures_computed_total counter\n\
         skyx_http_figures_computed_total {}\n",
        s.figures_computed()
    ));
    let mut r = text.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    r
}
