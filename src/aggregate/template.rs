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
        // A table lookup per byte, its bits counted or combined: six tests
        // a byte were most of the cost of a template.
        let (mut digits, mut letters, mut every, mut some) = (0, 0, u8::MAX, 0);
        for &b in bytes {
            let class = CLASS[usize::from(b)];
            digits += usize::from(class & DIGIT);
            letters += usize::from((class & ALPHA) >> 1);
            every &= class;
            some |= class;
        }
        Shape {
            digits,
            letters,
            all_hex: every & HEX != 0,
            at_sign: some & AT != 0,
            dot: some & DOT != 0,
            token_alphabet: every & TOKEN != 0,
        }
    }
}

const DIGIT: u8 = 1;
const ALPHA: u8 = 2;
const HEX: u8 = 4;
const AT: u8 = 8;
const DOT: u8 = 16;
/// Letters, digits and `-_.~=`.
const TOKEN: u8 = 32;

/// Each byte's classes, as [`Shape::of`] reads them.
const CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let mut class = 0;
        if c.is_ascii_digit() {
            class |= DIGIT | HEX | TOKEN;
        }
        if c.is_ascii_alphabetic() {
            class |= ALPHA | TOKEN;
        }
        if c.is_ascii_hexdigit() {
            class |= HEX;
        }
        if matches!(c, b'-' | b'_' | b'.' | b'~' | b'=') {
            class |= TOKEN;
        }
        if c == b'@' {
            class |= AT;
        }
        if c == b'.' {
            class |= DOT;
        }
        table[b] = class;
        b += 1;
    }
    table
};

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
    use super::Shape;

    #[test]
    fn the_class_table_reads_each_byte_as_the_tests_it_stands_for() {
        for b in 0..=255u8 {
            let s = Shape::of(&[b, b'7']);
            assert_eq!(s.digits, 1 + usize::from(b.is_ascii_digit()), "{b}");
            assert_eq!(s.letters, usize::from(b.is_ascii_alphabetic()), "{b}");
            assert_eq!(s.all_hex, b.is_ascii_hexdigit(), "{b}");
            assert_eq!(s.at_sign, b == b'@', "{b}");
            assert_eq!(s.dot, b == b'.', "{b}");
            let token = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'=');
            assert_eq!(s.token_alphabet, token, "{b}");
        }
    }

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
