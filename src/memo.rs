//! Answers remembered for short texts that records repeat. A night of logs
//! says "jwt expired" and sends the same `WWW-Authenticate` header a
//! hundred thousand times; matching, parsing or masking each copy anew
//! cost more than reading the line it came from. A memo holds a bounded
//! number of texts of bounded length and is emptied when full, so its
//! memory stays small whatever the input.

use std::cell::RefCell;
use std::thread::LocalKey;

/// Texts longer than this are not remembered: they are rarely repeated.
pub const MAX_TEXT: usize = 256;

/// Answers for up to `capacity` texts.
///
/// Keys are hashed with hashbrown's foldhash (seeded per process, like
/// SipHash): SipHash on a 200-byte message cost more than the answer it
/// looked up.
#[derive(Debug)]
pub struct TextMemo<V> {
    answers: hashbrown::HashMap<Box<str>, V>,
    capacity: usize,
}

impl<V: Clone> TextMemo<V> {
    pub fn new(capacity: usize) -> TextMemo<V> {
        TextMemo {
            answers: hashbrown::HashMap::new(),
            capacity,
        }
    }

    /// The answer for `text`, made by `make` when not remembered.
    pub fn get_or_make(&mut self, text: &str, make: impl FnOnce(&str) -> V) -> V {
        if let Some(known) = self.get(text) {
            return known;
        }
        let answer = make(text);
        self.put(text, answer.clone());
        answer
    }

    pub fn get(&self, text: &str) -> Option<V> {
        self.answers.get(text).cloned()
    }

    /// Remember `answer` for `text`, unless the text is too long.
    pub fn put(&mut self, text: &str, answer: V) {
        if text.len() <= MAX_TEXT {
            if self.answers.len() >= self.capacity {
                self.answers.clear();
            }
            self.answers.insert(text.into(), answer);
        }
    }

    pub fn len(&self) -> usize {
        self.answers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.answers.is_empty()
    }
}

/// `make(text)` through this thread's memo `memo`. Should the memo be in
/// use (only if `make` asked the same memo), the answer is made anew.
pub fn remembered<V: Clone>(
    memo: &'static LocalKey<RefCell<TextMemo<V>>>,
    text: &str,
    make: impl FnOnce(&str) -> V,
) -> V {
    memo.with(|memo| match memo.try_borrow_mut() {
        Ok(mut memo) => memo.get_or_make(text, make),
        Err(_) => make(text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_made_once_and_the_memo_stays_bounded() {
        let mut memo = TextMemo::new(4);
        let mut made = 0;
        let mut ask = |memo: &mut TextMemo<String>, text: &str| {
            memo.get_or_make(text, |t| {
                made += 1;
                t.to_uppercase()
            })
        };
        assert_eq!(ask(&mut memo, "jwt expired"), "JWT EXPIRED");
        assert_eq!(ask(&mut memo, "jwt expired"), "JWT EXPIRED");
        let long = "x".repeat(MAX_TEXT + 1);
        assert_eq!(ask(&mut memo, &long), long.to_uppercase());
        assert_eq!(ask(&mut memo, &long), long.to_uppercase());
        assert_eq!(memo.len(), 1, "a long text is not kept");
        for i in 0..10 {
            assert_eq!(ask(&mut memo, &format!("m{i}")), format!("M{i}"));
            assert!(memo.len() <= 4);
        }
        assert_eq!(made, 1 + 2 + 10, "made again only when not kept");
    }
}
