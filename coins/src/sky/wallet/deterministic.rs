//! Deterministic wallets (`src/wallet/deterministic/`): keys from Skycoin's
//! own key chain seeded with the seed string's bytes; `lastSeed` is the hex
//! of the chain's next seed after the last entry.

use super::meta::{META_LAST_SEED, META_SEED};
use super::secrets::{SECRET_LAST_SEED, SECRET_SEED};
use super::{Body, Entry, NewWalletOptions, Secrets, Wallet, WalletError, WalletType};
use crate::sky::keys::KeyChain;

impl Wallet {
    /// A new deterministic wallet from `seed` (any non-empty text) with `n`
    /// addresses; with `n = 0`, `lastSeed` is the seed itself, as the reference.
    pub fn new_deterministic(
        opts: &NewWalletOptions,
        seed: &str,
        n: usize,
    ) -> Result<Wallet, WalletError> {
        if seed.is_empty() {
            return Err(WalletError::MissingSeed("deterministic"));
        }
        let mut w = Wallet::blank(opts, WalletType::Deterministic, Body::Entries(Vec::new()));
        w.meta.set(META_SEED, seed);
        w.meta.set(META_LAST_SEED, seed);
        w.generate_deterministic(n)?;
        Ok(w)
    }

    pub(super) fn generate_deterministic(&mut self, n: usize) -> Result<Vec<String>, WalletError> {
        if self.is_encrypted() {
            return Err(WalletError::Encrypted);
        }
        if n == 0 {
            return Ok(Vec::new());
        }
        let coin = self.coin;
        let has_entries = !self.entries_vec_mut()?.is_empty();
        let start = if has_entries {
            zeroize::Zeroizing::new(
                hex::decode(self.meta.get(META_LAST_SEED))
                    .map_err(|_| WalletError::InvalidLastSeed)?,
            )
        } else {
            zeroize::Zeroizing::new(self.meta.get(META_SEED).as_bytes().to_vec())
        };
        let mut chain =
            KeyChain::new(&start).map_err(|_| WalletError::MissingSeed("deterministic"))?;
        let pairs = chain.take_keys(n);
        let last_seed = hex::encode(chain.current_seed());
        let entries = self.entries_vec_mut()?;
        let mut added = Vec::with_capacity(n);
        for p in pairs {
            let address = coin.address(&p.public);
            added.push(address.clone());
            entries.push(Entry {
                address,
                public: p.public,
                secret: Some(p.secret),
                child_number: None,
            });
        }
        self.meta.set(META_LAST_SEED, last_seed);
        Ok(added)
    }

    pub(super) fn verify_deterministic(&self) -> Result<(), WalletError> {
        if self.is_encrypted() {
            return Err(WalletError::Encrypted);
        }
        let entries = self.entries();
        let mut chain = KeyChain::new(self.meta.get(META_SEED).as_bytes())
            .map_err(|_| WalletError::MissingSeed("deterministic"))?;
        for e in &entries {
            let p = chain
                .next()
                .ok_or(WalletError::Unsupported("the key chain never ends"))?;
            let derived = self.coin.address(&p.public);
            let secret_ok = e.secret.as_ref().is_none_or(|s| *s == p.secret);
            if p.public != e.public || derived != e.address || !secret_ok {
                return Err(WalletError::DerivationMismatch {
                    address: e.address.clone(),
                    source_name: "seed",
                });
            }
        }
        if !entries.is_empty() && hex::encode(chain.current_seed()) != self.meta.get(META_LAST_SEED)
        {
            return Err(WalletError::LastSeedMismatch);
        }
        Ok(())
    }

    pub(super) fn first_address_deterministic(&self) -> Option<String> {
        if let Some(e) = self.entries().first() {
            return Some(e.address.clone());
        }
        if self.is_encrypted() {
            return None;
        }
        let mut chain = KeyChain::new(self.meta.get(META_SEED).as_bytes()).ok()?;
        chain.next().map(|p| self.coin.address(&p.public))
    }

    pub(super) fn pack_deterministic(&self, ss: &mut Secrets) {
        ss.set(SECRET_SEED, self.meta.get(META_SEED));
        ss.set(SECRET_LAST_SEED, self.meta.get(META_LAST_SEED));
    }

    pub(super) fn unpack_deterministic(&mut self, ss: &Secrets) -> Result<(), WalletError> {
        let seed = ss
            .get(SECRET_SEED)
            .ok_or_else(|| WalletError::MissingSecret(SECRET_SEED.into()))?;
        let last = ss
            .get(SECRET_LAST_SEED)
            .ok_or_else(|| WalletError::MissingSecret(SECRET_LAST_SEED.into()))?;
        self.meta.set(META_SEED, seed);
        self.meta.set(META_LAST_SEED, last);
        Ok(())
    }

    pub(super) fn erase_deterministic(&mut self) {
        self.meta.set(META_SEED, "");
        self.meta.set(META_LAST_SEED, "");
    }
}
