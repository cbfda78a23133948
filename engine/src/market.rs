//! Markets (base/quote, tick, lot, minimum notional, price band, fees) and the
//! decimal ⇄ integer conversions used at the edge of the engine.
//!
//! Inside, a price is an integer number of ticks and a quantity an integer
//! number of lots. One lot is `base_per_lot` minor units of the base asset; one
//! lot at one tick costs `quote_per_tick` minor units of the quote asset, so the
//! notional of `q` lots at `p` ticks is `p · q · quote_per_tick`.

use crate::error::EngineError;
use crate::fees::FeeSchedule;
use crate::types::{AssetId, Lots, MarketId, Ticks, Units};
use rust_decimal::Decimal;

/// The largest number of price levels one market's band may span.
pub const MAX_BAND_LEVELS: u64 = 1 << 22;

/// An asset known to the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AssetSpec {
    /// The asset id.
    pub id: AssetId,
    /// Number of decimal places of one whole unit (8 for BTC, 6 for SKY).
    pub decimals: u8,
}

/// The integer specification of one market.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MarketSpec {
    /// The market id.
    pub id: MarketId,
    /// The asset bought and sold.
    pub base: AssetId,
    /// The asset prices are expressed in.
    pub quote: AssetId,
    /// Minor units of the base asset in one lot.
    pub base_per_lot: Units,
    /// Minor units of the quote asset for one lot at one tick.
    pub quote_per_tick: Units,
    /// Minimum notional of a limit order, in quote minor units.
    pub min_notional: Units,
    /// Lowest accepted price, in ticks (≥ 1).
    pub band_low: Ticks,
    /// Highest accepted price, in ticks.
    pub band_high: Ticks,
    /// Maker and taker fees.
    pub fees: FeeSchedule,
}

impl MarketSpec {
    /// Checks the specification.
    pub fn validate(&self) -> Result<(), EngineError> {
        if self.base == self.quote
            || self.base_per_lot == 0
            || self.quote_per_tick == 0
            || self.band_low == 0
            || self.band_high < self.band_low
            || !self.fees.is_valid()
        {
            return Err(EngineError::InvalidMarketSpec);
        }
        if self.band_high - self.band_low >= MAX_BAND_LEVELS {
            return Err(EngineError::CapacityExceeded);
        }
        // The notional of the largest order at the top of the band must fit; this
        // bounds every product computed while matching.
        self.band_high
            .checked_mul(self.quote_per_tick)
            .ok_or(EngineError::InvalidMarketSpec)?;
        Ok(())
    }

    /// Whether `price` lies within the band.
    #[inline]
    pub fn in_band(&self, price: Ticks) -> bool {
        price >= self.band_low && price <= self.band_high
    }

    /// Notional of `lots` at `price`, in quote minor units, if it fits in `u64`.
    #[inline]
    pub fn notional(&self, price: Ticks, lots: Lots) -> Option<Units> {
        price.checked_mul(self.quote_per_tick)?.checked_mul(lots)
    }

    /// Base minor units in `lots`, if it fits in `u64`.
    #[inline]
    pub fn base_units(&self, lots: Lots) -> Option<Units> {
        lots.checked_mul(self.base_per_lot)
    }

    /// The largest quantity that can be safely priced anywhere in the band.
    pub fn max_lots(&self) -> Lots {
        let per_lot = self.band_high.saturating_mul(self.quote_per_tick).max(1);
        (u64::MAX / 4 / per_lot).min(u64::MAX / 4 / self.base_per_lot.max(1))
    }
}

/// A market described with decimals, as an operator writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecimalMarket {
    /// The market id.
    pub id: MarketId,
    /// The base asset.
    pub base: AssetSpec,
    /// The quote asset.
    pub quote: AssetSpec,
    /// Price increment, in quote per one base.
    pub tick_size: Decimal,
    /// Quantity increment, in base.
    pub lot_size: Decimal,
    /// Minimum notional, in quote.
    pub min_notional: Decimal,
    /// Lowest price, in quote per one base.
    pub band_low: Decimal,
    /// Highest price, in quote per one base.
    pub band_high: Decimal,
    /// Maker and taker fees.
    pub fees: FeeSchedule,
}

/// Decimal ⇄ integer conversions of one market.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketScale {
    /// Price increment, in quote per one base.
    pub tick_size: Decimal,
    /// Quantity increment, in base.
    pub lot_size: Decimal,
}

fn pow10(d: u8) -> Result<Decimal, EngineError> {
    let mut v = Decimal::ONE;
    for _ in 0..d {
        v = v
            .checked_mul(Decimal::TEN)
            .ok_or(EngineError::DecimalOutOfRange)?;
    }
    Ok(v)
}

/// Converts an exact decimal to `u64`, refusing fractions, negatives and overflow.
pub fn whole_u64(d: Decimal) -> Result<u64, EngineError> {
    if d.is_sign_negative() && !d.is_zero() {
        return Err(EngineError::DecimalOutOfRange);
    }
    if d.fract() != Decimal::ZERO {
        return Err(EngineError::OffGrid);
    }
    u64::try_from(d).map_err(|_| EngineError::DecimalOutOfRange)
}

/// Converts a decimal amount of an asset (e.g. `1.5` BTC) to minor units.
pub fn amount_to_units(amount: Decimal, asset: &AssetSpec) -> Result<Units, EngineError> {
    let scaled = amount
        .checked_mul(pow10(asset.decimals)?)
        .ok_or(EngineError::DecimalOutOfRange)?;
    whole_u64(scaled)
}

/// Converts minor units of an asset to a decimal amount.
pub fn units_to_amount(units: Units, asset: &AssetSpec) -> Decimal {
    let mut d = Decimal::from(units);
    // `decimals` ≤ 28 is guaranteed by `Decimal::set_scale`; fall back to the raw value.
    if d.set_scale(u32::from(asset.decimals)).is_err() {
        d = Decimal::from(units);
    }
    d
}

impl MarketScale {
    /// Converts a decimal price to ticks; it must be a whole number of ticks.
    pub fn price_to_ticks(&self, price: Decimal) -> Result<Ticks, EngineError> {
        let t = price
            .checked_div(self.tick_size)
            .ok_or(EngineError::DecimalOutOfRange)?;
        whole_u64(t)
    }

    /// Converts ticks to a decimal price.
    pub fn ticks_to_price(&self, ticks: Ticks) -> Decimal {
        Decimal::from(ticks)
            .checked_mul(self.tick_size)
            .unwrap_or(Decimal::MAX)
    }

    /// Converts a decimal base quantity to lots; it must be a whole number of lots.
    pub fn qty_to_lots(&self, qty: Decimal) -> Result<Lots, EngineError> {
        let l = qty
            .checked_div(self.lot_size)
            .ok_or(EngineError::DecimalOutOfRange)?;
        whole_u64(l)
    }

    /// Converts lots to a decimal base quantity.
    pub fn lots_to_qty(&self, lots: Lots) -> Decimal {
        Decimal::from(lots)
            .checked_mul(self.lot_size)
            .unwrap_or(Decimal::MAX)
    }
}

impl DecimalMarket {
    /// Converts the decimal description into the integer [`MarketSpec`] and its [`MarketScale`].
    pub fn to_spec(&self) -> Result<(MarketSpec, MarketScale), EngineError> {
        if self.tick_size <= Decimal::ZERO || self.lot_size <= Decimal::ZERO {
            return Err(EngineError::InvalidMarketSpec);
        }
        let scale = MarketScale {
            tick_size: self.tick_size,
            lot_size: self.lot_size,
        };
        let base_per_lot = amount_to_units(self.lot_size, &self.base)?;
        let qpt = self
            .tick_size
            .checked_mul(self.lot_size)
            .ok_or(EngineError::DecimalOutOfRange)?;
        let quote_per_tick = amount_to_units(qpt, &self.quote)?;
        let spec = MarketSpec {
            id: self.id,
            base: self.base.id,
            quote: self.quote.id,
            base_per_lot,
            quote_per_tick,
            min_notional: amount_to_units(self.min_notional, &self.quote)?,
            band_low: scale.price_to_ticks(self.band_low)?,
            band_high: scale.price_to_ticks(self.band_high)?,
            fees: self.fees,
        };
        spec.validate()?;
        Ok((spec, scale))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn decimal_market_to_integers() {
        let m = DecimalMarket {
            id: 1,
            base: AssetSpec { id: 1, decimals: 6 },
            quote: AssetSpec { id: 2, decimals: 8 },
            tick_size: d("0.00001"),
            lot_size: d("0.1"),
            min_notional: d("0.0001"),
            band_low: d("0.00001"),
            band_high: d("1"),
            fees: FeeSchedule {
                maker_bps: -1,
                taker_bps: 5,
            },
        };
        let (spec, scale) = m.to_spec().unwrap();
        assert_eq!(spec.base_per_lot, 100_000);
        assert_eq!(spec.quote_per_tick, 100);
        assert_eq!(spec.band_low, 1);
        assert_eq!(spec.band_high, 100_000);
        assert_eq!(spec.min_notional, 10_000);
        assert_eq!(scale.price_to_ticks(d("0.12345")).unwrap(), 12_345);
        assert_eq!(
            scale.price_to_ticks(d("0.123451")),
            Err(EngineError::OffGrid)
        );
        assert_eq!(scale.qty_to_lots(d("2.5")).unwrap(), 25);
        assert_eq!(scale.lots_to_qty(25), d("2.5"));
        assert_eq!(scale.ticks_to_price(12_345), d("0.12345"));
        // notional of 25 lots (2.5 base) at 0.12345 = 0.308625 quote = 30_862_500 minor units
        assert_eq!(spec.notional(12_345, 25), Some(30_862_500));
        assert_eq!(
            amount_to_units(d("-1"), &m.base),
            Err(EngineError::DecimalOutOfRange)
        );
        assert_eq!(units_to_amount(1_500_000, &m.base), d("1.5"));
    }
}
