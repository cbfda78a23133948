//! Bitcoin-family adapter: follows a coin daemon (Bitcoin Core, Litecoin Core,
//! Dogecoin Core, Bitcoin SV) over JSON-RPC, indexes the outputs of watched
//! addresses with confirmations and reorganisations, and spends them with keys
//! skyx holds (the daemon's wallet is never used).
//!
//! * [`rpc`] — the JSON-RPC client (retries, backoff, reachability).
//! * [`zmq`] — new-block notifications.
//! * [`index`], [`reorg`] — plain logic: block scanning, fork decisions.
//! * [`store`], [`records`] — the crash-safe redb store.
//! * [`outbox`], [`broadcast`] — own transactions written durably before
//!   they are sent, idempotent broadcast, re-broadcast until settled.
//! * [`follow`] — the chain follower.
//! * [`payments`] — keys, spendable outputs, building and signing payments.
//! * [`events`] — deposit and payment events.
//!
//! [`Adapter`] follows one daemon into one store; [`crate::chain::bitcoin`]
//! puts it behind the [`crate::chain::Chain`] interface every coin shares.

pub mod broadcast;
pub mod error;
pub mod events;
pub mod follow;
pub mod index;
pub mod outbox;
pub mod payments;
pub mod records;
pub mod reorg;
pub mod rpc;
pub mod store;
pub mod zmq;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{mpsc, Arc};

use bitcoin::consensus::encode::serialize;
use bitcoin::Txid;
use serde::Serialize;
use skyx_coins::amount::{Amount, Currency};
use skyx_coins::btc::{Address, ChainParams, FeeRate};

pub use broadcast::{Outgoing, RebroadcastReport, Submitted};
pub use error::BtcError;
pub use events::{Event, EventKind};
pub use follow::{FollowConfig, Follower, SyncReport};
pub use records::{DepositStatus, OutputRecord, PaymentRecord, PaymentStatus};
pub use rpc::{DaemonHealth, RpcClient, RpcConfig};
pub use store::Store;

/// Everything the adapter needs to run.
#[derive(Debug, Clone)]
pub struct AdapterConfig {
    /// The coin and network.
    pub params: &'static ChainParams,
    /// How to reach the daemon.
    pub rpc: RpcConfig,
    /// ZMQ endpoint of the daemon's block notifications (`tcp://host:port`).
    pub zmq: Option<String>,
    /// Folder of the store file.
    pub data_dir: PathBuf,
    /// How to follow the chain.
    pub follow: FollowConfig,
    /// Lowest fee rate used when estimating.
    pub fee_floor: FeeRate,
    /// Fee rate used when the daemon has no estimate.
    pub fee_fallback: FeeRate,
}

/// Whether the daemon answers, as reported by `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DaemonState {
    /// It answered.
    Ok,
    /// It did not.
    Unreachable,
}

/// The daemon's tip and the adapter's progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// Height of the daemon's best block (none when unreachable).
    pub tip_height: Option<u64>,
    /// Hash of the daemon's best block.
    pub tip_hash: Option<String>,
    /// Height of the last block the adapter applied.
    pub synced_height: Option<u64>,
    /// Whether the daemon answers.
    pub daemon: DaemonState,
    /// Since when the daemon has been unreachable (RFC 3339), when it is.
    #[serde(skip)]
    pub unreachable_since: Option<String>,
}

/// A deposit as reported to users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deposit {
    /// Transaction id.
    pub txid: String,
    /// Output index.
    pub vout: u32,
    /// The watched address paid.
    pub address: String,
    /// Amount as a decimal string.
    pub amount: String,
    /// Block height, when confirmed.
    pub height: Option<u64>,
    /// Confirmations at the processed height (0 when not in a block).
    pub confirmations: u64,
    /// mempool, confirmed, immature (coinbase), reorged or double_spent.
    pub status: &'static str,
}

/// Satoshis (or the coin's equivalent) as a decimal string with the 8
/// places every Bitcoin-family coin has (`"0.10000000"`).
pub fn format_amount(sats: u64) -> String {
    Amount::from_units(Currency::Btc, sats).to_string()
}

/// Turns stored output records into deposits at processed height `synced`.
pub fn deposits_view(
    outputs: &[(bitcoin::OutPoint, OutputRecord)],
    synced: Option<u64>,
    maturity: u64,
) -> Vec<Deposit> {
    outputs
        .iter()
        .map(|(o, r)| {
            let confirmations = match (r.height, synced) {
                (Some(h), Some(s)) if r.status == DepositStatus::Confirmed => {
                    (s + 1).saturating_sub(h)
                }
                _ => 0,
            };
            let status = match r.status {
                DepositStatus::Mempool => "mempool",
                DepositStatus::Confirmed if r.coinbase && confirmations < maturity => "immature",
                DepositStatus::Confirmed => "confirmed",
                DepositStatus::Reorged => "reorged",
                DepositStatus::DoubleSpent => "double_spent",
            };
            Deposit {
                txid: o.txid.to_string(),
                vout: o.vout,
                address: r.address.clone(),
                amount: format_amount(r.value),
                height: if r.status == DepositStatus::Confirmed {
                    r.height
                } else {
                    None
                },
                confirmations,
                status,
            }
        })
        .collect()
}

/// A payment to make from keys derived from a mnemonic.
#[derive(Debug, Clone)]
pub struct SendRequest {
    /// BIP39 mnemonic.
    pub mnemonic: String,
    /// BIP39 passphrase.
    pub passphrase: String,
    /// 44, 49 or 84.
    pub purpose: u32,
    /// Account number.
    pub account: u32,
    /// Recipient address.
    pub to: String,
    /// Amount in satoshis.
    pub amount: u64,
    /// Explicit fee rate in sat/vB.
    pub fee_rate: Option<u64>,
    /// How many addresses per chain (receive, change) to derive.
    pub gap: u32,
    /// The caller's idempotency key.
    pub idempotency_key: Option<String>,
}

/// A broadcast payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SendResult {
    /// Its txid.
    pub txid: String,
    /// The fee paid, in satoshis.
    pub fee: u64,
    /// The change address used, if change was made.
    pub change_address: Option<String>,
}

/// The txid of a submitted payment the daemon holds, or why it does not.
pub fn settled_txid(s: &Submitted) -> Result<Txid, BtcError> {
    match s.record.status {
        PaymentStatus::Broadcast | PaymentStatus::Confirmed => Ok(s.txid),
        status => Err(BtcError::NotSent {
            txid: s.txid.to_string(),
            status,
            reason: s.record.last_error.clone().unwrap_or_default(),
        }),
    }
}

/// The Bitcoin-family chain interface: one daemon, one store.
#[derive(Debug)]
pub struct Adapter {
    config: AdapterConfig,
    rpc: RpcClient,
    store: Store,
}

/// The consensus serialization of a transaction, in hex (as `sendrawtransaction` takes it).
pub fn raw_hex(tx: &bitcoin::Transaction) -> String {
    const_hex::encode(serialize(tx))
}

/// The store file of a coin and network inside `data_dir`.
pub fn store_path(data_dir: &Path, params: &ChainParams) -> PathBuf {
    data_dir.join(format!(
        "{}-{}.redb",
        params.coin.as_str(),
        params.network.as_str()
    ))
}

impl Adapter {
    /// Opens the store and prepares the RPC client (no call is made yet).
    pub fn open(config: AdapterConfig) -> Result<Adapter, BtcError> {
        let store = Store::open(&store_path(&config.data_dir, config.params), config.params)?;
        let rpc = RpcClient::new(config.rpc.clone());
        Ok(Adapter { config, rpc, store })
    }

    /// How it was configured.
    pub fn config(&self) -> &AdapterConfig {
        &self.config
    }

    /// The RPC client.
    pub fn rpc(&self) -> &RpcClient {
        &self.rpc
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The chain.
    pub fn params(&self) -> &'static ChainParams {
        self.config.params
    }

    /// The daemon's tip and the processed height.
    pub fn status(&self) -> Result<Status, BtcError> {
        let synced_height = self.store.tip()?.map(|t| t.height);
        let tip = self
            .rpc
            .block_count()
            .and_then(|h| Ok((h, self.rpc.best_block_hash()?)));
        match tip {
            Ok((h, hash)) => Ok(Status {
                tip_height: Some(h),
                tip_hash: Some(hash.to_string()),
                synced_height,
                daemon: DaemonState::Ok,
                unreachable_since: None,
            }),
            Err(BtcError::Unreachable { since, .. }) => Ok(Status {
                tip_height: None,
                tip_hash: None,
                synced_height,
                daemon: DaemonState::Unreachable,
                unreachable_since: Some(since),
            }),
            Err(e) => Err(e),
        }
    }

    /// Adds watched addresses (checked for the coin and network); returns how many were new.
    pub fn watch(&self, addresses: &[String]) -> Result<usize, BtcError> {
        let parsed = addresses
            .iter()
            .map(|a| {
                Address::parse(self.config.params, a).map_err(|e| BtcError::Address {
                    address: a.clone(),
                    reason: e.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.store.add_watched(&parsed)
    }

    /// A follower of this adapter's daemon and store.
    pub fn follower(&self) -> Result<Follower<'_>, BtcError> {
        Follower::new(&self.rpc, &self.store, self.config.follow.clone())
    }

    /// Follows to the daemon's tip, looks at the mempool, then sends again
    /// every own payment that is recorded but not settled.
    pub fn sync(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<SyncReport, BtcError> {
        let mut f = self.follower()?;
        let mut report = f.sync_to_tip(progress)?;
        report.events += f.poll_mempool()?;
        report.rebroadcast = self.rebroadcast()?;
        Ok(report)
    }

    /// Follows until `stop` is set, with ZMQ notifications when configured.
    pub fn follow(
        &self,
        stop: Arc<AtomicBool>,
        on_events: &mut dyn FnMut(&[Event]),
    ) -> Result<(), BtcError> {
        let (tx, rx) = mpsc::channel();
        let zmq_thread = match &self.config.zmq {
            Some(endpoint) => Some(zmq::spawn_subscriber(endpoint, tx, stop.clone())?),
            None => None,
        };
        let mut f = self.follower()?;
        let result = f.run(&stop, zmq_thread.as_ref().map(|_| &rx), on_events);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = zmq_thread {
            let _ = t.join();
        }
        result
    }

    /// Blocks before a coinbase output matures on this chain.
    pub fn maturity(&self) -> u64 {
        payments::coinbase_maturity(self.config.params)
    }

    /// Every deposit to a watched address.
    pub fn deposits(&self) -> Result<Vec<Deposit>, BtcError> {
        let synced = self.store.tip()?.map(|t| t.height);
        Ok(deposits_view(
            &self.store.outputs()?,
            synced,
            self.maturity(),
        ))
    }

    /// Confirmed, unspent and mature outputs of watched addresses.
    pub fn unspent(&self) -> Result<Vec<payments::Spendable>, BtcError> {
        let Some(tip) = self.store.tip()? else {
            return Ok(Vec::new());
        };
        Ok(payments::spendable(
            &self.store.outputs()?,
            tip.height,
            self.maturity(),
        ))
    }

    /// Sends a raw transaction durably through the outbox (see
    /// [`Adapter::submit`]); returns its txid once the daemon holds it.
    pub fn broadcast(&self, raw: &[u8]) -> Result<Txid, BtcError> {
        let sent = self.submit(Outgoing {
            raw: raw.to_vec(),
            ..Outgoing::default()
        })?;
        settled_txid(&sent)
    }

    /// Events from `seq` on.
    pub fn events_since(&self, seq: u64, limit: usize) -> Result<Vec<Event>, BtcError> {
        self.store.events_since(seq, limit)
    }

    /// Syncs, then pays from watched outputs whose keys derive from the
    /// mnemonic, with change to the next unused change address; records the
    /// payment so it is tracked until confirmed.
    pub fn send(&self, req: &SendRequest) -> Result<SendResult, BtcError> {
        let params = self.config.params;
        let to = Address::parse(params, &req.to).map_err(|e| BtcError::Address {
            address: req.to.clone(),
            reason: e.to_string(),
        })?;
        let ring = payments::derive_keyring(
            params,
            &req.mnemonic,
            &req.passphrase,
            req.purpose,
            req.account,
            req.gap,
        )?;
        self.sync(&mut |_, _| {})?;
        let outputs = self.store.outputs()?;
        let used: std::collections::HashSet<&str> =
            outputs.iter().map(|(_, r)| r.address.as_str()).collect();
        let change_text = payments::next_change(&ring, &|a| used.contains(a))
            .ok_or_else(|| BtcError::Keys("every derived change address is used".into()))?;
        let change = Address::parse(params, change_text).map_err(|e| BtcError::Address {
            address: change_text.to_owned(),
            reason: e.to_string(),
        })?;
        let tip = self
            .store
            .tip()?
            .ok_or_else(|| BtcError::Invalid("nothing synced yet".into()))?;
        let available = payments::spendable(&outputs, tip.height, self.maturity());
        let fee_rate = payments::choose_fee_rate(
            &self.rpc,
            params,
            req.fee_rate,
            self.config.fee_floor,
            self.config.fee_fallback,
            6,
        )?;
        let signed = payments::plan_payment(
            params, &ring, &available, &to, req.amount, fee_rate, &change,
        )?;
        self.store.add_watched(std::slice::from_ref(&change))?;
        let sent = self.submit(Outgoing {
            raw: serialize(&signed.tx),
            reference: req.idempotency_key.clone(),
            to: Some(req.to.clone()),
            amount: Some(req.amount),
            fee: Some(signed.fee),
        })?;
        let txid = settled_txid(&sent)?;
        tracing::info!("payment {txid} broadcast: fee {} sat", signed.fee);
        Ok(SendResult {
            txid: txid.to_string(),
            fee: signed.fee,
            change_address: signed.change_index.map(|_| change.to_string()),
        })
    }
}
