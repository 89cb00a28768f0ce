//! Bytes → `logs::read_log` (and `logs::detect` on the same head).
#![no_main]

use std::sync::Arc;

use authlens::logs::{detect, read_log, LogOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = detect(data);
    let file: Arc<str> = Arc::from("fuzz.log");
    let opts = LogOptions {
        // Small, so the over-long-line path is exercised too.
        max_line_bytes: 4096,
        ..LogOptions::default()
    };
    let mut n = 0usize;
    let _ = read_log(&file, data, &opts, &mut |_| n += 1);
});
