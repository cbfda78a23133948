//! The group-commit writer: records are copied into a shared buffer; a
//! background thread swaps the buffer out, writes it, calls `fdatasync` once
//! for the whole batch and only then reports the batch's last sequence
//! number as durable (through [`JournalWriter::durable`] and the
//! acknowledgement callback). A command is acknowledged only once durable.
//!
//! [`JournalWriter::rotate`] marks where a new segment starts. The writer
//! syncs the records before the mark into the old segment before it creates
//! the new one, so a segment that has a successor is always complete.

use super::frame::frame;
use super::segment::create_segment;
use crate::command::Envelope;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// One group commit, as told to the acknowledgement callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Commit {
    /// Every record up to this sequence number is durable.
    pub seq: u64,
    /// Bytes written by this commit.
    pub bytes: usize,
    /// Time spent writing and syncing them (the journal's fsync latency).
    pub sync: Duration,
}

/// Callback told about each group commit, on the writer thread. It is the
/// place to acknowledge commands and to record journal latency metrics.
pub type AckFn = Box<dyn FnMut(&Commit) + Send>;

/// Where the writer appends after opening.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppendTo {
    /// An existing segment that ends with the last durable record.
    Segment(PathBuf),
    /// A new segment starting at this sequence number.
    NewSegment(u64),
}

struct State {
    buf: Vec<u8>,
    /// New segments to start: (first sequence number, offset in `buf`).
    cuts: Vec<(u64, usize)>,
    last_in_buf: u64,
    durable: u64,
    closed: bool,
    failed: Option<String>,
}

struct Shared {
    state: Mutex<State>,
    work: Condvar,
    done: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }
}

/// Appends records and fsyncs them in batches on a background thread.
pub struct JournalWriter {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// A cloneable handle to wait for durability.
#[derive(Clone)]
pub struct DurableWaiter {
    shared: Arc<Shared>,
}

impl DurableWaiter {
    /// Blocks until `seq` is durable; fails if the writer failed.
    pub fn wait(&self, seq: u64) -> io::Result<()> {
        let mut g = self.shared.lock();
        loop {
            if g.durable >= seq {
                return Ok(());
            }
            if let Some(e) = &g.failed {
                return Err(io::Error::other(e.clone()));
            }
            if g.closed && g.buf.is_empty() {
                return Err(io::Error::other("journal closed"));
            }
            g = match self.shared.done.wait(g) {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
        }
    }
}

/// The writer thread's side: the open segment and where new ones go.
struct Sink {
    dir: PathBuf,
    file: File,
}

impl Sink {
    /// Writes one batch, starting the new segments its cuts ask for, and syncs it.
    fn write_batch(&mut self, buf: &[u8], cuts: &[(u64, usize)]) -> io::Result<()> {
        let mut start = 0;
        for (i, &(base, at)) in cuts.iter().enumerate() {
            if at > start {
                self.file.write_all(&buf[start..at])?;
                self.file.sync_data()?;
            }
            let end = cuts.get(i + 1).map_or(buf.len(), |c| c.1);
            // The new segment is created with its records and synced.
            self.file = create_segment(&self.dir, base, &buf[at..end])?;
            start = end;
        }
        if start < buf.len() {
            self.file.write_all(&buf[start..])?;
            self.file.sync_data()?;
        }
        Ok(())
    }
}

impl JournalWriter {
    /// Opens the journal of `dir` for appending; `durable` is the last
    /// sequence number already on disk.
    pub fn open(
        dir: &Path,
        append_to: AppendTo,
        durable: u64,
        mut ack: AckFn,
    ) -> io::Result<JournalWriter> {
        let file = match &append_to {
            AppendTo::Segment(path) => OpenOptions::new().append(true).open(path)?,
            AppendTo::NewSegment(base) => create_segment(dir, *base, &[])?,
        };
        let mut sink = Sink {
            dir: dir.to_path_buf(),
            file,
        };
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                buf: Vec::with_capacity(1 << 20),
                cuts: Vec::new(),
                last_in_buf: durable,
                durable,
                closed: false,
                failed: None,
            }),
            work: Condvar::new(),
            done: Condvar::new(),
        });
        let sh = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("journal-writer".into())
            .spawn(move || {
                let mut spare: Vec<u8> = Vec::with_capacity(1 << 20);
                let mut cuts: Vec<(u64, usize)> = Vec::new();
                loop {
                    let seq;
                    {
                        let mut g = sh.lock();
                        while g.buf.is_empty() && g.cuts.is_empty() && !g.closed {
                            g = match sh.work.wait(g) {
                                Ok(g) => g,
                                Err(p) => p.into_inner(),
                            };
                        }
                        if g.buf.is_empty() && g.cuts.is_empty() && g.closed {
                            return;
                        }
                        std::mem::swap(&mut g.buf, &mut spare);
                        std::mem::swap(&mut g.cuts, &mut cuts);
                        seq = g.last_in_buf;
                    }
                    let started = Instant::now();
                    let r = sink.write_batch(&spare, &cuts);
                    let commit = Commit {
                        seq,
                        bytes: spare.len(),
                        sync: started.elapsed(),
                    };
                    spare.clear();
                    cuts.clear();
                    let mut g = sh.lock();
                    match r {
                        Ok(()) => {
                            g.durable = seq;
                            drop(g);
                            sh.done.notify_all();
                            ack(&commit);
                        }
                        Err(e) => {
                            g.failed = Some(e.to_string());
                            g.closed = true;
                            drop(g);
                            sh.done.notify_all();
                            return;
                        }
                    }
                }
            })?;
        Ok(JournalWriter {
            shared,
            thread: Some(thread),
        })
    }

    /// Queues one command for the next group commit.
    #[inline]
    pub fn append(&self, env: &Envelope) -> io::Result<()> {
        let mut g = self.shared.lock();
        if let Some(e) = &g.failed {
            return Err(io::Error::other(e.clone()));
        }
        let was_empty = g.buf.is_empty();
        frame(env, &mut g.buf);
        g.last_in_buf = env.seq;
        drop(g);
        if was_empty {
            self.shared.work.notify_one();
        }
        Ok(())
    }

    /// Starts a new segment with the next record appended, whose sequence number is `base`.
    pub fn rotate(&self, base: u64) {
        let mut g = self.shared.lock();
        let at = g.buf.len();
        g.cuts.push((base, at));
    }

    /// The last durable sequence number.
    pub fn durable(&self) -> u64 {
        self.shared.lock().durable
    }

    /// A handle to wait for durability from another thread.
    pub fn waiter(&self) -> DurableWaiter {
        DurableWaiter {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Blocks until `seq` is durable.
    pub fn wait_durable(&self, seq: u64) -> io::Result<()> {
        self.waiter().wait(seq)
    }

    /// Flushes everything queued, stops the writer thread and reports a write failure if any.
    pub fn close(mut self) -> io::Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> io::Result<()> {
        {
            let mut g = self.shared.lock();
            g.closed = true;
        }
        self.shared.work.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        match &self.shared.lock().failed {
            Some(e) => Err(io::Error::other(e.clone())),
            None => Ok(()),
        }
    }
}

impl Drop for JournalWriter {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}
