//! Writers: every output file is rendered from the same [`Analysis`] and
//! [`Summary`]; none recomputes. Cell and text escaping that keeps input
//! strings from changing an output's meaning lives in [`escape`].

pub mod csv;
pub mod curl;
pub mod escape;
pub mod explain;
pub mod html;
pub mod json;
pub mod markdown;
pub mod prom;
pub mod table;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::aggregate::Summary;
use crate::analysis::Analysis;

/// Write `bytes` to `path` atomically: a temp file in the same directory,
/// then a rename, so a reader (a dashboard, the textfile collector) never
/// sees half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp: PathBuf = dir.join(format!(".{name}.tmp{}", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all().ok();
    }
    std::fs::rename(&tmp, path)
}

/// Everything `analyze -o DIR` writes.
pub fn write_all(
    dir: &Path,
    analysis: &Analysis,
    summary: &Summary,
    meta: &json::RunMeta,
) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let files = [
        ("failures.csv", csv::failures(analysis)?),
        ("causes.csv", csv::causes(summary)?),
        ("endpoints.csv", csv::endpoints(summary)?),
        ("trend.csv", csv::trend(summary)?),
        ("summary.json", json::summary(analysis, summary, meta)?),
        (
            "report.md",
            markdown::render(analysis, summary, meta).into_bytes(),
        ),
        (
            "report.html",
            html::render(analysis, summary, meta).into_bytes(),
        ),
    ];
    let mut written = Vec::new();
    for (name, bytes) in files {
        let p = dir.join(name);
        write_atomic(&p, &bytes)?;
        written.push(p);
    }
    Ok(written)
}
