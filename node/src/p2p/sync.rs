//! Block and transaction exchange against the store: serving `GETB` and
//! `GETT`, applying received blocks (signers recovered in parallel, then one
//! atomic write), injecting received transactions, and starting an empty
//! store at its genesis block. Everything here blocks: call it from
//! `tokio::task::spawn_blocking`.

use rayon::prelude::*;
use skyx_coins::sky::block::SignedBlock;
use skyx_coins::sky::chain::Signers;
use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::params::MAINNET;
use skyx_coins::sky::peer::{GiveBlocks, GiveTxns, MAX_GIVE_BLOCKS};
use skyx_coins::sky::signature::Sig;
use skyx_coins::sky::transaction::Transaction;

use super::error::P2pError;
use crate::error::NodeError;
use crate::store::{block_signers, ChainStore};

/// Most blocks we ask for or serve in one exchange ([`MAX_GIVE_BLOCKS`]).
pub const MAX_BLOCKS_PER_REQUEST: u64 = MAX_GIVE_BLOCKS as u64;

/// What applying a `GIVB` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Applied {
    /// Blocks written.
    pub blocks: u64,
    /// Transactions in them.
    pub transactions: u64,
    /// Blocks skipped: already stored, or after a gap.
    pub skipped: u64,
}

/// The blocks after `last_block`, at most `count` (capped at
/// [`MAX_GIVE_BLOCKS`]), cut to fit one outgoing frame; `None` when we have
/// none (the reference then sends nothing).
pub fn blocks_after(
    store: &ChainStore,
    last_block: u64,
    count: u64,
) -> Result<Option<GiveBlocks>, P2pError> {
    let Some(height) = store.height() else {
        return Ok(None);
    };
    let count = count.min(MAX_BLOCKS_PER_REQUEST);
    let first = last_block.saturating_add(1);
    let last = last_block.saturating_add(count).min(height);
    if count == 0 || first > last {
        return Ok(None);
    }
    let mut blocks = Vec::new();
    for seq in first..=last {
        match store.block_by_seq(seq)? {
            Some(b) => blocks.push(b),
            None => break,
        }
    }
    if blocks.is_empty() {
        return Ok(None);
    }
    Ok(Some(GiveBlocks::fitting(blocks)))
}

/// Validates and writes the received blocks that extend our head, in order.
/// Blocks at or below the head are skipped, as is everything from a gap on
/// (the reference tries those and stops at the first failure). A block that
/// fails validation ends with [`P2pError::InvalidBlock`]; the valid blocks
/// before it stay written.
pub fn apply_received(store: &ChainStore, blocks: Vec<SignedBlock>) -> Result<Applied, P2pError> {
    let total = blocks.len() as u64;
    let mut next = store.height().map_or(0, |h| h.saturating_add(1));
    let mut fresh = Vec::with_capacity(blocks.len());
    for b in blocks {
        let seq = b.block.seq();
        if seq < next {
            continue;
        }
        if seq > next {
            break;
        }
        fresh.push(b);
        next = next.saturating_add(1);
    }
    let mut applied = Applied {
        skipped: total - fresh.len() as u64,
        ..Applied::default()
    };
    if fresh.is_empty() {
        return Ok(applied);
    }
    // Recover every input's signer on all cores; keep the valid prefix.
    let recovered: Vec<Result<(SignedBlock, Signers), P2pError>> = fresh
        .into_par_iter()
        .map(|b| {
            let signers = block_signers(&b).map_err(|source| P2pError::InvalidBlock {
                seq: b.block.seq(),
                source,
            })?;
            Ok((b, signers))
        })
        .collect();
    let mut batch = Vec::with_capacity(recovered.len());
    let mut failure = None;
    for r in recovered {
        match r {
            Ok(item) => batch.push(item),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    let txs: Vec<u64> = batch
        .iter()
        .map(|(b, _)| b.block.body.transactions.len() as u64)
        .collect();
    if !batch.is_empty() {
        match store.apply_blocks(batch) {
            Ok(effects) => {
                applied.blocks = effects.len() as u64;
                applied.transactions = txs.iter().take(effects.len()).sum();
            }
            Err(NodeError::InvalidBlock { seq, rule: source }) => {
                return Err(P2pError::InvalidBlock {
                    seq,
                    source: NodeError::InvalidBlock { seq, rule: source },
                });
            }
            Err(e) => return Err(P2pError::Store(e)),
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(applied),
    }
}

/// The known genesis signature of the store's chain: the configured one,
/// else mainnet's when the store is mainnet.
fn genesis_signature(store: &ChainStore, configured: Option<Sig>) -> Option<Sig> {
    if configured.is_some() {
        return configured;
    }
    // The store's chain spec carries it (mainnet's, or a devnet chain file's).
    if let Some(sig) = store.spec().genesis_signature {
        return Some(sig);
    }
    if store.genesis_hash() == MAINNET.genesis_block().hash() {
        return MAINNET.genesis_signature.parse().ok();
    }
    None
}

/// Writes the genesis block into an empty store, built from the chain's
/// parameters and signed with `signature` (mainnet's is known). Returns
/// whether a block was written; a store that has blocks is left alone.
pub fn ensure_genesis(store: &ChainStore, signature: Option<Sig>) -> Result<bool, P2pError> {
    if store.height().is_some() {
        return Ok(false);
    }
    let sig = genesis_signature(store, signature).ok_or(P2pError::NoGenesis)?;
    let block = store.params().genesis_block();
    let signed = SignedBlock { block, sig };
    store.apply_block(&signed).map_err(|e| match e {
        NodeError::InvalidBlock { seq, rule: source } => P2pError::Config(format!(
            "the genesis signature does not fit the chain: block {seq}: {source}"
        )),
        other => P2pError::Store(other),
    })?;
    Ok(true)
}

/// The txids among `txids` that are neither pooled nor confirmed.
pub fn unknown_txids(store: &ChainStore, txids: &[Sha256]) -> Result<Vec<Sha256>, P2pError> {
    let pooled: std::collections::HashSet<Sha256> =
        store.unconfirmed()?.iter().map(|u| u.txn.hash()).collect();
    let mut out = Vec::new();
    for id in txids {
        if !pooled.contains(id) && store.transaction(id)?.is_none() && !out.contains(id) {
            out.push(*id);
        }
    }
    Ok(out)
}

/// The pooled transactions among `txids`, cut to fit one frame; `None` when
/// we have none of them.
pub fn pooled_txns(store: &ChainStore, txids: &[Sha256]) -> Result<Option<GiveTxns>, P2pError> {
    let wanted: std::collections::HashSet<&Sha256> = txids.iter().collect();
    let found: Vec<Transaction> = store
        .unconfirmed()?
        .into_iter()
        .map(|u| u.txn)
        .filter(|t| wanted.contains(&t.hash()))
        .collect();
    if found.is_empty() {
        return Ok(None);
    }
    Ok(Some(GiveTxns::fitting(found)))
}

/// Txids of the pooled transactions that passed their last check.
pub fn valid_pooled_txids(store: &ChainStore) -> Result<Vec<Sha256>, P2pError> {
    Ok(store
        .unconfirmed()?
        .into_iter()
        .filter(|u| u.is_valid)
        .map(|u| u.txn.hash())
        .collect())
}

/// Injects received transactions into the pool, as the reference does for
/// `GIVT`: invalid ones are logged and dropped (the peer is not punished),
/// known ones skipped. Returns the txids that are new to us.
pub fn inject_received(
    store: &ChainStore,
    txns: Vec<Transaction>,
    now_ns: i64,
) -> Result<Vec<Sha256>, P2pError> {
    let mut fresh = Vec::new();
    for txn in txns {
        let txid = txn.hash();
        if store.unconfirmed_txn(&txid)?.is_some() {
            continue;
        }
        match store.inject(txn, now_ns) {
            Ok(id) => fresh.push(id),
            Err(NodeError::Pool(rule)) => {
                tracing::debug!(%txid, %rule, "dropping received transaction");
            }
            Err(NodeError::Invalid(reason)) => {
                tracing::debug!(%txid, %reason, "dropping received transaction");
            }
            Err(e) => return Err(P2pError::Store(e)),
        }
    }
    Ok(fresh)
}
