//! `skyx wallet inspect`.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;
use skyx_coins::sky::wallet::parse_wallet;

use crate::cli::WalletInspectArgs;
use crate::output::print_json;

/// Largest wallet file read (a wallet with 100k addresses is ~20 MB).
const MAX_WALLET_BYTES: u64 = 64 * 1024 * 1024;

/// What `skyx wallet inspect` prints.
#[derive(Serialize)]
struct Inspection {
    #[serde(rename = "type")]
    wallet_type: String,
    coin: String,
    label: String,
    version: String,
    encrypted: bool,
    /// Whether the secrets were decrypted and every address re-derived from them.
    secrets_verified: bool,
    addresses: Vec<String>,
}

/// `skyx wallet inspect FILE.wlt [--password-stdin]`: loads and validates the
/// wallet; with a password, decrypts it and re-derives every key.
pub fn inspect(args: &WalletInspectArgs, compact: bool) -> anyhow::Result<ExitCode> {
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("cannot open {}", args.file.display()))?;
    let mut bytes = Vec::new();
    file.take(MAX_WALLET_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    if bytes.len() as u64 > MAX_WALLET_BYTES {
        anyhow::bail!(
            "{} is larger than {MAX_WALLET_BYTES} bytes",
            args.file.display()
        );
    }
    let mut wallet = parse_wallet(&bytes)
        .with_context(|| format!("{} is not a valid wallet", args.file.display()))?;
    if let Some(name) = args.file.file_name().and_then(|n| n.to_str()) {
        wallet.set_filename(name);
    }
    let encrypted = wallet.is_encrypted();
    let mut secrets_verified = false;
    if args.password_stdin {
        let mut password = String::new();
        std::io::stdin()
            .read_line(&mut password)
            .context("cannot read the password from standard input")?;
        let password = password.trim_end_matches(['\r', '\n']);
        let unlocked = if encrypted {
            wallet
                .unlock(password.as_bytes())
                .context("cannot decrypt the wallet")?
        } else {
            wallet.clone()
        };
        unlocked
            .verify_keys()
            .context("the wallet's keys do not match its addresses")?;
        secrets_verified = true;
    }
    let summary = wallet.summary();
    print_json(
        &Inspection {
            wallet_type: summary.wallet_type,
            coin: summary.coin,
            label: summary.label,
            version: summary.version,
            encrypted,
            secrets_verified,
            addresses: summary.addresses,
        },
        compact,
    )?;
    Ok(ExitCode::SUCCESS)
}
