//! The amount parser against two independent implementations: the vectors
//! Python's `decimal` module computed (`data/gen_amount_vectors.py`), and
//! `rust_decimal` on generated inputs (proptest). Formatting round-trips.
//!
//! Vector files read: `coins/tests/data/amount_vectors.json`.

use std::str::FromStr;

use proptest::prelude::*;
use rust_decimal::Decimal;
use serde::Deserialize;
use skyx_coins::amount::{scan_units, Amount, AmountError, Currency, Grammar, ScanError};

#[derive(Deserialize)]
struct Vector {
    text: String,
    decimals: u32,
    grammar: String,
    units: Option<String>,
    error: Option<String>,
}

fn kind(e: ScanError) -> &'static str {
    match e {
        ScanError::TooLong => "too_long",
        ScanError::Syntax | ScanError::MultiplePoints | ScanError::BadExponent => "syntax",
        ScanError::Negative => "negative",
        ScanError::TooManyDecimals => "too_many_decimals",
        ScanError::TooLarge => "too_large",
    }
}

#[test]
fn python_decimal_vectors() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/amount_vectors.json"
    );
    let text = std::fs::read_to_string(path).expect("vector file");
    let vectors: Vec<Vector> = serde_json::from_str(&text).expect("vector json");
    assert!(vectors.len() > 4000, "{} vectors", vectors.len());
    for v in &vectors {
        let grammar = match v.grammar.as_str() {
            "plain" => Grammar::PLAIN,
            _ => Grammar::SCIENTIFIC,
        };
        let got = scan_units(&v.text, v.decimals, grammar, u128::from(u64::MAX));
        let want = match (&v.units, &v.error) {
            (Some(u), None) => Ok(u.parse::<u128>().expect("units")),
            (None, Some(e)) => Err(e.as_str()),
            _ => panic!("malformed vector for {:?}", v.text),
        };
        assert_eq!(
            got.map_err(kind),
            want,
            "{:?} with {} decimals ({})",
            v.text,
            v.decimals,
            v.grammar
        );
    }
}

/// What `rust_decimal` says a text is worth in units of `10^-decimals`.
fn by_rust_decimal(text: &str, decimals: u32) -> Option<Result<u64, &'static str>> {
    let d = if text.contains(['e', 'E']) {
        Decimal::from_scientific(text).ok()?
    } else {
        Decimal::from_str_exact(text).ok()?
    };
    if d.is_zero() {
        return Some(Ok(0));
    }
    if d.is_sign_negative() {
        return Some(Err("negative"));
    }
    if d.normalize().scale() > decimals {
        return Some(Err("too_many_decimals"));
    }
    match d.checked_mul(Decimal::from(10u64.pow(decimals))) {
        Some(scaled) => Some(u64::try_from(scaled.trunc()).map_err(|_| "too_large")),
        None => Some(Err("too_large")),
    }
}

fn currency() -> impl Strategy<Value = Currency> {
    prop::sample::select(Currency::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn format_then_parse_is_identity(c in currency(), units in any::<u64>()) {
        let a = Amount::from_units(c, units);
        prop_assert_eq!(Amount::parse(c, &a.to_string()), Ok(a));
        prop_assert_eq!(Amount::parse_json_number(c, &a.to_string()), Ok(a));
        prop_assert_eq!(Amount::from_decimal(c, a.to_decimal()), Ok(a));
        prop_assert_eq!(Decimal::from_str(&a.to_string()).ok(), Some(a.to_decimal()));
    }

    #[test]
    fn agrees_with_rust_decimal(
        sign in prop::sample::select(vec!["", "", "-", "+"]),
        whole in "[0-9]{0,18}",
        frac in "[0-9]{0,9}",
        exp in prop::option::of(-9i32..9),
        c in currency(),
    ) {
        let mut text = format!("{sign}{whole}");
        if !frac.is_empty() || whole.is_empty() {
            text.push('.');
            text.push_str(&frac);
        }
        if let Some(e) = exp {
            text.push_str(&format!("e{e}"));
        }
        let ours = scan_units(&text, c.decimals(), Grammar::SCIENTIFIC, u128::from(u64::MAX))
            .map(|u| u as u64)
            .map_err(kind);
        match by_rust_decimal(&text, c.decimals()) {
            Some(theirs) => prop_assert_eq!(ours, theirs, "{}", text),
            // rust_decimal refuses what has no digits; so must we.
            None => prop_assert_eq!(ours, Err("syntax"), "{}", text),
        }
    }
}

#[test]
fn errors_have_codes() {
    let e = Amount::parse(Currency::Sky, "0.0000001").unwrap_err();
    assert_eq!(e.code(), "too_many_decimals");
    assert_eq!(
        e.to_string(),
        "invalid amount: sky has at most 6 decimal places"
    );
    assert_eq!(AmountError::TooLong.code(), "amount_too_long");
}
