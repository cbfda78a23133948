//! The generator loop: genesis, then block after block of signed
//! transactions, each handed to a sink as soon as it is signed so that only
//! the working unspent set stays in memory.
//!
//! Blocks obey every rule [`UnspentSet::apply`] checks, and every
//! transaction the soft rules of user-created transactions. One soft rule is
//! deliberately not kept: a block holds `txs_per_block` transactions even
//! when their total size passes mainnet's 32 KiB per block
//! (`MaxBlockTransactionsSize`), since benchmarks want wide blocks; a node
//! importing such a chain must not apply that limit to it.
//!
//! [`UnspentSet::apply`]: skyx_coins::sky::chain::UnspentSet::apply

use std::fmt;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use skyx_coins::sky::block::{Block, BlockBody, BlockHeader, SignedBlock};
use skyx_coins::sky::hash::{merkle_root, Sha256};
use skyx_coins::sky::keys::KeyError;
use skyx_coins::sky::params::genesis_block;
use skyx_coins::sky::signature::SignatureError;
use skyx_coins::sky::transaction::Transaction;

use super::builder::{plan_block, BuildError, PlannedTx};
use super::keys::{genesis_address, publisher_key};
use super::options::{GenerateOptions, OptionsError};
use super::rng::DevRng;
use super::unspent::{Spendable, WorkingSet};
use super::wallet_pool::WalletPool;
use crate::chainfile::ChainSpec;

/// Genesis coins: 100,000,000 SKY in droplets, as on mainnet.
pub const GENESIS_COINS: u64 = 100_000_000_000_000;

/// Genesis coin hours, as on mainnet (the same number as the droplets).
pub const GENESIS_HOURS: u64 = 100_000_000_000_000;

/// Mainnet's soft limit on the transaction bytes of one block.
pub const MAINNET_MAX_BLOCK_TX_BYTES: usize = 32_768;

/// Why a chain could not be generated; `E` is the sink's error.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError<E> {
    /// The options cannot give a valid chain.
    #[error("devnet options: {0}")]
    Options(#[from] OptionsError),
    /// The wallet key chain could not start.
    #[error("devnet keys: {0}")]
    Keys(#[from] KeyError),
    /// A transaction could not be shaped.
    #[error("devnet transaction: {0}")]
    Build(#[from] BuildError),
    /// Signing a block failed.
    #[error("signing block {seq}: {source}")]
    BlockSignature {
        /// The block.
        seq: u64,
        /// The failure.
        source: SignatureError,
    },
    /// No output could be spent, so the block would be empty.
    #[error("block {seq}: no spendable outputs left")]
    Exhausted {
        /// The block.
        seq: u64,
    },
    /// The sink refused a block.
    #[error("writing block {seq}: {source}")]
    Sink {
        /// The block.
        seq: u64,
        /// The sink's error.
        source: E,
    },
}

/// What a generation produced.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateSummary {
    /// Blocks written, the genesis block included.
    pub blocks: u64,
    /// Transactions after the genesis block.
    pub transactions: u64,
    /// Inputs spent.
    pub inputs: u64,
    /// Outputs created after the genesis block.
    pub outputs: u64,
    /// Wallet addresses in use by the end.
    pub addresses: usize,
    /// Unspent outputs at the head.
    pub unspent_outputs: usize,
    /// Coin hours burned in fees.
    pub hours_burned: u64,
    /// Largest total transaction size of one block, in bytes.
    pub largest_block_tx_bytes: usize,
    /// Blocks whose transactions pass mainnet's 32 KiB soft limit.
    pub blocks_over_mainnet_limit: u64,
    /// Hash of the genesis block.
    pub genesis_hash: Sha256,
    /// Hash of the last block.
    pub head_hash: Sha256,
    /// Time of the last block.
    pub head_time: u64,
    /// Wall-clock time spent.
    pub elapsed: Duration,
}

impl GenerateSummary {
    /// Transactions generated per second of wall-clock time.
    pub fn txs_per_sec(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.transactions as f64 / secs
        } else {
            0.0
        }
    }
}

impl fmt::Display for GenerateSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} blocks, {} transactions ({} inputs, {} outputs), {} addresses, {} unspent outputs \
             in {:.1} s: {:.0} txs/s; head {} (largest block {} tx bytes, {} blocks over 32 KiB)",
            self.blocks,
            self.transactions,
            self.inputs,
            self.outputs,
            self.addresses,
            self.unspent_outputs,
            self.elapsed.as_secs_f64(),
            self.txs_per_sec(),
            self.head_hash,
            self.largest_block_tx_bytes,
            self.blocks_over_mainnet_limit,
        )
    }
}

/// Sizes that follow from the block width.
#[derive(Debug, Clone, Copy)]
struct Sizing {
    /// Unspent outputs the shaper steers towards.
    target_unspent: usize,
    /// Keys derived before the first block.
    pool_initial: usize,
    /// Keys derived per block until the cap.
    pool_growth: usize,
    /// Most keys in the pool.
    pool_cap: usize,
}

impl Sizing {
    fn for_width(txs_per_block: u32) -> Sizing {
        let t = txs_per_block as usize;
        let pool_cap = t.saturating_mul(20).clamp(1_000, 50_000);
        Sizing {
            target_unspent: t * 8 + 200,
            pool_initial: pool_cap.min(500),
            pool_growth: (pool_cap / 200).max(10),
            pool_cap,
        }
    }
}

/// The genesis block of the chain `opts` describe.
fn genesis(opts: &GenerateOptions) -> Block {
    genesis_block(
        genesis_address(&opts.seed),
        GENESIS_COINS,
        GENESIS_HOURS,
        opts.start_time,
    )
}

/// The chain file header of the chain `opts` describe: its genesis and its
/// publisher key, with mainnet's rules.
pub fn chain_spec(opts: &GenerateOptions) -> Result<ChainSpec, OptionsError> {
    opts.validate()?;
    let g = genesis(opts);
    let publisher = publisher_key(&opts.seed);
    // RFC 6979 signing is deterministic, so this is the signature the
    // generated chain file carries for block 0.
    let genesis_signature =
        skyx_coins::sky::signature::sign_hash(&g.hash(), &publisher.secret).ok();
    Ok(ChainSpec {
        genesis_hash: g.hash(),
        genesis_signature,
        publisher_pubkey: const_hex::encode(publisher.public.serialize()),
        genesis_address: genesis_address(&opts.seed).to_string(),
        genesis_coins: GENESIS_COINS,
        genesis_hours: GENESIS_HOURS,
        genesis_timestamp: opts.start_time,
    })
}

/// A signed transaction and the outputs it moves.
struct FinishedTx {
    tx: Transaction,
    txid: Sha256,
    spent: Vec<Spendable>,
    created: Vec<Spendable>,
    fee: u64,
}

/// Signs a planned transaction and computes the outputs it creates in block
/// `seq` at `time`.
fn finish(p: PlannedTx, pool: &WalletPool, seq: u64, time: u64) -> Result<FinishedTx, BuildError> {
    let PlannedTx {
        mut tx,
        spent,
        recipients,
        fee,
    } = p;
    for (i, s) in spent.iter().enumerate() {
        let secret = pool.secret(s.key).ok_or(BuildError::UnknownKey(s.key))?;
        tx.sign_input(i, secret)?;
    }
    let txid = tx.hash();
    let created = tx
        .created_outputs(&txid, seq, time)
        .iter()
        .zip(&recipients)
        .map(|(ux, key)| Spendable::from_uxout(ux, *key))
        .collect();
    Ok(FinishedTx {
        tx,
        txid,
        spent,
        created,
        fee,
    })
}

/// Generates the chain `opts` describe into memory, genesis first: for
/// chains small enough to hold (tests, tools).
pub fn generate_blocks(
    opts: &GenerateOptions,
) -> Result<Vec<SignedBlock>, GenerateError<std::convert::Infallible>> {
    let mut blocks = Vec::new();
    generate(opts, |b| {
        blocks.push(b.clone());
        Ok(())
    })?;
    Ok(blocks)
}

/// Generates the chain `opts` describe, handing each signed block to `sink`
/// in order (genesis first). Memory stays bounded by the working unspent set.
pub fn generate<E, F>(
    opts: &GenerateOptions,
    mut sink: F,
) -> Result<GenerateSummary, GenerateError<E>>
where
    F: FnMut(&SignedBlock) -> Result<(), E>,
{
    let started = Instant::now();
    opts.validate()?;
    let sizing = Sizing::for_width(opts.txs_per_block);
    let publisher = publisher_key(&opts.seed);
    let mut pool = WalletPool::new(&opts.seed, sizing.pool_initial, sizing.pool_cap)?;
    let mut rng = DevRng::from_seed(&opts.seed);
    let mut set = WorkingSet::new();

    let genesis = genesis(opts);
    let genesis_hash = genesis.hash();
    for txn in &genesis.body.transactions {
        for ux in txn.created_outputs(&txn.hash(), 0, genesis.head.time) {
            set.create(Spendable::from_uxout(&ux, 0));
        }
    }
    set.close_block();
    let mut head = genesis.head;
    let signed = SignedBlock::sign(genesis, &publisher.secret)
        .map_err(|source| GenerateError::BlockSignature { seq: 0, source })?;
    sink(&signed).map_err(|source| GenerateError::Sink { seq: 0, source })?;
    drop(signed);

    let mut summary = GenerateSummary {
        blocks: 1,
        transactions: 0,
        inputs: 0,
        outputs: 0,
        addresses: pool.len(),
        unspent_outputs: set.len(),
        hours_burned: 0,
        largest_block_tx_bytes: 0,
        blocks_over_mainnet_limit: 0,
        genesis_hash,
        head_hash: genesis_hash,
        head_time: head.time,
        elapsed: Duration::ZERO,
    };
    let width = opts.txs_per_block as usize;

    for seq in 1..=opts.blocks {
        let time = opts.block_time(seq)?;
        pool.grow(sizing.pool_growth);
        let ux_hash = set.ux_hash();
        let plan = plan_block(
            &mut set,
            &pool,
            &mut rng,
            head.time,
            width,
            sizing.target_unspent,
        )?;
        if plan.is_empty() {
            return Err(GenerateError::Exhausted { seq });
        }
        let finished: Vec<FinishedTx> = plan
            .into_par_iter()
            .map(|p| finish(p, &pool, seq, time))
            .collect::<Result<_, _>>()?;

        let mut fee = 0u64;
        let mut tx_bytes = 0usize;
        let mut txids = Vec::with_capacity(finished.len());
        let mut transactions = Vec::with_capacity(finished.len());
        for f in finished {
            for s in &f.spent {
                set.spend(s);
            }
            summary.inputs += f.spent.len() as u64;
            summary.outputs += f.created.len() as u64;
            for c in f.created {
                set.create(c);
            }
            fee = fee.wrapping_add(f.fee);
            tx_bytes += f.tx.size();
            txids.push(f.txid);
            transactions.push(f.tx);
        }
        let header = BlockHeader {
            version: head.version,
            time,
            bk_seq: seq,
            fee,
            prev_hash: head.hash(),
            body_hash: merkle_root(&txids),
            ux_hash,
        };
        summary.transactions += transactions.len() as u64;
        summary.hours_burned = summary.hours_burned.saturating_add(fee);
        summary.largest_block_tx_bytes = summary.largest_block_tx_bytes.max(tx_bytes);
        if tx_bytes > MAINNET_MAX_BLOCK_TX_BYTES {
            summary.blocks_over_mainnet_limit += 1;
        }
        tracing::trace!(seq, txs = transactions.len(), fee, tx_bytes, "devnet block");
        let block = Block {
            head: header,
            body: BlockBody { transactions },
        };
        let signed = SignedBlock::sign(block, &publisher.secret)
            .map_err(|source| GenerateError::BlockSignature { seq, source })?;
        sink(&signed).map_err(|source| GenerateError::Sink { seq, source })?;
        set.close_block();
        head = header;
        summary.blocks += 1;
    }

    summary.addresses = pool.len();
    summary.unspent_outputs = set.len();
    summary.head_hash = head.hash();
    summary.head_time = head.time;
    summary.elapsed = started.elapsed();
    Ok(summary)
}
