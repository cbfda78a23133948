//! The tables of the chain store and the byte layout of their keys.
//!
//! Every block is serialized once into [`BLOCKS`]; everything else is an
//! index that can be rebuilt from the blocks (`skyx node repair`).
//! Integers inside composite keys are big-endian so that keys sort by them.

use redb::TableDefinition;
use skyx_coins::sky::address::Address;
use skyx_coins::sky::hash::Sha256;

/// Store metadata: schema version, chain spec, head, unspent-set hash, counters.
pub const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// seq → the block's stored bytes (header ‖ body), written once.
pub const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
/// seq → the publisher's 65-byte signature.
pub const BLOCK_SIGS: TableDefinition<u64, &[u8; 65]> = TableDefinition::new("block_sigs");
/// seq → block hash.
pub const SEQ_HASH: TableDefinition<u64, &[u8; 32]> = TableDefinition::new("seq_hash");
/// block hash → seq.
pub const HASH_SEQ: TableDefinition<&[u8; 32], u64> = TableDefinition::new("hash_seq");
/// txid → where the transaction is: see [`TxLocation`].
pub const TXS: TableDefinition<&[u8; 32], &[u8; 20]> = TableDefinition::new("txs");
/// uxid → unspent output (`UxHead ‖ UxBody`, 85 bytes).
pub const UNSPENT: TableDefinition<&[u8; 32], &[u8; 85]> = TableDefinition::new("unspent");
/// uxid → every output ever created: the 85-byte output, followed once it
/// is spent by the spending txid and block seq (u64 BE), see [`OutputValue`].
/// One record per output: an output created and spent between two writes
/// is written once, already spent.
pub const OUTPUTS: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("outputs");
/// address ‖ uxid → () for the unspent outputs of an address.
pub const ADDR_UNSPENT: TableDefinition<&[u8; 53], ()> = TableDefinition::new("addr_unspent");
/// address ‖ chunk (BE) → up to [`HISTORY_CHUNK`] history entries of
/// [`HISTORY_ENTRY_LEN`] bytes (seq ‖ position ‖ txid): the address's
/// transactions in chain order, entry n in chunk n / HISTORY_CHUNK. A busy
/// address gains one B-tree entry per chunk rather than per transaction,
/// and any page of its history is one short range read. The outputs an
/// address received are found through these transactions.
pub const ADDR_TXS: TableDefinition<&[u8; 29], &[u8]> = TableDefinition::new("addr_txs");
/// address → number of transactions touching it.
pub const ADDR_COUNT: TableDefinition<&[u8; 21], u64> = TableDefinition::new("addr_count");
/// txid → unconfirmed transaction record (see `mempool`).
pub const UNCONFIRMED: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("unconfirmed");

/// Meta key: schema version (u32 LE).
pub const META_SCHEMA: &str = "schema_version";
/// Meta key: the chain spec (JSON).
pub const META_SPEC: &str = "chain_spec";
/// Meta key: head seq (u64 LE); absent before genesis.
pub const META_HEAD: &str = "head_seq";
/// Meta key: the unspent-set hash after the head.
pub const META_UX_HASH: &str = "ux_hash";

/// The schema this code writes and reads (3: spender kept in the output
/// record; address history in chunks; received outputs found through it).
pub const SCHEMA_VERSION: u32 = 3;

/// The 21-byte wire form of an address (`version ‖ key`), the address part of index keys.
pub fn addr_key(a: &Address) -> [u8; 21] {
    let mut out = [0u8; 21];
    out[0] = a.version;
    out[1..].copy_from_slice(&a.key.0);
    out
}

/// History entries per [`ADDR_TXS`] chunk.
pub const HISTORY_CHUNK: u64 = 32;

/// Bytes of one history entry: seq (BE) ‖ position (BE) ‖ txid.
pub const HISTORY_ENTRY_LEN: usize = 44;

/// `address ‖ chunk`: the key of a chunk of an address's history.
pub fn history_key(a: &[u8; 21], chunk: u64) -> [u8; 29] {
    let mut k = [0u8; 29];
    k[..21].copy_from_slice(a);
    k[21..].copy_from_slice(&chunk.to_be_bytes());
    k
}

/// `seq ‖ pos ‖ txid`: one address history entry.
pub fn history_entry(seq: u64, pos: u32, txid: &[u8; 32]) -> [u8; HISTORY_ENTRY_LEN] {
    let mut v = [0u8; HISTORY_ENTRY_LEN];
    v[..8].copy_from_slice(&seq.to_be_bytes());
    v[8..12].copy_from_slice(&pos.to_be_bytes());
    v[12..].copy_from_slice(txid);
    v
}

/// Inverse of [`history_entry`].
pub fn parse_history_entry(v: &[u8; HISTORY_ENTRY_LEN]) -> (u64, u32, [u8; 32]) {
    let mut seq = [0u8; 8];
    seq.copy_from_slice(&v[..8]);
    let mut pos = [0u8; 4];
    pos.copy_from_slice(&v[8..12]);
    let mut txid = [0u8; 32];
    txid.copy_from_slice(&v[12..]);
    (u64::from_be_bytes(seq), u32::from_be_bytes(pos), txid)
}

/// `address ‖ uxid`.
pub fn addr_unspent_key(a: &[u8; 21], uxid: &[u8; 32]) -> [u8; 53] {
    let mut k = [0u8; 53];
    k[..21].copy_from_slice(a);
    k[21..].copy_from_slice(uxid);
    k
}

/// Length of an [`OUTPUTS`] value of an unspent output.
pub const OUTPUT_LEN: usize = 85;

/// Length of an [`OUTPUTS`] value of a spent output.
pub const SPENT_OUTPUT_LEN: usize = OUTPUT_LEN + 40;

/// The spender of an output: spending txid and the seq of its block.
pub type Spender = (Sha256, u64);

/// An [`OUTPUTS`] value: the encoded output and, once spent, its spender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputValue {
    /// `UxHead ‖ UxBody` as encoded.
    pub ux: [u8; OUTPUT_LEN],
    /// Spending txid and block seq, once spent.
    pub spent: Option<Spender>,
}

impl OutputValue {
    /// The stored bytes: 85, or 125 when spent.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(SPENT_OUTPUT_LEN);
        v.extend_from_slice(&self.ux);
        if let Some((txid, seq)) = &self.spent {
            v.extend_from_slice(&txid.0);
            v.extend_from_slice(&seq.to_be_bytes());
        }
        v
    }

    /// Inverse of [`to_bytes`](Self::to_bytes); `None` for any other length.
    pub fn from_bytes(v: &[u8]) -> Option<OutputValue> {
        let ux: [u8; OUTPUT_LEN] = v.get(..OUTPUT_LEN)?.try_into().ok()?;
        let spent = match v.len() {
            OUTPUT_LEN => None,
            SPENT_OUTPUT_LEN => {
                let txid: [u8; 32] = v[OUTPUT_LEN..OUTPUT_LEN + 32].try_into().ok()?;
                let seq: [u8; 8] = v[OUTPUT_LEN + 32..].try_into().ok()?;
                Some((Sha256(txid), u64::from_be_bytes(seq)))
            }
            _ => return None,
        };
        Some(OutputValue { ux, spent })
    }
}

/// Where a confirmed transaction is stored: its block, its position in the
/// block, and the byte range of its encoding inside the stored block, so a
/// lookup decodes only the transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxLocation {
    /// Block seq.
    pub seq: u64,
    /// Position in the block.
    pub pos: u32,
    /// Offset of the encoding in the stored block bytes.
    pub offset: u32,
    /// Length of the encoding.
    pub len: u32,
}

impl TxLocation {
    /// The 20-byte stored form (big-endian fields).
    pub fn to_bytes(&self) -> [u8; 20] {
        let mut v = [0u8; 20];
        v[..8].copy_from_slice(&self.seq.to_be_bytes());
        v[8..12].copy_from_slice(&self.pos.to_be_bytes());
        v[12..16].copy_from_slice(&self.offset.to_be_bytes());
        v[16..].copy_from_slice(&self.len.to_be_bytes());
        v
    }

    /// Inverse of [`to_bytes`](Self::to_bytes).
    pub fn from_bytes(v: &[u8; 20]) -> TxLocation {
        let word = |r: std::ops::Range<usize>| {
            let mut b = [0u8; 4];
            b.copy_from_slice(&v[r]);
            u32::from_be_bytes(b)
        };
        let mut s = [0u8; 8];
        s.copy_from_slice(&v[..8]);
        TxLocation {
            seq: u64::from_be_bytes(s),
            pos: word(8..12),
            offset: word(12..16),
            len: word(16..20),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use skyx_coins::sky::encoding::encode;

    #[test]
    fn address_keys_are_the_wire_encoding() {
        let a: Address = "2THDupTBEo7UqB6dsVizkYUvkKq82Qn4gjf"
            .parse()
            .expect("address");
        assert_eq!(addr_key(&a).as_slice(), encode(&a).as_slice());
    }

    #[test]
    fn output_values_round_trip_and_other_lengths_are_refused() {
        let mut ux = [0u8; OUTPUT_LEN];
        ux.iter_mut().enumerate().for_each(|(i, b)| *b = i as u8);
        let unspent = OutputValue { ux, spent: None };
        assert_eq!(unspent.to_bytes().len(), OUTPUT_LEN);
        assert_eq!(OutputValue::from_bytes(&unspent.to_bytes()), Some(unspent));
        let spent = OutputValue {
            ux,
            spent: Some((Sha256([7; 32]), 0x0102_0304_0506_0708)),
        };
        let bytes = spent.to_bytes();
        assert_eq!(bytes.len(), SPENT_OUTPUT_LEN);
        assert_eq!(&bytes[OUTPUT_LEN + 32..], &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(OutputValue::from_bytes(&bytes), Some(spent));
        for len in [0, 84, 86, 124, 126] {
            assert_eq!(OutputValue::from_bytes(&vec![0; len]), None, "{len}");
        }
    }
}
