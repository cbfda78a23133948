//! A journaled engine: sequences commands, journals them with group commit,
//! applies them, and takes a snapshot every N commands.
//!
//! A command's result may be computed before its record is durable, but it must
//! not be acknowledged to anyone until [`DurableEngine::durable`] (or the
//! acknowledgement callback) has reached its sequence number: after a crash,
//! commands that were not durable are gone, and so is their effect.
//!
//! A snapshot is encoded on the caller's thread and written by a background
//! thread once the journal holds its sequence number; the journal starts a
//! new segment after it. When a snapshot is durable, the segments the older
//! kept snapshot covers are removed. A failed snapshot removes nothing: it
//! is reported by [`DurableEngine::snapshot_health`] and by
//! [`DurableEngine::close`], and the next one is tried N commands later.

use crate::command::{Command, Envelope};
use crate::events::Event;
use crate::journal::segment::prune_segments;
use crate::journal::{AckFn, DurableWaiter, JournalWriter};
use crate::recovery::{recover, Recovered, RecoveryError};
use crate::snapshot;
use crate::Engine;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// The folder of a skyx data directory that holds the engine's journal and snapshots.
pub const ENGINE_DIR: &str = "engine";

/// Commands between snapshots unless told otherwise.
pub const DEFAULT_SNAPSHOT_EVERY: u64 = 100_000;

/// Snapshots kept: the newest, and one to fall back on if it is damaged
/// (the journal is kept from the older one on).
pub const KEEP_SNAPSHOTS: usize = 2;

/// A snapshot attempt that failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotFailure {
    /// The sequence number it was for.
    pub seq: u64,
    /// What went wrong.
    pub error: String,
}

/// How snapshots have gone since the engine was opened.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SnapshotHealth {
    /// Sequence number of the newest snapshot written (0: none yet).
    pub last_written: u64,
    /// Segments removed after snapshots.
    pub segments_removed: u64,
    /// Failed attempts.
    pub failures: u64,
    /// The failure of the latest attempt, if it failed.
    pub last_failure: Option<SnapshotFailure>,
}

/// Why [`DurableEngine::close`] failed.
#[derive(Debug, thiserror::Error)]
pub enum DurableError {
    /// Writing the journal failed: records may not be durable.
    #[error("journal: {0}")]
    Journal(#[from] io::Error),
    /// The latest snapshot failed (the journal holds everything).
    #[error("snapshot at seq {}: {}", .0.seq, .0.error)]
    Snapshot(SnapshotFailure),
}

impl DurableError {
    /// A stable code for logs and APIs.
    pub fn code(&self) -> &'static str {
        match self {
            DurableError::Journal(_) => "journal_write",
            DurableError::Snapshot(_) => "snapshot_write",
        }
    }
}

/// What the snapshot thread shares with the engine's thread.
#[derive(Default)]
struct Shared {
    state: Mutex<Progress>,
    idle: Condvar,
}

#[derive(Default)]
struct Progress {
    /// A snapshot is queued or being written.
    busy: bool,
    health: SnapshotHealth,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Progress> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records the end of an attempt and wakes whoever waits for it.
    fn finish(&self, seq: u64, outcome: Option<io::Result<usize>>) {
        let mut g = self.lock();
        match outcome {
            Some(Ok(removed)) => {
                g.health.last_written = seq;
                g.health.segments_removed += removed as u64;
                g.health.last_failure = None;
            }
            Some(Err(e)) => {
                g.health.failures += 1;
                g.health.last_failure = Some(SnapshotFailure {
                    seq,
                    error: e.to_string(),
                });
            }
            None => {}
        }
        g.busy = false;
        drop(g);
        self.idle.notify_all();
    }
}

/// The background snapshot writer.
struct Snapshotter {
    tx: Option<mpsc::Sender<(u64, Vec<u8>)>>,
    thread: Option<JoinHandle<()>>,
    shared: Arc<Shared>,
}

impl Snapshotter {
    fn start(dir: PathBuf, waiter: DurableWaiter) -> io::Result<Snapshotter> {
        let (tx, rx) = mpsc::channel::<(u64, Vec<u8>)>();
        let shared = Arc::new(Shared::default());
        let sh = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("snapshot-writer".into())
            .spawn(move || {
                while let Ok((seq, bytes)) = rx.recv() {
                    // A snapshot must never get ahead of the journal; if the
                    // journal failed, submit and close report it.
                    if waiter.wait(seq).is_err() {
                        sh.finish(seq, None);
                        return;
                    }
                    sh.finish(seq, Some(write_and_prune(&dir, seq, &bytes)));
                }
            })?;
        Ok(Snapshotter {
            tx: Some(tx),
            thread: Some(thread),
            shared,
        })
    }

    fn health(&self) -> SnapshotHealth {
        self.shared.lock().health.clone()
    }

    /// Takes the writer for a new snapshot unless it is busy.
    fn claim(&self) -> bool {
        let mut g = self.shared.lock();
        !std::mem::replace(&mut g.busy, true)
    }

    fn wait_idle(&self) {
        let mut g = self.shared.lock();
        while g.busy {
            g = self.shared.idle.wait(g).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn stop(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Writes a snapshot durably, keeps the newest [`KEEP_SNAPSHOTS`] and removes
/// the segments the oldest kept one covers. Returns how many were removed.
fn write_and_prune(dir: &Path, seq: u64, state: &[u8]) -> io::Result<usize> {
    snapshot::write_snapshot(dir, seq, state, KEEP_SNAPSHOTS)?;
    prune(dir)
}

/// Removes the segments the oldest of the [`KEEP_SNAPSHOTS`] snapshots
/// covers (none while there are fewer). Returns how many were removed.
fn prune(dir: &Path) -> io::Result<usize> {
    let mut snaps = snapshot::list_snapshots(dir)?;
    snaps.sort_unstable();
    if snaps.len() < KEEP_SNAPSHOTS {
        return Ok(0);
    }
    let covered = snaps[snaps.len() - KEEP_SNAPSHOTS].0;
    prune_segments(dir, covered)
}

/// An engine whose commands are journaled before they are acknowledged.
pub struct DurableEngine {
    engine: Engine,
    writer: JournalWriter,
    snapshot_every: u64,
    since_snapshot: u64,
    snapshots: Snapshotter,
}

impl DurableEngine {
    /// Recovers from `dir` and opens the journal for appending.
    ///
    /// `ack` is called on the writer thread after each group commit.
    pub fn open(
        dir: &Path,
        snapshot_every: u64,
        ack: AckFn,
    ) -> Result<(DurableEngine, Recovered), RecoveryError> {
        let mut rec = recover(dir)?;
        // Finishes a removal that a crash interrupted after a snapshot.
        prune(dir)?;
        let engine = std::mem::take(&mut rec.engine);
        let writer = JournalWriter::open(dir, rec.append_to.clone(), engine.last_seq(), ack)?;
        let snapshots = Snapshotter::start(dir.to_path_buf(), writer.waiter())?;
        Ok((
            DurableEngine {
                engine,
                writer,
                snapshot_every: snapshot_every.max(1),
                since_snapshot: 0,
                snapshots,
            },
            rec,
        ))
    }

    /// The engine (read-only).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Journals and applies a command; returns its sequence number and events (not yet acknowledged).
    pub fn submit(&mut self, ts: u64, cmd: Command) -> io::Result<(u64, &[Event])> {
        let env = Envelope {
            seq: self.engine.last_seq() + 1,
            ts,
            cmd,
        };
        self.writer.append(&env)?;
        self.engine.apply(&env);
        self.since_snapshot += 1;
        if self.since_snapshot >= self.snapshot_every {
            self.snapshot(env.seq);
        }
        Ok((env.seq, self.engine.events()))
    }

    /// Hands the state after `seq` to the snapshot writer unless it is
    /// still busy with the previous one (then the next command tries again).
    fn snapshot(&mut self, seq: u64) {
        let Some(tx) = &self.snapshots.tx else { return };
        if !self.snapshots.claim() {
            return;
        }
        self.since_snapshot = 0;
        if tx.send((seq, snapshot::encode_state(&self.engine))).is_ok() {
            self.writer.rotate(seq + 1);
        } else {
            self.snapshots.shared.finish(seq, None);
        }
    }

    /// Blocks until no snapshot is queued or being written (it waits for
    /// the journal to hold the snapshot's sequence number first).
    pub fn wait_snapshot(&self) {
        self.snapshots.wait_idle();
    }

    /// How snapshots have gone so far.
    pub fn snapshot_health(&self) -> SnapshotHealth {
        self.snapshots.health()
    }

    /// The last durable (acknowledgeable) sequence number.
    pub fn durable(&self) -> u64 {
        self.writer.durable()
    }

    /// Blocks until `seq` is durable.
    pub fn wait_durable(&self, seq: u64) -> io::Result<()> {
        self.writer.wait_durable(seq)
    }

    /// Flushes the journal, lets a snapshot in progress finish and stops the
    /// background threads. Fails if the journal could not be written or the
    /// latest snapshot failed.
    pub fn close(self) -> Result<Engine, DurableError> {
        let DurableEngine {
            engine,
            writer,
            mut snapshots,
            ..
        } = self;
        // The snapshot thread waits for the journal: flush it first.
        let flushed = writer.wait_durable(engine.last_seq());
        snapshots.stop();
        writer.close()?;
        flushed?;
        match snapshots.health().last_failure {
            Some(f) => Err(DurableError::Snapshot(f)),
            None => Ok(engine),
        }
    }
}
