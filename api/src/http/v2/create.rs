//! `POST /api/v2/transaction`: builds an unsigned transaction from the
//! unspent outputs of some addresses (or from listed outputs), with the
//! reference's request checks; the spend choice, the burn-factor fee and
//! the hours distribution are [`skyx_coins::sky::create`].

use std::collections::{HashMap, HashSet};

use axum::extract::State;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use skyx_coins::sky::address::Address;
use skyx_coins::sky::create::{
    create, CreateParams, HoursSelection as Hours, ShareFactor, UxBalance,
};
use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::transaction::{Transaction, TransactionOutput};
use skyx_coins::sky::uxout::UxOut;
use utoipa::ToSchema;

use super::bad;
use crate::http::error::ApiResult;
use crate::http::json::transaction::Created;
use crate::http::json::v2_ok;
use crate::http::params::{parse_address, parse_sha256, JsonV2};
use crate::http::state::{AppState, SharedState};
use crate::http::v1::{blocking, head};
use skyx_coins::sky::droplet;

/// How output hours are chosen.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct HoursSelection {
    /// `auto` or `manual`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// `share` (auto only).
    #[serde(default)]
    pub mode: String,
    /// Share of the hours left after the fee that goes to the receivers, 0..1.
    #[schema(value_type = Option<String>, example = "0.5")]
    pub share_factor: Option<serde_json::Value>,
}

/// One receiver.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Receiver {
    /// Address.
    pub address: String,
    /// Coins, decimal string.
    #[schema(example = "1.5")]
    pub coins: String,
    /// Hours, decimal string (manual only).
    pub hours: Option<String>,
}

/// Body of `/api/v2/transaction`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateRequest {
    /// Skip outputs the pool already spends instead of refusing.
    #[serde(default)]
    pub ignore_unconfirmed: bool,
    /// Hours selection.
    #[serde(default)]
    pub hours_selection: HoursSelection,
    /// Where change goes (default: the first input's owner).
    pub change_address: Option<String>,
    /// Receivers.
    #[serde(default)]
    pub to: Vec<Receiver>,
    /// Outputs to spend from (not with `addresses`).
    pub unspents: Option<Vec<String>>,
    /// Addresses to spend from (not with `unspents`).
    pub addresses: Option<Vec<String>>,
}

/// The answer: the transaction and its serialization.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreateResponse {
    /// The unsigned transaction.
    pub transaction: Created,
    /// Serialized (hex), with empty signature slots.
    pub encoded_transaction: String,
}

/// A decimal in [0, 1] as `num / den`.
fn parse_share(v: &serde_json::Value) -> Result<(u128, u128), String> {
    let text = match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => return Err("invalid hours_selection.share_factor".into()),
    };
    let t = text.trim();
    if t.starts_with('-') {
        return Err("hours_selection.share_factor cannot be negative".into());
    }
    let (i, f) = t.split_once('.').unwrap_or((t, ""));
    let ok = |x: &str| x.chars().all(|c| c.is_ascii_digit());
    if (i.is_empty() && f.is_empty()) || !ok(i) || !ok(f) || f.len() > 18 || i.len() > 18 {
        return Err("invalid hours_selection.share_factor".into());
    }
    let den = 10u128.pow(f.len() as u32);
    let num = format!("{i}{f}").parse::<u128>().unwrap_or(0);
    if num > den {
        return Err("hours_selection.share_factor cannot be more than 1".into());
    }
    Ok((num, den))
}

/// A validated request.
#[derive(Debug)]
pub struct Plan {
    to: Vec<TransactionOutput>,
    manual: bool,
    share: (u128, u128),
    change: Option<Address>,
    addresses: Vec<Address>,
    unspents: Vec<Sha256>,
    ignore_unconfirmed: bool,
}

/// The reference's request checks, in its order.
pub fn validate(r: &CreateRequest, precision: u64) -> Result<Plan, String> {
    let change = match &r.change_address {
        Some(a) => {
            let a = parse_address(a)?;
            if a.is_null() {
                return Err("change_address must not be the null address".into());
            }
            Some(a)
        }
        None => None,
    };
    let hs = &r.hours_selection;
    let manual = match hs.kind.as_str() {
        "auto" => {
            if let Some(i) = r.to.iter().position(|t| t.hours.is_some()) {
                return Err(format!(
                    "to[{i}].hours must not be specified for auto hours_selection.mode"
                ));
            }
            match hs.mode.as_str() {
                "share" => {}
                "" => return Err("missing hours_selection.mode".into()),
                _ => return Err("invalid hours_selection.mode".into()),
            }
            false
        }
        "manual" => {
            if let Some(i) = r.to.iter().position(|t| t.hours.is_none()) {
                return Err(format!(
                    "to[{i}].hours must be specified for manual hours_selection.mode"
                ));
            }
            if !hs.mode.is_empty() {
                return Err(
                    "hours_selection.mode cannot be used for manual hours_selection.type".into(),
                );
            }
            true
        }
        "" => return Err("missing hours_selection.type".into()),
        _ => return Err("invalid hours_selection.type".into()),
    };
    let share = match &hs.share_factor {
        None if hs.mode == "share" => {
            return Err(
                "missing hours_selection.share_factor when hours_selection.mode is share".into(),
            )
        }
        None => (0, 1),
        Some(_) if hs.mode != "share" => {
            return Err(
                "hours_selection.share_factor can only be used when hours_selection.mode is share"
                    .into(),
            )
        }
        Some(v) => parse_share(v)?,
    };
    let addrs_in = r.addresses.clone().unwrap_or_default();
    let uxs_in = r.unspents.clone().unwrap_or_default();
    if !addrs_in.is_empty() && !uxs_in.is_empty() {
        return Err("unspents and addresses cannot be combined".into());
    }
    let mut addresses = Vec::new();
    for (i, a) in addrs_in.iter().enumerate() {
        if a.is_empty() {
            return Err(format!("addresses[{i}] is empty"));
        }
        let a = parse_address(a)?;
        if addresses.contains(&a) {
            return Err("addresses contains duplicate values".into());
        }
        addresses.push(a);
    }
    let mut unspents = Vec::new();
    for u in &uxs_in {
        let h = parse_sha256(u)?;
        if unspents.contains(&h) {
            return Err("unspents contains duplicate values".into());
        }
        unspents.push(h);
    }
    if r.to.is_empty() {
        return Err("to is empty".into());
    }
    let mut to = Vec::with_capacity(r.to.len());
    for (i, t) in r.to.iter().enumerate() {
        if t.address.is_empty() {
            return Err(format!("to[{i}].address is empty"));
        }
        let address = parse_address(&t.address)?;
        let coins = droplet::from_str(&t.coins).map_err(|e| e.to_string())?;
        if coins == 0 {
            return Err(format!("to[{i}].coins must not be zero"));
        }
        if coins % precision != 0 {
            return Err(format!("to[{i}].coins has too many decimal places"));
        }
        let hours = match &t.hours {
            Some(h) => h
                .parse::<u64>()
                .map_err(|_| format!("to[{i}].hours is invalid"))?,
            None => 0,
        };
        let out = TransactionOutput {
            address,
            coins,
            hours,
        };
        if to.contains(&out) {
            return Err("to contains duplicate values".into());
        }
        to.push(out);
    }
    if addresses.is_empty() && unspents.is_empty() {
        return Err("one of addresses or unspents must not be empty".into());
    }
    Ok(Plan {
        to,
        manual,
        share,
        change,
        addresses,
        unspents,
        ignore_unconfirmed: r.ignore_unconfirmed,
    })
}

/// Gathers the candidate outputs and builds the unsigned transaction with
/// the reference's spend choice, fee and hour distribution
/// ([`skyx_coins::sky::create`]).
pub fn build(s: &AppState, p: &Plan) -> Result<(Transaction, Vec<UxOut>), String> {
    let h = head(s).map_err(|e| e.message)?;
    let burn = s.store.params().burn_factor;
    let mut candidates: Vec<UxOut> = Vec::new();
    let err = |e: skyx_node::error::NodeError| e.to_string();
    for a in &p.addresses {
        candidates.extend(s.store.address_unspent(a).map_err(err)?);
    }
    if !p.unspents.is_empty() {
        for (id, ux) in p
            .unspents
            .iter()
            .zip(s.store.unspents(&p.unspents).map_err(err)?)
        {
            candidates.push(ux.ok_or_else(|| format!("unspent output of {id} does not exist"))?);
        }
    }
    let pooled: HashSet<Sha256> = s
        .store
        .unconfirmed()
        .map_err(err)?
        .iter()
        .flat_map(|u| u.txn.inputs.clone())
        .collect();
    if candidates.iter().any(|u| pooled.contains(&u.hash())) {
        if !p.ignore_unconfirmed {
            return Err("Please spend after your pending transaction is confirmed".into());
        }
        candidates.retain(|u| !pooled.contains(&u.hash()));
    }
    let balances = candidates
        .iter()
        .map(|u| UxBalance::new(h.time, u))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let hours = if p.manual {
        Hours::Manual
    } else {
        let (num, den) = p.share;
        Hours::Share(
            u64::try_from(num)
                .ok()
                .zip(u64::try_from(den).ok())
                .and_then(|(n, d)| ShareFactor::new(n, d))
                .ok_or("invalid hours_selection.share_factor")?,
        )
    };
    let params = CreateParams {
        to: p.to.clone(),
        hours,
        change: p.change,
    };
    let (txn, _) = create(&params, &balances, burn).map_err(|e| e.to_string())?;
    let by_id: HashMap<Sha256, UxOut> = candidates.into_iter().map(|u| (u.hash(), u)).collect();
    let spent = txn
        .inputs
        .iter()
        .map(|id| by_id.get(id).copied())
        .collect::<Option<Vec<_>>>()
        .ok_or("a chosen input is not among the candidates")?;
    Ok((txn, spent))
}

/// `POST /api/v2/transaction`
#[utoipa::path(post, path = "/api/v2/transaction", tag = "transaction",
    request_body(content = CreateRequest, example = json!({"hours_selection": {"type": "auto", "mode": "share", "share_factor": "0.5"}, "addresses": ["2THDupTBEo7UqB6dsVizkYUvkKq82Qn4gjf"], "to": [{"address": "2jBbGxZRGoQG1mqhPBnXnLTxK6oxsTf8os6", "coins": "1.5"}]})),
    responses((status = 200, description = "`{\"data\": …}`: the unsigned transaction", body = CreateResponse),
              (status = 400, description = "Bad request or not enough coins or hours", body = crate::http::error::ErrorResponse,
               example = json!({"error": {"message": "to is empty", "code": 400}}))))]
pub async fn create_handler(
    State(s): State<SharedState>,
    JsonV2(req): JsonV2<CreateRequest>,
) -> ApiResult<Response> {
    let precision = s.store.params().droplet_precision();
    let plan = validate(&req, precision).map_err(bad)?;
    blocking(&s, move |s| {
        let (txn, spent) = build(s, &plan).map_err(bad)?;
        let t = head(s).map_err(super::v2)?.time;
        Ok(v2_ok(CreateResponse {
            transaction: Created::new(&txn, Some(&spent), t),
            encoded_transaction: hex::encode(txn.encode()),
        }))
    })
    .await
}
