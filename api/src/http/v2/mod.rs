//! The reference's `/api/v2` endpoints: answers wrapped in `{"data": …}`,
//! errors as `{"error": {"message", "code"}}`.

pub mod create;
pub mod transactions;
pub mod verify;

use axum::http::StatusCode;

use super::error::ApiError;

/// A v2 400 error.
pub fn bad(message: impl Into<String>) -> ApiError {
    ApiError::v2(StatusCode::BAD_REQUEST, message)
}

/// Turns a v1 error from shared code into the v2 format.
pub fn v2(e: ApiError) -> ApiError {
    e.with_version(super::error::Version::V2)
}
