//! Whether a connection is in use. A request holds its connection busy
//! from its headers until its answer's body is sent (or dropped); with no
//! request in progress the connection is idle since the last one ended,
//! or since it opened, and is closed once idle for too long.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http_body::{Body, Frame, SizeHint};
use tokio::sync::watch;
use tokio::time::Instant;

#[derive(Debug, Clone, Copy)]
struct State {
    /// Requests in progress.
    busy: usize,
    /// When the connection last became idle.
    since: Instant,
    /// Whether a request was ever started.
    served: bool,
}

/// The requests in progress on one connection.
#[derive(Debug, Clone)]
pub struct Activity {
    state: Arc<watch::Sender<State>>,
}

impl Default for Activity {
    fn default() -> Activity {
        Activity::new()
    }
}

impl Activity {
    /// A connection that just opened: idle, nothing served yet.
    pub fn new() -> Activity {
        let (tx, _) = watch::channel(State {
            busy: 0,
            since: Instant::now(),
            served: false,
        });
        Activity {
            state: Arc::new(tx),
        }
    }

    /// Marks a request as started; it ends when the guard is dropped.
    pub fn begin(&self) -> Busy {
        self.state.send_modify(|s| {
            s.busy += 1;
            s.served = true;
        });
        Busy {
            state: self.state.clone(),
        }
    }

    /// Resolves once the connection has been idle for `first` before its
    /// first request, or for `idle` after a request.
    pub async fn idle_out(&self, first: Duration, idle: Duration) {
        let mut rx = self.state.subscribe();
        loop {
            let s = *rx.borrow_and_update();
            if s.busy > 0 {
                // The sender lives in `self`: `changed` cannot fail here.
                let _ = rx.changed().await;
                continue;
            }
            let limit = if s.served { idle } else { first };
            tokio::select! {
                _ = tokio::time::sleep_until(s.since + limit) => return,
                _ = rx.changed() => {}
            }
        }
    }
}

/// A request in progress; dropping it ends the request.
#[derive(Debug)]
pub struct Busy {
    state: Arc<watch::Sender<State>>,
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.state.send_modify(|s| {
            s.busy = s.busy.saturating_sub(1);
            if s.busy == 0 {
                s.since = Instant::now();
            }
        });
    }
}

/// An answer's body that keeps its request in progress until it is sent.
#[derive(Debug)]
pub struct Tracked<B> {
    inner: B,
    _busy: Busy,
}

impl<B> Tracked<B> {
    /// Wraps `inner`; `busy` ends when the body is dropped.
    pub fn new(inner: B, busy: Busy) -> Tracked<B> {
        Tracked { inner, _busy: busy }
    }
}

impl<B: Body + Unpin> Body for Tracked<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_new_connection_idles_out_at_the_first_limit() {
        let a = Activity::new();
        let start = Instant::now();
        a.idle_out(Duration::from_secs(3), Duration::from_secs(100))
            .await;
        assert_eq!(start.elapsed(), Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn a_busy_connection_does_not_idle_out_and_the_clock_restarts_after() {
        let a = Activity::new();
        let busy = a.begin();
        let start = Instant::now();
        let waiter = {
            let a = a.clone();
            tokio::spawn(async move {
                a.idle_out(Duration::from_secs(3), Duration::from_secs(10))
                    .await;
                Instant::now()
            })
        };
        tokio::time::sleep(Duration::from_secs(50)).await;
        assert!(!waiter.is_finished());
        drop(busy);
        let closed_at = waiter.await.expect("task");
        // Served once, so the idle limit (10 s) counts from the end of the request.
        assert_eq!(closed_at - start, Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn the_body_holds_the_request_until_dropped() {
        let a = Activity::new();
        let body = Tracked::new(axum::body::Body::empty(), a.begin());
        assert_eq!(a.state.borrow().busy, 1);
        drop(body);
        assert_eq!(a.state.borrow().busy, 0);
    }
}
