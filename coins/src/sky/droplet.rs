//! Coin amounts as the Skycoin reference API reads and prints them
//! (`src/util/droplet`): droplets (10⁻⁶ SKY) as decimal strings with six
//! places, with the reference's rules and error texts, on the one amount
//! scanner of [`crate::amount`].

use crate::amount::{scan_units, Grammar, ScanError};

use super::coin_hours::DROPLETS_PER_COIN;

/// Decimal places of a droplet.
pub const EXPONENT: u32 = 6;

/// Formats droplets as `"<coins>.<six digits>"` (`droplet.ToString`).
pub fn to_string(droplets: u64) -> String {
    format!(
        "{}.{:06}",
        droplets / DROPLETS_PER_COIN,
        droplets % DROPLETS_PER_COIN
    )
}

/// Why a decimal coin string is refused, with the reference's texts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DropletError {
    /// Not a decimal number (the decimal library's message).
    #[error("can't convert {text} to decimal{detail}")]
    Syntax {
        /// The number part of the input.
        text: String,
        /// What the library adds (`": too many .s"`, …), or nothing.
        detail: &'static str,
    },
    /// More than six decimal places.
    #[error("Droplet string conversion failed: Too many decimal places")]
    TooManyDecimals,
    /// More droplets than a signed 64-bit integer holds.
    #[error("Droplet string conversion failed: Value is too large")]
    TooLarge,
    /// Negative amounts are not coins.
    #[error("Droplet string conversion failed: Negative balance")]
    Negative,
}

/// Parses a decimal coin string into droplets (`droplet.FromString`): an
/// optional sign, digits with at most one point, an optional exponent;
/// zero in any form, at most six significant decimals, at most
/// `i64::MAX` droplets.
pub fn from_str(s: &str) -> Result<u64, DropletError> {
    let max = u128::from(i64::MAX.unsigned_abs());
    let mantissa = || {
        let end = s.find(['e', 'E']).unwrap_or(s.len());
        s[..end].to_string()
    };
    match scan_units(s, EXPONENT, Grammar::SCIENTIFIC, max) {
        // The bound makes the conversion lossless.
        Ok(v) => u64::try_from(v).map_err(|_| DropletError::TooLarge),
        Err(ScanError::Syntax) => Err(DropletError::Syntax {
            text: mantissa(),
            detail: "",
        }),
        Err(ScanError::MultiplePoints) => Err(DropletError::Syntax {
            text: mantissa(),
            detail: ": too many .s",
        }),
        Err(ScanError::BadExponent) => Err(DropletError::Syntax {
            text: s.to_string(),
            detail: ": exponent is not numeric",
        }),
        Err(ScanError::Negative) => Err(DropletError::Negative),
        Err(ScanError::TooManyDecimals) => Err(DropletError::TooManyDecimals),
        Err(ScanError::TooLarge | ScanError::TooLong) => Err(DropletError::TooLarge),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference's own table (`src/util/droplet/droplet_test.go`).
    #[test]
    fn reference_table() {
        let ok = [
            ("0", 0),
            ("0.", 0),
            ("0.0", 0),
            ("0.000000", 0),
            ("0.0000000", 0),
            ("0.000001", 1),
            ("0.0000010", 1),
            ("1", 1_000_000),
            ("1.000001", 1_000_001),
            ("10000", 10_000_000_000),
            ("123456789.123456", 123_456_789_123_456),
            ("123.000456", 123_000_456),
            ("9223372036854.775807", 9_223_372_036_854_775_807),
        ];
        for (s, n) in ok {
            assert_eq!(from_str(s), Ok(n), "{s}");
        }
        let err = [
            ("0.0000001", DropletError::TooManyDecimals),
            ("-1", DropletError::Negative),
            ("-9223372036854.775807", DropletError::Negative),
            (
                "999999999999999999999999999999999999999999",
                DropletError::TooLarge,
            ),
            ("9223372036854775808", DropletError::TooLarge),
            ("9223372036854775807.000001", DropletError::TooLarge),
            ("9223372036854775807", DropletError::TooLarge),
            ("9223372036854775806.000001", DropletError::TooLarge),
        ];
        for (s, e) in err {
            assert_eq!(from_str(s), Err(e), "{s}");
        }
        assert_eq!(
            from_str("100SKY").unwrap_err().to_string(),
            "can't convert 100SKY to decimal"
        );
        assert_eq!(
            from_str("").unwrap_err().to_string(),
            "can't convert  to decimal"
        );
    }

    #[test]
    fn decimal_library_forms() {
        assert_eq!(from_str("1e3"), Ok(1_000_000_000));
        assert_eq!(from_str("+1.5"), Ok(1_500_000));
        assert_eq!(from_str("-0"), Ok(0));
        assert_eq!(from_str("1e-7"), Err(DropletError::TooManyDecimals));
        assert_eq!(
            from_str("1e-2000000000"),
            Err(DropletError::TooManyDecimals)
        );
        assert_eq!(from_str("1e2000000000"), Err(DropletError::TooLarge));
        assert_eq!(
            from_str("1.2.3").unwrap_err().to_string(),
            "can't convert 1.2.3 to decimal: too many .s"
        );
        assert_eq!(
            from_str("1ex").unwrap_err().to_string(),
            "can't convert 1ex to decimal: exponent is not numeric"
        );
        assert_eq!(to_string(0), "0.000000");
        assert_eq!(to_string(22_100_000_000), "22100.000000");
        assert_eq!(to_string(1), "0.000001");
        assert_eq!(from_str(&to_string(u64::MAX / 2)), Ok(u64::MAX / 2));
    }
}
