//! The reference model knows the attacker (issue #20): random sequences in which
//! a first process (engine A, with its dialogs and allow-once grants) and a
//! second one (engine B on the same file: the host's settings screen and
//! administration) decide, while a tamperer edits the file behind both — saves
//! the namespace's `grants` rows, puts them back later (after revocations,
//! resets, new decisions), flips a denial to a grant with its row check
//! recomputed, deletes a row. After every step, neither engine may grant what
//! the consent log's latest record does not: a scope either engine's
//! `getSetting` reports `true` must have as its latest record (about the scope,
//! or a reset of the app) a `granted` one — for B, which holds no allow-once
//! grants, a lasting one; for A an allow-once one only while its run lasts.
//! 500 sequences by default (`MINIAPP_AUTH_ATTACKER_CASES`).

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use common::*;
use miniapp_auth::{AuthEngine, Caller, ConsentRecord, EngineConfig};
use proptest::prelude::*;

const SCOPES: [&str; 3] = ["scope.record", "scope.camera", "scope.bluetooth"];

#[derive(Debug, Clone, Copy)]
enum Reply {
    Allow,
    Once,
    Deny,
    Dismiss,
}

#[derive(Debug, Clone, Copy)]
enum Op {
    /// A mini-app call in A, the dialog answered so.
    Authorize(usize, Reply),
    /// B: the host's settings screen grants or denies.
    Set(usize, bool),
    /// B: a revocation.
    Revoke(usize),
    /// B: the app reset for the user.
    Reset,
    /// A restarts (its allow-once grants end with it).
    Restart,
    /// A's run of the app ends.
    EndRun,
    /// The tamperer copies the namespace's `grants` rows aside.
    Save,
    /// The tamperer puts the copied rows back.
    PutBack,
    /// The tamperer flips a denial to a grant, row check recomputed.
    Flip(usize),
    /// The tamperer deletes a row.
    Delete(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let scope = 0..SCOPES.len();
    let reply = prop_oneof![
        Just(Reply::Allow),
        Just(Reply::Once),
        Just(Reply::Deny),
        Just(Reply::Dismiss)
    ];
    prop_oneof![
        6 => (scope.clone(), reply).prop_map(|(s, r)| Op::Authorize(s, r)),
        2 => (scope.clone(), any::<bool>()).prop_map(|(s, g)| Op::Set(s, g)),
        2 => scope.clone().prop_map(Op::Revoke),
        1 => Just(Op::Reset),
        1 => Just(Op::Restart),
        1 => Just(Op::EndRun),
        3 => Just(Op::Save),
        3 => Just(Op::PutBack),
        2 => scope.clone().prop_map(Op::Flip),
        1 => scope.prop_map(Op::Delete),
    ]
}

/// The columns a row check covers besides the key and state: expiry,
/// purpose, contract version, whether consent was recorded.
type CheckedColumns = (Option<i64>, Option<String>, Option<String>, i64);

/// One row of `grants`, every column, as the tamperer copies it.
type SavedRow = Vec<rusqlite::types::Value>;

struct World {
    dir: tempfile::TempDir,
    a: Arc<AuthEngine>,
    ui_a: Arc<ScriptedUi>,
    b: Arc<AuthEngine>,
    saved: Vec<SavedRow>,
    /// Scopes with an allow-once grant of A's current run.
    once: HashSet<usize>,
}

fn config() -> EngineConfig {
    EngineConfig {
        max_dismissals: 0,
        ..EngineConfig::default()
    }
}

impl World {
    fn path(&self) -> String {
        self.dir.path().join("auth.db").display().to_string()
    }

    fn new() -> World {
        let dir = fast_tempdir();
        let path = dir.path().join("auth.db").display().to_string();
        let ui_a = ScriptedUi::new(&[]);
        let a = AuthEngine::open(path.clone(), ui_a.clone(), Some(config())).unwrap();
        let b = AuthEngine::open(path, ScriptedUi::new(&[]), Some(config())).unwrap();
        World {
            dir,
            a,
            ui_a,
            b,
            saved: Vec::new(),
            once: HashSet::new(),
        }
    }

    fn raw(&self) -> rusqlite::Connection {
        let conn = rusqlite::Connection::open(self.path()).unwrap();
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .unwrap();
        conn
    }

    fn apply(&mut self, me: &Caller, op: Op) {
        let (user, app) = (me.user_id.clone(), me.app_id.clone());
        match op {
            Op::Authorize(s, reply) => {
                self.ui_a.clear_answers();
                self.ui_a.push(&[match reply {
                    Reply::Allow => Answer::Allow,
                    Reply::Once => Answer::AllowOnce,
                    Reply::Deny => Answer::Deny,
                    Reply::Dismiss => Answer::Dismiss,
                }]);
                let shown = self.ui_a.dialogs();
                let result = block_on(self.a.authorize_borrowed(me, SCOPES[s]));
                if self.ui_a.dialogs() > shown {
                    match reply {
                        Reply::Once if result.ok => {
                            self.once.insert(s);
                        }
                        Reply::Dismiss => {}
                        _ => {
                            self.once.remove(&s);
                        }
                    }
                }
            }
            Op::Set(s, granted) => {
                self.b
                    .set_grant(user, app, None, SCOPES[s].into(), granted)
                    .unwrap();
                self.once.remove(&s);
            }
            Op::Revoke(s) => {
                self.b
                    .revoke_grant(user, app, None, SCOPES[s].into())
                    .unwrap();
                self.once.remove(&s);
            }
            Op::Reset => {
                self.b.reset_app(app, Some(user)).unwrap();
                self.once.clear();
            }
            Op::Restart => {
                self.a = AuthEngine::open(self.path(), self.ui_a.clone(), Some(config())).unwrap();
                self.once.clear();
            }
            Op::EndRun => {
                self.a.end_app_run(user, app).unwrap();
                self.once.clear();
            }
            Op::Save => {
                let raw = self.raw();
                let mut stmt = raw
                    .prepare("SELECT * FROM grants WHERE user_id = ?1 AND app_id = ?2")
                    .unwrap();
                let columns = stmt.column_count();
                self.saved = stmt
                    .query_map([&user, &app], |r| {
                        (0..columns)
                            .map(|i| r.get::<_, rusqlite::types::Value>(i))
                            .collect()
                    })
                    .unwrap()
                    .collect::<rusqlite::Result<_>>()
                    .unwrap();
            }
            Op::PutBack => {
                let raw = self.raw();
                for row in &self.saved {
                    let marks = vec!["?"; row.len()].join(", ");
                    raw.execute(
                        &format!("INSERT OR REPLACE INTO grants VALUES ({marks})"),
                        rusqlite::params_from_iter(row.iter()),
                    )
                    .unwrap();
                }
            }
            Op::Flip(s) => {
                let raw = self.raw();
                let row: Option<CheckedColumns> = raw
                    .query_row(
                        "SELECT expires_at, purpose, contract_version, consent_known FROM grants
                         WHERE user_id = ?1 AND app_id = ?2 AND plugin_id = '' AND scope = ?3 AND state = 2",
                        [&user, &app, SCOPES[s]],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                    )
                    .ok();
                if let Some((expires, purpose, contract, known)) = row {
                    let absent = "\u{0}absent";
                    let expires = expires.map(|t| t.to_string());
                    let check = grant_row_check([
                        &user,
                        &app,
                        "",
                        SCOPES[s],
                        "1",
                        expires.as_deref().unwrap_or(absent),
                        purpose.as_deref().unwrap_or(absent),
                        contract.as_deref().unwrap_or(absent),
                        if known != 0 { "1" } else { "0" },
                    ]);
                    raw.execute(
                        "UPDATE grants SET state = 1, row_check = ?4
                         WHERE user_id = ?1 AND app_id = ?2 AND plugin_id = '' AND scope = ?3",
                        [&user, &app, SCOPES[s], &check],
                    )
                    .unwrap();
                }
            }
            Op::Delete(s) => {
                self.raw()
                    .execute(
                        "DELETE FROM grants WHERE user_id = ?1 AND app_id = ?2 AND scope = ?3",
                        [&user, &app, SCOPES[s]],
                    )
                    .unwrap();
            }
        }
    }

    /// Checks that neither engine grants what the latest record does not.
    fn check(&self, me: &Caller) -> Result<(), TestCaseError> {
        let records = self.b.consent_records(Some(me.user_id.clone())).unwrap();
        for (s, scope) in SCOPES.iter().enumerate() {
            let latest: Option<&ConsentRecord> = records.iter().rev().find(|r| {
                r.app_id == me.app_id
                    && (r.decision == "reset" || r.scope.as_deref() == Some(*scope))
            });
            let lasting_grant = latest
                .is_some_and(|r| r.decision == "granted" && r.lifetime.as_deref() != Some("once"));
            let once_grant = latest
                .is_some_and(|r| r.decision == "granted" && r.lifetime.as_deref() == Some("once"))
                && self.once.contains(&s);
            for (who, engine, may) in [
                ("A", &self.a, lasting_grant || once_grant),
                ("B", &self.b, lasting_grant),
            ] {
                let setting = block_on(engine.get_setting_borrowed(me, false));
                let granted =
                    auth_setting(&setting.json).get(*scope) == Some(&serde_json::Value::Bool(true));
                prop_assert!(
                    !granted || may,
                    "{} grants {} but the latest record is {:?}",
                    who,
                    scope,
                    latest.map(|r| (&r.decision, &r.lifetime))
                );
            }
        }
        Ok(())
    }
}

fn cases() -> u32 {
    std::env::var("MINIAPP_AUTH_ATTACKER_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(500)
}

static SEQUENCES: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static WORLD: std::cell::RefCell<Option<World>> = const { std::cell::RefCell::new(None) };
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn nothing_is_granted_that_the_latest_record_does_not_grant(ops in prop::collection::vec(op(), 1..16)) {
        let n = SEQUENCES.fetch_add(1, Ordering::Relaxed);
        let me = Caller::new(&format!("user{n}"), &format!("wx{n}"));
        WORLD.with(|cell| {
            let mut slot = cell.borrow_mut();
            let world = slot.get_or_insert_with(World::new);
            world.saved.clear();
            world.once.clear();
            for (step, op) in ops.iter().enumerate() {
                world.apply(&me, *op);
                world.check(&me).map_err(|e| {
                    TestCaseError::fail(format!("step {step} {op:?} of {ops:?}: {e}"))
                })?;
            }
            Ok::<(), TestCaseError>(())
        })?;
    }
}
