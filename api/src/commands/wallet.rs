//! `skyx wallet inspect`.

use std::process::ExitCode;

use crate::cli::WalletInspectArgs;

/// `skyx wallet inspect FILE.wlt [--password-stdin]`.
pub fn inspect(_args: &WalletInspectArgs, _compact: bool) -> anyhow::Result<ExitCode> {
    anyhow::bail!("wallet inspection is not wired yet")
}
