//! `skyx chain …`: the Bitcoin-family adapter.

use std::process::ExitCode;

use clap::Subcommand;

/// `skyx chain` subcommands.
#[derive(Debug, Subcommand)]
pub enum ChainCommand {
    /// Show the daemon's tip and the adapter's progress.
    Status,
}

/// Runs a `skyx chain` subcommand.
pub fn run(_cmd: &ChainCommand, _compact: bool) -> anyhow::Result<ExitCode> {
    anyhow::bail!("the Bitcoin-family adapter is not part of this build yet")
}
