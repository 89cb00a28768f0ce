//! Shared helpers for the integration tests: run the real binary in a
//! temporary directory and read what it wrote.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_authlens")
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/realworld` beside the repo (CI clones it there too).
pub fn realworld() -> Option<PathBuf> {
    let p = repo().join("../shared/realworld");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipping: {} not found", p.display());
        None
    }
}

pub fn capture(name: &str) -> Option<PathBuf> {
    realworld().map(|r| r.join("captures").join(name))
}

pub struct Run {
    pub out: Output,
    pub dir: tempfile::TempDir,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.out.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    pub fn outdir(&self) -> PathBuf {
        self.dir.path().join("out")
    }
    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.outdir().join(name)).unwrap_or_default()
    }
    pub fn summary(&self) -> serde_json::Value {
        serde_json::from_str(&self.read("summary.json")).unwrap_or(serde_json::Value::Null)
    }
    /// failures.csv as maps column → value.
    pub fn failures(&self) -> Vec<std::collections::HashMap<String, String>> {
        let text = self.read("failures.csv");
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        let headers = rdr.headers().cloned().unwrap_or_default();
        rdr.records()
            .filter_map(Result::ok)
            .map(|r| {
                headers
                    .iter()
                    .map(String::from)
                    .zip(r.iter().map(String::from))
                    .collect()
            })
            .collect()
    }
}

/// `authlens analyze ARGS... -o TMP/out`.
pub fn analyze<P: AsRef<Path>>(inputs: &[P], extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cmd = Command::new(bin());
    cmd.arg("analyze");
    for i in inputs {
        cmd.arg(i.as_ref());
    }
    cmd.arg("-o").arg(dir.path().join("out")).args(extra);
    let out = cmd.output().expect("run authlens");
    Run { out, dir }
}

/// Write a file into a fresh temp dir and return both.
pub fn temp_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).expect("write");
    (dir, p)
}

/// Every file under `dir`, concatenated as lossy UTF-8.
pub fn all_output(dir: &Path) -> String {
    let mut s = String::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                s.push_str(&all_output(&p));
            } else if let Ok(b) = std::fs::read(&p) {
                s.push_str(&String::from_utf8_lossy(&b));
            }
        }
    }
    s
}
