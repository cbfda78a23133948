//! Block validation against an unspent set, by the reference's hard rules
//! (`src/visor/blockchain.go`, `src/transaction/verify.go`): header checks,
//! every transaction's structure, signatures, coin and hour conservation,
//! the unspent-set hash, and the publisher's signature.
//!
//! Pure logic: the set is reached through [`UnspentView`], so the same code
//! checks a block against an in-memory [`UnspentSet`] or a database.

use std::collections::{HashMap, HashSet};

use secp256k1::PublicKey;

use super::address::Address;
use super::block::{Block, BlockHeader, SignedBlock};
use super::hash::Sha256;
use super::signature::SignatureError;
use super::transaction::{
    input_hours, verify_coins_spending, verify_hours_spending, Transaction, TxError,
};
use super::uxout::{xor_hash, UxOut};

/// A rule a block breaks, with the reference's message where it has one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    /// Seq is not head + 1 (or 0 for the first block).
    #[error("BkSeq invalid")]
    InvalidSeq,
    /// Time not after the head's.
    #[error("Block time must be > head time")]
    InvalidTime,
    /// Previous hash is not the head's hash.
    #[error("PrevHash does not match current head")]
    PrevHashMismatch,
    /// Body hash is not the Merkle root of the txids.
    #[error("Computed body hash does not match")]
    BodyHashMismatch,
    /// Header version differs from the chain's.
    #[error("Block version invalid")]
    InvalidVersion,
    /// Unspent-set hash differs from the set before the block.
    #[error("UxHash does not match")]
    UxHashMismatch,
    /// Header fee is not the hours the transactions burn.
    #[error("Block fee does not match the hours burned by its transactions")]
    FeeMismatch,
    /// A block with no transactions.
    #[error("No transactions")]
    NoTransactions,
    /// The genesis block differs from the configured one.
    #[error("Genesis block does not match the configured genesis")]
    WrongGenesis,
    /// Publisher signature invalid.
    #[error("Invalid block signature: {0}")]
    Signature(#[from] SignatureError),
    /// The same output spent twice inside the block.
    #[error("Cannot spend output twice in the same block")]
    DoubleSpendInBlock,
    /// The same transaction twice inside the block.
    #[error("Duplicate transaction")]
    DuplicateTransaction,
    /// An input that is not in the unspent set.
    #[error("Unspent output does not exist")]
    UnknownInput,
    /// An output id that already exists.
    #[error("New output collides with an existing unspent output")]
    OutputCollision,
    /// A transaction breaks a rule.
    #[error("transaction {index}: {rule}")]
    Transaction {
        /// Index of the transaction in the block.
        index: usize,
        /// The rule.
        rule: TxError,
    },
}

impl BlockError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            BlockError::InvalidSeq => "block_seq",
            BlockError::InvalidTime => "block_time",
            BlockError::PrevHashMismatch => "block_prev_hash",
            BlockError::BodyHashMismatch => "block_body_hash",
            BlockError::InvalidVersion => "block_version",
            BlockError::UxHashMismatch => "block_ux_hash",
            BlockError::FeeMismatch => "block_fee",
            BlockError::NoTransactions => "block_empty",
            BlockError::WrongGenesis => "block_genesis",
            BlockError::Signature(_) => "block_signature",
            BlockError::DoubleSpendInBlock => "block_double_spend",
            BlockError::DuplicateTransaction => "block_duplicate_tx",
            BlockError::UnknownInput => "block_unknown_input",
            BlockError::OutputCollision => "block_output_collision",
            BlockError::Transaction { rule, .. } => rule.code(),
        }
    }
}

/// Read access to the unspent set a block is checked against.
pub trait UnspentView {
    /// The unspent output with id `uxid`, if any.
    fn get_unspent(&self, uxid: &Sha256) -> Option<UxOut>;
}

/// What applying a block changes: outputs spent and created, fee burned.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BlockEffects {
    /// Per transaction: its txid, the outputs it spends and the outputs it creates.
    pub transactions: Vec<TxEffects>,
    /// Hours burned by the block (sum of transaction fees).
    pub fee: u64,
    /// The unspent-set hash after the block.
    pub ux_hash_after: Sha256,
}

/// What one transaction changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxEffects {
    /// The txid.
    pub txid: Sha256,
    /// Outputs spent, in input order.
    pub spent: Vec<UxOut>,
    /// Outputs created, in output order.
    pub created: Vec<UxOut>,
    /// Their ids (`UxOut::hash`), in the same order.
    pub created_ids: Vec<Sha256>,
    /// Hours burned (input hours at the previous block's time minus output hours).
    pub fee: u64,
}

/// Header checks against the current head (`verifyBlockHeader`); for the first
/// block `head` is `None` and the seq must be 0.
pub fn verify_header(head: Option<&BlockHeader>, block: &Block) -> Result<(), BlockError> {
    verify_header_links(head, block)?;
    if block.body.hash() != block.head.body_hash {
        return Err(BlockError::BodyHashMismatch);
    }
    Ok(())
}

/// The header checks against the head without the body hash: seq, time,
/// previous hash.
pub fn verify_header_links(head: Option<&BlockHeader>, block: &Block) -> Result<(), BlockError> {
    match head {
        None => {
            if block.head.bk_seq != 0 {
                return Err(BlockError::InvalidSeq);
            }
        }
        Some(head) => {
            if block.head.bk_seq != head.bk_seq.wrapping_add(1) {
                return Err(BlockError::InvalidSeq);
            }
            if block.head.time <= head.time {
                return Err(BlockError::InvalidTime);
            }
            if block.head.prev_hash != head.hash() {
                return Err(BlockError::PrevHashMismatch);
            }
        }
    }
    Ok(())
}

/// The checks of a block that need no chain state: body hash, every
/// transaction's structure, and the recovery of every input's signer (the
/// expensive part, so callers may run it in parallel for many blocks).
/// Returns the signer addresses per transaction, in input order, with the
/// txids computed on the way.
pub fn recover_block_signers(block: &Block) -> Result<Signers, BlockError> {
    let txids = checked_txids(block)?;
    let signers = block
        .body
        .transactions
        .iter()
        .zip(&txids)
        .enumerate()
        .map(|(index, (txn, txid))| recover_tx_signers(index, txn, txid))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Signers {
        block_hash: block.hash(),
        txids,
        signers,
    })
}

/// The txids of a block's transactions, checked against its body hash: the
/// first step of [`recover_block_signers`].
pub fn checked_txids(block: &Block) -> Result<Vec<Sha256>, BlockError> {
    let txids: Vec<Sha256> = block
        .body
        .transactions
        .iter()
        .map(Transaction::hash)
        .collect();
    if super::hash::merkle_root(&txids) != block.head.body_hash {
        return Err(BlockError::BodyHashMismatch);
    }
    Ok(txids)
}

/// The stateless checks of the transaction at `index` of a block (with its
/// txid) and the signer of each of its inputs: the second step of
/// [`recover_block_signers`], one transaction at a time, so a caller can
/// spread a block's transactions over several cores.
pub fn recover_tx_signers(
    index: usize,
    txn: &Transaction,
    txid: &Sha256,
) -> Result<Vec<Address>, BlockError> {
    let tx_err = |rule| BlockError::Transaction { index, rule };
    txn.verify_without_signatures_of(txid).map_err(tx_err)?;
    txn.recover_signers().map_err(tx_err)
}

/// What [`recover_block_signers`] found for one block: the signer of every
/// input and every txid, tied to the block by its hash.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Signers {
    /// Hash of the block these belong to.
    pub block_hash: Sha256,
    /// Txids in block order (their Merkle root is the checked body hash).
    pub txids: Vec<Sha256>,
    /// Per transaction, the recovered signer of each input.
    pub signers: Vec<Vec<Address>>,
}

/// Checks every transaction of a non-genesis block against `unspent` by the
/// hard rules and returns what the block changes. `head` is the block before it;
/// input hours are counted at its time. `ux_hash` is the set's hash before the block.
pub fn verify_transactions<U: UnspentView>(
    head: &BlockHeader,
    block: &Block,
    unspent: &U,
    ux_hash: &Sha256,
) -> Result<BlockEffects, BlockError> {
    let signers = recover_block_signers(block)?;
    verify_transactions_with_signers(head, block, unspent, ux_hash, &signers)
}

/// [`verify_transactions`] with the signers already recovered.
pub fn verify_transactions_with_signers<U: UnspentView>(
    head: &BlockHeader,
    block: &Block,
    unspent: &U,
    ux_hash: &Sha256,
    signers: &Signers,
) -> Result<BlockEffects, BlockError> {
    let txns = &block.body.transactions;
    if txns.is_empty() {
        return Err(BlockError::NoTransactions);
    }
    if signers.block_hash != block.hash()
        || signers.signers.len() != txns.len()
        || signers.txids.len() != txns.len()
    {
        return Err(BlockError::BodyHashMismatch);
    }
    let mut spent_in_block: HashSet<Sha256> = HashSet::new();
    let mut txids: HashSet<Sha256> = HashSet::with_capacity(txns.len());
    let mut created_in_block: HashMap<Sha256, UxOut> = HashMap::new();
    let mut effects = BlockEffects {
        transactions: Vec::with_capacity(txns.len()),
        fee: 0,
        ux_hash_after: *ux_hash,
    };
    for (index, txn) in txns.iter().enumerate() {
        let tx_err = |rule| BlockError::Transaction { index, rule };
        let txid = signers.txids[index];
        if !txids.insert(txid) {
            return Err(BlockError::DuplicateTransaction);
        }
        let mut spent = Vec::with_capacity(txn.inputs.len());
        for input in &txn.inputs {
            if !spent_in_block.insert(*input) {
                return Err(BlockError::DoubleSpendInBlock);
            }
            // Outputs created earlier in the same block are not spendable
            // until the block is applied, as in the reference.
            let ux = unspent.get_unspent(input).ok_or(BlockError::UnknownInput)?;
            spent.push(ux);
        }
        let owners_signed = signers.signers[index].len() == spent.len()
            && spent
                .iter()
                .zip(&signers.signers[index])
                .all(|(ux, signer)| ux.body.address == *signer);
        if !owners_signed {
            return Err(tx_err(TxError::WrongSigner));
        }
        verify_coins_spending(&spent, &txn.outputs).map_err(tx_err)?;
        verify_hours_spending(head.time, &spent, &txn.outputs).map_err(tx_err)?;
        let fee = tx_fee(head.time, txn, &spent).map_err(tx_err)?;
        effects.fee = effects.fee.wrapping_add(fee);
        let created = txn.created_outputs(&txid, block.head.bk_seq, block.head.time);
        let mut created_ids = Vec::with_capacity(created.len());
        for ux in &created {
            let id = ux.hash();
            if unspent.get_unspent(&id).is_some() || created_in_block.insert(id, *ux).is_some() {
                return Err(BlockError::OutputCollision);
            }
            created_ids.push(id);
        }
        effects.transactions.push(TxEffects {
            txid,
            spent,
            created,
            created_ids,
            fee,
        });
    }
    for tx in &effects.transactions {
        for ux in &tx.spent {
            effects.ux_hash_after = xor_hash(&effects.ux_hash_after, &ux.snapshot_hash());
        }
        for ux in &tx.created {
            effects.ux_hash_after = xor_hash(&effects.ux_hash_after, &ux.snapshot_hash());
        }
    }
    Ok(effects)
}

/// Hours burned by a transaction: input hours at `head_time` minus output
/// hours (saturating, since old blocks tolerate overflowed output hours).
pub fn tx_fee(head_time: u64, txn: &Transaction, spent: &[UxOut]) -> Result<u64, TxError> {
    let hours_in = input_hours(head_time, spent)?;
    let hours_out = txn
        .outputs
        .iter()
        .fold(0u64, |acc, o| acc.wrapping_add(o.hours));
    Ok(hours_in.saturating_sub(hours_out))
}

/// The effects of the genesis block: its outputs, no spends.
pub fn genesis_effects(block: &Block) -> BlockEffects {
    let mut effects = BlockEffects::default();
    for txn in &block.body.transactions {
        let txid = txn.hash();
        let created = txn.created_outputs(&txid, 0, block.head.time);
        for ux in &created {
            effects.ux_hash_after = xor_hash(&effects.ux_hash_after, &ux.snapshot_hash());
        }
        effects.transactions.push(TxEffects {
            txid,
            spent: Vec::new(),
            created_ids: created.iter().map(UxOut::hash).collect(),
            created,
            fee: 0,
        });
    }
    effects
}

/// The chain state a new block is checked against.
#[derive(Debug, Clone, Copy)]
pub struct BlockContext<'a> {
    /// The current head (`None` before genesis).
    pub head: Option<&'a BlockHeader>,
    /// The unspent-set hash now.
    pub ux_hash: &'a Sha256,
    /// The block publisher's key.
    pub publisher: &'a PublicKey,
    /// The expected genesis block hash.
    pub genesis: &'a Sha256,
}

/// Every check of a signed block against the chain state: header, genesis,
/// unspent-set hash, transactions (with `signers` from
/// [`recover_block_signers`]; ignored for genesis), header fee, publisher
/// signature. Returns what the block changes; changes nothing itself.
pub fn verify_block<U: UnspentView>(
    ctx: &BlockContext<'_>,
    signed: &SignedBlock,
    unspent: &U,
    signers: &Signers,
) -> Result<BlockEffects, BlockError> {
    let block = &signed.block;
    if ctx.head.is_some() && signers.block_hash == block.hash() {
        // The body hash was checked when the signers were recovered.
        verify_header_links(ctx.head, block)?;
    } else {
        verify_header(ctx.head, block)?;
    }
    let effects = match ctx.head {
        None => {
            if block.hash() != *ctx.genesis {
                return Err(BlockError::WrongGenesis);
            }
            genesis_effects(block)
        }
        Some(head) => {
            if block.head.ux_hash != *ctx.ux_hash {
                return Err(BlockError::UxHashMismatch);
            }
            let effects =
                verify_transactions_with_signers(head, block, unspent, ctx.ux_hash, signers)?;
            if effects.fee != block.head.fee {
                return Err(BlockError::FeeMismatch);
            }
            effects
        }
    };
    signed.verify_signature(ctx.publisher)?;
    Ok(effects)
}

/// An in-memory unspent set with its running hash: enough to replay a chain.
#[derive(Debug, Clone, Default)]
pub struct UnspentSet {
    outputs: HashMap<Sha256, UxOut>,
    ux_hash: Sha256,
    head: Option<BlockHeader>,
}

impl UnspentView for UnspentSet {
    fn get_unspent(&self, uxid: &Sha256) -> Option<UxOut> {
        self.outputs.get(uxid).copied()
    }
}

impl UnspentSet {
    /// An empty set before the genesis block.
    pub fn new() -> UnspentSet {
        UnspentSet::default()
    }

    /// The current head header.
    pub fn head(&self) -> Option<&BlockHeader> {
        self.head.as_ref()
    }

    /// The XOR of the snapshot hashes of all unspent outputs.
    pub fn ux_hash(&self) -> Sha256 {
        self.ux_hash
    }

    /// Number of unspent outputs.
    pub fn len(&self) -> usize {
        self.outputs.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.outputs.is_empty()
    }

    /// All unspent outputs by id.
    pub fn outputs(&self) -> &HashMap<Sha256, UxOut> {
        &self.outputs
    }

    /// Checks a signed block fully (header, signature, transactions, unspent
    /// hash, fee) and applies it. `genesis` is the expected genesis hash.
    pub fn apply(
        &mut self,
        signed: &SignedBlock,
        publisher: &PublicKey,
        genesis: &Sha256,
    ) -> Result<BlockEffects, BlockError> {
        let signers = if self.head.is_some() {
            recover_block_signers(&signed.block)?
        } else {
            Signers::default()
        };
        self.apply_with_signers(signed, publisher, genesis, &signers)
    }

    /// [`apply`](Self::apply) with the signers already recovered by
    /// [`recover_block_signers`] (for example in parallel).
    pub fn apply_with_signers(
        &mut self,
        signed: &SignedBlock,
        publisher: &PublicKey,
        genesis: &Sha256,
        signers: &Signers,
    ) -> Result<BlockEffects, BlockError> {
        let ctx = BlockContext {
            head: self.head.as_ref(),
            ux_hash: &self.ux_hash,
            publisher,
            genesis,
        };
        let effects = verify_block(&ctx, signed, self, signers)?;
        self.commit(&signed.block, &effects);
        Ok(effects)
    }

    fn commit(&mut self, block: &Block, effects: &BlockEffects) {
        for tx in &effects.transactions {
            for ux in &tx.spent {
                self.outputs.remove(&ux.hash());
            }
            for ux in &tx.created {
                self.outputs.insert(ux.hash(), *ux);
            }
        }
        self.ux_hash = effects.ux_hash_after;
        self.head = Some(block.head);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sky::encoding::encode;
    use crate::sky::params::MAINNET;
    use crate::sky::test_vectors::{hex_field, read_vector};

    fn chain_lines(rel: &str) -> Vec<serde_json::Value> {
        String::from_utf8(read_vector(rel))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn signed_blocks() -> Vec<(serde_json::Value, SignedBlock)> {
        chain_lines("skycoin/chain/blockchain-180.blocks.jsonl")
            .into_iter()
            .map(|v| {
                let block = Block::decode(&hex_field(&v, "block_hex")).unwrap();
                let sig = v["sig"].as_str().unwrap().parse().unwrap();
                (v, SignedBlock { block, sig })
            })
            .collect()
    }

    // Reads: skycoin/chain/blockchain-180.blocks.jsonl, skycoin/chain/blockchain-180.unspent.jsonl
    #[test]
    fn replays_the_real_181_block_chain() {
        let publisher = MAINNET.publisher_key().unwrap();
        let genesis = MAINNET.genesis_block().hash();
        let mut set = UnspentSet::new();
        let mut inputs_checked = 0;
        let blocks = signed_blocks();
        assert_eq!(blocks.len(), 181);
        for (v, signed) in &blocks {
            let b = &signed.block;
            assert_eq!(encode(b), hex_field(v, "block_hex"));
            assert_eq!(encode(&b.head), hex_field(v, "header_hex"));
            assert_eq!(b.hash().to_hex(), v["hash"].as_str().unwrap());
            assert_eq!(b.head.body_hash.to_hex(), v["body_hash"].as_str().unwrap());
            assert_eq!(b.head.ux_hash.to_hex(), v["ux_hash"].as_str().unwrap());
            let txns = v["txns"].as_array().unwrap();
            assert_eq!(txns.len(), b.body.transactions.len());
            for (t, want) in b.body.transactions.iter().zip(txns) {
                assert_eq!(t.hash().to_hex(), want["txid"].as_str().unwrap());
                assert_eq!(t.encode(), hex_field(want, "raw"));
                inputs_checked += t.inputs.len();
            }
            let effects = set.apply(signed, &publisher, &genesis).unwrap();
            assert_eq!(effects.fee, v["fee"].as_u64().unwrap());
        }
        assert!(inputs_checked > 100, "{inputs_checked} inputs");
        let want = chain_lines("skycoin/chain/blockchain-180.unspent.jsonl");
        assert_eq!(set.len(), want.len());
        for w in &want {
            let id: Sha256 = w["uxid"].as_str().unwrap().parse().unwrap();
            let ux = set.get_unspent(&id).expect("unspent output present");
            assert_eq!(encode(&ux), hex_field(w, "raw"));
        }
    }

    /// Replays blocks 0..=n and returns the set and the chain.
    fn replay_to(n: usize) -> (UnspentSet, Vec<SignedBlock>) {
        let publisher = MAINNET.publisher_key().unwrap();
        let genesis = MAINNET.genesis_block().hash();
        let blocks: Vec<SignedBlock> = signed_blocks().into_iter().map(|(_, b)| b).collect();
        let mut set = UnspentSet::new();
        for b in &blocks[..=n] {
            set.apply(b, &publisher, &genesis).unwrap();
        }
        (set, blocks)
    }

    fn apply_err(set: &UnspentSet, b: &SignedBlock) -> BlockError {
        let publisher = MAINNET.publisher_key().unwrap();
        let genesis = MAINNET.genesis_block().hash();
        set.clone().apply(b, &publisher, &genesis).unwrap_err()
    }

    #[test]
    fn crafted_invalid_blocks_get_their_error() {
        let (set, blocks) = replay_to(9);
        let next = blocks[10].clone();
        let mut b = next.clone();
        b.block.head.bk_seq += 1;
        assert_eq!(apply_err(&set, &b), BlockError::InvalidSeq);
        let mut b = next.clone();
        b.block.head.time = set.head().unwrap().time;
        assert_eq!(apply_err(&set, &b), BlockError::InvalidTime);
        let mut b = next.clone();
        b.block.head.prev_hash = Sha256::ZERO;
        assert_eq!(apply_err(&set, &b), BlockError::PrevHashMismatch);
        let mut b = next.clone();
        b.block.head.body_hash = Sha256::ZERO;
        assert_eq!(apply_err(&set, &b), BlockError::BodyHashMismatch);
        let mut b = next.clone();
        b.block.head.ux_hash = Sha256::ZERO;
        assert_eq!(apply_err(&set, &b), BlockError::UxHashMismatch);
        let mut b = next.clone();
        b.block.head.fee += 1;
        assert_eq!(apply_err(&set, &b), BlockError::FeeMismatch);
        let mut b = next.clone();
        b.sig.0[5] ^= 1;
        assert!(matches!(apply_err(&set, &b), BlockError::Signature(_)));
        // A block replayed on top of itself spends outputs that are gone.
        let (set11, _) = replay_to(10);
        let mut b = next.clone();
        b.block.head.bk_seq = 11;
        b.block.head.time = set11.head().unwrap().time + 1;
        b.block.head.prev_hash = set11.head().unwrap().hash();
        b.block.head.ux_hash = set11.ux_hash();
        assert_eq!(apply_err(&set11, &b), BlockError::UnknownInput);
    }

    /// A private chain whose keys the test holds: genesis pays `owner`.
    struct Private {
        set: UnspentSet,
        publisher: secp256k1::SecretKey,
        owner: secp256k1::SecretKey,
        genesis: Sha256,
    }

    fn private_chain() -> Private {
        use crate::sky::keys::KeyChain;
        use crate::sky::params::genesis_block;
        let mut keys = KeyChain::new(b"rule table").unwrap();
        let publisher = keys.next().unwrap().secret;
        let owner = keys.next().unwrap().secret;
        let block = genesis_block(
            Address::from_secret(&owner),
            1_000_000_000,
            1_000_000,
            1_000_000,
        );
        let genesis = block.hash();
        let signed = SignedBlock::sign(block, &publisher).unwrap();
        let mut set = UnspentSet::new();
        let pk = publisher.public_key(secp256k1::SECP256K1);
        set.apply(&signed, &pk, &genesis).unwrap();
        Private {
            set,
            publisher,
            owner,
            genesis,
        }
    }

    impl Private {
        fn genesis_output(&self) -> UxOut {
            *self.set.outputs().values().next().unwrap()
        }

        /// A block at `head + 1` an hour later holding `txns`, with a correct
        /// header (fee computed the lenient way so the transaction rule, not
        /// the fee, is what fails).
        fn block(&self, txns: Vec<Transaction>) -> SignedBlock {
            use crate::sky::block::{BlockBody, BlockHeader};
            let head = *self.set.head().unwrap();
            let body = BlockBody { transactions: txns };
            let fee = body
                .transactions
                .iter()
                .map(|t| {
                    let spent: Vec<UxOut> = t
                        .inputs
                        .iter()
                        .filter_map(|i| self.set.get_unspent(i))
                        .collect();
                    tx_fee(head.time, t, &spent).unwrap_or(0)
                })
                .sum();
            let block = Block {
                head: BlockHeader {
                    version: 0,
                    time: head.time + 3600,
                    bk_seq: head.bk_seq + 1,
                    fee,
                    prev_hash: head.hash(),
                    body_hash: body.hash(),
                    ux_hash: self.set.ux_hash(),
                },
                body,
            };
            SignedBlock::sign(block, &self.publisher).unwrap()
        }

        fn apply(&self, txns: Vec<Transaction>) -> Result<BlockEffects, BlockError> {
            let pk = self.publisher.public_key(secp256k1::SECP256K1);
            self.set
                .clone()
                .apply(&self.block(txns), &pk, &self.genesis)
        }

        /// A signed payment of the genesis output: `coins` to a new address,
        /// the rest back, with `hours` each.
        fn pay(&self, coins: u64, hours: u64) -> Transaction {
            let ux = self.genesis_output();
            let to = Address::from_secret(&self.publisher);
            let mut t = Transaction::new_unsigned(
                vec![ux.hash()],
                vec![
                    TransactionOutput {
                        address: to,
                        coins,
                        hours,
                    },
                    TransactionOutput {
                        address: ux.body.address,
                        coins: ux.body.coins - coins,
                        hours,
                    },
                ],
            );
            t.sign_inputs(&[self.owner]).unwrap();
            t
        }
    }

    use crate::sky::transaction::TransactionOutput;

    fn rule(result: Result<BlockEffects, BlockError>) -> &'static str {
        match result {
            Ok(_) => "ok",
            Err(e) => e.code(),
        }
    }

    /// Every class of invalid transaction, crafted on a chain whose keys the
    /// test holds, is refused inside a block with its stable code.
    #[test]
    fn every_invalid_transaction_class_has_its_code() {
        let c = private_chain();
        let good = c.pay(1_000, 10);
        assert_eq!(rule(c.apply(vec![good.clone()])), "ok");

        let resign = |mut t: Transaction| {
            t.update_header();
            t.sign_inputs(&[c.owner]).unwrap();
            t
        };
        let mut cases: Vec<(&str, Transaction)> = Vec::new();
        let mut t = good.clone();
        t.inputs.clear();
        t.sigs.clear();
        t.update_header();
        cases.push(("tx_no_inputs", t));
        let mut t = good.clone();
        t.outputs.clear();
        cases.push(("tx_no_outputs", resign(t)));
        let mut t = good.clone();
        t.sigs.push(t.sigs[0]);
        t.length += 65;
        cases.push(("tx_sig_count", t));
        let mut t = good.clone();
        t.inputs.push(t.inputs[0]);
        t.sigs.push(t.sigs[0]);
        t.update_header();
        cases.push(("tx_duplicate_spend", t));
        let mut t = good.clone();
        t.tx_type = 1;
        cases.push(("tx_type", t));
        let mut t = good.clone();
        t.length += 1;
        cases.push(("tx_length", t));
        let mut t = good.clone();
        t.outputs[1] = t.outputs[0];
        cases.push(("tx_duplicate_output", resign(t)));
        let mut t = good.clone();
        t.sigs[0].0[64] = 7;
        cases.push(("tx_signature", t));
        let mut t = good.clone();
        t.outputs[0].coins = 0;
        cases.push(("tx_zero_coin_output", resign(t)));
        let mut t = good.clone();
        t.outputs[0].coins = u64::MAX;
        cases.push(("tx_output_coins_overflow", resign(t)));
        let mut t = good.clone();
        t.outputs[0].hours += 1;
        cases.push(("tx_inner_hash", t));
        let mut t = good.clone();
        t.sign_inputs(&[c.publisher]).unwrap();
        cases.push(("tx_wrong_signer", t));
        let mut t = good.clone();
        t.outputs[0].coins += 1;
        cases.push(("tx_insufficient_coins", resign(t)));
        let mut t = good.clone();
        t.outputs[0].coins -= 1;
        cases.push(("tx_destroys_coins", resign(t)));
        let mut t = good.clone();
        t.outputs[0].hours = u64::MAX / 2;
        cases.push(("tx_insufficient_hours", resign(t)));
        let mut t = good.clone();
        t.inputs[0] = crate::sky::hash::sha256(b"no such output");
        cases.push(("block_unknown_input", resign(t)));
        cases.push(("block_duplicate_tx", good.clone()));

        for (want, t) in cases {
            let txns = if want == "block_duplicate_tx" {
                vec![t.clone(), t]
            } else {
                vec![t]
            };
            assert_eq!(rule(c.apply(txns)), want, "case {want}");
        }
        // Two transactions spending the same output in one block.
        let other = c.pay(2_000, 10);
        assert_eq!(rule(c.apply(vec![good, other])), "block_double_spend");
    }
}
