//! `miniapp-auth`: the desktop face of the core. An interactive demo host, a
//! JSON-lines bridge over stdin/stdout, and grant administration on a database
//! file, and the grant inspector (a local web page over a database file) — all
//! over the same engine and SQLite format the mobile hosts use.

mod args;
mod audit;
mod bridge_server;
mod demo;
mod grants;
#[cfg(feature = "inspector")]
mod inspect;
mod protocol;
mod receipts;

use std::process::ExitCode;

const USAGE: &str = "\
miniapp-auth — WeChat-exact mini-app authorization core

USAGE:
  miniapp-auth demo [--db PATH] [--answers LIST] [POLICY]
      A simulated host running a sample mini app; you answer its dialogs.
      --answers answers them unattended, in order, comma-separated:
      allow|once|deny|dismiss for consent (+agree ticks a combined dialog's
      privacy checkbox), agree|disagree for privacy,
      keep or scope=on|off[+scope=on|off...] for the settings page.
  miniapp-auth bridge --db PATH [POLICY] [--clock-start-ms MS]
      JSON-lines host over stdin/stdout (docs/cli.md: \"The bridge protocol\").
      --clock-start-ms runs it on a manual clock moved by {\"op\":\"advanceClock\"}.
  POLICY (bridge, demo and inspect; defaults in parentheses):
      --dialog-timeout-ms N (600000)   --deny-policy sticky|soft (sticky)
      --max-denials N (2)              --max-dismissals N (0 = off)
      --dismissal-cooldown-ms N (604800000)  --auto-revoke-unused-days N (0 = off)
      --reconsent-on-change true|false (false)  --privacy-refusal-gap-ms N (10000)
      --combined-privacy-dialog true|false (false: the privacy popup, then the
        consent dialog; true: the contract as a checkbox on the consent dialog)
  miniapp-auth grants list    --db PATH [--user U] [--app A]
  miniapp-auth grants set     --db PATH --user U --app A --scope S --state granted|denied [--plugin P]
  miniapp-auth grants revoke  --db PATH --user U --app A --scope S [--plugin P]
  miniapp-auth grants reset   --db PATH --app A [--user U]
  miniapp-auth grants export  --db PATH --user U
  miniapp-auth audit export   --db PATH [--user U]
      The consent records (of one user) as JSON consent receipts.
  miniapp-auth audit verify   --db PATH
      Exits 0 when the consent log is intact and backs every stored grant and
      agreement; 2 naming the first broken record and every row no record backs.
  miniapp-auth inspect --db PATH [--port N] [--allow-writes]
                       [--manifest APP=FILE.json ...] [POLICY]
      The grant inspector: a web page on 127.0.0.1 (port N, 0 = any free one)
      showing every decision, each user's consent log, each app's manifest
      against what was asked, why a call would be answered as it would, and
      exports. Prints its URL (with a random token) as the first line and
      serves until killed. Reads the file only, unless --allow-writes (then
      its forms change grants, recorded with source admin). --manifest gives an
      app's manifest (the bridge's register JSON) so that \"why\" answers as a
      host with it would; POLICY as the bridge's.
";

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let result = match argv.first().map(String::as_str) {
        Some("demo") => demo::run(&argv[1..]),
        Some("bridge") => bridge_server::run(&argv[1..]),
        Some("grants") => grants::run(&argv[1..]),
        Some("audit") => audit::run(&argv[1..]),
        #[cfg(feature = "inspector")]
        Some("inspect") => inspect::run(&argv[1..]),
        #[cfg(not(feature = "inspector"))]
        Some("inspect") => Err("this build has no inspector (Cargo feature `inspector`)".into()),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("expected a command\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("miniapp-auth: {message}");
            ExitCode::from(2)
        }
    }
}
