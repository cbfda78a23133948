//! `skyx chain …`: the Bitcoin-family adapter. Follows a coin daemon over
//! JSON-RPC (ZMQ or polling), keeps the deposits of watched addresses, and
//! pays from them with keys derived from a mnemonic.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use skyx_coins::amount::Amount;
use skyx_coins::btc::{self, FeeRate};
use skyx_node::bitcoin::{
    Adapter, AdapterConfig, BtcError, DaemonState, FollowConfig, RpcConfig, SendRequest,
};

use crate::output::print_json;

/// Flags every `skyx chain` command takes.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// btc, ltc, doge, bch or bsv.
    #[arg(long)]
    pub coin: String,
    /// mainnet, testnet or regtest.
    #[arg(long, default_value = "mainnet")]
    pub network: String,
    /// The daemon's JSON-RPC URL, e.g. http://127.0.0.1:19332.
    #[arg(long, env = "SKYX_RPC_URL")]
    pub rpc: String,
    /// RPC user.
    #[arg(long = "rpc-user", env = "SKYX_RPC_USER", default_value = "")]
    pub rpc_user: String,
    /// RPC password.
    #[arg(
        long = "rpc-password",
        env = "SKYX_RPC_PASSWORD",
        default_value = "",
        hide_env_values = true
    )]
    pub rpc_password: String,
    /// The daemon's ZMQ block notifications, e.g. tcp://127.0.0.1:28332.
    #[arg(long)]
    pub zmq: Option<String>,
    /// Folder of the adapter's store (`<coin>-<network>.redb`).
    #[arg(long = "data-dir")]
    pub data_dir: PathBuf,
    /// Height to start following from on a new store.
    #[arg(long = "start-height", default_value_t = 0)]
    pub start_height: u64,
    /// Timeout of one RPC exchange, in seconds.
    #[arg(long = "rpc-timeout", default_value_t = 30)]
    pub rpc_timeout: u64,
    /// How long to keep retrying an unreachable daemon, in seconds.
    #[arg(long = "wait", default_value_t = 120)]
    pub wait: u64,
    /// Blocks fetched per RPC batch.
    #[arg(long = "batch", default_value_t = 50)]
    pub batch: usize,
}

/// `skyx chain watch` arguments.
#[derive(Debug, Args)]
pub struct WatchArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Addresses to watch.
    #[arg(required = true)]
    addresses: Vec<String>,
}

/// `skyx chain send` arguments.
#[derive(Debug, Args)]
pub struct SendArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// The BIP39 mnemonic sentence.
    #[arg(long)]
    mnemonic: String,
    /// BIP39 passphrase.
    #[arg(long, default_value = "")]
    passphrase: String,
    /// 44 (legacy), 49 (P2SH-P2WPKH) or 84 (P2WPKH).
    #[arg(long, default_value_t = 44)]
    purpose: u32,
    /// Account number.
    #[arg(long, default_value_t = 0)]
    account: u32,
    /// Recipient address.
    #[arg(long)]
    to: String,
    /// Amount in coins, as a decimal (e.g. 0.1).
    #[arg(long)]
    amount: String,
    /// Fee rate in satoshis per virtual byte (default: the daemon's estimate).
    #[arg(long = "fee-rate")]
    fee_rate: Option<u64>,
    /// Addresses derived per chain (receive and change) to find keys.
    #[arg(long, default_value_t = 100)]
    gap: u32,
}

/// `skyx chain events` arguments.
#[derive(Debug, Args)]
pub struct EventsArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// First event sequence number to list.
    #[arg(long, default_value_t = 0)]
    since: u64,
}

/// `skyx chain follow` arguments.
#[derive(Debug, Args)]
pub struct FollowArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Seconds between polls when no ZMQ notification arrives.
    #[arg(long = "poll-interval", default_value_t = 2)]
    poll_interval: u64,
    /// Stop after this many seconds (default: run until killed).
    #[arg(long = "for")]
    run_for: Option<u64>,
}

/// `skyx chain` subcommands.
#[derive(Debug, Subcommand)]
pub enum ChainCommand {
    /// Show the daemon's tip and the adapter's progress.
    Status(CommonArgs),
    /// Add addresses to watch.
    Watch(WatchArgs),
    /// Follow the daemon to its tip (and look at its mempool), then exit.
    Sync(CommonArgs),
    /// List the deposits to watched addresses.
    Deposits(CommonArgs),
    /// List the confirmed, unspent, mature outputs of watched addresses.
    Unspent(CommonArgs),
    /// Pay from watched outputs with keys derived from a mnemonic.
    Send(SendArgs),
    /// List deposit and payment events.
    Events(EventsArgs),
    /// Follow the daemon continuously, printing events as JSON lines.
    Follow(FollowArgs),
}

fn fail(e: BtcError) -> anyhow::Error {
    anyhow::anyhow!("{e} [{}]", e.code())
}

fn open(c: &CommonArgs, poll: Duration) -> anyhow::Result<Adapter> {
    let coin: btc::Coin = c.coin.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let network: btc::Network = c.network.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let params = btc::params(coin, network).map_err(|e| anyhow::anyhow!("{e}"))?;
    let config = AdapterConfig {
        params,
        rpc: RpcConfig {
            url: c.rpc.clone(),
            user: c.rpc_user.clone(),
            password: c.rpc_password.clone(),
            timeout: Duration::from_secs(c.rpc_timeout.max(1)),
            max_wait: Duration::from_secs(c.wait),
        },
        zmq: c.zmq.clone(),
        data_dir: c.data_dir.clone(),
        follow: FollowConfig {
            start_height: c.start_height,
            batch: c.batch.clamp(1, 1000),
            poll_interval: poll,
            ..FollowConfig::default()
        },
        fee_floor: params.min_relay_fee,
        fee_fallback: FeeRate::from_sat_per_kvb(params.min_relay_fee.sat_per_kvb().max(10_000)),
    };
    Adapter::open(config).map_err(fail)
}

/// Runs a `skyx chain` subcommand.
pub fn run(cmd: &ChainCommand, compact: bool) -> anyhow::Result<ExitCode> {
    let default_poll = Duration::from_secs(2);
    match cmd {
        ChainCommand::Status(c) => {
            // Status answers at once: one try, no waiting for the daemon.
            let quick = CommonArgs {
                wait: 0,
                rpc_timeout: c.rpc_timeout.min(5),
                ..clone_common(c)
            };
            let status = open(&quick, default_poll)?.status().map_err(fail)?;
            if let (DaemonState::Unreachable, Some(since)) =
                (status.daemon, &status.unreachable_since)
            {
                eprintln!("daemon unreachable since {since}");
            }
            print_json(&status, compact)?;
        }
        ChainCommand::Watch(a) => {
            let adapter = open(&a.common, default_poll)?;
            let added = adapter.watch(&a.addresses).map_err(fail)?;
            let total = adapter.store().watched().map_err(fail)?.len();
            print_json(&json!({"added": added, "watched": total}), compact)?;
        }
        ChainCommand::Sync(c) => sync(c, compact)?,
        ChainCommand::Deposits(c) => {
            let adapter = open(c, default_poll)?;
            print_json(&adapter.deposits().map_err(fail)?, compact)?;
        }
        ChainCommand::Unspent(c) => {
            let adapter = open(c, default_poll)?;
            let list: Vec<_> = adapter
                .unspent()
                .map_err(fail)?
                .into_iter()
                .map(|s| {
                    json!({
                        "txid": s.outpoint.txid.to_string(),
                        "vout": s.outpoint.vout,
                        "address": s.address,
                        "amount": skyx_node::bitcoin::format_amount(s.value),
                    })
                })
                .collect();
            print_json(&list, compact)?;
        }
        ChainCommand::Send(a) => {
            let adapter = open(&a.common, default_poll)?;
            let coin = adapter.params().coin;
            let amount = Amount::parse(coin.into(), &a.amount)
                .map_err(|_| fail(BtcError::Amount(a.amount.clone())))?
                .units();
            let result = adapter
                .send(&SendRequest {
                    mnemonic: a.mnemonic.clone(),
                    passphrase: a.passphrase.clone(),
                    purpose: a.purpose,
                    account: a.account,
                    to: a.to.clone(),
                    amount,
                    fee_rate: a.fee_rate,
                    gap: a.gap.clamp(1, 10_000),
                    idempotency_key: None,
                })
                .map_err(fail)?;
            print_json(&json!({"txid": result.txid}), compact)?;
        }
        ChainCommand::Events(a) => {
            let adapter = open(&a.common, default_poll)?;
            let events = adapter.events_since(a.since, usize::MAX).map_err(fail)?;
            print_json(&events, compact)?;
        }
        ChainCommand::Follow(a) => {
            let adapter = open(&a.common, Duration::from_secs(a.poll_interval.max(1)))?;
            let stop = Arc::new(AtomicBool::new(false));
            if let Some(secs) = a.run_for {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_secs(secs));
                    stop.store(true, Ordering::Relaxed);
                });
            }
            let mut out = std::io::stdout();
            adapter
                .follow(stop, &mut |events| {
                    for e in events {
                        if let Ok(line) = serde_json::to_string(e) {
                            let _ = writeln!(out, "{line}");
                        }
                    }
                    let _ = out.flush();
                })
                .map_err(fail)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn clone_common(c: &CommonArgs) -> CommonArgs {
    CommonArgs {
        coin: c.coin.clone(),
        network: c.network.clone(),
        rpc: c.rpc.clone(),
        rpc_user: c.rpc_user.clone(),
        rpc_password: c.rpc_password.clone(),
        zmq: c.zmq.clone(),
        data_dir: c.data_dir.clone(),
        start_height: c.start_height,
        rpc_timeout: c.rpc_timeout,
        wait: c.wait,
        batch: c.batch,
    }
}

fn sync(c: &CommonArgs, compact: bool) -> anyhow::Result<()> {
    let adapter = open(c, Duration::from_secs(2))?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos}/{len} blocks {per_sec} eta {eta}")
            .context("progress template")?,
    );
    let started = Instant::now();
    let first = adapter.store().next_height().map_err(fail)?;
    let result = adapter.sync(&mut |height, tip| {
        bar.set_length(tip.saturating_sub(first) + 1);
        bar.set_position((height + 1).saturating_sub(first));
    });
    bar.finish_and_clear();
    let report = result.map_err(fail)?;
    let tip = adapter.store().tip().map_err(fail)?;
    let secs = started.elapsed().as_secs_f64();
    print_json(
        &json!({
            "synced_height": tip.map(|t| t.height),
            "tip_hash": tip.and_then(|t| t.hash).map(|h| h.to_string()),
            "blocks": report.blocks,
            "transactions": report.txs,
            "rolled_back": report.rolled_back,
            "events": report.events,
            "seconds": format!("{secs:.3}"),
            "rpc_seconds": format!("{:.3}", report.rpc.as_secs_f64()),
            "parse_seconds": format!("{:.3}", report.parse.as_secs_f64()),
            "store_seconds": format!("{:.3}", report.store.as_secs_f64()),
        }),
        compact,
    )?;
    Ok(())
}
