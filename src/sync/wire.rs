//! A synced record as the transport carries it (SPEC §10): one JSON object per
//! fact, made from a consent record of the device that decided it
//! ([`SyncRecord::from_log`]) and read back on every other device
//! ([`read`]). The user is not in it: every sync call names the user, and the
//! host's backend files the records under them.
//!
//! ```json
//! {"format":1,"id":"d-5f0c…:17","device":"d-5f0c…","hlc":"1765123456789-000000",
//!  "app":"wxA","scope":"scope.record","decision":"granted","lifetime":"permanent",
//!  "purpose":"…","contractVersion":"1","source":"dialog","atMs":1765123456789}
//! ```
//!
//! A record this core cannot read as its own — a newer `format`, a field or a
//! decision it does not know — is from a newer core: [`Read::FromNewerCore`],
//! kept as it came and not applied. A record that claims this format but breaks
//! it is bad input: an error, and the batch changes nothing.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::hlc::Stamp;
use super::merge::{self, Subject, Version};
use crate::consent_record::ConsentRecord;

/// The record format this core writes and reads.
pub const FORMAT: u32 = 1;

/// The fields of a record of this format (a record with another is from a
/// newer core).
const FIELDS: [&str; 17] = [
    "format",
    "id",
    "device",
    "hlc",
    "app",
    "plugin",
    "scope",
    "decision",
    "lifetime",
    "untilMs",
    "purpose",
    "contractVersion",
    "scopes",
    "infos",
    "template",
    "source",
    "atMs",
];

/// An id as every caller's ids are checked (`caller::validate_id`).
fn valid_id(what: &str, id: &str) -> Result<(), String> {
    crate::caller::validate_id(what, id).map_err(|_| {
        format!(
            "{what} must be 1-{} bytes without control characters",
            crate::caller::MAX_ID_LEN
        )
    })
}

/// The decision words this core knows, all of which it may receive.
const KNOWN_DECISIONS: [&str; 10] = [
    "granted",
    "denied",
    "revoked",
    "agreed",
    "disagreed",
    "subscribed",
    "declined",
    "subscriptions-on",
    "subscriptions-off",
    "reset",
];

/// One synced fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyncRecord {
    /// The record format ([`FORMAT`]).
    pub format: u32,
    /// `<device>:<its consent-log seq>`: unique, the same however often sent.
    pub id: String,
    /// The device that decided.
    pub device: String,
    /// When, on the hybrid logical clock ([`Stamp`]'s text).
    pub hlc: String,
    /// The app ("" for a forget, which is about the whole user).
    pub app: String,
    /// The plugin, for a decision in a plugin's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
    /// The scope, for a scope decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// What was decided (the consent log's words).
    pub decision: String,
    /// For grants: `permanent` or `until`; for kept subscription choices:
    /// `permanent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime: Option<String>,
    /// For `until` grants: when the grant ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_ms: Option<i64>,
    /// The purpose string the user saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// The privacy-contract version in force (for an agreement: the one
    /// agreed to).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_version: Option<String>,
    /// For an agreement: the scopes it covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// For an agreement: the kinds of information it covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub infos: Option<Vec<String>>,
    /// For a subscription choice: the template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// How it was decided on its device (`dialog`, `settings`, `admin`, …).
    pub source: String,
    /// When, by its device's wall clock (ms since the Unix epoch).
    pub at_ms: i64,
}

/// What reading one record gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Read {
    /// A record this core applies.
    Known(Box<SyncRecord>),
    /// A record from a newer core (its id, and why it is not applied).
    FromNewerCore {
        /// The record's `id`.
        id: String,
        /// What this core does not know.
        reason: String,
    },
}

/// Reads one record. `Err` names what is wrong with a record that claims a
/// format this core knows but breaks it.
pub fn read(value: &Value) -> Result<Read, String> {
    let object = value.as_object().ok_or("a record must be a JSON object")?;
    let id = match object.get("id") {
        Some(Value::String(id)) if !id.is_empty() && id.len() <= 256 => id.clone(),
        _ => return Err("a record needs \"id\": a string of 1-256 bytes".into()),
    };
    let format = object
        .get("format")
        .and_then(Value::as_u64)
        .ok_or("a record needs \"format\": a positive number")?;
    if format > u64::from(FORMAT) {
        return Ok(Read::FromNewerCore {
            id,
            reason: format!("format {format} (this core reads {FORMAT})"),
        });
    }
    if format != u64::from(FORMAT) {
        return Err(format!("format {format} was never written"));
    }
    let known = FIELDS;
    if let Some(field) = object.keys().find(|k| !known.contains(&k.as_str())) {
        return Ok(Read::FromNewerCore {
            id,
            reason: format!("the field {field:?}"),
        });
    }
    if let Some(decision) = object.get("decision").and_then(Value::as_str) {
        if decision != "forgotten" && !KNOWN_DECISIONS.contains(&decision) {
            return Ok(Read::FromNewerCore {
                id,
                reason: format!("the decision {decision:?}"),
            });
        }
    }
    let record: SyncRecord =
        serde_json::from_value(value.clone()).map_err(|e| format!("record {id}: {e}"))?;
    record.check().map_err(|e| format!("record {id}: {e}"))?;
    Ok(Read::Known(Box::new(record)))
}

impl SyncRecord {
    /// The record a device sends for its own consent record `record` (which
    /// must be [`merge::synced`] and stamped), decided on `device`.
    pub fn from_log(record: &ConsentRecord, device: &str) -> Option<SyncRecord> {
        let stamp = match &record.hlc {
            Some(hlc) => Stamp::parse(hlc)?,
            None => Stamp::legacy(record.at_ms),
        };
        Some(SyncRecord {
            format: FORMAT,
            id: format!("{device}:{}", record.seq),
            device: device.to_string(),
            hlc: stamp.to_string(),
            app: record.app_id.clone(),
            plugin: record.plugin_id.clone(),
            scope: record.scope.clone(),
            decision: record.decision.clone(),
            lifetime: record.lifetime.clone(),
            until_ms: record.until_ms,
            purpose: record.purpose.clone(),
            contract_version: record.contract_version.clone(),
            scopes: record.scopes.clone(),
            infos: record.infos.clone(),
            template: record.template.clone(),
            source: record.source.clone(),
            at_ms: record.at_ms,
        })
    }

    /// The record's stamp (checked readable by [`read`]).
    pub fn stamp(&self) -> Stamp {
        Stamp::parse(&self.hlc).unwrap_or_default()
    }

    /// Its version, for the merge.
    pub fn version(&self) -> Version {
        Version {
            stamp: self.stamp(),
            restrictive: merge::restrictive(&self.decision),
            device: self.device.clone(),
        }
    }

    /// What it decides.
    pub fn subject(&self) -> Subject {
        subject_of(
            &self.decision,
            &self.app,
            self.plugin.as_deref(),
            self.scope.as_deref(),
            self.template.as_deref(),
        )
        .unwrap_or(Subject::User)
    }

    /// The origin sequence number from the id (`<device>:<seq>`).
    pub fn origin_seq(&self) -> Option<u64> {
        let (device, seq) = self.id.rsplit_once(':')?;
        (device == self.device).then_some(())?;
        seq.parse().ok()
    }

    /// The checks a record of this format must pass: the fields its decision
    /// needs, and no others that would change what it means.
    fn check(&self) -> Result<(), String> {
        if Stamp::parse(&self.hlc).is_none() {
            return Err(format!(
                "hlc {:?} is not <13 digits>-<6 digits> at or before 2255",
                self.hlc
            ));
        }
        let texts = [
            ("purpose", self.purpose.as_deref(), 4096),
            ("contractVersion", self.contract_version.as_deref(), 256),
            ("template", self.template.as_deref(), 256),
            ("source", Some(self.source.as_str()), 64),
        ];
        for (name, text, most) in texts {
            if text.is_some_and(|t| t.len() > most) {
                return Err(format!("{name} is longer than {most} bytes"));
            }
        }
        let lists = [("scopes", &self.scopes), ("infos", &self.infos)];
        for (name, list) in lists {
            if list
                .as_ref()
                .is_some_and(|l| l.len() > 256 || l.iter().any(|i| i.len() > 256))
            {
                return Err(format!(
                    "{name} holds more than 256 names or a name over 256 bytes"
                ));
            }
        }
        if self.until_ms.is_some() && self.decision != "granted" {
            return Err(format!("a {} record has no untilMs", self.decision));
        }
        let device_ok = !self.device.is_empty()
            && self.device.len() <= 64
            && self
                .device
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !device_ok {
            return Err("device must be 1-64 letters, digits or '-'".into());
        }
        if self.origin_seq().is_none() {
            return Err("id must be <device>:<sequence number>".into());
        }
        if self.decision != "forgotten" {
            valid_id("app id", &self.app)?;
        }
        if let Some(plugin) = &self.plugin {
            valid_id("plugin id", plugin)?;
        }
        let needs = |present: bool, what: &str| {
            if present {
                Ok(())
            } else {
                Err(format!("a {} record needs {what}", self.decision))
            }
        };
        match self.decision.as_str() {
            "granted" => {
                needs(self.scope.is_some(), "a scope")?;
                match (self.lifetime.as_deref(), self.until_ms) {
                    (Some("permanent"), None) => Ok(()),
                    (Some("until"), Some(_)) => Ok(()),
                    _ => Err(
                        "a granted record needs lifetime permanent, or until with untilMs".into(),
                    ),
                }
            }
            "denied" | "revoked" => needs(self.scope.is_some(), "a scope"),
            "agreed" => needs(
                self.scope.is_none() && self.contract_version.is_some(),
                "a contract version and no scope",
            ),
            "subscribed" | "declined" => needs(
                self.template.is_some() && self.lifetime.as_deref() == Some("permanent"),
                "a template and lifetime permanent (only kept choices sync)",
            ),
            _ => Ok(()),
        }
    }
}

/// What a record of `decision` decides (`None` when the word is unknown).
pub fn subject_of(
    decision: &str,
    app: &str,
    plugin: Option<&str>,
    scope: Option<&str>,
    template: Option<&str>,
) -> Option<Subject> {
    let app = app.to_string();
    Some(match decision {
        "granted" | "denied" | "revoked" | "expired" => Subject::Scope {
            app,
            plugin: plugin.unwrap_or("").to_string(),
            scope: scope?.to_string(),
        },
        "agreed" => Subject::Agreement { app },
        "disagreed" => Subject::Disagreement { app },
        "subscribed" | "declined" => Subject::Template {
            app,
            template: template?.to_string(),
        },
        "subscriptions-on" | "subscriptions-off" => Subject::MainSwitch { app },
        "reset" => Subject::App { app },
        "forgotten" => Subject::User,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn grant() -> Value {
        json!({"format": 1, "id": "d-a:3", "device": "d-a", "hlc": "1765123456789-000000",
               "app": "wxA", "scope": "scope.record", "decision": "granted",
               "lifetime": "permanent", "source": "dialog", "atMs": 1765123456789_i64})
    }

    #[test]
    fn a_record_of_this_format_reads() {
        let Ok(Read::Known(record)) = read(&grant()) else {
            panic!("{:?}", read(&grant()))
        };
        assert_eq!(record.origin_seq(), Some(3));
        assert_eq!(serde_json::to_value(&*record).unwrap(), grant());
    }

    #[test]
    fn a_newer_format_field_or_decision_is_from_a_newer_core() {
        let mut newer = grant();
        newer["format"] = json!(2);
        assert!(matches!(read(&newer), Ok(Read::FromNewerCore { .. })));
        let mut field = grant();
        field["reason"] = json!("x");
        assert!(matches!(read(&field), Ok(Read::FromNewerCore { .. })));
        let mut decision = grant();
        decision["decision"] = json!("granted-approximately");
        assert!(matches!(read(&decision), Ok(Read::FromNewerCore { .. })));
    }

    #[test]
    fn a_broken_record_of_this_format_is_an_error() {
        for (field, value) in [
            ("hlc", json!("yesterday")),
            ("id", json!("d-b:3")),
            ("lifetime", json!("once")),
            ("app", json!("")),
            ("atMs", json!("now")),
            ("hlc", json!("9999999999999-999999")),
            ("purpose", json!("x".repeat(5000))),
        ] {
            let mut broken = grant();
            broken[field] = value;
            assert!(read(&broken).is_err(), "{field}");
        }
        assert!(read(&json!([1])).is_err());
        assert!(read(&json!({"format": 1})).is_err());
    }
}
