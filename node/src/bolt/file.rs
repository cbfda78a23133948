//! The database file: opened read-only, meta pages chosen, and pages read on
//! demand with positioned reads through a small cache.
//!
//! A mainnet `data.db` is several gigabytes, so the file is neither read
//! whole nor memory-mapped (a mapping of a file that another process
//! truncates faults instead of failing): each page is read with one
//! positioned read when first needed, and the most recent pages (up to
//! [`CACHE_BYTES`]) are kept, which holds the upper levels of every tree.
//! An image already in memory (a small database, a test, a fuzz input) is
//! read through the same checks with [`PageFile::from_bytes`].

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::error::{BoltError, MetaFault};
use super::meta::{Meta, MAX_PAGE_SIZE, META_SIZE, MIN_PAGE_SIZE};
use super::page::{Page, PageHeader, PAGE_HEADER_SIZE};

/// Bytes of pages kept in memory.
pub const CACHE_BYTES: usize = 8 << 20;
/// Largest page (with its overflow) the reader accepts; Skycoin values are
/// far smaller.
pub const MAX_PAGE_BYTES: u64 = 64 << 20;

/// Recently read pages, evicted oldest first.
#[derive(Debug, Default)]
struct Cache {
    pages: HashMap<u64, Arc<[u8]>>,
    order: VecDeque<u64>,
    bytes: usize,
}

impl Cache {
    fn get(&self, pgid: u64) -> Option<Arc<[u8]>> {
        self.pages.get(&pgid).cloned()
    }

    fn put(&mut self, pgid: u64, buf: Arc<[u8]>) {
        if buf.len() > CACHE_BYTES / 4 || self.pages.contains_key(&pgid) {
            return;
        }
        self.bytes += buf.len();
        self.pages.insert(pgid, buf);
        self.order.push_back(pgid);
        while self.bytes > CACHE_BYTES {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some(b) = self.pages.remove(&old) {
                self.bytes -= b.len();
            }
        }
    }
}

/// Where the database bytes are read from.
#[derive(Debug)]
enum Source {
    /// A file opened read-only.
    File(File),
    /// A whole image in memory.
    Memory(Arc<[u8]>),
}

impl Source {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        match self {
            Source::File(file) => read_exact_at(file, buf, offset),
            Source::Memory(bytes) => {
                let part = usize::try_from(offset)
                    .ok()
                    .and_then(|start| bytes.get(start..start.checked_add(buf.len())?))
                    .ok_or(std::io::ErrorKind::UnexpectedEof)?;
                buf.copy_from_slice(part);
                Ok(())
            }
        }
    }
}

/// An open BoltDB file and its current meta page.
#[derive(Debug)]
pub struct PageFile {
    source: Source,
    path: String,
    len: u64,
    meta: Meta,
    cache: Mutex<Cache>,
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The opened file before its meta page is chosen.
struct RawFile<'a> {
    source: &'a Source,
    path: &'a str,
    len: u64,
}

impl RawFile<'_> {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<(), BoltError> {
        self.source
            .read_exact_at(buf, offset)
            .map_err(|source| BoltError::Io {
                action: "read",
                path: self.path.to_string(),
                source,
            })
    }

    /// The meta page at byte `offset`, or why it is not valid.
    fn meta_at(&self, offset: u64) -> Result<Result<Meta, MetaFault>, BoltError> {
        let need = (PAGE_HEADER_SIZE + META_SIZE) as u64;
        if offset.checked_add(need).is_none_or(|end| end > self.len) {
            return Ok(Err(MetaFault::Missing));
        }
        let mut buf = [0u8; PAGE_HEADER_SIZE + META_SIZE];
        self.read_at(&mut buf, offset)?;
        Ok(Meta::parse(&buf))
    }

    /// Looks for meta page 1 when meta page 0 is unusable and so does not
    /// tell the page size: tries every accepted page size. The fault
    /// reported is the most specific one seen (at 4096 bytes when none
    /// had the magic).
    fn find_second_meta(&self) -> Result<Result<Meta, MetaFault>, BoltError> {
        let mut fault = None;
        let mut at_4096 = MetaFault::Missing;
        let mut size = MIN_PAGE_SIZE;
        while size <= MAX_PAGE_SIZE {
            match self.meta_at(u64::from(size))? {
                Ok(m) if m.page_size == size => return Ok(Ok(m)),
                Ok(m) => fault = Some(MetaFault::BadPageSize(m.page_size)),
                Err(f @ (MetaFault::BadMagic(_) | MetaFault::Missing)) => {
                    if size == 4096 {
                        at_4096 = f;
                    }
                }
                Err(f) => fault = fault.or(Some(f)),
            }
            size <<= 1;
        }
        Ok(Err(fault.unwrap_or(at_4096)))
    }

    /// Chooses the current meta page.
    fn choose_meta(&self) -> Result<Meta, BoltError> {
        let first = self.meta_at(0)?;
        let second = match first {
            Ok(m) => self.meta_at(u64::from(m.page_size))?,
            Err(_) => self.find_second_meta()?,
        };
        Meta::choose(first, second).map_err(|(first, second)| {
            let foreign = |f: MetaFault| matches!(f, MetaFault::BadMagic(_) | MetaFault::Missing);
            if foreign(first) && foreign(second) {
                BoltError::BadMagic { first, second }
            } else {
                BoltError::BadMeta { first, second }
            }
        })
    }
}

impl PageFile {
    /// Opens `path` read-only and selects the current meta page.
    pub fn open(path: &Path) -> Result<PageFile, BoltError> {
        let shown = path.display().to_string();
        let io = |action, source| BoltError::Io {
            action,
            path: shown.clone(),
            source,
        };
        let file = File::open(path).map_err(|e| io("open", e))?;
        let len = file.metadata().map_err(|e| io("stat", e))?.len();
        PageFile::with_source(Source::File(file), shown, len)
    }

    /// Reads a whole database image held in memory, with the same checks
    /// as a file (errors name it `<memory>`).
    pub fn from_bytes(bytes: impl Into<Arc<[u8]>>) -> Result<PageFile, BoltError> {
        let bytes: Arc<[u8]> = bytes.into();
        let len = bytes.len() as u64;
        PageFile::with_source(Source::Memory(bytes), "<memory>".to_string(), len)
    }

    fn with_source(source: Source, path: String, len: u64) -> Result<PageFile, BoltError> {
        let meta = RawFile {
            source: &source,
            path: &path,
            len,
        }
        .choose_meta()?;
        Ok(PageFile {
            source,
            path,
            len,
            meta,
            cache: Mutex::new(Cache::default()),
        })
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<(), BoltError> {
        RawFile {
            source: &self.source,
            path: &self.path,
            len: self.len,
        }
        .read_at(buf, offset)
    }

    /// The current meta page.
    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    /// Length of the file in bytes.
    pub fn file_len(&self) -> u64 {
        self.len
    }

    /// Reads the branch or leaf page `pgid` (with its overflow), checking
    /// that it lies inside the database and the file and carries its id.
    pub fn page(&self, pgid: u64) -> Result<Page, BoltError> {
        if let Some(buf) = self.cache_lock().get(pgid) {
            return Page::new(pgid, buf);
        }
        let limit = self.meta.pgid;
        if pgid >= limit {
            return Err(BoltError::PageOutOfRange { pgid, limit });
        }
        let size = u64::from(self.meta.page_size);
        let truncated = |overflow| BoltError::Truncated {
            pgid,
            overflow,
            file_len: self.len,
        };
        let first_end = pgid
            .checked_add(1)
            .and_then(|n| n.checked_mul(size))
            .ok_or_else(|| truncated(0))?;
        if first_end > self.len {
            return Err(truncated(0));
        }
        let offset = first_end - size;
        let mut head = [0u8; PAGE_HEADER_SIZE];
        self.read_at(&mut head, offset)?;
        let header = PageHeader::parse(&head).ok_or_else(|| truncated(0))?;
        if header.id != pgid {
            return Err(BoltError::PageIdMismatch {
                pgid,
                found: header.id,
            });
        }
        let bytes = (u64::from(header.overflow) + 1) * size;
        if bytes > MAX_PAGE_BYTES {
            return Err(BoltError::PageTooLarge {
                pgid,
                bytes,
                limit: MAX_PAGE_BYTES,
            });
        }
        let last = pgid.saturating_add(u64::from(header.overflow));
        if last >= limit {
            return Err(BoltError::PageOutOfRange { pgid: last, limit });
        }
        if offset.checked_add(bytes).is_none_or(|end| end > self.len) {
            return Err(truncated(header.overflow));
        }
        let mut buf = vec![0u8; bytes as usize];
        self.read_at(&mut buf, offset)?;
        let buf: Arc<[u8]> = buf.into();
        let page = Page::new(pgid, Arc::clone(&buf))?;
        self.cache_lock().put(pgid, buf);
        Ok(page)
    }

    fn cache_lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        // The cache holds only copies of file bytes; a panic elsewhere while
        // it was locked cannot leave it inconsistent in a harmful way.
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}
