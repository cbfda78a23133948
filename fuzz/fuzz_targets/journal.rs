//! What recovery reads back from disk: engine journal records and command
//! streams, engine snapshots and journal segment files
//! (`engine/src/command.rs`, `snapshot.rs`, `journal/`), and the node's
//! block journal (`node/src/store/journal.rs`). The first byte picks what
//! the rest is:
//!
//! * 0: commands, applied in order to a new engine as a replay does (markets
//!   with narrow price bands only); the engine's own checks then pass, and a
//!   snapshot of the state restores to the same state hash;
//! * 1: one journal record payload: it encodes back to the same bytes;
//! * 2: a snapshot file;
//! * 3: commands and damage: the snapshot of the replayed engine, damaged,
//!   loads or gives an error;
//! * 4: an engine journal file (a segment when its header reads, else the
//!   headerless format), read record by record to its end;
//! * 5: commands and damage: the journal segment of those commands,
//!   damaged, read record by record;
//! * 6: the node's block journal file.
//!
//! Commands and damage: `u16le n`, `n` bytes of commands, then `u32le` a
//! length the file is cut to, then `(u16le offset, u8 xor)` patches.
//! A snapshot that loads snapshots again to bytes that load to the same
//! state.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use skyx_engine::codec::Reader;
use skyx_engine::journal::segment::{decode_header, encode_header, SEGMENT_HEADER};
use skyx_engine::journal::{frame, FileKind, SegmentReader};
use skyx_engine::snapshot::{decode_state, encode_state};
use skyx_engine::{Command, Engine, Envelope};
use skyx_node::store::journal::{read_journal, JOURNAL_FILE};

/// Commands applied by one run.
const MAX_COMMANDS: u64 = 512;
/// Widest price band of a market added by a replay. The engine allocates a
/// level per tick of the band (up to 2^22 per market, an operator's
/// choice); wide bands would only make each run slow.
const MAX_REPLAY_BAND: u64 = 1 << 12;
/// Records read from one journal file.
const MAX_RECORDS: usize = 1024;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 7 {
        0 => {
            let engine = replay(rest);
            if let Err(e) = engine.verify() {
                panic!("the engine is inconsistent after a replay: {e}");
            }
            let restored = decode_state(&encode_state(&engine))
                .unwrap_or_else(|e| panic!("a live engine's snapshot does not load: {e}"));
            assert_eq!(restored.state_hash(), engine.state_hash());
        }
        1 => {
            if let Ok(env) = Envelope::decode(rest) {
                let mut out = Vec::new();
                env.encode(&mut out);
                assert_eq!(out, rest, "decode then encode changed the record");
            }
        }
        2 => load_snapshot(rest),
        3 => {
            let (commands, damage) = split(rest);
            load_snapshot(&damaged(encode_state(&replay(commands)), damage));
        }
        4 => read_segment(rest),
        5 => {
            let (commands, damage) = split(rest);
            read_segment(&damaged(segment(commands), damage));
        }
        _ => {
            std::fs::write(scratch().join(JOURNAL_FILE), rest).expect("scratch file");
            let _ = read_journal(scratch());
        }
    }
});

/// A new engine after the commands in `bytes`, applied as recovery does.
fn replay(bytes: &[u8]) -> Engine {
    let mut engine = Engine::new();
    for env in envelopes(bytes) {
        engine.apply(&env);
    }
    engine
}

/// The commands in `bytes`, numbered from 1.
fn envelopes(bytes: &[u8]) -> Vec<Envelope> {
    let mut r = Reader::new(bytes);
    let mut out = Vec::new();
    for seq in 1..=MAX_COMMANDS {
        let Ok(cmd) = Command::decode(&mut r) else {
            break;
        };
        if let Command::AddMarket(m) = &cmd {
            if m.band_high.saturating_sub(m.band_low) >= MAX_REPLAY_BAND {
                continue;
            }
        }
        out.push(Envelope {
            seq: out.len() as u64 + 1,
            ts: seq,
            cmd,
        });
    }
    out
}

/// A journal segment holding the commands in `bytes`.
fn segment(bytes: &[u8]) -> Vec<u8> {
    let mut out = encode_header(1).to_vec();
    for env in envelopes(bytes) {
        frame(&env, &mut out);
    }
    out
}

/// Splits commands from damage (see the module header).
fn split(rest: &[u8]) -> (&[u8], &[u8]) {
    let Some((n, rest)) = rest.split_first_chunk::<2>() else {
        return (rest, &[]);
    };
    rest.split_at(usize::from(u16::from_le_bytes(*n)).min(rest.len()))
}

/// `bytes` cut and patched as `damage` says.
fn damaged(mut bytes: Vec<u8>, damage: &[u8]) -> Vec<u8> {
    let Some((cut, patches)) = damage.split_first_chunk::<4>() else {
        return bytes;
    };
    bytes.truncate(u32::from_le_bytes(*cut) as usize);
    if !bytes.is_empty() {
        for p in patches.chunks_exact(3) {
            let at = usize::from(u16::from_le_bytes([p[0], p[1]])) % bytes.len();
            bytes[at] ^= p[2];
        }
    }
    bytes
}

/// Loads a snapshot; one that loads snapshots again to the same state.
fn load_snapshot(bytes: &[u8]) {
    if let Ok(engine) = decode_state(bytes) {
        let _ = engine.verify();
        let again = decode_state(&encode_state(&engine))
            .unwrap_or_else(|e| panic!("a loaded snapshot, written again, does not load: {e}"));
        assert_eq!(again.state_hash(), engine.state_hash());
    }
}

/// Reads a journal file to its end (or its first error).
fn read_segment(bytes: &[u8]) {
    let path = scratch().join("journal.log");
    std::fs::write(&path, bytes).expect("scratch file");
    let kind = match bytes.first_chunk::<SEGMENT_HEADER>().map(decode_header) {
        Some(Ok(base)) => FileKind::Segment(base),
        _ => FileKind::Legacy,
    };
    if let Ok(mut reader) = SegmentReader::open(&path, kind) {
        for _ in 0..MAX_RECORDS {
            match reader.next_record() {
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        let _ = (reader.tail(), reader.valid_len(), reader.last_seq());
    }
}

/// A directory of this process for the files the readers open (in memory
/// when /dev/shm exists). Those of processes that are gone are removed.
fn scratch() -> &'static Path {
    const PREFIX: &str = "skyx-fuzz-journal-";
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        for entry in std::fs::read_dir(&base).into_iter().flatten().flatten() {
            let name = entry.file_name();
            let pid = name.to_str().and_then(|n| n.strip_prefix(PREFIX));
            if pid.is_some_and(|pid| !Path::new("/proc").join(pid).exists()) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        let dir = base.join(format!("{PREFIX}{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        dir
    })
}
