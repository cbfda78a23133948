//! The peer book: addresses we know (configured, announced in `GIVP`, or
//! the listening address of peers that connected to us) and when each may
//! be dialled again.

use std::collections::HashMap;
use std::net::{SocketAddr, SocketAddrV4};
use std::time::{Duration, Instant};

use skyx_coins::sky::peer::{PeerAddr, MAX_GIVE_PEERS};

/// Most addresses kept (the reference's peer list holds 65535).
pub const MAX_KNOWN_PEERS: usize = 4096;

/// What we know of one address.
#[derive(Debug, Clone)]
struct Entry {
    trusted: bool,
    failures: u32,
    next_try: Instant,
}

/// Known peer addresses and their redial times.
#[derive(Debug, Default)]
pub struct PeerBook {
    entries: HashMap<SocketAddr, Entry>,
}

impl PeerBook {
    /// An empty book.
    pub fn new() -> PeerBook {
        PeerBook::default()
    }

    /// Adds an address; `trusted` ones (configured) are never dropped.
    /// Returns whether it was new.
    pub fn add(&mut self, addr: SocketAddr, trusted: bool) -> bool {
        if addr.port() == 0 || addr.ip().is_unspecified() {
            return false;
        }
        if let Some(e) = self.entries.get_mut(&addr) {
            e.trusted |= trusted;
            return false;
        }
        if !trusted && self.entries.len() >= MAX_KNOWN_PEERS {
            return false;
        }
        self.entries.insert(
            addr,
            Entry {
                trusted,
                failures: 0,
                next_try: Instant::now(),
            },
        );
        true
    }

    /// Number of known addresses.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no address is known.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Addresses due for a dial now, trusted first.
    pub fn due(&self, now: Instant) -> Vec<SocketAddr> {
        let mut due: Vec<(bool, SocketAddr)> = self
            .entries
            .iter()
            .filter(|(_, e)| e.next_try <= now)
            .map(|(a, e)| (!e.trusted, *a))
            .collect();
        due.sort();
        due.into_iter().map(|(_, a)| a).collect()
    }

    /// Records a failed dial: the next try waits `base · 2^failures`, at most
    /// 32 · `base`. Untrusted addresses are forgotten after 8 failures.
    pub fn failed(&mut self, addr: &SocketAddr, base: Duration) {
        let Some(e) = self.entries.get_mut(addr) else {
            return;
        };
        e.failures = e.failures.saturating_add(1);
        if !e.trusted && e.failures >= 8 {
            self.entries.remove(addr);
            return;
        }
        let factor = 1u32 << e.failures.min(5);
        e.next_try = Instant::now() + base.saturating_mul(factor);
    }

    /// Records a good connection (the failure count restarts), and keeps a
    /// redial of it from happening before `retry` after it ends.
    pub fn connected(&mut self, addr: &SocketAddr, retry: Duration) {
        if let Some(e) = self.entries.get_mut(addr) {
            e.failures = 0;
            e.next_try = Instant::now() + retry;
        }
    }

    /// Up to [`MAX_GIVE_PEERS`] IPv4 addresses for a `GIVP` message.
    pub fn sample(&self) -> Vec<PeerAddr> {
        self.entries
            .keys()
            .filter_map(|a| match a {
                SocketAddr::V4(v4) => Some(PeerAddr::from(*v4)),
                SocketAddr::V6(_) => None,
            })
            .take(MAX_GIVE_PEERS)
            .collect()
    }
}

/// A `GIVP` entry as a socket address.
pub fn socket_addr(p: &PeerAddr) -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(p.ip, p.port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_and_forgetting() {
        let mut book = PeerBook::new();
        let a: SocketAddr = "127.0.0.1:6000".parse().unwrap();
        let b: SocketAddr = "127.0.0.1:6001".parse().unwrap();
        assert!(book.add(a, true));
        assert!(book.add(b, false));
        assert!(!book.add(b, false));
        assert!(!book.add("0.0.0.0:1".parse().unwrap(), false));
        let now = Instant::now();
        assert_eq!(book.due(now + Duration::from_millis(1)), vec![a, b]);
        book.failed(&a, Duration::from_secs(1));
        assert_eq!(book.due(now + Duration::from_millis(1)), vec![b]);
        for _ in 0..8 {
            book.failed(&b, Duration::from_secs(1));
        }
        assert_eq!(book.len(), 1, "an untrusted address is forgotten");
        for _ in 0..20 {
            book.failed(&a, Duration::from_secs(1));
        }
        assert_eq!(book.len(), 1, "a trusted address stays");
        assert_eq!(book.sample().len(), 1);
    }
}
