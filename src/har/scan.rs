//! A structural scanner over a HAR document that finds the byte range of
//! each `log.entries[]` element without building a DOM.
//!
//! It reads big chunks into one buffer and tracks only what JSON structure
//! needs (strings, escapes, nesting depth); string bodies are skipped with
//! `memchr2`, so megabyte response bodies cost a few vector compares. Each
//! entry's bytes are then handed whole to `serde_json::from_slice`, which can
//! run on another thread. Memory is bounded by the largest single entry,
//! not the file.

use std::io::{self, Read};

/// Why the document could not be scanned further.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    /// Absolute byte offset in the (decompressed) input.
    pub offset: u64,
    pub message: String,
}

/// Read chunk size: large enough that syscalls are noise, small enough
/// that the buffer stays in the CPU's cache (a 4 MB chunk made the
/// kernel's copy and the scan both run from memory).
pub(crate) const CHUNK: usize = 256 * 1024;

/// Nesting deeper than this is rejected: no real HAR comes close, and
/// serde_json's own recursion limit (128) would refuse the entry anyway.
pub const MAX_DEPTH: usize = 512;

/// Default cap on one JSON value held in memory (one entry, or one
/// top-level member such as `pages`): beyond it reading stops with an error
/// instead of growing the buffer without bound (`--max-entry-bytes`).
pub const DEFAULT_MAX_VALUE_BYTES: usize = 256 * 1024 * 1024;

pub struct Scanner<R> {
    reader: R,
    /// Cap on the bytes of the value being scanned (from `pos`).
    max_value: usize,
    /// Set when `max_value` stopped reading; the error says so.
    over_limit: bool,
    buf: Vec<u8>,
    /// Bytes of `buf` that hold input. The rest is room for the next read,
    /// zeroed once when the buffer grows rather than before every read (the
    /// zeroing was 3 % of a HAR's time, on the reading thread).
    end: usize,
    /// Next unread byte in `buf`.
    pos: usize,
    /// Absolute offset of `buf[0]`.
    base: u64,
    eof: bool,
    /// A read that failed (a gzip CRC at the end of the stream, say): the
    /// bytes before it are scanned first, then this is the error.
    read_error: Option<ScanError>,
}

impl<R: Read> Scanner<R> {
    /// The read error that ended the input early, if any.
    pub fn take_read_error(&mut self) -> Option<ScanError> {
        self.read_error.take()
    }

    /// The bytes read and not yet dropped.
    #[inline]
    fn data(&self) -> &[u8] {
        &self.buf[..self.end]
    }

    pub fn new(reader: R) -> Self {
        Scanner {
            reader,
            max_value: DEFAULT_MAX_VALUE_BYTES,
            over_limit: false,
            buf: Vec::with_capacity(CHUNK),
            end: 0,
            pos: 0,
            base: 0,
            eof: false,
            read_error: None,
        }
    }

    /// Cap the bytes of a single value (at least one read chunk is allowed).
    pub fn with_max_value(mut self, max: usize) -> Self {
        self.max_value = max.max(1);
        self
    }

    /// Absolute offset of the next unread byte.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    pub fn offset_of(&self, index: usize) -> u64 {
        self.base + index as u64
    }

    pub fn bytes(&self, start: usize, end: usize) -> &[u8] {
        &self.data()[start..end]
    }

    /// Drop consumed bytes; only call when no index into `buf` is held.
    pub fn compact(&mut self) {
        // Only when a few reads' worth is consumed (and at least half the
        // buffer): what is moved, the unread rest of about one read, is
        // then a fraction of what was consumed since the last move.
        let worth_it = self.pos >= 4 * CHUNK && self.pos * 2 >= self.end;
        if worth_it || (self.pos > 0 && self.pos == self.end) {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.base += self.pos as u64;
            self.pos = 0;
        }
    }

    /// Read more bytes; false at end of input.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.end - self.pos.min(self.end) >= self.max_value {
            self.over_limit = true;
            return Err(io::Error::other("value too long"));
        }
        let old = self.end;
        if self.buf.len() < old + CHUNK {
            self.buf.resize(old + CHUNK, 0);
        }
        let mut filled = old;
        // Keep reading until some bytes arrive or EOF (decoders return short reads).
        loop {
            match self.reader.read(&mut self.buf[filled..old + CHUNK]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => {
                    filled += n;
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // Treated as the end of input so everything decoded
                    // before the fault is still scanned; reported after.
                    self.end = filled;
                    self.read_error = Some(self.io_err(e));
                    self.eof = true;
                    break;
                }
            }
        }
        self.end = filled;
        Ok(filled > old)
    }

    fn err(&self, at: usize, message: impl Into<String>) -> ScanError {
        ScanError {
            offset: self.offset_of(at),
            message: message.into(),
        }
    }

    fn io_err(&self, e: io::Error) -> ScanError {
        if self.over_limit {
            return ScanError {
                offset: self.offset(),
                message: format!(
                    "a single JSON value (entry) here is longer than {} bytes (--max-entry-bytes); reading stopped",
                    self.max_value
                ),
            };
        }
        ScanError {
            offset: self.offset_of(self.data().len()),
            message: format!("read error: {e}"),
        }
    }

    /// Next non-whitespace byte, without consuming it.
    pub fn peek_non_ws(&mut self) -> Result<Option<u8>, ScanError> {
        loop {
            while self.pos < self.data().len() {
                let b = self.data()[self.pos];
                if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
                    self.pos += 1;
                } else {
                    return Ok(Some(b));
                }
            }
            if !self.fill().map_err(|e| self.io_err(e))? {
                return Ok(None);
            }
        }
    }

    /// Consume the expected structural byte (after whitespace).
    pub fn expect(&mut self, byte: u8, what: &str) -> Result<(), ScanError> {
        match self.peek_non_ws()? {
            Some(b) if b == byte => {
                self.pos += 1;
                Ok(())
            }
            Some(b) => Err(self.err(
                self.pos,
                format!("expected {what}, found '{}'", printable(b)),
            )),
            None => Err(self.err(self.pos, format!("unexpected end of file, expected {what}"))),
        }
    }

    /// Skip a UTF-8 byte-order mark at the very start.
    pub fn skip_bom(&mut self) -> Result<(), ScanError> {
        while self.data().len() < 3 && !self.eof {
            if !self.fill().map_err(|e| self.io_err(e))? {
                break;
            }
        }
        if self.data().starts_with(b"\xEF\xBB\xBF") {
            self.pos = 3;
        }
        Ok(())
    }

    /// Skip the JSONP callback prefix `name(`; returns true when found.
    pub fn skip_jsonp_prefix(&mut self) -> Result<bool, ScanError> {
        self.peek_non_ws()?;
        let window = &self.data()[self.pos..self.data().len().min(self.pos + 256)];
        if let Some(p) = window.iter().position(|&b| b == b'(') {
            if window[..p]
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'.'))
                && p > 0
            {
                self.pos += p + 1;
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Read an object key (a JSON string) and the following colon; returns
    /// the key decoded. Keys are short; escapes in keys are decoded.
    pub fn key(&mut self) -> Result<String, ScanError> {
        match self.peek_non_ws()? {
            Some(b'"') => {}
            Some(b) => {
                return Err(self.err(
                    self.pos,
                    format!("expected an object key string, found '{}'", printable(b)),
                ))
            }
            None => return Err(self.err(self.pos, "unexpected end of file, expected a key")),
        }
        let start = self.pos;
        let end = self.value_end(start)?;
        let raw = &self.data()[start..end];
        let key: String = serde_json::from_slice(raw)
            .map_err(|e| self.err(start, format!("invalid key: {e}")))?;
        self.pos = end;
        self.expect(b':', "':' after a key")?;
        Ok(key)
    }

    /// Scan one JSON value starting at the next non-whitespace byte.
    /// Returns (start, end) indices into the buffer; the value is consumed.
    pub fn value(&mut self) -> Result<(usize, usize), ScanError> {
        if self.peek_non_ws()?.is_none() {
            return Err(self.err(self.pos, "unexpected end of file, expected a value"));
        }
        let start = self.pos;
        let end = self.value_end(start)?;
        self.pos = end;
        Ok((start, end))
    }

    /// Scan one object, also returning where its strings of at least
    /// `threshold` bytes sit (offsets from the object's start), so the
    /// caller can leave big bodies out of what it parses.
    pub fn object_with_long_strings(&mut self, threshold: usize) -> Result<ObjectSpan, ScanError> {
        if self.peek_non_ws()? != Some(b'{') {
            return Err(self.err(self.pos, "expected an object"));
        }
        let start = self.pos;
        let (end, long) = self.container_end(start, Some(threshold))?;
        self.pos = end;
        Ok((start, end, long))
    }

    /// After a member: `,` (more follow → true) or the closing byte (→ false).
    pub fn comma_or(&mut self, close: u8, what: &str) -> Result<bool, ScanError> {
        match self.peek_non_ws()? {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(b) if b == close => {
                self.pos += 1;
                Ok(false)
            }
            Some(b) => Err(self.err(
                self.pos,
                format!(
                    "expected ',' or '{}' in {what}, found '{}'",
                    close as char,
                    printable(b)
                ),
            )),
            None => Err(self.err(
                self.pos,
                format!("unexpected end of file inside {what} (truncated file?)"),
            )),
        }
    }

    /// Is the next byte this one (after whitespace)? Consumes it if so.
    pub fn eat(&mut self, byte: u8) -> Result<bool, ScanError> {
        if self.peek_non_ws()? == Some(byte) {
            self.pos += 1;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// Find the end (exclusive) of the value starting at `start`, reading
    /// more input as needed. Indices stay valid: the buffer only grows.
    fn value_end(&mut self, start: usize) -> Result<usize, ScanError> {
        let mut i = start;
        let first = self.data()[i];
        match first {
            b'"' => {
                i += 1;
                self.string_end(i, start)
            }
            b'{' | b'[' => self.container_end(start, None).map(|(end, _)| end),
            _ => {
                // Scalar: up to the next delimiter.
                loop {
                    if i >= self.data().len() && !self.fill().map_err(|e| self.io_err(e))? {
                        return Ok(i);
                    }
                    let b = self.data()[i];
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                        if i == start {
                            return Err(
                                self.err(i, format!("expected a value, found '{}'", printable(b)))
                            );
                        }
                        return Ok(i);
                    }
                    i += 1;
                }
            }
        }
    }

    /// End of the object or array starting at `start`, 64 bytes at a time
    /// (see `blocks`); the last partial block is padded with spaces.
    fn container_end(
        &mut self,
        start: usize,
        long_threshold: Option<usize>,
    ) -> Result<(usize, Vec<(usize, usize)>), ScanError> {
        let mut state = super::blocks::BlockState::tracking(long_threshold);
        let mut i = start;
        loop {
            while self.data().len() - i < 64 && !self.eof {
                self.fill().map_err(|e| self.io_err(e))?;
            }
            let available = self.data().len() - i;
            if available == 0 {
                return Err(self.err(
                    start,
                    "unexpected end of file inside this value (truncated file?)",
                ));
            }
            if available >= 64 {
                // Every whole block at hand, read in place in one call.
                let whole = available / 64 * 64;
                let (step, at) = state.run(&self.data()[i..i + whole], i - start, MAX_DEPTH);
                match step {
                    super::blocks::Step::End(e) => return Ok((i + at + e, state.long)),
                    super::blocks::Step::TooDeep(x) => {
                        return Err(self.err(
                            i + at + x,
                            format!("JSON nested deeper than {MAX_DEPTH} levels"),
                        ));
                    }
                    super::blocks::Step::More => {
                        i += whole;
                        continue;
                    }
                }
            }
            // Only the input's last, partial block is left (fewer than 64
            // bytes, at the end of input): copied and padded with spaces.
            let n = available;
            let mut padded = [b' '; 64];
            padded[..n].copy_from_slice(&self.data()[i..i + n]);
            return match state.step(&padded, i - start, MAX_DEPTH) {
                super::blocks::Step::End(e) if e <= n => Ok((i + e, state.long)),
                super::blocks::Step::TooDeep(at) => Err(self.err(
                    i + at,
                    format!("JSON nested deeper than {MAX_DEPTH} levels"),
                )),
                super::blocks::Step::End(_) | super::blocks::Step::More => Err(self.err(
                    start,
                    "unexpected end of file inside this value (truncated file?)",
                )),
            };
        }
    }

    /// `i` is just after an opening quote; returns the index after the closing one.
    fn string_end(&mut self, mut i: usize, open: usize) -> Result<usize, ScanError> {
        loop {
            match memchr::memchr2(b'"', b'\\', &self.data()[i.min(self.data().len())..]) {
                Some(rel) => {
                    let at = i + rel;
                    if self.data()[at] == b'"' {
                        return Ok(at + 1);
                    }
                    // Backslash: skip it and the escaped byte.
                    i = at + 2;
                    while i > self.data().len() {
                        if !self.fill().map_err(|e| self.io_err(e))? {
                            return Err(self.err(open, "unterminated string (truncated file?)"));
                        }
                    }
                }
                None => {
                    i = self.data().len();
                    if !self.fill().map_err(|e| self.io_err(e))? {
                        return Err(self.err(open, "unterminated string (truncated file?)"));
                    }
                }
            }
        }
    }

    /// Bytes after the document's end that are not whitespace (or a JSONP `);`).
    pub fn trailing_garbage(&mut self, jsonp: bool) -> Result<Option<u64>, ScanError> {
        if jsonp {
            self.eat(b')')?;
            self.eat(b';')?;
        }
        match self.peek_non_ws()? {
            None => Ok(None),
            Some(_) => Ok(Some(self.offset())),
        }
    }
}

/// An object's start and end in the buffer, and its long strings' contents.
pub type ObjectSpan = (usize, usize, Vec<(usize, usize)>);

pub fn printable(b: u8) -> String {
    if b.is_ascii_graphic() {
        (b as char).to_string()
    } else {
        format!("\\x{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(doc: &str) -> Vec<String> {
        // A tiny reader with 3-byte reads to exercise refills mid-token.
        struct Slow<'a>(&'a [u8]);
        impl Read for Slow<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(3).min(out.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut s = Scanner::new(Slow(doc.as_bytes()));
        s.expect(b'[', "[").unwrap();
        let mut out = Vec::new();
        if !s.eat(b']').unwrap() {
            loop {
                let (a, b) = s.value().unwrap();
                out.push(String::from_utf8(s.bytes(a, b).to_vec()).unwrap());
                if !s.comma_or(b']', "array").unwrap() {
                    break;
                }
            }
        }
        out
    }

    #[test]
    fn splits_values_across_tiny_reads() {
        let v = values(r#"[ {"a": "x\"}]" , "b": [1, {"c": null}]}, "s\\", 12.5e3 , true, []]"#);
        assert_eq!(
            v,
            [
                r#"{"a": "x\"}]" , "b": [1, {"c": null}]}"#,
                r#""s\\""#,
                "12.5e3",
                "true",
                "[]"
            ]
        );
    }

    /// Several megabytes through reads of odd sizes: the buffer is compacted
    /// many times, and what stays behind its end from earlier reads never
    /// shows up in a value.
    #[test]
    fn values_survive_compaction_between_odd_reads() {
        struct Odd<'a>(&'a [u8], usize);
        impl Read for Odd<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                self.1 = (self.1 * 7 + 3) % 5000 + 1;
                let n = self.0.len().min(self.1).min(out.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let values: Vec<String> = (0..40_000)
            .map(|i| format!("{{\"n\": {i}, \"s\": \"{}\"}}", "x".repeat(i % 300)))
            .collect();
        let doc = format!("[{}]", values.join(",\n  "));
        assert!(doc.len() > 8 * CHUNK, "{}", doc.len());
        let mut s = Scanner::new(Odd(doc.as_bytes(), 1));
        s.expect(b'[', "[").unwrap();
        for (i, want) in values.iter().enumerate() {
            s.compact();
            let (a, b) = s.value().unwrap();
            assert_eq!(s.bytes(a, b), want.as_bytes(), "value {i}");
            let more = s.comma_or(b']', "array").unwrap();
            assert_eq!(more, i + 1 < values.len());
        }
        assert_eq!(s.offset(), doc.len() as u64);
    }

    #[test]
    fn truncation_is_an_error_with_offset() {
        let mut s = Scanner::new(&b"[{\"a\": \"unterminated"[..]);
        s.expect(b'[', "[").unwrap();
        let e = s.value().unwrap_err();
        // The fault is reported at the start of the value it cut short.
        assert_eq!(e.offset, 1);
        assert!(e.message.contains("truncated"), "{}", e.message);
    }

    /// bad_inputs::an_endless_value_stops_at_max_entry_bytes: a string that never ends
    /// (`/dev/zero`-like input after a valid start) stops at the cap.
    #[test]
    fn value_size_is_bounded() {
        let endless = io::repeat(b'a');
        let doc = io::Cursor::new(&b"[\""[..]).chain(endless);
        let mut s = Scanner::new(doc).with_max_value(1000);
        s.expect(b'[', "[").unwrap();
        let e = s.value().unwrap_err();
        assert_eq!(e.offset, 1);
        assert!(
            e.message.contains("longer than 1000 bytes"),
            "{}",
            e.message
        );
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let doc = "[".repeat(100_000);
        let mut s = Scanner::new(doc.as_bytes());
        let e = s.value().unwrap_err();
        assert!(e.message.contains("nested deeper"), "{}", e.message);
    }
}
