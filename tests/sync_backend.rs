//! The reference sync backend alone (SPEC §10): docs/sync/push.sql and pull.sql
//! on a real PostgreSQL server, through real psql processes. The server is the
//! one `./test.sh sync` provisions, so these tests are ignored by a plain
//! `cargo test` (they never pass by skipping); `./test.sh sync` runs them with
//! `--include-ignored`. Each test uses its own user ids.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::thread;

use common::sync_backend::PgBackend;
use serde_json::{json, Value};

/// Held shared by every test, and alone by the one that empties the tables.
static SERVER: RwLock<()> = RwLock::new(());

/// The server, and a share of it (tests run in parallel, each with its own users).
fn server() -> (PgBackend, RwLockReadGuard<'static, ()>) {
    let share = SERVER
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    (PgBackend::from_env(), share)
}

/// A hybrid-logical-clock stamp: string order is time order.
fn hlc(wall_ms: u64, counter: u32) -> String {
    format!("{wall_ms:013}-{counter:06}")
}

/// A consent record as a device pushes it (the backend reads id, hlc, decision).
fn record(id: &str, stamp: &str, decision: &str) -> Value {
    json!({"id": id, "hlc": stamp, "decision": decision, "app": "wx1", "scope": "scope.userLocation"})
}

fn ids(records: &[Value]) -> Vec<String> {
    records
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect()
}

/// The stored rows' sequence numbers.
fn seqs(rows: &[Value]) -> Vec<u64> {
    rows.iter()
        .map(|r| r["seq"].as_u64().expect("seq"))
        .collect()
}

/// The stored rows' record ids.
fn stored_ids(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect()
}

const T0: u64 = 1_765_123_456_789;

#[test]
#[ignore = "needs PostgreSQL: ./test.sh sync"]
fn push_then_pull_returns_the_records_in_push_order_with_a_cursor() {
    let (pg, _share) = server();
    let user = "order-u1";
    // Pushed order, not stamp order, is the pull order.
    let batch = vec![
        record("d-a:1", &hlc(T0 + 5, 0), "allow"),
        record("d-b:1", &hlc(T0 + 1, 0), "deny"),
        record("d-a:2", &hlc(T0 + 9, 3), "revoked"),
        record("d-b:2", &hlc(T0 + 2, 0), "allow"),
        record("d-a:3", &hlc(T0 + 9, 4), "allow"),
    ];
    assert_eq!(pg.push(user, &batch), 5);

    let (page, cursor) = pg.pull(user, "0", 3);
    assert_eq!(page, batch[..3].to_vec(), "records come back as pushed");
    assert_eq!(cursor, "3");
    let (page, cursor) = pg.pull(user, &cursor, 3);
    assert_eq!(page, batch[3..].to_vec());
    assert_eq!(cursor, "5");
    let (page, cursor) = pg.pull(user, &cursor, 3);
    assert!(page.is_empty());
    assert_eq!(cursor, "5", "nothing new: the cursor stays");

    // Another user's records are not this user's.
    assert_eq!(
        pg.push("order-u2", &[record("d-c:1", &hlc(T0, 0), "allow")]),
        1
    );
    assert_eq!(
        pg.pull("order-u2", "0", 10).1,
        "1",
        "each user has its own sequence"
    );
    assert_eq!(pg.pull(user, "5", 10).0, Vec::<Value>::new());
}

#[test]
#[ignore = "needs PostgreSQL: ./test.sh sync"]
fn pushing_the_same_batch_twice_stores_nothing_the_second_time() {
    let (pg, _share) = server();
    let user = "twice-u1";
    let batch: Vec<Value> = (0..4)
        .map(|i| record(&format!("d-a:{i}"), &hlc(T0 + i, 0), "allow"))
        .collect();
    assert_eq!(pg.push(user, &batch), 4);
    assert_eq!(
        pg.push(user, &batch),
        0,
        "the same batch again takes nothing"
    );
    let rows = pg.records_of(user);
    assert_eq!(seqs(&rows), vec![1, 2, 3, 4]);

    // A batch that overlaps takes only what is new, numbered on without a gap.
    let mut overlapping = batch[2..].to_vec();
    overlapping.push(record("d-a:4", &hlc(T0 + 4, 0), "deny"));
    assert_eq!(pg.push(user, &overlapping), 1);
    let rows = pg.records_of(user);
    assert_eq!(seqs(&rows), vec![1, 2, 3, 4, 5]);
    assert_eq!(rows[4]["id"], "d-a:4");
}

#[test]
#[ignore = "needs PostgreSQL: ./test.sh sync"]
fn a_duplicate_inside_one_batch_is_stored_once_and_the_first_wins() {
    let (pg, _share) = server();
    let user = "dup-u1";
    let first = record("d-a:1", &hlc(T0, 0), "allow");
    let mut second = record("d-a:1", &hlc(T0, 0), "allow");
    second["note"] = json!("the second copy");
    let batch = vec![
        first.clone(),
        record("d-a:2", &hlc(T0 + 1, 0), "deny"),
        second,
    ];
    assert_eq!(pg.push(user, &batch), 2);
    let rows = pg.records_of(user);
    assert_eq!(seqs(&rows), vec![1, 2]);
    assert_eq!(stored_ids(&rows), vec!["d-a:1", "d-a:2"]);
    assert_eq!(rows[0]["record"], first, "the first copy is the one kept");
}

#[test]
#[ignore = "needs PostgreSQL: ./test.sh sync"]
fn concurrent_pushers_leave_a_gap_free_sequence_and_a_concurrent_reader_misses_nothing() {
    const BATCHES: u64 = 20;
    const PER_BATCH: u64 = 5;
    let (pg, _share) = server();
    let user = "concurrent-u1";
    let pushing = Arc::new(AtomicBool::new(true));

    // Two devices push at once; batch k of each also holds the same record
    // "shared:k" (one device relayed the other's), which must be stored once.
    let pushers: Vec<_> = ["d-a", "d-b"]
        .into_iter()
        .map(|device| {
            let pg = pg.clone();
            thread::spawn(move || {
                let mut taken = 0;
                for k in 0..BATCHES {
                    let mut batch: Vec<Value> = (0..PER_BATCH)
                        .map(|i| {
                            let stamp = hlc(T0 + k * 10 + i, 0);
                            record(&format!("{device}:{k}:{i}"), &stamp, "allow")
                        })
                        .collect();
                    batch.insert(
                        2,
                        record(&format!("shared:{k}"), &hlc(T0 + k * 10, 1), "deny"),
                    );
                    taken += pg.push(user, &batch);
                }
                taken
            })
        })
        .collect();

    // A reader pulls with its cursor meanwhile, and checks each page continues
    // the sequence exactly where its cursor was.
    let reader = {
        let pg = pg.clone();
        let pushing = pushing.clone();
        thread::spawn(move || {
            let mut seen: Vec<Value> = Vec::new();
            let mut cursor = "0".to_string();
            let mut pulls = 0;
            loop {
                let done = !pushing.load(Ordering::SeqCst);
                let (page, next) = pg.pull(user, &cursor, 7);
                pulls += 1;
                if !page.is_empty() {
                    let from: u64 = cursor.parse().unwrap();
                    let to: u64 = next.parse().unwrap();
                    assert_eq!(to - from, page.len() as u64, "a page skipped a number");
                }
                seen.extend(page.iter().cloned());
                let drained = page.is_empty();
                cursor = next;
                if done && drained {
                    return (seen, cursor, pulls);
                }
            }
        })
    };

    let taken: usize = pushers.into_iter().map(|p| p.join().unwrap()).sum();
    pushing.store(false, Ordering::SeqCst);
    let (seen, cursor, pulls) = reader.join().unwrap();

    let expected = (2 * BATCHES * PER_BATCH + BATCHES) as usize;
    assert_eq!(
        taken, expected,
        "each shared record taken by one pusher only"
    );
    let rows = pg.records_of(user);
    assert_eq!(
        seqs(&rows),
        (1..=expected as u64).collect::<Vec<_>>(),
        "seq 1..N without a gap"
    );
    let unique: HashSet<String> = stored_ids(&rows).into_iter().collect();
    assert_eq!(unique.len(), expected);
    let stored: Vec<Value> = rows.iter().map(|r| r["record"].clone()).collect();
    assert_eq!(seen.len(), stored.len(), "the reader missed records");
    assert_eq!(seen, stored, "the reader saw everything, in sequence order");
    assert_eq!(cursor, expected.to_string());
    assert!(
        pulls > 2,
        "the reader pulled while the pushers pushed ({pulls} pulls)"
    );
}

#[test]
#[ignore = "needs PostgreSQL: ./test.sh sync"]
fn a_forget_keeps_only_its_tombstone_and_drops_what_is_pushed_older_later() {
    let (pg, _share) = server();
    let user = "forget-u1";
    let before = vec![
        record("d-a:1", &hlc(T0 + 1, 0), "allow"),
        record("d-b:1", &hlc(T0 + 2, 0), "deny"),
        record("d-a:2", &hlc(T0 + 30, 0), "allow"), // after the forget below
    ];
    assert_eq!(pg.push(user, &before), 3);
    // A device that already pulled everything.
    let (_, other_device_cursor) = pg.pull(user, "0", 100);
    assert_eq!(other_device_cursor, "3");

    // The forget's batch: a record it covers (dropped), the tombstone, a newer one.
    let tombstone = record("d-b:2", &hlc(T0 + 20, 0), "forgotten");
    let batch = vec![
        record("d-b:3", &hlc(T0 + 20, 0), "allow"), // at the tombstone's stamp: covered
        tombstone.clone(),
        record("d-b:4", &hlc(T0 + 25, 0), "deny"),
    ];
    assert_eq!(
        pg.push(user, &batch),
        2,
        "the tombstone and the newer record"
    );
    let rows = pg.records_of(user);
    assert_eq!(stored_ids(&rows), vec!["d-a:2", "d-b:2", "d-b:4"]);
    assert_eq!(seqs(&rows), vec![3, 4, 5], "the tombstone has a new number");

    // Every device's cursor reaches the tombstone.
    let (page, cursor) = pg.pull(user, &other_device_cursor, 100);
    assert_eq!(ids(&page), vec!["d-b:2", "d-b:4"]);
    assert_eq!(page[0], tombstone);
    assert_eq!(cursor, "5");

    // A device that was offline pushes records from before the forget: dropped.
    let late = vec![
        record("d-c:1", &hlc(T0 + 3, 0), "allow"),
        record("d-c:2", &hlc(T0 + 20, 0), "allow"),
    ];
    assert_eq!(pg.push(user, &late), 0, "older than the tombstone: dropped");
    assert_eq!(
        pg.push(user, &[record("d-c:3", &hlc(T0 + 21, 0), "allow")]),
        1
    );
    assert_eq!(
        stored_ids(&pg.records_of(user)),
        vec!["d-a:2", "d-b:2", "d-b:4", "d-c:3"]
    );

    // An older forget pushed late changes nothing; a newer one replaces the
    // first tombstone (it covers it).
    assert_eq!(
        pg.push(user, &[record("d-c:4", &hlc(T0 + 10, 0), "forgotten")]),
        0
    );
    assert_eq!(
        pg.push(user, &[record("d-a:3", &hlc(T0 + 40, 0), "forgotten")]),
        1
    );
    let rows = pg.records_of(user);
    assert_eq!(stored_ids(&rows), vec!["d-a:3"]);
    assert_eq!(seqs(&rows), vec![7]);
}

#[test]
#[ignore = "needs PostgreSQL: ./test.sh sync"]
fn pull_since_a_cursor_past_the_end_returns_nothing_and_the_same_cursor() {
    let (pg, _share) = server();
    let user = "end-u1";
    assert_eq!(
        pg.pull(user, "0", 10),
        (vec![], "0".to_string()),
        "an unknown user"
    );
    assert_eq!(pg.push(user, &[record("d-a:1", &hlc(T0, 0), "allow")]), 1);
    assert_eq!(pg.pull(user, "1", 10), (vec![], "1".to_string()));
    assert_eq!(pg.pull(user, "42", 10), (vec![], "42".to_string()));
}

#[test]
#[ignore = "needs PostgreSQL: ./test.sh sync"]
fn a_batch_with_a_bad_record_takes_nothing() {
    let (pg, _share) = server();
    let user = "bad-u1";
    let batch = vec![
        record("d-a:1", &hlc(T0, 0), "allow"),
        record("d-a:2", "2026-12-07T10:00", "allow"), // not an HLC stamp
    ];
    let error = pg.try_push(user, &batch).unwrap_err();
    assert!(error.contains("sync_records_hlc_check"), "{error}");
    assert!(
        pg.records_of(user).is_empty(),
        "one transaction: nothing stored"
    );
    assert_eq!(pg.push(user, &batch[..1]), 1);
    assert_eq!(seqs(&pg.records_of(user)), vec![1], "no number was used up");
}

#[test]
#[ignore = "needs PostgreSQL: ./test.sh sync"]
fn records_travel_as_they_are_quotes_backslashes_and_a_batch_over_the_argument_limit() {
    let (pg, _share) = server();
    let user = "o'brien \\ :'user' \"u1\"";
    let mut odd = record("d-a:'1'", &hlc(T0, 0), "allow");
    odd["text"] = json!("it's \\n a \"quote\" :'records' \u{4e2d}\u{6587} \u{1f600}\n\ttab");
    assert_eq!(pg.push(user, std::slice::from_ref(&odd)), 1);
    assert_eq!(pg.pull(user, "0", 1).0, vec![odd.clone()]);

    // About 400 KiB: over Linux's 128 KiB for one argument, so psql gets it on stdin.
    let padding = "x'\\".repeat(330);
    let big: Vec<Value> = (1..=400)
        .map(|i| {
            let mut r = record(&format!("d-b:{i}"), &hlc(T0 + i, 0), "allow");
            r["padding"] = json!(padding);
            r
        })
        .collect();
    assert!(serde_json::to_string(&big).unwrap().len() > 300 * 1024);
    assert_eq!(pg.push(user, &big), 400);
    assert_eq!(pg.push(user, &big), 0);
    let (page, cursor) = pg.pull(user, "1", 1000);
    assert_eq!(page, big);
    assert_eq!(cursor, "401");
}

#[test]
#[ignore = "needs PostgreSQL: ./test.sh sync"]
fn reset_empties_both_tables() {
    let _alone = SERVER
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let pg = PgBackend::from_env();
    let user = "reset-u1";
    assert_eq!(pg.push(user, &[record("d-a:1", &hlc(T0, 0), "allow")]), 1);
    assert_eq!(
        pg.push(user, &[record("d-a:2", &hlc(T0 + 1, 0), "allow")]),
        1
    );
    pg.reset();
    assert!(pg.records_of(user).is_empty());
    assert_eq!(pg.pull(user, "0", 10), (vec![], "0".to_string()));
    assert_eq!(
        pg.push(user, &[record("d-a:2", &hlc(T0 + 1, 0), "allow")]),
        1
    );
    assert_eq!(
        seqs(&pg.records_of(user)),
        vec![1],
        "the sequence starts over"
    );
}
