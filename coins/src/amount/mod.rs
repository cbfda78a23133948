//! Amounts of every coin skyx handles, as integer counts of the coin's
//! smallest unit with the coin attached: droplets for SKY (6 decimals),
//! satoshis and their equivalents for BTC, LTC, DOGE, BCH and BSV (8).
//!
//! Decimal strings are read and written with integer arithmetic only (never
//! a float). [`Amount::parse`] takes what a person or an API client writes
//! (`"1.5"`, `".5"`); [`Amount::parse_json_number`] also takes the exponent
//! form daemons write in JSON (`1e-05`). Both refuse texts longer than
//! [`MAX_TEXT_LEN`] and never allocate from an exponent or a length in the
//! input. [`Amount::to_decimal`] and [`Amount::from_decimal`] convert to and
//! from `rust_decimal` for arithmetic such as prices.

mod scan;

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

pub use scan::{scan_units, Grammar, ScanError, MAX_TEXT_LEN};

use crate::btc::Coin;

/// A coin an amount is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Currency {
    /// Skycoin.
    Sky,
    /// Bitcoin.
    Btc,
    /// Litecoin.
    Ltc,
    /// Dogecoin.
    Doge,
    /// Bitcoin Cash.
    Bch,
    /// Bitcoin SV.
    Bsv,
}

impl Currency {
    /// Every currency, in a fixed order.
    pub const ALL: [Currency; 6] = [
        Currency::Sky,
        Currency::Btc,
        Currency::Ltc,
        Currency::Doge,
        Currency::Bch,
        Currency::Bsv,
    ];

    /// Decimal places of the smallest unit.
    pub const fn decimals(self) -> u32 {
        match self {
            Currency::Sky => 6,
            _ => 8,
        }
    }

    /// Smallest units in one coin.
    pub const fn unit(self) -> u64 {
        10u64.pow(self.decimals())
    }

    /// Lower-case ticker.
    pub const fn as_str(self) -> &'static str {
        match self {
            Currency::Sky => "sky",
            Currency::Btc => "btc",
            Currency::Ltc => "ltc",
            Currency::Doge => "doge",
            Currency::Bch => "bch",
            Currency::Bsv => "bsv",
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Currency {
    type Err = AmountError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| AmountError::UnknownCurrency(s.chars().take(16).collect()))
    }
}

impl From<Coin> for Currency {
    fn from(c: Coin) -> Currency {
        match c {
            Coin::Btc => Currency::Btc,
            Coin::Ltc => Currency::Ltc,
            Coin::Doge => Currency::Doge,
            Coin::Bch => Currency::Bch,
            Coin::Bsv => Currency::Bsv,
        }
    }
}

/// Why an amount is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Not a decimal number.
    #[error("invalid amount: not a decimal number")]
    Syntax,
    /// Below zero.
    #[error("invalid amount: negative")]
    Negative,
    /// Finer than the coin's smallest unit.
    #[error("invalid amount: {currency} has at most {} decimal places", currency.decimals())]
    TooManyDecimals {
        /// The coin.
        currency: Currency,
    },
    /// More than 64 bits of smallest units.
    #[error("invalid amount: too large")]
    TooLarge,
    /// A text longer than [`MAX_TEXT_LEN`].
    #[error("invalid amount: longer than {MAX_TEXT_LEN} characters")]
    TooLong,
    /// Arithmetic on amounts of two coins.
    #[error("amounts of {0} and {1} do not mix")]
    Mixed(Currency, Currency),
    /// Not a coin skyx knows.
    #[error("unknown currency {0:?}")]
    UnknownCurrency(String),
}

impl AmountError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            AmountError::Syntax => "invalid_amount",
            AmountError::Negative => "negative_amount",
            AmountError::TooManyDecimals { .. } => "too_many_decimals",
            AmountError::TooLarge => "amount_too_large",
            AmountError::TooLong => "amount_too_long",
            AmountError::Mixed(..) => "mixed_currencies",
            AmountError::UnknownCurrency(_) => "unknown_currency",
        }
    }

    fn from_scan(e: ScanError, currency: Currency) -> AmountError {
        match e {
            ScanError::TooLong => AmountError::TooLong,
            ScanError::Syntax | ScanError::MultiplePoints | ScanError::BadExponent => {
                AmountError::Syntax
            }
            ScanError::Negative => AmountError::Negative,
            ScanError::TooManyDecimals => AmountError::TooManyDecimals { currency },
            ScanError::TooLarge => AmountError::TooLarge,
        }
    }
}

/// A non-negative amount of one coin, in its smallest unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Amount {
    currency: Currency,
    units: u64,
}

impl Amount {
    /// `units` smallest units of `currency`.
    pub const fn from_units(currency: Currency, units: u64) -> Amount {
        Amount { currency, units }
    }

    /// Nothing of `currency`.
    pub const fn zero(currency: Currency) -> Amount {
        Amount { currency, units: 0 }
    }

    /// The coin.
    pub const fn currency(self) -> Currency {
        self.currency
    }

    /// The count of smallest units.
    pub const fn units(self) -> u64 {
        self.units
    }

    /// Whether it is nothing.
    pub const fn is_zero(self) -> bool {
        self.units == 0
    }

    /// Parses a plain decimal (`"1.5"`, `".5"`, `"3."`): no sign, no
    /// exponent, at most the coin's decimals (trailing zeros beyond are fine).
    pub fn parse(currency: Currency, text: &str) -> Result<Amount, AmountError> {
        Amount::parse_with(currency, text, Grammar::PLAIN)
    }

    /// Parses an amount as a daemon writes it in JSON: a plain decimal or
    /// the exponent form (`0.0001`, `1e-05`, `1.5E-4`).
    pub fn parse_json_number(currency: Currency, text: &str) -> Result<Amount, AmountError> {
        Amount::parse_with(currency, text, Grammar::SCIENTIFIC)
    }

    fn parse_with(currency: Currency, text: &str, g: Grammar) -> Result<Amount, AmountError> {
        let units = scan_units(text, currency.decimals(), g, u128::from(u64::MAX))
            .map_err(|e| AmountError::from_scan(e, currency))?;
        // The bound above makes this lossless.
        let units = u64::try_from(units).map_err(|_| AmountError::TooLarge)?;
        Ok(Amount { currency, units })
    }

    /// The sum, `None` on overflow; mixing coins is an error.
    pub fn checked_add(self, other: Amount) -> Result<Option<Amount>, AmountError> {
        self.same(other)?;
        Ok(self
            .units
            .checked_add(other.units)
            .map(|units| Amount { units, ..self }))
    }

    /// The difference, `None` below zero; mixing coins is an error.
    pub fn checked_sub(self, other: Amount) -> Result<Option<Amount>, AmountError> {
        self.same(other)?;
        Ok(self
            .units
            .checked_sub(other.units)
            .map(|units| Amount { units, ..self }))
    }

    fn same(self, other: Amount) -> Result<(), AmountError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(AmountError::Mixed(self.currency, other.currency))
        }
    }

    /// The amount in whole coins as an exact decimal.
    pub fn to_decimal(self) -> Decimal {
        Decimal::from_i128_with_scale(i128::from(self.units), self.currency.decimals())
    }

    /// An exact decimal count of coins as an amount (refused when negative,
    /// finer than the smallest unit or too large).
    pub fn from_decimal(currency: Currency, d: Decimal) -> Result<Amount, AmountError> {
        if d.is_sign_negative() && !d.is_zero() {
            return Err(AmountError::Negative);
        }
        let scaled = d
            .checked_mul(Decimal::from(currency.unit()))
            .ok_or(AmountError::TooLarge)?;
        if !scaled.fract().is_zero() {
            return Err(AmountError::TooManyDecimals { currency });
        }
        let mantissa = scaled.trunc().normalize();
        let units = u64::try_from(mantissa).map_err(|_| AmountError::TooLarge)?;
        Ok(Amount { currency, units })
    }
}

/// Writes `units` with exactly `decimals` places.
fn write_units(
    f: &mut fmt::Formatter<'_>,
    negative: bool,
    units: u128,
    decimals: u32,
) -> fmt::Result {
    let unit = 10u128.pow(decimals);
    let sign = if negative { "-" } else { "" };
    write!(
        f,
        "{sign}{}.{:0width$}",
        units / unit,
        units % unit,
        width = decimals as usize
    )
}

impl fmt::Display for Amount {
    /// The decimal string with all of the coin's places: `"0.10000000"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_units(f, false, u128::from(self.units), self.currency.decimals())
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A signed change of one coin (a wallet's net effect of a transaction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignedAmount {
    currency: Currency,
    units: i128,
}

impl SignedAmount {
    /// `received − sent`.
    pub fn net(received: Amount, sent: Amount) -> Result<SignedAmount, AmountError> {
        received.same(sent)?;
        Ok(SignedAmount {
            currency: received.currency,
            units: i128::from(received.units) - i128::from(sent.units),
        })
    }

    /// `units` smallest units of `currency`, below zero when negative.
    pub const fn from_units(currency: Currency, units: i128) -> SignedAmount {
        SignedAmount { currency, units }
    }

    /// The coin.
    pub const fn currency(self) -> Currency {
        self.currency
    }

    /// The signed count of smallest units.
    pub const fn units(self) -> i128 {
        self.units
    }
}

impl fmt::Display for SignedAmount {
    /// `"-0.50000000"`, `"1.00000000"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_units(
            f,
            self.units < 0,
            self.units.unsigned_abs(),
            self.currency.decimals(),
        )
    }
}

impl Serialize for SignedAmount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_each_coin() {
        let sat = |t| Amount::parse(Currency::Btc, t).map(Amount::units);
        assert_eq!(sat("0.1"), Ok(10_000_000));
        assert_eq!(sat("21"), Ok(2_100_000_000));
        assert_eq!(sat("1.00000001"), Ok(100_000_001));
        assert_eq!(
            sat("1.000000001"),
            Err(AmountError::TooManyDecimals {
                currency: Currency::Btc
            })
        );
        assert_eq!(sat("1e5"), Err(AmountError::Syntax));
        assert_eq!(sat("184467440738"), Err(AmountError::TooLarge));
        let drop = Amount::parse(Currency::Sky, "1.000001").unwrap();
        assert_eq!(drop.units(), 1_000_001);
        assert_eq!(drop.to_string(), "1.000001");
        assert_eq!(
            Amount::from_units(Currency::Doge, 2_100_000_000_000_000).to_string(),
            "21000000.00000000"
        );
        assert_eq!(Amount::zero(Currency::Ltc).to_string(), "0.00000000");
        assert_eq!(
            serde_json::to_string(&Amount::from_units(Currency::Sky, 5)).unwrap(),
            "\"0.000005\""
        );
    }

    #[test]
    fn json_numbers_and_hostile_exponents() {
        let j = |t| Amount::parse_json_number(Currency::Ltc, t).map(Amount::units);
        assert_eq!(j("0.0001"), Ok(10_000));
        assert_eq!(j("1e-05"), Ok(1_000));
        assert_eq!(j("1.5E-4"), Ok(15_000));
        assert_eq!(j("2e1"), Ok(2_000_000_000));
        assert!(matches!(
            j("1e-2000000000"),
            Err(AmountError::TooManyDecimals { .. })
        ));
        assert_eq!(j("1e2000000000"), Err(AmountError::TooLarge));
        assert_eq!(j(&"9".repeat(10_000)), Err(AmountError::TooLong));
    }

    #[test]
    fn arithmetic_stays_in_one_coin() {
        let a = Amount::from_units(Currency::Btc, 5);
        let b = Amount::from_units(Currency::Btc, 7);
        assert_eq!(a.checked_add(b).unwrap().map(Amount::units), Some(12));
        assert_eq!(a.checked_sub(b).unwrap(), None);
        let s = Amount::from_units(Currency::Sky, 1);
        assert_eq!(
            a.checked_add(s),
            Err(AmountError::Mixed(Currency::Btc, Currency::Sky))
        );
        let net = SignedAmount::net(a, b).unwrap();
        assert_eq!(net.to_string(), "-0.00000002");
        assert_eq!(SignedAmount::net(b, a).unwrap().to_string(), "0.00000002");
        let max = Amount::from_units(Currency::Btc, u64::MAX);
        assert_eq!(max.checked_add(b).unwrap(), None);
    }

    #[test]
    fn decimal_round_trip() {
        let a = Amount::from_units(Currency::Sky, 1_500_000);
        assert_eq!(a.to_decimal().to_string(), "1.500000");
        assert_eq!(Amount::from_decimal(Currency::Sky, a.to_decimal()), Ok(a));
        let fine: Decimal = "0.0000001".parse().unwrap();
        assert!(Amount::from_decimal(Currency::Sky, fine).is_err());
        let neg: Decimal = "-1".parse().unwrap();
        assert_eq!(
            Amount::from_decimal(Currency::Sky, neg),
            Err(AmountError::Negative)
        );
        let big = Decimal::from(u64::MAX);
        assert_eq!(
            Amount::from_decimal(Currency::Btc, big),
            Err(AmountError::TooLarge)
        );
    }

    #[test]
    fn currencies() {
        assert_eq!("LTC".parse::<Currency>(), Ok(Currency::Ltc));
        assert!("xrp".parse::<Currency>().is_err());
        assert_eq!(Currency::from(Coin::Doge).decimals(), 8);
        assert_eq!(Currency::Sky.unit(), 1_000_000);
    }
}
