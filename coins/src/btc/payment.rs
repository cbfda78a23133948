//! Building and signing a payment from given UTXOs: recipients, a fee from a
//! fee rate and the final signed virtual size, change (dropped into the fee
//! when it would be dust), each coin's dust rule, and signatures per input
//! kind and chain (legacy, BIP143 segwit v0, FORKID).

use std::collections::HashSet;

use bitcoin::absolute::LockTime;
use bitcoin::secp256k1::{Message, Secp256k1, Signing};
use bitcoin::transaction::Version;
use bitcoin::{Amount, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Txid, Witness};
use thiserror::Error;

use super::address::{p2wpkh_script, Address, AddressError};
use super::fee::FeeRate;
use super::params::ChainParams;
use super::sighash::{spend_digest, SighashError, SpendKind};
use super::wif::PrivateKey;

/// Largest DER signature with low R and low S (70 bytes) plus the sighash byte.
const MAX_SIG_LEN: usize = 71;

/// How many times the fee is tightened to the exact signed size before settling.
const FEE_ROUNDS: usize = 4;

/// An output to spend, with the key that can sign for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utxo {
    /// The output being spent.
    pub outpoint: OutPoint,
    /// Its value in satoshis.
    pub value: u64,
    /// The key it pays to.
    pub key: PrivateKey,
    /// How it is locked (P2PKH, P2SH-P2WPKH, P2WPKH).
    pub kind: SpendKind,
}

/// An output of the payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// Where to pay.
    pub address: Address,
    /// How much, in satoshis.
    pub amount: u64,
}

impl Recipient {
    /// A recipient from an already parsed address.
    pub fn new(address: Address, amount: u64) -> Recipient {
        Recipient { address, amount }
    }

    /// A recipient from an address string of the chain `params`.
    pub fn parse(
        params: &'static ChainParams,
        address: &str,
        amount: u64,
    ) -> Result<Recipient, PaymentError> {
        let address = Address::parse(params, address).map_err(PaymentError::InvalidAddress)?;
        Ok(Recipient { address, amount })
    }
}

/// Everything needed to build and sign a payment.
#[derive(Debug, Clone)]
pub struct PaymentRequest {
    /// The chain.
    pub params: &'static ChainParams,
    /// Outputs to spend; all of them are spent, in this order.
    pub utxos: Vec<Utxo>,
    /// Outputs to create, in this order.
    pub recipients: Vec<Recipient>,
    /// Where change goes (placed after the recipients).
    pub change: Address,
    /// The fee rate; at least the chain's minimum relay fee.
    pub fee_rate: FeeRate,
    /// nLockTime (0: none; otherwise inputs use sequence 0xfffffffe).
    pub lock_time: u32,
}

/// A signed payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedPayment {
    /// The signed transaction.
    pub tx: Transaction,
    /// Its txid.
    pub txid: Txid,
    /// The fee: inputs minus outputs, in satoshis.
    pub fee: u64,
    /// Virtual size of the signed transaction (its size on chains without segwit).
    pub vsize: u64,
    /// Index of the change output, if one was made.
    pub change_index: Option<usize>,
}

/// Why a payment cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PaymentError {
    /// No UTXOs were given.
    #[error("no inputs to spend")]
    NoInputs,
    /// No recipients were given.
    #[error("no recipients")]
    NoRecipients,
    /// The same outpoint is spent twice.
    #[error("outpoint {0} is spent twice")]
    DuplicateInput(OutPoint),
    /// An address string does not parse for this chain.
    #[error("invalid address: {0}")]
    InvalidAddress(AddressError),
    /// An address of another chain.
    #[error("address {address} is for {found}, not {expected}")]
    AddressForOtherChain {
        /// The address as written.
        address: String,
        /// The payment's chain.
        expected: &'static str,
        /// The address's chain.
        found: &'static str,
    },
    /// A recipient amount below the chain's dust threshold.
    #[error("output {index} of {amount} sat is below the dust threshold of {threshold} sat")]
    OutputBelowDust {
        /// Recipient index.
        index: usize,
        /// Its amount.
        amount: u64,
        /// The lowest amount allowed for its script.
        threshold: u64,
    },
    /// Inputs do not cover outputs plus fee.
    #[error("insufficient funds: {available} sat available, {needed} sat needed")]
    InsufficientFunds {
        /// Sum of the inputs.
        available: u64,
        /// Outputs plus the fee without change.
        needed: u64,
    },
    /// The fee rate is below the chain's minimum relay fee.
    #[error("fee rate {rate} sat/kvB is below the minimum relay fee {floor} sat/kvB")]
    FeeRateBelowFloor {
        /// The rate asked for.
        rate: u64,
        /// The chain's floor.
        floor: u64,
    },
    /// A segwit UTXO on a chain without segwit.
    #[error("input {index} is {kind:?}, but {chain} has no segwit")]
    SegwitNotSupported {
        /// Input index.
        index: usize,
        /// Its kind.
        kind: SpendKind,
        /// The chain.
        chain: &'static str,
    },
    /// A segwit UTXO whose key is marked uncompressed.
    #[error("input {0} is segwit but its key is uncompressed")]
    UncompressedSegwitKey(usize),
    /// The transaction and the UTXO list have different lengths.
    #[error("{utxos} UTXOs given for {inputs} inputs")]
    InputCountMismatch {
        /// UTXOs given.
        utxos: usize,
        /// Inputs of the transaction.
        inputs: usize,
    },
    /// Sums of amounts overflow.
    #[error("amounts overflow")]
    AmountOverflow,
    /// A signature hash could not be computed.
    #[error("signature hash: {0}")]
    Sighash(#[from] SighashError),
}

fn check_chain(params: &'static ChainParams, address: &Address) -> Result<(), PaymentError> {
    let theirs = address.params();
    if theirs.coin == params.coin && theirs.network == params.network {
        Ok(())
    } else {
        Err(PaymentError::AddressForOtherChain {
            address: address.to_string(),
            expected: params.name,
            found: theirs.name,
        })
    }
}

fn checked_sum(mut values: impl Iterator<Item = u64>) -> Result<u64, PaymentError> {
    values.try_fold(0u64, |acc, v| {
        acc.checked_add(v).ok_or(PaymentError::AmountOverflow)
    })
}

/// Checks the request; returns the input and output totals.
fn validate(req: &PaymentRequest) -> Result<(u64, u64), PaymentError> {
    let params = req.params;
    if req.utxos.is_empty() {
        return Err(PaymentError::NoInputs);
    }
    if req.recipients.is_empty() {
        return Err(PaymentError::NoRecipients);
    }
    if req.fee_rate < params.min_relay_fee {
        return Err(PaymentError::FeeRateBelowFloor {
            rate: req.fee_rate.sat_per_kvb(),
            floor: params.min_relay_fee.sat_per_kvb(),
        });
    }
    let mut seen = HashSet::new();
    for (index, u) in req.utxos.iter().enumerate() {
        if !seen.insert(u.outpoint) {
            return Err(PaymentError::DuplicateInput(u.outpoint));
        }
        if u.kind.is_segwit() {
            if !params.has_segwit() {
                return Err(PaymentError::SegwitNotSupported {
                    index,
                    kind: u.kind,
                    chain: params.name,
                });
            }
            if !u.key.compressed {
                return Err(PaymentError::UncompressedSegwitKey(index));
            }
        }
    }
    check_chain(params, &req.change)?;
    for (index, r) in req.recipients.iter().enumerate() {
        check_chain(params, &r.address)?;
        let threshold = params.dust.threshold(&r.address.script_pubkey());
        if r.amount < threshold {
            return Err(PaymentError::OutputBelowDust {
                index,
                amount: r.amount,
                threshold,
            });
        }
    }
    let total_in = checked_sum(req.utxos.iter().map(|u| u.value))?;
    let total_out = checked_sum(req.recipients.iter().map(|r| r.amount))?;
    Ok((total_in, total_out))
}

/// The unsigned transaction paying the recipients and, if given, `change` to the change address.
fn unsigned_tx(req: &PaymentRequest, change: Option<u64>) -> Transaction {
    let sequence = if req.lock_time == 0 {
        Sequence::MAX
    } else {
        Sequence::ENABLE_LOCKTIME_NO_RBF
    };
    let input = req
        .utxos
        .iter()
        .map(|u| TxIn {
            previous_output: u.outpoint,
            script_sig: ScriptBuf::new(),
            sequence,
            witness: Witness::new(),
        })
        .collect();
    let mut output: Vec<TxOut> = req
        .recipients
        .iter()
        .map(|r| TxOut {
            value: Amount::from_sat(r.amount),
            script_pubkey: r.address.script_pubkey(),
        })
        .collect();
    if let Some(value) = change {
        output.push(TxOut {
            value: Amount::from_sat(value),
            script_pubkey: req.change.script_pubkey(),
        });
    }
    Transaction {
        version: Version(req.params.tx_version),
        lock_time: LockTime::from_consensus(req.lock_time),
        input,
        output,
    }
}

/// A script pushing each item (all shorter than 76 bytes: direct pushes).
fn push_script(items: &[&[u8]]) -> ScriptBuf {
    let mut bytes = Vec::new();
    for item in items {
        bytes.push(item.len() as u8);
        bytes.extend_from_slice(item);
    }
    ScriptBuf::from_bytes(bytes)
}

/// Puts a signature (DER + sighash byte) and public key into input `i` as `kind` needs.
fn place_signature(
    txin: &mut TxIn,
    kind: SpendKind,
    sig: &[u8],
    pubkey: &[u8],
    redeem: Option<&ScriptBuf>,
) {
    match kind {
        SpendKind::P2pkh => {
            txin.script_sig = push_script(&[sig, pubkey]);
            txin.witness = Witness::new();
        }
        SpendKind::P2shP2wpkh | SpendKind::P2wpkh => {
            txin.script_sig = match (kind, redeem) {
                (SpendKind::P2shP2wpkh, Some(r)) => push_script(&[r.as_bytes()]),
                _ => ScriptBuf::new(),
            };
            txin.witness = Witness::from_slice(&[sig, pubkey]);
        }
    }
}

/// Signs every input of `tx` (SIGHASH_ALL, plus FORKID on BCH/BSV) with low-R RFC 6979
/// signatures. `utxos[i]` is what input `i` spends.
pub fn sign_transaction<C: Signing>(
    secp: &Secp256k1<C>,
    params: &ChainParams,
    tx: &mut Transaction,
    utxos: &[Utxo],
) -> Result<(), PaymentError> {
    if utxos.len() != tx.input.len() {
        return Err(PaymentError::InputCountMismatch {
            utxos: utxos.len(),
            inputs: tx.input.len(),
        });
    }
    let unsigned = tx.clone();
    for (i, u) in utxos.iter().enumerate() {
        let pubkey = u.key.public_key_bytes(secp);
        let (digest, sighash_type) = spend_digest(params, &unsigned, i, u.kind, &pubkey, u.value)?;
        let sig = secp.sign_ecdsa_low_r(&Message::from_digest(digest), &u.key.secret);
        let mut sig_bytes = sig.serialize_der().to_vec();
        sig_bytes.push(sighash_type as u8);
        let redeem = p2wpkh_script(&u.key.public_key(secp));
        place_signature(&mut tx.input[i], u.kind, &sig_bytes, &pubkey, Some(&redeem));
    }
    Ok(())
}

/// Virtual size of `tx` once signed, using the largest signature size.
fn max_signed_vsize<C: Signing>(secp: &Secp256k1<C>, tx: &Transaction, utxos: &[Utxo]) -> u64 {
    let mut dummy = tx.clone();
    let sig = [0u8; MAX_SIG_LEN];
    for (txin, u) in dummy.input.iter_mut().zip(utxos) {
        let pubkey = u.key.public_key_bytes(secp);
        let redeem = p2wpkh_script(&u.key.public_key(secp));
        place_signature(txin, u.kind, &sig, &pubkey, Some(&redeem));
    }
    dummy.vsize() as u64
}

fn fee_for(rate: FeeRate, vsize: u64) -> Result<u64, PaymentError> {
    rate.fee_for_vsize(vsize)
        .ok_or(PaymentError::AmountOverflow)
}

fn finish(
    tx: Transaction,
    total_in: u64,
    change_index: Option<usize>,
) -> Result<SignedPayment, PaymentError> {
    let total_out = checked_sum(tx.output.iter().map(|o| o.value.to_sat()))?;
    let fee = total_in
        .checked_sub(total_out)
        .ok_or(PaymentError::AmountOverflow)?;
    Ok(SignedPayment {
        txid: tx.compute_txid(),
        vsize: tx.vsize() as u64,
        fee,
        change_index,
        tx,
    })
}

/// Builds and signs the payment: all UTXOs in, the recipients out, change last when it is
/// not dust. The fee is `fee_rate` × the signed virtual size, rounded up (exact when change
/// absorbs the difference; without change the leftover below dust goes to the fee).
pub fn build_and_sign(req: &PaymentRequest) -> Result<SignedPayment, PaymentError> {
    let secp = Secp256k1::signing_only();
    let (total_in, total_out) = validate(req)?;
    let params = req.params;

    let no_change = unsigned_tx(req, None);
    let fee_no_change = fee_for(
        req.fee_rate,
        max_signed_vsize(&secp, &no_change, &req.utxos),
    )?;
    let needed = total_out
        .checked_add(fee_no_change)
        .ok_or(PaymentError::AmountOverflow)?;
    if total_in < needed {
        return Err(PaymentError::InsufficientFunds {
            available: total_in,
            needed,
        });
    }

    let with_change = unsigned_tx(req, Some(0));
    let mut fee = fee_for(
        req.fee_rate,
        max_signed_vsize(&secp, &with_change, &req.utxos),
    )?;
    let change_spk = req.change.script_pubkey();
    let change_value = total_in
        .checked_sub(total_out)
        .and_then(|v| v.checked_sub(fee));
    let change_value = match change_value {
        Some(v) if !params.dust.is_dust(&change_spk, v) => v,
        _ => {
            let mut tx = no_change;
            sign_transaction(&secp, params, &mut tx, &req.utxos)?;
            return finish(tx, total_in, None);
        }
    };

    let change_index = req.recipients.len();
    let mut tx = unsigned_tx(req, Some(change_value));
    sign_transaction(&secp, params, &mut tx, &req.utxos)?;
    // The estimate used the largest signatures; tighten the fee to the real size. A new
    // signature may be shorter or longer, so keep a version whose fee covers its own size.
    for _ in 0..FEE_ROUNDS {
        let exact = fee_for(req.fee_rate, tx.vsize() as u64)?;
        if exact >= fee {
            break;
        }
        let refund = fee - exact;
        let mut candidate = tx.clone();
        if let Some(out) = candidate.output.get_mut(change_index) {
            out.value = Amount::from_sat(out.value.to_sat().saturating_add(refund));
        }
        for txin in candidate.input.iter_mut() {
            txin.script_sig = ScriptBuf::new();
            txin.witness = Witness::new();
        }
        sign_transaction(&secp, params, &mut candidate, &req.utxos)?;
        if fee_for(req.fee_rate, candidate.vsize() as u64)? > exact {
            break;
        }
        tx = candidate;
        fee = exact;
    }
    finish(tx, total_in, Some(change_index))
}
