//! str → `parse_authorization`: the summary must never carry the raw value.
#![no_main]

use authlens::credential::parse_authorization;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    let c = parse_authorization(s);
    assert_eq!(c.fingerprint.len(), 12);
});
