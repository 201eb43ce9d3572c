//! A small command-line parser: `--name value` options and `--flag` switches,
//! each allowed once, with unknown options refused.

use std::collections::HashMap;

/// Parsed options of one subcommand.
pub struct Args {
    values: HashMap<String, String>,
}

impl Args {
    /// Parses `argv` allowing the options in `with_value` (each takes a value).
    pub fn parse(argv: &[String], with_value: &[&str]) -> Result<Args, String> {
        let mut values = HashMap::new();
        let mut i = 0;
        while i < argv.len() {
            let arg = &argv[i];
            let Some(name) = arg.strip_prefix("--") else {
                return Err(format!("unexpected argument {arg:?}"));
            };
            if !with_value.contains(&name) {
                return Err(format!("unknown option --{name}"));
            }
            let Some(value) = argv.get(i + 1) else {
                return Err(format!("--{name} needs a value"));
            };
            if values.insert(name.to_string(), value.clone()).is_some() {
                return Err(format!("--{name} given twice"));
            }
            i += 2;
        }
        Ok(Args { values })
    }

    /// The value of `--name`, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The value of `--name`, or an error saying it is required.
    pub fn require(&self, name: &str) -> Result<&str, String> {
        self.get(name)
            .ok_or_else(|| format!("--{name} is required"))
    }
}

/// The options that set an `EngineConfig` (bridge and demo).
pub const CONFIG_OPTIONS: &[&str] = &[
    "dialog-timeout-ms",
    "deny-policy",
    "max-denials",
    "max-dismissals",
    "dismissal-cooldown-ms",
    "auto-revoke-unused-days",
    "reconsent-on-change",
    "privacy-refusal-gap-ms",
    "combined-privacy-dialog",
];

fn number<T: std::str::FromStr>(args: &Args, name: &str) -> Result<Option<T>, String> {
    args.get(name)
        .map(|v| {
            v.parse()
                .map_err(|_| format!("--{name} must be a non-negative whole number, not {v:?}"))
        })
        .transpose()
}

/// The engine configuration the options ask for (defaults for the rest).
pub fn engine_config(args: &Args) -> Result<miniapp_auth::EngineConfig, String> {
    let mut config = miniapp_auth::EngineConfig::default();
    if let Some(ms) = number(args, "dialog-timeout-ms")? {
        config.dialog_timeout_ms = ms;
    }
    match args.get("deny-policy") {
        None | Some("sticky") => {}
        Some("soft") => config.soft_deny = true,
        Some(other) => {
            return Err(format!(
                "--deny-policy must be sticky or soft, not {other:?}"
            ))
        }
    }
    if let Some(n) = number(args, "max-denials")? {
        config.max_denials = n;
    }
    if let Some(n) = number(args, "max-dismissals")? {
        config.max_dismissals = n;
    }
    if let Some(ms) = number(args, "dismissal-cooldown-ms")? {
        config.dismissal_cooldown_ms = ms;
    }
    if let Some(days) = number(args, "auto-revoke-unused-days")? {
        config.auto_revoke_unused_days = days;
    }
    match args.get("reconsent-on-change") {
        None | Some("false") => {}
        Some("true") => config.reconsent_on_change = true,
        Some(other) => {
            return Err(format!(
                "--reconsent-on-change must be true or false, not {other:?}"
            ))
        }
    }
    if let Some(ms) = number(args, "privacy-refusal-gap-ms")? {
        config.privacy_refusal_gap_ms = ms;
    }
    match args.get("combined-privacy-dialog") {
        None | Some("false") => {}
        Some("true") => config.combined_privacy_dialog = true,
        Some(other) => {
            return Err(format!(
                "--combined-privacy-dialog must be true or false, not {other:?}"
            ))
        }
    }
    Ok(config)
}
