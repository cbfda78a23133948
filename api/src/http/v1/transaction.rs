//! Transactions: `/transaction`, `/rawtx`, `/transactions`,
//! `/transactions/num`, `/pendingTxs`, `/injectTransaction`,
//! `/resendUnconfirmedTxns`.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use skyx_coins::sky::address::Address;
use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::transaction::Transaction;
use skyx_node::mempool::UnconfirmedTxn;

use super::blockchain::resolve_inputs;
use super::txwalk::TxWalk;
use super::{blocking, head};
use crate::http::error::{ApiError, ApiResult};
use crate::http::json::misc::{Resent, TxnsNum};
use crate::http::json::transaction::{
    Encoded, Status, Transaction as TxnJson, TransactionVerbose, Unconfirmed, WithStatus,
};
use crate::http::json::Json;
use crate::http::params::{
    bool_flag, go_bool_error, parse_addresses, parse_go_bool, parse_sha256, Form, JsonV1,
};
use crate::http::state::{AppState, SharedState};
use crate::http::stream::{self, ArrayWriter, Producer};

/// A transaction found by id, confirmed or in the pool.
#[derive(Debug, Clone)]
pub enum Found {
    /// In block `seq` at `time`.
    Confirmed {
        /// The transaction.
        txn: Transaction,
        /// Block seq.
        seq: u64,
        /// Block time.
        time: u64,
    },
    /// In the pool.
    Unconfirmed(UnconfirmedTxn),
}

impl Found {
    /// The transaction.
    pub fn txn(&self) -> &Transaction {
        match self {
            Found::Confirmed { txn, .. } => txn,
            Found::Unconfirmed(u) => &u.txn,
        }
    }

    /// Its status under head `top`.
    pub fn status(&self, top: u64) -> Status {
        match self {
            Found::Confirmed { seq, .. } => Status::confirmed(*seq, top),
            Found::Unconfirmed(_) => Status::unconfirmed(),
        }
    }

    /// Block time, or arrival time in seconds.
    pub fn time(&self) -> u64 {
        match self {
            Found::Confirmed { time, .. } => *time,
            Found::Unconfirmed(u) => u64::try_from(u.received / 1_000_000_000).unwrap_or(0),
        }
    }
}

/// Looks a transaction up in the chain, then in the pool.
pub fn find(s: &AppState, txid: &Sha256) -> ApiResult<Option<Found>> {
    if let Some(rec) = s.store.transaction(txid)? {
        let time = s
            .store
            .block_header(rec.seq)?
            .map(|h| h.time)
            .ok_or_else(|| ApiError::internal("block of a transaction is missing"))?;
        return Ok(Some(Found::Confirmed {
            txn: rec.txn,
            seq: rec.seq,
            time,
        }));
    }
    Ok(s.store.unconfirmed_txn(txid)?.map(Found::Unconfirmed))
}

/// The time inputs of `f` are valued at: the previous block's for a
/// confirmed one, the head's for a pooled one.
pub fn input_time(s: &AppState, f: &Found) -> ApiResult<u64> {
    match f {
        Found::Confirmed { seq: 0, time, .. } => Ok(*time),
        Found::Confirmed { seq, .. } => s
            .store
            .block_header(seq - 1)?
            .map(|h| h.time)
            .ok_or_else(|| ApiError::internal("previous block is missing")),
        Found::Unconfirmed(_) => Ok(head(s)?.time),
    }
}

/// The plain shape with status.
pub fn with_status(f: &Found, top: u64) -> WithStatus<TxnJson> {
    WithStatus {
        status: f.status(top),
        time: f.time(),
        txn: TxnJson::new(f.txn(), Some(f.time())),
    }
}

/// The verbose shape with status.
pub fn with_status_verbose(
    s: &AppState,
    f: &Found,
    top: u64,
) -> ApiResult<WithStatus<TransactionVerbose>> {
    let spent = resolve_inputs(s, &f.txn().inputs)?;
    let t = input_time(s, f)?;
    Ok(WithStatus {
        status: f.status(top),
        time: f.time(),
        txn: TransactionVerbose::new(f.txn(), &spent, t, Some(f.time())),
    })
}

fn txid_param(form: &Form) -> ApiResult<Sha256> {
    let txid = form.get("txid");
    if txid.is_empty() {
        return Err(ApiError::bad_request("txid is empty"));
    }
    parse_sha256(txid).map_err(ApiError::bad_request)
}

/// `GET /api/v1/transaction`
#[utoipa::path(get, path = "/api/v1/transaction", tag = "transaction",
    params(("txid" = String, Query, description = "Transaction id (hex)"),
           ("verbose" = Option<bool>, Query, description = "Resolve inputs and show the fee"),
           ("encoded" = Option<bool>, Query, description = "Serialized transaction instead")),
    responses((status = 200, description = "The transaction with its status", body = WithStatus<TxnJson>,
                example = json!({"status": {"confirmed": true, "unconfirmed": false, "height": 181, "block_seq": 0}, "time": 1426562704, "txn": {}})),
              (status = 400, description = "Bad parameter, e.g. `400 Bad Request - Invalid hex length`"),
              (status = 404, description = "Unknown transaction, `404 Not Found`")))]
pub async fn transaction_handler(State(s): State<SharedState>, form: Form) -> ApiResult<Response> {
    let txid = form.get("txid").to_string();
    if txid.is_empty() {
        return Err(ApiError::bad_request("txid is empty"));
    }
    let verbose = bool_flag(&form, "verbose")?;
    let encoded = bool_flag(&form, "encoded")?;
    if verbose && encoded {
        return Err(ApiError::bad_request(
            "verbose and encoded cannot be combined",
        ));
    }
    let h = txid_param(&form)?;
    blocking(&s, move |s| {
        let f = find(s, &h)?.ok_or_else(ApiError::not_found)?;
        let top = head(s)?.bk_seq;
        Ok(if encoded {
            Json(Encoded {
                status: f.status(top),
                time: f.time(),
                encoded_transaction: hex::encode(f.txn().encode()),
            })
            .into_response()
        } else if verbose {
            Json(with_status_verbose(s, &f, top)?).into_response()
        } else {
            Json(with_status(&f, top)).into_response()
        })
    })
    .await
}

/// `GET /api/v1/rawtx`
#[utoipa::path(get, path = "/api/v1/rawtx", tag = "transaction",
    params(("txid" = String, Query, description = "Transaction id (hex)")),
    responses((status = 200, description = "Serialized transaction as a JSON string", body = String),
              (status = 400, description = "Bad txid"), (status = 404, description = "Unknown transaction")))]
pub async fn rawtx_handler(State(s): State<SharedState>, form: Form) -> ApiResult<Json<String>> {
    let h = txid_param(&form)?;
    blocking(&s, move |s| {
        let f = find(s, &h)?.ok_or_else(ApiError::not_found)?;
        Ok(Json(hex::encode(f.txn().encode())))
    })
    .await
}

/// Parses `addrs` and `confirmed` as `/transactions` does.
pub fn list_filters(form: &Form) -> ApiResult<(Vec<Address>, Option<bool>)> {
    let addrs = parse_addresses(form.get("addrs"))
        .map_err(|e| ApiError::bad_request(format!("parse parameter: 'addrs' failed: {e}")))?;
    let c = form.get("confirmed");
    let confirmed = if c.is_empty() {
        None
    } else {
        Some(parse_go_bool(c).ok_or_else(|| {
            ApiError::bad_request(format!("invalid 'confirmed' value: {}", go_bool_error(c)))
        })?)
    };
    Ok((addrs, confirmed))
}

/// Shapes a list of transactions.
pub fn shape_list(s: &AppState, found: &[Found], verbose: bool) -> ApiResult<serde_json::Value> {
    let top = head(s)?.bk_seq;
    let v = if verbose {
        let list = found
            .iter()
            .map(|f| with_status_verbose(s, f, top))
            .collect::<ApiResult<Vec<_>>>()?;
        serde_json::to_value(list)
    } else {
        serde_json::to_value(
            found
                .iter()
                .map(|f| with_status(f, top))
                .collect::<Vec<_>>(),
        )
    };
    v.map_err(|e| ApiError::internal(e.to_string()))
}

/// The answer of `/transactions`, written a few transactions at a time.
struct TxList {
    walk: TxWalk,
    verbose: bool,
    array: Option<ArrayWriter>,
}

impl Producer for TxList {
    fn fill(&mut self, s: &AppState, out: &mut Vec<u8>, budget: usize) -> ApiResult<bool> {
        let top = self.walk.top();
        let array = self.array.get_or_insert_with(|| ArrayWriter::open(out, 1));
        while out.len() < budget {
            let Some(f) = self.walk.next(s)? else {
                array.close(out);
                return Ok(false);
            };
            if self.verbose {
                array.item(out, &with_status_verbose(s, &f, top)?)?;
            } else {
                array.item(out, &with_status(&f, top))?;
            }
        }
        Ok(true)
    }
}

/// `GET|POST /api/v1/transactions`
#[utoipa::path(method(get, post), path = "/api/v1/transactions", tag = "transaction",
    params(("addrs" = Option<String>, Query, description = "Comma-separated addresses; empty: all"),
           ("confirmed" = Option<bool>, Query, description = "Only confirmed (true) or only pool (false)"),
           ("verbose" = Option<bool>, Query, description = "Resolve inputs")),
    responses((status = 200, description = "Transactions with status, by time", body = [WithStatus<TxnJson>]),
              (status = 400, description = "Bad parameter, e.g. `400 Bad Request - parse parameter: 'addrs' failed: address \"x\" is invalid: Invalid address length`")))]
pub async fn transactions_handler(State(s): State<SharedState>, form: Form) -> ApiResult<Response> {
    let verbose = bool_flag(&form, "verbose")?;
    let (addrs, confirmed) = list_filters(&form)?;
    let walk = blocking(&s, move |s| TxWalk::new(s, &addrs, confirmed, false)).await?;
    stream::respond(
        &s,
        TxList {
            walk,
            verbose,
            array: None,
        },
    )
    .await
}

/// `GET /api/v1/transactions/num`
#[utoipa::path(get, path = "/api/v1/transactions/num", tag = "transaction",
    responses((status = 200, description = "Number of confirmed transactions", body = TxnsNum,
               example = json!({"txns_num": 182}))))]
pub async fn transactions_num_handler(State(s): State<SharedState>) -> ApiResult<Json<TxnsNum>> {
    blocking(&s, |s| {
        Ok(Json(TxnsNum {
            txns_num: s.store.counts()?.transactions,
        }))
    })
    .await
}

/// Pool transactions read per page.
const POOL_PAGE: usize = 256;

/// The answer of `/pendingTxs`: the pool in txid order, a page at a time.
struct Pending {
    verbose: bool,
    /// The head time inputs are valued at.
    head_time: u64,
    after: Option<Sha256>,
    array: Option<ArrayWriter>,
}

impl Producer for Pending {
    fn fill(&mut self, s: &AppState, out: &mut Vec<u8>, budget: usize) -> ApiResult<bool> {
        let array = self.array.get_or_insert_with(|| ArrayWriter::open(out, 1));
        while out.len() < budget {
            let page = s.store.unconfirmed_page(self.after.as_ref(), POOL_PAGE)?;
            for u in &page {
                if self.verbose {
                    let spent = resolve_inputs(s, &u.txn.inputs)?;
                    let t = TransactionVerbose::new(&u.txn, &spent, self.head_time, None);
                    array.item(out, &Unconfirmed::new(t, u))?;
                } else {
                    array.item(out, &Unconfirmed::new(TxnJson::new(&u.txn, None), u))?;
                }
            }
            match page.last() {
                Some(last) if page.len() == POOL_PAGE => self.after = Some(last.txn.hash()),
                _ => {
                    array.close(out);
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }
}

/// `GET /api/v1/pendingTxs`
#[utoipa::path(get, path = "/api/v1/pendingTxs", tag = "transaction",
    params(("verbose" = Option<bool>, Query, description = "Resolve inputs")),
    responses((status = 200, description = "Pool transactions", body = [Unconfirmed<TxnJson>])))]
pub async fn pending_handler(State(s): State<SharedState>, form: Form) -> ApiResult<Response> {
    let verbose = bool_flag(&form, "verbose")?;
    let head_time = blocking(&s, |s| Ok(head(s)?.time)).await?;
    stream::respond(
        &s,
        Pending {
            verbose,
            head_time,
            after: None,
            array: None,
        },
    )
    .await
}

/// Body of `/injectTransaction`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct InjectRequest {
    /// Serialized signed transaction (hex).
    #[serde(default)]
    pub rawtx: String,
    /// Add to the pool without announcing to peers.
    #[serde(default)]
    pub no_broadcast: bool,
}

/// The reference's refusal when there is nobody to broadcast to.
pub const NETWORKING_DISABLED: &str = "Networking is disabled";

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Checks, pools and (unless asked not to) announces a transaction.
pub fn inject(s: &AppState, req: &InjectRequest) -> ApiResult<String> {
    if req.rawtx.is_empty() {
        return Err(ApiError::bad_request("rawtx is required"));
    }
    let bytes = crate::http::params::go_hex_decode(&req.rawtx).map_err(ApiError::bad_request)?;
    let txn = Transaction::decode(&bytes).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let connected = s.connected_peers().len();
    if !req.no_broadcast && connected == 0 {
        return Err(ApiError::v1(
            StatusCode::SERVICE_UNAVAILABLE,
            NETWORKING_DISABLED,
        ));
    }
    let txid = match s.store.inject(txn, now_ns()) {
        Ok(t) => t,
        Err(skyx_node::error::NodeError::Pool(e)) => {
            let kind = match e.kind() {
                skyx_node::mempool::ConstraintKind::Hard => "hard",
                skyx_node::mempool::ConstraintKind::Soft => "soft",
                skyx_node::mempool::ConstraintKind::User => "user",
            };
            return Err(ApiError::bad_request(format!(
                "Transaction violates {kind} constraint: {e}"
            )));
        }
        Err(skyx_node::error::NodeError::Invalid(m)) => {
            return Err(ApiError::bad_request(format!(
                "Transaction violates hard constraint: {m}"
            )))
        }
        Err(e) => return Err(e.into()),
    };
    if !req.no_broadcast {
        if let Some(p) = &s.peers {
            p.announce_txns(vec![txid]);
        }
    }
    Ok(txid.to_hex())
}

/// `POST /api/v1/injectTransaction`
#[utoipa::path(post, path = "/api/v1/injectTransaction", tag = "transaction",
    request_body = InjectRequest,
    responses((status = 200, description = "The txid as a JSON string", body = String),
              (status = 400, description = "Invalid transaction"),
              (status = 503, description = "No peer to broadcast to: `503 Service Unavailable - Networking is disabled`")))]
pub async fn inject_handler(
    State(s): State<SharedState>,
    JsonV1(req): JsonV1<InjectRequest>,
) -> ApiResult<Json<String>> {
    blocking(&s, move |s| inject(s, &req).map(Json)).await
}

/// `POST /api/v1/resendUnconfirmedTxns`
#[utoipa::path(post, path = "/api/v1/resendUnconfirmedTxns", tag = "transaction",
    responses((status = 200, description = "Txids announced again", body = Resent),
              (status = 503, description = "Networking is off")))]
pub async fn resend_handler(State(s): State<SharedState>) -> ApiResult<Json<Resent>> {
    blocking(&s, |s| {
        let Some(p) = &s.peers else {
            return Err(ApiError::v1(
                StatusCode::SERVICE_UNAVAILABLE,
                NETWORKING_DISABLED,
            ));
        };
        let mut txids: Vec<Sha256> = Vec::new();
        loop {
            let page = s.store.unconfirmed_page(txids.last(), POOL_PAGE)?;
            let full = page.len() == POOL_PAGE;
            txids.extend(page.iter().map(|u| u.txn.hash()));
            if !full {
                break;
            }
        }
        p.announce_txns(txids.clone());
        Ok(Json(Resent {
            txids: txids.iter().map(Sha256::to_hex).collect(),
        }))
    })
    .await
}
