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
use crate::analysis::{Analysis, Finding, FindingSink};

/// Write `bytes` to `path` atomically: a temp file in the same directory,
/// then a rename, so a reader (a dashboard, the textfile collector) never
/// sees half a file. Not forced to disk (no fsync): outputs are made again
/// by running again, and an fsync after failures.csv's tens of MB made a
/// run wait for the disk (50-100 ms at the end of a 1 GB log run).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = temp_path(path);
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
    }
    std::fs::rename(&tmp, path)
}

/// The temporary name `path` is written under before its rename.
fn temp_path(path: &Path) -> PathBuf {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    dir.join(format!(".{name}.tmp{}", std::process::id()))
}

/// failures.csv written row by row while the run goes on, into a temporary
/// file renamed into place by [`FailuresFile::commit`]: readers never see
/// half a file, and the rows never all sit in memory. Rows are rendered on
/// the worker threads ([`FindingSink::preparer`]) and only written here.
pub struct FailuresFile {
    path: PathBuf,
    tmp: PathBuf,
    out: io::BufWriter<std::fs::File>,
    /// The first write error; later rows are dropped and `commit` reports it.
    error: Option<io::Error>,
}

impl FailuresFile {
    /// Start `DIR/failures.csv` (creating DIR) with its header row.
    pub fn create(dir: &Path) -> io::Result<FailuresFile> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join("failures.csv");
        let tmp = temp_path(&path);
        let mut out = io::BufWriter::with_capacity(256 * 1024, std::fs::File::create(&tmp)?);
        out.write_all(&csv::failures_header())?;
        Ok(FailuresFile {
            path,
            tmp,
            out,
            error: None,
        })
    }

    /// Flush and move the file into place.
    pub fn commit(mut self) -> io::Result<PathBuf> {
        let finished = match self.error.take() {
            Some(e) => Err(e),
            None => self.out.flush(),
        };
        match finished {
            Ok(()) => {
                std::fs::rename(&self.tmp, &self.path)?;
                Ok(self.path)
            }
            Err(e) => {
                std::fs::remove_file(&self.tmp).ok();
                Err(e)
            }
        }
    }
}

impl FindingSink for FailuresFile {
    fn preparer(&self) -> fn(&Finding, &mut Vec<u8>) {
        csv::failure_row_onto
    }

    fn accept(&mut self, _finding: &Finding, row: &[u8]) {
        if self.error.is_none() {
            if let Err(e) = self.out.write_all(row) {
                self.error = Some(e);
            }
        }
    }
}

/// Everything `analyze -o DIR` writes once the run is over (failures.csv
/// is written while it runs, by [`FailuresFile`]).
pub fn write_all(
    dir: &Path,
    analysis: &Analysis,
    summary: &Summary,
    meta: &json::RunMeta,
) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let files = [
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
