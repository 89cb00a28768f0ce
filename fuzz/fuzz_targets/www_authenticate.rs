//! str → `parse_www_authenticate`, plus the Display used in reports.
#![no_main]

use authlens::challenge::parse_www_authenticate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    for c in parse_www_authenticate(s) {
        let _ = c.to_string();
        let _ = c.error();
        let _ = c.is_handshake_scheme();
    }
});
