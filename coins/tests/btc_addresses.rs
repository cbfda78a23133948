//! Bitcoin-family addresses, WIF keys and their encodings against public vectors.
//!
//! Vector files read (under `shared/vectors/btc-family`, or `$SKYX_VECTORS`):
//! * `bitcoin-core-key_io_valid.json`, `bitcoin-core-key_io_invalid.json`
//! * `litecoin-key_io_valid.json`, `litecoin-key_io_invalid.json`
//! * `dogecoin-base58_keys_valid.json`, `dogecoin-base58_keys_invalid.json`
//! * `base58_encode_decode.json`
//! * `bip173-bech32-vectors.json`, `bip350-bech32m-vectors.json`
//! * `address-vectors-bip_utils.json`
//! * `wallet-core-registry-btc-family.json`
//! * `bip341-wallet-test-vectors.json` (the `scriptPubKey` part: internal key and merkle
//!   root → output key → address; taproot spending is not built, so `keyPathSpending`
//!   is only counted)

mod btc_common;

use bitcoin::bech32::primitives::decode::CheckedHrpstring;
use bitcoin::bech32::{Bech32, Bech32m};
use bitcoin::secp256k1::{PublicKey, Secp256k1};
use btc_common::{json, s, unhex};
use serde_json::Value;
use skyx_coins::btc::address::{p2wpkh_script, Address, AddressError, AddressKind};
use skyx_coins::btc::params::{all_params, params, ChainParams, Coin, Network};
use skyx_coins::btc::wif::PrivateKey;

fn p(coin: Coin, net: Network) -> &'static ChainParams {
    params(coin, net).unwrap()
}

fn btc_chain(name: &str) -> Network {
    match name {
        "main" => Network::Mainnet,
        "test" | "testnet4" | "signet" => Network::Testnet,
        "regtest" => Network::Regtest,
        other => panic!("unknown chain {other}"),
    }
}

fn flip_case(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// Checks one Bitcoin-Core-style key_io_valid file; returns the number of entries.
fn check_key_io_valid(file: &str, coin: Coin) -> usize {
    let rows = json(file);
    let rows = rows.as_array().unwrap();
    for row in rows {
        let text = s(&row[0], "string");
        let hex_str = s(&row[1], "hex");
        let meta = &row[2];
        let net = btc_chain(s(&meta["chain"], "chain"));
        let params = p(coin, net);
        if meta["isPrivkey"].as_bool().unwrap() {
            let key = PrivateKey::from_wif(params, text)
                .unwrap_or_else(|e| panic!("{file}: {text}: {e}"));
            assert_eq!(
                hex::encode(key.secret.secret_bytes()),
                hex_str,
                "{file}: {text}"
            );
            assert_eq!(
                key.compressed,
                meta["isCompressed"].as_bool().unwrap(),
                "{file}: {text}"
            );
            assert_eq!(key.to_wif(params), text, "{file}: WIF round trip");
            assert!(
                Address::parse(params, text).is_err(),
                "{file}: key {text} parsed as address"
            );
        } else {
            let mut forms = vec![text.to_owned()];
            if meta["tryCaseFlip"].as_bool() == Some(true) {
                forms.push(flip_case(text));
            }
            for form in forms {
                let addr =
                    Address::parse(params, &form).unwrap_or_else(|e| panic!("{file}: {form}: {e}"));
                assert_eq!(
                    hex::encode(addr.script_pubkey().as_bytes()),
                    hex_str,
                    "{file}: {form}"
                );
                let shown = match addr.kind() {
                    AddressKind::P2pkh | AddressKind::P2sh => text.to_owned(),
                    _ => text.to_ascii_lowercase(),
                };
                assert_eq!(addr.to_string(), shown, "{file}: display of {form}");
            }
            assert!(
                PrivateKey::from_wif(params, text).is_err(),
                "{file}: address {text} parsed as key"
            );
            if net == Network::Mainnet {
                let test = p(coin, Network::Testnet);
                assert!(
                    matches!(
                        Address::parse(test, text),
                        Err(AddressError::WrongNetwork { .. })
                    ),
                    "{file}: mainnet {text} on testnet: {:?}",
                    Address::parse(test, text)
                );
            }
        }
    }
    rows.len()
}

/// Every invalid string is rejected, as address and as key, on every network of `coin`.
fn check_invalid(file: &str, coin: Coin) -> usize {
    let rows = json(file);
    let rows = rows.as_array().unwrap();
    for row in rows {
        let text = s(&row[0], "string");
        for net in Network::ALL {
            let params = p(coin, net);
            assert!(
                Address::parse(params, text).is_err(),
                "{file}: {text:?} accepted on {}",
                params.name
            );
            assert!(
                PrivateKey::from_wif(params, text).is_err(),
                "{file}: {text:?} accepted as key on {}",
                params.name
            );
        }
    }
    rows.len()
}

#[test]
fn btc_bitcoin_key_io() {
    assert_eq!(
        check_key_io_valid("bitcoin-core-key_io_valid.json", Coin::Btc),
        70
    );
    assert_eq!(
        check_invalid("bitcoin-core-key_io_invalid.json", Coin::Btc),
        60
    );
}

#[test]
fn btc_litecoin_key_io() {
    assert_eq!(
        check_key_io_valid("litecoin-key_io_valid.json", Coin::Ltc),
        54
    );
    assert_eq!(check_invalid("litecoin-key_io_invalid.json", Coin::Ltc), 70);
}

#[test]
fn btc_dogecoin_base58_keys() {
    let file = "dogecoin-base58_keys_valid.json";
    let rows = json(file);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 50);
    for row in rows {
        let text = s(&row[0], "string");
        let hex_str = s(&row[1], "hex");
        let meta = &row[2];
        let net = if meta["isTestnet"].as_bool().unwrap() {
            Network::Testnet
        } else {
            Network::Mainnet
        };
        let params = p(Coin::Doge, net);
        if meta["isPrivkey"].as_bool().unwrap() {
            let key = PrivateKey::from_wif(params, text)
                .unwrap_or_else(|e| panic!("{file}: {text}: {e}"));
            let compressed = meta["isCompressed"].as_bool().unwrap();
            // README: compressed secrets carry a stray 65th hex digit; compare the first 64.
            assert_eq!(
                hex::encode(key.secret.secret_bytes()),
                &hex_str[..64],
                "{file}: {text}"
            );
            assert_eq!(key.compressed, compressed, "{file}: {text}");
            assert_eq!(key.to_wif(params), text);
            assert!(Address::parse(params, text).is_err());
        } else {
            let addr =
                Address::parse(params, text).unwrap_or_else(|e| panic!("{file}: {text}: {e}"));
            let hash: [u8; 20] = unhex(hex_str).try_into().unwrap();
            let expected = match s(&meta["addrType"], "addrType") {
                "pubkey" => Address::from_pubkey_hash(params, hash),
                "script" => Address::from_script_hash(params, hash),
                other => panic!("addrType {other}"),
            };
            assert_eq!(addr, expected, "{file}: {text}");
            assert_eq!(addr.to_string(), text);
            assert!(PrivateKey::from_wif(params, text).is_err());
        }
    }
    assert_eq!(
        check_invalid("dogecoin-base58_keys_invalid.json", Coin::Doge),
        50
    );
}

#[test]
fn btc_base58_encode_decode() {
    let rows = json("base58_encode_decode.json");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 14);
    for row in rows {
        let bytes = unhex(s(&row[0], "hex"));
        let text = s(&row[1], "base58");
        assert_eq!(bitcoin::base58::encode(&bytes), text);
        assert_eq!(bitcoin::base58::decode(text).unwrap(), bytes);
    }
}

/// Which Bitcoin chain a BIP173/BIP350 address's HRP names.
fn btc_params_for(address: &str) -> &'static ChainParams {
    let lower = address.to_ascii_lowercase();
    if lower.starts_with("bc1") {
        p(Coin::Btc, Network::Mainnet)
    } else if lower.starts_with("tb1") {
        p(Coin::Btc, Network::Testnet)
    } else {
        panic!("no Bitcoin chain for {address}")
    }
}

fn check_bech32_file(file: &str, bech32m: bool) -> usize {
    let v = json(file);
    let mut checks = 0;
    for e in v["valid_strings"].as_array().unwrap() {
        let text = s(&e["string"], "string");
        let ok = if bech32m {
            CheckedHrpstring::new::<Bech32m>(text).is_ok()
        } else {
            CheckedHrpstring::new::<Bech32>(text).is_ok()
        };
        assert!(ok, "{file}: valid string {text:?} rejected");
        checks += 1;
    }
    for e in v["invalid_strings"].as_array().unwrap() {
        let text = s(&e["string"], "string");
        let ok = if bech32m {
            CheckedHrpstring::new::<Bech32m>(text).is_ok()
        } else {
            CheckedHrpstring::new::<Bech32>(text).is_ok()
        };
        assert!(
            !ok,
            "{file}: invalid string {text:?} ({}) accepted",
            e["reason"]
        );
        checks += 1;
    }
    for e in v["valid_segwit_addresses"].as_array().unwrap() {
        let text = s(&e["address"], "address");
        let params = btc_params_for(text);
        if e["valid_under_bip350"].as_bool() == Some(false) {
            assert!(
                Address::parse(params, text).is_err(),
                "{file}: pre-BIP350 {text} accepted"
            );
        } else {
            let addr =
                Address::parse(params, text).unwrap_or_else(|err| panic!("{file}: {text}: {err}"));
            assert_eq!(
                hex::encode(addr.script_pubkey().as_bytes()),
                s(&e["scriptPubKey"], "spk")
            );
            assert_eq!(addr.to_string(), text.to_ascii_lowercase());
        }
        checks += 1;
    }
    for e in v["invalid_segwit_addresses"].as_array().unwrap() {
        let text = s(&e["address"], "address");
        for params in all_params() {
            assert!(
                Address::parse(params, text).is_err(),
                "{file}: invalid {text:?} ({}) accepted on {}",
                e["reason"],
                params.name
            );
        }
        checks += 1;
    }
    checks
}

#[test]
fn btc_bip173_and_bip350() {
    assert_eq!(
        check_bech32_file("bip173-bech32-vectors.json", false),
        7 + 12 + 6 + 10
    );
    assert_eq!(
        check_bech32_file("bip350-bech32m-vectors.json", true),
        7 + 14 + 8 + 15
    );
}

fn bip_utils_params(name: &str) -> &'static ChainParams {
    let (coin, net) = match name {
        "BitcoinMainNet" => (Coin::Btc, Network::Mainnet),
        "BitcoinTestNet" => (Coin::Btc, Network::Testnet),
        "BitcoinSvMainNet" => (Coin::Bsv, Network::Mainnet),
        "BitcoinSvTestNet" => (Coin::Bsv, Network::Testnet),
        "LitecoinMainNet" => (Coin::Ltc, Network::Mainnet),
        "LitecoinTestNet" => (Coin::Ltc, Network::Testnet),
        "DogecoinMainNet" => (Coin::Doge, Network::Mainnet),
        "DogecoinTestNet" => (Coin::Doge, Network::Testnet),
        "BitcoinCashMainNet" => (Coin::Bch, Network::Mainnet),
        "BitcoinCashTestNet" => (Coin::Bch, Network::Testnet),
        other => panic!("unknown coin_network {other}"),
    };
    p(coin, net)
}

#[test]
fn btc_bip_utils_public_key_to_address() {
    let v = json("address-vectors-bip_utils.json");
    let secp = Secp256k1::verification_only();
    let mut count = 0;
    for (kind, entries) in v["by_type"].as_object().unwrap() {
        for e in entries.as_array().unwrap() {
            let params = bip_utils_params(s(&e["coin_network"], "coin_network"));
            let pk = PublicKey::from_slice(&unhex(s(&e["public_key_hex"], "pk"))).unwrap();
            let expected = s(&e["address"], "address");
            let addr = match kind.as_str() {
                "p2pkh" => match s(&e["pubkey_serialization"], "ser") {
                    "compressed" => Address::p2pkh(params, &pk),
                    "uncompressed" => Address::p2pkh_uncompressed(params, &pk),
                    other => panic!("{other}"),
                },
                "p2sh-p2wpkh" => {
                    assert_eq!(
                        hex::encode(p2wpkh_script(&pk).as_bytes()),
                        s(&e["redeem_script_hex"], "rs")
                    );
                    Address::p2sh_p2wpkh(params, &pk).unwrap()
                }
                "p2wpkh" => Address::p2wpkh(params, &pk).unwrap(),
                "p2tr" => Address::p2tr(params, &secp, pk.x_only_public_key().0).unwrap(),
                "bch-p2pkh" => Address::p2pkh(params, &pk),
                // bip_utils hashes the script 0x0014<hash160(pk)> for its BCH "P2SH".
                "bch-p2sh" => Address::p2sh(params, &p2wpkh_script(&pk)),
                other => panic!("unknown kind {other}"),
            };
            assert_eq!(addr.to_string(), expected, "{kind} {}", e["coin_network"]);
            let parsed =
                Address::parse(params, expected).unwrap_or_else(|err| panic!("{expected}: {err}"));
            assert_eq!(parsed, addr);
            let payload = e
                .get("payload_hex")
                .or_else(|| e.get("witness_program_hex"))
                .unwrap();
            assert!(
                hex::encode(addr.script_pubkey().as_bytes()).contains(s(payload, "payload")),
                "{expected}: payload"
            );
            count += 1;
        }
    }
    assert_eq!(count, 35);
}

#[test]
fn btc_wallet_core_registry_agrees() {
    let v = json("wallet-core-registry-btc-family.json");
    let coins = v["coins"].as_array().unwrap();
    assert_eq!(coins.len(), 4);
    for c in coins {
        let coin = match s(&c["id"], "id") {
            "bitcoin" => Coin::Btc,
            "litecoin" => Coin::Ltc,
            "doge" => Coin::Doge,
            "bitcoincash" => Coin::Bch,
            other => panic!("{other}"),
        };
        let params = p(coin, Network::Mainnet);
        assert_eq!(
            u64::from(params.bip44_coin_type),
            c["coinId"].as_u64().unwrap()
        );
        assert_eq!(
            u64::from(params.p2pkh_prefix),
            c["p2pkhPrefix"].as_u64().unwrap()
        );
        assert_eq!(
            u64::from(params.p2sh_prefix),
            c["p2shPrefix"].as_u64().unwrap()
        );
        let hrp = c.get("hrp").and_then(Value::as_str);
        assert_eq!(params.bech32_hrp.or(params.cashaddr_prefix), hrp, "{coin}");
        let legacy = format!("m/44'/{}'/0'/0/0", params.bip44_coin_type);
        assert!(
            c["derivation"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["path"] == legacy.as_str()),
            "{coin}: no {legacy}"
        );
    }
}

#[test]
fn btc_bip341_taproot_outputs() {
    use bitcoin::secp256k1::XOnlyPublicKey;
    let v = json("bip341-wallet-test-vectors.json");
    let secp = Secp256k1::verification_only();
    let btc = p(Coin::Btc, Network::Mainnet);
    let cases = v["scriptPubKey"].as_array().unwrap();
    assert_eq!(cases.len(), 7);
    for c in cases {
        let internal =
            XOnlyPublicKey::from_slice(&unhex(s(&c["given"]["internalPubkey"], "key"))).unwrap();
        let expected = s(&c["expected"]["bip350Address"], "address");
        let spk = s(&c["expected"]["scriptPubKey"], "spk");
        let addr = match c["intermediary"]["merkleRoot"].as_str() {
            None => Address::p2tr(btc, &secp, internal).unwrap(),
            Some(root) => {
                let root: [u8; 32] = unhex(root).try_into().unwrap();
                Address::p2tr_with_merkle_root(btc, &secp, internal, root).unwrap()
            }
        };
        assert_eq!(addr.kind(), AddressKind::P2tr);
        assert_eq!(addr.to_string(), expected);
        assert_eq!(hex::encode(addr.script_pubkey().as_bytes()), spk);
        assert_eq!(Address::parse(btc, expected).unwrap(), addr);
        let tweaked = unhex(s(&c["intermediary"]["tweakedPubkey"], "tweaked"));
        assert_eq!(
            Address::from_witness_program(btc, 1, &tweaked).unwrap(),
            addr
        );
    }
    assert_eq!(v["keyPathSpending"].as_array().map(Vec::len), Some(1));
}

#[test]
fn btc_address_kind_serializes_snake_case() {
    let kinds = [
        (AddressKind::P2pkh, "p2pkh"),
        (AddressKind::P2sh, "p2sh"),
        (AddressKind::P2wpkh, "p2wpkh"),
        (AddressKind::P2wsh, "p2wsh"),
        (AddressKind::P2tr, "p2tr"),
        (AddressKind::WitnessUnknown, "witness_unknown"),
    ];
    for (kind, name) in kinds {
        assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{name}\""));
        assert_eq!(kind.to_string(), name);
        assert_eq!(
            serde_json::from_str::<AddressKind>(&format!("\"{name}\"")).unwrap(),
            kind
        );
    }
    let btc = p(Coin::Btc, Network::Mainnet);
    let addr = Address::parse(btc, "1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo").unwrap();
    assert_eq!(
        serde_json::to_string(&addr).unwrap(),
        "\"1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo\""
    );
}
