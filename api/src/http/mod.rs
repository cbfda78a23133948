//! The HTTP API: the reference Skycoin REST API and skyx extensions.
//!
//! - [`v1`](mod@v1), [`v2`](mod@v2): the endpoints, one module per group; handlers are thin
//!   and call plain functions that read the store.
//! - [`json`]: the reference's response shapes; [`params`]: its parameter
//!   parsing; [`error`]: its error format.
//! - [`middleware`]: host/origin check, CSRF, v2 content type, metrics;
//!   [`cache`]: answers of the read-only routes kept until the store changes.
//! - [`server`]: plain HTTP and rustls HTTPS listeners; [`openapi`]: the
//!   OpenAPI document and Swagger UI.

pub mod cache;
pub mod csrf;
pub mod distribution;
pub mod droplet;
pub mod error;
pub mod json;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod params;
pub mod server;
pub mod state;
pub mod stream;
#[cfg(test)]
mod stream_goldens;
pub mod v1;
pub mod v2;

use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;

use error::ApiError;
use state::SharedState;

async fn method_not_allowed_v1() -> Response {
    ApiError::method_not_allowed().into_response()
}

async fn method_not_allowed_v2() -> Response {
    ApiError::method_not_allowed()
        .with_version(error::Version::V2)
        .into_response()
}

async fn not_found() -> Response {
    ApiError::not_found().into_response()
}

fn v1(m: MethodRouter<SharedState>) -> MethodRouter<SharedState> {
    m.fallback(method_not_allowed_v1)
}

fn v2m(m: MethodRouter<SharedState>) -> MethodRouter<SharedState> {
    m.fallback(method_not_allowed_v2)
}

/// The whole API as a router.
pub fn router(state: SharedState) -> Router {
    use v1::{blockchain as bc, explorer as ex, network as net, outputs as out, status as st};
    use v1::{skyx, transaction as tx};
    Router::new()
        .route("/api/v1/health", v1(get(st::health_handler)))
        .route("/api/v1/version", v1(get(st::version_handler)))
        .route("/api/v1/csrf", v1(get(st::csrf_handler)))
        .route("/api/v1/blockchain/metadata", v1(get(bc::metadata_handler)))
        .route("/api/v1/blockchain/progress", v1(get(bc::progress_handler)))
        .route("/api/v1/block", v1(get(bc::block_handler)))
        .route(
            "/api/v1/blocks",
            v1(get(bc::blocks_handler).post(bc::blocks_handler)),
        )
        .route("/api/v1/last_blocks", v1(get(bc::last_blocks_handler)))
        .route("/api/v1/transaction", v1(get(tx::transaction_handler)))
        .route("/api/v1/rawtx", v1(get(tx::rawtx_handler)))
        .route(
            "/api/v1/transactions",
            v1(get(tx::transactions_handler).post(tx::transactions_handler)),
        )
        .route(
            "/api/v1/transactions/num",
            v1(get(tx::transactions_num_handler)),
        )
        .route("/api/v1/pendingTxs", v1(get(tx::pending_handler)))
        .route("/api/v1/injectTransaction", v1(post(tx::inject_handler)))
        .route(
            "/api/v1/resendUnconfirmedTxns",
            v1(post(tx::resend_handler)),
        )
        .route(
            "/api/v1/outputs",
            v1(get(out::outputs_handler).post(out::outputs_handler)),
        )
        .route(
            "/api/v1/balance",
            v1(get(out::balance_handler).post(out::balance_handler)),
        )
        .route("/api/v1/uxout", v1(get(out::uxout_handler)))
        .route(
            "/api/v1/address_uxouts",
            v1(get(out::address_uxouts_handler)),
        )
        .route("/api/v1/coinSupply", v1(get(ex::coin_supply_handler)))
        .route("/api/v1/richlist", v1(get(ex::richlist_handler)))
        .route("/api/v1/addresscount", v1(get(ex::address_count_handler)))
        .route(
            "/api/v1/network/connection",
            v1(get(net::connection_handler)),
        )
        .route(
            "/api/v1/network/connection/disconnect",
            v1(post(net::disconnect_handler)),
        )
        .route(
            "/api/v1/network/connections",
            v1(get(net::connections_handler)),
        )
        .route(
            "/api/v1/network/defaultConnections",
            v1(get(net::default_handler)),
        )
        .route(
            "/api/v1/network/connections/trust",
            v1(get(net::trust_handler)),
        )
        .route(
            "/api/v1/network/connections/exchange",
            v1(get(net::exchange_handler)),
        )
        .route(
            "/api/v1/skyx/transaction_status",
            v1(get(skyx::transaction_status_handler)),
        )
        .route(
            "/api/v2/transactions",
            v2m(get(v2::transactions::transactions_v2_handler)),
        )
        .route("/api/v2/transaction", v2m(post(v2::create::create_handler)))
        .route(
            "/api/v2/transaction/verify",
            v2m(post(v2::verify::verify_txn_handler)),
        )
        .route(
            "/api/v2/address/verify",
            v2m(post(v2::verify::verify_address_handler)),
        )
        .route("/metrics", v1(get(st::metrics_handler)))
        .fallback(not_found)
        .merge(openapi::swagger())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cache::layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::guard,
        ))
        .with_state(state)
}
