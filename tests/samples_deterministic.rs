//! The committed `samples/` must be exactly what `examples/gen_samples.rs`
//! produces: this catches both a non-deterministic generator and a stale
//! `samples/` after the generator changed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn files(root: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(path.strip_prefix(root).expect("prefix").to_path_buf());
            }
        }
    }
    out
}

#[test]
fn generator_reproduces_committed_samples() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let status = Command::new(env!("CARGO"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--quiet", "--example", "gen-samples", "--"])
        .arg(tmp.path())
        .status()
        .expect("run generator");
    assert!(status.success(), "generator failed");

    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut want = files(&committed);
    // Hand-written, not generated: the example for `--rules` (added with
    // the message catalog).
    want.remove(Path::new("rules.example.toml"));
    let got = files(tmp.path());
    assert_eq!(
        want, got,
        "file lists differ; regenerate with `cargo run --example gen-samples -- samples`"
    );
    for rel in &want {
        let a = std::fs::read(committed.join(rel)).expect("read committed");
        let b = std::fs::read(tmp.path().join(rel)).expect("read generated");
        assert!(
            a == b,
            "samples/{} is stale or the generator is not deterministic; \
             regenerate with `cargo run --example gen-samples -- samples`",
            rel.display()
        );
    }
}
