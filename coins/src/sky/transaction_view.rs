//! A zero-copy view of a serialized transaction: the layout is checked as
//! strictly as [`Transaction::decode`] checks it (counts, `maxlen` 65535,
//! no trailing bytes), but nothing is copied or allocated; fields are read
//! from the borrowed bytes on demand, and the txid is the hash of those bytes.
//! For scanning many transactions (indexers, explorers) where most are only
//! identified.

use super::address::Address;
use super::encoding::DecodeError;
use super::hash::{sha256, Ripemd160, Sha256};
use super::signature::Sig;
use super::transaction::{Transaction, TransactionOutput, MAX_ENTRIES};

/// Bytes of one signature, input and output on the wire.
const SIG: usize = 65;
const INPUT: usize = 32;
const OUTPUT: usize = 37;
/// Length prefix, type and inner hash.
const HEADER: usize = 4 + 1 + 32;

/// A checked, borrowed serialized transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransactionView<'a> {
    bytes: &'a [u8],
    sigs_at: usize,
    n_sigs: usize,
    inputs_at: usize,
    n_inputs: usize,
    outputs_at: usize,
    n_outputs: usize,
}

/// Reads a `u32le` count at `at` and checks it like the decoder does.
fn count(bytes: &[u8], at: usize, item: usize) -> Result<usize, DecodeError> {
    let raw = bytes.get(at..at + 4).ok_or(DecodeError::BufferUnderflow)?;
    let n = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]) as usize;
    if n > MAX_ENTRIES {
        return Err(DecodeError::MaxLenExceeded);
    }
    let left = bytes.len() - (at + 4);
    if n > left || n * item > left {
        return Err(DecodeError::BufferUnderflow);
    }
    Ok(n)
}

impl<'a> TransactionView<'a> {
    /// Checks the layout of `bytes` as one whole transaction.
    pub fn parse(bytes: &'a [u8]) -> Result<TransactionView<'a>, DecodeError> {
        if bytes.len() < HEADER {
            return Err(DecodeError::BufferUnderflow);
        }
        let n_sigs = count(bytes, HEADER, SIG)?;
        let inputs_count_at = HEADER + 4 + n_sigs * SIG;
        let n_inputs = count(bytes, inputs_count_at, INPUT)?;
        let outputs_count_at = inputs_count_at + 4 + n_inputs * INPUT;
        let n_outputs = count(bytes, outputs_count_at, OUTPUT)?;
        let end = outputs_count_at + 4 + n_outputs * OUTPUT;
        if end != bytes.len() {
            return Err(DecodeError::RemainingBytes);
        }
        Ok(TransactionView {
            bytes,
            sigs_at: HEADER + 4,
            n_sigs,
            inputs_at: inputs_count_at + 4,
            n_inputs,
            outputs_at: outputs_count_at + 4,
            n_outputs,
        })
    }

    /// The txid: SHA-256 of the viewed bytes.
    pub fn txid(&self) -> Sha256 {
        sha256(self.bytes)
    }

    /// The serialized bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The length prefix as written.
    pub fn length(&self) -> u32 {
        u32::from_le_bytes([self.bytes[0], self.bytes[1], self.bytes[2], self.bytes[3]])
    }

    /// The type byte.
    pub fn tx_type(&self) -> u8 {
        self.bytes[4]
    }

    /// The inner hash as written.
    pub fn inner_hash(&self) -> Sha256 {
        let mut h = [0u8; 32];
        h.copy_from_slice(&self.bytes[5..HEADER]);
        Sha256(h)
    }

    /// Number of signatures, inputs and outputs.
    pub fn counts(&self) -> (usize, usize, usize) {
        (self.n_sigs, self.n_inputs, self.n_outputs)
    }

    /// Signature `i`.
    pub fn sig(&self, i: usize) -> Option<Sig> {
        (i < self.n_sigs).then(|| {
            let at = self.sigs_at + i * SIG;
            let mut s = [0u8; SIG];
            s.copy_from_slice(&self.bytes[at..at + SIG]);
            Sig(s)
        })
    }

    /// Input `i` (the id of the output it spends).
    pub fn input(&self, i: usize) -> Option<Sha256> {
        (i < self.n_inputs).then(|| {
            let at = self.inputs_at + i * INPUT;
            let mut h = [0u8; INPUT];
            h.copy_from_slice(&self.bytes[at..at + INPUT]);
            Sha256(h)
        })
    }

    /// Output `i`.
    pub fn output(&self, i: usize) -> Option<TransactionOutput> {
        (i < self.n_outputs).then(|| {
            let at = self.outputs_at + i * OUTPUT;
            let b = &self.bytes[at..at + OUTPUT];
            let mut key = [0u8; 20];
            key.copy_from_slice(&b[1..21]);
            let word = |r: std::ops::Range<usize>| {
                let mut w = [0u8; 8];
                w.copy_from_slice(&b[r]);
                u64::from_le_bytes(w)
            };
            TransactionOutput {
                address: Address {
                    version: b[0],
                    key: Ripemd160(key),
                },
                coins: word(21..29),
                hours: word(29..37),
            }
        })
    }

    /// The inputs in order.
    pub fn inputs(&self) -> impl Iterator<Item = Sha256> + '_ {
        (0..self.n_inputs).filter_map(|i| self.input(i))
    }

    /// The outputs in order.
    pub fn outputs(&self) -> impl Iterator<Item = TransactionOutput> + '_ {
        (0..self.n_outputs).filter_map(|i| self.output(i))
    }

    /// The owned transaction.
    pub fn to_transaction(&self) -> Transaction {
        Transaction {
            length: self.length(),
            tx_type: self.tx_type(),
            inner_hash: self.inner_hash(),
            sigs: (0..self.n_sigs).filter_map(|i| self.sig(i)).collect(),
            inputs: self.inputs().collect(),
            outputs: self.outputs().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sky::encoding::decode_exact;
    use crate::sky::test_vectors::{hex_field, read_json, read_vector};

    fn raw_transactions() -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = read_json("skycoin/transactions/encoded-txs.json")["txs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| hex_field(t, "raw"))
            .collect();
        let chain =
            String::from_utf8(read_vector("skycoin/chain/blockchain-180.blocks.jsonl")).unwrap();
        for line in chain.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            for t in v["txns"].as_array().unwrap() {
                out.push(hex_field(t, "raw"));
            }
        }
        out
    }

    // Reads: skycoin/transactions/encoded-txs.json, skycoin/chain/blockchain-180.blocks.jsonl
    #[test]
    fn view_equals_the_decoded_transaction() {
        let all = raw_transactions();
        assert!(all.len() > 180);
        for raw in &all {
            let view = TransactionView::parse(raw).unwrap();
            let owned = Transaction::decode(raw).unwrap();
            assert_eq!(view.to_transaction(), owned);
            assert_eq!(view.txid(), owned.hash());
        }
    }

    #[test]
    fn view_rejects_what_the_decoder_rejects() {
        for raw in raw_transactions().iter().take(8) {
            for cut in 0..raw.len() {
                let short = &raw[..cut];
                assert_eq!(
                    TransactionView::parse(short).err(),
                    decode_exact::<Transaction>(short).err(),
                    "truncated at {cut}"
                );
            }
            let mut long = raw.clone();
            long.push(0);
            assert_eq!(
                TransactionView::parse(&long).err(),
                Some(DecodeError::RemainingBytes)
            );
            let mut huge = raw.clone();
            huge[37..41].copy_from_slice(&70_000u32.to_le_bytes());
            assert_eq!(
                TransactionView::parse(&huge).err(),
                Some(DecodeError::MaxLenExceeded)
            );
        }
    }
}
