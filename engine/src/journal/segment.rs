//! Segment files: names, the 24-byte header, listing, creation and removal.
//!
//! Header: magic `SKYXJRNL` ‖ format version (u32) ‖ base sequence number
//! (u64) ‖ CRC-32C of the previous 20 bytes (u32), little endian. A segment
//! is created under a temporary name, its header fsynced, then renamed and
//! the directory fsynced: it exists with a whole header or not at all.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Magic at the start of every segment.
pub const SEGMENT_MAGIC: &[u8; 8] = b"SKYXJRNL";

/// Format version written in segment headers.
pub const SEGMENT_VERSION: u32 = 2;

/// Length of a segment header.
pub const SEGMENT_HEADER: usize = 24;

/// The single, headerless journal file of format 1 (converted on recovery).
pub const LEGACY_FILE: &str = "journal.log";

/// One segment file of a data directory.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Segment {
    /// Sequence number of its first record (from its name).
    pub base: u64,
    /// Its path.
    pub path: PathBuf,
}

/// The file name of the segment whose first record is `base`.
pub fn segment_name(base: u64) -> String {
    format!("journal-{base:020}.log")
}

/// The base of a segment file name, if it is one.
pub fn parse_segment_name(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("journal-")?.strip_suffix(".log")?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The header of a segment starting at `base`.
pub fn encode_header(base: u64) -> [u8; SEGMENT_HEADER] {
    let mut h = [0u8; SEGMENT_HEADER];
    h[..8].copy_from_slice(SEGMENT_MAGIC);
    h[8..12].copy_from_slice(&SEGMENT_VERSION.to_le_bytes());
    h[12..20].copy_from_slice(&base.to_le_bytes());
    let crc = crc32c::crc32c(&h[..20]);
    h[20..].copy_from_slice(&crc.to_le_bytes());
    h
}

/// The base sequence number in a segment header.
pub fn decode_header(h: &[u8; SEGMENT_HEADER]) -> Result<u64, &'static str> {
    if &h[..8] != SEGMENT_MAGIC {
        return Err("segment header has the wrong magic");
    }
    let word = |r: std::ops::Range<usize>| h[r].iter().rev().fold(0u64, |a, &b| a << 8 | b as u64);
    if word(20..24) as u32 != crc32c::crc32c(&h[..20]) {
        return Err("segment header checksum mismatch");
    }
    if word(8..12) as u32 != SEGMENT_VERSION {
        return Err("segment format version not supported");
    }
    Ok(word(12..20))
}

/// The segments in `dir`, by base.
pub fn list_segments(dir: &Path) -> io::Result<Vec<Segment>> {
    let mut v = Vec::new();
    for ent in fs::read_dir(dir)? {
        let ent = ent?;
        let name = ent.file_name();
        if let Some(base) = name.to_str().and_then(parse_segment_name) {
            v.push(Segment {
                base,
                path: ent.path(),
            });
        }
    }
    v.sort_unstable();
    Ok(v)
}

/// Fsyncs a directory so that creations, renames and removals inside it are durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

fn tmp_name(base: u64) -> String {
    format!("journal-{base:020}.tmp")
}

/// Creates the segment starting at `base` durably, with `body` (whole
/// frames) after its header, and returns it opened for appending.
pub fn create_segment(dir: &Path, base: u64, body: &[u8]) -> io::Result<File> {
    let tmp = dir.join(tmp_name(base));
    let path = dir.join(segment_name(base));
    {
        let mut f = File::create(&tmp)?;
        f.write_all(&encode_header(base))?;
        f.write_all(body)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, &path)?;
    sync_dir(dir)?;
    OpenOptions::new().append(true).open(&path)
}

/// Removes leftovers of segment creations a crash interrupted.
pub fn remove_temporaries(dir: &Path) -> io::Result<()> {
    for ent in fs::read_dir(dir)? {
        let ent = ent?;
        let name = ent.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with("journal-") && name.ends_with(".tmp") {
            fs::remove_file(ent.path())?;
        }
    }
    Ok(())
}

/// Removes every segment whose records all have sequence numbers up to
/// `covered` (known because a later segment starts at or before
/// `covered + 1`). Returns how many were removed.
pub fn prune_segments(dir: &Path, covered: u64) -> io::Result<usize> {
    let segs = list_segments(dir)?;
    let mut removed = 0;
    for pair in segs.windows(2) {
        if pair[1].base <= covered.saturating_add(1) {
            fs::remove_file(&pair[0].path)?;
            removed += 1;
        }
    }
    if removed > 0 {
        sync_dir(dir)?;
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_headers_round_trip() {
        assert_eq!(segment_name(42), "journal-00000000000000000042.log");
        assert_eq!(parse_segment_name(&segment_name(42)), Some(42));
        assert_eq!(parse_segment_name("journal.log"), None);
        assert_eq!(parse_segment_name("journal-42.log"), None);
        assert_eq!(parse_segment_name("journal-0000000000000000004x.log"), None);
        let h = encode_header(0x0102_0304_0506_0708);
        assert_eq!(&h[..8], b"SKYXJRNL");
        assert_eq!(&h[8..12], &[2, 0, 0, 0]);
        assert_eq!(&h[12..20], &[8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(decode_header(&h), Ok(0x0102_0304_0506_0708));
        for i in 0..SEGMENT_HEADER {
            let mut bad = h;
            bad[i] ^= 0x10;
            assert!(decode_header(&bad).is_err(), "byte {i}");
        }
    }

    #[test]
    fn pruning_keeps_the_segment_holding_the_next_record() {
        let dir = tempfile::tempdir().unwrap();
        for base in [1, 11, 21, 31] {
            create_segment(dir.path(), base, &[]).unwrap();
        }
        // Records up to 20 covered: segments 1 and 11 go, 21 holds 21.
        assert_eq!(prune_segments(dir.path(), 20).unwrap(), 2);
        let bases: Vec<u64> = list_segments(dir.path())
            .unwrap()
            .iter()
            .map(|s| s.base)
            .collect();
        assert_eq!(bases, vec![21, 31]);
        // The last segment is never removed.
        assert_eq!(prune_segments(dir.path(), 1000).unwrap(), 1);
        assert_eq!(list_segments(dir.path()).unwrap().len(), 1);
    }
}
