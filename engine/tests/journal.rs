//! The journal on disk: torn tails are cut off, damage with acknowledged
//! records behind it refuses to start and changes nothing, segments rotate
//! and are removed after snapshots, snapshot failures are reported, and a
//! format-1 directory still opens.
//!
//! Expected states come from an in-memory engine fed the same commands;
//! expected offsets from walking the files' length fields here.

#[path = "support/crash_gen.rs"]
mod crash_gen;

use skyx_engine::durable::{DurableEngine, DurableError};
use skyx_engine::journal::{list_segments, JournalError, LEGACY_FILE};
use skyx_engine::recovery::{recover, RecoveryError};
use skyx_engine::verify::verify_dir;
use skyx_engine::{Engine, Envelope};
use std::path::{Path, PathBuf};

const SEED: u64 = 11;
const SEGMENT_HEADER: u64 = 24;

/// An in-memory engine fed commands 1..=n of the stream.
fn reference(n: u64) -> Engine {
    let mut e = Engine::new();
    e.set_paranoid(false);
    for seq in 1..=n {
        e.apply(&Envelope {
            seq,
            ts: seq,
            cmd: crash_gen::command(SEED, seq),
        });
    }
    e
}

/// Runs commands `from..=to` through a durable engine, waiting for each
/// snapshot to finish so that snapshots fall every `every` commands exactly.
fn run(dir: &Path, from: u64, to: u64, every: u64) -> Result<Engine, DurableError> {
    let (mut d, _) = DurableEngine::open(dir, every, Box::new(|_: &_| {})).unwrap();
    assert_eq!(d.engine().last_seq(), from - 1);
    for seq in from..=to {
        d.submit(seq, crash_gen::command(SEED, seq)).unwrap();
        if seq % every == 0 {
            d.wait_snapshot();
        }
    }
    d.close()
}

/// Start offsets and sequence numbers of the records of a segment, read
/// from the length fields and the first 8 payload bytes.
fn records(path: &Path) -> Vec<(u64, u64)> {
    let bytes = std::fs::read(path).unwrap();
    let mut at = SEGMENT_HEADER as usize;
    let mut out = Vec::new();
    while at + 16 <= bytes.len() {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let seq = u64::from_le_bytes(bytes[at + 8..at + 16].try_into().unwrap());
        out.push((at as u64, seq));
        at += 8 + len;
    }
    out
}

fn segments(dir: &Path) -> Vec<(u64, PathBuf)> {
    list_segments(dir)
        .unwrap()
        .into_iter()
        .map(|s| (s.base, s.path))
        .collect()
}

/// Every file of a directory with its bytes.
fn contents(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    v.sort();
    v
}

fn corruption(e: RecoveryError) -> skyx_engine::journal::Corruption {
    match e {
        RecoveryError::Journal(JournalError::Corrupt(c)) => *c,
        other => panic!("expected corruption, got {other:?}"),
    }
}

#[test]
fn a_torn_last_record_is_cut_off_and_appending_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), 1, 300, u64::MAX).unwrap();
    let segs = segments(dir.path());
    assert_eq!(segs.len(), 1);
    let path = &segs[0].1;
    let whole = std::fs::read(path).unwrap();
    // Half of record 301, as a crash in the middle of its write leaves it.
    let mut next = Vec::new();
    skyx_engine::journal::frame(
        &Envelope {
            seq: 301,
            ts: 301,
            cmd: crash_gen::command(SEED, 301),
        },
        &mut next,
    );
    let mut torn = whole.clone();
    torn.extend_from_slice(&next[..next.len() / 2]);
    std::fs::write(path, &torn).unwrap();

    let report = verify_dir(dir.path()).unwrap();
    assert!(report.ok, "{:?}", report.problems);
    let tail = report.torn_tail.expect("torn tail reported");
    assert_eq!(
        (tail.offset, tail.bytes),
        (whole.len() as u64, (next.len() / 2) as u64)
    );

    let rec = recover(dir.path()).unwrap();
    assert_eq!(rec.torn_bytes, (next.len() / 2) as u64);
    assert_eq!(rec.engine.last_seq(), 300);
    assert_eq!(rec.engine.state_hash(), reference(300).state_hash());
    assert_eq!(std::fs::read(path).unwrap(), whole);

    run(dir.path(), 301, 320, u64::MAX).unwrap();
    let rec = recover(dir.path()).unwrap();
    assert_eq!(rec.engine.state_hash(), reference(320).state_hash());
}

#[test]
fn a_flipped_byte_before_acknowledged_records_refuses_to_start_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), 1, 300, u64::MAX).unwrap();
    let path = segments(dir.path())[0].1.clone();
    let recs = records(&path);
    let (at150, seq) = recs[149];
    assert_eq!(seq, 150);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[at150 as usize + 13] ^= 0x20;
    std::fs::write(&path, &bytes).unwrap();
    let before = contents(dir.path());

    let err = match DurableEngine::open(dir.path(), u64::MAX, Box::new(|_: &_| {})) {
        Err(e) => e,
        Ok(_) => panic!("opened over a damaged journal"),
    };
    assert_eq!(err.code(), "journal_corrupt");
    let text = err.to_string();
    let c = corruption(err);
    assert_eq!(c.file, path);
    assert_eq!(c.offset, at150);
    assert_eq!(c.last_good_seq, Some(149));
    assert_eq!(c.first_seq_after, Some(151));
    assert_eq!(c.found_at, recs[150].0);
    for part in [
        path.display().to_string(),
        format!("byte {at150}"),
        "seq 149".into(),
        "seq 151".into(),
    ] {
        assert!(text.contains(&part), "{text:?} lacks {part:?}");
    }
    assert_eq!(
        contents(dir.path()),
        before,
        "a refused start changed files"
    );

    let report = verify_dir(dir.path()).unwrap();
    assert!(!report.ok);
    assert_eq!(report.problems[0].code, "journal_corrupt");
    assert_eq!(report.corruption.as_ref().map(|c| c.offset), Some(at150));
    assert_eq!(contents(dir.path()), before, "verify changed files");
}

#[test]
fn segments_rotate_and_disk_use_stays_bounded() {
    let every = 200;
    let mut sizes = Vec::new();
    for n in [2_000u64, 20_000] {
        let dir = tempfile::tempdir().unwrap();
        let closed = run(dir.path(), 1, n, every).unwrap();
        let expected = reference(n);
        assert_eq!(closed.state_hash(), expected.state_hash());
        // Snapshots at n - 200 and n are kept; the journal from the older on.
        let bases: Vec<u64> = segments(dir.path()).iter().map(|s| s.0).collect();
        assert_eq!(bases, vec![n - every + 1, n + 1], "n = {n}");
        let snaps: Vec<u64> = skyx_engine::snapshot::list_snapshots(dir.path())
            .unwrap()
            .iter()
            .map(|s| s.0)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(snaps, vec![n - every, n]);
        let bytes: u64 = contents(dir.path())
            .iter()
            .map(|(_, b)| b.len() as u64)
            .sum();
        sizes.push(bytes);

        let rec = recover(dir.path()).unwrap();
        assert_eq!(rec.snapshot_seq, n);
        assert_eq!(rec.engine.state_hash(), expected.state_hash());
        assert_eq!(rec.engine.verify(), Ok(()));
        // With the newest snapshot damaged, the older one and the kept journal give the same state.
        let newest = dir.path().join(format!("snapshot-{n:020}.snap"));
        let mut b = std::fs::read(&newest).unwrap();
        let mid = b.len() / 2;
        b[mid] ^= 1;
        std::fs::write(&newest, &b).unwrap();
        assert!(!verify_dir(dir.path()).unwrap().ok);
        let rec = recover(dir.path()).unwrap();
        assert_eq!(rec.snapshot_seq, n - every);
        assert_eq!(rec.replayed, every);
        assert_eq!(rec.damaged_snapshots.len(), 1);
        assert_eq!(rec.engine.state_hash(), expected.state_hash());
    }
    // Ten times the commands, about the same bytes on disk.
    assert!(
        sizes[1] < sizes[0] * 3 / 2,
        "disk use grew with the run: {sizes:?}"
    );
}

#[test]
fn a_torn_segment_followed_by_another_is_corruption() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), 1, 500, 200).unwrap();
    // Kept: snapshots 200 and 400, segments 201..=400 and 401..=500.
    let segs = segments(dir.path());
    assert_eq!(segs.iter().map(|s| s.0).collect::<Vec<_>>(), vec![201, 401]);
    let recs = records(&segs[0].1);
    let (last_at, last_seq) = *recs.last().unwrap();
    assert_eq!(last_seq, 400);
    let len = std::fs::metadata(&segs[0].1).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&segs[0].1)
        .unwrap()
        .set_len(len - 3)
        .unwrap();
    // Recovery from snapshot 400 does not need the damaged segment; from 200 it does.
    assert_eq!(recover(dir.path()).unwrap().snapshot_seq, 400);
    std::fs::remove_file(dir.path().join(format!("snapshot-{:020}.snap", 400))).unwrap();
    let c = corruption(recover(dir.path()).unwrap_err());
    assert_eq!(c.file, segs[0].1);
    assert_eq!(c.offset, last_at);
    assert_eq!(c.last_good_seq, Some(399));
    assert_eq!(c.first_seq_after, Some(401));
    assert_eq!(c.found_in, segs[1].1);
}

#[test]
fn missing_records_refuse_to_start() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), 1, 900, 200).unwrap();
    let segs = segments(dir.path());
    assert_eq!(segs.iter().map(|s| s.0).collect::<Vec<_>>(), vec![601, 801]);
    let snap = |seq: u64| format!("snapshot-{seq:020}.snap");
    let copy = |from: &Path| {
        let to = tempfile::tempdir().unwrap();
        for (p, b) in contents(from) {
            std::fs::write(to.path().join(p.file_name().unwrap()), b).unwrap();
        }
        to
    };
    // Segment 601 lost its last record, cleanly: 800 is missing between the segments.
    let a = copy(dir.path());
    let seg = a.path().join(segs[0].1.file_name().unwrap());
    let (last_at, last_seq) = *records(&seg).last().unwrap();
    assert_eq!(last_seq, 800);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&seg)
        .unwrap()
        .set_len(last_at)
        .unwrap();
    std::fs::remove_file(a.path().join(snap(800))).unwrap();
    let c = corruption(recover(a.path()).unwrap_err());
    assert_eq!((c.last_good_seq, c.first_seq_after), (Some(799), Some(801)));
    assert_eq!((c.file.clone(), c.offset), (seg, last_at));
    // Segment 601 is gone and snapshot 800 too: 601..=800 are missing.
    let b = copy(dir.path());
    std::fs::remove_file(b.path().join(segs[0].1.file_name().unwrap())).unwrap();
    std::fs::remove_file(b.path().join(snap(800))).unwrap();
    let c = corruption(recover(b.path()).unwrap_err());
    assert_eq!((c.last_good_seq, c.first_seq_after), (Some(600), Some(801)));
    // Every snapshot is gone: the journal no longer starts at 1.
    std::fs::remove_file(dir.path().join(snap(600))).unwrap();
    std::fs::remove_file(dir.path().join(snap(800))).unwrap();
    let c = corruption(recover(dir.path()).unwrap_err());
    assert_eq!((c.last_good_seq, c.first_seq_after), (Some(0), Some(601)));
    assert_eq!(c.file, segs[0].1);
    assert!(!verify_dir(dir.path()).unwrap().ok);
}

#[test]
fn a_failed_snapshot_is_reported_and_removes_no_segment() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the snapshot of seq 400 would be written makes it fail.
    std::fs::create_dir(dir.path().join(format!("snapshot-{:020}.tmp", 400))).unwrap();
    let (mut d, _) = DurableEngine::open(dir.path(), 200, Box::new(|_: &_| {})).unwrap();
    for seq in 1..=400 {
        d.submit(seq, crash_gen::command(SEED, seq)).unwrap();
        if seq % 200 == 0 {
            d.wait_snapshot();
        }
    }
    let h = d.snapshot_health();
    assert_eq!(h.last_written, 200);
    assert_eq!(h.failures, 1);
    assert_eq!(h.last_failure.as_ref().map(|f| f.seq), Some(400));
    // No segment removed (the one for 401 on may exist already).
    let bases: Vec<u64> = segments(dir.path()).iter().map(|s| s.0).collect();
    assert_eq!(bases[..2], [1, 201], "{bases:?}");
    for seq in 401..=600 {
        d.submit(seq, crash_gen::command(SEED, seq)).unwrap();
    }
    d.wait_snapshot();
    let h = d.snapshot_health();
    assert_eq!((h.last_written, h.last_failure.clone()), (600, None));
    // Snapshots 200 and 600 kept: what 200 covers goes.
    assert_eq!(h.segments_removed, 1);
    drop(d);
    // A failure of the last snapshot is what close reports.
    std::fs::create_dir(dir.path().join(format!("snapshot-{:020}.tmp", 800))).unwrap();
    match run(dir.path(), 601, 800, 200) {
        Err(DurableError::Snapshot(f)) => assert_eq!(f.seq, 800),
        other => panic!("close did not report the failed snapshot: {other:?}"),
    }
    let rec = recover(dir.path()).unwrap();
    assert_eq!(rec.snapshot_seq, 600);
    assert_eq!(rec.engine.state_hash(), reference(800).state_hash());
}

/// A data directory written by the format-1 journal (one headerless
/// `journal.log`, snapshots at 500 and 1000, commands 1..=1234 of the crash
/// stream with seed 7).
fn legacy_copy() -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/legacy-v1");
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    dir
}

fn reference_seed7(n: u64) -> Engine {
    let mut e = Engine::new();
    e.set_paranoid(false);
    for seq in 1..=n {
        e.apply(&Envelope {
            seq,
            ts: seq,
            cmd: crash_gen::command(7, seq),
        });
    }
    e
}

#[test]
fn a_format_one_directory_is_converted_and_keeps_its_state() {
    let dir = legacy_copy();
    let report = verify_dir(dir.path()).unwrap();
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!(report.journal[0].format, "legacy");
    assert_eq!(report.last_seq, 1234);

    let (mut d, rec) = DurableEngine::open(dir.path(), 500, Box::new(|_: &_| {})).unwrap();
    assert!(rec.migrated);
    assert_eq!(rec.snapshot_seq, 1000);
    assert_eq!(d.engine().last_seq(), 1234);
    assert_eq!(d.engine().state_hash(), reference_seed7(1234).state_hash());
    assert!(!dir.path().join(LEGACY_FILE).exists());
    assert_eq!(segments(dir.path())[0].0, 1);
    for seq in 1235..=1300 {
        d.submit(seq, crash_gen::command(7, seq)).unwrap();
    }
    d.close().unwrap();
    let rec = recover(dir.path()).unwrap();
    assert!(!rec.migrated);
    assert_eq!(rec.engine.state_hash(), reference_seed7(1300).state_hash());
}

#[test]
fn a_format_one_conversion_interrupted_by_a_crash_is_done_again() {
    let dir = legacy_copy();
    let legacy = std::fs::read(dir.path().join(LEGACY_FILE)).unwrap();
    skyx_engine::recovery::migrate_legacy(dir.path()).unwrap();
    // The crash came before the old file was removed.
    std::fs::write(dir.path().join(LEGACY_FILE), &legacy).unwrap();
    let rec = recover(dir.path()).unwrap();
    assert!(rec.migrated);
    assert_eq!(rec.engine.state_hash(), reference_seed7(1234).state_hash());
    assert_eq!(segments(dir.path()).len(), 1);
}

#[test]
fn a_damaged_format_one_journal_refuses_and_stays_as_it_was() {
    let dir = legacy_copy();
    let path = dir.path().join(LEGACY_FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    // Walk the length fields to the start of record 600.
    let mut at = 0usize;
    for _ in 1..600 {
        at += 8 + u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    }
    assert_eq!(
        u64::from_le_bytes(bytes[at + 8..at + 16].try_into().unwrap()),
        600
    );
    bytes[at + 20] ^= 0x80;
    std::fs::write(&path, &bytes).unwrap();
    let before = contents(dir.path());
    let c = corruption(recover(dir.path()).unwrap_err());
    assert_eq!((c.file.clone(), c.offset), (path, at as u64));
    assert_eq!((c.last_good_seq, c.first_seq_after), (Some(599), Some(601)));
    assert_eq!(contents(dir.path()), before);
}

#[test]
fn the_engine_process_refuses_to_start_over_damage() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), 1, 300, u64::MAX).unwrap();
    let path = segments(dir.path())[0].1.clone();
    let recs = records(&path);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[recs[99].0 as usize + 9] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_journal_child"))
        .arg(dir.path())
        .arg(SEED.to_string())
        .env("SKYX_CHILD_MAX", "400")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.is_empty(),
        "it started: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    for part in [
        path.display().to_string(),
        format!("byte {}", recs[99].0),
        "seq 99".into(),
        "seq 101".into(),
        "journal_corrupt".into(),
    ] {
        assert!(err.contains(&part), "{err:?} lacks {part:?}");
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}
