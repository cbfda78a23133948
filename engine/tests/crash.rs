//! Crash test: a child journaling under load, snapshotting and rotating its
//! journal segments every 100 commands, is killed with SIGKILL many times (50
//! by default, `SKYX_CRASH_KILLS` for more); after each restart every
//! acknowledged command is present, none is applied twice (the state hash equals
//! an independent replay of exactly commands 1..=last) and the ledger conserves.
//! At the end the journal is whole and old segments were removed.

#[path = "support/crash_gen.rs"]
mod crash_gen;

use skyx_engine::durable::DurableEngine;
use skyx_engine::{Engine, Envelope};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn hex(h: &[u8]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn kill_nine_many_times() {
    let kills: usize = std::env::var("SKYX_CRASH_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let seed = 7u64;
    let dir = std::env::temp_dir().join(format!("skyx-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut reference = Engine::new();
    reference.set_paranoid(false);
    let mut max_acked = 0u64;
    let mut rng = crash_gen::mix64(seed);
    for round in 0..kills {
        let mut child = Command::new(env!("CARGO_BIN_EXE_journal_child"))
            .arg(&dir)
            .arg(seed.to_string())
            .env("SKYX_CHILD_SNAPSHOT_EVERY", "100")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let parts: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(parts.first(), Some(&"READY"), "round {round}: {line:?}");
        let last: u64 = parts[1].parse().unwrap();
        assert!(
            last >= max_acked,
            "round {round}: acknowledged {max_acked} but recovered only {last}"
        );
        assert!(
            last >= reference.last_seq(),
            "round {round}: recovered state went back"
        );
        for s in reference.last_seq() + 1..=last {
            reference.apply(&Envelope {
                seq: s,
                ts: s,
                cmd: crash_gen::command(seed, s),
            });
        }
        assert_eq!(
            parts[2],
            hex(&reference.state_hash()),
            "round {round}: state differs from exactly-once replay"
        );
        assert_eq!(
            parts[3], "ok",
            "round {round}: ledger does not conserve after recovery"
        );
        rng = crash_gen::mix64(rng);
        std::thread::sleep(Duration::from_millis(2 + rng % 30));
        child.kill().unwrap();
        let mut rest = String::new();
        while out.read_line(&mut rest).unwrap_or(0) > 0 {}
        for l in rest.lines() {
            if let Some(s) = l.strip_prefix("ACK ") {
                max_acked = max_acked.max(s.trim().parse().unwrap());
            }
        }
        child.wait().unwrap();
    }
    let report = skyx_engine::verify::verify_dir(&dir).unwrap();
    assert!(report.ok, "{:?}", report.problems);
    let rec = skyx_engine::recovery::recover(&dir).unwrap();
    assert!(rec.engine.last_seq() >= max_acked);
    assert_eq!(rec.engine.verify(), Ok(()));
    assert!(max_acked > 100, "the child made progress ({max_acked})");
    // Opening again removes what a kill kept from being removed: no segment
    // is left that the older kept snapshot covers.
    let (d, _) = DurableEngine::open(&dir, 100, Box::new(|_: &_| {})).unwrap();
    d.close().unwrap();
    let segments = skyx_engine::journal::list_segments(&dir).unwrap();
    let snapshots: Vec<u64> = skyx_engine::snapshot::list_snapshots(&dir)
        .unwrap()
        .into_iter()
        .map(|s| s.0)
        .collect();
    eprintln!(
        "{kills} kills, {max_acked} commands acknowledged, {} segments left, snapshots {snapshots:?}",
        segments.len()
    );
    if snapshots.len() == 2 {
        let older = snapshots.iter().min().copied().unwrap_or(0);
        for pair in segments.windows(2) {
            assert!(
                pair[1].base > older + 1,
                "segment {:?} is covered by snapshot {older}",
                pair[0].path
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
