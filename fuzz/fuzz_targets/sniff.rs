//! Bytes → `input::sniff` (the first 64 KiB of every input go through it).
#![no_main]

use authlens::input::sniff;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = sniff(data);
});
