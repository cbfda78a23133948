//! Helpers shared by the fuzz targets in `fuzz_targets/`: an allocator that
//! treats any single oversized allocation as a crash, the Skycoin mainnet
//! state after its genesis block (the chain state a fuzzed block is checked
//! against), and the repair of BoltDB meta checksums, so that mutations
//! reach the pages behind the meta pages.
//!
//! Harness code, not product code: it may panic on its own constants, never
//! on the fuzzer's input.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::OnceLock;

use skyx_coins::sky::block::SignedBlock;
use skyx_coins::sky::chain::UnspentSet;
use skyx_coins::sky::params::MAINNET;
use skyx_coins::sky::peer::LocalPeer;
use skyx_coins::sky::signature::Sig;

/// The largest single allocation a decoder may make for one input. Fuzz
/// inputs are at most a few hundred KiB, so anything near this size was
/// sized from a length or count read from the input, not from the input's
/// actual size: the decoder must refuse such a length instead.
pub const MAX_ALLOCATION: usize = 64 << 20;

/// The system allocator, aborting (which libFuzzer reports as a crash with
/// the input that caused it) on any allocation above [`MAX_ALLOCATION`].
/// Without a sanitizer, libFuzzer's own `-malloc_limit_mb` does nothing.
pub struct LimitedAlloc;

impl LimitedAlloc {
    #[cold]
    fn refuse(size: usize) -> ! {
        let _ = writeln!(
            std::io::stderr(),
            "==skyx-fuzz== allocation of {size} bytes exceeds the {MAX_ALLOCATION}-byte limit"
        );
        std::process::abort()
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; the
// only addition is a size check before allocating.
unsafe impl GlobalAlloc for LimitedAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > MAX_ALLOCATION {
            Self::refuse(layout.size());
        }
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() > MAX_ALLOCATION {
            Self::refuse(layout.size());
        }
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > MAX_ALLOCATION {
            Self::refuse(new_size);
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: LimitedAlloc = LimitedAlloc;

/// Mainnet's unspent set after the genesis block.
pub fn mainnet_genesis_state() -> &'static UnspentSet {
    static STATE: OnceLock<UnspentSet> = OnceLock::new();
    STATE.get_or_init(|| {
        let block = MAINNET.genesis_block();
        let genesis = block.hash();
        let sig: Sig = MAINNET
            .genesis_signature
            .parse()
            .expect("mainnet signature");
        let publisher = MAINNET.publisher_key().expect("mainnet publisher key");
        let mut set = UnspentSet::new();
        set.apply(&SignedBlock { block, sig }, &publisher, &genesis)
            .expect("mainnet genesis applies");
        set
    })
}

/// Our side of a mainnet peer connection, for judging fuzzed introductions.
pub fn mainnet_local_peer() -> &'static LocalPeer {
    static PEER: OnceLock<LocalPeer> = OnceLock::new();
    PEER.get_or_init(|| {
        LocalPeer::from_params(&MAINNET, 7, "skycoin:0.27.1").expect("mainnet local peer")
    })
}

/// BoltDB's page header size, meta layout and checksum (see
/// `node/src/bolt/meta.rs`): the meta structure starts after the page
/// header; its last 8 bytes are FNV-1a 64 of the 56 before.
const PAGE_HEADER: usize = 16;
const META_CHECKSUMMED: usize = 56;

fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn fix_meta_at(image: &mut [u8], offset: usize) {
    let start = offset + PAGE_HEADER;
    let end = start + META_CHECKSUMMED;
    if image.len() < end + 8 {
        return;
    }
    let sum = fnv1a64(&image[start..end]);
    image[end..end + 8].copy_from_slice(&sum.to_le_bytes());
}

/// Rewrites the checksum of meta page 0 and of meta page 1 (at the page
/// size meta page 0 states, when it is a plausible one), so that a mutated
/// meta field is read instead of rejected by its checksum.
pub fn fix_bolt_meta_checksums(image: &mut [u8]) {
    fix_meta_at(image, 0);
    let size_at = PAGE_HEADER + 8;
    if let Some(raw) = image.get(size_at..size_at + 4) {
        let page_size = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]) as usize;
        if (512..=1 << 20).contains(&page_size) {
            fix_meta_at(image, page_size);
        }
    }
}
