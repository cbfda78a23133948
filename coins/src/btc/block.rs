//! Raw blocks and transactions of the Bitcoin family, where they differ from
//! Bitcoin's: Dogecoin's merge-mined (AuxPoW) headers, and Litecoin's MWEB
//! extension (the HogEx transaction's flag 0x08 and the MWEB block data that
//! trails the transactions, kept as opaque bytes).

use bitcoin::block::{Header, Version as BlockVersion};
use bitcoin::consensus::encode::VarInt;
use bitcoin::consensus::Decodable;
use bitcoin::io::Cursor;
use bitcoin::transaction::Version;
use bitcoin::{absolute, Block, BlockHash, Transaction, TxIn, TxMerkleNode, TxOut, Witness};
use thiserror::Error;

use super::params::Coin;

/// Dogecoin's header version bit saying an AuxPoW follows the header.
pub const VERSION_AUXPOW: i32 = 1 << 8;

/// Transaction flag: witness data follows the outputs.
const FLAG_WITNESS: u8 = 0x01;
/// Litecoin transaction flag: an (optional) MWEB transaction follows.
const FLAG_MWEB: u8 = 0x08;

/// Why bytes are not a block or transaction of the coin.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BlockError {
    /// The bytes end early or a field does not decode.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// What was being read.
        what: &'static str,
        /// The decoder's message.
        reason: String,
    },
    /// A transaction flag byte this coin does not define.
    #[error("unknown transaction flags {0:#04x}")]
    UnknownFlags(u8),
    /// A Litecoin transaction carrying MWEB transaction data (only null is supported).
    #[error("transactions with MWEB data are not supported")]
    MwebTransaction,
    /// Bytes left over after the block's transactions.
    #[error("{0} bytes after the last transaction")]
    TrailingBytes(usize),
}

/// A merkle branch of an AuxPoW: sibling hashes and the leaf index bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerkleBranch {
    /// Sibling hashes from the leaf up (raw byte order).
    pub hashes: Vec<[u8; 32]>,
    /// The leaf's index (bit i set: the leaf side is right at level i).
    pub index: i32,
}

/// The proof of work of a merge-mined block: a parent-chain coinbase committing to
/// this block, and the parent header that was actually mined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuxPow {
    /// The parent chain's coinbase transaction.
    pub coinbase_tx: Transaction,
    /// The parent block hash stored with the coinbase (unused by consensus).
    pub parent_hash: BlockHash,
    /// Branch linking the coinbase to the parent header's merkle root.
    pub coinbase_branch: MerkleBranch,
    /// Branch linking this chain to the merged-mining root in the coinbase.
    pub chain_branch: MerkleBranch,
    /// The parent block header.
    pub parent_header: Header,
}

/// A parsed block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedBlock {
    /// The 80-byte header (its SHA256d is the block hash on every chain here).
    pub header: Header,
    /// The AuxPoW, for merge-mined Dogecoin blocks.
    pub auxpow: Option<AuxPow>,
    /// The transactions.
    pub txdata: Vec<Transaction>,
    /// Litecoin: the last transaction is the MWEB HogEx (integration) transaction.
    pub has_hogex: bool,
    /// Litecoin: the raw MWEB block bytes after the transactions (not parsed).
    pub mweb: Option<Vec<u8>>,
}

impl ParsedBlock {
    /// The block hash: SHA256d of the 80-byte header.
    pub fn block_hash(&self) -> BlockHash {
        self.header.block_hash()
    }

    /// The merkle root computed from the transactions' txids.
    pub fn compute_merkle_root(&self) -> Option<TxMerkleNode> {
        let txids = self.txdata.iter().map(|tx| tx.compute_txid().to_raw_hash());
        bitcoin::merkle_tree::calculate_root(txids).map(TxMerkleNode::from_raw_hash)
    }

    /// Whether the header's merkle root matches the transactions.
    pub fn check_merkle_root(&self) -> bool {
        self.compute_merkle_root() == Some(self.header.merkle_root)
    }

    /// The block as rust-bitcoin's type (header and transactions only).
    pub fn to_block(&self) -> Block {
        Block {
            header: self.header,
            txdata: self.txdata.clone(),
        }
    }
}

fn malformed(what: &'static str) -> impl Fn(bitcoin::consensus::encode::Error) -> BlockError {
    move |e| BlockError::Malformed {
        what,
        reason: e.to_string(),
    }
}

fn read<T: Decodable>(r: &mut Cursor<&[u8]>, what: &'static str) -> Result<T, BlockError> {
    T::consensus_decode(r).map_err(malformed(what))
}

fn remaining(r: &Cursor<&[u8]>) -> usize {
    let len = r.inner().len() as u64;
    usize::try_from(len.saturating_sub(r.position())).unwrap_or(usize::MAX)
}

/// Reads a count, refusing counts that could not fit in the bytes left (`min_item` each).
fn read_count(
    r: &mut Cursor<&[u8]>,
    min_item: usize,
    what: &'static str,
) -> Result<usize, BlockError> {
    let VarInt(n) = read::<VarInt>(r, what)?;
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    if n.saturating_mul(min_item) > remaining(r) {
        return Err(BlockError::Malformed {
            what,
            reason: format!("count {n} exceeds the remaining bytes"),
        });
    }
    Ok(n)
}

fn read_vec<T: Decodable>(
    r: &mut Cursor<&[u8]>,
    min_item: usize,
    what: &'static str,
) -> Result<Vec<T>, BlockError> {
    let n = read_count(r, min_item, what)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(read::<T>(r, what)?);
    }
    Ok(out)
}

/// Reads one transaction; returns it and whether it carried Litecoin's MWEB flag.
fn read_transaction(coin: Coin, r: &mut Cursor<&[u8]>) -> Result<(Transaction, bool), BlockError> {
    let version = Version(read::<i32>(r, "transaction version")?);
    let mut input: Vec<TxIn> = read_vec(r, 41, "transaction inputs")?;
    let mut flags = 0u8;
    if input.is_empty() {
        flags = read::<u8>(r, "transaction flags")?;
        if flags == 0 {
            return Err(BlockError::UnknownFlags(0));
        }
        input = read_vec(r, 41, "transaction inputs")?;
    }
    let output: Vec<TxOut> = read_vec(r, 9, "transaction outputs")?;
    let allowed = if coin == Coin::Ltc {
        FLAG_WITNESS | FLAG_MWEB
    } else {
        FLAG_WITNESS
    };
    if flags & !allowed != 0 {
        return Err(BlockError::UnknownFlags(flags));
    }
    if flags & FLAG_WITNESS != 0 {
        for txin in input.iter_mut() {
            txin.witness = read::<Witness>(r, "witness")?;
        }
    }
    let mweb = flags & FLAG_MWEB != 0;
    if mweb && read::<u8>(r, "MWEB transaction marker")? != 0 {
        return Err(BlockError::MwebTransaction);
    }
    let lock_time = read::<absolute::LockTime>(r, "lock time")?;
    Ok((
        Transaction {
            version,
            lock_time,
            input,
            output,
        },
        mweb,
    ))
}

/// Decodes one transaction of `coin` that fills `bytes` exactly (Litecoin's MWEB flag
/// allowed when the MWEB part is empty, as in the HogEx transaction).
pub fn decode_transaction(coin: Coin, bytes: &[u8]) -> Result<Transaction, BlockError> {
    let mut r = Cursor::new(bytes);
    let (tx, _) = read_transaction(coin, &mut r)?;
    match remaining(&r) {
        0 => Ok(tx),
        n => Err(BlockError::TrailingBytes(n)),
    }
}

fn read_branch(r: &mut Cursor<&[u8]>, what: &'static str) -> Result<MerkleBranch, BlockError> {
    let hashes: Vec<[u8; 32]> = read_vec(r, 32, what)?;
    let index = read::<i32>(r, what)?;
    Ok(MerkleBranch { hashes, index })
}

fn read_auxpow(r: &mut Cursor<&[u8]>) -> Result<AuxPow, BlockError> {
    let (coinbase_tx, _) = read_transaction(Coin::Btc, r)?;
    let parent_hash = read::<BlockHash>(r, "AuxPoW parent hash")?;
    let coinbase_branch = read_branch(r, "AuxPoW coinbase branch")?;
    let chain_branch = read_branch(r, "AuxPoW chain branch")?;
    let parent_header = read::<Header>(r, "AuxPoW parent header")?;
    Ok(AuxPow {
        coinbase_tx,
        parent_hash,
        coinbase_branch,
        chain_branch,
        parent_header,
    })
}

/// Parses a raw block of `coin`: header, AuxPoW (Dogecoin, when the version bit says so),
/// transactions, and for Litecoin the trailing MWEB block bytes after a HogEx transaction.
pub fn parse_block(coin: Coin, bytes: &[u8]) -> Result<ParsedBlock, BlockError> {
    let mut r = Cursor::new(bytes);
    let header = read::<Header>(&mut r, "block header")?;
    let auxpow = if coin == Coin::Doge && header.version.to_consensus() & VERSION_AUXPOW != 0 {
        Some(read_auxpow(&mut r)?)
    } else {
        None
    };
    let n = read_count(&mut r, 60, "transaction count")?;
    let mut txdata = Vec::with_capacity(n);
    let mut last_is_hogex = false;
    for _ in 0..n {
        let (tx, mweb) = read_transaction(coin, &mut r)?;
        txdata.push(tx);
        last_is_hogex = mweb;
    }
    let rest = remaining(&r);
    let mweb = if rest == 0 {
        None
    } else if coin == Coin::Ltc && last_is_hogex {
        let start = bytes.len() - rest;
        Some(bytes[start..].to_vec())
    } else {
        return Err(BlockError::TrailingBytes(rest));
    };
    Ok(ParsedBlock {
        header,
        auxpow,
        txdata,
        has_hogex: last_is_hogex,
        mweb,
    })
}

/// Whether a header version carries Dogecoin's AuxPoW bit.
pub fn is_auxpow_version(version: BlockVersion) -> bool {
    version.to_consensus() & VERSION_AUXPOW != 0
}
