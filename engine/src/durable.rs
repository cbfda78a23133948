//! A journaled engine: sequences commands, journals them with group commit,
//! applies them, and takes snapshots every N commands.
//!
//! A command's result may be computed before its record is durable, but it must
//! not be acknowledged to anyone until [`DurableEngine::durable`] (or the
//! acknowledgement callback) has reached its sequence number: after a crash,
//! commands that were not durable are gone, and so is their effect.

use crate::command::{Command, Envelope};
use crate::events::Event;
use crate::journal::{AckFn, DurableWaiter, JournalWriter, JOURNAL_FILE};
use crate::recovery::{recover, Recovered, RecoveryError};
use crate::snapshot;
use crate::Engine;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;

/// An engine whose commands are journaled before they are acknowledged.
pub struct DurableEngine {
    engine: Engine,
    writer: JournalWriter,
    snapshot_every: u64,
    since_snapshot: u64,
    snap_tx: Option<mpsc::Sender<(u64, Vec<u8>)>>,
    snap_thread: Option<JoinHandle<()>>,
}

impl DurableEngine {
    /// Recovers from `dir` and opens the journal for appending.
    ///
    /// `ack` is called on the writer thread with the last durable sequence after each group commit.
    pub fn open(
        dir: &Path,
        snapshot_every: u64,
        ack: AckFn,
    ) -> Result<(DurableEngine, Recovered), RecoveryError> {
        let mut rec = recover(dir)?;
        let engine = std::mem::take(&mut rec.engine);
        let writer = JournalWriter::open(&dir.join(JOURNAL_FILE), engine.last_seq(), ack)?;
        let (tx, rx) = mpsc::channel::<(u64, Vec<u8>)>();
        let waiter: DurableWaiter = writer.waiter();
        let d: PathBuf = dir.to_path_buf();
        let snap_thread = std::thread::Builder::new()
            .name("snapshot-writer".into())
            .spawn(move || {
                while let Ok((seq, bytes)) = rx.recv() {
                    // A snapshot must never get ahead of the journal.
                    if waiter.wait(seq).is_err() {
                        return;
                    }
                    let _ = snapshot::write_snapshot(&d, seq, &bytes, 2);
                }
            })?;
        rec.engine = Engine::new();
        Ok((
            DurableEngine {
                engine,
                writer,
                snapshot_every: snapshot_every.max(1),
                since_snapshot: 0,
                snap_tx: Some(tx),
                snap_thread: Some(snap_thread),
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
            self.since_snapshot = 0;
            if let Some(tx) = &self.snap_tx {
                let _ = tx.send((env.seq, snapshot::encode_state(&self.engine)));
            }
        }
        Ok((env.seq, self.engine.events()))
    }

    /// The last durable (acknowledgeable) sequence number.
    pub fn durable(&self) -> u64 {
        self.writer.durable()
    }

    /// Blocks until `seq` is durable.
    pub fn wait_durable(&self, seq: u64) -> io::Result<()> {
        self.writer.wait_durable(seq)
    }

    /// Flushes the journal and stops the background threads.
    pub fn close(self) -> io::Result<Engine> {
        let DurableEngine {
            engine,
            writer,
            snap_tx,
            snap_thread,
            ..
        } = self;
        drop(snap_tx);
        if let Some(t) = snap_thread {
            let _ = t.join();
        }
        writer.close()?;
        Ok(engine)
    }
}
