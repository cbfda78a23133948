//! The block journal: what makes a block appended on its own durable.
//!
//! A durable store commit syncs every page the block's indexes dirtied, a
//! few dozen spread over the file. So
//! [`ChainStore::apply_blocks`](super::ChainStore::apply_blocks) commits
//! the store without syncing and makes the blocks durable here
//! instead: one sequential append and one `fdatasync`, whatever the height.
//! Every [`CHECKPOINT_BLOCKS`] blocks or [`CHECKPOINT_BYTES`] bytes (and
//! when the store is dropped) a durable store commit persists everything
//! and the journal is emptied.
//!
//! A crash loses the store's unsynced commits; on open the store replays
//! the journal's blocks above its head through the normal validation.
//!
//! Record: payload length (u32 LE) ‖ CRC-32 of the payload (u32 LE) ‖
//! payload (the signed block as encoded on the wire: block ‖ signature).
//! The blocks of a journal follow each other by seq.
//!
//! # Torn tail or corruption
//! A crash mid-append leaves a prefix of the append: its last record may be
//! cut, and nothing valid follows it. Its `fdatasync` never returned, so it
//! was never acknowledged, and it is cut off. After a bad record the rest of
//! the file is searched, at every byte offset, for a whole record with a
//! valid checksum holding a block whose seq could follow the last good one:
//! if there is one, acknowledged blocks lie behind the damage, and opening
//! fails with [`JournalCorruption`] (file, byte offset, the seqs around it)
//! without changing anything.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;
use skyx_coins::sky::block::SignedBlock;
use skyx_coins::sky::encoding::{decode_exact, encode};

use crate::error::NodeError;

/// Name of the journal file inside the data directory.
pub const JOURNAL_FILE: &str = "blocks.journal";

/// Blocks journaled between two durable store commits.
pub const CHECKPOINT_BLOCKS: u64 = 1_000;

/// Journal size that triggers a durable store commit before
/// [`CHECKPOINT_BLOCKS`] (large blocks): bounds the replay after a crash.
pub const CHECKPOINT_BYTES: u64 = 64 << 20;

/// Bytes before each payload: length and checksum.
const RECORD_HEADER: usize = 8;

/// Largest payload accepted when reading (a block is far smaller).
const MAX_PAYLOAD: usize = 64 << 20;

/// Where a block's seq lies in its encoding (after version and time).
const SEQ_AT: std::ops::Range<usize> = 12..20;

/// Smallest frame worth checking: a header and a payload reaching the seq.
const MIN_FRAME: usize = RECORD_HEADER + SEQ_AT.end;

/// Damage in the block journal with acknowledged blocks behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalCorruption {
    /// The journal file.
    pub file: PathBuf,
    /// Byte offset of the damaged record.
    pub offset: u64,
    /// What is wrong there.
    pub reason: String,
    /// Seq of the last good block before it.
    pub last_good_seq: Option<u64>,
    /// Seq of the first valid block found after it.
    pub first_seq_after: u64,
    /// Byte offset of that block's record.
    pub found_at: u64,
}

impl std::fmt::Display for JournalCorruption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "block journal damaged: {} at byte {}: {}; ",
            self.file.display(),
            self.offset,
            self.reason
        )?;
        match self.last_good_seq {
            Some(s) => write!(f, "last good block seq {s}")?,
            None => write!(f, "no good block before it")?,
        }
        write!(
            f,
            ", next valid block seq {} at byte {}; acknowledged blocks lie behind the damage, \
             nothing was cut off (`skyx node verify` reports it, `skyx node repair` rebuilds \
             the store from the good blocks and fetches the rest)",
            self.first_seq_after, self.found_at
        )
    }
}

/// What a read-only look at the journal found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalCheck {
    /// The journal file.
    pub file: PathBuf,
    /// Its length.
    pub bytes: u64,
    /// Whole blocks before any damage.
    pub blocks: u64,
    /// Seq of the first of them.
    pub first_seq: Option<u64>,
    /// Seq of the last of them.
    pub last_seq: Option<u64>,
    /// Bytes of a torn last record (cut off when the store opens).
    pub torn_bytes: u64,
    /// Damage with valid blocks behind it.
    pub corruption: Option<JournalCorruption>,
}

/// An open journal, positioned at its end.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
    /// Blocks appended since the journal was last emptied.
    blocks: u64,
    /// Length of the file.
    bytes: u64,
    /// How long the last append took to write and sync.
    last_sync: Duration,
}

impl Journal {
    /// Opens (or creates) the journal in `dir` and reads its blocks. A torn
    /// tail is cut off; damage with valid blocks behind it is an error
    /// ([`NodeError::JournalCorrupt`]) and leaves the file as it is.
    pub fn open(dir: &Path) -> Result<(Journal, Vec<SignedBlock>), NodeError> {
        let path = dir.join(JOURNAL_FILE);
        let existed = path.exists();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        if !existed {
            // The file's directory entry must survive a power cut too.
            File::open(dir)?.sync_all()?;
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        let parsed = parse(&bytes);
        if let Some(d) = parsed.damage {
            return Err(NodeError::JournalCorrupt(Box::new(d.at(&path))));
        }
        let (blocks, whole) = (parsed.blocks, parsed.whole);
        if whole < bytes.len() {
            tracing::warn!(
                path = %path.display(),
                kept = blocks.len(),
                cut_bytes = bytes.len() - whole,
                "block journal ends in a torn record (never acknowledged): cut off"
            );
            file.set_len(whole as u64)?;
            file.sync_data()?;
        }
        file.seek(SeekFrom::End(0))?;
        let journal = Journal {
            file,
            path,
            blocks: blocks.len() as u64,
            bytes: whole as u64,
            last_sync: Duration::ZERO,
        };
        Ok((journal, blocks))
    }

    /// Appends `blocks` and waits until they are on disk.
    pub fn append<'a>(
        &mut self,
        blocks: impl IntoIterator<Item = &'a SignedBlock>,
    ) -> Result<(), NodeError> {
        let mut buf = Vec::new();
        let mut n = 0;
        for b in blocks {
            let payload = encode(b);
            let len = u32::try_from(payload.len())
                .map_err(|_| NodeError::Invalid("block too large for the journal".into()))?;
            buf.extend_from_slice(&len.to_le_bytes());
            buf.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
            buf.extend_from_slice(&payload);
            n += 1;
        }
        if n == 0 {
            return Ok(());
        }
        let started = Instant::now();
        self.file.write_all(&buf)?;
        self.file.sync_data()?;
        self.last_sync = started.elapsed();
        self.blocks += n;
        self.bytes += buf.len() as u64;
        Ok(())
    }

    /// How long the last append took to write and sync (the journal's
    /// fsync latency, for metrics).
    pub fn last_sync(&self) -> Duration {
        self.last_sync
    }

    /// Blocks appended since the journal was last emptied.
    pub fn blocks(&self) -> u64 {
        self.blocks
    }

    /// Whether the journal has grown enough for a durable store commit.
    pub fn wants_checkpoint(&self) -> bool {
        self.blocks >= CHECKPOINT_BLOCKS || self.bytes >= CHECKPOINT_BYTES
    }

    /// Empties the journal (after a durable store commit holds its blocks).
    pub fn clear(&mut self) -> Result<(), NodeError> {
        self.file.set_len(0)?;
        self.file.seek(SeekFrom::Start(0))?;
        self.file.sync_data()?;
        self.blocks = 0;
        self.bytes = 0;
        Ok(())
    }

    /// Path of the journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The blocks of the journal in `dir` before any damage (none if it has no
/// journal), read without changing the file.
pub fn read_journal(dir: &Path) -> Result<Vec<SignedBlock>, NodeError> {
    match std::fs::read(dir.join(JOURNAL_FILE)) {
        Ok(bytes) => Ok(parse(&bytes).blocks),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

/// Looks at the journal in `dir` without changing it.
pub fn check_journal(dir: &Path) -> Result<JournalCheck, NodeError> {
    let path = dir.join(JOURNAL_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let parsed = parse(&bytes);
    let seq = |b: Option<&SignedBlock>| b.map(|b| b.block.seq());
    Ok(JournalCheck {
        bytes: bytes.len() as u64,
        blocks: parsed.blocks.len() as u64,
        first_seq: seq(parsed.blocks.first()),
        last_seq: seq(parsed.blocks.last()),
        torn_bytes: match parsed.damage {
            Some(_) => 0,
            None => (bytes.len() - parsed.whole) as u64,
        },
        corruption: parsed.damage.map(|d| d.at(&path)),
        file: path,
    })
}

/// Damage found in a journal's bytes, before the file is named.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Damage {
    offset: usize,
    reason: String,
    last_good_seq: Option<u64>,
    first_seq_after: u64,
    found_at: usize,
}

impl Damage {
    fn at(self, file: &Path) -> JournalCorruption {
        JournalCorruption {
            file: file.to_path_buf(),
            offset: self.offset as u64,
            reason: self.reason,
            last_good_seq: self.last_good_seq,
            first_seq_after: self.first_seq_after,
            found_at: self.found_at as u64,
        }
    }
}

/// What the bytes of a journal hold.
#[derive(Debug, PartialEq, Eq)]
struct Parsed {
    /// The whole records before the first bad one.
    blocks: Vec<SignedBlock>,
    /// How many bytes they span.
    whole: usize,
    /// Valid records behind the first bad one, if there are.
    damage: Option<Damage>,
}

/// One record at some offset.
enum Record {
    /// A block, and the length of its record.
    Block(Box<SignedBlock>, usize),
    /// Not a whole, valid record: why.
    Bad(&'static str),
}

fn record_at(bytes: &[u8], at: usize) -> Record {
    let Some(header) = bytes.get(at..at + RECORD_HEADER) else {
        return Record::Bad("incomplete record header");
    };
    let word = |r: std::ops::Range<usize>| {
        let mut w = [0u8; 4];
        w.copy_from_slice(&header[r]);
        u32::from_le_bytes(w)
    };
    let (len, crc) = (word(0..4) as usize, word(4..8));
    if len > MAX_PAYLOAD {
        return Record::Bad("record length out of range");
    }
    let start = at + RECORD_HEADER;
    let Some(payload) = bytes.get(start..start + len) else {
        return Record::Bad("incomplete record");
    };
    if crc32fast::hash(payload) != crc {
        return Record::Bad("checksum mismatch");
    }
    match decode_exact::<SignedBlock>(payload) {
        Ok(block) => Record::Block(Box::new(block), RECORD_HEADER + len),
        Err(_) => Record::Bad("record does not decode as a block"),
    }
}

/// Reads the records of `bytes`, telling a torn tail from damage.
fn parse(bytes: &[u8]) -> Parsed {
    let mut blocks: Vec<SignedBlock> = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        let last = blocks.last().map(|b| b.block.seq());
        match record_at(bytes, at) {
            Record::Block(block, len) => {
                let seq = block.block.seq();
                if let Some(expected) = last.and_then(|l| l.checked_add(1)) {
                    if seq != expected {
                        let damage = Damage {
                            offset: at,
                            reason: format!("block {seq} where {expected} was expected"),
                            last_good_seq: last,
                            first_seq_after: seq,
                            found_at: at,
                        };
                        return Parsed {
                            blocks,
                            whole: at,
                            damage: Some(damage),
                        };
                    }
                }
                blocks.push(*block);
                at += len;
            }
            Record::Bad(reason) => {
                let damage = find_valid_after(bytes, at, last).map(|(found_at, seq)| Damage {
                    offset: at,
                    reason: reason.into(),
                    last_good_seq: last,
                    first_seq_after: seq,
                    found_at,
                });
                return Parsed {
                    blocks,
                    whole: at,
                    damage,
                };
            }
        }
    }
    Parsed {
        blocks,
        whole: at,
        damage: None,
    }
}

/// The first offset after `bad_at` where a whole, valid record starts whose
/// block could follow `last` (later, and no further on than the records that
/// fit in between), with the block's seq.
fn find_valid_after(bytes: &[u8], bad_at: usize, last: Option<u64>) -> Option<(usize, u64)> {
    for p in bad_at + 1..bytes.len().saturating_sub(MIN_FRAME - 1) {
        let seq_bytes =
            bytes.get(p + RECORD_HEADER + SEQ_AT.start..p + RECORD_HEADER + SEQ_AT.end)?;
        let mut s = [0u8; 8];
        s.copy_from_slice(seq_bytes);
        let seq = u64::from_le_bytes(s);
        if let Some(g) = last {
            let room = 2 + ((p - bad_at) / MIN_FRAME) as u64;
            if seq <= g || seq - g > room {
                continue;
            }
        }
        if let Record::Block(block, _) = record_at(bytes, p) {
            if block.block.seq() == seq {
                return Some((p, seq));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devnet::{generate, GenerateOptions};

    fn chain(n: u64) -> Vec<SignedBlock> {
        let opts = GenerateOptions {
            blocks: n,
            txs_per_block: 2,
            seed: "journal".into(),
            ..GenerateOptions::default()
        };
        let mut out = Vec::new();
        generate(&opts, |b| {
            out.push(b.clone());
            Ok::<(), std::convert::Infallible>(())
        })
        .expect("generate");
        out
    }

    #[test]
    fn blocks_read_back_in_order_and_clear_empties() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blocks = chain(6);
        {
            let (mut j, read) = Journal::open(dir.path()).expect("open");
            assert!(read.is_empty());
            j.append(&blocks[..2]).expect("append");
            j.append(&blocks[2..5]).expect("append");
            assert_eq!(j.blocks(), 5);
            assert!(!j.wants_checkpoint());
        }
        let (mut j, read) = Journal::open(dir.path()).expect("reopen");
        assert_eq!(read, blocks[..5]);
        assert_eq!(j.blocks(), 5);
        j.clear().expect("clear");
        j.append(&blocks[5..]).expect("append");
        drop(j);
        let (_, read) = Journal::open(dir.path()).expect("reopen");
        assert_eq!(read, blocks[5..]);
    }

    #[test]
    fn a_torn_or_corrupt_tail_is_cut_off_and_later_appends_follow_the_good_part() {
        let blocks = chain(4);
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let (mut j, _) = Journal::open(dir.path()).expect("open");
            j.append(&blocks[..3]).expect("append");
        }
        let path = dir.path().join(JOURNAL_FILE);
        let full = std::fs::read(&path).expect("read");
        assert_eq!(
            parse(&full),
            Parsed {
                blocks: blocks[..3].to_vec(),
                whole: full.len(),
                damage: None
            }
        );
        let third_starts = full.len() - (RECORD_HEADER + encode(&blocks[2]).len());
        // Every cut inside the third record keeps exactly the first two.
        for cut in [third_starts + 1, third_starts + 7, full.len() - 1] {
            std::fs::write(&path, &full[..cut]).expect("write");
            let (_, read) = Journal::open(dir.path()).expect("open torn");
            assert_eq!(read, blocks[..2], "cut at {cut}");
            assert_eq!(
                std::fs::metadata(&path).expect("meta").len(),
                third_starts as u64
            );
        }
        // A flipped payload byte fails the checksum.
        let mut flipped = full.clone();
        let last = flipped.len() - 3;
        flipped[last] ^= 0x40;
        std::fs::write(&path, &flipped).expect("write");
        let (mut j, read) = Journal::open(dir.path()).expect("open corrupt");
        assert_eq!(read, blocks[..2]);
        j.append(&blocks[2..4]).expect("append after the cut");
        drop(j);
        let (_, read) = Journal::open(dir.path()).expect("reopen");
        assert_eq!(read, blocks[..4]);
    }

    /// Start offsets of the records of a journal file, from its length fields.
    fn record_starts(bytes: &[u8]) -> Vec<usize> {
        let mut at = 0;
        let mut v = Vec::new();
        while at + 8 <= bytes.len() {
            v.push(at);
            at += 8 + u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
        }
        v
    }

    fn journal_of(blocks: &[SignedBlock]) -> (tempfile::TempDir, PathBuf, Vec<u8>) {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let (mut j, _) = Journal::open(dir.path()).expect("open");
            j.append(blocks).expect("append");
        }
        let path = dir.path().join(JOURNAL_FILE);
        let bytes = std::fs::read(&path).expect("read");
        (dir, path, bytes)
    }

    #[test]
    fn a_flipped_byte_before_good_blocks_refuses_to_open_and_changes_nothing() {
        let blocks = chain(5);
        let (dir, path, full) = journal_of(&blocks[1..6]);
        let starts = record_starts(&full);
        assert_eq!(starts.len(), 5);
        // A byte in the header, the checksum or the payload of the record of block 3.
        for i in [starts[2] + 1, starts[2] + 5, starts[2] + 40, starts[3] - 1] {
            let mut bad = full.clone();
            bad[i] ^= 0x08;
            std::fs::write(&path, &bad).expect("write");
            let err = Journal::open(dir.path()).expect_err("opened a damaged journal");
            assert_eq!(err.code(), "journal_corrupt");
            let NodeError::JournalCorrupt(c) = &err else {
                panic!("{err}")
            };
            assert_eq!(c.file, path);
            assert_eq!(c.offset, starts[2] as u64, "byte {i}");
            assert_eq!(c.last_good_seq, Some(2), "byte {i}");
            assert_eq!(c.first_seq_after, 4, "byte {i}");
            assert_eq!(c.found_at, starts[3] as u64, "byte {i}");
            let text = err.to_string();
            assert!(text.contains(&format!("byte {}", starts[2])), "{text}");
            assert_eq!(std::fs::read(&path).expect("read"), bad, "the file changed");
            let check = check_journal(dir.path()).expect("check");
            assert_eq!(check.corruption.as_ref(), Some(&**c));
            assert_eq!((check.blocks, check.last_seq), (2, Some(2)));
            // Repair still gets the blocks before the damage.
            assert_eq!(read_journal(dir.path()).expect("read"), blocks[1..3]);
        }
    }

    #[test]
    fn zeros_or_a_cut_record_after_the_last_block_are_cut_off() {
        let blocks = chain(3);
        let (dir, path, full) = journal_of(&blocks[..3]);
        let mut zeros = full.clone();
        zeros.extend_from_slice(&[0u8; 8192]);
        std::fs::write(&path, &zeros).expect("write");
        let check = check_journal(dir.path()).expect("check");
        assert_eq!(
            (check.blocks, check.torn_bytes, check.corruption),
            (3, 8192, None)
        );
        let (_, read) = Journal::open(dir.path()).expect("open");
        assert_eq!(read, blocks[..3]);
        assert_eq!(std::fs::read(&path).expect("read"), full);
        // The first record cut short: nothing valid, nothing kept.
        std::fs::write(&path, &full[..100]).expect("write");
        let (_, read) = Journal::open(dir.path()).expect("open");
        assert!(read.is_empty());
    }

    #[test]
    fn a_block_out_of_order_is_corruption() {
        let blocks = chain(4);
        let (dir, path, full) = journal_of(&blocks[1..4]);
        let starts = record_starts(&full);
        // Block 1's record again in place of block 3's.
        let mut bad = full[..starts[2]].to_vec();
        bad.extend_from_slice(&full[..starts[1]]);
        std::fs::write(&path, &bad).expect("write");
        let NodeError::JournalCorrupt(c) = Journal::open(dir.path()).expect_err("opened") else {
            panic!("not a corruption")
        };
        assert_eq!(
            (c.offset, c.last_good_seq, c.first_seq_after),
            (starts[2] as u64, Some(2), 1)
        );
    }
}
