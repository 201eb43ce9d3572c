//! The host's log sink (SPEC §5, "observable"): the core's records reach the
//! sink the host plugged in, at the level it asked for, and stop when it
//! unplugs it. One test in its own binary: the sink is process-wide.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use miniapp_auth::{set_log_sink, AuthEngine, LogLevel, LogRecord, LogSink};

#[derive(Default)]
struct Collected(Mutex<Vec<LogRecord>>);

impl LogSink for Collected {
    fn log(&self, record: LogRecord) {
        self.0.lock().unwrap().push(record);
    }
}

impl Collected {
    fn take(&self) -> Vec<LogRecord> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

#[test]
fn the_core_logs_to_the_hosts_sink_at_the_level_asked_and_stops_when_unplugged() {
    let sink = Arc::new(Collected::default());
    assert!(set_log_sink(Some(sink.clone()), LogLevel::Warn));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth.db");
    std::fs::write(&path, b"not a database at all, just text\n".repeat(200)).unwrap();
    let path = path.to_str().unwrap().to_string();

    let engine = AuthEngine::open(path.clone(), ScriptedUi::new(&[]), None).unwrap();
    let aside = engine.quarantined_path().expect("quarantined");
    let records = sink.take();
    let moved = records
        .iter()
        .find(|r| r.message.contains("was damaged"))
        .unwrap_or_else(|| panic!("no record of the quarantine in {records:?}"));
    assert_eq!(moved.level, LogLevel::Warn);
    assert!(moved.message.contains(&aside), "{}", moved.message);
    assert!(
        moved.target.starts_with("miniapp_auth::store"),
        "{}",
        moved.target
    );
    assert!(
        records.iter().all(|r| r.level <= LogLevel::Warn),
        "{records:?}"
    );

    // A host dialog that fails is logged too.
    let failing = ScriptedUi::new(&[Answer::Fail]);
    let engine = AuthEngine::open(path.clone(), failing, None).unwrap();
    assert!(!block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).ok);
    assert!(sink
        .take()
        .iter()
        .any(|r| r.message.contains("dialog failed")));

    // Unplugged: nothing more.
    assert!(set_log_sink(None, LogLevel::Trace));
    std::fs::write(dir.path().join("b.db"), b"garbage".repeat(2000)).unwrap();
    let b = dir.path().join("b.db").to_str().unwrap().to_string();
    assert!(AuthEngine::open(b, ScriptedUi::new(&[]), None)
        .unwrap()
        .quarantined_path()
        .is_some());
    assert!(sink.take().is_empty());
}
