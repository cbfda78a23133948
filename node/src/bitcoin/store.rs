//! The adapter's crash-safe store (redb): watched addresses, their outputs,
//! the processed tip, recent block hashes with undo records, the mempool
//! transactions that matter, the outbox of own payments (see [`super::outbox`])
//! and the event log. A block is applied in one write transaction with
//! immediate durability, so a crash leaves either all of its effects or none.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use bitcoin::hashes::Hash;
use bitcoin::{BlockHash, OutPoint, Transaction, Txid};
use redb::{Database, Durability, ReadableDatabase, ReadableTable, Table, TableDefinition};
use serde::de::DeserializeOwned;
use serde::Serialize;
use skyx_coins::btc::{Address, ChainParams};

use super::error::BtcError;
use super::events::{Event, EventKind};
use super::format_amount;
use super::index::{scan, spent_outpoints, Received, WatchSet};
use super::records::*;

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// address → its script.
const WATCHED: TableDefinition<&str, &[u8]> = TableDefinition::new("watched");
/// height → block hash, for the most recent [`KEEP_BLOCKS`] blocks.
const HASHES: TableDefinition<u64, &[u8; 32]> = TableDefinition::new("hashes");
/// height → undo record (JSON).
const UNDO: TableDefinition<u64, &[u8]> = TableDefinition::new("undo");
/// outpoint → output record (JSON).
const OUTPUTS: TableDefinition<&[u8; 36], &[u8]> = TableDefinition::new("outputs");
/// height ‖ outpoint → (): confirmed deposits by height.
const BY_HEIGHT: TableDefinition<&[u8; 44], ()> = TableDefinition::new("by_height");
/// txid → waiting transaction (JSON).
const PENDING: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("pending");
/// outpoint → txid of the waiting transaction spending it.
const PENDING_INPUTS: TableDefinition<&[u8; 36], &[u8; 32]> =
    TableDefinition::new("pending_inputs");
/// txid → own payment, the outbox record (JSON).
pub(super) const PAYMENTS: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("payments");
/// caller reference (idempotency key) → txid of the payment recorded under it.
pub(super) const REFERENCES: TableDefinition<&str, &[u8; 32]> = TableDefinition::new("references");
/// seq → event (JSON).
const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events");

const META_SCHEMA: &str = "schema";
const META_CHAIN: &str = "chain";
const META_START: &str = "start_height";
const META_TIP: &str = "tip";
const META_NEXT_EVENT: &str = "next_event";
/// Schema 2 added the outbox fields of payments and the references table.
const SCHEMA_VERSION: u32 = 2;
/// The oldest schema this version upgrades in place.
const OLDEST_SCHEMA: u32 = 1;

/// How many recent block hashes and undo records are kept (the deepest reorg handled).
pub const KEEP_BLOCKS: u64 = 1_000;

/// A block ready to apply.
#[derive(Debug, Clone)]
pub struct BlockInput {
    /// Its height.
    pub height: u64,
    /// Its hash.
    pub hash: BlockHash,
    /// Its transactions.
    pub txs: Vec<Transaction>,
}

/// The processed tip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tip {
    /// Height of the last applied block.
    pub height: u64,
    /// Its hash (unknown only after rolling back the very first block).
    pub hash: Option<BlockHash>,
}

/// What applying blocks did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyStats {
    /// Blocks applied.
    pub blocks: u64,
    /// Transactions looked at.
    pub txs: u64,
    /// Events emitted.
    pub events: u64,
}

/// The adapter's store for one coin and network.
#[derive(Debug)]
pub struct Store {
    pub(super) db: Database,
    params: &'static ChainParams,
}

pub(super) fn to_json<T: Serialize>(v: &T) -> Result<Vec<u8>, BtcError> {
    serde_json::to_vec(v).map_err(|e| BtcError::Store(e.to_string()))
}

pub(super) fn from_json<T: DeserializeOwned>(b: &[u8]) -> Result<T, BtcError> {
    serde_json::from_slice(b).map_err(|e| BtcError::Store(format!("record does not decode: {e}")))
}

fn u64_le(b: &[u8]) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(..8)?.try_into().ok()?))
}

pub(super) fn txid_key(t: &Txid) -> [u8; 32] {
    t.to_byte_array()
}

/// The tables one write touches.
pub(super) struct W<'t> {
    meta: Table<'t, &'static str, &'static [u8]>,
    hashes: Table<'t, u64, &'static [u8; 32]>,
    undo: Table<'t, u64, &'static [u8]>,
    outputs: Table<'t, &'static [u8; 36], &'static [u8]>,
    by_height: Table<'t, &'static [u8; 44], ()>,
    pending: Table<'t, &'static [u8; 32], &'static [u8]>,
    pending_inputs: Table<'t, &'static [u8; 36], &'static [u8; 32]>,
    pub(super) payments: Table<'t, &'static [u8; 32], &'static [u8]>,
    pub(super) references: Table<'t, &'static str, &'static [u8; 32]>,
    events: Table<'t, u64, &'static [u8]>,
    next_event: u64,
    new_events: u64,
}

impl<'t> W<'t> {
    pub(super) fn open(w: &'t redb::WriteTransaction) -> Result<W<'t>, BtcError> {
        let meta = w.open_table(META)?;
        let next_event = match meta.get(META_NEXT_EVENT)? {
            Some(v) => u64_le(v.value()).unwrap_or(0),
            None => 0,
        };
        Ok(W {
            meta,
            hashes: w.open_table(HASHES)?,
            undo: w.open_table(UNDO)?,
            outputs: w.open_table(OUTPUTS)?,
            by_height: w.open_table(BY_HEIGHT)?,
            pending: w.open_table(PENDING)?,
            pending_inputs: w.open_table(PENDING_INPUTS)?,
            payments: w.open_table(PAYMENTS)?,
            references: w.open_table(REFERENCES)?,
            events: w.open_table(EVENTS)?,
            next_event,
            new_events: 0,
        })
    }

    pub(super) fn finish(mut self) -> Result<u64, BtcError> {
        self.meta
            .insert(META_NEXT_EVENT, self.next_event.to_le_bytes().as_slice())?;
        Ok(self.new_events)
    }

    pub(super) fn emit(&mut self, mut e: Event) -> Result<(), BtcError> {
        e.seq = self.next_event;
        self.events
            .insert(self.next_event, to_json(&e)?.as_slice())?;
        self.next_event += 1;
        self.new_events += 1;
        Ok(())
    }

    pub(super) fn record(&self, k: &[u8; 36]) -> Result<Option<OutputRecord>, BtcError> {
        match self.outputs.get(k)? {
            Some(v) => Ok(Some(from_json(v.value())?)),
            None => Ok(None),
        }
    }

    pub(super) fn put_record(&mut self, k: &[u8; 36], r: &OutputRecord) -> Result<(), BtcError> {
        self.outputs.insert(k, to_json(r)?.as_slice())?;
        Ok(())
    }

    pub(super) fn payment(&self, t: &[u8; 32]) -> Result<Option<PaymentRecord>, BtcError> {
        match self.payments.get(t)? {
            Some(v) => Ok(Some(from_json(v.value())?)),
            None => Ok(None),
        }
    }

    pub(super) fn pending_tx(&self, t: &[u8; 32]) -> Result<Option<PendingTx>, BtcError> {
        match self.pending.get(t)? {
            Some(v) => Ok(Some(from_json(v.value())?)),
            None => Ok(None),
        }
    }

    pub(super) fn remove_pending(&mut self, t: &[u8; 32], p: &PendingTx) -> Result<(), BtcError> {
        self.pending.remove(t)?;
        for input in &p.inputs {
            if let Some(o) = parse_outpoint(input) {
                let k = outpoint_key(&o);
                let owned = self.pending_inputs.get(&k)?.map(|v| *v.value() == *t);
                if owned == Some(true) {
                    self.pending_inputs.remove(&k)?;
                }
            }
        }
        Ok(())
    }

    pub(super) fn pending_inputs_get(&self, k: &[u8; 36]) -> Result<Option<[u8; 32]>, BtcError> {
        Ok(self.pending_inputs.get(k)?.map(|v| *v.value()))
    }

    pub(super) fn insert_pending(&mut self, t: &[u8; 32], p: &PendingTx) -> Result<(), BtcError> {
        self.pending.insert(t, to_json(p)?.as_slice())?;
        for input in &p.inputs {
            if let Some(o) = parse_outpoint(input) {
                self.pending_inputs.insert(&outpoint_key(&o), t)?;
            }
        }
        Ok(())
    }

    fn set_tip(&mut self, tip: Option<Tip>) -> Result<(), BtcError> {
        match tip {
            None => {
                self.meta.remove(META_TIP)?;
            }
            Some(t) => {
                let mut v = t.height.to_le_bytes().to_vec();
                if let Some(h) = t.hash {
                    v.extend_from_slice(&h.to_byte_array());
                }
                self.meta.insert(META_TIP, v.as_slice())?;
            }
        }
        Ok(())
    }

    /// Looks up the inputs of `txs` among watched outputs and waiting transactions.
    pub(super) fn lookups(
        &self,
        txs: &[Transaction],
    ) -> Result<(HashSet<OutPoint>, HashMap<OutPoint, Txid>), BtcError> {
        let mut ours = HashSet::new();
        let mut pending = HashMap::new();
        for o in spent_outpoints(txs) {
            let k = outpoint_key(&o);
            if self.outputs.get(&k)?.is_some() {
                ours.insert(o);
            }
            if let Some(t) = self.pending_inputs.get(&k)? {
                pending.insert(o, Txid::from_byte_array(*t.value()));
            }
        }
        Ok((ours, pending))
    }
}

pub(super) fn deposit_event(kind: EventKind, o: &OutPoint, r: &OutputRecord) -> Event {
    let mut e = Event::new(kind, o.txid);
    e.vout = Some(o.vout);
    e.address = Some(r.address.clone());
    e.amount = Some(format_amount(r.value));
    e.height = r.height;
    e
}

/// Keeps the first prior value of each record a block touches.
struct UndoLog {
    undo: Undo,
    saved: HashSet<[u8; 36]>,
    saved_payments: HashSet<[u8; 32]>,
}

impl UndoLog {
    fn new() -> UndoLog {
        UndoLog {
            undo: Undo::default(),
            saved: HashSet::new(),
            saved_payments: HashSet::new(),
        }
    }

    fn save(&mut self, k: &[u8; 36], prior: &Option<OutputRecord>) {
        if self.saved.insert(*k) {
            let o = key_outpoint(k);
            self.undo.records.push((o.to_string(), prior.clone()));
        }
    }

    fn save_payment(&mut self, t: &[u8; 32], prior: &PaymentRecord) {
        if self.saved_payments.insert(*t) {
            let txid = Txid::from_byte_array(*t);
            self.undo.payments.push((txid.to_string(), prior.clone()));
        }
    }
}

impl Store {
    /// Opens (creating if needed) the store file for the chain `params`.
    pub fn open(path: &Path, params: &'static ChainParams) -> Result<Store, BtcError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let db = Database::create(path).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => BtcError::Store(format!(
                "{} is in use by another skyx process",
                path.display()
            )),
            other => BtcError::Store(format!("{}: {other}", path.display())),
        })?;
        let store = Store { db, params };
        store.init()?;
        Ok(store)
    }

    /// The chain this store is for.
    pub fn params(&self) -> &'static ChainParams {
        self.params
    }

    fn chain_name(&self) -> String {
        format!(
            "{}-{}",
            self.params.coin.as_str(),
            self.params.network.as_str()
        )
    }

    fn init(&self) -> Result<(), BtcError> {
        let mut w = self.db.begin_write()?;
        w.set_durability(Durability::Immediate)?;
        {
            let mut meta = w.open_table(META)?;
            let chain = self.chain_name();
            let stored = meta.get(META_CHAIN)?.map(|v| v.value().to_vec());
            match stored {
                Some(s) if s != chain.as_bytes() => {
                    return Err(BtcError::WrongChain {
                        stored: String::from_utf8_lossy(&s).into_owned(),
                        expected: chain,
                    })
                }
                Some(_) => {
                    let schema = meta
                        .get(META_SCHEMA)?
                        .and_then(|v| v.value().get(..4).map(|b| [b[0], b[1], b[2], b[3]]))
                        .map(u32::from_le_bytes);
                    match schema {
                        Some(SCHEMA_VERSION) => {}
                        // Older records decode with the new fields' defaults;
                        // the new tables are created below.
                        Some(v) if (OLDEST_SCHEMA..SCHEMA_VERSION).contains(&v) => {
                            meta.insert(META_SCHEMA, SCHEMA_VERSION.to_le_bytes().as_slice())?;
                        }
                        _ => {
                            return Err(BtcError::Store(format!(
                                "store schema {schema:?} is not supported (this skyx reads {OLDEST_SCHEMA} to {SCHEMA_VERSION})"
                            )))
                        }
                    }
                }
                None => {
                    meta.insert(META_CHAIN, chain.as_bytes())?;
                    meta.insert(META_SCHEMA, SCHEMA_VERSION.to_le_bytes().as_slice())?;
                }
            }
            // Create every table so readers never meet a missing one.
            w.open_table(WATCHED)?;
            w.open_table(HASHES)?;
            w.open_table(UNDO)?;
            w.open_table(OUTPUTS)?;
            w.open_table(BY_HEIGHT)?;
            w.open_table(PENDING)?;
            w.open_table(PENDING_INPUTS)?;
            w.open_table(PAYMENTS)?;
            w.open_table(REFERENCES)?;
            w.open_table(EVENTS)?;
        }
        w.commit()?;
        Ok(())
    }

    /// The processed tip, if any block was applied.
    pub fn tip(&self) -> Result<Option<Tip>, BtcError> {
        let r = self.db.begin_read()?;
        let meta = r.open_table(META)?;
        let Some(v) = meta.get(META_TIP)? else {
            return Ok(None);
        };
        let b = v.value();
        let height = u64_le(b).ok_or_else(|| BtcError::Store("tip record too short".into()))?;
        let hash = b
            .get(8..40)
            .and_then(|h| <[u8; 32]>::try_from(h).ok())
            .map(BlockHash::from_byte_array);
        Ok(Some(Tip { height, hash }))
    }

    /// The first height to follow from (set once).
    pub fn start_height(&self) -> Result<Option<u64>, BtcError> {
        let r = self.db.begin_read()?;
        let meta = r.open_table(META)?;
        Ok(meta.get(META_START)?.and_then(|v| u64_le(v.value())))
    }

    /// Sets the start height if none is set yet; returns the one in force.
    pub fn ensure_start_height(&self, height: u64) -> Result<u64, BtcError> {
        if let Some(h) = self.start_height()? {
            return Ok(h);
        }
        let mut w = self.db.begin_write()?;
        w.set_durability(Durability::Immediate)?;
        {
            let mut meta = w.open_table(META)?;
            meta.insert(META_START, height.to_le_bytes().as_slice())?;
        }
        w.commit()?;
        Ok(height)
    }

    /// The next height to apply.
    pub fn next_height(&self) -> Result<u64, BtcError> {
        match self.tip()? {
            Some(t) => Ok(t.height + 1),
            None => Ok(self.start_height()?.unwrap_or(0)),
        }
    }

    /// Adds watched addresses; returns how many were new.
    pub fn add_watched(&self, addresses: &[Address]) -> Result<usize, BtcError> {
        let mut w = self.db.begin_write()?;
        w.set_durability(Durability::Immediate)?;
        let mut added = 0;
        {
            let mut t = w.open_table(WATCHED)?;
            for a in addresses {
                let text = a.to_string();
                if t.get(text.as_str())?.is_none() {
                    t.insert(text.as_str(), a.script_pubkey().as_bytes())?;
                    added += 1;
                }
            }
        }
        w.commit()?;
        Ok(added)
    }

    /// The watched addresses.
    pub fn watched(&self) -> Result<Vec<String>, BtcError> {
        let r = self.db.begin_read()?;
        let t = r.open_table(WATCHED)?;
        let mut out = Vec::new();
        for entry in t.iter()? {
            let (k, _) = entry?;
            out.push(k.value().to_owned());
        }
        Ok(out)
    }

    /// The watched scripts, ready for scanning.
    pub fn watch_set(&self) -> Result<WatchSet, BtcError> {
        let r = self.db.begin_read()?;
        let t = r.open_table(WATCHED)?;
        let mut set = WatchSet::new();
        for entry in t.iter()? {
            let (k, v) = entry?;
            set.insert_script(
                bitcoin::ScriptBuf::from_bytes(v.value().to_vec()),
                k.value().to_owned(),
            );
        }
        Ok(set)
    }

    /// Kept block hashes from the tip downwards.
    pub fn recent_hashes(&self) -> Result<Vec<(u64, BlockHash)>, BtcError> {
        let r = self.db.begin_read()?;
        let t = r.open_table(HASHES)?;
        let mut out = Vec::new();
        for entry in t.iter()?.rev() {
            let (k, v) = entry?;
            out.push((k.value(), BlockHash::from_byte_array(*v.value())));
        }
        Ok(out)
    }

    /// Applies consecutive blocks in one atomic write; `depths` lists the
    /// confirmation counts (above 1) that emit an event.
    pub fn apply_blocks(
        &self,
        blocks: &[BlockInput],
        watch: &WatchSet,
        depths: &[u64],
    ) -> Result<ApplyStats, BtcError> {
        let mut stats = ApplyStats::default();
        if blocks.is_empty() {
            return Ok(stats);
        }
        let mut w = self.db.begin_write()?;
        w.set_durability(Durability::Immediate)?;
        {
            let mut t = W::open(&w)?;
            for b in blocks {
                apply_one(&mut t, b, watch, depths)?;
                stats.blocks += 1;
                stats.txs += b.txs.len() as u64;
            }
            if let Some(last) = blocks.last() {
                let mut e = Event::new(EventKind::NewTip, "");
                e.height = Some(last.height);
                e.block_hash = Some(last.hash.to_string());
                t.emit(e)?;
            }
            stats.events = t.finish()?;
        }
        w.commit()?;
        Ok(stats)
    }

    /// Undoes the tip block; returns the new tip.
    pub fn rollback_tip(&self) -> Result<Option<Tip>, BtcError> {
        let Some(tip) = self.tip()? else {
            return Ok(None);
        };
        let start = self.start_height()?.unwrap_or(0);
        let mut w = self.db.begin_write()?;
        w.set_durability(Durability::Immediate)?;
        let new_tip;
        {
            let mut t = W::open(&w)?;
            new_tip = rollback_one(&mut t, tip.height, start)?;
            t.finish()?;
        }
        w.commit()?;
        Ok(new_tip)
    }

    /// Records mempool transactions: deposits seen, watched outputs being
    /// spent, and conflicts with earlier waiting transactions.
    pub fn apply_mempool(
        &self,
        txs: &[(Txid, Transaction)],
        watch: &WatchSet,
    ) -> Result<u64, BtcError> {
        let mut w = self.db.begin_write()?;
        w.set_durability(Durability::Immediate)?;
        let events;
        {
            let mut t = W::open(&w)?;
            for (txid, tx) in txs {
                mempool_one(&mut t, txid, tx, watch)?;
            }
            events = t.finish()?;
        }
        w.commit()?;
        Ok(events)
    }

    /// Whether a transaction is already recorded as waiting.
    pub fn is_pending(&self, txid: &Txid) -> Result<bool, BtcError> {
        let r = self.db.begin_read()?;
        let t = r.open_table(PENDING)?;
        Ok(t.get(&txid_key(txid))?.is_some())
    }

    /// Every output that paid a watched address, ordered by height (mempool last), txid, vout.
    pub fn outputs(&self) -> Result<Vec<(OutPoint, OutputRecord)>, BtcError> {
        let r = self.db.begin_read()?;
        let t = r.open_table(OUTPUTS)?;
        let mut out = Vec::new();
        for entry in t.iter()? {
            let (k, v) = entry?;
            out.push((
                key_outpoint(k.value()),
                from_json::<OutputRecord>(v.value())?,
            ));
        }
        out.sort_by(|(a, ra), (b, rb)| {
            (ra.height.unwrap_or(u64::MAX), a.txid.to_string(), a.vout).cmp(&(
                rb.height.unwrap_or(u64::MAX),
                b.txid.to_string(),
                b.vout,
            ))
        });
        Ok(out)
    }

    /// An own payment by txid.
    pub fn payment(&self, txid: &Txid) -> Result<Option<PaymentRecord>, BtcError> {
        let r = self.db.begin_read()?;
        let t = r.open_table(PAYMENTS)?;
        match t.get(&txid_key(txid))? {
            Some(v) => Ok(Some(from_json(v.value())?)),
            None => Ok(None),
        }
    }

    /// Events from `seq` on, at most `limit`.
    pub fn events_since(&self, seq: u64, limit: usize) -> Result<Vec<Event>, BtcError> {
        let r = self.db.begin_read()?;
        let t = r.open_table(EVENTS)?;
        let mut out = Vec::new();
        for entry in t.range(seq..)?.take(limit) {
            let (_, v) = entry?;
            out.push(from_json(v.value())?);
        }
        Ok(out)
    }
}

fn apply_one(
    t: &mut W<'_>,
    b: &BlockInput,
    watch: &WatchSet,
    depths: &[u64],
) -> Result<(), BtcError> {
    let h = b.height;
    let (ours, pending) = t.lookups(&b.txs)?;
    let fx = scan(&b.txs, watch, &ours, &pending);
    let mut log = UndoLog::new();
    for r in &fx.received {
        let k = outpoint_key(&r.outpoint);
        let prior = t.record(&k)?;
        log.save(&k, &prior);
        let mut rec = prior.unwrap_or(OutputRecord {
            address: r.address.clone(),
            value: r.value,
            coinbase: r.coinbase,
            height: None,
            status: DepositStatus::Confirmed,
            spent_by: None,
            spent_height: None,
            pending_spent_by: None,
        });
        rec.height = Some(h);
        rec.status = DepositStatus::Confirmed;
        rec.coinbase = r.coinbase;
        t.put_record(&k, &rec)?;
        t.by_height.insert(&height_key(h, &k), ())?;
        log.undo.confirmed.push(r.outpoint.to_string());
        let mut e = deposit_event(EventKind::DepositConfirmed, &r.outpoint, &rec);
        e.confirmations = Some(1);
        t.emit(e)?;
    }
    for s in &fx.spends {
        let k = outpoint_key(&s.outpoint);
        let prior = t.record(&k)?;
        log.save(&k, &prior);
        if let Some(mut rec) = prior {
            rec.spent_by = Some(s.txid.to_string());
            rec.spent_height = Some(h);
            rec.pending_spent_by = None;
            t.put_record(&k, &rec)?;
        }
    }
    for hit in &fx.pending {
        let pk = txid_key(&hit.pending);
        let Some(ptx) = t.pending_tx(&pk)? else {
            continue;
        };
        t.remove_pending(&pk, &ptx)?;
        log.undo
            .pending_removed
            .push((hit.pending.to_string(), ptx.clone()));
        let payment = if ptx.payment { t.payment(&pk)? } else { None };
        if hit.is_conflict() {
            for d in &ptx.deposits {
                let Some(o) = parse_outpoint(d) else { continue };
                let k = outpoint_key(&o);
                let prior = t.record(&k)?;
                if let Some(mut rec) = prior.clone() {
                    if rec.status == DepositStatus::Mempool {
                        log.save(&k, &prior);
                        rec.status = DepositStatus::DoubleSpent;
                        t.put_record(&k, &rec)?;
                        let mut e = deposit_event(EventKind::DepositDoubleSpent, &o, &rec);
                        e.by_txid = Some(hit.by.to_string());
                        t.emit(e)?;
                    }
                }
            }
            if let Some(mut p) = payment {
                log.save_payment(&pk, &p);
                p.status = PaymentStatus::DoubleSpent;
                p.by_txid = Some(hit.by.to_string());
                t.payments.insert(&pk, to_json(&p)?.as_slice())?;
                let mut e = Event::new(EventKind::PaymentDoubleSpent, hit.pending);
                e.by_txid = Some(hit.by.to_string());
                e.height = Some(h);
                t.emit(e)?;
            }
        } else if let Some(mut p) = payment {
            log.save_payment(&pk, &p);
            p.status = PaymentStatus::Confirmed;
            p.height = Some(h);
            t.payments.insert(&pk, to_json(&p)?.as_slice())?;
            let mut e = Event::new(EventKind::PaymentConfirmed, hit.pending);
            e.height = Some(h);
            e.confirmations = Some(1);
            t.emit(e)?;
        }
    }
    for &k in depths.iter().filter(|&&k| k > 1 && k <= h + 1) {
        let at = h + 1 - k;
        let from = height_key(at, &[0u8; 36]);
        let to = height_key(at, &[0xffu8; 36]);
        let mut found = Vec::new();
        for entry in t.by_height.range::<&[u8; 44]>(&from..=&to)? {
            let (key, _) = entry?;
            let mut ok = [0u8; 36];
            ok.copy_from_slice(&key.value()[8..]);
            found.push(ok);
        }
        for ok in found {
            if let Some(rec) = t.record(&ok)? {
                let mut e = deposit_event(EventKind::DepositConfirmed, &key_outpoint(&ok), &rec);
                e.confirmations = Some(k);
                t.emit(e)?;
            }
        }
    }
    t.hashes.insert(h, &b.hash.to_byte_array())?;
    t.undo.insert(h, to_json(&log.undo)?.as_slice())?;
    if h >= KEEP_BLOCKS {
        t.hashes.remove(h - KEEP_BLOCKS)?;
        t.undo.remove(h - KEEP_BLOCKS)?;
    }
    t.set_tip(Some(Tip {
        height: h,
        hash: Some(b.hash),
    }))
}

fn rollback_one(t: &mut W<'_>, h: u64, start: u64) -> Result<Option<Tip>, BtcError> {
    let undo: Undo = match t.undo.get(h)? {
        Some(v) => from_json(v.value())?,
        None => {
            return Err(BtcError::ReorgTooDeep {
                kept: KEEP_BLOCKS,
                height: h,
            })
        }
    };
    let mut confirmed_now = Vec::new();
    for c in &undo.confirmed {
        if let Some(o) = parse_outpoint(c) {
            let k = outpoint_key(&o);
            confirmed_now.push((o, k, t.record(&k)?));
        }
    }
    for (o, prior) in undo.records.iter().rev() {
        let Some(o) = parse_outpoint(o) else { continue };
        let k = outpoint_key(&o);
        match prior {
            Some(r) => t.put_record(&k, r)?,
            None => {
                t.outputs.remove(&k)?;
            }
        }
    }
    for (o, k, current) in confirmed_now {
        let Some(mut rec) = t.record(&k)?.or(current) else {
            continue;
        };
        let mut e = deposit_event(EventKind::DepositReorged, &o, &rec);
        e.height = Some(h);
        rec.height = None;
        rec.status = DepositStatus::Reorged;
        rec.spent_by = None;
        rec.spent_height = None;
        rec.pending_spent_by = None;
        t.put_record(&k, &rec)?;
        t.by_height.remove(&height_key(h, &k))?;
        t.emit(e)?;
    }
    for (txid, prior) in &undo.payments {
        let Ok(id) = txid.parse::<Txid>() else {
            continue;
        };
        let k = txid_key(&id);
        if t.payment(&k)?.map(|p| p.status) == Some(PaymentStatus::Confirmed) {
            let mut e = Event::new(EventKind::PaymentReorged, txid);
            e.height = Some(h);
            t.emit(e)?;
        }
        t.payments.insert(&k, to_json(prior)?.as_slice())?;
    }
    for (txid, ptx) in &undo.pending_removed {
        let Ok(id) = txid.parse::<Txid>() else {
            continue;
        };
        t.insert_pending(&txid_key(&id), ptx)?;
    }
    t.hashes.remove(h)?;
    t.undo.remove(h)?;
    let tip = if h == 0 || h <= start {
        None
    } else {
        let hash = t
            .hashes
            .get(h - 1)?
            .map(|v| BlockHash::from_byte_array(*v.value()));
        Some(Tip {
            height: h - 1,
            hash,
        })
    };
    t.set_tip(tip)?;
    Ok(tip)
}

/// Records outputs of a mempool transaction that pay watched addresses
/// (new, or back after a reorganisation) and emits `deposit_seen` for each.
pub(super) fn see_deposits(t: &mut W<'_>, received: &[Received]) -> Result<(), BtcError> {
    for r in received {
        let ok = outpoint_key(&r.outpoint);
        let prior = t.record(&ok)?;
        let seen = match prior {
            None => Some(OutputRecord {
                address: r.address.clone(),
                value: r.value,
                coinbase: false,
                height: None,
                status: DepositStatus::Mempool,
                spent_by: None,
                spent_height: None,
                pending_spent_by: None,
            }),
            Some(mut rec) if rec.status != DepositStatus::Confirmed => {
                rec.status = DepositStatus::Mempool;
                rec.height = None;
                Some(rec)
            }
            Some(_) => None,
        };
        if let Some(rec) = seen {
            t.put_record(&ok, &rec)?;
            t.emit(deposit_event(EventKind::DepositSeen, &r.outpoint, &rec))?;
        }
    }
    Ok(())
}

fn mempool_one(
    t: &mut W<'_>,
    txid: &Txid,
    tx: &Transaction,
    watch: &WatchSet,
) -> Result<(), BtcError> {
    let k = txid_key(txid);
    if t.pending_tx(&k)?.is_some() {
        // An own payment recorded before its broadcast is now in the
        // daemon's mempool: it was accepted (perhaps by an attempt whose
        // answer was lost).
        if t.payment(&k)?.map(|p| p.status) == Some(PaymentStatus::Recorded) {
            super::outbox::accept_payment(t, txid, tx, watch)?;
        }
        return Ok(());
    }
    let txs = std::slice::from_ref(tx);
    let (ours, pending) = t.lookups(txs)?;
    let fx = scan(txs, watch, &ours, &pending);
    // Earlier waiting transactions this one conflicts with were replaced.
    let mut replaced = HashSet::new();
    for hit in fx.pending.iter().filter(|h| h.is_conflict()) {
        if !replaced.insert(hit.pending) {
            continue;
        }
        let pk = txid_key(&hit.pending);
        let Some(ptx) = t.pending_tx(&pk)? else {
            continue;
        };
        t.remove_pending(&pk, &ptx)?;
        for d in &ptx.deposits {
            let Some(o) = parse_outpoint(d) else { continue };
            let dk = outpoint_key(&o);
            if let Some(mut rec) = t.record(&dk)? {
                if rec.status == DepositStatus::Mempool {
                    rec.status = DepositStatus::DoubleSpent;
                    t.put_record(&dk, &rec)?;
                    let mut e = deposit_event(EventKind::DepositDoubleSpent, &o, &rec);
                    e.by_txid = Some(txid.to_string());
                    t.emit(e)?;
                }
            }
        }
        if let Some(mut p) = t.payment(&pk)? {
            if p.status.is_unsettled() {
                p.status = PaymentStatus::Replaced;
                p.by_txid = Some(txid.to_string());
                t.payments.insert(&pk, to_json(&p)?.as_slice())?;
                let mut e = Event::new(EventKind::PaymentReplaced, hit.pending);
                e.by_txid = Some(txid.to_string());
                t.emit(e)?;
            }
        }
    }
    let is_payment = t.payment(&k)?.is_some();
    if fx.received.is_empty() && fx.spends.is_empty() && !is_payment {
        return Ok(());
    }
    see_deposits(t, &fx.received)?;
    for s in &fx.spends {
        let sk = outpoint_key(&s.outpoint);
        if let Some(mut rec) = t.record(&sk)? {
            if rec.spent_by.is_none() {
                rec.pending_spent_by = Some(txid.to_string());
                t.put_record(&sk, &rec)?;
            }
        }
    }
    let ptx = PendingTx {
        inputs: if tx.is_coinbase() {
            Vec::new()
        } else {
            tx.input
                .iter()
                .map(|i| i.previous_output.to_string())
                .collect()
        },
        deposits: fx.received.iter().map(|r| r.outpoint.to_string()).collect(),
        payment: is_payment,
    };
    t.insert_pending(&k, &ptx)
}
