//! The pool of unconfirmed transactions: the reference's hard rules against
//! the unspent set at the head, plus its soft rules (size, burn-factor fee,
//! decimal places, no null-address outputs), kept in the store so the pool
//! survives restarts. Blocks remove what they confirm in the same write.

use std::collections::HashSet;

use redb::{ReadableDatabase, ReadableTable};
use skyx_coins::codec_struct;
use skyx_coins::sky::coin_hours::verify_fee;
use skyx_coins::sky::encoding::{decode_exact, encode};
use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::transaction::{
    input_hours, verify_coins_spending, verify_hours_spending, Transaction, TxError,
};
use skyx_coins::sky::uxout::UxOut;

use crate::error::NodeError;
use crate::store::tables::UNCONFIRMED;
use crate::store::ChainStore;

/// An unconfirmed transaction with the reference's bookkeeping times (Unix ns).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UnconfirmedTxn {
    /// The transaction.
    pub txn: Transaction,
    /// When it was first received.
    pub received: i64,
    /// When it was last checked against the chain.
    pub checked: i64,
    /// When it was last announced to peers (0 = never).
    pub announced: i64,
    /// Whether it passed the checks when last checked.
    pub is_valid: bool,
}

/// Wire layout of a pool record: the reference's `UnconfirmedTransaction`.
#[derive(Debug, Default)]
struct Record {
    txn: Transaction,
    received: i64,
    checked: i64,
    announced: i64,
    is_valid: i8,
}
codec_struct!(Record {
    txn,
    received,
    checked,
    announced,
    is_valid
});

/// Reads a stored pool record.
fn decode_record(bytes: &[u8]) -> Result<UnconfirmedTxn, NodeError> {
    let rec: Record = decode_exact(bytes)
        .map_err(|e| NodeError::Damaged(format!("unconfirmed transaction does not decode: {e}")))?;
    Ok(UnconfirmedTxn {
        txn: rec.txn,
        received: rec.received,
        checked: rec.checked,
        announced: rec.announced,
        is_valid: rec.is_valid != 0,
    })
}

/// Why a transaction is refused by the pool.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// A hard rule.
    #[error("{0}")]
    Tx(#[from] TxError),
    /// The fee rule (`fee.VerifyTransactionFee`).
    #[error("{0}")]
    Fee(#[from] skyx_coins::sky::coin_hours::FeeError),
    /// Larger than the maximum transaction size.
    #[error("Transaction size bigger than max transaction size")]
    TooLarge,
    /// Coins with more decimal places than allowed.
    #[error("Transaction output has invalid coin value: invalid amount, too many decimal places")]
    TooManyDecimals,
    /// An output to the null address.
    #[error("Transaction output is sent to the null address")]
    NullAddress,
    /// An input that is not unspent (spent, or never existed).
    #[error("unspent output of {0} does not exist")]
    UnknownInput(Sha256),
    /// Already in a block.
    #[error("Transaction is already confirmed")]
    AlreadyConfirmed,
    /// Spends an output another pooled transaction already spends.
    #[error("Transaction double spends an unconfirmed transaction's input")]
    DoubleSpend,
    /// No block yet to check against.
    #[error("the chain is empty")]
    EmptyChain,
}

/// Which of the reference's constraint classes a refusal belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    /// Rules every block enforces.
    Hard,
    /// Node policy for new transactions (size, fee, decimals).
    Soft,
    /// Rules for transactions users create (no null-address outputs).
    User,
}

impl PoolError {
    /// The reference's constraint class of this refusal.
    pub fn kind(&self) -> ConstraintKind {
        match self {
            PoolError::Fee(_) | PoolError::TooLarge | PoolError::TooManyDecimals => {
                ConstraintKind::Soft
            }
            PoolError::NullAddress => ConstraintKind::User,
            _ => ConstraintKind::Hard,
        }
    }

    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            PoolError::Tx(e) => e.code(),
            PoolError::Fee(e) => e.code(),
            PoolError::TooLarge => "tx_too_large",
            PoolError::TooManyDecimals => "tx_too_many_decimals",
            PoolError::NullAddress => "tx_null_address",
            PoolError::UnknownInput(_) => "tx_unknown_input",
            PoolError::AlreadyConfirmed => "tx_already_confirmed",
            PoolError::DoubleSpend => "tx_double_spend",
            PoolError::EmptyChain => "chain_empty",
        }
    }
}

/// Hard and soft checks of a transaction against the chain head, as the
/// reference does for injected and received transactions. Returns the
/// outputs it spends and its fee.
pub fn check_transaction(
    store: &ChainStore,
    txn: &Transaction,
) -> Result<(Vec<UxOut>, u64), NodeError> {
    let fail = NodeError::Pool;
    let head = store
        .head()
        .header
        .ok_or_else(|| fail(PoolError::EmptyChain))?;
    let params = store.params();
    if txn.size() > params.max_transaction_size {
        return Err(fail(PoolError::TooLarge));
    }
    txn.verify().map_err(|e| fail(e.into()))?;
    if store.transaction(&txn.hash())?.is_some() {
        return Err(fail(PoolError::AlreadyConfirmed));
    }
    let precision = params.droplet_precision();
    for o in &txn.outputs {
        if o.coins % precision != 0 {
            return Err(fail(PoolError::TooManyDecimals));
        }
        if o.address.is_null() {
            return Err(fail(PoolError::NullAddress));
        }
    }
    txn.output_hours().map_err(|e| fail(e.into()))?;
    let mut spent = Vec::with_capacity(txn.inputs.len());
    for input in &txn.inputs {
        let ux = store
            .unspent(input)?
            .ok_or_else(|| fail(PoolError::UnknownInput(*input)))?;
        spent.push(ux);
    }
    txn.verify_input_signatures(&spent)
        .map_err(|e| fail(e.into()))?;
    verify_coins_spending(&spent, &txn.outputs).map_err(|e| fail(e.into()))?;
    verify_hours_spending(head.time, &spent, &txn.outputs).map_err(|e| fail(e.into()))?;
    let hours_in = input_hours(head.time, &spent).map_err(|e| fail(e.into()))?;
    let hours_out = txn.output_hours().map_err(|e| fail(e.into()))?;
    let fee = verify_fee(hours_in, hours_out, params.burn_factor).map_err(|e| fail(e.into()))?;
    Ok((spent, fee))
}

impl ChainStore {
    /// Stores an unconfirmed transaction (durably).
    pub fn put_unconfirmed(&self, u: &UnconfirmedTxn) -> Result<(), NodeError> {
        let record = Record {
            txn: u.txn.clone(),
            received: u.received,
            checked: u.checked,
            announced: u.announced,
            is_valid: i8::from(u.is_valid),
        };
        let w = self.db_handle().begin_write()?;
        {
            let mut t = w.open_table(UNCONFIRMED)?;
            t.insert(&u.txn.hash().0, encode(&record).as_slice())?;
        }
        w.commit()?;
        self.bump_generation();
        Ok(())
    }

    /// Removes an unconfirmed transaction.
    pub fn remove_unconfirmed(&self, txid: &Sha256) -> Result<(), NodeError> {
        let w = self.db_handle().begin_write()?;
        {
            let mut t = w.open_table(UNCONFIRMED)?;
            t.remove(&txid.0)?;
        }
        w.commit()?;
        self.bump_generation();
        Ok(())
    }

    /// Every unconfirmed transaction, in txid order.
    pub fn unconfirmed(&self) -> Result<Vec<UnconfirmedTxn>, NodeError> {
        let r = self.db_handle().begin_read()?;
        let t = r.open_table(UNCONFIRMED)?;
        let mut out = Vec::new();
        for entry in t.iter()? {
            let (_, v) = entry?;
            out.push(decode_record(v.value())?);
        }
        Ok(out)
    }

    /// At most `limit` unconfirmed transactions in txid order, starting
    /// after `after` (from the first when `None`): a reader that walks a
    /// large pool a page at a time never holds all of it.
    pub fn unconfirmed_page(
        &self,
        after: Option<&Sha256>,
        limit: usize,
    ) -> Result<Vec<UnconfirmedTxn>, NodeError> {
        let r = self.db_handle().begin_read()?;
        let t = r.open_table(UNCONFIRMED)?;
        let mut out = Vec::new();
        let range = match after {
            Some(a) => {
                t.range::<&[u8; 32]>((std::ops::Bound::Excluded(&a.0), std::ops::Bound::Unbounded))?
            }
            None => t.iter()?,
        };
        for entry in range.take(limit) {
            let (_, v) = entry?;
            out.push(decode_record(v.value())?);
        }
        Ok(out)
    }

    /// One unconfirmed transaction by id.
    pub fn unconfirmed_txn(&self, txid: &Sha256) -> Result<Option<UnconfirmedTxn>, NodeError> {
        let r = self.db_handle().begin_read()?;
        let t = r.open_table(UNCONFIRMED)?;
        t.get(&txid.0)?
            .map(|v| decode_record(v.value()))
            .transpose()
    }

    /// Checks a transaction fully and adds it to the pool. Refuses one that
    /// spends an input another pooled transaction spends.
    pub fn inject(&self, txn: Transaction, now_ns: i64) -> Result<Sha256, NodeError> {
        check_transaction(self, &txn)?;
        let txid = txn.hash();
        if self.unconfirmed_txn(&txid)?.is_some() {
            return Ok(txid);
        }
        let pool = self.unconfirmed()?;
        let pooled: HashSet<Sha256> = pool
            .iter()
            .flat_map(|u| u.txn.inputs.iter().copied())
            .collect();
        if txn.inputs.iter().any(|i| pooled.contains(i)) {
            return Err(PoolError::DoubleSpend.into());
        }
        self.put_unconfirmed(&UnconfirmedTxn {
            txn,
            received: now_ns,
            checked: now_ns,
            announced: 0,
            is_valid: true,
        })?;
        Ok(txid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devnet::{chain_spec, keys, GenerateOptions};
    use crate::publisher::{init_genesis, publish_block};
    use skyx_coins::sky::address::Address;
    use skyx_coins::sky::transaction::TransactionOutput;

    fn code(r: Result<Sha256, NodeError>) -> &'static str {
        match r {
            Ok(_) => "ok",
            Err(e) => e.code(),
        }
    }

    /// The pool's soft and user rules, each refused with its code, on a
    /// private chain whose keys the test holds.
    #[test]
    fn soft_and_user_rules_have_their_codes() {
        let dir = tempfile::tempdir().unwrap();
        let opts = GenerateOptions {
            seed: "pool-rules".into(),
            ..GenerateOptions::default()
        };
        let store = ChainStore::open(dir.path(), Some(&chain_spec(&opts).unwrap())).unwrap();
        let publisher = keys::publisher_key(&opts.seed).secret;
        init_genesis(&store, &publisher).unwrap();
        let mut wallet = keys::wallet_chain(&opts.seed).unwrap();
        let owner = wallet.next().unwrap();
        let to = Address::from_pubkey(&wallet.next().unwrap().public);
        let ux = store.all_unspent().unwrap()[0];
        let hours_in = ux.coin_hours(store.head().header.unwrap().time).unwrap();
        let pay = |outputs: Vec<TransactionOutput>| {
            let mut t = Transaction::new_unsigned(vec![ux.hash()], outputs);
            t.sign_inputs(&[owner.secret]).unwrap();
            t
        };
        let split = |coins: u64, hours: u64, dest: Address| {
            vec![
                TransactionOutput {
                    address: dest,
                    coins,
                    hours,
                },
                TransactionOutput {
                    address: ux.body.address,
                    coins: ux.body.coins - coins,
                    hours,
                },
            ]
        };
        // Zero fee: every input hour sent on.
        let t = pay(split(1_000_000, hours_in / 2, to)
            .into_iter()
            .enumerate()
            .map(|(i, mut o)| {
                o.hours = if i == 0 {
                    hours_in / 2
                } else {
                    hours_in - hours_in / 2
                };
                o
            })
            .collect());
        assert_eq!(code(store.inject(t, 1)), "fee_zero");
        // A fee below ceil(hours in / 10).
        let keep = hours_in - hours_in / 20;
        let t = pay(split(1_000_000, keep / 2, to));
        assert_eq!(code(store.inject(t, 1)), "fee_insufficient");
        // Four decimal places (coins not a multiple of 1,000 droplets).
        let t = pay(split(1_000_100, 1, to));
        assert_eq!(code(store.inject(t, 1)), "tx_too_many_decimals");
        // An output to the null address.
        let t = pay(split(1_000_000, 1, Address::NULL));
        assert_eq!(code(store.inject(t, 1)), "tx_null_address");
        assert_eq!(
            PoolError::NullAddress.kind(),
            ConstraintKind::User,
            "null-address outputs are a user constraint"
        );
        // Larger than 32 KiB: 900 outputs.
        let many: Vec<TransactionOutput> = (0..900u64)
            .map(|i| TransactionOutput {
                address: to,
                coins: 1_000_000,
                hours: i % 2,
            })
            .chain(std::iter::once(TransactionOutput {
                address: ux.body.address,
                coins: ux.body.coins - 900 * 1_000_000,
                hours: 1,
            }))
            .collect();
        assert_eq!(code(store.inject(pay(many), 1)), "tx_too_large");
        // Spending an output that does not exist.
        let mut t = Transaction::new_unsigned(vec![Sha256([7u8; 32])], split(1_000_000, 1, to));
        t.sign_inputs(&[owner.secret]).unwrap();
        assert_eq!(code(store.inject(t, 1)), "tx_unknown_input");
        // A valid one is accepted; once confirmed it cannot be injected again.
        // Refusals change nothing; every committed change moves the
        // store's generation (answer caches key on it).
        let good = pay(split(1_000_000, 1, to));
        let g0 = store.generation();
        assert_eq!(code(store.inject(good.clone(), 1)), "ok");
        let g1 = store.generation();
        assert!(g1 > g0, "pooling moves the generation");
        publish_block(&store, &publisher, ux.head.time + 3600)
            .unwrap()
            .expect("a block");
        let g2 = store.generation();
        assert!(g2 > g1, "a block moves the generation");
        assert_eq!(code(store.inject(good, 2)), "tx_already_confirmed");
        assert_eq!(store.generation(), g2, "a refusal leaves it");
    }
}
