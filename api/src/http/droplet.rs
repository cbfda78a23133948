//! Coin amounts as the reference prints and reads them: droplets (10⁻⁶ SKY)
//! shown as decimal strings with six places, computed with integers only.

use skyx_coins::sky::coin_hours::DROPLETS_PER_COIN;

/// Formats droplets as `"<coins>.<six digits>"` (`droplet.ToString`).
pub fn to_string(droplets: u64) -> String {
    format!(
        "{}.{:06}",
        droplets / DROPLETS_PER_COIN,
        droplets % DROPLETS_PER_COIN
    )
}

/// Why a decimal coin string is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Not a plain non-negative decimal number.
    #[error("can't convert {0} to decimal")]
    Syntax(String),
    /// More than six decimal places.
    #[error("Droplet string conversion failed: Too many decimal places")]
    TooManyDecimals,
    /// Does not fit in 64 bits of droplets.
    #[error("Droplet string conversion failed: Value is too large")]
    TooLarge,
    /// Negative amounts are not coins.
    #[error("Droplet string conversion failed: Negative balance")]
    Negative,
}

/// Parses a decimal coin string into droplets (`droplet.FromString`).
pub fn from_str(s: &str) -> Result<u64, AmountError> {
    let t = s.trim();
    if let Some(rest) = t.strip_prefix('-') {
        if !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Err(AmountError::Negative);
        }
        return Err(AmountError::Syntax(s.to_string()));
    }
    let t = t.strip_prefix('+').unwrap_or(t);
    let (int, frac) = match t.split_once('.') {
        Some((i, f)) => (i, f),
        None => (t, ""),
    };
    let digits = |x: &str| x.chars().all(|c| c.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
        return Err(AmountError::Syntax(s.to_string()));
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > 6 {
        return Err(AmountError::TooManyDecimals);
    }
    let int = int.trim_start_matches('0');
    let whole: u64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| AmountError::TooLarge)?
    };
    let mut f: u64 = 0;
    for c in frac.chars() {
        f = f * 10 + u64::from(c as u8 - b'0');
    }
    f *= 10u64.pow(6 - frac.len() as u32);
    whole
        .checked_mul(DROPLETS_PER_COIN)
        .and_then(|w| w.checked_add(f))
        .ok_or(AmountError::TooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        assert_eq!(to_string(0), "0.000000");
        assert_eq!(to_string(22_100_000_000), "22100.000000");
        assert_eq!(to_string(1), "0.000001");
        assert_eq!(from_str("1.5"), Ok(1_500_000));
        assert_eq!(from_str("0.000001"), Ok(1));
        assert_eq!(from_str("10"), Ok(10_000_000));
        assert_eq!(from_str("1.0000001"), Err(AmountError::TooManyDecimals));
        assert!(from_str("abc").is_err());
        assert!(from_str("").is_err());
        assert_eq!(from_str("-1"), Err(AmountError::Negative));
        assert_eq!(from_str("18446744073709.551615"), Ok(u64::MAX));
        assert_eq!(
            from_str("18446744073709.551616"),
            Err(AmountError::TooLarge)
        );
    }
}
