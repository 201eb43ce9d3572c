//! The host's log sink (SPEC §5, "observable"): the core writes its log through
//! the `log` facade, and [`set_log_sink`] forwards those records to a sink the
//! host implements (Android's Logcat, iOS's os_log), as application-services'
//! log forwarder does. One sink per process; `None` stops forwarding.
//!
//! A Rust host that installed its own `log` logger keeps it: the forwarder is
//! then not installed and [`set_log_sink`] says so with its result.

use std::sync::{Arc, OnceLock, RwLock};

/// How much a record matters, most to least.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, uniffi::Enum)]
pub enum LogLevel {
    /// Something failed: a write refused, a host callback that threw.
    Error,
    /// Something the host should look at: a database moved aside, a dialog timed out.
    Warn,
    /// What happened of note: an engine opened, a migration, maintenance.
    Info,
    /// Detail for debugging.
    Debug,
    /// Everything.
    Trace,
}

/// One log record.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LogRecord {
    /// How much it matters.
    pub level: LogLevel,
    /// Where in the core it comes from (a module path, e.g. `miniapp_auth::store::db`).
    pub target: String,
    /// What happened.
    pub message: String,
}

/// Where the host wants the core's log records.
#[uniffi::export(with_foreign)]
pub trait LogSink: Send + Sync {
    /// One record; called on whichever thread logged it (often a core thread).
    fn log(&self, record: LogRecord);
}

static SINK: RwLock<Option<Arc<dyn LogSink>>> = RwLock::new(None);

struct Forwarder;

impl log::Log for Forwarder {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let sink = SINK.read().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(sink) = sink {
            let record = LogRecord {
                level: level_of(record.level()),
                target: record.target().to_string(),
                message: record.args().to_string(),
            };
            // A sink that throws loses its record, not the caller's work.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sink.log(record)));
        }
    }

    fn flush(&self) {}
}

fn level_of(level: log::Level) -> LogLevel {
    match level {
        log::Level::Error => LogLevel::Error,
        log::Level::Warn => LogLevel::Warn,
        log::Level::Info => LogLevel::Info,
        log::Level::Debug => LogLevel::Debug,
        log::Level::Trace => LogLevel::Trace,
    }
}

fn filter_of(level: LogLevel) -> log::LevelFilter {
    match level {
        LogLevel::Error => log::LevelFilter::Error,
        LogLevel::Warn => log::LevelFilter::Warn,
        LogLevel::Info => log::LevelFilter::Info,
        LogLevel::Debug => log::LevelFilter::Debug,
        LogLevel::Trace => log::LevelFilter::Trace,
    }
}

/// Sends the core's log records up to `max_level` to `sink` (`None`: stop).
/// Returns false when another `log` logger was installed in this process first
/// (a Rust host's own): the records go to it, not to `sink`.
#[uniffi::export]
pub fn set_log_sink(sink: Option<Arc<dyn LogSink>>, max_level: LogLevel) -> bool {
    static FORWARDER: Forwarder = Forwarder;
    // The first call tries to install the forwarder; its answer holds for good.
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    if !*INSTALLED.get_or_init(|| log::set_logger(&FORWARDER).is_ok()) {
        return false;
    }
    let on = sink.is_some();
    *SINK.write().unwrap_or_else(|p| p.into_inner()) = sink;
    log::set_max_level(if on {
        filter_of(max_level)
    } else {
        log::LevelFilter::Off
    });
    true
}
