//! Short strings that many records repeat (hosts, header, cookie and query
//! parameter names, Authorization scheme words), shared per worker thread
//! as one `Arc<str>` each. A multi-GB capture keeps hundreds of thousands
//! of records naming the same few dozen of them; a `String` each cost a
//! separate allocation of at least 32 bytes in every one.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Arc;

/// Strings kept per worker before the table is emptied: a capture names a
/// few dozen hosts and headers, a crawl many more, and the table must stay
/// bounded.
const TABLE_SIZE: usize = 4096;

thread_local! {
    static TABLE: RefCell<HashSet<Arc<str>>> = RefCell::new(HashSet::new());
}

/// `text` as an `Arc<str>` shared with the earlier records of this thread
/// that held the same text.
pub fn intern(text: &str) -> Arc<str> {
    TABLE.with(|table| {
        let mut table = table.borrow_mut();
        if let Some(known) = table.get(text) {
            return Arc::clone(known);
        }
        if table.len() >= TABLE_SIZE {
            table.clear();
        }
        let new: Arc<str> = Arc::from(text);
        table.insert(Arc::clone(&new));
        new
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_are_shared_per_thread() {
        let a = intern("api.example:8443");
        let b = intern("api.example:8443");
        assert!(Arc::ptr_eq(&a, &b), "same text, one allocation");
        assert_eq!(&*a, "api.example:8443");
        let c = intern("other.example");
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(&*intern(""), "");
    }

    #[test]
    fn the_table_stays_bounded() {
        for i in 0..TABLE_SIZE + 10 {
            intern(&format!("h{i}.example"));
        }
        let len = TABLE.with(|t| t.borrow().len());
        assert!(len <= TABLE_SIZE, "{len} strings kept");
        // Emptying the table loses sharing, never the value.
        assert_eq!(&*intern("h0.example"), "h0.example");
    }
}
