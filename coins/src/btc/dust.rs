//! Dust: the smallest output value each coin's default node (or wallet) accepts.
//!
//! Bitcoin, Litecoin, Bitcoin Cash and Bitcoin SV price an output by the fee it
//! would take to create *and* later spend it at the chain's dust relay fee
//! (Bitcoin Core's `GetDustThreshold`); Dogecoin uses a fixed limit.

use bitcoin::Script;
use serde::{Deserialize, Serialize};

/// Bytes of a typical non-witness input spending an output (outpoint, scriptSig, sequence).
pub const LEGACY_SPEND_SIZE: u64 = 32 + 4 + 1 + 107 + 4;
/// Virtual bytes of a typical witness input (the witness counts a quarter).
pub const WITNESS_SPEND_SIZE: u64 = 32 + 4 + 1 + (107 / 4) + 4;

/// How a chain decides an output is dust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DustRule {
    /// Dust when the value is below `multiplier × fee(output size + spend size)` at
    /// `sat_per_kvb` (fee rounded up). Unspendable (OP_RETURN) outputs are never dust.
    RelayFee {
        /// The dust relay fee, satoshis per 1000 bytes.
        sat_per_kvb: u64,
        /// How many times that fee an output must be worth.
        multiplier: u64,
    },
    /// Dust when the value is below this fixed amount (Dogecoin: 0.01 DOGE).
    Fixed(u64),
}

impl DustRule {
    /// The lowest non-dust value for an output paying to `script_pubkey`.
    pub fn threshold(&self, script_pubkey: &Script) -> u64 {
        match *self {
            DustRule::Fixed(v) => v,
            DustRule::RelayFee {
                sat_per_kvb,
                multiplier,
            } => {
                if script_pubkey.is_op_return() {
                    return 0;
                }
                let spend = if script_pubkey.is_witness_program() {
                    WITNESS_SPEND_SIZE
                } else {
                    LEGACY_SPEND_SIZE
                };
                let size = txout_size(script_pubkey) + spend;
                let fee = u128::from(sat_per_kvb) * u128::from(size) * u128::from(multiplier);
                u64::try_from(fee.div_ceil(1000)).unwrap_or(u64::MAX)
            }
        }
    }

    /// Whether `value` paid to `script_pubkey` is dust.
    pub fn is_dust(&self, script_pubkey: &Script, value: u64) -> bool {
        value < self.threshold(script_pubkey)
    }
}

/// Serialized size of an output: value, script length prefix, script.
fn txout_size(script_pubkey: &Script) -> u64 {
    let len = script_pubkey.len();
    let prefix = bitcoin::consensus::encode::VarInt(len as u64).size();
    (8 + prefix + len) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::Hash;
    use bitcoin::{PubkeyHash, ScriptBuf, ScriptHash, WPubkeyHash, WScriptHash};

    const BTC: DustRule = DustRule::RelayFee {
        sat_per_kvb: 3000,
        multiplier: 1,
    };

    #[test]
    fn bitcoin_core_thresholds() {
        let p2pkh = ScriptBuf::new_p2pkh(&PubkeyHash::all_zeros());
        let p2sh = ScriptBuf::new_p2sh(&ScriptHash::all_zeros());
        let p2wpkh = ScriptBuf::new_p2wpkh(&WPubkeyHash::all_zeros());
        let p2wsh = ScriptBuf::new_p2wsh(&WScriptHash::all_zeros());
        assert_eq!(BTC.threshold(&p2pkh), 546);
        assert_eq!(BTC.threshold(&p2sh), 540);
        assert_eq!(BTC.threshold(&p2wpkh), 294);
        assert_eq!(BTC.threshold(&p2wsh), 330);
        assert!(BTC.is_dust(&p2pkh, 545));
        assert!(!BTC.is_dust(&p2pkh, 546));
        let bch = DustRule::RelayFee {
            sat_per_kvb: 1000,
            multiplier: 3,
        };
        assert_eq!(bch.threshold(&p2pkh), 546);
        assert_eq!(DustRule::Fixed(1_000_000).threshold(&p2pkh), 1_000_000);
        assert_eq!(BTC.threshold(&ScriptBuf::new_op_return([1u8; 4])), 0);
    }
}
