//! A cheap answer to "may another connection have committed since I last
//! looked?", so that the hot path need not start an SQLite read transaction
//! (several `fcntl` lock calls) on every call just to ask `PRAGMA data_version`.
//!
//! In WAL mode every commit rewrites the header at the start of the shared
//! WAL-index file (`<db>-shm`): its change counter, frame count, checksums and
//! salts. SQLite itself maps that file into every process that uses the
//! database; the probe maps its first page too (read-only, shared) and compares
//! the 48 header bytes with what it saw last time — a few loads, no system call.
//! If they are the same, nothing was committed; if they differ (or the file
//! cannot be mapped), the store asks SQLite properly. Where mapping fails the
//! probe falls back to one `pread` of the header.
//!
//! The mapping is safe to read for as long as the store's connection is open:
//! that connection holds SQLite's shared "DMS" lock on the `-shm` file, so no
//! process can truncate it (SQLite only truncates it when it is the file's sole
//! user), and the file is never shorter than one 32 KiB WAL-index block once it
//! exists. The probe is dropped with the connection's store. A torn read of a
//! header being rewritten only makes the probe say "maybe changed".

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// The size of one copy of the WAL-index header (SQLite's `WalIndexHdr`).
const HEADER_BYTES: usize = 48;

/// The header as six native-endian words.
pub type Header = [u64; HEADER_BYTES / 8];

/// This process's one descriptor of a `-shm` file (and its one mapping),
/// shared by every probe of that file. POSIX record locks belong to the
/// process: closing any descriptor of the file drops all of the process's locks
/// on it, SQLite's included. So a probe never closes a descriptor of its own
/// while another engine of this process may still use the file: the shared
/// one closes with the last probe of the file, after every engine's connection
/// to it has closed (a store drops its connection before its probe).
struct SharedShm {
    /// The file's identity (device, inode).
    id: (u64, u64),
    file: File,
    #[cfg(unix)]
    mapped: OnceLock<mapping::Mapped>,
}

/// The `-shm` files this process has open, by identity.
static OPEN_SHM: Mutex<Vec<Weak<SharedShm>>> = Mutex::new(Vec::new());

impl SharedShm {
    /// The shared descriptor of the file at `path`, opened if this process has
    /// none; `None` when it does not exist (yet).
    #[cfg(unix)]
    fn of(path: &Path) -> Option<Arc<SharedShm>> {
        use std::os::unix::fs::MetadataExt;
        let mut open = OPEN_SHM.lock().unwrap_or_else(|p| p.into_inner());
        open.retain(|shared| shared.strong_count() > 0);
        // Identified without opening it: opening and closing a second
        // descriptor is exactly what must not happen.
        let meta = std::fs::metadata(path).ok()?;
        let id = (meta.dev(), meta.ino());
        if let Some(shared) = open.iter().filter_map(Weak::upgrade).find(|s| s.id == id) {
            return Some(shared);
        }
        let file = File::open(path).ok()?;
        let meta = file.metadata().ok()?;
        // The file opened (it may have been replaced since the look above).
        let id = (meta.dev(), meta.ino());
        let shared = Arc::new(SharedShm {
            id,
            file,
            mapped: OnceLock::new(),
        });
        open.push(Arc::downgrade(&shared));
        Some(shared)
    }

    #[cfg(not(unix))]
    fn of(path: &Path) -> Option<Arc<SharedShm>> {
        Some(Arc::new(SharedShm {
            id: (0, 0),
            file: File::open(path).ok()?,
        }))
    }

    /// The mapping of the file's header, made once.
    #[cfg(unix)]
    fn mapping(&self) -> Option<&mapping::Mapped> {
        if let Some(mapped) = self.mapped.get() {
            return Some(mapped);
        }
        let mapped = mapping::Mapped::new(&self.file)?;
        Some(self.mapped.get_or_init(|| mapped))
    }
}

/// Watches one database's WAL-index header. [`ChangeProbe::unchanged`] is
/// lock-free, for the hot path; [`ChangeProbe::read`] and
/// [`ChangeProbe::remember`] are for the store while it holds its connection.
pub struct ChangeProbe {
    /// An in-memory database: no other connection can ever commit to it.
    private: bool,
    shm_path: Option<PathBuf>,
    shm: Mutex<Option<Arc<SharedShm>>>,
    /// The shared descriptor, once it has its mapping (the lock-free path).
    #[cfg(unix)]
    mapped: OnceLock<Arc<SharedShm>>,
    seen: [AtomicU64; HEADER_BYTES / 8],
    seen_valid: AtomicBool,
}

impl ChangeProbe {
    /// A probe for the database file at `path`; `None` is a private in-memory
    /// database, which nothing else can change.
    pub fn new(path: Option<PathBuf>) -> ChangeProbe {
        ChangeProbe {
            private: path.is_none(),
            shm_path: path.map(|p| PathBuf::from(format!("{}-shm", p.display()))),
            shm: Mutex::new(None),
            #[cfg(unix)]
            mapped: OnceLock::new(),
            seen: Default::default(),
            seen_valid: AtomicBool::new(false),
        }
    }

    /// Whether the header is provably the one last remembered: nothing was
    /// committed since. Lock-free; `false` whenever in doubt (no mapping yet,
    /// nothing remembered, or any word differs).
    pub fn unchanged(&self) -> bool {
        if self.private {
            return true;
        }
        #[cfg(unix)]
        if let Some(mapped) = self.mapped.get().and_then(|shared| shared.mapped.get()) {
            return self.matches(&mapped.header());
        }
        false
    }

    /// Whether `header` is the one last remembered.
    pub fn matches(&self, header: &Header) -> bool {
        self.seen_valid.load(Ordering::Acquire)
            && header
                .iter()
                .zip(&self.seen)
                .all(|(word, seen)| *word == seen.load(Ordering::Acquire))
    }

    /// Remembers `header` as seen. The store calls it only after it has dropped
    /// whatever the change made stale, and only while it holds its connection,
    /// so a reader that sees the new words also sees the cache without the stale
    /// entries (release stores here, acquire loads in `matches`).
    pub fn remember(&self, header: &Header) {
        for (word, seen) in header.iter().zip(&self.seen) {
            seen.store(*word, Ordering::Release);
        }
        self.seen_valid.store(true, Ordering::Release);
    }

    /// The header as it is now, mapping the file when it is big enough, or
    /// `None` when it cannot be read (in memory, not created yet).
    #[cfg(unix)]
    pub fn read(&self) -> Option<Header> {
        use std::os::unix::fs::FileExt;
        if let Some(mapped) = self.mapped.get().and_then(|shared| shared.mapped.get()) {
            return Some(mapped.header());
        }
        let mut shm = self.shm.lock().unwrap_or_else(|p| p.into_inner());
        if shm.is_none() {
            *shm = SharedShm::of(self.shm_path.as_ref()?);
        }
        let shared = shm.as_ref()?;
        if let Some(mapped) = shared.mapping() {
            let header = mapped.header();
            let _ = self.mapped.set(shared.clone());
            return Some(header);
        }
        let mut bytes = [0u8; HEADER_BYTES];
        shared.file.read_exact_at(&mut bytes, 0).ok()?;
        let mut header = Header::default();
        for (word, chunk) in header.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut raw = [0u8; 8];
            raw.copy_from_slice(chunk);
            *word = u64::from_ne_bytes(raw);
        }
        Some(header)
    }

    /// Not on this platform: always unknown.
    #[cfg(not(unix))]
    pub fn read(&self) -> Option<Header> {
        None
    }
}

#[cfg(unix)]
mod mapping {
    //! The read-only shared mapping of the `-shm` file's first page.

    use super::{Header, HEADER_BYTES};
    use std::fs::File;
    use std::os::unix::io::AsRawFd;

    /// SQLite grows the WAL index in blocks of this many bytes.
    const WAL_INDEX_BLOCK: u64 = 32 * 1024;

    /// A mapping of the first bytes of the WAL-index file.
    pub struct Mapped {
        address: *mut libc::c_void,
        length: usize,
    }

    // SAFETY: the mapping is only ever read (volatile loads, from any thread),
    // and the pointer is owned by this value alone.
    unsafe impl Send for Mapped {}
    // SAFETY: as above; reading shared memory from several threads at once is
    // what the mapping is for.
    unsafe impl Sync for Mapped {}

    impl Mapped {
        /// Maps the file's first WAL-index block, or `None` when the file is
        /// shorter than one (SQLite has not set it up yet) or cannot be mapped.
        pub fn new(shm: &File) -> Option<Mapped> {
            if shm.metadata().ok()?.len() < WAL_INDEX_BLOCK {
                return None;
            }
            let length = HEADER_BYTES;
            // SAFETY: a fresh read-only shared mapping of an open file; the
            // result is checked before use and unmapped in `drop`.
            let address = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    length,
                    libc::PROT_READ,
                    libc::MAP_SHARED,
                    shm.as_raw_fd(),
                    0,
                )
            };
            (address != libc::MAP_FAILED).then_some(Mapped { address, length })
        }

        /// The header words as they are now.
        pub fn header(&self) -> Header {
            let mut header = Header::default();
            let words = self.address as *const u64;
            for (i, word) in header.iter_mut().enumerate() {
                // SAFETY: word `i` lies inside the mapping (`8 * i + 8 <=
                // HEADER_BYTES == length`), the mapping is page-aligned so the
                // load is aligned, and the file is at least one block long while
                // the store's connection is open (see the module docs).
                // Volatile: another process writes this memory.
                *word = unsafe { std::ptr::read_volatile(words.add(i)) };
            }
            header
        }
    }

    impl Drop for Mapped {
        fn drop(&mut self) {
            // SAFETY: unmaps exactly what `new` mapped.
            unsafe {
                libc::munmap(self.address, self.length);
            }
        }
    }
}
