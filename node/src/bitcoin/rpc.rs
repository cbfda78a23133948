//! A client of the Bitcoin Core JSON-RPC interface (also served by Litecoin
//! Core, Dogecoin Core and Bitcoin SV): raw blocks, best block, raw
//! transactions, mempool, broadcast and fee estimation, with timeouts,
//! retries with jittered backoff and a "daemon unreachable since …" status.

use std::io::Read;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use bitcoin::BlockHash;
use rand::Rng;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use skyx_coins::amount::{Amount, Currency};

use super::error::BtcError;

/// Largest answer read from the daemon (a hex block of the biggest chains fits).
const MAX_RESPONSE: u64 = 512 * 1024 * 1024;
/// RPC code: the daemon is still starting (loading blocks, verifying).
const RPC_IN_WARMUP: i64 = -28;
/// RPC code: unknown transaction, block or address (`getrawtransaction` of an unknown txid).
pub const RPC_INVALID_ADDRESS_OR_KEY: i64 = -5;
/// RPC code: the method does not exist.
pub const RPC_METHOD_NOT_FOUND: i64 = -32601;

/// How to reach a daemon and how patient to be with it.
#[derive(Debug, Clone)]
pub struct RpcConfig {
    /// `http://host:port` of the daemon's RPC server.
    pub url: String,
    /// RPC user.
    pub user: String,
    /// RPC password.
    pub password: String,
    /// Timeout of one HTTP exchange.
    pub timeout: Duration,
    /// How long to keep retrying an unreachable daemon before giving up on a call.
    pub max_wait: Duration,
}

/// Whether the daemon answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DaemonHealth {
    /// The last call reached the daemon.
    Ok,
    /// Calls have failed to reach the daemon since this time.
    Unreachable(SystemTime),
}

/// The answer of `estimatesmartfee`, in satoshis per 1000 virtual bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeeEstimate {
    /// The daemon's estimate.
    Estimated(u64),
    /// The daemon has no estimate yet (too few blocks seen).
    NoData,
    /// The daemon has no `estimatesmartfee` (Bitcoin SV, old daemons).
    Unsupported,
}

/// What one `sendrawtransaction` exchange came back with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendAnswer {
    /// The daemon returned a txid: it holds the transaction.
    Accepted(bitcoin::Txid),
    /// The daemon answered with an RPC error (see [`super::broadcast::classify`]).
    Refused {
        /// The daemon's error code.
        code: i64,
        /// The daemon's error message.
        message: String,
    },
    /// No usable answer (connection failed, timed out, unreadable): the
    /// transaction may or may not have reached the daemon.
    NoAnswer(String),
}

#[derive(Deserialize)]
struct RpcErrorBody {
    code: i64,
    message: String,
}

#[derive(Deserialize)]
struct Response {
    result: Option<Box<RawValue>>,
    error: Option<RpcErrorBody>,
}

/// Why one HTTP exchange failed.
enum Attempt {
    /// Worth retrying: connection refused, reset, timeout, warming up.
    Transient(String),
    /// Final.
    Fatal(BtcError),
}

/// A JSON-RPC client; cheap to share between threads.
#[derive(Debug)]
pub struct RpcClient {
    config: RpcConfig,
    agent: ureq::Agent,
    auth: String,
    health: Mutex<DaemonHealth>,
}

/// Formats a time as RFC 3339 UTC to the second (`2026-11-02T10:20:30Z`).
pub fn format_utc(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap_or(0))
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

/// Backoff before retry `attempt` (0-based): doubling from 100 ms up to 5 s, with ±50 % jitter.
pub fn backoff_delay(attempt: u32) -> Duration {
    let base = 100u64.saturating_mul(1u64 << attempt.min(6)).min(5_000);
    let jitter = rand::thread_rng().gen_range(base / 2..=base + base / 2);
    Duration::from_millis(jitter)
}

fn bad(method: &str, reason: impl Into<String>) -> BtcError {
    BtcError::BadResponse {
        method: method.to_owned(),
        reason: reason.into(),
    }
}

impl RpcClient {
    /// A client for `config` (no connection is made yet).
    pub fn new(config: RpcConfig) -> RpcClient {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(config.timeout.min(Duration::from_secs(5)))
            .timeout(config.timeout)
            .build();
        let auth = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", config.user, config.password))
        );
        RpcClient {
            config,
            agent,
            auth,
            health: Mutex::new(DaemonHealth::Ok),
        }
    }

    /// Whether the daemon answered the last call.
    pub fn health(&self) -> DaemonHealth {
        self.health.lock().map(|h| *h).unwrap_or(DaemonHealth::Ok)
    }

    fn mark_ok(&self) {
        if let Ok(mut h) = self.health.lock() {
            if let DaemonHealth::Unreachable(since) = *h {
                tracing::warn!(
                    "daemon reachable again (unreachable since {})",
                    format_utc(since)
                );
            }
            *h = DaemonHealth::Ok;
        }
    }

    fn mark_down(&self, reason: &str) -> SystemTime {
        match self.health.lock() {
            Ok(mut h) => match *h {
                DaemonHealth::Unreachable(since) => since,
                DaemonHealth::Ok => {
                    let now = SystemTime::now();
                    tracing::warn!("daemon unreachable since {}: {reason}", format_utc(now));
                    *h = DaemonHealth::Unreachable(now);
                    now
                }
            },
            Err(_) => SystemTime::now(),
        }
    }

    /// One HTTP POST of `body`; returns the raw answer text.
    fn post(&self, method: &str, body: &str) -> Result<String, Attempt> {
        let result = self
            .agent
            .post(&self.config.url)
            .set("Authorization", &self.auth)
            .set("Content-Type", "application/json")
            .send_string(body);
        let response = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(401, _)) | Err(ureq::Error::Status(403, _)) => {
                return Err(Attempt::Fatal(BtcError::Auth))
            }
            // Core answers RPC errors with HTTP 500/404 and a JSON body.
            Err(ureq::Error::Status(code, r)) if code == 500 || code == 404 => r,
            Err(ureq::Error::Status(503, _)) => {
                return Err(Attempt::Transient("HTTP 503 (work queue full)".into()))
            }
            Err(ureq::Error::Status(code, _)) => {
                return Err(Attempt::Fatal(bad(method, format!("HTTP status {code}"))))
            }
            Err(ureq::Error::Transport(t)) => return Err(Attempt::Transient(t.to_string())),
        };
        let mut text = String::new();
        response
            .into_reader()
            .take(MAX_RESPONSE)
            .read_to_string(&mut text)
            .map_err(|e| Attempt::Transient(format!("reading the answer: {e}")))?;
        Ok(text)
    }

    /// Posts with retries while the daemon is unreachable, up to `max_wait`.
    fn post_retrying(&self, method: &str, body: &str) -> Result<String, BtcError> {
        let started = Instant::now();
        let mut attempt = 0u32;
        loop {
            match self.post(method, body).and_then(|text| {
                if let Some(msg) = warmup_message(&text) {
                    Err(Attempt::Transient(format!("daemon warming up: {msg}")))
                } else {
                    Ok(text)
                }
            }) {
                Ok(text) => {
                    self.mark_ok();
                    return Ok(text);
                }
                Err(Attempt::Fatal(e)) => {
                    self.mark_ok();
                    return Err(e);
                }
                Err(Attempt::Transient(reason)) => {
                    let since = self.mark_down(&reason);
                    if started.elapsed() >= self.config.max_wait {
                        return Err(BtcError::Unreachable {
                            since: format_utc(since),
                            reason,
                        });
                    }
                    let delay = backoff_delay(attempt)
                        .min(self.config.max_wait.saturating_sub(started.elapsed()));
                    tracing::debug!("{method}: {reason}; retrying in {delay:?}");
                    std::thread::sleep(delay);
                    attempt = attempt.saturating_add(1);
                }
            }
        }
    }

    /// Calls `method` and returns the raw JSON of its result.
    pub fn call_raw(&self, method: &str, params: Value) -> Result<Box<RawValue>, BtcError> {
        let body = json!({"jsonrpc": "1.0", "id": 1, "method": method, "params": params});
        let text = self.post_retrying(method, &body.to_string())?;
        let response: Response =
            serde_json::from_str(&text).map_err(|e| bad(method, e.to_string()))?;
        unpack(method, response)
    }

    /// Calls `method` and decodes its result.
    pub fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        params: Value,
    ) -> Result<T, BtcError> {
        let raw = self.call_raw(method, params)?;
        serde_json::from_str(raw.get()).map_err(|e| bad(method, e.to_string()))
    }

    /// Calls one method several times in one HTTP exchange (a JSON-RPC batch);
    /// results come back in the order of `params`.
    pub fn batch(
        &self,
        method: &str,
        params: &[Value],
    ) -> Result<Vec<Result<Box<RawValue>, BtcError>>, BtcError> {
        if params.is_empty() {
            return Ok(Vec::new());
        }
        let body: Vec<Value> = params
            .iter()
            .enumerate()
            .map(|(i, p)| json!({"jsonrpc": "1.0", "id": i, "method": method, "params": p}))
            .collect();
        let text = self.post_retrying(method, &Value::Array(body).to_string())?;
        #[derive(Deserialize)]
        struct Item {
            id: usize,
            result: Option<Box<RawValue>>,
            error: Option<RpcErrorBody>,
        }
        let items: Vec<Item> =
            serde_json::from_str(&text).map_err(|e| bad(method, e.to_string()))?;
        if items.len() != params.len() {
            return Err(bad(method, "batch answer has the wrong length"));
        }
        let mut out: Vec<Option<Result<Box<RawValue>, BtcError>>> =
            (0..params.len()).map(|_| None).collect();
        for item in items {
            let slot = out
                .get_mut(item.id)
                .ok_or_else(|| bad(method, "batch answer with an unknown id"))?;
            *slot = Some(unpack(
                method,
                Response {
                    result: item.result,
                    error: item.error,
                },
            ));
        }
        out.into_iter()
            .map(|o| o.ok_or_else(|| bad(method, "batch answer misses an id")))
            .collect()
    }

    /// Height of the best block.
    pub fn block_count(&self) -> Result<u64, BtcError> {
        self.call("getblockcount", json!([]))
    }

    /// Hash of the best block.
    pub fn best_block_hash(&self) -> Result<BlockHash, BtcError> {
        let s: String = self.call("getbestblockhash", json!([]))?;
        s.parse()
            .map_err(|_| bad("getbestblockhash", "not a block hash"))
    }

    /// Hash of the block at `height` in the daemon's best chain.
    pub fn block_hash(&self, height: u64) -> Result<BlockHash, BtcError> {
        let s: String = self.call("getblockhash", json!([height]))?;
        s.parse()
            .map_err(|_| bad("getblockhash", "not a block hash"))
    }

    /// Hashes of the blocks at `heights`, in one exchange.
    pub fn block_hashes(&self, heights: &[u64]) -> Result<Vec<BlockHash>, BtcError> {
        let params: Vec<Value> = heights.iter().map(|h| json!([h])).collect();
        self.batch("getblockhash", &params)?
            .into_iter()
            .map(|r| {
                let raw = r?;
                let s: String = serde_json::from_str(raw.get())
                    .map_err(|e| bad("getblockhash", e.to_string()))?;
                s.parse()
                    .map_err(|_| bad("getblockhash", "not a block hash"))
            })
            .collect()
    }

    /// Raw serialized blocks by hash (`getblock HASH 0`), in one exchange.
    pub fn raw_blocks(&self, hashes: &[BlockHash]) -> Result<Vec<Vec<u8>>, BtcError> {
        // Verbosity as a bool (false) is accepted by every daemon of the family.
        let params: Vec<Value> = hashes
            .iter()
            .map(|h| json!([h.to_string(), false]))
            .collect();
        self.batch("getblock", &params)?
            .into_iter()
            .map(|r| decode_hex_result("getblock", &r?))
            .collect()
    }

    /// A raw transaction by txid (needs `-txindex` or the mempool).
    pub fn raw_transaction(&self, txid: &bitcoin::Txid) -> Result<Vec<u8>, BtcError> {
        let raw = self.call_raw("getrawtransaction", json!([txid.to_string(), false]))?;
        decode_hex_result("getrawtransaction", &raw)
    }

    /// Raw transactions by txid in one exchange; `None` where the daemon has none.
    pub fn raw_transactions(
        &self,
        txids: &[bitcoin::Txid],
    ) -> Result<Vec<Option<Vec<u8>>>, BtcError> {
        let params: Vec<Value> = txids
            .iter()
            .map(|t| json!([t.to_string(), false]))
            .collect();
        self.batch("getrawtransaction", &params)?
            .into_iter()
            .map(|r| match r {
                Ok(raw) => decode_hex_result("getrawtransaction", &raw).map(Some),
                Err(BtcError::Rpc { .. }) => Ok(None),
                Err(e) => Err(e),
            })
            .collect()
    }

    /// Txids in the daemon's mempool.
    pub fn mempool(&self) -> Result<Vec<bitcoin::Txid>, BtcError> {
        let ids: Vec<String> = self.call("getrawmempool", json!([]))?;
        ids.iter()
            .map(|s| s.parse().map_err(|_| bad("getrawmempool", "not a txid")))
            .collect()
    }

    /// Sends a raw transaction in exactly one exchange, never retried here:
    /// an exchange that fails after the request left may or may not have
    /// reached the daemon, so the caller decides (see [`super::broadcast`]).
    /// Only refused credentials are an error: nothing was processed then.
    pub fn send_raw_once(&self, raw: &[u8]) -> Result<SendAnswer, BtcError> {
        const METHOD: &str = "sendrawtransaction";
        let body = json!({"jsonrpc": "1.0", "id": 1, "method": METHOD, "params": [const_hex::encode(raw)]});
        let text = match self.post(METHOD, &body.to_string()) {
            Ok(text) => text,
            Err(Attempt::Fatal(BtcError::Auth)) => return Err(BtcError::Auth),
            Err(Attempt::Fatal(e)) => {
                self.mark_ok();
                return Ok(SendAnswer::NoAnswer(e.to_string()));
            }
            Err(Attempt::Transient(reason)) => {
                self.mark_down(&reason);
                return Ok(SendAnswer::NoAnswer(reason));
            }
        };
        self.mark_ok();
        let response: Response = match serde_json::from_str(&text) {
            Ok(r) => r,
            Err(e) => return Ok(SendAnswer::NoAnswer(format!("unreadable answer: {e}"))),
        };
        if let Some(e) = response.error {
            return Ok(SendAnswer::Refused {
                code: e.code,
                message: e.message,
            });
        }
        let txid = response
            .result
            .and_then(|r| serde_json::from_str::<String>(r.get()).ok())
            .and_then(|s| s.parse::<bitcoin::Txid>().ok());
        Ok(match txid {
            Some(t) => SendAnswer::Accepted(t),
            None => SendAnswer::NoAnswer("the answer holds no txid".into()),
        })
    }

    /// Whether the daemon holds a transaction (its mempool, or its chain
    /// when it keeps a transaction index), asked once: `None` when it
    /// cannot tell or does not answer.
    pub fn has_transaction(&self, txid: &bitcoin::Txid) -> Option<bool> {
        const METHOD: &str = "getrawtransaction";
        let body = json!({"jsonrpc": "1.0", "id": 1, "method": METHOD, "params": [txid.to_string(), false]});
        let text = self.post(METHOD, &body.to_string()).ok()?;
        let response: Response = serde_json::from_str(&text).ok()?;
        match response.error {
            None => Some(response.result.is_some()),
            Some(e) if e.code == RPC_INVALID_ADDRESS_OR_KEY => Some(false),
            Some(_) => None,
        }
    }

    /// `estimatesmartfee TARGET`, in satoshis per 1000 virtual bytes.
    pub fn estimate_smart_fee(&self, target: u32) -> Result<FeeEstimate, BtcError> {
        let raw = match self.call_raw("estimatesmartfee", json!([target])) {
            Ok(raw) => raw,
            Err(BtcError::Rpc { code, .. }) if code == RPC_METHOD_NOT_FOUND => {
                return Ok(FeeEstimate::Unsupported)
            }
            Err(e) => return Err(e),
        };
        #[derive(Deserialize)]
        struct Answer {
            feerate: Option<Box<RawValue>>,
        }
        let answer: Answer =
            serde_json::from_str(raw.get()).map_err(|e| bad("estimatesmartfee", e.to_string()))?;
        match answer.feerate {
            // The feerate is coins per kvB: its satoshi value is sat per kvB.
            Some(rate) => Amount::parse_json_number(Currency::Btc, rate.get())
                .map(|a| FeeEstimate::Estimated(a.units()))
                .map_err(|e| {
                    let shown: String = rate.get().chars().take(40).collect();
                    bad("estimatesmartfee", format!("feerate {shown}: {e}"))
                }),
            None => Ok(FeeEstimate::NoData),
        }
    }
}

fn unpack(method: &str, response: Response) -> Result<Box<RawValue>, BtcError> {
    if let Some(e) = response.error {
        return Err(BtcError::Rpc {
            method: method.to_owned(),
            code: e.code,
            message: e.message,
        });
    }
    match response.result {
        Some(r) => Ok(r),
        // A `null` result (e.g. of `invalidateblock`) decodes as `None`.
        None => RawValue::from_string("null".to_owned()).map_err(|e| bad(method, e.to_string())),
    }
}

fn decode_hex_result(method: &str, raw: &RawValue) -> Result<Vec<u8>, BtcError> {
    let s: &str = serde_json::from_str(raw.get()).map_err(|e| bad(method, e.to_string()))?;
    const_hex::decode(s).map_err(|e| bad(method, format!("not hex: {e}")))
}

/// The message of a "warming up" error answer, if that is what `text` is.
fn warmup_message(text: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Probe {
        error: Option<RpcErrorBody>,
    }
    let probe: Probe = serde_json::from_str(text).ok()?;
    probe
        .error
        .filter(|e| e.code == RPC_IN_WARMUP)
        .map(|e| e.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_format() {
        assert_eq!(format_utc(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(format_utc(t), "2023-11-14T22:13:20Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(format_utc(leap), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn backoff_grows_and_caps() {
        for attempt in 0..20 {
            let d = backoff_delay(attempt);
            assert!(d <= Duration::from_millis(7_500));
            assert!(d >= Duration::from_millis(50));
        }
    }

    #[test]
    fn warmup_detected() {
        let text =
            r#"{"result":null,"error":{"code":-28,"message":"Loading block index…"},"id":1}"#;
        assert_eq!(
            warmup_message(text).as_deref(),
            Some("Loading block index…")
        );
        assert_eq!(warmup_message(r#"{"result":1,"error":null,"id":1}"#), None);
    }

    #[test]
    fn unreachable_daemon_reports_since() {
        let client = RpcClient::new(RpcConfig {
            url: "http://127.0.0.1:9".into(),
            user: "u".into(),
            password: "p".into(),
            timeout: Duration::from_millis(500),
            max_wait: Duration::from_millis(300),
        });
        let err = client.block_count().unwrap_err();
        assert_eq!(err.code(), "daemon_unreachable");
        assert!(matches!(client.health(), DaemonHealth::Unreachable(_)));
    }
}
