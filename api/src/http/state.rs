//! What every handler shares: the store, the peer node, the server's
//! settings, the CSRF tokens, the metrics and a per-head cache of the
//! figures that need the whole unspent set (rich list, supply, counts).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use skyx_coins::sky::address::Address;
use skyx_coins::sky::hash::Sha256;
use skyx_node::p2p::PeerNode;
use skyx_node::store::ChainStore;

use super::cache::ResponseCache;
use super::error::ApiError;
use super::metrics::Metrics;

/// The state handed to every handler.
pub type SharedState = Arc<AppState>;

/// Settings of the API server.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Check the `Host` header against `allowed_hosts`.
    pub host_check: bool,
    /// `host:port` values accepted in the `Host` header.
    pub allowed_hosts: Vec<String>,
    /// Require a CSRF token on POST requests.
    pub csrf: bool,
    /// Confirmations after which a transaction is reported final.
    pub final_depth: u64,
    /// Peer addresses the node starts from (`/network/defaultConnections`).
    pub default_peers: Vec<String>,
    /// Peers given on the command line (`/network/connections/trust`).
    pub trusted_peers: Vec<String>,
    /// Mainnet's distribution addresses (empty for other chains).
    pub distribution: Vec<String>,
    /// How many distribution addresses are unlocked.
    pub unlocked: usize,
    /// Most coins there will ever be (droplets).
    pub max_supply: u64,
    /// User agent announced to peers.
    pub user_agent: String,
    /// Bytes of memory for cached answers (0: no cache).
    pub response_cache_bytes: u64,
}

/// Figures computed once per head from the whole unspent set.
#[derive(Debug, Clone, Default)]
pub struct UnspentFigures {
    /// Confirmed coins and hours (at the head time) per address.
    pub balances: HashMap<Address, (u64, u64)>,
}

/// Server state.
pub struct AppState {
    /// The chain store.
    pub store: Arc<ChainStore>,
    /// The running peer node, when networking is on.
    pub peers: Option<Arc<PeerNode>>,
    /// Settings.
    pub config: ApiConfig,
    /// When the server started.
    pub started: Instant,
    /// The same, as Unix seconds.
    pub started_unix: i64,
    /// Issued CSRF tokens and when they expire.
    pub csrf_tokens: Mutex<HashMap<String, Instant>>,
    /// Request counters and latencies.
    pub metrics: Metrics,
    /// Answers of the read-only routes at the current store generation.
    pub cache: ResponseCache,
    figures: Mutex<Option<(Sha256, Arc<UnspentFigures>)>>,
    distribution_set: HashSet<Address>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .finish()
    }
}

/// Locks a mutex, taking the data of a poisoned one (the values kept here
/// are consistent between statements).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AppState {
    /// New state.
    pub fn new(
        store: Arc<ChainStore>,
        peers: Option<Arc<PeerNode>>,
        config: ApiConfig,
    ) -> AppState {
        let distribution_set = config
            .distribution
            .iter()
            .filter_map(|a| a.parse().ok())
            .collect();
        let cache = ResponseCache::new(config.response_cache_bytes);
        AppState {
            store,
            peers,
            config,
            started: Instant::now(),
            started_unix: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
            csrf_tokens: Mutex::new(HashMap::new()),
            metrics: Metrics::default(),
            cache,
            figures: Mutex::new(None),
            distribution_set,
        }
    }

    /// Whether `a` is a distribution address.
    pub fn is_distribution(&self, a: &Address) -> bool {
        self.distribution_set.contains(a)
    }

    /// Whether `a` is a locked distribution address.
    pub fn is_locked(&self, a: &Address) -> bool {
        let s = a.to_string();
        self.config
            .distribution
            .iter()
            .skip(self.config.unlocked)
            .any(|d| *d == s)
    }

    /// The per-head figures, computed on first use after each new head.
    pub fn figures(&self) -> Result<Arc<UnspentFigures>, ApiError> {
        let head = self
            .store
            .head()
            .header
            .ok_or_else(|| ApiError::internal("the chain is empty"))?;
        let hash = head.hash();
        if let Some((h, f)) = lock(&self.figures).as_ref() {
            if *h == hash {
                return Ok(f.clone());
            }
        }
        let mut balances: HashMap<Address, (u64, u64)> = HashMap::new();
        for ux in self.store.all_unspent()? {
            let e = balances.entry(ux.body.address).or_insert((0, 0));
            e.0 = e.0.saturating_add(ux.body.coins);
            e.1 = e.1.saturating_add(ux.coin_hours(head.time).unwrap_or(0));
        }
        let figures = Arc::new(UnspentFigures { balances });
        *lock(&self.figures) = Some((hash, figures.clone()));
        Ok(figures)
    }

    /// Connected peers' addresses as text.
    pub fn connected_peers(&self) -> Vec<skyx_node::p2p::PeerInfo> {
        self.peers.as_ref().map(|p| p.peers()).unwrap_or_default()
    }
}

/// Mainnet's default peers (`src/params`; sorted as the reference answers).
pub const MAINNET_DEFAULT_PEERS: [&str; 7] = [
    "139.162.121.185:6000",
    "139.162.248.183:6000",
    "172.104.164.147:6000",
    "172.104.57.147:6000",
    "172.104.99.241:6000",
    "173.230.130.174:6000",
    "45.56.109.228:6000",
];
