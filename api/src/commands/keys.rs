//! `skyx keys sky` and `skyx keys hd`.

use std::process::ExitCode;

use anyhow::{bail, Context};
use serde::Serialize;
use skyx_coins::btc::{self, Address as BtcAddress};
use skyx_coins::hd::{self, HdCoin, HdNetwork, Purpose};
use skyx_coins::sky::address::Address as SkyAddress;
use skyx_coins::sky::keys::KeyChain;

use crate::cli::{KeysHdArgs, KeysSkyArgs};
use crate::output::print_json;

/// One Skycoin key as printed by `skyx keys sky`.
#[derive(Serialize)]
struct SkyKey {
    secret: String,
    public: String,
    address: String,
}

/// One HD key as printed by `skyx keys hd`.
#[derive(Serialize)]
struct HdKey {
    path: String,
    public: String,
    address: String,
}

/// Upper bound on `--count`, so a typo cannot ask for billions of keys.
const MAX_COUNT: u32 = 100_000;

fn check_count(count: u32) -> anyhow::Result<()> {
    if count == 0 || count > MAX_COUNT {
        bail!("--count must be between 1 and {MAX_COUNT}, got {count}");
    }
    Ok(())
}

/// `skyx keys sky (--seed TEXT | --seed-hex HEX) --count N`.
pub fn sky(args: &KeysSkyArgs, compact: bool) -> anyhow::Result<ExitCode> {
    check_count(args.count)?;
    let seed = match (&args.seed, &args.seed_hex) {
        (Some(text), None) => text.as_bytes().to_vec(),
        (None, Some(h)) => hex::decode(h.trim()).context("--seed-hex is not valid hex")?,
        _ => bail!("give exactly one of --seed or --seed-hex"),
    };
    let chain = KeyChain::new(&seed).context("invalid seed")?;
    let keys: Vec<SkyKey> = chain
        .take(args.count as usize)
        .map(|pair| SkyKey {
            secret: hex::encode(pair.secret.secret_bytes()),
            public: hex::encode(pair.public.serialize()),
            address: SkyAddress::from_pubkey(&pair.public).to_string(),
        })
        .collect();
    print_json(&keys, compact)?;
    Ok(ExitCode::SUCCESS)
}

/// `skyx keys hd --coin C --mnemonic "…" [...]`.
pub fn hd(args: &KeysHdArgs, compact: bool) -> anyhow::Result<ExitCode> {
    check_count(args.count)?;
    let coin = HdCoin::from_symbol(&args.coin).with_context(|| {
        format!(
            "unknown coin {:?}: use btc, ltc, doge, bch, bsv or sky",
            args.coin
        )
    })?;
    let network: HdNetwork = args.network.parse().map_err(|_| {
        anyhow::anyhow!(
            "unknown network {:?}: use mainnet, testnet or regtest",
            args.network
        )
    })?;
    let purpose = Purpose::from_number(args.purpose).context("invalid --purpose")?;
    if args.change > 1 {
        bail!("--change must be 0 or 1, got {}", args.change);
    }
    if purpose != Purpose::Bip44 && !coin.has_segwit() {
        bail!("{coin} has no segwit: only --purpose 44 applies");
    }
    let seed =
        hd::seed_from_mnemonic(&args.mnemonic, &args.passphrase).context("invalid mnemonic")?;
    let keys = hd::derive_account_keys(
        &seed,
        purpose,
        coin.coin_type(network),
        args.account,
        args.change,
        0,
        args.count,
    )
    .context("key derivation failed")?;
    let render = address_renderer(coin, network, purpose)?;
    let out = keys
        .iter()
        .map(|k| {
            Ok(HdKey {
                path: k.path.clone(),
                public: hex::encode(k.public.serialize()),
                address: render(&k.public)?,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    print_json(&out, compact)?;
    Ok(ExitCode::SUCCESS)
}

type Renderer = Box<dyn Fn(&secp256k1::PublicKey) -> anyhow::Result<String>>;

/// How a public key becomes an address for a coin, network and purpose.
fn address_renderer(
    coin: HdCoin,
    network: HdNetwork,
    purpose: Purpose,
) -> anyhow::Result<Renderer> {
    let btc_coin = match coin {
        HdCoin::Skycoin => {
            if network != HdNetwork::Mainnet {
                bail!("Skycoin has one network: use --network mainnet");
            }
            return Ok(Box::new(|pk| Ok(SkyAddress::from_pubkey(pk).to_string())));
        }
        HdCoin::Bitcoin => btc::Coin::Btc,
        HdCoin::Litecoin => btc::Coin::Ltc,
        HdCoin::Dogecoin => btc::Coin::Doge,
        HdCoin::BitcoinCash => btc::Coin::Bch,
        HdCoin::BitcoinSv => btc::Coin::Bsv,
    };
    let btc_network = match network {
        HdNetwork::Mainnet => btc::Network::Mainnet,
        HdNetwork::Testnet => btc::Network::Testnet,
        HdNetwork::Regtest => btc::Network::Regtest,
    };
    let params = btc::params(btc_coin, btc_network)?;
    Ok(match purpose {
        Purpose::Bip44 => Box::new(move |pk| Ok(BtcAddress::p2pkh(params, pk).to_string())),
        Purpose::Bip49 => Box::new(move |pk| Ok(BtcAddress::p2sh_p2wpkh(params, pk)?.to_string())),
        Purpose::Bip84 => Box::new(move |pk| Ok(BtcAddress::p2wpkh(params, pk)?.to_string())),
    })
}
