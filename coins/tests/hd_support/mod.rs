//! Shared helpers of the `hd_*` integration tests: locating and reading the
//! vector files under `shared/vectors` (or `$SKYX_VECTORS`).
#![allow(dead_code)]

use std::borrow::Cow;
use std::path::PathBuf;

use bitcoin::hashes::Hash as _;
use serde_json::Value;

/// The vectors folder: `$SKYX_VECTORS` if set, else `shared/vectors` next to the repository.
pub fn vectors_dir() -> PathBuf {
    match std::env::var_os("SKYX_VECTORS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors")),
    }
}

/// The text of a vector file; a missing file fails the test and names the file.
pub fn read_text(rel: &str) -> String {
    let path = vectors_dir().join(rel);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("missing vector file {}: {e}", path.display()))
}

/// A vector file parsed as JSON.
pub fn read_json(rel: &str) -> Value {
    serde_json::from_str(&read_text(rel))
        .unwrap_or_else(|e| panic!("vector file {rel} is not valid JSON: {e}"))
}

/// A string field that must be present.
pub fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("vector field {key:?} missing or not a string in {v}"))
}

/// A number field that must be present.
pub fn u64_of(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("vector field {key:?} missing or not a number in {v}"))
}

/// An array field that must be present.
pub fn arr_of<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("vector field {key:?} missing or not an array in {v}"))
}

/// Hex decoding that must succeed.
pub fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap_or_else(|e| panic!("bad hex {s:?} in vectors: {e}"))
}

/// NFKD form of a string.
pub fn nfkd(s: &str) -> String {
    let mut cow = Cow::Borrowed(s);
    bip39::Mnemonic::normalize_utf8_cow(&mut cow);
    cow.into_owned()
}

/// The 32-byte secret inside a WIF string (compressed or not), any version byte.
pub fn wif_secret(wif: &str) -> [u8; 32] {
    let raw = bs58::decode(wif).into_vec().expect("WIF is base58");
    assert!(
        raw.len() == 37 || raw.len() == 38,
        "WIF {wif} has length {}",
        raw.len()
    );
    let (body, sum) = raw.split_at(raw.len() - 4);
    let check = bitcoin::hashes::sha256d::Hash::hash(body);
    assert_eq!(&check[..4], sum, "WIF {wif} checksum");
    let mut out = [0u8; 32];
    out.copy_from_slice(&body[1..33]);
    out
}
