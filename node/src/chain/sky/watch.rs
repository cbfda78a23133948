//! The watch index kept beside the Skycoin chain store (its own redb file,
//! `chain-watch.redb`): the watched addresses, the event log, the processed
//! block, confirmed deposits awaiting their depth events, deposits seen in
//! the pool and transactions sent through the interface.
//!
//! Each write commits with immediate durability and moves the processed
//! block and the event log together, so a crash leaves either a block's
//! events and the cursor past it, or neither.

use std::path::Path;

use redb::{
    Database, Durability, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction,
};
use serde::{Deserialize, Serialize};
use skyx_coins::sky::hash::Sha256;

use crate::chain::types::{ChainEvent, EventKind};
use crate::chain::ChainError;

/// Name of the watch index file inside the data directory.
pub const WATCH_FILE: &str = "chain-watch.redb";

const SCHEMA_VERSION: u32 = 1;

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// address (text) → ().
const WATCHED: TableDefinition<&str, ()> = TableDefinition::new("watched");
/// seq → event (JSON).
const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events");
/// height ‖ txid ‖ vout → deposit (JSON): confirmed deposits still below the deepest depth.
const CONFIRMED: TableDefinition<&[u8; 44], &[u8]> = TableDefinition::new("confirmed");
/// txid → pending transaction (JSON): pool transactions paying watched addresses.
const SEEN: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("seen");
/// txid → pending transaction (JSON): transactions sent through the interface, unresolved.
const SENT: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("sent");

const META_SCHEMA: &str = "schema";
const META_GENESIS: &str = "genesis";
const META_PROCESSED: &str = "processed";
const META_NEXT_EVENT: &str = "next_event";

/// A payment to a watched address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deposit {
    /// Index among the transaction's outputs.
    pub vout: u32,
    /// The watched address.
    pub address: String,
    /// Droplets.
    pub coins: u64,
    /// Coin hours at creation.
    pub hours: u64,
}

/// A transaction not in a block yet that the index follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingTxn {
    /// The output ids it spends (hex).
    pub inputs: Vec<String>,
    /// Its outputs paying watched addresses.
    pub deposits: Vec<Deposit>,
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// What happened (the [`EventKind`] name).
    pub kind: String,
    /// The transaction.
    pub txid: Option<String>,
    /// Output index.
    pub vout: Option<u32>,
    /// Watched address.
    pub address: Option<String>,
    /// Droplets.
    pub coins: Option<u64>,
    /// Coin hours at creation.
    pub hours: Option<u64>,
    /// Block seq.
    pub height: Option<u64>,
    /// Confirmations reached.
    pub confirmations: Option<u64>,
    /// Block hash.
    pub block_hash: Option<String>,
    /// The conflicting transaction.
    pub by_txid: Option<String>,
}

/// The stable name of an event kind, as serialized.
pub fn kind_name(k: EventKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl StoredEvent {
    /// An event of `kind` about nothing yet.
    pub fn new(kind: EventKind) -> StoredEvent {
        StoredEvent {
            kind: kind_name(kind),
            txid: None,
            vout: None,
            address: None,
            coins: None,
            hours: None,
            height: None,
            confirmations: None,
            block_hash: None,
            by_txid: None,
        }
    }

    /// A deposit event.
    pub fn deposit(kind: EventKind, txid: &Sha256, d: &Deposit) -> StoredEvent {
        StoredEvent {
            txid: Some(txid.to_hex()),
            vout: Some(d.vout),
            address: Some(d.address.clone()),
            coins: Some(d.coins),
            hours: Some(d.hours),
            ..StoredEvent::new(kind)
        }
    }
}

/// The processed block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Processed {
    /// Its seq.
    pub height: u64,
    /// Its hash.
    pub hash: Sha256,
}

fn store_err(e: impl std::fmt::Display) -> ChainError {
    ChainError::Store(e.to_string())
}

fn to_json<T: Serialize>(v: &T) -> Result<Vec<u8>, ChainError> {
    serde_json::to_vec(v).map_err(store_err)
}

fn from_json<T: for<'de> Deserialize<'de>>(b: &[u8]) -> Result<T, ChainError> {
    serde_json::from_slice(b).map_err(|e| ChainError::Store(format!("watch index record: {e}")))
}

/// `height ‖ txid ‖ vout`, ordered by height.
pub fn confirmed_key(height: u64, txid: &Sha256, vout: u32) -> [u8; 44] {
    let mut k = [0u8; 44];
    k[..8].copy_from_slice(&height.to_be_bytes());
    k[8..40].copy_from_slice(&txid.0);
    k[40..].copy_from_slice(&vout.to_be_bytes());
    k
}

/// The watch index file of one data directory.
#[derive(Debug)]
pub struct WatchStore {
    db: Database,
}

/// One open write: the tables it changes and the next event number.
pub struct WatchWrite {
    txn: WriteTransaction,
    next_event: u64,
}

impl WatchStore {
    /// Opens (creating if needed) the index in `dir` for the chain whose
    /// genesis block is `genesis`; an index of another chain is refused.
    pub fn open(dir: &Path, genesis: &Sha256) -> Result<WatchStore, ChainError> {
        std::fs::create_dir_all(dir).map_err(store_err)?;
        let path = dir.join(WATCH_FILE);
        let db = Database::create(&path).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => ChainError::Store(format!(
                "{} is in use by another skyx process",
                path.display()
            )),
            other => ChainError::Store(format!("{}: {other}", path.display())),
        })?;
        let mut w = db.begin_write().map_err(store_err)?;
        w.set_durability(Durability::Immediate).map_err(store_err)?;
        {
            let mut meta = w.open_table(META).map_err(store_err)?;
            let stored = meta
                .get(META_GENESIS)
                .map_err(store_err)?
                .map(|v| v.value().to_vec());
            match stored {
                Some(g) if g != genesis.0 => {
                    return Err(ChainError::Store(format!(
                        "{} belongs to another chain (genesis {})",
                        path.display(),
                        const_hex::encode(&g)
                    )))
                }
                Some(_) => {
                    let schema = meta
                        .get(META_SCHEMA)
                        .map_err(store_err)?
                        .and_then(|v| <[u8; 4]>::try_from(v.value()).ok())
                        .map(u32::from_le_bytes);
                    if schema != Some(SCHEMA_VERSION) {
                        return Err(ChainError::Store(format!(
                            "{}: schema {schema:?} is not supported (this skyx reads {SCHEMA_VERSION})",
                            path.display()
                        )));
                    }
                }
                None => {
                    meta.insert(META_GENESIS, genesis.0.as_slice())
                        .map_err(store_err)?;
                    meta.insert(META_SCHEMA, SCHEMA_VERSION.to_le_bytes().as_slice())
                        .map_err(store_err)?;
                }
            }
            w.open_table(WATCHED).map_err(store_err)?;
            w.open_table(EVENTS).map_err(store_err)?;
            w.open_table(CONFIRMED).map_err(store_err)?;
            w.open_table(SEEN).map_err(store_err)?;
            w.open_table(SENT).map_err(store_err)?;
        }
        w.commit().map_err(store_err)?;
        Ok(WatchStore { db })
    }

    /// The processed block, if any.
    pub fn processed(&self) -> Result<Option<Processed>, ChainError> {
        let r = self.db.begin_read().map_err(store_err)?;
        let meta = r.open_table(META).map_err(store_err)?;
        let Some(v) = meta.get(META_PROCESSED).map_err(store_err)? else {
            return Ok(None);
        };
        let b = v.value();
        let height = b
            .get(..8)
            .and_then(|h| <[u8; 8]>::try_from(h).ok())
            .map(u64::from_le_bytes);
        let hash = b.get(8..40).and_then(|h| Sha256::from_slice(h).ok());
        match (height, hash) {
            (Some(height), Some(hash)) => Ok(Some(Processed { height, hash })),
            _ => Err(ChainError::Store(
                "processed block record is damaged".into(),
            )),
        }
    }

    /// The watched addresses.
    pub fn watched(&self) -> Result<Vec<String>, ChainError> {
        let r = self.db.begin_read().map_err(store_err)?;
        let t = r.open_table(WATCHED).map_err(store_err)?;
        let mut out = Vec::new();
        for entry in t.iter().map_err(store_err)? {
            out.push(entry.map_err(store_err)?.0.value().to_owned());
        }
        Ok(out)
    }

    /// Events from `from` on, at most `limit`.
    pub fn events(&self, from: u64, limit: usize) -> Result<Vec<(u64, StoredEvent)>, ChainError> {
        let r = self.db.begin_read().map_err(store_err)?;
        let t = r.open_table(EVENTS).map_err(store_err)?;
        let mut out = Vec::new();
        for entry in t.range(from..).map_err(store_err)?.take(limit) {
            let (k, v) = entry.map_err(store_err)?;
            out.push((k.value(), from_json(v.value())?));
        }
        Ok(out)
    }

    /// Starts a write.
    pub fn write(&self) -> Result<WatchWrite, ChainError> {
        let mut txn = self.db.begin_write().map_err(store_err)?;
        txn.set_durability(Durability::Immediate)
            .map_err(store_err)?;
        let next_event = {
            let meta = txn.open_table(META).map_err(store_err)?;
            let v = meta.get(META_NEXT_EVENT).map_err(store_err)?;
            v.and_then(|v| <[u8; 8]>::try_from(v.value()).ok())
                .map_or(0, u64::from_le_bytes)
        };
        Ok(WatchWrite { txn, next_event })
    }
}

impl WatchWrite {
    /// Appends an event; returns its number.
    pub fn emit(&mut self, e: &StoredEvent) -> Result<u64, ChainError> {
        let seq = self.next_event;
        let mut t = self.txn.open_table(EVENTS).map_err(store_err)?;
        t.insert(seq, to_json(e)?.as_slice()).map_err(store_err)?;
        self.next_event += 1;
        Ok(seq)
    }

    /// Adds watched addresses; returns how many were new.
    pub fn add_watched(&mut self, addresses: &[String]) -> Result<usize, ChainError> {
        let mut t = self.txn.open_table(WATCHED).map_err(store_err)?;
        let mut added = 0;
        for a in addresses {
            if t.insert(a.as_str(), ()).map_err(store_err)?.is_none() {
                added += 1;
            }
        }
        Ok(added)
    }

    /// Records a confirmed deposit for its depth events.
    pub fn put_confirmed(
        &mut self,
        height: u64,
        txid: &Sha256,
        d: &Deposit,
    ) -> Result<(), ChainError> {
        let mut t = self.txn.open_table(CONFIRMED).map_err(store_err)?;
        t.insert(&confirmed_key(height, txid, d.vout), to_json(d)?.as_slice())
            .map_err(store_err)?;
        Ok(())
    }

    /// The deposits confirmed at `height`.
    pub fn confirmed_at(&self, height: u64) -> Result<Vec<(Sha256, Deposit)>, ChainError> {
        let t = self.txn.open_table(CONFIRMED).map_err(store_err)?;
        let lo = confirmed_key(height, &Sha256([0; 32]), 0);
        let hi = confirmed_key(height, &Sha256([0xff; 32]), u32::MAX);
        let mut out = Vec::new();
        for entry in t.range::<&[u8; 44]>(&lo..=&hi).map_err(store_err)? {
            let (k, v) = entry.map_err(store_err)?;
            let txid = Sha256::from_slice(&k.value()[8..40]).map_err(store_err)?;
            out.push((txid, from_json(v.value())?));
        }
        Ok(out)
    }

    /// Forgets confirmed deposits below `height` (past every depth).
    pub fn prune_confirmed_below(&mut self, height: u64) -> Result<(), ChainError> {
        let mut t = self.txn.open_table(CONFIRMED).map_err(store_err)?;
        let hi = confirmed_key(height, &Sha256([0; 32]), 0);
        t.retain_in::<&[u8; 44], _>(..&hi, |_, _| false)
            .map_err(store_err)?;
        Ok(())
    }

    fn pending_table(sent: bool) -> TableDefinition<'static, &'static [u8; 32], &'static [u8]> {
        if sent {
            SENT
        } else {
            SEEN
        }
    }

    /// A followed pending transaction (`sent`: sent through the interface; else seen in the pool).
    pub fn pending(&self, sent: bool, txid: &Sha256) -> Result<Option<PendingTxn>, ChainError> {
        let t = self
            .txn
            .open_table(Self::pending_table(sent))
            .map_err(store_err)?;
        let v = t.get(&txid.0).map_err(store_err)?;
        v.map(|v| from_json(v.value())).transpose()
    }

    /// Every followed pending transaction of one kind.
    pub fn all_pending(&self, sent: bool) -> Result<Vec<(Sha256, PendingTxn)>, ChainError> {
        let t = self
            .txn
            .open_table(Self::pending_table(sent))
            .map_err(store_err)?;
        let mut out = Vec::new();
        for entry in t.iter().map_err(store_err)? {
            let (k, v) = entry.map_err(store_err)?;
            out.push((Sha256(*k.value()), from_json(v.value())?));
        }
        Ok(out)
    }

    /// Follows a pending transaction.
    pub fn put_pending(
        &mut self,
        sent: bool,
        txid: &Sha256,
        p: &PendingTxn,
    ) -> Result<(), ChainError> {
        let mut t = self
            .txn
            .open_table(Self::pending_table(sent))
            .map_err(store_err)?;
        t.insert(&txid.0, to_json(p)?.as_slice())
            .map_err(store_err)?;
        Ok(())
    }

    /// Stops following a pending transaction.
    pub fn remove_pending(&mut self, sent: bool, txid: &Sha256) -> Result<(), ChainError> {
        let mut t = self
            .txn
            .open_table(Self::pending_table(sent))
            .map_err(store_err)?;
        t.remove(&txid.0).map_err(store_err)?;
        Ok(())
    }

    /// Moves the processed block.
    pub fn set_processed(&mut self, p: Processed) -> Result<(), ChainError> {
        let mut meta = self.txn.open_table(META).map_err(store_err)?;
        let mut v = p.height.to_le_bytes().to_vec();
        v.extend_from_slice(&p.hash.0);
        meta.insert(META_PROCESSED, v.as_slice())
            .map_err(store_err)?;
        Ok(())
    }

    /// Commits durably.
    pub fn commit(self) -> Result<(), ChainError> {
        {
            let mut meta = self.txn.open_table(META).map_err(store_err)?;
            meta.insert(META_NEXT_EVENT, self.next_event.to_le_bytes().as_slice())
                .map_err(store_err)?;
        }
        self.txn.commit().map_err(store_err)
    }
}

/// Converts a stored event for the interface.
pub fn to_chain_event(seq: u64, e: StoredEvent) -> Result<ChainEvent, ChainError> {
    let kind: EventKind = serde_json::from_value(serde_json::Value::String(e.kind.clone()))
        .map_err(|_| ChainError::Store(format!("event {seq}: unknown kind {:?}", e.kind)))?;
    let mut out = ChainEvent::new(kind);
    out.seq = seq;
    out.txid = e.txid;
    out.vout = e.vout;
    out.address = e.address;
    out.amount = e
        .coins
        .map(|c| skyx_coins::amount::Amount::from_units(skyx_coins::amount::Currency::Sky, c));
    out.hours = e.hours;
    out.height = e.height;
    out.confirmations = e.confirmations;
    out.block_hash = e.block_hash;
    out.by_txid = e.by_txid;
    Ok(out)
}
