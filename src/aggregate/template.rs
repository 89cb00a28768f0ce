//! Endpoint templates: `/users/123/orders/9f1c…` → `/users/{id}/orders/{hex}`,
//! so that failures group by route rather than by object.

/// Collapse the variable segments of a path (ids, UUIDs, hex, long tokens,
/// emails, dates) into placeholders. The query string is dropped.
pub fn endpoint_template(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or("");
    if path.is_empty() {
        return "/".to_string();
    }
    let mut out = String::with_capacity(path.len());
    for (i, seg) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(segment(seg));
    }
    if !out.starts_with('/') {
        out.insert(0, '/');
    }
    out
}

fn segment(seg: &str) -> &str {
    if seg.is_empty() {
        return seg;
    }
    let bytes = seg.as_bytes();
    if bytes.iter().all(u8::is_ascii_digit) {
        return "{id}";
    }
    if is_uuid(seg) {
        return "{uuid}";
    }
    if seg.len() >= 8
        && bytes.iter().all(u8::is_ascii_hexdigit)
        && bytes.iter().any(u8::is_ascii_digit)
    {
        return "{hex}";
    }
    if seg.contains('@') && seg.contains('.') {
        return "{email}";
    }
    if is_date(seg) {
        return "{date}";
    }
    // Long mixed tokens (base64url ids, slugs with digits): 16+ chars with
    // both letters and digits and no vowel-heavy word shape.
    let digits = bytes.iter().filter(|b| b.is_ascii_digit()).count();
    let letters = bytes.iter().filter(|b| b.is_ascii_alphabetic()).count();
    if seg.len() >= 16
        && digits >= 3
        && letters > 0
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'='))
    {
        return "{token}";
    }
    // Prefixed numeric ids such as `ord_12345` or `u-99812`.
    if let Some(pos) = seg.rfind(['_', '-']) {
        let tail = &seg[pos + 1..];
        if tail.len() >= 3 && tail.bytes().all(|b| b.is_ascii_digit()) && pos > 0 && pos <= 6 {
            return "{id}";
        }
    }
    seg
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::endpoint_template as t;

    #[test]
    fn collapses_ids() {
        assert_eq!(t("/users/123"), "/users/{id}");
        assert_eq!(t("/v2/shipments/4401?case=t1"), "/v2/shipments/{id}");
        assert_eq!(
            t("/o/3f2b8c1e-1234-4abc-9def-0123456789ab/items"),
            "/o/{uuid}/items"
        );
        assert_eq!(t("/blobs/9f1c2ab34de5"), "/blobs/{hex}");
        assert_eq!(t("/u/alice@example.com"), "/u/{email}");
        assert_eq!(t("/reports/2026-11-23"), "/reports/{date}");
        assert_eq!(t("/orders/ord_12345"), "/orders/{id}");
        assert_eq!(t("/static/app.css"), "/static/app.css");
        assert_eq!(t("/console/"), "/console/");
        assert_eq!(t(""), "/");
    }
}
