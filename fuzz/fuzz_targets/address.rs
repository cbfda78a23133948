//! Addresses and keys as people and API clients write them: Skycoin
//! addresses (`coins/src/sky/address.rs`), Bitcoin-family addresses of every
//! coin and network including BCH cashaddr (`coins/src/btc/address.rs`,
//! `cashaddr.rs`) and WIF keys (`wif.rs`). The first byte picks the coin and
//! network; the rest is the text. Whatever parses prints back to text that
//! parses to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skyx_coins::btc::{cashaddr, params, Address, Coin, Network, PrivateKey};
use skyx_coins::sky::address::Address as SkyAddress;
// Links the harness's allocation limit.
use skyx_fuzz as _;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let coin = Coin::ALL[usize::from(selector & 0x0f) % Coin::ALL.len()];
    let network = Network::ALL[usize::from(selector >> 4) % Network::ALL.len()];
    let _ = SkyAddress::from_bytes(rest);
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };

    if let Ok(a) = text.parse::<SkyAddress>() {
        let printed = a.to_string();
        assert_eq!(printed.parse::<SkyAddress>(), Ok(a));
        assert_eq!(SkyAddress::from_bytes(&a.to_bytes()), Ok(a));
    }

    let Ok(chain) = params(coin, network) else {
        return;
    };
    match Address::parse(chain, text) {
        Ok(a) => {
            let printed = a.to_string();
            let again = Address::parse(chain, &printed)
                .unwrap_or_else(|e| panic!("{printed} (from {text:?}) does not parse: {e}"));
            assert_eq!(again, a, "{printed} reads back differently");
            let _ = (a.kind(), a.script_pubkey(), a.to_legacy_string());
        }
        Err(e) => {
            let _ = (e.code(), e.to_string());
        }
    }
    if let Some(prefix) = chain.cashaddr_prefix {
        if let Ok(c) = cashaddr::decode(text, prefix) {
            let printed = cashaddr::encode(&c.prefix, c.kind, &c.hash)
                .unwrap_or_else(|| panic!("a decoded cashaddr does not encode: {text:?}"));
            assert_eq!(cashaddr::decode(&printed, prefix).ok(), Some(c));
        }
    }
    if let Ok(k) = PrivateKey::from_wif(chain, text) {
        let printed = k.to_wif(chain);
        // No Debug for keys: compared, never printed.
        assert!(PrivateKey::from_wif(chain, &printed).ok() == Some(k));
    }
});
