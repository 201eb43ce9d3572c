//! The database's files — the main file and its sidecars (`<db>-wal`,
//! `<db>-shm`) — as this store first saw them, and the check that they are
//! still the same files. (The main file removed under a running process is the
//! same split as a removed sidecar: its writes reach a file no one else opens.)
//!
//! While a connection is open SQLite never removes them (only the last
//! connection to close does), but someone else can: a cleaner, a backup tool, a
//! user. SQLite then goes on writing through its open descriptors to files no
//! other process will read, while the next process to open the database starts
//! new ones: the two processes' views split, and whatever this one commits is
//! acknowledged and lost. So before each write (and each time the store goes to
//! the file) the paths are looked at again; a file that disappeared or is now a
//! different file ends this store's writes with
//! [`Error::SidecarReplaced`] — reopen the engine to go on.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{Error, Result};

/// A file's identity: (device, inode).
type Identity = (u64, u64);

/// The sidecar files of one database file.
pub(super) struct SidecarFiles {
    /// The main file, `-wal`, then `-shm`, each with its identity once seen.
    files: Mutex<[(PathBuf, Option<Identity>); 3]>,
}

#[cfg(unix)]
fn identity(path: &Path) -> Option<Identity> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(path: &Path) -> Option<Identity> {
    std::fs::metadata(path).ok().map(|_| (0, 0))
}

impl SidecarFiles {
    /// The sidecars of the database at `db`, as they are now (either may not
    /// exist yet; it is remembered when it first appears).
    pub fn of(db: &Path) -> SidecarFiles {
        let sidecar = |suffix: &str| {
            let mut name = db.as_os_str().to_os_string();
            name.push(suffix);
            let path = PathBuf::from(name);
            let id = identity(&path);
            (path, id)
        };
        SidecarFiles {
            files: Mutex::new([sidecar(""), sidecar("-wal"), sidecar("-shm")]),
        }
    }

    /// Fails if a sidecar seen before is gone or is another file now.
    pub fn check(&self) -> Result<()> {
        let mut files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        for (path, seen) in files.iter_mut() {
            let now = identity(path);
            match (*seen, now) {
                (Some(before), after) if after != Some(before) => {
                    log::error!(
                        "{} was removed or replaced under the store: every write is refused",
                        path.display()
                    );
                    return Err(Error::SidecarReplaced(path.display().to_string()));
                }
                (None, Some(first)) => *seen = Some(first),
                _ => {}
            }
        }
        Ok(())
    }
}
