//! Idempotent broadcast of own transactions through the outbox.
//!
//! [`Adapter::submit`] writes a signed transaction durably, then sends it;
//! [`rebroadcast`] sends again whatever is recorded but not settled (on every
//! sync and periodically while following). Sending the same signed bytes
//! again can never pay twice, so a lost answer is resolved by sending the
//! same bytes again and asking the daemon whether it holds the txid; a new
//! transaction is never signed in its place.
//!
//! The daemons' answers to `sendrawtransaction` (Bitcoin Core and its
//! derivatives Litecoin Core and Dogecoin Core; Bitcoin SV), as seen from
//! Litecoin Core 0.21 and Bitcoin SV 1.0.13 in `tests/chain_ltc.rs` and
//! `tests/chain_bsv.rs`:
//! * the txid — accepted; Core (since 0.19) also answers a transaction sent
//!   again while in its mempool with its txid;
//! * `-27` (`RPC_VERIFY_ALREADY_IN_CHAIN`): "Transaction already in block
//!   chain" (Litecoin 0.21; later Core says "Transaction outputs already in
//!   utxo set"), "Transaction already in the mempool" (Bitcoin SV): held;
//! * `-26` (`RPC_VERIFY_REJECTED`): "257: txn-already-known" (Bitcoin SV, a
//!   mined transaction sent again), "txn-already-in-mempool",
//!   "txn-same-nonwitness-data-in-mempool": held; "txn-mempool-conflict",
//!   "min relay fee not met, 0 < 110", script failures: refused;
//! * `-25` (`RPC_VERIFY_ERROR`): "bad-txns-inputs-missingorspent" (Litecoin
//!   0.21, later Core) or "Missing inputs" (older daemons) — the inputs are
//!   gone, which is also what a transaction that was mined and whose outputs
//!   were all spent gets, so it proves nothing: the follower settles it from
//!   the blocks; other `-25` answers (a fee above the daemon's maximum) are
//!   refusals;
//! * `-22` (`RPC_DESERIALIZATION_ERROR`): "TX decode failed…" (refused);
//! * `-28` (`RPC_IN_WARMUP`): not processed yet (sent again later).

use std::time::{Duration, Instant};

use bitcoin::consensus::encode::serialize;
use bitcoin::Txid;
use serde::Serialize;
use skyx_coins::btc::block::decode_transaction;

use super::error::BtcError;
use super::outbox::{check_reference, unix_now, AttemptOutcome, Recording};
use super::records::PaymentRecord;
use super::rpc::{backoff_delay, RpcClient, SendAnswer};
use super::store::Store;
use super::Adapter;

/// RPC code: general error during transaction submission (missing inputs, fee limits).
pub const RPC_VERIFY_ERROR: i64 = -25;
/// RPC code: the transaction was refused by network rules.
pub const RPC_VERIFY_REJECTED: i64 = -26;
/// RPC code: the transaction is already in the chain (or, on Bitcoin SV, in the mempool).
pub const RPC_VERIFY_ALREADY_IN_CHAIN: i64 = -27;
/// RPC code: the bytes are not a transaction.
pub const RPC_DESERIALIZATION_ERROR: i64 = -22;
/// RPC code: the daemon is still starting.
pub const RPC_IN_WARMUP: i64 = -28;

/// Largest raw transaction accepted for broadcast (Bitcoin SV allows large ones).
pub const MAX_RAW_TX: usize = 10 * 1024 * 1024;

/// Reasons (lowercase) meaning the daemon already holds the transaction.
const KNOWN: &[&str] = &[
    "txn-already-in-mempool",
    "txn-already-known",
    "txn-same-nonwitness-data-in-mempool",
    "already in the mempool",
    "already in mempool",
    "already in block chain",
    "already in utxo set",
];

/// Reasons (lowercase) meaning the inputs are gone, which proves nothing.
const INPUTS_GONE: &[&str] = &["missing inputs", "missingorspent", "missing-inputs"];

/// What an RPC error answer to `sendrawtransaction` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The daemon holds the transaction.
    Known,
    /// Refused for good.
    Refused,
    /// Not processed (warming up): send again.
    NotProcessed,
    /// Tells nothing for sure: leave it recorded and let the follower settle it.
    Unclear,
}

/// Classifies an RPC error answer to `sendrawtransaction`.
pub fn classify(code: i64, message: &str) -> Verdict {
    let m = message.to_ascii_lowercase();
    if code == RPC_VERIFY_ALREADY_IN_CHAIN || KNOWN.iter().any(|k| m.contains(k)) {
        return Verdict::Known;
    }
    if code == RPC_IN_WARMUP {
        return Verdict::NotProcessed;
    }
    if INPUTS_GONE.iter().any(|k| m.contains(k)) {
        return Verdict::Unclear;
    }
    match code {
        RPC_VERIFY_REJECTED | RPC_VERIFY_ERROR | RPC_DESERIALIZATION_ERROR => Verdict::Refused,
        _ => Verdict::Unclear,
    }
}

/// Sends `raw` (whose txid is `txid`) until the daemon answers something
/// definite or `patience` runs out. Only the same bytes are ever sent again.
pub fn deliver(
    rpc: &RpcClient,
    raw: &[u8],
    txid: &Txid,
    patience: Duration,
) -> Result<AttemptOutcome, BtcError> {
    let started = Instant::now();
    let mut attempt = 0u32;
    loop {
        let reason = match rpc.send_raw_once(raw)? {
            SendAnswer::Accepted(id) if id == *txid => return Ok(AttemptOutcome::Accepted),
            SendAnswer::Accepted(id) => {
                return Ok(AttemptOutcome::Unknown(format!(
                    "the daemon reports txid {id}, expected {txid}"
                )))
            }
            SendAnswer::Refused { code, message } => {
                let text = format!("{code}: {message}");
                match classify(code, &message) {
                    Verdict::Known => return Ok(AttemptOutcome::Accepted),
                    Verdict::Unclear => return Ok(AttemptOutcome::Unknown(text)),
                    // A refusal stands only if the daemon does not hold it anyway.
                    Verdict::Refused => {
                        return Ok(match rpc.has_transaction(txid) {
                            Some(true) => AttemptOutcome::Accepted,
                            Some(false) => AttemptOutcome::Refused(text),
                            None => AttemptOutcome::Unknown(text),
                        })
                    }
                    Verdict::NotProcessed => text,
                }
            }
            SendAnswer::NoAnswer(reason) => {
                if rpc.has_transaction(txid) == Some(true) {
                    return Ok(AttemptOutcome::Accepted);
                }
                reason
            }
        };
        if started.elapsed() >= patience {
            return Ok(AttemptOutcome::Unknown(reason));
        }
        let delay = backoff_delay(attempt).min(patience.saturating_sub(started.elapsed()));
        tracing::debug!(
            "sendrawtransaction {txid}: {reason}; sending the same bytes again in {delay:?}"
        );
        std::thread::sleep(delay);
        attempt = attempt.saturating_add(1);
    }
}

/// Test hook of the crash tests: when the environment variable
/// `SKYX_CRASH_AT` names `point`, the process aborts there at once, as a
/// power cut would stop it.
pub fn crash_point(point: &str) {
    if std::env::var_os("SKYX_CRASH_AT").is_some_and(|v| v == point) {
        std::process::abort();
    }
}

/// A signed transaction to send through the outbox.
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    /// The consensus-serialized transaction.
    pub raw: Vec<u8>,
    /// The caller's reference (idempotency key): a second submission with
    /// it returns the first one's record and sends nothing new.
    pub reference: Option<String>,
    /// The recipient, for the record and events.
    pub to: Option<String>,
    /// The amount paid to the recipient in satoshis, for the record and events.
    pub amount: Option<u64>,
    /// The fee in satoshis, for the record.
    pub fee: Option<u64>,
}

/// The outbox record of a submitted transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    /// Its txid.
    pub txid: Txid,
    /// Its record after this submission's broadcast attempt.
    pub record: PaymentRecord,
    /// Whether the reference (or txid) was already recorded: nothing new was written.
    pub existing: bool,
}

/// What a pass over the unsettled payments did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RebroadcastReport {
    /// Payments sent again.
    pub sent: u64,
    /// Of those, held by the daemon afterwards.
    pub accepted: u64,
    /// Of those, refused by the daemon.
    pub refused: u64,
    /// Of those, with no definite answer.
    pub unknown: u64,
}

/// Sends every unsettled payment again, each with one round of `patience`.
pub fn rebroadcast(
    rpc: &RpcClient,
    store: &Store,
    patience: Duration,
) -> Result<RebroadcastReport, BtcError> {
    let mut report = RebroadcastReport::default();
    let unsettled = store.unsettled_payments()?;
    if unsettled.is_empty() {
        return Ok(report);
    }
    let watch = store.watch_set()?;
    for (txid, record) in unsettled {
        let raw = const_hex::decode(&record.raw)
            .map_err(|e| BtcError::Store(format!("payment {txid}: raw is not hex: {e}")))?;
        let outcome = deliver(rpc, &raw, &txid, patience)?;
        report.sent += 1;
        match &outcome {
            AttemptOutcome::Accepted => report.accepted += 1,
            AttemptOutcome::Refused(r) => {
                report.refused += 1;
                tracing::warn!("payment {txid}: the daemon refuses it: {r}");
            }
            AttemptOutcome::Unknown(r) => {
                report.unknown += 1;
                tracing::info!("payment {txid}: broadcast outcome unknown: {r}");
            }
        }
        store.note_attempt(&txid, &outcome, &watch, unix_now())?;
    }
    Ok(report)
}

impl Adapter {
    /// Sends a signed transaction durably: it is written to the outbox
    /// (with its reference, when given) before it is first sent, then sent
    /// until the daemon answers something definite or the configured wait
    /// runs out. A reference (or txid) already recorded returns the first
    /// record, sending that transaction again while it is unsettled; the
    /// new bytes are then dropped.
    pub fn submit(&self, out: Outgoing) -> Result<Submitted, BtcError> {
        if let Some(r) = out.reference.as_deref() {
            check_reference(r)?;
            if let Some((txid, record)) = self.store.payment_by_reference(r)? {
                return self.push(txid, record, true);
            }
        }
        if out.raw.len() > MAX_RAW_TX {
            return Err(BtcError::Invalid(format!(
                "the transaction is {} bytes; at most {MAX_RAW_TX} are accepted",
                out.raw.len()
            )));
        }
        let tx = decode_transaction(self.config.params.coin, &out.raw)
            .map_err(|e| BtcError::Invalid(format!("not a transaction: {e}")))?;
        let txid = tx.compute_txid();
        let mut record =
            PaymentRecord::recorded(const_hex::encode(serialize(&tx)), out.reference, unix_now());
        record.to = out.to;
        record.amount = out.amount;
        record.fee = out.fee;
        match self.store.record_outgoing(&txid, &tx, record)? {
            Recording::Existing { txid, record } => self.push(txid, record, true),
            Recording::New(record) => {
                crash_point("outbox_recorded");
                self.push(txid, record, false)
            }
        }
    }

    /// Sends a recorded payment again while it is unsettled; notes the attempt.
    fn push(
        &self,
        txid: Txid,
        record: PaymentRecord,
        existing: bool,
    ) -> Result<Submitted, BtcError> {
        if !record.status.is_unsettled() {
            return Ok(Submitted {
                txid,
                record,
                existing,
            });
        }
        let raw = const_hex::decode(&record.raw)
            .map_err(|e| BtcError::Store(format!("payment {txid}: raw is not hex: {e}")))?;
        let outcome = deliver(&self.rpc, &raw, &txid, self.config.rpc.max_wait)?;
        crash_point("outbox_sent");
        let record =
            self.store
                .note_attempt(&txid, &outcome, &self.store.watch_set()?, unix_now())?;
        Ok(Submitted {
            txid,
            record,
            existing,
        })
    }

    /// The outbox record of a payment, by txid.
    pub fn payment(&self, txid: &Txid) -> Result<Option<PaymentRecord>, BtcError> {
        self.store.payment(txid)
    }

    /// The outbox record under a caller reference (idempotency key).
    pub fn payment_by_reference(
        &self,
        reference: &str,
    ) -> Result<Option<(Txid, PaymentRecord)>, BtcError> {
        check_reference(reference)?;
        self.store.payment_by_reference(reference)
    }

    /// Sends every unsettled payment again (one attempt each, no waiting
    /// for an unreachable daemon).
    pub fn rebroadcast(&self) -> Result<RebroadcastReport, BtcError> {
        rebroadcast(&self.rpc, &self.store, Duration::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers as the daemons word them (seen from Litecoin Core 0.21 in
    /// `tests/chain_ltc.rs`; Bitcoin Core `src/node/transaction.cpp` and
    /// `src/util/error.cpp`; Bitcoin SV `src/rpc/rawtransaction.cpp`).
    #[test]
    fn daemon_answers_are_classified() {
        let cases = [
            (-27, "Transaction already in block chain", Verdict::Known),
            (-27, "transaction already in block chain", Verdict::Known),
            (
                -27,
                "Transaction outputs already in utxo set",
                Verdict::Known,
            ),
            (-27, "Transaction already in the mempool", Verdict::Known),
            (-26, "txn-already-in-mempool", Verdict::Known),
            (-26, "257: txn-already-known", Verdict::Known),
            (-26, "txn-same-nonwitness-data-in-mempool", Verdict::Known),
            (-25, "Missing inputs", Verdict::Unclear),
            (-25, "bad-txns-inputs-missingorspent", Verdict::Unclear),
            (-26, "txn-mempool-conflict (code 18)", Verdict::Refused),
            (-26, "min relay fee not met, 0 < 110", Verdict::Refused),
            (
                -26,
                "min relay fee not met, 100 < 141 (code 66)",
                Verdict::Refused,
            ),
            (-26, "66: mempool min fee not met", Verdict::Refused),
            (
                -25,
                "Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)",
                Verdict::Refused,
            ),
            (
                -22,
                "TX decode failed. Make sure the tx has at least one input.",
                Verdict::Refused,
            ),
            (-28, "Loading block index...", Verdict::NotProcessed),
            (-1, "something new", Verdict::Unclear),
        ];
        for (code, message, want) in cases {
            assert_eq!(classify(code, message), want, "{code} {message}");
        }
    }
}
