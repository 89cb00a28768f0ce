//! Neutralizing input strings for each output: CSV cells a spreadsheet
//! would run as formulas, terminal control sequences, Markdown table cells.

/// Prefix a cell that a spreadsheet would evaluate (`=`, `+`, `-`, `@`, tab,
/// CR at the start) with a single quote, the OWASP-recommended defence.
/// Plain negative numbers are left alone: they are data, not formulas.
/// Terminal escapes are replaced too: CSVs get `cat`, `column` and `less`ed.
pub fn csv_cell(s: &str) -> std::borrow::Cow<'_, str> {
    let risky = starts_formula(s);
    // Printable ASCII (the usual cell) needs no per-character lookup.
    let plain = s
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) || b == b'\n' || b == b'\t');
    let s: std::borrow::Cow<'_, str> = if !plain && s.chars().any(is_unsafe_control) {
        std::borrow::Cow::Owned(terminal(s))
    } else {
        std::borrow::Cow::Borrowed(s)
    };
    if risky && s.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        s
    }
}

/// Would a spreadsheet read a cell starting so as a formula (`=`, `+`, `-`,
/// `@`, tab, CR)?
fn starts_formula(s: &str) -> bool {
    matches!(
        s.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// A cell that [`csv_cell`] leaves alone and that needs no quoting in a
/// CSV record: plain (see [`is_plain_cell`]) and not starting a formula.
pub fn is_untouched_cell(s: &str) -> bool {
    !starts_formula(s) && is_plain_cell(s.as_bytes())
}

/// Printable ASCII without a comma or a quote: a cell that [`csv_cell`]
/// leaves alone (unless it starts a formula) and that needs no quoting.
/// Checked 16 bytes at a time: failures.csv has a row of 22 cells per 401.
fn is_plain_cell(cell: &[u8]) -> bool {
    let mut blocks = cell.chunks_exact(16);
    for block in &mut blocks {
        let block: &[u8; 16] = block.try_into().unwrap_or(&[0; 16]);
        if !plain_block(block) {
            return false;
        }
    }
    // Blanks are plain: the padding passes.
    let mut padded = [b' '; 16];
    let rest = blocks.remainder();
    padded[..rest.len()].copy_from_slice(rest);
    plain_block(&padded)
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn plain_block(block: &[u8; 16]) -> bool {
    use std::arch::x86_64::*;
    // SAFETY: `block` is 16 readable bytes, read with an unaligned load;
    // SSE2 is part of the x86_64 baseline.
    unsafe {
        let v = _mm_loadu_si128(block.as_ptr() as *const __m128i);
        // Signed: bytes from 0x80 up are below 0x20 too.
        let control_or_high = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
        let odd = _mm_or_si128(
            _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)),
            _mm_or_si128(
                _mm_cmpeq_epi8(v, _mm_set1_epi8(b',' as i8)),
                _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8)),
            ),
        );
        _mm_movemask_epi8(_mm_or_si128(control_or_high, odd)) == 0
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn plain_block(block: &[u8; 16]) -> bool {
    block
        .iter()
        .all(|&b| (0x20..0x7f).contains(&b) && b != b',' && b != b'"')
}

/// Control characters (C0, C1 — ESC and CSI among them) and the bidi
/// overrides that make text display in another order than it reads
/// ("Trojan Source", CVE-2021-42574). Newline and tab are layout.
fn is_unsafe_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Remove terminal control characters (ESC sequences, BEL, backspace…) so
/// a crafted URL cannot repaint the user's terminal.
pub fn terminal(s: &str) -> String {
    s.chars()
        .map(|c| if is_unsafe_control(c) { '�' } else { c })
        .collect()
}

/// A Markdown table cell: pipes, backticks and newlines escaped, control
/// characters dropped.
pub fn markdown_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '`' => out.push_str("\\`"),
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '*' | '_' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A URL as text for Markdown and shell output: characters that RFC 3986
/// never allows raw (`<`, `>`, `"`, space, backtick, `|`, `\\`, `^`) are
/// percent-encoded. The URL means the same to a server and cannot carry
/// markup into a renderer that treats code as HTML.
pub fn url_text(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            '<' | '>' | '"' | ' ' | '`' | '|' | '\\' | '^' => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_cells_are_told_apart_at_every_position() {
        let plain = |b: u8| (0x20..0x7f).contains(&b) && b != b',' && b != b'"';
        assert!(is_plain_cell(b""));
        for len in 1..40 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut cell = vec![b'a'; len];
                    cell[at] = b;
                    assert_eq!(is_plain_cell(&cell), plain(b), "{b:#x} at {at} of {len}");
                }
            }
        }
    }

    #[test]
    fn urls_lose_markup_but_keep_meaning() {
        assert_eq!(
            url_text("https://h/a/<script>?q=\"x y\"|`z`"),
            "https://h/a/%3Cscript%3E?q=%22x%20y%22%7C%60z%60"
        );
        assert_eq!(
            url_text("https://h/users/{id}?a=1&b=[redacted:ab]"),
            "https://h/users/{id}?a=1&b=[redacted:ab]"
        );
    }

    #[test]
    fn formulas_are_neutralized() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_cell("+1+1"), "'+1+1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("-12.5"), "-12.5");
        assert_eq!(csv_cell("/users/{id}"), "/users/{id}");
    }

    #[test]
    fn terminal_escapes_are_stripped() {
        assert_eq!(terminal("a\u{1b}[31mred\u{7}"), "a�[31mred�");
        assert_eq!(terminal("x\u{9b}2Jy\u{202e}z"), "x�2Jy�z");
    }

    #[test]
    fn csv_cells_lose_terminal_escapes_and_stay_quoted() {
        assert_eq!(csv_cell("=A1\u{1b}[31m"), "'=A1�[31m");
        assert_eq!(csv_cell("path\u{1b}]0;title\u{7}"), "path�]0;title�");
        assert_eq!(csv_cell("two\nlines"), "two\nlines");
    }

    #[test]
    fn markdown_cells_cannot_break_tables() {
        assert_eq!(markdown_cell("a|b\n`c`"), "a\\|b \\`c\\`");
    }
}
