//! The reference's error answers. v1 endpoints answer plain text
//! `"<code> <status text> - <message>\n"` (`src/util/http/error.go`); v2
//! endpoints answer `{"error": {"message", "code"}}` indented with four
//! spaces (`src/api/http.go writeHTTPResponse`).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Which error format an endpoint uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// Text errors.
    V1,
    /// JSON errors.
    V2,
}

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Message after the status text (empty: the status text alone).
    pub message: String,
    /// Text or JSON.
    pub version: Version,
}

/// Body of a v2 error (`HTTPError`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The message (the status text when there is no other).
    pub message: String,
    /// The HTTP status code.
    pub code: u16,
}

/// A v2 error answer (`HTTPResponse` with `error`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorResponse {
    /// What went wrong.
    pub error: ErrorBody,
}

/// The reason phrase Go's `http.StatusText` gives a status.
pub fn status_text(status: StatusCode) -> &'static str {
    status.canonical_reason().unwrap_or("")
}

impl ApiError {
    /// A v1 (text) error.
    pub fn v1(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            version: Version::V1,
        }
    }

    /// A v2 (JSON) error.
    pub fn v2(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            version: Version::V2,
        }
    }

    /// 400 with a message (v1).
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::v1(StatusCode::BAD_REQUEST, message)
    }

    /// 404 without a message (v1).
    pub fn not_found() -> ApiError {
        ApiError::v1(StatusCode::NOT_FOUND, "")
    }

    /// 405 (v1).
    pub fn method_not_allowed() -> ApiError {
        ApiError::v1(StatusCode::METHOD_NOT_ALLOWED, "")
    }

    /// 500 with a message (v1).
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::v1(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// The same error in the other format.
    pub fn with_version(mut self, version: Version) -> ApiError {
        self.version = version;
        self
    }

    /// The text of a v1 answer (without the trailing newline).
    pub fn v1_text(&self) -> String {
        let reason = status_text(self.status);
        if self.message.is_empty() {
            format!("{} {reason}", self.status.as_u16())
        } else {
            format!("{} {reason} - {}", self.status.as_u16(), self.message)
        }
    }

    /// The JSON body of a v2 answer.
    pub fn v2_body(&self) -> ErrorResponse {
        let message = if self.message.is_empty() {
            status_text(self.status).to_string()
        } else {
            self.message.clone()
        };
        ErrorResponse {
            error: ErrorBody {
                message,
                code: self.status.as_u16(),
            },
        }
    }
}

impl From<skyx_node::error::NodeError> for ApiError {
    fn from(e: skyx_node::error::NodeError) -> ApiError {
        tracing::error!(error = %e, "store error");
        ApiError::internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self.version {
            Version::V1 => {
                let mut r = (self.status, format!("{}\n", self.v1_text())).into_response();
                let h = r.headers_mut();
                h.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                );
                h.insert(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                );
                r
            }
            Version::V2 => crate::http::json::respond(self.status, &self.v2_body()),
        }
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_text_matches_the_reference() {
        assert_eq!(ApiError::not_found().v1_text(), "404 Not Found");
        assert_eq!(
            ApiError::bad_request("txid is empty").v1_text(),
            "400 Bad Request - txid is empty"
        );
        assert_eq!(
            ApiError::method_not_allowed().v1_text(),
            "405 Method Not Allowed"
        );
    }
}
