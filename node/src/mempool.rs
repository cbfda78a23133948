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

impl PoolError {
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
    let fail = |e: PoolError| NodeError::Invalid(e.to_string());
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
        Ok(())
    }

    /// Every unconfirmed transaction, in txid order.
    pub fn unconfirmed(&self) -> Result<Vec<UnconfirmedTxn>, NodeError> {
        let r = self.db_handle().begin_read()?;
        let t = r.open_table(UNCONFIRMED)?;
        let mut out = Vec::new();
        for entry in t.iter()? {
            let (_, v) = entry?;
            let rec: Record = decode_exact(v.value()).map_err(|e| {
                NodeError::Damaged(format!("unconfirmed transaction does not decode: {e}"))
            })?;
            out.push(UnconfirmedTxn {
                txn: rec.txn,
                received: rec.received,
                checked: rec.checked,
                announced: rec.announced,
                is_valid: rec.is_valid != 0,
            });
        }
        Ok(out)
    }

    /// One unconfirmed transaction by id.
    pub fn unconfirmed_txn(&self, txid: &Sha256) -> Result<Option<UnconfirmedTxn>, NodeError> {
        Ok(self
            .unconfirmed()?
            .into_iter()
            .find(|u| u.txn.hash() == *txid))
    }

    /// Checks a transaction fully and adds it to the pool. Refuses one that
    /// spends an input another pooled transaction spends.
    pub fn inject(&self, txn: Transaction, now_ns: i64) -> Result<Sha256, NodeError> {
        check_transaction(self, &txn)?;
        let txid = txn.hash();
        let pool = self.unconfirmed()?;
        if pool.iter().any(|u| u.txn.hash() == txid) {
            return Ok(txid);
        }
        let pooled: HashSet<Sha256> = pool
            .iter()
            .flat_map(|u| u.txn.inputs.iter().copied())
            .collect();
        if txn.inputs.iter().any(|i| pooled.contains(i)) {
            return Err(NodeError::Invalid(PoolError::DoubleSpend.to_string()));
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
