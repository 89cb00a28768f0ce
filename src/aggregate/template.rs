//! Endpoint templates: `/users/123/orders/9f1c…` → `/users/{id}/orders/{hex}`,
//! so that failures group by route rather than by object.

/// Collapse the variable segments of a path (ids, UUIDs, hex, long tokens,
/// emails, dates) into placeholders. The query string is dropped.
pub fn endpoint_template(path: &str) -> String {
    let path = memchr::memchr2(b'?', b'#', path.as_bytes()).map_or(path, |i| &path[..i]);
    if path.is_empty() {
        return "/".to_string();
    }
    let mut out = String::with_capacity(path.len() + 1);
    if !path.starts_with('/') {
        out.push('/');
    }
    // Segments found by a plain loop: paths are a few tens of bytes, and a
    // `split` iterator's search per segment cost more than the segment.
    let mut start = 0;
    for (i, b) in path.bytes().enumerate() {
        if b == b'/' {
            // `/` is ASCII: the cuts are char boundaries.
            out.push_str(segment(&path[start..i]));
            out.push('/');
            start = i + 1;
        }
    }
    out.push_str(segment(&path[start..]));
    out
}

/// What one pass over a segment's bytes tells: every test below reads
/// these instead of walking the segment again (a template per finding).
struct Shape {
    digits: usize,
    letters: usize,
    all_hex: bool,
    at_sign: bool,
    dot: bool,
    /// Only letters, digits and `-_.~=`: a base64url or slug alphabet.
    token_alphabet: bool,
}

impl Shape {
    fn of(bytes: &[u8]) -> Shape {
        let mut shape = Shape {
            digits: 0,
            letters: 0,
            all_hex: true,
            at_sign: false,
            dot: false,
            token_alphabet: true,
        };
        for &b in bytes {
            shape.digits += usize::from(b.is_ascii_digit());
            shape.letters += usize::from(b.is_ascii_alphabetic());
            shape.all_hex &= b.is_ascii_hexdigit();
            shape.at_sign |= b == b'@';
            shape.dot |= b == b'.';
            shape.token_alphabet &=
                b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'=');
        }
        shape
    }
}

fn segment(seg: &str) -> &str {
    if seg.is_empty() {
        return seg;
    }
    let bytes = seg.as_bytes();
    let shape = Shape::of(bytes);
    if shape.digits == bytes.len() {
        return "{id}";
    }
    if is_uuid(seg) {
        return "{uuid}";
    }
    if seg.len() >= 8 && shape.all_hex && shape.digits > 0 {
        return "{hex}";
    }
    if shape.at_sign && shape.dot {
        return "{email}";
    }
    if is_date(seg) {
        return "{date}";
    }
    // Long mixed tokens (base64url ids, slugs with digits): 16+ chars with
    // both letters and digits and no vowel-heavy word shape.
    if seg.len() >= 16 && shape.digits >= 3 && shape.letters > 0 && shape.token_alphabet {
        return "{token}";
    }
    // Prefixed numeric ids such as `ord_12345` or `u-99812`.
    if let Some(pos) = bytes.iter().rposition(|b| matches!(b, b'_' | b'-')) {
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

    #[test]
    fn each_rule_needs_all_of_its_conditions() {
        assert_eq!(t("/t/abcdEFGH1234ijkl"), "/t/{token}");
        // Two digits are not a token; 15 characters are not either.
        assert_eq!(t("/t/abcdEFGH12ijklm"), "/t/abcdEFGH12ijklm");
        assert_eq!(t("/t/abcdEFGH1234ijk"), "/t/abcdEFGH1234ijk");
        // A character outside the token alphabet.
        assert_eq!(t("/t/abcdEFGH1234ijk!"), "/t/abcdEFGH1234ijk!");
        // Hex needs a digit and 8 characters.
        assert_eq!(t("/deadbeefcafe"), "/deadbeefcafe");
        assert_eq!(t("/dead0be"), "/dead0be");
        assert_eq!(t("/dead0bee"), "/{hex}");
        assert_eq!(t("/u/alice@example"), "/u/alice@example");
        assert_eq!(t("/x/ab_12"), "/x/ab_12");
        assert_eq!(t("/x/abcdefg_123"), "/x/abcdefg_123");
        assert_eq!(t("/x/_123"), "/x/_123");
        assert_eq!(t("users/42#frag"), "/users/{id}");
        assert_eq!(t("/a//b/"), "/a//b/");
        assert_eq!(t("/é/123é"), "/é/123é");
    }
}
