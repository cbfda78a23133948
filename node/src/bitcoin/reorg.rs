//! Reorganisation decisions: whether fetched blocks extend the processed tip,
//! and where the daemon's chain and the kept block hashes part.

use bitcoin::BlockHash;

/// How the next block relates to the processed tip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Nothing processed yet (or the tip's hash is not kept): accept it.
    Start,
    /// Its parent is the processed tip.
    Extends,
    /// Its parent is another block: the daemon's chain forked below the tip.
    Forked,
}

/// Whether a block whose parent is `prev` extends the processed `tip_hash`.
pub fn link(tip_hash: Option<BlockHash>, prev: BlockHash) -> Link {
    match tip_hash {
        None => Link::Start,
        Some(h) if h == prev => Link::Extends,
        Some(_) => Link::Forked,
    }
}

/// How many of `blocks` (hash, parent) chain on from `tip_hash` one after another.
pub fn linked_prefix(tip_hash: Option<BlockHash>, blocks: &[(BlockHash, BlockHash)]) -> usize {
    let mut expected = tip_hash;
    for (i, (hash, prev)) in blocks.iter().enumerate() {
        if link(expected, *prev) == Link::Forked {
            return i;
        }
        expected = Some(*hash);
    }
    blocks.len()
}

/// Where the kept chain and the daemon's chain meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForkPoint {
    /// The highest height whose block both chains share.
    Common(u64),
    /// No kept block is on the daemon's chain; the lowest kept height is given.
    BeyondKept(u64),
}

/// Finds the fork point: `ours` lists kept (height, hash) from the tip
/// downwards; `theirs` gives the daemon's hash at a height (`None` when the
/// daemon's chain is shorter).
pub fn find_fork<E>(
    ours: &[(u64, BlockHash)],
    mut theirs: impl FnMut(u64) -> Result<Option<BlockHash>, E>,
) -> Result<ForkPoint, E> {
    let mut lowest = 0;
    for (height, hash) in ours {
        lowest = *height;
        if theirs(*height)? == Some(*hash) {
            return Ok(ForkPoint::Common(*height));
        }
    }
    Ok(ForkPoint::BeyondKept(lowest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::Hash;

    fn h(n: u8) -> BlockHash {
        BlockHash::from_byte_array([n; 32])
    }

    #[test]
    fn links() {
        assert_eq!(link(None, h(1)), Link::Start);
        assert_eq!(link(Some(h(1)), h(1)), Link::Extends);
        assert_eq!(link(Some(h(1)), h(2)), Link::Forked);
        let blocks = [(h(2), h(1)), (h(3), h(2)), (h(9), h(8))];
        assert_eq!(linked_prefix(Some(h(1)), &blocks), 2);
        assert_eq!(linked_prefix(Some(h(5)), &blocks), 0);
        assert_eq!(linked_prefix(None, &blocks[..2]), 2);
    }

    #[test]
    fn fork_points() {
        let ours = [(5, h(5)), (4, h(4)), (3, h(3))];
        let theirs = |height: u64| -> Result<Option<BlockHash>, ()> {
            Ok(match height {
                5 => Some(h(55)),
                4 => Some(h(4)),
                _ => Some(h(height as u8)),
            })
        };
        assert_eq!(find_fork(&ours, theirs), Ok(ForkPoint::Common(4)));
        let shorter =
            |height: u64| -> Result<Option<BlockHash>, ()> { Ok((height <= 3).then(|| h(3))) };
        assert_eq!(find_fork(&ours, shorter), Ok(ForkPoint::Common(3)));
        let none = |_: u64| -> Result<Option<BlockHash>, ()> { Ok(Some(h(0))) };
        assert_eq!(find_fork(&ours, none), Ok(ForkPoint::BeyondKept(3)));
    }
}
