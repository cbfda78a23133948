//! The generator's working unspent set: just what is needed to pick inputs
//! at random, count their hours and keep the block header's unspent-set hash
//! (a running XOR of snapshot hashes). Outputs created in the block being
//! built wait apart until the block is closed, because the reference does not
//! let a block spend its own outputs.

use skyx_coins::sky::hash::Sha256;
use skyx_coins::sky::uxout::{xor_hash, UxOut};

use super::rng::DevRng;
use super::wallet_pool::KeyIndex;

/// One unspent output as the generator sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spendable {
    /// The output id.
    pub uxid: Sha256,
    /// Its snapshot hash (its share of the unspent-set hash).
    pub snapshot: Sha256,
    /// Droplets.
    pub coins: u64,
    /// Hours stored in the output.
    pub hours: u64,
    /// Time of the block that created it.
    pub time: u64,
    /// The pool key that owns it.
    pub key: KeyIndex,
}

impl Spendable {
    /// The generator's view of a chain output owned by pool key `key`.
    pub fn from_uxout(ux: &UxOut, key: KeyIndex) -> Spendable {
        Spendable {
            uxid: ux.hash(),
            snapshot: ux.snapshot_hash(),
            coins: ux.body.coins,
            hours: ux.body.hours,
            time: ux.head.time,
            key,
        }
    }
}

/// Unspent outputs split into spendable now and created in the open block.
#[derive(Debug, Default)]
pub struct WorkingSet {
    ready: Vec<Spendable>,
    fresh: Vec<Spendable>,
    ux_hash: Sha256,
}

impl WorkingSet {
    /// An empty set.
    pub fn new() -> WorkingSet {
        WorkingSet::default()
    }

    /// XOR of the snapshot hashes of every output in the set.
    pub fn ux_hash(&self) -> Sha256 {
        self.ux_hash
    }

    /// All outputs, spendable or fresh.
    pub fn len(&self) -> usize {
        self.ready.len() + self.fresh.len()
    }

    /// Whether the set holds no output.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Outputs spendable in the open block.
    pub fn ready_len(&self) -> usize {
        self.ready.len()
    }

    /// Takes a random spendable output out of the pool of candidates; it
    /// stays in the unspent hash until [`WorkingSet::spend`] or goes back
    /// with [`WorkingSet::put_back`].
    pub fn take_random(&mut self, rng: &mut DevRng) -> Option<Spendable> {
        if self.ready.is_empty() {
            return None;
        }
        let i = rng.below(self.ready.len() as u64) as usize;
        Some(self.ready.swap_remove(i))
    }

    /// Returns a taken output that was not spent after all.
    pub fn put_back(&mut self, s: Spendable) {
        self.ready.push(s);
    }

    /// Records that a taken output is spent by the open block.
    pub fn spend(&mut self, s: &Spendable) {
        self.ux_hash = xor_hash(&self.ux_hash, &s.snapshot);
    }

    /// Adds an output created by the open block.
    pub fn create(&mut self, s: Spendable) {
        self.ux_hash = xor_hash(&self.ux_hash, &s.snapshot);
        self.fresh.push(s);
    }

    /// Closes the block: its outputs become spendable.
    pub fn close_block(&mut self) {
        self.ready.append(&mut self.fresh);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use skyx_coins::sky::address::Address;
    use skyx_coins::sky::transaction::TransactionOutput;
    use skyx_coins::sky::uxout::UxBody;

    fn out(coins: u64) -> Spendable {
        let o = TransactionOutput {
            address: Address::NULL,
            coins,
            hours: 1,
        };
        Spendable::from_uxout(&UxOut::new(UxBody::from_output(Sha256::ZERO, &o), 5, 1), 0)
    }

    #[test]
    fn fresh_outputs_wait_for_the_block_and_the_hash_tracks_the_set() {
        let mut set = WorkingSet::new();
        let mut rng = DevRng::from_seed("set");
        let (a, b) = (out(1000), out(2000));
        set.create(a);
        assert_eq!(set.ready_len(), 0);
        assert!(set.take_random(&mut rng).is_none());
        set.close_block();
        set.create(b);
        assert_eq!(set.len(), 2);
        let taken = set.take_random(&mut rng).unwrap();
        assert_eq!(taken, a);
        set.spend(&taken);
        assert_eq!(set.ux_hash(), b.snapshot);
        set.close_block();
        let again = set.take_random(&mut rng).unwrap();
        set.put_back(again);
        assert_eq!(set.ready_len(), 1);
        assert!(!set.is_empty());
    }
}
