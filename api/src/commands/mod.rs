//! Command handlers: each parses its arguments into typed values, calls the
//! coin logic and prints the result.

mod address;
mod keys;
mod wallet;

use std::process::ExitCode;

use crate::cli::{AddressCommand, Cli, Command, KeysCommand, WalletCommand};

/// Runs the parsed command line.
pub fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Keys(KeysCommand::Sky(args)) => keys::sky(args, cli.json),
        Command::Keys(KeysCommand::Hd(args)) => keys::hd(args, cli.json),
        Command::Address(AddressCommand::Check(args)) => address::check(args, cli.json),
        Command::Wallet(WalletCommand::Inspect(args)) => wallet::inspect(args, cli.json),
    }
}
