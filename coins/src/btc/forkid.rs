//! The BIP143 digest built by hand, as Bitcoin Cash and Bitcoin SV use it for
//! every input under SIGHASH_FORKID (sighash type 0x41 = ALL | FORKID, with
//! the fork id in the upper 24 bits). rust-bitcoin has no FORKID type, and its
//! BIP143 code only takes Bitcoin's own sighash types.

use bitcoin::consensus::Encodable;
use bitcoin::hashes::{sha256d, Hash};
use bitcoin::{Script, Transaction};

use super::sighash::SighashError;

/// SIGHASH_ALL.
pub const SIGHASH_ALL: u32 = 0x01;
/// SIGHASH_NONE.
pub const SIGHASH_NONE: u32 = 0x02;
/// SIGHASH_SINGLE.
pub const SIGHASH_SINGLE: u32 = 0x03;
/// SIGHASH_FORKID flag (BCH, BSV).
pub const SIGHASH_FORKID: u32 = 0x40;
/// SIGHASH_ANYONECANPAY flag.
pub const SIGHASH_ANYONECANPAY: u32 = 0x80;

/// The full 32-bit sighash type for a base type and a fork id: `base | FORKID | fork_id << 8`.
pub const fn forkid_sighash_type(base: u32, fork_id: u32) -> u32 {
    (fork_id << 8) | SIGHASH_FORKID | base
}

/// The three intermediate hashes of a BIP143 preimage (raw SHA256d byte order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bip143Hashes {
    /// SHA256d of all outpoints, or zero with ANYONECANPAY.
    pub hash_prevouts: [u8; 32],
    /// SHA256d of all sequences, or zero with ANYONECANPAY, SINGLE or NONE.
    pub hash_sequence: [u8; 32],
    /// SHA256d of all outputs; of the matching output with SINGLE; else zero.
    pub hash_outputs: [u8; 32],
}

fn sha256d_of<T: Encodable>(items: impl Iterator<Item = T>) -> [u8; 32] {
    let mut engine = sha256d::Hash::engine();
    for item in items {
        // Writing into a hash engine cannot fail.
        let _ = item.consensus_encode(&mut engine);
    }
    sha256d::Hash::from_engine(engine).to_byte_array()
}

/// hashPrevouts, hashSequence and hashOutputs for input `input_index` under `sighash_type`.
pub fn bip143_hashes(
    tx: &Transaction,
    input_index: usize,
    sighash_type: u32,
) -> Result<Bip143Hashes, SighashError> {
    check_index(tx, input_index)?;
    let base = sighash_type & 0x1f;
    let anyone_can_pay = sighash_type & SIGHASH_ANYONECANPAY != 0;
    let hash_prevouts = if anyone_can_pay {
        [0; 32]
    } else {
        sha256d_of(tx.input.iter().map(|i| i.previous_output))
    };
    let hash_sequence = if anyone_can_pay || base == SIGHASH_SINGLE || base == SIGHASH_NONE {
        [0; 32]
    } else {
        sha256d_of(tx.input.iter().map(|i| i.sequence))
    };
    let hash_outputs = if base != SIGHASH_SINGLE && base != SIGHASH_NONE {
        sha256d_of(tx.output.iter())
    } else if base == SIGHASH_SINGLE && input_index < tx.output.len() {
        sha256d_of(tx.output.iter().skip(input_index).take(1))
    } else {
        [0; 32]
    };
    Ok(Bip143Hashes {
        hash_prevouts,
        hash_sequence,
        hash_outputs,
    })
}

/// The BIP143 preimage: nVersion, hashPrevouts, hashSequence, outpoint, scriptCode
/// (with its length prefix), amount, nSequence, hashOutputs, nLockTime, sighash type
/// (u32 little-endian, fork id bits included as given).
pub fn bip143_preimage(
    tx: &Transaction,
    input_index: usize,
    script_code: &Script,
    value: u64,
    sighash_type: u32,
) -> Result<Vec<u8>, SighashError> {
    let hashes = bip143_hashes(tx, input_index, sighash_type)?;
    let input = &tx.input[input_index];
    let mut out: Vec<u8> = Vec::with_capacity(160 + script_code.len());
    // Writing into a Vec cannot fail.
    let _ = tx.version.consensus_encode(&mut out);
    out.extend_from_slice(&hashes.hash_prevouts);
    out.extend_from_slice(&hashes.hash_sequence);
    let _ = input.previous_output.consensus_encode(&mut out);
    let _ = script_code.consensus_encode(&mut out);
    out.extend_from_slice(&value.to_le_bytes());
    let _ = input.sequence.consensus_encode(&mut out);
    out.extend_from_slice(&hashes.hash_outputs);
    let _ = tx.lock_time.consensus_encode(&mut out);
    out.extend_from_slice(&sighash_type.to_le_bytes());
    Ok(out)
}

/// SHA256d of the BIP143 preimage: the digest signed under FORKID (raw byte order).
pub fn signature_hash(
    tx: &Transaction,
    input_index: usize,
    script_code: &Script,
    value: u64,
    sighash_type: u32,
) -> Result<[u8; 32], SighashError> {
    let preimage = bip143_preimage(tx, input_index, script_code, value, sighash_type)?;
    Ok(sha256d::Hash::hash(&preimage).to_byte_array())
}

fn check_index(tx: &Transaction, input_index: usize) -> Result<(), SighashError> {
    if input_index < tx.input.len() {
        Ok(())
    } else {
        Err(SighashError::InputIndex {
            index: input_index,
            inputs: tx.input.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forkid_type_bits() {
        assert_eq!(forkid_sighash_type(SIGHASH_ALL, 0), 0x41);
        assert_eq!(
            forkid_sighash_type(SIGHASH_ALL | SIGHASH_ANYONECANPAY, 0),
            0xc1
        );
        assert_eq!(
            forkid_sighash_type(SIGHASH_SINGLE, 0x00ab_cdef),
            0xabcd_ef43
        );
    }
}
