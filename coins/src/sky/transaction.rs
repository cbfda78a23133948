//! Skycoin transactions (`src/coin/transactions.go`): layout, inner hash,
//! txid, signing each input, and the reference's hard checks.

use std::collections::HashSet;

use secp256k1::SecretKey;
use sha2::Digest;

use super::address::Address;
use super::encoding::{decode_exact, encode, DecodeError, Encode};
use super::hash::{add_sha256, sha256, Sha256};
use super::signature::{sign_hash, verify_address, Sig};
use super::uxout::{UxBody, UxOut};
use crate::codec_struct;

/// The most inputs, signatures or outputs a transaction may have.
pub const MAX_ENTRIES: usize = 65535;

/// A rule a transaction breaks, with the reference's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    /// Not decodable.
    #[error("Invalid transaction: {0}")]
    Decode(#[from] DecodeError),
    /// No inputs.
    #[error("No inputs")]
    NoInputs,
    /// No outputs.
    #[error("No outputs")]
    NoOutputs,
    /// #sigs ≠ #inputs.
    #[error("Invalid number of signatures")]
    SigCountMismatch,
    /// More than 65535 inputs.
    #[error("Too many signatures and inputs")]
    TooManyInputs,
    /// More than 65535 outputs (the reference's spelling).
    #[error("Too many ouptuts")]
    TooManyOutputs,
    /// The same output spent twice.
    #[error("Duplicate spend")]
    DuplicateSpend,
    /// Type byte other than 0.
    #[error("transaction type invalid")]
    InvalidType,
    /// Length prefix differs from the real size.
    #[error("transaction size prefix invalid")]
    InvalidLength,
    /// Two outputs with the same uxid.
    #[error("Duplicate output in transaction")]
    DuplicateOutput,
    /// A signature that cannot be recovered or is malformed.
    #[error("{0}")]
    Signature(super::signature::SignatureError),
    /// An output of zero coins.
    #[error("Zero coin output")]
    ZeroCoinOutput,
    /// Output coins overflow 64 bits.
    #[error("Output coins overflow")]
    OutputCoinsOverflow,
    /// The inner hash is not the hash of inputs and outputs.
    #[error("InnerHash does not match computed hash")]
    InnerHashMismatch,
    /// An input signature was not made by the spent output's owner.
    #[error("Signature not valid for output being spent")]
    WrongSigner,
    /// Input coins overflow 64 bits.
    #[error("Transaction input coins overflow")]
    InputCoinsOverflow,
    /// More coins out than in.
    #[error("Insufficient coins")]
    InsufficientCoins,
    /// Fewer coins out than in.
    #[error("Transactions may not destroy coins")]
    DestroysCoins,
    /// Input hours overflow 64 bits.
    #[error("Transaction input hours overflow")]
    InputHoursOverflow,
    /// Output hours overflow 64 bits (a soft rule for single transactions).
    #[error("Transaction output hours overflow")]
    OutputHoursOverflow,
    /// More hours out than in.
    #[error("Insufficient coin hours")]
    InsufficientHours,
    /// Coin-hour arithmetic overflowed.
    #[error("{0}")]
    CoinHours(#[from] super::coin_hours::CoinHoursError),
    /// The number of keys given does not match the inputs.
    #[error("Invalid number of keys")]
    KeyCountMismatch,
}

impl TxError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            TxError::Decode(_) => "tx_decode",
            TxError::NoInputs => "tx_no_inputs",
            TxError::NoOutputs => "tx_no_outputs",
            TxError::SigCountMismatch => "tx_sig_count",
            TxError::TooManyInputs => "tx_too_many_inputs",
            TxError::TooManyOutputs => "tx_too_many_outputs",
            TxError::DuplicateSpend => "tx_duplicate_spend",
            TxError::InvalidType => "tx_type",
            TxError::InvalidLength => "tx_length",
            TxError::DuplicateOutput => "tx_duplicate_output",
            TxError::Signature(_) => "tx_signature",
            TxError::ZeroCoinOutput => "tx_zero_coin_output",
            TxError::OutputCoinsOverflow => "tx_output_coins_overflow",
            TxError::InnerHashMismatch => "tx_inner_hash",
            TxError::WrongSigner => "tx_wrong_signer",
            TxError::InputCoinsOverflow => "tx_input_coins_overflow",
            TxError::InsufficientCoins => "tx_insufficient_coins",
            TxError::DestroysCoins => "tx_destroys_coins",
            TxError::InputHoursOverflow => "tx_input_hours_overflow",
            TxError::OutputHoursOverflow => "tx_output_hours_overflow",
            TxError::InsufficientHours => "tx_insufficient_hours",
            TxError::CoinHours(_) => "tx_coin_hours_overflow",
            TxError::KeyCountMismatch => "tx_key_count",
        }
    }
}

/// One output of a transaction: an address, droplets and coin hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct TransactionOutput {
    /// The receiver.
    pub address: Address,
    /// Droplets (1 SKY = 10^6).
    pub coins: u64,
    /// Coin hours.
    pub hours: u64,
}
codec_struct!(TransactionOutput {
    address,
    coins,
    hours
});

impl TransactionOutput {
    /// The id of the unspent output this creates in transaction `txid`.
    pub fn uxid(&self, txid: &Sha256) -> Sha256 {
        UxBody::from_output(*txid, self).hash()
    }
}

/// A Skycoin transaction, field for field as on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Transaction {
    /// Total serialized size including these 4 bytes.
    pub length: u32,
    /// Always 0.
    pub tx_type: u8,
    /// `sha256(encode(inputs) || encode(outputs))`.
    pub inner_hash: Sha256,
    /// `sigs[i]` signs `sha256(inner_hash || inputs[i])`.
    pub sigs: Vec<Sig>,
    /// Ids of the unspent outputs spent.
    pub inputs: Vec<Sha256>,
    /// The outputs created.
    pub outputs: Vec<TransactionOutput>,
}
codec_struct!(Transaction {
    length,
    tx_type,
    inner_hash,
    sigs <= 65535,
    inputs <= 65535,
    outputs <= 65535,
});

/// Which signatures [`Transaction::check_rules`] recovers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SigCheck {
    All,
    AllowEmpty,
    Skip,
}

/// Size of a transaction with `n_in` inputs and `n_out` outputs.
pub fn tx_size(n_in: usize, n_out: usize) -> usize {
    49 + 97 * n_in + 37 * n_out
}

/// Length of the transaction encoded at the start of `bytes`, read from its
/// signature, input and output counts without decoding it (the `Length`
/// field is not used: the genesis transaction stores 0 there). `None` if
/// `bytes` ends before the transaction does.
pub fn encoded_len(bytes: &[u8]) -> Option<usize> {
    let count = |at: usize| -> Option<usize> {
        let raw: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
        usize::try_from(u32::from_le_bytes(raw)).ok()
    };
    // Length (4), Type (1), InnerHash (32), then three counted lists.
    let mut at = 37usize;
    for item in [65usize, 32, 37] {
        let n = count(at)?;
        at = at.checked_add(4)?.checked_add(n.checked_mul(item)?)?;
    }
    (at <= bytes.len()).then_some(at)
}

impl Transaction {
    /// Decodes a serialized transaction, rejecting trailing bytes.
    pub fn decode(bytes: &[u8]) -> Result<Transaction, TxError> {
        Ok(decode_exact(bytes)?)
    }

    /// Decodes a serialized transaction and returns its txid, hashing the
    /// given bytes (exact decoding guarantees they are the encoding).
    pub fn decode_with_txid(bytes: &[u8]) -> Result<(Transaction, Sha256), TxError> {
        let txn = Transaction::decode(bytes)?;
        Ok((txn, sha256(bytes)))
    }

    /// Serializes the transaction.
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }

    /// Serialized size in bytes.
    pub fn size(&self) -> usize {
        self.encoded_size()
    }

    /// The txid: SHA-256 of the whole serialized transaction (streamed
    /// field by field into the hasher, without building the encoding).
    pub fn hash(&self) -> Sha256 {
        let mut h = sha2::Sha256::new();
        h.update(self.length.to_le_bytes());
        h.update([self.tx_type]);
        h.update(self.inner_hash.0);
        h.update((self.sigs.len() as u32).to_le_bytes());
        for sig in &self.sigs {
            h.update(sig.0);
        }
        h.update((self.inputs.len() as u32).to_le_bytes());
        for input in &self.inputs {
            h.update(input.0);
        }
        h.update((self.outputs.len() as u32).to_le_bytes());
        let mut out = [0u8; 37];
        for o in &self.outputs {
            out[0] = o.address.version;
            out[1..21].copy_from_slice(&o.address.key.0);
            out[21..29].copy_from_slice(&o.coins.to_le_bytes());
            out[29..].copy_from_slice(&o.hours.to_le_bytes());
            h.update(out);
        }
        Sha256(h.finalize().into())
    }

    /// SHA-256 of the inputs and outputs (what is signed).
    pub fn hash_inner(&self) -> Sha256 {
        let mut buf = Vec::with_capacity(8 + 32 * self.inputs.len() + 37 * self.outputs.len());
        self.inputs.encode_to(&mut buf);
        self.outputs.encode_to(&mut buf);
        sha256(&buf)
    }

    /// The hash that input `i`'s signature covers.
    pub fn input_sign_hash(&self, i: usize) -> Option<Sha256> {
        self.inputs
            .get(i)
            .map(|input| add_sha256(&self.inner_hash, input))
    }

    /// Builds an unsigned transaction as the reference's creator does: one
    /// zero signature slot per input, then `UpdateHeader`.
    pub fn new_unsigned(inputs: Vec<Sha256>, outputs: Vec<TransactionOutput>) -> Transaction {
        let mut txn = Transaction {
            sigs: vec![Sig::default(); inputs.len()],
            inputs,
            outputs,
            ..Transaction::default()
        };
        txn.update_header();
        txn
    }

    /// Sets length, type and inner hash (`UpdateHeader`).
    pub fn update_header(&mut self) {
        self.length = u32::try_from(self.size()).unwrap_or(u32::MAX);
        self.tx_type = 0;
        self.inner_hash = self.hash_inner();
    }

    /// Signs every input; `keys[i]` owns the output spent by `inputs[i]`.
    pub fn sign_inputs(&mut self, keys: &[SecretKey]) -> Result<(), TxError> {
        if keys.len() != self.inputs.len() {
            return Err(TxError::KeyCountMismatch);
        }
        self.sigs = vec![Sig::default(); self.inputs.len()];
        self.update_header();
        for (i, key) in keys.iter().enumerate() {
            self.sign_input(i, key)?;
        }
        Ok(())
    }

    /// Signs input `i` in place, leaving the other slots as they are.
    pub fn sign_input(&mut self, i: usize, key: &SecretKey) -> Result<(), TxError> {
        let hash = self.input_sign_hash(i).ok_or(TxError::KeyCountMismatch)?;
        let sig = sign_hash(&hash, key).map_err(TxError::Signature)?;
        match self.sigs.get_mut(i) {
            Some(slot) => *slot = sig,
            None => return Err(TxError::SigCountMismatch),
        }
        Ok(())
    }

    /// Sum of output coins, or an overflow error.
    pub fn output_coins(&self) -> Result<u64, TxError> {
        self.outputs.iter().try_fold(0u64, |acc, o| {
            acc.checked_add(o.coins).ok_or(TxError::OutputCoinsOverflow)
        })
    }

    /// Sum of output hours, or an overflow error (`OutputHours`).
    pub fn output_hours(&self) -> Result<u64, TxError> {
        self.outputs.iter().try_fold(0u64, |acc, o| {
            acc.checked_add(o.hours).ok_or(TxError::OutputHoursOverflow)
        })
    }

    /// The reference's `Verify()`: structure, signatures recoverable, inner hash.
    /// `unsigned` allows all-zero signature slots (`VerifyUnsigned`).
    pub fn verify(&self) -> Result<(), TxError> {
        self.verify_structure(false)
    }

    /// `Verify()` for a transaction whose signatures may still be empty slots
    /// (the reference's `VerifyUnsigned`).
    pub fn verify_unsigned(&self) -> Result<(), TxError> {
        self.verify_structure(true)
    }

    /// `Verify()` minus signature recovery, for callers that recover every
    /// input's signer once themselves (block validation, see
    /// [`recover_signers`](Transaction::recover_signers)).
    pub fn verify_without_signatures(&self) -> Result<(), TxError> {
        self.check_rules(SigCheck::Skip, &self.hash())
    }

    /// [`verify_without_signatures`](Self::verify_without_signatures) with the
    /// txid already computed.
    pub fn verify_without_signatures_of(&self, txid: &Sha256) -> Result<(), TxError> {
        self.check_rules(SigCheck::Skip, txid)
    }

    fn verify_structure(&self, unsigned: bool) -> Result<(), TxError> {
        let check = if unsigned {
            SigCheck::AllowEmpty
        } else {
            SigCheck::All
        };
        self.check_rules(check, &self.hash())
    }

    /// The address that signed each input (recovered from its signature).
    pub fn recover_signers(&self) -> Result<Vec<Address>, TxError> {
        if self.sigs.len() != self.inputs.len() {
            return Err(TxError::SigCountMismatch);
        }
        self.sigs
            .iter()
            .zip(&self.inputs)
            .map(|(sig, input)| {
                let hash = add_sha256(&self.inner_hash, input);
                super::signature::recover_pubkey(&hash, sig)
                    .map(|pk| Address::from_pubkey(&pk))
                    .map_err(TxError::Signature)
            })
            .collect()
    }

    fn check_rules(&self, sigs: SigCheck, txid: &Sha256) -> Result<(), TxError> {
        if self.inputs.is_empty() {
            return Err(TxError::NoInputs);
        }
        if self.outputs.is_empty() {
            return Err(TxError::NoOutputs);
        }
        if self.sigs.len() != self.inputs.len() {
            return Err(TxError::SigCountMismatch);
        }
        if self.sigs.len() > MAX_ENTRIES {
            return Err(TxError::TooManyInputs);
        }
        if self.outputs.len() > MAX_ENTRIES {
            return Err(TxError::TooManyOutputs);
        }
        let mut seen = HashSet::with_capacity(self.inputs.len());
        if !self.inputs.iter().all(|i| seen.insert(*i)) {
            return Err(TxError::DuplicateSpend);
        }
        if self.tx_type != 0 {
            return Err(TxError::InvalidType);
        }
        if self.length as usize != self.size() {
            return Err(TxError::InvalidLength);
        }
        let mut uxids = HashSet::with_capacity(self.outputs.len());
        if !self.outputs.iter().all(|o| uxids.insert(o.uxid(txid))) {
            return Err(TxError::DuplicateOutput);
        }
        for (i, sig) in self.sigs.iter().enumerate() {
            if sigs == SigCheck::Skip || (sigs == SigCheck::AllowEmpty && sig.is_zero()) {
                continue;
            }
            let hash = add_sha256(&self.inner_hash, &self.inputs[i]);
            super::signature::recover_pubkey(&hash, sig).map_err(TxError::Signature)?;
        }
        if self.outputs.iter().any(|o| o.coins == 0) {
            return Err(TxError::ZeroCoinOutput);
        }
        self.output_coins()?;
        if self.hash_inner() != self.inner_hash {
            return Err(TxError::InnerHashMismatch);
        }
        Ok(())
    }

    /// Checks each input signature against the owner of the spent output
    /// (`VerifyInput`); `spent[i]` is the output spent by `inputs[i]`.
    pub fn verify_input_signatures(&self, spent: &[UxOut]) -> Result<(), TxError> {
        if spent.len() != self.inputs.len() || self.sigs.len() != self.inputs.len() {
            return Err(TxError::SigCountMismatch);
        }
        for (i, ux) in spent.iter().enumerate() {
            let hash = add_sha256(&self.inner_hash, &self.inputs[i]);
            verify_address(&ux.body.address, &self.sigs[i], &hash)
                .map_err(|_| TxError::WrongSigner)?;
        }
        Ok(())
    }

    /// The outputs this transaction creates once in block `seq` at `time`.
    /// In the genesis block the source transaction is the zero hash.
    pub fn created_outputs(&self, txid: &Sha256, seq: u64, time: u64) -> Vec<UxOut> {
        let src = if seq == 0 { Sha256::ZERO } else { *txid };
        self.outputs
            .iter()
            .map(|o| UxOut::new(UxBody::from_output(src, o), time, seq))
            .collect()
    }
}

/// Coins are neither created nor destroyed (`VerifyTransactionCoinsSpending`).
pub fn verify_coins_spending(
    spent: &[UxOut],
    created: &[TransactionOutput],
) -> Result<(), TxError> {
    let coins_in = spent.iter().try_fold(0u64, |acc, u| {
        acc.checked_add(u.body.coins)
            .ok_or(TxError::InputCoinsOverflow)
    })?;
    let coins_out = created.iter().try_fold(0u64, |acc, o| {
        acc.checked_add(o.coins).ok_or(TxError::OutputCoinsOverflow)
    })?;
    if coins_in < coins_out {
        return Err(TxError::InsufficientCoins);
    }
    if coins_in > coins_out {
        return Err(TxError::DestroysCoins);
    }
    Ok(())
}

/// Hours are not created (`VerifyTransactionHoursSpending`). Output hours are
/// summed with 64-bit wrap-around, as the reference does for old blocks.
pub fn verify_hours_spending(
    head_time: u64,
    spent: &[UxOut],
    created: &[TransactionOutput],
) -> Result<(), TxError> {
    let hours_in = input_hours(head_time, spent)?;
    let hours_out = created
        .iter()
        .fold(0u64, |acc, o| acc.wrapping_add(o.hours));
    if hours_in < hours_out {
        return Err(TxError::InsufficientHours);
    }
    Ok(())
}

/// Total hours of the spent outputs at `head_time`; an output whose earned
/// hours overflow on addition counts as 0, as in the reference.
pub fn input_hours(head_time: u64, spent: &[UxOut]) -> Result<u64, TxError> {
    let mut total = 0u64;
    for ux in spent {
        let h = match ux.coin_hours(head_time) {
            Ok(h) => h,
            Err(super::coin_hours::CoinHoursError::AdditionOverflow) => 0,
            Err(e) => return Err(e.into()),
        };
        total = total.checked_add(h).ok_or(TxError::InputHoursOverflow)?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sky::test_vectors::{hex_field, read_json};

    // Reads: skycoin/transactions/encoded-txs.json
    #[test]
    fn encoded_len_walks_concatenated_transactions() {
        let v = read_json("skycoin/transactions/encoded-txs.json");
        let raws: Vec<Vec<u8>> = v["txs"]
            .as_array()
            .expect("a list of transactions")
            .iter()
            .map(|t| hex_field(t, "raw"))
            .collect();
        let joined = raws.concat();
        let mut at = 0;
        for raw in &raws {
            let len = encoded_len(&joined[at..]).expect("a whole transaction");
            assert_eq!(&joined[at..at + len], raw.as_slice());
            at += len;
        }
        assert_eq!(at, joined.len());
        // Cut anywhere inside, the transaction is not whole.
        let first = &raws[0];
        for cut in [0, 36, 40, first.len() - 1] {
            assert_eq!(encoded_len(&first[..cut]), None, "{cut}");
        }
        // A zero Length field (as in the genesis transaction) does not matter.
        let mut zeroed = first.clone();
        zeroed[..4].fill(0);
        assert_eq!(encoded_len(&zeroed), Some(first.len()));
    }

    // Reads: skycoin/transactions/encoded-txs.json
    #[test]
    fn encoded_txs_round_trip_byte_for_byte() {
        let v = read_json("skycoin/transactions/encoded-txs.json");
        let txs = v["txs"].as_array().expect("a list of transactions");
        assert_eq!(txs.len(), 6);
        for t in txs {
            let raw = hex_field(t, "raw");
            let txn = Transaction::decode(&raw).unwrap();
            assert_eq!(txn.encode(), raw);
            assert_eq!(txn.inner_hash.to_hex(), t["innerHash"].as_str().unwrap());
            assert_eq!(txn.hash_inner(), txn.inner_hash);
            let inputs: Vec<&str> = t["inputs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["hash"].as_str().unwrap())
                .collect();
            let ours: Vec<String> = txn.inputs.iter().map(|h| h.to_hex()).collect();
            assert_eq!(ours, inputs);
            let outs = t["outputs"].as_array().unwrap();
            assert_eq!(outs.len(), txn.outputs.len());
            for (o, want) in txn.outputs.iter().zip(outs) {
                assert_eq!(o.address.to_string(), want["address"].as_str().unwrap());
                assert_eq!(
                    o.coins.to_string(),
                    want["coins"].to_string().trim_matches('"')
                );
                assert_eq!(
                    o.hours.to_string(),
                    want["hours"].to_string().trim_matches('"')
                );
            }
            let sigs: Vec<String> = txn.sigs.iter().map(Sig::to_hex).collect();
            let want_sigs: Vec<&str> = t["signatures"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect();
            assert_eq!(sigs, want_sigs);
            txn.verify().unwrap();
        }
    }

    #[test]
    fn streamed_txid_equals_the_hash_of_the_encoding() {
        let v = read_json("skycoin/transactions/encoded-txs.json");
        for t in v["txs"].as_array().unwrap() {
            let raw = hex_field(t, "raw");
            let (txn, txid) = Transaction::decode_with_txid(&raw).unwrap();
            assert_eq!(txn.hash(), txid);
            assert_eq!(txid, sha256(&txn.encode()));
        }
    }

    #[test]
    fn empty_transaction_is_49_zero_bytes_with_reference_txid() {
        let txn = Transaction::default();
        assert_eq!(txn.encode(), vec![0u8; 49]);
        // From api/verify-transaction-invalid-empty.golden's request and the
        // txid the format notes give.
        assert!(txn.hash().to_hex().starts_with("78877fa8"));
        assert_eq!(txn.verify(), Err(TxError::NoInputs));
    }
}
