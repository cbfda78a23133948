//! `GET /api/v2/transactions`: the v1 list with paging.

use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use super::{bad, v2};
use crate::http::error::ApiResult;
use crate::http::json::v2_ok;
use crate::http::params::{bool_flag, parse_u64, Form};
use crate::http::state::{AppState, SharedState};
use crate::http::v1::transaction::{list_filters, shape_list, Found};
use crate::http::v1::txwalk::TxWalk;
use crate::http::v1::{blocking, head};

/// Most transactions per page.
pub const MAX_PAGE_SIZE: u64 = 100;
/// Transactions per page when not given.
pub const DEFAULT_PAGE_SIZE: u64 = 10;

/// Paging figures (`readable.PageInfo`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PageInfo {
    /// Pages in all.
    pub total_pages: u64,
    /// Transactions per page.
    pub page_size: u64,
    /// This page (from 1).
    pub current_page: u64,
}

/// A page of transactions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page {
    /// Paging figures.
    pub page_info: PageInfo,
    /// The page's transactions with their status.
    pub txns: serde_json::Value,
}

/// Page, size and order of a request.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    /// From 1.
    pub page: u64,
    /// 1..=100.
    pub limit: u64,
    /// Newest first.
    pub descending: bool,
}

/// Reads `page`, `limit` and `sort`.
pub fn parse_paging(form: &Form) -> ApiResult<Paging> {
    let p = form.get("page");
    let page = if p.is_empty() {
        1
    } else {
        match parse_u64(p) {
            Some(n) if n > 0 => n,
            _ => return Err(bad("invalid page")),
        }
    };
    let l = form.get("limit");
    let limit = if l.is_empty() {
        DEFAULT_PAGE_SIZE
    } else {
        match parse_u64(l) {
            Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
            Some(n) if n > MAX_PAGE_SIZE => {
                return Err(bad(format!("limit must not be more than {MAX_PAGE_SIZE}")))
            }
            _ => return Err(bad("invalid limit")),
        }
    };
    let descending = match form.get("sort").trim().to_ascii_uppercase().as_str() {
        "" | "ASC" => false,
        "DESC" => true,
        _ => return Err(bad("Unknown sort order")),
    };
    Ok(Paging {
        page,
        limit,
        descending,
    })
}

/// One page of the filtered list. The work is bounded by the page's
/// position, never by the size of the whole list: pages of the whole
/// chain skip blocks by their transaction counts; pages of address
/// histories skip through the history index.
pub fn page(
    s: &AppState,
    addrs: &[skyx_coins::sky::address::Address],
    confirmed: Option<bool>,
    verbose: bool,
    p: Paging,
) -> ApiResult<Page> {
    let offset = (p.page - 1).saturating_mul(p.limit);
    let mut walk = TxWalk::new(s, addrs, confirmed, p.descending)?;
    let head = head(s)?;
    let pooled = walk.pool_len();
    let (total, items): (u64, Vec<Found>) =
        if addrs.is_empty() && (confirmed == Some(true) || walk.pool_after_chain(head.time)) {
            // The chain, then the pool after it (before it, newest first):
            // each part's share of the page is read from that part alone.
            let chain = if confirmed == Some(false) {
                0
            } else {
                s.store.counts()?.transactions
            };
            let total = chain + pooled;
            let parts = if p.descending {
                [(false, pooled), (true, chain)]
            } else {
                [(true, chain), (false, pooled)]
            };
            let end = offset.saturating_add(p.limit).min(total);
            let mut items = Vec::new();
            let mut start = 0u64;
            for (is_chain, len) in parts {
                let (lo, hi) = (
                    offset.max(start) - start,
                    end.min(start + len).saturating_sub(start),
                );
                start += len;
                if lo >= hi {
                    continue;
                }
                if is_chain {
                    let page = s.store.chain_transactions(lo, hi - lo, p.descending)?;
                    items.extend(page.into_iter().map(|c| Found::Confirmed {
                        txn: c.txn,
                        seq: c.seq,
                        time: c.time,
                    }));
                } else {
                    let mut pool = TxWalk::new(s, addrs, Some(false), p.descending)?;
                    pool.skip(s, lo)?;
                    for _ in lo..hi {
                        match pool.next(s)? {
                            Some(f) => items.push(f),
                            None => break,
                        }
                    }
                }
            }
            (total, items)
        } else {
            // Address histories, or a pool that interleaves with the chain:
            // walk to the page. Merged histories are counted by one walk over
            // their index (a transaction touching two of them counts once).
            let chain = match (confirmed, addrs) {
                (Some(false), _) => Some(0),
                (_, []) => Some(s.store.counts()?.transactions),
                (_, [one]) => Some(s.store.address_tx_count(one)?),
                _ => None,
            };
            let total = if let Some(chain) = chain {
                chain + pooled
            } else {
                TxWalk::new(s, addrs, confirmed, p.descending)?.skip(s, u64::MAX)?
            };
            walk.skip(s, offset)?;
            let mut items = Vec::new();
            while (items.len() as u64) < p.limit {
                match walk.next(s)? {
                    Some(f) => items.push(f),
                    None => break,
                }
            }
            (total, items)
        };
    Ok(Page {
        page_info: PageInfo {
            total_pages: total.div_ceil(p.limit),
            page_size: p.limit,
            current_page: p.page,
        },
        txns: shape_list(s, &items, verbose)?,
    })
}

/// `GET /api/v2/transactions`
#[utoipa::path(get, path = "/api/v2/transactions", tag = "transaction",
    params(("addrs" = Option<String>, Query, description = "Comma-separated addresses; empty: all"),
           ("confirmed" = Option<bool>, Query, description = "Only confirmed or only pool"),
           ("verbose" = Option<bool>, Query, description = "Resolve inputs"),
           ("page" = Option<u64>, Query, description = "Page from 1 (default 1)"),
           ("limit" = Option<u64>, Query, description = "Per page, 1..100 (default 10)"),
           ("sort" = Option<String>, Query, description = "asc or desc")),
    responses((status = 200, description = "`{\"data\": page}`", body = Page,
               example = json!({"data": {"page_info": {"total_pages": 19, "page_size": 10, "current_page": 1}, "txns": []}})),
              (status = 400, description = "Bad parameter", body = crate::http::error::ErrorResponse)))]
pub async fn transactions_v2_handler(
    State(s): State<SharedState>,
    form: Form,
) -> ApiResult<Response> {
    let verbose = bool_flag(&form, "verbose").map_err(v2)?;
    let (addrs, confirmed) = list_filters(&form).map_err(v2)?;
    let paging = parse_paging(&form)?;
    let p = blocking(&s, move |s| {
        page(s, &addrs, confirmed, verbose, paging).map_err(v2)
    })
    .await?;
    Ok(v2_ok(p))
}
