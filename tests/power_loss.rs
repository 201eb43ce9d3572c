//! Power loss (issue #5). With `journal_mode=WAL` and `synchronous=FULL` every
//! decision is a transaction whose log frames are fsynced before the mini app
//! hears "ok"; what a power cut can leave is the log cut short, or with a torn,
//! garbage tail. This test takes the real log after a run of decisions and opens
//! every such prefix (and prefix + garbage): no prefix yields a grant the user
//! never gave, and the decisions present only ever grow with the prefix.

mod common;

use common::*;
use miniapp_auth::{AuthEngine, GrantState};

const USERS: usize = 24;

fn decision(u: usize) -> Answer {
    [
        Answer::Allow,
        Answer::Deny,
        Answer::AllowOnce,
        Answer::Dismiss,
    ][u % 4]
}

/// Opens the database made of `main` and `wal` and returns the granted users.
fn granted_users(main: &[u8], wal: &[u8]) -> Vec<usize> {
    let db = TempDb::new();
    std::fs::write(db.path(), main).unwrap();
    std::fs::write(format!("{}-wal", db.path()), wal).unwrap();
    let engine = AuthEngine::open(db.path(), ScriptedUi::new(&[]), None).unwrap();
    (0..USERS)
        .filter(|u| {
            engine
                .list_grants(format!("user{u}"), None)
                .unwrap()
                .iter()
                .any(|g| g.state == GrantState::Granted)
        })
        .collect()
}

#[test]
fn no_prefix_of_the_log_grants_what_the_user_did_not() {
    let db = TempDb::new();
    let answers: Vec<Answer> = (0..USERS).map(decision).collect();
    let engine = db.open(ScriptedUi::new(&answers));
    for u in 0..USERS {
        block_on(engine.authorize(caller(&format!("user{u}"), "wxA"), "scope.record".into()));
    }
    // The files as they are on disk now, the engine still running (no checkpoint).
    let main = std::fs::read(db.path()).unwrap();
    let wal = std::fs::read(format!("{}-wal", db.path())).unwrap();
    drop(engine);
    assert!(wal.len() > 32, "the decisions are in the write-ahead log");
    let allowed: Vec<usize> = (0..USERS)
        .filter(|u| decision(*u) == Answer::Allow)
        .collect();

    let mut rng = Rng::seeded("power_loss", 0x0dd_ba11);
    let mut cuts: Vec<usize> = (0..=wal.len()).step_by((wal.len() / 150).max(1)).collect();
    cuts.push(wal.len());
    cuts.extend((0..50).map(|_| rng.below(wal.len() as u64 + 1) as usize));
    cuts.sort_unstable();
    let mut previous = 0;
    let mut opened = 0;
    for cut in &cuts {
        let granted = granted_users(&main, &wal[..*cut]);
        for u in &granted {
            assert!(
                allowed.contains(u),
                "cut at {cut}: user{u} granted without an allow"
            );
        }
        assert!(
            granted.len() >= previous,
            "cut at {cut}: fewer decisions than a shorter log"
        );
        previous = granted.len();
        // The same cut with a torn, garbage tail.
        let mut torn = wal[..*cut].to_vec();
        torn.extend((0..512).map(|_| rng.next() as u8));
        for u in granted_users(&main, &torn) {
            assert!(
                allowed.contains(&u),
                "torn at {cut}: user{u} granted without an allow"
            );
        }
        opened += 2;
    }
    assert_eq!(previous, allowed.len(), "the whole log holds every grant");
    eprintln!("{opened} cut or torn logs opened: never a grant without an allow");
}
