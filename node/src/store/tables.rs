//! The tables of the chain store and the byte layout of their keys.
//!
//! Every block is serialized once into [`BLOCKS`]; everything else is an
//! index that can be rebuilt from the blocks (`skyx node repair`).
//! Integers inside composite keys are big-endian so that keys sort by them.

use redb::TableDefinition;
use skyx_coins::sky::address::Address;
use skyx_coins::sky::encoding::encode;

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
/// uxid → every output ever created (85 bytes), written once.
pub const OUTPUTS: TableDefinition<&[u8; 32], &[u8; 85]> = TableDefinition::new("outputs");
/// uxid → spending txid ‖ spending block seq (u64 BE).
pub const SPENT: TableDefinition<&[u8; 32], &[u8; 40]> = TableDefinition::new("spent");
/// address ‖ uxid → () for the unspent outputs of an address.
pub const ADDR_UNSPENT: TableDefinition<&[u8], ()> = TableDefinition::new("addr_unspent");
/// address ‖ n (BE) → seq (BE) ‖ position (BE) ‖ txid: the n-th transaction
/// (from 0) touching an address, in chain order. Numbered keys make any page
/// of a long history one short range read.
pub const ADDR_TXS: TableDefinition<&[u8], &[u8; 44]> = TableDefinition::new("addr_txs");
/// address ‖ seq (BE) ‖ uxid → (): every output an address received.
pub const ADDR_OUTS: TableDefinition<&[u8], ()> = TableDefinition::new("addr_outs");
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

/// The schema this code writes and reads (2: numbered address history).
pub const SCHEMA_VERSION: u32 = 2;

/// The 21-byte wire form of an address (`version ‖ key`), the address part of index keys.
pub fn addr_key(a: &Address) -> [u8; 21] {
    let mut out = [0u8; 21];
    out.copy_from_slice(&encode(a));
    out
}

/// `address ‖ n`: the key of an address's n-th transaction.
pub fn addr_tx_key(a: &[u8; 21], n: u64) -> [u8; 29] {
    let mut k = [0u8; 29];
    k[..21].copy_from_slice(a);
    k[21..].copy_from_slice(&n.to_be_bytes());
    k
}

/// `seq ‖ pos ‖ txid`: the value of an address history entry.
pub fn addr_tx_value(seq: u64, pos: u32, txid: &[u8; 32]) -> [u8; 44] {
    let mut v = [0u8; 44];
    v[..8].copy_from_slice(&seq.to_be_bytes());
    v[8..12].copy_from_slice(&pos.to_be_bytes());
    v[12..].copy_from_slice(txid);
    v
}

/// Inverse of [`addr_tx_value`].
pub fn parse_addr_tx_value(v: &[u8; 44]) -> (u64, u32, [u8; 32]) {
    let mut seq = [0u8; 8];
    seq.copy_from_slice(&v[..8]);
    let mut pos = [0u8; 4];
    pos.copy_from_slice(&v[8..12]);
    let mut txid = [0u8; 32];
    txid.copy_from_slice(&v[12..]);
    (u64::from_be_bytes(seq), u32::from_be_bytes(pos), txid)
}

/// `address ‖ seq ‖ uxid`.
pub fn addr_out_key(a: &[u8; 21], seq: u64, uxid: &[u8; 32]) -> [u8; 61] {
    let mut k = [0u8; 61];
    k[..21].copy_from_slice(a);
    k[21..29].copy_from_slice(&seq.to_be_bytes());
    k[29..].copy_from_slice(uxid);
    k
}

/// `address ‖ uxid`.
pub fn addr_unspent_key(a: &[u8; 21], uxid: &[u8; 32]) -> [u8; 53] {
    let mut k = [0u8; 53];
    k[..21].copy_from_slice(a);
    k[21..].copy_from_slice(uxid);
    k
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

/// The key range `[prefix, prefix+1)` of all keys starting with an address.
pub fn prefix_range(a: &[u8; 21]) -> (Vec<u8>, Vec<u8>) {
    let start = a.to_vec();
    let mut end = a.to_vec();
    // Increment the prefix as a big-endian number; an all-0xff prefix has no
    // successor, so the range is closed with a longer key instead.
    for i in (0..end.len()).rev() {
        if end[i] == 0xff {
            end[i] = 0;
        } else {
            end[i] += 1;
            return (start, end);
        }
    }
    let mut end = a.to_vec();
    end.extend_from_slice(&[0xff; 64]);
    (start, end)
}
