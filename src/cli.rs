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
    /// Write a copy of a HAR (or of every HAR under a directory) with every secret replaced.
    Sanitize(SanitizeArgs),
    /// Step-by-step diagnosis of one request (by request id, HAR entry index, or URL substring).
    Explain(Box<ExplainArgs>),
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
    /// Directory for failures.csv, causes.csv, endpoints.csv, trend.csv, summary.json, report.md, report.html.
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Trend bucket width (e.g. 30s, 5m, 1h); chosen from the time span by default.
    #[arg(long, value_name = "DURATION")]
    pub bucket: Option<String>,
    /// Exit with code 3 when a threshold is crossed, e.g. 'token_expired>100,any>=1000' ('any' leaves out benign handshakes).
    #[arg(long, value_name = "RULES")]
    pub fail_on: Option<String>,
    /// Do not print the ranked table on stdout.
    #[arg(short, long)]
    pub quiet: bool,
    /// An earlier run's summary.json: add per-cause and per-endpoint changes to the outputs.
    #[arg(long, value_name = "SUMMARY_JSON")]
    pub baseline: Option<PathBuf>,
    /// Write a Prometheus textfile-collector file (atomically), for scheduled runs.
    #[arg(long, value_name = "FILE")]
    pub prom: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["request_id", "entry", "case"])))]
pub struct ExplainArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// The request's correlation id (X-Request-Id, traceparent trace-id, …).
    #[arg(long, value_name = "ID")]
    pub request_id: Option<String>,
    /// A HAR entry index (0-based, as in the `origin` column `file#N`).
    #[arg(long, value_name = "N")]
    pub entry: Option<u64>,
    /// A substring of the request URL.
    #[arg(long, value_name = "STR")]
    pub case: Option<String>,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Extra or overriding server-message rules, TOML.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SanitizeArgs {
    /// A HAR file, a directory (every *.har under it), or `-` for stdin.
    #[arg(value_name = "PATH")]
    pub input: PathBuf,
    /// Output file, `-` for stdout, or (with a directory input) the output directory.
    #[arg(short, long, value_name = "PATH")]
    pub output: PathBuf,
    /// Also treat parameters, form fields, JSON keys, headers and cookies with this name as secret (repeatable).
    #[arg(long = "key", value_name = "NAME")]
    pub keys: Vec<String>,
}
