//! One module per subcommand: each owns turning its arguments into a
//! library call and its output; `main` only dispatches.

pub mod analyze;
pub mod explain;
pub mod formats;
pub mod rules;
pub mod sanitize;

use std::fmt;

/// Exit codes (ARCHITECTURE.md): one place for all of them. (Besides
/// these, a panic outside the reading of one input, which is a bug, ends
/// the process with Rust's 101 after [`crate::bug`]'s message.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    /// Usage error, or no input could be read.
    Failure = 1,
    /// Some inputs could not be read; results are partial.
    Partial = 2,
    /// A --fail-on threshold was crossed.
    Threshold = 3,
}

/// An error for the user: what went wrong and what to do.
#[derive(Debug)]
pub struct UserError(pub String);

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UserError {}
