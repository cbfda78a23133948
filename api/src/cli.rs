//! Command-line interface definitions (clap). The command names, flags and
//! JSON fields are a stable contract that scripts depend on.

use clap::{Args, Parser, Subcommand};

/// skyx: a Skycoin full node, a Bitcoin-family adapter, a multi-coin wallet
/// API and an exchange engine in one server.
#[derive(Debug, Parser)]
#[command(name = "skyx", version, about, propagate_version = true)]
pub struct Cli {
    /// Print compact JSON on stdout (one line).
    #[arg(long, global = true)]
    pub json: bool,
    /// More log output on stderr (-v info, -vv debug); `SKYX_LOG` overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Derive keys and addresses.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Work with addresses.
    #[command(subcommand)]
    Address(AddressCommand),
    /// Work with Skycoin wallet files (.wlt).
    #[command(subcommand)]
    Wallet(WalletCommand),
    /// The Skycoin full node: import, status, verify, repair, export, run, devnet.
    #[command(subcommand)]
    Node(crate::commands::node::NodeCommand),
    /// Run the HTTP API server with the node inside.
    Serve(crate::commands::serve::ServeArgs),
    /// Print the OpenAPI document of the HTTP API.
    Openapi(crate::commands::serve::OpenapiArgs),
    /// Follow a Bitcoin-family daemon: deposits, confirmations, payments.
    #[command(subcommand)]
    Chain(crate::commands::chain::ChainCommand),
    /// The matching engine's files: verify.
    #[command(subcommand)]
    Engine(crate::commands::engine::EngineCommand),
}

/// `skyx keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Skycoin deterministic keys from a seed, in chain order.
    Sky(KeysSkyArgs),
    /// BIP32/44/49/84 keys from a BIP39 mnemonic.
    Hd(KeysHdArgs),
}

/// Arguments of `skyx keys sky`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("seed_source").required(true).args(["seed", "seed_hex"])))]
pub struct KeysSkyArgs {
    /// The seed as text (its UTF-8 bytes are the seed, as in Skycoin wallets).
    #[arg(long)]
    pub seed: Option<String>,
    /// The seed as hex bytes.
    #[arg(long = "seed-hex", value_name = "HEX")]
    pub seed_hex: Option<String>,
    /// How many keys.
    #[arg(long, default_value_t = 1)]
    pub count: u32,
}

/// Arguments of `skyx keys hd`.
#[derive(Debug, Args)]
pub struct KeysHdArgs {
    /// btc, ltc, doge, bch, bsv or sky.
    #[arg(long)]
    pub coin: String,
    /// The BIP39 mnemonic sentence.
    #[arg(long)]
    pub mnemonic: String,
    /// BIP39 passphrase.
    #[arg(long, default_value = "")]
    pub passphrase: String,
    /// 44 (legacy), 49 (P2SH-P2WPKH) or 84 (P2WPKH).
    #[arg(long, default_value_t = 44)]
    pub purpose: u32,
    /// Account index.
    #[arg(long, default_value_t = 0)]
    pub account: u32,
    /// 0 for receiving addresses, 1 for change.
    #[arg(long, default_value_t = 0)]
    pub change: u32,
    /// How many keys, from index 0.
    #[arg(long, default_value_t = 1)]
    pub count: u32,
    /// mainnet, testnet or regtest.
    #[arg(long, default_value = "mainnet")]
    pub network: String,
}

/// `skyx address …`
#[derive(Debug, Subcommand)]
pub enum AddressCommand {
    /// Check an address for a coin and network (exit 0 valid, 1 invalid).
    Check(AddressCheckArgs),
}

/// Arguments of `skyx address check`.
#[derive(Debug, Args)]
pub struct AddressCheckArgs {
    /// sky, btc, ltc, doge, bch or bsv.
    #[arg(long)]
    pub coin: String,
    /// mainnet, testnet or regtest.
    #[arg(long, default_value = "mainnet")]
    pub network: String,
    /// The address.
    pub address: String,
}

/// `skyx wallet …`
#[derive(Debug, Subcommand)]
pub enum WalletCommand {
    /// Show a wallet file's type, coin and addresses.
    Inspect(WalletInspectArgs),
}

/// Arguments of `skyx wallet inspect`.
#[derive(Debug, Args)]
pub struct WalletInspectArgs {
    /// The .wlt file.
    pub file: std::path::PathBuf,
    /// Read the password from standard input to decrypt an encrypted wallet.
    #[arg(long = "password-stdin")]
    pub password_stdin: bool,
}
