//! Lines of a log handed out as slices of one big read buffer.
//!
//! Copying every line into its own buffer (what `BufRead::read_until`
//! does) costs as much as the parse of a line that can't matter; here a
//! line is a borrowed slice of a block read with one `read` call, and only
//! the unfinished tail of a block is moved before the next read. Over-long
//! lines are consumed without being kept, and a "line" with no newline for
//! [`RUNAWAY_FACTOR`] times the limit ends the stream (it is not a
//! line-oriented log).
//!
//! UTF-8 is checked here too, a buffer's worth of whole lines at a time:
//! a per-line check cost more in call overhead than in checking, 5 % of a
//! combined log's read. Lines that pass come out as text; a line with a
//! bad byte, or a last line without a newline, comes out as bytes for the
//! caller to check.

use std::io::{self, Read};

/// A "line" this many times `max_line_bytes` long is not a log line but a
/// stream without structure (an endless pipe of text): reading stops.
pub const RUNAWAY_FACTOR: usize = 256;

/// Bytes asked of the reader at a time.
pub(crate) const BLOCK: usize = 128 * 1024;

/// One step of [`LineReader::next_line`].
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// A complete line, with its `\n` when it had one, not checked for UTF-8.
    Text(&'a [u8]),
    /// A complete line with its `\n`, checked to be UTF-8.
    Utf8(&'a str),
    /// A line longer than the limit: consumed, not kept.
    TooLong { consumed: usize },
    /// No newline in [`RUNAWAY_FACTOR`] × the limit: the rest of the stream
    /// is not read.
    Runaway { consumed: usize },
}

pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    max: usize,
    /// `buf[..checked]`, from wherever the last check started, is UTF-8;
    /// `checked` is a char boundary.
    checked: usize,
}

impl LineReader<io::Empty> {
    /// The lines of `buf[..len]`, read in place: a block that is already in
    /// memory (decompressed, say) is not copied into a buffer of its own.
    /// The lines and what is made of them are those of a stream of the same
    /// bytes read at once. (A runaway's byte count depends on how much was
    /// read when the limit was passed, in a stream too.)
    pub fn filled(buf: Vec<u8>, len: usize, max: usize) -> LineReader<io::Empty> {
        LineReader {
            inner: io::empty(),
            end: len.min(buf.len()),
            buf,
            start: 0,
            eof: true,
            max: max.max(1),
            checked: 0,
        }
    }
}

impl<R: Read> LineReader<R> {
    /// `max` is the longest line kept, without its line ending.
    pub fn new(inner: R, max: usize) -> LineReader<R> {
        LineReader {
            inner,
            buf: Vec::new(),
            start: 0,
            end: 0,
            eof: false,
            max: max.max(1),
            checked: 0,
        }
    }

    /// The buffer, for reuse once its lines are read.
    pub fn into_buffer(self) -> Vec<u8> {
        self.buf
    }

    /// Longest line kept, counting a `\r\n` ending.
    fn limit(&self) -> usize {
        self.max.saturating_add(2)
    }

    /// Read more bytes after `end`, moving the unfinished tail to the front
    /// and growing the buffer (up to what one allowed line needs) first.
    /// Returns the count read; 0 at end of stream.
    fn fill(&mut self) -> io::Result<usize> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.checked = self.checked.saturating_sub(self.start);
            self.start = 0;
        }
        if self.buf.len() - self.end < BLOCK / 2 {
            let want = (self.end + BLOCK).max(self.buf.len());
            self.buf.resize(want, 0);
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(0);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// The next line, or `None` at end of stream.
    pub fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        let mut searched = 0;
        loop {
            let pending = &self.buf[self.start + searched..self.end];
            if let Some(i) = memchr::memchr(b'\n', pending) {
                let len = searched + i + 1;
                let at = self.start;
                self.start += len;
                if at + len > self.checked {
                    self.check_lines_from(at);
                }
                return Ok(Some(self.judge(at, len)));
            }
            searched = self.end - self.start;
            if searched > self.limit() {
                return self.skip_long_line().map(Some);
            }
            if self.eof || self.fill()? == 0 {
                if self.start == self.end {
                    return Ok(None);
                }
                let at = self.start;
                let len = self.end - at;
                self.start = self.end;
                return Ok(Some(self.judge(at, len)));
            }
        }
    }

    /// Check the whole lines buffered from `at` (a line start) for UTF-8 at
    /// once, moving `checked` to their end, or up to the first bad byte:
    /// the line after a bad one starts the next check, so every byte is
    /// checked about once whatever the input.
    fn check_lines_from(&mut self, at: usize) {
        let pending = &self.buf[at..self.end];
        let Some(last) = memchr::memrchr(b'\n', pending) else {
            return;
        };
        self.checked = match simdutf8::compat::from_utf8(&pending[..=last]) {
            Ok(_) => at + last + 1,
            Err(e) => at + e.valid_up_to(),
        };
    }

    /// The buffered line at `at..at + len`, or what its length makes it.
    fn judge(&self, at: usize, len: usize) -> Line<'_> {
        if len >= self.max.saturating_mul(RUNAWAY_FACTOR) {
            Line::Runaway { consumed: len }
        } else if len > self.limit() {
            Line::TooLong { consumed: len }
        } else if at + len <= self.checked {
            let line = &self.buf[at..at + len];
            // SAFETY: `line` lies in `buf[..checked]`, which simdutf8 found
            // to be UTF-8 from a line start at or before `at`, and nothing
            // in it was written since (`fill` moves it whole and shifts
            // `checked` with it). `at` follows a newline or is that line
            // start, and `checked` only ever stops after a newline or at a
            // char boundary: both ends are boundaries, so the slice is
            // UTF-8 too.
            Line::Utf8(unsafe { std::str::from_utf8_unchecked(line) })
        } else {
            Line::Text(&self.buf[at..at + len])
        }
    }

    /// Consume the rest of an over-long line (already more than the limit
    /// is buffered, none of it a newline).
    fn skip_long_line(&mut self) -> io::Result<Line<'static>> {
        let runaway = self.max.saturating_mul(RUNAWAY_FACTOR);
        let mut consumed = self.end - self.start;
        self.start = 0;
        self.end = 0;
        self.checked = 0;
        loop {
            if consumed >= runaway {
                return Ok(Line::Runaway { consumed });
            }
            if self.eof || self.fill()? == 0 {
                return Ok(Line::TooLong { consumed });
            }
            match memchr::memchr(b'\n', &self.buf[..self.end]) {
                Some(i) => {
                    consumed += i + 1;
                    self.start = i + 1;
                    return Ok(Line::TooLong { consumed });
                }
                None => {
                    consumed += self.end;
                    self.end = 0;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `step` bytes per call, to cross
    /// block edges at awkward places.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(out.len()).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn collect(data: &[u8], step: usize, max: usize) -> Vec<String> {
        drain(LineReader::new(Trickle { data, step }, max))
    }

    fn drain<R: Read>(mut r: LineReader<R>) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(line) = r.next_line().expect("read") {
            let (text, stop) = match line {
                Line::Text(t) => (String::from_utf8_lossy(t).into_owned(), false),
                Line::Utf8(t) => (t.to_string(), false),
                Line::TooLong { consumed } => (format!("<long {consumed}>"), false),
                // Readers stop here (read_log does).
                Line::Runaway { consumed } => (format!("<runaway {consumed}>"), true),
            };
            out.push(text);
            if stop {
                break;
            }
        }
        out
    }

    #[test]
    fn a_filled_buffer_gives_the_lines_of_a_stream() {
        let mut long = b"ok\n".to_vec();
        long.extend(std::iter::repeat_n(b'x', 50));
        long.extend_from_slice(b"\nafter\n");
        let mut runaway = b"a\n".to_vec();
        runaway.extend(std::iter::repeat_n(b'y', 10 * RUNAWAY_FACTOR + 5));
        runaway.extend_from_slice(b"\nnever\n");
        let inputs: [&[u8]; 7] = [
            b"a\r\nbb\n\nccc",
            b"",
            b"\n\n",
            b"caf\xc3\xa9\nbad \xff byte\ncut \xc3",
            &long,
            &runaway,
            b"x\n123456789012\n1234567890\r\n",
        ];
        for data in inputs {
            let stream = collect(data, 1 << 20, 10);
            // The buffer is longer than its lines: only `len` bytes count.
            let mut buf = data.to_vec();
            buf.extend_from_slice(b"garbage after len\n");
            let filled = drain(LineReader::filled(buf, data.len(), 10));
            assert_eq!(filled, stream, "{:?}", String::from_utf8_lossy(data));
        }
    }

    #[test]
    fn lines_keep_endings_and_a_last_line_without_one() {
        for step in [1, 3, 7, 1 << 20] {
            assert_eq!(
                collect(b"a\r\nbb\n\nccc", step, 100),
                ["a\r\n", "bb\n", "\n", "ccc"],
                "step {step}"
            );
        }
    }

    #[test]
    fn long_lines_are_consumed_and_reported_once() {
        let mut data = b"ok\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', 50));
        data.extend_from_slice(b"\nafter\n");
        for step in [1, 4, 1 << 20] {
            assert_eq!(
                collect(&data, step, 10),
                ["ok\n", "<long 51>", "after\n"],
                "step {step}"
            );
        }
        // Exactly at the limit (plus CRLF) is still a line.
        assert_eq!(
            collect(b"0123456789\r\nz\n", 2, 10),
            ["0123456789\r\n", "z\n"]
        );
    }

    #[test]
    fn a_stream_without_newlines_stops_at_the_runaway_limit() {
        let data = vec![b'y'; 10 * RUNAWAY_FACTOR * 3];
        let got = collect(&data, 4096, 10);
        assert_eq!(got.len(), 1);
        assert!(got[0].starts_with("<runaway "), "{got:?}");
    }

    #[test]
    fn lines_longer_than_a_block_are_kept_when_allowed() {
        let mut data = vec![b'q'; 3 * BLOCK];
        data.push(b'\n');
        data.extend_from_slice(b"tail\n");
        let got = collect(&data, 1 << 16, 4 * BLOCK);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].len(), 3 * BLOCK + 1);
        assert_eq!(got[1], "tail\n");
    }

    /// Every line as (bytes, came out checked), with the reader's own stop.
    fn lines_with_kind(data: &[u8], step: usize, max: usize) -> Vec<(Vec<u8>, bool)> {
        let mut r = LineReader::new(Trickle { data, step }, max);
        let mut out = Vec::new();
        while let Some(line) = r.next_line().expect("read") {
            match line {
                Line::Text(t) => out.push((t.to_vec(), false)),
                Line::Utf8(t) => out.push((t.as_bytes().to_vec(), true)),
                Line::TooLong { .. } | Line::Runaway { .. } => out.push((Vec::new(), false)),
            }
        }
        out
    }

    #[test]
    fn lines_checked_a_buffer_at_a_time_are_exactly_the_utf8_ones() {
        // Multi-byte characters everywhere (cut by the trickle at every
        // place), some lines with a bad byte, the last without a newline.
        let mut data = Vec::new();
        for i in 0..3000u32 {
            data.extend_from_slice(format!("{i} é€😀 x").as_bytes());
            if i % 97 == 13 {
                data.push(0xff);
            }
            if i % 211 == 5 {
                data.extend_from_slice(&[0xe2, 0x82]); // a cut character
            }
            data.push(b'\n');
        }
        data.extend_from_slice("last é".as_bytes());
        for step in [1, 7, 4093, 1 << 20] {
            let got = lines_with_kind(&data, step, 1000);
            let joined: Vec<u8> = got.iter().flat_map(|(l, _)| l.clone()).collect();
            assert_eq!(joined, data, "step {step}: lines rebuild the input");
            let mut checked = 0;
            for (line, utf8) in &got {
                let valid = std::str::from_utf8(line).is_ok();
                // A line said to be UTF-8 is.
                assert!(!utf8 || valid, "step {step}: {line:?}");
                checked += usize::from(*utf8);
            }
            let bad = got
                .iter()
                .filter(|(l, _)| std::str::from_utf8(l).is_err())
                .count();
            assert_eq!(bad, 31 + 15, "step {step}");
            // All but the bad lines and the last one, without a newline.
            assert_eq!(checked, got.len() - bad - 1, "step {step}");
        }
    }
}
