//! The block publisher of a private chain: turns the mempool into a signed
//! block, as the reference's `CreateAndPublishBlock` does — transactions
//! re-checked against the head, ordered by fee per kilobyte (then by hash),
//! no two spending the same output, up to the block size limit.

use std::collections::HashSet;

use secp256k1::SecretKey;
use skyx_coins::sky::block::{Block, BlockBody, BlockHeader, SignedBlock};
use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::transaction::Transaction;

use crate::error::NodeError;
use crate::mempool::check_transaction;
use crate::store::ChainStore;

/// Signs and appends the genesis block of the store's chain when the store
/// is empty. Returns whether it did.
pub fn init_genesis(store: &ChainStore, publisher: &SecretKey) -> Result<bool, NodeError> {
    if store.height().is_some() {
        return Ok(false);
    }
    let block = store.params().genesis_block();
    if block.hash() != store.genesis_hash() {
        return Err(NodeError::Invalid(
            "the chain spec's genesis does not match its genesis parameters".into(),
        ));
    }
    let signed = SignedBlock::sign(block, publisher)
        .map_err(|e| NodeError::Invalid(format!("cannot sign the genesis block: {e}")))?;
    store.apply_block(&signed)?;
    Ok(true)
}

/// A transaction chosen for the next block.
struct Candidate {
    txn: Transaction,
    txid: Sha256,
    fee: u64,
    size: usize,
}

/// Builds, signs and appends the next block from the mempool at time `now`
/// (moved past the head's time if needed). Returns `None` when no pooled
/// transaction is valid. Transactions that no longer pass are marked invalid.
pub fn publish_block(
    store: &ChainStore,
    publisher: &SecretKey,
    now: u64,
) -> Result<Option<SignedBlock>, NodeError> {
    let head = store.head();
    let Some(header) = head.header else {
        return Err(NodeError::Invalid(
            "the chain has no genesis block yet".into(),
        ));
    };
    let mut candidates = Vec::new();
    for mut u in store.unconfirmed()? {
        match check_transaction(store, &u.txn) {
            Ok((_, fee)) => candidates.push(Candidate {
                txid: u.txn.hash(),
                size: u.txn.size(),
                fee,
                txn: u.txn,
            }),
            Err(e) => {
                tracing::debug!(txid = %u.txn.hash(), "dropping from the next block: {e}");
                if u.is_valid {
                    u.is_valid = false;
                    store.put_unconfirmed(&u)?;
                }
            }
        }
    }
    // Fee per kilobyte, descending; ties by hash, ascending (SortTransactions).
    candidates.sort_by(|a, b| {
        let fa = u128::from(a.fee) * 1024 / a.size.max(1) as u128;
        let fb = u128::from(b.fee) * 1024 / b.size.max(1) as u128;
        fb.cmp(&fa).then_with(|| a.txid.cmp(&b.txid))
    });
    let limit = store.params().max_block_transactions_size;
    let mut spent = HashSet::new();
    let mut total = 0usize;
    let mut fee = 0u64;
    let mut chosen = Vec::new();
    for c in candidates {
        if total + c.size > limit || c.txn.inputs.iter().any(|i| spent.contains(i)) {
            continue;
        }
        spent.extend(c.txn.inputs.iter().copied());
        total += c.size;
        fee = fee.saturating_add(c.fee);
        chosen.push(c.txn);
    }
    if chosen.is_empty() {
        return Ok(None);
    }
    let body = BlockBody {
        transactions: chosen,
    };
    let block = Block {
        head: BlockHeader {
            version: header.version,
            time: now.max(header.time + 1),
            bk_seq: header.bk_seq + 1,
            fee,
            prev_hash: header.hash(),
            body_hash: body.hash(),
            ux_hash: head.ux_hash,
        },
        body,
    };
    let signed = SignedBlock::sign(block, publisher)
        .map_err(|e| NodeError::Invalid(format!("cannot sign the block: {e}")))?;
    store.apply_block(&signed)?;
    Ok(Some(signed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devnet::{chain_spec, keys, GenerateOptions};
    use skyx_coins::sky::address::Address;
    use skyx_coins::sky::coin_hours::remaining_hours;
    use skyx_coins::sky::transaction::TransactionOutput;

    #[test]
    fn publishes_pooled_transactions_into_valid_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let opts = GenerateOptions {
            seed: "publisher-test".into(),
            ..GenerateOptions::default()
        };
        let spec = chain_spec(&opts).unwrap();
        let store = ChainStore::open(dir.path(), Some(&spec)).unwrap();
        let publisher = keys::publisher_key(&opts.seed).secret;
        assert!(init_genesis(&store, &publisher).unwrap());
        assert!(!init_genesis(&store, &publisher).unwrap());
        assert_eq!(publish_block(&store, &publisher, 0).unwrap(), None);

        // Spend the genesis output to two addresses, an hour after genesis.
        let mut wallet = keys::wallet_chain(&opts.seed).unwrap();
        let owner = wallet.next().unwrap();
        let genesis = store.all_unspent().unwrap()[0];
        assert_eq!(genesis.body.address, Address::from_pubkey(&owner.public));
        let later = genesis.head.time + 3600;
        let hours = remaining_hours(genesis.coin_hours(genesis.head.time).unwrap(), 10);
        let to = Address::from_pubkey(&wallet.next().unwrap().public);
        let mut txn = Transaction::new_unsigned(
            vec![genesis.hash()],
            vec![
                TransactionOutput {
                    address: to,
                    coins: 1_000_000,
                    hours: hours / 2,
                },
                TransactionOutput {
                    address: genesis.body.address,
                    coins: genesis.body.coins - 1_000_000,
                    hours: hours / 2,
                },
            ],
        );
        txn.sign_inputs(&[owner.secret]).unwrap();
        let txid = store.inject(txn.clone(), 1).unwrap();
        // A double spend of the same output is refused by the pool.
        let mut double = txn.clone();
        double.outputs[0].coins += 1_000_000;
        double.outputs[1].coins -= 1_000_000;
        double.sign_inputs(&[owner.secret]).unwrap();
        assert!(store.inject(double, 2).is_err());

        let block = publish_block(&store, &publisher, later)
            .unwrap()
            .expect("a block");
        assert_eq!(block.block.body.transactions, vec![txn]);
        assert_eq!(store.height(), Some(1));
        assert!(
            store.unconfirmed().unwrap().is_empty(),
            "confirmed txns leave the pool"
        );
        assert_eq!(store.transaction(&txid).unwrap().unwrap().seq, 1);
        let (_, report) = crate::verify::verify_store(store).unwrap();
        assert!(report.ok, "{:?}", report.problems);
    }
}
