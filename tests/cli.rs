//! End-to-end tests of the `skyx` command line: the real binary, run as a
//! script would run it, checked against the shared vectors.
//!
//! Vector files read: skycoin/cipher/seed-0000.golden … seed-0010.golden,
//! bip/bip84-vectors.json, skycoin/cli/cli-wallet-cases.json and the
//! create-wallet-bip44*.golden files it names, btc-family/bitcoin-core-key_io_valid.json,
//! btc-family/bitcoin-core-key_io_invalid.json, skycoin/wallets/** (wallet inspect).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use base64::Engine;
use serde_json::Value;

fn vectors() -> PathBuf {
    match std::env::var_os("SKYX_VECTORS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors")),
    }
}

fn read_json(rel: &str) -> Value {
    let path = vectors().join(rel);
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("vector file {} is required: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn skyx(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skyx"))
        .args(args)
        .output()
        .expect("skyx runs")
}

fn skyx_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_skyx"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("skyx runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("skyx finishes")
}

fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A failure from bad input: non-zero exit, one line on stderr, no panic.
fn assert_clean_failure(out: &Output) {
    assert!(!out.status.success(), "expected failure");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "panic: {err}");
    assert!(!err.contains("RUST_BACKTRACE"), "backtrace hint: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line expected: {err}"
    );
}

#[test]
fn keys_sky_matches_the_reference_seed_vectors() {
    for i in 0..=10 {
        let rel = format!("skycoin/cipher/seed-{i:04}.golden");
        let v = read_json(&rel);
        let seed = base64::engine::general_purpose::STANDARD
            .decode(v["seed"].as_str().expect("seed"))
            .expect("base64 seed");
        let want = v["keys"].as_array().expect("keys");
        let count = want.len().to_string();
        let out = skyx(&[
            "keys",
            "sky",
            "--seed-hex",
            &hex::encode(&seed),
            "--count",
            &count,
            "--json",
        ]);
        assert!(
            out.status.success(),
            "{rel}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = stdout_json(&out);
        let got = got.as_array().expect("array");
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            for field in ["secret", "public", "address"] {
                assert_eq!(g[field], w[field], "{rel} {field}");
            }
        }
    }
}

#[test]
fn keys_sky_text_seed_is_its_utf8_bytes() {
    let v = read_json("skycoin/cipher/seed-0000.golden");
    let seed = base64::engine::general_purpose::STANDARD
        .decode(v["seed"].as_str().expect("seed"))
        .expect("base64");
    let text = String::from_utf8(seed).expect("seed-0000 is a sentence");
    let out = skyx(&["keys", "sky", "--seed", &text, "--count", "1"]);
    assert!(out.status.success());
    assert_eq!(stdout_json(&out)[0]["address"], v["keys"][0]["address"]);
}

#[test]
fn keys_hd_matches_bip84() {
    let v = read_json("bip/bip84-vectors.json");
    let mnemonic = v["mnemonic"].as_str().expect("mnemonic");
    let entries = v["entries"].as_array().expect("entries");
    let mut checked = 0;
    for e in entries {
        let Some(address) = e.get("address").and_then(Value::as_str) else {
            continue;
        };
        let path = e["path"].as_str().expect("path");
        let parts: Vec<&str> = path.split('/').collect();
        let (change, index) = (parts[4], parts[5].parse::<usize>().expect("index"));
        let count = (index + 1).to_string();
        let out = skyx(&[
            "keys",
            "hd",
            "--coin",
            "btc",
            "--mnemonic",
            mnemonic,
            "--purpose",
            "84",
            "--change",
            change,
            "--count",
            &count,
            "--json",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = &stdout_json(&out)[index];
        assert_eq!(got["path"], path);
        assert_eq!(got["address"], address);
        checked += 1;
    }
    assert_eq!(checked, 3, "two receive and one change address");
}

#[test]
fn keys_hd_sky_matches_the_reference_bip44_wallets() {
    let cases = read_json("skycoin/cli/cli-wallet-cases.json");
    let mut checked = 0;
    for case in cases["cases"].as_array().expect("cases") {
        if case["type"] != "bip44" {
            continue;
        }
        let golden = read_json(&format!(
            "skycoin/cli/{}",
            case["golden"].as_str().expect("golden")
        ));
        let mnemonic = case["seed"].as_str().expect("seed");
        let passphrase = case
            .get("seed_passphrase")
            .and_then(Value::as_str)
            .unwrap_or("");
        for entry in golden["entries"].as_array().expect("entries") {
            let change = entry["change"].as_u64().expect("change").to_string();
            let index = entry["child_number"].as_u64().expect("child") as usize;
            let count = (index + 1).to_string();
            let out = skyx(&[
                "keys",
                "hd",
                "--coin",
                "sky",
                "--mnemonic",
                mnemonic,
                "--passphrase",
                passphrase,
                "--change",
                &change,
                "--count",
                &count,
                "--json",
            ]);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let got = &stdout_json(&out)[index];
            assert_eq!(got["address"], entry["address"], "{}", case["golden"]);
            assert_eq!(got["public"], entry["public_key"], "{}", case["golden"]);
            checked += 1;
        }
    }
    assert!(checked >= 4, "only {checked} bip44 entries checked");
}

#[test]
fn address_check_follows_bitcoin_core_key_io() {
    let valid = read_json("btc-family/bitcoin-core-key_io_valid.json");
    let mut checked = 0;
    for row in valid.as_array().expect("rows") {
        let meta = &row[2];
        if meta["isPrivkey"] == Value::Bool(true) {
            continue;
        }
        let network = match meta["chain"].as_str().expect("chain") {
            "main" => "mainnet",
            "regtest" => "regtest",
            "test" => "testnet",
            // testnet4 and signet share testnet's prefixes.
            _ => continue,
        };
        let addr = row[0].as_str().expect("address");
        let out = skyx(&[
            "address",
            "check",
            "--coin",
            "btc",
            "--network",
            network,
            addr,
            "--json",
        ]);
        let v = stdout_json(&out);
        // Segwit v1+ addresses other than taproot are valid strings too.
        assert!(out.status.success(), "{addr}: {v}");
        assert_eq!(v["valid"], true);
        checked += 1;
    }
    assert!(checked > 20);
    let invalid = read_json("btc-family/bitcoin-core-key_io_invalid.json");
    for row in invalid.as_array().expect("rows") {
        let addr = row[0].as_str().expect("string");
        if addr.is_empty() {
            continue;
        }
        let out = skyx(&["address", "check", "--coin", "btc", addr, "--json"]);
        assert_eq!(out.status.code(), Some(1), "{addr} should be invalid");
        let v = stdout_json(&out);
        assert_eq!(v["valid"], false);
        assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
}

#[test]
fn address_check_sky_reports_reference_errors() {
    let ok = skyx(&[
        "address",
        "check",
        "--coin",
        "sky",
        "2jBbGxZRGoQG1mqhPBnXnLTxK6oxsTf8os6",
        "--json",
    ]);
    assert!(ok.status.success());
    assert_eq!(stdout_json(&ok)["valid"], true);
    for (addr, error) in [
        ("2jBbGxZRGoQG1mqhPBnXnLTxK6oxsTf8os7", "Invalid checksum"),
        (
            "2jBbGxZRGoQG1mqhPBnXnLTxK6oxsTf8os0",
            "Invalid base58 character",
        ),
        ("2jBbGxZRGoQG1mqh", "Invalid address length"),
    ] {
        let out = skyx(&["address", "check", "--coin", "sky", addr, "--json"]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(stdout_json(&out)["error"], error);
    }
}

#[test]
fn bad_input_fails_with_one_clear_line() {
    assert_clean_failure(&skyx(&["keys", "sky", "--seed-hex", "zz", "--count", "1"]));
    assert_clean_failure(&skyx(&["keys", "sky", "--seed-hex", "", "--count", "1"]));
    assert_clean_failure(&skyx(&["keys", "sky", "--seed", "x", "--count", "0"]));
    assert_clean_failure(&skyx(&[
        "keys",
        "hd",
        "--coin",
        "xyz",
        "--mnemonic",
        "a b c",
    ]));
    assert_clean_failure(&skyx(&[
        "keys",
        "hd",
        "--coin",
        "btc",
        "--mnemonic",
        "not a real mnemonic",
    ]));
    assert_clean_failure(&skyx(&[
        "keys", "hd", "--coin", "doge", "--purpose", "84", "--mnemonic",
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
    ]));
    assert_clean_failure(&skyx(&["address", "check", "--coin", "nope", "x"]));
    // Import settings out of range are refused before anything is opened.
    for bad in [["--commit-every", "0"], ["--cache-mb", "1"]] {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path().join("store");
        let out = skyx(&[
            "node",
            "import",
            "--data-dir",
            d.to_str().expect("path"),
            bad[0],
            bad[1],
            "chain.jsonl",
        ]);
        assert!(!out.status.success(), "{bad:?} accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(bad[0]) && !err.contains("panicked"), "{err}");
        assert!(!d.exists(), "{bad:?} created the store");
    }
    assert_clean_failure(&skyx(&["wallet", "inspect", "/nonexistent/wallet.wlt"]));
    let _ = skyx_stdin(
        &["wallet", "inspect", "/nonexistent.wlt", "--password-stdin"],
        "pwd\n",
    );
}
