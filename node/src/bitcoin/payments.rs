//! Own payments: keys derived from a BIP39 mnemonic exactly as `skyx keys hd`
//! derives them, spendable outputs, coin selection, building and signing with
//! `skyx-coins::btc`, and the fee rate to use.

use std::collections::HashMap;

use bitcoin::OutPoint;
use skyx_coins::btc::{
    build_and_sign, Address, ChainParams, Coin, FeeRate, Network, PaymentError, PaymentRequest,
    PrivateKey, Recipient, SignedPayment, SpendKind, Utxo,
};
use skyx_coins::hd::{self, HdCoin, HdNetwork, Purpose};

use super::error::BtcError;
use super::records::{DepositStatus, OutputRecord};
use super::rpc::{FeeEstimate, RpcClient};
use skyx_coins::btc::select::{output_vsize, select, Candidate};

/// A key that can spend outputs of one address.
#[derive(Debug, Clone)]
pub struct OwnKey {
    /// The key.
    pub key: PrivateKey,
    /// How its outputs are spent.
    pub kind: SpendKind,
}

/// The addresses of an HD account (receive and change chains) and their keys.
#[derive(Debug, Clone, Default)]
pub struct KeyRing {
    /// Address → key.
    pub keys: HashMap<String, OwnKey>,
    /// Receive addresses (chain 0) in index order.
    pub receive: Vec<String>,
    /// Change addresses (chain 1) in index order.
    pub change: Vec<String>,
}

/// Blocks before a coinbase output may be spent.
pub fn coinbase_maturity(params: &ChainParams) -> u64 {
    match (params.coin, params.network) {
        (Coin::Doge, Network::Regtest) => 60,
        (Coin::Doge, _) => 240,
        _ => 100,
    }
}

/// Derives `gap` receive and change addresses of `m/purpose'/coin'/account'`
/// with the same defaults and address kinds as `skyx keys hd`.
pub fn derive_keyring(
    params: &'static ChainParams,
    mnemonic: &str,
    passphrase: &str,
    purpose: u32,
    account: u32,
    gap: u32,
) -> Result<KeyRing, BtcError> {
    let keys_err = |e: String| BtcError::Keys(e);
    let coin = HdCoin::from_symbol(params.coin.as_str())
        .ok_or_else(|| keys_err(format!("no HD coin type for {}", params.coin)))?;
    let network: HdNetwork = params
        .network
        .as_str()
        .parse()
        .map_err(|_| keys_err(format!("no HD network {}", params.network)))?;
    let purpose = Purpose::from_number(purpose).map_err(|e| keys_err(e.to_string()))?;
    if purpose != Purpose::Bip44 && !params.has_segwit() {
        return Err(keys_err(format!(
            "{} has no segwit: only --purpose 44 applies",
            params.name
        )));
    }
    let seed = hd::seed_from_mnemonic(mnemonic, passphrase).map_err(|e| keys_err(e.to_string()))?;
    let mut ring = KeyRing::default();
    for change in 0..2u32 {
        let derived = hd::derive_account_keys(
            &seed,
            purpose,
            coin.coin_type(network),
            account,
            change,
            0,
            gap,
        )
        .map_err(|e| keys_err(e.to_string()))?;
        for k in derived {
            let (address, kind) = match purpose {
                Purpose::Bip44 => (Address::p2pkh(params, &k.public), SpendKind::P2pkh),
                Purpose::Bip49 => (
                    Address::p2sh_p2wpkh(params, &k.public).map_err(|e| keys_err(e.to_string()))?,
                    SpendKind::P2shP2wpkh,
                ),
                Purpose::Bip84 => (
                    Address::p2wpkh(params, &k.public).map_err(|e| keys_err(e.to_string()))?,
                    SpendKind::P2wpkh,
                ),
            };
            let text = address.to_string();
            if change == 0 {
                ring.receive.push(text.clone());
            } else {
                ring.change.push(text.clone());
            }
            ring.keys.insert(
                text,
                OwnKey {
                    key: PrivateKey::compressed(k.secret),
                    kind,
                },
            );
        }
    }
    Ok(ring)
}

/// A confirmed, unspent, mature output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spendable {
    /// The output.
    pub outpoint: OutPoint,
    /// Its value in satoshis.
    pub value: u64,
    /// The address it pays.
    pub address: String,
}

/// The outputs that may be spent at processed height `tip`: confirmed, not
/// spent in a block or the mempool, and mature when coinbase.
pub fn spendable(outputs: &[(OutPoint, OutputRecord)], tip: u64, maturity: u64) -> Vec<Spendable> {
    outputs
        .iter()
        .filter(|(_, r)| {
            r.status == DepositStatus::Confirmed
                && r.spent_by.is_none()
                && r.pending_spent_by.is_none()
                && r.height.is_some_and(|h| {
                    let confirmations = (tip + 1).saturating_sub(h);
                    !r.coinbase || confirmations >= maturity
                })
        })
        .map(|(o, r)| Spendable {
            outpoint: *o,
            value: r.value,
            address: r.address.clone(),
        })
        .collect()
}

/// The first change address no output has paid yet.
pub fn next_change<'r>(ring: &'r KeyRing, used: &dyn Fn(&str) -> bool) -> Option<&'r str> {
    ring.change.iter().map(String::as_str).find(|a| !used(a))
}

/// Chooses inputs among `available` that the ring can sign, then builds and
/// signs the payment of `amount` to `to` with change to `change`.
pub fn plan_payment(
    params: &'static ChainParams,
    ring: &KeyRing,
    available: &[Spendable],
    to: &Address,
    amount: u64,
    fee_rate: FeeRate,
    change: &Address,
) -> Result<SignedPayment, BtcError> {
    let mut own: Vec<(&Spendable, &OwnKey)> = available
        .iter()
        .filter_map(|s| ring.keys.get(&s.address).map(|k| (s, k)))
        .collect();
    own.sort_by(|a, b| {
        b.0.value
            .cmp(&a.0.value)
            .then(a.0.outpoint.cmp(&b.0.outpoint))
    });
    let candidates: Vec<Candidate> = own
        .iter()
        .map(|(s, k)| Candidate {
            value: s.value,
            kind: k.kind,
        })
        .collect();
    let outputs = [
        output_vsize(to.script_pubkey().len()),
        output_vsize(change.script_pubkey().len()),
    ];
    let first = select(&candidates, amount, fee_rate, &outputs).map_err(|s| {
        BtcError::InsufficientFunds {
            available: s.available,
            needed: s.needed,
        }
    })?;
    let mut last_err = None;
    // Selection is largest first, so its choice is a prefix of `own`.
    for n in first.len()..=own.len() {
        let utxos = own[..n]
            .iter()
            .map(|(s, k)| Utxo {
                outpoint: s.outpoint,
                value: s.value,
                key: k.key,
                kind: k.kind,
            })
            .collect();
        let request = PaymentRequest {
            params,
            utxos,
            recipients: vec![Recipient::new(to.clone(), amount)],
            change: change.clone(),
            fee_rate,
            lock_time: 0,
        };
        match build_and_sign(&request) {
            Ok(p) => return Ok(p),
            Err(PaymentError::InsufficientFunds { available, needed }) => {
                last_err = Some(BtcError::InsufficientFunds { available, needed });
            }
            Err(e) => return Err(BtcError::Payment(e.to_string())),
        }
    }
    Err(last_err.unwrap_or(BtcError::InsufficientFunds {
        available: 0,
        needed: amount,
    }))
}

/// The fee rate to pay: an explicit sat/vB rate, else the daemon's
/// `estimatesmartfee` not below `floor`, else `fallback` where the daemon
/// has no estimate; never below the chain's minimum relay fee.
pub fn choose_fee_rate(
    rpc: &RpcClient,
    params: &ChainParams,
    explicit_sat_per_vb: Option<u64>,
    floor: FeeRate,
    fallback: FeeRate,
    target: u32,
) -> Result<FeeRate, BtcError> {
    if let Some(r) = explicit_sat_per_vb {
        return Ok(FeeRate::from_sat_per_vb(r));
    }
    let rate = match rpc.estimate_smart_fee(target)? {
        FeeEstimate::Estimated(r) => FeeRate::from_sat_per_kvb(r).max(floor),
        FeeEstimate::NoData | FeeEstimate::Unsupported => fallback.max(floor),
    };
    Ok(rate.max(params.min_relay_fee))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::Hash;
    use skyx_coins::btc::params;

    const MNEMONIC: &str = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

    fn rec(value: u64, height: Option<u64>, coinbase: bool) -> OutputRecord {
        OutputRecord {
            address: String::new(),
            value,
            coinbase,
            height,
            status: if height.is_some() {
                DepositStatus::Confirmed
            } else {
                DepositStatus::Mempool
            },
            spent_by: None,
            spent_height: None,
            pending_spent_by: None,
        }
    }

    #[test]
    fn spendable_filters() {
        let o = |n: u8| OutPoint::new(bitcoin::Txid::from_byte_array([n; 32]), 0);
        let mut spent = rec(5, Some(1), false);
        spent.spent_by = Some("x".into());
        let outs = vec![
            (o(1), rec(1, Some(10), false)),
            (o(2), rec(2, None, false)),
            (o(3), rec(3, Some(10), true)),
            (o(4), rec(4, Some(1), true)),
            (o(5), spent),
        ];
        let s = spendable(&outs, 108, 100);
        let values: Vec<u64> = s.iter().map(|s| s.value).collect();
        assert_eq!(values, vec![1, 4]);
        assert_eq!(spendable(&outs, 109, 100).len(), 3);
    }

    #[test]
    fn keyring_matches_bip84_vector_and_pays() {
        let p = params(Coin::Btc, Network::Mainnet).unwrap();
        let ring = derive_keyring(p, MNEMONIC, "", 84, 0, 3).unwrap();
        // BIP84's published first receive and change addresses for this mnemonic.
        assert_eq!(
            ring.receive[0],
            "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"
        );
        assert_eq!(ring.change[0], "bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el");
        assert_eq!(
            next_change(&ring, &|a| a == ring.change[0]),
            Some(ring.change[1].as_str())
        );
        let lp = params(Coin::Ltc, Network::Regtest).unwrap();
        let ring = derive_keyring(lp, MNEMONIC, "", 44, 0, 2).unwrap();
        let coin = |n: u8, v: u64| Spendable {
            outpoint: OutPoint::new(bitcoin::Txid::from_byte_array([n; 32]), 0),
            value: v,
            address: ring.receive[0].clone(),
        };
        let to = Address::parse(lp, &ring.receive[1]).unwrap();
        let change = Address::parse(lp, &ring.change[0]).unwrap();
        let rate = FeeRate::from_sat_per_vb(10);
        let p = plan_payment(
            lp,
            &ring,
            &[coin(1, 30_000), coin(2, 80_000)],
            &to,
            50_000,
            rate,
            &change,
        )
        .unwrap();
        assert_eq!(p.tx.input.len(), 1);
        assert!(p.fee > 0);
        let err =
            plan_payment(lp, &ring, &[coin(1, 30_000)], &to, 50_000, rate, &change).unwrap_err();
        assert_eq!(err.code(), "insufficient_funds");
        assert!(derive_keyring(
            params(Coin::Doge, Network::Regtest).unwrap(),
            MNEMONIC,
            "",
            84,
            0,
            1
        )
        .is_err());
    }
}
