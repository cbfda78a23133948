//! Command handlers: each parses its arguments into typed values, calls the
//! coin logic and prints the result.

mod address;
pub mod chain;
pub mod engine;
mod keys;
pub mod node;
mod node_run;
pub mod serve;
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
        Command::Node(cmd) => node::run(cmd, cli.json),
        Command::Serve(args) => serve::run(args),
        Command::Openapi(args) => serve::openapi(args),
        Command::Chain(cmd) => chain::run(cmd, cli.json),
        Command::Engine(cmd) => engine::run(cmd, cli.json),
    }
}
