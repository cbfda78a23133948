//! Bip44 wallets (`src/wallet/bip44wallet/`): BIP39 mnemonic (+ optional
//! seed passphrase) → BIP32 master → account `m/44'/coin'/account'`, whose
//! external (`/0`) and change (`/1`) chains hold the addresses. A new wallet
//! starts with account 0 "default", external/0 and change/0.

use bip39::{Language, Mnemonic};
use bitcoin::bip32::{ChildNumber, Xpriv, Xpub};
use bitcoin::NetworkKind;
use secp256k1::SECP256K1;
use zeroize::Zeroizing;

use super::entry::{Bip44Account, Bip44Chain, CHANGE_CHAIN, EXTERNAL_CHAIN};
use super::meta::{META_BIP44_COIN, META_SEED, META_SEED_PASSPHRASE};
use super::secrets::{SECRET_SEED, SECRET_SEED_PASSPHRASE};
use super::xpub::xpub_child;
use super::{Body, Coin, Entry, NewWalletOptions, Secrets, Wallet, WalletError, WalletType};

/// Name of the account a new wallet starts with.
pub const DEFAULT_ACCOUNT_NAME: &str = "default";

fn bip32_err(e: bitcoin::bip32::Error) -> WalletError {
    WalletError::Bip32(e.to_string())
}

fn hardened(i: u32) -> Result<ChildNumber, WalletError> {
    ChildNumber::from_hardened_idx(i).map_err(bip32_err)
}

fn normal(i: u32) -> Result<ChildNumber, WalletError> {
    ChildNumber::from_normal_idx(i).map_err(bip32_err)
}

/// The account key `m/44'/coin'/index'` of a mnemonic and passphrase.
pub fn account_key(
    mnemonic: &str,
    passphrase: &str,
    bip44_coin: u32,
    index: u32,
) -> Result<Xpriv, WalletError> {
    let m = Mnemonic::parse_in(Language::English, mnemonic)
        .map_err(|e| WalletError::InvalidMnemonic(e.to_string()))?;
    let seed = Zeroizing::new(m.to_seed(passphrase));
    let mut master = Xpriv::new_master(NetworkKind::Main, &seed[..]).map_err(bip32_err)?;
    let account = master.derive_priv(
        SECP256K1,
        &[hardened(44)?, hardened(bip44_coin)?, hardened(index)?],
    );
    master.private_key.non_secure_erase();
    account.map_err(bip32_err)
}

/// The chain key `account/chain` as an extended public key.
pub fn chain_xpub(account: &Xpriv, chain: u32) -> Result<Xpub, WalletError> {
    let mut k = account
        .derive_priv(SECP256K1, &[normal(chain)?])
        .map_err(bip32_err)?;
    let xpub = Xpub::from_priv(SECP256K1, &k);
    k.private_key.non_secure_erase();
    Ok(xpub)
}

/// The secret key `account/chain/index`.
pub fn entry_secret(
    account: &Xpriv,
    chain: u32,
    index: u32,
) -> Result<secp256k1::SecretKey, WalletError> {
    account
        .derive_priv(SECP256K1, &[normal(chain)?, normal(index)?])
        .map(|k| k.private_key)
        .map_err(bip32_err)
}

fn new_account(
    mnemonic: &str,
    passphrase: &str,
    bip44_coin: u32,
    index: u32,
    name: &str,
    coin: Coin,
) -> Result<Bip44Account, WalletError> {
    let key = account_key(mnemonic, passphrase, bip44_coin, index)?;
    let chains = vec![
        Bip44Chain {
            public_key: chain_xpub(&key, EXTERNAL_CHAIN)?,
            chain: EXTERNAL_CHAIN,
            entries: Vec::new(),
        },
        Bip44Chain {
            public_key: chain_xpub(&key, CHANGE_CHAIN)?,
            chain: CHANGE_CHAIN,
            entries: Vec::new(),
        },
    ];
    Ok(Bip44Account {
        private_key: Some(key),
        name: name.to_string(),
        index,
        coin_type: coin.as_str().to_string(),
        chains,
    })
}

impl Wallet {
    /// A new bip44 wallet: account 0 with `n` external addresses (at least
    /// one, as the reference) and one change address.
    pub fn new_bip44(
        opts: &NewWalletOptions,
        mnemonic: &str,
        seed_passphrase: &str,
        n: usize,
    ) -> Result<Wallet, WalletError> {
        let coin = opts.coin;
        let account = new_account(
            mnemonic,
            seed_passphrase,
            coin.bip44_coin(),
            0,
            DEFAULT_ACCOUNT_NAME,
            coin,
        )?;
        let mut w = Wallet::blank(opts, WalletType::Bip44, Body::Accounts(vec![account]));
        w.meta.set(META_SEED, mnemonic);
        w.meta.set(META_SEED_PASSPHRASE, seed_passphrase);
        w.meta.set(META_BIP44_COIN, coin.bip44_coin().to_string());
        w.generate_bip44_addresses(0, EXTERNAL_CHAIN, n.max(1))?;
        w.generate_bip44_addresses(0, CHANGE_CHAIN, 1)?;
        Ok(w)
    }

    /// Appends `n` addresses to `chain` (0 external, 1 change) of bip44
    /// account `account`; works on encrypted wallets too (public derivation,
    /// secrets are derived on unlock). On error the wallet is unchanged.
    pub fn generate_bip44_addresses(
        &mut self,
        account: u32,
        chain: u32,
        n: usize,
    ) -> Result<Vec<String>, WalletError> {
        self.grow(|w| w.append_bip44_addresses(account, chain, n))
    }

    fn append_bip44_addresses(
        &mut self,
        account: u32,
        chain: u32,
        n: usize,
    ) -> Result<Vec<String>, WalletError> {
        let Body::Accounts(accounts) = &mut self.body else {
            return Err(WalletError::Unsupported("only bip44 wallets have accounts"));
        };
        let a = accounts
            .iter_mut()
            .find(|a| a.index == account)
            .ok_or(WalletError::Unsupported("no such bip44 account"))?;
        let coin = Coin::resolve(&a.coin_type).unwrap_or(self.coin);
        let private_key = a.private_key;
        let c = a
            .chains
            .iter_mut()
            .find(|c| c.chain == chain)
            .ok_or_else(|| WalletError::InvalidChain(chain.to_string()))?;
        let mut added = Vec::with_capacity(n);
        for _ in 0..n {
            let index = u32::try_from(c.entries.len())
                .ok()
                .filter(|i| *i < 0x8000_0000)
                .ok_or_else(|| WalletError::Bip32("chain is full".into()))?;
            let public = xpub_child(&c.public_key, index)?;
            let secret = match &private_key {
                Some(k) => Some(entry_secret(k, chain, index)?),
                None => None,
            };
            let address = coin.address(&public);
            added.push(address.clone());
            c.entries.push(Entry {
                address,
                public,
                secret,
                child_number: Some(index),
            });
        }
        Ok(added)
    }

    pub(super) fn verify_bip44(&self) -> Result<(), WalletError> {
        let encrypted = self.is_encrypted();
        let bip44_coin: u32 =
            self.meta.get(META_BIP44_COIN).parse().map_err(|_| {
                WalletError::InvalidBip44Coin(self.meta.get(META_BIP44_COIN).into())
            })?;
        let mismatch = |address: &str, source_name: &'static str| WalletError::DerivationMismatch {
            address: address.to_string(),
            source_name,
        };
        for a in self.accounts() {
            let coin = Coin::resolve(&a.coin_type).unwrap_or(self.coin);
            let key = if encrypted {
                None
            } else {
                let k = account_key(
                    self.meta.get(META_SEED),
                    self.meta.get(META_SEED_PASSPHRASE),
                    bip44_coin,
                    a.index,
                )?;
                if a.private_key.is_some_and(|pk| pk != k) {
                    return Err(mismatch(&a.secret_key_name(), "seed"));
                }
                Some(k)
            };
            for c in &a.chains {
                if let Some(k) = &key {
                    if chain_xpub(k, c.chain)? != c.public_key {
                        return Err(mismatch(&c.public_key.to_string(), "account key"));
                    }
                }
                for (i, e) in c.entries.iter().enumerate() {
                    let index = e.child_number.unwrap_or(0);
                    if index as usize != i {
                        return Err(mismatch(&e.address, "chain order"));
                    }
                    let public = xpub_child(&c.public_key, index)?;
                    if public != e.public || coin.address(&public) != e.address {
                        return Err(mismatch(&e.address, "chain xpub"));
                    }
                    if let (Some(k), Some(s)) = (&key, &e.secret) {
                        if entry_secret(k, c.chain, index)? != *s {
                            return Err(mismatch(&e.address, "account key"));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) fn first_address_bip44(&self) -> Option<String> {
        let a = self.accounts().first()?;
        let c = a.chains.iter().find(|c| c.chain == EXTERNAL_CHAIN)?;
        if let Some(e) = c.entries.first() {
            return Some(e.address.clone());
        }
        let coin = Coin::resolve(&a.coin_type).unwrap_or(self.coin);
        xpub_child(&c.public_key, 0).ok().map(|p| coin.address(&p))
    }

    pub(super) fn pack_bip44(&self, ss: &mut Secrets) {
        ss.set(SECRET_SEED, self.meta.get(META_SEED));
        ss.set(SECRET_SEED_PASSPHRASE, self.meta.get(META_SEED_PASSPHRASE));
        for a in self.accounts() {
            if let Some(k) = &a.private_key {
                ss.set(a.secret_key_name(), k.to_string());
            }
        }
    }

    /// Restores seed, passphrase and account keys; entries with no secret in
    /// `ss` get theirs derived from the account key (the reference's
    /// `syncSecrets`).
    pub(super) fn unpack_bip44(&mut self, ss: &Secrets) -> Result<(), WalletError> {
        let seed = ss
            .get(SECRET_SEED)
            .ok_or_else(|| WalletError::MissingSecret(SECRET_SEED.into()))?;
        self.meta.set(META_SEED, seed);
        self.meta.set(
            META_SEED_PASSPHRASE,
            ss.get(SECRET_SEED_PASSPHRASE).unwrap_or(""),
        );
        let Body::Accounts(accounts) = &mut self.body else {
            return Ok(());
        };
        for a in accounts.iter_mut() {
            let name = a.secret_key_name();
            let text = ss.get(&name).ok_or(WalletError::MissingSecret(name))?;
            let key: Xpriv = text.parse().map_err(|_| WalletError::InvalidXpriv)?;
            for c in &mut a.chains {
                for e in &mut c.entries {
                    if ss.get(&e.address).is_none() {
                        e.secret = Some(entry_secret(&key, c.chain, e.child_number.unwrap_or(0))?);
                    }
                }
            }
            a.private_key = Some(key);
        }
        Ok(())
    }

    pub(super) fn erase_bip44(&mut self) {
        self.meta.set(META_SEED, "");
        self.meta.set(META_SEED_PASSPHRASE, "");
        if let Body::Accounts(accounts) = &mut self.body {
            for a in accounts {
                a.erase_secrets();
            }
        }
    }
}
