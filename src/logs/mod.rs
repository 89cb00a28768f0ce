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

// Placeholder interface until the parsers land (branch `logs`).
pub struct LogOptions {
    pub custom_format: Option<regex::Regex>,
    pub max_line_bytes: usize,
}
impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            custom_format: None,
            max_line_bytes: 1 << 20,
        }
    }
}
#[derive(Debug, Default)]
pub struct LogSummary {
    pub format: Option<LogFormat>,
    pub lines: u64,
    pub requests: u64,
    pub status_401: u64,
    pub status_403: u64,
    pub auth_failures: u64,
    pub unmatched: u64,
    pub errors: Vec<crate::model::InputError>,
}
pub fn detect(_head: &[u8]) -> Option<LogFormat> {
    None
}
pub fn read_log<R: std::io::BufRead>(
    _file: &std::sync::Arc<str>,
    _reader: R,
    _opts: &LogOptions,
    _sink: &mut dyn FnMut(crate::model::ServerEvent),
) -> LogSummary {
    LogSummary::default()
}
pub struct FormatInfo {
    pub id: &'static str,
    pub description: &'static str,
    pub fields: &'static str,
}
pub fn describe_formats() -> Vec<FormatInfo> {
    Vec::new()
}
