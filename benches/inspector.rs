//! The grant inspector at scale (issue #24, SPEC §11): a file with 100,000
//! consent records — 1,000 users, each with 100 decisions over 20 apps × 15
//! scopes (the 10 built-in decidable scopes and 5 host scopes) — and the
//! matrix's first page (20 users) served by the real CLI (`miniapp-auth
//! inspect`, release build) over HTTP on loopback, beside a bare SQLite scan
//! of the same rows: those users' grant rows, dismissal rows and consent
//! records, read with rusqlite and no processing.
//!
//! Both are timed interleaved (page, scan, page, scan, ...) and the medians
//! and their ratio printed, with whether the page met the 300 ms.
//! `cargo bench --bench inspector` measures 100,000 records; `cargo test
//! --benches` (in `./test.sh bench`) runs it once on 2,000. The file is made
//! once (through the engine's import, one transaction) and kept in
//! `target/bench-fixtures/`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use miniapp_auth::{AuthEngine, ImportedGrant, ScopeDefinition, ScopeKind};
use support::AllowAll;

#[allow(dead_code)] // each benchmark uses part of it
mod support;

const HOST_SCOPES: usize = 5;
const APPS: usize = 20;
const DECISIONS_PER_USER: usize = 100;
const PAGE_USERS: usize = 20;
const TARGET_MS: f64 = 300.0;

/// Whether this is `cargo bench` (criterion-style `--bench`), not the smoke
/// run of `cargo test --benches`.
fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// The scopes a user decides (`Promptable` and `SettingsOnly`) in
/// `engine`'s catalogue — the 10 built-in ones and the host's — by name.
fn decidable_scopes(engine: &AuthEngine) -> Vec<String> {
    let mut names: Vec<String> = engine
        .scopes()
        .into_iter()
        .filter(|s| matches!(s.kind, ScopeKind::Promptable | ScopeKind::SettingsOnly))
        .map(|s| s.name)
        .collect();
    names.sort();
    names
}

/// The file with `users` × 100 decisions, made once and kept.
fn fixture(users: usize) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-fixtures");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("inspector-{users}-users-v2.db"));
    if path.exists() {
        return path;
    }
    let building = dir.join(format!("inspector-{users}-users-v2.building.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", building.display()));
    }
    let started = Instant::now();
    {
        let engine =
            AuthEngine::open(building.display().to_string(), Arc::new(AllowAll), None).unwrap();
        for i in 1..=HOST_SCOPES {
            engine
                .register_scope(ScopeDefinition {
                    name: format!("scope.hostFeature{i}"),
                    title: format!("Host feature {i}"),
                    description: "A host's own permission".into(),
                    guarded_apis: vec![],
                    os_permission: None,
                    kind: ScopeKind::Promptable,
                    requires_purpose: false,
                })
                .unwrap();
        }
        let scopes = decidable_scopes(&engine);
        assert_eq!(
            scopes.len(),
            15,
            "10 built-in decidable scopes and 5 host scopes"
        );
        let cells = APPS * scopes.len(); // 300: 7 is coprime with it
        let t0 = 1_767_225_600_000_i64;
        let mut batch = Vec::new();
        for user in 0..users {
            for k in 0..DECISIONS_PER_USER {
                let cell = (user * 11 + k * 7) % cells;
                batch.push(ImportedGrant {
                    user_id: format!("user{user:04}"),
                    app_id: format!("wx{:02}", cell / scopes.len()),
                    plugin_id: None,
                    scope: scopes[cell % scopes.len()].clone(),
                    granted: (user + k) % 3 != 0,
                    decided_at_ms: Some(t0 + (user * DECISIONS_PER_USER + k) as i64 * 1000),
                    expires_at_ms: None,
                });
            }
            if batch.len() >= 10_000 {
                engine.import_grants(std::mem::take(&mut batch)).unwrap();
            }
        }
        if !batch.is_empty() {
            engine.import_grants(batch).unwrap();
        }
        engine.shut_down();
    }
    std::fs::rename(&building, &path).unwrap();
    eprintln!(
        "inspector bench: made {} ({} records) in {:.1} s",
        path.display(),
        users * DECISIONS_PER_USER,
        started.elapsed().as_secs_f64()
    );
    path
}

/// `miniapp-auth inspect` on the file, and the URL it printed.
struct Inspector {
    child: Child,
    host: String,
    base_path: String,
}

impl Inspector {
    fn start(db: &Path) -> Inspector {
        let mut child = Command::new(env!("CARGO_BIN_EXE_miniapp-auth"))
            .args(["inspect", "--db"])
            .arg(db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the CLI starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("http://")
            .expect("a URL first")
            .to_string();
        let (host, path) = url.split_once('/').unwrap();
        Inspector {
            child,
            host: host.to_string(),
            base_path: format!("/{path}"),
        }
    }

    /// GETs `path` (under the token), reading the whole response; its bytes.
    fn get(&self, path: &str) -> usize {
        let mut stream = TcpStream::connect(&self.host).unwrap();
        write!(
            stream,
            "GET {}{path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.base_path, self.host
        )
        .unwrap();
        let mut body = Vec::new();
        stream.read_to_end(&mut body).unwrap();
        assert!(
            body.starts_with(b"HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        );
        body.len()
    }
}

impl Drop for Inspector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The bare scan: the first page's users' rows, read and dropped.
fn bare_scan(conn: &rusqlite::Connection) -> usize {
    let mut users = conn
        .prepare_cached(
            "SELECT user_id FROM grants UNION SELECT user_id FROM privacy_agreements ORDER BY 1 LIMIT ?1",
        )
        .unwrap();
    let users: Vec<String> = users
        .query_map([PAGE_USERS as i64], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut rows = 0;
    let mut grants = conn
        .prepare_cached("SELECT * FROM grants WHERE user_id = ?1")
        .unwrap();
    let mut fatigue = conn
        .prepare_cached("SELECT * FROM prompt_fatigue WHERE user_id = ?1")
        .unwrap();
    let mut key = conn
        .prepare_cached("SELECT secret FROM user_keys WHERE user_id = ?1")
        .unwrap();
    let mut records = conn
        .prepare_cached("SELECT record, hash FROM consent_log ORDER BY seq LIMIT ?1 OFFSET ?2")
        .unwrap();
    for (i, user) in users.iter().enumerate() {
        for statement in [&mut grants, &mut fatigue, &mut key] {
            let mut q = statement.query([user]).unwrap();
            while let Some(row) = q.next().unwrap() {
                let _: rusqlite::types::Value = row.get(0).unwrap();
                rows += 1;
            }
        }
        // As many log rows as the user has (the log names users by pseudonym).
        let mut q = records
            .query([DECISIONS_PER_USER as i64, (i * DECISIONS_PER_USER) as i64])
            .unwrap();
        while let Some(row) = q.next().unwrap() {
            let text: String = row.get(0).unwrap();
            std::hint::black_box(text);
            rows += 1;
        }
    }
    rows
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let users = if measuring() { 1_000 } else { 20 };
    let rounds = if measuring() { 21 } else { 1 };
    let db = fixture(users);
    let inspector = Inspector::start(&db);
    let conn =
        rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    // Warm both (the first page, the OS's file cache).
    inspector.get("");
    bare_scan(&conn);
    let (mut page_ms, mut scan_ms) = (Vec::new(), Vec::new());
    let mut bytes = 0;
    let mut rows = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        bytes = inspector.get("");
        page_ms.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        rows = bare_scan(&conn);
        scan_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    // The next page (only the full file has one).
    let next = Instant::now();
    if users > PAGE_USERS {
        inspector.get("?page=2");
    }
    let second_ms = next.elapsed().as_secs_f64() * 1e3;
    let (page, scan) = (median(page_ms), median(scan_ms));
    println!(
        "inspector first page ({} records, {users} users, {} per page): {page:.1} ms ({bytes} bytes), \
         bare scan of the same rows ({rows}): {scan:.2} ms, ratio {:.1}x; page 2: {second_ms:.1} ms; \
         target {TARGET_MS} ms: {}",
        users * DECISIONS_PER_USER,
        PAGE_USERS,
        page / scan.max(1e-3),
        if page <= TARGET_MS { "met" } else { "NOT met" }
    );
    drop(inspector);
    std::thread::sleep(Duration::from_millis(10));
}
