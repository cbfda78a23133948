//! Hierarchical deterministic keys: BIP39, BIP32, BIP44/49/84, SLIP-44.
//!
//! * [`mnemonic`] — BIP39 sentences in every language of the `bip39` crate,
//!   seeds (PBKDF2-HMAC-SHA512, NFKD), mnemonics from entropy.
//! * [`account`] — BIP32 master keys, accounts `m/purpose'/coin'/account'` and
//!   their receive/change keys.
//! * [`path`] — path strings (`m/44'/0'/0'/0/1`, `h`/`H` accepted) and [`HdPath`].
//! * [`slip44`] — coin types (BTC 0, testnets 1, LTC 2, DOGE 3, BCH 145, BSV 236,
//!   SKY 8000) and [`HdCoin`] / [`HdNetwork`].
//! * [`version`] — extended-key version bytes (xpub/ypub/zpub, tpub/upub/vpub,
//!   Ltub/Mtub, ...).
//! * [`xkey`] — extended-key serialization and strict parsing.
//!
//! Everything here is pure computation: no I/O, no randomness (new mnemonics are
//! made from entropy the caller supplies).

pub mod account;
pub mod error;
pub mod mnemonic;
pub mod path;
pub mod slip44;
pub mod version;
pub mod xkey;

pub use account::{
    derive_account_keys, derive_key, derive_public_keys, derive_xpriv, derive_xpub, master_key,
    to_xpub, Account, AccountExport, DerivedKey,
};
pub use error::HdError;
pub use mnemonic::{
    mnemonic_entropy, mnemonic_from_entropy, parse_mnemonic, seed_from_mnemonic,
    seed_from_phrase_unchecked, validate_mnemonic, Language, Mnemonic,
};
pub use path::{format_derivation_path, parse_derivation_path, HdPath, Purpose};
pub use slip44::{HdCoin, HdNetwork};
pub use version::KeyVersions;
pub use xkey::{
    encode_xpriv, encode_xpub, parse_extended_key, parse_xpriv, parse_xpub, ExtendedKey,
    ParsedExtendedKey,
};
