//! Several processes meeting one damaged file at once (SPEC §8): every one of
//! them starts, and the damaged bytes are kept — never overwritten by another
//! process's quarantine, never lost.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use common::bridge::BIN;

const PROCESSES: usize = 4;
const ROUNDS: usize = 40;

/// Bytes that are no SQLite database (and long enough to look like a file).
fn damaged(round: usize) -> Vec<u8> {
    (0..8192)
        .map(|i| ((i * 31 + round * 7) % 251) as u8)
        .collect()
}

#[test]
fn processes_opening_one_damaged_file_at_once_all_start_and_keep_every_damaged_byte() {
    let dir = tempfile::tempdir().unwrap();
    let mut failed_starts = Vec::new();
    for round in 0..ROUNDS {
        let path = dir.path().join(format!("g{round}.db"));
        let bytes = damaged(round);
        std::fs::write(&path, &bytes).unwrap();
        let children: Vec<_> = (0..PROCESSES)
            .map(|_| {
                Command::new(BIN)
                    .args(["bridge", "--db", path.to_str().unwrap()])
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut child in children {
            let mut stdin = child.stdin.take().unwrap();
            let _ = writeln!(
                stdin,
                r#"{{"id":1,"user":"u1","app":"wxA","api":"getSetting"}}"#
            );
            drop(stdin);
            let mut answer = String::new();
            BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut answer)
                .unwrap();
            let status = child.wait().unwrap();
            if !answer.contains("getSetting:ok") || !status.success() {
                let mut err = String::new();
                let _ = std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err);
                failed_starts.push(format!("round {round}: {answer:?} {status} {err}"));
            }
        }
        let kept: Vec<Vec<u8>> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                name.starts_with(&format!("g{round}.db.corrupt-"))
                    && !name.ends_with("-wal")
                    && !name.ends_with("-shm")
            })
            .map(|p| std::fs::read(p).unwrap())
            .collect();
        assert!(
            !kept.is_empty(),
            "round {round}: the damaged file was kept nowhere"
        );
        for copy in &kept {
            assert_eq!(
                copy, &bytes,
                "round {round}: a kept copy lost damaged bytes"
            );
        }
    }
    assert!(failed_starts.is_empty(), "{failed_starts:#?}");
}
