//! The host's metrics hook (issue #21): each event is recorded once per
//! occurrence, with plausible values and no personal data; a sink that panics
//! or blocks never breaks or delays a mini app's call; nothing reaches a sink
//! once it is removed. The sink is process-wide: the tests in this binary take
//! turns (`Installed`).

mod common;

use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use common::*;
use futures::future::{join, join_all};
use miniapp_auth::{
    flush_metrics, set_metrics_sink, AuthEngine, ConsentDecision, DialogAnswer, DialogKind,
    EngineConfig, Grant, GrantObserver, HostError, MetricEvent, MetricName, MetricsSink,
    OsPermission, OsPermissionProbe, OsPermissionStatus,
};

/// The turn of one test: the sink is the process's.
static TURN: Mutex<()> = Mutex::new(());

/// A sink that keeps what it is given.
#[derive(Default)]
struct Collected(Mutex<Vec<MetricEvent>>);

impl MetricsSink for Collected {
    fn record(&self, event: MetricEvent) {
        self.0.lock().unwrap().push(event);
    }
}

/// A collecting sink installed for one test, removed when it ends.
struct Installed {
    sink: Arc<Collected>,
    _turn: MutexGuard<'static, ()>,
}

impl Installed {
    fn new() -> Installed {
        let turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
        let sink = Arc::new(Collected::default());
        set_metrics_sink(Some(sink.clone()));
        Installed { sink, _turn: turn }
    }

    /// Every event recorded so far (delivered first), taken.
    fn take(&self) -> Vec<MetricEvent> {
        flush_metrics();
        std::mem::take(&mut *self.sink.0.lock().unwrap())
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        set_metrics_sink(None);
    }
}

fn named(events: &[MetricEvent], name: MetricName) -> Vec<MetricEvent> {
    events.iter().filter(|e| e.name == name).cloned().collect()
}

/// The dialog events, in order, as (name, dialog, answer).
fn dialog_events(
    events: &[MetricEvent],
) -> Vec<(MetricName, Option<DialogKind>, Option<DialogAnswer>)> {
    events
        .iter()
        .filter(|e| e.dialog.is_some())
        .map(|e| (e.name, e.dialog, e.answer))
        .collect()
}

fn micros(d: Duration) -> i64 {
    d.as_micros() as i64
}

#[test]
fn each_dialog_is_shown_once_and_answered_once_with_its_answer() {
    let metrics = Installed::new();
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Agree, Answer::Allow, Answer::Deny, Answer::Dismiss]);
    let engine = db.open(ui.clone());
    engine
        .register_manifest(
            "wxA".into(),
            manifest(Some((
                "1",
                &["scope.record", "scope.camera", "scope.bluetooth"],
            ))),
        )
        .unwrap();
    let me = caller("secret-user-42", "wxA");
    let started = Instant::now();
    assert!(block_on(engine.authorize(me.clone(), "scope.record".into())).ok);
    assert!(!block_on(engine.authorize(me.clone(), "scope.camera".into())).ok);
    assert!(!block_on(engine.authorize(me.clone(), "scope.bluetooth".into())).ok);
    let elapsed = started.elapsed();
    let events = metrics.take();

    use DialogKind::*;
    use MetricName::*;
    assert_eq!(
        dialog_events(&events),
        [
            (DialogShown, Some(Privacy), None),
            (DialogAnswered, Some(Privacy), Some(DialogAnswer::Agree)),
            (DialogShown, Some(Scope), None),
            (DialogAnswered, Some(Scope), Some(DialogAnswer::Allow)),
            (DialogShown, Some(Scope), None),
            (DialogAnswered, Some(Scope), Some(DialogAnswer::Deny)),
            (DialogShown, Some(Scope), None),
            (DialogAnswered, Some(Scope), Some(DialogAnswer::Dismiss)),
        ]
    );
    let scopes: Vec<Option<String>> = named(&events, DialogAnswered)
        .into_iter()
        .map(|e| e.scope)
        .collect();
    let scope = |name: &str| Some(name.to_string());
    assert_eq!(
        scopes,
        [
            None,
            scope("scope.record"),
            scope("scope.camera"),
            scope("scope.bluetooth")
        ]
    );
    for event in events.iter().filter(|e| e.dialog.is_some()) {
        assert_eq!(event.app_id.as_deref(), Some("wxA"), "{event:?}");
        assert_eq!(event.count, 1);
        match event.name {
            DialogShown => assert_eq!(event.duration_us, None),
            _ => {
                let took = event.duration_us.expect("how long the user took");
                assert!((0..=micros(elapsed)).contains(&took), "{event:?}");
            }
        }
    }
    // Every answer was stored: one commit each (the agreement, the allow, the
    // deny, the dismissal count), plus the user's pseudonym made when the
    // first dialog opened.
    let commits = named(&events, Commit);
    assert_eq!(commits.len(), 5, "{events:?}");
    for commit in &commits {
        assert!((0..=micros(elapsed)).contains(&commit.duration_us.unwrap()));
    }
    // Nothing else happened; and nothing names the user.
    assert_eq!(events.len(), 8 + 5, "{events:?}");
    assert!(!format!("{events:?}").contains("secret-user-42"));
}

#[test]
fn a_subscription_the_host_failed_counts_as_failed() {
    let metrics = Installed::new();
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    ui.push_subscribe(miniapp_auth::SubscribeAnswer::Failed {
        failure: miniapp_auth::SubscribeFailure::NoTemplateData,
    });
    let engine = db.open(ui.clone());
    let call = r#"{"api":"requestSubscribeMessage","args":{"tmplIds":["TMPL_A"]}}"#;
    let result = block_on(engine.handle(caller("u1", "wxA").with_tap(), call.into()));
    assert!(result.contains(r#""errCode":20001"#), "{result}");
    use DialogKind::*;
    use MetricName::*;
    assert_eq!(
        dialog_events(&metrics.take()),
        [
            (DialogShown, Some(Subscribe), None),
            (DialogAnswered, Some(Subscribe), Some(DialogAnswer::Failed)),
        ]
    );
}

#[test]
fn calls_sharing_one_dialog_count_it_once_and_its_duration_is_the_users() {
    let metrics = Installed::new();
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Hold]);
    let engine = db.open(ui.clone());
    let me = caller("u1", "wxA");
    let started = Instant::now();
    let mut held_for = Duration::ZERO;
    let calls = join_all((0..3).map(|_| engine.authorize_borrowed(&me, "scope.record")));
    let person = async {
        until("one dialog, the two other calls waiting on it", || {
            ui.held() == 1 && engine.dialog_followers() == 2
        })
        .await;
        let open = Instant::now();
        std::thread::sleep(Duration::from_millis(30));
        held_for = open.elapsed();
        ui.release(ConsentDecision::AllowOnce);
    };
    let (results, ()) = block_on(join(calls, person));
    let elapsed = started.elapsed();
    assert!(results.iter().all(|r| r.ok), "{results:?}");
    let events = metrics.take();
    assert_eq!(named(&events, MetricName::DialogShown).len(), 1);
    let answered = named(&events, MetricName::DialogAnswered);
    assert_eq!(answered.len(), 1, "{events:?}");
    assert_eq!(answered[0].answer, Some(DialogAnswer::AllowOnce));
    let took = answered[0].duration_us.unwrap();
    assert!(
        (micros(held_for)..=micros(elapsed)).contains(&took),
        "{took} µs: the dialog was held {held_for:?} of {elapsed:?}"
    );
}

#[test]
fn a_dialog_that_times_out_counts_as_timed_out_only() {
    let metrics = Installed::new();
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Hold]);
    let config = EngineConfig {
        dialog_timeout_ms: 50,
        ..Default::default()
    };
    let engine = db.open_with(ui.clone(), config);
    let started = Instant::now();
    let result = block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into()));
    let elapsed = started.elapsed();
    assert!(result.json.contains("dialog timed out"), "{}", result.json);
    let events = metrics.take();
    assert_eq!(
        dialog_events(&events),
        [
            (MetricName::DialogShown, Some(DialogKind::Scope), None),
            (MetricName::DialogTimedOut, Some(DialogKind::Scope), None),
        ]
    );
    let took = named(&events, MetricName::DialogTimedOut)[0]
        .duration_us
        .unwrap();
    assert!((50_000..=micros(elapsed)).contains(&took), "{took} µs");
}

#[test]
fn a_cancelled_call_counts_its_dialog_as_cancelled_and_the_next_dialog_anew() {
    let metrics = Installed::new();
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Hold, Answer::Hold]);
    let engine = db.open(ui.clone());
    let me = caller("u1", "wxA");
    let mut leader = Box::pin(engine.authorize_borrowed(&me, "scope.record"));
    let mut follower = Box::pin(engine.authorize_borrowed(&me, "scope.record"));
    assert!(poll_once(&mut leader).is_pending());
    assert!(poll_once(&mut follower).is_pending());
    drop(leader); // the host cancelled its coroutine
    assert!(poll_once(&mut follower).is_pending()); // asks again: a dialog of its own
    ui.release(ConsentDecision::Deny);
    assert!(!block_on(follower).ok);

    // And a call cancelled on the I/O threads.
    let mut call = Box::pin(engine.authorize(caller("u1", "wxB"), "scope.record".into()));
    ui.push(&[Answer::Hold]);
    assert!(poll_once(&mut call).is_pending());
    eventually("its dialog is open", || ui.held() == 1);
    drop(call);
    eventually("its dialog is taken down", || ui.held() == 0);
    eventually("the flight is gone", || engine.open_flights() == 0);

    let events = metrics.take();
    use MetricName::*;
    let names: Vec<(MetricName, Option<String>)> = events
        .iter()
        .filter(|e| e.dialog.is_some())
        .map(|e| (e.name, e.app_id.clone()))
        .collect();
    let a = || Some("wxA".to_string());
    let b = || Some("wxB".to_string());
    assert_eq!(
        names,
        [
            (DialogShown, a()),
            (DialogCancelled, a()),
            (DialogShown, a()),
            (DialogAnswered, a()),
            (DialogShown, b()),
            (DialogCancelled, b()),
        ]
    );
    assert!(named(&events, DialogCancelled)
        .iter()
        .all(|e| e.duration_us.is_some()));
}

/// A probe that throws, as a Kotlin or Swift probe's exception arrives.
struct ThrowingProbe;

impl OsPermissionProbe for ThrowingProbe {
    fn status(&self, _: OsPermission) -> Result<OsPermissionStatus, HostError> {
        Err(HostError::Failed {
            reason: "the probe threw".into(),
        })
    }
}

/// An observer that throws (a foreign exception reaches Rust as a panic).
struct ThrowingObserver(Sender<()>);

impl GrantObserver for ThrowingObserver {
    fn grants_changed(&self, _: String, _: Vec<Grant>) {
        let _ = self.0.send(());
        panic!("the observer threw");
    }
    fn observation_ended(&self) {}
}

#[test]
fn host_callbacks_that_throw_are_counted_each_time() {
    let metrics = Installed::new();
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Fail]);
    let engine = db.open(ui.clone());
    let me = caller("u1", "wxA");

    // The ConsentUi throws: the dialog failed, nothing else.
    let result = block_on(engine.authorize(me.clone(), "scope.record".into()));
    assert!(
        result.json.contains("host dialog failed"),
        "{}",
        result.json
    );
    let events = metrics.take();
    assert_eq!(
        dialog_events(&events),
        [
            (MetricName::DialogShown, Some(DialogKind::Scope), None),
            (MetricName::DialogFailed, Some(DialogKind::Scope), None),
        ]
    );

    // The OS probe throws, once per call that asks it.
    engine
        .set_grant("u1".into(), "wxA".into(), None, "scope.camera".into(), true)
        .unwrap();
    engine.set_os_permission_probe(Some(Arc::new(ThrowingProbe)));
    for _ in 0..3 {
        assert!(block_on(engine.authorize(me.clone(), "scope.camera".into())).ok);
    }
    let events = metrics.take();
    assert_eq!(
        named(&events, MetricName::ProbeFailed).len(),
        3,
        "{events:?}"
    );

    // An observer throws, once per time it is told.
    let (told, heard) = channel();
    let _observation = engine
        .observe_grants("u1".into(), Arc::new(ThrowingObserver(told)))
        .unwrap();
    heard.recv_timeout(Duration::from_secs(10)).unwrap();
    engine
        .set_grant("u1".into(), "wxA".into(), None, "scope.record".into(), true)
        .unwrap();
    heard.recv_timeout(Duration::from_secs(10)).unwrap();
    // Told twice; the second failure is recorded once the observer returned.
    eventually("the second failure is recorded", || {
        flush_metrics();
        metrics
            .sink
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.name == MetricName::ObserverFailed)
            .count()
            == 2
    });
    drop(_observation);
    let events = metrics.take();
    assert_eq!(named(&events, MetricName::ObserverFailed).len(), 2);
}

#[test]
fn a_damaged_database_moved_aside_is_counted_once() {
    let metrics = Installed::new();
    let db = TempDb::new();
    std::fs::write(db.path(), b"not a database at all\n".repeat(500)).unwrap();
    let engine = db.open(ScriptedUi::new(&[]));
    assert!(engine.quarantined_path().is_some());
    drop(engine);
    // Opened again, the clean file is not damaged.
    drop(db.open(ScriptedUi::new(&[])));
    let events = metrics.take();
    assert_eq!(
        events.iter().map(|e| e.name).collect::<Vec<_>>(),
        [MetricName::DatabaseQuarantined],
        "{events:?}"
    );
    assert_eq!(events[0].app_id, None);
    assert!(!format!("{events:?}").contains(&db.path()), "no path");
}

#[test]
fn a_store_failure_is_counted_once_per_failure() {
    let metrics = Installed::new();
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow]);
    let engine = db.open(ui.clone());
    engine
        .set_grant("u1".into(), "wxA".into(), None, "scope.camera".into(), true)
        .unwrap();
    assert!(named(&metrics.take(), MetricName::StoreFailed).is_empty());
    // The -wal removed under the engine: every write is refused.
    std::fs::remove_file(format!("{}-wal", db.path())).unwrap();
    let refused = engine.set_grant("u1".into(), "wxA".into(), None, "scope.record".into(), true);
    assert!(refused.is_err());
    let answer = block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into()));
    assert!(
        answer.json.contains("storage unavailable"),
        "{}",
        answer.json
    );
    let events = metrics.take();
    assert_eq!(
        named(&events, MetricName::StoreFailed).len(),
        2,
        "the host's call and the mini app's: {events:?}"
    );
    assert!(named(&events, MetricName::Commit).is_empty());
}

#[test]
fn each_commit_is_counted_with_its_duration() {
    let metrics = Installed::new();
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[]));
    engine
        .set_grant("u1".into(), "wxA".into(), None, "scope.camera".into(), true)
        .unwrap();
    metrics.take();
    let started = Instant::now();
    for i in 0..10 {
        engine
            .set_grant(
                "u1".into(),
                "wxA".into(),
                None,
                "scope.camera".into(),
                i % 2 == 1,
            )
            .unwrap();
    }
    let elapsed = started.elapsed();
    let events = metrics.take();
    assert_eq!(events.len(), 10, "{events:?}");
    for event in events {
        assert_eq!(event.name, MetricName::Commit);
        assert!((0..=micros(elapsed)).contains(&event.duration_us.unwrap()));
    }
}

/// A sink that panics on every event.
struct Panicking;

impl MetricsSink for Panicking {
    fn record(&self, _: MetricEvent) {
        panic!("the host's metrics sink threw");
    }
}

#[test]
fn a_sink_that_panics_breaks_no_call_and_the_next_sink_is_told() {
    let metrics = Installed::new();
    set_metrics_sink(Some(Arc::new(Panicking)));
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow, Answer::Allow]);
    let engine = db.open(ui.clone());
    let me = caller("u1", "wxA");
    assert!(block_on(engine.authorize(me.clone(), "scope.record".into())).ok);
    flush_metrics();
    // The metrics thread survived: the next sink hears the next dialog.
    set_metrics_sink(Some(metrics.sink.clone()));
    assert!(block_on(engine.authorize(me, "scope.camera".into())).ok);
    let events = metrics.take();
    assert_eq!(named(&events, MetricName::DialogAnswered).len(), 1);
}

/// A sink that blocks on its first event until the test lets it go.
struct Blocking {
    entered: Mutex<Option<Sender<()>>>,
    release: Mutex<Receiver<()>>,
    got: Mutex<Vec<MetricEvent>>,
}

impl MetricsSink for Blocking {
    fn record(&self, event: MetricEvent) {
        if let Some(entered) = self.entered.lock().unwrap().take() {
            entered.send(()).unwrap();
            let _ = self.release.lock().unwrap().recv();
        }
        self.got.lock().unwrap().push(event);
    }
}

#[test]
fn a_sink_that_blocks_delays_no_call_and_what_it_missed_is_counted() {
    let _turn = Installed::new();
    let (entered_tx, entered) = channel();
    let (release, release_rx) = channel();
    let sink = Arc::new(Blocking {
        entered: Mutex::new(Some(entered_tx)),
        release: Mutex::new(release_rx),
        got: Mutex::default(),
    });
    set_metrics_sink(Some(sink.clone()));
    // On tmpfs when there is one: the test is about the queue, not the disk.
    let db = TempDb {
        dir: fast_tempdir(),
    };
    let ui = ScriptedUi::new(&[Answer::Allow]);
    let engine = db.open(ui.clone());

    // The first dialog's first event blocks the sink.
    let me = caller("u1", "wxA");
    assert!(block_on(engine.authorize(me.clone(), "scope.record".into())).ok);
    entered.recv_timeout(Duration::from_secs(10)).unwrap();
    // While it is blocked, calls go on: far more commits than the queue holds.
    const CALLS: usize = 1500;
    let (done_tx, done) = channel();
    let caller_engine: Arc<AuthEngine> = engine.clone();
    std::thread::spawn(move || {
        for i in 0..CALLS {
            caller_engine
                .set_grant(
                    "u1".into(),
                    "wxA".into(),
                    None,
                    "scope.camera".into(),
                    i % 2 == 0,
                )
                .unwrap();
        }
        done_tx.send(()).unwrap();
    });
    match done.recv_timeout(Duration::from_secs(120)) {
        Ok(()) => {}
        Err(RecvTimeoutError::Timeout) => panic!("the calls waited for the blocked sink"),
        Err(e) => panic!("{e}"),
    }
    release.send(()).unwrap();
    flush_metrics();
    let got = std::mem::take(&mut *sink.got.lock().unwrap());
    let commits = named(&got, MetricName::Commit).len() as i64;
    let dropped: i64 = named(&got, MetricName::EventsDropped)
        .iter()
        .map(|e| e.count)
        .sum();
    assert!(dropped > 0, "the queue never filled: {}", got.len());
    // The first dialog's events (shown, answered, its pseudonym's and its
    // decision's commits) came first; every later commit was delivered or
    // counted as dropped.
    let first =
        named(&got, MetricName::DialogShown).len() + named(&got, MetricName::DialogAnswered).len();
    assert_eq!(first, 2, "{:?}", &got[..4]);
    assert_eq!(commits + dropped, 2 + CALLS as i64);
    drop(engine);
}

#[test]
fn a_removed_sink_hears_nothing_more_and_the_next_hears_only_its_own() {
    let metrics = Installed::new();
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow, Answer::Allow, Answer::Allow]);
    let engine = db.open(ui.clone());
    let me = caller("u1", "wxA");
    assert!(block_on(engine.authorize(me.clone(), "scope.record".into())).ok);
    assert_eq!(
        named(&metrics.take(), MetricName::DialogShown).len(),
        1,
        "heard while installed"
    );

    set_metrics_sink(None);
    assert!(block_on(engine.authorize(me.clone(), "scope.camera".into())).ok);
    let later = Arc::new(Collected::default());
    set_metrics_sink(Some(later.clone()));
    assert!(block_on(engine.authorize(me, "scope.bluetooth".into())).ok);
    flush_metrics();
    assert!(
        metrics.sink.0.lock().unwrap().is_empty(),
        "the removed sink was told"
    );
    let heard = later.0.lock().unwrap();
    let scopes: Vec<Option<String>> = named(&heard, MetricName::DialogShown)
        .into_iter()
        .map(|e| e.scope)
        .collect();
    assert_eq!(
        scopes,
        [Some("scope.bluetooth".to_string())],
        "only what happened after it was installed"
    );
}

#[test]
fn events_queued_for_a_replaced_sink_reach_neither_sink() {
    let metrics = Installed::new();
    let (entered_tx, entered) = channel();
    let (release, release_rx) = channel();
    let old = Arc::new(Blocking {
        entered: Mutex::new(Some(entered_tx)),
        release: Mutex::new(release_rx),
        got: Mutex::default(),
    });
    set_metrics_sink(Some(old.clone()));
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[]));
    // The old sink blocks on the first commit's event; three more queue behind it.
    for granted in [true, false, true, false] {
        engine
            .set_grant(
                "u1".into(),
                "wxA".into(),
                None,
                "scope.camera".into(),
                granted,
            )
            .unwrap();
    }
    entered.recv_timeout(Duration::from_secs(10)).unwrap();
    // Replaced while its call is under way (the replacement does not wait for it).
    set_metrics_sink(Some(metrics.sink.clone()));
    release.send(()).unwrap();
    engine
        .set_grant("u1".into(), "wxA".into(), None, "scope.record".into(), true)
        .unwrap();
    let heard = metrics.take();
    assert_eq!(
        old.got.lock().unwrap().len(),
        1,
        "the old sink got only the event it was given before the change"
    );
    assert_eq!(
        heard.iter().map(|e| e.name).collect::<Vec<_>>(),
        [MetricName::Commit],
        "the new sink got only what happened after it was installed"
    );
}
