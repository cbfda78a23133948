//! Crash-test child: recovers from a data directory, then journals and applies a
//! deterministic command stream until it is killed.
//!
//! Usage: `journal_child DIR SEED`. Prints `READY <last_seq> <state hash> <ok|bad>`
//! after recovery, then `ACK <seq>` each time commands up to `<seq>` are fsynced.
//! `SKYX_CHILD_MAX` stops it after that many commands, `SKYX_CHILD_SNAPSHOT_EVERY`
//! sets the snapshot interval (500); a new journal segment starts after each snapshot.

#[path = "../../tests/support/crash_gen.rs"]
mod crash_gen;

use skyx_engine::durable::DurableEngine;
use skyx_engine::journal::Commit;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

fn hex(h: &[u8]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(seed)) = (args.get(1), args.get(2).and_then(|s| s.parse::<u64>().ok()))
    else {
        eprintln!("usage: journal_child DIR SEED");
        return ExitCode::from(2);
    };
    let env_u64 = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    };
    let max = env_u64("SKYX_CHILD_MAX", 5_000_000);
    let snapshot_every = env_u64("SKYX_CHILD_SNAPSHOT_EVERY", 500);
    let ack = Box::new(|c: &Commit| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "ACK {}", c.seq);
        let _ = out.flush();
    });
    let (mut d, _rec) = match DurableEngine::open(&PathBuf::from(dir), snapshot_every, ack) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("recovery failed: {e} ({})", e.code());
            return ExitCode::from(1);
        }
    };
    let ok = if d.engine().verify().is_ok() {
        "ok"
    } else {
        "bad"
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "READY {} {} {}",
            d.engine().last_seq(),
            hex(&d.engine().state_hash()),
            ok
        );
        let _ = out.flush();
    }
    let mut seq = d.engine().last_seq();
    while seq < max {
        seq += 1;
        let cmd = crash_gen::command(seed, seq);
        if let Err(e) = d.submit(seq, cmd) {
            eprintln!("journal failed: {e}");
            return ExitCode::from(1);
        }
    }
    match d.close() {
        Ok(_) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(1),
    }
}
