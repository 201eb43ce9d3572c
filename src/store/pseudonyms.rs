//! How the consent log names users (SPEC §9): by a keyed pseudonym, never by
//! their id.
//!
//! Each user gets a random secret (`user_keys`, made the first time a record
//! about them is written); their pseudonym is the first 128 bits of
//! `SHA-256("miniapp-auth/pseudonym/1" ‖ secret ‖ user id)`. The chain hashes
//! the pseudonym, so forgetting a user — deleting their secret — leaves every
//! record, and the chain, exactly as they were, while nothing left in the file
//! ties a record to the person (crypto-shredding). A user who comes back after
//! being forgotten gets a new secret, so a new pseudonym.

use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use super::door::Passage;
use crate::error::Result;

/// What stands for "every user" in records about everyone (an app reset for all
/// its users); it is not pseudonymised.
pub const EVERYONE: &str = "";

/// The pseudonym of `user_id` under `secret`.
pub fn derive(secret: &str, user_id: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"miniapp-auth/pseudonym/1\n");
    hasher.update(secret.as_bytes());
    hasher.update(b"\n");
    hasher.update(user_id.as_bytes());
    let digest = hasher.finalize();
    let mut out = String::with_capacity(34);
    out.push_str("p-");
    for b in &digest[..16] {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The user's pseudonym, if they have a secret (`None`: no record about them
/// since they were last forgotten, if ever).
pub fn of(conn: &Connection, user_id: &str) -> Result<Option<String>> {
    if user_id == EVERYONE {
        return Ok(Some(EVERYONE.to_string()));
    }
    let secret: Option<String> = conn
        .prepare_cached("SELECT secret FROM user_keys WHERE user_id = ?1")?
        .query_row(params![user_id], |r| r.get(0))
        .optional()?;
    Ok(secret.map(|secret| derive(&secret, user_id)))
}

/// The user's pseudonym, giving them a new secret (from SQLite's
/// cryptographically seeded generator) if they have none. Inside the caller's
/// write transaction.
pub fn of_or_new(passage: &Passage<'_>, user_id: &str) -> Result<String> {
    if let Some(pseudonym) = of(passage, user_id)? {
        return Ok(pseudonym);
    }
    passage.new_user_key(user_id)?;
    Ok(of(passage, user_id)?.unwrap_or_default())
}

/// Destroys the user's secret: their records stay, and verify, but no longer
/// name anyone.
pub fn forget(passage: &Passage<'_>, user_id: &str) -> Result<()> {
    passage.delete_user_key(user_id)
}

/// Every user with a secret, by pseudonym: to name the users of exported records.
pub fn users_by_pseudonym(conn: &Connection) -> Result<std::collections::HashMap<String, String>> {
    let mut stmt = conn.prepare_cached("SELECT user_id, secret FROM user_keys")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = std::collections::HashMap::new();
    for row in rows {
        let (user_id, secret) = row?;
        out.insert(derive(&secret, &user_id), user_id);
    }
    Ok(out)
}
