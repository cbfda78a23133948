//! Blocks and chain state: `/blockchain/metadata`, `/blockchain/progress`,
//! `/block`, `/blocks`, `/last_blocks`.

use std::collections::HashSet;

use axum::extract::State;
use axum::response::IntoResponse;
use axum::response::Response;
use skyx_coins::sky::block::Block;
use skyx_coins::sky::uxout::UxOut;

use super::{blocking, head};
use crate::http::error::{ApiError, ApiResult};
use crate::http::json::block::{body_size, BlockJson, BlockVerboseJson, Blocks, Body, Header};
use crate::http::json::misc::{Metadata, PeerHeight, Progress};
use crate::http::json::transaction::TransactionVerbose;
use crate::http::json::Json;
use crate::http::params::{bool_flag, parse_sha256, parse_u64, Form};
use crate::http::state::{AppState, SharedState};
use crate::http::stream::{self, close_object, write_key, ArrayWriter, Producer};

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

/// The reference's checks of `/blocks` parameters (`blocksHandler`), with
/// the count of `seqs` checked before any is parsed.
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
        let max = crate::http::params::MAX_LIST_ITEMS;
        if seqs.split(',').nth(max).is_some() {
            return Err(ApiError::bad_request(format!(
                "too many seqs (at most {max})"
            )));
        }
        let mut out: Vec<u64> = Vec::new();
        let mut seen: HashSet<u64> = HashSet::new();
        for (i, p) in seqs.split(',').enumerate() {
            let x = parse_u64(p).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Invalid sequence {} at seqs[{i}]",
                    crate::http::params::go_quote(p)
                ))
            })?;
            if !seen.insert(x) {
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

/// The answer of `/blocks` and `/last_blocks`, `{"blocks": [...]}`, written
/// a few blocks at a time.
pub struct BlockList {
    /// Seqs still to write, in order.
    seqs: BlockSeqs,
    verbose: bool,
    array: Option<ArrayWriter>,
}

/// The seqs a [`BlockList`] walks.
enum BlockSeqs {
    /// `next..=last`, empty once `next > last`.
    Range { next: u64, last: u64 },
    /// Listed seqs (all known to exist).
    Listed(std::vec::IntoIter<u64>),
}

impl BlockSeqs {
    fn next(&mut self) -> Option<u64> {
        match self {
            BlockSeqs::Range { next, last } => {
                if *next > *last {
                    return None;
                }
                let seq = *next;
                // `seq <= last <= head`, far below u64::MAX.
                *next = seq.saturating_add(1);
                Some(seq)
            }
            BlockSeqs::Listed(it) => it.next(),
        }
    }
}

impl BlockList {
    /// The blocks `sel` selects, up to the current head. Listed seqs must
    /// all exist (the reference's 404 names the first missing one).
    pub fn new(s: &AppState, sel: BlockSelection, verbose: bool) -> ApiResult<BlockList> {
        let seqs = match sel {
            BlockSelection::Range(start, end) => BlockSeqs::Range {
                next: start,
                last: end.min(head(s)?.bk_seq),
            },
            BlockSelection::Seqs(seqs) => {
                for seq in &seqs {
                    if s.store.block_hash(*seq)?.is_none() {
                        return Err(ApiError::v1(
                            axum::http::StatusCode::NOT_FOUND,
                            format!("block does not exist seq={seq}"),
                        ));
                    }
                }
                BlockSeqs::Listed(seqs.into_iter())
            }
        };
        Ok(BlockList {
            seqs,
            verbose,
            array: None,
        })
    }
}

impl Producer for BlockList {
    fn fill(&mut self, s: &AppState, out: &mut Vec<u8>, budget: usize) -> ApiResult<bool> {
        let array = match self.array.as_mut() {
            Some(a) => a,
            None => {
                out.push(b'{');
                write_key(out, "blocks", 1, true);
                self.array.insert(ArrayWriter::open(out, 2))
            }
        };
        while out.len() < budget {
            let Some(seq) = self.seqs.next() else {
                array.close(out);
                close_object(out, 0);
                return Ok(false);
            };
            let b = s
                .store
                .block_by_seq(seq)?
                .ok_or_else(|| ApiError::internal(format!("block {seq} is missing")))?;
            if self.verbose {
                array.item(out, &block_verbose(s, &b.block)?)?;
            } else {
                array.item(out, &BlockJson::new(&b.block))?;
            }
        }
        Ok(true)
    }
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
    let list = blocking(&s, move |s| BlockList::new(s, sel, verbose)).await?;
    stream::respond(&s, list).await
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
    let list = blocking(&s, move |s| {
        let top = head(s)?.bk_seq;
        let sel = if n == 0 {
            // Nothing: an empty range.
            BlockSelection::Range(1, 0)
        } else {
            BlockSelection::Range((top + 1).saturating_sub(n), top)
        };
        BlockList::new(s, sel, verbose)
    })
    .await?;
    stream::respond(&s, list).await
}
