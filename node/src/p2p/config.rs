//! Settings of the peer node: addresses, limits and timers.

use std::net::SocketAddr;
use std::time::Duration;

use skyx_coins::sky::signature::Sig;

/// The user agent skyx introduces itself with.
pub fn default_user_agent() -> String {
    format!("skyx:{}", env!("CARGO_PKG_VERSION"))
}

/// How a peer node listens, whom it dials and how patient it is.
#[derive(Debug, Clone)]
pub struct PeerConfig {
    /// Address to accept peers on (`None`: outgoing connections only).
    pub listen: Option<SocketAddr>,
    /// Peers to keep connected to (redialled when they drop).
    pub peers: Vec<SocketAddr>,
    /// User agent sent in our introduction (`coin:version`).
    pub user_agent: String,
    /// Most connections at once, both directions.
    pub max_connections: usize,
    /// Most outgoing connections at once.
    pub max_outgoing: usize,
    /// Dial peers learnt from `GIVP` messages too, not only `peers`.
    pub discover_peers: bool,
    /// Signature of the genesis block, needed to start an empty store of a
    /// private chain (mainnet's is built in).
    pub genesis_signature: Option<Sig>,
    /// How long a peer has to introduce itself.
    pub introduction_timeout: Duration,
    /// A connection silent this long is closed (reason `Idle`).
    pub idle_timeout: Duration,
    /// How long one frame may take to write.
    pub write_timeout: Duration,
    /// How long dialling a peer may take.
    pub connect_timeout: Duration,
    /// Interval between our `PING`s.
    pub ping_interval: Duration,
    /// Interval between `GETB`/`ANNB` rounds to every peer.
    pub request_interval: Duration,
    /// Pause before redialling a configured peer (doubles up to 32 times this).
    pub retry_interval: Duration,
    /// Blocks asked for in one `GETB` (the reference serves at most 20).
    pub blocks_per_request: u64,
    /// Show a progress bar while far behind a peer.
    pub progress: bool,
}

impl Default for PeerConfig {
    fn default() -> Self {
        PeerConfig {
            listen: None,
            peers: Vec::new(),
            user_agent: default_user_agent(),
            max_connections: 128,
            max_outgoing: 8,
            discover_peers: true,
            genesis_signature: None,
            introduction_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(90),
            write_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            ping_interval: Duration::from_secs(15),
            request_interval: Duration::from_secs(10),
            retry_interval: Duration::from_secs(1),
            blocks_per_request: super::sync::MAX_BLOCKS_PER_REQUEST,
            progress: true,
        }
    }
}
