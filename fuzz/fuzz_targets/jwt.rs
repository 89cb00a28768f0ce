//! str → `decode_jwt` (and `looks_like_jwt`), both the raw input and a
//! three-segment form built from it so the claim decoder is reached often.
#![no_main]

use authlens::credential::{decode_jwt, looks_like_jwt};
use base64::Engine;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = looks_like_jwt(s);
        let _ = decode_jwt(s);
    }
    // header.payload.sig with the fuzz bytes split into header and payload.
    let mid = data.len() / 2;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let token = format!(
        "{}.{}.c2ln",
        b64.encode(&data[..mid]),
        b64.encode(&data[mid..])
    );
    let _ = decode_jwt(&token);
});
