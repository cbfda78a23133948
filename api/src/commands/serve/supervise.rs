//! Supervision of the long-running tasks of `serve` (listeners, the peer
//! node, …): they share one cancellation token and run in one join set.
//! They run until a stop request (SIGTERM, SIGINT) or until one of them
//! ends on its own, which is a failure: it is logged, the others are
//! cancelled and drained, and the process exits with an error instead of
//! staying half alive.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use anyhow::anyhow;
use tokio::task::{Id, JoinError, JoinSet};
use tokio_util::sync::CancellationToken;

/// The tasks of one process.
#[derive(Debug, Default)]
pub struct Supervisor {
    cancel: CancellationToken,
    tasks: JoinSet<anyhow::Result<()>>,
    names: HashMap<Id, &'static str>,
}

impl Supervisor {
    /// No tasks yet.
    pub fn new() -> Supervisor {
        Supervisor::default()
    }

    /// The token every task stops on.
    pub fn token(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// Starts `task`; it must return once the token is cancelled.
    pub fn spawn<F>(&mut self, name: &'static str, task: F)
    where
        F: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let handle = self.tasks.spawn(task);
        self.names.insert(handle.id(), name);
    }

    /// Runs until `stop` resolves or a task ends, then cancels the others
    /// and waits up to `drain` for them. `Ok` after a stop request; the
    /// failure when a task ended first.
    pub async fn run(
        mut self,
        stop: impl Future<Output = ()>,
        drain: Duration,
    ) -> anyhow::Result<()> {
        let failure = tokio::select! {
            _ = stop => {
                tracing::info!("stopping");
                None
            }
            ended = self.tasks.join_next_with_id() => match ended {
                Some(ended) => Some(self.failure(ended)),
                None => Some(anyhow!("nothing to run")),
            },
        };
        if let Some(e) = &failure {
            tracing::error!(error = format!("{e:#}"), "shutting down");
        }
        self.cancel.cancel();
        let drained = tokio::time::timeout(drain, async {
            while let Some(ended) = self.tasks.join_next_with_id().await {
                let name = self.name(&ended);
                match ended {
                    Ok((_, Ok(()))) => tracing::debug!(task = name, "stopped"),
                    Ok((_, Err(e))) => {
                        tracing::warn!(task = name, error = format!("{e:#}"), "ended with an error")
                    }
                    Err(e) => tracing::warn!(task = name, error = %e, "failed while stopping"),
                }
            }
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                left = self.tasks.len(),
                "tasks still running after the drain time are aborted"
            );
            self.tasks.abort_all();
        }
        failure.map_or(Ok(()), Err)
    }

    fn name(&self, ended: &Result<(Id, anyhow::Result<()>), JoinError>) -> &'static str {
        let id = match ended {
            Ok((id, _)) => *id,
            Err(e) => e.id(),
        };
        self.names.get(&id).copied().unwrap_or("task")
    }

    /// Why a task that ended before any stop request is a failure.
    fn failure(&self, ended: Result<(Id, anyhow::Result<()>), JoinError>) -> anyhow::Error {
        let name = self.name(&ended);
        match ended {
            Ok((_, Ok(()))) => anyhow!("{name} stopped unexpectedly"),
            Ok((_, Err(e))) => e.context(format!("{name} failed")),
            Err(e) if e.is_panic() => anyhow!("{name} panicked"),
            Err(e) => anyhow!("{name} was cancelled: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A task that runs until cancelled and reports that it saw it.
    fn until_cancelled(
        sup: &Supervisor,
    ) -> (
        impl Future<Output = anyhow::Result<()>>,
        tokio::sync::oneshot::Receiver<()>,
    ) {
        let token = sup.token();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let task = async move {
            token.cancelled().await;
            let _ = tx.send(());
            Ok(())
        };
        (task, rx)
    }

    #[tokio::test]
    async fn a_stop_request_cancels_every_task_and_succeeds() {
        let mut sup = Supervisor::new();
        let (a, a_saw) = until_cancelled(&sup);
        let (b, b_saw) = until_cancelled(&sup);
        sup.spawn("a", a);
        sup.spawn("b", b);
        let r = sup.run(async {}, Duration::from_secs(30)).await;
        assert!(r.is_ok(), "{r:?}");
        assert!(a_saw.await.is_ok() && b_saw.await.is_ok());
    }

    #[tokio::test]
    async fn a_failing_task_stops_the_others_and_is_the_error() {
        let mut sup = Supervisor::new();
        let (other, other_saw) = until_cancelled(&sup);
        sup.spawn("other", other);
        sup.spawn("listener", async { Err(anyhow!("address in use")) });
        let r = sup
            .run(std::future::pending(), Duration::from_secs(30))
            .await;
        let e = format!("{:#}", r.expect_err("a failure"));
        assert_eq!(e, "listener failed: address in use");
        assert!(other_saw.await.is_ok(), "the other task was cancelled");
    }

    #[tokio::test]
    async fn a_task_ending_or_panicking_on_its_own_is_a_failure() {
        let mut sup = Supervisor::new();
        sup.spawn("peer node", async { Ok(()) });
        let r = sup
            .run(std::future::pending(), Duration::from_secs(30))
            .await;
        assert_eq!(
            format!("{:#}", r.expect_err("failure")),
            "peer node stopped unexpectedly"
        );

        let mut sup = Supervisor::new();
        sup.spawn("follower", async { panic!("boom") });
        let r = sup
            .run(std::future::pending(), Duration::from_secs(30))
            .await;
        assert_eq!(
            format!("{:#}", r.expect_err("failure")),
            "follower panicked"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_task_ignoring_the_token_is_aborted_after_the_drain_time() {
        let mut sup = Supervisor::new();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        sup.spawn("stuck", async move {
            std::future::pending::<()>().await;
            drop(tx);
            Ok(())
        });
        let r = sup.run(async {}, Duration::from_secs(5)).await;
        assert!(r.is_ok());
        // Aborting the task drops its sender.
        assert!(rx.await.is_err());
    }
}
