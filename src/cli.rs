//! Command-line definitions (clap) only; each subcommand's work lives in `cmd`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "authlens",
    version,
    about = "Explains HTTP 401 Unauthorized failures in bulk from HAR exports and server logs",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Explain every 401 in HAR files and server logs; write CSV/JSON summaries.
    Analyze(Box<AnalyzeArgs>),
    /// List the log formats authlens recognises and what each extracts.
    Formats,
    /// Print the effective server-message catalog (built-in plus --rules).
    Rules(RulesArgs),
}

#[derive(Debug, Args, Clone)]
pub struct CommonArgs {
    /// HAR files, log files, directories (walked recursively), `-` for stdin; .gz/.zst are read transparently.
    #[arg(required = true, value_name = "PATH")]
    pub inputs: Vec<PathBuf>,
    /// Environments (hosts, accepted issuers/audiences, verification keys), TOML.
    #[arg(long, value_name = "FILE")]
    pub env_config: Option<PathBuf>,
    /// Extra or overriding server-message rules, TOML.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Regex with named groups (time, method, path, status, request_id, client, user_agent, message, host) for logs no built-in format reads.
    #[arg(long, value_name = "REGEX")]
    pub log_format: Option<String>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Time window for joining HAR entries and log lines that share no request id, e.g. 2s, 500ms is not supported: use seconds.
    #[arg(long, value_name = "DURATION", default_value = "2s")]
    pub window: String,
    /// Hide JWT subjects and e-mail-like values in every output.
    #[arg(long)]
    pub redact_subjects: bool,
    /// Only requests at or after this time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only requests before this time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Log lines longer than this are skipped with a warning.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    pub max_line_bytes: usize,
    /// HAR header values longer than this are cut to it, with a warning.
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024)]
    pub max_header_bytes: usize,
    /// One HAR entry (or any single JSON value) longer than this stops reading that file; entries before it are kept.
    #[arg(long, value_name = "BYTES", default_value_t = 256 * 1024 * 1024)]
    pub max_entry_bytes: usize,
    /// Distinct endpoint groups and credentials per cause kept in the summaries; the rest are folded into one group, with a warning.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub max_groups: usize,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Directory for failures.csv, causes.csv, endpoints.csv, trend.csv, summary.json.
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Trend bucket width (e.g. 30s, 5m, 1h); chosen from the time span by default.
    #[arg(long, value_name = "DURATION")]
    pub bucket: Option<String>,
    /// Exit with code 3 when a threshold is crossed, e.g. 'token_expired>100,any>1000'.
    #[arg(long, value_name = "RULES")]
    pub fail_on: Option<String>,
    /// Do not print the ranked table on stdout.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Extra or overriding server-message rules, TOML.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
}
