//! Outputs and balances: `/outputs`, `/balance`, `/uxout`, `/address_uxouts`.

use std::collections::{BTreeMap, HashSet};

use axum::extract::State;
use skyx_coins::sky::address::Address;
use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::uxout::{UxBody, UxOut};

use super::{blocking, head, inline};
use crate::http::error::{ApiError, ApiResult};
use crate::http::json::block::Header;
use crate::http::json::output::{
    Balance, BalancePair, BalanceResponse, OutputsSummary, SpentOutput, UnspentOutput,
};
use crate::http::json::Json;
use crate::http::params::{parse_address, parse_addresses, parse_hashes, parse_sha256, Form};
use crate::http::state::{AppState, SharedState};

/// Which outputs `/outputs` shows.
#[derive(Debug, Clone)]
pub enum OutputFilter {
    /// Every unspent output.
    All,
    /// Those of these addresses.
    Addresses(Vec<Address>),
    /// Those with these ids.
    Hashes(Vec<Sha256>),
}

/// What the pool changes: outputs it spends and outputs it creates
/// (valued at the head: created at the head's time and seq).
pub fn pool_effects(s: &AppState) -> ApiResult<(Vec<UxOut>, Vec<UxOut>)> {
    let h = head(s)?;
    let mut outgoing = Vec::new();
    let mut incoming = Vec::new();
    let mut seen = HashSet::new();
    for u in s.store.unconfirmed()? {
        for ux in s.store.unspents(&u.txn.inputs)?.into_iter().flatten() {
            if seen.insert(ux.hash()) {
                outgoing.push(ux);
            }
        }
        let txid = u.txn.hash();
        for o in &u.txn.outputs {
            incoming.push(UxOut::new(UxBody::from_output(txid, o), h.time, h.bk_seq));
        }
    }
    Ok((outgoing, incoming))
}

fn sort_outputs(v: &mut [UxOut]) {
    v.sort_by(|a, b| {
        b.head
            .time
            .cmp(&a.head.time)
            .then_with(|| a.hash().0.cmp(&b.hash().0))
    });
}

/// `/outputs` for a filter.
pub fn outputs(s: &AppState, filter: &OutputFilter) -> ApiResult<OutputsSummary> {
    let h = head(s)?;
    let (mut outgoing, mut incoming) = pool_effects(s)?;
    let mut head_outputs = match filter {
        OutputFilter::All => s.store.all_unspent()?,
        OutputFilter::Addresses(addrs) => {
            let mut v = Vec::new();
            for a in addrs {
                v.extend(s.store.address_unspent(a)?);
            }
            v
        }
        OutputFilter::Hashes(ids) => s.store.unspents(ids)?.into_iter().flatten().collect(),
    };
    let keep = |ux: &UxOut| match filter {
        OutputFilter::All => true,
        OutputFilter::Addresses(a) => a.contains(&ux.body.address),
        OutputFilter::Hashes(ids) => ids.contains(&ux.hash()),
    };
    outgoing.retain(keep);
    incoming.retain(keep);
    sort_outputs(&mut head_outputs);
    sort_outputs(&mut outgoing);
    sort_outputs(&mut incoming);
    let shape = |v: &[UxOut]| v.iter().map(|u| UnspentOutput::new(u, h.time)).collect();
    Ok(OutputsSummary {
        head: Header::new(&h),
        head_outputs: shape(&head_outputs),
        outgoing_outputs: shape(&outgoing),
        incoming_outputs: shape(&incoming),
    })
}

/// `GET|POST /api/v1/outputs`
#[utoipa::path(method(get, post), path = "/api/v1/outputs", tag = "outputs",
    params(("addrs" = Option<String>, Query, description = "Comma-separated addresses"),
           ("hashes" = Option<String>, Query, description = "Comma-separated output ids; not with addrs")),
    responses((status = 200, description = "Unspent outputs and the pool's effect on them", body = OutputsSummary),
              (status = 400, description = "Bad parameter, e.g. `400 Bad Request - addrs and hashes cannot be specified together`")))]
pub async fn outputs_handler(
    State(s): State<SharedState>,
    form: Form,
) -> ApiResult<Json<OutputsSummary>> {
    let (a, h) = (form.get("addrs"), form.get("hashes"));
    if !a.is_empty() && !h.is_empty() {
        return Err(ApiError::bad_request(
            "addrs and hashes cannot be specified together",
        ));
    }
    let mut filter = OutputFilter::All;
    if !a.is_empty() {
        let addrs = parse_addresses(a).map_err(ApiError::bad_request)?;
        if !addrs.is_empty() {
            filter = OutputFilter::Addresses(addrs);
        }
    }
    if !h.is_empty() {
        let ids = parse_hashes(h).map_err(ApiError::bad_request)?;
        if !ids.is_empty() {
            filter = OutputFilter::Hashes(ids);
        }
    }
    blocking(&s, move |s| outputs(s, &filter).map(Json)).await
}

/// Confirmed and predicted balances of addresses.
pub fn balance(s: &AppState, addrs: &[Address]) -> ApiResult<BalanceResponse> {
    let t = head(s)?.time;
    let (outgoing, incoming) = pool_effects(s)?;
    let spent: HashSet<Sha256> = outgoing.iter().map(UxOut::hash).collect();
    let mut per = BTreeMap::new();
    let (mut conf_total, mut pred_total) = (Balance::default(), Balance::default());
    for a in addrs {
        let mut pair = BalancePair::default();
        for ux in s.store.address_unspent(a)? {
            let b = Balance {
                coins: ux.body.coins,
                hours: ux.coin_hours(t).unwrap_or(0),
            };
            pair.confirmed = pair.confirmed.add(b);
            if !spent.contains(&ux.hash()) {
                pair.predicted = pair.predicted.add(b);
            }
        }
        for ux in incoming.iter().filter(|u| u.body.address == *a) {
            pair.predicted = pair.predicted.add(Balance {
                coins: ux.body.coins,
                hours: ux.body.hours,
            });
        }
        conf_total = conf_total.add(pair.confirmed);
        pred_total = pred_total.add(pair.predicted);
        per.insert(a.to_string(), pair);
    }
    Ok(BalanceResponse {
        confirmed: conf_total,
        predicted: pred_total,
        addresses: per,
    })
}

/// `GET|POST /api/v1/balance`
#[utoipa::path(method(get, post), path = "/api/v1/balance", tag = "outputs",
    params(("addrs" = String, Query, description = "Comma-separated addresses")),
    responses((status = 200, description = "Balances in droplets and hours", body = BalanceResponse,
               example = json!({"confirmed": {"coins": 1000000000000u64, "hours": 1013371112}, "predicted": {"coins": 1000000000000u64, "hours": 1013371112}, "addresses": {}})),
              (status = 400, description = "Bad or missing addresses, e.g. `400 Bad Request - addrs is required`")))]
pub async fn balance_handler(
    State(s): State<SharedState>,
    form: Form,
) -> ApiResult<Json<BalanceResponse>> {
    let addrs = parse_addresses(form.get("addrs")).map_err(ApiError::bad_request)?;
    if addrs.is_empty() {
        return Err(ApiError::bad_request("addrs is required"));
    }
    inline(&s, move |s| balance(s, &addrs).map(Json))
}

/// `GET /api/v1/uxout`
#[utoipa::path(get, path = "/api/v1/uxout", tag = "outputs",
    params(("uxid" = String, Query, description = "Output id (hex)")),
    responses((status = 200, description = "The output and what spent it", body = SpentOutput),
              (status = 400, description = "Bad uxid"), (status = 404, description = "Unknown output")))]
pub async fn uxout_handler(
    State(s): State<SharedState>,
    form: Form,
) -> ApiResult<Json<SpentOutput>> {
    let uxid = form.get("uxid");
    if uxid.is_empty() {
        return Err(ApiError::bad_request("uxid is empty"));
    }
    let id = parse_sha256(uxid).map_err(ApiError::bad_request)?;
    blocking(&s, move |s| {
        let t = head(s)?.time;
        let r = s.store.output(&id)?.ok_or_else(ApiError::not_found)?;
        Ok(Json(SpentOutput::new(&r.ux, r.spent, t)))
    })
    .await
}

/// `GET /api/v1/address_uxouts`
#[utoipa::path(get, path = "/api/v1/address_uxouts", tag = "outputs",
    params(("address" = String, Query, description = "An address")),
    responses((status = 200, description = "Every output the address received", body = [SpentOutput]),
              (status = 400, description = "Bad address, e.g. `400 Bad Request - Invalid checksum`")))]
pub async fn address_uxouts_handler(
    State(s): State<SharedState>,
    form: Form,
) -> ApiResult<Json<Vec<SpentOutput>>> {
    let a = form.get("address");
    if a.is_empty() {
        return Err(ApiError::bad_request("address is empty"));
    }
    let addr = parse_address(a).map_err(ApiError::bad_request)?;
    blocking(&s, move |s| {
        let t = head(s)?.time;
        let list = s
            .store
            .address_outputs(&addr)?
            .iter()
            .map(|r| SpentOutput::new(&r.ux, r.spent, t))
            .collect();
        Ok(Json(list))
    })
    .await
}
