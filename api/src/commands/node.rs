//! `skyx node …`: the Skycoin full node's store and its operations.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use serde::Serialize;
use skyx_node::chainfile::ChainSpec;
use skyx_node::devnet::{generate_to_file, GenerateOptions};
use skyx_node::import::{import_chain_file, import_reference_db, is_bolt_file, ImportOptions};
use skyx_node::repair::{export, repair, RepairSource};
use skyx_node::store::ChainStore;
use skyx_node::verify::verify_dir;

use crate::output::print_json;

/// The data directory of a node.
#[derive(Debug, Args)]
pub struct DataDir {
    /// Folder holding the node's store.
    #[arg(long = "data-dir", env = "SKYX_DATA_DIR", value_name = "DIR")]
    pub data_dir: PathBuf,
}

/// `skyx node` subcommands.
#[derive(Debug, Subcommand)]
pub enum NodeCommand {
    /// Import a chain file (JSONL) or a reference node's data.db, validating
    /// every block; an interrupted import resumes where it stopped.
    Import {
        #[command(flatten)]
        dir: DataDir,
        /// The chain file or data.db.
        file: PathBuf,
        /// Transactions written between durable commits (an interrupted
        /// import resumes after the last commit).
        #[arg(
            long = "commit-every",
            env = "SKYX_IMPORT_COMMIT_EVERY",
            value_name = "TXS",
            default_value_t = skyx_node::import::COMMIT_TXS,
            value_parser = clap::value_parser!(u64).range(1..)
        )]
        commit_every: u64,
        /// Memory for the store's page cache, in MiB (imports of large
        /// chains are faster when the indexes fit: ~2 GB per million txns).
        #[arg(
            long = "cache-mb",
            env = "SKYX_STORE_CACHE_MB",
            value_name = "MIB",
            default_value_t = (skyx_node::store::DEFAULT_CACHE_BYTES >> 20) as u64,
            value_parser = clap::value_parser!(u64).range((skyx_node::store::MIN_CACHE_BYTES >> 20) as u64..)
        )]
        cache_mb: u64,
    },
    /// Print the store's figures.
    Status {
        #[command(flatten)]
        dir: DataDir,
    },
    /// Re-check everything (exit 0 clean, 1 with a report).
    Verify {
        #[command(flatten)]
        dir: DataDir,
    },
    /// Rebuild a damaged store from its good blocks, then refetch the rest.
    Repair {
        #[command(flatten)]
        dir: DataDir,
        /// Chain file to take missing blocks from.
        #[arg(long, conflicts_with = "peer")]
        from: Option<PathBuf>,
        /// Peer to fetch missing blocks from.
        #[arg(long)]
        peer: Option<SocketAddr>,
        /// When the store is too damaged to say which chain it held: the
        /// chain described by this chain file's header.
        #[arg(long)]
        chain: Option<PathBuf>,
    },
    /// Write the chain to a chain file.
    Export {
        #[command(flatten)]
        dir: DataDir,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Run the node: peer sync, mempool, and block publishing when given the
    /// publisher key. Stops on Ctrl-C.
    Run {
        #[command(flatten)]
        dir: DataDir,
        #[command(flatten)]
        net: NetArgs,
        /// File holding the block publisher's secret key (hex): this node
        /// then makes a block from its mempool every `--block-interval`.
        #[arg(long = "publisher-key-file")]
        publisher_key_file: Option<PathBuf>,
        /// For a new data directory: join the chain described by this chain
        /// file's header (default: Skycoin mainnet).
        #[arg(long)]
        chain: Option<PathBuf>,
    },
    /// Private chains.
    #[command(subcommand)]
    Devnet(DevnetCommand),
}

/// Peer-network flags of a running node.
#[derive(Debug, Args)]
pub struct NetArgs {
    /// Address to accept peers on (e.g. 127.0.0.1:6000; port 0 picks one).
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Peer to keep connected to (repeatable).
    #[arg(long = "peer")]
    pub peers: Vec<SocketAddr>,
    /// Seconds between published blocks (publisher mode).
    #[arg(long = "block-interval", default_value_t = 10)]
    pub block_interval: u64,
}

/// `skyx node devnet` subcommands.
#[derive(Debug, Subcommand)]
pub enum DevnetCommand {
    /// Generate a valid signed synthetic chain.
    Generate {
        /// Blocks after genesis.
        #[arg(long)]
        blocks: u64,
        /// Transactions per block.
        #[arg(long = "txs-per-block")]
        txs_per_block: u32,
        /// Output chain file.
        #[arg(long)]
        out: PathBuf,
        /// Seed of the chain's keys (same seed, same chain).
        #[arg(long)]
        seed: Option<String>,
    },
    /// Run a private chain's block publisher: its own genesis and publisher
    /// key from `--seed`, a block every `--block-interval` seconds from the
    /// mempool.
    Run {
        #[command(flatten)]
        dir: DataDir,
        #[command(flatten)]
        net: NetArgs,
        /// Seed of the chain's keys (as for `devnet generate`).
        #[arg(long, default_value = "skyx-devnet")]
        seed: String,
    },
}

/// Runs a `skyx node` subcommand.
pub fn run(cmd: &NodeCommand, compact: bool) -> anyhow::Result<ExitCode> {
    match cmd {
        NodeCommand::Import {
            dir,
            file,
            commit_every,
            cache_mb,
        } => {
            let opts = ImportOptions {
                commit_txs: *commit_every,
                store: skyx_node::store::StoreOptions::with_cache_mib(*cache_mb),
            };
            import(&dir.data_dir, file, &opts, compact)
        }
        NodeCommand::Status { dir } => {
            let store = open_existing(&dir.data_dir)?;
            print_json(&store.status()?, compact)?;
            Ok(ExitCode::SUCCESS)
        }
        NodeCommand::Verify { dir } => {
            // A damaged journal or a store that does not even open is a
            // finding, not a failure of the command.
            let report = verify_dir(&dir.data_dir, || {
                open_existing(&dir.data_dir).map_err(|e| format!("{e:#}"))
            })?;
            print_json(&report, compact)?;
            Ok(if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        NodeCommand::Repair {
            dir,
            from,
            peer,
            chain,
        } => {
            let hint = match chain {
                Some(f) => Some(chain_file_spec(f)?),
                None => None,
            };
            let source = match (from, peer) {
                (Some(f), _) => RepairSource::File(f.clone()),
                (None, Some(addr)) => RepairSource::Peer(*addr),
                (None, None) => RepairSource::None,
            };
            let report = repair(&dir.data_dir, hint.as_ref(), source)?;
            print_json(&report, compact)?;
            Ok(ExitCode::SUCCESS)
        }
        NodeCommand::Export { dir, out } => {
            let store = open_existing(&dir.data_dir)?;
            let n = export(&store, out)?;
            print_json(
                &Exported {
                    blocks: n,
                    out: out.display().to_string(),
                },
                compact,
            )?;
            Ok(ExitCode::SUCCESS)
        }
        NodeCommand::Run {
            dir,
            net,
            publisher_key_file,
            chain,
        } => {
            let spec = match chain {
                Some(f) => Some(chain_file_spec(f)?),
                None => None,
            };
            let store = ChainStore::open(&dir.data_dir, spec.as_ref())?;
            let publisher = match publisher_key_file {
                Some(f) => Some(read_publisher_key(f, &store)?),
                None => None,
            };
            crate::commands::node_run::run(store, net, publisher)
        }
        NodeCommand::Devnet(DevnetCommand::Run { dir, net, seed }) => {
            let opts = GenerateOptions {
                seed: seed.clone(),
                ..GenerateOptions::default()
            };
            let spec = skyx_node::devnet::chain_spec(&opts)?;
            let store = ChainStore::open(&dir.data_dir, Some(&spec))?;
            let publisher = skyx_node::devnet::keys::publisher_key(seed).secret;
            crate::commands::node_run::run(store, net, Some(publisher))
        }
        NodeCommand::Devnet(DevnetCommand::Generate {
            blocks,
            txs_per_block,
            out,
            seed,
        }) => {
            let mut opts = GenerateOptions {
                blocks: *blocks,
                txs_per_block: *txs_per_block,
                ..GenerateOptions::default()
            };
            if let Some(seed) = seed {
                opts.seed = seed.clone();
            }
            let summary = generate_to_file(&opts, out)?;
            print_json(&Generated::from(&summary, out), compact)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// What `skyx node export` prints.
#[derive(Serialize)]
struct Exported {
    blocks: u64,
    out: String,
}

/// What `skyx node devnet generate` prints.
#[derive(Serialize)]
struct Generated {
    out: String,
    blocks: u64,
    transactions: u64,
    addresses: usize,
    genesis_hash: String,
    head_hash: String,
    seconds: f64,
}

impl Generated {
    fn from(s: &skyx_node::devnet::GenerateSummary, out: &Path) -> Generated {
        Generated {
            out: out.display().to_string(),
            blocks: s.blocks,
            transactions: s.transactions,
            addresses: s.addresses,
            genesis_hash: s.genesis_hash.to_hex(),
            head_hash: s.head_hash.to_hex(),
            seconds: s.elapsed.as_secs_f64(),
        }
    }
}

fn import(
    data_dir: &Path,
    file: &Path,
    opts: &ImportOptions,
    compact: bool,
) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let bolt = is_bolt_file(file).with_context(|| format!("cannot read {}", file.display()))?;
    let (store, summary) = if bolt {
        import_reference_db(data_dir, file, opts)?
    } else {
        import_chain_file(data_dir, file, opts)?
    };
    #[derive(Serialize)]
    struct Imported {
        #[serde(flatten)]
        summary: skyx_node::import::ImportSummary,
        height: Option<u64>,
        head_hash: Option<String>,
        seconds: f64,
    }
    let head = store.head();
    print_json(
        &Imported {
            summary,
            height: head.header.map(|h| h.bk_seq),
            head_hash: head.header.map(|h| h.hash().to_hex()),
            seconds: started.elapsed().as_secs_f64(),
        },
        compact,
    )?;
    Ok(ExitCode::SUCCESS)
}

/// The chain spec in a chain file's header.
fn chain_file_spec(path: &Path) -> anyhow::Result<ChainSpec> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let reader = skyx_node::chainfile::ChainFileReader::new(std::io::BufReader::new(f))?;
    Ok(reader.spec().clone())
}

/// Reads a hex secret key and checks it is the chain's publisher key.
fn read_publisher_key(path: &Path, store: &ChainStore) -> anyhow::Result<secp256k1::SecretKey> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let bytes =
        hex::decode(text.trim()).with_context(|| format!("{} is not hex", path.display()))?;
    let key = skyx_coins::sky::keys::secret_from_bytes(&bytes)
        .with_context(|| format!("{} does not hold a secret key", path.display()))?;
    if key.public_key(secp256k1::SECP256K1) != *store.publisher() {
        bail!(
            "{} is not the block publisher key of this chain",
            path.display()
        );
    }
    Ok(key)
}

/// Opens the store of an existing data directory (never creates one).
pub fn open_existing(data_dir: &Path) -> anyhow::Result<ChainStore> {
    if !data_dir.join(skyx_node::store::STORE_FILE).exists() {
        bail!(
            "no node store in {}: run `skyx node import` first",
            data_dir.display()
        );
    }
    Ok(ChainStore::open(data_dir, None::<&ChainSpec>)?)
}
