//! Answers written piece by piece from the store, so that no request makes
//! the server hold an answer in proportion to the chain.
//!
//! A route describes its answer as a [`Producer`]: a cursor into the store
//! that appends the next part of the JSON text each time it is asked. The
//! first part is written before the response starts, on the blocking pool;
//! an answer that ends within [`FIRST_PIECE`] bytes is sent whole (and may
//! be cached, like any other answer). A longer one is sent as a chunked
//! body: each further piece of about [`PIECE`] bytes is written on the
//! blocking pool when the client has taken the previous one, so a slow
//! reader holds a cursor, not a thread, and memory stays at one piece per
//! request. Streamed responses carry [`Streamed`] and are never cached.
//!
//! The text is byte for byte what [`to_vec_indented`] makes of the whole
//! value: [`ArrayWriter`] places each item of a list with the indentation
//! of its depth.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::stream::{self, StreamExt};
use serde::Serialize;

use super::error::{ApiError, ApiResult};
use super::json::to_vec_indented;
use super::state::{AppState, SharedState};

/// Bytes written before the response starts: answers up to this size are
/// sent whole (the default of [`AppState::stream_pieces`]).
pub const FIRST_PIECE: usize = 1 << 20;

/// Bytes of each later piece of a streamed answer.
pub const PIECE: usize = 256 << 10;

/// Marks a response whose body is streamed (the cache lets it pass).
#[derive(Debug, Clone, Copy)]
pub struct Streamed;

/// Writes one answer a piece at a time.
pub trait Producer: Send + 'static {
    /// Appends the next part of the answer to `out`, stopping once `out`
    /// holds at least `budget` bytes or the answer is complete. Returns
    /// whether more follows.
    fn fill(&mut self, s: &AppState, out: &mut Vec<u8>, budget: usize) -> ApiResult<bool>;
}

/// One piece, written on the blocking pool.
async fn piece<P: Producer>(
    state: SharedState,
    mut p: P,
    budget: usize,
) -> ApiResult<(P, Vec<u8>, bool)> {
    tokio::task::spawn_blocking(move || {
        let mut out = Vec::with_capacity(budget.min(PIECE) + 4096);
        let more = p.fill(&state, &mut out, budget)?;
        Ok((p, out, more))
    })
    .await
    .map_err(|e| ApiError::internal(format!("answer task failed: {e}")))?
}

fn json_headers(r: &mut Response) {
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
}

/// The 200 answer `p` writes: whole when short, streamed otherwise. An
/// error before the first byte is an error answer; one after it ends the
/// body early (the client sees a truncated chunked body) and is logged.
pub async fn respond<P: Producer>(state: &SharedState, p: P) -> ApiResult<Response> {
    let (first_piece, later_pieces) = state.stream_pieces;
    let (p, first, more) = piece(state.clone(), p, first_piece).await?;
    if !more {
        let mut r = (StatusCode::OK, first).into_response();
        json_headers(&mut r);
        return Ok(r);
    }
    let rest = stream::unfold(Some((state.clone(), p)), move |cursor| async move {
        let (state, p) = cursor?;
        match piece(state.clone(), p, later_pieces).await {
            Ok((p, bytes, more)) => {
                let next = more.then_some((state, p));
                Some((Ok(Bytes::from(bytes)), next))
            }
            Err(e) => {
                tracing::warn!(error = %e.message, "streamed answer stopped");
                Some((Err(std::io::Error::other(e.message)), None))
            }
        }
    });
    let body = stream::once(async move { Ok(Bytes::from(first)) }).chain(rest);
    let mut r = Response::new(Body::from_stream(body));
    json_headers(&mut r);
    r.extensions_mut().insert(Streamed);
    Ok(r)
}

/// Writes four spaces per level.
fn indent(out: &mut Vec<u8>, depth: usize) {
    for _ in 0..depth {
        out.extend_from_slice(b"    ");
    }
}

/// Writes `value` as [`to_vec_indented`] would inside a document, at
/// `depth` levels of nesting (its first line is not indented: the caller
/// has placed it).
pub fn write_nested<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
    depth: usize,
) -> ApiResult<()> {
    let text = to_vec_indented(value).map_err(|e| ApiError::internal(e.to_string()))?;
    // JSON strings hold no raw line breaks: every '\n' starts a new line.
    for b in text {
        out.push(b);
        if b == b'\n' {
            indent(out, depth);
        }
    }
    Ok(())
}

/// Writes `"key": ` on a new line at `depth` (after a comma unless it is
/// the first field of its object).
pub fn write_key(out: &mut Vec<u8>, key: &str, depth: usize, first: bool) {
    if !first {
        out.push(b',');
    }
    out.push(b'\n');
    indent(out, depth);
    out.push(b'"');
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\": ");
}

/// The items of one JSON array whose items sit at `depth`, written as they
/// come.
#[derive(Debug, Clone, Copy)]
pub struct ArrayWriter {
    depth: usize,
    items: u64,
}

impl ArrayWriter {
    /// Opens an array whose items sit at `depth` (1 for a top-level array).
    pub fn open(out: &mut Vec<u8>, depth: usize) -> ArrayWriter {
        out.push(b'[');
        ArrayWriter { depth, items: 0 }
    }

    /// Writes one item.
    pub fn item<T: Serialize + ?Sized>(&mut self, out: &mut Vec<u8>, value: &T) -> ApiResult<()> {
        if self.items > 0 {
            out.push(b',');
        }
        out.push(b'\n');
        indent(out, self.depth);
        write_nested(out, value, self.depth)?;
        self.items += 1;
        Ok(())
    }

    /// Items written so far.
    pub fn written(&self) -> u64 {
        self.items
    }

    /// Closes the array.
    pub fn close(self, out: &mut Vec<u8>) {
        if self.items > 0 {
            out.push(b'\n');
            indent(out, self.depth.saturating_sub(1));
        }
        out.push(b']');
    }
}

/// Closes an object at `depth` (its fields at `depth + 1`).
pub fn close_object(out: &mut Vec<u8>, depth: usize) {
    out.push(b'\n');
    indent(out, depth);
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// An array written item by item is the whole array's text.
    fn array_text(items: &[serde_json::Value], depth: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = ArrayWriter::open(&mut out, depth);
        for v in items {
            w.item(&mut out, v).unwrap_or_else(|e| panic!("{e:?}"));
        }
        w.close(&mut out);
        out
    }

    #[test]
    fn pieces_make_the_whole_document() {
        let items = [
            json!({"a": 1, "b": [1, 2, {"c": "x\ny"}], "d": {}}),
            json!([]),
            json!({"e": {"f": [true, null]}}),
        ];
        for n in 0..=items.len() {
            let list = &items[..n];
            // A top-level array.
            assert_eq!(
                String::from_utf8_lossy(&array_text(list, 1)),
                String::from_utf8_lossy(&to_vec_indented(&json!(list)).unwrap()),
                "{n} items at depth 1"
            );
            // Lists inside an object, after another field.
            let head = json!({"seq": 1, "hash": "ab"});
            let mut out = b"{".to_vec();
            write_key(&mut out, "head", 1, true);
            write_nested(&mut out, &head, 1).unwrap();
            write_key(&mut out, "list", 1, false);
            out.extend(array_text(list, 2));
            write_key(&mut out, "other", 1, false);
            out.extend(array_text(&items[..1], 2));
            close_object(&mut out, 0);
            let whole = json!({"head": head, "list": list, "other": &items[..1]});
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&to_vec_indented(&whole).unwrap()),
                "{n} items at depth 2"
            );
        }
    }
}
