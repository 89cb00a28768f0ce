//! Streaming HAR reader: document structure by [`scan`], entries by
//! [`entry`], in parallel.
//!
//! The reader walks `{"log": {..., "entries": [...]}}` in whatever key order
//! the producer chose, validates the small members (`version`, `creator`,
//! `pages`) as it passes them, and sends batches of raw entries to worker
//! threads that deserialize and reduce them (the reader parses a batch
//! itself when they are all busy). Results are put back in entry
//! order, so output is identical whatever the thread count. A truncated or
//! corrupt document keeps every entry read before the fault and reports the
//! fault with its byte offset.

mod blocks;
mod dedent;
pub mod entry;
pub mod scan;

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::mpsc::{sync_channel, TrySendError};
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
    /// Header values cut to `max_header_bytes`.
    pub headers_cut: u64,
    /// Reading stopped at `max_entry_bytes`.
    pub entry_too_big: bool,
}

#[derive(Debug, Clone)]
pub struct HarOptions<'k> {
    pub threads: usize,
    pub keys: Option<&'k EnvConfig>,
    /// The input is wrapped in a JSONP callback (HARP); accepted and unwrapped.
    pub jsonp: bool,
    /// Resource caps (`--max-entry-bytes`, `--max-header-bytes`).
    pub limits: HarLimits,
}

/// Caps that keep one hostile HAR from taking unbounded memory or time.
#[derive(Debug, Clone, Copy)]
pub struct HarLimits {
    /// One entry (or other JSON value) held in memory at most.
    pub max_entry_bytes: usize,
    /// Header values longer than this are cut to it before being read.
    pub max_header_bytes: usize,
}

impl Default for HarLimits {
    fn default() -> Self {
        HarLimits {
            max_entry_bytes: scan::DEFAULT_MAX_VALUE_BYTES,
            max_header_bytes: entry::DEFAULT_MAX_HEADER_BYTES,
        }
    }
}

/// Strings at least this long inside an entry are emptied before parsing.
/// Bodies are read for a message only up to 16 KiB (`entry::MAX_MESSAGE_BODY`),
/// so nothing of value is lost; a URL or header this long is not a real one.
const LONG_STRING: usize = 64 * 1024;

/// What is kept of such a string: the header cap (64 KiB by default) still
/// sees a value longer than itself and says so.
const LONG_STRING_KEPT: usize = LONG_STRING + 1;

/// A body (`"text"` value) longer than this is never read for a message
/// (`entry::MAX_MESSAGE_BODY`, raw JSON escapes counted twice): it is cut
/// too, so serde does not walk the tens of kilobytes of every 200's body.
const BODY_TEXT: usize = 2 * entry::MAX_MESSAGE_BODY;

/// What is kept of a cut body: still longer than any body that is read.
const BODY_TEXT_KEPT: usize = BODY_TEXT + 1;

/// Bodies of entries that are not 4xx are never read at all: their
/// `"text"` values longer than this are emptied.
const UNREAD_TEXT: usize = 512;

/// Does this entry's response body matter (a 4xx, or a status that cannot
/// be told without parsing)? Looks for `"status": N` outside the strings
/// in `long` (the bodies), where a DevTools `response.status` sits; a
/// `"status"` inside a body is escaped (`\"status\"`) and does not match.
fn body_may_matter(entry: &[u8], long: &[(usize, usize)]) -> bool {
    // Built once: a searcher per entry was half a percent of a HAR run.
    static FINDER: std::sync::OnceLock<memchr::memmem::Finder<'static>> =
        std::sync::OnceLock::new();
    let finder = FINDER.get_or_init(|| memchr::memmem::Finder::new(b"\"status\""));
    let mut seen = None;
    let mut from = 0;
    let end = [(entry.len(), entry.len())];
    for &(ls, le) in long.iter().chain(&end) {
        let part = &entry[from..ls];
        from = le;
        for at in finder.find_iter(part) {
            let rest = part[at + finder.needle().len()..].trim_ascii_start();
            let Some(rest) = rest.strip_prefix(b":") else {
                continue;
            };
            let rest = rest.trim_ascii_start();
            let digits = &rest[..rest.iter().take_while(|c| c.is_ascii_digit()).count()];
            let status = std::str::from_utf8(digits)
                .ok()
                .and_then(|d| d.parse::<u32>().ok());
            match (status, seen) {
                (None, _) => return true,
                (Some(s), Some(prev)) if s != prev => return true,
                (Some(s), _) => seen = Some(s),
            }
        }
    }
    seen.is_none_or(|s| (400..500).contains(&s))
}

/// Is the string whose content starts at `at` the value of a `"text"` key?
fn is_text_value(entry: &[u8], at: usize) -> bool {
    let before = entry[..at.saturating_sub(1)].trim_ascii_end();
    before
        .strip_suffix(b":")
        .is_some_and(|b| b.trim_ascii_end().ends_with(b"\"text\""))
}

/// The length of a prefix of raw JSON string content, at most `max`, that
/// does not end inside an escape sequence or a UTF-8 character.
fn safe_prefix(content: &[u8], max: usize) -> usize {
    if content.len() <= max {
        return content.len();
    }
    let mut k = max;
    // An escape is at most 6 bytes (`\uXXXX`): cut before the last
    // backslash run that starts within the final 6 bytes.
    if let Some(j) = content[k.saturating_sub(6)..k]
        .iter()
        .rposition(|&b| b == b'\\')
    {
        k = k.saturating_sub(6) + j;
        while k > 0 && content[k - 1] == b'\\' {
            k -= 1;
        }
    }
    while k > 0 && content[k] & 0xC0 == 0x80 {
        k -= 1;
    }
    k
}

/// Entries per batch handed to a worker, and the byte budget of a batch.
const BATCH_ENTRIES: usize = 256;
const BATCH_BYTES: usize = 4 * 1024 * 1024;

struct Batch {
    /// Place of the batch in the document: 0, 1, 2, … as the reader cut them.
    seq: u64,
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
            seq: 0,
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

/// A batch buffer emptied for the next batch, with room for a full one
/// (one outsized entry's buffer is dropped instead of kept).
fn recycle(mut bytes: Vec<u8>) -> Vec<u8> {
    const ROOM: usize = BATCH_BYTES + BATCH_BYTES / 4;
    if bytes.capacity() > 2 * ROOM {
        bytes = Vec::new();
    }
    bytes.clear();
    bytes.reserve(ROOM);
    bytes
}

/// Records, per-entry errors, and how many header values were cut.
type BatchResult = (Vec<RequestView>, Vec<InputError>, u64);

fn parse_batch(
    batch: &Batch,
    file: &Arc<str>,
    keys: Option<&EnvConfig>,
    max_header_bytes: usize,
) -> BatchResult {
    let mut requests = Vec::with_capacity(batch.len());
    let mut errors = Vec::new();
    let mut cut = 0u64;
    // Entries are dedented here, not by the reader: the reader is the one
    // thread every entry goes through, so its copy is a plain one.
    let mut dedented = Vec::new();
    for (i, &(a, b)) in batch.bounds.iter().enumerate() {
        let index = batch.first + i as u64;
        dedented.clear();
        dedent::push_dedented(&mut dedented, &batch.bytes[a..b]);
        let bytes = &dedented[..];
        // Checked for UTF-8 with SIMD, the entry is read as text, which
        // serde does not check again string by string (that check was 5 %
        // of a HAR's instructions).
        let mut parsed = match simdutf8::basic::from_utf8(bytes) {
            Ok(entry) => serde_json::from_str::<entry::RawEntry<'_>>(entry),
            Err(_) => serde_json::from_slice::<entry::RawEntry<'_>>(bytes),
        };
        // Invalid UTF-8 inside a string (a body saved with the wrong
        // charset) costs the bad bytes, not the entry: read it lossily.
        let lossy;
        if parsed.is_err() && std::str::from_utf8(bytes).is_err() {
            lossy = String::from_utf8_lossy(bytes);
            parsed = serde_json::from_str::<entry::RawEntry<'_>>(&lossy);
            if parsed.is_ok() {
                errors.push(InputError {
                    at: format!("entry {index} (byte {})", batch.offsets[i]),
                    message: "invalid UTF-8 inside the entry; read lossily".into(),
                });
            }
        }
        match parsed {
            Ok(mut raw) => {
                cut += entry::cap_header_values(&mut raw, max_header_bytes);
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
                    hide_quoted(&entry_error(&e))
                ),
            }),
        }
    }
    (requests, errors, cut)
}

/// serde's message for an entry. Past its first line the entry was read
/// without indentation (`dedent`), so the column would be off: only
/// the line is given there.
fn entry_error(e: &serde_json::Error) -> String {
    let message = e.to_string();
    if e.line() <= 1 {
        return message;
    }
    let position = format!(" column {}", e.column());
    match message.strip_suffix(&position) {
        Some(line_only) => line_only.to_string(),
        None => message,
    }
}

/// serde quotes the offending value (`invalid type: string "Bearer …"`),
/// which can be a secret: keep the message, drop what is between quotes.
fn hide_quoted(message: &str) -> String {
    message
        .split('"')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { "\"…\"" } else { part })
        .collect()
}

/// Read a whole HAR from `reader`.
pub fn read_har<R: Read + Send>(file: &Arc<str>, reader: R, opts: &HarOptions<'_>) -> HarRead {
    let mut out = HarRead::default();
    let threads = opts.threads.max(1);
    let results = Mutex::new(InOrder::default());
    let mut next_seq = 0;
    let mut number = |mut batch: Batch| {
        batch.seq = next_seq;
        next_seq += 1;
        batch
    };

    let mut scanner = Scanner::new(reader).with_max_value(opts.limits.max_entry_bytes);
    let max_header = opts.limits.max_header_bytes;
    let parse = |batch: &Batch| {
        let r = parse_batch(batch, file, opts.keys, max_header);
        push_result(&results, batch.seq, r);
    };
    // One reader (this thread) feeding `threads - 1` parsers through a
    // bounded channel; when the channel is full the reader parses the batch
    // itself (with one thread, always: the channel holds none). `threads`
    // parsers beside the reader were one thread more than the cores asked
    // for, and left a fifth of them idle. Two batches may wait per parser:
    // with one, the reader stopped to parse when a parser was about to be
    // free. Back-pressure keeps memory at a few batches. Batch buffers go
    // back to the reader through `spare`: a fresh 4 MB buffer per batch cost
    // a page fault per page and a copy per doubling.
    let parsers = threads - 1;
    let (tx, rx) = sync_channel::<Batch>(2 * parsers);
    let rx = Mutex::new(rx);
    let spare: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
    let walk_result = std::thread::scope(|scope| {
        for _ in 0..parsers {
            scope.spawn(|| loop {
                let next = match rx.lock() {
                    Ok(guard) => guard.recv(),
                    Err(_) => return,
                };
                let Ok(batch) = next else { return };
                parse(&batch);
                if let Ok(mut spare) = spare.lock() {
                    if spare.len() <= threads {
                        spare.push(recycle(batch.bytes));
                    }
                }
            });
        }
        let result = walk_document(&mut scanner, opts.jsonp, &mut out, &mut |batch| {
            // (The channel is disconnected only when every parser panicked:
            // the reader then parses what is left.)
            match tx.try_send(number(batch)) {
                Ok(()) => spare
                    .lock()
                    .ok()
                    .and_then(|mut s| s.pop())
                    .unwrap_or_else(|| recycle(Vec::new())),
                Err(TrySendError::Full(batch) | TrySendError::Disconnected(batch)) => {
                    parse(&batch);
                    recycle(batch.bytes)
                }
            }
        });
        drop(tx);
        result
    });
    // A read fault (corrupt or truncated compression) is the real reason the
    // document ended: it replaces the "unexpected end of file" it caused.
    let walk_result = match (scanner.take_read_error(), walk_result) {
        (Some(read), Err(_)) | (Some(read), Ok(())) => Err(read),
        (None, result) => result,
    };
    if let Err(e) = walk_result {
        out.failed = true;
        out.truncated = e.message.contains("end of file") || e.message.contains("truncated file");
        out.entry_too_big = e.message.contains("--max-entry-bytes");
        out.errors.push(InputError {
            at: format!("byte {}", e.offset),
            message: e.message,
        });
    }

    let results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    let (requests, errors, cut) = results.finish();
    out.requests = requests;
    out.errors.extend(errors);
    out.headers_cut += cut;
    out
}

fn push_result(results: &Mutex<InOrder>, seq: u64, r: BatchResult) {
    match results.lock() {
        Ok(mut g) => g.add(seq, r),
        Err(p) => p.into_inner().add(seq, r),
    }
}

/// Batch results put back in document order as they come in: a batch's
/// records join the file's list as soon as every batch before it has, and
/// its own small vector is freed while the read goes on. Appending them
/// all at the end held every record twice for a moment, 35 MB more peak
/// memory on a 4 GB HAR.
#[derive(Default)]
struct InOrder {
    next: u64,
    waiting: BTreeMap<u64, BatchResult>,
    requests: Vec<RequestView>,
    errors: Vec<InputError>,
    cut: u64,
}

impl InOrder {
    fn add(&mut self, seq: u64, result: BatchResult) {
        self.waiting.insert(seq, result);
        while let Some(result) = self.waiting.remove(&self.next) {
            self.next += 1;
            self.append(result);
        }
    }

    fn append(&mut self, (requests, errors, cut): BatchResult) {
        self.requests.extend(requests);
        self.errors.extend(errors);
        self.cut += cut;
    }

    /// A batch lost with a panicked worker leaves a gap; the batches after
    /// it are still kept, in order.
    fn finish(mut self) -> BatchResult {
        for result in std::mem::take(&mut self.waiting).into_values() {
            self.append(result);
        }
        (self.requests, self.errors, self.cut)
    }
}

/// Walk the document; entries go to `emit` in batches. Sets `out.fatal`
/// when the input is not a HAR at all.
fn walk_document<R: Read>(
    s: &mut Scanner<R>,
    jsonp: bool,
    out: &mut HarRead,
    emit: &mut dyn FnMut(Batch) -> Vec<u8>,
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
            s.compact();
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
    emit: &mut dyn FnMut(Batch) -> Vec<u8>,
) -> Result<bool, ScanError> {
    s.expect(b'{', "'{'")?;
    let mut saw_entries = false;
    if s.eat(b'}')? {
        return Ok(false);
    }
    loop {
        s.compact();
        let key = s.key()?;
        match key.as_str() {
            "entries" if !saw_entries => {
                saw_entries = true;
                match s.peek_non_ws()? {
                    Some(b'[') => walk_entries(s, &mut out.errors, emit)?,
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

fn walk_entries<R: Read>(
    s: &mut Scanner<R>,
    errors: &mut Vec<InputError>,
    emit: &mut dyn FnMut(Batch) -> Vec<u8>,
) -> Result<(), ScanError> {
    s.expect(b'[', "'['")?;
    let mut index: u64 = 0;
    let mut batch = Batch::new(0);
    batch.bytes = recycle(batch.bytes);
    let result = (|| {
        if s.eat(b']')? {
            return Ok(());
        }
        loop {
            s.compact();
            if s.peek_non_ws()? != Some(b'{') {
                // A null or a scalar among the entries (a broken exporter)
                // costs that entry, not the file.
                let offset = s.offset();
                let (a, b) = s.value()?;
                let what = match s.bytes(a, b).first() {
                    Some(b'n') => "null",
                    Some(b'[') => "an array",
                    Some(b'"') => "a string",
                    _ => "a number or a boolean",
                };
                validate(s, a, b)?;
                errors.push(InputError {
                    at: format!("entry {index} (byte {offset})"),
                    message: format!("entry is {what}, not a HAR entry object; skipped"),
                });
                index += 1;
                // Entry numbers in a batch are contiguous: start a new one.
                if batch.len() > 0 {
                    let full = std::mem::replace(&mut batch, Batch::new(index));
                    batch.bytes = emit(full);
                } else {
                    batch.first = index;
                }
                if !s.comma_or(b']', "\"log.entries\"")? {
                    return Ok(());
                }
                continue;
            }
            let (a, b, long) = s.object_with_long_strings(UNREAD_TEXT)?;
            let start = batch.bytes.len();
            // Big strings (response bodies, base64 images) are cut to their
            // first bytes: nothing reads a body that large (or any body of
            // a response that is not a 4xx), and serde need not walk it
            // again; a giant header keeps a prefix to inspect.
            let mut from = 0;
            let entry = s.bytes(a, b);
            let read_body = body_may_matter(entry, &long);
            for (ls, le) in long {
                let kept = if is_text_value(entry, ls) {
                    match (read_body, le - ls > BODY_TEXT) {
                        (false, _) => 0,
                        (true, true) => BODY_TEXT_KEPT,
                        (true, false) => continue,
                    }
                } else if le - ls >= LONG_STRING {
                    LONG_STRING_KEPT
                } else {
                    continue;
                };
                let keep = safe_prefix(&entry[ls..le], kept);
                batch.bytes.extend_from_slice(&entry[from..ls + keep]);
                from = le;
            }
            batch.bytes.extend_from_slice(&entry[from..]);
            batch.bounds.push((start, batch.bytes.len()));
            batch.offsets.push(s.offset_of(a));
            index += 1;
            if batch.len() >= BATCH_ENTRIES || batch.bytes.len() >= BATCH_BYTES {
                let full = std::mem::replace(&mut batch, Batch::new(index));
                batch.bytes = emit(full);
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

    /// Batch results tagged by entry number, in `order` of arrival.
    fn collect_in(order: &[u64]) -> Vec<u64> {
        let mut in_order = InOrder::default();
        for &seq in order {
            let request = RequestView::for_test("GET", "https://a.test/x", 200);
            let error = InputError {
                at: format!("entry {seq}"),
                message: String::new(),
            };
            in_order.add(seq, (vec![request; 2], vec![error], 1));
        }
        let (requests, errors, cut) = in_order.finish();
        assert_eq!(requests.len(), order.len() * 2);
        assert_eq!(cut, order.len() as u64);
        errors
            .iter()
            .map(|e| e.at["entry ".len()..].parse().unwrap_or(u64::MAX))
            .collect()
    }

    #[test]
    fn batch_results_are_kept_in_document_order_whatever_their_arrival() {
        assert_eq!(collect_in(&[0, 1, 2, 3]), [0, 1, 2, 3]);
        assert_eq!(collect_in(&[3, 1, 0, 2]), [0, 1, 2, 3]);
        assert_eq!(collect_in(&[1, 2, 0]), [0, 1, 2]);
        // A batch lost with a worker: the later ones stay, in order.
        assert_eq!(collect_in(&[4, 0, 2, 3]), [0, 2, 3, 4]);
    }

    fn read(doc: &str) -> HarRead {
        read_har(
            &Arc::from("t.har"),
            doc.as_bytes(),
            &HarOptions {
                threads: 1,
                keys: None,
                jsonp: false,
                limits: HarLimits::default(),
            },
        )
    }

    /// An entry with a response `status` and a `"text"` body of `len` bytes
    /// that itself holds an escaped `"status": 401`.
    fn entry_with_body(status: &str, len: usize) -> String {
        let body = format!("{{\\\"status\\\": 401, \\\"message\\\": \\\"jwt expired\\\", \\\"pad\\\": \\\"{}\\\"}}", "x".repeat(len));
        format!(
            r#"{{"request": {{"method": "GET", "url": "https://a.example/x", "headers": []}},
                "response": {{"status": {status}, "headers": [], "content": {{"size": {len}, "text": "{body}"}}}}}}"#
        )
    }

    #[test]
    fn bodies_are_read_only_for_4xx_or_unknown_statuses() {
        let spans = |e: &str| -> Vec<(usize, usize)> {
            let (a, b) = (e.find("\"text\": \"").map(|i| i + 9), e.rfind("\"}}}"));
            vec![(a.unwrap_or(0), b.unwrap_or(0))]
        };
        for (status, read) in [
            ("200", false),
            ("304", false),
            ("401", true),
            ("403", true),
            ("\"x\"", true),
        ] {
            let e = entry_with_body(status, 600);
            assert_eq!(
                body_may_matter(e.as_bytes(), &spans(&e)),
                read,
                "status {status}"
            );
        }
        // Disagreeing statuses outside the body: read to be safe.
        let e =
            entry_with_body("200", 10).replace("\"request\": {", "\"status\": 401, \"request\": {");
        assert!(body_may_matter(e.as_bytes(), &spans(&e)));
        let e = entry_with_body("200", 10);
        let at = e.find("\"text\": \"").map_or(0, |i| i + 9);
        assert!(is_text_value(e.as_bytes(), at));
        assert!(!is_text_value(e.as_bytes(), e.find("https").unwrap_or(0)));
    }

    #[test]
    fn a_200_body_is_emptied_and_a_401_body_kept_for_its_message() {
        let doc = format!(
            r#"{{"log": {{"entries": [{}, {}]}}}}"#,
            entry_with_body("200", 2000),
            entry_with_body("401", 2000)
        );
        let har = read(&doc);
        assert_eq!(har.requests.len(), 2, "{:?}", har.errors);
        assert!(har.errors.is_empty(), "{:?}", har.errors);
        assert_eq!(har.requests[1].status, 401);
        let message = har.requests[1].response_message().unwrap_or("");
        assert!(message.contains("jwt expired"), "{message:?}");
    }

    /// bad_inputs::har_entries_with_nulls_and_wrong_types: a null entry
    /// used to end the whole file ("entry 0 is not a JSON object").
    #[test]
    fn long_strings_are_cut_where_json_stays_valid() {
        for content in [
            "abc\\u00e9def".repeat(10),
            "é".repeat(40),
            "\\\\\\\"".repeat(15),
        ] {
            for max in 0..content.len() {
                let k = super::safe_prefix(content.as_bytes(), max);
                assert!(k <= max);
                let json = format!("\"{}\"", &content[..k]);
                assert!(
                    serde_json::from_str::<String>(&json).is_ok(),
                    "cut at {k} of {content:?} gives {json}"
                );
            }
        }
    }

    #[test]
    fn null_entries_are_skipped_not_fatal() {
        let r = read(
            r#"{"log":{"entries":[null,7,{"request":{"url":"https://a/b"},"response":{"status":401}}]}}"#,
        );
        assert_eq!(r.requests.len(), 1);
        assert_eq!(r.requests[0].origin.position, 2);
        assert!(!r.failed);
        assert_eq!(r.errors[0].at, "entry 0 (byte 19)");
        assert!(r.errors[0].message.contains("null"), "{:?}", r.errors);
    }

    /// bad_inputs::har_entries_with_nulls_and_wrong_types: serde's message
    /// quoted the wrong-typed value, here a bearer token.
    #[test]
    fn entry_errors_do_not_quote_values() {
        let r = read(r#"{"log":{"entries":[{"request":"Bearer planted_SECRET"}]}}"#);
        assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
        assert!(
            !r.errors[0].message.contains("planted_SECRET"),
            "{:?}",
            r.errors
        );
    }

    /// Entries are read without their indentation: the line of a fault is
    /// still the entry's own, its column only where no indentation went.
    #[test]
    fn entry_errors_give_true_positions() {
        let pretty =
            "{\"log\":{\"entries\":[\n  {\n    \"cache\": {},\n    \"request\": 5\n  }\n]}}";
        let r = read(pretty);
        assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
        assert!(r.errors[0].message.ends_with("at line 3"), "{:?}", r.errors);
        let compact = r#"{"log":{"entries":[{"cache":{},"request":5}]}}"#;
        let r = read(compact);
        assert!(
            r.errors[0].message.ends_with("at line 1 column 23"),
            "{:?}",
            r.errors
        );
        // A raw newline inside a string is still refused, indentation or not.
        let r = read("{\"log\":{\"entries\":[{\"request\":{\"url\":\"a\n   b\"}}]}}");
        assert_eq!(r.requests.len(), 0, "{:?}", r.requests.len());
        assert!(
            r.errors[0].message.contains("control character"),
            "{:?}",
            r.errors
        );
    }

    /// bad_inputs::invalid_utf8_inside_har_strings_is_read_lossily: one bad byte used to
    /// drop the entry ("invalid unicode code point").
    #[test]
    fn invalid_utf8_in_an_entry_is_read_lossily() {
        let mut doc = br#"{"log":{"entries":[{"request":{"url":"https://a/"#.to_vec();
        doc.extend_from_slice(b"\xff\xfe");
        doc.extend_from_slice(br#"x"},"response":{"status":401}}]}}"#);
        let r = read_har(
            &Arc::from("t.har"),
            &doc[..],
            &HarOptions {
                threads: 1,
                keys: None,
                jsonp: false,
                limits: HarLimits::default(),
            },
        );
        assert_eq!(r.requests.len(), 1, "{:?}", r.errors);
        assert!(
            r.errors[0].message.contains("invalid UTF-8"),
            "{:?}",
            r.errors
        );
    }
}
