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
//! the journal's blocks above its head through the normal validation. A
//! record torn by the crash (its `fdatasync` never returned, so it was
//! never acknowledged) fails its checksum and is cut off.
//!
//! Record: payload length (u32 LE) ‖ CRC-32 of the payload (u32 LE) ‖
//! payload (the signed block as encoded on the wire: block ‖ signature).

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

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

/// An open journal, positioned at its end.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
    /// Blocks appended since the journal was last emptied.
    blocks: u64,
    /// Length of the file.
    bytes: u64,
}

impl Journal {
    /// Opens (or creates) the journal in `dir` and reads its blocks. A torn
    /// or corrupt tail is cut off; the blocks before it are returned.
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
        let (blocks, whole) = parse(&bytes);
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
        self.file.write_all(&buf)?;
        self.file.sync_data()?;
        self.blocks += n;
        self.bytes += buf.len() as u64;
        Ok(())
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

/// The blocks of the journal in `dir` (none if it has no journal), read
/// without changing the file.
pub fn read_journal(dir: &Path) -> Result<Vec<SignedBlock>, NodeError> {
    match std::fs::read(dir.join(JOURNAL_FILE)) {
        Ok(bytes) => Ok(parse(&bytes).0),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

/// The whole records at the front of `bytes`, and how many bytes they span.
fn parse(bytes: &[u8]) -> (Vec<SignedBlock>, usize) {
    let mut blocks = Vec::new();
    let mut at = 0usize;
    while let Some(header) = bytes.get(at..at + RECORD_HEADER) {
        let word = |r: std::ops::Range<usize>| {
            let mut w = [0u8; 4];
            w.copy_from_slice(&header[r]);
            u32::from_le_bytes(w)
        };
        let (len, crc) = (word(0..4) as usize, word(4..8));
        if len > MAX_PAYLOAD {
            break;
        }
        let start = at + RECORD_HEADER;
        let Some(payload) = bytes.get(start..start + len) else {
            break;
        };
        if crc32fast::hash(payload) != crc {
            break;
        }
        let Ok(block) = decode_exact::<SignedBlock>(payload) else {
            break;
        };
        blocks.push(block);
        at = start + len;
    }
    (blocks, at)
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
        assert_eq!(parse(&full), (blocks[..3].to_vec(), full.len()));
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
}
