//! The `.wlt` JSON model: parsing with the reference's validation, and
//! writing exactly as the reference's `json.MarshalIndent(w, "", "    ")`
//! (meta keys sorted, no trailing newline).

use std::collections::{BTreeMap, HashSet};
use std::str::FromStr;

use bitcoin::bip32::{Xpriv, Xpub};
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use super::entry::{chain_name, Bip44Account, Bip44Chain, Entry, CHANGE_CHAIN, EXTERNAL_CHAIN};
use super::meta::{
    validate_common, Coin, Meta, WalletType, META_BIP44_COIN, META_COIN, META_LAST_SEED, META_SEED,
    META_TYPE, META_XPUB,
};
use super::{gojson, Body, Wallet, WalletError};
use crate::sky::keys::public_from_bytes;

/// An entry as any of the wallet types writes it (the union of their fields).
#[derive(Deserialize, Default)]
struct RawEntry {
    #[serde(default)]
    address: String,
    #[serde(default)]
    public_key: String,
    #[serde(default)]
    secret_key: String,
    #[serde(default)]
    public: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    child_number: Option<u32>,
}

impl Drop for RawEntry {
    fn drop(&mut self) {
        self.secret_key.zeroize();
        self.secret.zeroize();
    }
}

#[derive(Deserialize, Default)]
struct RawChain {
    #[serde(default)]
    public_key: String,
    #[serde(default)]
    chain: String,
    #[serde(default)]
    entries: Option<Vec<RawEntry>>,
}

#[derive(Deserialize, Default)]
struct RawAccount {
    #[serde(default)]
    private_key: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    index: u32,
    #[serde(default)]
    coin_type: String,
    #[serde(default)]
    chains: Option<Vec<RawChain>>,
}

impl Drop for RawAccount {
    fn drop(&mut self) {
        self.private_key.zeroize();
    }
}

#[derive(Deserialize, Default)]
struct RawWallet {
    #[serde(default)]
    meta: BTreeMap<String, String>,
    #[serde(default)]
    entries: Option<Vec<RawEntry>>,
    #[serde(default)]
    accounts: Option<Vec<RawAccount>>,
}

/// Which JSON field names an entry uses.
#[derive(Clone, Copy)]
enum EntryShape {
    /// `address`, `public_key`, `secret_key` (deterministic, collection).
    Keys,
    /// `address`, `public`, `child_number` (xpub).
    Xpub,
    /// `address`, `public`, `secret`, `child_number` (bip44).
    Bip44,
}

/// Parses a wallet file and runs the reference's load-time validation, plus
/// the consistency of every entry (address ← public key ← secret key).
pub fn parse_wallet(json: &[u8]) -> Result<Wallet, WalletError> {
    let mut raw: RawWallet =
        serde_json::from_slice(json).map_err(|e| WalletError::Json(e.to_string()))?;
    let mut meta = Meta(std::mem::take(&mut raw.meta));

    if !meta.has(META_TYPE) {
        return Err(WalletError::MissingType);
    }
    let wallet_type = WalletType::from_str(meta.get(META_TYPE))?;
    let coin = Coin::resolve(meta.get(META_COIN))?;
    meta.set(META_COIN, coin.as_str());
    let encrypted = validate_common(&meta)?;
    validate_type_meta(&meta, wallet_type, encrypted)?;

    let entries = raw.entries.take().unwrap_or_default();
    let accounts = raw.accounts.take().unwrap_or_default();
    let body = match wallet_type {
        WalletType::Bip44 => {
            if !entries.is_empty() {
                return Err(WalletError::Body(
                    "a bip44 wallet keeps its entries in accounts",
                ));
            }
            Body::Accounts(parse_accounts(&accounts, coin)?)
        }
        other => {
            if !accounts.is_empty() {
                return Err(WalletError::Body("only bip44 wallets have accounts"));
            }
            let shape = if other == WalletType::Xpub {
                EntryShape::Xpub
            } else {
                EntryShape::Keys
            };
            Body::Entries(parse_entries(&entries, coin, shape)?)
        }
    };
    let wallet = Wallet {
        meta,
        wallet_type,
        coin,
        body,
    };
    check_unique_addresses(&wallet)?;
    Ok(wallet)
}

/// The per-type meta checks of the reference's loaders.
pub(crate) fn validate_type_meta(
    meta: &Meta,
    wallet_type: WalletType,
    encrypted: bool,
) -> Result<(), WalletError> {
    match wallet_type {
        WalletType::Deterministic => {
            if !encrypted {
                if meta.get(META_SEED).is_empty() {
                    return Err(WalletError::MissingSeed("deterministic"));
                }
                if meta.get(META_LAST_SEED).is_empty() {
                    return Err(WalletError::MissingLastSeed);
                }
            }
        }
        WalletType::Collection => {
            if !meta.get(META_SEED).is_empty() {
                return Err(WalletError::UnexpectedSeed("seed", "collection"));
            }
            if !meta.get(META_LAST_SEED).is_empty() {
                return Err(WalletError::UnexpectedSeed("lastSeed", "collection"));
            }
        }
        WalletType::Bip44 => {
            let c = meta.get(META_BIP44_COIN);
            if c.parse::<u32>().is_err() {
                return Err(WalletError::InvalidBip44Coin(c.to_string()));
            }
            let seed = meta.get(META_SEED);
            if seed.is_empty() {
                if !encrypted {
                    return Err(WalletError::MissingSeed("bip44"));
                }
            } else {
                bip39::Mnemonic::parse_in(bip39::Language::English, seed)
                    .map_err(|e| WalletError::InvalidMnemonic(e.to_string()))?;
            }
        }
        WalletType::Xpub => {
            let x = meta.get(META_XPUB);
            Xpub::from_str(x).map_err(|_| WalletError::InvalidXpub(x.to_string()))?;
            if !meta.get(META_SEED).is_empty() {
                return Err(WalletError::UnexpectedSeed("seed", "xpub"));
            }
        }
    }
    Ok(())
}

fn parse_entries(
    raw: &[RawEntry],
    coin: Coin,
    shape: EntryShape,
) -> Result<Vec<Entry>, WalletError> {
    raw.iter()
        .enumerate()
        .map(|(i, r)| parse_entry(i, r, coin, shape))
        .collect()
}

fn parse_entry(
    index: usize,
    r: &RawEntry,
    coin: Coin,
    shape: EntryShape,
) -> Result<Entry, WalletError> {
    let (public_field, public_text, secret_field, secret_text) = match shape {
        EntryShape::Keys => ("public_key", &r.public_key, "secret_key", &r.secret_key),
        EntryShape::Xpub => ("public", &r.public, "secret", &r.secret),
        EntryShape::Bip44 => ("public", &r.public, "secret", &r.secret),
    };
    let invalid = |field: &'static str, reason: String| WalletError::InvalidEntry {
        index,
        field,
        reason,
    };
    coin.check_address(&r.address)
        .map_err(|e| invalid("address", e))?;
    let public_bytes =
        hex::decode(public_text).map_err(|e| invalid(public_field, e.to_string()))?;
    let public =
        public_from_bytes(&public_bytes).map_err(|e| invalid(public_field, e.to_string()))?;
    let secret = if secret_text.is_empty() {
        None
    } else if matches!(shape, EntryShape::Xpub) {
        return Err(invalid(
            secret_field,
            "an xpub wallet holds no secret keys".into(),
        ));
    } else {
        Some(
            coin.secret_from_str(secret_text)
                .map_err(|e| invalid(secret_field, e))?,
        )
    };
    let entry = Entry {
        address: r.address.clone(),
        public,
        secret,
        child_number: match shape {
            EntryShape::Keys => None,
            EntryShape::Xpub | EntryShape::Bip44 => Some(r.child_number.unwrap_or(0)),
        },
    };
    check_entry(&entry, coin)?;
    Ok(entry)
}

/// An entry's address derives from its public key, which derives from its
/// secret key when present.
pub(crate) fn check_entry(e: &Entry, coin: Coin) -> Result<(), WalletError> {
    if coin.address(&e.public) != e.address {
        return Err(WalletError::AddressMismatch {
            address: e.address.clone(),
        });
    }
    if let Some(sk) = &e.secret {
        if sk.public_key(secp256k1::SECP256K1) != e.public {
            return Err(WalletError::PublicKeyMismatch {
                address: e.address.clone(),
            });
        }
    }
    Ok(())
}

fn parse_accounts(raw: &[RawAccount], coin: Coin) -> Result<Vec<Bip44Account>, WalletError> {
    let mut out = Vec::with_capacity(raw.len());
    for ra in raw {
        let private_key = if ra.private_key.is_empty() {
            None
        } else {
            Some(Xpriv::from_str(&ra.private_key).map_err(|_| WalletError::InvalidXpriv)?)
        };
        let account_coin = if ra.coin_type.is_empty() {
            coin
        } else {
            Coin::resolve(&ra.coin_type)?
        };
        let mut chains = Vec::new();
        for rc in ra.chains.as_deref().unwrap_or_default() {
            let public_key = Xpub::from_str(&rc.public_key)
                .map_err(|_| WalletError::InvalidXpub(rc.public_key.clone()))?;
            let chain = match rc.chain.as_str() {
                "external" => EXTERNAL_CHAIN,
                "change" => CHANGE_CHAIN,
                other => return Err(WalletError::InvalidChain(other.to_string())),
            };
            let entries = parse_entries(
                rc.entries.as_deref().unwrap_or_default(),
                account_coin,
                EntryShape::Bip44,
            )?;
            chains.push(Bip44Chain {
                public_key,
                chain,
                entries,
            });
        }
        out.push(Bip44Account {
            private_key,
            name: ra.name.clone(),
            index: ra.index,
            coin_type: ra.coin_type.clone(),
            chains,
        });
    }
    Ok(out)
}

/// Every address of the wallet appears once.
pub(crate) fn check_unique_addresses(w: &Wallet) -> Result<(), WalletError> {
    let mut seen = HashSet::new();
    for e in w.entries() {
        if !seen.insert(e.address.as_str()) {
            return Err(WalletError::DuplicateEntry(e.address.clone()));
        }
    }
    Ok(())
}

/// `{"address","public_key","secret_key"}`.
#[derive(Serialize)]
struct OutKeysEntry<'a> {
    address: &'a str,
    public_key: String,
    secret_key: String,
}

/// `{"address","public","child_number"}`.
#[derive(Serialize)]
struct OutXpubEntry<'a> {
    address: &'a str,
    public: String,
    child_number: u32,
}

/// `{"address","public","secret","child_number"}`.
#[derive(Serialize)]
struct OutBip44Entry<'a> {
    address: &'a str,
    public: String,
    secret: String,
    child_number: u32,
}

#[derive(Serialize)]
struct OutChain<'a> {
    public_key: String,
    chain: &'static str,
    entries: Option<Vec<OutBip44Entry<'a>>>,
}

#[derive(Serialize)]
struct OutAccount<'a> {
    #[serde(skip_serializing_if = "String::is_empty")]
    private_key: String,
    name: &'a str,
    index: u32,
    coin_type: &'a str,
    chains: Option<Vec<OutChain<'a>>>,
}

#[derive(Serialize)]
struct OutEntriesWallet<'a, E: Serialize> {
    meta: &'a BTreeMap<String, String>,
    entries: Vec<E>,
}

#[derive(Serialize)]
struct OutBip44Wallet<'a> {
    meta: &'a BTreeMap<String, String>,
    accounts: Option<Vec<OutAccount<'a>>>,
}

impl Drop for OutKeysEntry<'_> {
    fn drop(&mut self) {
        self.secret_key.zeroize();
    }
}

impl Drop for OutBip44Entry<'_> {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

impl Drop for OutAccount<'_> {
    fn drop(&mut self) {
        self.private_key.zeroize();
    }
}

fn json_err(e: serde_json::Error) -> WalletError {
    WalletError::Json(e.to_string())
}

/// Writes the wallet as the reference does (no trailing newline).
pub fn to_json(w: &Wallet) -> Result<String, WalletError> {
    let meta = &w.meta.0;
    let coin = w.coin;
    match (&w.body, w.wallet_type) {
        (Body::Entries(entries), WalletType::Xpub) => {
            let entries = entries
                .iter()
                .map(|e| OutXpubEntry {
                    address: &e.address,
                    public: hex::encode(e.public.serialize()),
                    child_number: e.child_number.unwrap_or(0),
                })
                .collect();
            gojson::to_string_indent(&OutEntriesWallet { meta, entries }).map_err(json_err)
        }
        (Body::Entries(entries), _) => {
            let entries = entries
                .iter()
                .map(|e| OutKeysEntry {
                    address: &e.address,
                    public_key: hex::encode(e.public.serialize()),
                    secret_key: e
                        .secret
                        .as_ref()
                        .map(|s| coin.secret_to_string(s))
                        .unwrap_or_default(),
                })
                .collect();
            gojson::to_string_indent(&OutEntriesWallet { meta, entries }).map_err(json_err)
        }
        (Body::Accounts(accounts), _) => {
            let mut out = Vec::with_capacity(accounts.len());
            for a in accounts {
                let account_coin = Coin::resolve(&a.coin_type).unwrap_or(coin);
                let mut chains = Vec::with_capacity(a.chains.len());
                for c in &a.chains {
                    let chain = chain_name(c.chain)
                        .ok_or_else(|| WalletError::InvalidChain(c.chain.to_string()))?;
                    let entries: Vec<_> = c
                        .entries
                        .iter()
                        .map(|e| OutBip44Entry {
                            address: &e.address,
                            public: hex::encode(e.public.serialize()),
                            secret: e
                                .secret
                                .as_ref()
                                .map(|s| account_coin.secret_to_string(s))
                                .unwrap_or_default(),
                            child_number: e.child_number.unwrap_or(0),
                        })
                        .collect();
                    chains.push(OutChain {
                        public_key: c.public_key.to_string(),
                        chain,
                        entries: (!entries.is_empty()).then_some(entries),
                    });
                }
                out.push(OutAccount {
                    private_key: a
                        .private_key
                        .as_ref()
                        .map(|k| k.to_string())
                        .unwrap_or_default(),
                    name: &a.name,
                    index: a.index,
                    coin_type: &a.coin_type,
                    chains: (!chains.is_empty()).then_some(chains),
                });
            }
            let accounts = (!out.is_empty()).then_some(out);
            gojson::to_string_indent(&OutBip44Wallet { meta, accounts }).map_err(json_err)
        }
    }
}
