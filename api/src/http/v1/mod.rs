//! The reference's `/api/v1` endpoints, one module per group. Handlers parse
//! parameters and call plain functions that read the store.

pub mod blockchain;
pub mod explorer;
pub mod network;
pub mod outputs;
pub mod skyx;
pub mod status;
pub mod transaction;

use super::error::{ApiError, ApiResult};
use super::state::{AppState, SharedState};

/// Runs store work on the blocking pool.
pub async fn blocking<T, F>(state: &SharedState, f: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(&AppState) -> ApiResult<T> + Send + 'static,
{
    let s = state.clone();
    tokio::task::spawn_blocking(move || f(&s))
        .await
        .map_err(|e| ApiError::internal(format!("request task failed: {e}")))?
}

/// Runs store work on the request's own task: for the hot lookups (one
/// transaction, a few addresses' outputs, a handful of blocks) that take
/// well under a millisecond, where handing off to the blocking pool costs
/// more than the work.
pub fn inline<T, F>(state: &SharedState, f: F) -> ApiResult<T>
where
    F: FnOnce(&AppState) -> ApiResult<T>,
{
    f(state)
}

/// The head block's header, or a 500 when the store is empty.
pub fn head(state: &AppState) -> ApiResult<skyx_coins::sky::block::BlockHeader> {
    state
        .store
        .head()
        .header
        .ok_or_else(|| ApiError::internal("the chain is empty"))
}
