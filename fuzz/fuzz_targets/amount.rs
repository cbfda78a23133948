//! Amounts as people, API clients and daemons write them
//! (`coins/src/amount/`, `coins/src/sky/droplet.rs`). The first byte picks
//! the currency; the rest is the text. Whatever parses prints back to text
//! that parses to the same amount, agrees with `rust_decimal` where that
//! reads the text exactly, and converts to a decimal and back unchanged; an
//! exponent never costs an allocation (see `skyx_fuzz::LimitedAlloc`).
#![no_main]

use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use skyx_coins::amount::{scan_units, Amount, Currency, Grammar, SignedAmount};
use skyx_coins::sky::droplet;
// Links the harness's allocation limit.
use skyx_fuzz as _;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let currency = Currency::ALL[usize::from(selector) % Currency::ALL.len()];
    let _ = Currency::from_str(text).map_err(|e| e.code());

    let plain = Amount::parse(currency, text);
    let json = Amount::parse_json_number(currency, text);
    if let Ok(a) = &plain {
        // The plain grammar is a subset of the JSON number grammar.
        assert_eq!(
            json.as_ref(),
            Ok(a),
            "JSON number parsing disagrees on {text:?}"
        );
    }
    for &a in [&plain, &json].into_iter().flatten() {
        let printed = a.to_string();
        assert_eq!(
            Amount::parse(currency, &printed),
            Ok(a),
            "{printed} reads back differently"
        );
        assert_eq!(Amount::from_decimal(currency, a.to_decimal()), Ok(a));
        if let Ok(d) = Decimal::from_str_exact(text) {
            assert_eq!(a.to_decimal(), d, "rust_decimal reads {text:?} differently");
        }
        let zero = Amount::zero(currency);
        let _ = SignedAmount::net(zero, a).map(|s| s.to_string());
        let _ = a.checked_add(a);
        let _ = zero.checked_sub(a);
    }
    if let Err(e) = &json {
        let _ = (e.code(), e.to_string());
    }

    match droplet::from_str(text) {
        Ok(n) => {
            assert_eq!(droplet::from_str(&droplet::to_string(n)), Ok(n));
            if currency == Currency::Sky {
                let units = json.as_ref().map(|a| a.units());
                assert_eq!(units, Ok(n), "droplets differ on {text:?}");
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    let decimals = u32::from(selector >> 4);
    let _ = scan_units(text, decimals, Grammar::PLAIN, u128::MAX);
    let _ = scan_units(text, decimals, Grammar::SCIENTIFIC, u128::from(u64::MAX));
});
