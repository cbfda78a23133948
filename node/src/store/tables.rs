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
/// [`epoch_key`] of a block hash → seq.
pub const HASH_SEQ: TableDefinition<&[u8; 36], u64> = TableDefinition::new("hash_seq");
/// [`epoch_key`] of a txid → where the transaction is: see [`TxLocation`].
pub const TXS: TableDefinition<&[u8; 36], &[u8; 20]> = TableDefinition::new("txs");
/// uxid → unspent output: `UxHead ‖ UxBody` (85 bytes) ‖ where it was
/// created ([`OutPos`], 16 bytes), see [`unspent_value`].
pub const UNSPENT: TableDefinition<&[u8; 32], &[u8; UNSPENT_LEN]> = TableDefinition::new("unspent");
/// Epoch ‖ first 8 bytes of a uxid ‖ [`OutPos`] → (): every output ever
/// created, found by its id. The output itself is read from its block; the
/// short prefix keeps the index small, and a lookup checks the full id of
/// each candidate.
pub const OUTPUT_IDS: TableDefinition<&[u8; 28], ()> = TableDefinition::new("output_ids");
/// [`OutPos`] of a spent output → spending txid ‖ block seq (BE). Keyed by
/// position, so the inserts of a write land near the end of the table,
/// where the recently created outputs are.
pub const SPENT: TableDefinition<&[u8; 16], &[u8; 40]> = TableDefinition::new("spent");
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
/// [`HashIndex::filter_key`](super::filter::HashIndex::filter_key) → the Bloom filter of one hash-keyed index
/// over one closed epoch (see [`filter`](super::filter)).
pub const EPOCH_FILTERS: TableDefinition<u64, &[u8]> = TableDefinition::new("epoch_filters");
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

/// The schema this code writes and reads (5: hash-keyed indexes split in
/// epochs with a Bloom filter per closed epoch; outputs found by position
/// through a short id index, spenders keyed by position; address history
/// in chunks; received outputs found through it).
pub const SCHEMA_VERSION: u32 = 5;

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

/// The `N` bytes of `v` at `at`: a fixed-width field of a fixed-width key
/// or value (the callers' lengths make the range always present).
pub(super) fn field<const N: usize>(v: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&v[at..at + N]);
    out
}

/// Inverse of [`history_entry`].
pub fn parse_history_entry(v: &[u8; HISTORY_ENTRY_LEN]) -> (u64, u32, [u8; 32]) {
    (
        u64::from_be_bytes(field(v, 0)),
        u32::from_be_bytes(field(v, 8)),
        field(v, 12),
    )
}

/// `address ‖ uxid`.
pub fn addr_unspent_key(a: &[u8; 21], uxid: &[u8; 32]) -> [u8; 53] {
    let mut k = [0u8; 53];
    k[..21].copy_from_slice(a);
    k[21..].copy_from_slice(uxid);
    k
}

/// Length of an encoded output (`UxHead ‖ UxBody`).
pub const UX_LEN: usize = 85;

/// Length of an [`UNSPENT`] value.
pub const UNSPENT_LEN: usize = UX_LEN + 16;

/// The spender of an output: spending txid and the seq of its block.
pub type Spender = (Sha256, u64);

/// Where an output was created: its block, the position of its transaction
/// in the block, and its index among that transaction's outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OutPos {
    /// Block seq.
    pub seq: u64,
    /// Position of the transaction in the block.
    pub tx: u32,
    /// Index of the output in the transaction.
    pub index: u32,
}

impl OutPos {
    /// The 16-byte stored form (big-endian fields, so keys sort by position).
    pub fn to_bytes(&self) -> [u8; 16] {
        let mut v = [0u8; 16];
        v[..8].copy_from_slice(&self.seq.to_be_bytes());
        v[8..12].copy_from_slice(&self.tx.to_be_bytes());
        v[12..].copy_from_slice(&self.index.to_be_bytes());
        v
    }

    /// Inverse of [`to_bytes`](Self::to_bytes).
    pub fn from_bytes(v: &[u8; 16]) -> OutPos {
        OutPos {
            seq: u64::from_be_bytes(field(v, 0)),
            tx: u32::from_be_bytes(field(v, 8)),
            index: u32::from_be_bytes(field(v, 12)),
        }
    }
}

/// Transactions per index epoch. A block's hash, txids and output ids are
/// indexed under the epoch of the transactions stored before it, so the
/// inserts of a write land in the newest epoch's part of each index, whose
/// size is bounded, instead of all over a tree that grows with the chain.
pub const EPOCH_TXS: u64 = 16_384;

/// The epoch of a block stored after `txs_before` transactions.
pub fn epoch_of(txs_before: u64) -> u32 {
    u32::try_from(txs_before / EPOCH_TXS).unwrap_or(u32::MAX)
}

/// `epoch ‖ hash`: a key of the hash-keyed indexes.
pub fn epoch_key(epoch: u32, hash: &[u8; 32]) -> [u8; 36] {
    let mut k = [0u8; 36];
    k[..4].copy_from_slice(&epoch.to_be_bytes());
    k[4..].copy_from_slice(hash);
    k
}

/// The first and last `N`-byte keys of `epoch` in an index keyed by epoch first.
pub fn epoch_bounds<const N: usize>(epoch: u32) -> ([u8; N], [u8; N]) {
    let (mut lo, mut hi) = ([0u8; N], [0xffu8; N]);
    lo[..4].copy_from_slice(&epoch.to_be_bytes());
    hi[..4].copy_from_slice(&epoch.to_be_bytes());
    (lo, hi)
}

/// An [`OUTPUT_IDS`] key: epoch ‖ the first 8 bytes of `uxid` ‖ `pos`.
pub fn output_id_key(epoch: u32, uxid: &Sha256, pos: &OutPos) -> [u8; 28] {
    let mut k = [0u8; 28];
    k[..4].copy_from_slice(&epoch.to_be_bytes());
    k[4..12].copy_from_slice(&uxid.0[..8]);
    k[12..].copy_from_slice(&pos.to_bytes());
    k
}

/// The range of [`OUTPUT_IDS`] keys of `epoch` that may belong to `uxid`.
pub fn output_id_range(epoch: u32, uxid: &Sha256) -> ([u8; 28], [u8; 28]) {
    let mut lo = [0u8; 28];
    lo[..4].copy_from_slice(&epoch.to_be_bytes());
    lo[4..12].copy_from_slice(&uxid.0[..8]);
    let mut hi = [0xff; 28];
    hi[..12].copy_from_slice(&lo[..12]);
    (lo, hi)
}

/// An [`UNSPENT`] value: the encoded output ‖ where it was created.
pub fn unspent_value(ux: &[u8; UX_LEN], pos: &OutPos) -> [u8; UNSPENT_LEN] {
    let mut v = [0u8; UNSPENT_LEN];
    v[..UX_LEN].copy_from_slice(ux);
    v[UX_LEN..].copy_from_slice(&pos.to_bytes());
    v
}

/// Inverse of [`unspent_value`].
pub fn split_unspent(v: &[u8; UNSPENT_LEN]) -> (&[u8], OutPos) {
    (&v[..UX_LEN], OutPos::from_bytes(&field(v, UX_LEN)))
}

/// A [`SPENT`] value: spending txid ‖ block seq (BE).
pub fn spender_value((txid, seq): &Spender) -> [u8; 40] {
    let mut v = [0u8; 40];
    v[..32].copy_from_slice(&txid.0);
    v[32..].copy_from_slice(&seq.to_be_bytes());
    v
}

/// Inverse of [`spender_value`].
pub fn parse_spender(v: &[u8; 40]) -> Spender {
    (Sha256(field(v, 0)), u64::from_be_bytes(field(v, 32)))
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
        TxLocation {
            seq: u64::from_be_bytes(field(v, 0)),
            pos: u32::from_be_bytes(field(v, 8)),
            offset: u32::from_be_bytes(field(v, 12)),
            len: u32::from_be_bytes(field(v, 16)),
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
    fn positions_round_trip_and_sort_as_their_keys() {
        let positions = [
            OutPos {
                seq: 0,
                tx: 0,
                index: 0,
            },
            OutPos {
                seq: 0,
                tx: 0,
                index: 1,
            },
            OutPos {
                seq: 0,
                tx: 1,
                index: 0,
            },
            OutPos {
                seq: 1,
                tx: 0,
                index: 0,
            },
            OutPos {
                seq: 0x0102_0304_0506_0708,
                tx: 0x0a0b_0c0d,
                index: 0xffff,
            },
        ];
        for w in positions.windows(2) {
            assert!(w[0] < w[1]);
            assert!(w[0].to_bytes() < w[1].to_bytes());
        }
        for p in positions {
            assert_eq!(OutPos::from_bytes(&p.to_bytes()), p);
        }
        assert_eq!(
            positions[4].to_bytes(),
            [1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 0, 0, 0xff, 0xff]
        );
    }

    #[test]
    fn output_id_keys_fall_in_their_range_only() {
        let id = Sha256([0x5a; 32]);
        let pos = OutPos {
            seq: 7,
            tx: 3,
            index: 2,
        };
        let (lo, hi) = output_id_range(3, &id);
        let key = output_id_key(3, &id, &pos);
        assert!(lo <= key && key <= hi);
        let mut other = id;
        other.0[7] = 0x5b;
        assert!(output_id_key(3, &other, &pos) > hi);
        assert!(output_id_key(4, &id, &pos) > hi);
        assert!(output_id_key(2, &id, &pos) < lo);
    }

    #[test]
    fn epochs_count_transactions_and_lead_the_keys() {
        assert_eq!(epoch_of(0), 0);
        assert_eq!(epoch_of(EPOCH_TXS - 1), 0);
        assert_eq!(epoch_of(EPOCH_TXS), 1);
        let k = epoch_key(0x0102_0304, &[9; 32]);
        assert_eq!(&k[..4], &[1, 2, 3, 4]);
        assert_eq!(&k[4..], &[9; 32]);
        assert!(epoch_key(1, &[0xff; 32]) < epoch_key(2, &[0; 32]));
    }

    #[test]
    fn unspent_and_spender_values_round_trip() {
        let mut ux = [0u8; UX_LEN];
        ux.iter_mut().enumerate().for_each(|(i, b)| *b = i as u8);
        let pos = OutPos {
            seq: 9,
            tx: 8,
            index: 7,
        };
        let v = unspent_value(&ux, &pos);
        assert_eq!(split_unspent(&v), (ux.as_slice(), pos));
        let spender = (Sha256([7; 32]), 0x0102_0304_0506_0708);
        let v = spender_value(&spender);
        assert_eq!(&v[32..], &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(parse_spender(&v), spender);
    }
}
