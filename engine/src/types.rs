//! Plain identifier and quantity types shared by every module.

/// An account (a user or a sub-account) identifier.
pub type AccountId = u64;
/// An asset identifier (dense, small).
pub type AssetId = u32;
/// A market identifier (dense, small).
pub type MarketId = u32;
/// A client-chosen order identifier, unique among live orders of the engine.
pub type OrderId = u64;
/// A price in integer ticks (absolute, not relative to the band).
pub type Ticks = u64;
/// A quantity in integer lots.
pub type Lots = u64;
/// An amount of an asset in its integer minor units.
pub type Units = u64;

/// The side of an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    /// Buys the base asset, pays the quote asset.
    Buy,
    /// Sells the base asset, receives the quote asset.
    Sell,
}

impl Side {
    /// The other side.
    #[inline]
    pub fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }

    /// Index of the side (0 for buy, 1 for sell).
    #[inline]
    pub fn index(self) -> usize {
        match self {
            Side::Buy => 0,
            Side::Sell => 1,
        }
    }

    /// Compact code used by the binary encodings.
    #[inline]
    pub fn code(self) -> u8 {
        self.index() as u8
    }

    /// Decodes [`Side::code`].
    pub fn from_code(c: u8) -> Option<Side> {
        match c {
            0 => Some(Side::Buy),
            1 => Some(Side::Sell),
            _ => None,
        }
    }
}
