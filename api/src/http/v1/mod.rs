//! The reference's `/api/v1` endpoints, one module per group. Handlers parse
//! parameters and call plain functions that read the store.

pub mod blockchain;
pub mod explorer;
pub mod network;
pub mod outputs;
pub mod skyx;
pub mod status;
pub mod transaction;
pub mod txwalk;

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

/// The head block's header, or a 500 when the store is empty.
pub fn head(state: &AppState) -> ApiResult<skyx_coins::sky::block::BlockHeader> {
    state
        .store
        .head()
        .header
        .ok_or_else(|| ApiError::internal("the chain is empty"))
}
