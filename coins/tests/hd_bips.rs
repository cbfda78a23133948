//! BIP44/49/84/86 accounts: the BIPs' worked examples and bip_utils' per-coin
//! vectors (keys, extended keys and version bytes; addresses are in `hd_addresses.rs`).
//!
//! Vector files read (under `shared/vectors`, or `$SKYX_VECTORS`):
//! * `bip/bip49-vectors.json` — BIP49 testnet example
//! * `bip/bip84-vectors.json` — BIP84 example
//! * `bip/bip86-vectors.json` — BIP86 example (keys, internal/output keys, scriptPubKey)
//! * `bip/bip44-49-84-86-multicoin.json` — every coin/network row: seed, master,
//!   account and external-chain keys with their version bytes, address paths

mod hd_support;

use bitcoin::bip32::{Xpriv, Xpub};
use bitcoin::hashes::{hash160, Hash};
use bitcoin::key::TapTweak;
use bitcoin::secp256k1::{Secp256k1, XOnlyPublicKey};
use hd_support::{arr_of, read_json, str_of, u64_of, wif_secret};
use serde_json::Value;
use skyx_coins::hd::{
    derive_account_keys, derive_public_keys, derive_xpriv, encode_xpriv, encode_xpub, master_key,
    parse_derivation_path, parse_extended_key, seed_from_mnemonic, to_xpub, Account, HdCoin,
    HdNetwork, HdPath, KeyVersions, Purpose,
};

/// Hex of four version bytes.
fn vhex(v: [u8; 4]) -> String {
    hex::encode(v)
}

/// Checks that an extended-key string parses back to the same key material with `versions`.
fn assert_parses_back(s: &str, versions: KeyVersions) {
    let parsed = parse_extended_key(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    assert_eq!(parsed.versions, versions, "{s}");
}

/// Private and public extended keys of `key` with `versions`.
fn both(key: &Xpriv, versions: KeyVersions) -> (String, String) {
    (
        encode_xpriv(key, versions),
        encode_xpub(&to_xpub(key), versions),
    )
}

#[test]
fn hd_bip49_example() {
    let v = read_json("bip/bip49-vectors.json");
    let seed = seed_from_mnemonic(str_of(&v, "mnemonic"), str_of(&v, "passphrase")).unwrap();
    let versions =
        KeyVersions::for_coin(HdCoin::Bitcoin, HdNetwork::Testnet, Purpose::Bip49).unwrap();
    let master = master_key(&seed).unwrap();
    assert_eq!(
        encode_xpriv(&master, versions),
        str_of(&v, "master_ext_priv")
    );
    let account = Account::from_seed(
        &seed,
        Purpose::Bip49,
        HdCoin::Bitcoin.coin_type(HdNetwork::Testnet),
        0,
    )
    .unwrap();
    assert_eq!(account.path_string(), str_of(&v, "account_path"));
    assert_eq!(
        account.xpriv_string(versions),
        str_of(&v, "account_ext_priv")
    );
    assert_eq!(account.xpub_string(versions), str_of(&v, "account_ext_pub"));

    let path: HdPath = str_of(&v, "receive_path").parse().unwrap();
    let key = &account.derive_keys(path.change, path.index, 1).unwrap()[0];
    assert_eq!(key.path, str_of(&v, "receive_path"));
    assert_eq!(
        hex::encode(key.secret.secret_bytes()),
        str_of(&v, "receive_priv_hex")
    );
    assert_eq!(
        wif_secret(str_of(&v, "receive_priv_wif")),
        key.secret.secret_bytes()
    );
    assert_eq!(
        hex::encode(key.public.serialize()),
        str_of(&v, "receive_pub_hex")
    );
    let keyhash = hash160::Hash::hash(&key.public.serialize()).to_byte_array();
    assert_eq!(hex::encode(keyhash), str_of(&v, "keyhash_hex"));
    let redeem = [&[0x00u8, 0x14][..], &keyhash[..]].concat();
    assert_eq!(hex::encode(&redeem), str_of(&v, "redeem_script_hex"));
    assert_eq!(
        hex::encode(hash160::Hash::hash(&redeem)),
        str_of(&v, "script_hash_hex")
    );
}

#[test]
fn hd_bip84_example() {
    let v = read_json("bip/bip84-vectors.json");
    let seed = seed_from_mnemonic(str_of(&v, "mnemonic"), str_of(&v, "passphrase")).unwrap();
    let versions =
        KeyVersions::for_coin(HdCoin::Bitcoin, HdNetwork::Mainnet, Purpose::Bip84).unwrap();
    let (prv, pubk) = both(&master_key(&seed).unwrap(), versions);
    assert_eq!(prv, str_of(&v["root"], "ext_priv"));
    assert_eq!(pubk, str_of(&v["root"], "ext_pub"));
    let entries = arr_of(&v, "entries");
    assert_eq!(entries.len(), 4);
    let account = Account::from_seed(&seed, Purpose::Bip84, 0, 0).unwrap();
    for e in entries {
        let path = str_of(e, "path");
        if let Some(xpriv) = e["xpriv"].as_str() {
            assert_eq!(account.path_string(), path);
            assert_eq!(account.xpriv_string(versions), xpriv);
            assert_eq!(account.xpub_string(versions), str_of(e, "xpub"));
            continue;
        }
        let p: HdPath = path.parse().unwrap();
        let key = &derive_account_keys(
            &seed,
            p.purpose,
            p.coin_type,
            p.account,
            p.change,
            p.index,
            1,
        )
        .unwrap()[0];
        assert_eq!(key.path, path);
        assert_eq!(
            wif_secret(str_of(e, "privkey")),
            key.secret.secret_bytes(),
            "{path}"
        );
        assert_eq!(
            hex::encode(key.public.serialize()),
            str_of(e, "pubkey"),
            "{path}"
        );
        let keyhash = hash160::Hash::hash(&key.public.serialize());
        assert_eq!(
            format!("0014{}", hex::encode(keyhash)),
            str_of(e, "scriptPubKey"),
            "{path}"
        );
    }
}

#[test]
fn hd_bip86_example() {
    let v = read_json("bip/bip86-vectors.json");
    let seed = seed_from_mnemonic(str_of(&v, "mnemonic"), str_of(&v, "passphrase")).unwrap();
    let master = master_key(&seed).unwrap();
    let (prv, pubk) = both(&master, KeyVersions::XPUB);
    assert_eq!(prv, str_of(&v["root"], "ext_priv"));
    assert_eq!(pubk, str_of(&v["root"], "ext_pub"));
    let secp = Secp256k1::verification_only();
    let entries = arr_of(&v, "entries");
    assert_eq!(entries.len(), 4);
    for e in entries {
        let path = str_of(e, "path");
        let key = derive_xpriv(&master, &parse_derivation_path(path).unwrap()).unwrap();
        let (prv, pubk) = both(&key, KeyVersions::XPUB);
        assert_eq!(prv, str_of(e, "xprv"), "{path}");
        assert_eq!(pubk, str_of(e, "xpub"), "{path}");
        let Some(internal) = e["internal_key"].as_str() else {
            continue;
        };
        let (xonly, _) = to_xpub(&key).public_key.x_only_public_key();
        assert_eq!(hex::encode(xonly.serialize()), internal, "{path}");
        let (output, _) = XOnlyPublicKey::tap_tweak(xonly, &secp, None);
        let output = output.to_x_only_public_key().serialize();
        assert_eq!(hex::encode(output), str_of(e, "output_key"), "{path}");
        assert_eq!(
            format!("5120{}", hex::encode(output)),
            str_of(e, "scriptPubKey"),
            "{path}"
        );
    }
}

/// The version bytes bip_utils writes a row's keys with, and the alternative ones.
fn row_versions(
    coin: HdCoin,
    network: HdNetwork,
    purpose: u64,
) -> (KeyVersions, Option<KeyVersions>) {
    if purpose == 86 {
        let v = if network.is_test() {
            KeyVersions::TPUB
        } else {
            KeyVersions::XPUB
        };
        return (v, None);
    }
    let purpose = Purpose::from_number(purpose as u32).unwrap();
    let native = KeyVersions::for_coin(coin, network, purpose).unwrap();
    // bip_utils writes Litecoin mainnet keys with Bitcoin's versions, Ltub/Mtub as "alt".
    if coin == HdCoin::Litecoin && network == HdNetwork::Mainnet {
        let bitcoin = KeyVersions::bitcoin(network, purpose);
        return (bitcoin, (bitcoin != native).then_some(native));
    }
    (native, None)
}

/// The account node of a row, for any purpose including 86.
fn row_account(master: &Xpriv, path: &str) -> Xpriv {
    derive_xpriv(master, &parse_derivation_path(path).unwrap()).unwrap()
}

/// Checks one multicoin row; returns the number of checked values.
fn check_multicoin_row(row: &Value) -> usize {
    let mut checks = 0;
    let symbol = str_of(row, "symbol");
    let coin = HdCoin::from_symbol(symbol).unwrap_or_else(|| panic!("unknown coin {symbol}"));
    let network: HdNetwork = str_of(row, "network").parse().unwrap();
    let purpose = u64_of(row, "purpose");
    let label = format!("{symbol} {network} {purpose}");
    let coin_type = u64_of(row, "coin_type") as u32;
    assert_eq!(coin.coin_type(network), coin_type, "{label}");

    let seed = seed_from_mnemonic(str_of(row, "mnemonic"), str_of(row, "passphrase")).unwrap();
    assert_eq!(hex::encode(seed), str_of(row, "seed_hex"), "{label}");
    let (primary, alt) = row_versions(coin, network, purpose);

    let m = &row["master"];
    let master = master_key(&seed).unwrap();
    assert_eq!(str_of(m, "version_hex"), vhex(primary.private), "{label}");
    assert_eq!(
        encode_xpriv(&master, primary),
        str_of(m, "ext_priv"),
        "{label} master"
    );
    assert_parses_back(str_of(m, "ext_priv"), primary);
    assert_eq!(
        wif_secret(str_of(m, "wif")),
        master.private_key.secret_bytes(),
        "{label} WIF"
    );
    checks += 4;
    match (alt, m["ext_priv_alt"].as_str()) {
        (Some(alt), Some(s)) => {
            assert_eq!(encode_xpriv(&master, alt), s, "{label} master alt");
            assert_parses_back(s, alt);
            checks += 1;
        }
        (None, None) => {}
        (ours, theirs) => panic!("{label}: alt versions {ours:?} vs vector {theirs:?}"),
    }

    let a = &row["account"];
    let account_path = str_of(a, "path");
    assert_eq!(
        account_path,
        format!("m/{purpose}'/{coin_type}'/0'"),
        "{label}"
    );
    let account = row_account(&master, account_path);
    if let Ok(p) = Purpose::from_number(purpose as u32) {
        let acct = Account::from_seed(&seed, p, coin_type, 0).unwrap();
        assert_eq!(acct.xpriv, account, "{label}");
        assert_eq!(acct.path_string(), account_path, "{label}");
        checks += 1;
    }
    assert_eq!(
        str_of(a, "ext_priv_version_hex"),
        vhex(primary.private),
        "{label}"
    );
    assert_eq!(
        str_of(a, "ext_pub_version_hex"),
        vhex(primary.public),
        "{label}"
    );
    let (prv, pubk) = both(&account, primary);
    assert_eq!(prv, str_of(a, "ext_priv"), "{label} account");
    assert_eq!(pubk, str_of(a, "ext_pub"), "{label} account");
    assert_parses_back(str_of(a, "ext_priv"), primary);
    assert_parses_back(str_of(a, "ext_pub"), primary);
    checks += 6;
    if let Some(alt) = alt {
        assert_eq!(
            str_of(a, "ext_priv_alt_version_hex"),
            vhex(alt.private),
            "{label}"
        );
        assert_eq!(
            str_of(a, "ext_pub_alt_version_hex"),
            vhex(alt.public),
            "{label}"
        );
        let (prv, pubk) = both(&account, alt);
        assert_eq!(prv, str_of(a, "ext_priv_alt"), "{label} account alt");
        assert_eq!(pubk, str_of(a, "ext_pub_alt"), "{label} account alt");
        checks += 4;
    } else {
        assert!(
            a.get("ext_pub_alt").is_none(),
            "{label}: vector has alt keys, we have none"
        );
    }

    let c = &row["external_chain"];
    let chain_path = str_of(c, "path");
    assert_eq!(chain_path, format!("{account_path}/0"), "{label}");
    let chain = row_account(&master, chain_path);
    let (prv, pubk) = both(&chain, primary);
    assert_eq!(prv, str_of(c, "ext_priv"), "{label} chain");
    assert_eq!(pubk, str_of(c, "ext_pub"), "{label} chain");
    checks += 2;
    if let Some(alt) = alt {
        let (prv, pubk) = both(&chain, alt);
        assert_eq!(prv, str_of(c, "ext_priv_alt"), "{label} chain alt");
        assert_eq!(pubk, str_of(c, "ext_pub_alt"), "{label} chain alt");
        checks += 2;
    }

    // The five receive keys: by path from the seed, and from the chain xpub alone.
    let addresses = arr_of(row, "addresses");
    assert_eq!(addresses.len(), 5, "{label}");
    let chain_pub: Xpub = to_xpub(&chain);
    let public = derive_public_keys(&chain_pub, 0, 5).unwrap();
    for (i, entry) in addresses.iter().enumerate() {
        let path = str_of(entry, "path");
        assert_eq!(path, format!("{chain_path}/{i}"), "{label}");
        let key = derive_xpriv(&master, &parse_derivation_path(path).unwrap()).unwrap();
        assert_eq!(
            public[i],
            (i as u32, to_xpub(&key).public_key),
            "{label} {path}"
        );
        if let Ok(p) = Purpose::from_number(purpose as u32) {
            let derived = &derive_account_keys(&seed, p, coin_type, 0, 0, i as u32, 1).unwrap()[0];
            assert_eq!(derived.path, path);
            assert_eq!(derived.secret, key.private_key, "{label} {path}");
        }
        checks += 2;
    }
    checks
}

#[test]
fn hd_multicoin_rows() {
    let doc = read_json("bip/bip44-49-84-86-multicoin.json");
    let by_purpose = doc["by_purpose"].as_object().expect("by_purpose object");
    let expected_rows = [("44", 11), ("49", 5), ("84", 5), ("86", 3)];
    assert_eq!(by_purpose.len(), expected_rows.len());
    let mut rows = 0;
    let mut checks = 0;
    for (purpose, count) in expected_rows {
        let list = by_purpose[purpose]
            .as_array()
            .unwrap_or_else(|| panic!("purpose {purpose} missing"));
        assert_eq!(list.len(), count, "rows of purpose {purpose}");
        for row in list {
            assert_eq!(u64_of(row, "purpose").to_string(), purpose);
            checks += check_multicoin_row(row);
            rows += 1;
        }
    }
    assert_eq!(rows, 24);
    eprintln!("multicoin: {rows} rows, {checks} checks");
}

#[test]
fn hd_unsupported_purposes_are_errors() {
    for coin in [
        HdCoin::Dogecoin,
        HdCoin::BitcoinCash,
        HdCoin::BitcoinSv,
        HdCoin::Skycoin,
    ] {
        for purpose in [Purpose::Bip49, Purpose::Bip84] {
            assert!(KeyVersions::for_coin(coin, HdNetwork::Mainnet, purpose).is_err());
        }
    }
}
