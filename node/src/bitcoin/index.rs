//! Which outputs of a block pay watched addresses, which inputs spend them,
//! and which inputs touch transactions still waiting in the mempool: plain
//! functions over parsed transactions, no I/O.

use std::collections::{HashMap, HashSet};

use bitcoin::{OutPoint, Script, ScriptBuf, Transaction, Txid};
use skyx_coins::btc::Address;

/// The scripts of the watched addresses and the addresses they came from.
#[derive(Debug, Clone, Default)]
pub struct WatchSet {
    scripts: HashMap<ScriptBuf, String>,
}

impl WatchSet {
    /// An empty set.
    pub fn new() -> WatchSet {
        WatchSet::default()
    }

    /// Adds an address; returns whether it was new.
    pub fn insert(&mut self, address: &Address) -> bool {
        self.scripts
            .insert(address.script_pubkey(), address.to_string())
            .is_none()
    }

    /// Adds a script with the address text it stands for.
    pub fn insert_script(&mut self, script: ScriptBuf, address: String) {
        self.scripts.insert(script, address);
    }

    /// The watched address a script pays, if any.
    pub fn address_for(&self, script: &Script) -> Option<&str> {
        self.scripts.get(script).map(String::as_str)
    }

    /// Number of watched addresses.
    pub fn len(&self) -> usize {
        self.scripts.len()
    }

    /// Whether nothing is watched.
    pub fn is_empty(&self) -> bool {
        self.scripts.is_empty()
    }
}

/// An output paying a watched address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The output.
    pub outpoint: OutPoint,
    /// The watched address it pays.
    pub address: String,
    /// Its value in satoshis.
    pub value: u64,
    /// Whether it is a coinbase output.
    pub coinbase: bool,
}

/// A watched output spent by a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spend {
    /// The output spent.
    pub outpoint: OutPoint,
    /// The spending transaction.
    pub txid: Txid,
}

/// An input of a transaction waiting in the mempool, now spent by `by`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingHit {
    /// The waiting transaction.
    pub pending: Txid,
    /// The transaction now spending the same output (equal to `pending` when it confirmed).
    pub by: Txid,
}

impl PendingHit {
    /// Whether another transaction took the output (a double spend or replacement).
    pub fn is_conflict(&self) -> bool {
        self.pending != self.by
    }
}

/// What a block (or one transaction) means for the watched addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effects {
    /// Outputs paying watched addresses.
    pub received: Vec<Received>,
    /// Watched outputs spent.
    pub spends: Vec<Spend>,
    /// Inputs shared with waiting transactions.
    pub pending: Vec<PendingHit>,
    /// Transactions looked at.
    pub tx_count: usize,
}

/// Every outpoint spent by `txs` (coinbase inputs left out).
pub fn spent_outpoints(txs: &[Transaction]) -> Vec<OutPoint> {
    txs.iter()
        .filter(|tx| !tx.is_coinbase())
        .flat_map(|tx| tx.input.iter().map(|i| i.previous_output))
        .collect()
}

/// Scans transactions in order. `ours` holds the already known watched outputs
/// among the inputs; outputs received earlier in `txs` count as ours too.
/// `pending` maps inputs of waiting transactions to those transactions.
pub fn scan(
    txs: &[Transaction],
    watch: &WatchSet,
    ours: &HashSet<OutPoint>,
    pending: &HashMap<OutPoint, Txid>,
) -> Effects {
    let mut fx = Effects {
        tx_count: txs.len(),
        ..Effects::default()
    };
    let mut fresh: HashSet<OutPoint> = HashSet::new();
    for tx in txs {
        let mut txid: Option<Txid> = None;
        let mut id = |tx: &Transaction| *txid.get_or_insert_with(|| tx.compute_txid());
        if !tx.is_coinbase() {
            for input in &tx.input {
                let prev = input.previous_output;
                if ours.contains(&prev) || fresh.contains(&prev) {
                    fx.spends.push(Spend {
                        outpoint: prev,
                        txid: id(tx),
                    });
                }
                if let Some(waiting) = pending.get(&prev) {
                    fx.pending.push(PendingHit {
                        pending: *waiting,
                        by: id(tx),
                    });
                }
            }
        }
        for (vout, out) in tx.output.iter().enumerate() {
            if let Some(address) = watch.address_for(&out.script_pubkey) {
                let outpoint = OutPoint::new(id(tx), vout as u32);
                fresh.insert(outpoint);
                fx.received.push(Received {
                    outpoint,
                    address: address.to_owned(),
                    value: out.value.to_sat(),
                    coinbase: tx.is_coinbase(),
                });
            }
        }
    }
    fx
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::absolute::LockTime;
    use bitcoin::hashes::Hash;
    use bitcoin::transaction::Version;
    use bitcoin::{Amount, Sequence, TxIn, TxOut, Witness};
    use skyx_coins::btc::{params, Coin, Network};

    fn addr(n: u8) -> Address {
        let p = params(Coin::Ltc, Network::Regtest).unwrap();
        Address::from_pubkey_hash(p, [n; 20])
    }

    fn tx(inputs: &[OutPoint], outputs: &[(&Address, u64)]) -> Transaction {
        Transaction {
            version: Version(2),
            lock_time: LockTime::ZERO,
            input: inputs
                .iter()
                .map(|o| TxIn {
                    previous_output: *o,
                    script_sig: ScriptBuf::new(),
                    sequence: Sequence::MAX,
                    witness: Witness::new(),
                })
                .collect(),
            output: outputs
                .iter()
                .map(|(a, v)| TxOut {
                    value: Amount::from_sat(*v),
                    script_pubkey: a.script_pubkey(),
                })
                .collect(),
        }
    }

    #[test]
    fn finds_receipts_spends_and_chained_spends() {
        let (a, b, other) = (addr(1), addr(2), addr(9));
        let mut watch = WatchSet::new();
        assert!(watch.insert(&a));
        assert!(watch.insert(&b));
        assert!(!watch.insert(&a));
        let coinbase = tx(&[OutPoint::null()], &[(&a, 50)]);
        let known = OutPoint::new(Txid::from_byte_array([7; 32]), 1);
        let pay = tx(&[known], &[(&other, 10), (&b, 30)]);
        let chained = tx(&[OutPoint::new(pay.compute_txid(), 1)], &[(&other, 29)]);
        let ours: HashSet<OutPoint> = [known].into();
        let fx = scan(
            &[coinbase.clone(), pay.clone(), chained.clone()],
            &watch,
            &ours,
            &HashMap::new(),
        );
        assert_eq!(fx.tx_count, 3);
        assert_eq!(fx.received.len(), 2);
        assert!(fx.received[0].coinbase);
        assert_eq!(fx.received[1].value, 30);
        assert_eq!(fx.received[1].address, b.to_string());
        assert_eq!(
            fx.spends,
            vec![
                Spend {
                    outpoint: known,
                    txid: pay.compute_txid()
                },
                Spend {
                    outpoint: OutPoint::new(pay.compute_txid(), 1),
                    txid: chained.compute_txid()
                }
            ]
        );
    }

    #[test]
    fn pending_inputs_confirm_or_conflict() {
        let input = OutPoint::new(Txid::from_byte_array([3; 32]), 0);
        let waiting = tx(&[input], &[(&addr(1), 5)]);
        let rival = tx(&[input], &[(&addr(2), 5)]);
        let pending: HashMap<OutPoint, Txid> = [(input, waiting.compute_txid())].into();
        let fx = scan(
            std::slice::from_ref(&rival),
            &WatchSet::new(),
            &HashSet::new(),
            &pending,
        );
        assert_eq!(fx.pending.len(), 1);
        assert!(fx.pending[0].is_conflict());
        let fx = scan(&[waiting], &WatchSet::new(), &HashSet::new(), &pending);
        assert!(!fx.pending[0].is_conflict());
        assert_eq!(spent_outpoints(&[rival]), vec![input]);
    }
}
