//! Private chains: synthetic chain generation for private networks,
//! benchmarks and crash tests.
//!
//! [`generate()`] builds a valid signed Skycoin chain from a seed: a genesis
//! block paying 100,000,000 SKY to the first key of the seed's deterministic
//! wallet, then blocks of signed transactions between a growing pool of that
//! wallet's addresses, with fan-in and fan-out, varied amounts and burned
//! coin hours. Every block passes the full validator
//! ([`UnspentSet::apply`](skyx_coins::sky::chain::UnspentSet::apply)) and
//! every transaction the soft rules, except that blocks may be wider than
//! mainnet's 32 KiB (see [`generate`](mod@generate)). The same options give
//! the same chain byte for byte.

pub mod builder;
pub mod file;
pub mod generate;
pub mod keys;
pub mod options;
pub mod rng;
pub mod unspent;
pub mod wallet_pool;

pub use file::generate_to_file;
pub use generate::{chain_spec, generate, generate_blocks, GenerateError, GenerateSummary};
pub use options::{GenerateOptions, OptionsError};
