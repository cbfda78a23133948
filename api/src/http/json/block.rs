//! Blocks: `readable.BlockHeader`, `readable.Block`, `readable.BlockVerbose`.

use serde::Serialize;
use skyx_coins::sky::block::{Block, BlockHeader};
use utoipa::ToSchema;

use super::transaction::{Transaction, TransactionVerbose};

/// A block header.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Header {
    /// Height (genesis is 0).
    pub seq: u64,
    /// Block hash (hex).
    pub block_hash: String,
    /// Previous block's hash.
    pub previous_block_hash: String,
    /// Unix seconds.
    pub timestamp: u64,
    /// Coin hours burned by the block's transactions.
    pub fee: u64,
    /// Block version.
    pub version: u32,
    /// Merkle root of the txids.
    pub tx_body_hash: String,
    /// Unspent-set hash before the block.
    pub ux_hash: String,
}

impl Header {
    /// The shape of a header.
    pub fn new(h: &BlockHeader) -> Header {
        Header {
            seq: h.bk_seq,
            block_hash: h.hash().to_hex(),
            previous_block_hash: h.prev_hash.to_hex(),
            timestamp: h.time,
            fee: h.fee,
            version: h.version,
            tx_body_hash: h.body_hash.to_hex(),
            ux_hash: h.ux_hash.to_hex(),
        }
    }
}

/// Transactions of a block.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Body<T> {
    /// In block order.
    pub txns: Vec<T>,
}

/// A block.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BlockJson {
    /// Its header.
    pub header: Header,
    /// Its transactions.
    pub body: Body<Transaction>,
    /// Serialized size of the transactions in bytes.
    pub size: u64,
}

/// A block with verbose transactions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BlockVerboseJson {
    /// Its header.
    pub header: Header,
    /// Its transactions with their inputs.
    pub body: Body<TransactionVerbose>,
    /// Serialized size of the transactions in bytes.
    pub size: u64,
}

/// Several blocks.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Blocks<T> {
    /// The blocks.
    pub blocks: Vec<T>,
}

/// Total serialized size of a block's transactions.
pub fn body_size(b: &Block) -> u64 {
    b.body.transactions.iter().map(|t| t.size() as u64).sum()
}

impl BlockJson {
    /// The shape of a block.
    pub fn new(b: &Block) -> BlockJson {
        BlockJson {
            header: Header::new(&b.head),
            body: Body {
                txns: b
                    .body
                    .transactions
                    .iter()
                    .map(|t| Transaction::new(t, None))
                    .collect(),
            },
            size: body_size(b),
        }
    }
}
