//! `POST /api/v2/transaction/verify` and `POST /api/v2/address/verify`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use skyx_coins::sky::coin_hours::verify_fee;
use skyx_coins::sky::transaction::{
    input_hours, verify_coins_spending, verify_hours_spending, Transaction,
};
use skyx_coins::sky::uxout::UxOut;
use utoipa::ToSchema;

use super::bad;
use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::json::misc::AddressVerified;
use crate::http::json::transaction::Created;
use crate::http::json::{respond, v2_ok};
use crate::http::params::{go_hex_decode, parse_address, JsonV2};
use crate::http::state::{AppState, SharedState};
use crate::http::v1::{blocking, head};

/// Body of `/transaction/verify`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyTxnRequest {
    /// Verify as an unsigned transaction (empty signature slots allowed).
    #[serde(default)]
    pub unsigned: bool,
    /// Serialized transaction (hex).
    #[serde(default)]
    pub encoded_transaction: String,
}

/// Answer of `/transaction/verify`.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyTxnResponse {
    /// The transaction is not fully signed.
    pub unsigned: bool,
    /// It is already in a block.
    pub confirmed: bool,
    /// The decoded transaction.
    pub transaction: Created,
}

/// The whole answer with data and, when a rule is broken, an error.
#[derive(Debug, Serialize)]
struct DataAndError<T> {
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorBody>,
    data: T,
}

/// Whether every input has a non-empty signature.
pub fn fully_signed(t: &Transaction) -> bool {
    !t.sigs.is_empty() && t.sigs.len() == t.inputs.len() && t.sigs.iter().all(|s| !s.is_zero())
}

/// A broken rule, in the reference's three kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// Consensus rule.
    Hard(String),
    /// Pool rule.
    Soft(String),
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Violation::Hard(m) => write!(f, "Transaction violates hard constraint: {m}"),
            Violation::Soft(m) => write!(f, "Transaction violates soft constraint: {m}"),
        }
    }
}

/// Checks a transaction against the head as the reference's
/// `VerifyTxnVerbose` does: soft rules first, then hard ones. Returns the
/// spent outputs when all are unspent.
pub fn check(
    s: &AppState,
    t: &Transaction,
    unsigned: bool,
) -> ApiResult<(Option<Vec<UxOut>>, Option<Violation>)> {
    let h = head(s)?;
    let params = s.store.params();
    let found = s.store.unspents(&t.inputs)?;
    if let Some(pos) = found.iter().position(Option::is_none) {
        return Ok((
            None,
            Some(Violation::Hard(format!(
                "unspent output of {} does not exist",
                t.inputs[pos]
            ))),
        ));
    }
    let spent: Vec<UxOut> = found.into_iter().flatten().collect();
    let soft = (|| {
        if t.size() > params.max_transaction_size {
            return Some("Transaction size bigger than max transaction size".to_string());
        }
        let precision = params.droplet_precision();
        if t.outputs.iter().any(|o| o.coins % precision != 0) {
            return Some(
                "Transaction output has invalid coin value: invalid amount, too many decimal places"
                    .into(),
            );
        }
        if spent.iter().any(|u| s.is_locked(&u.body.address)) {
            return Some("Transaction has locked address inputs".into());
        }
        let hin = input_hours(h.time, &spent).ok()?;
        let hout = t.output_hours().ok()?;
        verify_fee(hin, hout, params.burn_factor)
            .err()
            .map(|e| e.to_string())
    })();
    if let Some(m) = soft {
        return Ok((Some(spent), Some(Violation::Soft(m))));
    }
    let structure = if unsigned {
        t.verify_unsigned()
    } else {
        t.verify()
    };
    let hard = structure
        .and_then(|()| {
            if unsigned {
                Ok(())
            } else {
                t.verify_input_signatures(&spent)
            }
        })
        .and_then(|()| verify_coins_spending(&spent, &t.outputs))
        .and_then(|()| verify_hours_spending(h.time, &spent, &t.outputs))
        .err()
        .map(|e| Violation::Hard(e.to_string()));
    Ok((Some(spent), hard))
}

/// `POST /api/v2/transaction/verify`
#[utoipa::path(post, path = "/api/v2/transaction/verify", tag = "transaction",
    request_body = VerifyTxnRequest,
    responses((status = 200, description = "`{\"data\": …}`: valid", body = VerifyTxnResponse),
              (status = 400, description = "Not decodable", body = crate::http::error::ErrorResponse,
               example = json!({"error": {"message": "decode transaction failed: encoding/hex: odd length hex string", "code": 400}})),
              (status = 422, description = "A rule is broken: `error` and `data` together", body = VerifyTxnResponse,
               example = json!({"error": {"message": "Transaction violates soft constraint: Transaction has zero coinhour fee", "code": 422}, "data": {"unsigned": true, "confirmed": false, "transaction": {}}}))))]
pub async fn verify_txn_handler(
    State(s): State<SharedState>,
    JsonV2(req): JsonV2<VerifyTxnRequest>,
) -> ApiResult<Response> {
    if req.encoded_transaction.is_empty() {
        return Err(bad("encoded_transaction is required"));
    }
    let bytes = go_hex_decode(&req.encoded_transaction)
        .map_err(|e| bad(format!("decode transaction failed: {e}")))?;
    let t =
        Transaction::decode(&bytes).map_err(|e| bad(format!("decode transaction failed: {e}")))?;
    blocking(&s, move |s| {
        let head_time = head(s)?.time;
        let txid = t.hash();
        let (inputs, error) = if s.store.transaction(&txid)?.is_some() {
            let spent = crate::http::v1::blockchain::resolve_inputs(s, &t.inputs).ok();
            (spent, Some("transaction has been spent".to_string()))
        } else {
            let (spent, v) = check(s, &t, req.unsigned)?;
            (spent, v.map(|v| v.to_string()))
        };
        let data = VerifyTxnResponse {
            unsigned: !fully_signed(&t),
            confirmed: error.as_deref() == Some("transaction has been spent"),
            transaction: Created::new(&t, inputs.as_deref(), head_time),
        };
        Ok(match error {
            Some(message) => respond(
                StatusCode::UNPROCESSABLE_ENTITY,
                &DataAndError {
                    error: Some(ErrorBody { message, code: 422 }),
                    data,
                },
            ),
            None => v2_ok(data),
        })
    })
    .await
}

/// Body of `/address/verify`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyAddressRequest {
    /// The address.
    #[serde(default)]
    pub address: String,
}

/// `POST /api/v2/address/verify`
#[utoipa::path(post, path = "/api/v2/address/verify", tag = "address",
    request_body = VerifyAddressRequest,
    responses((status = 200, description = "`{\"data\": {\"version\": 0}}`", body = AddressVerified),
              (status = 400, description = "Missing address", body = crate::http::error::ErrorResponse),
              (status = 422, description = "Invalid address", body = crate::http::error::ErrorResponse,
               example = json!({"error": {"message": "Invalid checksum", "code": 422}}))))]
pub async fn verify_address_handler(
    JsonV2(req): JsonV2<VerifyAddressRequest>,
) -> ApiResult<Response> {
    if req.address.is_empty() {
        return Err(bad("address is required"));
    }
    let a = parse_address(&req.address)
        .map_err(|e| ApiError::v2(StatusCode::UNPROCESSABLE_ENTITY, e))?;
    Ok(v2_ok(AddressVerified { version: a.version }))
}
