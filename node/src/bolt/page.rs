//! BoltDB pages and their elements, parsed with every offset checked.
//!
//! A page starts with a 16-byte header `{id u64, flags u16, count u16,
//! overflow u32}`; a page with `overflow = n` occupies `n + 1` consecutive
//! page-size blocks. Branch pages (flag 0x01) hold `count` elements
//! `{pos u32, ksize u32, pgid u64}`, leaf pages (flag 0x02) hold `count`
//! elements `{flags u32, pos u32, ksize u32, vsize u32}`; in both, `pos` is
//! the distance from the element header to its key, and a leaf's value
//! follows its key. A leaf element with flag 0x01 is a nested bucket.

use std::sync::Arc;

use super::error::BoltError;

/// Size of a page header.
pub const PAGE_HEADER_SIZE: usize = 16;
/// Size of a branch or leaf element header.
pub const ELEMENT_SIZE: usize = 16;
/// Page flag of a branch page.
pub const BRANCH_PAGE: u16 = 0x01;
/// Page flag of a leaf page.
pub const LEAF_PAGE: u16 = 0x02;
/// Page flag of a meta page.
pub const META_PAGE: u16 = 0x04;
/// Page flag of the freelist page.
pub const FREELIST_PAGE: u16 = 0x10;
/// Leaf element flag of a nested bucket.
pub const BUCKET_LEAF_FLAG: u32 = 0x01;

/// Reads a little-endian `u16` at `at`, if in bounds.
pub fn le_u16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

/// Reads a little-endian `u32` at `at`, if in bounds.
pub fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    let mut a = [0u8; 4];
    a.copy_from_slice(s);
    Some(u32::from_le_bytes(a))
}

/// Reads a little-endian `u64` at `at`, if in bounds.
pub fn le_u64(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Some(u64::from_le_bytes(a))
}

/// A page header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageHeader {
    /// The page id written in the page.
    pub id: u64,
    /// Page type flags.
    pub flags: u16,
    /// Number of elements.
    pub count: u16,
    /// Number of extra page-size blocks the page occupies.
    pub overflow: u32,
}

impl PageHeader {
    /// Parses the header at the start of `b`, if long enough.
    pub fn parse(b: &[u8]) -> Option<PageHeader> {
        Some(PageHeader {
            id: le_u64(b, 0)?,
            flags: le_u16(b, 8)?,
            count: le_u16(b, 10)?,
            overflow: le_u32(b, 12)?,
        })
    }
}

/// The kind of a tree page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// Interior page: keys and child page ids.
    Branch,
    /// Bottom page: keys and values.
    Leaf,
}

/// One element of a leaf page.
#[derive(Debug, Clone, Copy)]
pub struct LeafElement<'a> {
    /// Element flags ([`BUCKET_LEAF_FLAG`] for a nested bucket).
    pub flags: u32,
    /// The key.
    pub key: &'a [u8],
    /// The value (a bucket header for a nested bucket).
    pub value: &'a [u8],
}

impl LeafElement<'_> {
    /// Whether the element is a nested bucket.
    pub fn is_bucket(&self) -> bool {
        self.flags & BUCKET_LEAF_FLAG != 0
    }
}

/// A branch or leaf page held in memory, with its elements' headers checked
/// to lie inside it.
#[derive(Debug, Clone)]
pub struct Page {
    /// The page id (0 for a bucket's inline page).
    pub pgid: u64,
    /// Branch or leaf.
    pub kind: PageKind,
    count: usize,
    buf: Arc<[u8]>,
}

impl Page {
    /// Wraps the bytes of a page (header first). `pgid` is the id the page
    /// was read for, used in errors.
    pub fn new(pgid: u64, buf: Arc<[u8]>) -> Result<Page, BoltError> {
        let head = PageHeader::parse(&buf).ok_or(BoltError::BadElement {
            pgid,
            index: 0,
            reason: "page shorter than its header",
        })?;
        let kind = if head.flags == BRANCH_PAGE {
            PageKind::Branch
        } else if head.flags == LEAF_PAGE {
            PageKind::Leaf
        } else {
            return Err(BoltError::BadPageType {
                pgid,
                flags: head.flags,
                expected: "branch or leaf",
            });
        };
        let count = usize::from(head.count);
        if PAGE_HEADER_SIZE + count * ELEMENT_SIZE > buf.len() {
            return Err(BoltError::BadElement {
                pgid,
                index: count,
                reason: "element headers run past the page",
            });
        }
        if kind == PageKind::Branch && count == 0 {
            return Err(BoltError::BadElement {
                pgid,
                index: 0,
                reason: "branch page without elements",
            });
        }
        Ok(Page {
            pgid,
            kind,
            count,
            buf,
        })
    }

    /// Number of elements.
    pub fn count(&self) -> usize {
        self.count
    }

    fn bad(&self, index: usize, reason: &'static str) -> BoltError {
        BoltError::BadElement {
            pgid: self.pgid,
            index,
            reason,
        }
    }

    /// Bytes `[start + pos, start + pos + len)` of the page, where `start`
    /// is the offset of element `index`'s header.
    fn span(&self, index: usize, pos: u32, len: u64) -> Result<(usize, usize), BoltError> {
        let base = PAGE_HEADER_SIZE + index * ELEMENT_SIZE;
        let from = u64::try_from(base)
            .ok()
            .and_then(|b| b.checked_add(u64::from(pos)));
        let to = from.and_then(|f| f.checked_add(len));
        match (from, to) {
            (Some(f), Some(t)) if t <= self.buf.len() as u64 => Ok((f as usize, t as usize)),
            _ => Err(self.bad(index, "key or value runs past the page")),
        }
    }

    /// Element header field at byte `at` of element `index`'s header.
    fn field32(&self, index: usize, at: usize) -> Result<u32, BoltError> {
        le_u32(&self.buf, PAGE_HEADER_SIZE + index * ELEMENT_SIZE + at)
            .ok_or_else(|| self.bad(index, "element header past the page"))
    }

    /// Element `index` of a branch page: the first key of the child and the
    /// child's page id.
    pub fn branch(&self, index: usize) -> Result<(&[u8], u64), BoltError> {
        if self.kind != PageKind::Branch || index >= self.count {
            return Err(self.bad(index, "no such branch element"));
        }
        let pos = self.field32(index, 0)?;
        let ksize = self.field32(index, 4)?;
        let child = le_u64(&self.buf, PAGE_HEADER_SIZE + index * ELEMENT_SIZE + 8)
            .ok_or_else(|| self.bad(index, "element header past the page"))?;
        let (from, to) = self.span(index, pos, u64::from(ksize))?;
        Ok((&self.buf[from..to], child))
    }

    /// Element `index` of a leaf page.
    pub fn leaf(&self, index: usize) -> Result<LeafElement<'_>, BoltError> {
        if self.kind != PageKind::Leaf || index >= self.count {
            return Err(self.bad(index, "no such leaf element"));
        }
        let flags = self.field32(index, 0)?;
        if flags & !BUCKET_LEAF_FLAG != 0 {
            return Err(self.bad(index, "unknown leaf element flags"));
        }
        let pos = self.field32(index, 4)?;
        let ksize = self.field32(index, 8)?;
        let vsize = self.field32(index, 12)?;
        let (from, to) = self.span(index, pos, u64::from(ksize) + u64::from(vsize))?;
        let mid = from + ksize as usize;
        Ok(LeafElement {
            flags,
            key: &self.buf[from..mid],
            value: &self.buf[mid..to],
        })
    }

    /// The key of element `index` (branch or leaf).
    pub fn key(&self, index: usize) -> Result<&[u8], BoltError> {
        match self.kind {
            PageKind::Branch => Ok(self.branch(index)?.0),
            PageKind::Leaf => Ok(self.leaf(index)?.key),
        }
    }

    /// The first element whose key is `>= key`, and whether it is equal
    /// (`count()` when every key is smaller).
    pub fn search(&self, key: &[u8]) -> Result<(usize, bool), BoltError> {
        let (mut lo, mut hi) = (0usize, self.count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.key(mid)? < key {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let exact = lo < self.count && self.key(lo)? == key;
        Ok((lo, exact))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a leaf page from key/value pairs (the layout BoltDB writes).
    fn leaf(items: &[(&[u8], &[u8])]) -> Vec<u8> {
        let mut b = vec![0u8; PAGE_HEADER_SIZE + items.len() * ELEMENT_SIZE];
        b[8..10].copy_from_slice(&LEAF_PAGE.to_le_bytes());
        b[10..12].copy_from_slice(&(items.len() as u16).to_le_bytes());
        for (i, (k, v)) in items.iter().enumerate() {
            let at = PAGE_HEADER_SIZE + i * ELEMENT_SIZE;
            let pos = (b.len() - at) as u32;
            b[at + 4..at + 8].copy_from_slice(&pos.to_le_bytes());
            b[at + 8..at + 12].copy_from_slice(&(k.len() as u32).to_le_bytes());
            b[at + 12..at + 16].copy_from_slice(&(v.len() as u32).to_le_bytes());
            b.extend_from_slice(k);
            b.extend_from_slice(v);
        }
        b
    }

    #[test]
    fn reads_and_searches_leaf_elements() {
        let page = Page::new(5, leaf(&[(b"a", b"1"), (b"c", b"333")]).into()).unwrap();
        assert_eq!(page.kind, PageKind::Leaf);
        let e = page.leaf(1).unwrap();
        assert_eq!(
            (e.key, e.value, e.is_bucket()),
            (&b"c"[..], &b"333"[..], false)
        );
        assert_eq!(page.search(b"c").unwrap(), (1, true));
        assert_eq!(page.search(b"b").unwrap(), (1, false));
        assert_eq!(page.search(b"d").unwrap(), (2, false));
        assert!(page.branch(0).is_err());
    }

    #[test]
    fn rejects_out_of_bounds_elements_and_bad_types() {
        let mut b = leaf(&[(b"a", b"1")]);
        b[PAGE_HEADER_SIZE + 12] = 200;
        let page = Page::new(5, b.into()).unwrap();
        assert_eq!(page.leaf(0).unwrap_err().code(), "bolt_bad_element");
        let mut b = leaf(&[(b"a", b"1")]);
        b[10] = 9;
        assert_eq!(
            Page::new(5, b.into()).unwrap_err().code(),
            "bolt_bad_element"
        );
        let mut b = leaf(&[]);
        b[8] = FREELIST_PAGE as u8;
        assert_eq!(
            Page::new(5, b.into()).unwrap_err().code(),
            "bolt_bad_page_type"
        );
        assert!(Page::new(5, vec![0u8; 3].into()).is_err());
        let mut b = leaf(&[(b"a", b"1")]);
        b[PAGE_HEADER_SIZE + 4..PAGE_HEADER_SIZE + 8].copy_from_slice(&u32::MAX.to_le_bytes());
        let page = Page::new(5, b.into()).unwrap();
        assert!(page.leaf(0).is_err());
    }
}
