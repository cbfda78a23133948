//! What every handler shares: the store, the peer node, the server's
//! settings, the CSRF signing key, the metrics and a per-head cache of the
//! figures that need the whole unspent set (rich list, supply, counts,
//! the order of `/outputs`).
//!
//! Those figures are computed at most once per head block: the first
//! request after a new block starts the computation on the blocking pool,
//! and every request that arrives meanwhile waits for that one result.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use skyx_coins::sky::address::Address;
use skyx_coins::sky::block::BlockHeader;
use skyx_coins::sky::hash::Sha256;
use skyx_node::p2p::PeerNode;
use skyx_node::store::ChainStore;
use tokio::sync::OnceCell;

use super::cache::ResponseCache;
use super::csrf::CsrfKey;
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

/// One rich-list row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RichRow {
    /// The address.
    pub address: Address,
    /// Its confirmed coins (droplets, more than 0).
    pub coins: u64,
    /// A locked distribution address.
    pub locked: bool,
    /// A distribution address.
    pub distribution: bool,
}

/// Figures computed once per head from the whole unspent set.
#[derive(Debug, Clone, Default)]
pub struct UnspentFigures {
    /// Confirmed coins and hours (at the head time) per address.
    pub balances: HashMap<Address, (u64, u64)>,
    /// Every address holding coins, in rich-list order: most coins first,
    /// then locked addresses first, then by address bytes.
    pub rich: Vec<RichRow>,
    /// Every unspent output as (creation time, id), newest first, then by
    /// id: the order of `/outputs`.
    pub by_time: Vec<(u64, Sha256)>,
    /// Coin hours held outside the locked distribution addresses.
    pub hours_unlocked: u64,
    /// Coin hours held outside every distribution address.
    pub hours_outside_distribution: u64,
}

/// The one computation of the figures for one head.
type FiguresCell = Arc<OnceCell<Arc<UnspentFigures>>>;

/// Outputs read from the store per page while the figures are computed.
const FIGURES_PAGE: usize = 4096;

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
    /// Signs and checks CSRF tokens.
    pub csrf: CsrfKey,
    /// Request counters and latencies.
    pub metrics: Metrics,
    /// Answers of the read-only routes at the current store generation.
    pub cache: ResponseCache,
    /// Bytes of the first and of each later piece of a streamed answer.
    pub stream_pieces: (usize, usize),
    figures: Mutex<Option<(Sha256, FiguresCell)>>,
    figures_computed: AtomicU64,
    distribution_set: HashSet<Address>,
    locked_set: HashSet<Address>,
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
        let parse = |list: &[String]| -> HashSet<Address> {
            list.iter().filter_map(|a| a.parse().ok()).collect()
        };
        let distribution_set = parse(&config.distribution);
        let locked_set = parse(config.distribution.get(config.unlocked..).unwrap_or(&[]));
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
            csrf: CsrfKey::random(),
            metrics: Metrics::default(),
            cache,
            stream_pieces: (super::stream::FIRST_PIECE, super::stream::PIECE),
            figures: Mutex::new(None),
            figures_computed: AtomicU64::new(0),
            distribution_set,
            locked_set,
        }
    }

    /// Whether `a` is a distribution address.
    pub fn is_distribution(&self, a: &Address) -> bool {
        self.distribution_set.contains(a)
    }

    /// Whether `a` is a locked distribution address.
    pub fn is_locked(&self, a: &Address) -> bool {
        self.locked_set.contains(a)
    }

    /// The figures of the current head: computed on the blocking pool by
    /// the first caller after each new head, shared with every caller that
    /// comes while it runs and after.
    pub async fn figures(self: &Arc<Self>) -> Result<Arc<UnspentFigures>, ApiError> {
        let head = super::v1::head(self)?;
        let hash = head.hash();
        let cell = {
            let mut slot = lock(&self.figures);
            match slot.as_ref() {
                Some((h, cell)) if *h == hash => cell.clone(),
                _ => {
                    let cell = FiguresCell::default();
                    *slot = Some((hash, cell.clone()));
                    cell
                }
            }
        };
        let figures = cell
            .get_or_try_init(|| {
                let s = self.clone();
                async move {
                    tokio::task::spawn_blocking(move || s.compute_figures(&head))
                        .await
                        .map_err(|e| ApiError::internal(format!("figures task failed: {e}")))?
                }
            })
            .await?;
        Ok(figures.clone())
    }

    /// How many times the figures were computed (one per head reached by a
    /// request, however many requests there were).
    pub fn figures_computed(&self) -> u64 {
        self.figures_computed.load(Ordering::Relaxed)
    }

    fn compute_figures(&self, head: &BlockHeader) -> Result<Arc<UnspentFigures>, ApiError> {
        self.figures_computed.fetch_add(1, Ordering::Relaxed);
        let mut balances: HashMap<Address, (u64, u64)> = HashMap::new();
        let mut by_time = Vec::new();
        let mut after: Option<Sha256> = None;
        loop {
            let page = self.store.unspent_page(after.as_ref(), FIGURES_PAGE)?;
            for ux in &page {
                let e = balances.entry(ux.body.address).or_insert((0, 0));
                e.0 = e.0.saturating_add(ux.body.coins);
                e.1 = e.1.saturating_add(ux.coin_hours(head.time).unwrap_or(0));
                by_time.push((ux.head.time, ux.hash()));
            }
            match page.last() {
                Some(last) if page.len() == FIGURES_PAGE => after = Some(last.hash()),
                _ => break,
            }
        }
        by_time.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1 .0.cmp(&b.1 .0)));
        let mut rich: Vec<RichRow> = balances
            .iter()
            .filter(|(_, (coins, _))| *coins > 0)
            .map(|(a, (coins, _))| RichRow {
                address: *a,
                coins: *coins,
                locked: self.is_locked(a),
                distribution: self.is_distribution(a),
            })
            .collect();
        rich.sort_unstable_by(|a, b| {
            b.coins
                .cmp(&a.coins)
                .then_with(|| b.locked.cmp(&a.locked))
                .then_with(|| a.address.to_bytes().cmp(&b.address.to_bytes()))
        });
        let (mut hours_unlocked, mut hours_outside_distribution) = (0u64, 0u64);
        for (a, (_, h)) in &balances {
            if self.is_locked(a) {
                continue;
            }
            hours_unlocked = hours_unlocked.saturating_add(*h);
            if !self.is_distribution(a) {
                hours_outside_distribution = hours_outside_distribution.saturating_add(*h);
            }
        }
        Ok(Arc::new(UnspentFigures {
            balances,
            rich,
            by_time,
            hours_unlocked,
            hours_outside_distribution,
        }))
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
