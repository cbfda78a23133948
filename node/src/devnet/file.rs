//! Writing a generated chain to a chain file, with a progress bar on a
//! terminal and tracing logs.

use std::fs::File;
use std::io::{BufWriter, IsTerminal};
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};

use super::generate::{chain_spec, generate, GenerateError, GenerateSummary};
use super::options::GenerateOptions;
use crate::chainfile::{ChainFileError, ChainFileWriter};

/// Output buffer size: blocks are written as long hex lines.
const WRITE_BUFFER: usize = 1 << 20;

/// Generates the chain `opts` describe into the chain file at `path`
/// (replaced if it exists) and syncs it to disk.
pub fn generate_to_file(
    opts: &GenerateOptions,
    path: impl AsRef<Path>,
) -> Result<GenerateSummary, GenerateError<ChainFileError>> {
    let path = path.as_ref();
    let spec = chain_spec(opts)?;
    let io_err = |e: std::io::Error| GenerateError::Sink {
        seq: 0,
        source: ChainFileError::Io(e),
    };
    let file = File::create(path).map_err(io_err)?;
    let mut writer = ChainFileWriter::new(BufWriter::with_capacity(WRITE_BUFFER, file), &spec)
        .map_err(|source| GenerateError::Sink { seq: 0, source })?;
    tracing::info!(
        path = %path.display(),
        blocks = opts.blocks,
        txs_per_block = opts.txs_per_block,
        genesis = %spec.genesis_hash,
        publisher = %spec.publisher_pubkey,
        "generating devnet chain"
    );
    let bar = progress_bar(opts.blocks.saturating_add(1));
    let result = generate(opts, |block| {
        writer.write_block(block)?;
        bar.inc(1);
        Ok(())
    });
    bar.finish_and_clear();
    let summary = result?;
    let buffered = writer.finish().map_err(|source| GenerateError::Sink {
        seq: summary.blocks,
        source,
    })?;
    let file = buffered.into_inner().map_err(|e| io_err(e.into_error()))?;
    file.sync_all().map_err(io_err)?;
    tracing::info!(path = %path.display(), "devnet chain written: {summary}");
    Ok(summary)
}

/// A bar over `len` blocks on stderr, or a hidden one when stderr is not a
/// terminal.
fn progress_bar(len: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} blocks ({per_sec}, eta {eta})",
    ) {
        bar.set_style(style);
    }
    bar
}
