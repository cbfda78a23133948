//! Whole answers of the read-only routes, kept in memory and served again
//! while the store has not changed.
//!
//! An answer of these routes is a function of the request URI and of what
//! is stored (blocks, indexes, unconfirmed transactions): coin hours are
//! computed at the head block's time, never at the wall clock. Each entry
//! carries the store's [generation](skyx_node::store::ChainStore::generation)
//! read before the answer was computed; a new block or a pool change moves
//! the generation on, and every older entry is then ignored (and evicted as
//! the cache fills). Only successful GET answers are kept, and never a
//! [streamed](super::stream) one; the size is bounded in bytes
//! (`skyx serve --response-cache-mb`, 0 turns it off).

use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use quick_cache::sync::Cache;
use quick_cache::Weighter;

use super::state::SharedState;

/// Routes whose answers depend only on the request and the store.
pub const CACHEABLE_ROUTES: [&str; 18] = [
    "/api/v1/blockchain/metadata",
    "/api/v1/block",
    "/api/v1/blocks",
    "/api/v1/last_blocks",
    "/api/v1/transaction",
    "/api/v1/rawtx",
    "/api/v1/transactions",
    "/api/v1/transactions/num",
    "/api/v1/pendingTxs",
    "/api/v1/outputs",
    "/api/v1/balance",
    "/api/v1/uxout",
    "/api/v1/address_uxouts",
    "/api/v1/coinSupply",
    "/api/v1/richlist",
    "/api/v1/addresscount",
    "/api/v1/skyx/transaction_status",
    "/api/v2/transactions",
];

/// Default capacity, in MiB.
pub const DEFAULT_CAPACITY_MIB: u64 = 64;

/// Bookkeeping bytes counted per entry besides its key and body.
const ENTRY_OVERHEAD: u64 = 128;

/// One stored answer (only `200 OK` answers are stored).
#[derive(Clone)]
struct Entry {
    generation: u64,
    headers: HeaderMap,
    body: Bytes,
}

/// Weighs an entry by the bytes it holds.
#[derive(Clone, Copy)]
struct ByBytes;

impl Weighter<String, Entry> for ByBytes {
    fn weight(&self, key: &String, val: &Entry) -> u64 {
        key.len() as u64 + val.body.len() as u64 + ENTRY_OVERHEAD
    }
}

/// The answer cache with its hit and miss counters.
pub struct ResponseCache {
    entries: Option<Cache<String, Entry, ByBytes>>,
    max_entry: u64,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl std::fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCache")
            .field("enabled", &self.entries.is_some())
            .field("max_entry", &self.max_entry)
            .finish()
    }
}

impl ResponseCache {
    /// A cache holding at most `capacity_bytes` (0: no cache).
    pub fn new(capacity_bytes: u64) -> ResponseCache {
        let entries = (capacity_bytes > 0).then(|| {
            // Estimated entry count only sizes the hash tables.
            let estimate = usize::try_from(capacity_bytes / 4096)
                .unwrap_or(usize::MAX)
                .clamp(16, 1 << 20);
            Cache::with_weighter(estimate, capacity_bytes, ByBytes)
        });
        ResponseCache {
            entries,
            // One answer may take at most an eighth of the cache.
            max_entry: capacity_bytes / 8,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Whether answers are cached at all.
    pub fn enabled(&self) -> bool {
        self.entries.is_some()
    }

    /// The stored answer for `uri` if it was computed at `generation`.
    fn get(&self, uri: &str, generation: u64) -> Option<Response> {
        let entries = self.entries.as_ref()?;
        match entries.get(uri) {
            Some(e) if e.generation == generation => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                let mut r = Response::new(Body::from(e.body));
                *r.headers_mut() = e.headers;
                Some(r)
            }
            _ => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// Keeps an answer computed at `generation`, when it is not too large.
    fn put(&self, uri: &str, generation: u64, headers: &HeaderMap, body: &Bytes) {
        let Some(entries) = self.entries.as_ref() else {
            return;
        };
        if body.len() as u64 > self.max_entry {
            return;
        }
        entries.insert(
            uri.to_string(),
            Entry {
                generation,
                headers: headers.clone(),
                body: body.clone(),
            },
        );
    }

    /// Answers served from the cache so far.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Cacheable requests that had to be computed so far.
    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }

    /// The cache's lines in the Prometheus text format.
    pub fn render(&self) -> String {
        format!(
            "# HELP skyx_http_cache_hits_total Answers served from the response cache.\n\
             # TYPE skyx_http_cache_hits_total counter\n\
             skyx_http_cache_hits_total {}\n\
             # HELP skyx_http_cache_misses_total Cacheable requests that were computed.\n\
             # TYPE skyx_http_cache_misses_total counter\n\
             skyx_http_cache_misses_total {}\n\
             # HELP skyx_http_cache_bytes Bytes held by the response cache.\n\
             # TYPE skyx_http_cache_bytes gauge\n\
             skyx_http_cache_bytes {}\n",
            self.hits(),
            self.misses(),
            self.bytes()
        )
    }

    /// Bytes held now.
    pub fn bytes(&self) -> u64 {
        self.entries.as_ref().map_or(0, |c| c.weight())
    }
}

/// Whether a request may be answered from (and stored in) the cache.
fn cacheable(req: &Request) -> bool {
    req.method() == Method::GET
        && req
            .extensions()
            .get::<MatchedPath>()
            .is_some_and(|p| CACHEABLE_ROUTES.contains(&p.as_str()))
}

/// The middleware: serves a current stored answer, or runs the handler and
/// stores its successful answer.
pub async fn layer(State(state): State<SharedState>, req: Request, next: Next) -> Response {
    if !state.cache.enabled() || !cacheable(&req) {
        return next.run(req).await;
    }
    let uri = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    // Read before computing: an answer stored under this number was computed
    // from this state or a newer one (the number moves after each commit).
    let generation = state.store.generation();
    if let Some(r) = state.cache.get(&uri, generation) {
        return r;
    }
    let response = next.run(req).await;
    if response.status() != StatusCode::OK
        || response
            .extensions()
            .get::<super::stream::Streamed>()
            .is_some()
    {
        return response;
    }
    let (parts, body) = response.into_parts();
    // Bodies that are not streamed were built in memory, so collecting
    // cannot exceed what was already allocated.
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => {
            state.cache.put(&uri, generation, &parts.headers, &bytes);
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(e) => {
            tracing::warn!(error = %e, "answer body could not be read");
            super::error::ApiError::internal("answer body could not be read").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        );
        h
    }

    #[test]
    fn an_answer_is_served_only_at_its_generation() {
        let c = ResponseCache::new(1 << 20);
        let body = Bytes::from_static(b"{\"a\":1}");
        c.put("/x?y=1", 7, &headers(), &body);
        assert!(c.get("/x?y=1", 7).is_some());
        assert!(c.get("/x?y=1", 8).is_none(), "a newer store makes it stale");
        assert!(
            c.get("/x?y=2", 7).is_none(),
            "another query is another answer"
        );
        assert_eq!((c.hits(), c.misses()), (1, 2));
    }

    #[test]
    fn a_disabled_cache_keeps_nothing() {
        let c = ResponseCache::new(0);
        assert!(!c.enabled());
        c.put("/x", 1, &headers(), &Bytes::from_static(b"1"));
        assert!(c.get("/x", 1).is_none());
        assert_eq!(c.bytes(), 0);
    }

    #[test]
    fn answers_larger_than_an_eighth_are_not_kept() {
        let c = ResponseCache::new(8 * 1024);
        let big = Bytes::from(vec![b'x'; 1025]);
        c.put("/big", 1, &headers(), &big);
        assert!(c.get("/big", 1).is_none());
        let small = Bytes::from(vec![b'x'; 1000]);
        c.put("/small", 1, &headers(), &small);
        assert!(c.get("/small", 1).is_some());
    }
}

#[cfg(test)]
mod served {
    //! The cache inside the real router, over a store that grows.

    use std::sync::Arc;

    use axum::body::Body;
    use axum::http::Request;
    use serde_json::Value;
    use skyx_coins::sky::block::SignedBlock;
    use skyx_node::devnet::{chain_spec, generate, GenerateOptions};
    use skyx_node::store::ChainStore;
    use tower::ServiceExt;

    use crate::http::state::{ApiConfig, AppState};

    fn config(cache_bytes: u64) -> ApiConfig {
        ApiConfig {
            host_check: false,
            allowed_hosts: Vec::new(),
            csrf: false,
            final_depth: 1,
            default_peers: Vec::new(),
            trusted_peers: Vec::new(),
            distribution: Vec::new(),
            unlocked: 0,
            max_supply: 0,
            user_agent: "test".into(),
            response_cache_bytes: cache_bytes,
        }
    }

    /// Status and body of a GET through the router.
    async fn get_raw(app: &axum::Router, uri: &str) -> (u16, bytes::Bytes) {
        let r = app
            .clone()
            .oneshot(
                Request::get(uri)
                    .body(Body::empty())
                    .unwrap_or_else(|e| panic!("{e}")),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let status = r.status().as_u16();
        let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        (status, bytes)
    }

    async fn get(app: &axum::Router, uri: &str) -> (u16, Value) {
        let (status, bytes) = get_raw(app, uri).await;
        let v = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{e}"));
        (status, v)
    }

    #[tokio::test]
    async fn a_new_block_is_seen_at_once_through_the_cache() {
        let opts = GenerateOptions {
            blocks: 6,
            txs_per_block: 3,
            seed: "cache-test".into(),
            ..GenerateOptions::default()
        };
        let mut blocks: Vec<SignedBlock> = Vec::new();
        generate(&opts, |b| -> Result<(), std::convert::Infallible> {
            blocks.push(b.clone());
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let spec = chain_spec(&opts).unwrap_or_else(|e| panic!("{e}"));
        let store =
            Arc::new(ChainStore::open(dir.path(), Some(&spec)).unwrap_or_else(|e| panic!("{e}")));
        let (first, rest) = blocks.split_at(4);
        for b in first {
            store.apply_block(b).unwrap_or_else(|e| panic!("{e}"));
        }
        let cached = crate::http::router(Arc::new(AppState::new(
            store.clone(),
            None,
            config(1 << 20),
        )));
        let plain = crate::http::router(Arc::new(AppState::new(store.clone(), None, config(0))));
        let uris = [
            "/api/v1/blockchain/metadata".to_string(),
            "/api/v1/last_blocks?num=2".to_string(),
            format!("/api/v1/blocks?start=1&end={}", blocks.len()),
        ];
        for b in rest {
            for uri in &uris {
                // Twice through the cache (a miss, then a hit), once without.
                let a = get(&cached, uri).await;
                let again = get(&cached, uri).await;
                let fresh = get(&plain, uri).await;
                assert_eq!(a, fresh, "{uri}");
                assert_eq!(again, fresh, "{uri}");
            }
            let before = get(&cached, &uris[0]).await.1;
            store.apply_block(b).unwrap_or_else(|e| panic!("{e}"));
            let after = get(&cached, &uris[0]).await.1;
            assert_eq!(
                after["head"]["seq"],
                b.block.seq(),
                "the new head is served"
            );
            assert_ne!(before, after);
        }
        // A fresh cache: one miss, then one hit, both in /metrics.
        let app = crate::http::router(Arc::new(AppState::new(store, None, config(1 << 20))));
        get(&app, &uris[0]).await;
        get(&app, &uris[0]).await;
        let metrics = String::from_utf8_lossy(&get_raw(&app, "/metrics").await.1).into_owned();
        assert!(
            metrics.contains("skyx_http_cache_hits_total 1")
                && metrics.contains("skyx_http_cache_misses_total 1"),
            "{metrics}"
        );
    }
}
