//! Sync benchmarks (issue #23, SPEC §10), each beside its floor in the same run:
//! - applying 10,000 records (one user's 10,000 decisions: 1,250 apps × 8
//!   scopes, uploaded once) on a fresh file, vs the same number of rows of the
//!   same size (the records' own JSON text) inserted bare with rusqlite in one
//!   transaction on a fresh file, WAL + `synchronous=FULL`;
//! - one full round for a user with 1,000 decisions: `sync_outgoing` (limit
//!   1,000) and `sync_mark_uploaded` on device A, `sync_apply` on a fresh
//!   device B, vs 1,000 bare inserts as above;
//! - applying 1,000 records the same way, and 1,000 and 2,000 records of
//!   decisions made across apps (interleaved), to see how applying scales.
//!
//! Beside criterion's timing, the two cases of the issue are also measured
//! interleaved (floor and engine alternating, the median ratio printed).
//! `cargo bench --bench sync` measures those sizes; `cargo test --benches` (in
//! `./test.sh bench`) runs each benchmark once on 100 or 200 records, so that
//! the smoke run stays short.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode};
use miniapp_auth::{AuthEngine, SyncApplied};
use serde_json::Value;
use support::{AllowAll, FILL_SCOPES};

#[allow(dead_code)] // each benchmark uses part of it
mod support;

const USER: &str = "bench-user";

/// Whether this is `cargo bench` (criterion is handed `--bench`), not the
/// smoke run of `cargo test --benches`.
fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// How many records a benchmark takes: `full` when measuring, `smoke` in the
/// smoke run; `MINIAPP_AUTH_BENCH_SYNC_RECORDS` sets it for both (profiling a
/// smaller case).
fn records(full: usize, smoke: usize) -> usize {
    match std::env::var("MINIAPP_AUTH_BENCH_SYNC_RECORDS") {
        Ok(n) => n
            .parse()
            .expect("MINIAPP_AUTH_BENCH_SYNC_RECORDS: a number"),
        Err(_) if measuring() => full,
        Err(_) => smoke,
    }
}

/// A device on a fresh file in its own temp dir.
fn fresh_device() -> (tempfile::TempDir, Arc<AuthEngine>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db").display().to_string();
    let engine = AuthEngine::open(path, Arc::new(AllowAll), None).unwrap();
    (dir, engine)
}

/// In which order a user's decisions were made.
#[derive(Clone, Copy)]
enum Order {
    /// App after app, eight scopes each.
    AppByApp,
    /// Across apps: the first scope in every app, then the second in every
    /// app, and so on (as a user who uses many apps over time).
    Interleaved,
}

/// Gives `USER` on `engine` `n` decisions, each a distinct (app, scope) of
/// `n / 8` apps × 8 scopes, in `order`; every third a denial.
fn decide(engine: &AuthEngine, n: usize, order: Order) {
    let apps = n.div_ceil(FILL_SCOPES.len());
    for i in 0..n {
        let (app, scope) = match order {
            Order::AppByApp => (i / FILL_SCOPES.len(), i % FILL_SCOPES.len()),
            Order::Interleaved => (i % apps, i / apps),
        };
        engine
            .set_grant(
                USER.into(),
                format!("wxSync{app:05}"),
                None,
                FILL_SCOPES[scope].into(),
                i % 3 != 0,
            )
            .unwrap();
    }
}

/// All of `USER`'s records on `engine`, uploaded (marked so) in one batch.
fn upload_all(engine: &AuthEngine, n: usize) -> Vec<Value> {
    let (records, cursor) = engine.sync_outgoing_values(USER, n as u32).unwrap();
    assert_eq!(records.len(), n);
    engine.sync_mark_uploaded(USER.into(), cursor).unwrap();
    records
}

/// The floor's fresh file: WAL, `synchronous=FULL`, one table for the rows.
fn fresh_floor_file() -> (tempfile::TempDir, rusqlite::Connection) {
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("floor.db")).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.pragma_update(None, "temp_store", 2).unwrap();
    conn.execute_batch("CREATE TABLE records (seq INTEGER PRIMARY KEY, record TEXT NOT NULL)")
        .unwrap();
    (dir, conn)
}

/// The floor: `rows` inserted in one IMMEDIATE transaction, committed.
fn insert_all(conn: &mut rusqlite::Connection, rows: &[String]) {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    {
        let mut insert = tx
            .prepare("INSERT INTO records (record) VALUES (?1)")
            .unwrap();
        for row in rows {
            insert.execute([row]).unwrap();
        }
    }
    tx.commit().unwrap();
}

/// Criterion times a floor and the engine one after the other, seconds
/// apart; on a shared machine a neighbour's disk I/O can land on one and not
/// the other (a fresh file's fsync varies several-fold). The ratio that
/// counts is also measured interleaved: `rounds` rounds alternating the two,
/// each on its own fresh files, the ratio taken per round, the median
/// printed. `floor` and `engine` each return the time of their measured part.
fn interleaved(
    label: &str,
    rounds: usize,
    mut floor: impl FnMut() -> Duration,
    mut engine: impl FnMut() -> Duration,
) {
    if !measuring() {
        return;
    }
    let times: Vec<(f64, f64)> = (0..rounds)
        .map(|round| {
            // Alternate which goes first.
            let (f, e) = if round % 2 == 0 {
                let f = floor();
                (f, engine())
            } else {
                let e = engine();
                (floor(), e)
            };
            (f.as_secs_f64() * 1000.0, e.as_secs_f64() * 1000.0)
        })
        .collect();
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let ratio = median(times.iter().map(|(f, e)| e / f).collect());
    let floor_ms = median(times.iter().map(|(f, _)| *f).collect());
    let engine_ms = median(times.iter().map(|(_, e)| *e).collect());
    println!(
        "{label}/interleaved: engine {engine_ms:.2} ms, floor {floor_ms:.2} ms, \
         ratio {ratio:.1}x (median of {rounds} alternating rounds)"
    );
}

fn all_applied(n: usize) -> SyncApplied {
    SyncApplied {
        applied: n as u64,
        ..SyncApplied::default()
    }
}

/// Applying 10,000 records on a fresh file, beside the bare-insert floor.
fn apply_records(c: &mut Criterion) {
    apply_n(c, records(10_000, 200), Order::AppByApp);
}

/// The same with 1,000 records: how applying scales.
fn apply_fewer_records(c: &mut Criterion) {
    apply_n(c, records(1_000, 100), Order::AppByApp);
}

/// Records of decisions made across apps (the order a user who uses many
/// apps over time makes them in), 1,000 and 10,000 of them: applying stays
/// linear when a namespace's records are spread through the user's log.
fn apply_interleaved_records(c: &mut Criterion) {
    apply_n(c, records(1_000, 100), Order::Interleaved);
    apply_n(c, records(10_000, 200), Order::Interleaved);
}

/// Applying `n` records made in `order` on a fresh file, beside the
/// bare-insert floor.
fn apply_n(c: &mut Criterion, n: usize, order: Order) {
    // One device's decisions, made in memory (no fsync: setup, not measured)
    // and uploaded once.
    let origin = AuthEngine::in_memory(Arc::new(AllowAll), None).unwrap();
    decide(&origin, n, order);
    let records = upload_all(&origin, n);
    let rows: Vec<String> = records.iter().map(Value::to_string).collect();
    let name = match order {
        Order::AppByApp => format!("sync_apply_{n}"),
        Order::Interleaved => format!("sync_apply_interleaved_{n}"),
    };
    let mut group = c.benchmark_group(&name);
    // An apply of 10,000 takes most of a second: ten samples of equal
    // iteration counts, not criterion's rising ones (55 iterations).
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(match order {
        Order::AppByApp => 10,
        // 2,000 take almost 2 s each here.
        Order::Interleaved => 20,
    }));
    group.bench_function("floor_rusqlite_insert", |b| {
        b.iter_batched(
            fresh_floor_file,
            |(dir, mut conn)| {
                insert_all(&mut conn, black_box(&rows));
                (dir, conn)
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("engine_sync_apply_values", |b| {
        b.iter_batched(
            fresh_device,
            |(dir, device)| {
                let applied = device.sync_apply_values(USER, black_box(&records)).unwrap();
                assert_eq!(applied, all_applied(n));
                (dir, device)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
    if matches!(order, Order::AppByApp) {
        interleaved(
            &name,
            11,
            || {
                let (_dir, mut conn) = fresh_floor_file();
                let start = Instant::now();
                insert_all(&mut conn, &rows);
                start.elapsed()
            },
            || {
                let (_dir, device) = fresh_device();
                let start = Instant::now();
                let applied = device.sync_apply_values(USER, &records).unwrap();
                let took = start.elapsed();
                assert_eq!(applied, all_applied(n));
                took
            },
        );
    }
}

/// One full round for a user with 1,000 decisions: A's outgoing batch and its
/// acknowledgement, applied on a fresh B; beside 1,000 bare inserts.
fn full_round(c: &mut Criterion) {
    let n = records(1_000, 100);
    let (_a_dir, a) = fresh_device();
    decide(&a, n, Order::AppByApp);
    let rows: Vec<String> = upload_all(&a, n).iter().map(Value::to_string).collect();
    let mut group = c.benchmark_group(format!("sync_round_{n}"));
    group.sample_size(20);
    group.bench_function("floor_rusqlite_insert", |b| {
        b.iter_batched(
            fresh_floor_file,
            |(dir, mut conn)| {
                insert_all(&mut conn, black_box(&rows));
                (dir, conn)
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("engine_outgoing_mark_apply", |b| {
        b.iter_batched(
            || {
                // A sends everything again; B has never seen any of it.
                a.sync_reset_uploads(USER.into()).unwrap();
                fresh_device()
            },
            |(dir, b_device)| {
                let batch = a.sync_outgoing(USER.into(), n as u32).unwrap();
                assert_eq!(batch.records.len(), n);
                a.sync_mark_uploaded(USER.into(), batch.cursor).unwrap();
                let applied = b_device.sync_apply(USER.into(), batch.records).unwrap();
                assert_eq!(applied, all_applied(n));
                (dir, b_device)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
    interleaved(
        &format!("sync_round_{n}"),
        21,
        || {
            let (_dir, mut conn) = fresh_floor_file();
            let start = Instant::now();
            insert_all(&mut conn, &rows);
            start.elapsed()
        },
        || {
            a.sync_reset_uploads(USER.into()).unwrap();
            let (_dir, b_device) = fresh_device();
            let start = Instant::now();
            let batch = a.sync_outgoing(USER.into(), n as u32).unwrap();
            a.sync_mark_uploaded(USER.into(), batch.cursor).unwrap();
            let applied = b_device.sync_apply(USER.into(), batch.records).unwrap();
            let took = start.elapsed();
            assert_eq!(applied, all_applied(n));
            took
        },
    );
}

criterion_group!(
    benches,
    apply_records,
    apply_fewer_records,
    apply_interleaved_records,
    full_round
);
criterion_main!(benches);
