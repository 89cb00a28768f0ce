//! Session cookies, API keys (header and query) and URL/text masking.
#![no_main]

use authlens::credential::{
    api_key_header, api_key_query, is_api_key_header, is_key_query_param, is_session_cookie,
    mask_secrets, mask_url, percent_decode, session_cookie,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    let (name, value) = s.split_once('\u{0}').unwrap_or(("session", s));
    if is_session_cookie(name, value) {
        let _ = session_cookie(name, value);
    }
    let lower = name.to_ascii_lowercase();
    let _ = is_api_key_header(&lower);
    let _ = api_key_header(&lower, value);
    let _ = is_key_query_param(name);
    let _ = api_key_query(name, value);
    let _ = percent_decode(s);
    let _ = mask_secrets(s);
    let _ = mask_url(s);
    let _ = mask_url(&format!("https://h/p?{name}={value}"));
});
