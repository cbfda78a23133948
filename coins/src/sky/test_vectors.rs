//! Locates the shared test vectors (`SKYX_VECTORS`, else `../shared/vectors`
//! beside the checkout) and reads them; a missing file fails the test by name.

use std::path::PathBuf;

/// The vectors folder.
pub fn vectors_dir() -> PathBuf {
    match std::env::var_os("SKYX_VECTORS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors")),
    }
}

/// Bytes of the vector file at `rel` (relative to the vectors folder).
pub fn read_vector(rel: &str) -> Vec<u8> {
    let path = vectors_dir().join(rel);
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("vector file {} is required: {e}", path.display()))
}

/// The vector file at `rel` parsed as JSON.
pub fn read_json(rel: &str) -> serde_json::Value {
    serde_json::from_slice(&read_vector(rel))
        .unwrap_or_else(|e| panic!("vector file {rel} is not JSON: {e}"))
}

/// Hex string of a JSON field, decoded.
pub fn hex_field(v: &serde_json::Value, key: &str) -> Vec<u8> {
    let s = v[key]
        .as_str()
        .unwrap_or_else(|| panic!("field {key} missing in {v}"));
    hex::decode(s).unwrap_or_else(|e| panic!("field {key} not hex: {e}"))
}
