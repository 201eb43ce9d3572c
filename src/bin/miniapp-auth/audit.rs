//! `miniapp-auth audit ...`: export a user's consent records as JSON consent
//! receipts, and verify the consent log's hash chain.

use miniapp_auth::AuthEngine;
use serde_json::json;

use crate::args::Args;
use crate::receipts::receipt_text;

/// Runs one `audit` subcommand. `verify` exits non-zero (via `Err`) when the log
/// is broken, naming the first broken record, or when a stored grant or
/// agreement has no consent record behind it, naming each such row.
pub fn run(argv: &[String]) -> Result<(), String> {
    let (command, rest) = argv
        .split_first()
        .ok_or("audit needs a subcommand: export or verify")?;
    let args = Args::parse(rest, &["db", "user"])?;
    let db = args.require("db")?;
    // Reading only: never created, migrated or quarantined.
    let engine = AuthEngine::open_read_only(db.to_string(), None).map_err(|e| e.to_string())?;
    match command.as_str() {
        "export" => {
            print!("{}", receipt_text(&engine, args.get("user"))?);
            Ok(())
        }
        "verify" => {
            let report = engine.verify_consent_log().map_err(|e| e.to_string())?;
            println!(
                "{}",
                json!({
                    "intact": report.intact,
                    "records": report.records,
                    "firstBrokenSeq": report.first_broken_seq,
                    "problem": report.problem,
                    "unmatchedRows": report.unmatched_rows,
                })
            );
            let mut problems = Vec::new();
            if let Some(seq) = report.first_broken_seq {
                problems.push(format!(
                    "the consent log is broken at record {seq}: {}",
                    report.problem.unwrap_or_default()
                ));
            }
            for row in &report.unmatched_rows {
                problems.push(format!("not backed by the consent log: {row}"));
            }
            if problems.is_empty() {
                Ok(())
            } else {
                Err(problems.join("\n"))
            }
        }
        other => Err(format!("unknown audit subcommand {other:?}")),
    }
}
