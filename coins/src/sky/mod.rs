//! Skycoin, byte-exact with the Go reference node (see `SKYCOIN-FORMAT.md`).

pub mod address;
pub mod block;
pub mod chain;
pub mod coin_hours;
pub mod create;
pub mod droplet;
pub mod encoding;
pub mod hash;
pub mod keys;
pub mod params;
pub mod peer;
pub mod signature;
pub mod transaction;
pub mod transaction_view;
pub mod uxout;
pub mod wallet;

#[cfg(test)]
pub(crate) mod test_vectors;
