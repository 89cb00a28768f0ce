//! Bytes → `har::read_har`: the streaming scanner plus entry reduction must
//! never panic, hang or allocate without bound, whatever the document.
#![no_main]

use std::sync::Arc;

use authlens::har::{read_har, HarLimits, HarOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let file: Arc<str> = Arc::from("fuzz.har");
    for jsonp in [false, true] {
        let out = read_har(
            &file,
            data,
            &HarOptions {
                threads: 1,
                keys: None,
                jsonp,
                // Small caps, so the limit paths are reached too.
                limits: HarLimits {
                    max_entry_bytes: 16 * 1024,
                    max_header_bytes: 256,
                },
            },
        );
        // Entries kept before a fault are still well-formed records.
        for r in &out.requests {
            let _ = authlens::aggregate::template::endpoint_template(r.path());
            let _ = r.url().len() + r.request_ids().map(str::len).sum::<usize>();
        }
    }
});
