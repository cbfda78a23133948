//! Reading one journal file record by record through a buffered reader, and
//! telling a torn tail from corruption.
//!
//! A crash mid-write leaves a prefix of the write: the last record may be
//! cut, and nothing valid follows it. So after a bad record the rest of the
//! file is searched, at every byte offset, for a complete record with a
//! valid checksum that decodes and whose sequence number could follow the
//! last good one. None: a torn tail. One: [`Corruption`].

use super::error::{Corruption, JournalError};
use super::frame::{self, check, plausible_len, FRAME_HEADER, MIN_FRAME};
use super::segment::{decode_header, SEGMENT_HEADER};
use crate::command::Envelope;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Read buffer of a segment reader.
const READ_BUFFER: usize = 1 << 16;

/// Which kind of journal file is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A segment whose name says its first record is this sequence number.
    Segment(u64),
    /// The headerless single file of format 1.
    Legacy,
}

/// How a file ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tail {
    /// After its last record.
    Clean,
    /// In a torn record, with nothing valid after it.
    Torn {
        /// Where the torn record starts.
        offset: u64,
        /// Bytes from there to the end of the file.
        bytes: u64,
        /// What is wrong with it.
        reason: String,
    },
}

/// Streams the records of one journal file.
pub struct SegmentReader {
    path: PathBuf,
    file: BufReader<File>,
    len: u64,
    pos: u64,
    base: Option<u64>,
    last: Option<u64>,
    records: u64,
    buf: Vec<u8>,
    tail: Option<Tail>,
}

impl SegmentReader {
    /// Opens a journal file and checks its header.
    pub fn open(path: &Path, kind: FileKind) -> Result<SegmentReader, JournalError> {
        let io_err = |e| JournalError::io(path, e);
        let file = File::open(path).map_err(io_err)?;
        let len = file.metadata().map_err(io_err)?.len();
        let mut r = SegmentReader {
            path: path.to_path_buf(),
            file: BufReader::with_capacity(READ_BUFFER, file),
            len,
            pos: 0,
            base: None,
            last: None,
            records: 0,
            buf: Vec::new(),
            tail: None,
        };
        if let FileKind::Segment(named) = kind {
            let base = r.read_header()?;
            if base != named {
                return Err(r.header_damage(format!(
                    "segment header says its first record is seq {base}, its name says {named}"
                )));
            }
            r.base = Some(base);
            r.pos = SEGMENT_HEADER as u64;
        }
        Ok(r)
    }

    fn read_header(&mut self) -> Result<u64, JournalError> {
        if self.len < SEGMENT_HEADER as u64 {
            return Err(self.header_damage("segment header is incomplete".into()));
        }
        let mut h = [0u8; SEGMENT_HEADER];
        self.file
            .read_exact(&mut h)
            .map_err(|e| JournalError::io(&self.path, e))?;
        decode_header(&h).map_err(|reason| self.header_damage(reason.into()))
    }

    /// A damaged header: whatever records follow it are out of reach.
    fn header_damage(&mut self, reason: String) -> JournalError {
        let found = find_valid_frame(self.file.get_mut(), 1, self.len, 0, None);
        let (found_at, first_seq_after) = match found {
            Ok(Some((at, seq))) => (at, Some(seq)),
            _ => (0, None),
        };
        Corruption {
            file: self.path.clone(),
            offset: 0,
            reason,
            last_good_seq: None,
            first_seq_after,
            found_in: self.path.clone(),
            found_at,
        }
        .into()
    }

    /// The next record; `None` at the end of the file or at a torn tail (see [`tail`](Self::tail)).
    pub fn next_record(&mut self) -> Result<Option<Envelope>, JournalError> {
        if self.tail.is_some() {
            return Ok(None);
        }
        let left = self.len - self.pos;
        if left == 0 {
            self.tail = Some(Tail::Clean);
            return Ok(None);
        }
        if left < FRAME_HEADER as u64 {
            return self.bad("incomplete record header");
        }
        let mut h = [0u8; FRAME_HEADER];
        self.file
            .read_exact(&mut h)
            .map_err(|e| JournalError::io(&self.path, e))?;
        let (len, crc) = frame::header(&h);
        if !plausible_len(len) {
            return self.bad("record length out of range");
        }
        if left - (FRAME_HEADER as u64) < len as u64 {
            return self.bad("incomplete record");
        }
        self.buf.resize(len, 0);
        self.file
            .read_exact(&mut self.buf)
            .map_err(|e| JournalError::io(&self.path, e))?;
        let env = match check(&self.buf, crc) {
            Ok(env) => env,
            Err(reason) => return self.bad(reason),
        };
        if let Some(expected) = self.expected() {
            if env.seq != expected {
                return Err(Corruption {
                    file: self.path.clone(),
                    offset: self.pos,
                    reason: format!("record has seq {} where {expected} was expected", env.seq),
                    last_good_seq: self.last,
                    first_seq_after: Some(env.seq),
                    found_in: self.path.clone(),
                    found_at: self.pos,
                }
                .into());
            }
        }
        self.last = Some(env.seq);
        self.records += 1;
        self.pos += (FRAME_HEADER + len) as u64;
        Ok(Some(env))
    }

    fn expected(&self) -> Option<u64> {
        match self.last {
            Some(l) => l.checked_add(1),
            None => self.base,
        }
    }

    /// A bad record at the current position: a torn tail unless a valid record follows.
    fn bad(&mut self, reason: &str) -> Result<Option<Envelope>, JournalError> {
        let at = self.pos;
        let after = match (self.last, self.base) {
            (Some(l), _) => Some(l),
            (None, Some(b)) => b.checked_sub(1),
            (None, None) => None,
        };
        let found = find_valid_frame(self.file.get_mut(), at + 1, self.len, at, after)
            .map_err(|e| JournalError::io(&self.path, e))?;
        match found {
            Some((found_at, seq)) => Err(Corruption {
                file: self.path.clone(),
                offset: at,
                reason: reason.into(),
                last_good_seq: self.last,
                first_seq_after: Some(seq),
                found_in: self.path.clone(),
                found_at,
            }
            .into()),
            None => {
                self.tail = Some(Tail::Torn {
                    offset: at,
                    bytes: self.len - at,
                    reason: reason.into(),
                });
                Ok(None)
            }
        }
    }

    /// How the file ended, once [`next_record`](Self::next_record) returned `None`.
    pub fn tail(&self) -> Option<&Tail> {
        self.tail.as_ref()
    }

    /// Length of the file up to the end of its last good record.
    pub fn valid_len(&self) -> u64 {
        self.pos
    }

    /// Length of the file.
    pub fn file_len(&self) -> u64 {
        self.len
    }

    /// Sequence number of the last good record read.
    pub fn last_seq(&self) -> Option<u64> {
        self.last
    }

    /// Sequence number of the first record (from the header), for segments.
    pub fn base(&self) -> Option<u64> {
        self.base
    }

    /// Records read so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The file read.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A sliding window over the bytes of a file from some offset on.
struct Window<R> {
    src: R,
    buf: Vec<u8>,
    start: u64,
}

impl<R: Read> Window<R> {
    /// The `n` bytes at file offset `at`, or `None` if the file ends first.
    fn get(&mut self, at: u64, n: usize) -> io::Result<Option<&[u8]>> {
        let Some(from) = at.checked_sub(self.start).map(|d| d as usize) else {
            return Ok(None);
        };
        let need = from + n;
        while self.buf.len() < need {
            let have = self.buf.len();
            self.buf.resize(need.max(have + READ_BUFFER), 0);
            let got = read_some(&mut self.src, &mut self.buf[have..])?;
            self.buf.truncate(have + got);
            if got == 0 {
                return Ok(None);
            }
        }
        Ok(Some(&self.buf[from..need]))
    }

    /// Forgets the bytes before `at` once there are many.
    fn discard_before(&mut self, at: u64) {
        let n = (at - self.start) as usize;
        if n >= 4 * READ_BUFFER {
            self.buf.drain(..n.min(self.buf.len()));
            self.start = at;
        }
    }
}

fn read_some(src: &mut impl Read, out: &mut [u8]) -> io::Result<usize> {
    loop {
        match src.read(out) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

/// Whether a record found `distance` bytes after the damage could carry `seq`
/// when the last good record was `after`: later than it, and not further on
/// than the records that fit in between.
fn plausible_seq(seq: u64, after: Option<u64>, distance: u64) -> bool {
    match after {
        None => seq > 0,
        Some(a) => seq > a && seq - a <= 2 + distance / MIN_FRAME as u64,
    }
}

/// Searches offsets `from..len` of `file` for the start of a complete,
/// valid record whose sequence number could follow `after`, the damage
/// starting at `bad_at`. Returns its offset and sequence number.
pub(crate) fn find_valid_frame(
    file: &mut File,
    from: u64,
    len: u64,
    bad_at: u64,
    after: Option<u64>,
) -> io::Result<Option<(u64, u64)>> {
    if from >= len {
        return Ok(None);
    }
    file.seek(SeekFrom::Start(from))?;
    let mut w = Window {
        src: BufReader::with_capacity(READ_BUFFER, file.take(len - from)),
        buf: Vec::new(),
        start: from,
    };
    let mut p = from;
    loop {
        let Some(h) = w.get(p, FRAME_HEADER)? else {
            return Ok(None);
        };
        let mut head = [0u8; FRAME_HEADER];
        head.copy_from_slice(h);
        let (flen, crc) = frame::header(&head);
        let room = len - p - FRAME_HEADER as u64;
        if plausible_len(flen) && flen as u64 <= room {
            let seq = w
                .get(p + FRAME_HEADER as u64, 8)?
                .and_then(frame::payload_seq);
            if seq.is_some_and(|s| plausible_seq(s, after, p - bad_at)) {
                if let Some(payload) = w.get(p + FRAME_HEADER as u64, flen)? {
                    if let Ok(env) = check(payload, crc) {
                        return Ok(Some((p, env.seq)));
                    }
                }
            }
        }
        p += 1;
        w.discard_before(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::Command;
    use crate::journal::frame::frame;
    use crate::journal::segment::encode_header;

    /// A segment starting at `base` with `n` records; also returns where each record starts.
    fn segment(base: u64, n: u64) -> (Vec<u8>, Vec<u64>) {
        let mut buf = encode_header(base).to_vec();
        let mut starts = Vec::new();
        for seq in base..base + n {
            starts.push(buf.len() as u64);
            frame(
                &Envelope {
                    seq,
                    ts: seq,
                    cmd: Command::Deposit {
                        account: seq,
                        asset: 1,
                        amount: 1000 + seq,
                    },
                },
                &mut buf,
            );
        }
        (buf, starts)
    }

    fn read_all(bytes: &[u8], base: u64) -> (Result<Vec<u64>, JournalError>, Option<Tail>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seg");
        std::fs::write(&path, bytes).unwrap();
        let mut r = match SegmentReader::open(&path, FileKind::Segment(base)) {
            Ok(r) => r,
            Err(e) => return (Err(e), None),
        };
        let mut seqs = Vec::new();
        loop {
            match r.next_record() {
                Ok(Some(env)) => seqs.push(env.seq),
                Ok(None) => return (Ok(seqs), r.tail().cloned()),
                Err(e) => return (Err(e), None),
            }
        }
    }

    fn corruption(r: Result<Vec<u64>, JournalError>) -> Corruption {
        match r {
            Err(JournalError::Corrupt(c)) => *c,
            other => panic!("expected corruption, got {other:?}"),
        }
    }

    // Every record here is 8 + 8 + 8 + 1 + 8 + 4 + 8 = 45 bytes.
    const REC: u64 = 45;

    #[test]
    fn a_whole_segment_reads_back_and_ends_clean() {
        let (buf, starts) = segment(11, 5);
        assert_eq!(
            starts,
            vec![24, 24 + REC, 24 + 2 * REC, 24 + 3 * REC, 24 + 4 * REC]
        );
        assert_eq!(buf.len() as u64, 24 + 5 * REC);
        let (seqs, tail) = read_all(&buf, 11);
        assert_eq!(seqs.unwrap(), vec![11, 12, 13, 14, 15]);
        assert_eq!(tail, Some(Tail::Clean));
    }

    #[test]
    fn every_cut_inside_the_last_record_is_a_torn_tail() {
        let (buf, starts) = segment(1, 4);
        let last = starts[3] as usize;
        for cut in last + 1..buf.len() {
            let (seqs, tail) = read_all(&buf[..cut], 1);
            assert_eq!(seqs.unwrap(), vec![1, 2, 3], "cut at {cut}");
            match tail {
                Some(Tail::Torn { offset, bytes, .. }) => {
                    assert_eq!(offset, last as u64);
                    assert_eq!(bytes, (cut - last) as u64);
                }
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
    }

    #[test]
    fn zeros_or_garbage_after_the_last_record_are_a_torn_tail() {
        let (buf, _) = segment(1, 3);
        let mut zeros = buf.clone();
        zeros.extend_from_slice(&[0u8; 4096]);
        let (seqs, tail) = read_all(&zeros, 1);
        assert_eq!(seqs.unwrap(), vec![1, 2, 3]);
        assert!(
            matches!(tail, Some(Tail::Torn { offset, bytes: 4096, .. }) if offset == buf.len() as u64)
        );
        let mut garbage = buf.clone();
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            garbage.push(x as u8);
        }
        let (seqs, tail) = read_all(&garbage, 1);
        assert_eq!(seqs.unwrap(), vec![1, 2, 3]);
        assert!(matches!(tail, Some(Tail::Torn { .. })));
    }

    #[test]
    fn a_flipped_byte_with_records_behind_it_is_corruption() {
        let (buf, starts) = segment(101, 6);
        // Every byte of the third record (seq 103): length, checksum or payload.
        for i in starts[2]..starts[3] {
            let mut bad = buf.clone();
            bad[i as usize] ^= 0x04;
            let (seqs, _) = read_all(&bad, 101);
            let c = corruption(seqs);
            assert_eq!(c.offset, starts[2], "byte {i}");
            assert_eq!(c.last_good_seq, Some(102), "byte {i}");
            assert_eq!(c.first_seq_after, Some(104), "byte {i}");
            assert_eq!(c.found_at, starts[3], "byte {i}");
        }
    }

    #[test]
    fn damage_in_the_first_record_names_no_good_record() {
        let (mut buf, starts) = segment(7, 3);
        buf[starts[0] as usize + 20] ^= 0xff;
        let c = corruption(read_all(&buf, 7).0);
        assert_eq!(
            (c.offset, c.last_good_seq, c.first_seq_after),
            (24, None, Some(8))
        );
    }

    #[test]
    fn a_record_out_of_sequence_is_corruption() {
        let (mut buf, starts) = segment(1, 3);
        // Seq 2's record again in place of seq 3's.
        let second = buf[starts[1] as usize..starts[2] as usize].to_vec();
        buf.truncate(starts[2] as usize);
        buf.extend_from_slice(&second);
        let c = corruption(read_all(&buf, 1).0);
        assert_eq!(
            (c.offset, c.last_good_seq, c.first_seq_after),
            (starts[2], Some(2), Some(2))
        );
    }

    #[test]
    fn a_damaged_header_is_corruption_at_offset_zero() {
        let (buf, starts) = segment(5, 2);
        for i in 0..24 {
            let mut bad = buf.clone();
            bad[i] ^= 0x01;
            let c = corruption(read_all(&bad, 5).0);
            assert_eq!(c.offset, 0, "byte {i}");
            assert_eq!(c.first_seq_after, Some(5), "byte {i}");
            assert_eq!(c.found_at, starts[0], "byte {i}");
        }
        // A header naming another base than the file name.
        let c = corruption(read_all(&buf, 6).0);
        assert_eq!(c.offset, 0);
        // A file shorter than a header.
        assert_eq!(corruption(read_all(&buf[..10], 5).0).offset, 0);
    }
}
