//! Coin selection: which spendable outputs pay for a payment, chosen
//! largest first with a fee estimate from typical input and output sizes.

use super::{FeeRate, SpendKind};

/// Transaction overhead in virtual bytes (version, counts, lock time, segwit marker).
const OVERHEAD_VB: u64 = 11;

/// Virtual size of a signed input of `kind`.
pub fn input_vsize(kind: SpendKind) -> u64 {
    match kind {
        SpendKind::P2pkh => 148,
        SpendKind::P2shP2wpkh => 91,
        SpendKind::P2wpkh => 68,
    }
}

/// Virtual size of an output whose script is `script_len` bytes.
pub fn output_vsize(script_len: usize) -> u64 {
    8 + 1 + script_len as u64
}

/// A spendable output as coin selection sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// Value in satoshis.
    pub value: u64,
    /// How it is spent.
    pub kind: SpendKind,
}

/// What selection could not do: the spendable total and what was needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shortfall {
    /// Sum of all candidates.
    pub available: u64,
    /// Amount plus the estimated fee with every candidate spent.
    pub needed: u64,
}

/// Picks candidates (indexes into `candidates`) largest first until they cover
/// `amount` plus the estimated fee of a transaction with the given outputs.
pub fn select(
    candidates: &[Candidate],
    amount: u64,
    fee_rate: FeeRate,
    output_sizes: &[u64],
) -> Result<Vec<usize>, Shortfall> {
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|a, b| candidates[*b].value.cmp(&candidates[*a].value));
    let outputs: u64 = output_sizes.iter().sum();
    let mut vsize = OVERHEAD_VB + outputs;
    let mut total: u64 = 0;
    let mut picked = Vec::new();
    let mut needed = amount;
    for i in order {
        let c = candidates[i];
        picked.push(i);
        total = total.saturating_add(c.value);
        vsize += input_vsize(c.kind);
        let fee = fee_rate.fee_for_vsize(vsize).unwrap_or(u64::MAX);
        needed = amount.saturating_add(fee);
        if total >= needed {
            return Ok(picked);
        }
    }
    Err(Shortfall {
        available: total,
        needed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(value: u64) -> Candidate {
        Candidate {
            value,
            kind: SpendKind::P2wpkh,
        }
    }

    #[test]
    fn largest_first_with_fee() {
        let rate = FeeRate::from_sat_per_vb(1);
        let cands = [c(1_000), c(50_000), c(20_000)];
        assert_eq!(select(&cands, 40_000, rate, &[31, 31]), Ok(vec![1]));
        assert_eq!(select(&cands, 50_000, rate, &[31, 31]), Ok(vec![1, 2]));
        let short = select(&cands, 71_000, rate, &[31, 31]).unwrap_err();
        assert_eq!(short.available, 71_000);
        assert!(short.needed > 71_000);
        assert!(select(&[], 1, rate, &[31]).is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(output_vsize(22), 31);
        assert_eq!(output_vsize(25), 34);
        assert!(input_vsize(SpendKind::P2pkh) > input_vsize(SpendKind::P2wpkh));
    }
}
