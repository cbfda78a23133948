//! Shared helpers of the Bitcoin-family vector tests: finding and reading the
//! vector files (a missing file fails the test and names it).
#![allow(dead_code)]

use std::path::PathBuf;

/// The btc-family vector folder: `$SKYX_VECTORS` (pointing at the `btc-family` folder or
/// at its parent `vectors` folder) if set, else `../../shared/vectors/btc-family`.
pub fn vectors_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("SKYX_VECTORS") {
        let dir = PathBuf::from(dir);
        let nested = dir.join("btc-family");
        return if nested.is_dir() { nested } else { dir };
    }
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/vectors/btc-family"
    ))
}

/// Reads a vector file; panics naming the file when it is missing or unreadable.
pub fn read(name: &str) -> String {
    let path = vectors_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "vector file {} is missing or unreadable: {e}",
            path.display()
        )
    })
}

/// Reads and parses a JSON vector file.
pub fn json(name: &str) -> serde_json::Value {
    serde_json::from_str(&read(name))
        .unwrap_or_else(|e| panic!("vector file {name} is not JSON: {e}"))
}

/// Lists the `.json` files of a vector sub-folder, sorted; panics when there are none.
pub fn json_files(sub: &str) -> Vec<String> {
    let dir = vectors_dir().join(sub);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("vector folder {} is missing: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(
        !names.is_empty(),
        "vector folder {} has no JSON files",
        dir.display()
    );
    names.into_iter().map(|n| format!("{sub}/{n}")).collect()
}

/// Hex-decodes, panicking with context.
pub fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap_or_else(|e| panic!("bad hex in vector ({e}): {s}"))
}

/// A JSON value as &str, panicking with context.
pub fn s<'a>(v: &'a serde_json::Value, what: &str) -> &'a str {
    v.as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {v}"))
}

/// Parses a decimal coin amount as printed by a JSON float ("74.15", "1e-05", "15713347")
/// into satoshis, exactly (string arithmetic, no float).
pub fn coins_to_sat(text: &str) -> u64 {
    let (mantissa, exp) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (
            m,
            e.parse::<i32>()
                .unwrap_or_else(|_| panic!("bad exponent {text}")),
        ),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{int}{frac}");
    // value = digits * 10^(exp - frac.len()) coins = digits * 10^(exp - frac.len() + 8) sat
    let shift = exp - frac.len() as i32 + 8;
    let mut value: u128 = digits
        .parse()
        .unwrap_or_else(|_| panic!("bad amount {text}"));
    if shift >= 0 {
        value *= 10u128.pow(shift as u32);
    } else {
        let div = 10u128.pow((-shift) as u32);
        assert_eq!(value % div, 0, "amount {text} has more than 8 decimals");
        value /= div;
    }
    u64::try_from(value).unwrap_or_else(|_| panic!("amount {text} too large"))
}

#[test]
fn coins_to_sat_is_exact() {
    assert_eq!(coins_to_sat("74.15"), 7_415_000_000);
    assert_eq!(coins_to_sat("1e-05"), 1_000);
    assert_eq!(coins_to_sat("15713347"), 1_571_334_700_000_000);
    assert_eq!(coins_to_sat("0.00161416"), 161_416);
}
