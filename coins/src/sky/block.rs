//! Skycoin blocks (`src/coin/block.go`): the 124-byte header and its hash,
//! the body and its Merkle root, and the publisher's signature.

use secp256k1::{PublicKey, SecretKey};

use super::encoding::{decode_exact, encode, DecodeError, Encode};
use super::hash::{merkle_root, sha256, Sha256};
use super::signature::{sign_hash, verify_pubkey, Sig, SignatureError};
use super::transaction::Transaction;
use crate::codec_struct;

/// The most transactions a block may hold.
pub const MAX_BLOCK_TRANSACTIONS: usize = 65535;

/// A block header; `sha256` of its 124-byte encoding is the block hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BlockHeader {
    /// 0 on mainnet.
    pub version: u32,
    /// Unix seconds.
    pub time: u64,
    /// Height; genesis is 0.
    pub bk_seq: u64,
    /// Coin hours burned by the block's transactions.
    pub fee: u64,
    /// Hash of the previous header (zero for genesis).
    pub prev_hash: Sha256,
    /// Merkle root of the txids.
    pub body_hash: Sha256,
    /// XOR of the snapshot hashes of the unspent set before this block.
    pub ux_hash: Sha256,
}
codec_struct!(BlockHeader {
    version,
    time,
    bk_seq,
    fee,
    prev_hash,
    body_hash,
    ux_hash
});

impl BlockHeader {
    /// The block hash.
    pub fn hash(&self) -> Sha256 {
        sha256(&encode(self))
    }
}

/// The transactions of a block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BlockBody {
    /// In block order.
    pub transactions: Vec<Transaction>,
}
codec_struct!(BlockBody {
    transactions <= 65535
});

impl BlockBody {
    /// Merkle root of the txids.
    pub fn hash(&self) -> Sha256 {
        let ids: Vec<Sha256> = self.transactions.iter().map(Transaction::hash).collect();
        merkle_root(&ids)
    }
}

/// A block: header and body (the stored form).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Block {
    /// The header.
    pub head: BlockHeader,
    /// The transactions.
    pub body: BlockBody,
}
codec_struct!(Block { head, body });

impl Block {
    /// The block hash (the header's).
    pub fn hash(&self) -> Sha256 {
        self.head.hash()
    }

    /// Height of the block.
    pub fn seq(&self) -> u64 {
        self.head.bk_seq
    }

    /// Decodes a stored block, rejecting trailing bytes.
    pub fn decode(bytes: &[u8]) -> Result<Block, DecodeError> {
        decode_exact(bytes)
    }

    /// Serialized size.
    pub fn size(&self) -> usize {
        self.encoded_size()
    }
}

/// A block with the publisher's signature over its hash (wire and `GIVB` form).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SignedBlock {
    /// The block.
    pub block: Block,
    /// Signature of the block hash by the block publisher.
    pub sig: Sig,
}
codec_struct!(SignedBlock { block, sig });

impl SignedBlock {
    /// Signs `block` with the publisher key.
    pub fn sign(block: Block, publisher: &SecretKey) -> Result<SignedBlock, SignatureError> {
        let sig = sign_hash(&block.hash(), publisher)?;
        Ok(SignedBlock { block, sig })
    }

    /// Checks the signature against the publisher key (`VerifySignature`).
    pub fn verify_signature(&self, publisher: &PublicKey) -> Result<(), SignatureError> {
        verify_pubkey(publisher, &self.sig, &self.block.hash())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sky::params::MAINNET;
    use crate::sky::test_vectors::{hex_field, read_json};

    // Reads: skycoin/params/mainnet.json
    #[test]
    fn mainnet_genesis_matches_the_reference() {
        let p = read_json("skycoin/params/mainnet.json");
        let g = &p["genesis"];
        let genesis = MAINNET.genesis_block();
        assert_eq!(encode(&genesis.head), hex_field(g, "block_header_hex"));
        assert_eq!(encode(&genesis), hex_field(g, "block_hex"));
        assert_eq!(genesis.hash().to_hex(), g["block_hash"].as_str().unwrap());
        let txn = &genesis.body.transactions[0];
        assert_eq!(txn.hash().to_hex(), g["txid"].as_str().unwrap());
        assert_eq!(genesis.head.body_hash, txn.hash());
        let ux = txn.created_outputs(&txn.hash(), 0, genesis.head.time);
        assert_eq!(ux[0].hash().to_hex(), g["uxid"].as_str().unwrap());
        let signed = SignedBlock {
            block: genesis,
            sig: g["signature"].as_str().unwrap().parse().unwrap(),
        };
        let publisher = MAINNET.publisher_key().unwrap();
        assert_eq!(
            hex::encode(publisher.serialize()),
            p["block_publisher_pubkey"].as_str().unwrap()
        );
        signed.verify_signature(&publisher).unwrap();
    }
}
