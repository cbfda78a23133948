//! L2 market data: depth snapshots and a client-side book that applies incremental updates.

use crate::engine::Engine;
use crate::events::Event;
use crate::types::{Lots, MarketId, Side, Ticks};
use std::collections::BTreeMap;

/// An L2 snapshot of one market: levels best first, and the sequence it is valid at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DepthSnapshot {
    /// Market.
    pub market: MarketId,
    /// Sequence of the last update included; apply updates with `seq > this`.
    pub seq: u64,
    /// Bid levels `(price, total lots)`, best first.
    pub bids: Vec<(Ticks, Lots)>,
    /// Ask levels `(price, total lots)`, best first.
    pub asks: Vec<(Ticks, Lots)>,
}

/// Takes an L2 snapshot of up to `max` levels per side.
pub fn snapshot(engine: &Engine, market: MarketId, max: usize) -> Option<DepthSnapshot> {
    let m = engine.market(market)?;
    let lv = |s| {
        m.book()
            .depth(s, max)
            .into_iter()
            .map(|(p, q, _)| (p, q))
            .collect()
    };
    Some(DepthSnapshot {
        market,
        seq: m.depth_seq(),
        bids: lv(Side::Buy),
        asks: lv(Side::Sell),
    })
}

/// Why an update could not be applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DepthError {
    /// An update was missed: resynchronise from a new snapshot.
    #[error("sequence gap: expected {expected}, got {got}")]
    Gap {
        /// The sequence expected.
        expected: u64,
        /// The sequence received.
        got: u64,
    },
}

/// A full-depth L2 book kept up to date from a snapshot and `Depth` events.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct L2Book {
    /// Market.
    pub market: MarketId,
    /// Last applied sequence.
    pub seq: u64,
    /// Bids by price.
    pub bids: BTreeMap<Ticks, Lots>,
    /// Asks by price.
    pub asks: BTreeMap<Ticks, Lots>,
}

impl L2Book {
    /// Starts from a (full-depth) snapshot.
    pub fn from_snapshot(s: &DepthSnapshot) -> Self {
        L2Book {
            market: s.market,
            seq: s.seq,
            bids: s.bids.iter().copied().collect(),
            asks: s.asks.iter().copied().collect(),
        }
    }

    /// Applies one event; events of other kinds or markets and old updates are ignored.
    pub fn apply(&mut self, ev: &Event) -> Result<(), DepthError> {
        if let Event::Depth {
            market,
            side,
            price,
            total,
            seq,
        } = *ev
        {
            if market != self.market || seq <= self.seq {
                return Ok(());
            }
            if seq != self.seq + 1 {
                return Err(DepthError::Gap {
                    expected: self.seq + 1,
                    got: seq,
                });
            }
            let m = match side {
                Side::Buy => &mut self.bids,
                Side::Sell => &mut self.asks,
            };
            if total == 0 {
                m.remove(&price);
            } else {
                m.insert(price, total);
            }
            self.seq = seq;
        }
        Ok(())
    }
}
