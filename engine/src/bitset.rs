//! A two-level bitset over price levels, answering "next occupied level" quickly.

/// A bitset of `len` bits with a summary word per 64 words.
#[derive(Clone, Debug, Default)]
pub struct Bitset {
    words: Vec<u64>,
    summary: Vec<u64>,
}

impl Bitset {
    /// Creates an empty bitset of `len` bits.
    pub fn new(len: usize) -> Self {
        let nw = len.div_ceil(64).max(1);
        let ns = nw.div_ceil(64).max(1);
        Bitset {
            words: vec![0; nw],
            summary: vec![0; ns],
        }
    }

    /// Sets bit `i`.
    #[inline]
    pub fn set(&mut self, i: u32) {
        let w = (i >> 6) as usize;
        self.words[w] |= 1u64 << (i & 63);
        self.summary[w >> 6] |= 1u64 << (w & 63);
    }

    /// Clears bit `i`.
    #[inline]
    pub fn clear(&mut self, i: u32) {
        let w = (i >> 6) as usize;
        self.words[w] &= !(1u64 << (i & 63));
        if self.words[w] == 0 {
            self.summary[w >> 6] &= !(1u64 << (w & 63));
        }
    }

    /// Whether bit `i` is set.
    #[inline]
    pub fn get(&self, i: u32) -> bool {
        self.words[(i >> 6) as usize] & (1u64 << (i & 63)) != 0
    }

    /// The lowest set bit at or above `i`.
    #[inline]
    pub fn next_at_or_after(&self, i: u32) -> Option<u32> {
        let w = (i >> 6) as usize;
        if w >= self.words.len() {
            return None;
        }
        let m = self.words[w] & (u64::MAX << (i & 63));
        if m != 0 {
            return Some(((w as u32) << 6) | m.trailing_zeros());
        }
        let w1 = w + 1;
        let mut s = w1 >> 6;
        if s >= self.summary.len() {
            return None;
        }
        let mut sm = if (w1 & 63) == 0 {
            self.summary[s]
        } else {
            self.summary[s] & (u64::MAX << (w1 & 63))
        };
        loop {
            if sm != 0 {
                let wi = (s << 6) | sm.trailing_zeros() as usize;
                let word = self.words[wi];
                return Some(((wi as u32) << 6) | word.trailing_zeros());
            }
            s += 1;
            if s >= self.summary.len() {
                return None;
            }
            sm = self.summary[s];
        }
    }

    /// The highest set bit at or below `i`.
    #[inline]
    pub fn prev_at_or_before(&self, i: u32) -> Option<u32> {
        let mut w = (i >> 6) as usize;
        let mut m = u64::MAX >> (63 - (i & 63));
        if w >= self.words.len() {
            w = self.words.len() - 1;
            m = u64::MAX;
        }
        let masked = self.words[w] & m;
        if masked != 0 {
            return Some(((w as u32) << 6) | (63 - masked.leading_zeros()));
        }
        if w == 0 {
            return None;
        }
        let w1 = w - 1;
        let mut s = w1 >> 6;
        let mut sm = self.summary[s] & (u64::MAX >> (63 - (w1 & 63)));
        loop {
            if sm != 0 {
                let wi = (s << 6) | (63 - sm.leading_zeros() as usize);
                let word = self.words[wi];
                return Some(((wi as u32) << 6) | (63 - word.leading_zeros()));
            }
            if s == 0 {
                return None;
            }
            s -= 1;
            sm = self.summary[s];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_and_prev() {
        let mut b = Bitset::new(10_000);
        assert_eq!(b.next_at_or_after(0), None);
        assert_eq!(b.prev_at_or_before(9_999), None);
        for i in [3u32, 64, 4095, 4096, 9_999] {
            b.set(i);
        }
        assert_eq!(b.next_at_or_after(0), Some(3));
        assert_eq!(b.next_at_or_after(4), Some(64));
        assert_eq!(b.next_at_or_after(65), Some(4095));
        assert_eq!(b.next_at_or_after(4097), Some(9_999));
        assert_eq!(b.prev_at_or_before(9_998), Some(4096));
        assert_eq!(b.prev_at_or_before(4095), Some(4095));
        assert_eq!(b.prev_at_or_before(63), Some(3));
        assert_eq!(b.prev_at_or_before(2), None);
        b.clear(4095);
        assert_eq!(b.next_at_or_after(65), Some(4096));
        b.clear(4096);
        assert_eq!(b.prev_at_or_before(9_998), Some(64));
    }
}
