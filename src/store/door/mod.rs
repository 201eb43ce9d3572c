//! The one door (SPEC §8, issue #20): every change to what is granted — grants,
//! dismissal counts, privacy agreements, kept subscription choices and the main
//! switch, user keys and the consent log — is made in a [`Passage`], and only
//! [`Store::through_door`] opens one: one IMMEDIATE transaction that first
//! checks, against the file as it is now, that the change still applies
//! ([`StillTrue`]), then runs the writer, and commits durably
//! (`synchronous=FULL`) before the caller hears anything.
//!
//! Every statement that changes those tables lives in `statements.rs` as a
//! method of [`Passage`], so a writer cannot write without being inside the
//! door's transaction, and `tests/writers.rs` fails when a statement that
//! changes them appears anywhere else in the crate. A guarantee checked here
//! holds for every writer: dialogs of every kind, the settings page,
//! administration, imports, expiry and maintenance.
//!
//! One write is not synced on its own: a user's pseudonym key, made when their
//! first dialog opens (`Store::through_door_unsynced`); the decision's durable
//! commit that follows carries it, so a first decision costs one fsync.

mod statements;
mod undecided;

pub(super) use statements::{app_rows, APP_TABLES};
pub(crate) use undecided::DecisionKey;

use std::sync::MutexGuard;
use std::time::Instant;

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::consent_log::{self, LogPoint};
use super::{Inner, Store};
use crate::error::{Error, Result};
use crate::metrics::{self, MetricEvent, MetricName};

/// What must still hold when a change is written, checked inside the
/// transaction that writes it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum StillTrue<'a> {
    /// A dialog's answer: since the dialog opened (`since`), (user, app) was
    /// neither reset nor forgotten, in any process. Otherwise nothing is
    /// written: [`Error::DecisionOutlived`].
    NotUndoneSince {
        /// The user.
        user_id: &'a str,
        /// The app.
        app_id: &'a str,
        /// Where the log stood for the user when the dialog opened.
        since: &'a LogPoint,
    },
    /// An import: this database never decided the key — nothing stored as
    /// the engine reads it, and no record about it under the user's
    /// pseudonym now (`undecided.rs`). Otherwise nothing is written:
    /// [`Error::AlreadyDecided`].
    Undecided(DecisionKey<'a>),
}

impl<'a> StillTrue<'a> {
    /// [`StillTrue::NotUndoneSince`] for a dialog's answer (`since`: where it
    /// opened); nothing for a change no dialog asked for.
    pub fn dialog_current(
        user_id: &'a str,
        app_id: &'a str,
        since: Option<&'a LogPoint>,
    ) -> Option<StillTrue<'a>> {
        since.map(|since| StillTrue::NotUndoneSince {
            user_id,
            app_id,
            since,
        })
    }

    fn check(&self, conn: &Connection) -> Result<()> {
        match *self {
            StillTrue::NotUndoneSince {
                user_id,
                app_id,
                since,
            } => {
                if consent_log::undone_since(conn, user_id, app_id, since)? {
                    return Err(Error::DecisionOutlived);
                }
            }
            StillTrue::Undecided(key) => {
                if key.decided_in(conn)? {
                    return Err(Error::AlreadyDecided(key.to_string()));
                }
            }
        }
        Ok(())
    }
}

/// The door's open transaction. Reads go through it as through a connection
/// (`Deref`); writes to the guarded tables are its methods (`statements.rs`),
/// and nothing else in the crate can make one.
pub(crate) struct Passage<'t> {
    tx: &'t Transaction<'t>,
}

impl std::ops::Deref for Passage<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.tx
    }
}

/// What the door leaves the writer: the connection still held, so the cache
/// can be brought in line with what was written — if it may: `current` is
/// false when another connection committed between this commit and now (the
/// cache was dropped then, and what the write computed is already old).
pub(crate) struct Written<'s> {
    /// The connection, still locked.
    pub inner: MutexGuard<'s, Inner>,
    /// Whether what the write computed is still the file's state.
    pub current: bool,
}

impl Store {
    /// Runs `write` through the door: one IMMEDIATE transaction in which every
    /// `still_true` is checked first, then `write` runs, then the transaction
    /// commits durably (`synchronous=FULL`, made sure of first).
    pub(super) fn through_door<T>(
        &self,
        still_true: &[StillTrue<'_>],
        write: impl FnOnce(&Passage<'_>) -> Result<T>,
    ) -> Result<(Written<'_>, T)> {
        #[cfg(feature = "test-hooks")]
        crate::test_hooks::maybe_run_before_door(self.path.as_deref());
        let mut inner = self.lock()?;
        let (out, current) = self.pass(&mut inner, still_true, write, Sync::Full)?;
        Ok((Written { inner, current }, out))
    }

    /// Runs `write` through the door in a transaction that is not synced on
    /// its own (`synchronous=NORMAL`: no fsync at commit in WAL mode): for
    /// what no one has heard about yet and the next durable commit carries
    /// (frames reach the disk in order) — a user's pseudonym made when their
    /// first dialog opens. Lost only with the device's power, with the dialog.
    /// Every durable commit sets `FULL` again first, whatever happened here.
    pub(super) fn through_door_unsynced<T>(
        &self,
        write: impl FnOnce(&Passage<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut inner = self.lock()?;
        self.pass(&mut inner, &[], write, Sync::Normal)
            .map(|(out, _)| out)
    }

    /// The door itself, the connection held: the safety level `sync` needs,
    /// the write lock, the files still ours, the checks, the write, the commit
    /// (and its metric: every change to what is granted is committed here).
    fn pass<T>(
        &self,
        inner: &mut Inner,
        still_true: &[StillTrue<'_>],
        write: impl FnOnce(&Passage<'_>) -> Result<T>,
        sync: Sync,
    ) -> Result<(T, bool)> {
        let full = sync == Sync::Full;
        if inner.synced != full {
            // Marked unsynced before the change, so a failure leaves it to be
            // set again by the next durable commit.
            inner.synced = false;
            let level = if full { "FULL" } else { "NORMAL" };
            inner.conn.pragma_update(None, "synchronous", level)?;
            inner.synced = full;
        }
        let asked = Instant::now();
        let tx = inner
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // The wait for the write lock can be long: the files may have been
        // replaced meanwhile, and nothing may be acknowledged into them then.
        self.check_files()?;
        for check in still_true {
            check.check(&tx)?;
        }
        let out = write(&Passage { tx: &tx })?;
        #[cfg(feature = "test-hooks")]
        crate::test_hooks::maybe_crash_before_commit();
        tx.commit()?;
        let took = asked.elapsed();
        metrics::record(|| MetricEvent::of(MetricName::Commit).took(took));
        let current = self.look_again_after_own_commit(inner);
        // Rung once the store has looked again: a waiter it wakes (the grant
        // watch) finds the WAL index as this commit left it, and need not take
        // the connection to learn that no one else committed.
        self.commits.ring();
        Ok((out, current))
    }
}

/// How a passage's commit reaches the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sync {
    /// Synced at commit: what anyone hears about.
    Full,
    /// Carried by the next synced commit.
    Normal,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synchronous(conn: &Connection) -> i64 {
        conn.pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap()
    }

    /// An unsynced passage commits at `NORMAL` (1), and every durable one after
    /// it at `FULL` (2) again: an acknowledged decision is never committed
    /// unsynced.
    #[test]
    fn every_durable_passage_commits_at_full_whatever_came_before() {
        let store = Store::open_in_memory().unwrap();
        let durable = |store: &Store| {
            store
                .through_door(&[], |passage| Ok(synchronous(passage)))
                .map(|(_, level)| level)
                .unwrap()
        };
        let unsynced =
            |store: &Store| store.through_door_unsynced(|passage| Ok(synchronous(passage)));
        assert_eq!(durable(&store), 2);
        assert_eq!(unsynced(&store).unwrap(), 1);
        assert_eq!(durable(&store), 2);
        assert_eq!(unsynced(&store).unwrap(), 1);
        assert_eq!(unsynced(&store).unwrap(), 1);
        assert_eq!(durable(&store), 2);
    }
}
