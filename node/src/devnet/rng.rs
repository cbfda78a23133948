//! A small seeded random number generator (xoshiro256** seeded through
//! SplitMix64). Written out here rather than taken from `rand` so that a seed
//! gives the same chain whatever version of a dependency is built: the output
//! of this generator is part of the devnet format.

use skyx_coins::sky::hash::sha256;

/// Deterministic pseudo-random numbers for chain shaping (not for keys).
#[derive(Debug, Clone)]
pub struct DevRng {
    s: [u64; 4],
}

impl DevRng {
    /// A generator whose state is derived from `seed` text.
    pub fn from_seed(seed: &str) -> DevRng {
        let digest = sha256(format!("skyx devnet shape {seed}").as_bytes());
        let mut x = digest.0.chunks_exact(8).fold(0u64, |acc, c| {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            acc.rotate_left(17) ^ u64::from_le_bytes(b)
        });
        let mut s = [0u64; 4];
        for slot in &mut s {
            *slot = splitmix64(&mut x);
        }
        DevRng { s }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A uniform value in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        // Multiply-shift reduction; the bias is below 2^-64 · n, irrelevant here.
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A uniform value in `lo..=hi` (`lo` when `hi < lo`).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below(hi - lo + 1)
    }

    /// An index chosen with the given relative weights.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        let mut pick = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            let w = u64::from(*w);
            if pick < w {
                return i;
            }
            pick -= w;
        }
        weights.len().saturating_sub(1)
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    /// A value in `lo..=hi` spread evenly over orders of magnitude (powers of
    /// two), the way payment amounts are: many small ones, a few large.
    pub fn log_range(&mut self, lo: u64, hi: u64) -> u64 {
        let lo = lo.max(1);
        if hi <= lo {
            return lo;
        }
        let span_bits = 63 - (hi / lo).leading_zeros();
        let e = self.below(u64::from(span_bits) + 1) as u32;
        let base = lo.saturating_mul(1u64 << e);
        let top = base.saturating_mul(2).min(hi);
        self.range(base.min(hi), top)
    }
}

fn splitmix64(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let mut a = DevRng::from_seed("x");
        let mut b = DevRng::from_seed("x");
        let mut c = DevRng::from_seed("y");
        let va: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let vb: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        let vc: Vec<u64> = (0..8).map(|_| c.next_u64()).collect();
        assert_eq!(va, vb);
        assert_ne!(va, vc);
    }

    #[test]
    fn ranges_stay_in_bounds() {
        let mut r = DevRng::from_seed("bounds");
        for _ in 0..10_000 {
            assert!(r.below(7) < 7);
            let v = r.range(3, 9);
            assert!((3..=9).contains(&v));
            let l = r.log_range(1000, 1_000_000_000);
            assert!((1000..=1_000_000_000).contains(&l));
            assert!(r.weighted(&[1, 0, 3]) != 1);
        }
        assert_eq!(r.below(0), 0);
        assert_eq!(r.range(5, 5), 5);
        assert_eq!(r.log_range(10, 3), 10);
    }
}
