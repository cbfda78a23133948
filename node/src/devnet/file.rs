//! Writing a generated chain to a chain file on a writer thread, with a
//! progress bar on a terminal and tracing logs.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver};

use skyx_coins::sky::block::SignedBlock;

use super::generate::{chain_spec, generate, GenerateError, GenerateSummary};
use super::options::GenerateOptions;
use crate::chainfile::{ChainFileError, ChainFileWriter};
use crate::progress::progress_bar;
use indicatif::ProgressBar;

/// Output buffer size: blocks are written as long hex lines.
const WRITE_BUFFER: usize = 1 << 20;

/// Signed blocks waiting for the writer thread.
const WRITE_QUEUE: usize = 8;

/// Generates the chain `opts` describe into the chain file at `path`
/// (replaced if it exists) and syncs it to disk. Encoding and writing run on
/// their own thread, overlapping the signing of the next blocks.
pub fn generate_to_file(
    opts: &GenerateOptions,
    path: impl AsRef<Path>,
) -> Result<GenerateSummary, GenerateError<ChainFileError>> {
    let path = path.as_ref();
    let spec = chain_spec(opts)?;
    let sink_err = |seq: u64, e: std::io::Error| GenerateError::Sink {
        seq,
        source: ChainFileError::Io(e),
    };
    let file = File::create(path).map_err(|e| sink_err(0, e))?;
    let writer = ChainFileWriter::new(BufWriter::with_capacity(WRITE_BUFFER, file), &spec)
        .map_err(|source| GenerateError::Sink { seq: 0, source })?;
    tracing::info!(
        path = %path.display(),
        blocks = opts.blocks,
        txs_per_block = opts.txs_per_block,
        genesis = %spec.genesis_hash,
        publisher = %spec.publisher_pubkey,
        "generating devnet chain"
    );
    let bar = progress_bar(Some(opts.blocks.saturating_add(1)), "generate");
    let (generated, written) = std::thread::scope(|scope| {
        let (queue, blocks) = sync_channel::<SignedBlock>(WRITE_QUEUE);
        let writer_bar = bar.clone();
        let handle = scope.spawn(move || write_all(writer, blocks, &writer_bar));
        let generated = generate(opts, |block| {
            queue.send(block.clone()).map_err(|_| {
                ChainFileError::Io(std::io::Error::other("the chain file writer stopped"))
            })
        });
        drop(queue);
        let written = handle.join();
        (generated, written)
    });
    bar.finish_and_clear();
    match written {
        // The writer's own failure explains a refused block best.
        Ok(Err((seq, source))) => return Err(GenerateError::Sink { seq, source }),
        Err(_) => {
            return Err(sink_err(
                0,
                std::io::Error::other("the chain file writer panicked"),
            ))
        }
        Ok(Ok(())) => {}
    }
    let summary = generated?;
    tracing::info!(path = %path.display(), "devnet chain written: {summary}");
    Ok(summary)
}

/// Writes every block received, then flushes and syncs the file. A failure
/// names the block being written (or the block count, when finishing).
fn write_all(
    mut writer: ChainFileWriter<BufWriter<File>>,
    blocks: Receiver<SignedBlock>,
    bar: &ProgressBar,
) -> Result<(), (u64, ChainFileError)> {
    let mut count = 0u64;
    for block in blocks {
        writer
            .write_block(&block)
            .map_err(|e| (block.block.seq(), e))?;
        count += 1;
        bar.inc(1);
    }
    let buffered = writer.finish().map_err(|e| (count, e))?;
    let file = buffered
        .into_inner()
        .map_err(|e| (count, ChainFileError::Io(e.into_error())))?;
    file.sync_all()
        .map_err(|e| (count, ChainFileError::Io(e)))?;
    Ok(())
}
