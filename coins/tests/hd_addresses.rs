//! Addresses of HD-derived keys: the address columns of the BIP and Skycoin
//! vectors, built with `skyx_coins::btc::address` and `skyx_coins::sky::address`.
//!
//! Vector files read (under `shared/vectors`, or `$SKYX_VECTORS`):
//! * `bip/bip44-49-84-86-multicoin.json` — 5 receive addresses per coin/network row
//!   (P2PKH, P2SH-P2WPKH, P2WPKH, P2TR; BCH cashaddr and legacy base58)
//! * `bip/bip49-vectors.json`, `bip/bip84-vectors.json`, `bip/bip86-vectors.json` — example addresses
//! * `bip/slip132-version-bytes.json` — first address of each SLIP-132 test account
//! * `skycoin/cipher/seed-bip32-0000.golden` … `seed-bip32-0009.golden` — Skycoin and Bitcoin addresses
//! * `skycoin/cli/cli-wallet-cases.json`, `create-wallet-bip44*.golden`, `create-wallet-xpub.golden`
//! * `skycoin/wallets/testdata/test5-bip44.wlt`, `test6-bip44.wlt`,
//!   `test6-passphrase-bip44.wlt`, `xpub-test.wlt`

mod hd_support;

use base64::Engine as _;
use bitcoin::secp256k1::{PublicKey, Secp256k1};
use hd_support::{arr_of, read_json, str_of, u64_of};
use serde_json::Value;
use skyx_coins::btc::address::Address as BtcAddress;
use skyx_coins::btc::{params, ChainParams};
use skyx_coins::hd::{
    derive_public_keys, derive_xpriv, master_key, parse_derivation_path, parse_xpub,
    seed_from_mnemonic, to_xpub, Account, HdCoin, HdNetwork, Purpose,
};
use skyx_coins::sky::address::{bitcoin_address, Address as SkyAddress};

/// The chain parameters of an HD coin/network.
fn chain(coin: HdCoin, network: HdNetwork) -> &'static ChainParams {
    let btc_coin = coin
        .btc_coin()
        .unwrap_or_else(|| panic!("{coin} is not a Bitcoin-family chain"));
    params(btc_coin, network.into()).unwrap()
}

/// The address of `pk` for a script type of the vectors.
fn address(p: &'static ChainParams, script_type: &str, pk: &PublicKey) -> BtcAddress {
    match script_type {
        "p2pkh" => BtcAddress::p2pkh(p, pk),
        "p2sh-p2wpkh" => BtcAddress::p2sh_p2wpkh(p, pk).unwrap(),
        "p2wpkh" => BtcAddress::p2wpkh(p, pk).unwrap(),
        "p2tr" => {
            let secp = Secp256k1::verification_only();
            BtcAddress::p2tr(p, &secp, pk.x_only_public_key().0).unwrap()
        }
        other => panic!("script type {other} of the vectors is not handled"),
    }
}

/// The public key at a path string below a seed.
fn pubkey_at(seed: &[u8], path: &str) -> PublicKey {
    let key = derive_xpriv(
        &master_key(seed).unwrap(),
        &parse_derivation_path(path).unwrap(),
    )
    .unwrap();
    to_xpub(&key).public_key
}

#[test]
fn hd_multicoin_addresses() {
    let doc = read_json("bip/bip44-49-84-86-multicoin.json");
    let mut n = 0;
    for (_, rows) in doc["by_purpose"].as_object().expect("by_purpose") {
        for row in rows.as_array().expect("rows") {
            let coin = HdCoin::from_symbol(str_of(row, "symbol")).unwrap();
            let network: HdNetwork = str_of(row, "network").parse().unwrap();
            let p = chain(coin, network);
            let script_type = str_of(row, "script_type");
            let seed = hex::decode(str_of(row, "seed_hex")).unwrap();
            for entry in arr_of(row, "addresses") {
                let path = str_of(entry, "path");
                let addr = address(p, script_type, &pubkey_at(&seed, path));
                assert_eq!(
                    addr.to_string(),
                    str_of(entry, "address"),
                    "{coin} {network} {path}"
                );
                n += 1;
            }
            if let Some(legacy) = row.get("addresses_legacy_base58") {
                for entry in legacy.as_array().expect("legacy addresses") {
                    let path = str_of(entry, "path");
                    let addr = address(p, script_type, &pubkey_at(&seed, path));
                    assert_eq!(
                        addr.to_legacy_string().as_deref(),
                        Some(str_of(entry, "address")),
                        "{path}"
                    );
                    n += 1;
                }
            }
        }
    }
    assert_eq!(n, 24 * 5 + 2 * 5);
    eprintln!("multicoin: {n} addresses");
}

#[test]
fn hd_bip_example_addresses() {
    let v49 = read_json("bip/bip49-vectors.json");
    let seed = seed_from_mnemonic(str_of(&v49, "mnemonic"), str_of(&v49, "passphrase")).unwrap();
    let pk = pubkey_at(&seed, str_of(&v49, "receive_path"));
    let p = chain(HdCoin::Bitcoin, HdNetwork::Testnet);
    assert_eq!(
        address(p, "p2sh-p2wpkh", &pk).to_string(),
        str_of(&v49, "address")
    );

    for (file, script_type) in [
        ("bip/bip84-vectors.json", "p2wpkh"),
        ("bip/bip86-vectors.json", "p2tr"),
    ] {
        let v = read_json(file);
        let seed = seed_from_mnemonic(str_of(&v, "mnemonic"), str_of(&v, "passphrase")).unwrap();
        let p = chain(HdCoin::Bitcoin, HdNetwork::Mainnet);
        let mut n = 0;
        for e in arr_of(&v, "entries") {
            let Some(want) = e["address"].as_str() else {
                continue;
            };
            let pk = pubkey_at(&seed, str_of(e, "path"));
            let addr = address(p, script_type, &pk);
            assert_eq!(addr.to_string(), want, "{file}");
            assert_eq!(
                hex::encode(addr.script_pubkey().as_bytes()),
                str_of(e, "scriptPubKey"),
                "{file}"
            );
            n += 1;
        }
        assert_eq!(n, 3, "{file}");
    }

    let slip = read_json("bip/slip132-version-bytes.json");
    let tv = &slip["test_vectors"];
    let seed = seed_from_mnemonic(str_of(tv, "mnemonic"), str_of(tv, "passphrase")).unwrap();
    for a in arr_of(tv, "accounts") {
        let path = str_of(a, "first_address_path");
        let script_type = match &path[..5] {
            "m/44'" => "p2pkh",
            "m/49'" => "p2sh-p2wpkh",
            "m/84'" => "p2wpkh",
            other => panic!("unexpected SLIP-132 path {other}"),
        };
        let p = chain(HdCoin::Bitcoin, HdNetwork::Mainnet);
        let addr = address(p, script_type, &pubkey_at(&seed, path));
        assert_eq!(addr.to_string(), str_of(a, "first_address"), "{path}");
    }
}

#[test]
fn hd_skycoin_seed_bip32_addresses() {
    let mut n = 0;
    for i in 0..10 {
        let file = format!("skycoin/cipher/seed-bip32-{i:04}.golden");
        let doc = read_json(&file);
        let seed = base64::engine::general_purpose::STANDARD
            .decode(str_of(&doc, "seed"))
            .unwrap();
        for k in arr_of(&doc, "keys") {
            let pk = pubkey_at(&seed, str_of(k, "path"));
            assert_eq!(
                SkyAddress::from_pubkey(&pk).to_string(),
                str_of(k, "address"),
                "{file}"
            );
            assert_eq!(bitcoin_address(&pk), str_of(k, "bitcoin_address"), "{file}");
            let p2pkh = BtcAddress::p2pkh(chain(HdCoin::Bitcoin, HdNetwork::Mainnet), &pk);
            assert_eq!(p2pkh.to_string(), str_of(k, "bitcoin_address"), "{file}");
            n += 1;
        }
    }
    assert_eq!(n, 90);
}

#[test]
fn hd_skycoin_cli_bip44_addresses() {
    let cases = read_json("skycoin/cli/cli-wallet-cases.json");
    let mut n = 0;
    for c in arr_of(&cases, "cases") {
        let golden = str_of(c, "golden");
        let doc = read_json(&format!("skycoin/cli/{golden}"));
        match str_of(c, "type") {
            "bip44" => {
                let passphrase = c["seed_passphrase"].as_str().unwrap_or("");
                let seed = seed_from_mnemonic(str_of(c, "seed"), passphrase).unwrap();
                let account = Account::from_seed(&seed, Purpose::Bip44, 8000, 0).unwrap();
                for e in arr_of(&doc, "entries") {
                    let (change, i) =
                        (u64_of(e, "change") as u32, u64_of(e, "child_number") as u32);
                    let key = &account.derive_keys(change, i, 1).unwrap()[0];
                    assert_eq!(
                        SkyAddress::from_pubkey(&key.public).to_string(),
                        str_of(e, "address"),
                        "{golden}"
                    );
                    n += 1;
                }
            }
            "xpub" => {
                let (xpub, _) = parse_xpub(str_of(c, "xpub")).unwrap();
                n += check_xpub_entries(golden, &xpub, &doc, "public_key");
            }
            _ => {}
        }
    }
    assert_eq!(n, 7);
}

/// Checks the addresses of an xpub wallet's entries; returns how many.
fn check_xpub_entries(
    file: &str,
    xpub: &bitcoin::bip32::Xpub,
    doc: &Value,
    pub_field: &str,
) -> usize {
    let entries = arr_of(doc, "entries");
    for e in entries {
        let i = u64_of(e, "child_number") as u32;
        let (_, pk) = derive_public_keys(xpub, i, 1).unwrap()[0];
        assert_eq!(hex::encode(pk.serialize()), str_of(e, pub_field), "{file}");
        assert_eq!(
            SkyAddress::from_pubkey(&pk).to_string(),
            str_of(e, "address"),
            "{file}"
        );
    }
    entries.len()
}

#[test]
fn hd_skycoin_wallet_file_addresses() {
    let mut n = 0;
    for file in [
        "test5-bip44.wlt",
        "test6-bip44.wlt",
        "test6-passphrase-bip44.wlt",
    ] {
        let doc = read_json(&format!("skycoin/wallets/testdata/{file}"));
        let meta = &doc["meta"];
        let seed =
            seed_from_mnemonic(str_of(meta, "seed"), str_of(meta, "seedPassphrase")).unwrap();
        for a in arr_of(&doc, "accounts") {
            let account =
                Account::from_seed(&seed, Purpose::Bip44, 8000, u64_of(a, "index") as u32).unwrap();
            for chain in arr_of(a, "chains") {
                let change = if str_of(chain, "chain") == "external" {
                    0
                } else {
                    1
                };
                let xpub = account.chain_xpub(change).unwrap();
                n += check_xpub_entries(file, &xpub, chain, "public");
            }
        }
    }
    let doc = read_json("skycoin/wallets/testdata/xpub-test.wlt");
    let (xpub, _) = parse_xpub(str_of(&doc["meta"], "xpub")).unwrap();
    n += check_xpub_entries("xpub-test.wlt", &xpub, &doc, "public");
    assert_eq!(n, 17);
}
