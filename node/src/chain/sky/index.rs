//! Feeding the watch index from the chain store: every block after the
//! processed one is scanned for payments to watched addresses and for the
//! transactions the index follows (seen in the pool, sent through the
//! interface); the pool is scanned for new payments. Skycoin blocks are
//! final (one publisher signs the chain), so nothing is ever reorged out.

use std::collections::{HashMap, HashSet};

use skyx_coins::sky::address::Address;
use skyx_coins::sky::block::SignedBlock;
use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::transaction::Transaction;

use super::watch::{Deposit, PendingTxn, Processed, StoredEvent, WatchStore, WatchWrite};
use crate::chain::types::EventKind;
use crate::chain::ChainError;
use crate::store::ChainStore;

/// Blocks scanned per write of the index.
pub const BLOCKS_PER_WRITE: u64 = 200;

/// The outputs of `txn` paying watched addresses.
pub fn deposits(txn: &Transaction, watched: &HashSet<Address>) -> Vec<Deposit> {
    txn.outputs
        .iter()
        .enumerate()
        .filter(|(_, o)| watched.contains(&o.address))
        .map(|(i, o)| Deposit {
            vout: i as u32,
            address: o.address.to_string(),
            coins: o.coins,
            hours: o.hours,
        })
        .collect()
}

/// Scans the blocks after the processed one up to the store's head, in
/// writes of [`BLOCKS_PER_WRITE`] blocks; `depths` are the confirmation
/// counts above 1 that emit an event. Returns the processed block.
pub fn catch_up(
    store: &ChainStore,
    watch: &WatchStore,
    watched: &HashSet<Address>,
    depths: &[u64],
) -> Result<Option<Processed>, ChainError> {
    let mut processed = watch.processed()?;
    if let Some(p) = processed {
        // The index must describe this chain's blocks.
        if store.block_hash(p.height)? != Some(p.hash) {
            return Err(ChainError::Store(format!(
                "the watch index processed block {} {}, which the chain store does not hold",
                p.height, p.hash
            )));
        }
    }
    let Some(head) = store.height() else {
        return Ok(processed);
    };
    let deepest = depths.iter().copied().max().unwrap_or(1).max(1);
    loop {
        let next = processed.map_or(0, |p| p.height + 1);
        if next > head {
            return Ok(processed);
        }
        let last = head.min(next + BLOCKS_PER_WRITE - 1);
        let mut w = watch.write()?;
        let mut tip = None;
        for seq in next..=last {
            let block = store
                .block_by_seq(seq)?
                .ok_or_else(|| ChainError::Store(format!("block {seq} is missing")))?;
            scan_block(&mut w, &block, watched, depths)?;
            tip = Some(Processed {
                height: seq,
                hash: block.block.hash(),
            });
            if seq + 1 >= deepest {
                w.prune_confirmed_below(seq + 2 - deepest)?;
            }
        }
        if let Some(p) = tip {
            w.set_processed(p)?;
            let mut e = StoredEvent::new(EventKind::NewTip);
            e.height = Some(p.height);
            e.block_hash = Some(p.hash.to_hex());
            w.emit(&e)?;
        }
        w.commit()?;
        processed = tip;
    }
}

/// The events and index changes of one block.
fn scan_block(
    w: &mut WatchWrite,
    block: &SignedBlock,
    watched: &HashSet<Address>,
    depths: &[u64],
) -> Result<(), ChainError> {
    let seq = block.block.seq();
    let txns = &block.block.body.transactions;
    // Output id → the transaction of this block spending it.
    let mut spent_by: HashMap<Sha256, Sha256> = HashMap::new();
    let mut confirmed: HashSet<Sha256> = HashSet::new();
    for txn in txns {
        let txid = txn.hash();
        confirmed.insert(txid);
        for i in &txn.inputs {
            spent_by.insert(*i, txid);
        }
        for d in deposits(txn, watched) {
            let mut e = StoredEvent::deposit(EventKind::DepositConfirmed, &txid, &d);
            e.height = Some(seq);
            e.confirmations = Some(1);
            w.emit(&e)?;
            w.put_confirmed(seq, &txid, &d)?;
        }
        if w.pending(false, &txid)?.is_some() {
            w.remove_pending(false, &txid)?;
        }
        if w.pending(true, &txid)?.is_some() {
            let mut e = StoredEvent::new(EventKind::SentConfirmed);
            e.txid = Some(txid.to_hex());
            e.height = Some(seq);
            e.confirmations = Some(1);
            w.emit(&e)?;
            w.remove_pending(true, &txid)?;
        }
    }
    // Followed transactions whose inputs this block spent in another one lost.
    for sent in [false, true] {
        for (txid, p) in w.all_pending(sent)? {
            if confirmed.contains(&txid) {
                continue;
            }
            let by = p
                .inputs
                .iter()
                .filter_map(|i| i.parse::<Sha256>().ok())
                .find_map(|i| spent_by.get(&i));
            let Some(by) = by else { continue };
            if sent {
                let mut e = StoredEvent::new(EventKind::SentConflicted);
                e.txid = Some(txid.to_hex());
                e.height = Some(seq);
                e.by_txid = Some(by.to_hex());
                w.emit(&e)?;
            } else {
                for d in &p.deposits {
                    let mut e = StoredEvent::deposit(EventKind::DepositDoubleSpent, &txid, d);
                    e.height = Some(seq);
                    e.by_txid = Some(by.to_hex());
                    w.emit(&e)?;
                }
            }
            w.remove_pending(sent, &txid)?;
        }
    }
    for &k in depths.iter().filter(|&&k| k > 1 && k <= seq + 1) {
        let at = seq + 1 - k;
        for (txid, d) in w.confirmed_at(at)? {
            let mut e = StoredEvent::deposit(EventKind::DepositConfirmed, &txid, &d);
            e.height = Some(at);
            e.confirmations = Some(k);
            w.emit(&e)?;
        }
    }
    Ok(())
}

/// Emits `deposit_seen` for pool transactions paying watched addresses that
/// the index does not follow yet. Returns how many it saw.
pub fn scan_pool(
    store: &ChainStore,
    watch: &WatchStore,
    watched: &HashSet<Address>,
) -> Result<usize, ChainError> {
    let pool = store.unconfirmed()?;
    let mut w = watch.write()?;
    let mut seen = 0;
    for u in pool {
        let txid = u.txn.hash();
        let found = deposits(&u.txn, watched);
        if found.is_empty() || w.pending(false, &txid)?.is_some() {
            continue;
        }
        // A transaction already in a block is reported by the block scan.
        if store.transaction(&txid)?.is_some() {
            continue;
        }
        for d in &found {
            w.emit(&StoredEvent::deposit(EventKind::DepositSeen, &txid, d))?;
        }
        let p = PendingTxn {
            inputs: u.txn.inputs.iter().map(Sha256::to_hex).collect(),
            deposits: found,
        };
        w.put_pending(false, &txid, &p)?;
        seen += 1;
    }
    w.commit()?;
    Ok(seen)
}

/// Follows a transaction sent through the interface: `sent_broadcast` once.
pub fn record_sent(
    watch: &WatchStore,
    txn: &Transaction,
    confirmed: bool,
) -> Result<(), ChainError> {
    let txid = txn.hash();
    let mut w = watch.write()?;
    if confirmed || w.pending(true, &txid)?.is_some() {
        return Ok(());
    }
    let mut e = StoredEvent::new(EventKind::SentBroadcast);
    e.txid = Some(txid.to_hex());
    w.emit(&e)?;
    let p = PendingTxn {
        inputs: txn.inputs.iter().map(Sha256::to_hex).collect(),
        deposits: Vec::new(),
    };
    w.put_pending(true, &txid, &p)?;
    w.commit()
}
