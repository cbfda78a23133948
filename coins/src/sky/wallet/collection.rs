//! Collection wallets (`src/wallet/collection/`): imported secret keys, no
//! seed, no address generation.

use secp256k1::SecretKey;

use super::{Body, Entry, NewWalletOptions, Wallet, WalletError, WalletType};

impl Wallet {
    /// A new collection wallet holding `keys`, in order.
    pub fn new_collection(
        opts: &NewWalletOptions,
        keys: &[SecretKey],
    ) -> Result<Wallet, WalletError> {
        let mut w = Wallet::blank(opts, WalletType::Collection, Body::Entries(Vec::new()));
        for k in keys {
            w.add_secret_key(*k)?;
        }
        Ok(w)
    }

    /// Adds one imported key to a collection wallet; returns its address.
    pub fn add_secret_key(&mut self, secret: SecretKey) -> Result<String, WalletError> {
        if self.wallet_type != WalletType::Collection {
            return Err(WalletError::Unsupported(
                "only collection wallets import keys",
            ));
        }
        if self.is_encrypted() {
            return Err(WalletError::Encrypted);
        }
        let public = secret.public_key(secp256k1::SECP256K1);
        let address = self.coin.address(&public);
        let entries = self.entries_vec_mut()?;
        if entries.iter().any(|e| e.address == address) {
            return Err(WalletError::DuplicateEntry(address));
        }
        entries.push(Entry {
            address: address.clone(),
            public,
            secret: Some(secret),
            child_number: None,
        });
        Ok(address)
    }
}
