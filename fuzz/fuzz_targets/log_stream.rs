//! Bytes → `logs::parallel::read_log_stream` in tiny blocks, against one
//! `logs::read_log` pass over the same bytes: cutting a stream into blocks
//! must not lose, split or invent a line.
#![no_main]

use std::io::{Cursor, Read};
use std::sync::Arc;

use authlens::logs::parallel::read_log_stream;
use authlens::logs::{read_log, LogOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let file: Arc<str> = Arc::from("fuzz.log.gz");
    let opts = LogOptions {
        // Small, so over-long lines and the stop of the cutting are reached.
        max_line_bytes: 512,
        ..LogOptions::default()
    };
    let one = read_log(&file, data, &opts, &mut |_| {});
    let reader: Box<dyn Read + Send> = Box::new(Cursor::new(data.to_vec()));
    let (many, _) = read_log_stream(&file, reader, 2, &opts, 97);
    assert_eq!(
        (one.lines, one.long_lines),
        (many.lines, many.long_lines),
        "line structure differs"
    );
});
