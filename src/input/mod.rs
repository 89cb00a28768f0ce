//! Inputs: walking paths, opening files, decompressing, and telling a HAR
//! from a log by content.
//!
//! Directories are walked recursively in sorted order (so output does not
//! depend on the file system's order), symlink loops are detected, `-` is
//! stdin, and gzip/zstd are recognised by their magic bytes rather than the
//! file name. A file that cannot be opened is reported, never fatal.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::logs::{self, LogFormat};

/// One input to analyze.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// The path as the user will recognise it (`-` for stdin).
    pub label: Arc<str>,
    pub path: Option<PathBuf>,
    /// Size on disk (compressed size for .gz/.zst); 0 for stdin.
    pub bytes: u64,
    /// Named on the command line (rather than found by walking a
    /// directory): an unrecognised explicit file is an error, an
    /// unrecognised walked file (a README beside the logs) is skipped.
    pub explicit: bool,
}

/// A path that could not be turned into inputs (missing, unreadable, loop).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathProblem {
    pub path: String,
    pub message: String,
    /// Nothing was lost (a symlink back to a directory already walked):
    /// a warning, not an unreadable input.
    pub harmless: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// What a file's first bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Har,
    /// A HAR wrapped in a JSONP callback (`onInputData({...})`, HARP).
    JsonpHar,
    Log(Option<LogFormat>),
    /// JSON that is not a HAR and not JSON lines.
    OtherJson,
    /// One HAR entry object without the `{"log": {"entries": [...]}}` wrapper.
    BareEntry,
    Binary,
    Empty,
}

/// Expand the user's paths into files, walking directories recursively.
pub fn expand(paths: &[PathBuf]) -> (Vec<InputFile>, Vec<PathProblem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            files.push(InputFile {
                label: Arc::from("-"),
                path: None,
                bytes: 0,
                explicit: true,
            });
            continue;
        }
        let mut visited = HashSet::new();
        walk(path, &mut visited, &mut files, &mut problems, 0);
    }
    (files, problems)
}

/// Directory depth beyond which walking stops (a guard against pathological trees).
const MAX_DEPTH: usize = 64;

fn walk(
    path: &Path,
    visited: &mut HashSet<PathBuf>,
    files: &mut Vec<InputFile>,
    problems: &mut Vec<PathProblem>,
    depth: usize,
) {
    let label = path.display().to_string();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            let message = match e.kind() {
                io::ErrorKind::NotFound => "no such file or directory".to_string(),
                io::ErrorKind::PermissionDenied => "permission denied".to_string(),
                _ if e.raw_os_error() == Some(40) => "symlink loop".to_string(),
                _ => e.to_string(),
            };
            problems.push(PathProblem {
                path: label,
                message,
                harmless: false,
            });
            return;
        }
    };
    if meta.is_dir() {
        if depth > MAX_DEPTH {
            problems.push(PathProblem {
                path: label,
                message: format!("directory nesting deeper than {MAX_DEPTH}; not walked"),
                harmless: false,
            });
            return;
        }
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if !visited.insert(canonical) {
            problems.push(PathProblem {
                path: label,
                message: "directory already visited (symlink loop); skipped".to_string(),
                harmless: depth > 0,
            });
            return;
        }
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => {
                problems.push(PathProblem {
                    path: label,
                    message: format!("cannot list directory: {e}"),
                    harmless: false,
                });
                return;
            }
        };
        entries.sort();
        for entry in entries {
            // Hidden files (.DS_Store, .git) are never inputs.
            let hidden = entry
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if !hidden {
                walk(&entry, visited, files, problems, depth + 1);
            }
        }
    } else if meta.is_file() || meta.file_type().is_fifo_like() {
        files.push(InputFile {
            label: Arc::from(label.as_str()),
            path: Some(path.to_path_buf()),
            bytes: meta.len(),
            explicit: depth == 0,
        });
    } else if depth == 0 {
        files.push(InputFile {
            label: Arc::from(label.as_str()),
            path: Some(path.to_path_buf()),
            bytes: 0,
            explicit: true,
        });
    }
}

trait FifoLike {
    fn is_fifo_like(&self) -> bool;
}

impl FifoLike for std::fs::FileType {
    #[cfg(unix)]
    fn is_fifo_like(&self) -> bool {
        use std::os::unix::fs::FileTypeExt;
        self.is_fifo() || self.is_char_device()
    }
    #[cfg(not(unix))]
    fn is_fifo_like(&self) -> bool {
        false
    }
}

/// How many bytes are read up front to sniff a file.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// The buffer in front of an opened input. It is smaller than any read the
/// HAR scanner or the line reader asks for, so their reads pass it by and
/// the kernel (or the decompressor) writes straight into their own buffer,
/// which is warm in the cache. A 1 MiB buffer here sent every byte through
/// a second buffer that the cache had already lost: a 1 GB HAR spent
/// 0.7 s in the kernel's copy instead of 0.25 s.
const OPENED_BUFFER_BYTES: usize = 64 * 1024;
const _: () = assert!(
    OPENED_BUFFER_BYTES <= crate::har::scan::CHUNK
        && OPENED_BUFFER_BYTES <= crate::logs::lines::BLOCK / 2
);

/// An opened, decompressed input: its sniffed head is replayed before the rest.
pub struct Opened {
    pub reader: Box<dyn BufRead + Send>,
    pub compression: Compression,
    pub sniffed: Sniffed,
}

/// Counts bytes read from disk into a progress bar (compressed bytes for
/// .gz/.zst, so the bar's total is the files' sizes).
struct Counted<R> {
    inner: R,
    bar: indicatif::ProgressBar,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

/// A bytes/s + ETA bar on stderr, only for long work on a terminal: never
/// in CI, in pipes or for small inputs.
pub fn progress_bar(total_bytes: u64) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    const WORTH_A_BAR: u64 = 256 * 1024 * 1024;
    if total_bytes < WORTH_A_BAR || !io::stderr().is_terminal() || std::env::var_os("CI").is_some()
    {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total_bytes);
    let style = indicatif::ProgressStyle::with_template(
        "{spinner} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta} {wide_bar}",
    )
    .ok()?;
    bar.set_style(style);
    Some(bar)
}

/// Open an input, decompress it by magic bytes, and sniff what it is.
pub fn open(input: &InputFile, progress: Option<&indicatif::ProgressBar>) -> io::Result<Opened> {
    let raw: Box<dyn Read + Send> = match &input.path {
        None => Box::new(io::stdin()),
        Some(p) => Box::new(File::open(p)?),
    };
    let raw: Box<dyn Read + Send> = match progress {
        Some(bar) => Box::new(Counted {
            inner: raw,
            bar: bar.clone(),
        }),
        None => raw,
    };
    let mut raw = BufReader::with_capacity(256 * 1024, raw);
    let magic = {
        let buf = raw.fill_buf()?;
        buf.get(..4).map(|m| [m[0], m[1], m[2], m[3]])
    };
    let (decoded, compression): (Box<dyn Read + Send>, Compression) = match magic {
        Some([0x1f, 0x8b, _, _]) => (
            Box::new(flate2::read::MultiGzDecoder::new(raw)),
            Compression::Gzip,
        ),
        Some([0x28, 0xb5, 0x2f, 0xfd]) => (
            Box::new(zstd::stream::read::Decoder::with_buffer(raw)?),
            Compression::Zstd,
        ),
        // Plain bytes leave the buffer that found the magic: the line
        // reader asks for less than it holds, so every byte of a log under
        // the parallel-read size went through it once more (a tenth of a
        // 50 MB log's instructions).
        _ => {
            let buffered = raw.buffer().to_vec();
            let rest = raw.into_inner();
            (
                Box::new(Cursor::new(buffered).chain(rest)),
                Compression::None,
            )
        }
    };
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let mut decoded = decoded;
    let rest: Box<dyn Read + Send> = match (&mut decoded)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
    {
        Ok(_) => decoded,
        // A small truncated or corrupt .gz/.zst fails inside the first
        // 64 KiB: what decompressed before the fault is still read, and the
        // fault is reported where the reader reaches it (with its offset).
        Err(e) if !head.is_empty() => Box::new(FailAfter(Some(e))),
        Err(e) => return Err(describe(e, compression)),
    };
    let sniffed = sniff(&head);
    let reader = Box::new(BufReader::with_capacity(
        OPENED_BUFFER_BYTES,
        Cursor::new(head).chain(DescribeErrors(rest, compression)),
    ));
    Ok(Opened {
        reader,
        compression,
        sniffed,
    })
}

/// A reader that fails with a stored error (once; then reports end of input).
struct FailAfter(Option<io::Error>);

impl Read for FailAfter {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

/// Name the decompressor in read errors ("gzip data: corrupt deflate stream").
struct DescribeErrors<R>(R, Compression);

impl<R: Read> Read for DescribeErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| describe(e, self.1))
    }
}

fn describe(e: io::Error, compression: Compression) -> io::Error {
    let what = match compression {
        Compression::None => return e,
        Compression::Gzip => "gzip data",
        Compression::Zstd => "zstd data",
    };
    io::Error::new(e.kind(), format!("{what}: {e}"))
}

fn skip_bom_and_ws(head: &[u8]) -> &[u8] {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    &head[start..]
}

/// Decide from the first bytes whether this is a HAR, a log, or neither.
pub fn sniff(head: &[u8]) -> Sniffed {
    if head.is_empty() || skip_bom_and_ws(head).is_empty() {
        return Sniffed::Empty;
    }
    // UTF-16 (with BOM) is not something any producer writes for HAR or
    // logs; reported as binary with the reason given by the caller.
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return Sniffed::Binary;
    }
    let body = skip_bom_and_ws(head);
    if body[0] == b'{' {
        if top_level_key_is_log(body) {
            return Sniffed::Har;
        }
        if looks_like_bare_entry(body) {
            return Sniffed::BareEntry;
        }
        // A one-line JSON object followed by more lines is JSON lines.
        if let Some(format) = logs::detect(head) {
            return Sniffed::Log(Some(format));
        }
        let first_line_end = memchr::memchr(b'\n', body).unwrap_or(body.len());
        // One JSON object and nothing after it is a document, not JSON lines.
        let only_line =
            body[first_line_end..].iter().all(u8::is_ascii_whitespace) && head.len() < SNIFF_BYTES;
        if !only_line
            && serde_json::from_slice::<serde::de::IgnoredAny>(&body[..first_line_end]).is_ok()
        {
            return Sniffed::Log(None);
        }
        if memchr::memmem::find(body, b"\"entries\"").is_some() {
            return Sniffed::Har;
        }
        return Sniffed::OtherJson;
    }
    if body[0] == b'[' {
        // `[2026-11-20T10:00:06Z] "GET …"` (Envoy) and `[Wed Oct 11 …]`
        // (Apache error) lines start like a JSON array.
        if let Some(format) = logs::detect(head) {
            return Sniffed::Log(Some(format));
        }
        return Sniffed::OtherJson;
    }
    if let Some(paren) = memchr::memchr(b'(', &body[..body.len().min(256)]) {
        let name = &body[..paren];
        if !name.is_empty()
            && name
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'.'))
            && top_level_key_is_log(skip_bom_and_ws(&body[paren + 1..]))
        {
            return Sniffed::JsonpHar;
        }
    }
    let sample = &head[..head.len().min(4096)];
    let binary = sample
        .iter()
        .filter(|&&b| b == 0 || (b < 0x09) || (0x0e..0x20).contains(&b) && b != 0x1b)
        .count();
    if binary * 20 > sample.len() {
        return Sniffed::Binary;
    }
    Sniffed::Log(logs::detect(head))
}

/// A top-level object whose own keys are a HAR entry's (`request`,
/// `response`, `startedDateTime`), read from the first object only.
fn looks_like_bare_entry(body: &[u8]) -> bool {
    let end = memchr::memchr(b'\n', body).unwrap_or(body.len());
    let first = &body[..end];
    match serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(first) {
        Ok(map) => map.contains_key("request") && map.contains_key("response"),
        Err(_) => {
            let window = &body[..body.len().min(4096)];
            memchr::memmem::find(window, b"\"startedDateTime\"").is_some()
                && memchr::memmem::find(window, b"\"request\"").is_some()
                && memchr::memmem::find(window, b"\"entries\"").is_none()
        }
    }
}

/// `{ "log" :` — allowing whitespace — at the start of a JSON document.
fn top_level_key_is_log(body: &[u8]) -> bool {
    let rest = skip_bom_and_ws(body);
    let Some(rest) = rest.strip_prefix(b"{") else {
        return false;
    };
    let rest = skip_bom_and_ws(rest);
    rest.starts_with(b"\"log\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_har_variants() {
        assert_eq!(sniff(b"{\n  \"log\": {\"version\": \"1.2\""), Sniffed::Har);
        assert_eq!(sniff(b"\xEF\xBB\xBF{\"log\":{}}"), Sniffed::Har);
        // Fiddler 2 writes entries before version, still under "log".
        assert_eq!(sniff(b"{\"log\":{\"entries\":["), Sniffed::Har);
        assert_eq!(sniff(b"onInputData({\n \"log\":{"), Sniffed::JsonpHar);
        assert_eq!(sniff(b""), Sniffed::Empty);
        assert_eq!(sniff(b"  \n "), Sniffed::Empty);
        assert_eq!(sniff(b"\xFF\xFE{\0\"\0"), Sniffed::Binary);
    }

    #[test]
    fn sniffs_non_har_json() {
        assert_eq!(sniff(b"[1,2,3]"), Sniffed::OtherJson);
        // bad_inputs::json_that_is_not_a_har: one JSON object alone is a
        // document, not a one-line JSON log.
        assert_eq!(
            sniff(b"{\"hello\":\"world\",\"n\":[1,2,3]}\n"),
            Sniffed::OtherJson
        );
        assert!(matches!(
            sniff(b"{\"level\":30,\"msg\":\"x\"}\n{\"level\":30}\n"),
            Sniffed::Log(_)
        ));
    }

    /// bad_inputs::gzip_truncated_keeps_what_decompressed: a small truncated .gz failed inside the
    /// 64 KiB sniff read and lost everything that had decompressed.
    #[test]
    fn truncated_gzip_keeps_what_decompressed() {
        use std::io::Write;
        let text: String = (0..2000).map(|i| format!("line {i}\n")).collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.log.gz");
        std::fs::write(&path, &gz[..gz.len() / 2]).unwrap();
        let input = InputFile {
            label: Arc::from("t.log.gz"),
            path: Some(path),
            bytes: 0,
            explicit: true,
        };
        let mut opened = open(&input, None).unwrap();
        assert_eq!(opened.compression, Compression::Gzip);
        let mut out = Vec::new();
        let e = opened.reader.read_to_end(&mut out).unwrap_err();
        assert!(e.to_string().starts_with("gzip data: "), "{e}");
        assert!(out.starts_with(b"line 0\nline 1\n"));
    }
}
