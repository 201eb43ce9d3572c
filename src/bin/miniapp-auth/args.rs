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
