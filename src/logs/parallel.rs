//! One big plain log read by several threads: the file is cut at line
//! boundaries into ranges of about [`RANGE_BYTES`], each range is parsed on
//! its own, and the results are put back in file order with line numbers
//! made absolute again. The ranges depend on the file only, never on the
//! thread count, so the output is the same with 1 thread or 16. Only plain
//! files are split (a gzip stream cannot be entered in the middle).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use super::{read_log, LogOptions, LogSummary};
use crate::model::ServerEvent;

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
    let len = std::fs::metadata(path)?.len();
    let parts_wanted = len.div_ceil(RANGE_BYTES).max(1) as usize;
    let starts = boundaries(path, len, parts_wanted)?;
    let ranges: Vec<(u64, u64)> = starts
        .iter()
        .enumerate()
        .map(|(i, &s)| (s, starts.get(i + 1).copied().unwrap_or(len)))
        .collect();
    type Part = io::Result<(LogSummary, Vec<ServerEvent>)>;
    let read_range = |(s, e): (u64, u64)| -> Part {
        let mut f = File::open(path)?;
        f.seek(SeekFrom::Start(s))?;
        let reader = f.take(e - s);
        let mut events = Vec::new();
        let summary = read_log(file, reader, opts, &mut |ev| events.push(ev));
        Ok((summary, events))
    };
    // `threads` workers take ranges in turn; this thread puts their results
    // together in file order as soon as each next range is done, so a range
    // never waits in memory beside its copy.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Part)>();
    let mut total = LogSummary::default();
    let mut all = Vec::new();
    let mut offset = 0u64;
    let mut failed: Option<io::Error> = None;
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
        let mut pending: std::collections::BTreeMap<usize, Part> = Default::default();
        let mut want = 0usize;
        for (i, part) in rx.iter() {
            pending.insert(i, part);
            while let Some(part) = pending.remove(&want) {
                want += 1;
                match part {
                    Ok((summary, events)) => {
                        merge(&mut total, &mut all, &mut offset, summary, events)
                    }
                    Err(e) => {
                        failed.get_or_insert(e);
                    }
                }
            }
        }
        if want < ranges.len() {
            failed.get_or_insert_with(|| io::Error::other("a log range was not read"));
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    Ok((total, all))
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
        for threads in [1, 2, 3, 7] {
            let (s, many) = read_log_parallel(&file, &path, threads, &opts).expect("parallel");
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
}
