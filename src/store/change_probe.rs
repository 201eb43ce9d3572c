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
use std::path::PathBuf;

/// The size of one copy of the WAL-index header (SQLite's `WalIndexHdr`).
const HEADER_BYTES: usize = 48;

/// Watches one database's WAL-index header.
pub struct ChangeProbe {
    shm_path: Option<PathBuf>,
    shm: Option<File>,
    #[cfg(unix)]
    mapped: Option<mapping::Mapped>,
    last: Option<[u8; HEADER_BYTES]>,
}

impl ChangeProbe {
    /// A probe for the database file at `path`; `None` (in memory) always says
    /// "may have changed".
    pub fn new(path: Option<PathBuf>) -> ChangeProbe {
        ChangeProbe {
            shm_path: path.map(|p| PathBuf::from(format!("{}-shm", p.display()))),
            shm: None,
            #[cfg(unix)]
            mapped: None,
            last: None,
        }
    }

    /// Whether another connection may have committed since the last call.
    /// Never says "no" unless the header is provably unchanged.
    pub fn maybe_changed(&mut self) -> bool {
        let Some(header) = self.read_header() else {
            return true;
        };
        if self.last == Some(header) {
            return false;
        }
        self.last = Some(header);
        true
    }

    #[cfg(unix)]
    fn read_header(&mut self) -> Option<[u8; HEADER_BYTES]> {
        use std::os::unix::fs::FileExt;
        if let Some(mapped) = &self.mapped {
            return Some(mapped.header());
        }
        if self.shm.is_none() {
            self.shm = File::open(self.shm_path.as_ref()?).ok();
        }
        let shm = self.shm.as_ref()?;
        self.mapped = mapping::Mapped::new(shm);
        if let Some(mapped) = &self.mapped {
            return Some(mapped.header());
        }
        let mut header = [0u8; HEADER_BYTES];
        shm.read_exact_at(&mut header, 0).ok()?;
        Some(header)
    }

    #[cfg(not(unix))]
    fn read_header(&mut self) -> Option<[u8; HEADER_BYTES]> {
        None
    }
}

#[cfg(unix)]
mod mapping {
    //! The read-only shared mapping of the `-shm` file's first page.

    use super::HEADER_BYTES;
    use std::fs::File;
    use std::os::unix::io::AsRawFd;

    /// SQLite grows the WAL index in blocks of this many bytes.
    const WAL_INDEX_BLOCK: u64 = 32 * 1024;

    /// A mapping of the first bytes of the WAL-index file.
    pub struct Mapped {
        address: *mut libc::c_void,
        length: usize,
    }

    // SAFETY: the mapping is only read, with volatile loads, and the pointer is
    // owned by this value alone.
    unsafe impl Send for Mapped {}

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

        /// The header bytes as they are now.
        pub fn header(&self) -> [u8; HEADER_BYTES] {
            let mut header = [0u8; HEADER_BYTES];
            let words = self.address as *const u64;
            for (i, chunk) in header.chunks_exact_mut(8).enumerate() {
                // SAFETY: word `i` lies inside the mapping (`8 * i + 8 <=
                // HEADER_BYTES == length`), the mapping is page-aligned so the
                // load is aligned, and the file is at least one block long while
                // the store's connection is open (see the module docs).
                // Volatile: another process writes this memory.
                let word = unsafe { std::ptr::read_volatile(words.add(i)) };
                chunk.copy_from_slice(&word.to_ne_bytes());
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
