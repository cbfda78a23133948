//! Following the daemon's chain: fetch blocks in batches from the processed
//! tip, check they link on, roll back on a reorganisation, apply them to the
//! store, and pick up relevant mempool transactions. New blocks are noticed
//! by ZMQ where configured, by polling otherwise.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use bitcoin::{BlockHash, Txid};
use skyx_coins::btc::block::{decode_transaction, parse_block};
use skyx_coins::btc::Coin;

use super::broadcast::{rebroadcast, RebroadcastReport};
use super::error::BtcError;
use super::events::Event;
use super::index::WatchSet;
use super::reorg::{find_fork, linked_prefix, ForkPoint};
use super::rpc::RpcClient;
use super::store::{BlockInput, Store};
use super::zmq::Notice;

/// How the follower behaves.
#[derive(Debug, Clone)]
pub struct FollowConfig {
    /// The first height to follow from on a new store.
    pub start_height: u64,
    /// Blocks fetched per RPC batch and applied per write.
    pub batch: usize,
    /// Confirmation counts (above 1) that emit an event.
    pub depths: Vec<u64>,
    /// How often to poll the daemon when no notification arrives.
    pub poll_interval: Duration,
    /// How often unsettled own payments are sent again while following.
    pub rebroadcast_interval: Duration,
}

impl Default for FollowConfig {
    fn default() -> Self {
        FollowConfig {
            start_height: 0,
            batch: 50,
            depths: vec![3, 6],
            poll_interval: Duration::from_secs(2),
            rebroadcast_interval: Duration::from_secs(60),
        }
    }
}

/// Where the time of a sync went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Blocks applied.
    pub blocks: u64,
    /// Transactions in them.
    pub txs: u64,
    /// Blocks rolled back.
    pub rolled_back: u64,
    /// Events emitted.
    pub events: u64,
    /// Time waiting on the daemon.
    pub rpc: Duration,
    /// Time parsing and checking blocks.
    pub parse: Duration,
    /// Time writing the store.
    pub store: Duration,
    /// Own payments sent again.
    pub rebroadcast: RebroadcastReport,
}

/// Follows one daemon into one store.
pub struct Follower<'a> {
    rpc: &'a RpcClient,
    store: &'a Store,
    coin: Coin,
    watch: WatchSet,
    config: FollowConfig,
    mempool_seen: HashSet<Txid>,
}

/// Checks a raw block against its expected hash and parses it.
pub fn decode_block(
    coin: Coin,
    height: u64,
    hash: BlockHash,
    raw: &[u8],
) -> Result<(BlockInput, BlockHash), BtcError> {
    let bad = |reason: String| BtcError::BadBlock { height, reason };
    let block = parse_block(coin, raw).map_err(|e| bad(e.to_string()))?;
    if block.block_hash() != hash {
        return Err(bad(format!(
            "hash {} differs from the requested {hash}",
            block.block_hash()
        )));
    }
    if !block.check_merkle_root() {
        return Err(bad("merkle root does not match the transactions".into()));
    }
    let prev = block.header.prev_blockhash;
    Ok((
        BlockInput {
            height,
            hash,
            txs: block.txdata,
        },
        prev,
    ))
}

impl<'a> Follower<'a> {
    /// A follower of `rpc` writing into `store`.
    pub fn new(
        rpc: &'a RpcClient,
        store: &'a Store,
        config: FollowConfig,
    ) -> Result<Follower<'a>, BtcError> {
        store.ensure_start_height(config.start_height)?;
        Ok(Follower {
            rpc,
            store,
            coin: store.params().coin,
            watch: store.watch_set()?,
            config,
            mempool_seen: HashSet::new(),
        })
    }

    /// Reloads the watched addresses from the store.
    pub fn reload_watched(&mut self) -> Result<(), BtcError> {
        self.watch = self.store.watch_set()?;
        Ok(())
    }

    /// Applies blocks until the processed tip is the daemon's best block.
    /// `progress(height, tip)` is called after each batch.
    pub fn sync_to_tip(
        &mut self,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<SyncReport, BtcError> {
        let mut report = SyncReport::default();
        let mut vanished = 0u32;
        loop {
            let t0 = Instant::now();
            let daemon_tip = self.rpc.block_count()?;
            report.rpc += t0.elapsed();
            let next = self.store.next_height()?;
            let tip = self.store.tip()?;
            if next > daemon_tip {
                if let Some(t) = tip {
                    let t0 = Instant::now();
                    let same = t.height <= daemon_tip
                        && t.hash
                            .is_none_or(|h| self.rpc.block_hash(t.height).ok() == Some(h));
                    report.rpc += t0.elapsed();
                    if !same {
                        report.rolled_back += self.handle_reorg(daemon_tip)?;
                        continue;
                    }
                }
                progress(next.saturating_sub(1), daemon_tip);
                return Ok(report);
            }
            let end = daemon_tip.min(next + self.config.batch.max(1) as u64 - 1);
            let heights: Vec<u64> = (next..=end).collect();
            let t0 = Instant::now();
            let fetched = self
                .rpc
                .block_hashes(&heights)
                .and_then(|hashes| Ok((self.rpc.raw_blocks(&hashes)?, hashes)));
            report.rpc += t0.elapsed();
            let (raws, hashes) = match fetched {
                Ok(v) => v,
                // The chain got shorter between the two calls: look again.
                Err(BtcError::Rpc { .. }) if vanished < 5 => {
                    vanished += 1;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let t0 = Instant::now();
            let mut blocks = Vec::with_capacity(raws.len());
            let mut links = Vec::with_capacity(raws.len());
            for ((height, hash), raw) in heights.iter().zip(&hashes).zip(&raws) {
                let (block, prev) = decode_block(self.coin, *height, *hash, raw)?;
                links.push((*hash, prev));
                blocks.push(block);
            }
            report.parse += t0.elapsed();
            let linked = linked_prefix(tip.and_then(|t| t.hash), &links);
            if linked == 0 {
                report.rolled_back += self.handle_reorg(daemon_tip)?;
                continue;
            }
            let t0 = Instant::now();
            let stats =
                self.store
                    .apply_blocks(&blocks[..linked], &self.watch, &self.config.depths)?;
            report.store += t0.elapsed();
            report.blocks += stats.blocks;
            report.txs += stats.txs;
            report.events += stats.events;
            progress(next + linked as u64 - 1, daemon_tip);
        }
    }

    /// Rolls back to the highest block shared with the daemon's chain.
    fn handle_reorg(&mut self, daemon_tip: u64) -> Result<u64, BtcError> {
        let ours = self.store.recent_hashes()?;
        let rpc = self.rpc;
        let fork = find_fork(&ours, |h| {
            if h > daemon_tip {
                Ok(None)
            } else {
                rpc.block_hash(h).map(Some)
            }
        })?;
        let keep = match fork {
            ForkPoint::Common(h) => Some(h),
            ForkPoint::BeyondKept(lowest) => {
                if lowest > self.store.start_height()?.unwrap_or(0) {
                    return Err(BtcError::ReorgTooDeep {
                        kept: super::store::KEEP_BLOCKS,
                        height: lowest,
                    });
                }
                None
            }
        };
        let mut rolled = 0;
        while let Some(t) = self.store.tip()? {
            if keep.is_some_and(|k| t.height <= k) {
                break;
            }
            tracing::info!("reorganisation: rolling back block {}", t.height);
            self.store.rollback_tip()?;
            rolled += 1;
        }
        self.mempool_seen.clear();
        Ok(rolled)
    }

    /// Looks at new mempool transactions; returns how many events they caused.
    pub fn poll_mempool(&mut self) -> Result<u64, BtcError> {
        let ids = self.rpc.mempool()?;
        let present: HashSet<Txid> = ids.iter().copied().collect();
        self.mempool_seen.retain(|t| present.contains(t));
        let fresh: Vec<Txid> = ids
            .into_iter()
            .filter(|t| !self.mempool_seen.contains(t))
            .collect();
        let mut events = 0;
        for chunk in fresh.chunks(200) {
            let raws = self.rpc.raw_transactions(chunk)?;
            let mut txs = Vec::new();
            for (txid, raw) in chunk.iter().zip(raws) {
                let Some(raw) = raw else { continue };
                match decode_transaction(self.coin, &raw) {
                    Ok(tx) => txs.push((*txid, tx)),
                    Err(e) => tracing::warn!("mempool transaction {txid} does not parse: {e}"),
                }
            }
            events += self.store.apply_mempool(&txs, &self.watch)?;
            self.mempool_seen.extend(chunk.iter().copied());
        }
        Ok(events)
    }

    /// Follows until `stop` is set: sync, mempool, then wait for a
    /// notification or the poll interval. New events go to `on_events`.
    /// An unreachable daemon is reported and waited for, never fatal.
    pub fn run(
        &mut self,
        stop: &AtomicBool,
        notices: Option<&Receiver<Notice>>,
        on_events: &mut dyn FnMut(&[Event]),
    ) -> Result<(), BtcError> {
        let mut next_event = self
            .store
            .events_since(0, usize::MAX)?
            .last()
            .map_or(0, |e| e.seq + 1);
        let mut last_rebroadcast: Option<Instant> = None;
        while !stop.load(Ordering::Relaxed) {
            let due =
                last_rebroadcast.is_none_or(|t| t.elapsed() >= self.config.rebroadcast_interval);
            let round = self
                .sync_to_tip(&mut |_, _| {})
                .and_then(|_| self.poll_mempool())
                .and_then(|_| {
                    if due {
                        // Recorded payments are sent again on start and then
                        // periodically: the daemon may have lost its mempool.
                        rebroadcast(self.rpc, self.store, Duration::ZERO)?;
                        last_rebroadcast = Some(Instant::now());
                    }
                    Ok(())
                });
            match round {
                Ok(_) => {}
                Err(e) if e.is_unreachable() => tracing::warn!("{e}"),
                Err(e) => return Err(e),
            }
            let fresh = self.store.events_since(next_event, usize::MAX)?;
            if let Some(last) = fresh.last() {
                next_event = last.seq + 1;
                on_events(&fresh);
            }
            self.wait(stop, notices);
        }
        Ok(())
    }

    fn wait(&self, stop: &AtomicBool, notices: Option<&Receiver<Notice>>) {
        let deadline = Instant::now() + self.config.poll_interval;
        let slice = Duration::from_millis(200);
        while !stop.load(Ordering::Relaxed) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            match notices {
                Some(rx) => match rx.recv_timeout(left.min(slice)) {
                    Ok(notice) => {
                        tracing::debug!("zmq notice: {notice:?}");
                        // Let a burst of notices arrive before syncing.
                        while rx.try_recv().is_ok() {}
                        return;
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => std::thread::sleep(left.min(slice)),
                },
                None => std::thread::sleep(left.min(slice)),
            }
        }
    }
}
