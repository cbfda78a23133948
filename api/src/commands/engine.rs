//! `skyx engine …`: the matching engine's journal and snapshots in a data
//! directory.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use skyx_engine::durable::ENGINE_DIR;
use skyx_engine::verify::verify_dir;

use crate::output::print_json;

/// Where the engine's files are.
#[derive(Debug, Args)]
pub struct EngineDataDir {
    /// The skyx data directory (the engine's files are in its `engine`
    /// folder; a folder holding them directly is accepted too).
    #[arg(long = "data-dir", env = "SKYX_DATA_DIR", value_name = "DIR")]
    pub data_dir: PathBuf,
}

/// `skyx engine` subcommands.
#[derive(Debug, Subcommand)]
pub enum EngineCommand {
    /// Check every snapshot and journal record and replay the journal,
    /// changing nothing (exit 0 clean, 1 with a report).
    Verify {
        #[command(flatten)]
        dir: EngineDataDir,
    },
}

/// Runs a `skyx engine` subcommand.
pub fn run(cmd: &EngineCommand, compact: bool) -> anyhow::Result<ExitCode> {
    match cmd {
        EngineCommand::Verify { dir } => {
            let engine_dir = engine_dir(&dir.data_dir)?;
            let report = verify_dir(&engine_dir)
                .with_context(|| format!("cannot read {}", engine_dir.display()))?;
            print_json(&report, compact)?;
            Ok(if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

/// The folder holding the engine's files: `DIR/engine`, or `DIR` itself when
/// it holds them.
fn engine_dir(data_dir: &Path) -> anyhow::Result<PathBuf> {
    let nested = data_dir.join(ENGINE_DIR);
    if nested.is_dir() {
        return Ok(nested);
    }
    if holds_engine_files(data_dir) {
        return Ok(data_dir.to_path_buf());
    }
    bail!(
        "no engine data in {} (neither in {} nor in the folder itself)",
        data_dir.display(),
        nested.display()
    )
}

fn holds_engine_files(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        name == skyx_engine::journal::LEGACY_FILE
            || skyx_engine::journal::segment::parse_segment_name(&name).is_some()
            || (name.starts_with("snapshot-") && name.ends_with(".snap"))
    })
}
