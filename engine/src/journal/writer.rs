//! The group-commit writer: commands are queued in a shared buffer; a
//! background thread swaps the buffer out, frames and checksums the batch,
//! writes it, calls `fdatasync` once for the whole batch and only then
//! reports the batch's last sequence number as durable (through
//! [`JournalWriter::durable`] and the acknowledgement callback). A command
//! is acknowledged only once durable. Framing on the writer thread keeps
//! the caller's cost per command to a copy into the queue.
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
    queue: Vec<Envelope>,
    /// New segments to start: (first sequence number, index in `queue`).
    cuts: Vec<(u64, usize)>,
    last_queued: u64,
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
            if g.closed && g.queue.is_empty() {
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

/// Frames `queue` into `bytes`, turning its cuts (indexes into `queue`)
/// into byte offsets in `byte_cuts`.
fn encode_batch(
    queue: &[Envelope],
    cuts: &[(u64, usize)],
    bytes: &mut Vec<u8>,
    byte_cuts: &mut Vec<(u64, usize)>,
) {
    bytes.clear();
    byte_cuts.clear();
    let mut next = cuts.iter().peekable();
    for (i, env) in queue.iter().enumerate() {
        while let Some(&(base, _)) = next.next_if(|c| c.1 <= i) {
            byte_cuts.push((base, bytes.len()));
        }
        frame(env, bytes);
    }
    byte_cuts.extend(next.map(|&(base, _)| (base, bytes.len())));
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
                queue: Vec::with_capacity(1 << 16),
                cuts: Vec::new(),
                last_queued: durable,
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
                let mut spare: Vec<Envelope> = Vec::with_capacity(1 << 16);
                let mut cuts: Vec<(u64, usize)> = Vec::new();
                let mut bytes: Vec<u8> = Vec::with_capacity(1 << 22);
                let mut byte_cuts: Vec<(u64, usize)> = Vec::new();
                loop {
                    let seq;
                    {
                        let mut g = sh.lock();
                        while g.queue.is_empty() && g.cuts.is_empty() && !g.closed {
                            g = match sh.work.wait(g) {
                                Ok(g) => g,
                                Err(p) => p.into_inner(),
                            };
                        }
                        if g.queue.is_empty() && g.cuts.is_empty() && g.closed {
                            return;
                        }
                        std::mem::swap(&mut g.queue, &mut spare);
                        std::mem::swap(&mut g.cuts, &mut cuts);
                        seq = g.last_queued;
                    }
                    encode_batch(&spare, &cuts, &mut bytes, &mut byte_cuts);
                    let started = Instant::now();
                    let r = sink.write_batch(&bytes, &byte_cuts);
                    let commit = Commit {
                        seq,
                        bytes: bytes.len(),
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
        let was_empty = g.queue.is_empty();
        g.queue.push(*env);
        g.last_queued = env.seq;
        drop(g);
        if was_empty {
            self.shared.work.notify_one();
        }
        Ok(())
    }

    /// Starts a new segment with the next record appended, whose sequence number is `base`.
    pub fn rotate(&self, base: u64) {
        let mut g = self.shared.lock();
        let at = g.queue.len();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::Command;

    #[test]
    fn batch_cuts_become_the_byte_offsets_of_their_records() {
        let queue: Vec<Envelope> = (1..=4)
            .map(|seq| Envelope {
                seq,
                ts: seq,
                cmd: Command::WithdrawSettle { id: seq },
            })
            .collect();
        // Each record: 8 header + 8 seq + 8 ts + 1 tag + 8 id = 33 bytes.
        let cuts = [(1, 0), (3, 2), (4, 3), (5, 4), (6, 4)];
        let (mut bytes, mut byte_cuts) = (Vec::new(), Vec::new());
        encode_batch(&queue, &cuts, &mut bytes, &mut byte_cuts);
        assert_eq!(bytes.len(), 4 * 33);
        assert_eq!(
            byte_cuts,
            vec![(1, 0), (3, 66), (4, 99), (5, 132), (6, 132)]
        );
        let mut framed = Vec::new();
        for env in &queue {
            frame(env, &mut framed);
        }
        assert_eq!(bytes, framed);
    }
}
