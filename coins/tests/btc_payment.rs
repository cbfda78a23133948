//! The payment builder: every script kind on every coin family, each input's
//! signature verified independently against a sighash recomputed here, fee =
//! inputs − outputs at the asked rate over the signed virtual size, change and
//! dust behaviour, and the typed refusals.
//!
//! Vector files read: none (keys and UTXOs are made up; checks are structural and
//! cryptographic).

use bitcoin::consensus::{deserialize, serialize};
use bitcoin::hashes::{hash160, Hash};
use bitcoin::secp256k1::{ecdsa, Message, PublicKey, Secp256k1, SecretKey};
use bitcoin::sighash::{EcdsaSighashType, SighashCache};
use bitcoin::{Amount, OutPoint, PubkeyHash, ScriptBuf, Transaction, Txid, WPubkeyHash};
use skyx_coins::btc::address::{p2wpkh_script, Address};
use skyx_coins::btc::fee::FeeRate;
use skyx_coins::btc::forkid;
use skyx_coins::btc::params::{params, ChainParams, Coin, Network};
use skyx_coins::btc::payment::{
    build_and_sign, PaymentError, PaymentRequest, Recipient, SignedPayment, Utxo,
};
use skyx_coins::btc::sighash::SpendKind;
use skyx_coins::btc::wif::PrivateKey;

fn key(n: u8) -> PrivateKey {
    let mut b = [0u8; 32];
    b[31] = n;
    b[0] = 0x11;
    PrivateKey::compressed(SecretKey::from_slice(&b).unwrap())
}

fn outpoint(n: u32) -> OutPoint {
    let mut b = [0u8; 32];
    b[..4].copy_from_slice(&n.to_le_bytes());
    b[31] = 0xaa;
    OutPoint {
        txid: Txid::from_byte_array(b),
        vout: n % 3,
    }
}

fn utxo(n: u32, value: u64, kind: SpendKind) -> Utxo {
    Utxo {
        outpoint: outpoint(n),
        value,
        key: key(n as u8 + 1),
        kind,
    }
}

fn kinds_for(p: &ChainParams) -> Vec<SpendKind> {
    if p.has_segwit() {
        vec![SpendKind::P2pkh, SpendKind::P2shP2wpkh, SpendKind::P2wpkh]
    } else {
        vec![SpendKind::P2pkh]
    }
}

/// The scriptPubKey the UTXO is locked by, built here from its key.
fn locking_script(u: &Utxo, secp: &Secp256k1<bitcoin::secp256k1::All>) -> ScriptBuf {
    let pk = u.key.public_key(secp);
    let h = hash160::Hash::hash(&pk.serialize()).to_byte_array();
    match u.kind {
        SpendKind::P2pkh => ScriptBuf::new_p2pkh(&PubkeyHash::from_byte_array(h)),
        SpendKind::P2wpkh => ScriptBuf::new_p2wpkh(&WPubkeyHash::from_byte_array(h)),
        SpendKind::P2shP2wpkh => {
            let redeem = ScriptBuf::new_p2wpkh(&WPubkeyHash::from_byte_array(h));
            ScriptBuf::new_p2sh(&redeem.script_hash())
        }
    }
}

/// Splits a script made of direct pushes into its items.
fn pushes(script: &ScriptBuf) -> Vec<Vec<u8>> {
    script
        .instructions()
        .map(|i| match i.unwrap() {
            bitcoin::script::Instruction::PushBytes(b) => b.as_bytes().to_vec(),
            other => panic!("not a push: {other:?}"),
        })
        .collect()
}

/// Verifies every input of the signed payment from scratch.
fn verify_all(p: &ChainParams, pay: &SignedPayment, utxos: &[Utxo]) {
    let secp = Secp256k1::new();
    let tx = &pay.tx;
    // An unsigned copy: what the signer saw.
    let mut unsigned = tx.clone();
    for i in unsigned.input.iter_mut() {
        i.script_sig = ScriptBuf::new();
        i.witness = bitcoin::Witness::new();
    }
    for (i, u) in utxos.iter().enumerate() {
        let txin = &tx.input[i];
        assert_eq!(txin.previous_output, u.outpoint);
        let (sig, pk) = match u.kind {
            SpendKind::P2pkh => {
                assert!(txin.witness.is_empty());
                let items = pushes(&txin.script_sig);
                assert_eq!(items.len(), 2);
                (items[0].clone(), items[1].clone())
            }
            SpendKind::P2wpkh | SpendKind::P2shP2wpkh => {
                if u.kind == SpendKind::P2wpkh {
                    assert!(txin.script_sig.is_empty());
                } else {
                    let items = pushes(&txin.script_sig);
                    assert_eq!(
                        items,
                        vec![p2wpkh_script(&u.key.public_key(&secp)).to_bytes()]
                    );
                }
                assert_eq!(txin.witness.len(), 2);
                (
                    txin.witness.nth(0).unwrap().to_vec(),
                    txin.witness.nth(1).unwrap().to_vec(),
                )
            }
        };
        let pubkey = PublicKey::from_slice(&pk).unwrap();
        assert_eq!(pubkey, u.key.public_key(&secp));
        let spk = locking_script(u, &secp);
        let h = hash160::Hash::hash(&pk).to_byte_array();
        let digest: [u8; 32] = match u.kind {
            SpendKind::P2pkh if p.fork_id.is_some() => {
                assert_eq!(*sig.last().unwrap(), 0x41, "SIGHASH_ALL|FORKID");
                forkid::signature_hash(&unsigned, i, &spk, u.value, 0x41).unwrap()
            }
            SpendKind::P2pkh => {
                assert_eq!(*sig.last().unwrap(), 0x01);
                SighashCache::new(&unsigned)
                    .legacy_signature_hash(i, &spk, 1)
                    .unwrap()
                    .to_byte_array()
            }
            _ => {
                assert_eq!(*sig.last().unwrap(), 0x01);
                let wpkh = ScriptBuf::new_p2wpkh(&WPubkeyHash::from_byte_array(h));
                SighashCache::new(&unsigned)
                    .p2wpkh_signature_hash(
                        i,
                        &wpkh,
                        Amount::from_sat(u.value),
                        EcdsaSighashType::All,
                    )
                    .unwrap()
                    .to_byte_array()
            }
        };
        let der = &sig[..sig.len() - 1];
        let signature = ecdsa::Signature::from_der(der).unwrap();
        secp.verify_ecdsa(&Message::from_digest(digest), &signature, &pubkey)
            .unwrap_or_else(|e| panic!("{} input {i} ({:?}): {e}", p.name, u.kind));
        // Low S, as relay policy wants.
        let mut normalized = signature;
        normalized.normalize_s();
        assert_eq!(normalized, signature);
    }
}

/// Structural checks: fee, vsize, serialisation, txid.
fn check_amounts(req: &PaymentRequest, pay: &SignedPayment) {
    let total_in: u64 = req.utxos.iter().map(|u| u.value).sum();
    let total_out: u64 = pay.tx.output.iter().map(|o| o.value.to_sat()).sum();
    assert_eq!(pay.fee, total_in - total_out, "fee = inputs - outputs");
    assert_eq!(pay.vsize, pay.tx.vsize() as u64);
    assert_eq!(pay.txid, pay.tx.compute_txid());
    let required = req.fee_rate.fee_for_vsize(pay.vsize).unwrap();
    assert!(
        pay.fee >= required,
        "fee {} below rate × vsize {}",
        pay.fee,
        required
    );
    if pay.change_index.is_some() {
        // With change the fee is exact, but for a rare longer re-signature (a byte or two).
        assert!(
            pay.fee <= req.fee_rate.fee_for_vsize(pay.vsize + 2).unwrap(),
            "fee {} too far above {}",
            pay.fee,
            required
        );
    }
    for (r, o) in req.recipients.iter().zip(&pay.tx.output) {
        assert_eq!(o.value.to_sat(), r.amount);
        assert_eq!(o.script_pubkey, r.address.script_pubkey());
    }
    let raw = serialize(&pay.tx);
    let back: Transaction = deserialize(&raw).unwrap();
    assert_eq!(back, pay.tx);
    if !req.params.has_segwit() {
        assert_eq!(pay.vsize, raw.len() as u64, "no witness: vsize is the size");
    }
}

fn recipient_for(p: &'static ChainParams, n: u8, amount: u64) -> Recipient {
    let secp = Secp256k1::new();
    let pk = key(100 + n).public_key(&secp);
    let addr = match (p.has_segwit(), n % 3) {
        (true, 1) => Address::p2wpkh(p, &pk).unwrap(),
        (true, 2) => Address::p2sh_p2wpkh(p, &pk).unwrap(),
        _ => Address::p2pkh(p, &pk),
    };
    Recipient::new(addr, amount)
}

fn change_for(p: &'static ChainParams) -> Address {
    let secp = Secp256k1::new();
    let pk = key(200).public_key(&secp);
    if p.has_segwit() {
        Address::p2wpkh(p, &pk).unwrap()
    } else {
        Address::p2pkh(p, &pk)
    }
}

/// A unit of value large against every coin's dust and fees.
fn unit(p: &ChainParams) -> u64 {
    if p.coin == Coin::Doge {
        100_000_000 // 1 DOGE
    } else {
        100_000
    }
}

fn request(
    p: &'static ChainParams,
    utxos: Vec<Utxo>,
    recipients: Vec<Recipient>,
    rate: FeeRate,
) -> PaymentRequest {
    PaymentRequest {
        params: p,
        utxos,
        recipients,
        change: change_for(p),
        fee_rate: rate,
        lock_time: 0,
    }
}

#[test]
fn btc_payment_every_kind_every_coin_signs_and_verifies() {
    let mut payments = 0;
    for coin in Coin::ALL {
        for net in Network::ALL {
            let p = params(coin, net).unwrap();
            let u = unit(p);
            let rates = [
                p.min_relay_fee,
                FeeRate::from_sat_per_kvb(p.min_relay_fee.sat_per_kvb() * 7 + 333),
            ];
            for rate in rates {
                // One payment per kind, then one mixing every kind.
                let kinds = kinds_for(p);
                let mut sets: Vec<Vec<SpendKind>> = kinds.iter().map(|k| vec![*k]).collect();
                sets.push(kinds.iter().chain(kinds.iter()).copied().collect());
                for (s, set) in sets.iter().enumerate() {
                    let utxos: Vec<Utxo> = set
                        .iter()
                        .enumerate()
                        .map(|(i, k)| utxo((s * 10 + i) as u32, 50 * u + i as u64 * 7, *k))
                        .collect();
                    let recipients = vec![
                        recipient_for(p, 0, 10 * u),
                        recipient_for(p, 1, 3 * u),
                        recipient_for(p, 2, u),
                    ];
                    let req = request(p, utxos, recipients, rate);
                    let pay = build_and_sign(&req).unwrap_or_else(|e| panic!("{}: {e}", p.name));
                    assert_eq!(pay.change_index, Some(3), "{}: change expected", p.name);
                    check_amounts(&req, &pay);
                    verify_all(p, &pay, &req.utxos);
                    assert_eq!(pay.tx.version.0, p.tx_version);
                    payments += 1;
                }
            }
        }
    }
    // BTC and LTC: 4 sets; DOGE, BCH, BSV: 2 sets; × 3 networks × 2 rates.
    assert_eq!(payments, (2 * 4 + 3 * 2) * 3 * 2);
}

#[test]
fn btc_payment_fee_is_exact_with_change() {
    // Over many payments the fee equals rate × signed vsize exactly (change absorbs it).
    let p = params(Coin::Btc, Network::Regtest).unwrap();
    let rate = FeeRate::from_sat_per_vb(3);
    let mut exact = 0;
    for n in 0..40u32 {
        let utxos = vec![
            utxo(n * 4, 70_000 + u64::from(n), SpendKind::P2pkh),
            utxo(n * 4 + 1, 30_000, SpendKind::P2wpkh),
        ];
        let req = request(
            p,
            utxos,
            vec![recipient_for(p, 1, 20_000 + u64::from(n))],
            rate,
        );
        let pay = build_and_sign(&req).unwrap();
        check_amounts(&req, &pay);
        if pay.fee == rate.fee_for_vsize(pay.vsize).unwrap() {
            exact += 1;
        }
    }
    assert!(exact >= 38, "fee exact in only {exact}/40 payments");
}

#[test]
fn btc_payment_small_change_goes_to_fee() {
    for coin in Coin::ALL {
        let p = params(coin, Network::Regtest).unwrap();
        let rate = p.min_relay_fee;
        let change_dust = p.dust.threshold(&change_for(p).script_pubkey());
        let u = unit(p);
        let req0 = request(
            p,
            vec![utxo(1, 20 * u, SpendKind::P2pkh)],
            vec![recipient_for(p, 0, 10 * u)],
            rate,
        );
        let with_change = build_and_sign(&req0).unwrap();
        assert_eq!(with_change.change_index, Some(1));
        let fee_no_change_max = with_change.fee; // a bigger tx's fee bounds the smaller one's
                                                 // Leave less than dust above outputs + fee: no change output, leftover to the fee.
        let amount = 20 * u - fee_no_change_max - change_dust / 2;
        let req = request(
            p,
            vec![utxo(1, 20 * u, SpendKind::P2pkh)],
            vec![recipient_for(p, 0, amount)],
            rate,
        );
        let pay = build_and_sign(&req).unwrap();
        assert_eq!(pay.change_index, None, "{}", p.name);
        assert_eq!(pay.tx.output.len(), 1);
        check_amounts(&req, &pay);
        verify_all(p, &pay, &req.utxos);
        assert_eq!(pay.fee, 20 * u - amount);
    }
}

#[test]
fn btc_payment_dust_thresholds_per_coin() {
    let secp = Secp256k1::new();
    let pk = key(9).public_key(&secp);
    let expect = [
        (Coin::Btc, 546, Some(294)),
        (Coin::Ltc, 5_460, Some(2_940)),
        (Coin::Doge, 1_000_000, None),
        (Coin::Bch, 546, None),
    ];
    for (coin, p2pkh, p2wpkh) in expect {
        let p = params(coin, Network::Mainnet).unwrap();
        assert_eq!(
            p.dust.threshold(&Address::p2pkh(p, &pk).script_pubkey()),
            p2pkh,
            "{coin}"
        );
        if let Some(w) = p2wpkh {
            assert_eq!(
                p.dust
                    .threshold(&Address::p2wpkh(p, &pk).unwrap().script_pubkey()),
                w
            );
        }
        // An output one below the threshold is refused.
        let u = unit(p);
        let req = request(
            p,
            vec![utxo(1, 20 * u, SpendKind::P2pkh)],
            vec![Recipient::new(Address::p2pkh(p, &pk), p2pkh - 1)],
            p.min_relay_fee,
        );
        assert_eq!(
            build_and_sign(&req),
            Err(PaymentError::OutputBelowDust {
                index: 0,
                amount: p2pkh - 1,
                threshold: p2pkh
            })
        );
    }
}

#[test]
fn btc_payment_refusals() {
    let p = params(Coin::Btc, Network::Mainnet).unwrap();
    let rate = FeeRate::from_sat_per_vb(2);
    let base = || {
        request(
            p,
            vec![utxo(1, 100_000, SpendKind::P2wpkh)],
            vec![recipient_for(p, 0, 50_000)],
            rate,
        )
    };
    assert!(build_and_sign(&base()).is_ok());

    let mut r = base();
    r.utxos.clear();
    assert_eq!(build_and_sign(&r), Err(PaymentError::NoInputs));

    let mut r = base();
    r.recipients.clear();
    assert_eq!(build_and_sign(&r), Err(PaymentError::NoRecipients));

    let mut r = base();
    r.recipients[0].amount = 99_900;
    assert!(matches!(
        build_and_sign(&r),
        Err(PaymentError::InsufficientFunds { available: 100_000, needed }) if needed > 99_900
    ));

    let mut r = base();
    r.fee_rate = FeeRate::from_sat_per_kvb(999);
    assert_eq!(
        build_and_sign(&r),
        Err(PaymentError::FeeRateBelowFloor {
            rate: 999,
            floor: 1000
        })
    );

    let mut r = base();
    r.utxos.push(r.utxos[0].clone());
    assert!(matches!(
        build_and_sign(&r),
        Err(PaymentError::DuplicateInput(_))
    ));

    // An address of another chain, as recipient or as change.
    let ltc = params(Coin::Ltc, Network::Mainnet).unwrap();
    let mut r = base();
    r.recipients.push(recipient_for(ltc, 0, 10_000));
    assert!(matches!(
        build_and_sign(&r),
        Err(PaymentError::AddressForOtherChain {
            expected: "btc mainnet",
            found: "ltc mainnet",
            ..
        })
    ));
    let mut r = base();
    r.change = change_for(params(Coin::Btc, Network::Testnet).unwrap());
    assert!(matches!(
        build_and_sign(&r),
        Err(PaymentError::AddressForOtherChain { .. })
    ));
    assert!(matches!(
        Recipient::parse(p, "LT2KVaAy1ppRuxRgrS5RNU3vBsy7RibPeA", 10_000),
        Err(PaymentError::InvalidAddress(_))
    ));

    // Segwit inputs where there is no segwit; uncompressed keys in segwit.
    let doge = params(Coin::Doge, Network::Mainnet).unwrap();
    let r = request(
        doge,
        vec![utxo(1, 500_000_000, SpendKind::P2wpkh)],
        vec![recipient_for(doge, 0, 100_000_000)],
        doge.min_relay_fee,
    );
    assert!(matches!(
        build_and_sign(&r),
        Err(PaymentError::SegwitNotSupported { index: 0, .. })
    ));
    let mut r = base();
    r.utxos[0].key.compressed = false;
    assert_eq!(
        build_and_sign(&r),
        Err(PaymentError::UncompressedSegwitKey(0))
    );
}

#[test]
fn btc_payment_uncompressed_p2pkh_and_locktime() {
    let p = params(Coin::Bsv, Network::Regtest).unwrap();
    let mut u = utxo(3, 1_000_000, SpendKind::P2pkh);
    u.key.compressed = false;
    let mut req = request(
        p,
        vec![u],
        vec![recipient_for(p, 0, 400_000)],
        p.min_relay_fee,
    );
    req.lock_time = 500_000;
    let pay = build_and_sign(&req).unwrap();
    check_amounts(&req, &pay);
    assert_eq!(pay.tx.lock_time.to_consensus_u32(), 500_000);
    assert!(pay.tx.input.iter().all(|i| i.sequence.0 == 0xffff_fffe));
    // The uncompressed key signs and its 65-byte public key is in the scriptSig.
    let items = pushes(&pay.tx.input[0].script_sig);
    assert_eq!(items[1].len(), 65);
    let secp = Secp256k1::new();
    let pk = PublicKey::from_slice(&items[1]).unwrap();
    let h = hash160::Hash::hash(&items[1]).to_byte_array();
    let spk = ScriptBuf::new_p2pkh(&PubkeyHash::from_byte_array(h));
    let mut unsigned = pay.tx.clone();
    unsigned.input[0].script_sig = ScriptBuf::new();
    let digest = forkid::signature_hash(&unsigned, 0, &spk, 1_000_000, 0x41).unwrap();
    let sig = ecdsa::Signature::from_der(&items[0][..items[0].len() - 1]).unwrap();
    secp.verify_ecdsa(&Message::from_digest(digest), &sig, &pk)
        .unwrap();
}
