//! Amounts: satoshis as `u64`, decimal strings with up to 8 decimals at the
//! edges, converted with integer arithmetic only.

use super::error::BtcError;

/// Satoshis in one coin.
pub const COIN: u64 = 100_000_000;

/// Parses a decimal amount of coins ("0.1", "21", "1.00000001") into satoshis.
pub fn parse_amount(text: &str) -> Result<u64, BtcError> {
    let bad = || BtcError::Amount(text.to_owned());
    let t = text.trim();
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, f),
        None => (t, ""),
    };
    if whole.is_empty() && frac.is_empty() {
        return Err(bad());
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > 8 {
        return Err(bad());
    }
    let whole_value: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let mut frac_value: u64 = 0;
    for (i, b) in frac.bytes().enumerate() {
        frac_value += u64::from(b - b'0') * 10u64.pow(7 - i as u32);
    }
    whole_value
        .checked_mul(COIN)
        .and_then(|v| v.checked_add(frac_value))
        .ok_or_else(bad)
}

/// Parses an amount as the daemon writes it in JSON (a plain or exponent
/// number such as `0.0001` or `1e-05`), without going through floats.
pub fn parse_json_amount(text: &str) -> Result<u64, BtcError> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let Some((mantissa, exp)) = lower.split_once('e') else {
        return parse_amount(t);
    };
    let exp: i32 = exp.parse().map_err(|_| BtcError::Amount(t.to_owned()))?;
    let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{whole}{frac}");
    // Position of the decimal point within `digits` after the shift.
    let point = whole.len() as i32 + exp;
    let shifted = if point <= 0 {
        format!("0.{}{}", "0".repeat((-point) as usize), digits)
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        format!(
            "{}.{}",
            &digits[..point as usize],
            &digits[point as usize..]
        )
    };
    parse_amount(&shifted)
}

/// Formats satoshis as a decimal string with 8 decimals ("0.10000000").
pub fn format_amount(sats: u64) -> String {
    format!("{}.{:08}", sats / COIN, sats % COIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_decimals() {
        assert_eq!(parse_amount("0.1").unwrap(), 10_000_000);
        assert_eq!(parse_amount("21").unwrap(), 2_100_000_000);
        assert_eq!(parse_amount("1.00000001").unwrap(), 100_000_001);
        assert_eq!(parse_amount(".5").unwrap(), 50_000_000);
        assert_eq!(parse_amount("3.").unwrap(), 300_000_000);
        assert_eq!(parse_amount("0.123456780").unwrap(), 12_345_678);
        for bad in [
            "",
            ".",
            "-1",
            "1.000000001",
            "1e5",
            "abc",
            "1.2.3",
            "184467440738",
        ] {
            assert!(parse_amount(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_json_numbers() {
        assert_eq!(parse_json_amount("0.0001").unwrap(), 10_000);
        assert_eq!(parse_json_amount("1e-05").unwrap(), 1_000);
        assert_eq!(parse_json_amount("1.5E-4").unwrap(), 15_000);
        assert_eq!(parse_json_amount("2e1").unwrap(), 2_000_000_000);
    }

    #[test]
    fn formats() {
        assert_eq!(format_amount(10_000_000), "0.10000000");
        assert_eq!(format_amount(2_100_000_000_000_000), "21000000.00000000");
        assert_eq!(
            parse_amount(&format_amount(123_456_789)).unwrap(),
            123_456_789
        );
    }
}
