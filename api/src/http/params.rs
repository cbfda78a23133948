//! Request parameters as the reference reads them: `r.FormValue` (form body
//! first, then the query string), Go's `strconv.ParseBool`, comma-separated
//! lists with de-duplication, and the reference's hex and address errors.

use std::collections::{HashMap, HashSet};

use axum::extract::{FromRequest, Request};
use axum::http::{header, Method, StatusCode};
use serde::de::DeserializeOwned;
use skyx_coins::sky::address::Address;
use skyx_coins::sky::hash::Sha256;

use super::error::{ApiError, Version};
use super::state::SharedState;

/// Largest request body accepted, in bytes (a 32 KiB transaction in hex is 64 KiB).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Most addresses or hashes one request may list.
pub const MAX_LIST_ITEMS: usize = 1000;

/// Form values of a request: `application/x-www-form-urlencoded` body
/// values come before query values, as in Go's `Request.FormValue`.
#[derive(Debug, Default, Clone)]
pub struct Form {
    values: HashMap<String, String>,
}

impl Form {
    /// Builds a form from a query string and an optional form body.
    pub fn parse(query: Option<&str>, body: Option<&[u8]>) -> Form {
        let mut values = HashMap::new();
        if let Some(b) = body {
            if let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(b) {
                for (k, v) in pairs {
                    values.entry(k).or_insert(v);
                }
            }
        }
        if let Some(q) = query {
            if let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(q) {
                for (k, v) in pairs {
                    values.entry(k).or_insert(v);
                }
            }
        }
        Form { values }
    }

    /// The first value of `key`, or `""`.
    pub fn get(&self, key: &str) -> &str {
        self.values.get(key).map(String::as_str).unwrap_or("")
    }
}

/// Reads the body of a request, refusing one larger than [`MAX_BODY_BYTES`].
pub async fn read_body(req: Request, version: Version) -> Result<bytes::Bytes, ApiError> {
    axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES)
        .await
        .map_err(|e| body_error(&e).with_version(version))
}

/// Why a body could not be read: too large (413), too slow to arrive (408,
/// the listener's body timeout), or broken off by the client (400).
fn body_error(e: &axum::Error) -> ApiError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<http_body_util::LengthLimitError>() {
            return ApiError::v1(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("request body is larger than {MAX_BODY_BYTES} bytes"),
            );
        }
        if c.is::<tower_http::timeout::TimeoutError>() {
            return ApiError::v1(
                StatusCode::REQUEST_TIMEOUT,
                "request body not received in time",
            );
        }
        cause = c.source();
    }
    ApiError::bad_request(format!("cannot read the request body: {e}"))
}

fn is_form(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
        .unwrap_or(false)
}

impl FromRequest<SharedState> for Form {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &SharedState) -> Result<Self, Self::Rejection> {
        let query = req.uri().query().map(str::to_string);
        let body = if req.method() == Method::POST && is_form(&req) {
            Some(read_body(req, Version::V1).await?)
        } else {
            None
        };
        Ok(Form::parse(query.as_deref(), body.as_deref()))
    }
}

/// A JSON request body of a v2 endpoint (errors answer in JSON).
#[derive(Debug)]
pub struct JsonV2<T>(pub T);

/// A JSON request body of a v1 endpoint (errors answer in text).
#[derive(Debug)]
pub struct JsonV1<T>(pub T);

async fn json_body<T: DeserializeOwned>(req: Request, version: Version) -> Result<T, ApiError> {
    let bytes = read_body(req, version).await?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::v1(StatusCode::BAD_REQUEST, json_error(&e)).with_version(version))
}

/// The message for a JSON body that does not decode.
pub fn json_error(e: &serde_json::Error) -> String {
    if e.is_eof() && e.line() == 1 && e.column() == 0 {
        "EOF".to_string()
    } else {
        e.to_string()
    }
}

/// Whether a `Content-Type` is JSON as the reference accepts it
/// (`isContentTypeJSON`): `application/json`, optionally followed by
/// `;` and parameters.
pub fn is_json_content_type(value: &str) -> bool {
    value == "application/json" || value.starts_with("application/json;")
}

impl<T: DeserializeOwned> FromRequest<SharedState> for JsonV2<T> {
    type Rejection = ApiError;

    /// Refuses any other content type with the reference's 415
    /// (`ContentTypeJSONRequired`), before the body is read.
    async fn from_request(req: Request, _state: &SharedState) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_json_content_type);
        if !json {
            return Err(ApiError::v2(StatusCode::UNSUPPORTED_MEDIA_TYPE, ""));
        }
        json_body(req, Version::V2).await.map(JsonV2)
    }
}

impl<T: DeserializeOwned> FromRequest<SharedState> for JsonV1<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &SharedState) -> Result<Self, Self::Rejection> {
        json_body(req, Version::V1).await.map(JsonV1)
    }
}

/// Go's `strconv.ParseBool`.
pub fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// An optional flag: empty is false (`parseBoolFlag`).
pub fn bool_flag(form: &Form, name: &str) -> Result<bool, ApiError> {
    let v = form.get(name);
    if v.is_empty() {
        return Ok(false);
    }
    parse_go_bool(v).ok_or_else(|| ApiError::bad_request(format!("Invalid value for {name}")))
}

/// The error text of Go's `strconv.ParseBool`.
pub fn go_bool_error(s: &str) -> String {
    format!("strconv.ParseBool: parsing {}: invalid syntax", go_quote(s))
}

/// Go's `%q` for a string (close enough: escapes quotes, backslashes and
/// control characters).
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Splits on commas and whitespace, dropping empties and duplicates
/// (`splitCommaString`), in linear time; gives up as soon as more than
/// `max` distinct items are seen, before any of them is parsed, so a
/// refused list costs one pass over its text. The error carries `max`.
pub fn split_comma_at_most(s: &str, max: usize) -> Result<Vec<&str>, usize> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut out: Vec<&str> = Vec::new();
    for w in s.split(|c: char| c == ',' || c.is_whitespace()) {
        if w.is_empty() || !seen.insert(w) {
            continue;
        }
        if out.len() == max {
            return Err(max);
        }
        out.push(w);
    }
    Ok(out)
}

/// Go's `%#U` of a character.
fn go_rune(c: char) -> String {
    if c.is_control() {
        format!("U+{:04X}", c as u32)
    } else {
        format!("U+{:04X} '{c}'", c as u32)
    }
}

/// Decodes hex with the messages of Go's `encoding/hex`.
pub fn go_hex_decode(s: &str) -> Result<Vec<u8>, String> {
    let chars: Vec<char> = s.chars().collect();
    let val = |c: char| c.to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(chars.len() / 2);
    let mut i = 0;
    while i + 1 < chars.len() {
        let hi = val(chars[i]).ok_or_else(|| invalid_byte(chars[i]))?;
        let lo = val(chars[i + 1]).ok_or_else(|| invalid_byte(chars[i + 1]))?;
        out.push(hi << 4 | lo);
        i += 2;
    }
    if chars.len() % 2 == 1 {
        if let Some(&c) = chars.last() {
            if val(c).is_none() {
                return Err(invalid_byte(c));
            }
        }
        return Err("encoding/hex: odd length hex string".into());
    }
    Ok(out)
}

fn invalid_byte(c: char) -> String {
    // Go reports the byte; for non-ASCII input that is the first UTF-8 byte.
    let shown = if c.is_ascii() {
        c
    } else {
        let mut b = [0u8; 4];
        char::from(c.encode_utf8(&mut b).as_bytes()[0])
    };
    format!("encoding/hex: invalid byte: {}", go_rune(shown))
}

/// `cipher.SHA256FromHex`: hex errors, then "Invalid hex length".
pub fn parse_sha256(s: &str) -> Result<Sha256, String> {
    let bytes = go_hex_decode(s)?;
    Sha256::from_slice(&bytes).map_err(|_| "Invalid hex length".to_string())
}

/// `cipher.DecodeBase58Address` with the reference's messages.
pub fn parse_address(s: &str) -> Result<Address, String> {
    s.parse::<Address>().map_err(|e| e.to_string())
}

/// `parseAddressesFromStr`: a comma-separated address list of at most
/// [`MAX_LIST_ITEMS`] addresses (counted before any is decoded).
pub fn parse_addresses(s: &str) -> Result<Vec<Address>, String> {
    let words = split_comma_at_most(s, MAX_LIST_ITEMS)
        .map_err(|max| format!("too many addresses (at most {max})"))?;
    words
        .into_iter()
        .map(|w| parse_address(w).map_err(|e| format!("address {} is invalid: {e}", go_quote(w))))
        .collect()
}

/// `parseHashesFromStr`: a comma-separated hash list of at most
/// [`MAX_LIST_ITEMS`] hashes (counted before any is decoded).
pub fn parse_hashes(s: &str) -> Result<Vec<Sha256>, String> {
    let words = split_comma_at_most(s, MAX_LIST_ITEMS)
        .map_err(|max| format!("too many hashes (at most {max})"))?;
    words
        .into_iter()
        .map(|w| {
            parse_sha256(w).map_err(|e| format!("SHA256 hash {} is invalid: {e}", go_quote(w)))
        })
        .collect()
}

/// Go's `strconv.ParseUint(s, 10, 64)` (no sign, no spaces).
pub fn parse_u64(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_errors_match_go() {
        assert_eq!(
            parse_sha256("xyz").unwrap_err(),
            "encoding/hex: invalid byte: U+0078 'x'"
        );
        assert_eq!(
            parse_sha256("abc").unwrap_err(),
            "encoding/hex: odd length hex string"
        );
        assert_eq!(parse_sha256("abcd").unwrap_err(), "Invalid hex length");
    }

    #[test]
    fn long_lists_are_refused_after_one_pass() {
        // 62,000 distinct three-character words: the shape that once took
        // seconds of duplicate checks.
        let words: Vec<String> = (0..62_000).map(|i| format!("{i:03x}")).collect();
        let text = words.join(",");
        assert_eq!(split_comma_at_most(&text, 1000), Err(1000));
        assert_eq!(
            parse_addresses(&text).unwrap_err(),
            "too many addresses (at most 1000)"
        );
        assert_eq!(
            parse_hashes(&text).unwrap_err(),
            "too many hashes (at most 1000)"
        );
        // Repeats count once: 5,000 copies of one word are one item.
        let same = vec!["abc"; 5000].join(",");
        assert_eq!(split_comma_at_most(&same, 1000), Ok(vec!["abc"]));
        let exactly: Vec<String> = (0..1000).map(|i| i.to_string()).collect();
        assert_eq!(
            split_comma_at_most(&exactly.join(" "), 1000).map(|v| v.len()),
            Ok(1000)
        );
    }

    #[test]
    fn lists_split_and_dedupe() {
        assert_eq!(
            split_comma_at_most("a,b, a,,c\u{a0}d", 10),
            Ok(vec!["a", "b", "c", "d"])
        );
        let f = Form::parse(Some("a=1&b=2"), Some(b"a=3"));
        assert_eq!(f.get("a"), "3");
        assert_eq!(f.get("b"), "2");
        assert_eq!(f.get("c"), "");
    }
}
