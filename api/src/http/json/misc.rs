//! The smaller answers: metadata, health, version, sync progress, network
//! peers, explorer figures, CSRF token, address verification and the skyx
//! transaction status.

use serde::Serialize;
use utoipa::ToSchema;

use super::block::Header;

/// `/blockchain/metadata`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Metadata {
    /// The head block's header.
    pub head: Header,
    /// Number of unspent outputs.
    pub unspents: u64,
    /// Number of pool transactions.
    pub unconfirmed: u64,
}

/// Metadata with the time since the head block, inside `/health`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HealthChain {
    /// The head block's header.
    pub head: Header,
    /// Number of unspent outputs.
    pub unspents: u64,
    /// Number of pool transactions.
    pub unconfirmed: u64,
    /// Go duration text, e.g. `"72h3m5s"`.
    pub time_since_last_block: String,
}

/// `/version`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BuildInfo {
    /// Version number.
    pub version: String,
    /// Commit id.
    pub commit: String,
    /// Branch name.
    pub branch: String,
}

/// Transaction verification parameters.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VerifyTxn {
    /// Burn factor.
    pub burn_factor: u32,
    /// Largest transaction in bytes.
    pub max_transaction_size: u32,
    /// Decimal places allowed in coins.
    pub max_decimals: u8,
}

/// Display parameters of the coin.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Fiber {
    /// Coin name.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// Ticker.
    pub ticker: String,
    /// Name of the coin hours.
    pub coin_hours_display_name: String,
    /// Singular name of the coin hours.
    pub coin_hours_display_name_singular: String,
    /// Ticker of the coin hours.
    pub coin_hours_ticker: String,
    /// Block explorer address.
    pub explorer_url: String,
    /// BIP44 coin type.
    pub bip44_coin: u32,
}

/// `/health`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Health {
    /// Chain state.
    pub blockchain: HealthChain,
    /// Build.
    pub version: BuildInfo,
    /// Coin name.
    pub coin: String,
    /// Our peer user agent.
    pub user_agent: String,
    /// Connected peers.
    pub open_connections: u64,
    /// Peers we dialled.
    pub outgoing_connections: u64,
    /// Peers that dialled us.
    pub incoming_connections: u64,
    /// Go duration text since start.
    pub uptime: String,
    /// CSRF check on.
    pub csrf_enabled: bool,
    /// Host-header check on.
    pub header_check_enabled: bool,
    /// Content security policy on.
    pub csp_enabled: bool,
    /// Wallet endpoints on.
    pub wallet_api_enabled: bool,
    /// Web interface on.
    pub gui_enabled: bool,
    /// This node publishes blocks.
    pub block_publisher: bool,
    /// Rules for user-created transactions.
    pub user_verify_transaction: VerifyTxn,
    /// Rules for pool transactions.
    pub unconfirmed_verify_transaction: VerifyTxn,
    /// Start time (Unix seconds).
    pub started_at: i64,
    /// Coin display parameters.
    pub fiber: Fiber,
}

/// A peer's reported height.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeerHeight {
    /// Peer address.
    pub address: String,
    /// Its height.
    pub height: u64,
}

/// `/blockchain/progress`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Progress {
    /// Our head seq.
    pub current: u64,
    /// Best known height.
    pub highest: u64,
    /// Heights peers reported.
    pub peers: Vec<PeerHeight>,
}

/// One peer connection (`readable.Connection`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Connection {
    /// Connection id (non-zero).
    pub id: u64,
    /// Peer address.
    pub address: String,
    /// Last send (Unix seconds, 0 unknown).
    pub last_sent: i64,
    /// Last receive (Unix seconds, 0 unknown).
    pub last_received: i64,
    /// When connected (Unix seconds, 0 unknown).
    pub connected_at: i64,
    /// We dialled it.
    pub outgoing: bool,
    /// `pending`, `connected` or `introduced`.
    pub state: String,
    /// Its mirror value.
    pub mirror: u32,
    /// Port it listens on.
    pub listen_port: u16,
    /// Height it reported.
    pub height: u64,
    /// Its user agent.
    pub user_agent: String,
    /// A configured peer.
    pub is_trusted_peer: bool,
    /// Its pool rules.
    pub unconfirmed_verify_transaction: VerifyTxn,
}

/// `/network/connections`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Connections {
    /// The connections.
    pub connections: Vec<Connection>,
}

/// `/coinSupply`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoinSupply {
    /// Coins distributed beyond the distribution addresses.
    pub current_supply: String,
    /// Current supply plus coins held by unlocked distribution addresses.
    pub total_supply: String,
    /// Most coins there will ever be.
    pub max_supply: String,
    /// Coin hours outside all distribution addresses.
    pub current_coinhour_supply: String,
    /// Coin hours outside the locked distribution addresses.
    pub total_coinhour_supply: String,
    /// Unlocked distribution addresses.
    pub unlocked_distribution_addresses: Vec<String>,
    /// Locked distribution addresses.
    pub locked_distribution_addresses: Vec<String>,
}

/// One rich-list row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RichlistEntry {
    /// Address.
    pub address: String,
    /// Coins, decimal.
    pub coins: String,
    /// A locked distribution address.
    pub locked: bool,
}

/// `/richlist`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Richlist {
    /// Largest balances first.
    pub richlist: Vec<RichlistEntry>,
}

/// `/addresscount`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AddressCount {
    /// Addresses holding coins.
    pub count: u64,
}

/// `/transactions/num`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TxnsNum {
    /// Confirmed transactions.
    pub txns_num: u64,
}

/// `/csrf`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CsrfToken {
    /// Token to send in `X-CSRF-Token`.
    pub csrf_token: String,
}

/// `/resendUnconfirmedTxns`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Resent {
    /// Txids announced again.
    pub txids: Vec<String>,
}

/// `/api/v2/address/verify`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AddressVerified {
    /// Address version (always 0).
    pub version: u8,
}

/// `/api/v1/skyx/transaction_status`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TxStatus {
    /// The txid asked about.
    pub txid: String,
    /// `confirmed`, `unconfirmed` or `unknown`.
    #[schema(example = "confirmed")]
    pub status: String,
    /// Seq of its block (null unless confirmed).
    pub block_seq: Option<u64>,
    /// Hash of its block (null unless confirmed).
    pub block_hash: Option<String>,
    /// Head seq − block seq + 1 (0 unless confirmed).
    pub confirmations: u64,
    /// Block time, or arrival time in the pool (null when unknown).
    pub time: Option<u64>,
    /// Confirmations reached the configured depth.
    #[serde(rename = "final")]
    pub is_final: bool,
}

/// Go's `time.Duration.String()` of a whole number of nanoseconds ≥ 0.
pub fn go_duration(nanos: u128) -> String {
    if nanos == 0 {
        return "0s".into();
    }
    if nanos < 1_000_000_000 {
        let (unit, div) = if nanos < 1_000 {
            return format!("{nanos}ns");
        } else if nanos < 1_000_000 {
            ("µs", 1_000u128)
        } else {
            ("ms", 1_000_000u128)
        };
        return format!("{}{unit}", frac(nanos, div));
    }
    let secs = nanos / 1_000_000_000;
    let h = secs / 3600;
    let m = secs % 3600 / 60;
    let s_nanos = nanos % 60_000_000_000;
    let s = frac(s_nanos, 1_000_000_000);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
}

fn frac(v: u128, div: u128) -> String {
    let whole = v / div;
    let rest = v % div;
    if rest == 0 {
        return whole.to_string();
    }
    let width = div.ilog10() as usize;
    let digits = format!("{rest:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_like_go() {
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(1_500_000_000), "1.5s");
        assert_eq!(go_duration(3_723_000_000_000), "1h2m3s");
        assert_eq!(go_duration(60_000_000_000), "1m0s");
        assert_eq!(go_duration(2_000_000), "2ms");
    }
}
