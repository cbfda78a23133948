//! BIP32 master keys, BIP44/49/84 accounts and the keys of their chains.
//!
//! An account is the hardened node `m/purpose'/coin_type'/account'`; its chain
//! 0 holds receive keys and chain 1 change keys. Skycoin bip44 wallets use the
//! same scheme with coin type 8000.

use std::sync::OnceLock;

use bitcoin::bip32::{ChildNumber, DerivationPath, Xpriv, Xpub};
use bitcoin::secp256k1::{All, PublicKey, Secp256k1, SecretKey};
use bitcoin::NetworkKind;
use serde::Serialize;

use super::path::{self, format_derivation_path, HdPath, Purpose, HARDENED};
use super::version::KeyVersions;
use super::xkey::{encode_xpriv, encode_xpub};
use super::HdError;

/// The process-wide secp256k1 context.
pub(crate) fn secp() -> &'static Secp256k1<All> {
    static CTX: OnceLock<Secp256k1<All>> = OnceLock::new();
    CTX.get_or_init(Secp256k1::new)
}

/// One derived key pair and the path it was derived at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerivedKey {
    /// Path string such as `m/44'/0'/0'/0/3`.
    pub path: String,
    /// The private key.
    pub secret: SecretKey,
    /// The compressed public key.
    pub public: PublicKey,
}

/// The BIP32 master key of a 16- to 64-byte seed.
pub fn master_key(seed: &[u8]) -> Result<Xpriv, HdError> {
    if !(16..=64).contains(&seed.len()) {
        return Err(HdError::InvalidSeedLength(seed.len()));
    }
    Ok(Xpriv::new_master(NetworkKind::Main, seed)?)
}

/// Derives the extended private key at `path` below a key.
pub fn derive_xpriv(parent: &Xpriv, path: &DerivationPath) -> Result<Xpriv, HdError> {
    Ok(parent.derive_priv(secp(), path)?)
}

/// Derives the extended public key at a non-hardened `path` below a public key.
pub fn derive_xpub(parent: &Xpub, path: &DerivationPath) -> Result<Xpub, HdError> {
    if let Some(ChildNumber::Hardened { index }) = path.into_iter().find(|c| c.is_hardened()) {
        return Err(HdError::HardenedFromPublic(*index));
    }
    Ok(parent.derive_pub(secp(), path)?)
}

/// The extended public key of an extended private key.
pub fn to_xpub(key: &Xpriv) -> Xpub {
    Xpub::from_priv(secp(), key)
}

/// Derives the key pair at a BIP44/49/84 path from a seed.
pub fn derive_key(seed: &[u8], path: &HdPath) -> Result<DerivedKey, HdError> {
    let key = derive_xpriv(&master_key(seed)?, &path.to_derivation_path()?)?;
    Ok(DerivedKey {
        path: path.to_string(),
        secret: key.private_key,
        public: key.private_key.public_key(secp()),
    })
}

/// Keys `m/purpose'/coin_type'/account'/change/i` for `i` in `start..start + count`.
pub fn derive_account_keys(
    seed: &[u8],
    purpose: Purpose,
    coin_type: u32,
    account: u32,
    change: u32,
    start: u32,
    count: u32,
) -> Result<Vec<DerivedKey>, HdError> {
    Account::from_seed(seed, purpose, coin_type, account)?.derive_keys(change, start, count)
}

/// Public keys `i` in `start..start + count` of a chain's extended public key (watch-only).
pub fn derive_public_keys(
    chain: &Xpub,
    start: u32,
    count: u32,
) -> Result<Vec<(u32, PublicKey)>, HdError> {
    index_range(start, count)?
        .map(|i| {
            let child = chain.ckd_pub(secp(), ChildNumber::Normal { index: i })?;
            Ok((i, child.public_key))
        })
        .collect()
}

/// A BIP44/49/84 account node and its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Account {
    /// Purpose level of the account.
    pub purpose: Purpose,
    /// SLIP-44 coin type of the account.
    pub coin_type: u32,
    /// Account number.
    pub account: u32,
    /// Extended private key of `m/purpose'/coin_type'/account'`.
    pub xpriv: Xpriv,
}

/// An account's path and extended keys as strings, for export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountExport {
    /// Account path such as `m/84'/0'/0'`.
    pub path: String,
    /// Extended private key (e.g. `zprv...`).
    pub xprv: String,
    /// Extended public key (e.g. `zpub...`).
    pub xpub: String,
}

impl Account {
    /// Derives account `account` of a purpose and coin type from a seed.
    pub fn from_seed(
        seed: &[u8],
        purpose: Purpose,
        coin_type: u32,
        account: u32,
    ) -> Result<Account, HdError> {
        let path = path::account_path(purpose, coin_type, account)?;
        let xpriv = derive_xpriv(&master_key(seed)?, &path)?;
        Ok(Account {
            purpose,
            coin_type,
            account,
            xpriv,
        })
    }

    /// Wraps an account's extended private key read back from storage (e.g. a wallet file).
    pub fn from_xpriv(
        purpose: Purpose,
        coin_type: u32,
        account: u32,
        xpriv: Xpriv,
    ) -> Result<Account, HdError> {
        path::check_index("coin type", coin_type)?;
        path::check_index("account", account)?;
        Ok(Account {
            purpose,
            coin_type,
            account,
            xpriv,
        })
    }

    /// The account's derivation path.
    pub fn path(&self) -> Result<DerivationPath, HdError> {
        path::account_path(self.purpose, self.coin_type, self.account)
    }

    /// The account path as a string, e.g. `m/44'/0'/0'`.
    pub fn path_string(&self) -> String {
        format!(
            "m/{}'/{}'/{}'",
            self.purpose.number(),
            self.coin_type,
            self.account
        )
    }

    /// The account's extended public key.
    pub fn xpub(&self) -> Xpub {
        to_xpub(&self.xpriv)
    }

    /// The account's extended private key written with `versions`.
    pub fn xpriv_string(&self, versions: KeyVersions) -> String {
        encode_xpriv(&self.xpriv, versions)
    }

    /// The account's extended public key written with `versions`.
    pub fn xpub_string(&self, versions: KeyVersions) -> String {
        encode_xpub(&self.xpub(), versions)
    }

    /// Path and both extended keys as strings.
    pub fn export(&self, versions: KeyVersions) -> AccountExport {
        AccountExport {
            path: self.path_string(),
            xprv: self.xpriv_string(versions),
            xpub: self.xpub_string(versions),
        }
    }

    /// Extended private key of chain `change` (0 receive, 1 change).
    pub fn chain_xpriv(&self, change: u32) -> Result<Xpriv, HdError> {
        let step = path::normal(change, "change")?;
        derive_xpriv(&self.xpriv, &DerivationPath::from(vec![step]))
    }

    /// Extended public key of chain `change`, for watch-only address generation.
    pub fn chain_xpub(&self, change: u32) -> Result<Xpub, HdError> {
        Ok(to_xpub(&self.chain_xpriv(change)?))
    }

    /// Key pairs `change/i` for `i` in `start..start + count`.
    pub fn derive_keys(
        &self,
        change: u32,
        start: u32,
        count: u32,
    ) -> Result<Vec<DerivedKey>, HdError> {
        let range = index_range(start, count)?;
        let chain = self.chain_xpriv(change)?;
        let chain_path = self.path()?.extend([path::normal(change, "change")?]);
        range
            .map(|i| {
                let key = derive_xpriv(
                    &chain,
                    &DerivationPath::from(vec![path::normal(i, "address index")?]),
                )?;
                Ok(DerivedKey {
                    path: format!("{}/{i}", format_derivation_path(&chain_path)),
                    secret: key.private_key,
                    public: key.private_key.public_key(secp()),
                })
            })
            .collect()
    }
}

/// The indexes `start..start + count`, all below 2^31.
fn index_range(start: u32, count: u32) -> Result<std::ops::Range<u32>, HdError> {
    let end = u64::from(start) + u64::from(count);
    if end > u64::from(HARDENED) {
        return Err(HdError::IndexOutOfRange {
            what: "last address index",
            value: end - 1,
        });
    }
    // `end` fits: it is at most 2^31.
    Ok(start..start + count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_length_is_checked() {
        assert_eq!(master_key(&[1u8; 15]), Err(HdError::InvalidSeedLength(15)));
        assert_eq!(master_key(&[1u8; 65]), Err(HdError::InvalidSeedLength(65)));
        assert!(master_key(&[1u8; 16]).is_ok());
    }

    #[test]
    fn ranges_are_checked() {
        let seed = [7u8; 32];
        assert!(derive_account_keys(&seed, Purpose::Bip44, 0, 0, 0, HARDENED - 1, 1).is_ok());
        assert!(matches!(
            derive_account_keys(&seed, Purpose::Bip44, 0, 0, 0, HARDENED - 1, 2),
            Err(HdError::IndexOutOfRange { .. })
        ));
        assert!(matches!(
            derive_account_keys(&seed, Purpose::Bip44, 0, HARDENED, 0, 0, 1),
            Err(HdError::IndexOutOfRange {
                what: "account",
                ..
            })
        ));
        assert_eq!(
            derive_account_keys(&seed, Purpose::Bip44, 0, 0, 0, 5, 0),
            Ok(vec![])
        );
    }

    #[test]
    fn keys_match_between_paths_and_accounts() {
        let seed = [9u8; 64];
        let keys = derive_account_keys(&seed, Purpose::Bip84, 0, 1, 1, 3, 2).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[1].path, "m/84'/0'/1'/1/4");
        let one = derive_key(&seed, &HdPath::new(Purpose::Bip84, 0, 1, 1, 4).unwrap()).unwrap();
        assert_eq!(keys[1], one);
        let account = Account::from_seed(&seed, Purpose::Bip84, 0, 1).unwrap();
        let public = derive_public_keys(&account.chain_xpub(1).unwrap(), 3, 2).unwrap();
        assert_eq!(public, vec![(3, keys[0].public), (4, keys[1].public)]);
        let hardened: DerivationPath = "m/0'".parse().unwrap();
        assert_eq!(
            derive_xpub(&account.xpub(), &hardened),
            Err(HdError::HardenedFromPublic(0))
        );
    }
}
