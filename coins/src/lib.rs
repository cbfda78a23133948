//! Pure coin logic for skyx: no I/O, no HTTP, no database.
//!
//! * [`sky`] — Skycoin: hashes, addresses, keys, signatures, the binary
//!   encoding, transactions, blocks, coin hours, wallets, peer messages.
//! * [`btc`] — the Bitcoin family (BTC, LTC, DOGE, BCH, BSV): chain parameters,
//!   addresses, building and signing payments.
//! * [`hd`] — BIP39 mnemonics, BIP32 keys, BIP44/49/84 paths, SLIP-44 coin types.
//! * [`amount`] — amounts of every coin as integer smallest units, read and
//!   written as decimal strings.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod amount;
pub mod btc;
pub mod hd;
pub mod sky;
