//! Peers: `/network/connection`, `/network/connection/disconnect`, `/network/connections`,
//! `/network/defaultConnections`, `/network/connections/trust`,
//! `/network/connections/exchange`.

use axum::extract::State;
use skyx_node::p2p::PeerInfo;

use crate::http::error::{ApiError, ApiResult};
use crate::http::json::misc::{Connection, Connections, VerifyTxn};
use crate::http::json::Json;
use crate::http::params::Form;
use crate::http::state::{AppState, SharedState};

/// The pool rules the reference reports for peers.
pub fn verify_params(s: &AppState) -> VerifyTxn {
    let p = s.store.params();
    VerifyTxn {
        burn_factor: p.burn_factor,
        max_transaction_size: u32::try_from(p.max_transaction_size).unwrap_or(u32::MAX),
        max_decimals: p.max_decimals,
    }
}

/// The shape of a connected peer.
pub fn connection(s: &AppState, p: &PeerInfo) -> Connection {
    let addr = p.addr.to_string();
    Connection {
        id: p.id,
        is_trusted_peer: s.config.trusted_peers.contains(&addr),
        address: addr,
        last_sent: p.last_sent,
        last_received: p.last_received,
        connected_at: p.connected_at,
        outgoing: p.outgoing,
        state: "introduced".into(),
        mirror: p.mirror,
        listen_port: p.listen_port,
        height: p.height.unwrap_or(0),
        user_agent: p.user_agent.clone(),
        unconfirmed_verify_transaction: verify_params(s),
    }
}

/// `GET /api/v1/network/connections`
#[utoipa::path(get, path = "/api/v1/network/connections", tag = "network",
    params(("states" = Option<String>, Query, description = "pending, connected, introduced (comma-separated)"),
           ("direction" = Option<String>, Query, description = "outgoing or incoming")),
    responses((status = 200, description = "Connections", body = Connections,
               example = json!({"connections": []})),
              (status = 400, description = "Bad state or direction")))]
pub async fn connections_handler(
    State(s): State<SharedState>,
    form: Form,
) -> ApiResult<Json<Connections>> {
    let states = form.get("states");
    let mut want_introduced = states.is_empty();
    for st in states.split(',').filter(|x| !x.is_empty()) {
        match st {
            "pending" | "connected" => {}
            "introduced" => want_introduced = true,
            _ => {
                return Err(ApiError::bad_request(
                    "Invalid state in states. Valid states are \"pending\", \"connected\" or \"introduced\"",
                ))
            }
        }
    }
    let direction = form.get("direction").to_string();
    if !matches!(direction.as_str(), "" | "incoming" | "outgoing") {
        return Err(ApiError::bad_request(
            "Invalid direction. Valid directions are \"outgoing\" or \"incoming\"",
        ));
    }
    let list = s
        .connected_peers()
        .iter()
        .filter(|_| want_introduced)
        .filter(|p| match direction.as_str() {
            "outgoing" => p.outgoing,
            "incoming" => !p.outgoing,
            _ => true,
        })
        .map(|p| connection(&s, p))
        .collect();
    Ok(Json(Connections { connections: list }))
}

/// `GET /api/v1/network/connection`
#[utoipa::path(get, path = "/api/v1/network/connection", tag = "network",
    params(("addr" = String, Query, description = "Peer ip:port")),
    responses((status = 200, description = "The connection", body = Connection),
              (status = 400, description = "`400 Bad Request - addr is required`"),
              (status = 404, description = "Not connected")))]
pub async fn connection_handler(
    State(s): State<SharedState>,
    form: Form,
) -> ApiResult<Json<Connection>> {
    let addr = form.get("addr");
    if addr.is_empty() {
        return Err(ApiError::bad_request("addr is required"));
    }
    s.connected_peers()
        .iter()
        .find(|p| p.addr.to_string() == addr)
        .map(|p| Json(connection(&s, p)))
        .ok_or_else(ApiError::not_found)
}

/// `POST /api/v1/network/connection/disconnect`
#[utoipa::path(post, path = "/api/v1/network/connection/disconnect", tag = "network",
    params(("id" = u64, Query, description = "Connection id (from `/network/connections`), form value")),
    responses((status = 200, description = "The peer is being disconnected", body = Object,
               example = json!({})),
              (status = 400, description = "`400 Bad Request - id is required` or `invalid id`"),
              (status = 404, description = "No connection with that id")))]
pub async fn disconnect_handler(
    State(s): State<SharedState>,
    form: Form,
) -> ApiResult<Json<serde_json::Map<String, serde_json::Value>>> {
    let raw = form.get("id");
    if raw.is_empty() {
        return Err(ApiError::bad_request("id is required"));
    }
    // Connection ids start at 1, as the reference's do.
    let id = match raw.parse::<u64>() {
        Ok(id) if id > 0 => id,
        _ => return Err(ApiError::bad_request("invalid id")),
    };
    match &s.peers {
        Some(p) if p.disconnect(id) => Ok(Json(serde_json::Map::new())),
        _ => Err(ApiError::not_found()),
    }
}

/// `GET /api/v1/network/defaultConnections`
#[utoipa::path(get, path = "/api/v1/network/defaultConnections", tag = "network",
    responses((status = 200, description = "Default peers, sorted", body = Vec<String>)))]
pub async fn default_handler(State(s): State<SharedState>) -> Json<Vec<String>> {
    let mut v = s.config.default_peers.clone();
    v.sort();
    Json(v)
}

/// `GET /api/v1/network/connections/trust`
#[utoipa::path(get, path = "/api/v1/network/connections/trust", tag = "network",
    responses((status = 200, description = "Trusted peers, sorted", body = Vec<String>)))]
pub async fn trust_handler(State(s): State<SharedState>) -> Json<Vec<String>> {
    let mut v = s.config.trusted_peers.clone();
    v.sort();
    Json(v)
}

/// `GET /api/v1/network/connections/exchange`
#[utoipa::path(get, path = "/api/v1/network/connections/exchange", tag = "network",
    responses((status = 200, description = "Peers learnt from other peers, sorted", body = Vec<String>)))]
pub async fn exchange_handler(State(s): State<SharedState>) -> Json<Vec<String>> {
    let trusted = &s.config.trusted_peers;
    let mut v: Vec<String> = s
        .connected_peers()
        .iter()
        .map(|p| p.addr.to_string())
        .filter(|a| !trusted.contains(a))
        .collect();
    v.sort();
    v.dedup();
    Json(v)
}
