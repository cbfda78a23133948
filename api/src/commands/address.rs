//! `skyx address check`.

use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;
use skyx_coins::btc;
use skyx_coins::sky::address::Address as SkyAddress;

use crate::cli::AddressCheckArgs;
use crate::output::print_json;

/// The answer of `skyx address check`.
#[derive(Serialize)]
#[serde(untagged)]
enum CheckResult {
    Valid {
        valid: bool,
        kind: String,
        coin: String,
        network: String,
    },
    Invalid {
        valid: bool,
        error: String,
        code: &'static str,
    },
}

/// `skyx address check --coin C [--network N] ADDRESS`: exit 0 when valid,
/// 1 when not (with the reason in the JSON), 2 on bad arguments.
pub fn check(args: &AddressCheckArgs, compact: bool) -> anyhow::Result<ExitCode> {
    let result = if args.coin.eq_ignore_ascii_case("sky") {
        match args.address.parse::<SkyAddress>() {
            Ok(_) => CheckResult::Valid {
                valid: true,
                kind: "p2pkh".into(),
                coin: "sky".into(),
                network: "mainnet".into(),
            },
            Err(e) => CheckResult::Invalid {
                valid: false,
                error: e.to_string(),
                code: e.code(),
            },
        }
    } else {
        let coin: btc::Coin = args.coin.parse().with_context(|| {
            format!(
                "unknown coin {:?}: use sky, btc, ltc, doge, bch or bsv",
                args.coin
            )
        })?;
        let network: btc::Network = args.network.parse().with_context(|| {
            format!(
                "unknown network {:?}: use mainnet, testnet or regtest",
                args.network
            )
        })?;
        let params = btc::params(coin, network)?;
        match btc::Address::parse(params, args.address.trim()) {
            Ok(addr) => CheckResult::Valid {
                valid: true,
                kind: addr.kind().to_string(),
                coin: coin.to_string(),
                network: network.to_string(),
            },
            Err(e) => CheckResult::Invalid {
                valid: false,
                error: e.to_string(),
                code: e.code(),
            },
        }
    };
    let ok = matches!(result, CheckResult::Valid { .. });
    print_json(&result, compact)?;
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
