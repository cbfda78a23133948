//! The `meta` object of a wallet file (`src/wallet/meta.go`): a string →
//! string map with well-known keys, the wallet type, the coin, and the
//! reference's checks on them.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use secp256k1::{PublicKey, SecretKey};
use zeroize::Zeroize;

use super::crypto::CryptoType;
use super::WalletError;
use crate::sky::address::{bitcoin_address, Address};
use crate::sky::hash::sha256;

/// Wallet format version written by this implementation (`wallet.Version`).
pub const CURRENT_VERSION: &str = "0.4";

/// Meta key: wallet version.
pub const META_VERSION: &str = "version";
/// Meta key: file name.
pub const META_FILENAME: &str = "filename";
/// Meta key: label.
pub const META_LABEL: &str = "label";
/// Meta key: creation time, Unix seconds.
pub const META_TIMESTAMP: &str = "tm";
/// Meta key: wallet type.
pub const META_TYPE: &str = "type";
/// Meta key: coin.
pub const META_COIN: &str = "coin";
/// Meta key: `"true"`/`"false"`.
pub const META_ENCRYPTED: &str = "encrypted";
/// Meta key: cipher name.
pub const META_CRYPTO_TYPE: &str = "cryptoType";
/// Meta key: seed (deterministic: any text; bip44: mnemonic).
pub const META_SEED: &str = "seed";
/// Meta key: the deterministic chain's next seed, hex.
pub const META_LAST_SEED: &str = "lastSeed";
/// Meta key: the encrypted secrets, base64.
pub const META_SECRETS: &str = "secrets";
/// Meta key: BIP44 coin type number.
pub const META_BIP44_COIN: &str = "bip44Coin";
/// Meta key: BIP39 seed passphrase.
pub const META_SEED_PASSPHRASE: &str = "seedPassphrase";
/// Meta key: extended public key of an xpub wallet.
pub const META_XPUB: &str = "xpub";

/// The wallet's `meta` map; values are wiped from memory on drop.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Meta(pub BTreeMap<String, String>);

impl Drop for Meta {
    fn drop(&mut self) {
        for v in self.0.values_mut() {
            v.zeroize();
        }
    }
}

impl fmt::Debug for Meta {
    /// Lists the keys only, so secrets never reach a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl Meta {
    /// The value of `key`, or `""` when absent (as Go's map lookup).
    pub fn get(&self, key: &str) -> &str {
        self.0.get(key).map(String::as_str).unwrap_or("")
    }

    /// Whether `key` is present (even if empty).
    pub fn has(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// Sets `key` to `value`, wiping the old value.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        if let Some(mut old) = self.0.insert(key.to_string(), value.into()) {
            old.zeroize();
        }
    }

    /// Removes `key`, wiping its value.
    pub fn remove(&mut self, key: &str) {
        if let Some(mut old) = self.0.remove(key) {
            old.zeroize();
        }
    }

    /// `meta.encrypted` parsed as Go's `strconv.ParseBool`; absent is false.
    pub fn encrypted(&self) -> Result<bool, WalletError> {
        match self.0.get(META_ENCRYPTED) {
            None => Ok(false),
            Some(s) => {
                parse_go_bool(s).ok_or_else(|| WalletError::InvalidEncryptedField(s.clone()))
            }
        }
    }
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// The four wallet types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WalletType {
    /// Skycoin's own deterministic key chain from a seed string.
    Deterministic,
    /// Imported secret keys.
    Collection,
    /// BIP39 mnemonic + BIP44 accounts.
    Bip44,
    /// Watch-only children of an extended public key.
    Xpub,
}

impl WalletType {
    /// The name stored in `meta.type`.
    pub fn as_str(&self) -> &'static str {
        match self {
            WalletType::Deterministic => "deterministic",
            WalletType::Collection => "collection",
            WalletType::Bip44 => "bip44",
            WalletType::Xpub => "xpub",
        }
    }
}

impl fmt::Display for WalletType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for WalletType {
    type Err = WalletError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "deterministic" => Ok(WalletType::Deterministic),
            "collection" => Ok(WalletType::Collection),
            "bip44" => Ok(WalletType::Bip44),
            "xpub" => Ok(WalletType::Xpub),
            other => Err(WalletError::InvalidType(other.to_string())),
        }
    }
}

/// The coin whose address format the wallet uses (`meta.coin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Coin {
    /// Skycoin addresses, hex secret keys.
    #[default]
    Skycoin,
    /// Bitcoin P2PKH addresses, WIF secret keys.
    Bitcoin,
}

impl Coin {
    /// The normalized name (`skycoin`, `bitcoin`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Coin::Skycoin => "skycoin",
            Coin::Bitcoin => "bitcoin",
        }
    }

    /// `ResolveCoinType`: `sky`/`skycoin`, `btc`/`bitcoin`, any case.
    pub fn resolve(s: &str) -> Result<Coin, WalletError> {
        match s.to_ascii_lowercase().as_str() {
            "" => Err(WalletError::MissingCoin),
            "sky" | "skycoin" => Ok(Coin::Skycoin),
            "btc" | "bitcoin" => Ok(Coin::Bitcoin),
            _ => Err(WalletError::InvalidCoin(s.to_string())),
        }
    }

    /// The SLIP-44 coin type used for new bip44 wallets.
    pub fn bip44_coin(&self) -> u32 {
        match self {
            Coin::Skycoin => 8000,
            Coin::Bitcoin => 0,
        }
    }

    /// The address of a public key in this coin's format.
    pub fn address(&self, public: &PublicKey) -> String {
        match self {
            Coin::Skycoin => Address::from_pubkey(public).to_string(),
            Coin::Bitcoin => bitcoin_address(public),
        }
    }

    /// Checks that `s` is a well-formed address of this coin.
    pub fn check_address(&self, s: &str) -> Result<(), String> {
        match self {
            Coin::Skycoin => Address::from_str(s).map(|_| ()).map_err(|e| e.to_string()),
            Coin::Bitcoin => {
                let b = bs58::decode(s)
                    .into_vec()
                    .map_err(|_| "Invalid base58 character".to_string())?;
                if b.len() != 25 {
                    return Err("Invalid address length".into());
                }
                let check = sha256(&sha256(&b[..21]).0);
                if check.0[..4] != b[21..] {
                    return Err("Invalid checksum".into());
                }
                Ok(())
            }
        }
    }

    /// The text of a secret key in wallet files (hex, or WIF for bitcoin).
    pub fn secret_to_string(&self, secret: &SecretKey) -> String {
        match self {
            Coin::Skycoin => hex::encode(secret.secret_bytes()),
            Coin::Bitcoin => {
                let mut b = Vec::with_capacity(38);
                b.push(0x80);
                b.extend_from_slice(&secret.secret_bytes());
                b.push(0x01);
                let check = sha256(&sha256(&b).0);
                b.extend_from_slice(&check.0[..4]);
                let s = bs58::encode(&b).into_string();
                b.zeroize();
                s
            }
        }
    }

    /// Parses the text of a secret key (hex, or WIF for bitcoin).
    pub fn secret_from_str(&self, s: &str) -> Result<SecretKey, String> {
        match self {
            Coin::Skycoin => {
                let mut b = hex::decode(s).map_err(|e| e.to_string())?;
                if b.len() != 32 {
                    b.zeroize();
                    return Err("invalid secret key length".into());
                }
                let r = SecretKey::from_slice(&b).map_err(|_| "invalid secret key".to_string());
                b.zeroize();
                r
            }
            Coin::Bitcoin => {
                let mut b = bs58::decode(s)
                    .into_vec()
                    .map_err(|_| "invalid WIF".to_string())?;
                let ok = (b.len() == 37 || (b.len() == 38 && b[33] == 0x01))
                    && b[0] == 0x80
                    && sha256(&sha256(&b[..b.len() - 4]).0).0[..4] == b[b.len() - 4..];
                let r = if ok {
                    SecretKey::from_slice(&b[1..33]).map_err(|_| "invalid secret key".to_string())
                } else {
                    Err("invalid WIF".to_string())
                };
                b.zeroize();
                r
            }
        }
    }
}

impl fmt::Display for Coin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The checks of the reference's `Meta.Validate` and `ValidateMetaCryptoType`
/// that every wallet type shares (filename is not required: the caller
/// names the file). Returns whether the wallet is encrypted.
pub(crate) fn validate_common(meta: &Meta) -> Result<bool, WalletError> {
    let tm = meta.get(META_TIMESTAMP);
    if !tm.is_empty() && tm.parse::<i64>().is_err() {
        return Err(WalletError::InvalidTimestamp(tm.to_string()));
    }
    let encrypted = meta.encrypted()?;
    if let Some(ct) = meta.0.get(META_CRYPTO_TYPE) {
        if !ct.is_empty() {
            CryptoType::from_str(ct).map_err(|e| WalletError::UnknownCryptoType(e.0))?;
        }
    }
    if encrypted {
        if !meta.has(META_CRYPTO_TYPE) || meta.get(META_CRYPTO_TYPE).is_empty() {
            return Err(WalletError::MissingCryptoType);
        }
        if meta.get(META_SECRETS).is_empty() {
            return Err(WalletError::MissingSecrets);
        }
        if !meta.get(META_SEED).is_empty() {
            return Err(WalletError::SecretVisible("seed"));
        }
        if !meta.get(META_LAST_SEED).is_empty() {
            return Err(WalletError::SecretVisible("lastSeed"));
        }
        if !meta.get(META_SEED_PASSPHRASE).is_empty() {
            return Err(WalletError::SecretVisible("seedPassphrase"));
        }
    } else if !meta.get(META_SECRETS).is_empty() {
        return Err(WalletError::UnexpectedSecrets);
    }
    Ok(encrypted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coin_names_resolve_like_the_reference() {
        assert_eq!(Coin::resolve("sky").unwrap(), Coin::Skycoin);
        assert_eq!(Coin::resolve("SkyCoin").unwrap(), Coin::Skycoin);
        assert_eq!(Coin::resolve("btc").unwrap(), Coin::Bitcoin);
        assert_eq!(Coin::resolve("").unwrap_err(), WalletError::MissingCoin);
        assert_eq!(
            Coin::resolve("eth").unwrap_err().code(),
            "wallet_coin_invalid"
        );
    }

    #[test]
    fn wif_round_trips() {
        let sk = SecretKey::from_slice(&[0x11; 32]).unwrap();
        let wif = Coin::Bitcoin.secret_to_string(&sk);
        assert!(wif.starts_with('K') || wif.starts_with('L'));
        assert_eq!(Coin::Bitcoin.secret_from_str(&wif).unwrap(), sk);
        assert!(Coin::Bitcoin.secret_from_str("KwDiBf89").is_err());
    }

    #[test]
    fn encrypted_field_parses_like_go() {
        let mut m = Meta::default();
        assert!(!m.encrypted().unwrap());
        m.set(META_ENCRYPTED, "True");
        assert!(m.encrypted().unwrap());
        m.set(META_ENCRYPTED, "yes");
        assert_eq!(
            m.encrypted().unwrap_err().code(),
            "wallet_encrypted_field_invalid"
        );
    }
}
