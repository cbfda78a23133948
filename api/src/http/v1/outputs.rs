//! Outputs and balances: `/outputs`, `/balance`, `/uxout`, `/address_uxouts`.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use skyx_coins::sky::address::Address;
use skyx_coins::sky::block::BlockHeader;
use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::uxout::{UxBody, UxOut};

use super::{blocking, head};
use crate::http::error::{ApiError, ApiResult};
use crate::http::json::block::Header;
use crate::http::json::output::{
    Balance, BalancePair, BalanceResponse, OutputsSummary, SpentOutput, UnspentOutput,
};
use crate::http::json::Json;
use crate::http::params::{parse_address, parse_addresses, parse_hashes, parse_sha256, Form};
use crate::http::state::{AppState, SharedState, UnspentFigures};
use crate::http::stream::{self, close_object, write_key, write_nested, ArrayWriter, Producer};

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

/// Unspent outputs looked up per page while `/outputs` is written.
const OUTPUTS_PAGE: usize = 512;

/// The head outputs `/outputs` lists, as (creation time, id) in its order.
enum OutputKeys {
    /// Every unspent output, from the per-head figures.
    All(Arc<UnspentFigures>),
    /// Gathered for this request.
    Own(Vec<(u64, Sha256)>),
}

impl OutputKeys {
    fn keys(&self) -> &[(u64, Sha256)] {
        match self {
            OutputKeys::All(f) => &f.by_time,
            OutputKeys::Own(v) => v,
        }
    }
}

/// Where an [`OutputsAnswer`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Start,
    Head,
    Rest,
}

/// The answer of `/outputs`: the head header, then the head outputs read
/// a page at a time in order, then the pool's effects on them.
pub struct OutputsAnswer {
    head: BlockHeader,
    keys: OutputKeys,
    next: usize,
    outgoing: Vec<UxOut>,
    incoming: Vec<UxOut>,
    stage: Stage,
    array: Option<ArrayWriter>,
}

/// Sorts outputs as `/outputs` lists them: newest first, then by id.
fn sort_outputs(v: &mut [UxOut]) {
    v.sort_by(|a, b| {
        b.head
            .time
            .cmp(&a.head.time)
            .then_with(|| a.hash().0.cmp(&b.hash().0))
    });
}

impl OutputsAnswer {
    /// The outputs `filter` selects (`figures` must be the current
    /// figures for [`OutputFilter::All`]).
    pub fn new(
        s: &AppState,
        filter: &OutputFilter,
        figures: Option<Arc<UnspentFigures>>,
    ) -> ApiResult<OutputsAnswer> {
        let h = head(s)?;
        let (mut outgoing, mut incoming) = pool_effects(s)?;
        let keys = match (filter, figures) {
            (OutputFilter::All, Some(f)) => OutputKeys::All(f),
            (OutputFilter::All, None) => {
                return Err(ApiError::internal("unspent figures are missing"))
            }
            (OutputFilter::Addresses(addrs), _) => {
                let mut keys = Vec::new();
                for a in addrs {
                    keys.extend(
                        s.store
                            .address_unspent(a)?
                            .iter()
                            .map(|u| (u.head.time, u.hash())),
                    );
                }
                keys.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1 .0.cmp(&b.1 .0)));
                OutputKeys::Own(keys)
            }
            (OutputFilter::Hashes(ids), _) => {
                let mut keys: Vec<(u64, Sha256)> = s
                    .store
                    .unspents(ids)?
                    .into_iter()
                    .flatten()
                    .map(|u| (u.head.time, u.hash()))
                    .collect();
                keys.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1 .0.cmp(&b.1 .0)));
                OutputKeys::Own(keys)
            }
        };
        let keep = |ux: &UxOut| match filter {
            OutputFilter::All => true,
            OutputFilter::Addresses(a) => a.contains(&ux.body.address),
            OutputFilter::Hashes(ids) => ids.contains(&ux.hash()),
        };
        outgoing.retain(keep);
        incoming.retain(keep);
        sort_outputs(&mut outgoing);
        sort_outputs(&mut incoming);
        Ok(OutputsAnswer {
            head: h,
            keys,
            next: 0,
            outgoing,
            incoming,
            stage: Stage::Start,
            array: None,
        })
    }
}

impl Producer for OutputsAnswer {
    fn fill(&mut self, s: &AppState, out: &mut Vec<u8>, budget: usize) -> ApiResult<bool> {
        let t = self.head.time;
        if self.stage == Stage::Start {
            out.push(b'{');
            write_key(out, "head", 1, true);
            write_nested(out, &Header::new(&self.head), 1)?;
            write_key(out, "head_outputs", 1, false);
            self.array = Some(ArrayWriter::open(out, 2));
            self.stage = Stage::Head;
        }
        if self.stage == Stage::Head {
            let array = self
                .array
                .as_mut()
                .ok_or_else(|| ApiError::internal("outputs answer lost its place"))?;
            while out.len() < budget {
                let keys = self.keys.keys();
                let Some(page) = keys.get(self.next..(self.next + OUTPUTS_PAGE).min(keys.len()))
                else {
                    break;
                };
                if page.is_empty() {
                    break;
                }
                let ids: Vec<Sha256> = page.iter().map(|k| k.1).collect();
                self.next += ids.len();
                // An output spent since the list was made is left out.
                for ux in s.store.unspents(&ids)?.into_iter().flatten() {
                    array.item(out, &UnspentOutput::new(&ux, t))?;
                }
            }
            if self.next < self.keys.keys().len() {
                return Ok(true);
            }
            array.close(out);
            self.stage = Stage::Rest;
        }
        // The pool's part is held in memory already: write it at once.
        write_key(out, "outgoing_outputs", 1, false);
        let mut a = ArrayWriter::open(out, 2);
        for ux in &self.outgoing {
            a.item(out, &UnspentOutput::new(ux, t))?;
        }
        a.close(out);
        write_key(out, "incoming_outputs", 1, false);
        let mut a = ArrayWriter::open(out, 2);
        for ux in &self.incoming {
            a.item(out, &UnspentOutput::new(ux, t))?;
        }
        a.close(out);
        close_object(out, 0);
        Ok(false)
    }
}

/// `GET|POST /api/v1/outputs`
#[utoipa::path(method(get, post), path = "/api/v1/outputs", tag = "outputs",
    params(("addrs" = Option<String>, Query, description = "Comma-separated addresses"),
           ("hashes" = Option<String>, Query, description = "Comma-separated output ids; not with addrs")),
    responses((status = 200, description = "Unspent outputs and the pool's effect on them", body = OutputsSummary),
              (status = 400, description = "Bad parameter, e.g. `400 Bad Request - addrs and hashes cannot be specified together`")))]
pub async fn outputs_handler(State(s): State<SharedState>, form: Form) -> ApiResult<Response> {
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
    let figures = match filter {
        OutputFilter::All => Some(s.figures().await?),
        _ => None,
    };
    let answer = blocking(&s, move |s| OutputsAnswer::new(s, &filter, figures)).await?;
    stream::respond(&s, answer).await
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
    blocking(&s, move |s| balance(s, &addrs).map(Json)).await
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

/// History entries read per page while `/address_uxouts` is written.
const HISTORY_PAGE: u64 = 256;

/// The answer of `/address_uxouts`: every output an address received, in
/// chain order, found a page of its history at a time.
pub struct AddressUxouts {
    address: Address,
    head_time: u64,
    /// History entries taken so far, and in all.
    taken: u64,
    count: u64,
    array: Option<ArrayWriter>,
}

impl Producer for AddressUxouts {
    fn fill(&mut self, s: &AppState, out: &mut Vec<u8>, budget: usize) -> ApiResult<bool> {
        let array = self.array.get_or_insert_with(|| ArrayWriter::open(out, 1));
        while out.len() < budget && self.taken < self.count {
            let page = s
                .store
                .address_history(&self.address, self.taken, HISTORY_PAGE, false)?;
            if page.is_empty() {
                break;
            }
            self.taken += page.len() as u64;
            let mut block: Option<skyx_coins::sky::block::Block> = None;
            for e in &page {
                if block.as_ref().is_none_or(|b| b.head.bk_seq != e.seq) {
                    let b = s.store.block_by_seq(e.seq)?.ok_or_else(|| {
                        ApiError::internal(format!("history points at missing block {}", e.seq))
                    })?;
                    block = Some(b.block);
                }
                let Some(b) = block.as_ref() else {
                    continue;
                };
                let txn = b
                    .body
                    .transactions
                    .get(e.pos as usize)
                    .filter(|t| t.hash() == e.txid)
                    .ok_or_else(|| {
                        ApiError::internal(format!(
                            "history transaction {} is not at {} in block {}",
                            e.txid, e.pos, e.seq
                        ))
                    })?;
                let ids: Vec<Sha256> = txn
                    .created_outputs(&e.txid, e.seq, b.head.time)
                    .iter()
                    .filter(|ux| ux.body.address == self.address)
                    .map(UxOut::hash)
                    .collect();
                for r in s.store.outputs(&ids)?.into_iter().flatten() {
                    array.item(out, &SpentOutput::new(&r.ux, r.spent, self.head_time))?;
                }
            }
        }
        if self.taken < self.count {
            return Ok(true);
        }
        array.close(out);
        Ok(false)
    }
}

/// `GET /api/v1/address_uxouts`
#[utoipa::path(get, path = "/api/v1/address_uxouts", tag = "outputs",
    params(("address" = String, Query, description = "An address")),
    responses((status = 200, description = "Every output the address received", body = [SpentOutput]),
              (status = 400, description = "Bad address, e.g. `400 Bad Request - Invalid checksum`")))]
pub async fn address_uxouts_handler(
    State(s): State<SharedState>,
    form: Form,
) -> ApiResult<Response> {
    let a = form.get("address");
    if a.is_empty() {
        return Err(ApiError::bad_request("address is empty"));
    }
    let address = parse_address(a).map_err(ApiError::bad_request)?;
    let answer = blocking(&s, move |s| {
        Ok(AddressUxouts {
            address,
            head_time: head(s)?.time,
            taken: 0,
            count: s.store.address_tx_count(&address)?,
            array: None,
        })
    })
    .await?;
    stream::respond(&s, answer).await
}
