//! Xpub wallets (`src/wallet/xpubwallet/`): watch-only, the non-hardened
//! children 0, 1, 2, … of an extended public key.

use std::str::FromStr;

use bitcoin::bip32::{ChildNumber, Xpub};

use super::meta::META_XPUB;
use super::{Body, Entry, NewWalletOptions, Wallet, WalletError, WalletType};

/// The public key of child `index` of `xpub`.
pub fn xpub_child(xpub: &Xpub, index: u32) -> Result<secp256k1::PublicKey, WalletError> {
    let child =
        ChildNumber::from_normal_idx(index).map_err(|e| WalletError::Bip32(e.to_string()))?;
    xpub.derive_pub(secp256k1::SECP256K1, &[child])
        .map(|k| k.public_key)
        .map_err(|e| WalletError::Bip32(e.to_string()))
}

impl Wallet {
    /// A new xpub wallet with its first `n` children.
    pub fn new_xpub(opts: &NewWalletOptions, xpub: &str, n: usize) -> Result<Wallet, WalletError> {
        Xpub::from_str(xpub).map_err(|_| WalletError::InvalidXpub(xpub.to_string()))?;
        let mut w = Wallet::blank(opts, WalletType::Xpub, Body::Entries(Vec::new()));
        w.meta.set(META_XPUB, xpub);
        w.generate_xpub(n)?;
        Ok(w)
    }

    fn xpub_key(&self) -> Result<Xpub, WalletError> {
        let x = self.meta.get(META_XPUB);
        Xpub::from_str(x).map_err(|_| WalletError::InvalidXpub(x.to_string()))
    }

    pub(super) fn generate_xpub(&mut self, n: usize) -> Result<Vec<String>, WalletError> {
        let xpub = self.xpub_key()?;
        let coin = self.coin;
        let entries = self.entries_vec_mut()?;
        let mut added = Vec::with_capacity(n);
        for _ in 0..n {
            let index = u32::try_from(entries.len())
                .map_err(|_| WalletError::Bip32("too many children".into()))?;
            let public = xpub_child(&xpub, index)?;
            let address = coin.address(&public);
            added.push(address.clone());
            entries.push(Entry {
                address,
                public,
                secret: None,
                child_number: Some(index),
            });
        }
        Ok(added)
    }

    pub(super) fn verify_xpub(&self) -> Result<(), WalletError> {
        let xpub = self.xpub_key()?;
        for e in self.entries() {
            let public = xpub_child(&xpub, e.child_number.unwrap_or(0))?;
            if public != e.public || self.coin.address(&public) != e.address {
                return Err(WalletError::DerivationMismatch {
                    address: e.address.clone(),
                    source_name: "xpub",
                });
            }
        }
        Ok(())
    }

    pub(super) fn first_address_xpub(&self) -> Option<String> {
        if let Some(e) = self.entries().first() {
            return Some(e.address.clone());
        }
        let xpub = self.xpub_key().ok()?;
        xpub_child(&xpub, 0).ok().map(|p| self.coin.address(&p))
    }
}
