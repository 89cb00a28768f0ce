//! Server-side logs: format detection and one parser per log family.
//!
//! Each parser turns lines into [`ServerEvent`]s. Only lines that can
//! matter for explaining a 401 become events (401/403 answers, auth error
//! lines, app errors, and 2xx answers on a path that already saw a 401 —
//! the second leg of a challenge); everything else is only counted.

use std::fmt;

use serde::Serialize;

/// Every log format authlens recognises. `Display` gives the stable id
/// shown in `summary.json` `inputs[].format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum LogFormat {
    Combined,
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogFormat::Combined => "combined",
        })
    }
}
