//! Commands the engine applies, and their compact binary encoding (used by the journal).

use crate::codec::{DecodeError, Reader, Writer};
use crate::fees::FeeSchedule;
use crate::market::{AssetSpec, MarketSpec};
use crate::order::{NewOrder, OrderKind, PostOnly, TimeInForce};
use crate::stp::StpMode;
use crate::types::{AccountId, AssetId, Lots, MarketId, OrderId, Side, Ticks, Units};

/// One state-changing request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    /// Registers an asset.
    AddAsset(AssetSpec),
    /// Opens a market.
    AddMarket(MarketSpec),
    /// Credits funds that arrived from outside.
    Deposit {
        /// Account credited (created if new).
        account: AccountId,
        /// Asset.
        asset: AssetId,
        /// Amount in minor units.
        amount: Units,
    },
    /// Holds funds for a withdrawal.
    WithdrawHold {
        /// Withdrawal id.
        id: u64,
        /// Account.
        account: AccountId,
        /// Asset.
        asset: AssetId,
        /// Amount in minor units.
        amount: Units,
    },
    /// Debits a held withdrawal (it was sent).
    WithdrawSettle {
        /// Withdrawal id.
        id: u64,
    },
    /// Releases a held withdrawal (it was not sent).
    WithdrawCancel {
        /// Withdrawal id.
        id: u64,
    },
    /// Moves available funds between accounts.
    Transfer {
        /// Sender.
        from: AccountId,
        /// Receiver (created if new).
        to: AccountId,
        /// Asset.
        asset: AssetId,
        /// Amount in minor units.
        amount: Units,
    },
    /// Places an order.
    Place(NewOrder),
    /// Cancels an order.
    Cancel {
        /// Market.
        market: MarketId,
        /// Order id.
        id: OrderId,
        /// Owner (must match).
        account: AccountId,
    },
    /// Cancel-replace: new price and quantity; priority kept only when the size shrinks at the same price.
    Move {
        /// Market.
        market: MarketId,
        /// Order id.
        id: OrderId,
        /// Owner (must match).
        account: AccountId,
        /// New price.
        price: Ticks,
        /// New quantity.
        qty: Lots,
    },
    /// Reduces a resting order's quantity by `by` lots, keeping priority.
    Reduce {
        /// Market.
        market: MarketId,
        /// Order id.
        id: OrderId,
        /// Owner (must match).
        account: AccountId,
        /// Lots to remove.
        by: Lots,
    },
    /// Cancels every order of an account, in one market or in all.
    MassCancel {
        /// Account.
        account: AccountId,
        /// Market, or all markets.
        market: Option<MarketId>,
    },
    /// Verifies the ledger and the books; rejected with `ledger_imbalance` if they are wrong.
    Check,
}

/// A command with its journal sequence number and logical timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Envelope {
    /// Journal sequence number (1, 2, 3, ... without gaps).
    pub seq: u64,
    /// Logical time (drives GTD expiry; never read from a clock inside the engine).
    pub ts: u64,
    /// The command.
    pub cmd: Command,
}

fn enc_kind(w: &mut Writer<'_>, k: &OrderKind) {
    match *k {
        OrderKind::Limit { price, qty } => {
            w.u8(0);
            w.u64(price);
            w.u64(qty);
        }
        OrderKind::Market { qty } => {
            w.u8(1);
            w.u64(qty);
        }
        OrderKind::MarketQuote { budget } => {
            w.u8(2);
            w.u64(budget);
        }
    }
}

fn dec_kind(r: &mut Reader<'_>) -> Result<OrderKind, DecodeError> {
    Ok(match r.u8()? {
        0 => OrderKind::Limit {
            price: r.u64()?,
            qty: r.u64()?,
        },
        1 => OrderKind::Market { qty: r.u64()? },
        2 => OrderKind::MarketQuote { budget: r.u64()? },
        _ => return Err(DecodeError::Invalid("order kind")),
    })
}

fn enc_tif(w: &mut Writer<'_>, t: &TimeInForce) {
    match *t {
        TimeInForce::Gtc => w.u8(0),
        TimeInForce::Gtd(e) => {
            w.u8(1);
            w.u64(e);
        }
        TimeInForce::Ioc => w.u8(2),
        TimeInForce::Fok => w.u8(3),
    }
}

fn dec_tif(r: &mut Reader<'_>) -> Result<TimeInForce, DecodeError> {
    Ok(match r.u8()? {
        0 => TimeInForce::Gtc,
        1 => TimeInForce::Gtd(r.u64()?),
        2 => TimeInForce::Ioc,
        3 => TimeInForce::Fok,
        _ => return Err(DecodeError::Invalid("time in force")),
    })
}

/// Encodes a market specification.
pub fn encode_market(w: &mut Writer<'_>, m: &MarketSpec) {
    w.u32(m.id);
    w.u32(m.base);
    w.u32(m.quote);
    w.u64(m.base_per_lot);
    w.u64(m.quote_per_tick);
    w.u64(m.min_notional);
    w.u64(m.band_low);
    w.u64(m.band_high);
    w.i32(m.fees.maker_bps);
    w.i32(m.fees.taker_bps);
}

/// Decodes [`encode_market`].
pub fn decode_market(r: &mut Reader<'_>) -> Result<MarketSpec, DecodeError> {
    Ok(MarketSpec {
        id: r.u32()?,
        base: r.u32()?,
        quote: r.u32()?,
        base_per_lot: r.u64()?,
        quote_per_tick: r.u64()?,
        min_notional: r.u64()?,
        band_low: r.u64()?,
        band_high: r.u64()?,
        fees: FeeSchedule {
            maker_bps: r.i32()?,
            taker_bps: r.i32()?,
        },
    })
}

impl Command {
    /// Appends the binary encoding of the command to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = Writer(out);
        match self {
            Command::AddAsset(a) => {
                w.u8(1);
                w.u32(a.id);
                w.u8(a.decimals);
            }
            Command::AddMarket(m) => {
                w.u8(2);
                encode_market(&mut w, m);
            }
            Command::Deposit {
                account,
                asset,
                amount,
            } => {
                w.u8(3);
                w.u64(*account);
                w.u32(*asset);
                w.u64(*amount);
            }
            Command::WithdrawHold {
                id,
                account,
                asset,
                amount,
            } => {
                w.u8(4);
                w.u64(*id);
                w.u64(*account);
                w.u32(*asset);
                w.u64(*amount);
            }
            Command::WithdrawSettle { id } => {
                w.u8(5);
                w.u64(*id);
            }
            Command::WithdrawCancel { id } => {
                w.u8(6);
                w.u64(*id);
            }
            Command::Transfer {
                from,
                to,
                asset,
                amount,
            } => {
                w.u8(7);
                w.u64(*from);
                w.u64(*to);
                w.u32(*asset);
                w.u64(*amount);
            }
            Command::Place(o) => {
                w.u8(8);
                w.u32(o.market);
                w.u64(o.id);
                w.u64(o.account);
                w.u8(o.side.code());
                enc_kind(&mut w, &o.kind);
                enc_tif(&mut w, &o.tif);
                w.u8(match o.post_only {
                    PostOnly::Off => 0,
                    PostOnly::Reject => 1,
                    PostOnly::Slide => 2,
                });
                w.u8(o.stp.code());
            }
            Command::Cancel {
                market,
                id,
                account,
            } => {
                w.u8(9);
                w.u32(*market);
                w.u64(*id);
                w.u64(*account);
            }
            Command::Move {
                market,
                id,
                account,
                price,
                qty,
            } => {
                w.u8(10);
                w.u32(*market);
                w.u64(*id);
                w.u64(*account);
                w.u64(*price);
                w.u64(*qty);
            }
            Command::Reduce {
                market,
                id,
                account,
                by,
            } => {
                w.u8(11);
                w.u32(*market);
                w.u64(*id);
                w.u64(*account);
                w.u64(*by);
            }
            Command::MassCancel { account, market } => {
                w.u8(12);
                w.u64(*account);
                match market {
                    Some(m) => {
                        w.u8(1);
                        w.u32(*m);
                    }
                    None => w.u8(0),
                }
            }
            Command::Check => w.u8(13),
        }
    }

    /// Decodes one command.
    pub fn decode(r: &mut Reader<'_>) -> Result<Command, DecodeError> {
        Ok(match r.u8()? {
            1 => Command::AddAsset(AssetSpec {
                id: r.u32()?,
                decimals: r.u8()?,
            }),
            2 => Command::AddMarket(decode_market(r)?),
            3 => Command::Deposit {
                account: r.u64()?,
                asset: r.u32()?,
                amount: r.u64()?,
            },
            4 => Command::WithdrawHold {
                id: r.u64()?,
                account: r.u64()?,
                asset: r.u32()?,
                amount: r.u64()?,
            },
            5 => Command::WithdrawSettle { id: r.u64()? },
            6 => Command::WithdrawCancel { id: r.u64()? },
            7 => Command::Transfer {
                from: r.u64()?,
                to: r.u64()?,
                asset: r.u32()?,
                amount: r.u64()?,
            },
            8 => {
                let market = r.u32()?;
                let id = r.u64()?;
                let account = r.u64()?;
                let side = Side::from_code(r.u8()?).ok_or(DecodeError::Invalid("side"))?;
                let kind = dec_kind(r)?;
                let tif = dec_tif(r)?;
                let post_only = match r.u8()? {
                    0 => PostOnly::Off,
                    1 => PostOnly::Reject,
                    2 => PostOnly::Slide,
                    _ => return Err(DecodeError::Invalid("post only")),
                };
                let stp = StpMode::from_code(r.u8()?).ok_or(DecodeError::Invalid("stp"))?;
                Command::Place(NewOrder {
                    market,
                    id,
                    account,
                    side,
                    kind,
                    tif,
                    post_only,
                    stp,
                })
            }
            9 => Command::Cancel {
                market: r.u32()?,
                id: r.u64()?,
                account: r.u64()?,
            },
            10 => Command::Move {
                market: r.u32()?,
                id: r.u64()?,
                account: r.u64()?,
                price: r.u64()?,
                qty: r.u64()?,
            },
            11 => Command::Reduce {
                market: r.u32()?,
                id: r.u64()?,
                account: r.u64()?,
                by: r.u64()?,
            },
            12 => {
                let account = r.u64()?;
                let market = match r.u8()? {
                    0 => None,
                    1 => Some(r.u32()?),
                    _ => return Err(DecodeError::Invalid("option")),
                };
                Command::MassCancel { account, market }
            }
            13 => Command::Check,
            _ => return Err(DecodeError::Invalid("command tag")),
        })
    }
}

impl Envelope {
    /// Appends the binary encoding of the envelope to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = Writer(out);
        w.u64(self.seq);
        w.u64(self.ts);
        self.cmd.encode(out);
    }

    /// Decodes a whole envelope; trailing bytes are an error.
    pub fn decode(buf: &[u8]) -> Result<Envelope, DecodeError> {
        let mut r = Reader::new(buf);
        let seq = r.u64()?;
        let ts = r.u64()?;
        let cmd = Command::decode(&mut r)?;
        if r.remaining() != 0 {
            return Err(DecodeError::Invalid("trailing bytes"));
        }
        Ok(Envelope { seq, ts, cmd })
    }
}
