//! Running a chain from async code: [`AsyncChain`] calls the blocking
//! [`Chain`] on tokio's blocking pool, and [`spawn_indexer`] keeps a
//! chain's index current on a thread of its own.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::{
    Balances, Chain, ChainError, CoinInfo, EventPage, FeeEstimate, HistoryPage, Tip, Unspent,
};

/// A shared chain whose calls run on tokio's blocking pool.
#[derive(Clone)]
pub struct AsyncChain {
    inner: Arc<dyn Chain>,
}

impl std::fmt::Debug for AsyncChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncChain")
            .field("coin", &self.inner.coin())
            .finish()
    }
}

impl AsyncChain {
    /// Wraps a chain.
    pub fn new(inner: Arc<dyn Chain>) -> AsyncChain {
        AsyncChain { inner }
    }

    /// The blocking chain underneath.
    pub fn blocking(&self) -> &Arc<dyn Chain> {
        &self.inner
    }

    /// The coin and network (no I/O).
    pub fn coin(&self) -> CoinInfo {
        self.inner.coin()
    }

    async fn run<T, F>(&self, f: F) -> Result<T, ChainError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Chain) -> Result<T, ChainError> + Send + 'static,
    {
        let chain = self.inner.clone();
        tokio::task::spawn_blocking(move || f(chain.as_ref()))
            .await
            .map_err(|e| ChainError::Store(format!("chain call did not finish: {e}")))?
    }

    /// [`Chain::tip`].
    pub async fn tip(&self) -> Result<Tip, ChainError> {
        self.run(|c| c.tip()).await
    }

    /// [`Chain::watch`].
    pub async fn watch(&self, addresses: Vec<String>) -> Result<usize, ChainError> {
        self.run(move |c| c.watch(&addresses)).await
    }

    /// [`Chain::balances`].
    pub async fn balances(&self, addresses: Vec<String>) -> Result<Balances, ChainError> {
        self.run(move |c| c.balances(&addresses)).await
    }

    /// [`Chain::unspent`].
    pub async fn unspent(&self, addresses: Vec<String>) -> Result<Vec<Unspent>, ChainError> {
        self.run(move |c| c.unspent(&addresses)).await
    }

    /// [`Chain::history`].
    pub async fn history(
        &self,
        addresses: Vec<String>,
        cursor: Option<String>,
        limit: usize,
    ) -> Result<HistoryPage, ChainError> {
        self.run(move |c| c.history(&addresses, cursor.as_deref(), limit))
            .await
    }

    /// [`Chain::fee_estimate`].
    pub async fn fee_estimate(&self) -> Result<FeeEstimate, ChainError> {
        self.run(|c| c.fee_estimate()).await
    }

    /// [`Chain::broadcast`].
    pub async fn broadcast(&self, raw: Vec<u8>) -> Result<String, ChainError> {
        self.run(move |c| c.broadcast(&raw)).await
    }

    /// [`Chain::sync`].
    pub async fn sync(&self) -> Result<(), ChainError> {
        self.run(|c| c.sync()).await
    }

    /// [`Chain::events`].
    pub async fn events(&self, from: u64, limit: usize) -> Result<EventPage, ChainError> {
        self.run(move |c| c.events(from, limit)).await
    }
}

/// Calls [`Chain::sync`] every `interval` on a thread of its own until
/// `stop` is set. A failing round (an unreachable daemon) is logged and
/// tried again; it never ends the thread.
pub fn spawn_indexer(
    chain: Arc<dyn Chain>,
    interval: Duration,
    stop: Arc<AtomicBool>,
) -> std::io::Result<JoinHandle<()>> {
    let name = format!("index-{}", chain.coin().currency);
    std::thread::Builder::new().name(name).spawn(move || {
        let slice = Duration::from_millis(100).min(interval);
        while !stop.load(Ordering::Relaxed) {
            if let Err(e) = chain.sync() {
                tracing::warn!(coin = %chain.coin().currency, code = e.code(), "indexing: {e}");
            }
            let mut waited = Duration::ZERO;
            while waited < interval && !stop.load(Ordering::Relaxed) {
                std::thread::sleep(slice);
                waited += slice;
            }
        }
    })
}
