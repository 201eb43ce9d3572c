//! The consent-receipt document: `audit export`'s output and the inspector's
//! `export/receipts.json`, built in one place so the two never differ.

use miniapp_auth::AuthEngine;
use serde_json::{json, Value};

/// The format name exported receipts carry.
pub const RECEIPT_VERSION: &str = "miniapp-auth/consent-receipt/1";

/// The consent records (of `user`, or of everyone) as a receipt document:
/// the format name, the user asked for, the log head and every record.
pub fn receipt_document(engine: &AuthEngine, user: Option<&str>) -> Result<Value, String> {
    let records = engine
        .consent_records(user.map(str::to_string))
        .map_err(|e| e.to_string())?;
    let head = engine.consent_log_head().map_err(|e| e.to_string())?;
    Ok(json!({
        "version": RECEIPT_VERSION,
        "user": user,
        "logHead": {"seq": head.seq, "hash": head.hash},
        "receipts": records,
    }))
}

/// The document as `audit export` prints it (pretty JSON and a newline).
pub fn receipt_text(engine: &AuthEngine, user: Option<&str>) -> Result<String, String> {
    let document = receipt_document(engine, user)?;
    let text = serde_json::to_string_pretty(&document).map_err(|e| e.to_string())?;
    Ok(text + "\n")
}
