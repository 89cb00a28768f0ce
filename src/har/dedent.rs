//! Copying an entry's bytes without the indentation of its lines, 64 bytes
//! at a time, so serde does not walk it.
//!
//! In a pretty-printed HAR, indentation is two fifths of the bytes serde
//! reads (bodies aside), and serde spent about ten instructions on each of
//! them. Per block: bitmasks of newlines and blanks (space, tab); the blanks
//! in a run that starts right after a newline are dropped, found with one
//! addition (a run's first bit plus the run carries through it). Newlines
//! stay, so serde's line numbers are still the entry's, and a newline
//! inside a string (invalid JSON) is still there for serde to reject.

/// Append `part` to `out` without the blanks that follow each newline.
pub fn push_dedented(out: &mut Vec<u8>, part: &[u8]) {
    // A block more: `keep` writes 64 bytes for each run it appends.
    out.reserve(part.len() + 64);
    let mut skipping = false;
    let mut blocks = part.chunks_exact(64);
    for block in &mut blocks {
        let block: &[u8; 64] = block.try_into().unwrap_or(&[0; 64]);
        let (newline, blank) = masks(block);
        let drop = indentation(newline, blank, &mut skipping);
        keep(out, block, !drop);
    }
    let rest = blocks.remainder();
    if !rest.is_empty() {
        // `x` is neither a newline nor a blank, so the padding is never
        // dropped; it is not copied either.
        let mut padded = [b'x'; 64];
        padded[..rest.len()].copy_from_slice(rest);
        let (newline, blank) = masks(&padded);
        let drop = indentation(newline, blank, &mut skipping);
        keep(out, &padded, !drop & (u64::MAX >> (64 - rest.len())));
    }
}

/// The blanks of runs that start after a newline (or at bit 0 when the
/// previous block ended inside such a run, `skipping`).
#[inline]
fn indentation(newline: u64, blank: u64, skipping: &mut bool) -> u64 {
    // A run's first blank, added to the run, clears it and carries past it.
    let starts = ((newline << 1) | u64::from(*skipping)) & blank;
    let (sum, carried_out) = blank.overflowing_add(starts);
    *skipping = carried_out || newline >> 63 == 1;
    blank & !sum
}

/// Append the bytes of `block` whose bit is set in `kept`, run by run.
/// Each run is copied as a fixed 64 bytes (from a copy of the block
/// padded to 128) into spare capacity, and only the run's length is
/// counted: a `memcpy` call per run, a line's text of a few dozen bytes,
/// was 7 % of reading a pretty-printed HAR.
#[inline]
fn keep(out: &mut Vec<u8>, block: &[u8; 64], mut kept: u64) {
    if kept == u64::MAX {
        out.extend_from_slice(block);
        return;
    }
    let mut padded = [0u8; 128];
    padded[..64].copy_from_slice(block);
    while kept != 0 {
        let start = kept.trailing_zeros() as usize;
        let len = (!(kept >> start)).trailing_zeros() as usize;
        let end = start + len;
        // Rarely grows: `push_dedented` reserved the part and a block more.
        out.reserve(64);
        let at = out.len();
        // SAFETY: `start` < 64, so the 64 bytes read from `padded` lie in
        // its 128; `reserve` left at least 64 bytes of capacity after `at`
        // for the write. Of what was written, only the run (`len` <= 64 -
        // `start` bytes, all of them initialized) is counted by `set_len`.
        unsafe {
            std::ptr::copy_nonoverlapping(padded.as_ptr().add(start), out.as_mut_ptr().add(at), 64);
            out.set_len(at + len);
        }
        kept = if end >= 64 {
            0
        } else {
            kept & (u64::MAX << end)
        };
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn masks(block: &[u8; 64]) -> (u64, u64) {
    use std::arch::x86_64::*;
    // SAFETY: `block` is 64 readable bytes, read with unaligned loads; SSE2
    // is part of the x86_64 baseline.
    unsafe {
        let newline = _mm_set1_epi8(b'\n' as i8);
        let space = _mm_set1_epi8(b' ' as i8);
        let tab = _mm_set1_epi8(b'\t' as i8);
        let mut newlines = 0u64;
        let mut blanks = 0u64;
        for i in 0..4 {
            let v = _mm_loadu_si128(block.as_ptr().add(16 * i) as *const __m128i);
            let n = _mm_movemask_epi8(_mm_cmpeq_epi8(v, newline)) as u16 as u64;
            let b = _mm_movemask_epi8(_mm_or_si128(
                _mm_cmpeq_epi8(v, space),
                _mm_cmpeq_epi8(v, tab),
            )) as u16 as u64;
            newlines |= n << (16 * i);
            blanks |= b << (16 * i);
        }
        (newlines, blanks)
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn masks(block: &[u8; 64]) -> (u64, u64) {
    let mut newlines = 0u64;
    let mut blanks = 0u64;
    for (i, &b) in block.iter().enumerate() {
        newlines |= u64::from(b == b'\n') << i;
        blanks |= u64::from(b == b' ' || b == b'\t') << i;
    }
    (newlines, blanks)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A byte at a time: drop blanks while they follow a newline.
    fn reference(part: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut skipping = false;
        for &b in part {
            if skipping && (b == b' ' || b == b'\t') {
                continue;
            }
            skipping = b == b'\n';
            out.push(b);
        }
        out
    }

    fn dedented(part: &[u8]) -> Vec<u8> {
        let mut out = b"kept".to_vec();
        push_dedented(&mut out, part);
        assert_eq!(&out[..4], b"kept", "what was in the buffer stays");
        out.split_off(4)
    }

    #[test]
    fn indentation_goes_and_everything_else_stays() {
        let doc = b"{\n  \"name\": \"a  b\",\n\t\t\"value\" : 1 \n}\n\n   ";
        assert_eq!(
            dedented(doc),
            b"{\n\"name\": \"a  b\",\n\"value\" : 1 \n}\n\n".to_vec()
        );
        assert_eq!(dedented(b""), b"".to_vec());
        assert_eq!(dedented(b"   x"), b"   x".to_vec(), "no newline before");
    }

    #[test]
    fn runs_across_block_edges_are_dropped_whole() {
        // Newlines and indentation at every offset around the 64-byte edges.
        for at in 50..140 {
            for width in [0, 1, 13, 64, 70, 130] {
                let mut doc = vec![b'a'; at];
                doc.push(b'\n');
                doc.extend(std::iter::repeat_n(b' ', width));
                doc.extend_from_slice(b"\"k\": [\n\t1,\n  2]\n");
                assert_eq!(dedented(&doc), reference(&doc), "at {at} width {width}");
            }
        }
    }

    #[test]
    fn agrees_with_a_byte_at_a_time_copy_on_random_text() {
        let alphabet = b"  \t\n\nab\"{";
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for len in 0..400 {
            let doc: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    alphabet[(x % alphabet.len() as u64) as usize]
                })
                .collect();
            assert_eq!(dedented(&doc), reference(&doc), "{doc:?}");
        }
    }
}
