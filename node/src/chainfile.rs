//! The JSONL chain file: what `skyx node export` and `skyx node devnet
//! generate` write and `skyx node import` reads.
//!
//! One JSON object per line. An optional first line describes the chain:
//! `{"chain": {"genesis_hash": hex, "publisher_pubkey": hex, ...}}`; without
//! it the chain is Skycoin mainnet. Every other line is one signed block:
//! `{"seq", "hash", "sig", "block_hex", ...}` — the layout of the shared
//! export `blockchain-180.blocks.jsonl`, whose other fields are ignored.
//! `block_hex` and `sig` carry the block; `seq` and `hash` are checked
//! against them.

use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};
use skyx_coins::sky::block::{Block, SignedBlock};
use skyx_coins::sky::encoding::encode;
use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::params::ChainParams;
use skyx_coins::sky::signature::Sig;

/// A chain file that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ChainFileError {
    /// Reading or writing failed.
    #[error("chain file I/O: {0}")]
    Io(#[from] std::io::Error),
    /// A line is not the expected JSON.
    #[error("chain file line {line}: {message}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// The chain a file belongs to, when it is not mainnet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainSpec {
    /// Hash of the genesis block.
    pub genesis_hash: Sha256,
    /// The publisher's signature of the genesis block, which lets a node
    /// start an empty store of this chain without a peer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genesis_signature: Option<Sig>,
    /// Hex of the block publisher's public key.
    pub publisher_pubkey: String,
    /// Receiver of the genesis coins.
    pub genesis_address: String,
    /// Genesis coins (droplets).
    pub genesis_coins: u64,
    /// Genesis hours.
    pub genesis_hours: u64,
    /// Genesis time.
    pub genesis_timestamp: u64,
}

impl ChainSpec {
    /// Mainnet's spec.
    pub fn mainnet() -> ChainSpec {
        ChainSpec::from_params(&skyx_coins::sky::params::MAINNET)
    }

    /// The spec of chain parameters.
    pub fn from_params(p: &ChainParams) -> ChainSpec {
        ChainSpec {
            genesis_hash: p.genesis_block().hash(),
            genesis_signature: p.genesis_signature.parse().ok(),
            publisher_pubkey: p.publisher_pubkey.to_string(),
            genesis_address: p.genesis_address.to_string(),
            genesis_coins: p.genesis_coins,
            genesis_hours: p.genesis_hours,
            genesis_timestamp: p.genesis_timestamp,
        }
    }

    /// Chain parameters with this genesis and publisher and mainnet's rules.
    pub fn to_params(&self) -> ChainParams {
        ChainParams {
            genesis_address: self.genesis_address.clone().into(),
            genesis_coins: self.genesis_coins,
            genesis_hours: self.genesis_hours,
            genesis_timestamp: self.genesis_timestamp,
            genesis_signature: self
                .genesis_signature
                .map(|s| s.to_hex().into())
                .unwrap_or_default(),
            publisher_pubkey: self.publisher_pubkey.clone().into(),
            ..skyx_coins::sky::params::MAINNET
        }
    }
}

#[derive(Serialize, Deserialize)]
struct HeaderLine {
    chain: ChainSpec,
}

#[derive(Serialize, Deserialize)]
struct BlockLine {
    seq: u64,
    hash: Sha256,
    sig: Sig,
    block_hex: String,
}

/// Writes a chain file.
pub struct ChainFileWriter<W: Write> {
    out: W,
}

impl<W: Write> ChainFileWriter<W> {
    /// Starts a file; `spec` is written as the header line unless it is mainnet.
    pub fn new(mut out: W, spec: &ChainSpec) -> Result<Self, ChainFileError> {
        if *spec != ChainSpec::mainnet() {
            let line = serde_json::to_string(&HeaderLine {
                chain: spec.clone(),
            })
            .map_err(std::io::Error::other)?;
            writeln!(out, "{line}")?;
        }
        Ok(ChainFileWriter { out })
    }

    /// Appends one signed block.
    pub fn write_block(&mut self, block: &SignedBlock) -> Result<(), ChainFileError> {
        let line = BlockLine {
            seq: block.block.seq(),
            hash: block.block.hash(),
            sig: block.sig,
            block_hex: const_hex::encode(encode(&block.block)),
        };
        let text = serde_json::to_string(&line).map_err(std::io::Error::other)?;
        writeln!(self.out, "{text}")?;
        Ok(())
    }

    /// Flushes and returns the writer.
    pub fn finish(mut self) -> Result<W, ChainFileError> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Reads a chain file line by line.
pub struct ChainFileReader<R: BufRead> {
    lines: std::io::Lines<R>,
    line_no: usize,
    spec: ChainSpec,
    pending: Option<String>,
}

impl<R: BufRead> ChainFileReader<R> {
    /// Opens a chain file, reading the header line if there is one.
    pub fn new(input: R) -> Result<Self, ChainFileError> {
        let mut lines = input.lines();
        let mut spec = ChainSpec::mainnet();
        let mut pending = None;
        let mut line_no = 0;
        if let Some(first) = lines.next() {
            let first = first?;
            line_no = 1;
            match serde_json::from_str::<HeaderLine>(&first) {
                Ok(h) => spec = h.chain,
                Err(_) => pending = Some(first),
            }
        }
        Ok(ChainFileReader {
            lines,
            line_no,
            spec,
            pending,
        })
    }

    /// The chain the file belongs to.
    pub fn spec(&self) -> &ChainSpec {
        &self.spec
    }

    fn parse(&self, text: &str) -> Result<SignedBlock, ChainFileError> {
        let err = |message: String| ChainFileError::Line {
            line: self.line_no,
            message,
        };
        let line: BlockLine =
            serde_json::from_str(text).map_err(|e| err(format!("not a block line: {e}")))?;
        let bytes =
            const_hex::decode(&line.block_hex).map_err(|e| err(format!("block_hex: {e}")))?;
        let block = Block::decode(&bytes).map_err(|e| err(format!("block_hex: {e}")))?;
        if block.seq() != line.seq {
            return Err(err(format!(
                "seq {} does not match the block's seq {}",
                line.seq,
                block.seq()
            )));
        }
        if block.hash() != line.hash {
            return Err(err(format!(
                "hash {} does not match the block's hash {}",
                line.hash,
                block.hash()
            )));
        }
        Ok(SignedBlock {
            block,
            sig: line.sig,
        })
    }
}

impl<R: BufRead> Iterator for ChainFileReader<R> {
    type Item = Result<SignedBlock, ChainFileError>;

    fn next(&mut self) -> Option<Self::Item> {
        let text = match self.pending.take() {
            Some(t) => t,
            None => loop {
                match self.lines.next()? {
                    Ok(t) => {
                        self.line_no += 1;
                        if !t.trim().is_empty() {
                            break t;
                        }
                    }
                    Err(e) => return Some(Err(e.into())),
                }
            },
        };
        Some(self.parse(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared_chain() -> std::path::PathBuf {
        let base = match std::env::var_os("SKYX_VECTORS") {
            Some(d) => std::path::PathBuf::from(d),
            None => std::path::PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../shared/vectors"
            )),
        };
        base.join("skycoin/chain/blockchain-180.blocks.jsonl")
    }

    // Reads: skycoin/chain/blockchain-180.blocks.jsonl
    #[test]
    fn reads_the_shared_export_and_round_trips() {
        let file =
            std::fs::File::open(shared_chain()).expect("blockchain-180.blocks.jsonl is required");
        let reader = ChainFileReader::new(std::io::BufReader::new(file)).unwrap();
        assert_eq!(*reader.spec(), ChainSpec::mainnet());
        let blocks: Vec<SignedBlock> = reader.map(|b| b.unwrap()).collect();
        assert_eq!(blocks.len(), 181);
        let mut w = ChainFileWriter::new(Vec::new(), &ChainSpec::mainnet()).unwrap();
        for b in &blocks {
            w.write_block(b).unwrap();
        }
        let bytes = w.finish().unwrap();
        let again: Vec<SignedBlock> = ChainFileReader::new(&bytes[..])
            .unwrap()
            .map(|b| b.unwrap())
            .collect();
        assert_eq!(again, blocks);
    }

    #[test]
    fn bad_lines_name_their_line() {
        let text = "{\"seq\":0}\n";
        let mut r = ChainFileReader::new(text.as_bytes()).unwrap();
        match r.next() {
            Some(Err(ChainFileError::Line { line: 1, .. })) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}
