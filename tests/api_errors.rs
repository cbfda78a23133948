//! Bad input gets the reference's status and message, never a 500 or a
//! crash: malformed ids, unknown blocks, bad addresses, too many
//! addresses, oversized bodies, wrong methods. Also the server's guards
//! (Host check, CSRF, loopback-only plain HTTP), the skyx transaction
//! status, `/metrics`, `/docs`, and the checked-in OpenAPI document.

#[path = "api_common/mod.rs"]
mod common;

use std::process::Command;

use serde_json::Value;

use common::{client, free_port, import, Server};

fn get(server: &Server, path: &str, query: &[(&str, &str)]) -> (u16, String) {
    let r = client()
        .get(server.url(path))
        .query(query)
        .send()
        .expect("request");
    (r.status().as_u16(), r.text().expect("body"))
}

fn assert_v1(got: (u16, String), status: u16, text: &str) {
    assert_eq!(got.0, status, "body: {}", got.1);
    assert_eq!(got.1, format!("{text}\n"));
}

#[test]
fn bad_input_gets_the_reference_errors() {
    let dir = import("blockchain-180.db");
    let s = Server::start(dir.path(), &[]);
    let tx = "/api/v1/transaction";
    assert_v1(get(&s, tx, &[]), 400, "400 Bad Request - txid is empty");
    assert_v1(
        get(&s, tx, &[("txid", "xyz")]),
        400,
        "400 Bad Request - encoding/hex: invalid byte: U+0078 'x'",
    );
    assert_v1(
        get(&s, tx, &[("txid", "abc")]),
        400,
        "400 Bad Request - encoding/hex: odd length hex string",
    );
    assert_v1(
        get(&s, tx, &[("txid", "abcd")]),
        400,
        "400 Bad Request - Invalid hex length",
    );
    let unknown = "0000000000000000000000000000000000000000000000000000000000000001";
    assert_v1(get(&s, tx, &[("txid", unknown)]), 404, "404 Not Found");
    assert_v1(
        get(
            &s,
            tx,
            &[("txid", unknown), ("verbose", "1"), ("encoded", "1")],
        ),
        400,
        "400 Bad Request - verbose and encoded cannot be combined",
    );
    assert_v1(
        get(&s, tx, &[("txid", unknown), ("verbose", "maybe")]),
        400,
        "400 Bad Request - Invalid value for verbose",
    );

    let block = "/api/v1/block";
    assert_v1(get(&s, block, &[("seq", "181")]), 404, "404 Not Found");
    assert_v1(get(&s, block, &[("hash", unknown)]), 404, "404 Not Found");
    assert_v1(
        get(&s, block, &[]),
        400,
        "400 Bad Request - should specify one filter, hash or seq",
    );
    assert_v1(
        get(&s, block, &[("seq", "1"), ("hash", unknown)]),
        400,
        "400 Bad Request - should only specify one filter, hash or seq",
    );
    assert_v1(
        get(&s, block, &[("seq", "-1")]),
        400,
        "400 Bad Request - Invalid seq value \"-1\"",
    );
    assert_v1(
        get(&s, "/api/v1/blocks", &[("seqs", "1,1")]),
        400,
        "400 Bad Request - Duplicate sequence 1 at seqs[1]",
    );
    assert_v1(
        get(&s, "/api/v1/blocks", &[("seqs", "1,999")]),
        404,
        "404 Not Found - block does not exist seq=999",
    );
    assert_v1(
        get(&s, "/api/v1/last_blocks", &[]),
        400,
        "400 Bad Request - Invalid num value \"\"",
    );

    let bal = "/api/v1/balance";
    assert_v1(
        get(&s, bal, &[]),
        400,
        "400 Bad Request - addrs is required",
    );
    assert_v1(
        get(&s, bal, &[("addrs", "2THDupTBEo7UqB6ds")]),
        400,
        "400 Bad Request - address \"2THDupTBEo7UqB6ds\" is invalid: Invalid address length",
    );
    assert_v1(
        get(&s, bal, &[("addrs", "2THDupTBEo7UqB6dsVizkYUvkKq82Qn4gj0")]),
        400,
        "400 Bad Request - address \"2THDupTBEo7UqB6dsVizkYUvkKq82Qn4gj0\" is invalid: Invalid base58 character",
    );
    assert_v1(
        get(&s, bal, &[("addrs", "2THDupTBEo7UqB6dsVizkYUvkKq82Qn4gjg")]),
        400,
        "400 Bad Request - address \"2THDupTBEo7UqB6dsVizkYUvkKq82Qn4gjg\" is invalid: Invalid checksum",
    );
    let many: Vec<String> = (0..1001).map(|i| format!("a{i}")).collect();
    let r = client()
        .post(s.url(bal))
        .form(&[("addrs", many.join(","))])
        .send()
        .expect("request");
    assert_v1(
        (r.status().as_u16(), r.text().unwrap_or_default()),
        400,
        "400 Bad Request - too many addresses (at most 1000)",
    );

    assert_v1(
        get(&s, "/api/v1/outputs", &[("addrs", "x"), ("hashes", "y")]),
        400,
        "400 Bad Request - addrs and hashes cannot be specified together",
    );
    assert_v1(
        get(&s, "/api/v1/uxout", &[]),
        400,
        "400 Bad Request - uxid is empty",
    );
    assert_v1(
        get(&s, "/api/v1/uxout", &[("uxid", unknown)]),
        404,
        "404 Not Found",
    );
    assert_v1(
        get(&s, "/api/v1/richlist", &[("n", "x")]),
        400,
        "400 Bad Request - invalid n",
    );
    assert_v1(
        get(&s, "/api/v1/transactions", &[("confirmed", "x")]),
        400,
        "400 Bad Request - invalid 'confirmed' value: strconv.ParseBool: parsing \"x\": invalid syntax",
    );

    // Wrong methods.
    let r = client()
        .post(s.url("/api/v1/block"))
        .send()
        .expect("request");
    assert_eq!(r.status().as_u16(), 405);
    assert_eq!(r.text().unwrap_or_default(), "405 Method Not Allowed\n");
    let r = client()
        .get(s.url("/api/v2/transaction/verify"))
        .send()
        .expect("request");
    assert_eq!(r.status().as_u16(), 405);
    let v: Value = r.json().expect("json");
    assert_eq!(v["error"]["code"], 405);
    assert_eq!(v["error"]["message"], "Method Not Allowed");
    assert_v1(get(&s, "/nowhere", &[]), 404, "404 Not Found");

    // Bodies: oversized, wrong content type, bad JSON, bad address.
    let big = "a".repeat(300 * 1024);
    let r = client()
        .post(s.url("/api/v1/injectTransaction"))
        .body(format!("{{\"rawtx\":\"{big}\"}}"))
        .send()
        .expect("request");
    assert_eq!(r.status().as_u16(), 413);
    let r = client()
        .post(s.url("/api/v2/address/verify"))
        .body("{}")
        .send()
        .expect("request");
    assert_eq!(r.status().as_u16(), 415);
    let r = client()
        .post(s.url("/api/v2/address/verify"))
        .json(&serde_json::json!({"address": "2THDupTBEo7UqB6dsVizkYUvkKq82Qn4gjg"}))
        .send()
        .expect("request");
    assert_eq!(r.status().as_u16(), 422);
    let v: Value = r.json().expect("json");
    assert_eq!(v["error"]["message"], "Invalid checksum");
    let r = client()
        .post(s.url("/api/v2/transaction/verify"))
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .expect("request");
    assert_eq!(r.status().as_u16(), 400);
    let r = client()
        .post(s.url("/api/v2/transaction/verify"))
        .json(&serde_json::json!({"encoded_transaction": "00ff"}))
        .send()
        .expect("request");
    assert_eq!(r.status().as_u16(), 400);
    let r = client()
        .post(s.url("/api/v1/injectTransaction"))
        .json(&serde_json::json!({"rawtx": "00"}))
        .send()
        .expect("request");
    assert_eq!(r.status().as_u16(), 400);
    let r = client()
        .post(s.url("/api/v2/transaction"))
        .json(&serde_json::json!({"hours_selection": {"type": "auto"}, "to": []}))
        .send()
        .expect("request");
    assert_eq!(r.status().as_u16(), 400);
    let v: Value = r.json().expect("json");
    assert_eq!(v["error"]["message"], "missing hours_selection.mode");

    // After all that the server still answers.
    assert_eq!(get(&s, "/api/v1/health", &[]).0, 200);
}

/// 62,000 distinct three-character words of the base58 alphabet.
fn many_short_words() -> String {
    let alphabet: Vec<char> = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
        .chars()
        .collect();
    let mut words = Vec::with_capacity(62_000);
    'all: for a in &alphabet {
        for b in &alphabet {
            for c in &alphabet {
                words.push(format!("{a}{b}{c}"));
                if words.len() == 62_000 {
                    break 'all;
                }
            }
        }
    }
    words.join(",")
}

/// A list over the limit is refused with the limit's message before any
/// item is parsed, whatever the route; the figures the load script
/// (`tests/load/list-params.sh`) reports are printed here too.
#[test]
fn long_lists_get_the_limit_error() {
    let dir = import("blockchain-180.db");
    let s = Server::start(dir.path(), &[]);
    let words = many_short_words();
    let body = format!("addrs={words}");
    assert!(
        body.len() > 240_000 && body.len() < 256 * 1024,
        "{}",
        body.len()
    );
    let post = |path: &str, body: &str| {
        let started = std::time::Instant::now();
        let r = client()
            .post(s.url(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.to_string())
            .send()
            .expect("request");
        let status = r.status().as_u16();
        let text = r.text().unwrap_or_default();
        (status, text, started.elapsed())
    };
    for path in ["/api/v1/balance", "/api/v1/outputs", "/api/v1/transactions"] {
        let (status, text, _) = post(path, &body);
        assert_eq!(status, 400, "{path}: {text}");
        assert!(
            text.contains("too many addresses (at most 1000)"),
            "{path}: {text}"
        );
    }
    let (status, text, _) = post("/api/v1/outputs", &format!("hashes={words}"));
    assert_v1(
        (status, text),
        400,
        "400 Bad Request - too many hashes (at most 1000)",
    );
    let seqs: Vec<String> = (0..1001).map(|i| i.to_string()).collect();
    let (status, text, _) = post("/api/v1/blocks", &format!("seqs={}", seqs.join(",")));
    assert_v1(
        (status, text),
        400,
        "400 Bad Request - too many seqs (at most 1000)",
    );
    let small = "addrs=2THDupTBEo7UqB6dsVizkYUvkKq82Qn4gjf";
    let mut times = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    for _ in 0..5 {
        times.0 += post("/api/v1/balance", small).2;
        times.1 += post("/api/v1/balance", &body).2;
    }
    println!(
        "refused 62,000-word list / one-address request: {:.2}",
        times.1.as_secs_f64() / times.0.as_secs_f64()
    );
    assert_eq!(get(&s, "/api/v1/health", &[]).0, 200);
}

/// The v2 body's content type is checked once the route and the method
/// matched: a wrong method is 405, a wrong content type on the right one
/// is the reference's 415, an unknown route is 404.
#[test]
fn method_is_checked_before_content_type() {
    let dir = import("blockchain-180-no-unconfirmed.db");
    let s = Server::start(dir.path(), &[]);
    let r = client()
        .post(s.url("/api/v2/transactions"))
        .send()
        .expect("request");
    assert_eq!(r.status().as_u16(), 405);
    let v: Value = r.json().expect("json");
    assert_eq!(v["error"]["message"], "Method Not Allowed");
    let r = client()
        .post(s.url("/api/v2/nowhere"))
        .send()
        .expect("request");
    assert_eq!(r.status().as_u16(), 404);
    for ct in ["text/plain", "application/jsonx", "Application/JSON"] {
        let r = client()
            .post(s.url("/api/v2/address/verify"))
            .header("Content-Type", ct)
            .body("{}")
            .send()
            .expect("request");
        assert_eq!(r.status().as_u16(), 415, "{ct}");
        let v: Value = r.json().expect("json");
        assert_eq!(v["error"]["message"], "Unsupported Media Type");
    }
    let r = client()
        .post(s.url("/api/v2/address/verify"))
        .header("Content-Type", "application/json; charset=utf-8")
        .body(r#"{"address": "2THDupTBEo7UqB6dsVizkYUvkKq82Qn4gjf"}"#)
        .send()
        .expect("request");
    assert_eq!(r.status().as_u16(), 200);
}

#[test]
fn transaction_status_for_exchanges() {
    let dir = import("blockchain-180.db");
    let s = Server::start(dir.path(), &["--final-depth", "100"]);
    let st = |txid: &str| -> Value {
        client()
            .get(s.url("/api/v1/skyx/transaction_status"))
            .query(&[("txid", txid)])
            .send()
            .expect("request")
            .json()
            .expect("json")
    };
    let g = st("d556c1c7abf1e86138316b8c17183665512dc67633c04cf236a8b7f332cb4add");
    assert_eq!(g["status"], "confirmed");
    assert_eq!(g["block_seq"], 0);
    assert_eq!(
        g["block_hash"],
        "0551a1e5af999fe8fff529f6f2ab341e1e33db95135eef1b2be44fe6981349f3"
    );
    assert_eq!(g["confirmations"], 181);
    assert_eq!(g["time"], 1426562704);
    assert_eq!(g["final"], true);
    let t = st("e8fe5290afba3933389fd5860dca2cbcc81821028be9c65d0bb7cf4e8d2c4c18");
    assert_eq!(t["confirmations"], 80);
    assert_eq!(t["final"], false);
    let u = st("701d23fd513bad325938ba56869f9faba19384a8ec3dd41833aff147eac53947");
    assert_eq!(u["status"], "unconfirmed");
    assert_eq!(u["confirmations"], 0);
    assert_eq!(u["block_seq"], Value::Null);
    let n = st("0000000000000000000000000000000000000000000000000000000000000001");
    assert_eq!(n["status"], "unknown");
    assert_eq!(n["final"], false);
}

#[test]
fn guards_host_check_csrf_and_loopback() {
    let dir = import("blockchain-180-no-unconfirmed.db");
    let s = Server::start(dir.path(), &["--csrf"]);
    // DNS rebinding: a foreign Host header is refused.
    let r = client()
        .get(s.url("/api/v1/health"))
        .header("Host", "evil.example:6420")
        .send()
        .expect("request");
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(
        r.text().unwrap_or_default(),
        "403 Forbidden - Invalid Host\n"
    );
    // No CORS headers by default.
    let r = client()
        .get(s.url("/api/v1/version"))
        .send()
        .expect("request");
    assert!(r.headers().get("access-control-allow-origin").is_none());
    // CSRF: POST without a token is refused, with one it passes the check.
    let body = serde_json::json!({"address": "2THDupTBEo7UqB6dsVizkYUvkKq82Qn4gjf"});
    let r = client()
        .post(s.url("/api/v2/address/verify"))
        .json(&body)
        .send()
        .expect("request");
    assert_eq!(r.status().as_u16(), 403);
    let v: Value = r.json().expect("json");
    assert_eq!(v["error"]["message"], "invalid CSRF token");
    // The reference's texts for a forged token and a malformed one, in the
    // v1 text format.
    let csrf_post = |token: &str| {
        let r = client()
            .post(s.url("/api/v1/resendUnconfirmedTxns"))
            .header("X-CSRF-Token", token)
            .send()
            .expect("request");
        (r.status().as_u16(), r.text().unwrap_or_default())
    };
    assert_v1(
        csrf_post("YXNkc2Fkcw.YXNkc2Fkcw"),
        403,
        "403 Forbidden - invalid CSRF token signature",
    );
    assert_v1(
        csrf_post("xcasadsadsa"),
        403,
        "403 Forbidden - invalid CSRF token",
    );
    let token: Value = client()
        .get(s.url("/api/v1/csrf"))
        .send()
        .expect("request")
        .json()
        .expect("json");
    let token = token["csrf_token"].as_str().expect("token").to_string();
    let r = client()
        .post(s.url("/api/v2/address/verify"))
        .header("X-CSRF-Token", token)
        .json(&body)
        .send()
        .expect("request");
    assert_eq!(r.status().as_u16(), 200);
    // Injecting without peers: the reference's 503.
    let r = client()
        .post(s.url("/api/v1/resendUnconfirmedTxns"))
        .send()
        .expect("request");
    assert_eq!(r.status().as_u16(), 403, "CSRF applies to v1 POSTs too");

    // Plain HTTP on a non-loopback address is refused unless asked for.
    let out = Command::new(env!("CARGO_BIN_EXE_skyx"))
        .args(["serve", "--data-dir"])
        .arg(dir.path())
        .args(["--http", "0.0.0.0:0"])
        .output()
        .expect("skyx runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--insecure-http"));
}

#[test]
fn metrics_docs_and_networking_off() {
    let dir = import("blockchain-180.db");
    let s = Server::start(dir.path(), &[]);
    assert_eq!(get(&s, "/api/v1/health", &[]).0, 200);
    let r = client()
        .post(s.url("/api/v1/resendUnconfirmedTxns"))
        .send()
        .expect("request");
    assert_eq!(r.status().as_u16(), 503);
    assert_eq!(
        r.text().unwrap_or_default(),
        "503 Service Unavailable - Networking is disabled\n"
    );
    let (status, text) = get(&s, "/metrics", &[]);
    assert_eq!(status, 200);
    assert!(text.contains("skyx_http_requests_total{route=\"/api/v1/health\",status=\"200\"}"));
    assert!(text.contains("skyx_http_request_duration_seconds_bucket{route=\"/api/v1/health\""));
    let (status, html) = get(&s, "/docs/", &[]);
    assert_eq!(status, 200);
    assert!(html.to_lowercase().contains("swagger"));
    let (status, doc) = get(&s, "/api/openapi.json", &[]);
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&doc).expect("json");
    assert!(doc["paths"]["/api/v1/transaction"].is_object());
    let (status, net) = get(&s, "/api/v1/network/connections", &[]);
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&net).expect("json")["connections"],
        serde_json::json!([])
    );
}

#[test]
fn checked_in_openapi_document_is_current() {
    let out = Command::new(env!("CARGO_BIN_EXE_skyx"))
        .arg("openapi")
        .output()
        .expect("skyx runs");
    assert!(out.status.success());
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
    let checked_in = std::fs::read_to_string(path).expect("openapi/openapi.json exists");
    let fresh = String::from_utf8_lossy(&out.stdout);
    assert!(
        checked_in == fresh,
        "openapi/openapi.json is stale: run `skyx openapi > openapi/openapi.json`"
    );
    let doc: Value = serde_json::from_str(&fresh).expect("json");
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/api/v1/health",
        "/api/v1/version",
        "/api/v1/blockchain/metadata",
        "/api/v1/blockchain/progress",
        "/api/v1/block",
        "/api/v1/blocks",
        "/api/v1/last_blocks",
        "/api/v1/transaction",
        "/api/v1/transactions",
        "/api/v2/transactions",
        "/api/v1/rawtx",
        "/api/v1/balance",
        "/api/v1/outputs",
        "/api/v1/uxout",
        "/api/v1/address_uxouts",
        "/api/v1/addresscount",
        "/api/v1/richlist",
        "/api/v1/coinSupply",
        "/api/v1/pendingTxs",
        "/api/v1/injectTransaction",
        "/api/v1/resendUnconfirmedTxns",
        "/api/v2/transaction/verify",
        "/api/v2/address/verify",
        "/api/v2/transaction",
        "/api/v1/network/connections",
        "/api/v1/network/connection",
        "/api/v1/network/connection/disconnect",
        "/api/v1/network/defaultConnections",
        "/api/v1/network/connections/trust",
        "/api/v1/network/connections/exchange",
        "/api/v1/transactions/num",
        "/api/v1/csrf",
        "/api/v1/skyx/transaction_status",
    ] {
        assert!(paths.contains_key(p), "{p} is not documented");
    }
    assert!(doc["components"]["schemas"]["ErrorResponse"].is_object());
}

#[test]
fn connections_report_live_peers_and_disconnect_by_id() {
    let a_dir = import("blockchain-180.db");
    let b_dir = import("blockchain-180.db");
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let _a = Server::start(a_dir.path(), &["--peer-listen", &listen]);
    let b = Server::start(b_dir.path(), &["--peer", &listen]);
    let connections = || -> Vec<Value> {
        let (status, body) = get(&b, "/api/v1/network/connections", &[]);
        assert_eq!(status, 200);
        serde_json::from_str::<Value>(&body).expect("json")["connections"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut list = connections();
    while list.is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
        list = connections();
    }
    assert_eq!(list.len(), 1, "b connects to a: {list:?}");
    let c = &list[0];
    assert_eq!(c["address"], listen.as_str());
    assert_eq!(c["outgoing"], true);
    let id = c["id"].as_u64().expect("id");
    assert!(id >= 1);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    for field in ["connected_at", "last_sent", "last_received"] {
        let t = c[field].as_i64().expect("a time");
        assert!(
            (now - 60..=now + 5).contains(&t),
            "{field} = {t}, now {now}"
        );
    }
    assert_ne!(c["mirror"], 0, "the peer's mirror value");
    let (status, one) = get(&b, "/api/v1/network/connection", &[("addr", &listen)]);
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&one).expect("json")["id"], id);

    // The reference's answers to bad ids, then a real disconnect.
    let post = |form: &[(&str, &str)]| {
        let r = client()
            .post(b.url("/api/v1/network/connection/disconnect"))
            .form(form)
            .send()
            .expect("request");
        (r.status().as_u16(), r.text().unwrap_or_default())
    };
    assert_v1(post(&[]), 400, "400 Bad Request - id is required");
    assert_v1(post(&[("id", "0")]), 400, "400 Bad Request - invalid id");
    assert_v1(post(&[("id", "x")]), 400, "400 Bad Request - invalid id");
    assert_eq!(post(&[("id", "999999")]).0, 404);
    assert_eq!(
        get(&b, "/api/v1/network/connection/disconnect", &[("id", "1")]).0,
        405
    );
    let (status, body) = post(&[("id", &id.to_string())]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("json"),
        serde_json::json!({})
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while connections().iter().any(|c| c["id"].as_u64() == Some(id)) {
        assert!(
            std::time::Instant::now() < deadline,
            "connection {id} is still listed"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
