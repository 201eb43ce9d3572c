//! Opening the SQLite file: refusing newer and foreign files untouched, setting the
//! pragmas (WAL, `synchronous=FULL`, `temp_store=2`, `busy_timeout`), migrating,
//! and quarantining a corrupt file (renamed aside, kept) before starting clean.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::error::{Error, Result};
use crate::metrics::{self, MetricEvent, MetricName};
use crate::store::schema;

/// How long a writer waits for another connection (or process) before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// An open connection and, when the file was corrupt, where it was moved.
pub struct Opened {
    /// The ready connection.
    pub conn: Connection,
    /// The quarantined copy of a corrupt file, if there was one.
    pub quarantined: Option<PathBuf>,
}

/// Opens (creating if needed) the database at `path`.
pub fn open_file(path: &Path) -> Result<Opened> {
    open_checked(path).map_err(|e| match e {
        Error::Sqlite(ref inner)
            if matches!(
                inner.sqlite_error_code(),
                Some(ErrorCode::CannotOpen | ErrorCode::ReadOnly | ErrorCode::PermissionDenied)
            ) =>
        {
            Error::CannotOpen {
                path: path.display().to_string(),
                reason: inner.to_string(),
            }
        }
        other => other,
    })
}

fn open_checked(path: &Path) -> Result<Opened> {
    // One process (one engine) at a time opens the file for writing: deciding
    // that it is damaged and moving it aside must not race another process
    // doing the same, or opening the clean file that replaced it.
    let _turn = OpenLock::acquire(path)?;
    set_aside_orphans(path)?;
    // A truncated file (a torn copy, a half-restored backup) is corruption to
    // SQLite itself: its header names more pages than the file has. The file
    // is never read through a descriptor of our own: closing one would drop
    // every lock this process's connections hold on it (POSIX record locks
    // belong to the process; tests/lock_keeping.rs).
    match open_and_prepare(path) {
        Ok(conn) => {
            return Ok(Opened {
                conn,
                quarantined: None,
            })
        }
        Err(e) if !is_corruption(&e) => return Err(e),
        Err(_) => {}
    }
    let moved = quarantine(path)?;
    metrics::record(|| MetricEvent::of(MetricName::DatabaseQuarantined));
    log::warn!(
        "{} was damaged: moved aside to {} and a clean database started",
        path.display(),
        moved.display()
    );
    let conn = open_and_prepare(path)?;
    Ok(Opened {
        conn,
        quarantined: Some(moved),
    })
}

/// An exclusive advisory lock (`flock`) on `<db>-open-lock`, held while a
/// process opens the database for writing. A lock file of its own, never the
/// database or its `-wal`/`-shm`: closing any descriptor of those would drop
/// SQLite's own (POSIX) locks on them. The holder writes its process id into
/// the file, so that a wait that runs out can name who holds it.
struct OpenLock {
    #[cfg(unix)]
    _file: std::fs::File,
}

/// How long an open waits for another process's open: three busy timeouts,
/// since a healthy opener may wait one at each of its steps (switching to WAL,
/// finishing an erasure, the schema). A holder that never lets go (stopped, or
/// frozen by Android's cached-app freezer) gets a clear error instead of a
/// wait without end.
fn open_lock_wait() -> Duration {
    #[cfg(feature = "test-hooks")]
    if let Some(wait) = crate::test_hooks::open_lock_wait() {
        return wait;
    }
    3 * BUSY_TIMEOUT
}

impl OpenLock {
    #[cfg(unix)]
    fn acquire(path: &Path) -> Result<OpenLock> {
        use std::io::{Read, Seek, Write};
        use std::os::unix::io::AsRawFd;
        let lock_path = PathBuf::from(format!("{}-open-lock", path.display()));
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&lock_path)?;
        let started = std::time::Instant::now();
        loop {
            // SAFETY: flock on a descriptor this function owns.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
                // Who holds it, for a waiter's error (advisory: best effort).
                let _ = file
                    .set_len(0)
                    .and_then(|()| file.rewind())
                    .and_then(|()| write!(file, "{}", std::process::id()));
                #[cfg(feature = "test-hooks")]
                crate::test_hooks::maybe_stop_inside_open_lock();
                return Ok(OpenLock { _file: file });
            }
            let error = std::io::Error::last_os_error();
            match error.kind() {
                std::io::ErrorKind::Interrupted => continue,
                std::io::ErrorKind::WouldBlock if started.elapsed() < open_lock_wait() => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                std::io::ErrorKind::WouldBlock => {
                    let mut holder = String::new();
                    let _ = file
                        .rewind()
                        .and_then(|()| file.read_to_string(&mut holder));
                    let holder = match holder.trim().parse::<u32>() {
                        Ok(pid) => format!("process {pid}"),
                        Err(_) => "another process".to_string(),
                    };
                    return Err(Error::CannotOpen {
                        path: path.display().to_string(),
                        reason: format!(
                            "{holder} has been opening it for {} s and holds {} (is it stopped or frozen?)",
                            open_lock_wait().as_secs_f32(),
                            lock_path.display()
                        ),
                    });
                }
                _ => return Err(error.into()),
            }
        }
    }

    #[cfg(not(unix))]
    fn acquire(_path: &Path) -> Result<OpenLock> {
        Ok(OpenLock {})
    }
}

/// Opens an existing database at `path` for reading only: it is never created,
/// migrated or quarantined. A missing file, a damaged one, one of another
/// program, or one of an older or newer schema is an error, and the file is
/// left as it was.
pub fn open_read_only(path: &Path) -> Result<Connection> {
    let label = path.display().to_string();
    if !path.exists() {
        return Err(Error::Missing(label));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    configure(&conn)?;
    let found = schema::check_compatible(&conn, &label)?;
    if found != schema::VERSION {
        return Err(Error::NeedsMigration {
            path: label,
            found,
            current: schema::VERSION,
        });
    }
    Ok(conn)
}

/// What every connection of the store gets: the busy timeout, and the query
/// planner's stability guarantee. Without it SQLite marks a statement whose plan
/// it thinks may depend on a bound value for re-preparation (parsing and
/// planning again) whenever that value changes — here every statement joining a
/// row to its consent record by the log's integer key (measured: the same
/// query without the join is not re-prepared) — so every read of a new user's
/// namespace paid a parse (a sixth of the reference model's time). Every
/// statement here is a key lookup whose plan cannot gain from the value.
fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Deleted content is overwritten with zeros, free pages included: erasure
    // leaves nothing of a forgotten user in the file (`housekeeping.rs`).
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}

/// Opens a private in-memory database (tests, ephemeral hosts).
pub fn open_in_memory() -> Result<Connection> {
    let mut conn = Connection::open_in_memory()?;
    configure(&conn)?;
    conn.pragma_update(None, "temp_store", 2)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    schema::migrate(&mut conn, ":memory:")?;
    Ok(conn)
}

fn open_and_prepare(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags)?;
    configure(&conn)?;
    // Read before writing anything: a newer, foreign or damaged file must stay
    // as it is (reading the schema is what detects most damage).
    schema::check_compatible(&conn, &path.display().to_string())?;
    set_wal(&conn)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "temp_store", 2)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // What a process stopped mid-forget left, before anything else is written.
    finish_erasure(&conn, path);
    schema::migrate(&mut conn, &path.display().to_string())?;
    Ok(conn)
}

/// `<db>-erasing`: present from just before a forget's transaction until the
/// `-wal` it leaves has been checkpointed and truncated (a marker file of its
/// own, never opened by SQLite; making and removing it touches no lock).
fn erasure_marker(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}-erasing", path.display()))
}

/// Notes that an erasure is under way (before the forget's transaction).
pub fn begin_erasure(path: &Path) -> Result<()> {
    std::fs::write(erasure_marker(path), b"")?;
    Ok(())
}

/// Finishes an erasure (SPEC §8): the forget's transaction either committed or
/// did not, but until the `-wal` is checkpointed and truncated it (and the main
/// file's old pages) can still hold the user's id and key. Checkpoints and
/// truncates the `-wal` if an erasure is marked as under way — after a forget,
/// and at an open after a process stopped mid-forget — and removes the mark
/// once that is done. Best effort: while another process reads, the
/// truncation waits for it (the busy timeout), then is left to the next forget
/// or open.
pub fn finish_erasure(conn: &Connection, path: &Path) {
    let marker = erasure_marker(path);
    if !marker.exists() {
        return;
    }
    match checkpoint_and_truncate(conn) {
        Ok(true) => {
            if let Err(e) = std::fs::remove_file(&marker) {
                log::warn!("{}: {e}", marker.display());
            }
        }
        Ok(false) => log::warn!(
            "{}: another connection kept the -wal from being truncated after a forget; the next forget or open does it",
            path.display()
        ),
        Err(e) => log::warn!(
            "{}: the -wal was not truncated after a forget: {e}",
            path.display()
        ),
    }
}

/// Copies every committed page of the `-wal` into the main file and truncates
/// the `-wal` to nothing, waiting for readers (the busy handler). `Ok(false)`
/// when another connection kept it from finishing.
fn checkpoint_and_truncate(conn: &Connection) -> Result<bool> {
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    Ok(busy == 0)
}

/// Switches to WAL. Changing the journal mode ignores the busy handler, so a
/// process racing another one at first open retries for up to [`BUSY_TIMEOUT`].
fn set_wal(conn: &Connection) -> Result<()> {
    let started = std::time::Instant::now();
    loop {
        let result: rusqlite::Result<String> =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0));
        match result {
            Ok(_) => return Ok(()),
            Err(e) if is_busy(&e) && started.elapsed() < BUSY_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Whether `e` says the file is damaged or not a database at all.
pub fn is_corruption(e: &Error) -> bool {
    match e {
        Error::Sqlite(e) => matches!(
            e.sqlite_error_code(),
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
        ),
        _ => false,
    }
}

/// A `-wal` or `-shm` without its main file belongs to a database removed
/// under a process that may still run: SQLite would read it as the new
/// file's log (another file's pages) or fail with a disk I/O error. Each is
/// moved aside as `<path>-wal.orphaned-<unix ms>` (kept for inspection, never
/// overwritten), and the new database starts clean.
fn set_aside_orphans(path: &Path) -> Result<()> {
    if path.exists() {
        return Ok(());
    }
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        if !side.exists() {
            continue;
        }
        let aside = link_aside(&side, "orphaned")?;
        std::fs::remove_file(&side)?;
        log::warn!(
            "{} had no database beside it (removed under a running process?): moved aside to {}",
            side.display(),
            aside.display()
        );
    }
    Ok(())
}

/// Links `file` to a name beside it no file has yet — `<file>.<label>-<unix
/// ms>`, then `-2`, `-3`, … — and returns that name: a hard link fails rather
/// than replace, so an earlier copy is never overwritten.
fn link_aside(file: &Path, label: &str) -> Result<PathBuf> {
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let mut aside = PathBuf::from(format!("{}.{label}-{stamp}", file.display()));
    let mut n = 1;
    loop {
        match std::fs::hard_link(file, &aside) {
            Ok(()) => return Ok(aside),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                n += 1;
                aside = PathBuf::from(format!("{}.{label}-{stamp}-{n}", file.display()));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Moves a damaged file (and its WAL and shared-memory files) aside as
/// `<path>.corrupt-<unix ms>` (`-2`, `-3`, … when that name is taken: an
/// earlier copy is never overwritten), keeping it for inspection. Returns the
/// new path.
fn quarantine(path: &Path) -> Result<PathBuf> {
    // Never over an earlier copy: a name no file has yet, then the original
    // name goes.
    let aside = link_aside(path, "corrupt")?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        if side.exists() {
            std::fs::rename(&side, format!("{}{suffix}", aside.display()))?;
        }
    }
    std::fs::remove_file(path)?;
    Ok(aside)
}
