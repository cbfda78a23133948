//! Chain parameters of the Bitcoin family: which coin, which network, and the
//! handful of facts that differ between them (base58 version bytes, bech32 or
//! cashaddr prefix, BIP44 coin type, FORKID signing, dust rule, fee floor).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::dust::DustRule;
use super::fee::FeeRate;

/// A coin of the Bitcoin family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Coin {
    /// Bitcoin.
    Btc,
    /// Litecoin.
    Ltc,
    /// Dogecoin.
    Doge,
    /// Bitcoin Cash (FORKID signatures, cashaddr addresses).
    Bch,
    /// Bitcoin SV (FORKID signatures, legacy addresses).
    Bsv,
}

impl Coin {
    /// Every coin, in a fixed order.
    pub const ALL: [Coin; 5] = [Coin::Btc, Coin::Ltc, Coin::Doge, Coin::Bch, Coin::Bsv];

    /// Lower-case ticker, as accepted by [`FromStr`].
    pub fn as_str(self) -> &'static str {
        match self {
            Coin::Btc => "btc",
            Coin::Ltc => "ltc",
            Coin::Doge => "doge",
            Coin::Bch => "bch",
            Coin::Bsv => "bsv",
        }
    }
}

impl fmt::Display for Coin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Coin {
    type Err = ParamsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Coin::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| ParamsError::UnknownCoin(s.to_owned()))
    }
}

/// Which chain of a coin: the real one, the public test network, or a local regtest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    /// The main network.
    Mainnet,
    /// The public test network (for Bitcoin also testnet4 and signet: same prefixes).
    Testnet,
    /// A private regression-test network.
    Regtest,
}

impl Network {
    /// Every network, in a fixed order.
    pub const ALL: [Network; 3] = [Network::Mainnet, Network::Testnet, Network::Regtest];

    /// Lower-case name, as accepted by [`FromStr`].
    pub fn as_str(self) -> &'static str {
        match self {
            Network::Mainnet => "mainnet",
            Network::Testnet => "testnet",
            Network::Regtest => "regtest",
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Network {
    type Err = ParamsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Network::ALL
            .into_iter()
            .find(|n| n.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| ParamsError::UnknownNetwork(s.to_owned()))
    }
}

/// Errors about coins, networks and their parameters.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParamsError {
    /// The coin name is not one of btc, ltc, doge, bch, bsv.
    #[error("unknown coin {0:?} (expected btc, ltc, doge, bch or bsv)")]
    UnknownCoin(String),
    /// The network name is not one of mainnet, testnet, regtest.
    #[error("unknown network {0:?} (expected mainnet, testnet or regtest)")]
    UnknownNetwork(String),
    /// The coin has no parameters for this network.
    #[error("{coin} has no {network} parameters")]
    Unsupported {
        /// The coin asked for.
        coin: Coin,
        /// The network asked for.
        network: Network,
    },
}

/// Everything that differs between the chains of the Bitcoin family.
#[derive(Debug, PartialEq, Eq)]
pub struct ChainParams {
    /// The coin.
    pub coin: Coin,
    /// The network.
    pub network: Network,
    /// Human-readable name, e.g. "ltc testnet".
    pub name: &'static str,
    /// Base58 version byte of P2PKH addresses.
    pub p2pkh_prefix: u8,
    /// Base58 version byte of P2SH addresses (the one used when encoding).
    pub p2sh_prefix: u8,
    /// Further P2SH version bytes accepted when decoding (Litecoin's old 3…/2… form).
    pub legacy_p2sh_prefixes: &'static [u8],
    /// Base58 version byte of WIF private keys.
    pub wif_prefix: u8,
    /// Bech32 human-readable part, when the coin has segwit.
    pub bech32_hrp: Option<&'static str>,
    /// Cashaddr prefix, when the coin uses cashaddr (Bitcoin Cash).
    pub cashaddr_prefix: Option<&'static str>,
    /// BIP44 / SLIP-44 coin type (1 on every test network).
    pub bip44_coin_type: u32,
    /// FORKID value when signatures use SIGHASH_FORKID (BCH, BSV: 0).
    pub fork_id: Option<u32>,
    /// Tx version used for new transactions.
    pub tx_version: i32,
    /// When an output is dust.
    pub dust: DustRule,
    /// Lowest fee rate the default node relays: the builder refuses lower rates.
    pub min_relay_fee: FeeRate,
}

impl ChainParams {
    /// Whether addresses and inputs may use segregated witness.
    pub fn has_segwit(&self) -> bool {
        self.bech32_hrp.is_some()
    }

    /// Whether signatures use SIGHASH_FORKID (the BIP143 digest for every input).
    pub fn uses_forkid(&self) -> bool {
        self.fork_id.is_some()
    }

    /// The sighash type put after every signature: SIGHASH_ALL, plus FORKID where used.
    pub fn sighash_all(&self) -> u32 {
        match self.fork_id {
            Some(id) => super::forkid::forkid_sighash_type(super::forkid::SIGHASH_ALL, id),
            None => super::forkid::SIGHASH_ALL,
        }
    }
}

/// Bitcoin Core's dust rule (3000 sat/kvB, spend-size based).
const BTC_DUST: DustRule = DustRule::RelayFee {
    sat_per_kvb: 3_000,
    multiplier: 1,
};
/// Litecoin Core 0.21: DUST_RELAY_TX_FEE is 30,000 sat/kvB.
const LTC_DUST: DustRule = DustRule::RelayFee {
    sat_per_kvb: 30_000,
    multiplier: 1,
};
/// Dogecoin Core 1.14.5+: outputs below 0.01 DOGE are refused by the wallet.
const DOGE_DUST: DustRule = DustRule::Fixed(1_000_000);
/// Bitcoin Cash nodes: 3 × 1000 sat/kB over the output plus its spend (546 for P2PKH).
const BCH_DUST: DustRule = DustRule::RelayFee {
    sat_per_kvb: 1_000,
    multiplier: 3,
};
/// Bitcoin SV node: dust relay fee 250 sat/kB with a 300 % dust limit factor.
const BSV_DUST: DustRule = DustRule::RelayFee {
    sat_per_kvb: 250,
    multiplier: 3,
};

macro_rules! chain {
    ($coin:ident, $net:ident, $name:literal, $pkh:literal, $sh:literal, [$($lsh:literal),*], $wif:literal,
     $hrp:expr, $cash:expr, $ct:literal, $fork:expr, $ver:literal, $dust:expr, $fee:literal) => {
        ChainParams {
            coin: Coin::$coin,
            network: Network::$net,
            name: $name,
            p2pkh_prefix: $pkh,
            p2sh_prefix: $sh,
            legacy_p2sh_prefixes: &[$($lsh),*],
            wif_prefix: $wif,
            bech32_hrp: $hrp,
            cashaddr_prefix: $cash,
            bip44_coin_type: $ct,
            fork_id: $fork,
            tx_version: $ver,
            dust: $dust,
            min_relay_fee: FeeRate::from_sat_per_kvb($fee),
        }
    };
}

/// All chains, in (coin, network) order.
static ALL_PARAMS: [ChainParams; 15] = [
    chain!(
        Btc,
        Mainnet,
        "btc mainnet",
        0x00,
        0x05,
        [],
        0x80,
        Some("bc"),
        None,
        0,
        None,
        2,
        BTC_DUST,
        1_000
    ),
    chain!(
        Btc,
        Testnet,
        "btc testnet",
        0x6f,
        0xc4,
        [],
        0xef,
        Some("tb"),
        None,
        1,
        None,
        2,
        BTC_DUST,
        1_000
    ),
    chain!(
        Btc,
        Regtest,
        "btc regtest",
        0x6f,
        0xc4,
        [],
        0xef,
        Some("bcrt"),
        None,
        1,
        None,
        2,
        BTC_DUST,
        1_000
    ),
    chain!(
        Ltc,
        Mainnet,
        "ltc mainnet",
        0x30,
        0x32,
        [0x05],
        0xb0,
        Some("ltc"),
        None,
        2,
        None,
        2,
        LTC_DUST,
        1_000
    ),
    chain!(
        Ltc,
        Testnet,
        "ltc testnet",
        0x6f,
        0x3a,
        [0xc4],
        0xef,
        Some("tltc"),
        None,
        1,
        None,
        2,
        LTC_DUST,
        1_000
    ),
    chain!(
        Ltc,
        Regtest,
        "ltc regtest",
        0x6f,
        0x3a,
        [0xc4],
        0xef,
        Some("rltc"),
        None,
        1,
        None,
        2,
        LTC_DUST,
        1_000
    ),
    chain!(
        Doge,
        Mainnet,
        "doge mainnet",
        0x1e,
        0x16,
        [],
        0x9e,
        None,
        None,
        3,
        None,
        1,
        DOGE_DUST,
        100_000
    ),
    chain!(
        Doge,
        Testnet,
        "doge testnet",
        0x71,
        0xc4,
        [],
        0xf1,
        None,
        None,
        1,
        None,
        1,
        DOGE_DUST,
        100_000
    ),
    chain!(
        Doge,
        Regtest,
        "doge regtest",
        0x6f,
        0xc4,
        [],
        0xef,
        None,
        None,
        1,
        None,
        1,
        DOGE_DUST,
        100_000
    ),
    chain!(
        Bch,
        Mainnet,
        "bch mainnet",
        0x00,
        0x05,
        [],
        0x80,
        None,
        Some("bitcoincash"),
        145,
        Some(0),
        2,
        BCH_DUST,
        1_000
    ),
    chain!(
        Bch,
        Testnet,
        "bch testnet",
        0x6f,
        0xc4,
        [],
        0xef,
        None,
        Some("bchtest"),
        1,
        Some(0),
        2,
        BCH_DUST,
        1_000
    ),
    chain!(
        Bch,
        Regtest,
        "bch regtest",
        0x6f,
        0xc4,
        [],
        0xef,
        None,
        Some("bchreg"),
        1,
        Some(0),
        2,
        BCH_DUST,
        1_000
    ),
    chain!(
        Bsv,
        Mainnet,
        "bsv mainnet",
        0x00,
        0x05,
        [],
        0x80,
        None,
        None,
        236,
        Some(0),
        1,
        BSV_DUST,
        250
    ),
    chain!(
        Bsv,
        Testnet,
        "bsv testnet",
        0x6f,
        0xc4,
        [],
        0xef,
        None,
        None,
        1,
        Some(0),
        1,
        BSV_DUST,
        250
    ),
    chain!(
        Bsv,
        Regtest,
        "bsv regtest",
        0x6f,
        0xc4,
        [],
        0xef,
        None,
        None,
        1,
        Some(0),
        1,
        BSV_DUST,
        250
    ),
];

/// The parameters of one coin on one network.
pub fn params(coin: Coin, network: Network) -> Result<&'static ChainParams, ParamsError> {
    ALL_PARAMS
        .iter()
        .find(|p| p.coin == coin && p.network == network)
        .ok_or(ParamsError::Unsupported { coin, network })
}

/// Every known chain (used to name the chain a foreign address belongs to).
pub fn all_params() -> &'static [ChainParams] {
    &ALL_PARAMS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pair_has_params() {
        for coin in Coin::ALL {
            for net in Network::ALL {
                let p = params(coin, net).unwrap();
                assert_eq!((p.coin, p.network), (coin, net));
                assert_eq!(p.name, format!("{coin} {net}"));
            }
        }
    }

    #[test]
    fn names_round_trip() {
        assert_eq!("DOGE".parse::<Coin>().unwrap(), Coin::Doge);
        assert_eq!("Regtest".parse::<Network>().unwrap(), Network::Regtest);
        assert!(matches!(
            "eth".parse::<Coin>(),
            Err(ParamsError::UnknownCoin(_))
        ));
        assert!(matches!(
            "main".parse::<Network>(),
            Err(ParamsError::UnknownNetwork(_))
        ));
        for c in Coin::ALL {
            assert_eq!(c.to_string().parse::<Coin>().unwrap(), c);
        }
    }
}
