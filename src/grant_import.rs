//! Bulk import of an existing host's grants (a super-app moving its own
//! permission store onto this core): every entry is checked before anything is
//! written, a decision this database already holds is kept (it is newer than
//! the host's old store), and each imported decision is stored like an
//! administration decision but with the source `import`, so its consent record
//! says it was imported rather than asked.

use std::collections::HashSet;

use crate::admin_records::DecisionSource;
use crate::decisions::Decision;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::policy::Lifetime;

/// One decision from the host's old store.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportedGrant {
    /// The user.
    pub user_id: String,
    /// The app.
    pub app_id: String,
    /// The plugin, for a grant in a plugin's namespace.
    pub plugin_id: Option<String>,
    /// The scope (a known, grantable scope).
    pub scope: String,
    /// Granted (`true`) or denied.
    pub granted: bool,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ImportReport {
    /// Decisions stored, each with an `import` consent record.
    pub imported: u64,
    /// Entries skipped because this database already held a decision for them.
    pub kept_existing: u64,
}

impl Engine {
    /// Imports `grants` (see the module docs). Bad input — an invalid id, an
    /// unknown or ungrantable scope, the same scope twice — is an error before
    /// anything is written.
    pub fn import_grants(&self, grants: &[ImportedGrant]) -> Result<ImportReport> {
        let mut seen = HashSet::new();
        for (i, grant) in grants.iter().enumerate() {
            let entry = |e: Error| Error::InvalidArgument(format!("import entry {i}: {e}"));
            Self::admin_namespace(&grant.user_id, &grant.app_id, grant.plugin_id.as_deref())
                .map_err(entry)?;
            self.decidable_scope(&grant.scope).map_err(entry)?;
            let key = (
                &grant.user_id,
                &grant.app_id,
                &grant.plugin_id,
                &grant.scope,
            );
            if !seen.insert(key) {
                return Err(Error::InvalidArgument(format!(
                    "import entry {i}: {} is listed twice for this user and app",
                    grant.scope
                )));
            }
        }
        let mut report = ImportReport {
            imported: 0,
            kept_existing: 0,
        };
        for grant in grants {
            let ns =
                Self::admin_namespace(&grant.user_id, &grant.app_id, grant.plugin_id.as_deref())?;
            let decision = match grant.granted {
                true => Decision::Grant(Lifetime::Permanent),
                false => Decision::Deny,
            };
            let manifest = self.registry.snapshot(&grant.app_id).manifest;
            // "Already decided?" is asked in the transaction that writes: a
            // decision committed while the import runs is never overwritten.
            let stored = self.decisions().store_if_undecided(
                &ns,
                (&grant.scope, decision),
                DecisionSource::Import,
                &manifest,
            )?;
            match stored {
                true => report.imported += 1,
                false => report.kept_existing += 1,
            }
        }
        Ok(report)
    }
}
