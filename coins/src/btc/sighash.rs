//! Signature hashes of the Bitcoin family and which one an input uses: legacy
//! (rust-bitcoin's `legacy_signature_hash`, OP_CODESEPARATORs stripped), BIP143
//! segwit v0 (`p2wpkh_signature_hash`), or FORKID ([`super::forkid`]).

use bitcoin::blockdata::opcodes::all::OP_CODESEPARATOR;
use bitcoin::hashes::{hash160, Hash};
use bitcoin::script::Instruction;
use bitcoin::sighash::{EcdsaSighashType, SighashCache};
use bitcoin::{Amount, PubkeyHash, Script, ScriptBuf, Transaction, WPubkeyHash};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::forkid;
use super::params::ChainParams;

/// How an output being spent is locked, i.e. how its input is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpendKind {
    /// Pay to public key hash (any coin).
    P2pkh,
    /// P2SH-wrapped P2WPKH (BTC, LTC).
    P2shP2wpkh,
    /// Native P2WPKH (BTC, LTC).
    P2wpkh,
}

impl SpendKind {
    /// Whether spending needs segregated witness.
    pub fn is_segwit(self) -> bool {
        !matches!(self, SpendKind::P2pkh)
    }
}

/// Why a signature hash cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SighashError {
    /// The input index is past the transaction's inputs.
    #[error("input index {index} out of range ({inputs} inputs)")]
    InputIndex {
        /// The index asked for.
        index: usize,
        /// How many inputs the transaction has.
        inputs: usize,
    },
    /// A segwit input on a chain without segwit.
    #[error("{0} has no segwit inputs")]
    SegwitNotSupported(&'static str),
    /// Segwit inputs need a compressed public key.
    #[error("segwit inputs need a compressed public key")]
    UncompressedSegwitKey,
    /// The public key bytes are neither 33 nor 65 long.
    #[error("public key has {0} bytes")]
    BadPublicKey(usize),
}

/// A script with every OP_CODESEPARATOR removed (at instruction boundaries; bytes
/// after a malformed push are kept as they are).
pub fn strip_codeseparators(script: &Script) -> ScriptBuf {
    let bytes = script.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut copied_to = 0;
    for item in script.instruction_indices() {
        match item {
            Ok((pos, Instruction::Op(op))) if op == OP_CODESEPARATOR => {
                out.extend_from_slice(&bytes[copied_to..pos]);
                copied_to = pos + 1;
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    out.extend_from_slice(&bytes[copied_to..]);
    ScriptBuf::from_bytes(out)
}

/// The legacy (pre-segwit) signature hash, raw byte order. OP_CODESEPARATORs are
/// removed from `script_code`; SIGHASH_SINGLE without a matching output gives the
/// historical constant 1.
pub fn legacy(
    tx: &Transaction,
    input_index: usize,
    script_code: &Script,
    sighash_type: u32,
) -> Result<[u8; 32], SighashError> {
    let script = strip_codeseparators(script_code);
    SighashCache::new(tx)
        .legacy_signature_hash(input_index, &script, sighash_type)
        .map(|h| h.to_byte_array())
        .map_err(|_| SighashError::InputIndex {
            index: input_index,
            inputs: tx.input.len(),
        })
}

/// The BIP143 SIGHASH_ALL hash of a P2WPKH (or P2SH-P2WPKH) input, raw byte order.
pub fn p2wpkh(
    tx: &Transaction,
    input_index: usize,
    pubkey_hash: [u8; 20],
    value: u64,
) -> Result<[u8; 32], SighashError> {
    let spk = ScriptBuf::new_p2wpkh(&WPubkeyHash::from_byte_array(pubkey_hash));
    SighashCache::new(tx)
        .p2wpkh_signature_hash(
            input_index,
            &spk,
            Amount::from_sat(value),
            EcdsaSighashType::All,
        )
        .map(|h| h.to_byte_array())
        .map_err(|_| SighashError::InputIndex {
            index: input_index,
            inputs: tx.input.len(),
        })
}

/// The digest a SIGHASH_ALL signature of input `input_index` commits to on the chain
/// `params`, and the sighash type to append to the signature.
pub fn spend_digest(
    params: &ChainParams,
    tx: &Transaction,
    input_index: usize,
    kind: SpendKind,
    pubkey: &[u8],
    value: u64,
) -> Result<([u8; 32], u32), SighashError> {
    if pubkey.len() != 33 && pubkey.len() != 65 {
        return Err(SighashError::BadPublicKey(pubkey.len()));
    }
    let hash = hash160::Hash::hash(pubkey).to_byte_array();
    if kind.is_segwit() {
        if !params.has_segwit() {
            return Err(SighashError::SegwitNotSupported(params.name));
        }
        if pubkey.len() != 33 {
            return Err(SighashError::UncompressedSegwitKey);
        }
        return Ok((p2wpkh(tx, input_index, hash, value)?, forkid::SIGHASH_ALL));
    }
    let script_code = ScriptBuf::new_p2pkh(&PubkeyHash::from_byte_array(hash));
    let sighash_type = params.sighash_all();
    let digest = if params.uses_forkid() {
        forkid::signature_hash(tx, input_index, &script_code, value, sighash_type)?
    } else {
        legacy(tx, input_index, &script_code, sighash_type)?
    };
    Ok((digest, sighash_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_separators_only_at_op_boundaries() {
        // push(0xab) OP_CODESEPARATOR OP_1 OP_CODESEPARATOR
        let s = ScriptBuf::from_bytes(vec![0x01, 0xab, 0xab, 0x51, 0xab]);
        assert_eq!(strip_codeseparators(&s).as_bytes(), &[0x01, 0xab, 0x51]);
        // a truncated push keeps its tail
        let s = ScriptBuf::from_bytes(vec![0xab, 0x05, 0xab]);
        assert_eq!(strip_codeseparators(&s).as_bytes(), &[0x05, 0xab]);
    }
}
