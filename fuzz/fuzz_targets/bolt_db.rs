//! The BoltDB reader (`node/src/bolt/`) on a whole database image: the meta
//! pages are chosen, every bucket is walked (nested ones too, to a bounded
//! depth and entry count), each key found by the walk is looked up again,
//! and the Skycoin layer reads the head height, the main chain and the
//! unconfirmed pool. Any image gives answers or errors, never a panic or a
//! hang. Meta checksums are repaired before reading (see
//! `skyx_fuzz::fix_bolt_meta_checksums`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use skyx_fuzz::fix_bolt_meta_checksums;
use skyx_node::bolt::skycoin::{head_seq, unconfirmed_txns, Blocks};
use skyx_node::bolt::{BoltDb, Bucket};

/// Nested buckets followed below the root.
const MAX_NESTING: usize = 6;
/// Entries read by one run, over all buckets.
const MAX_ENTRIES: usize = 4096;
/// Blocks of the main chain read by one run.
const MAX_BLOCKS: usize = 64;

fuzz_target!(|data: &[u8]| {
    let mut image = data.to_vec();
    fix_bolt_meta_checksums(&mut image);
    let Ok(db) = BoltDb::from_bytes(image) else {
        return;
    };
    let _ = db.meta();
    let mut budget = MAX_ENTRIES;
    walk(&db.root(), 0, &mut budget);
    let _ = db.bucket_names();

    if let Ok(head) = head_seq(&db) {
        if let Ok(blocks) = Blocks::new(&db, head) {
            for block in blocks.take(MAX_BLOCKS) {
                if block.is_err() {
                    break;
                }
            }
        }
    }
    let _ = unconfirmed_txns(&db);
});

/// Reads every entry of `bucket`, looks each key up again, and descends into
/// nested buckets.
fn walk(bucket: &Bucket<'_>, depth: usize, budget: &mut usize) {
    for entry in bucket.entries() {
        let Ok(entry) = entry else {
            return;
        };
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        match &entry.value {
            Some(_) => {
                let _ = bucket.get(&entry.key);
            }
            None => {
                if depth < MAX_NESTING {
                    if let Ok(Some(nested)) = bucket.bucket(&entry.key) {
                        walk(&nested, depth + 1, budget);
                    }
                }
            }
        }
    }
}
