//! What to generate: chain length, block width, seed and clock.

use skyx_coins::sky::block::MAX_BLOCK_TRANSACTIONS;

/// Seed used when none is given.
pub const DEFAULT_SEED: &str = "skyx-devnet";

/// Genesis time used when none is given (2025-01-01T00:00:00Z); fixed so that
/// the default chain is the same on every machine.
pub const DEFAULT_START_TIME: u64 = 1_735_689_600;

/// Seconds between blocks when not given: one hour, so every whole coin earns
/// one coin hour per block.
pub const DEFAULT_BLOCK_INTERVAL_SECS: u64 = 3600;

/// Parameters of a synthetic chain. The same options always give the same
/// chain, byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateOptions {
    /// Blocks after the genesis block (the file holds `blocks + 1` blocks).
    pub blocks: u64,
    /// Transactions per block once the genesis coins are spread (the first
    /// few blocks have fewer, since only existing outputs can be spent).
    pub txs_per_block: u32,
    /// Seed text: wallet keys are the Skycoin deterministic wallet of this
    /// seed, the publisher key comes from a derived seed.
    pub seed: String,
    /// Genesis block time (Unix seconds).
    pub start_time: u64,
    /// Seconds between consecutive blocks (at least 1).
    pub block_interval_secs: u64,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            blocks: 100,
            txs_per_block: 100,
            seed: DEFAULT_SEED.to_string(),
            start_time: DEFAULT_START_TIME,
            block_interval_secs: DEFAULT_BLOCK_INTERVAL_SECS,
        }
    }
}

/// Options that cannot give a valid chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionsError {
    /// The seed text is empty.
    #[error("the seed must not be empty")]
    EmptySeed,
    /// Zero transactions per block.
    #[error("txs_per_block must be at least 1")]
    NoTransactions,
    /// More transactions per block than a block can hold.
    #[error("txs_per_block {0} exceeds the block limit of {MAX_BLOCK_TRANSACTIONS}")]
    TooManyTransactions(u32),
    /// Block times must strictly increase.
    #[error("block_interval_secs must be at least 1")]
    ZeroInterval,
    /// The last block's time does not fit in 64 bits.
    #[error("the last block time overflows 64 bits")]
    TimeOverflow,
}

impl GenerateOptions {
    /// Checks the options.
    pub fn validate(&self) -> Result<(), OptionsError> {
        if self.seed.is_empty() {
            return Err(OptionsError::EmptySeed);
        }
        if self.txs_per_block == 0 {
            return Err(OptionsError::NoTransactions);
        }
        if self.txs_per_block as usize > MAX_BLOCK_TRANSACTIONS {
            return Err(OptionsError::TooManyTransactions(self.txs_per_block));
        }
        if self.block_interval_secs == 0 {
            return Err(OptionsError::ZeroInterval);
        }
        self.block_time(self.blocks)?;
        Ok(())
    }

    /// Time of block `seq`: `start_time + seq · block_interval_secs`.
    pub fn block_time(&self, seq: u64) -> Result<u64, OptionsError> {
        seq.checked_mul(self.block_interval_secs)
            .and_then(|d| d.checked_add(self.start_time))
            .ok_or(OptionsError::TimeOverflow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_options_are_named() {
        assert_eq!(GenerateOptions::default().validate(), Ok(()));
        let bad = |f: fn(&mut GenerateOptions)| {
            let mut o = GenerateOptions::default();
            f(&mut o);
            o.validate()
        };
        assert_eq!(bad(|o| o.seed.clear()), Err(OptionsError::EmptySeed));
        assert_eq!(
            bad(|o| o.txs_per_block = 0),
            Err(OptionsError::NoTransactions)
        );
        assert_eq!(
            bad(|o| o.txs_per_block = 70_000),
            Err(OptionsError::TooManyTransactions(70_000))
        );
        assert_eq!(
            bad(|o| o.block_interval_secs = 0),
            Err(OptionsError::ZeroInterval)
        );
        assert_eq!(
            bad(|o| o.blocks = u64::MAX),
            Err(OptionsError::TimeOverflow)
        );
    }
}
