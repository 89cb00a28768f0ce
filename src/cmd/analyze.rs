//! `authlens analyze`: resolve the configuration, run the pipeline, write
//! the outputs, print the ranked table, and pick the exit code.

use std::path::Path;

use crate::aggregate::baseline::{self, Baseline};
use crate::aggregate::{trend::parse_duration, Summary};
use crate::analysis::{analyze, analyze_into, Analysis, Config, Limits};
use crate::classify::catalog::Catalog;
use crate::classify::Cause;
use crate::cli::{AnalyzeArgs, CommonArgs};
use crate::cmd::{Exit, UserError};
use crate::correlate::CorrelateOptions;
use crate::envconfig::EnvConfig;
use crate::har::HarLimits;
use crate::logs::LogOptions;
use crate::report::{self, json::RunMeta};
use crate::time::{format_rfc3339, parse_iso8601};

/// Build the library configuration from the common flags.
pub fn config(args: &CommonArgs) -> Result<Config, UserError> {
    let env = match &args.env_config {
        Some(p) => Some(EnvConfig::load(p).map_err(|e| UserError(e.to_string()))?),
        None => None,
    };
    let mut catalog = Catalog::builtin();
    if let Some(p) = &args.rules {
        catalog = catalog
            .with_rules_file(p)
            .map_err(|e| UserError(e.to_string()))?;
    }
    let custom_format = match &args.log_format {
        Some(re) => Some(
            regex::Regex::new(re)
                .map_err(|e| UserError(format!("--log-format is not a valid regex: {e}")))?,
        ),
        None => None,
    };
    let window = parse_duration(&args.window).ok_or_else(|| {
        UserError(format!(
            "--window '{}': expected a duration such as 2s or 1m",
            args.window
        ))
    })?;
    let time_arg = |name: &str, v: &Option<String>| -> Result<_, UserError> {
        v.as_deref()
            .map(|s| {
                parse_iso8601(s).ok_or_else(|| {
                    UserError(format!(
                        "--{name} '{s}': expected an RFC 3339 time such as 2026-11-23T09:00:00Z"
                    ))
                })
            })
            .transpose()
    };
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    if threads == 0 {
        return Err(UserError("--threads must be at least 1".into()));
    }
    for (name, v) in [
        ("--max-line-bytes", args.max_line_bytes),
        ("--max-header-bytes", args.max_header_bytes),
        ("--max-entry-bytes", args.max_entry_bytes),
        ("--max-groups", args.max_groups),
    ] {
        if v == 0 {
            return Err(UserError(format!("{name} must be at least 1")));
        }
    }
    Ok(Config {
        inputs: args.inputs.clone(),
        threads,
        env,
        catalog,
        log_options: LogOptions {
            custom_format,
            max_line_bytes: args.max_line_bytes,
        },
        correlate: CorrelateOptions {
            window: chrono::Duration::seconds(window),
        },
        redact_subjects: args.redact_subjects,
        since: time_arg("since", &args.since)?,
        until: time_arg("until", &args.until)?,
        keep_records: false,
        limits: Limits {
            har: HarLimits {
                max_entry_bytes: args.max_entry_bytes,
                max_header_bytes: args.max_header_bytes,
            },
            max_groups: args.max_groups,
        },
    })
}

/// One `--fail-on` threshold: a cause (or `any`) and the count it may not exceed.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub cause: Option<Cause>,
    pub max: u64,
    /// `>=` rather than `>`: crossed when the count reaches `max`.
    pub inclusive: bool,
}

pub fn parse_fail_on(spec: &str) -> Result<Vec<Threshold>, UserError> {
    spec.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|part| {
            let (name, n) = part.split_once('>').ok_or_else(|| {
                UserError(format!(
                    "--fail-on '{part}': expected CAUSE>COUNT or CAUSE>=COUNT, e.g. token_expired>100 or any>=1000"
                ))
            })?;
            // `CAUSE>=N` crosses at N, `CAUSE>N` above N.
            let (inclusive, n) = match n.strip_prefix('=') {
                Some(rest) => (true, rest),
                None => (false, n),
            };
            let max: u64 = n.trim().parse().map_err(|_| {
                UserError(format!("--fail-on '{part}': '{}' is not a count", n.trim()))
            })?;
            let name = name.trim();
            let cause = if name == "any" {
                None
            } else {
                Some(
                    name.parse::<Cause>()
                        .map_err(|e| UserError(format!("--fail-on: {e}")))?,
                )
            };
            Ok(Threshold {
                cause,
                max,
                inclusive,
            })
        })
        .collect()
}

/// Thresholds crossed, as sentences.
pub fn crossed(thresholds: &[Threshold], summary: &Summary) -> Vec<String> {
    let by = summary.by_cause();
    thresholds
        .iter()
        .filter_map(|t| {
            let (name, n) = match t.cause {
                None => (
                    "any".to_string(),
                    summary.status_401 - summary.benign_challenges,
                ),
                Some(c) => (c.to_string(), by.get(&c).copied().unwrap_or(0)),
            };
            if t.inclusive {
                (n >= t.max).then(|| format!("{name}: {n} >= {}", t.max))
            } else {
                (n > t.max).then(|| format!("{name}: {n} > {}", t.max))
            }
        })
        .collect()
}

pub fn run(args: &AnalyzeArgs) -> Result<Exit, UserError> {
    let config = config(&args.common)?;
    let bucket = match &args.bucket {
        Some(b) => Some(parse_duration(b).ok_or_else(|| {
            UserError(format!(
                "--bucket '{b}': expected a duration such as 5m or 1h"
            ))
        })?),
        None => None,
    };
    let thresholds = match &args.fail_on {
        Some(spec) => parse_fail_on(spec)?,
        None => Vec::new(),
    };
    // Read the baseline before the (long) analysis so a wrong path fails fast.
    let baseline = match &args.baseline {
        Some(p) => Some(Baseline::load(p).map_err(|e| UserError(e.to_string()))?),
        None => None,
    };
    // failures.csv is written as findings come; opening it first also makes
    // an unwritable output directory fail before the (long) analysis.
    let mut failures =
        match &args.output {
            Some(dir) => Some(report::FailuresFile::create(dir).map_err(|e| {
                UserError(format!("cannot write outputs to {}: {e}", dir.display()))
            })?),
            None => None,
        };
    let mut analysis = match failures.as_mut() {
        Some(out) => analyze_into(&config, out),
        None => analyze(&config),
    };
    let (mut summary, folded) = std::mem::take(&mut analysis.aggregate).finish(bucket);
    if folded > 0 {
        analysis.warnings.push(format!(
            "{folded} finding(s) beyond {} distinct endpoint groups or credentials were folded into one '{}' group (--max-groups)",
            config.limits.max_groups,
            crate::aggregate::OTHER_GROUP
        ));
    }
    if let Some(b) = &baseline {
        summary.baseline = Some(baseline::diff(&summary, b));
    }
    report_errors(&analysis);
    let now = chrono::Utc::now();
    if let (Some(dir), Some(failures)) = (&args.output, failures) {
        // failures.csv (tens of MB after a night of logs) goes to disk
        // while the other outputs are rendered.
        let (committed, written) = std::thread::scope(|scope| {
            let commit = scope.spawn(move || failures.commit());
            let written = write_outputs(dir, &analysis, &summary, now);
            (commit.join(), written)
        });
        committed
            .unwrap_or_else(|_| {
                Err(std::io::Error::other(
                    "the thread writing failures.csv stopped",
                ))
            })
            .map_err(|e| UserError(format!("cannot write outputs to {}: {e}", dir.display())))?;
        written?;
    }
    if let Some(path) = &args.prom {
        let text = report::prom::render(&analysis, &summary, now.timestamp());
        report::write_atomic(path, text.as_bytes())
            .map_err(|e| UserError(format!("cannot write --prom {}: {e}", path.display())))?;
    }
    if !args.quiet {
        print!("{}", report::table::render(&analysis, &summary));
    }
    let unreadable = analysis.unreadable_inputs();
    if unreadable == analysis.inputs.len() {
        return Err(UserError(format!(
            "none of the {} input(s) could be read (see the errors above)",
            analysis.inputs.len()
        )));
    }
    let crossed = crossed(&thresholds, &summary);
    for c in &crossed {
        eprintln!("authlens: threshold crossed: {c}");
    }
    Ok(if !crossed.is_empty() {
        Exit::Threshold
    } else if unreadable > 0 || analysis.partial_inputs() > 0 {
        Exit::Partial
    } else {
        Exit::Ok
    })
}

fn write_outputs(
    dir: &Path,
    analysis: &Analysis,
    summary: &Summary,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), UserError> {
    let meta = RunMeta {
        generated_at: format_rfc3339(&now),
    };
    report::write_all(dir, analysis, summary, &meta)
        .map(|_| ())
        .map_err(|e| UserError(format!("cannot write outputs to {}: {e}", dir.display())))
}

/// Per-input problems on stderr, each naming the file and position.
fn report_errors(analysis: &Analysis) {
    for input in &analysis.inputs {
        for e in &input.errors {
            eprintln!(
                "authlens: {}: {}: {}",
                crate::report::escape::terminal(&input.path),
                e.at,
                crate::report::escape::terminal(&e.message)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::summarize;

    #[test]
    fn fail_on_parses_causes_any_and_inclusive_thresholds() {
        let t = parse_fail_on(" token_expired > 100 , any>=5,").unwrap_or_default();
        assert_eq!(
            t,
            vec![
                Threshold {
                    cause: Some(Cause::TokenExpired),
                    max: 100,
                    inclusive: false
                },
                Threshold {
                    cause: None,
                    max: 5,
                    inclusive: true
                },
            ]
        );
        for bad in ["token_expired", "tokn_expired>1", "any>x", "any>-1"] {
            let e = parse_fail_on(bad).err().map(|e| e.0).unwrap_or_default();
            assert!(e.contains("--fail-on"), "{bad}: {e}");
        }
    }

    #[test]
    fn nothing_crosses_on_an_empty_run_unless_inclusive_at_zero() {
        let summary = summarize(&[], None);
        let t = parse_fail_on("any>0,token_expired>=0").unwrap_or_default();
        assert_eq!(
            crossed(&t, &summary),
            vec!["token_expired: 0 >= 0".to_string()]
        );
    }
}
