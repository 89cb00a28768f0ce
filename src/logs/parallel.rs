//! One big log read by several threads. A plain file is cut at line
//! boundaries into ranges of about [`RANGE_BYTES`]; a compressed stream,
//! which cannot be entered in the middle, is decompressed on one thread and
//! cut into blocks of about [`STREAM_BLOCK_BYTES`] as it comes. Each part
//! is parsed on its own, and the results are put back in order with line
//! numbers made absolute again. The parts depend on the input only, never
//! on the thread count, so the output is the same with 1 thread or 16.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Mutex};

use super::lines::LineReader;
use super::{head_fields, read_log_lines, read_log_part, LogOptions, LogSummary};
use crate::model::{InputError, ServerEvent};

/// Files at least this big are read in ranges.
pub const MIN_PARALLEL_BYTES: u64 = 64 * 1024 * 1024;

/// Size of one range: big enough that per-range state (the recent 401 paths
/// followed for challenge legs) rarely matters at its edges.
pub const RANGE_BYTES: u64 = 64 * 1024 * 1024;

/// Byte offsets where each range starts: just after a newline.
fn boundaries(path: &Path, len: u64, parts: usize) -> io::Result<Vec<u64>> {
    let mut starts = vec![0u64];
    let mut f = File::open(path)?;
    let mut buf = vec![0u8; 64 * 1024];
    for k in 1..parts {
        let guess = len * k as u64 / parts as u64;
        let prev = *starts.last().unwrap_or(&0);
        if guess <= prev {
            continue;
        }
        f.seek(SeekFrom::Start(guess))?;
        let mut pos = guess;
        // Walk to the next newline; a range boundary never splits a line.
        let start = loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break None;
            }
            if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
                break Some(pos + i as u64 + 1);
            }
            pos += n as u64;
        };
        match start {
            Some(s) if s < len => starts.push(s),
            _ => break,
        }
    }
    Ok(starts)
}

/// Read `path` with `threads` threads. Events come back in file order and
/// every line number (event origins, error positions) is absolute.
pub fn read_log_parallel(
    file: &Arc<str>,
    path: &Path,
    threads: usize,
    opts: &LogOptions,
) -> io::Result<(LogSummary, Vec<ServerEvent>)> {
    read_log_ranges(file, path, threads, opts, RANGE_BYTES)
}

/// [`read_log_parallel`] with ranges of about `range_bytes`.
fn read_log_ranges(
    file: &Arc<str>,
    path: &Path,
    threads: usize,
    opts: &LogOptions,
    range_bytes: u64,
) -> io::Result<(LogSummary, Vec<ServerEvent>)> {
    let len = std::fs::metadata(path)?.len();
    let parts_wanted = len.div_ceil(range_bytes.max(1)).max(1) as usize;
    let starts = boundaries(path, len, parts_wanted)?;
    let ranges: Vec<(u64, u64)> = starts
        .iter()
        .enumerate()
        .map(|(i, &s)| (s, starts.get(i + 1).copied().unwrap_or(len)))
        .collect();
    // A range past the head still needs the head's `#Fields:` header.
    let fields = {
        let mut head = Vec::new();
        File::open(path)?.take(64 * 1024).read_to_end(&mut head)?;
        head_fields(&head)
    };
    let read_range = |(s, e): (u64, u64)| -> Part {
        let mut f = File::open(path)?;
        f.seek(SeekFrom::Start(s))?;
        let reader = f.take(e - s);
        let mut events = Vec::new();
        let head = if s == 0 { None } else { fields.clone() };
        let summary = read_log_part(file, reader, opts, head, &mut |ev| events.push(ev));
        Ok((summary, events))
    };
    // `threads` workers take ranges in turn; this thread puts their results
    // together in file order as soon as each next range is done, so a range
    // never waits in memory beside its copy.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Part)>();
    let mut merged = Merged::default();
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, ranges.len()) {
            let tx = tx.clone();
            let (next, ranges, read_range) = (&next, &ranges, &read_range);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&range) = ranges.get(i) else { break };
                if tx.send((i, read_range(range))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        merged.take_in_order(rx.iter());
    });
    merged.finish(ranges.len())
}

type Part = io::Result<(LogSummary, Vec<ServerEvent>)>;

/// Parts put back together in order as they arrive.
#[derive(Default)]
struct Merged {
    total: LogSummary,
    all: Vec<ServerEvent>,
    offset: u64,
    merged: usize,
    failed: Option<io::Error>,
}

impl Merged {
    fn take_in_order(&mut self, parts: impl Iterator<Item = (usize, Part)>) {
        let mut pending: std::collections::BTreeMap<usize, Part> = Default::default();
        for (i, part) in parts {
            pending.insert(i, part);
            while let Some(part) = pending.remove(&self.merged) {
                self.merged += 1;
                match part {
                    Ok((summary, events)) => merge(
                        &mut self.total,
                        &mut self.all,
                        &mut self.offset,
                        summary,
                        events,
                    ),
                    Err(e) => {
                        self.failed.get_or_insert(e);
                    }
                }
            }
        }
    }

    fn finish(mut self, parts: usize) -> io::Result<(LogSummary, Vec<ServerEvent>)> {
        if self.merged < parts {
            self.failed
                .get_or_insert_with(|| io::Error::other("a log range was not read"));
        }
        match self.failed {
            Some(e) => Err(e),
            None => Ok((self.total, self.all)),
        }
    }
}

/// Decompressed bytes per block of a stream: small enough that the blocks
/// in flight (one per worker, one queued, one being filled) stay a few tens
/// of MB.
pub const STREAM_BLOCK_BYTES: usize = 4 * 1024 * 1024;

/// What the decompressing thread hands the workers.
enum Block {
    /// Whole lines: the first `len` bytes of the buffer. (The buffer keeps
    /// its full length so a reused one is not zeroed again before a read.)
    Lines(Vec<u8>, usize),
    /// No newline for far too long: the rest of the stream is read as one
    /// part, with the line reader's own rules for runaway lines.
    Rest(Vec<u8>, Box<dyn Read + Send>),
    /// The stream failed after the blocks before this one.
    Failed(io::Error),
}

/// Read a stream (a decompressing reader) with `threads` workers while
/// this thread's helper decompresses it. Line numbers and read errors come
/// out where a single pass would put them.
pub fn read_log_stream(
    file: &Arc<str>,
    reader: Box<dyn Read + Send>,
    threads: usize,
    opts: &LogOptions,
    block_bytes: usize,
) -> (LogSummary, Vec<ServerEvent>) {
    let threads = threads.max(1);
    let block_bytes = block_bytes.max(1);
    // A line longer than this (and the line reader's own cap) ends splitting.
    let split_cap = block_bytes.max(opts.max_line_bytes).saturating_mul(2);
    let (block_tx, block_rx) = sync_channel::<(usize, Block)>(1);
    // Shared by the workers only: should they all stop, the receiver goes
    // with them and the decompressing thread's next send fails instead of
    // waiting forever.
    let block_rx = Arc::new(Mutex::new(block_rx));
    let (part_tx, part_rx) = std::sync::mpsc::channel::<(usize, Part)>();
    let fields: Mutex<Option<Vec<String>>> = Mutex::new(None);
    // Read blocks come back here to be filled again: a fresh block each
    // time cost as much in page faults as the parsing.
    let spare: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
    let mut merged = Merged::default();
    let mut parts = 0usize;
    std::thread::scope(|scope| {
        let producer = scope.spawn(|| {
            let source = Source {
                block_bytes,
                split_cap,
                fields: &fields,
                spare: &spare,
            };
            source.split(reader, block_tx)
        });
        for _ in 0..threads {
            let part_tx = part_tx.clone();
            let block_rx = Arc::clone(&block_rx);
            let (fields, spare) = (&fields, &spare);
            scope.spawn(move || loop {
                // The lock is held only to take the next block.
                let next = match block_rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => break,
                };
                let Ok((i, block)) = next else { break };
                // Every block after the first reads with the head's header.
                let head = if i == 0 {
                    None
                } else {
                    fields.lock().ok().and_then(|f| f.clone())
                };
                let mut events = Vec::new();
                let summary = match block {
                    Block::Lines(bytes, len) => {
                        let max = opts.max_line_bytes.max(1);
                        let mut lines = LineReader::filled(bytes, len, max);
                        let summary =
                            read_log_lines(file, &mut lines, opts, head, &mut |e| events.push(e));
                        if let Ok(mut spare) = spare.lock() {
                            spare.push(lines.into_buffer());
                        }
                        summary
                    }
                    Block::Rest(bytes, rest) => read_log_part(
                        file,
                        io::Cursor::new(bytes).chain(rest),
                        opts,
                        head,
                        &mut |e| events.push(e),
                    ),
                    Block::Failed(e) => LogSummary {
                        errors: vec![InputError {
                            at: "line 1".into(),
                            message: format!("read error: {e}"),
                        }],
                        ..LogSummary::default()
                    },
                };
                if part_tx.send((i, Ok((summary, events)))).is_err() {
                    break;
                }
            });
        }
        drop(part_tx);
        drop(block_rx);
        merged.take_in_order(part_rx.iter());
        parts = producer.join().unwrap_or(0);
    });
    // Every part is Ok (a failed read is a part of its own), so a part
    // missing here is a worker that stopped: what was merged before it is
    // kept, and the gap is reported where it starts.
    let gap = merged.merged < parts;
    let (mut total, all) = (merged.total, merged.all);
    if gap {
        total.errors.push(InputError {
            at: format!("line {}", total.lines + 1),
            message:
                "read error: a block of the stream was not read; the lines from here on are missing"
                    .into(),
        });
    }
    (total, all)
}

/// Where a stream's blocks are cut and what they carry.
struct Source<'a> {
    block_bytes: usize,
    /// No newline in this many bytes: stop cutting.
    split_cap: usize,
    /// Set from the first block: the head's `#Fields:` header.
    fields: &'a Mutex<Option<Vec<String>>>,
    /// Emptied blocks handed back by the workers.
    spare: &'a Mutex<Vec<Vec<u8>>>,
}

impl Source<'_> {
    /// Cut `reader` into blocks of whole lines of at least `block_bytes`
    /// (except the last) and send them in order; returns how many were sent.
    fn split(&self, mut reader: Box<dyn Read + Send>, tx: SyncSender<(usize, Block)>) -> usize {
        let mut sent = 0usize;
        // False once the workers are gone: nothing more to send then.
        let send = |sent: &mut usize, block: Block| {
            let ok = tx.send((*sent, block)).is_ok();
            *sent += 1;
            ok
        };
        let mut carry: Vec<u8> = Vec::new();
        loop {
            let mut buf = self
                .spare
                .lock()
                .ok()
                .and_then(|mut s| s.pop())
                .unwrap_or_default();
            // Read into the buffer's initialized length, not its spare
            // capacity: `read_to_end` zeroed up to 4 MB before every block
            // (the whole decompressed stream, once more).
            let want = self.block_bytes.max(carry.len() + 1);
            if buf.len() < want {
                buf.resize(want, 0);
            }
            buf[..carry.len()].copy_from_slice(&carry);
            let mut len = carry.len();
            carry.clear();
            let read = read_full(&mut reader, &mut buf[..want], &mut len);
            if sent == 0 {
                if let Ok(mut f) = self.fields.lock() {
                    *f = head_fields(&buf[..len.min(64 * 1024)]);
                }
            }
            match read {
                Err(e) => {
                    // Whole lines before the fault are read; the cut line is
                    // not, as a single pass would not read it either.
                    let whole = memchr::memrchr(b'\n', &buf[..len]).map_or(0, |nl| nl + 1);
                    if whole == 0 || send(&mut sent, Block::Lines(buf, whole)) {
                        send(&mut sent, Block::Failed(e));
                    }
                    return sent;
                }
                Ok(0) => {
                    if len > 0 {
                        send(&mut sent, Block::Lines(buf, len));
                    }
                    return sent;
                }
                Ok(_) => match memchr::memrchr(b'\n', &buf[..len]) {
                    Some(nl) => {
                        carry.extend_from_slice(&buf[nl + 1..len]);
                        if !send(&mut sent, Block::Lines(buf, nl + 1)) {
                            return sent;
                        }
                    }
                    None if len > self.split_cap => {
                        buf.truncate(len);
                        send(&mut sent, Block::Rest(buf, reader));
                        return sent;
                    }
                    None => {
                        buf.truncate(len);
                        carry = buf;
                    }
                },
            }
        }
    }
}

/// Fill `buf` from `*len` on until it is full or the stream ends; returns
/// how many bytes this call read (0: the stream had ended). A read error
/// after some bytes keeps them (`*len` counts them) and is returned.
fn read_full(reader: &mut dyn Read, buf: &mut [u8], len: &mut usize) -> io::Result<usize> {
    let from = *len;
    while *len < buf.len() {
        match reader.read(&mut buf[*len..]) {
            Ok(0) => break,
            Ok(n) => *len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(*len - from)
}

/// Add one range's results after those of the ranges before it, making its
/// line numbers absolute.
fn merge(
    total: &mut LogSummary,
    all: &mut Vec<ServerEvent>,
    offset: &mut u64,
    summary: LogSummary,
    mut events: Vec<ServerEvent>,
) {
    for ev in &mut events {
        if let Some(o) = ev.origin.as_mut() {
            o.position += *offset;
        }
    }
    if all.is_empty() {
        *all = events;
    } else {
        all.append(&mut events);
    }
    total.format = total.format.or(summary.format);
    total.requests += summary.requests;
    total.status_401 += summary.status_401;
    total.status_403 += summary.status_403;
    total.auth_failures += summary.auth_failures;
    total.unmatched += summary.unmatched;
    total.long_lines += summary.long_lines;
    for mut err in summary.errors {
        if let Some(n) = err
            .at
            .strip_prefix("line ")
            .and_then(|n| n.parse::<u64>().ok())
        {
            err.at = format!("line {}", n + *offset);
        }
        total.errors.push(err);
    }
    *offset += summary.lines;
    total.lines += summary.lines;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::read_log;

    #[test]
    fn boundaries_fall_after_newlines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.log");
        let text = "aaaa\nbbbbbbbb\ncc\nddddd\nee\n";
        std::fs::write(&path, text).expect("write");
        let starts = boundaries(&path, text.len() as u64, 4).expect("boundaries");
        // guesses 6, 13, 19 move to the line starts after them.
        assert_eq!(starts, [0, 14, 23]);
        for s in &starts[1..] {
            assert_eq!(text.as_bytes()[*s as usize - 1], b'\n');
        }
    }

    #[test]
    fn ranges_meet_at_line_starts_and_results_match_one_thread() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("access.log");
        let mut text = String::new();
        for i in 0..5000 {
            let status = if i % 7 == 0 { 401 } else { 200 };
            text.push_str(&format!(
                "10.0.0.{} - - [23/Nov/2026:11:06:{:02} +0000] \"GET /v1/items/{i}?case=c{i} HTTP/1.1\" {status} 12 \"-\" \"curl/8\"\n",
                i % 200,
                i % 60
            ));
        }
        std::fs::write(&path, &text).expect("write");
        let file: Arc<str> = Arc::from("access.log");
        let opts = LogOptions::default();
        let mut one = Vec::new();
        let s1 = read_log(&file, text.as_bytes(), &opts, &mut |e| one.push(e));
        // One range (the file is far below RANGE_BYTES), then ~40 ranges.
        for (threads, range) in [
            (1, RANGE_BYTES),
            (2, RANGE_BYTES),
            (1, 9000),
            (2, 9000),
            (3, 7777),
            (7, 9000),
        ] {
            let (s, many) = read_log_ranges(&file, &path, threads, &opts, range).expect("parallel");
            assert_eq!(
                (s.lines, s.requests, s.status_401),
                (s1.lines, s1.requests, s1.status_401)
            );
            let pos = |v: &Vec<ServerEvent>| -> Vec<u64> {
                v.iter()
                    .filter_map(|e| e.origin.as_ref().map(|o| o.position))
                    .collect()
            };
            assert_eq!(pos(&many), pos(&one), "{threads} threads");
        }
    }

    fn access_log(lines: usize) -> String {
        let mut text = String::new();
        for i in 0..lines {
            let status = if i % 7 == 0 { 401 } else { 200 };
            text.push_str(&format!(
                "10.0.0.{} - - [23/Nov/2026:11:06:{:02} +0000] \"GET /v1/items/{i}?case=c{i} HTTP/1.1\" {status} 12 \"-\" \"curl/8\"\n",
                i % 200,
                i % 60
            ));
        }
        text
    }

    fn positions(v: &[ServerEvent]) -> Vec<u64> {
        v.iter()
            .filter_map(|e| e.origin.as_ref().map(|o| o.position))
            .collect()
    }

    /// Fails with `error` once `ok` bytes have been read.
    struct FailingReader {
        data: Vec<u8>,
        at: usize,
        ok: usize,
    }

    impl Read for FailingReader {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.at >= self.ok {
                return Err(io::Error::other("corrupt deflate stream"));
            }
            let n = buf.len().min(self.ok - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    #[test]
    fn a_stream_in_small_blocks_reads_as_one_pass_whatever_the_threads() {
        let text = access_log(3000);
        let file: Arc<str> = Arc::from("access.log.gz");
        let opts = LogOptions::default();
        let mut one = Vec::new();
        let s1 = read_log(&file, text.as_bytes(), &opts, &mut |e| one.push(e));
        // Blocks of ~1 KB: hundreds of parts, cut mid-way through lines.
        for (threads, block) in [(1, 1000), (2, 1000), (3, 777), (7, 4096)] {
            let reader: Box<dyn Read + Send> = Box::new(io::Cursor::new(text.clone().into_bytes()));
            let (s, many) = read_log_stream(&file, reader, threads, &opts, block);
            assert_eq!(
                (s.lines, s.requests, s.status_401, s.format),
                (s1.lines, s1.requests, s1.status_401, s1.format),
                "{threads} threads, {block}-byte blocks"
            );
            // Every 401 is an event at its own line number.
            let ones = |v: &[ServerEvent]| -> Vec<u64> {
                v.iter()
                    .filter(|e| e.status == Some(401))
                    .filter_map(|e| e.origin.as_ref().map(|o| o.position))
                    .collect()
            };
            assert_eq!(ones(&many), ones(&one), "{threads} threads");
        }
        // The same blocks give the same events with any thread count.
        let run = |threads| {
            let reader: Box<dyn Read + Send> = Box::new(io::Cursor::new(text.clone().into_bytes()));
            positions(&read_log_stream(&file, reader, threads, &opts, 1000).1)
        };
        assert_eq!(run(1), run(4));
    }

    #[test]
    fn a_stream_that_fails_keeps_the_lines_before_and_names_the_line() {
        let text = access_log(400);
        let file: Arc<str> = Arc::from("access.log.gz");
        let opts = LogOptions::default();
        // Fail part-way through line 301.
        let cut = text
            .split_inclusive('\n')
            .take(300)
            .map(str::len)
            .sum::<usize>()
            + 10;
        let reader = FailingReader {
            data: text.clone().into_bytes(),
            at: 0,
            ok: cut,
        };
        let (s, events) = read_log_stream(&file, Box::new(reader), 2, &opts, 1500);
        let single = FailingReader {
            data: text.into_bytes(),
            at: 0,
            ok: cut,
        };
        let mut one = Vec::new();
        let s1 = read_log(&file, single, &opts, &mut |e| one.push(e));
        assert_eq!(s.lines, 300);
        assert_eq!((s.lines, s.status_401), (s1.lines, s1.status_401));
        assert_eq!(positions(&events), positions(&one));
        let errors: Vec<(&str, bool)> = s
            .errors
            .iter()
            .map(|e| (e.at.as_str(), e.message.contains("corrupt deflate stream")))
            .collect();
        assert_eq!(errors, [("line 301", true)]);
        assert_eq!(s.errors, s1.errors);
    }

    #[test]
    fn a_line_without_end_stops_the_cutting_and_reads_as_one_pass_would() {
        let mut text = access_log(50);
        text.push_str(&"x".repeat(5000));
        text.push_str(&access_log(50));
        let file: Arc<str> = Arc::from("access.log.zst");
        let opts = LogOptions {
            max_line_bytes: 1000,
            ..LogOptions::default()
        };
        let mut one = Vec::new();
        let s1 = read_log(&file, text.as_bytes(), &opts, &mut |e| one.push(e));
        let reader: Box<dyn Read + Send> = Box::new(io::Cursor::new(text.into_bytes()));
        let (s, many) = read_log_stream(&file, reader, 2, &opts, 500);
        assert_eq!(
            (s.lines, s.long_lines, s.status_401),
            (s1.lines, s1.long_lines, s1.status_401)
        );
        assert_eq!(positions(&many), positions(&one));
        assert_eq!(s.errors, s1.errors);
    }

    fn cloudfront_log() -> String {
        let mut text = String::from("#Version: 1.0\n#Fields: date time sc-status cs-uri-stem c-ip cs-method x-edge-request-id x-host-header cs-uri-query cs(User-Agent) cs(Host) x-edge-location\n");
        for i in 0..200 {
            text.push_str(&format!(
                "2024-03-12\t15:22:{:02}\t401\t/a/{i}\t1.2.3.4\tGET\tID{i}\th.example\t-\tcurl\tx.cloudfront.net\tCDG\n",
                i % 60
            ));
        }
        text
    }

    #[test]
    fn later_ranges_read_with_the_head_fields_header() {
        let text = cloudfront_log();
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cf.log");
        std::fs::write(&path, &text).expect("write");
        let file: Arc<str> = Arc::from("cf.log");
        let opts = LogOptions::default();
        let mut one = Vec::new();
        let s1 = read_log(&file, text.as_bytes(), &opts, &mut |e| one.push(e));
        let (s, many) = read_log_ranges(&file, &path, 2, &opts, 1000).expect("ranges");
        assert_eq!((s.status_401, s.format), (200, s1.format));
        assert_eq!(positions(&many), positions(&one));
    }

    #[test]
    fn later_blocks_read_with_the_head_fields_header() {
        let text = cloudfront_log();
        let file: Arc<str> = Arc::from("cf.log.gz");
        let opts = LogOptions::default();
        let mut one = Vec::new();
        let s1 = read_log(&file, text.as_bytes(), &opts, &mut |e| one.push(e));
        assert_eq!(s1.status_401, 200);
        let reader: Box<dyn Read + Send> = Box::new(io::Cursor::new(text.into_bytes()));
        let (s, many) = read_log_stream(&file, reader, 2, &opts, 600);
        assert_eq!((s.status_401, s.format), (200, s1.format));
        let hosts = |v: &[ServerEvent]| -> Vec<Option<String>> {
            v.iter().map(|e| e.host().map(str::to_string)).collect()
        };
        assert_eq!(hosts(&many), hosts(&one));
        assert_eq!(positions(&many), positions(&one));
    }
}
