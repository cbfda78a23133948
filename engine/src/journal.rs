//! The command journal: length-prefixed, checksummed records, appended by a
//! group-commit writer thread.
//!
//! A record is `u32 len || u32 crc32c(payload) || payload`, the payload being an
//! encoded [`Envelope`]. [`JournalWriter::append`] copies the record into a shared
//! buffer; the writer thread swaps the buffer out, writes it, calls
//! `fdatasync` once for the whole batch and only then reports the batch's last
//! sequence number as durable (through [`JournalWriter::durable`] and the
//! acknowledgement callback). A command is acknowledged only once durable.
//!
//! On reading, the first record that is incomplete, fails its checksum or does
//! not decode ends the journal: it is a torn write from a crash, was never
//! acknowledged, and is truncated away.

use crate::command::Envelope;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// Journal file name inside a data directory.
pub const JOURNAL_FILE: &str = "journal.log";

/// Largest accepted record payload.
pub const MAX_RECORD: usize = 1 << 20;

/// Appends one framed record of `env` to `out`.
pub fn frame(env: &Envelope, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0u8; 8]);
    env.encode(out);
    let payload_len = (out.len() - start - 8) as u32;
    let crc = crc32c::crc32c(&out[start + 8..]);
    out[start..start + 4].copy_from_slice(&payload_len.to_le_bytes());
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
}

/// The result of scanning a journal.
#[derive(Debug, Default)]
pub struct Scan {
    /// Every valid record, in order.
    pub records: Vec<Envelope>,
    /// Length of the valid prefix.
    pub valid_len: u64,
    /// Bytes after the valid prefix (a torn tail), discarded.
    pub torn_bytes: u64,
}

/// Parses framed records from a byte buffer, stopping at the first bad one.
pub fn scan_bytes(buf: &[u8]) -> Scan {
    let mut pos = 0usize;
    let mut records = Vec::new();
    while buf.len() - pos >= 8 {
        let mut l = [0u8; 4];
        l.copy_from_slice(&buf[pos..pos + 4]);
        let mut c = [0u8; 4];
        c.copy_from_slice(&buf[pos + 4..pos + 8]);
        let len = u32::from_le_bytes(l) as usize;
        if len > MAX_RECORD || buf.len() - pos - 8 < len {
            break;
        }
        let payload = &buf[pos + 8..pos + 8 + len];
        if crc32c::crc32c(payload) != u32::from_le_bytes(c) {
            break;
        }
        match Envelope::decode(payload) {
            Ok(env) => records.push(env),
            Err(_) => break,
        }
        pos += 8 + len;
    }
    Scan {
        records,
        valid_len: pos as u64,
        torn_bytes: (buf.len() - pos) as u64,
    }
}

/// Reads a journal file (missing file = empty journal).
pub fn scan_file(path: &Path) -> io::Result<Scan> {
    let mut buf = Vec::new();
    match File::open(path) {
        Ok(mut f) => {
            f.read_to_end(&mut buf)?;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Scan::default()),
        Err(e) => return Err(e),
    }
    Ok(scan_bytes(&buf))
}

/// Cuts a journal file back to `len` bytes and fsyncs it.
pub fn truncate(path: &Path, len: u64) -> io::Result<()> {
    let f = OpenOptions::new().write(true).open(path)?;
    f.set_len(len)?;
    f.sync_all()
}

struct State {
    buf: Vec<u8>,
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

/// Callback told the last durable sequence number after each group commit.
pub type AckFn = Box<dyn FnMut(u64) + Send>;

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

impl JournalWriter {
    /// Opens (or creates) the journal file for appending; `durable` is the sequence already on disk.
    pub fn open(path: &Path, durable: u64, mut ack: AckFn) -> io::Result<JournalWriter> {
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                buf: Vec::with_capacity(1 << 20),
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
                loop {
                    let seq;
                    {
                        let mut g = sh.lock();
                        while g.buf.is_empty() && !g.closed {
                            g = match sh.work.wait(g) {
                                Ok(g) => g,
                                Err(p) => p.into_inner(),
                            };
                        }
                        if g.buf.is_empty() && g.closed {
                            return;
                        }
                        std::mem::swap(&mut g.buf, &mut spare);
                        seq = g.last_in_buf;
                    }
                    let r = file.write_all(&spare).and_then(|_| file.sync_data());
                    spare.clear();
                    let mut g = sh.lock();
                    match r {
                        Ok(()) => {
                            g.durable = seq;
                            drop(g);
                            sh.done.notify_all();
                            ack(seq);
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
    fn torn_tail_is_discarded() {
        let mut buf = Vec::new();
        for seq in 1..=3 {
            frame(
                &Envelope {
                    seq,
                    ts: seq,
                    cmd: Command::WithdrawSettle { id: seq },
                },
                &mut buf,
            );
        }
        let full = buf.len();
        let s = scan_bytes(&buf);
        assert_eq!(s.records.len(), 3);
        assert_eq!(s.torn_bytes, 0);
        // Cut the last record in the middle.
        let s = scan_bytes(&buf[..full - 3]);
        assert_eq!(s.records.len(), 2);
        assert!(s.torn_bytes > 0);
        // Flip a byte in the last record's payload.
        buf[full - 1] ^= 0xff;
        let s = scan_bytes(&buf);
        assert_eq!(s.records.len(), 2);
    }
}
