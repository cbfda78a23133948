//! Signature hashes: Bitcoin Core's legacy sighash vectors, and BIP143's examples
//! checked through the FORKID-style BIP143 builder and rust-bitcoin's segwit code.
//!
//! Vector files read (under `shared/vectors/btc-family`, or `$SKYX_VECTORS`):
//! * `bitcoin-core-sighash.json`
//! * `bip143-examples.json`

mod btc_common;

use bitcoin::consensus::{deserialize, serialize};
use bitcoin::hashes::{hash160, Hash};
use bitcoin::secp256k1::{ecdsa, Message, PublicKey, Secp256k1, SecretKey};
use bitcoin::{ScriptBuf, Transaction};
use btc_common::{json, s, unhex};
use skyx_coins::btc::{forkid, sighash};

#[test]
fn btc_core_legacy_sighash_vectors() {
    let rows = json("bitcoin-core-sighash.json");
    let rows = rows.as_array().unwrap();
    let mut checked = 0;
    for row in rows.iter().skip(1) {
        let raw = unhex(s(&row[0], "raw_tx"));
        let tx: Transaction =
            deserialize(&raw).unwrap_or_else(|e| panic!("tx does not parse: {e}"));
        assert_eq!(serialize(&tx), raw, "re-serialisation differs");
        let script = ScriptBuf::from_bytes(unhex(s(&row[1], "script")));
        let index = row[2].as_u64().unwrap() as usize;
        let hash_type = row[3].as_i64().unwrap() as i32 as u32;
        let mut expected = unhex(s(&row[4], "sighash"));
        expected.reverse(); // printed in display order
        let got = sighash::legacy(&tx, index, &script, hash_type).unwrap();
        assert_eq!(
            got.to_vec(),
            expected,
            "vector {checked}: {}",
            s(&row[4], "sighash")
        );
        checked += 1;
    }
    assert_eq!(checked, 500);
}

/// Little-endian satoshis from the BIP's `amount_le` field.
fn amount_le(hex_le: &str) -> u64 {
    u64::from_le_bytes(unhex(hex_le).try_into().unwrap())
}

/// The scriptCode field without its length prefix.
fn script_code(hex_with_len: &str) -> ScriptBuf {
    let bytes = unhex(hex_with_len);
    assert_eq!(usize::from(bytes[0]), bytes.len() - 1);
    ScriptBuf::from_bytes(bytes[1..].to_vec())
}

#[test]
fn btc_bip143_examples_through_forkid_builder() {
    let v = json("bip143-examples.json");
    let secp = Secp256k1::new();
    let examples = v["examples"].as_array().unwrap();
    assert_eq!(examples.len(), 2);
    for ex in examples {
        let name = s(&ex["name"], "name");
        let tx: Transaction = deserialize(&unhex(s(&ex["unsigned_tx"], "tx"))).unwrap();
        let index = ex["signing_input_index"].as_u64().unwrap() as usize;
        let hash_type = ex["hash_type"].as_u64().unwrap() as u32;
        let code = script_code(s(&ex["scriptCode"], "scriptCode"));
        let value = amount_le(s(&ex["amount_le"], "amount_le"));

        let hashes = forkid::bip143_hashes(&tx, index, hash_type).unwrap();
        assert_eq!(
            hex::encode(hashes.hash_prevouts),
            s(&ex["hashPrevouts"], "hp"),
            "{name}"
        );
        assert_eq!(
            hex::encode(hashes.hash_sequence),
            s(&ex["hashSequence"], "hs"),
            "{name}"
        );
        assert_eq!(
            hex::encode(hashes.hash_outputs),
            s(&ex["hashOutputs"], "ho"),
            "{name}"
        );
        let preimage = forkid::bip143_preimage(&tx, index, &code, value, hash_type).unwrap();
        assert_eq!(
            hex::encode(&preimage),
            s(&ex["preimage"], "preimage"),
            "{name}"
        );
        let digest = forkid::signature_hash(&tx, index, &code, value, hash_type).unwrap();
        assert_eq!(hex::encode(digest), s(&ex["sigHash"], "sigHash"), "{name}");

        // rust-bitcoin's BIP143 code agrees (the path the payment builder uses).
        let input = &ex["inputs"].as_array().unwrap()[index];
        let pk = PublicKey::from_slice(&unhex(s(&input["public_key"], "pk"))).unwrap();
        let pkh = hash160::Hash::hash(&pk.serialize()).to_byte_array();
        assert_eq!(
            sighash::p2wpkh(&tx, index, pkh, value).unwrap(),
            digest,
            "{name}"
        );

        // The listed signature verifies, and RFC 6979 signing reproduces it.
        let sig_bytes = unhex(s(&ex["signature"], "signature"));
        let (der, ty) = sig_bytes.split_at(sig_bytes.len() - 1);
        assert_eq!(u32::from(ty[0]), hash_type);
        let sig = ecdsa::Signature::from_der(der).unwrap();
        let msg = Message::from_digest(digest);
        secp.verify_ecdsa(&msg, &sig, &pk).unwrap();
        let sk = SecretKey::from_slice(&unhex(s(&input["private_key"], "sk"))).unwrap();
        assert_eq!(PublicKey::from_secret_key(&secp, &sk), pk);
        if ex["_rfc6979_reproduces_signature"].as_bool() == Some(true) {
            assert_eq!(
                secp.sign_ecdsa(&msg, &sk).serialize_der().to_vec(),
                der.to_vec(),
                "{name}"
            );
        }

        // The signed transaction parses, re-serialises, carries the signature as witness.
        let signed_raw = unhex(s(&ex["signed_tx"], "signed"));
        let signed: Transaction = deserialize(&signed_raw).unwrap();
        assert_eq!(serialize(&signed), signed_raw);
        assert_eq!(
            signed.input[index].witness.nth(0),
            Some(sig_bytes.as_slice())
        );
        assert_eq!(
            signed.input[index].witness.nth(1),
            Some(pk.serialize().as_slice())
        );
        assert_eq!(signed.compute_txid().to_string(), s(&ex["txid"], "txid"));
        assert_eq!(signed.compute_wtxid().to_string(), s(&ex["wtxid"], "wtxid"));

        // The first example's legacy P2PK input.
        if let Some(legacy_hash) = ex.get("input0_legacy_sighash") {
            let input0 = &ex["inputs"][0];
            let spk = ScriptBuf::from_bytes(unhex(s(&input0["scriptPubKey"], "spk")));
            let digest0 = sighash::legacy(&tx, 0, &spk, 1).unwrap();
            assert_eq!(hex::encode(digest0), s(legacy_hash, "legacy"));
            let sig0 = unhex(s(&ex["input0_signature"], "sig0"));
            let sig0 = ecdsa::Signature::from_der(&sig0[..sig0.len() - 1]).unwrap();
            let pk0 = PublicKey::from_slice(&unhex(s(&input0["public_key"], "pk0"))).unwrap();
            secp.verify_ecdsa(&Message::from_digest(digest0), &sig0, &pk0)
                .unwrap();
        }
    }
}
