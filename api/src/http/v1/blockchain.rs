//! Blocks and chain state: `/blockchain/metadata`, `/blockchain/progress`,
//! `/block`, `/blocks`, `/last_blocks`.

use axum::extract::State;
use axum::response::IntoResponse;
use axum::response::Response;
use skyx_coins::sky::block::Block;
use skyx_coins::sky::uxout::UxOut;

use super::{blocking, head, inline};
use crate::http::error::{ApiError, ApiResult};
use crate::http::json::block::{body_size, BlockJson, BlockVerboseJson, Blocks, Body, Header};
use crate::http::json::misc::{Metadata, PeerHeight, Progress};
use crate::http::json::transaction::TransactionVerbose;
use crate::http::json::Json;
use crate::http::params::{bool_flag, parse_sha256, parse_u64, Form};
use crate::http::state::{AppState, SharedState};

/// Chain metadata.
pub fn metadata(s: &AppState) -> ApiResult<Metadata> {
    let h = head(s)?;
    let c = s.store.counts()?;
    Ok(Metadata {
        head: Header::new(&h),
        unspents: c.unspent,
        unconfirmed: c.unconfirmed,
    })
}

/// Sync progress against the peers' reported heights.
pub fn progress(s: &AppState) -> ApiResult<Progress> {
    let current = head(s)?.bk_seq;
    let peers: Vec<PeerHeight> = s
        .connected_peers()
        .into_iter()
        .filter_map(|p| {
            p.height.map(|height| PeerHeight {
                address: p.addr.to_string(),
                height,
            })
        })
        .collect();
    let highest = peers
        .iter()
        .map(|p| p.height)
        .max()
        .unwrap_or(0)
        .max(current);
    Ok(Progress {
        current,
        highest,
        peers,
    })
}

/// The outputs a block's transactions spend, per transaction, each with
/// the time its hours are valued at (the previous block's time).
pub fn block_inputs(s: &AppState, b: &Block) -> ApiResult<(Vec<Vec<UxOut>>, u64)> {
    let prev_time = if b.head.bk_seq == 0 {
        b.head.time
    } else {
        s.store
            .block_header(b.head.bk_seq - 1)?
            .map(|h| h.time)
            .ok_or_else(|| ApiError::internal("previous block is missing"))?
    };
    let mut all = Vec::with_capacity(b.body.transactions.len());
    for t in &b.body.transactions {
        all.push(resolve_inputs(s, &t.inputs)?);
    }
    Ok((all, prev_time))
}

/// The outputs with these ids (spent or not); a missing one is a 500.
pub fn resolve_inputs(
    s: &AppState,
    ids: &[skyx_coins::sky::hash::Sha256],
) -> ApiResult<Vec<UxOut>> {
    s.store
        .outputs(ids)?
        .into_iter()
        .zip(ids)
        .map(|(r, id)| {
            r.map(|r| r.ux)
                .ok_or_else(|| ApiError::internal(format!("unspent output of {id} does not exist")))
        })
        .collect()
}

/// The verbose shape of a block.
pub fn block_verbose(s: &AppState, b: &Block) -> ApiResult<BlockVerboseJson> {
    let (inputs, t) = block_inputs(s, b)?;
    let txns = b
        .body
        .transactions
        .iter()
        .zip(inputs)
        .map(|(txn, spent)| TransactionVerbose::new(txn, &spent, t, None))
        .collect();
    Ok(BlockVerboseJson {
        header: Header::new(&b.head),
        body: Body { txns },
        size: body_size(b),
    })
}

/// Either shape of a block.
fn block_value(s: &AppState, b: &Block, verbose: bool) -> ApiResult<serde_json::Value> {
    let v = if verbose {
        serde_json::to_value(block_verbose(s, b)?)
    } else {
        serde_json::to_value(BlockJson::new(b))
    };
    v.map_err(|e| ApiError::internal(e.to_string()))
}

/// `GET /api/v1/blockchain/metadata`
#[utoipa::path(get, path = "/api/v1/blockchain/metadata", tag = "blockchain",
    responses((status = 200, description = "Head header and counts", body = Metadata)))]
pub async fn metadata_handler(State(s): State<SharedState>) -> ApiResult<Json<Metadata>> {
    blocking(&s, metadata).await.map(Json)
}

/// `GET /api/v1/blockchain/progress`
#[utoipa::path(get, path = "/api/v1/blockchain/progress", tag = "blockchain",
    responses((status = 200, description = "Sync progress", body = Progress)))]
pub async fn progress_handler(State(s): State<SharedState>) -> ApiResult<Json<Progress>> {
    blocking(&s, progress).await.map(Json)
}

/// `GET /api/v1/block`
#[utoipa::path(get, path = "/api/v1/block", tag = "blockchain",
    params(("hash" = Option<String>, Query, description = "Block hash (hex); or seq"),
           ("seq" = Option<u64>, Query, description = "Block seq; or hash"),
           ("verbose" = Option<bool>, Query, description = "Resolve inputs")),
    responses((status = 200, description = "The block", body = BlockJson,
                example = json!({"header": {"seq": 0}, "body": {"txns": []}, "size": 86})),
              (status = 400, description = "Bad parameter, text `400 Bad Request - <message>`"),
              (status = 404, description = "No such block, text `404 Not Found`")))]
pub async fn block_handler(State(s): State<SharedState>, form: Form) -> ApiResult<Response> {
    let verbose = bool_flag(&form, "verbose")?;
    let hash = form.get("hash").to_string();
    let seq = form.get("seq").to_string();
    match (hash.is_empty(), seq.is_empty()) {
        (true, true) => {
            return Err(ApiError::bad_request(
                "should specify one filter, hash or seq",
            ))
        }
        (false, false) => {
            return Err(ApiError::bad_request(
                "should only specify one filter, hash or seq",
            ))
        }
        _ => {}
    }
    let by_hash = if hash.is_empty() {
        None
    } else {
        Some(parse_sha256(&hash).map_err(ApiError::bad_request)?)
    };
    let by_seq = if seq.is_empty() {
        None
    } else {
        Some(parse_u64(&seq).ok_or_else(|| {
            ApiError::bad_request(format!(
                "Invalid seq value {}",
                crate::http::params::go_quote(&seq)
            ))
        })?)
    };
    let value = blocking(&s, move |s| {
        let b = match (by_hash, by_seq) {
            (Some(h), _) => s.store.block_by_hash(&h)?,
            (None, Some(q)) => s.store.block_by_seq(q)?,
            _ => None,
        };
        let b = b.ok_or_else(ApiError::not_found)?;
        block_value(s, &b.block, verbose)
    })
    .await?;
    Ok(Json(value).into_response())
}

/// Parses `start`/`end`/`seqs` of `/blocks`.
pub enum BlockSelection {
    /// An inclusive range.
    Range(u64, u64),
    /// Explicit seqs.
    Seqs(Vec<u64>),
}

/// The reference's checks of `/blocks` parameters.
pub fn parse_block_selection(form: &Form) -> ApiResult<BlockSelection> {
    let (start, end, seqs) = (form.get("start"), form.get("end"), form.get("seqs"));
    if !seqs.is_empty() && (!start.is_empty() || !end.is_empty()) {
        return Err(ApiError::bad_request(
            "seqs cannot be used with start or end",
        ));
    }
    if seqs.is_empty() && start.is_empty() && end.is_empty() {
        return Err(ApiError::bad_request(
            "At least one of seqs or start or end are required",
        ));
    }
    if !seqs.is_empty() {
        let parts: Vec<&str> = seqs.split(',').collect();
        if parts.len() > crate::http::params::MAX_LIST_ITEMS {
            return Err(ApiError::bad_request("too many seqs"));
        }
        let mut out: Vec<u64> = Vec::with_capacity(parts.len());
        for (i, p) in parts.iter().enumerate() {
            let x = parse_u64(p).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Invalid sequence {} at seqs[{i}]",
                    crate::http::params::go_quote(p)
                ))
            })?;
            if out.contains(&x) {
                return Err(ApiError::bad_request(format!(
                    "Duplicate sequence {x} at seqs[{i}]"
                )));
            }
            out.push(x);
        }
        return Ok(BlockSelection::Seqs(out));
    }
    let num = |v: &str, name: &str| -> ApiResult<u64> {
        if v.is_empty() {
            return Ok(0);
        }
        parse_u64(v).ok_or_else(|| {
            ApiError::bad_request(format!(
                "Invalid {name} value {}",
                crate::http::params::go_quote(v)
            ))
        })
    };
    Ok(BlockSelection::Range(
        num(start, "start")?,
        num(end, "end")?,
    ))
}

/// Most blocks one `/blocks` or `/last_blocks` answer holds.
pub const MAX_BLOCKS: u64 = 1000;

/// The blocks selected.
pub fn select_blocks(s: &AppState, sel: &BlockSelection) -> ApiResult<Vec<Block>> {
    let mut out = Vec::new();
    match sel {
        BlockSelection::Range(start, end) => {
            let top = head(s)?.bk_seq;
            let end = (*end).min(top);
            if *start > end {
                return Ok(out);
            }
            if end - start >= MAX_BLOCKS {
                return Err(ApiError::bad_request(format!(
                    "at most {MAX_BLOCKS} blocks per request"
                )));
            }
            for seq in *start..=end {
                if let Some(b) = s.store.block_by_seq(seq)? {
                    out.push(b.block);
                }
            }
        }
        BlockSelection::Seqs(seqs) => {
            for seq in seqs {
                let b = s.store.block_by_seq(*seq)?.ok_or_else(|| {
                    ApiError::v1(
                        axum::http::StatusCode::NOT_FOUND,
                        format!("block does not exist seq={seq}"),
                    )
                })?;
                out.push(b.block);
            }
        }
    }
    Ok(out)
}

fn blocks_value(s: &AppState, blocks: &[Block], verbose: bool) -> ApiResult<serde_json::Value> {
    let v = if verbose {
        let list = blocks
            .iter()
            .map(|b| block_verbose(s, b))
            .collect::<ApiResult<Vec<_>>>()?;
        serde_json::to_value(Blocks { blocks: list })
    } else {
        serde_json::to_value(Blocks {
            blocks: blocks.iter().map(BlockJson::new).collect::<Vec<_>>(),
        })
    };
    v.map_err(|e| ApiError::internal(e.to_string()))
}

/// `GET|POST /api/v1/blocks`
#[utoipa::path(method(get, post), path = "/api/v1/blocks", tag = "blockchain",
    params(("start" = Option<u64>, Query, description = "First seq (inclusive)"),
           ("end" = Option<u64>, Query, description = "Last seq (inclusive)"),
           ("seqs" = Option<String>, Query, description = "Comma-separated seqs; not with start/end"),
           ("verbose" = Option<bool>, Query, description = "Resolve inputs")),
    responses((status = 200, description = "Blocks", body = Blocks<BlockJson>,
                example = json!({"blocks": []})),
              (status = 400, description = "Bad parameter"),
              (status = 404, description = "A listed seq does not exist")))]
pub async fn blocks_handler(State(s): State<SharedState>, form: Form) -> ApiResult<Response> {
    let verbose = bool_flag(&form, "verbose")?;
    let sel = parse_block_selection(&form)?;
    let v = inline(&s, move |s| {
        let blocks = select_blocks(s, &sel)?;
        blocks_value(s, &blocks, verbose)
    })?;
    Ok(Json(v).into_response())
}

/// `GET /api/v1/last_blocks`
#[utoipa::path(get, path = "/api/v1/last_blocks", tag = "blockchain",
    params(("num" = u64, Query, description = "How many of the newest blocks"),
           ("verbose" = Option<bool>, Query, description = "Resolve inputs")),
    responses((status = 200, description = "Blocks, oldest first", body = Blocks<BlockJson>),
              (status = 400, description = "Bad parameter")))]
pub async fn last_blocks_handler(State(s): State<SharedState>, form: Form) -> ApiResult<Response> {
    let verbose = bool_flag(&form, "verbose")?;
    let num = form.get("num");
    let n = parse_u64(num).ok_or_else(|| {
        ApiError::bad_request(format!(
            "Invalid num value {}",
            crate::http::params::go_quote(num)
        ))
    })?;
    let v = blocking(&s, move |s| {
        let top = head(s)?.bk_seq;
        let n = n.min(MAX_BLOCKS).min(top + 1);
        let blocks = if n == 0 {
            Vec::new()
        } else {
            select_blocks(s, &BlockSelection::Range(top + 1 - n, top))?
        };
        blocks_value(s, &blocks, verbose)
    })
    .await?;
    Ok(Json(v).into_response())
}
