//! Canonical state encoding, the state hash's input, and snapshot files.
//!
//! The encoding lists everything that determines future behaviour in a
//! canonical order (accounts by id, withdrawals by id, markets by id, orders in
//! priority order), independent of memory layout (slab slots, hash maps). The
//! state hash is SHA-256 of it, and a snapshot file is it framed as
//! `u64 len || u32 crc32c || bytes`. Snapshot files are written to a temporary
//! name, fsynced, renamed and the directory fsynced, so a crash leaves either the
//! old or the new snapshot, never a half-written one.

use crate::book::RestingOrder;
use crate::codec::{DecodeError, Reader, Writer};
use crate::command::{decode_market, encode_market};
use crate::engine::{Engine, MarketState};
use crate::ledger::{AssetTotals, Ledger, PendingWithdrawal};
use crate::market::AssetSpec;
use crate::stp::StpMode;
use crate::types::Side;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"SKYXSTAT";
const VERSION: u32 = 1;

/// Encodes the canonical state of an engine.
pub fn encode_state(e: &Engine) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    out.extend_from_slice(MAGIC);
    let mut w = Writer(&mut out);
    w.u32(VERSION);
    w.u64(e.last_seq);
    w.u64(e.now);
    let l = &e.ledger;
    w.u32(l.assets.len() as u32);
    for (a, t) in l.assets.iter().zip(&l.totals) {
        w.u32(a.id);
        w.u8(a.decimals);
        w.u64(t.fee);
        w.u64(t.supply);
        w.u128(t.deposited);
        w.u128(t.withdrawn);
    }
    let slots = l.sorted_slots();
    w.u32(slots.len() as u32);
    for (account, slot) in slots {
        w.u64(account);
        for ai in 0..l.assets.len() {
            let b = l.balance_at(slot, ai);
            w.u64(b.available);
            w.u64(b.held);
        }
    }
    w.u32(l.pending.len() as u32);
    for (wid, p) in &l.pending {
        w.u64(*wid);
        w.u64(p.account);
        w.u32(p.asset);
        w.u64(p.amount);
    }
    let markets: Vec<&MarketState> = e.markets.iter().flatten().map(|m| &**m).collect();
    w.u32(markets.len() as u32);
    for m in markets {
        encode_market(&mut w, &m.spec);
        w.u64(m.depth_seq);
        for side in [Side::Buy, Side::Sell] {
            let n = m.book.orders(side).count();
            w.u32(n as u32);
            for o in m.book.orders(side) {
                w.u64(o.id);
                w.u64(o.account);
                w.u64(o.price);
                w.u64(o.qty);
                w.u64(o.held);
                w.u64(o.maker_cum);
                w.u64(o.expiry);
                w.u8(o.stp.code());
            }
        }
    }
    out
}

/// Rebuilds an engine from [`encode_state`]'s output.
pub fn decode_state(buf: &[u8]) -> Result<Engine, DecodeError> {
    if buf.len() < 8 || &buf[..8] != MAGIC {
        return Err(DecodeError::Invalid("snapshot magic"));
    }
    let mut r = Reader::new(&buf[8..]);
    if r.u32()? != VERSION {
        return Err(DecodeError::Invalid("snapshot version"));
    }
    let last_seq = r.u64()?;
    let now = r.u64()?;
    let mut ledger = Ledger::new();
    let na = r.u32()? as usize;
    let mut totals = Vec::new();
    for _ in 0..na {
        let spec = AssetSpec {
            id: r.u32()?,
            decimals: r.u8()?,
        };
        ledger
            .add_asset(spec)
            .map_err(|_| DecodeError::Invalid("asset"))?;
        totals.push(AssetTotals {
            fee: r.u64()?,
            supply: r.u64()?,
            deposited: r.u128()?,
            withdrawn: r.u128()?,
        });
    }
    ledger.totals = totals;
    let nacc = r.u32()? as usize;
    for _ in 0..nacc {
        let account = r.u64()?;
        let slot = ledger
            .slot_or_create(account)
            .map_err(|_| DecodeError::Invalid("account"))?;
        for ai in 0..na {
            let i = ledger.at(slot, ai);
            ledger.bal[i].available = r.u64()?;
            ledger.bal[i].held = r.u64()?;
        }
    }
    let np = r.u32()? as usize;
    for _ in 0..np {
        let wid = r.u64()?;
        let p = PendingWithdrawal {
            account: r.u64()?,
            asset: r.u32()?,
            amount: r.u64()?,
        };
        ledger.pending.insert(wid, p);
    }
    let nm = r.u32()? as usize;
    let mut markets: Vec<Option<Box<MarketState>>> = Vec::new();
    for _ in 0..nm {
        let spec = decode_market(&mut r)?;
        let depth_seq = r.u64()?;
        let base_ai = ledger
            .asset_index(spec.base)
            .map_err(|_| DecodeError::Invalid("market base"))?;
        let quote_ai = ledger
            .asset_index(spec.quote)
            .map_err(|_| DecodeError::Invalid("market quote"))?;
        let mut ms = Engine::new_market_state(spec, base_ai, quote_ai, depth_seq)
            .map_err(|_| DecodeError::Invalid("market spec"))?;
        for side in [Side::Buy, Side::Sell] {
            let n = r.u32()? as usize;
            for _ in 0..n {
                let id = r.u64()?;
                let account = r.u64()?;
                let slot = ledger
                    .slot(account)
                    .ok_or(DecodeError::Invalid("order account"))?;
                let o = RestingOrder {
                    id,
                    account,
                    slot,
                    side,
                    price: r.u64()?,
                    qty: r.u64()?,
                    held: r.u64()?,
                    maker_cum: r.u64()?,
                    expiry: r.u64()?,
                    stp: StpMode::from_code(r.u8()?).ok_or(DecodeError::Invalid("stp"))?,
                };
                ms.book
                    .insert(o)
                    .map_err(|_| DecodeError::Invalid("order"))?;
            }
        }
        let i = spec.id as usize;
        if markets.len() <= i {
            markets.resize_with(i + 1, || None);
        }
        markets[i] = Some(Box::new(ms));
    }
    if r.remaining() != 0 {
        return Err(DecodeError::Invalid("trailing bytes"));
    }
    Ok(Engine::from_parts(markets, ledger, now, last_seq))
}

fn snapshot_name(seq: u64) -> String {
    format!("snapshot-{seq:020}.snap")
}

pub use crate::journal::sync_dir;

/// Writes encoded state of sequence `seq` as a snapshot file in `dir`, atomically; keeps the newest `keep`.
pub fn write_snapshot(dir: &Path, seq: u64, state: &[u8], keep: usize) -> io::Result<PathBuf> {
    let tmp = dir.join(format!("snapshot-{seq:020}.tmp"));
    let path = dir.join(snapshot_name(seq));
    {
        let mut f = fs::File::create(&tmp)?;
        let mut head = Vec::with_capacity(12);
        head.extend_from_slice(&(state.len() as u64).to_le_bytes());
        head.extend_from_slice(&crc32c::crc32c(state).to_le_bytes());
        f.write_all(&head)?;
        f.write_all(state)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, &path)?;
    sync_dir(dir)?;
    let mut all = list_snapshots(dir)?;
    all.sort_unstable();
    if all.len() > keep.max(1) {
        for (_, p) in &all[..all.len() - keep.max(1)] {
            fs::remove_file(p)?;
        }
    }
    Ok(path)
}

/// Removes leftovers of snapshot writes a crash interrupted.
pub fn remove_temporaries(dir: &Path) -> io::Result<()> {
    for ent in fs::read_dir(dir)? {
        let ent = ent?;
        let name = ent.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with("snapshot-") && name.ends_with(".tmp") && ent.path().is_file() {
            fs::remove_file(ent.path())?;
        }
    }
    Ok(())
}

/// Snapshot files in `dir` with their sequence numbers.
pub fn list_snapshots(dir: &Path) -> io::Result<Vec<(u64, PathBuf)>> {
    let mut v = Vec::new();
    for ent in fs::read_dir(dir)? {
        let ent = ent?;
        let name = ent.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(num) = name
            .strip_prefix("snapshot-")
            .and_then(|s| s.strip_suffix(".snap"))
        {
            if let Ok(seq) = num.parse::<u64>() {
                v.push((seq, ent.path()));
            }
        }
    }
    Ok(v)
}

/// Reads and verifies one snapshot file.
pub fn read_snapshot(path: &Path) -> Result<Engine, DecodeError> {
    let buf = fs::read(path).map_err(|_| DecodeError::Invalid("snapshot unreadable"))?;
    if buf.len() < 12 {
        return Err(DecodeError::Truncated);
    }
    let mut len = [0u8; 8];
    len.copy_from_slice(&buf[..8]);
    let mut crc = [0u8; 4];
    crc.copy_from_slice(&buf[8..12]);
    let body = &buf[12..];
    if u64::from_le_bytes(len) != body.len() as u64 {
        return Err(DecodeError::Truncated);
    }
    if crc32c::crc32c(body) != u32::from_le_bytes(crc) {
        return Err(DecodeError::Invalid("snapshot checksum"));
    }
    decode_state(body)
}

/// What [`load_latest`] found.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The engine of the newest valid snapshot, if any.
    pub engine: Option<Engine>,
    /// Its sequence number (0 without a snapshot).
    pub seq: u64,
    /// Newer snapshot files that failed their checks, with the reason.
    pub damaged: Vec<(PathBuf, DecodeError)>,
}

/// Loads the newest valid snapshot in `dir` (older ones are tried if the newest is damaged).
pub fn load_latest(dir: &Path) -> io::Result<Loaded> {
    let mut all = list_snapshots(dir)?;
    all.sort_unstable_by(|a, b| b.cmp(a));
    let mut out = Loaded::default();
    for (seq, p) in all {
        match read_snapshot(&p).and_then(|e| {
            if e.last_seq() == seq {
                Ok(e)
            } else {
                Err(DecodeError::Invalid(
                    "snapshot sequence differs from its name",
                ))
            }
        }) {
            Ok(e) => {
                out.engine = Some(e);
                out.seq = seq;
                break;
            }
            Err(err) => out.damaged.push((p, err)),
        }
    }
    Ok(out)
}

/// Renames a damaged snapshot to `NAME.damaged`: kept for inspection, no
/// longer counted among the snapshots.
pub fn set_aside(path: &Path) -> io::Result<PathBuf> {
    let mut name = path.as_os_str().to_owned();
    name.push(".damaged");
    let to = PathBuf::from(name);
    fs::rename(path, &to)?;
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{Command, Envelope};
    use crate::error::EngineError;
    use crate::fees::FeeSchedule;
    use crate::market::MarketSpec;
    use crate::order::NewOrder;

    /// One asset pair, one market, and a resting buy order with id 0x5eed.
    fn engine() -> Engine {
        let mut e = Engine::new();
        let spec = MarketSpec {
            id: 7,
            base: 1,
            quote: 2,
            base_per_lot: 10,
            quote_per_tick: 100,
            min_notional: 100,
            band_low: 1,
            band_high: 1000,
            fees: FeeSchedule {
                maker_bps: 0,
                taker_bps: 0,
            },
        };
        let commands = [
            Command::AddAsset(AssetSpec { id: 1, decimals: 0 }),
            Command::AddAsset(AssetSpec { id: 2, decimals: 0 }),
            Command::AddMarket(spec),
            Command::Deposit {
                account: 1,
                asset: 2,
                amount: 1_000_000,
            },
            Command::Place(NewOrder::limit(7, 0x5eed, 1, Side::Buy, 100, 3)),
        ];
        for (i, cmd) in commands.into_iter().enumerate() {
            let seq = i as u64 + 1;
            e.apply(&Envelope { seq, ts: seq, cmd });
        }
        e.verify().unwrap();
        e
    }

    fn at(bytes: &[u8], needle: &[u8]) -> usize {
        bytes
            .windows(needle.len())
            .position(|w| w == needle)
            .unwrap()
    }

    /// Found by the `journal` fuzz target: damaged snapshots (withdrawn
    /// above deposited; an order whose quantity times price overflows) load,
    /// and verifying them overflowed instead of reporting the imbalance.
    #[test]
    fn damaged_snapshots_fail_verification_without_overflowing() {
        let e = engine();
        let good = encode_state(&e);
        assert_eq!(decode_state(&good).unwrap().state_hash(), e.state_hash());

        // Asset 0's totals: after magic, version, last seq, time, asset
        // count, id, decimals, fee, supply and deposited.
        let mut bytes = good.clone();
        let withdrawn = 8 + 4 + 8 + 8 + 4 + 4 + 1 + 8 + 8 + 16;
        bytes[withdrawn..withdrawn + 16].copy_from_slice(&u128::MAX.to_le_bytes());
        let loaded = decode_state(&bytes).unwrap();
        assert_eq!(loaded.verify(), Err(EngineError::LedgerImbalance));

        // The order: id, account, price, then quantity.
        let mut bytes = good;
        let qty = at(&bytes, &0x5eed_u64.to_le_bytes()) + 24;
        bytes[qty..qty + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        let loaded = decode_state(&bytes).unwrap();
        assert_eq!(loaded.verify(), Err(EngineError::LedgerImbalance));
    }
}
