//! `miniapp-auth inspect` (SPEC §11), run as the real CLI on real SQLite files
//! the engine made, spoken to over plain HTTP: the token and the Host header
//! keep every byte of data from other requests, every response carries the
//! security headers, reading never changes the file, writes need
//! `--allow-writes` and the CSRF token and land as `source=admin` records,
//! the exports are what `audit export` gives and CSV a spreadsheet cannot run,
//! manifest text is escaped, and a bad `--manifest` stops it before it serves.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::bridge::BIN;
use common::*;
use miniapp_auth::AuthEngine;
use serde_json::Value;

/// A user id a spreadsheet would run as a formula.
const FORMULA_USER: &str = "=HYPERLINK(\"http://evil.example\",\"x\")";

/// The Content-Security-Policy every response must carry.
const CSP: &str = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// A running `miniapp-auth inspect`, killed when dropped.
struct Inspector {
    child: Child,
    port: u16,
    /// `/<token>/`.
    base: String,
}

impl Inspector {
    /// Starts the inspector on `db` with `extra` options and reads its URL line.
    fn start(db: &str, extra: &[&str]) -> Inspector {
        let mut child = Command::new(BIN)
            .args(["inspect", "--db", db])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let Some(rest) = line.trim_end().strip_prefix("http://127.0.0.1:") else {
            let mut stderr = String::new();
            let _ = child.kill();
            let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
            panic!("the first line is not the URL: {line:?}; stderr: {stderr}");
        };
        let (port, path) = rest.split_once('/').unwrap();
        let base = format!("/{path}");
        assert!(
            base.len() == 66 && base.ends_with('/'),
            "the token is 64 hex digits: {line:?}"
        );
        Inspector {
            child,
            port: port.parse().unwrap(),
            base,
        }
    }

    /// The Host header a browser sends for the printed URL.
    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `GET <base><path>` with the right Host.
    fn get(&self, path: &str) -> Response {
        let target = format!("{}{path}", self.base);
        http(self.port, "GET", &target, &self.host(), &[], "")
    }

    /// `POST <base><path>` of a form body, with extra headers.
    fn post(&self, path: &str, headers: &[(&str, &str)], form: &str) -> Response {
        let target = format!("{}{path}", self.base);
        let mut all = vec![("Content-Type", "application/x-www-form-urlencoded")];
        all.extend_from_slice(headers);
        http(self.port, "POST", &target, &self.host(), &all, form)
    }

    /// Stops the server as a terminal or a service manager does (SIGTERM),
    /// and waits for it to exit.
    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = i32::try_from(self.child.id()).unwrap();
        // SAFETY: signalling a child this test started and has not reaped.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        self.child.wait().unwrap()
    }

    /// Stops the server (SIGKILL) and waits for it.
    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Inspector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP answer.
struct Response {
    status: u16,
    /// Header names in lower case.
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One request over a fresh connection (`Connection: close`), read to its end.
fn http(
    port: u16,
    method: &str,
    target: &str,
    host: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut request =
        format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.trim().to_ascii_lowercase(), v.trim().to_string())
        })
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    Response {
        status: status.parse().unwrap(),
        body: if chunked {
            dechunk(rest)
        } else {
            rest.to_string()
        },
        headers,
    }
}

/// A chunked body's data.
fn dechunk(mut rest: &str) -> String {
    let mut body = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n").unwrap();
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        if size == 0 {
            return body;
        }
        body.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
}

/// A database with dialog decisions (u1 granted location seeing the purpose
/// string, u2 denied it), admin grants, and a user named like a formula.
fn fixture() -> TempDb {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[Answer::Allow, Answer::Deny]));
    engine
        .register_manifest("wxA".into(), manifest(None))
        .unwrap();
    let location = || "scope.userLocation".to_string();
    assert!(block_on(engine.authorize(caller("u1", "wxA"), location())).ok);
    assert!(!block_on(engine.authorize(caller("u2", "wxA"), location())).ok);
    engine
        .set_grant("u1".into(), "wxB".into(), None, "scope.record".into(), true)
        .unwrap();
    engine
        .set_grant(
            FORMULA_USER.into(),
            "wxA".into(),
            None,
            "scope.werun".into(),
            true,
        )
        .unwrap();
    engine.shut_down();
    db
}

/// The database file and its WAL, as bytes (an absent WAL as empty), and
/// the other names in its folder (SQLite's WAL index, `-shm`, left out: a
/// reader of a WAL file may create it, empty of data).
fn file_state(db: &TempDb) -> (Vec<u8>, Vec<u8>, Vec<String>) {
    let path = db.path();
    let mut names: Vec<String> = std::fs::read_dir(db.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.ends_with("-shm") && !name.ends_with("-wal"))
        .collect();
    names.sort();
    (
        std::fs::read(&path).unwrap(),
        std::fs::read(format!("{path}-wal")).unwrap_or_default(),
        names,
    )
}

/// The CLI's own output for `args` (exit 0 expected).
fn cli(args: &[&str]) -> String {
    let out = Command::new(BIN).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Every read view's path (under the token), each answered 200.
fn read_views() -> Vec<String> {
    let why = "why?user=u1&app=wxA&api=authorize&scope=scope.userLocation";
    vec![
        String::new(),
        "?page=1&user=u&app=wx".into(),
        "users/u1".into(),
        "users/u2".into(),
        "apps/wxA".into(),
        "apps/wxB".into(),
        "why".into(),
        why.into(),
        "exports".into(),
        "export/records.ndjson".into(),
        "export/receipts.json".into(),
        "export/receipts.json?user=u1".into(),
        "export/grants.csv".into(),
        "static/inspector.css".into(),
        "static/inspector.js".into(),
    ]
}

#[test]
fn a_wrong_or_missing_token_gets_404_and_no_data() {
    let db = fixture();
    let inspector = Inspector::start(&db.path(), &[]);
    let host = inspector.host();
    let token = inspector.base.trim_matches('/').to_string();
    let mut altered = token.clone().into_bytes();
    altered[63] = if altered[63] == b'0' { b'1' } else { b'0' };
    let altered = String::from_utf8(altered).unwrap();
    for target in [
        "/".to_string(),
        "/export/grants.csv".into(),
        format!("/{altered}/"),
        format!("/{altered}/export/grants.csv"),
        format!("/{altered}/users/u1"),
        format!("/{}/", &token[..32]),
        format!("/{token}"),
        format!("/{token}x/users/u1"),
    ] {
        let answer = http(inspector.port, "GET", &target, &host, &[], "");
        assert_eq!(answer.status, 404, "{target}");
        assert_eq!(answer.body, "not found", "{target}");
    }
    assert_eq!(
        inspector.get("users/u1").status,
        200,
        "the right token works"
    );
}

#[test]
fn another_host_gets_421_and_no_data() {
    let db = fixture();
    let inspector = Inspector::start(&db.path(), &[]);
    let port = inspector.port;
    for host in [
        format!("evil.example:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        "127.0.0.1".to_string(),
        format!("localhost.evil.example:{port}"),
        format!("127.0.0.2:{port}"),
    ] {
        for path in ["", "export/grants.csv", "users/u1"] {
            let target = format!("{}{path}", inspector.base);
            let answer = http(port, "GET", &target, &host, &[], "");
            assert_eq!(answer.status, 421, "{host} {path}");
            assert_eq!(answer.body, "misdirected request", "{host} {path}");
        }
    }
    let target = inspector.base.clone();
    let by_name = http(port, "GET", &target, &format!("localhost:{port}"), &[], "");
    assert_eq!(by_name.status, 200, "localhost:<port> is this server too");
    // A request line in absolute form naming another authority, and a second
    // Host header, are refused even beside the right Host.
    let ours = format!("127.0.0.1:{port}");
    let absolute = format!("http://evil.example{}", inspector.base);
    let answer = http(port, "GET", &absolute, &ours, &[], "");
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (421, "misdirected request")
    );
    let answer = http(port, "GET", &target, &ours, &[("Host", "evil.example")], "");
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (421, "misdirected request")
    );
    let same = format!("http://{ours}{}", inspector.base);
    assert_eq!(http(port, "GET", &same, &ours, &[], "").status, 200);
}

#[test]
fn allowing_writes_never_creates_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("typo.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_miniapp-auth"))
        .args(["inspect", "--allow-writes", "--db"])
        .arg(&typo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "no URL for a missing file");
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    assert!(!typo.exists(), "the mistyped path was created");
}

#[test]
fn every_response_carries_the_security_headers() {
    let db = fixture();
    let inspector = Inspector::start(&db.path(), &[]);
    let mut answers: Vec<(String, Response)> = read_views()
        .into_iter()
        .map(|path| {
            let answer = inspector.get(&path);
            (path, answer)
        })
        .collect();
    answers.push(("no such view".into(), inspector.get("nothing-here")));
    let port = inspector.port;
    let evil = http(port, "GET", &inspector.base, "evil.example", &[], "");
    answers.push(("another host".into(), evil));
    answers.push((
        "a post".into(),
        inspector.post(
            "grants",
            &[],
            "user=u1&app=wxA&scope=scope.record&action=grant",
        ),
    ));
    let put = http(port, "PUT", &inspector.base, &inspector.host(), &[], "");
    assert_eq!(put.status, 405, "a method no route takes");
    answers.push(("a put".into(), put));
    let evil_post = http(
        port,
        "POST",
        &format!("{}grants", inspector.base),
        "evil.example",
        &[],
        "",
    );
    assert_eq!(evil_post.status, 421);
    answers.push(("a post from another host".into(), evil_post));
    for (what, answer) in &answers {
        assert_eq!(
            answer.header("content-security-policy"),
            Some(CSP),
            "{what}"
        );
        assert_eq!(
            answer.header("x-content-type-options"),
            Some("nosniff"),
            "{what}"
        );
        assert_eq!(
            answer.header("referrer-policy"),
            Some("no-referrer"),
            "{what}"
        );
        assert_eq!(answer.header("cache-control"), Some("no-store"), "{what}");
    }
    let matrix = &answers[0].1;
    assert_eq!(matrix.status, 200);
    assert!(
        !matrix.body.contains("<script>") && !matrix.body.contains(" style="),
        "no inline script or style: {}",
        matrix.body
    );
}

#[test]
fn reading_every_view_leaves_the_file_as_it_was() {
    let db = fixture();
    let before = file_state(&db);
    let inspector = Inspector::start(&db.path(), &[]);
    for path in read_views() {
        let answer = inspector.get(&path);
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    }
    // The event stream: opened, its headers read, dropped.
    let mut events = TcpStream::connect(("127.0.0.1", inspector.port)).unwrap();
    write!(
        events,
        "GET {}events HTTP/1.1\r\nHost: {}\r\n\r\n",
        inspector.base,
        inspector.host()
    )
    .unwrap();
    let mut status = String::new();
    BufReader::new(&events).read_line(&mut status).unwrap();
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    drop(events);
    let matrix = inspector.get("");
    assert!(
        !matrix.body.contains("<form method=\"post\"") && !matrix.body.contains("name=\"csrf\""),
        "no write form without --allow-writes"
    );
    assert!(!inspector.get("apps/wxA").body.contains("name=\"csrf\""));
    assert!(inspector.terminate().success(), "SIGTERM ends it cleanly");
    let after = file_state(&db);
    assert_eq!(after.2, before.2, "the folder's files");
    assert!(after.0 == before.0, "reading changed the database file");
    assert!(after.1 == before.1, "reading changed the WAL");
}

#[test]
fn the_views_show_the_stored_decisions() {
    let db = fixture();
    let inspector = Inspector::start(&db.path(), &[]);
    let matrix = inspector.get("").body;
    for (user, app, state) in [("u1", "wxA", "granted"), ("u2", "wxA", "denied")] {
        let row_start = matrix
            .find(&format!(
                "<tr data-user=\"{user}\" data-app=\"{app}\" data-plugin=\"\">"
            ))
            .unwrap_or_else(|| panic!("no row of {user} {app}: {matrix}"));
        let row = &matrix[row_start..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(
            row.contains(&format!(
                "<td data-scope=\"scope.userLocation\" data-state=\"{state}\""
            )),
            "{row}"
        );
        assert!(row.contains("data-state=\"unasked\""), "{row}");
    }
    assert!(
        matrix.contains("<p id=\"matrix-summary\">users 1–3 of 3</p>"),
        "{matrix}"
    );
    let timeline = inspector.get("users/u1").body;
    assert!(timeline.contains("<p id=\"chain-status\" data-intact=\"true\">"));
    assert!(
        timeline.contains("<li data-seq=\"1\" data-chain=\"verified\""),
        "{timeline}"
    );
    assert!(timeline.contains("Find shops near you"), "the purpose seen");
    assert!(!timeline.contains("id=\"unbacked\""));
    let filtered = inspector.get("?user=u2").body;
    assert!(filtered.contains("users 1–1 of 1"), "{filtered}");
    assert!(!filtered.contains("data-user=\"u1\""));
}

#[test]
fn a_tampered_file_is_marked_as_audit_verify_names_it() {
    let db = fixture();
    let inspector = Inspector::start(&db.path(), &[]);
    let before = inspector.get("users/u1").body;
    assert!(before.contains("<p id=\"chain-status\" data-intact=\"true\">"));
    // Tampered by another program while the inspector runs: the next view
    // checks the chain again.
    db.raw()
        .execute_batch(
            "DROP TRIGGER consent_log_append_only_update;
             UPDATE consent_log SET record = replace(record, 'denied', 'granted') WHERE seq = 2;
             INSERT INTO privacy_agreements (user_id, app_id, contract_version, agreed_at)
             VALUES ('u1', 'wxA', '1', 1);",
        )
        .unwrap();
    let verify = Command::new(BIN)
        .args(["audit", "verify", "--db", &db.path()])
        .output()
        .unwrap();
    assert_eq!(verify.status.code(), Some(2));
    let stderr = String::from_utf8(verify.stderr).unwrap();
    let unbacked: Vec<&str> = stderr
        .lines()
        .filter_map(|l| {
            l.split_once("not backed by the consent log: ")
                .map(|(_, row)| row)
        })
        .filter(|row| row.contains("(user u1, app "))
        .collect();
    assert!(!unbacked.is_empty(), "{stderr}");
    let timeline = inspector.get("users/u1").body;
    assert!(
        timeline.contains("<p id=\"chain-status\" data-intact=\"false\">"),
        "{timeline}"
    );
    assert!(
        timeline.contains("<li data-seq=\"1\" data-chain=\"verified\""),
        "{timeline}"
    );
    let later = inspector.get("users/u2").body;
    assert!(
        later.contains("<li data-seq=\"2\" data-chain=\"broken\""),
        "{later}"
    );
    let list_start = timeline
        .find("<ul id=\"unbacked\">")
        .expect("the unbacked list");
    let list = &timeline[list_start..];
    let list = &list[..list.find("</ul>").unwrap()];
    let shown: Vec<&str> = list
        .split("<li>")
        .skip(1)
        .map(|item| item.trim_end_matches("</li>"))
        .collect();
    assert_eq!(
        shown, unbacked,
        "the rows audit verify names, word for word"
    );
}

#[test]
fn posts_are_refused_without_allow_writes() {
    let db = fixture();
    let before = file_state(&db);
    let inspector = Inspector::start(&db.path(), &[]);
    let form = "csrf=x&user=u1&app=wxA&plugin=&scope=scope.record&action=grant";
    assert_eq!(inspector.post("grants", &[], form).status, 405);
    assert_eq!(inspector.post("apps/wxA/reset", &[], "csrf=x").status, 405);
    assert_eq!(inspector.post("grants", &[], "").status, 405);
    inspector.stop();
    assert!(
        file_state(&db) == before,
        "a refused write changed the file"
    );
}

#[test]
fn writes_need_the_csrf_token_and_the_origin_and_land_as_admin_records() {
    let db = fixture();
    let inspector = Inspector::start(&db.path(), &["--allow-writes"]);
    let page = inspector.get("apps/wxA").body;
    let at = page.find("name=\"csrf\" value=\"").expect("a write form") + 19;
    let csrf = &page[at..at + 64];
    let form = |csrf: &str| {
        format!("csrf={csrf}&back=%2F&user=u3&app=wxA&plugin=&scope=scope.record&action=grant")
    };
    let records = || {
        AuthEngine::open_read_only(db.path(), None)
            .unwrap()
            .consent_records(Some("u3".into()))
            .unwrap()
    };
    let origin = format!("http://{}", inspector.host());
    assert_eq!(inspector.post("grants", &[], &form("")).status, 403);
    let wrong = "0".repeat(64);
    assert_eq!(inspector.post("grants", &[], &form(&wrong)).status, 403);
    let elsewhere = [("Origin", "http://evil.example")];
    assert_eq!(
        inspector.post("grants", &elsewhere, &form(csrf)).status,
        403
    );
    let cross_site = [("Origin", "null"), ("Sec-Fetch-Site", "cross-site")];
    assert_eq!(
        inspector.post("grants", &cross_site, &form(csrf)).status,
        403
    );
    assert!(records().is_empty(), "a refused write was made");

    let done = inspector.post("grants", &[("Origin", &origin)], &form(csrf));
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.header("location"), Some(inspector.base.as_str()));
    let written = records();
    assert_eq!(written.len(), 1, "{written:?}");
    assert_eq!(written[0].source, "admin");
    assert_eq!(written[0].decision, "granted");
    assert_eq!(written[0].scope.as_deref(), Some("scope.record"));

    let back = format!(
        "csrf={csrf}&back={}apps%2FwxA&user=u3",
        inspector.base.replace('/', "%2F")
    );
    let reset = inspector.post("apps/wxA/reset", &[], &back);
    assert_eq!(reset.status, 303, "{}", reset.body);
    assert_eq!(
        reset.header("location"),
        Some(format!("{}apps/wxA", inspector.base).as_str())
    );
    let after = records();
    assert_eq!(after.last().unwrap().decision, "reset", "{after:?}");
    assert!(AuthEngine::open_read_only(db.path(), None)
        .unwrap()
        .list_grants("u3".into(), None)
        .unwrap()
        .is_empty());
}

#[test]
fn the_exports_are_the_audit_export_documents() {
    let db = fixture();
    let inspector = Inspector::start(&db.path(), &[]);
    let path = db.path();
    for (query, args) in [
        ("", vec!["audit", "export", "--db", &path]),
        (
            "?user=u1",
            vec!["audit", "export", "--db", &path, "--user", "u1"],
        ),
    ] {
        let served = inspector.get(&format!("export/receipts.json{query}"));
        assert_eq!(served.status, 200);
        let printed = cli(&args);
        let served_json: Value = serde_json::from_str(&served.body).unwrap();
        let printed_json: Value = serde_json::from_str(&printed).unwrap();
        assert_eq!(served_json, printed_json, "{query}");
        assert_eq!(served.body, printed, "byte for byte");
    }
    let document: Value = serde_json::from_str(&cli(&["audit", "export", "--db", &path])).unwrap();
    let ndjson = inspector.get("export/records.ndjson").body;
    let lines: Vec<Value> = ndjson
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        &Value::Array(lines),
        &document["receipts"],
        "one receipt per line"
    );
}

#[test]
fn the_csv_export_is_quoted_and_formula_safe() {
    let db = fixture();
    let inspector = Inspector::start(&db.path(), &[]);
    let csv = inspector.get("export/grants.csv");
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let mut lines = csv.body.lines();
    assert_eq!(
        lines.next(),
        Some("user,app,plugin,scope,state,source,updated_at_ms,expires_at_ms,last_used_at_ms")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 4, "{rows:?}");
    let formula = rows
        .iter()
        .find(|r| r.contains("scope.werun"))
        .expect("the formula user's row");
    assert!(
        formula.starts_with("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",wxA,,scope.werun,granted,admin,"),
        "{formula}"
    );
    assert!(rows
        .iter()
        .any(|r| r.starts_with("u2,wxA,,scope.userLocation,denied,dialog,")));
}

#[test]
fn manifest_text_is_escaped() {
    let db = fixture();
    let file = db.dir.path().join("hostile.json");
    std::fs::write(
        &file,
        r#"{"name":"<script>alert('name')</script>","permission":{"scope.userLocation":{"desc":"<img src=x onerror=alert(2)>"}}}"#,
    )
    .unwrap();
    let given = format!("wxA={}", file.display());
    let inspector = Inspector::start(&db.path(), &["--manifest", &given]);
    let page = inspector.get("apps/wxA").body;
    assert!(
        page.contains("<h1>&lt;script&gt;alert('name')&lt;/script&gt; (wxA)</h1>"),
        "{page}"
    );
    assert!(
        page.contains("&lt;img src=x onerror=alert(2)&gt;"),
        "{page}"
    );
    assert!(
        !page.contains("<script>") && !page.contains("<img"),
        "{page}"
    );
    assert_eq!(
        page.matches("<script").count(),
        1,
        "only the inspector's own script"
    );
    assert!(inspector.get("apps/wxB").body.contains("no manifest given"));
}

#[test]
fn a_bad_manifest_exits_2_before_serving() {
    let db = fixture();
    let not_json = db.dir.path().join("broken.json");
    std::fs::write(&not_json, "{\"name\": ").unwrap();
    let missing = db.dir.path().join("missing.json");
    for (given, says) in [
        (format!("wxA={}", not_json.display()), "is not JSON"),
        (format!("wxA={}", missing.display()), "cannot read"),
        ("no-equals-sign".to_string(), "APP=FILE.json"),
    ] {
        let out = Command::new(BIN)
            .args(["inspect", "--db", &db.path(), "--manifest", &given])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{given}");
        assert!(out.stdout.is_empty(), "no URL printed for {given}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.contains("--manifest") && err.contains(says),
            "{given}: {err}"
        );
    }
}

#[test]
fn another_process_commit_is_an_event() {
    let db = fixture();
    let inspector = Inspector::start(&db.path(), &[]);
    let mut events = TcpStream::connect(("127.0.0.1", inspector.port)).unwrap();
    events
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        events,
        "GET {}events HTTP/1.1\r\nHost: {}\r\n\r\n",
        inspector.base,
        inspector.host()
    )
    .unwrap();
    let mut reader = BufReader::new(events);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("HTTP/1.1 200"), "{line}");
    let mut content_type = None;
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-type:") {
            content_type = Some(v.trim().to_string());
        }
    }
    assert_eq!(content_type.as_deref(), Some("text/event-stream"));
    // Give the stream time to read where the file stands, then commit elsewhere.
    std::thread::sleep(Duration::from_millis(300));
    cli(&[
        "grants",
        "set",
        "--db",
        &db.path(),
        "--user",
        "u9",
        "--app",
        "wxA",
        "--scope",
        "scope.record",
        "--state",
        "granted",
    ]);
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut seen = String::new();
    while Instant::now() < deadline && !seen.contains("event: commit\n") {
        line.clear();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        seen.push_str(&line);
    }
    assert!(
        seen.contains("event: commit\n"),
        "no commit event: {seen:?}"
    );
}

/// The `data-verdict`, `data-rule` and `#why-result` text of a why page.
fn why_answer(page: &str) -> (String, String, String) {
    let attribute = |name: &str| {
        let at = page
            .find("<section id=\"why\" data-verdict=")
            .unwrap_or_else(|| panic!("no why section: {page}"));
        let section = &page[at..];
        let start = section.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        section[start..start + section[start..].find('"').unwrap()].to_string()
    };
    let output = page
        .split_once("<output id=\"why-result\">")
        .and_then(|(_, rest)| rest.split_once("</output>"))
        .map(|(text, _)| text.to_string())
        .unwrap_or_default();
    (attribute("data-verdict"), attribute("data-rule"), output)
}

#[test]
fn why_answers_what_the_call_would_get_now() {
    let db = fixture();
    let manifest_file = db.dir.path().join("wxA.json");
    std::fs::write(&manifest_file, manifest(None)).unwrap();
    let given = format!("wxA={}", manifest_file.display());
    let inspector = Inspector::start(&db.path(), &["--manifest", &given]);
    let why = |user: &str, scope: &str| {
        let page = inspector.get(&format!(
            "why?user={user}&app=wxA&api=authorize&scope={scope}"
        ));
        assert_eq!(page.status, 200, "{}", page.body);
        why_answer(&page.body)
    };
    let granted = why("u1", "scope.userLocation");
    assert_eq!(
        (granted.0.as_str(), granted.2.as_str()),
        ("allow", "authorize:ok")
    );
    let denied = why("u2", "scope.userLocation");
    assert_eq!(
        (denied.0.as_str(), denied.2.as_str()),
        ("refuse", "authorize:fail auth deny")
    );
    let unasked = why("u3", "scope.userLocation");
    assert_eq!(
        (unasked.0.as_str(), unasked.2.as_str()),
        ("ask-user", "would show the consent dialog"),
        "{unasked:?}"
    );
    assert!(!unasked.1.is_empty(), "a rule is named");
    let json = inspector.get("why.json?user=u2&app=wxA&api=authorize&scope=scope.userLocation");
    assert_eq!(json.status, 200);
    let explained: Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(explained["verdict"], "refuse");
    assert_eq!(explained["rule"], denied.1.as_str());
    assert_eq!(explained["result"]["errMsg"], "authorize:fail auth deny");
    assert!(explained["facts"].as_array().is_some_and(|f| !f.is_empty()));
    let engine = AuthEngine::open_read_only(db.path(), None).unwrap();
    engine
        .register_manifest("wxA".into(), manifest(None))
        .unwrap();
    let core = engine
        .explain(
            caller("u2", "wxA"),
            "authorize".into(),
            Some("scope.userLocation".into()),
        )
        .unwrap();
    // Equal but for the clock each was read at.
    let without_now = |mut explanation: Value| {
        explanation["facts"]
            .as_array_mut()
            .unwrap()
            .retain(|fact| fact["name"] != "now (ms)");
        explanation
    };
    assert_eq!(
        without_now(explained),
        without_now(core.to_json()),
        "the core's explanation as it is"
    );
    assert_eq!(
        inspector.get("why.json?user=u2").status,
        400,
        "app and api needed"
    );
    let form = inspector.get("why").body;
    assert!(
        form.contains("<form id=\"why-form\" method=\"get\""),
        "{form}"
    );
}

#[test]
fn why_answers_by_the_policy_options_given() {
    let db = fixture();
    let manifest_file = db.dir.path().join("wxA.json");
    std::fs::write(&manifest_file, manifest(None)).unwrap();
    let given = format!("wxA={}", manifest_file.display());
    let path = "why?user=u2&app=wxA&api=authorize&scope=scope.userLocation";
    let sticky = Inspector::start(&db.path(), &["--manifest", &given]);
    assert_eq!(why_answer(&sticky.get(path).body).0, "refuse");
    sticky.stop();
    let soft = Inspector::start(&db.path(), &["--manifest", &given, "--deny-policy", "soft"]);
    let (verdict, _, shown) = why_answer(&soft.get(path).body);
    assert_eq!(
        (verdict.as_str(), shown.as_str()),
        ("ask-user", "would show the consent dialog"),
        "one denial of two under the soft policy: asked again"
    );
}

#[test]
fn the_matrix_pages_by_20_users() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[]));
    for n in 0..45 {
        engine
            .set_grant(
                format!("user{n:02}"),
                "wxA".into(),
                None,
                "scope.record".into(),
                n % 2 == 0,
            )
            .unwrap();
    }
    engine.shut_down();
    let inspector = Inspector::start(&db.path(), &[]);
    let rows = |page: &str| page.matches("<tr data-user=").count();
    let first = inspector.get("").body;
    assert!(first.contains("<p id=\"matrix-summary\">users 1–20 of 45</p>"));
    assert_eq!(rows(&first), 20);
    assert!(first.contains("<a rel=\"next\" href=\"/"), "{first}");
    assert!(!first.contains("rel=\"prev\""));
    assert!(first.contains("data-user=\"user00\"") && first.contains("data-user=\"user19\""));
    let second = inspector.get("?page=2").body;
    assert!(second.contains("users 21–40 of 45"));
    assert!(second.contains("rel=\"prev\"") && second.contains("rel=\"next\""));
    let last = inspector.get("?page=3").body;
    assert!(last.contains("users 41–45 of 45"));
    assert_eq!(rows(&last), 5);
    assert!(last.contains("rel=\"prev\"") && !last.contains("rel=\"next\""));
    assert!(last.contains("<td data-scope=\"scope.record\" data-state=\"granted\""));
    assert_eq!(inspector.get("?page=4").status, 400);
    assert_eq!(inspector.get("?page=0").status, 400);
    let by_app = inspector.get("?app=wxB").body;
    assert!(by_app.contains("No stored decisions match."), "{by_app}");
}
