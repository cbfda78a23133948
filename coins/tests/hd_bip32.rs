//! BIP32 derivation and serialization, SLIP-132 version bytes, SLIP-44 coin types.
//!
//! Vector files read (under `shared/vectors`, or `$SKYX_VECTORS`):
//! * `bip/bip32-vectors.json` — vectors 1–4 (derivation, xprv/xpub) and the
//!   16 invalid keys of vector 5
//! * `bip/slip132-version-bytes.json` — version bytes and prefixes, SLIP-132 test accounts
//! * `bip/slip44-coin-types.json` — registered coin types

mod hd_support;

use bitcoin::bip32::{ChildNumber, DerivationPath};
use hd_support::{arr_of, read_json, str_of, u64_of, unhex};
use skyx_coins::hd::path::HARDENED;
use skyx_coins::hd::slip44;
use skyx_coins::hd::version::{lookup_version, KNOWN_VERSIONS};
use skyx_coins::hd::{
    derive_xpriv, derive_xpub, encode_xpriv, encode_xpub, format_derivation_path, master_key,
    parse_derivation_path, parse_extended_key, parse_xpriv, parse_xpub, seed_from_mnemonic,
    to_xpub, Account, ExtendedKey, HdCoin, HdError, HdNetwork, KeyVersions, Purpose,
};

#[test]
fn hd_bip32_vectors_1_to_4() {
    let doc = read_json("bip/bip32-vectors.json");
    let vectors = arr_of(&doc, "vectors");
    let mut keys = 0;
    let mut public_steps = 0;
    for v in vectors.iter().filter(|v| v.get("seed_hex").is_some()) {
        let n = u64_of(v, "vector");
        let master = master_key(&unhex(str_of(v, "seed_hex"))).unwrap();
        let mut parent: Option<(DerivationPath, bitcoin::bip32::Xpub)> = None;
        for chain in arr_of(v, "chains") {
            let path_str = str_of(chain, "path");
            let path = parse_derivation_path(path_str).unwrap();
            let xpriv = derive_xpriv(&master, &path).unwrap();
            let xpub = to_xpub(&xpriv);
            let want_prv = str_of(chain, "ext_prv");
            let want_pub = str_of(chain, "ext_pub");
            assert_eq!(
                encode_xpriv(&xpriv, KeyVersions::XPUB),
                want_prv,
                "vector {n} {path_str}"
            );
            assert_eq!(
                encode_xpub(&xpub, KeyVersions::XPUB),
                want_pub,
                "vector {n} {path_str}"
            );

            // The strings parse back to the same keys.
            let (p, ver) = parse_xpriv(want_prv).unwrap();
            assert_eq!(
                (p, ver),
                (xpriv, KeyVersions::XPUB),
                "vector {n} {path_str}"
            );
            let (q, ver) = parse_xpub(want_pub).unwrap();
            assert_eq!((q, ver), (xpub, KeyVersions::XPUB), "vector {n} {path_str}");

            // Non-hardened steps also work from the parent's public key alone.
            let last = path.into_iter().last().copied();
            if let (Some((parent_path, parent_pub)), Some(ChildNumber::Normal { index })) =
                (&parent, last)
            {
                assert_eq!(parent_path.child(ChildNumber::Normal { index }), path);
                let step = DerivationPath::from(vec![ChildNumber::Normal { index }]);
                let child = derive_xpub(parent_pub, &step).unwrap();
                assert_eq!(
                    encode_xpub(&child, KeyVersions::XPUB),
                    want_pub,
                    "vector {n} {path_str} from xpub"
                );
                public_steps += 1;
            }
            // Path strings are written back with ' for hardened levels.
            assert_eq!(format_derivation_path(&path), path_str.replace('H', "'"));
            parent = Some((path, xpub));
            keys += 1;
        }
    }
    assert_eq!(keys, 17, "vectors 1-4 hold 17 key pairs");
    assert!(
        public_steps >= 6,
        "expected at least 6 public derivation steps, got {public_steps}"
    );
    eprintln!("bip32: {keys} key pairs (x6 checks), {public_steps} public derivations");
}

/// The error BIP32 vector 5 expects for a reason text; an unknown reason fails.
fn expected_error(reason: &str) -> fn(&HdError) -> bool {
    match reason {
        "pubkey version / prvkey mismatch" => {
            |e| matches!(e, HdError::PublicVersionWithPrivateKey("xpub"))
        }
        "prvkey version / pubkey mismatch" => {
            |e| matches!(e, HdError::PrivateVersionWithPublicKey("xprv"))
        }
        "invalid pubkey prefix 04" => |e| *e == HdError::InvalidPublicKeyPrefix(0x04),
        "invalid prvkey prefix 04" => |e| *e == HdError::InvalidPrivateKeyPrefix(0x04),
        "invalid pubkey prefix 01" => |e| *e == HdError::InvalidPublicKeyPrefix(0x01),
        "invalid prvkey prefix 01" => |e| *e == HdError::InvalidPrivateKeyPrefix(0x01),
        "zero depth with non-zero parent fingerprint" => {
            |e| *e == HdError::ZeroDepthWithParentFingerprint
        }
        "zero depth with non-zero index" => |e| *e == HdError::ZeroDepthWithChildNumber,
        "unknown extended key version" => |e| matches!(e, HdError::UnknownVersion(_)),
        "private key 0 not in 1..n-1" | "private key n not in 1..n-1" => {
            |e| *e == HdError::PrivateKeyOutOfRange
        }
        r if r.starts_with("invalid pubkey 0") => |e| *e == HdError::InvalidPublicKey,
        "invalid checksum" => |e| *e == HdError::ExtKeyChecksum,
        other => panic!("vector 5 reason {other:?} has no expected error"),
    }
}

#[test]
fn hd_bip32_vector_5_invalid_keys_are_rejected() {
    let doc = read_json("bip/bip32-vectors.json");
    let v5 = arr_of(&doc, "vectors")
        .iter()
        .find(|v| v.get("invalid_keys").is_some())
        .expect("bip32-vectors.json has no vector with invalid_keys");
    let invalid = arr_of(v5, "invalid_keys");
    assert_eq!(invalid.len(), 16);
    for case in invalid {
        let key = str_of(case, "key");
        let reason = str_of(case, "reason");
        let err = parse_extended_key(key).expect_err(reason);
        assert!(
            expected_error(reason)(&err),
            "{reason}: got {err:?} ({err})"
        );
    }
    eprintln!("bip32 vector 5: {} invalid keys rejected", invalid.len());
}

#[test]
fn hd_slip132_version_bytes() {
    let doc = read_json("bip/slip132-version-bytes.json");
    let rows = arr_of(&doc, "version_bytes");
    assert_eq!(rows.len(), 13);
    // Any key will do to check the prefix letters of each version.
    let master = master_key(&[0x42u8; 32]).unwrap();
    let account = derive_xpriv(&master, &parse_derivation_path("m/44'/0'/0'").unwrap()).unwrap();
    for row in rows {
        let hex4 = |k: &str| -> [u8; 4] {
            let s = str_of(row, k).trim_start_matches("0x");
            unhex(s).try_into().expect("4 version bytes")
        };
        let (private, public) = (hex4("private_version"), hex4("public_version"));
        let (info, is_private) = lookup_version(private).expect("known private version");
        assert!(is_private);
        assert_eq!(info.versions, KeyVersions { private, public });
        assert_eq!(
            lookup_version(public).map(|(i, p)| (i.versions, p)),
            Some((info.versions, false))
        );
        assert_eq!(info.private_prefix, str_of(row, "private_prefix"));
        assert_eq!(info.public_prefix, str_of(row, "public_prefix"));
        for key in [account, master] {
            let prv = encode_xpriv(&key, info.versions);
            let pub_ = encode_xpub(&to_xpub(&key), info.versions);
            assert!(prv.starts_with(info.private_prefix), "{prv}");
            assert!(pub_.starts_with(info.public_prefix), "{pub_}");
            let parsed = parse_extended_key(&pub_).unwrap();
            assert_eq!(parsed.prefix, info.public_prefix);
            let ExtendedKey::Public(got) = parsed.key else {
                panic!("{pub_} parsed as a private key")
            };
            // Same key material; only the network kind follows the version.
            assert_eq!(got.encode()[4..], to_xpub(&key).encode()[4..]);
            assert_eq!(got.network.is_mainnet(), !info.test);
        }
        // The SLIP-132 row's path names the coin/network the versions are the native ones of.
        let path = str_of(row, "bip32_path");
        if path != "-" {
            let coin_type: u32 = path
                .trim_start_matches("m/")
                .split('/')
                .nth(1)
                .and_then(|c| c.trim_end_matches('\'').parse().ok())
                .expect("coin type in path");
            let purpose = Purpose::from_number(
                path.trim_start_matches("m/")
                    .split('/')
                    .next()
                    .and_then(|p| p.trim_end_matches('\'').parse().ok())
                    .expect("purpose"),
            )
            .unwrap();
            let coin = if str_of(row, "coin").starts_with("Litecoin") {
                HdCoin::Litecoin
            } else {
                HdCoin::Bitcoin
            };
            let network = if str_of(row, "coin").ends_with("Testnet") {
                HdNetwork::Testnet
            } else {
                HdNetwork::Mainnet
            };
            assert_eq!(coin.coin_type(network), coin_type, "{path}");
            assert_eq!(
                KeyVersions::for_coin(coin, network, purpose).unwrap(),
                info.versions,
                "{path}"
            );
        }
    }
    assert_eq!(
        KNOWN_VERSIONS.len(),
        15,
        "13 SLIP-132 rows + Dogecoin main/test"
    );

    let tv = &doc["test_vectors"];
    let seed = seed_from_mnemonic(str_of(tv, "mnemonic"), str_of(tv, "passphrase")).unwrap();
    let accounts = arr_of(tv, "accounts");
    assert_eq!(accounts.len(), 3);
    for a in accounts {
        let path = str_of(a, "account_path");
        let purpose = match path {
            "m/44'/0'/0'" => Purpose::Bip44,
            "m/49'/0'/0'" => Purpose::Bip49,
            "m/84'/0'/0'" => Purpose::Bip84,
            other => panic!("unexpected SLIP-132 account path {other}"),
        };
        let acct = Account::from_seed(&seed, purpose, slip44::BTC, 0).unwrap();
        let versions = KeyVersions::for_coin(HdCoin::Bitcoin, HdNetwork::Mainnet, purpose).unwrap();
        assert_eq!(acct.path_string(), path);
        assert_eq!(acct.xpriv_string(versions), str_of(a, "account_ext_priv"));
        assert_eq!(acct.xpub_string(versions), str_of(a, "account_ext_pub"));
    }
}

#[test]
fn hd_slip44_coin_types() {
    let doc = read_json("bip/slip44-coin-types.json");
    let rows = arr_of(&doc, "coin_types");
    assert_eq!(rows.len(), 8);
    for row in rows {
        let coin_type = u64_of(row, "coin_type") as u32;
        let ours = match (row["symbol"].as_str(), str_of(row, "name")) {
            (Some(sym), _) => HdCoin::from_symbol(sym)
                .unwrap_or_else(|| panic!("coin {sym} of slip44-coin-types.json is unknown"))
                .slip44(),
            (None, "Testnet (all coins)") => slip44::TESTNET,
            (None, "Nostr") => slip44::NOSTR,
            (None, other) => panic!("coin type row {other} is not handled"),
        };
        assert_eq!(ours, coin_type, "{row}");
        let component = str_of(row, "hardened_path_component");
        let path = parse_derivation_path(&format!("m/{component}")).unwrap();
        let index = u32::from(path[0]);
        let want = u32::from_str_radix(
            str_of(row, "hardened_index_hex").trim_start_matches("0x"),
            16,
        )
        .unwrap();
        assert_eq!(index, want);
        assert_eq!(index, HARDENED + coin_type);
    }
    assert_eq!(
        [
            slip44::BTC,
            slip44::TESTNET,
            slip44::LTC,
            slip44::DOGE,
            slip44::BCH,
            slip44::BSV,
            slip44::SKY
        ],
        [0, 1, 2, 3, 145, 236, 8000]
    );
}
