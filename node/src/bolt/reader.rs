//! The read-only database: buckets, lookups and ordered iteration.
//!
//! A bucket is a B+tree of pages whose root is either a page of the file or,
//! for a small bucket, a leaf page stored inline in its parent's value after
//! the 16-byte bucket header `{root pgid u64, sequence u64}` (root 0).
//! Lookups follow one path from the root, bounded by [`MAX_DEPTH`]; a walk
//! of a whole bucket also refuses to enter any page twice, and checks that
//! keys come out strictly increasing, so a damaged file ends in an error,
//! never in a loop.

use std::collections::HashSet;
use std::path::Path;

use super::error::BoltError;
use super::file::PageFile;
use super::meta::Meta;
use super::page::{le_u64, Page, PageKind};

/// Deepest page tree accepted (a real tree of 2^64 keys is far shallower).
pub const MAX_DEPTH: usize = 64;
/// Size of a bucket header.
const BUCKET_HEADER_SIZE: usize = 16;

/// A BoltDB file opened read-only.
#[derive(Debug)]
pub struct BoltDb {
    file: PageFile,
}

impl BoltDb {
    /// Opens `path` read-only and selects its current meta page.
    pub fn open(path: impl AsRef<Path>) -> Result<BoltDb, BoltError> {
        Ok(BoltDb {
            file: PageFile::open(path.as_ref())?,
        })
    }

    /// Reads a whole database image held in memory (see [`PageFile::from_bytes`]).
    pub fn from_bytes(bytes: impl Into<std::sync::Arc<[u8]>>) -> Result<BoltDb, BoltError> {
        Ok(BoltDb {
            file: PageFile::from_bytes(bytes)?,
        })
    }

    /// The current meta page (page size, root, high-water mark, txid).
    pub fn meta(&self) -> &Meta {
        self.file.meta()
    }

    /// Length of the file in bytes.
    pub fn file_len(&self) -> u64 {
        self.file.file_len()
    }

    /// The root bucket, whose entries are the top-level buckets.
    pub fn root(&self) -> Bucket<'_> {
        Bucket {
            db: self,
            name: Vec::new(),
            root: Root::Page(self.meta().root),
        }
    }

    /// The top-level bucket `name`, if present.
    pub fn bucket(&self, name: &[u8]) -> Result<Option<Bucket<'_>>, BoltError> {
        self.root().bucket(name)
    }

    /// Names of the top-level buckets, in order.
    pub fn bucket_names(&self) -> Result<Vec<Vec<u8>>, BoltError> {
        self.root().bucket_names()
    }
}

/// Where a bucket's tree starts.
#[derive(Debug, Clone)]
enum Root {
    /// A page of the file.
    Page(u64),
    /// A leaf page held inline in the parent's value.
    Inline(Page),
}

/// A bucket of a [`BoltDb`]: sorted keys with values or nested buckets.
#[derive(Debug, Clone)]
pub struct Bucket<'a> {
    db: &'a BoltDb,
    name: Vec<u8>,
    root: Root,
}

/// One entry of a bucket, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key.
    pub key: Vec<u8>,
    /// The value, or `None` for a nested bucket.
    pub value: Option<Vec<u8>>,
}

impl<'a> Bucket<'a> {
    /// The bucket's name (empty for the root bucket).
    pub fn name(&self) -> &[u8] {
        &self.name
    }

    fn root_page(&self) -> Result<Page, BoltError> {
        match &self.root {
            Root::Page(pgid) => self.db.file.page(*pgid),
            Root::Inline(page) => Ok(page.clone()),
        }
    }

    /// Finds the leaf element `key`: its flags and value.
    fn find(&self, key: &[u8]) -> Result<Option<(bool, Vec<u8>)>, BoltError> {
        let mut page = self.root_page()?;
        let mut depth = 0;
        loop {
            let (index, exact) = page.search(key)?;
            match page.kind {
                PageKind::Leaf => {
                    if !exact {
                        return Ok(None);
                    }
                    let e = page.leaf(index)?;
                    return Ok(Some((e.is_bucket(), e.value.to_vec())));
                }
                PageKind::Branch => {
                    let index = if exact {
                        index
                    } else {
                        index.saturating_sub(1)
                    };
                    let child = page.branch(index)?.1;
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(BoltError::TooDeep {
                            pgid: child,
                            limit: MAX_DEPTH,
                        });
                    }
                    page = self.db.file.page(child)?;
                }
            }
        }
    }

    /// The value stored under `key` (`None` when absent or a nested bucket).
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, BoltError> {
        Ok(match self.find(key)? {
            Some((false, value)) => Some(value),
            _ => None,
        })
    }

    /// The nested bucket `name` (`None` when absent or a plain value).
    pub fn bucket(&self, name: &[u8]) -> Result<Option<Bucket<'a>>, BoltError> {
        match self.find(name)? {
            Some((true, value)) => Ok(Some(self.nested(name, &value)?)),
            _ => Ok(None),
        }
    }

    /// Opens a nested bucket from its stored header.
    fn nested(&self, name: &[u8], value: &[u8]) -> Result<Bucket<'a>, BoltError> {
        let bad = |reason| BoltError::BadBucket {
            name: String::from_utf8_lossy(name).into_owned(),
            reason,
        };
        let root = le_u64(value, 0).ok_or_else(|| bad("header shorter than 16 bytes"))?;
        let root = if root == 0 {
            let inline = value
                .get(BUCKET_HEADER_SIZE..)
                .ok_or_else(|| bad("header shorter than 16 bytes"))?;
            let page = Page::new(0, inline.into())?;
            if page.kind != PageKind::Leaf {
                return Err(bad("inline page is not a leaf"));
            }
            Root::Inline(page)
        } else {
            if value.len() != BUCKET_HEADER_SIZE {
                return Err(bad("bytes after the header of a bucket with a root page"));
            }
            Root::Page(root)
        };
        Ok(Bucket {
            db: self.db,
            name: name.to_vec(),
            root,
        })
    }

    /// Every entry (values and nested buckets), in key order.
    pub fn entries(&self) -> Entries<'a> {
        Entries {
            db: self.db,
            root: Some(self.root.clone()),
            stack: Vec::new(),
            visited: HashSet::new(),
            last: None,
            done: false,
        }
    }

    /// The key/value pairs in key order (nested buckets are left out; see
    /// [`Bucket::bucket_names`]).
    pub fn iter(&self) -> impl Iterator<Item = Result<(Vec<u8>, Vec<u8>), BoltError>> + 'a {
        self.entries().filter_map(|e| match e {
            Ok(Entry {
                key,
                value: Some(value),
            }) => Some(Ok((key, value))),
            Ok(Entry { value: None, .. }) => None,
            Err(e) => Some(Err(e)),
        })
    }

    /// Names of the nested buckets, in order.
    pub fn bucket_names(&self) -> Result<Vec<Vec<u8>>, BoltError> {
        let mut names = Vec::new();
        for e in self.entries() {
            let e = e?;
            if e.value.is_none() {
                names.push(e.key);
            }
        }
        Ok(names)
    }
}

/// Ordered walk over a bucket's entries; see [`Bucket::entries`].
#[derive(Debug)]
pub struct Entries<'a> {
    db: &'a BoltDb,
    root: Option<Root>,
    stack: Vec<(Page, usize)>,
    visited: HashSet<u64>,
    last: Option<Vec<u8>>,
    done: bool,
}

impl Entries<'_> {
    fn enter(&mut self, pgid: u64) -> Result<(), BoltError> {
        if self.stack.len() > MAX_DEPTH {
            return Err(BoltError::TooDeep {
                pgid,
                limit: MAX_DEPTH,
            });
        }
        if !self.visited.insert(pgid) {
            return Err(BoltError::PageRevisited { pgid });
        }
        let page = self.db.file.page(pgid)?;
        self.stack.push((page, 0));
        Ok(())
    }

    fn step(&mut self) -> Result<Option<Entry>, BoltError> {
        match self.root.take() {
            Some(Root::Page(pgid)) => self.enter(pgid)?,
            Some(Root::Inline(page)) => self.stack.push((page, 0)),
            None => {}
        }
        loop {
            let Some((page, index)) = self.stack.last_mut() else {
                return Ok(None);
            };
            if *index >= page.count() {
                self.stack.pop();
                continue;
            }
            let at = *index;
            *index += 1;
            match page.kind {
                PageKind::Branch => {
                    let child = page.branch(at)?.1;
                    self.enter(child)?;
                }
                PageKind::Leaf => {
                    let e = page.leaf(at)?;
                    if self.last.as_deref().is_some_and(|last| e.key <= last) {
                        return Err(BoltError::KeysOutOfOrder { pgid: page.pgid });
                    }
                    let entry = Entry {
                        key: e.key.to_vec(),
                        value: (!e.is_bucket()).then(|| e.value.to_vec()),
                    };
                    self.last = Some(entry.key.clone());
                    return Ok(Some(entry));
                }
            }
        }
    }
}

impl Iterator for Entries<'_> {
    type Item = Result<Entry, BoltError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.step() {
            Ok(Some(e)) => Some(Ok(e)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bolt::meta::{fnv1a64, MAGIC, VERSION};
    use crate::bolt::page::{
        BRANCH_PAGE, ELEMENT_SIZE, FREELIST_PAGE, LEAF_PAGE, PAGE_HEADER_SIZE,
    };

    const PS: usize = 4096;

    fn header(id: u64, flags: u16, count: usize, overflow: u32) -> Vec<u8> {
        let mut b = Vec::with_capacity(PS);
        b.extend_from_slice(&id.to_le_bytes());
        b.extend_from_slice(&flags.to_le_bytes());
        b.extend_from_slice(&(count as u16).to_le_bytes());
        b.extend_from_slice(&overflow.to_le_bytes());
        b
    }

    /// A leaf page: (flags, key, value) elements laid out as BoltDB does.
    fn leaf(id: u64, items: &[(u32, &[u8], &[u8])]) -> Vec<u8> {
        let mut b = header(id, LEAF_PAGE, items.len(), 0);
        b.resize(PAGE_HEADER_SIZE + items.len() * ELEMENT_SIZE, 0);
        for (i, (flags, k, v)) in items.iter().enumerate() {
            let at = PAGE_HEADER_SIZE + i * ELEMENT_SIZE;
            let pos = (b.len() - at) as u32;
            b[at..at + 4].copy_from_slice(&flags.to_le_bytes());
            b[at + 4..at + 8].copy_from_slice(&pos.to_le_bytes());
            b[at + 8..at + 12].copy_from_slice(&(k.len() as u32).to_le_bytes());
            b[at + 12..at + 16].copy_from_slice(&(v.len() as u32).to_le_bytes());
            b.extend_from_slice(k);
            b.extend_from_slice(v);
        }
        let overflow = (b.len().max(1) - 1) / PS;
        b[12..16].copy_from_slice(&(overflow as u32).to_le_bytes());
        b
    }

    fn branch(id: u64, items: &[(&[u8], u64)]) -> Vec<u8> {
        let mut b = header(id, BRANCH_PAGE, items.len(), 0);
        b.resize(PAGE_HEADER_SIZE + items.len() * ELEMENT_SIZE, 0);
        for (i, (k, child)) in items.iter().enumerate() {
            let at = PAGE_HEADER_SIZE + i * ELEMENT_SIZE;
            let pos = (b.len() - at) as u32;
            b[at..at + 4].copy_from_slice(&pos.to_le_bytes());
            b[at + 4..at + 8].copy_from_slice(&(k.len() as u32).to_le_bytes());
            b[at + 8..at + 16].copy_from_slice(&child.to_le_bytes());
            b.extend_from_slice(k);
        }
        b
    }

    fn meta(id: u64, root: u64, pgid: u64, txid: u64) -> Vec<u8> {
        let mut b = header(id, 0x04, 0, 0);
        let mut m = Vec::new();
        m.extend_from_slice(&MAGIC.to_le_bytes());
        m.extend_from_slice(&VERSION.to_le_bytes());
        m.extend_from_slice(&(PS as u32).to_le_bytes());
        m.extend_from_slice(&0u32.to_le_bytes());
        m.extend_from_slice(&root.to_le_bytes());
        m.extend_from_slice(&0u64.to_le_bytes());
        m.extend_from_slice(&2u64.to_le_bytes());
        m.extend_from_slice(&pgid.to_le_bytes());
        m.extend_from_slice(&txid.to_le_bytes());
        let sum = fnv1a64(&m);
        m.extend_from_slice(&sum.to_le_bytes());
        b.extend_from_slice(&m);
        b
    }

    fn bucket_value(root: u64, inline: Option<Vec<u8>>) -> Vec<u8> {
        let mut v = root.to_le_bytes().to_vec();
        v.extend_from_slice(&0u64.to_le_bytes());
        if let Some(p) = inline {
            v.extend_from_slice(&p);
        }
        v
    }

    /// Pages: 0-1 meta, 2 freelist, 3 root bucket, 4 branch of bucket
    /// "tree", 5 leaf, 6-7 leaf with an overflow block.
    fn pages() -> Vec<Vec<u8>> {
        let inline = leaf(0, &[(0, b"x", b"1"), (0, b"y", b"22")]);
        let big = vec![7u8; 6000];
        vec![
            meta(0, 3, 8, 4),
            meta(1, 3, 8, 3),
            header(2, FREELIST_PAGE, 0, 0),
            leaf(
                3,
                &[
                    (1, b"inl", &bucket_value(0, Some(inline))),
                    (0, b"plain", b"value"),
                    (1, b"tree", &bucket_value(4, None)),
                ],
            ),
            branch(4, &[(b"k1", 5), (b"k5", 6)]),
            leaf(
                5,
                &[
                    (0, b"k1", b"v1"),
                    (0, b"k2", b"v2"),
                    (1, b"k3", &bucket_value(0, Some(leaf(0, &[])))),
                ],
            ),
            leaf(6, &[(0, b"k5", &big), (0, b"k6", b"v6")]),
        ]
    }

    fn write(pages: &[Vec<u8>]) -> tempfile::NamedTempFile {
        let mut bytes = Vec::new();
        for p in pages {
            let mut p = p.clone();
            let blocks = p.len().div_ceil(PS).max(1);
            p.resize(blocks * PS, 0);
            bytes.extend_from_slice(&p);
        }
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), bytes).unwrap();
        f
    }

    fn keys(b: &Bucket<'_>) -> Result<Vec<Vec<u8>>, BoltError> {
        b.entries().map(|e| e.map(|e| e.key)).collect()
    }

    #[test]
    fn reads_values_nested_inline_and_overflow() {
        let f = write(&pages());
        let db = BoltDb::open(f.path()).unwrap();
        assert_eq!(db.meta().txid, 4);
        assert_eq!(
            db.bucket_names().unwrap(),
            vec![b"inl".to_vec(), b"tree".to_vec()]
        );
        assert!(db.bucket(b"plain").unwrap().is_none());
        assert_eq!(db.root().get(b"plain").unwrap(), Some(b"value".to_vec()));
        assert_eq!(db.root().get(b"tree").unwrap(), None);
        let inl = db.bucket(b"inl").unwrap().unwrap();
        assert_eq!(inl.name(), b"inl");
        assert_eq!(inl.get(b"y").unwrap(), Some(b"22".to_vec()));
        assert_eq!(inl.get(b"z").unwrap(), None);
        assert_eq!(inl.iter().count(), 2);
        let tree = db.bucket(b"tree").unwrap().unwrap();
        assert_eq!(tree.get(b"k5").unwrap(), Some(vec![7u8; 6000]));
        assert_eq!(tree.get(b"k6").unwrap(), Some(b"v6".to_vec()));
        assert_eq!(tree.get(b"k0").unwrap(), None);
        assert_eq!(tree.get(b"k4").unwrap(), None);
        let all: Vec<_> = tree.iter().map(|e| e.unwrap().0).collect();
        assert_eq!(
            all,
            vec![
                b"k1".to_vec(),
                b"k2".to_vec(),
                b"k5".to_vec(),
                b"k6".to_vec()
            ]
        );
        assert_eq!(tree.bucket_names().unwrap(), vec![b"k3".to_vec()]);
        let empty = tree.bucket(b"k3").unwrap().unwrap();
        assert_eq!(empty.iter().count(), 0);
    }

    #[test]
    fn an_image_in_memory_reads_like_the_file() {
        let p = pages();
        let f = write(&p);
        let image = std::fs::read(f.path()).unwrap();
        let db = BoltDb::from_bytes(image.clone()).unwrap();
        assert_eq!(db.meta(), BoltDb::open(f.path()).unwrap().meta());
        assert_eq!(db.file_len(), image.len() as u64);
        let tree = db.bucket(b"tree").unwrap().unwrap();
        assert_eq!(tree.get(b"k5").unwrap(), Some(vec![7u8; 6000]));
        let short = BoltDb::from_bytes(&image[..image.len() - 100]).unwrap();
        let tree = short.bucket(b"tree").unwrap().unwrap();
        assert_eq!(tree.get(b"k5").unwrap_err().code(), "bolt_truncated");
        assert_eq!(
            BoltDb::from_bytes(vec![0u8; 100]).unwrap_err().code(),
            "bolt_bad_magic"
        );
    }

    #[test]
    fn falls_back_to_the_other_meta_and_names_bad_ones() {
        let mut p = pages();
        p[0][PAGE_HEADER_SIZE + 20] ^= 1;
        let f = write(&p);
        assert_eq!(BoltDb::open(f.path()).unwrap().meta().txid, 3);
        p[1][PAGE_HEADER_SIZE + 60] ^= 1;
        let f = write(&p);
        let err = BoltDb::open(f.path()).unwrap_err();
        assert_eq!(err.code(), "bolt_bad_meta", "{err}");
        let f = write(&[vec![0u8; 100]]);
        assert_eq!(BoltDb::open(f.path()).unwrap_err().code(), "bolt_bad_magic");
        let missing = f.path().with_extension("absent");
        assert_eq!(BoltDb::open(missing).unwrap_err().code(), "bolt_io");
    }

    #[test]
    fn detects_cycles_shared_pages_and_bad_references() {
        // The branch's second child is the branch itself.
        let mut p = pages();
        p[4] = branch(4, &[(b"k1", 5), (b"k5", 4)]);
        let f = write(&p);
        let db = BoltDb::open(f.path()).unwrap();
        let tree = db.bucket(b"tree").unwrap().unwrap();
        assert_eq!(tree.get(b"k9").unwrap_err().code(), "bolt_too_deep");
        assert_eq!(keys(&tree).unwrap_err().code(), "bolt_page_revisited");

        // Two children share one page.
        p[4] = branch(4, &[(b"k1", 5), (b"k5", 5)]);
        let f = write(&p);
        let db = BoltDb::open(f.path()).unwrap();
        let tree = db.bucket(b"tree").unwrap().unwrap();
        assert_eq!(keys(&tree).unwrap_err().code(), "bolt_page_revisited");

        for (child, code) in [
            (99, "bolt_page_out_of_range"),
            (7, "bolt_page_id_mismatch"),
            (2, "bolt_bad_page_type"),
            (0, "bolt_bad_page_type"),
        ] {
            let mut p = pages();
            p[4] = branch(4, &[(b"k1", 5), (b"k5", child)]);
            let f = write(&p);
            let db = BoltDb::open(f.path()).unwrap();
            let tree = db.bucket(b"tree").unwrap().unwrap();
            assert_eq!(tree.get(b"k6").unwrap_err().code(), code, "child {child}");
            assert_eq!(keys(&tree).unwrap_err().code(), code, "child {child}");
        }
    }

    #[test]
    fn detects_disorder_truncation_and_bad_bucket_headers() {
        let mut p = pages();
        p[5] = leaf(5, &[(0, b"k2", b"v2"), (0, b"k1", b"v1")]);
        let f = write(&p);
        let db = BoltDb::open(f.path()).unwrap();
        let tree = db.bucket(b"tree").unwrap().unwrap();
        assert_eq!(keys(&tree).unwrap_err().code(), "bolt_keys_out_of_order");

        let f = write(&pages());
        let len = std::fs::metadata(f.path()).unwrap().len();
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(f.path())
            .unwrap();
        file.set_len(len - 100).unwrap();
        let db = BoltDb::open(f.path()).unwrap();
        let tree = db.bucket(b"tree").unwrap().unwrap();
        assert_eq!(tree.get(b"k5").unwrap_err().code(), "bolt_truncated");

        let mut p = pages();
        p[3] = leaf(
            3,
            &[
                (1, b"a", b"short"),
                (1, b"b", &[1u8; 20]),
                (1, b"c", &bucket_value(0, Some(branch(0, &[(b"x", 5)])))),
            ],
        );
        let f = write(&p);
        let db = BoltDb::open(f.path()).unwrap();
        for name in [&b"a"[..], b"b", b"c"] {
            assert_eq!(db.bucket(name).unwrap_err().code(), "bolt_bad_bucket");
        }
    }
}
