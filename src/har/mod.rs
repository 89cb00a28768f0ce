//! Streaming HAR reader: document structure by [`scan`], entries by
//! [`entry`], in parallel.
//!
//! The reader walks `{"log": {..., "entries": [...]}}` in whatever key order
//! the producer chose, validates the small members (`version`, `creator`,
//! `pages`) as it passes them, and sends batches of raw entries to worker
//! threads that deserialize and reduce them. Results are put back in entry
//! order, so output is identical whatever the thread count. A truncated or
//! corrupt document keeps every entry read before the fault and reports the
//! fault with its byte offset.

mod blocks;
pub mod entry;
pub mod scan;

use std::io::Read;
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex};

use crate::envconfig::EnvConfig;
use crate::model::{InputError, RequestView};
use scan::{ScanError, Scanner};

/// What reading one HAR produced.
#[derive(Debug, Default)]
pub struct HarRead {
    pub requests: Vec<RequestView>,
    pub creator: Option<String>,
    pub version: Option<String>,
    /// Problems inside the file; the file is unusable when `fatal` is set.
    pub errors: Vec<InputError>,
    /// True when nothing could be read at all (not a HAR, invalid from the start).
    pub fatal: bool,
    /// True when the document ended early: entries before the fault are kept.
    pub truncated: bool,
    /// True when reading stopped at a fault (truncation, invalid JSON).
    pub failed: bool,
}

#[derive(Debug, Clone)]
pub struct HarOptions<'k> {
    pub threads: usize,
    pub keys: Option<&'k EnvConfig>,
    /// The input is wrapped in a JSONP callback (HARP); accepted and unwrapped.
    pub jsonp: bool,
}

/// Strings at least this long inside an entry are emptied before parsing.
/// Bodies are read for a message only up to 16 KiB (`entry::MAX_MESSAGE_BODY`),
/// so nothing of value is lost; a URL or header this long is not a real one.
const LONG_STRING: usize = 64 * 1024;

/// Entries per batch handed to a worker, and the byte budget of a batch.
const BATCH_ENTRIES: usize = 256;
const BATCH_BYTES: usize = 4 * 1024 * 1024;

struct Batch {
    /// Index of the first entry in the batch.
    first: u64,
    /// Absolute byte offset of each entry, for error messages.
    offsets: Vec<u64>,
    bytes: Vec<u8>,
    bounds: Vec<(usize, usize)>,
}

impl Batch {
    fn new(first: u64) -> Self {
        Batch {
            first,
            offsets: Vec::new(),
            bytes: Vec::new(),
            bounds: Vec::new(),
        }
    }
    fn len(&self) -> usize {
        self.bounds.len()
    }
}

type BatchResult = (Vec<RequestView>, Vec<InputError>);

fn parse_batch(batch: &Batch, file: &Arc<str>, keys: Option<&EnvConfig>) -> BatchResult {
    let mut requests = Vec::with_capacity(batch.len());
    let mut errors = Vec::new();
    for (i, &(a, b)) in batch.bounds.iter().enumerate() {
        let index = batch.first + i as u64;
        match serde_json::from_slice::<entry::RawEntry<'_>>(&batch.bytes[a..b]) {
            Ok(raw) => {
                let mut r = entry::reduce(raw, file, index, keys);
                if r.status != 401 {
                    r.slim();
                }
                requests.push(r);
            }
            Err(e) => errors.push(InputError {
                at: format!("entry {index} (byte {})", batch.offsets[i]),
                message: format!(
                    "entry is not a valid HAR entry object: {}",
                    without_quoted_values(&e.to_string())
                ),
            }),
        }
    }
    (requests, errors)
}

/// serde's messages quote the offending value (`invalid type: string
/// "Bearer eyJ…", expected …`), which in a HAR is often a credential: keep
/// the words, drop what is between quotes or backticks.
fn without_quoted_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        if c == '"' || c == '`' {
            out.push(c);
            out.push('…');
            let mut escaped = false;
            for d in chars.by_ref() {
                if escaped {
                    escaped = false;
                } else if d == '\\' {
                    escaped = true;
                } else if d == c {
                    break;
                }
            }
            out.push(c);
        } else {
            out.push(c);
        }
    }
    out
}

/// Read a whole HAR from `reader`.
pub fn read_har<R: Read + Send>(file: &Arc<str>, reader: R, opts: &HarOptions<'_>) -> HarRead {
    let mut out = HarRead::default();
    let threads = opts.threads.max(1);
    let results: Mutex<Vec<(u64, BatchResult)>> = Mutex::new(Vec::new());

    let mut scanner = Scanner::new(reader);
    let walk_result = if threads == 1 {
        walk_document(&mut scanner, opts.jsonp, &mut out, &mut |batch| {
            let r = parse_batch(&batch, file, opts.keys);
            push_result(&results, batch.first, r);
        })
    } else {
        // One reader (this thread) feeding `threads` parsers through a
        // bounded channel: back-pressure keeps memory at a few batches.
        let (tx, rx) = sync_channel::<Batch>(threads);
        let rx = Mutex::new(rx);
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| loop {
                    let next = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    let Ok(batch) = next else { return };
                    let r = parse_batch(&batch, file, opts.keys);
                    push_result(&results, batch.first, r);
                });
            }
            let result = walk_document(&mut scanner, opts.jsonp, &mut out, &mut |batch| {
                // A send only fails when every worker is gone, which happens
                // only if they panicked; the batch is then lost with them.
                let _ = tx.send(batch);
            });
            drop(tx);
            result
        })
    };
    if let Err(e) = walk_result {
        out.failed = true;
        out.truncated = e.message.contains("end of file");
        out.errors.push(InputError {
            at: format!("byte {}", e.offset),
            message: e.message,
        });
    }

    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by_key(|(first, _)| *first);
    for (_, (requests, errors)) in results {
        out.requests.extend(requests);
        out.errors.extend(errors);
    }
    out
}

fn push_result(results: &Mutex<Vec<(u64, BatchResult)>>, first: u64, r: BatchResult) {
    match results.lock() {
        Ok(mut g) => g.push((first, r)),
        Err(p) => p.into_inner().push((first, r)),
    }
}

/// Walk the document; entries go to `emit` in batches. Sets `out.fatal`
/// when the input is not a HAR at all.
fn walk_document<R: Read>(
    s: &mut Scanner<R>,
    jsonp: bool,
    out: &mut HarRead,
    emit: &mut dyn FnMut(Batch),
) -> Result<(), ScanError> {
    s.skip_bom()?;
    if jsonp {
        s.skip_jsonp_prefix()?;
    }
    if s.peek_non_ws()? != Some(b'{') {
        out.fatal = true;
        return Err(ScanError {
            offset: s.offset(),
            message: "not a HAR: the document is not a JSON object".into(),
        });
    }
    s.expect(b'{', "'{'")?;
    let mut saw_log = false;
    let mut saw_entries = false;
    if !s.eat(b'}')? {
        loop {
            let key = s.key()?;
            if key == "log" && !saw_log {
                saw_log = true;
                if s.peek_non_ws()? != Some(b'{') {
                    out.fatal = true;
                    return Err(ScanError {
                        offset: s.offset(),
                        message: "not a HAR: \"log\" is not an object".into(),
                    });
                }
                saw_entries = walk_log(s, out, emit)?;
            } else {
                let (a, b) = s.value()?;
                validate(s, a, b)?;
            }
            if !s.comma_or(b'}', "the top-level object")? {
                break;
            }
        }
    }
    if !saw_log {
        out.fatal = true;
        return Err(ScanError {
            offset: 0,
            message:
                "not a HAR: no top-level \"log\" object (a bare entry or another JSON document?)"
                    .into(),
        });
    }
    if !saw_entries {
        out.errors.push(InputError {
            at: "log".into(),
            message: "the HAR has no \"entries\" array; nothing to analyze".into(),
        });
    }
    if let Some(at) = s.trailing_garbage(jsonp)? {
        out.errors.push(InputError {
            at: format!("byte {at}"),
            message: "unexpected data after the end of the HAR document (ignored)".into(),
        });
    }
    Ok(())
}

/// Check that a skipped member is well-formed JSON, so a corrupt document is
/// reported even where authlens does not need the data.
fn validate<R: Read>(s: &Scanner<R>, a: usize, b: usize) -> Result<(), ScanError> {
    serde_json::from_slice::<serde::de::IgnoredAny>(s.bytes(a, b))
        .map(|_| ())
        .map_err(|e| ScanError {
            offset: s.offset_of(a),
            message: format!("invalid JSON: {e} (counting from this value's start)"),
        })
}

/// Inside `log`: returns whether an `entries` array was found.
fn walk_log<R: Read>(
    s: &mut Scanner<R>,
    out: &mut HarRead,
    emit: &mut dyn FnMut(Batch),
) -> Result<bool, ScanError> {
    s.expect(b'{', "'{'")?;
    let mut saw_entries = false;
    if s.eat(b'}')? {
        return Ok(false);
    }
    loop {
        let key = s.key()?;
        match key.as_str() {
            "entries" if !saw_entries => {
                saw_entries = true;
                match s.peek_non_ws()? {
                    Some(b'[') => walk_entries(s, emit)?,
                    Some(b'n') => {
                        s.value()?;
                    }
                    _ => {
                        out.fatal = true;
                        return Err(ScanError {
                            offset: s.offset(),
                            message: "not a HAR: \"log.entries\" is not an array".into(),
                        });
                    }
                }
            }
            "version" | "creator" => {
                let (a, b) = s.value()?;
                validate(s, a, b)?;
                let bytes = s.bytes(a, b);
                if key == "version" {
                    out.version = serde_json::from_slice::<String>(bytes).ok();
                } else if let Ok(c) = serde_json::from_slice::<serde_json::Value>(bytes) {
                    let name = c.get("name").and_then(|v| v.as_str()).unwrap_or("");
                    let version = c.get("version").and_then(|v| v.as_str()).unwrap_or("");
                    out.creator = Some(format!("{name} {version}").trim().to_string());
                }
            }
            _ => {
                let (a, b) = s.value()?;
                validate(s, a, b)?;
            }
        }
        if !s.comma_or(b'}', "the \"log\" object")? {
            break;
        }
    }
    Ok(saw_entries)
}

fn walk_entries<R: Read>(s: &mut Scanner<R>, emit: &mut dyn FnMut(Batch)) -> Result<(), ScanError> {
    s.expect(b'[', "'['")?;
    let mut index: u64 = 0;
    let mut batch = Batch::new(0);
    let result = (|| {
        if s.eat(b']')? {
            return Ok(());
        }
        loop {
            s.compact();
            if s.peek_non_ws()? != Some(b'{') {
                let offset = s.offset();
                let (a, b) = s.value()?;
                let _ = (a, b);
                return Err(ScanError {
                    offset,
                    message: format!("entry {index} is not a JSON object"),
                });
            }
            let (a, b, long) = s.object_with_long_strings(LONG_STRING)?;
            let start = batch.bytes.len();
            // Big strings (response bodies, base64 images) become "": nothing
            // reads a body that large, and serde need not walk it again.
            let mut from = 0;
            let entry = s.bytes(a, b);
            for (ls, le) in long {
                batch.bytes.extend_from_slice(&entry[from..ls]);
                from = le;
            }
            batch.bytes.extend_from_slice(&entry[from..]);
            batch.bounds.push((start, batch.bytes.len()));
            batch.offsets.push(s.offset_of(a));
            index += 1;
            if batch.len() >= BATCH_ENTRIES || batch.bytes.len() >= BATCH_BYTES {
                let full = std::mem::replace(&mut batch, Batch::new(index));
                emit(full);
            }
            if !s.comma_or(b']', "\"log.entries\"")? {
                return Ok(());
            }
        }
    })();
    // Entries read before a fault are kept.
    if batch.len() > 0 {
        emit(batch);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_errors_do_not_quote_the_offending_value() {
        let doc = br#"{"log": {"entries": [{"request": "Bearer sekret\"quoted\"-token", "response": {"status": 401}}]}}"#;
        let file: Arc<str> = Arc::from("x.har");
        let opts = HarOptions {
            threads: 1,
            keys: None,
            jsonp: false,
        };
        let read = read_har(&file, &doc[..], &opts);
        let text = format!("{:?}", read.errors);
        assert!(text.contains("invalid type: string"), "{text}");
        assert!(
            !text.contains("sekret") && !text.contains("token"),
            "{text}"
        );
    }
}
