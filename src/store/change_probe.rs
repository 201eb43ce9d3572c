//! A cheap answer to "may another connection have committed since I last
//! looked?", so that the hot path need not start an SQLite read transaction
//! (several `fcntl` lock calls) on every call just to ask `PRAGMA data_version`.
//!
//! In WAL mode every commit rewrites the header at the start of the shared
//! WAL-index file (`<db>-shm`): its change counter, frame count, checksums and
//! salts. Reading those 48 bytes is one `pread`. If they are the same as last
//! time, nothing was committed; if they differ (or cannot be read), the store asks
//! SQLite properly. The store's own connection keeps the WAL index alive, so the
//! file this probe holds open is the one every other process writes.

use std::fs::File;
use std::path::PathBuf;

/// The size of one copy of the WAL-index header (SQLite's `WalIndexHdr`).
const HEADER_BYTES: usize = 48;

/// Watches one database's WAL-index header.
pub struct ChangeProbe {
    shm_path: Option<PathBuf>,
    shm: Option<File>,
    last: Option<[u8; HEADER_BYTES]>,
}

impl ChangeProbe {
    /// A probe for the database file at `path`; `None` (in memory) always says
    /// "may have changed".
    pub fn new(path: Option<PathBuf>) -> ChangeProbe {
        ChangeProbe {
            shm_path: path.map(|p| PathBuf::from(format!("{}-shm", p.display()))),
            shm: None,
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
        if self.shm.is_none() {
            self.shm = File::open(self.shm_path.as_ref()?).ok();
        }
        let mut header = [0u8; HEADER_BYTES];
        self.shm.as_ref()?.read_exact_at(&mut header, 0).ok()?;
        Some(header)
    }

    #[cfg(not(unix))]
    fn read_header(&mut self) -> Option<[u8; HEADER_BYTES]> {
        None
    }
}
