//! Finding where a JSON object or array ends, 64 bytes at a time.
//!
//! The technique of simdjson's stage 1 (Langdale & Lemire, "Parsing
//! gigabytes of JSON per second", 2019): per 64-byte block, bitmasks of
//! quotes, backslashes and brackets; backslash runs of odd length mark the
//! escaped quotes; a prefix XOR over the unescaped quotes gives the bytes
//! inside strings; only brackets outside strings move the depth. HAR
//! bodies are escape-dense JSON-in-a-string, where a byte-at-a-time or
//! memchr scanner stops every few bytes; this one does not.

const EVEN_BITS: u64 = 0x5555_5555_5555_5555;
const ODD_BITS: u64 = !EVEN_BITS;

/// Carry state between blocks.
#[derive(Debug, Clone, Default)]
pub struct BlockState {
    pub depth: usize,
    pub in_string: bool,
    /// The previous block ended in an odd-length backslash run.
    prev_odd_backslash: u64,
    /// When set, string contents at least this long are recorded in `long`.
    pub long_threshold: Option<usize>,
    /// Offset of the opening quote of the string being read (tracking only).
    open_quote: Option<usize>,
    /// Contents (between the quotes) of long strings, as offsets from the
    /// value's first byte.
    pub long: Vec<(usize, usize)>,
}

/// Outcome of one block.
pub enum Step {
    /// The value closed at this offset within the block (exclusive end).
    End(usize),
    /// Still open after the block.
    More,
    /// Nesting went past the limit at this offset within the block.
    TooDeep(usize),
}

#[derive(Clone, Copy)]
struct Masks {
    quote: u64,
    backslash: u64,
    open: u64,
    close: u64,
}

#[cfg(target_arch = "x86_64")]
fn masks(block: &[u8; 64]) -> Masks {
    // SSE2 is part of the x86_64 baseline, so no runtime detection is needed.
    use std::arch::x86_64::*;
    // SAFETY: `block` is 64 readable bytes; unaligned loads are used; SSE2
    // is always available on x86_64.
    unsafe {
        let quote = _mm_set1_epi8(b'"' as i8);
        let backslash = _mm_set1_epi8(b'\\' as i8);
        let lower = _mm_set1_epi8(0x20);
        // `{`|0x20 == `{` and `[`|0x20 == `{`; likewise `}` and `]`.
        let open = _mm_set1_epi8(b'{' as i8);
        let close = _mm_set1_epi8(b'}' as i8);
        let mut m = Masks {
            quote: 0,
            backslash: 0,
            open: 0,
            close: 0,
        };
        for k in 0..4 {
            let v = _mm_loadu_si128(block.as_ptr().add(16 * k) as *const __m128i);
            let folded = _mm_or_si128(v, lower);
            let shift = 16 * k as u32;
            m.quote |= (_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)) as u16 as u64) << shift;
            m.backslash |= (_mm_movemask_epi8(_mm_cmpeq_epi8(v, backslash)) as u16 as u64) << shift;
            m.open |= (_mm_movemask_epi8(_mm_cmpeq_epi8(folded, open)) as u16 as u64) << shift;
            m.close |= (_mm_movemask_epi8(_mm_cmpeq_epi8(folded, close)) as u16 as u64) << shift;
        }
        m
    }
}

/// [`masks`] with two 32-byte AVX2 compares per character instead of four
/// 16-byte SSE2 ones: the structure scan runs on the reader thread, which
/// paces a whole HAR run.
///
/// # Safety
/// The CPU must support AVX2 (`is_x86_feature_detected!("avx2")`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn masks_avx2(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::*;
    // SAFETY: `block` is 64 readable bytes and the loads are unaligned;
    // the caller guarantees AVX2.
    unsafe {
        let lo = _mm256_loadu_si256(block.as_ptr() as *const __m256i);
        let hi = _mm256_loadu_si256(block.as_ptr().add(32) as *const __m256i);
        let lower = _mm256_set1_epi8(0x20);
        // `{`|0x20 == `{` and `[`|0x20 == `{`; likewise `}` and `]`.
        let (folded_lo, folded_hi) = (_mm256_or_si256(lo, lower), _mm256_or_si256(hi, lower));
        let bits = |lo: __m256i, hi: __m256i, byte: u8| -> u64 {
            let c = _mm256_set1_epi8(byte as i8);
            let l = _mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, c)) as u32 as u64;
            let h = _mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, c)) as u32 as u64;
            l | h << 32
        };
        Masks {
            quote: bits(lo, hi, b'"'),
            backslash: bits(lo, hi, b'\\'),
            open: bits(folded_lo, folded_hi, b'{'),
            close: bits(folded_lo, folded_hi, b'}'),
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn masks(block: &[u8; 64]) -> Masks {
    let mut m = Masks {
        quote: 0,
        backslash: 0,
        open: 0,
        close: 0,
    };
    for (i, &b) in block.iter().enumerate() {
        let bit = 1u64 << i;
        match b {
            b'"' => m.quote |= bit,
            b'\\' => m.backslash |= bit,
            b'{' | b'[' => m.open |= bit,
            b'}' | b']' => m.close |= bit,
            _ => {}
        }
    }
    m
}

/// Bits of the characters escaped by an odd-length backslash run.
fn escaped(backslash: u64, prev_odd: &mut u64) -> u64 {
    let start_edges = backslash & !(backslash << 1);
    let even_start_mask = EVEN_BITS ^ *prev_odd;
    let even_starts = start_edges & even_start_mask;
    let odd_starts = start_edges & !even_start_mask;
    let even_carries = backslash.wrapping_add(even_starts);
    let (mut odd_carries, overflow) = backslash.overflowing_add(odd_starts);
    odd_carries |= *prev_odd;
    *prev_odd = u64::from(overflow);
    let even_carry_ends = even_carries & !backslash;
    let odd_carry_ends = odd_carries & !backslash;
    (even_carry_ends & ODD_BITS) | (odd_carry_ends & EVEN_BITS)
}

fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

impl BlockState {
    /// Record the long strings that close in this block. A string that
    /// opens and closes inside one block is shorter than 64 bytes, so with
    /// `threshold` >= 64 only two quotes can matter: the first one when the
    /// block starts inside a string (it closes that string), and the last
    /// one when the block ends inside a string (it opens that string).
    /// Header-dense blocks hold a dozen quotes; this looks at two.
    fn track_long_strings(
        &mut self,
        quotes: u64,
        was_in_string: bool,
        base: usize,
        threshold: usize,
    ) {
        if quotes == 0 {
            return;
        }
        if was_in_string {
            let at = base + quotes.trailing_zeros() as usize;
            if let Some(open) = self.open_quote.take() {
                if at - open > threshold {
                    self.long.push((open + 1, at));
                }
            }
        }
        self.open_quote = self
            .in_string
            .then(|| base + 63 - quotes.leading_zeros() as usize);
    }

    /// [`Self::track_long_strings`] for thresholds below a block: every
    /// quote is looked at. Unescaped quotes alternate open/close.
    fn track_every_string(&mut self, quotes: u64, base: usize, threshold: usize) {
        let mut q = quotes;
        while q != 0 {
            let at = base + q.trailing_zeros() as usize;
            match self.open_quote.take() {
                None => self.open_quote = Some(at),
                Some(open) => {
                    if at - open > threshold {
                        self.long.push((open + 1, at));
                    }
                }
            }
            q &= q - 1;
        }
    }

    /// A fresh state that records strings at least `threshold` long.
    pub fn tracking(threshold: Option<usize>) -> Self {
        BlockState {
            long_threshold: threshold,
            ..BlockState::default()
        }
    }

    /// Advance over one 64-byte block. The value's first byte (`{` or `[`)
    /// must be the first byte of the first block.
    /// `base` is the block's offset from the value's first byte.
    pub fn step(&mut self, block: &[u8; 64], base: usize, max_depth: usize) -> Step {
        self.run(block, base, max_depth).0
    }

    /// [`Self::step`] over each whole 64-byte block of `bytes` (whose first
    /// byte is `base` bytes into the value) until the value ends or nests
    /// too deep. Returns that outcome and the offset in `bytes` of the block
    /// it came from, or `More` and the bytes stepped over.
    pub fn run(&mut self, bytes: &[u8], base: usize, max_depth: usize) -> (Step, usize) {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 was just detected (the answer is cached).
            return unsafe { self.run_avx2(bytes, base, max_depth) };
        }
        self.run_with::<false>(bytes, base, max_depth)
    }

    /// [`Self::run`] compiled for AVX2, so the masks are made inline.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn run_avx2(&mut self, bytes: &[u8], base: usize, max_depth: usize) -> (Step, usize) {
        self.run_with::<true>(bytes, base, max_depth)
    }

    #[inline(always)]
    fn run_with<const AVX2: bool>(
        &mut self,
        bytes: &[u8],
        base: usize,
        max_depth: usize,
    ) -> (Step, usize) {
        let (blocks, _) = bytes.as_chunks::<64>();
        let mut at = 0;
        for block in blocks {
            #[cfg(target_arch = "x86_64")]
            let m = if AVX2 {
                // SAFETY: only `run_avx2` asks for AVX2, and its caller
                // detected it.
                unsafe { masks_avx2(block) }
            } else {
                masks(block)
            };
            #[cfg(not(target_arch = "x86_64"))]
            let m = masks(block);
            match self.step_with(m, base + at, max_depth) {
                Step::More => at += 64,
                done => return (done, at),
            }
        }
        (Step::More, at)
    }

    #[inline(always)]
    fn step_with(&mut self, m: Masks, base: usize, max_depth: usize) -> Step {
        let quotes = m.quote & !escaped(m.backslash, &mut self.prev_odd_backslash);
        let mut inside = prefix_xor(quotes);
        if self.in_string {
            inside = !inside;
        }
        let was_in_string = self.in_string;
        self.in_string = inside >> 63 == 1;
        if let Some(threshold) = self.long_threshold {
            if threshold >= 64 {
                self.track_long_strings(quotes, was_in_string, base, threshold);
            } else {
                self.track_every_string(quotes, base, threshold);
            }
        }
        let open = m.open & !inside;
        let close = m.close & !inside;
        let mut structural = open | close;
        while structural != 0 {
            let bit = structural.trailing_zeros() as usize;
            if open >> bit & 1 == 1 {
                self.depth += 1;
                if self.depth > max_depth {
                    return Step::TooDeep(bit);
                }
            } else {
                self.depth = self.depth.saturating_sub(1);
                if self.depth == 0 {
                    return Step::End(bit + 1);
                }
            }
            structural &= structural - 1;
        }
        Step::More
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference, byte at a time: where the value `s` starts with ends,
    /// and its strings longer than `threshold` (first content byte,
    /// closing quote).
    fn scalar(s: &[u8], threshold: usize) -> (Option<usize>, Vec<(usize, usize)>) {
        let (mut depth, mut open, mut esc) = (0usize, None::<usize>, false);
        let mut long = Vec::new();
        for (i, &b) in s.iter().enumerate() {
            if let Some(o) = open {
                if esc {
                    esc = false;
                } else if b == b'\\' {
                    esc = true;
                } else if b == b'"' {
                    if i - o > threshold {
                        long.push((o + 1, i));
                    }
                    open = None;
                }
                continue;
            }
            match b {
                b'"' => open = Some(i),
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        return (Some(i + 1), long);
                    }
                }
                _ => {}
            }
        }
        (None, long)
    }

    fn scalar_end(s: &[u8]) -> Option<usize> {
        scalar(s, usize::MAX).0
    }

    /// JSON-ish text dense in the characters that matter, `len` draws
    /// long, crossing block boundaries at every offset. Backslashes only
    /// inside strings, as in any valid JSON.
    fn random_document(x: &mut u64, len: usize) -> Vec<u8> {
        let alphabet = br#"{}[]"\\ ax,:"#;
        let mut s = vec![b'{'];
        let mut in_str = false;
        for _ in 0..len {
            *x ^= *x << 13;
            *x ^= *x >> 7;
            *x ^= *x << 17;
            let c = alphabet[(*x % alphabet.len() as u64) as usize];
            if c == b'\\' {
                if in_str {
                    s.push(b'\\');
                    s.push(if *x & 1 == 0 { b'"' } else { b'\\' });
                }
                continue;
            }
            in_str ^= c == b'"';
            s.push(c);
        }
        s.extend_from_slice(b"\"}}}}]]]]}}}}");
        s
    }

    /// Step `st` over `s` one space-padded 64-byte block at a time; the
    /// value's end, or `None` (too deep, or still open at the end of `s`).
    fn step_padded(st: &mut BlockState, s: &[u8], max_depth: usize) -> Option<usize> {
        let mut off = 0;
        while off < s.len() {
            let mut block = [b' '; 64];
            let n = (s.len() - off).min(64);
            block[..n].copy_from_slice(&s[off..off + n]);
            match st.step(&block, off, max_depth) {
                Step::End(e) => return Some(off + e),
                Step::TooDeep(_) => return None,
                Step::More => off += 64,
            }
        }
        None
    }

    fn block_end(s: &[u8]) -> Option<usize> {
        step_padded(&mut BlockState::default(), s, 1 << 20)
    }

    #[test]
    fn agrees_with_a_byte_scanner_on_tricky_documents() {
        let cases: Vec<String> = vec![
            r#"{"a":"}"}"#.into(),
            r#"{"a":"\"}","b":[1,{"c":"\\"}]} trailing"#.into(),
            format!(r#"{{"t":"{}","x":{{}}}}"#, "\\\\\\\"".repeat(40)),
            format!(
                r#"[{}"{}",{}]"#,
                "[".repeat(70),
                "\\".repeat(128),
                "]".repeat(70)
            ),
            format!(
                r#"{{"body":"{}"}}"#,
                r#"{\"id\":1,\"n\":\"}\\\"]\"}"#.repeat(30)
            ),
        ];
        for c in &cases {
            assert_eq!(block_end(c.as_bytes()), scalar_end(c.as_bytes()), "{c}");
        }
    }

    #[test]
    fn long_strings_are_located() {
        let body = "x\\\"y".repeat(30);
        let doc = format!(r#"{{"a":"short","text":"{body}","b":"{body}"}}"#);
        let mut st = BlockState {
            long_threshold: Some(100),
            ..BlockState::default()
        };
        assert!(step_padded(&mut st, doc.as_bytes(), 100).is_some());
        assert_eq!(st.long.len(), 2);
        for (a, b) in &st.long {
            assert_eq!(&doc[*a..*b], body);
        }
    }

    fn block_long(s: &[u8], threshold: usize) -> Vec<(usize, usize)> {
        let mut st = BlockState::tracking(Some(threshold));
        if let Some(end) = step_padded(&mut st, s, 1 << 20) {
            // Below a block's length, quotes after the value's end in its
            // last block are looked at too: not the value's.
            st.long.retain(|&(_, close)| close < end);
        }
        st.long
    }

    #[test]
    fn long_strings_agree_with_a_byte_scanner_at_any_threshold() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let mut found = 0;
        for _ in 0..300 {
            let mut s = b"{".to_vec();
            for _ in 0..1 + next(12) {
                match next(4) {
                    0 => s.extend_from_slice(b"[{}],"),
                    1 => s.extend_from_slice(b" \"k\" : 1,"),
                    _ => {
                        s.push(b'"');
                        for _ in 0..next(300) {
                            match next(10) {
                                0 => s.extend_from_slice(b"\\\""),
                                1 => s.extend_from_slice(b"\\\\"),
                                2 => s.push(b'}'),
                                _ => s.push(b'a'),
                            }
                        }
                        s.extend_from_slice(b"\",");
                    }
                }
            }
            s.extend_from_slice(b"\"end\"} \"after\" ");
            for threshold in [1, 20, 63, 64, 65, 100, 128, 200] {
                let want = scalar(&s, threshold).1;
                found += want.len();
                assert_eq!(
                    block_long(&s, threshold),
                    want,
                    "threshold {threshold}: {}",
                    String::from_utf8_lossy(&s)
                );
            }
        }
        assert!(found > 1000, "{found}");
    }

    /// The end found by `run` over a whole padded document, with the
    /// baseline masks or with whatever the CPU offers.
    fn run_end(s: &[u8], baseline: bool) -> Option<usize> {
        let mut padded = s.to_vec();
        padded.resize(s.len().div_ceil(64) * 64, b' ');
        let mut st = BlockState::default();
        let (step, at) = if baseline {
            st.run_with::<false>(&padded, 0, 1 << 20)
        } else {
            st.run(&padded, 0, 1 << 20)
        };
        match step {
            Step::End(e) => Some(at + e).filter(|&end| end <= s.len()),
            _ => None,
        }
    }

    /// Block by block with `step`, and a slice at a time with the baseline
    /// masks and with whatever the CPU offers, against the byte reference.
    #[test]
    fn agrees_on_pseudo_random_documents() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for len in 1..600 {
            let s = random_document(&mut x, len);
            let want = scalar_end(&s);
            let text = String::from_utf8_lossy(&s);
            assert_eq!(block_end(&s), want, "{text}");
            assert_eq!(run_end(&s, true), want, "{text}");
            assert_eq!(run_end(&s, false), want, "{text}");
        }
    }
}
