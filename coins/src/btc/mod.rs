//! The Bitcoin family: BTC, LTC, DOGE and the FORKID chains BCH/BSV.
//!
//! * [`params`](mod@params) — coins, networks and their chain parameters.
//! * [`address`] — addresses (base58, bech32/bech32m, [`cashaddr`]) and [`wif`] keys.
//! * [`sighash`], [`forkid`] — signature hashes: legacy, BIP143 segwit v0, FORKID.
//! * [`payment`] — building and signing payments, with [`fee`] rates and [`dust`] rules.
//! * [`select`] — coin selection with the fee estimate of typical input and output sizes.
//! * [`block`] — block parsing, including Dogecoin AuxPoW headers and Litecoin MWEB.

pub mod address;
pub mod block;
pub mod cashaddr;
pub mod dust;
pub mod fee;
pub mod forkid;
pub mod params;
pub mod payment;
pub mod select;
pub mod sighash;
pub mod wif;

pub use address::{Address, AddressError, AddressKind};
pub use fee::FeeRate;
pub use params::{params, ChainParams, Coin, Network, ParamsError};
pub use payment::{build_and_sign, PaymentError, PaymentRequest, Recipient, SignedPayment, Utxo};
pub use sighash::SpendKind;
pub use wif::PrivateKey;
