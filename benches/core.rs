//! Benchmarks (issue #6), each beside its floor in the same run:
//! - authorize on a granted scope (the hot path) vs a bare `HashMap` lookup;
//! - a first decision made durable vs a bare rusqlite insert in its own
//!   transaction with the same pragmas (and with a metrics sink installed);
//! - what recording metrics costs a first decision (in memory, no fsync);
//! - getSetting with every scope decided; the bridge JSON round trip;
//! - opening the store and answering the first call with 0 … 1,000,000 grants;
//! - the hot path from 1 and 2 threads.
//!
//! `cargo bench` runs them; `cargo test --benches` (in `./test.sh`) runs each once.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use futures::executor::block_on;
use miniapp_auth::{AuthEngine, Caller};
use support::AllowAll;

mod support;

fn engine_in(dir: &tempfile::TempDir) -> Arc<AuthEngine> {
    let path = dir.path().join("bench.db").display().to_string();
    let engine = AuthEngine::open(path, Arc::new(AllowAll), None).unwrap();
    engine
        .register_manifest(
            "wxBench".into(),
            r#"{"permission":{"scope.userLocation":{"desc":"Benchmark"},"scope.userFuzzyLocation":{"desc":"Benchmark"}}}"#.into(),
        )
        .unwrap();
    engine
}

fn me() -> Caller {
    Caller::new("bench-user", "wxBench")
}

fn hot_path(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_in(&dir);
    assert!(block_on(engine.authorize(me(), "scope.record".into())).ok);
    let caller = me();
    let inner = &engine;
    // The floor: the same keys in a bare HashMap.
    let mut floor: HashMap<(String, String, String, String), bool> = HashMap::new();
    for u in 0..1000 {
        floor.insert(
            (
                format!("user{u}"),
                "wxBench".into(),
                String::new(),
                "scope.record".into(),
            ),
            true,
        );
    }
    let key = (
        "user7".to_string(),
        "wxBench".to_string(),
        String::new(),
        "scope.record".to_string(),
    );
    let mut group = c.benchmark_group("authorize_granted");
    group.bench_function("floor_hashmap_lookup", |b| {
        b.iter(|| black_box(floor.get(black_box(&key))))
    });
    group.bench_function("engine_authorize", |b| {
        b.iter(|| {
            black_box(block_on(
                inner.authorize_borrowed(black_box(&caller), "scope.record"),
            ))
        })
    });
    group.finish();
    // Criterion times the two one after the other, seconds apart; on a shared
    // machine a noisy neighbour can land on one and not the other. The ratio
    // that counts is also measured interleaved: many short rounds alternating
    // floor and engine, the ratio taken per round, the median reported.
    if std::env::args().any(|a| a == "--bench") {
        let rounds: Vec<(f64, f64)> = (0..101)
            .map(|round| {
                let time = |engine: bool| {
                    let start = Instant::now();
                    for _ in 0..20_000 {
                        if engine {
                            black_box(block_on(
                                inner.authorize_borrowed(black_box(&caller), "scope.record"),
                            ));
                        } else {
                            black_box(floor.get(black_box(&key)));
                        }
                    }
                    start.elapsed().as_nanos() as f64 / 20_000.0
                };
                // Alternate which goes first.
                if round % 2 == 0 {
                    let f = time(false);
                    (f, time(true))
                } else {
                    let e = time(true);
                    (time(false), e)
                }
            })
            .collect();
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let ratio = median(rounds.iter().map(|(f, e)| e / f).collect());
        let floor_ns = median(rounds.iter().map(|(f, _)| *f).collect());
        let engine_ns = median(rounds.iter().map(|(_, e)| *e).collect());
        println!(
            "authorize_granted/interleaved: engine {engine_ns:.1} ns, floor {floor_ns:.1} ns, \
             ratio {ratio:.2}x (median of 101 alternating rounds of 20,000 calls)"
        );
    }
}

/// A metrics sink that keeps nothing: what the core pays to record is measured,
/// not what a host does with the events.
struct DiscardMetrics;

impl miniapp_auth::MetricsSink for DiscardMetrics {
    fn record(&self, event: miniapp_auth::MetricEvent) {
        black_box(event);
    }
}

fn durable_decision(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_in(&dir);
    let next = AtomicU64::new(0);
    // The floor: one row inserted in its own transaction, same pragmas.
    let floor_path = dir.path().join("floor.db");
    let mut conn = rusqlite::Connection::open(&floor_path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.pragma_update(None, "temp_store", 2).unwrap();
    conn.execute_batch(
        "CREATE TABLE grants (user_id TEXT NOT NULL, app_id TEXT NOT NULL, plugin_id TEXT NOT NULL,
         scope TEXT NOT NULL, state INTEGER NOT NULL, PRIMARY KEY (user_id, app_id, plugin_id, scope)) WITHOUT ROWID",
    )
    .unwrap();
    let mut group = c.benchmark_group("first_decision_durable");
    group.sample_size(30);
    group.bench_function("floor_rusqlite_insert", |b| {
        b.iter(|| {
            let n = next.fetch_add(1, Ordering::Relaxed);
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .unwrap();
            tx.execute(
                "INSERT INTO grants VALUES (?1, 'wxBench', '', 'scope.record', 1)",
                [format!("user{n}")],
            )
            .unwrap();
            tx.commit().unwrap();
        })
    });
    // A second reference: the same rows the engine's decision writes (the grant,
    // a consent record with its by-user index, the chain head), bare, in one
    // IMMEDIATE transaction — what the decision costs before any of our logic.
    conn.execute_batch(
        "CREATE TABLE log (seq INTEGER PRIMARY KEY, user_id TEXT NOT NULL, record TEXT NOT NULL);
         CREATE INDEX log_by_user ON log (user_id, seq);
         CREATE TABLE head (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL)",
    )
    .unwrap();
    group.bench_function("floor_rusqlite_same_rows", |b| {
        b.iter(|| {
            let n = next.fetch_add(1, Ordering::Relaxed);
            let user = format!("user{n}");
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .unwrap();
            tx.execute(
                "INSERT INTO grants VALUES (?1, 'wxBench', '', 'scope.record', 1)",
                [&user],
            )
            .unwrap();
            tx.execute(
                "INSERT INTO log (user_id, record) VALUES (?1, ?2)",
                [&user, &format!(r#"{{"user":"{user}","app":"wxBench","scope":"scope.record","decision":"granted","source":"dialog","hash":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}}"#)],
            )
            .unwrap();
            tx.execute(
                "INSERT INTO head (id, seq, hash) VALUES (1, ?1, '0123456789abcdef')
                 ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                [n as i64],
            )
            .unwrap();
            tx.commit().unwrap();
        })
    });
    let first_decision = || {
        let n = next.fetch_add(1, Ordering::Relaxed);
        let result = block_on(
            engine.authorize_borrowed(&Caller::new(&format!("user{n}"), "wxBench"), "scope.record"),
        );
        assert!(result.ok);
    };
    group.bench_function("engine_authorize_allow", |b| b.iter(first_decision));
    // The same with a metrics sink installed: the dialog's two events and its
    // two commits' are queued for the sink's own thread on the way.
    miniapp_auth::set_metrics_sink(Some(Arc::new(DiscardMetrics)));
    group.bench_function("engine_authorize_allow_metrics_on", |b| {
        b.iter(first_decision)
    });
    miniapp_auth::set_metrics_sink(None);
    group.finish();
}

/// What recording metrics costs a decision, without a disk's fsync to hide it:
/// first decisions (a dialog answered, two commits: four events) in an
/// in-memory engine, with no sink and with one. The two are also measured
/// interleaved — rounds alternating off and on, the median ratio — since each
/// decision adds a user and the database grows as the run goes on.
fn metrics_cost(c: &mut Criterion) {
    let engine = AuthEngine::in_memory(Arc::new(AllowAll), None).unwrap();
    let next = AtomicU64::new(0);
    let decide = || {
        let n = next.fetch_add(1, Ordering::Relaxed);
        let result = block_on(
            engine.authorize_borrowed(&Caller::new(&format!("user{n}"), "wxBench"), "scope.record"),
        );
        assert!(result.ok);
    };
    let sink = |on: bool| {
        let sink: Option<Arc<dyn miniapp_auth::MetricsSink>> = match on {
            true => Some(Arc::new(DiscardMetrics)),
            false => None,
        };
        miniapp_auth::set_metrics_sink(sink);
    };
    let mut group = c.benchmark_group("metrics_in_memory");
    group.bench_function("first_decision_sink_off", |b| b.iter(decide));
    sink(true);
    group.bench_function("first_decision_sink_on", |b| b.iter(decide));
    sink(false);
    group.finish();
    if std::env::args().any(|a| a == "--bench") {
        let rounds: Vec<(f64, f64)> = (0..41)
            .map(|round| {
                let time = |on: bool| {
                    sink(on);
                    let start = Instant::now();
                    for _ in 0..200 {
                        decide();
                    }
                    let took = start.elapsed().as_nanos() as f64 / 200.0;
                    sink(false);
                    took
                };
                if round % 2 == 0 {
                    let off = time(false);
                    (off, time(true))
                } else {
                    let on = time(true);
                    (time(false), on)
                }
            })
            .collect();
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let ratio = median(rounds.iter().map(|(off, on)| on / off).collect());
        let off_us = median(rounds.iter().map(|(off, _)| *off).collect()) / 1000.0;
        let on_us = median(rounds.iter().map(|(_, on)| *on).collect()) / 1000.0;
        println!(
            "metrics_in_memory/interleaved: sink on {on_us:.1} µs, off {off_us:.1} µs, \
             ratio {ratio:.3}x (median of 41 alternating rounds of 200 first decisions)"
        );
    }
}

fn reads(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_in(&dir);
    // Every promptable scope: the ones files are filled with, and the location
    // scope the benchmark manifest gives a purpose string for.
    for scope in support::FILL_SCOPES
        .into_iter()
        .chain(["scope.userLocation"])
    {
        assert!(block_on(engine.authorize(me(), scope.into())).ok, "{scope}");
    }
    let caller = me();
    let mut group = c.benchmark_group("reads");
    group.bench_function("get_setting_all_decided", |b| {
        b.iter(|| black_box(block_on(engine.get_setting_borrowed(&caller, false))))
    });
    group.bench_function("bridge_json_authorize", |b| {
        b.iter(|| {
            black_box(block_on(engine.handle(
                caller.clone(),
                r#"{"api":"authorize","args":{"scope":"scope.record"}}"#.into(),
            )))
        })
    });
    group.finish();
}

/// A database file with `n` grants of other users, and one of ours.
fn file_with(n: u64) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.db").display().to_string();
    support::file_with_grants(&path, &me(), n);
    (dir, path)
}

fn open_and_first_call(c: &mut Criterion) {
    let sizes: Vec<u64> = match std::env::var("MINIAPP_AUTH_BENCH_MAX_GRANTS") {
        Ok(max) => [0, 10_000, 100_000, 1_000_000]
            .into_iter()
            .filter(|n| *n <= max.parse().unwrap_or(1_000_000))
            .collect(),
        Err(_) => vec![0, 10_000, 100_000, 1_000_000],
    };
    let mut group = c.benchmark_group("open_and_first_call");
    group.sample_size(10);
    for n in sizes {
        let (_dir, path) = file_with(n);
        group.bench_with_input(BenchmarkId::from_parameter(n), &path, |b, path| {
            b.iter(|| {
                let engine = AuthEngine::open(path.clone(), Arc::new(AllowAll), None).unwrap();
                assert!(block_on(engine.authorize_borrowed(&me(), "scope.record")).ok);
            })
        });
    }
    group.finish();
}

fn threads(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_in(&dir);
    for u in 0..2 {
        let caller = Caller::new(&format!("thread{u}"), "wxBench");
        assert!(block_on(engine.authorize(caller, "scope.record".into())).ok);
    }
    let mut group = c.benchmark_group("hot_path_threads");
    for threads in [1usize, 2] {
        group.bench_with_input(
            BenchmarkId::from_parameter(threads),
            &threads,
            |b, &threads| {
                // Time per call with `threads` threads calling at once (same wall clock):
                // if it scales, 2 threads halve it.
                b.iter_custom(|iters| {
                    let per_thread = iters.div_ceil(threads as u64);
                    let start = Instant::now();
                    std::thread::scope(|s| {
                        for t in 0..threads {
                            let engine = engine.clone();
                            s.spawn(move || {
                                let caller = Caller::new(&format!("thread{t}"), "wxBench");
                                for _ in 0..per_thread {
                                    black_box(block_on(
                                        engine.authorize_borrowed(&caller, "scope.record"),
                                    ));
                                }
                            });
                        }
                    });
                    start.elapsed()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(
    benches,
    hot_path,
    durable_decision,
    metrics_cost,
    reads,
    open_and_first_call,
    threads
);
criterion_main!(benches);
