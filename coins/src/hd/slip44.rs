//! SLIP-44 coin types and the coins/networks skyx derives keys for.
//!
//! The testnets and regtests of the Bitcoin family all use coin type 1
//! ("Testnet (all coins)"), as bip_utils and the BIPs' own examples do.
//! Skycoin has a single coin type, 8000, on every network.

use std::fmt;
use std::str::FromStr;

/// SLIP-44 coin type of Bitcoin.
pub const BTC: u32 = 0;
/// SLIP-44 coin type shared by the testnets of all coins.
pub const TESTNET: u32 = 1;
/// SLIP-44 coin type of Litecoin.
pub const LTC: u32 = 2;
/// SLIP-44 coin type of Dogecoin.
pub const DOGE: u32 = 3;
/// SLIP-44 coin type of Bitcoin Cash.
pub const BCH: u32 = 145;
/// SLIP-44 coin type of Bitcoin SV.
pub const BSV: u32 = 236;
/// SLIP-44 coin type of Nostr identities (NIP-06 path m/44'/1237'/account'/0/0).
pub const NOSTR: u32 = 1237;
/// SLIP-44 coin type of Skycoin.
pub const SKY: u32 = 8000;

/// The coins skyx derives HD keys for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HdCoin {
    /// Bitcoin (BTC).
    Bitcoin,
    /// Litecoin (LTC).
    Litecoin,
    /// Dogecoin (DOGE).
    Dogecoin,
    /// Bitcoin Cash (BCH).
    BitcoinCash,
    /// Bitcoin SV (BSV).
    BitcoinSv,
    /// Skycoin (SKY).
    Skycoin,
}

/// The network a key is derived for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HdNetwork {
    /// The main network.
    Mainnet,
    /// The public test network.
    Testnet,
    /// A local regression-test network.
    Regtest,
}

impl HdCoin {
    /// Every supported coin.
    pub const ALL: [HdCoin; 6] = [
        HdCoin::Bitcoin,
        HdCoin::Litecoin,
        HdCoin::Dogecoin,
        HdCoin::BitcoinCash,
        HdCoin::BitcoinSv,
        HdCoin::Skycoin,
    ];

    /// Ticker symbol (`"BTC"`, `"LTC"`, ...).
    pub const fn symbol(self) -> &'static str {
        match self {
            HdCoin::Bitcoin => "BTC",
            HdCoin::Litecoin => "LTC",
            HdCoin::Dogecoin => "DOGE",
            HdCoin::BitcoinCash => "BCH",
            HdCoin::BitcoinSv => "BSV",
            HdCoin::Skycoin => "SKY",
        }
    }

    /// The coin of a ticker symbol, case-insensitive.
    pub fn from_symbol(symbol: &str) -> Option<HdCoin> {
        HdCoin::ALL
            .into_iter()
            .find(|c| c.symbol().eq_ignore_ascii_case(symbol))
    }

    /// The coin's registered SLIP-44 coin type (its main network).
    pub const fn slip44(self) -> u32 {
        match self {
            HdCoin::Bitcoin => BTC,
            HdCoin::Litecoin => LTC,
            HdCoin::Dogecoin => DOGE,
            HdCoin::BitcoinCash => BCH,
            HdCoin::BitcoinSv => BSV,
            HdCoin::Skycoin => SKY,
        }
    }

    /// Coin type used in paths on a network: 1 on Bitcoin-family test/regtest networks.
    pub const fn coin_type(self, network: HdNetwork) -> u32 {
        match (self, network) {
            (HdCoin::Skycoin, _) | (_, HdNetwork::Mainnet) => self.slip44(),
            (_, HdNetwork::Testnet | HdNetwork::Regtest) => TESTNET,
        }
    }

    /// Whether the coin has segregated witness (so BIP49/BIP84 accounts make sense).
    pub const fn has_segwit(self) -> bool {
        matches!(self, HdCoin::Bitcoin | HdCoin::Litecoin)
    }
}

impl fmt::Display for HdCoin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

impl FromStr for HdCoin {
    type Err = UnknownCoin;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HdCoin::from_symbol(s).ok_or_else(|| UnknownCoin(s.to_owned()))
    }
}

impl HdNetwork {
    /// Lower-case name (`"mainnet"`, `"testnet"`, `"regtest"`).
    pub const fn name(self) -> &'static str {
        match self {
            HdNetwork::Mainnet => "mainnet",
            HdNetwork::Testnet => "testnet",
            HdNetwork::Regtest => "regtest",
        }
    }

    /// Whether this is a test network (testnet or regtest).
    pub const fn is_test(self) -> bool {
        !matches!(self, HdNetwork::Mainnet)
    }
}

impl fmt::Display for HdNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for HdNetwork {
    type Err = UnknownNetwork;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "mainnet" | "main" => Ok(HdNetwork::Mainnet),
            "testnet" | "test" => Ok(HdNetwork::Testnet),
            "regtest" => Ok(HdNetwork::Regtest),
            _ => Err(UnknownNetwork(s.to_owned())),
        }
    }
}

impl HdCoin {
    /// The matching Bitcoin-family coin of [`crate::btc`], `None` for Skycoin.
    pub const fn btc_coin(self) -> Option<crate::btc::Coin> {
        use crate::btc::Coin;
        match self {
            HdCoin::Bitcoin => Some(Coin::Btc),
            HdCoin::Litecoin => Some(Coin::Ltc),
            HdCoin::Dogecoin => Some(Coin::Doge),
            HdCoin::BitcoinCash => Some(Coin::Bch),
            HdCoin::BitcoinSv => Some(Coin::Bsv),
            HdCoin::Skycoin => None,
        }
    }
}

impl From<crate::btc::Coin> for HdCoin {
    fn from(coin: crate::btc::Coin) -> Self {
        use crate::btc::Coin;
        match coin {
            Coin::Btc => HdCoin::Bitcoin,
            Coin::Ltc => HdCoin::Litecoin,
            Coin::Doge => HdCoin::Dogecoin,
            Coin::Bch => HdCoin::BitcoinCash,
            Coin::Bsv => HdCoin::BitcoinSv,
        }
    }
}

impl From<crate::btc::Network> for HdNetwork {
    fn from(network: crate::btc::Network) -> Self {
        use crate::btc::Network;
        match network {
            Network::Mainnet => HdNetwork::Mainnet,
            Network::Testnet => HdNetwork::Testnet,
            Network::Regtest => HdNetwork::Regtest,
        }
    }
}

impl From<HdNetwork> for crate::btc::Network {
    fn from(network: HdNetwork) -> Self {
        use crate::btc::Network;
        match network {
            HdNetwork::Mainnet => Network::Mainnet,
            HdNetwork::Testnet => Network::Testnet,
            HdNetwork::Regtest => Network::Regtest,
        }
    }
}

/// A coin symbol that is not one of BTC, LTC, DOGE, BCH, BSV, SKY.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown coin {0:?}; expected BTC, LTC, DOGE, BCH, BSV or SKY")]
pub struct UnknownCoin(pub String);

/// A network name that is not mainnet, testnet or regtest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown network {0:?}; expected mainnet, testnet or regtest")]
pub struct UnknownNetwork(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coin_types_per_network() {
        assert_eq!(HdCoin::Bitcoin.coin_type(HdNetwork::Mainnet), 0);
        assert_eq!(HdCoin::Litecoin.coin_type(HdNetwork::Testnet), 1);
        assert_eq!(HdCoin::Bitcoin.coin_type(HdNetwork::Regtest), 1);
        assert_eq!(HdCoin::Skycoin.coin_type(HdNetwork::Testnet), 8000);
        assert_eq!("doge".parse::<HdCoin>(), Ok(HdCoin::Dogecoin));
        assert!("xyz".parse::<HdCoin>().is_err());
        assert_eq!("Regtest".parse::<HdNetwork>(), Ok(HdNetwork::Regtest));
        for coin in crate::btc::Coin::ALL {
            let hd = HdCoin::from(coin);
            assert_eq!(hd.btc_coin(), Some(coin));
            assert_eq!(
                hd.coin_type(HdNetwork::Mainnet),
                crate::btc::params(coin, crate::btc::Network::Mainnet)
                    .unwrap()
                    .bip44_coin_type
            );
        }
        assert_eq!(HdCoin::Skycoin.btc_coin(), None);
        for network in crate::btc::Network::ALL {
            assert_eq!(crate::btc::Network::from(HdNetwork::from(network)), network);
            for coin in crate::btc::Coin::ALL {
                let p = crate::btc::params(coin, network).unwrap();
                assert_eq!(
                    HdCoin::from(coin).coin_type(network.into()),
                    p.bip44_coin_type
                );
            }
        }
    }
}
