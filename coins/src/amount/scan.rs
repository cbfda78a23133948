//! The one decimal scanner behind every amount parser: a text such as
//! `"12.5"`, `".5"`, `"3."` or (where allowed) `"1.5e-4"` becomes an integer
//! count of minor units, with integer arithmetic only.
//!
//! It never allocates and does work linear in the input, which is bounded
//! ([`MAX_TEXT_LEN`]): an exponent such as `1e-2000000000` only moves the
//! decimal point in a counter, it never builds a string of zeros.

/// Longest amount text accepted, in bytes.
pub const MAX_TEXT_LEN: usize = 128;

/// How an amount may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grammar {
    /// Whether an exponent (`e`/`E`, optional sign, digits) may follow.
    pub exponent: bool,
    /// Whether a leading `+` is allowed.
    pub plus: bool,
}

impl Grammar {
    /// Plain decimals: digits with at most one point, no sign, no exponent.
    pub const PLAIN: Grammar = Grammar {
        exponent: false,
        plus: false,
    };
    /// Decimals with an optional sign and exponent, as JSON numbers and the
    /// Skycoin reference's parser write them.
    pub const SCIENTIFIC: Grammar = Grammar {
        exponent: true,
        plus: true,
    };
}

/// Why a text is not an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanError {
    /// Longer than [`MAX_TEXT_LEN`].
    TooLong,
    /// Not a number in the grammar (empty, stray characters, no digits).
    Syntax,
    /// More than one decimal point.
    MultiplePoints,
    /// An exponent marker not followed by an integer.
    BadExponent,
    /// A negative, non-zero value.
    Negative,
    /// Finer than the smallest unit.
    TooManyDecimals,
    /// Larger than the bound asked for.
    TooLarge,
}

/// The parts of a decimal text, as byte slices of it.
struct Parts<'a> {
    negative: bool,
    int: &'a [u8],
    frac: &'a [u8],
    /// The exponent, clamped to ±[`EXP_CLAMP`] (enough to tell "too small"
    /// and "too large" apart for any text within the length bound).
    exp: i64,
}

const EXP_CLAMP: i64 = 1 << 20;

fn split(text: &str, grammar: Grammar) -> Result<Parts<'_>, ScanError> {
    let b = text.as_bytes();
    if b.len() > MAX_TEXT_LEN {
        return Err(ScanError::TooLong);
    }
    let (mantissa, exp) = match b.iter().position(|&c| c == b'e' || c == b'E') {
        Some(i) if grammar.exponent => (&b[..i], parse_exponent(&b[i + 1..])?),
        Some(_) => return Err(ScanError::Syntax),
        None => (b, 0),
    };
    let (negative, body) = match mantissa.first() {
        Some(b'-') => (true, &mantissa[1..]),
        Some(b'+') if grammar.plus => (false, &mantissa[1..]),
        _ => (false, mantissa),
    };
    let mut points = body.iter().enumerate().filter(|(_, &c)| c == b'.');
    let (int, frac) = match (points.next(), points.next()) {
        (Some(_), Some(_)) => return Err(ScanError::MultiplePoints),
        (Some((i, _)), None) => (&body[..i], &body[i + 1..]),
        (None, _) => (body, &body[body.len()..]),
    };
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
        return Err(ScanError::Syntax);
    }
    Ok(Parts {
        negative,
        int,
        frac,
        exp,
    })
}

fn parse_exponent(b: &[u8]) -> Result<i64, ScanError> {
    let (negative, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(ScanError::BadExponent);
    }
    let mut v: i64 = 0;
    for &d in digits {
        v = (v * 10 + i64::from(d - b'0')).min(EXP_CLAMP);
    }
    Ok(if negative { -v } else { v })
}

/// The value of `text` in units of `10^-decimals`, refused above `max`.
/// A trailing zero past the last allowed decimal is fine (`"0.10"` with one
/// decimal); a non-zero digit there is [`ScanError::TooManyDecimals`], which
/// is reported before [`ScanError::TooLarge`].
pub fn scan_units(
    text: &str,
    decimals: u32,
    grammar: Grammar,
    max: u128,
) -> Result<u128, ScanError> {
    let p = split(text, grammar)?;
    // Significant digits: the integer part without leading zeros, then the
    // fraction, without trailing zeros.
    let all = p.int.iter().chain(p.frac.iter());
    let total = p.int.len() + p.frac.len();
    let leading = all.clone().take_while(|&&c| c == b'0').count();
    if leading == total {
        return Ok(0);
    }
    if p.negative {
        return Err(ScanError::Negative);
    }
    let trailing = all.clone().rev().take_while(|&&c| c == b'0').count();
    let significant = total - leading - trailing;
    // value = significant digits × 10^shift units.
    let shift = p.exp - p.frac.len() as i64 + trailing as i64 + i64::from(decimals);
    if shift < 0 {
        return Err(ScanError::TooManyDecimals);
    }
    // u128 holds any 38-digit number.
    if significant as i64 + shift > 38 {
        return Err(ScanError::TooLarge);
    }
    let mut v: u128 = 0;
    for &c in all.skip(leading).take(significant) {
        v = v * 10 + u128::from(c - b'0');
    }
    for _ in 0..shift {
        v *= 10;
    }
    if v > max {
        return Err(ScanError::TooLarge);
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(t: &str, d: u32) -> Result<u128, ScanError> {
        scan_units(t, d, Grammar::PLAIN, u128::from(u64::MAX))
    }

    fn sci(t: &str, d: u32) -> Result<u128, ScanError> {
        scan_units(t, d, Grammar::SCIENTIFIC, u128::from(u64::MAX))
    }

    #[test]
    fn plain_decimals() {
        assert_eq!(plain("0.1", 8), Ok(10_000_000));
        assert_eq!(plain("21", 8), Ok(2_100_000_000));
        assert_eq!(plain(".5", 8), Ok(50_000_000));
        assert_eq!(plain("3.", 8), Ok(300_000_000));
        assert_eq!(plain("0.123456780", 8), Ok(12_345_678));
        assert_eq!(plain("000.000", 6), Ok(0));
        assert_eq!(plain("1.0000001", 6), Err(ScanError::TooManyDecimals));
        assert_eq!(plain("1e5", 8), Err(ScanError::Syntax));
        assert_eq!(plain("+1", 8), Err(ScanError::Syntax));
        assert_eq!(plain("-1", 8), Err(ScanError::Negative));
        assert_eq!(plain("-0.0", 8), Ok(0));
        for bad in ["", ".", "-", "abc", " 1", "1 ", "1_000", "0x10", "1,5"] {
            assert_eq!(plain(bad, 8), Err(ScanError::Syntax), "{bad:?}");
        }
        assert_eq!(plain("1.2.3", 8), Err(ScanError::MultiplePoints));
        assert_eq!(plain("184467440737.09551615", 8), Ok(u128::from(u64::MAX)));
        assert_eq!(plain("184467440737.09551616", 8), Err(ScanError::TooLarge));
    }

    #[test]
    fn exponents_move_the_point_without_allocating() {
        assert_eq!(sci("1e-05", 8), Ok(1_000));
        assert_eq!(sci("1.5E-4", 8), Ok(15_000));
        assert_eq!(sci("2e1", 8), Ok(2_000_000_000));
        assert_eq!(sci("2E+1", 8), Ok(2_000_000_000));
        assert_eq!(sci("0.00001000", 8), Ok(1_000));
        assert_eq!(sci("1e-2000000000", 8), Err(ScanError::TooManyDecimals));
        assert_eq!(sci("1e2000000000", 8), Err(ScanError::TooLarge));
        assert_eq!(sci("0e2000000000", 8), Ok(0));
        assert_eq!(
            sci("1e-99999999999999999999999", 8),
            Err(ScanError::TooManyDecimals)
        );
        assert_eq!(sci("1e", 8), Err(ScanError::BadExponent));
        assert_eq!(sci("1e+", 8), Err(ScanError::BadExponent));
        assert_eq!(sci("e5", 8), Err(ScanError::Syntax));
        assert_eq!(sci("1e5e5", 8), Err(ScanError::BadExponent));
        assert_eq!(sci("+1.5", 1), Ok(15));
        // Digits beyond u128 with an exponent that brings them back into range.
        let long = format!("1{}e-40", "0".repeat(40));
        assert_eq!(sci(&long, 0), Ok(1));
    }

    #[test]
    fn length_is_bounded() {
        let long = "1".repeat(MAX_TEXT_LEN + 1);
        assert_eq!(plain(&long, 8), Err(ScanError::TooLong));
        let zeros = format!("0.{}", "0".repeat(MAX_TEXT_LEN - 2));
        assert_eq!(plain(&zeros, 8), Ok(0));
    }
}
