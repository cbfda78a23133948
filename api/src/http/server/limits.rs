//! The limits every API listener enforces on its clients: how long they
//! may take at each step, how many may be connected at once, and how long
//! shutdown waits for answers in progress.

use std::time::Duration;

/// Time limits and the connection cap of one listener.
///
/// The defaults follow the reference node's HTTP server (10 s to read a
/// request, 60 s to write the answer, 120 s idle).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenerLimits {
    /// Time a new connection has to send the headers of its first request,
    /// an HTTP/1.1 keep-alive connection the headers of its next one, and a
    /// client between two parts of a request body.
    pub header_timeout: Duration,
    /// Time from a request's headers to its answer's headers (body read
    /// and handler included); also how long a write may wait for a client
    /// that stopped reading.
    pub request_timeout: Duration,
    /// A connection with no request in progress is closed after this.
    pub idle_timeout: Duration,
    /// Time a client has to complete the TLS handshake.
    pub tls_handshake_timeout: Duration,
    /// Connections served at once; further clients wait in the listen
    /// backlog until one closes.
    pub max_connections: usize,
    /// Connections the kernel queues before they are accepted (capped by
    /// `net.core.somaxconn`); a burst beyond it has its SYNs dropped.
    pub backlog: u32,
    /// Requests in progress at once on one HTTP/2 connection.
    pub max_streams: u32,
    /// Pause after an accept error that is not the client's (no free file
    /// descriptor, no memory), so that it does not spin a core.
    pub accept_error_pause: Duration,
    /// On shutdown, time left to answers in progress before their
    /// connections are closed.
    pub drain_timeout: Duration,
}

impl Default for ListenerLimits {
    fn default() -> ListenerLimits {
        ListenerLimits {
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(120),
            tls_handshake_timeout: Duration::from_secs(10),
            max_connections: 1024,
            backlog: 1024,
            max_streams: 100,
            accept_error_pause: Duration::from_secs(1),
            drain_timeout: Duration::from_secs(30),
        }
    }
}
