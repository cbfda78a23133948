//! Skycoin behind the [`Chain`] interface: a thin layer over the bundled
//! node's one [`ChainStore`] and its pool. Balances, unspent outputs and
//! history are read from the store's address indexes (any address, watched
//! or not). Events come from a watch index kept beside the store
//! ([`watch`]), fed from the store's blocks and pool ([`index`]) whenever
//! [`Chain::sync`] runs.
//!
//! * [`watch`] — the watch index file: watched addresses, event log, cursor.
//! * [`index`] — scanning blocks and the pool into it.
//! * [`history`] — pages of an address set's history.

pub mod history;
pub mod index;
pub mod watch;

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use skyx_coins::amount::{Amount, Currency};
use skyx_coins::sky::address::Address;
use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::transaction::Transaction;
use skyx_coins::sky::uxout::UxOut;

use super::types::Unspent;
use super::types::{Balance, Balances, CoinInfo, EventPage, FeeEstimate, HistoryPage, Hours, Tip};
use super::{check_addresses, check_limit, Chain, ChainError, MAX_EVENTS, MAX_HISTORY_PAGE};
use crate::error::NodeError;
use crate::mempool::PoolError;
use crate::store::ChainStore;
use watch::WatchStore;

/// Announces transactions to peers (the node's peer layer).
pub type Announcer = Arc<dyn Fn(Vec<Sha256>) + Send + Sync>;

/// How the Skycoin chain reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkyChainConfig {
    /// Confirmation counts above 1 that emit `deposit_confirmed` again.
    pub depths: Vec<u64>,
    /// The network's name in [`CoinInfo`].
    pub network: &'static str,
}

impl Default for SkyChainConfig {
    fn default() -> Self {
        SkyChainConfig {
            depths: vec![3, 6],
            network: "mainnet",
        }
    }
}

/// The Skycoin chain of one data directory.
pub struct SkyChain {
    store: Arc<ChainStore>,
    watch: WatchStore,
    config: SkyChainConfig,
    watched: RwLock<HashSet<Address>>,
    /// Serializes indexing, watching and sending.
    lock: Mutex<()>,
    /// The store generation whose pool was last scanned.
    pool_generation: AtomicU64,
    network_synced: AtomicBool,
    announcer: Option<Announcer>,
}

impl std::fmt::Debug for SkyChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SkyChain")
            .field("store", &self.store)
            .field("config", &self.config)
            .finish()
    }
}

/// The distinct addresses asked for, in order.
fn parse_addresses(addresses: &[String]) -> Result<Vec<Address>, ChainError> {
    check_addresses(addresses)?;
    let mut seen = HashSet::with_capacity(addresses.len());
    let mut out = Vec::with_capacity(addresses.len());
    for a in addresses {
        let parsed = a
            .parse::<Address>()
            .map_err(|e| ChainError::InvalidAddress {
                address: a.clone(),
                reason: e.to_string(),
            })?;
        if seen.insert(parsed) {
            out.push(parsed);
        }
    }
    Ok(out)
}

fn sky(units: u64) -> Amount {
    Amount::from_units(Currency::Sky, units)
}

impl SkyChain {
    /// The chain of `store`, with its watch index in `dir` (the data directory).
    pub fn open(
        store: Arc<ChainStore>,
        dir: &Path,
        config: SkyChainConfig,
    ) -> Result<SkyChain, ChainError> {
        let watch = WatchStore::open(dir, &store.genesis_hash())?;
        let watched = watch
            .watched()?
            .iter()
            .map(|a| a.parse::<Address>())
            .collect::<Result<HashSet<_>, _>>()
            .map_err(|e| ChainError::Store(format!("watched address: {e}")))?;
        Ok(SkyChain {
            store,
            watch,
            config,
            watched: RwLock::new(watched),
            lock: Mutex::new(()),
            pool_generation: AtomicU64::new(u64::MAX),
            network_synced: AtomicBool::new(true),
            announcer: None,
        })
    }

    /// Announces broadcast transactions through `announcer` (the peer layer).
    pub fn with_announcer(mut self, announcer: Announcer) -> SkyChain {
        self.announcer = Some(announcer);
        self
    }

    /// Tells whether the node has caught up with its peers (true until told otherwise).
    pub fn set_network_synced(&self, synced: bool) {
        self.network_synced.store(synced, Ordering::Relaxed);
    }

    /// The chain store.
    pub fn store(&self) -> &Arc<ChainStore> {
        &self.store
    }

    fn guard(&self) -> std::sync::MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn watched_now(&self) -> HashSet<Address> {
        self.watched
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn head_time(&self) -> Result<u64, ChainError> {
        self.store
            .head()
            .header
            .map(|h| h.time)
            .ok_or_else(|| ChainError::Unavailable("the chain is empty".into()))
    }

    /// Confirmed unspent outputs of `a`, and the pool's effect on them.
    fn address_view(&self, a: &Address) -> Result<Vec<UxOut>, ChainError> {
        Ok(self.store.address_unspent(a)?)
    }

    /// The index of `ux` among its creating transaction's outputs.
    fn vout_of(&self, ux: &UxOut) -> Result<u32, ChainError> {
        if ux.body.src_transaction.is_zero() {
            return Ok(0);
        }
        let id = ux.hash();
        let rec = self
            .store
            .transaction(&ux.body.src_transaction)?
            .ok_or_else(|| ChainError::Store(format!("creating transaction of {id} is missing")))?;
        rec.txn
            .outputs
            .iter()
            .position(|o| o.uxid(&ux.body.src_transaction) == id)
            .map(|i| i as u32)
            .ok_or_else(|| ChainError::Store(format!("output {id} is not in its transaction")))
    }
}

impl Chain for SkyChain {
    fn coin(&self) -> CoinInfo {
        CoinInfo {
            currency: Currency::Sky,
            network: self.config.network,
        }
    }

    fn tip(&self) -> Result<Tip, ChainError> {
        let header = self
            .store
            .head()
            .header
            .ok_or_else(|| ChainError::Unavailable("the chain is empty".into()))?;
        let processed = self.watch.processed()?.map(|p| p.height);
        Ok(Tip {
            height: header.bk_seq,
            hash: header.hash().to_hex(),
            time: header.time,
            synced: processed == Some(header.bk_seq) && self.network_synced.load(Ordering::Relaxed),
            network_height: None,
        })
    }

    fn watch(&self, addresses: &[String]) -> Result<usize, ChainError> {
        let parsed = parse_addresses(addresses)?;
        let texts: Vec<String> = parsed.iter().map(Address::to_string).collect();
        let _one = self.guard();
        let mut w = self.watch.write()?;
        let added = w.add_watched(&texts)?;
        w.commit()?;
        self.watched
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .extend(parsed);
        Ok(added)
    }

    fn balances(&self, addresses: &[String]) -> Result<Balances, ChainError> {
        let set = parse_addresses(addresses)?;
        let t = self.head_time()?;
        let pool = self.store.unconfirmed()?;
        let pool_spends: HashSet<Sha256> = pool
            .iter()
            .flat_map(|u| u.txn.inputs.iter().copied())
            .collect();
        let mut per = Vec::with_capacity(set.len());
        let mut total = [0u64; 6];
        for a in &set {
            // confirmed, incoming, outgoing, hours confirmed, hours out, hours in
            let mut s = [0u64; 6];
            for ux in self.address_view(a)? {
                let h = ux
                    .coin_hours(t)
                    .map_err(|e| ChainError::Store(e.to_string()))?;
                s[0] = s[0].saturating_add(ux.body.coins);
                s[3] = s[3].saturating_add(h);
                if pool_spends.contains(&ux.hash()) {
                    s[2] = s[2].saturating_add(ux.body.coins);
                    s[4] = s[4].saturating_add(h);
                }
            }
            for o in pool.iter().flat_map(|u| u.txn.outputs.iter()) {
                if o.address == *a {
                    s[1] = s[1].saturating_add(o.coins);
                    s[5] = s[5].saturating_add(o.hours);
                }
            }
            for (t, v) in total.iter_mut().zip(s) {
                *t = t.saturating_add(v);
            }
            per.push((a.to_string(), s));
        }
        let balance = |s: &[u64; 6]| Balance {
            confirmed: sky(s[0]),
            incoming: sky(s[1]),
            outgoing: sky(s[2]),
            spendable: sky(s[0] - s[2]),
            hours: Some(Hours {
                confirmed: s[3],
                predicted: (s[3] - s[4]).saturating_add(s[5]),
            }),
        };
        Ok(Balances {
            total: balance(&total),
            addresses: per.iter().map(|(a, s)| (a.clone(), balance(s))).collect(),
        })
    }

    fn unspent(&self, addresses: &[String]) -> Result<Vec<Unspent>, ChainError> {
        let set = parse_addresses(addresses)?;
        let head = self
            .store
            .head()
            .header
            .ok_or_else(|| ChainError::Unavailable("the chain is empty".into()))?;
        let pool = self.store.unconfirmed()?;
        let pool_spends: HashSet<Sha256> = pool
            .iter()
            .flat_map(|u| u.txn.inputs.iter().copied())
            .collect();
        let mut out = Vec::new();
        for a in &set {
            for ux in self.address_view(a)? {
                out.push(Unspent {
                    txid: ux.body.src_transaction.to_hex(),
                    vout: self.vout_of(&ux)?,
                    address: a.to_string(),
                    amount: sky(ux.body.coins),
                    hours: Some(
                        ux.coin_hours(head.time)
                            .map_err(|e| ChainError::Store(e.to_string()))?,
                    ),
                    uxid: Some(ux.hash().to_hex()),
                    height: Some(ux.head.bk_seq),
                    confirmations: head.bk_seq.saturating_sub(ux.head.bk_seq) + 1,
                    spendable: !pool_spends.contains(&ux.hash()),
                });
            }
            for u in &pool {
                let txid = u.txn.hash();
                for (i, o) in u.txn.outputs.iter().enumerate() {
                    if o.address != *a {
                        continue;
                    }
                    out.push(Unspent {
                        txid: txid.to_hex(),
                        vout: i as u32,
                        address: a.to_string(),
                        amount: sky(o.coins),
                        hours: Some(o.hours),
                        uxid: Some(o.uxid(&txid).to_hex()),
                        height: None,
                        confirmations: 0,
                        spendable: false,
                    });
                }
            }
        }
        Ok(out)
    }

    fn history(
        &self,
        addresses: &[String],
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<HistoryPage, ChainError> {
        let limit = check_limit(limit, MAX_HISTORY_PAGE)?;
        let cursor = cursor.map(history::Cursor::decode).transpose()?;
        let set = parse_addresses(addresses)?;
        history::page(&self.store, &set, cursor, limit)
    }

    fn fee_estimate(&self) -> Result<FeeEstimate, ChainError> {
        Ok(FeeEstimate::CoinHours {
            burn_factor: self.store.params().burn_factor,
        })
    }

    fn broadcast(&self, raw: &[u8]) -> Result<String, ChainError> {
        let txn =
            Transaction::decode(raw).map_err(|e| ChainError::BadTransaction(e.to_string()))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        // Held while pooling and recording, so the indexer never scans a
        // block holding the transaction before it is followed.
        let _one = self.guard();
        let (txid, confirmed) = match self.store.inject(txn.clone(), now) {
            Ok(txid) => (txid, false),
            Err(NodeError::Pool(PoolError::AlreadyConfirmed)) => (txn.hash(), true),
            Err(e) => return Err(e.into()),
        };
        index::record_sent(&self.watch, &txn, confirmed)?;
        if let (Some(announce), false) = (&self.announcer, confirmed) {
            announce(vec![txid]);
        }
        Ok(txid.to_hex())
    }

    fn sync(&self) -> Result<(), ChainError> {
        let _one = self.guard();
        let watched = self.watched_now();
        index::catch_up(&self.store, &self.watch, &watched, &self.config.depths)?;
        // The pool is read again only when the store changed since.
        let generation = self.store.generation();
        if self.pool_generation.load(Ordering::Acquire) != generation {
            index::scan_pool(&self.store, &self.watch, &watched)?;
            self.pool_generation.store(generation, Ordering::Release);
        }
        Ok(())
    }

    fn events(&self, from: u64, limit: usize) -> Result<EventPage, ChainError> {
        let limit = check_limit(limit, MAX_EVENTS)?;
        let events = self
            .watch
            .events(from, limit)?
            .into_iter()
            .map(|(seq, e)| watch::to_chain_event(seq, e))
            .collect::<Result<Vec<_>, _>>()?;
        let next = events.last().map_or(from, |e| e.seq + 1);
        Ok(EventPage { events, next })
    }
}
