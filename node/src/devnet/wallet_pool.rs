//! The growing pool of wallet keys the synthetic chain pays to and spends
//! from. Keys are derived lazily, a batch per block, so new addresses keep
//! appearing on the chain up to the pool's cap.

use std::collections::HashSet;

use secp256k1::SecretKey;
use skyx_coins::sky::address::Address;
use skyx_coins::sky::keys::{KeyChain, KeyError};

use super::keys::wallet_chain;
use super::rng::DevRng;

/// Index of a key in the pool.
pub type KeyIndex = u32;

/// Wallet keys and their addresses, in derivation order.
#[derive(Debug)]
pub struct WalletPool {
    chain: KeyChain,
    secrets: Vec<SecretKey>,
    addresses: Vec<Address>,
    cap: usize,
}

impl WalletPool {
    /// A pool holding the first `initial` keys of the seed, growing to `cap`.
    pub fn new(seed: &str, initial: usize, cap: usize) -> Result<WalletPool, KeyError> {
        let cap = cap.clamp(1, KeyIndex::MAX as usize);
        let mut pool = WalletPool {
            chain: wallet_chain(seed)?,
            secrets: Vec::with_capacity(cap),
            addresses: Vec::with_capacity(cap),
            cap,
        };
        pool.grow(initial.max(1));
        Ok(pool)
    }

    /// Derives up to `n` more keys without passing the cap; returns how many.
    pub fn grow(&mut self, n: usize) -> usize {
        let n = n.min(self.cap - self.secrets.len());
        for pair in self.chain.by_ref().take(n) {
            self.addresses.push(Address::from_pubkey(&pair.public));
            self.secrets.push(pair.secret);
        }
        n
    }

    /// Number of keys derived so far.
    pub fn len(&self) -> usize {
        self.secrets.len()
    }

    /// Whether the pool is empty (never, once built).
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// The most keys the pool will hold.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// The address of key `i`.
    pub fn address(&self, i: KeyIndex) -> Option<&Address> {
        self.addresses.get(i as usize)
    }

    /// The secret of key `i`.
    pub fn secret(&self, i: KeyIndex) -> Option<&SecretKey> {
        self.secrets.get(i as usize)
    }

    /// `n` distinct key indices chosen uniformly (fewer if the pool is smaller).
    pub fn pick_distinct(&self, rng: &mut DevRng, n: usize) -> Vec<KeyIndex> {
        let len = self.len();
        let n = n.min(len);
        if n.saturating_mul(4) >= len {
            // Dense pick: a partial Fisher–Yates shuffle of all indices.
            let mut all: Vec<KeyIndex> = (0..len as KeyIndex).collect();
            for i in 0..n {
                let j = i + rng.below((len - i) as u64) as usize;
                all.swap(i, j);
            }
            all.truncate(n);
            return all;
        }
        let mut seen = HashSet::with_capacity(n);
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let k = rng.below(len as u64) as KeyIndex;
            if seen.insert(k) {
                out.push(k);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_the_cap_and_picks_distinct_keys() {
        let mut pool = WalletPool::new("pool", 5, 12).unwrap();
        assert_eq!(pool.len(), 5);
        assert_eq!(pool.grow(4), 4);
        assert_eq!(pool.grow(100), 3);
        assert_eq!(pool.len(), 12);
        assert_eq!(pool.cap(), 12);
        let mut rng = DevRng::from_seed("pick");
        for n in [1, 2, 3, 6, 12, 20] {
            let picked = pool.pick_distinct(&mut rng, n);
            assert_eq!(picked.len(), n.min(12));
            let set: HashSet<_> = picked.iter().collect();
            assert_eq!(set.len(), picked.len());
            assert!(picked.iter().all(|k| pool.address(*k).is_some()));
        }
        let secret = pool.secret(3).unwrap();
        assert_eq!(
            Address::from_secret(secret),
            *pool.address(3).unwrap(),
            "addresses belong to their keys"
        );
    }
}
