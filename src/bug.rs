//! What the user sees when authlens has a bug. A panic's default message
//! quotes its payload, and a formatted payload can quote the input: the
//! standard library's own message for a bad string slice, for one, holds up
//! to 256 bytes of the string, which may be a token. The hook here prints
//! where the panic happened and a payload only when it is a literal of the
//! program (`expect("...")`, `unreachable!()`), never a formatted one.
//! [`contain`] keeps a panic while reading one input to that input.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};

/// Replace the default panic message with one that cannot quote input.
pub fn install_panic_hook() {
    panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "authlens: internal error{at} ({}). This is a bug in authlens; please report it \
             with this line and the kind of input, not the input itself.",
            payload_text(info.payload())
        );
    }));
}

/// A panic's payload when it is a literal of the program; a formatted one
/// (a `String`) may hold input, and is left out.
fn payload_text(payload: &(dyn Any + Send)) -> &'static str {
    match payload.downcast_ref::<&'static str>() {
        Some(literal) => literal,
        None => "message not shown: it may quote the input",
    }
}

/// Run `work`; a panic in it becomes `Err` with a message for the user,
/// so one input's bug does not end the run and lose the others. The panic
/// is reported by the hook where it happened; this says what it cost.
pub fn contain<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    // Unwind safety: what `work` touched is given up with its result,
    // except for shared progress counters, which are only ever added to.
    panic::catch_unwind(AssertUnwindSafe(work)).map_err(|payload| {
        format!(
            "an internal error stopped the reading of this input ({}); none of its records are used. This is a bug in authlens: please report it",
            payload_text(payload.as_ref())
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_contained_and_only_a_literal_message_is_kept() {
        let secret = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig";
        // Quiet for this test's panics; the hook's own output is checked
        // through the CLI in tests/bad_inputs.rs.
        let quiet = panic::take_hook();
        panic::set_hook(Box::new(|_| {}));
        let formatted = contain(|| -> u32 { panic!("bad slice of `Bearer {secret}`") });
        let literal = contain(|| -> u32 { panic!("an invariant broke") });
        let fine = contain(|| 7);
        panic::set_hook(quiet);
        let formatted = formatted.unwrap_err();
        assert!(!formatted.contains(secret), "{formatted}");
        assert!(
            formatted.contains("(message not shown: it may quote the input)"),
            "{formatted}"
        );
        assert!(literal
            .unwrap_err()
            .contains("internal error stopped the reading of this input (an invariant broke)"));
        assert_eq!(fine, Ok(7));
    }
}
