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
use crate::http::v1::transaction::{list, list_filters, shape_list, Found};
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

/// One page of the filtered list.
pub fn page(
    s: &AppState,
    addrs: &[skyx_coins::sky::address::Address],
    confirmed: Option<bool>,
    verbose: bool,
    p: Paging,
) -> ApiResult<Page> {
    let offset = (p.page - 1).saturating_mul(p.limit);
    let pool_empty = s.store.counts()?.unconfirmed == 0;
    let (total, items): (u64, Vec<Found>) =
        if addrs.is_empty() && (confirmed == Some(true) || pool_empty) {
            // Every confirmed transaction: walk the chain from the page on.
            let total = s.store.counts()?.transactions;
            let items = s
                .store
                .chain_transactions(offset, p.limit, p.descending)?
                .into_iter()
                .map(|c| Found::Confirmed {
                    txn: c.txn,
                    seq: c.seq,
                    time: c.time,
                })
                .collect();
            (total, items)
        } else {
            let mut all = list(s, addrs, confirmed)?;
            if p.descending {
                all.reverse();
            }
            let total = all.len() as u64;
            let items = all
                .into_iter()
                .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                .take(p.limit as usize)
                .collect();
            (total, items)
        };
    head(s)?;
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
