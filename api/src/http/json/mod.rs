//! Response shapes of the reference API (`src/readable`, `src/api`), field
//! for field, and the writer that indents them with four spaces as the
//! reference does.

pub mod block;
pub mod misc;
pub mod output;
pub mod time;
pub mod transaction;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Serializes `value` with four-space indentation.
pub fn to_vec_indented<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(256);
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    value.serialize(&mut ser)?;
    Ok(out)
}

/// A JSON answer with `status`.
pub fn respond<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response {
    match to_vec_indented(value) {
        Ok(body) => {
            let mut r = (status, body).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
        Err(e) => {
            super::error::ApiError::internal(format!("json encoding failed: {e}")).into_response()
        }
    }
}

/// A 200 JSON answer (v1 bodies are the value itself).
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        respond(StatusCode::OK, &self.0)
    }
}

/// A v2 success answer: `{"data": value}`.
#[derive(Debug, Serialize)]
pub struct Data<T> {
    /// The answer.
    pub data: T,
}

/// A 200 v2 answer.
pub fn v2_ok<T: Serialize>(data: T) -> Response {
    respond(StatusCode::OK, &Data { data })
}
