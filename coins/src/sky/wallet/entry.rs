//! Wallet entries (one key each) and the bip44 account/chain containers.

use bitcoin::bip32::{Xpriv, Xpub};
use secp256k1::{PublicKey, SecretKey};

/// One address of a wallet with its keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The address text in the wallet coin's format.
    pub address: String,
    /// The compressed public key.
    pub public: PublicKey,
    /// The secret key, absent in encrypted and watch-only wallets.
    pub secret: Option<SecretKey>,
    /// The BIP32 child index (bip44 and xpub wallets).
    pub child_number: Option<u32>,
}

impl Drop for Entry {
    fn drop(&mut self) {
        if let Some(s) = self.secret.as_mut() {
            s.non_secure_erase();
        }
    }
}

impl Entry {
    /// Forgets the secret key, overwriting it first.
    pub fn erase_secret(&mut self) {
        if let Some(mut s) = self.secret.take() {
            s.non_secure_erase();
        }
    }
}

/// BIP44 chain index of external (receiving) addresses.
pub const EXTERNAL_CHAIN: u32 = 0;
/// BIP44 chain index of change addresses.
pub const CHANGE_CHAIN: u32 = 1;

/// The file name of a chain index (`external`, `change`).
pub fn chain_name(chain: u32) -> Option<&'static str> {
    match chain {
        EXTERNAL_CHAIN => Some("external"),
        CHANGE_CHAIN => Some("change"),
        _ => None,
    }
}

/// One chain (external or change) of a bip44 account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bip44Chain {
    /// The chain's extended public key (`m/44'/coin'/account'/chain`).
    pub public_key: Xpub,
    /// 0 = external, 1 = change.
    pub chain: u32,
    /// The chain's addresses, child numbers 0, 1, 2, …
    pub entries: Vec<Entry>,
}

/// One bip44 account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bip44Account {
    /// The account's extended private key (`m/44'/coin'/account'`);
    /// absent when the wallet is encrypted.
    pub private_key: Option<Xpriv>,
    /// Account name (`default` for the first).
    pub name: String,
    /// Account index.
    pub index: u32,
    /// The account's coin (`skycoin`, `bitcoin`).
    pub coin_type: String,
    /// External then change chain.
    pub chains: Vec<Bip44Chain>,
}

impl Drop for Bip44Account {
    fn drop(&mut self) {
        if let Some(k) = self.private_key.as_mut() {
            k.private_key.non_secure_erase();
        }
    }
}

impl Bip44Account {
    /// Forgets the account private key and every entry's secret key.
    pub fn erase_secrets(&mut self) {
        if let Some(mut k) = self.private_key.take() {
            k.private_key.non_secure_erase();
        }
        for c in &mut self.chains {
            for e in &mut c.entries {
                e.erase_secret();
            }
        }
    }

    /// The key name of the account's private key in the secrets object.
    pub fn secret_key_name(&self) -> String {
        format!("bip44AccountPrivateKey-{}", self.index)
    }
}
