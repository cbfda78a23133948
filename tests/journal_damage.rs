//! Journals through the `skyx` binary: a torn last record is accepted and
//! cut off; a flipped byte with acknowledged records behind it makes the
//! node refuse to start with the file, the byte offset and the sequence
//! numbers around the damage, and `skyx node verify` / `skyx engine verify`
//! report it (exit 1, a JSON report), changing nothing.
//!
//! Vector file read: skycoin/chain/blockchain-180.blocks.jsonl. The block
//! journal records are built here from its `block_hex` and `sig` fields with
//! a CRC-32 computed here; the engine's expected state comes from an
//! in-memory engine fed the same commands.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use skyx_engine::command::Command as EngineCommand;
use skyx_engine::durable::{DurableEngine, ENGINE_DIR};
use skyx_engine::market::AssetSpec;
use skyx_engine::{Engine, Envelope};

fn skyx(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skyx"))
        .args(args)
        .output()
        .expect("skyx runs")
}

fn d(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn chain_file() -> PathBuf {
    let base = match std::env::var_os("SKYX_VECTORS") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors")),
    };
    let f = base.join("skycoin/chain/blockchain-180.blocks.jsonl");
    assert!(f.exists(), "{} is required", f.display());
    f
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), bit by bit.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Block journal records of blocks `seqs` of the vector chain: length,
/// CRC-32, then the signed block (block bytes, then the signature).
fn journal_records(seqs: std::ops::RangeInclusive<usize>) -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string(chain_file()).expect("chain file");
    let lines: Vec<&str> = text.lines().collect();
    seqs.map(|seq| {
        let v: Value = serde_json::from_str(lines[seq]).expect("json");
        let mut payload = hex::decode(v["block_hex"].as_str().expect("block_hex")).expect("hex");
        payload.extend(hex::decode(v["sig"].as_str().expect("sig")).expect("hex"));
        let mut rec = (payload.len() as u32).to_le_bytes().to_vec();
        rec.extend_from_slice(&crc32(&payload).to_le_bytes());
        rec.extend_from_slice(&payload);
        rec
    })
    .collect()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn import(dir: &Path) {
    let out = skyx(&["node", "import", "--data-dir", d(dir), d(&chain_file())]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn node_journal_torn_tail_accepted_damage_refused_and_reported() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    import(dir);
    let journal = dir.join("blocks.journal");
    let recs = journal_records(176..=180);
    let whole: Vec<u8> = recs.concat();

    // A torn last record: accepted, reported, cut off on open.
    let mut torn = whole.clone();
    torn.extend_from_slice(&recs[4][..recs[4].len() / 2]);
    std::fs::write(&journal, &torn).expect("write");
    let out = skyx(&["node", "verify", "--data-dir", d(dir), "--json"]);
    let report = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert_eq!(report["journal"]["blocks"], 5);
    assert_eq!(report["journal"]["last_seq"], 180);
    assert_eq!(report["journal"]["torn_bytes"], recs[4].len() / 2);
    assert_eq!(report["journal"]["corruption"], Value::Null);
    let out = skyx(&["node", "status", "--data-dir", d(dir), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json_of(&out)["height"], 180);

    // A flipped byte in block 178's record, blocks 179 and 180 behind it.
    let offset = recs[0].len() + recs[1].len();
    let mut bad = whole.clone();
    bad[offset + 8 + 100] ^= 0x10;
    std::fs::write(&journal, &bad).expect("write");
    let out = skyx(&["node", "status", "--data-dir", d(dir), "--json"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "it started over a damaged journal"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "one clear line: {err}");
    for part in [
        d(&journal).to_string(),
        format!("byte {offset}"),
        "seq 177".into(),
        "seq 179".into(),
    ] {
        assert!(err.contains(&part), "{err:?} lacks {part:?}");
    }
    let out = skyx(&["node", "verify", "--data-dir", d(dir), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report = json_of(&out);
    assert_eq!(report["ok"], false);
    let c = &report["journal"]["corruption"];
    assert_eq!(c["file"], d(&journal));
    assert_eq!(c["offset"], offset);
    assert_eq!(c["last_good_seq"], 177);
    assert_eq!(c["first_seq_after"], 179);
    assert_eq!(c["found_at"], offset + recs[2].len());
    assert_eq!(
        std::fs::read(&journal).expect("read"),
        bad,
        "the journal changed"
    );

    // Repair rebuilds the store from the good blocks and the chain file.
    let out = skyx(&[
        "node",
        "repair",
        "--data-dir",
        d(dir),
        "--from",
        d(&chain_file()),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = skyx(&["node", "verify", "--data-dir", d(dir), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", json_of(&out));
    assert_eq!(json_of(&out)["height"], 180);
}

/// Command `seq` of a small stream: two assets, then deposits and transfers.
fn command(seq: u64) -> EngineCommand {
    match seq {
        1 => EngineCommand::AddAsset(AssetSpec { id: 1, decimals: 8 }),
        2 => EngineCommand::AddAsset(AssetSpec { id: 2, decimals: 6 }),
        s if s % 3 == 0 => EngineCommand::Transfer {
            from: s % 7,
            to: s % 5,
            asset: 1,
            amount: s,
        },
        s => EngineCommand::Deposit {
            account: s % 7,
            asset: 1 + (s % 2) as u32,
            amount: 1_000 + s,
        },
    }
}

fn hex_of(h: &[u8]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn engine_verify_reports_torn_tails_and_damage() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path();
    let out = skyx(&["engine", "verify", "--data-dir", d(data), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no engine data"));

    let dir = data.join(ENGINE_DIR);
    let (mut eng, _) = DurableEngine::open(&dir, u64::MAX, Box::new(|_: &_| {})).expect("open");
    let mut reference = Engine::new();
    for seq in 1..=300 {
        eng.submit(seq, command(seq)).expect("submit");
        reference.apply(&Envelope {
            seq,
            ts: seq,
            cmd: command(seq),
        });
    }
    eng.close().expect("close");

    let out = skyx(&["engine", "verify", "--data-dir", d(data), "--json"]);
    let report = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert_eq!(report["last_seq"], 300);
    assert_eq!(report["state_hash"], hex_of(&reference.state_hash()));

    // Record starts of the one segment, from its length fields (24-byte header).
    let segment = dir.join("journal-00000000000000000001.log");
    let bytes = std::fs::read(&segment).expect("segment");
    let mut starts = Vec::new();
    let mut at = 24;
    while at < bytes.len() {
        starts.push(at);
        at += 8 + u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
    }
    assert_eq!(starts.len(), 300);

    // A torn last record is not a problem.
    let mut torn = bytes.clone();
    torn.truncate(starts[299] + 11);
    std::fs::write(&segment, &torn).expect("write");
    let out = skyx(&["engine", "verify", "--data-dir", d(data), "--json"]);
    let report = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert_eq!(report["last_seq"], 299);
    assert_eq!(report["torn_tail"]["offset"], starts[299]);
    assert_eq!(report["torn_tail"]["bytes"], 11);

    // A flipped byte in record 120 is damage: reported, nothing changed.
    let mut bad = bytes.clone();
    bad[starts[119] + 20] ^= 0x04;
    std::fs::write(&segment, &bad).expect("write");
    let out = skyx(&["engine", "verify", "--data-dir", d(data), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report = json_of(&out);
    assert_eq!(report["ok"], false);
    assert_eq!(report["problems"][0]["code"], "journal_corrupt");
    let c = &report["corruption"];
    assert_eq!(c["file"], d(&segment));
    assert_eq!(c["offset"], starts[119]);
    assert_eq!(c["last_good_seq"], 119);
    assert_eq!(c["first_seq_after"], 121);
    assert_eq!(c["found_at"], starts[120]);
    assert_eq!(std::fs::read(&segment).expect("read"), bad);
    // The folder holding the files directly is accepted too.
    let out = skyx(&["engine", "verify", "--data-dir", d(&dir)]);
    assert_eq!(out.status.code(), Some(1));
}
