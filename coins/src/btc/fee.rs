//! Fee rates in integer satoshis per 1000 virtual bytes, and the fee they ask
//! for a given virtual size (rounded up, never a float).

use serde::{Deserialize, Serialize};

/// A fee rate in satoshis (koinu for Dogecoin) per 1000 virtual bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FeeRate {
    sat_per_kvb: u64,
}

impl FeeRate {
    /// A rate given in satoshis per 1000 virtual bytes.
    pub const fn from_sat_per_kvb(sat_per_kvb: u64) -> Self {
        FeeRate { sat_per_kvb }
    }

    /// A rate given in whole satoshis per virtual byte (saturates on overflow).
    pub const fn from_sat_per_vb(sat_per_vb: u64) -> Self {
        FeeRate {
            sat_per_kvb: sat_per_vb.saturating_mul(1000),
        }
    }

    /// The rate in satoshis per 1000 virtual bytes.
    pub const fn sat_per_kvb(self) -> u64 {
        self.sat_per_kvb
    }

    /// The fee for `vsize` virtual bytes, rounded up; `None` on overflow.
    pub fn fee_for_vsize(self, vsize: u64) -> Option<u64> {
        let product = u128::from(self.sat_per_kvb) * u128::from(vsize);
        u64::try_from(product.div_ceil(1000)).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_up() {
        let r = FeeRate::from_sat_per_kvb(1500);
        assert_eq!(r.fee_for_vsize(1), Some(2));
        assert_eq!(r.fee_for_vsize(2), Some(3));
        assert_eq!(FeeRate::from_sat_per_vb(7).fee_for_vsize(141), Some(987));
        assert_eq!(
            FeeRate::from_sat_per_kvb(u64::MAX).fee_for_vsize(u64::MAX),
            None
        );
    }
}
