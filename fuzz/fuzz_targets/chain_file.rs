//! JSONL chain files (`node/src/chainfile.rs`): the header line and every
//! block line of any input read as a chain spec and signed blocks or as
//! line errors; the spec gives chain parameters as a store opening it does;
//! blocks read are written back by `ChainFileWriter` and read again the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skyx_node::chainfile::{ChainFileReader, ChainFileWriter};
// Links the harness's allocation limit.
use skyx_fuzz as _;

/// Lines read by one run.
const MAX_LINES: usize = 256;

fuzz_target!(|data: &[u8]| {
    let Ok(reader) = ChainFileReader::new(data) else {
        return;
    };
    let spec = reader.spec().clone();
    let params = spec.to_params();
    let _ = params.publisher_key();
    let _ = params.genesis_block().hash();
    let blocks: Vec<_> = reader.take(MAX_LINES).filter_map(Result::ok).collect();

    let Ok(mut writer) = ChainFileWriter::new(Vec::new(), &spec) else {
        return;
    };
    for b in &blocks {
        assert!(writer.write_block(b).is_ok());
    }
    let Ok(written) = writer.finish() else {
        panic!("writing to memory failed");
    };
    let again = ChainFileReader::new(&written[..]).expect("reading memory");
    assert_eq!(*again.spec(), spec, "the spec reads back differently");
    let again: Vec<_> = again
        .map(|b| b.expect("a written block line reads back"))
        .collect();
    assert_eq!(again, blocks, "written blocks read back differently");
});
