//! Skycoin's BIP32/BIP44 keys against the Go reference node's vectors
//! (addresses are checked in `hd_addresses.rs`).
//!
//! Vector files read (under `shared/vectors`, or `$SKYX_VECTORS`):
//! * `skycoin/cipher/seed-bip32-0000.golden` … `seed-bip32-0009.golden` — seed
//!   (32 or 64 bytes), base path m/44'/0'/0'/0, children 0..4, 100, 1024, 2^31-100, 2^31-1:
//!   xpriv, xpub, identifier, depth, child number, secret, public key
//! * `skycoin/cli/cli-wallet-cases.json` with `create-wallet-bip44.golden`,
//!   `create-wallet-bip44-encrypt.golden`, `create-wallet-bip44-with-passphrase.golden`
//!   (mnemonic → public keys at m/44'/8000'/0'/{0,1}/0), and `create-wallet-xpub.golden`
//! * `skycoin/wallets/testdata/test5-bip44.wlt`, `test6-bip44.wlt`,
//!   `test6-passphrase-bip44.wlt` — account xprv, chain xpubs, entry keys;
//!   `xpub-test.wlt` — children of an xpub

mod hd_support;

use base64::Engine as _;
use hd_support::{arr_of, read_json, str_of, u64_of};
use serde_json::Value;
use skyx_coins::hd::path::HARDENED;
use skyx_coins::hd::slip44;
use skyx_coins::hd::{
    derive_account_keys, derive_public_keys, derive_xpriv, encode_xpriv, encode_xpub, master_key,
    parse_derivation_path, parse_xpriv, parse_xpub, seed_from_mnemonic, to_xpub, Account,
    KeyVersions, Purpose,
};

#[test]
fn hd_seed_bip32_goldens() {
    let mut keys = 0;
    for n in 0..10 {
        let file = format!("skycoin/cipher/seed-bip32-{n:04}.golden");
        let doc = read_json(&file);
        let seed = base64::engine::general_purpose::STANDARD
            .decode(str_of(&doc, "seed"))
            .unwrap_or_else(|e| panic!("{file}: seed is not base64: {e}"));
        assert!((16..=64).contains(&seed.len()), "{file}");
        let base_path = str_of(&doc, "base_path");
        assert_eq!(base_path, "m/44'/0'/0'/0");
        let master = master_key(&seed).unwrap();
        let base = derive_xpriv(&master, &parse_derivation_path(base_path).unwrap()).unwrap();
        let children: Vec<u64> = arr_of(&doc, "child_numbers")
            .iter()
            .map(|c| c.as_u64().unwrap())
            .collect();
        assert!(
            children.contains(&u64::from(HARDENED - 1)),
            "{file}: 2^31-1 is covered"
        );
        let entries = arr_of(&doc, "keys");
        assert_eq!(entries.len(), children.len(), "{file}");
        let base_pub = to_xpub(&base);
        for (k, child) in entries.iter().zip(&children) {
            let i = *child as u32;
            assert_eq!(u64_of(k, "child_number"), *child, "{file}");
            let path = str_of(k, "path");
            assert_eq!(path, format!("{base_path}/{i}"), "{file}");
            let key = derive_xpriv(&master, &parse_derivation_path(path).unwrap()).unwrap();
            let xpub = to_xpub(&key);
            assert_eq!(
                encode_xpriv(&key, KeyVersions::XPUB),
                str_of(k, "xpriv"),
                "{file} {path}"
            );
            assert_eq!(
                encode_xpub(&xpub, KeyVersions::XPUB),
                str_of(k, "xpub"),
                "{file} {path}"
            );
            assert_eq!(
                xpub.identifier().to_string(),
                str_of(k, "identifier"),
                "{file} {path}"
            );
            assert_eq!(u64::from(key.depth), u64_of(k, "depth"), "{file} {path}");
            assert_eq!(
                hex::encode(key.private_key.secret_bytes()),
                str_of(k, "secret"),
                "{file} {path}"
            );
            assert_eq!(
                hex::encode(xpub.public_key.serialize()),
                str_of(k, "public"),
                "{file} {path}"
            );
            // The same key from the parent xpub (non-hardened child).
            assert_eq!(
                derive_public_keys(&base_pub, i, 1).unwrap(),
                vec![(i, xpub.public_key)]
            );
            // The golden strings parse back strictly.
            assert_eq!(parse_xpriv(str_of(k, "xpriv")).unwrap().0, key);
            assert_eq!(parse_xpub(str_of(k, "xpub")).unwrap().0, xpub);
            keys += 1;
        }
    }
    assert_eq!(keys, 90);
    eprintln!("seed-bip32: {keys} keys, 10 checks each");
}

/// The CLI bip44 cases: (golden file, mnemonic, seed passphrase).
fn bip44_cli_cases() -> Vec<(String, String, String)> {
    let doc = read_json("skycoin/cli/cli-wallet-cases.json");
    let cases: Vec<_> = arr_of(&doc, "cases")
        .iter()
        .filter(|c| str_of(c, "type") == "bip44")
        .map(|c| {
            (
                str_of(c, "golden").to_owned(),
                str_of(c, "seed").to_owned(),
                c["seed_passphrase"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(cases.len(), 3, "three bip44 CLI cases");
    cases
}

#[test]
fn hd_cli_bip44_goldens_public_keys() {
    for (golden, mnemonic, passphrase) in bip44_cli_cases() {
        let doc = read_json(&format!("skycoin/cli/{golden}"));
        assert_eq!(
            doc["meta"]["bip44_coin"].as_u64(),
            Some(u64::from(slip44::SKY)),
            "{golden}"
        );
        let seed = seed_from_mnemonic(&mnemonic, &passphrase).unwrap();
        let entries = arr_of(&doc, "entries");
        assert_eq!(entries.len(), 2, "{golden}");
        for e in entries {
            let change = u64_of(e, "change") as u32;
            let index = u64_of(e, "child_number") as u32;
            let keys = derive_account_keys(&seed, Purpose::Bip44, slip44::SKY, 0, change, index, 1)
                .unwrap();
            assert_eq!(keys[0].path, format!("m/44'/8000'/0'/{change}/{index}"));
            assert_eq!(
                hex::encode(keys[0].public.serialize()),
                str_of(e, "public_key"),
                "{golden}"
            );
        }
    }
}

/// Checks one bip44 `.wlt` file; returns the number of entries checked.
fn check_bip44_wallet(file: &str) -> usize {
    let doc = read_json(&format!("skycoin/wallets/testdata/{file}"));
    let meta = &doc["meta"];
    assert_eq!(str_of(meta, "bip44Coin"), slip44::SKY.to_string(), "{file}");
    let seed = seed_from_mnemonic(str_of(meta, "seed"), str_of(meta, "seedPassphrase")).unwrap();
    let mut entries_checked = 0;
    let accounts = arr_of(&doc, "accounts");
    assert!(!accounts.is_empty(), "{file}");
    for a in accounts {
        let index = u64_of(a, "index") as u32;
        let account = Account::from_seed(&seed, Purpose::Bip44, slip44::SKY, index).unwrap();
        assert_eq!(
            account.xpriv_string(KeyVersions::XPUB),
            str_of(a, "private_key"),
            "{file}"
        );
        // The stored account key works as well as the seed.
        let (stored, _) = parse_xpriv(str_of(a, "private_key")).unwrap();
        let reloaded = Account::from_xpriv(Purpose::Bip44, slip44::SKY, index, stored).unwrap();
        for chain in arr_of(a, "chains") {
            let change = match str_of(chain, "chain") {
                "external" => 0,
                "change" => 1,
                other => panic!("{file}: unknown chain {other}"),
            };
            let xpub = account.chain_xpub(change).unwrap();
            assert_eq!(
                encode_xpub(&xpub, KeyVersions::XPUB),
                str_of(chain, "public_key"),
                "{file}"
            );
            let entries = arr_of(chain, "entries");
            assert!(!entries.is_empty(), "{file}");
            for e in entries {
                entries_checked += check_wallet_entry(file, &reloaded, change, e);
            }
        }
    }
    entries_checked
}

/// Checks one entry's secret and public key.
fn check_wallet_entry(file: &str, account: &Account, change: u32, e: &Value) -> usize {
    let i = u64_of(e, "child_number") as u32;
    let key = &account.derive_keys(change, i, 1).unwrap()[0];
    assert_eq!(
        key.path,
        format!("m/44'/8000'/{}'/{change}/{i}", account.account)
    );
    assert_eq!(
        hex::encode(key.secret.secret_bytes()),
        str_of(e, "secret"),
        "{file}"
    );
    assert_eq!(
        hex::encode(key.public.serialize()),
        str_of(e, "public"),
        "{file}"
    );
    1
}

#[test]
fn hd_bip44_wallet_files() {
    let mut n = 0;
    for file in [
        "test5-bip44.wlt",
        "test6-bip44.wlt",
        "test6-passphrase-bip44.wlt",
    ] {
        n += check_bip44_wallet(file);
    }
    assert_eq!(n, 15, "7 + 4 + 4 entries");
    eprintln!("bip44 wallets: {n} entries");
}

#[test]
fn hd_xpub_wallet_children() {
    let wlt = read_json("skycoin/wallets/testdata/xpub-test.wlt");
    let golden = read_json("skycoin/cli/create-wallet-xpub.golden");
    for (doc, pub_field) in [(&wlt, "public"), (&golden, "public_key")] {
        let (xpub, versions) = parse_xpub(str_of(&doc["meta"], "xpub")).unwrap();
        assert_eq!(versions, KeyVersions::XPUB);
        for e in arr_of(doc, "entries") {
            let i = u64_of(e, "child_number") as u32;
            let got = derive_public_keys(&xpub, i, 1).unwrap();
            assert_eq!(hex::encode(got[0].1.serialize()), str_of(e, pub_field));
        }
    }
}
