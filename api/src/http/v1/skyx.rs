//! skyx's own answer for deposit tracking: `/api/v1/skyx/transaction_status`.

use axum::extract::State;

use super::transaction::{find, Found};
use super::{blocking, head};
use crate::http::error::{ApiError, ApiResult};
use crate::http::json::misc::TxStatus;
use crate::http::json::Json;
use crate::http::params::{parse_sha256, Form};
use crate::http::state::{AppState, SharedState};

/// Where a transaction stands, with its confirmations and finality.
pub fn transaction_status(
    s: &AppState,
    txid: &skyx_coins::sky::hash::Sha256,
) -> ApiResult<TxStatus> {
    let top = head(s)?.bk_seq;
    let found = find(s, txid)?;
    Ok(match found {
        Some(Found::Confirmed { seq, time, .. }) => {
            let confirmations = top.saturating_sub(seq) + 1;
            TxStatus {
                txid: txid.to_hex(),
                status: "confirmed".into(),
                block_seq: Some(seq),
                block_hash: s.store.block_hash(seq)?.map(|h| h.to_hex()),
                confirmations,
                time: Some(time),
                is_final: confirmations >= s.config.final_depth,
            }
        }
        Some(f @ Found::Unconfirmed(_)) => TxStatus {
            txid: txid.to_hex(),
            status: "unconfirmed".into(),
            block_seq: None,
            block_hash: None,
            confirmations: 0,
            time: Some(f.time()),
            is_final: false,
        },
        None => TxStatus {
            txid: txid.to_hex(),
            status: "unknown".into(),
            block_seq: None,
            block_hash: None,
            confirmations: 0,
            time: None,
            is_final: false,
        },
    })
}

/// `GET /api/v1/skyx/transaction_status`
#[utoipa::path(get, path = "/api/v1/skyx/transaction_status", tag = "skyx",
    params(("txid" = String, Query, description = "Transaction id (hex)")),
    responses((status = 200, description = "Status, confirmations and finality", body = TxStatus,
               example = json!({"txid": "d556c1c7abf1e86138316b8c17183665512dc67633c04cf236a8b7f332cb4add", "status": "confirmed", "block_seq": 0, "block_hash": "0551a1e5af999fe8fff529f6f2ab341e1e33db95135eef1b2be44fe6981349f3", "confirmations": 181, "time": 1426562704, "final": true})),
              (status = 400, description = "Bad txid")))]
pub async fn transaction_status_handler(
    State(s): State<SharedState>,
    form: Form,
) -> ApiResult<Json<TxStatus>> {
    let txid = form.get("txid");
    if txid.is_empty() {
        return Err(ApiError::bad_request("txid is empty"));
    }
    let h = parse_sha256(txid).map_err(ApiError::bad_request)?;
    blocking(&s, move |s| transaction_status(s, &h).map(Json)).await
}
