//! The outbox: own outgoing transactions in the adapter's store. A signed
//! transaction is written here, with immediate durability, *before* it is
//! first sent to the daemon; its inputs are reserved in the same write so no
//! other payment can pick them. Each broadcast attempt is noted afterwards.
//! The follower moves a record on when the transaction shows up in the
//! mempool or a block, or when a conflicting one does.
//!
//! States: `recorded` (not acknowledged yet) → `broadcast` (the daemon holds
//! it) → `confirmed`; or `replaced` / `double_spent` when a conflicting
//! transaction wins; or `rejected` when the daemon refused it before ever
//! accepting it (its inputs are free again). A caller's reference
//! (idempotency key) maps to exactly one record, forever.

use std::collections::{HashMap, HashSet};
use std::time::{SystemTime, UNIX_EPOCH};

use bitcoin::hashes::Hash;
use bitcoin::{OutPoint, Transaction, Txid};
use redb::{Durability, ReadableDatabase, ReadableTable};
use skyx_coins::btc::block::decode_transaction;

use super::error::BtcError;
use super::events::{Event, EventKind};
use super::format_amount;
use super::index::{scan, WatchSet};
use super::records::{outpoint_key, PaymentRecord, PaymentStatus, PendingTx};
use super::store::{from_json, see_deposits, to_json, txid_key, Store, PAYMENTS, REFERENCES, W};

/// Longest caller reference (idempotency key) accepted, in bytes.
pub const MAX_REFERENCE_LEN: usize = 128;

/// Checks a caller reference: 1 to [`MAX_REFERENCE_LEN`] visible ASCII characters.
pub fn check_reference(reference: &str) -> Result<(), BtcError> {
    let ok = !reference.is_empty()
        && reference.len() <= MAX_REFERENCE_LEN
        && reference.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(BtcError::Invalid(format!(
            "an idempotency key must be 1 to {MAX_REFERENCE_LEN} visible ASCII characters (no spaces)"
        )))
    }
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// What writing an outgoing transaction found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recording {
    /// Written now: the caller broadcasts it next.
    New(PaymentRecord),
    /// Its reference or its txid was already recorded: nothing was written.
    Existing {
        /// The recorded transaction.
        txid: Txid,
        /// Its record.
        record: PaymentRecord,
    },
}

/// How one broadcast attempt ended, as noted in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The daemon holds the transaction (accepted now, or already in its mempool or chain).
    Accepted,
    /// No telling whether the daemon holds it (no answer, or an ambiguous one).
    Unknown(String),
    /// The daemon refused it for good.
    Refused(String),
}

/// Marks a recorded payment as accepted by the daemon: status `broadcast`,
/// a `payment_broadcast` event, and its outputs to watched addresses
/// (change) seen in the mempool. Does nothing to a payment in another state.
pub(super) fn accept_payment(
    t: &mut W<'_>,
    txid: &Txid,
    tx: &Transaction,
    watch: &WatchSet,
) -> Result<(), BtcError> {
    let k = txid_key(txid);
    let Some(mut p) = t.payment(&k)? else {
        return Ok(());
    };
    if p.status != PaymentStatus::Recorded {
        return Ok(());
    }
    p.status = PaymentStatus::Broadcast;
    p.last_error = None;
    t.payments.insert(&k, to_json(&p)?.as_slice())?;
    let mut e = Event::new(EventKind::PaymentBroadcast, txid);
    e.address = p.to.clone();
    e.amount = p.amount.map(format_amount);
    t.emit(e)?;
    let fx = scan(
        std::slice::from_ref(tx),
        watch,
        &HashSet::new(),
        &HashMap::new(),
    );
    see_deposits(t, &fx.received)?;
    if let Some(mut ptx) = t.pending_tx(&k)? {
        ptx.deposits = fx.received.iter().map(|r| r.outpoint.to_string()).collect();
        t.insert_pending(&k, &ptx)?;
    }
    Ok(())
}

/// Frees the inputs a refused payment reserved and forgets it as waiting.
fn release_payment(t: &mut W<'_>, txid: &Txid) -> Result<(), BtcError> {
    let k = txid_key(txid);
    let Some(ptx) = t.pending_tx(&k)? else {
        return Ok(());
    };
    t.remove_pending(&k, &ptx)?;
    let mine = txid.to_string();
    for input in &ptx.inputs {
        let Some(o) = super::records::parse_outpoint(input) else {
            continue;
        };
        let ok = outpoint_key(&o);
        if let Some(mut rec) = t.record(&ok)? {
            if rec.pending_spent_by.as_deref() == Some(mine.as_str()) {
                rec.pending_spent_by = None;
                t.put_record(&ok, &rec)?;
            }
        }
    }
    Ok(())
}

impl Store {
    /// Writes an outgoing transaction to the outbox with immediate
    /// durability and reserves the watched outputs it spends, unless its
    /// reference or its txid is already recorded (then nothing is written
    /// and the first record is returned). Refuses a transaction that spends
    /// an output another unsettled own payment is spending.
    pub fn record_outgoing(
        &self,
        txid: &Txid,
        tx: &Transaction,
        record: PaymentRecord,
    ) -> Result<Recording, BtcError> {
        let mut w = self.db.begin_write()?;
        w.set_durability(Durability::Immediate)?;
        {
            let mut t = W::open(&w)?;
            if let Some(reference) = record.reference.as_deref() {
                let known = t.references.get(reference)?.map(|v| *v.value());
                if let Some(first) = known {
                    let record = t.payment(&first)?.ok_or_else(|| {
                        BtcError::Store(format!("reference {reference:?} points to no payment"))
                    })?;
                    return Ok(Recording::Existing {
                        txid: Txid::from_byte_array(first),
                        record,
                    });
                }
            }
            let k = txid_key(txid);
            if let Some(record) = t.payment(&k)? {
                return Ok(Recording::Existing {
                    txid: *txid,
                    record,
                });
            }
            if tx.is_coinbase() || tx.input.is_empty() {
                return Err(BtcError::Invalid(
                    "a transaction without inputs cannot be sent".into(),
                ));
            }
            for input in &tx.input {
                if let Some(other) = t.pending_spender(&input.previous_output)? {
                    let unsettled = t
                        .payment(&txid_key(&other))?
                        .is_some_and(|p| p.status.is_unsettled());
                    if other != *txid && unsettled {
                        return Err(BtcError::InputsReserved {
                            outpoint: input.previous_output.to_string(),
                            txid: other.to_string(),
                        });
                    }
                }
            }
            t.payments.insert(&k, to_json(&record)?.as_slice())?;
            if let Some(reference) = record.reference.as_deref() {
                t.references.insert(reference, &k)?;
            }
            let mine = txid.to_string();
            for input in &tx.input {
                let ok = outpoint_key(&input.previous_output);
                if let Some(mut rec) = t.record(&ok)? {
                    if rec.spent_by.is_none() {
                        rec.pending_spent_by = Some(mine.clone());
                        t.put_record(&ok, &rec)?;
                    }
                }
            }
            let ptx = PendingTx {
                inputs: tx
                    .input
                    .iter()
                    .map(|i| i.previous_output.to_string())
                    .collect(),
                deposits: Vec::new(),
                payment: true,
            };
            t.insert_pending(&k, &ptx)?;
            t.finish()?;
        }
        w.commit()?;
        Ok(Recording::New(record))
    }

    /// Notes a broadcast attempt of a recorded payment and returns its
    /// record as it stands afterwards. A payment the daemon accepts for the
    /// first time becomes `broadcast`; a refusal of one it never accepted
    /// makes it `rejected` and frees its inputs; a refusal of one it
    /// accepted before, or an unknown outcome, is only noted.
    pub fn note_attempt(
        &self,
        txid: &Txid,
        outcome: &AttemptOutcome,
        watch: &WatchSet,
        now: u64,
    ) -> Result<PaymentRecord, BtcError> {
        let mut w = self.db.begin_write()?;
        w.set_durability(Durability::Immediate)?;
        {
            let mut t = W::open(&w)?;
            let k = txid_key(txid);
            let mut p = t
                .payment(&k)?
                .ok_or_else(|| BtcError::Invalid(format!("no payment {txid} in the outbox")))?;
            p.attempts = p.attempts.saturating_add(1);
            p.last_attempt_at = Some(now);
            let was = p.status;
            match outcome {
                AttemptOutcome::Accepted => p.last_error = None,
                AttemptOutcome::Unknown(reason) => p.last_error = Some(reason.clone()),
                AttemptOutcome::Refused(reason) => {
                    p.last_error = Some(reason.clone());
                    if was == PaymentStatus::Recorded {
                        p.status = PaymentStatus::Rejected;
                    }
                }
            }
            t.payments.insert(&k, to_json(&p)?.as_slice())?;
            match outcome {
                AttemptOutcome::Accepted if was == PaymentStatus::Recorded => {
                    let raw = const_hex::decode(&p.raw).map_err(|e| {
                        BtcError::Store(format!("payment {txid}: raw is not hex: {e}"))
                    })?;
                    let tx = decode_transaction(self.params().coin, &raw)
                        .map_err(|e| BtcError::Store(format!("payment {txid}: {e}")))?;
                    accept_payment(&mut t, txid, &tx, watch)?;
                }
                AttemptOutcome::Refused(reason) if was == PaymentStatus::Recorded => {
                    release_payment(&mut t, txid)?;
                    let mut e = Event::new(EventKind::PaymentRejected, txid);
                    e.address = p.to.clone();
                    e.amount = p.amount.map(format_amount);
                    e.reason = Some(reason.clone());
                    t.emit(e)?;
                }
                _ => {}
            }
            t.finish()?;
        }
        w.commit()?;
        self.payment(txid)?
            .ok_or_else(|| BtcError::Store(format!("payment {txid} vanished")))
    }

    /// The payment recorded under a caller reference (idempotency key).
    pub fn payment_by_reference(
        &self,
        reference: &str,
    ) -> Result<Option<(Txid, PaymentRecord)>, BtcError> {
        let r = self.db.begin_read()?;
        let refs = r.open_table(REFERENCES)?;
        let Some(id) = refs.get(reference)?.map(|v| *v.value()) else {
            return Ok(None);
        };
        let t = r.open_table(PAYMENTS)?;
        let record = match t.get(&id)? {
            Some(v) => from_json(v.value())?,
            None => {
                return Err(BtcError::Store(format!(
                    "reference {reference:?} points to no payment"
                )))
            }
        };
        Ok(Some((Txid::from_byte_array(id), record)))
    }

    /// Every payment in the outbox, oldest first.
    pub fn payments(&self) -> Result<Vec<(Txid, PaymentRecord)>, BtcError> {
        let r = self.db.begin_read()?;
        let t = r.open_table(PAYMENTS)?;
        let mut out = Vec::new();
        for entry in t.iter()? {
            let (k, v) = entry?;
            out.push((
                Txid::from_byte_array(*k.value()),
                from_json::<PaymentRecord>(v.value())?,
            ));
        }
        out.sort_by(|(a, ra), (b, rb)| (ra.recorded_at, a).cmp(&(rb.recorded_at, b)));
        Ok(out)
    }

    /// The payments that may still need broadcasting (`recorded` or `broadcast`).
    pub fn unsettled_payments(&self) -> Result<Vec<(Txid, PaymentRecord)>, BtcError> {
        Ok(self
            .payments()?
            .into_iter()
            .filter(|(_, p)| p.status.is_unsettled())
            .collect())
    }
}

impl W<'_> {
    /// The waiting transaction that spends `o`, if any.
    pub(super) fn pending_spender(&self, o: &OutPoint) -> Result<Option<Txid>, BtcError> {
        Ok(self
            .pending_inputs_get(&outpoint_key(o))?
            .map(Txid::from_byte_array))
    }
}
