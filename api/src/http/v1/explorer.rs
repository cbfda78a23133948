//! Explorer figures: `/coinSupply`, `/richlist`, `/addresscount`, all read
//! from the per-head [figures](crate::http::state::UnspentFigures), which
//! are computed once per block however many requests ask.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use skyx_coins::sky::address::Address;
use skyx_coins::sky::coin_hours::DROPLETS_PER_COIN;

use crate::http::droplet;
use crate::http::error::{ApiError, ApiResult};
use crate::http::json::misc::{AddressCount, CoinSupply, Richlist, RichlistEntry};
use crate::http::json::Json;
use crate::http::params::{parse_go_bool, Form};
use crate::http::state::{AppState, SharedState, UnspentFigures};
use crate::http::stream::{self, close_object, write_key, ArrayWriter, Producer};

/// Droplets each distribution address received.
pub const DISTRIBUTION_BALANCE: u64 = 1_000_000 * DROPLETS_PER_COIN;

/// The coin supply figures.
pub fn coin_supply(s: &AppState, f: &UnspentFigures) -> CoinSupply {
    let cfg = &s.config;
    let unlocked: Vec<Address> = cfg
        .distribution
        .iter()
        .take(cfg.unlocked)
        .filter_map(|a| a.parse().ok())
        .collect();
    let unlocked_held: u64 = unlocked
        .iter()
        .filter_map(|a| f.balances.get(a))
        .map(|b| b.0)
        .sum();
    let total_supply = (unlocked.len() as u64).saturating_mul(DISTRIBUTION_BALANCE);
    let current_supply = total_supply.saturating_sub(unlocked_held);
    let (total_hours, current_hours) = (f.hours_unlocked, f.hours_outside_distribution);
    CoinSupply {
        current_supply: droplet::to_string(current_supply),
        total_supply: droplet::to_string(total_supply),
        max_supply: droplet::to_string(cfg.max_supply),
        current_coinhour_supply: current_hours.to_string(),
        total_coinhour_supply: total_hours.to_string(),
        unlocked_distribution_addresses: cfg
            .distribution
            .iter()
            .take(cfg.unlocked)
            .cloned()
            .collect(),
        locked_distribution_addresses: cfg
            .distribution
            .iter()
            .skip(cfg.unlocked)
            .cloned()
            .collect(),
    }
}

/// `GET /api/v1/coinSupply`
#[utoipa::path(get, path = "/api/v1/coinSupply", tag = "explorer",
    responses((status = 200, description = "Coin supply", body = CoinSupply)))]
pub async fn coin_supply_handler(State(s): State<SharedState>) -> ApiResult<Json<CoinSupply>> {
    let f = s.figures().await?;
    Ok(Json(coin_supply(&s, &f)))
}

/// The answer of `/richlist`: rows of the per-head rich list, written a
/// few thousand at a time.
pub struct RichlistAnswer {
    figures: Arc<UnspentFigures>,
    /// Rows written at most (all when `None`).
    n: Option<u64>,
    include_distribution: bool,
    /// Next row of the figures' list to look at.
    next: usize,
    array: Option<ArrayWriter>,
}

impl RichlistAnswer {
    /// The first `n` rows (all when `n` is 0 or less), distribution
    /// addresses only when asked for.
    pub fn new(figures: Arc<UnspentFigures>, n: i64, include_distribution: bool) -> Self {
        RichlistAnswer {
            figures,
            n: u64::try_from(n).ok().filter(|n| *n > 0),
            include_distribution,
            next: 0,
            array: None,
        }
    }
}

impl Producer for RichlistAnswer {
    fn fill(&mut self, _s: &AppState, out: &mut Vec<u8>, budget: usize) -> ApiResult<bool> {
        let array = match self.array.as_mut() {
            Some(a) => a,
            None => {
                out.push(b'{');
                write_key(out, "richlist", 1, true);
                self.array.insert(ArrayWriter::open(out, 2))
            }
        };
        while out.len() < budget {
            let full = self.n.is_some_and(|n| array.written() >= n);
            let Some(row) = self.figures.rich.get(self.next).filter(|_| !full) else {
                array.close(out);
                close_object(out, 0);
                return Ok(false);
            };
            self.next += 1;
            if row.distribution && !self.include_distribution {
                continue;
            }
            array.item(
                out,
                &RichlistEntry {
                    address: row.address.to_string(),
                    coins: droplet::to_string(row.coins),
                    locked: row.locked,
                },
            )?;
        }
        Ok(true)
    }
}

/// `GET /api/v1/richlist`
#[utoipa::path(get, path = "/api/v1/richlist", tag = "explorer",
    params(("n" = Option<i64>, Query, description = "Rows (default 20; 0 or less: all)"),
           ("include-distribution" = Option<bool>, Query, description = "Include distribution addresses")),
    responses((status = 200, description = "Largest balances", body = Richlist),
              (status = 400, description = "`400 Bad Request - invalid n`")))]
pub async fn richlist_handler(State(s): State<SharedState>, form: Form) -> ApiResult<Response> {
    let n_str = form.get("n");
    let n: i64 = if n_str.is_empty() {
        20
    } else {
        n_str
            .parse()
            .map_err(|_| ApiError::bad_request("invalid n"))?
    };
    let d = form.get("include-distribution");
    let include = if d.is_empty() {
        false
    } else {
        parse_go_bool(d).ok_or_else(|| ApiError::bad_request("invalid include-distribution"))?
    };
    let f = s.figures().await?;
    stream::respond(&s, RichlistAnswer::new(f, n, include)).await
}

/// `GET /api/v1/addresscount`
#[utoipa::path(get, path = "/api/v1/addresscount", tag = "explorer",
    responses((status = 200, description = "Addresses holding coins", body = AddressCount,
               example = json!({"count": 155}))))]
pub async fn address_count_handler(State(s): State<SharedState>) -> ApiResult<Json<AddressCount>> {
    let f = s.figures().await?;
    Ok(Json(AddressCount {
        count: f.rich.len() as u64,
    }))
}
