//! Skycoin `.wlt` wallet files (`src/wallet/` of the reference): reading
//! and writing the deterministic, collection, bip44 and xpub types
//! byte-for-byte as the reference writes them, generating new wallets and
//! addresses, and encrypting the secrets (`scrypt-chacha20poly1305`,
//! legacy `sha256-xor`).
//!
//! Pure logic: every function takes or returns bytes and strings; reading
//! and writing the file is the caller's business.
//!
//! ```text
//! let w = parse_wallet(&bytes)?;            // validated on load
//! let clear = w.unlock(b"pwd")?;            // if w.is_encrypted()
//! println!("{:?}", clear.summary());
//! let text = clear.lock(b"pwd", CryptoType::default())?.to_json()?;
//! ```

pub mod bip44;
pub mod collection;
pub mod crypto;
pub mod deterministic;
mod entry;
mod error;
mod file;
mod gojson;
pub mod meta;
pub mod secrets;
pub mod xpub;

#[cfg(test)]
mod tests;

use std::str::FromStr;

use serde::Serialize;
use zeroize::Zeroizing;

pub use crypto::{CryptoError, CryptoType};
pub use entry::{chain_name, Bip44Account, Bip44Chain, Entry, CHANGE_CHAIN, EXTERNAL_CHAIN};
pub use error::WalletError;
pub use file::parse_wallet;
pub use meta::{Coin, Meta, WalletType, CURRENT_VERSION};
pub use secrets::Secrets;

use meta::{
    META_COIN, META_CRYPTO_TYPE, META_ENCRYPTED, META_FILENAME, META_LABEL, META_SECRETS,
    META_TIMESTAMP, META_TYPE, META_VERSION,
};

/// Where a wallet keeps its keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// `entries` (deterministic, collection, xpub).
    Entries(Vec<Entry>),
    /// `accounts` (bip44).
    Accounts(Vec<Bip44Account>),
}

/// A loaded or generated wallet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wallet {
    meta: Meta,
    wallet_type: WalletType,
    coin: Coin,
    body: Body,
}

/// Settings shared by the wallet constructors.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewWalletOptions {
    /// `meta.filename`.
    pub filename: String,
    /// `meta.label`.
    pub label: String,
    /// `meta.coin`.
    pub coin: Coin,
    /// `meta.tm`, Unix seconds (the caller reads the clock).
    pub timestamp: i64,
    /// `meta.cryptoType` used when the wallet is later locked.
    pub crypto_type: CryptoType,
}

/// What `skyx wallet inspect` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WalletSummary {
    /// `deterministic`, `collection`, `bip44` or `xpub`.
    pub wallet_type: String,
    /// `skycoin` or `bitcoin`.
    pub coin: String,
    /// `meta.label`.
    pub label: String,
    /// `meta.version`.
    pub version: String,
    /// Whether the secrets are encrypted.
    pub encrypted: bool,
    /// Every address, in file order.
    pub addresses: Vec<String>,
}

impl Wallet {
    /// Parses and validates a wallet file (same as [`parse_wallet`]).
    pub fn from_json(json: &[u8]) -> Result<Wallet, WalletError> {
        parse_wallet(json)
    }

    /// The file text, exactly as the reference writes it (no trailing newline).
    pub fn to_json(&self) -> Result<String, WalletError> {
        file::to_json(self)
    }

    /// A blank wallet of `wallet_type` with the meta keys every type shares.
    fn blank(opts: &NewWalletOptions, wallet_type: WalletType, body: Body) -> Wallet {
        let mut meta = Meta::default();
        meta.set(META_FILENAME, opts.filename.as_str());
        meta.set(META_LABEL, opts.label.as_str());
        meta.set(META_TYPE, wallet_type.as_str());
        meta.set(META_VERSION, CURRENT_VERSION);
        meta.set(META_COIN, opts.coin.as_str());
        meta.set(META_TIMESTAMP, opts.timestamp.to_string());
        if wallet_type != WalletType::Xpub {
            meta.set(META_ENCRYPTED, "false");
            meta.set(META_CRYPTO_TYPE, opts.crypto_type.as_str());
        }
        Wallet {
            meta,
            wallet_type,
            coin: opts.coin,
            body,
        }
    }

    /// The raw meta map.
    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    /// The wallet type.
    pub fn wallet_type(&self) -> WalletType {
        self.wallet_type
    }

    /// The coin (normalized: `sky` loads as skycoin).
    pub fn coin(&self) -> Coin {
        self.coin
    }

    /// `meta.label`.
    pub fn label(&self) -> &str {
        self.meta.get(META_LABEL)
    }

    /// `meta.version`.
    pub fn version(&self) -> &str {
        self.meta.get(META_VERSION)
    }

    /// `meta.filename`.
    pub fn filename(&self) -> &str {
        self.meta.get(META_FILENAME)
    }

    /// `meta.tm` (0 when absent or invalid, as the reference).
    pub fn timestamp(&self) -> i64 {
        self.meta.get(META_TIMESTAMP).parse().unwrap_or(0)
    }

    /// Sets `meta.filename` (the reference sets it to the real file name on load).
    pub fn set_filename(&mut self, filename: &str) {
        self.meta.set(META_FILENAME, filename);
    }

    /// Sets `meta.label`.
    pub fn set_label(&mut self, label: &str) {
        self.meta.set(META_LABEL, label);
    }

    /// Sets `meta.tm`.
    pub fn set_timestamp(&mut self, tm: i64) {
        self.meta.set(META_TIMESTAMP, tm.to_string());
    }

    /// Sets `meta.version` to the version this implementation writes.
    pub fn upgrade_version(&mut self) {
        self.meta.set(META_VERSION, CURRENT_VERSION);
    }

    /// Whether the secrets are encrypted.
    pub fn is_encrypted(&self) -> bool {
        // Validated on load and kept valid by lock/unlock.
        self.meta.encrypted().unwrap_or(false)
    }

    /// `meta.cryptoType`, when set to a known type.
    pub fn crypto_type(&self) -> Option<CryptoType> {
        CryptoType::from_str(self.meta.get(META_CRYPTO_TYPE)).ok()
    }

    /// The keys container.
    pub fn body(&self) -> &Body {
        &self.body
    }

    /// The bip44 accounts (empty for the other types).
    pub fn accounts(&self) -> &[Bip44Account] {
        match &self.body {
            Body::Accounts(a) => a,
            Body::Entries(_) => &[],
        }
    }

    /// Every entry, in file order (bip44: account by account, chain by chain).
    pub fn entries(&self) -> Vec<&Entry> {
        match &self.body {
            Body::Entries(e) => e.iter().collect(),
            Body::Accounts(a) => a
                .iter()
                .flat_map(|a| a.chains.iter().flat_map(|c| c.entries.iter()))
                .collect(),
        }
    }

    /// Every address, in file order.
    pub fn addresses(&self) -> Vec<String> {
        self.entries()
            .into_iter()
            .map(|e| e.address.clone())
            .collect()
    }

    /// Type, coin, label, version, encryption and addresses.
    pub fn summary(&self) -> WalletSummary {
        WalletSummary {
            wallet_type: self.wallet_type.as_str().to_string(),
            coin: self.coin.as_str().to_string(),
            label: self.label().to_string(),
            version: self.version().to_string(),
            encrypted: self.is_encrypted(),
            addresses: self.addresses(),
        }
    }

    /// Generates `n` more addresses: the deterministic chain, the next xpub
    /// children, or the external chain of bip44 account 0. Returns them.
    /// On error the wallet is unchanged.
    pub fn generate_addresses(&mut self, n: usize) -> Result<Vec<String>, WalletError> {
        match self.wallet_type {
            WalletType::Deterministic => self.grow(|w| w.generate_deterministic(n)),
            WalletType::Xpub => self.grow(|w| w.generate_xpub(n)),
            WalletType::Bip44 => self.generate_bip44_addresses(0, EXTERNAL_CHAIN, n),
            WalletType::Collection => Err(WalletError::Unsupported(
                "A collection wallet does not implement GenerateAddresses",
            )),
        }
    }

    /// Applies `add` to a copy of the wallet and keeps the copy only if it
    /// succeeded and every address is still held once. Generation continues
    /// from the entry count (or `lastSeed`), so a file whose entries were
    /// removed or edited can regenerate an address it holds; the result
    /// would be written as a file that no longer loads.
    fn grow(
        &mut self,
        add: impl FnOnce(&mut Wallet) -> Result<Vec<String>, WalletError>,
    ) -> Result<Vec<String>, WalletError> {
        let mut grown = self.clone();
        let added = add(&mut grown)?;
        file::check_unique_addresses(&grown)?;
        *self = grown;
        Ok(added)
    }

    /// Re-derives every entry from the wallet's seed, xpub or account keys
    /// (and `lastSeed`, bip44 chain keys); secrets must be in clear except
    /// for bip44, whose entries are checked against the chain xpubs.
    pub fn verify_keys(&self) -> Result<(), WalletError> {
        match self.wallet_type {
            WalletType::Deterministic => self.verify_deterministic(),
            WalletType::Xpub => self.verify_xpub(),
            WalletType::Bip44 => self.verify_bip44(),
            WalletType::Collection => {
                for e in self.entries() {
                    file::check_entry(e, self.coin)?;
                }
                Ok(())
            }
        }
    }

    /// The clear secrets object that [`Wallet::lock`] encrypts.
    pub fn secrets(&self) -> Result<Secrets, WalletError> {
        if self.is_encrypted() {
            return Err(WalletError::Encrypted);
        }
        let mut ss = Secrets::default();
        match self.wallet_type {
            WalletType::Deterministic => self.pack_deterministic(&mut ss),
            WalletType::Bip44 => self.pack_bip44(&mut ss),
            WalletType::Collection => {}
            WalletType::Xpub => {
                return Err(WalletError::Unsupported("an xpub wallet has no secrets"));
            }
        }
        for e in self.entries() {
            let sk = e
                .secret
                .as_ref()
                .ok_or_else(|| WalletError::MissingSecret(e.address.clone()))?;
            ss.set(e.address.clone(), hex::encode(sk.secret_bytes()));
        }
        Ok(ss)
    }

    /// A copy with the secrets encrypted into `meta.secrets` and blanked
    /// everywhere else.
    pub fn lock(&self, password: &[u8], crypto_type: CryptoType) -> Result<Wallet, WalletError> {
        if password.is_empty() {
            return Err(WalletError::MissingPassword);
        }
        if self.is_encrypted() {
            return Err(WalletError::Encrypted);
        }
        let ss = self.secrets()?;
        let plain = ss.serialize()?;
        let text = crypto_type.encrypt(&plain, password)?;
        let mut w = self.clone();
        w.erase_secrets();
        w.meta.set(META_CRYPTO_TYPE, crypto_type.as_str());
        w.meta.set(META_SECRETS, text);
        w.meta.set(META_ENCRYPTED, "true");
        Ok(w)
    }

    /// A decrypted copy; a wrong password or altered secrets give an error.
    pub fn unlock(&self, password: &[u8]) -> Result<Wallet, WalletError> {
        if !self.is_encrypted() {
            return Err(WalletError::NotEncrypted);
        }
        if password.is_empty() {
            return Err(WalletError::MissingPassword);
        }
        let ct = self.meta.get(META_CRYPTO_TYPE);
        let crypto_type =
            CryptoType::from_str(ct).map_err(|e| WalletError::UnknownCryptoType(e.0))?;
        let plain: Zeroizing<Vec<u8>> = crypto_type
            .decrypt(self.meta.get(META_SECRETS), password)
            .map_err(|e| match e {
                CryptoError::InvalidPassword => WalletError::InvalidPassword,
                CryptoError::MissingPassword => WalletError::MissingPassword,
                other => WalletError::Crypto(other),
            })?;
        let ss = Secrets::deserialize(&plain)?;
        let mut w = self.clone();
        match w.wallet_type {
            WalletType::Deterministic => w.unpack_deterministic(&ss)?,
            WalletType::Bip44 => w.unpack_bip44(&ss)?,
            WalletType::Collection | WalletType::Xpub => {}
        }
        let coin = w.coin;
        for e in w.entries_mut() {
            if e.secret.is_none() {
                let text = ss
                    .get(&e.address)
                    .ok_or_else(|| WalletError::MissingSecret(e.address.clone()))?;
                e.secret = Some(parse_secret_hex(text, coin)?);
            }
            file::check_entry(e, coin)?;
        }
        w.meta.set(META_ENCRYPTED, "false");
        w.meta.remove(META_SECRETS);
        Ok(w)
    }

    /// Wipes every secret of the wallet (seeds, account keys, entry keys).
    fn erase_secrets(&mut self) {
        match self.wallet_type {
            WalletType::Deterministic => self.erase_deterministic(),
            WalletType::Bip44 => self.erase_bip44(),
            WalletType::Collection | WalletType::Xpub => {}
        }
        for e in self.entries_mut() {
            e.erase_secret();
        }
    }

    fn entries_mut(&mut self) -> Vec<&mut Entry> {
        match &mut self.body {
            Body::Entries(e) => e.iter_mut().collect(),
            Body::Accounts(a) => a
                .iter_mut()
                .flat_map(|a| a.chains.iter_mut().flat_map(|c| c.entries.iter_mut()))
                .collect(),
        }
    }

    fn entries_vec_mut(&mut self) -> Result<&mut Vec<Entry>, WalletError> {
        match &mut self.body {
            Body::Entries(e) => Ok(e),
            Body::Accounts(_) => Err(WalletError::Body(
                "a bip44 wallet keeps its entries in accounts",
            )),
        }
    }

    /// The reference's `Fingerprint`: type and first address (derived when
    /// there are no entries yet); `None` for collection wallets and when
    /// it cannot be known (encrypted and empty).
    pub fn fingerprint(&self) -> Option<String> {
        let first = match self.wallet_type {
            WalletType::Collection => return None,
            WalletType::Deterministic => self.first_address_deterministic(),
            WalletType::Xpub => self.first_address_xpub(),
            WalletType::Bip44 => self.first_address_bip44(),
        }?;
        Some(format!("{}-{}", self.wallet_type.as_str(), first))
    }
}

/// A secret key as stored in the secrets object (hex; WIF accepted for
/// bitcoin wallets).
fn parse_secret_hex(text: &str, coin: Coin) -> Result<secp256k1::SecretKey, WalletError> {
    Coin::Skycoin
        .secret_from_str(text)
        .or_else(|_| coin.secret_from_str(text))
        .map_err(|_| WalletError::InvalidSecretKey)
}

/// Pairs `(i, j)`, `i < j`, of wallets that hold the same keys (same
/// fingerprint: type and first address, i.e. the same seed or xpub).
pub fn find_duplicates(wallets: &[Wallet]) -> Vec<(usize, usize)> {
    let prints: Vec<Option<String>> = wallets.iter().map(Wallet::fingerprint).collect();
    let mut out = Vec::new();
    for i in 0..prints.len() {
        for j in i + 1..prints.len() {
            if let (Some(a), Some(b)) = (&prints[i], &prints[j]) {
                if a == b {
                    out.push((i, j));
                }
            }
        }
    }
    out
}
