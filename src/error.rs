//! Errors: a rich internal [`Error`] used everywhere inside the crate, the small
//! public [`AuthError`] that crosses the FFI, and [`HostError`] from the host's
//! callbacks. Every mapping between them and the mini-app dialect's
//! [`Failure`] lives here, and only here.
//!
//! Mini-app calls never raise errors: they answer in the WeChat dialect
//! (see [`crate::dialect`]). These errors are for the host: opening the store,
//! registering manifests and scopes, and administration.

use crate::dialect::Failure;
use crate::metrics::{self, MetricEvent, MetricName};

/// Everything that can go wrong inside the crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQLite reported an error.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A file-system operation (quarantine, directory creation) failed.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// The database was written by a newer version of this library.
    #[error("the database has schema version {found}; this library supports up to {supported}")]
    DatabaseTooNew {
        /// The schema version found in the file.
        found: i64,
        /// The newest schema version this build understands.
        supported: i64,
    },
    /// The database file cannot be opened for reading and writing.
    #[error("cannot open {path} for reading and writing ({reason}); is the file or its directory read-only, or missing?")]
    CannotOpen {
        /// The path.
        path: String,
        /// What SQLite said.
        reason: String,
    },
    /// A decision answered after what it was about was removed (the app reset,
    /// the user forgotten): it is not stored.
    #[error("the decision outlived its app's run: the app was reset or its user forgotten before it was answered")]
    DecisionOutlived,
    /// A change that may only replace nothing (an import) found a decision
    /// already stored for its key: nothing is written.
    #[error("a decision is already stored for {0}")]
    AlreadyDecided(String),
    /// A database opened for reading does not exist (it is never created then).
    #[error("{0} does not exist")]
    Missing(String),
    /// A database opened for reading has an older schema (it is never migrated then).
    #[error("{path} has schema version {found}; open it for writing (a host, or `grants set`) to migrate it to version {current}")]
    NeedsMigration {
        /// The path.
        path: String,
        /// The schema version found in the file.
        found: i64,
        /// The version this build writes.
        current: i64,
    },
    /// A database's `-wal` or `-shm` file was removed or replaced while this
    /// store had it open: what it writes now no other process would see.
    #[error("{0} was removed or replaced while the database was open; nothing more is written through this engine (reopen it)")]
    SidecarReplaced(String),
    /// The file is an SQLite database of some other program; it was left untouched.
    #[error("{0} is not a miniapp-auth database")]
    ForeignDatabase(String),
    /// The host closed the engine (`AuthEngine::shut_down`): nothing is read
    /// or written through it any more.
    #[error("the engine was closed")]
    Closed,
    /// A manifest could not be parsed or breaks a rule.
    #[error("invalid manifest: {0}")]
    InvalidManifest(String),
    /// A scope name or definition is not acceptable.
    #[error("invalid scope: {0}")]
    InvalidScope(String),
    /// An argument from the host is not acceptable.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

/// Result type used inside the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The error hosts see (a typed exception in Kotlin and Swift). Messages carry no
/// personal data beyond what the host itself passed in.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum AuthError {
    /// The database could not be opened, read or written. Retrying may help
    /// (for example after freeing disk space).
    #[error("storage error: {reason}")]
    Storage {
        /// What failed.
        reason: String,
    },
    /// The database file belongs to a newer version of this library. It was left
    /// untouched; upgrade the library or choose another path.
    #[error("database schema {found} is newer than supported {supported}")]
    DatabaseTooNew {
        /// The schema version found in the file.
        found: i64,
        /// The newest schema version this build understands.
        supported: i64,
    },
    /// An app manifest was rejected; nothing was registered.
    #[error("invalid manifest: {reason}")]
    InvalidManifest {
        /// Why the manifest was rejected.
        reason: String,
    },
    /// A scope name or definition was rejected; nothing changed.
    #[error("invalid scope: {reason}")]
    InvalidScope {
        /// Why the scope was rejected.
        reason: String,
    },
    /// An argument was rejected; nothing changed.
    #[error("invalid argument: {reason}")]
    InvalidArgument {
        /// Why the argument was rejected.
        reason: String,
    },
    /// The engine was closed (`shut_down`, the layers' `close`/`shutdown`);
    /// nothing changed. Open a new engine to go on.
    #[error("the engine was closed")]
    Closed,
}

impl Error {
    /// Whether the database could not be read or written: what the host's
    /// metrics count as a store failure (not a refusal of the file's content,
    /// of an argument, or of a decision that outlived its run).
    fn is_storage_failure(&self) -> bool {
        matches!(
            self,
            Error::Sqlite(_) | Error::Io(_) | Error::CannotOpen { .. } | Error::SidecarReplaced(_)
        )
    }

    /// Records a store failure, where the error becomes what a caller sees:
    /// once per failure, however many calls share its answer.
    fn note_store_failure(&self) {
        if self.is_storage_failure() {
            metrics::record(|| MetricEvent::of(MetricName::StoreFailed));
        }
    }
}

impl From<Error> for AuthError {
    fn from(error: Error) -> Self {
        error.note_store_failure();
        match error {
            Error::Sqlite(e) => AuthError::Storage {
                reason: e.to_string(),
            },
            Error::Io(e) => AuthError::Storage {
                reason: e.to_string(),
            },
            Error::DatabaseTooNew { found, supported } => {
                AuthError::DatabaseTooNew { found, supported }
            }
            e @ Error::CannotOpen { .. } => AuthError::Storage {
                reason: e.to_string(),
            },
            e @ (Error::Missing(_)
            | Error::NeedsMigration { .. }
            | Error::DecisionOutlived
            | Error::AlreadyDecided(_)
            | Error::SidecarReplaced(_)) => AuthError::Storage {
                reason: e.to_string(),
            },
            Error::ForeignDatabase(path) => AuthError::Storage {
                reason: format!("{path} is not a miniapp-auth database; it was left untouched"),
            },
            Error::Closed => AuthError::Closed,
            Error::InvalidManifest(reason) => AuthError::InvalidManifest { reason },
            Error::InvalidScope(reason) => AuthError::InvalidScope { reason },
            Error::InvalidArgument(reason) => AuthError::InvalidArgument { reason },
        }
    }
}

/// Inside a mini-app call, a decision that outlived its run answers so (1304),
/// a closed engine `engine closed` (1305); anything else the store could not read or make durable answers `storage
/// unavailable` (1302). Either way nothing is granted.
impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        error.note_store_failure();
        match error {
            Error::DecisionOutlived => Failure::DialogOutlivedItsRun,
            Error::Closed => Failure::EngineClosed,
            _ => Failure::StorageUnavailable,
        }
    }
}

/// In administration, an identity the mini-app dialect refuses (an invalid user,
/// app or plugin id) is an invalid argument, with the same reason.
impl From<Failure> for Error {
    fn from(failure: Failure) -> Self {
        Error::InvalidArgument(failure.reason())
    }
}

/// The error a host returns from its [`crate::ConsentUi`] or
/// [`crate::OsPermissionProbe`] (a thrown exception in Kotlin or Swift arrives as
/// this). The mini app's call still completes; nothing is granted.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum HostError {
    /// The host could not show or complete the dialog.
    #[error("host failure: {reason}")]
    Failed {
        /// What the host reported.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for HostError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        HostError::Failed {
            reason: error.reason,
        }
    }
}
