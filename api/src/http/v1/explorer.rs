//! Explorer figures: `/coinSupply`, `/richlist`, `/addresscount`.

use axum::extract::State;
use skyx_coins::sky::address::Address;
use skyx_coins::sky::coin_hours::DROPLETS_PER_COIN;

use super::blocking;
use crate::http::droplet;
use crate::http::error::{ApiError, ApiResult};
use crate::http::json::misc::{AddressCount, CoinSupply, Richlist, RichlistEntry};
use crate::http::json::Json;
use crate::http::params::{go_bool_error, parse_go_bool, Form};
use crate::http::state::{AppState, SharedState};

/// Droplets each distribution address received.
pub const DISTRIBUTION_BALANCE: u64 = 1_000_000 * DROPLETS_PER_COIN;

/// The coin supply figures.
pub fn coin_supply(s: &AppState) -> ApiResult<CoinSupply> {
    let f = s.figures()?;
    let cfg = &s.config;
    let unlocked: Vec<Address> = cfg
        .distribution
        .iter()
        .take(cfg.unlocked)
        .filter_map(|a| a.parse().ok())
        .collect();
    let locked: Vec<Address> = cfg
        .distribution
        .iter()
        .skip(cfg.unlocked)
        .filter_map(|a| a.parse().ok())
        .collect();
    let unlocked_held: u64 = unlocked
        .iter()
        .filter_map(|a| f.balances.get(a))
        .map(|b| b.0)
        .sum();
    let total_supply = (unlocked.len() as u64).saturating_mul(DISTRIBUTION_BALANCE);
    let current_supply = total_supply.saturating_sub(unlocked_held);
    let (mut total_hours, mut current_hours) = (0u64, 0u64);
    for (a, (_, h)) in &f.balances {
        if locked.contains(a) {
            continue;
        }
        total_hours = total_hours.saturating_add(*h);
        if !unlocked.contains(a) {
            current_hours = current_hours.saturating_add(*h);
        }
    }
    Ok(CoinSupply {
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
    })
}

/// `GET /api/v1/coinSupply`
#[utoipa::path(get, path = "/api/v1/coinSupply", tag = "explorer",
    responses((status = 200, description = "Coin supply", body = CoinSupply)))]
pub async fn coin_supply_handler(State(s): State<SharedState>) -> ApiResult<Json<CoinSupply>> {
    blocking(&s, |s| coin_supply(s).map(Json)).await
}

/// The rich list: largest balances first, then locked addresses first,
/// then by address bytes.
pub fn richlist(s: &AppState, n: i64, include_distribution: bool) -> ApiResult<Richlist> {
    let f = s.figures()?;
    let mut rows: Vec<(Address, u64, bool)> = f
        .balances
        .iter()
        .filter(|(a, (coins, _))| *coins > 0 && (include_distribution || !s.is_distribution(a)))
        .map(|(a, (coins, _))| (*a, *coins, s.is_locked(a)))
        .collect();
    rows.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| b.2.cmp(&a.2))
            .then_with(|| a.0.to_bytes().cmp(&b.0.to_bytes()))
    });
    if n > 0 && (n as u64) < rows.len() as u64 {
        rows.truncate(n as usize);
    }
    Ok(Richlist {
        richlist: rows
            .into_iter()
            .map(|(a, c, locked)| RichlistEntry {
                address: a.to_string(),
                coins: droplet::to_string(c),
                locked,
            })
            .collect(),
    })
}

/// `GET /api/v1/richlist`
#[utoipa::path(get, path = "/api/v1/richlist", tag = "explorer",
    params(("n" = Option<i64>, Query, description = "Rows (default 20; 0 or less: all)"),
           ("include-distribution" = Option<bool>, Query, description = "Include distribution addresses")),
    responses((status = 200, description = "Largest balances", body = Richlist),
              (status = 400, description = "`400 Bad Request - invalid n`")))]
pub async fn richlist_handler(
    State(s): State<SharedState>,
    form: Form,
) -> ApiResult<Json<Richlist>> {
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
        parse_go_bool(d).ok_or_else(|| {
            let _ = go_bool_error(d);
            ApiError::bad_request("invalid include-distribution")
        })?
    };
    blocking(&s, move |s| richlist(s, n, include).map(Json)).await
}

/// `GET /api/v1/addresscount`
#[utoipa::path(get, path = "/api/v1/addresscount", tag = "explorer",
    responses((status = 200, description = "Addresses holding coins", body = AddressCount,
               example = json!({"count": 155}))))]
pub async fn address_count_handler(State(s): State<SharedState>) -> ApiResult<Json<AddressCount>> {
    blocking(&s, |s| {
        let f = s.figures()?;
        Ok(Json(AddressCount {
            count: f.balances.values().filter(|(c, _)| *c > 0).count() as u64,
        }))
    })
    .await
}
