//! The Bitcoin family behind the [`Chain`] interface: the adapter's store
//! (watched outputs, event log, undo records, outbox) and its daemon.
//!
//! Only watched addresses are indexed, so balances, unspent outputs and
//! history are asked for watched addresses only; others are refused with
//! `not_watched` rather than answered with a wrong zero. History is built
//! from the watched outputs and their spenders (the index keeps no whole
//! transactions): amounts received and sent by the set, the fee of own
//! payments, block times asked of the daemon for the page's blocks.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use bitcoin::OutPoint;
use serde_json::json;
use skyx_coins::amount::{Amount, Currency, SignedAmount};
use skyx_coins::btc::{Address, FeeRate};

use super::types::{Balance, Balances, ChainEvent, CoinInfo, EventKind, EventPage, FeeEstimate};
use super::types::{HistoryItem, HistoryPage, Tip, TxStatus, Unspent};
use super::{check_addresses, check_limit, Chain, ChainError, MAX_EVENTS, MAX_HISTORY_PAGE};
use crate::bitcoin::rpc::FeeEstimate as DaemonFee;
use crate::bitcoin::{Adapter, DepositStatus, Event, EventKind as BtcKind, OutputRecord};

/// Outputs paying watched addresses, with their records.
type Records = Vec<(OutPoint, OutputRecord)>;

/// Confirmation targets (blocks) of the low, normal and high fee rates.
pub const FEE_TARGETS: [u32; 3] = [12, 6, 2];

/// A Bitcoin-family coin's chain: one daemon, one adapter store.
#[derive(Debug)]
pub struct BtcChain {
    adapter: Adapter,
    currency: Currency,
    sync_lock: Mutex<()>,
}

impl BtcChain {
    /// The chain of an opened adapter.
    pub fn new(adapter: Adapter) -> BtcChain {
        let currency = adapter.params().coin.into();
        BtcChain {
            adapter,
            currency,
            sync_lock: Mutex::new(()),
        }
    }

    /// The adapter underneath.
    pub fn adapter(&self) -> &Adapter {
        &self.adapter
    }

    fn amount(&self, units: u64) -> Amount {
        Amount::from_units(self.currency, units)
    }

    /// The canonical text of each distinct address, refused unless watched.
    fn watched_set(&self, addresses: &[String]) -> Result<Vec<String>, ChainError> {
        check_addresses(addresses)?;
        let watched: HashSet<String> = self.adapter.store().watched()?.into_iter().collect();
        let mut seen = HashSet::with_capacity(addresses.len());
        let mut out = Vec::with_capacity(addresses.len());
        for a in addresses {
            let text = Address::parse(self.adapter.params(), a)
                .map_err(|e| ChainError::InvalidAddress {
                    address: a.clone(),
                    reason: e.to_string(),
                })?
                .to_string();
            if !watched.contains(&text) {
                return Err(ChainError::NotWatched(a.clone()));
            }
            if seen.insert(text.clone()) {
                out.push(text);
            }
        }
        Ok(out)
    }

    /// The outputs paying any of `addresses`, and the processed height.
    fn records(&self, addresses: &[String]) -> Result<(Records, Option<u64>), ChainError> {
        let set: HashSet<&str> = addresses.iter().map(String::as_str).collect();
        let store = self.adapter.store();
        let tip = store.tip()?.map(|t| t.height);
        let outputs = store
            .outputs()?
            .into_iter()
            .filter(|(_, r)| set.contains(r.address.as_str()))
            .collect();
        Ok((outputs, tip))
    }

    fn mature(&self, r: &OutputRecord, tip: Option<u64>) -> bool {
        match (r.height, tip) {
            (Some(h), Some(t)) => {
                !r.coinbase || (t + 1).saturating_sub(h) >= self.adapter.maturity()
            }
            _ => false,
        }
    }

    /// Block times of `heights`, asked of the daemon; empty when it does not answer.
    fn block_times(&self, heights: &[u64]) -> BTreeMap<u64, u64> {
        let rpc = self.adapter.rpc();
        let Ok(hashes) = rpc.block_hashes(heights) else {
            return BTreeMap::new();
        };
        let params: Vec<_> = hashes.iter().map(|h| json!([h.to_string()])).collect();
        let Ok(answers) = rpc.batch("getblockheader", &params) else {
            return BTreeMap::new();
        };
        heights
            .iter()
            .zip(answers)
            .filter_map(|(h, a)| {
                let v: serde_json::Value = serde_json::from_str(a.ok()?.get()).ok()?;
                Some((*h, v.get("time")?.as_u64()?))
            })
            .collect()
    }

    fn event(&self, e: Event) -> Result<ChainEvent, ChainError> {
        let kind = match e.kind {
            BtcKind::DepositSeen => EventKind::DepositSeen,
            BtcKind::DepositConfirmed => EventKind::DepositConfirmed,
            BtcKind::DepositReorged => EventKind::DepositReorged,
            BtcKind::DepositDoubleSpent => EventKind::DepositDoubleSpent,
            BtcKind::PaymentBroadcast => EventKind::SentBroadcast,
            BtcKind::PaymentConfirmed => EventKind::SentConfirmed,
            BtcKind::PaymentReorged => EventKind::SentReorged,
            BtcKind::PaymentReplaced | BtcKind::PaymentDoubleSpent => EventKind::SentConflicted,
            BtcKind::PaymentRejected => EventKind::SentRejected,
            BtcKind::NewTip => EventKind::NewTip,
        };
        let amount = match &e.amount {
            Some(a) => Some(Amount::parse(self.currency, a).map_err(|err| {
                ChainError::Store(format!("event {}: amount {a:?}: {err}", e.seq))
            })?),
            None => None,
        };
        let mut out = ChainEvent::new(kind);
        out.seq = e.seq;
        out.txid = (kind != EventKind::NewTip).then_some(e.txid);
        out.vout = e.vout;
        out.address = e.address;
        out.amount = amount;
        out.height = e.height;
        out.confirmations = e.confirmations;
        out.block_hash = e.block_hash;
        out.by_txid = e.by_txid;
        Ok(out)
    }
}

/// What history sorts on: pending (no height) first, then newest block, then txid.
fn history_key(height: Option<u64>, txid: &str) -> (bool, std::cmp::Reverse<u64>, String) {
    (
        height.is_some(),
        std::cmp::Reverse(height.unwrap_or(0)),
        txid.to_owned(),
    )
}

fn encode_cursor(height: Option<u64>, txid: &str) -> String {
    match height {
        Some(h) => format!("c:{h}:{txid}"),
        None => format!("p:{txid}"),
    }
}

fn decode_cursor(c: &str) -> Result<(Option<u64>, String), ChainError> {
    let bad = || ChainError::InvalidCursor(c.chars().take(80).collect());
    let is_txid = |t: &str| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit());
    let (height, txid) = if let Some(t) = c.strip_prefix("p:") {
        (None, t)
    } else {
        let rest = c.strip_prefix("c:").ok_or_else(bad)?;
        let (h, t) = rest.split_once(':').ok_or_else(bad)?;
        (Some(h.parse::<u64>().map_err(|_| bad())?), t)
    };
    if !is_txid(txid) {
        return Err(bad());
    }
    Ok((height, txid.to_owned()))
}

/// One history transaction being summed up.
struct Acc {
    height: Option<u64>,
    received: u64,
    sent: u64,
    status: TxStatus,
}

/// The entry of `txid`, created with `height` and `status` when new.
fn acc<'a>(
    txs: &'a mut BTreeMap<String, Acc>,
    txid: &str,
    height: Option<u64>,
    status: TxStatus,
) -> &'a mut Acc {
    txs.entry(txid.to_owned()).or_insert(Acc {
        height,
        received: 0,
        sent: 0,
        status,
    })
}

impl Chain for BtcChain {
    fn coin(&self) -> CoinInfo {
        CoinInfo {
            currency: self.currency,
            network: self.adapter.params().network.as_str(),
        }
    }

    fn tip(&self) -> Result<Tip, ChainError> {
        let tip = self.adapter.store().tip()?.ok_or_else(|| {
            ChainError::Unavailable("no block indexed yet: the chain has not been synced".into())
        })?;
        let rpc = self.adapter.rpc();
        let network = rpc.block_count()?;
        let hash = match tip.hash {
            Some(h) => h,
            None => rpc.block_hash(tip.height)?,
        };
        let header = rpc.call::<serde_json::Value>("getblockheader", json!([hash.to_string()]))?;
        let time = header.get("time").and_then(|t| t.as_u64()).ok_or_else(|| {
            ChainError::Unavailable("getblockheader answered without a time".into())
        })?;
        Ok(Tip {
            height: tip.height,
            hash: hash.to_string(),
            time,
            synced: tip.height >= network,
            network_height: Some(network),
        })
    }

    fn watch(&self, addresses: &[String]) -> Result<usize, ChainError> {
        check_addresses(addresses)?;
        Ok(self.adapter.watch(addresses)?)
    }

    fn balances(&self, addresses: &[String]) -> Result<Balances, ChainError> {
        let set = self.watched_set(addresses)?;
        let (records, tip) = self.records(&set)?;
        let mut per: Vec<(String, [u64; 4])> = set.iter().map(|a| (a.clone(), [0; 4])).collect();
        let index: HashMap<String, usize> = set
            .iter()
            .enumerate()
            .map(|(i, a)| (a.clone(), i))
            .collect();
        for (_, r) in &records {
            let Some(&i) = index.get(&r.address) else {
                continue;
            };
            let [confirmed, incoming, outgoing, spendable] = &mut per[i].1;
            match r.status {
                DepositStatus::Confirmed if r.spent_by.is_none() => {
                    *confirmed += r.value;
                    if r.pending_spent_by.is_some() {
                        *outgoing += r.value;
                    } else if self.mature(r, tip) {
                        *spendable += r.value;
                    }
                }
                DepositStatus::Mempool if r.spent_by.is_none() => *incoming += r.value,
                _ => {}
            }
        }
        let balance = |s: &[u64; 4]| Balance {
            confirmed: self.amount(s[0]),
            incoming: self.amount(s[1]),
            outgoing: self.amount(s[2]),
            spendable: self.amount(s[3]),
            hours: None,
        };
        let mut total = [0u64; 4];
        for (_, s) in &per {
            for (t, v) in total.iter_mut().zip(s) {
                *t = t.saturating_add(*v);
            }
        }
        Ok(Balances {
            total: balance(&total),
            addresses: per.iter().map(|(a, s)| (a.clone(), balance(s))).collect(),
        })
    }

    fn unspent(&self, addresses: &[String]) -> Result<Vec<Unspent>, ChainError> {
        let set = self.watched_set(addresses)?;
        let (records, tip) = self.records(&set)?;
        Ok(records
            .into_iter()
            .filter(|(_, r)| {
                r.spent_by.is_none()
                    && matches!(r.status, DepositStatus::Confirmed | DepositStatus::Mempool)
            })
            .map(|(o, r)| {
                let confirmed = r.status == DepositStatus::Confirmed;
                let confirmations = match (r.height, tip) {
                    (Some(h), Some(t)) if confirmed => (t + 1).saturating_sub(h),
                    _ => 0,
                };
                Unspent {
                    txid: o.txid.to_string(),
                    vout: o.vout,
                    address: r.address.clone(),
                    amount: self.amount(r.value),
                    hours: None,
                    uxid: None,
                    height: if confirmed { r.height } else { None },
                    confirmations,
                    spendable: confirmed && r.pending_spent_by.is_none() && self.mature(&r, tip),
                }
            })
            .collect())
    }

    fn history(
        &self,
        addresses: &[String],
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<HistoryPage, ChainError> {
        let limit = check_limit(limit, MAX_HISTORY_PAGE)?;
        let after = cursor.map(decode_cursor).transpose()?;
        let set = self.watched_set(addresses)?;
        let (records, tip) = self.records(&set)?;
        let mut txs: BTreeMap<String, Acc> = BTreeMap::new();
        for (o, r) in &records {
            let (height, status) = match r.status {
                DepositStatus::Confirmed => (r.height, TxStatus::Confirmed),
                DepositStatus::Mempool => (None, TxStatus::Pending),
                DepositStatus::Reorged | DepositStatus::DoubleSpent => (None, TxStatus::Conflicted),
            };
            let a = acc(&mut txs, &o.txid.to_string(), height, status);
            a.received = a.received.saturating_add(r.value);
            if let Some(by) = &r.spent_by {
                let a = acc(&mut txs, by, r.spent_height, TxStatus::Confirmed);
                a.sent = a.sent.saturating_add(r.value);
            } else if let Some(by) = &r.pending_spent_by {
                let a = acc(&mut txs, by, None, TxStatus::Pending);
                a.sent = a.sent.saturating_add(r.value);
            }
        }
        let mut ordered: Vec<(String, Acc)> = txs.into_iter().collect();
        ordered.sort_by_key(|(tx, a)| history_key(a.height, tx));
        let start = match &after {
            Some((h, t)) => {
                let key = history_key(*h, t);
                ordered.partition_point(|(tx, a)| history_key(a.height, tx) <= key)
            }
            None => 0,
        };
        let page: Vec<(String, Acc)> = ordered.into_iter().skip(start).take(limit + 1).collect();
        let more = page.len() > limit;
        let page = &page[..page.len().min(limit)];
        let heights: Vec<u64> = page
            .iter()
            .filter_map(|(_, a)| a.height)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let times = self.block_times(&heights);
        let mut items = Vec::with_capacity(page.len());
        for (txid, a) in page {
            let fee = match txid.parse() {
                Ok(id) => self
                    .adapter
                    .payment(&id)?
                    .and_then(|p| p.fee)
                    .map(|f| self.amount(f)),
                Err(_) => None,
            };
            let (received, sent) = (self.amount(a.received), self.amount(a.sent));
            items.push(HistoryItem {
                txid: txid.clone(),
                height: a.height,
                confirmations: match (a.height, tip) {
                    (Some(h), Some(t)) => (t + 1).saturating_sub(h),
                    _ => 0,
                },
                time: a.height.and_then(|h| times.get(&h).copied()),
                received,
                sent,
                net: SignedAmount::net(received, sent)
                    .map_err(|e| ChainError::Store(e.to_string()))?,
                fee,
                fee_hours: None,
                status: a.status,
            });
        }
        let next_cursor = match (more, items.last()) {
            (true, Some(last)) => Some(encode_cursor(last.height, &last.txid)),
            _ => None,
        };
        Ok(HistoryPage { items, next_cursor })
    }

    fn fee_estimate(&self) -> Result<FeeEstimate, ChainError> {
        let config = self.adapter.config();
        let min = self.adapter.params().min_relay_fee;
        let mut rates = [FeeRate::from_sat_per_kvb(0); 3];
        let mut estimated = true;
        for (rate, target) in rates.iter_mut().zip(FEE_TARGETS) {
            *rate = match self.adapter.rpc().estimate_smart_fee(target)? {
                DaemonFee::Estimated(r) => FeeRate::from_sat_per_kvb(r).max(config.fee_floor),
                DaemonFee::NoData | DaemonFee::Unsupported => {
                    estimated = false;
                    config.fee_fallback.max(config.fee_floor)
                }
            }
            .max(min);
        }
        Ok(FeeEstimate::Rate {
            low: rates[0],
            normal: rates[1],
            high: rates[2],
            estimated,
        })
    }

    fn broadcast(&self, raw: &[u8]) -> Result<String, ChainError> {
        Ok(self.adapter.broadcast(raw)?.to_string())
    }

    fn sync(&self) -> Result<(), ChainError> {
        let _one = self.sync_lock.lock().unwrap_or_else(|p| p.into_inner());
        self.adapter.sync(&mut |_, _| {})?;
        Ok(())
    }

    fn events(&self, from: u64, limit: usize) -> Result<EventPage, ChainError> {
        let limit = check_limit(limit, MAX_EVENTS)?;
        let events = self
            .adapter
            .events_since(from, limit)?
            .into_iter()
            .map(|e| self.event(e))
            .collect::<Result<Vec<_>, _>>()?;
        let next = events.last().map_or(from, |e| e.seq + 1);
        Ok(EventPage { events, next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_junk() {
        let t = "ab".repeat(32);
        assert_eq!(
            decode_cursor(&encode_cursor(Some(7), &t)).unwrap(),
            (Some(7), t.clone())
        );
        assert_eq!(
            decode_cursor(&encode_cursor(None, &t)).unwrap(),
            (None, t.clone())
        );
        for bad in [
            "",
            "x",
            "c:1",
            "c:a:b",
            "p:zz",
            &format!("c:-1:{t}"),
            &format!("q:{t}"),
        ] {
            assert_eq!(
                decode_cursor(bad).unwrap_err().code(),
                "invalid_cursor",
                "{bad}"
            );
        }
        assert!(history_key(None, &t) < history_key(Some(9), &t));
        assert!(history_key(Some(9), &t) < history_key(Some(8), &t));
    }
}
