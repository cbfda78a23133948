//! The reference node's goldens (`shared/vectors/skycoin/api`) answered
//! through the router with every streamed answer cut into one-byte pieces:
//! the streamed text must be the reference's answer, and the per-block
//! figures are computed once however many requests ask at the same time.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request};
use serde_json::Value;
use skyx_node::import::{import_reference_db, ImportOptions};
use tower::ServiceExt;

use super::distribution;
use super::state::{ApiConfig, AppState};
use super::stream::Streamed;

fn vectors() -> PathBuf {
    match std::env::var_os("SKYX_VECTORS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors")),
    }
}

/// The settings `skyx serve` uses on mainnet data.
fn mainnet_config() -> ApiConfig {
    ApiConfig {
        host_check: false,
        allowed_hosts: Vec::new(),
        csrf: false,
        final_depth: 1,
        default_peers: super::state::MAINNET_DEFAULT_PEERS
            .iter()
            .map(|s| s.to_string())
            .collect(),
        trusted_peers: Vec::new(),
        distribution: distribution::ADDRESSES
            .iter()
            .map(|s| s.to_string())
            .collect(),
        unlocked: distribution::UNLOCKED,
        max_supply: distribution::MAX_SUPPLY,
        user_agent: "test".into(),
        response_cache_bytes: 0,
    }
}

/// State over a store imported from the reference database `db`, streaming
/// every answer longer than one byte in one-byte pieces.
fn state(dir: &std::path::Path, db: &str) -> Arc<AppState> {
    let file = vectors().join("skycoin/chain").join(db);
    assert!(file.exists(), "vector file {} is required", file.display());
    let (store, _) = import_reference_db(dir, &file, &ImportOptions::default())
        .unwrap_or_else(|e| panic!("import {db}: {e}"));
    let mut s = AppState::new(Arc::new(store), None, mainnet_config());
    s.stream_pieces = (1, 1);
    Arc::new(s)
}

/// The request a manifest entry describes.
fn request(entry: &Value) -> Request<Body> {
    let path = entry["path"].as_str().unwrap_or("");
    let params: Vec<(String, String)> = entry["params"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default();
    let query = serde_urlencoded::to_string(&params).unwrap_or_default();
    let b = Request::builder();
    let r = match entry["method"].as_str().unwrap_or("") {
        "GET" => b
            .method(Method::GET)
            .uri(format!("{path}?{query}"))
            .body(Body::empty()),
        "POST (form)" => b
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(query)),
        _ => b
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(entry["json_body"].to_string())),
    };
    r.unwrap_or_else(|e| panic!("{e}"))
}

/// Checks every golden of `mode`; returns (checked, streamed).
async fn check_mode(mode: &str, db: &str) -> (usize, usize) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let app = super::router(state(dir.path(), db));
    let api = vectors().join("skycoin/api");
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(api.join("manifest.json")).unwrap_or_else(|e| panic!("manifest: {e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (mut checked, mut streamed) = (0, 0);
    let files = manifest["files"].as_object().cloned().unwrap_or_default();
    for (name, entry) in &files {
        let path = entry["path"].as_str().unwrap_or("");
        let in_mode = entry["modes"]
            .as_array()
            .is_some_and(|m| m.iter().any(|x| x == mode));
        // Wallet goldens belong to the wallet API; see api_golden.rs for
        // the page-19 golden.
        if !in_mode
            || path.starts_with("/api/v1/wallet")
            || name == "transactions-page-19-with-size-10"
        {
            continue;
        }
        let text = std::fs::read_to_string(api.join(name)).unwrap_or_default();
        if text.trim().is_empty() {
            continue;
        }
        let golden: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let r = app
            .clone()
            .oneshot(request(entry))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        if r.extensions().get::<Streamed>().is_some() {
            streamed += 1;
        }
        let body = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let got: Value = serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("{name}: {e}: {}", String::from_utf8_lossy(&body)));
        let got = if path.starts_with("/api/v2/") {
            got["data"].clone()
        } else {
            got
        };
        assert_eq!(got, golden, "{name} in mode {mode}");
        checked += 1;
    }
    (checked, streamed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_answers_are_the_reference_goldens() {
    let (checked, streamed) = check_mode("stable", "blockchain-180.db").await;
    assert!(
        checked >= 30 && streamed >= 15,
        "{checked} checked, {streamed} streamed"
    );
    let (checked, streamed) =
        check_mode("stable-no-unconfirmed", "blockchain-180-no-unconfirmed.db").await;
    assert!(
        checked >= 30 && streamed >= 15,
        "{checked} checked, {streamed} streamed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_are_computed_once_per_head_for_concurrent_requests() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let s = state(dir.path(), "blockchain-180.db");
    let app = super::router(s.clone());
    let uris = [
        "/api/v1/richlist?n=0",
        "/api/v1/coinSupply",
        "/api/v1/addresscount",
        "/api/v1/outputs",
    ];
    let mut tasks = Vec::new();
    for i in 0..16 {
        let app = app.clone();
        let uri = uris[i % uris.len()];
        tasks.push(tokio::spawn(async move {
            let r = app
                .oneshot(
                    Request::get(uri)
                        .body(Body::empty())
                        .unwrap_or_else(|e| panic!("{e}")),
                )
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let status = r.status().as_u16();
            let _ = axum::body::to_bytes(r.into_body(), usize::MAX).await;
            status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap_or_else(|e| panic!("{e}")), 200);
    }
    assert_eq!(s.figures_computed(), 1, "one computation for 16 requests");
}
