//! The `analyze` pipeline as a library call: inputs → records → cases →
//! findings, with per-input reports. Writers live in `report`.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, TryLockError};

use rayon::prelude::*;
use serde::Serialize;

use crate::aggregate::template::endpoint_template;
use crate::aggregate::{Aggregator, GroupRef};
use crate::challenge::{column_text, parse_www_authenticate_cached};
use crate::classify::catalog::Catalog;
use crate::classify::{primary_credential, CaptureContext, Cause, Classifier, Diagnosis};
use crate::correlate::{correlate, Case, CorrelateOptions, Join};
use crate::envconfig::EnvConfig;
use crate::har::{read_har, HarLimits, HarOptions};
use crate::input::{self, InputFile, Sniffed};
use crate::logs::{self, LogOptions};
use crate::model::{InputError, InputKind, Origin, RequestView, ServerEvent, Timestamp};

/// Everything `analyze` needs, resolved from the command line once.
pub struct Config {
    pub inputs: Vec<PathBuf>,
    pub threads: usize,
    pub env: Option<EnvConfig>,
    pub catalog: Catalog,
    pub log_options: LogOptions,
    pub correlate: CorrelateOptions,
    pub redact_subjects: bool,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Keep every request and server event (not only the 401s) in
    /// [`Analysis::records`]: `explain` needs them to show a request that
    /// did not fail.
    pub keep_records: bool,
    pub limits: Limits,
}

/// Resource caps; hitting one is a warning in summary.json, never a crash.
/// (`LogOptions::max_line_bytes` is the log line cap.)
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub har: HarLimits,
    /// Distinct endpoint groups (host, template, cause) and credentials per
    /// cause kept by aggregation; the rest fold into one group.
    pub max_groups: usize,
}

/// Default for [`Limits::max_groups`].
pub const DEFAULT_MAX_GROUPS: usize = 100_000;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            har: HarLimits::default(),
            max_groups: DEFAULT_MAX_GROUPS,
        }
    }
}

/// What happened to one input file.
#[derive(Debug, Clone, Serialize)]
pub struct InputReport {
    pub path: String,
    pub kind: Option<InputKind>,
    pub format: String,
    pub bytes: u64,
    pub records: u64,
    pub status_401: u64,
    pub status_403: u64,
    pub errors: Vec<InputError>,
    /// Nothing usable came out of this input.
    #[serde(skip)]
    pub unreadable: bool,
    /// Part of the input was read; a fault stopped the rest.
    #[serde(skip)]
    pub partial: bool,
    /// Found by walking a directory and not recognised as a HAR or a log:
    /// left out of the analysis without being an error.
    #[serde(skip)]
    pub skipped: bool,
}

/// Where a finding's views came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Sources {
    Har,
    Log,
    HarAndLog,
}

impl Sources {
    pub fn id(self) -> &'static str {
        match self {
            Sources::Har => "har",
            Sources::Log => "log",
            Sources::HarAndLog => "har+log",
        }
    }
}

/// One explained 401: a row of failures.csv. Text taken as it is from a
/// request or event borrows from it (`'a`): a night of logs makes a few
/// hundred thousand findings and keeps a handful ([`Finding::into_owned`]).
#[derive(Debug, Clone)]
pub struct Finding<'a> {
    pub request_id: Cow<'a, str>,
    pub time: Option<Timestamp>,
    pub method: Cow<'a, str>,
    pub url: Cow<'a, str>,
    pub host: Cow<'a, str>,
    pub path: Cow<'a, str>,
    pub endpoint: String,
    pub status: u16,
    pub diagnosis: Diagnosis,
    pub sources: Sources,
    pub join: Join,
    pub credential: Cow<'a, str>,
    pub credential_fp: String,
    pub jwt_iss: Cow<'a, str>,
    pub jwt_aud: String,
    pub jwt_exp: Option<i64>,
    pub jwt_sub: Cow<'a, str>,
    pub challenge: String,
    pub server_message: Cow<'a, str>,
    pub origin: String,
    pub client_addr: Cow<'a, str>,
    /// The HAR entry, for `explain` and curl commands (masked); kept only
    /// for the findings a report shows as examples (or all, with
    /// [`Config::keep_records`]).
    pub request: Option<Box<RequestView>>,
    pub events: Vec<ServerEvent>,
}

impl Finding<'_> {
    pub fn cause(&self) -> Cause {
        self.diagnosis.cause
    }

    /// This finding with its text copied: to be kept after the records it
    /// borrows from are gone.
    pub fn into_owned(self) -> Finding<'static> {
        let own = |c: Cow<'_, str>| Cow::Owned(c.into_owned());
        Finding {
            request_id: own(self.request_id),
            time: self.time,
            method: own(self.method),
            url: own(self.url),
            host: own(self.host),
            path: own(self.path),
            endpoint: self.endpoint,
            status: self.status,
            diagnosis: self.diagnosis,
            sources: self.sources,
            join: self.join,
            credential: own(self.credential),
            credential_fp: self.credential_fp,
            jwt_iss: own(self.jwt_iss),
            jwt_aud: self.jwt_aud,
            jwt_exp: self.jwt_exp,
            jwt_sub: own(self.jwt_sub),
            challenge: self.challenge,
            server_message: own(self.server_message),
            origin: self.origin,
            client_addr: own(self.client_addr),
            request: self.request,
            events: self.events,
        }
    }

    /// A log-only finding of `cause` on `host` + `endpoint`, nothing else
    /// set, for unit tests of what consumes findings.
    #[cfg(test)]
    pub(crate) fn for_test(cause: Cause, host: &str, endpoint: &str) -> Finding<'static> {
        Finding {
            request_id: Cow::Borrowed(""),
            time: None,
            method: "GET".into(),
            url: format!("https://{host}{endpoint}").into(),
            host: host.to_string().into(),
            path: endpoint.to_string().into(),
            endpoint: endpoint.into(),
            status: 401,
            diagnosis: Diagnosis {
                cause,
                secondary: Vec::new(),
                confidence: 1.0,
                evidence: Vec::new(),
            },
            sources: Sources::Log,
            join: Join::Single,
            credential: Cow::Borrowed(""),
            credential_fp: String::new(),
            jwt_iss: Cow::Borrowed(""),
            jwt_aud: String::new(),
            jwt_exp: None,
            jwt_sub: Cow::Borrowed(""),
            challenge: String::new(),
            server_message: Cow::Borrowed(""),
            origin: "app.log:1".into(),
            client_addr: Cow::Borrowed(""),
            request: None,
            events: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CorrelationStats {
    pub by_request_id: u64,
    pub by_fallback: u64,
    pub har_only: u64,
    pub log_only: u64,
}

/// The result of one `analyze` run.
#[derive(Debug, Default)]
pub struct Analysis {
    pub inputs: Vec<InputReport>,
    /// The findings kept with their records: those a report shows as
    /// examples, or all of them with [`Config::keep_records`]. Every finding
    /// went through the sink given to [`analyze_into`] and into
    /// [`Analysis::aggregate`].
    pub findings: Vec<Finding<'static>>,
    /// Counts over every finding, for the summary.
    pub aggregate: Aggregator,
    /// HAR entries plus logged requests.
    pub requests: u64,
    pub correlation: CorrelationStats,
    pub warnings: Vec<String>,
    /// Every request and event read, when [`Config::keep_records`] asked for them.
    pub records: Records,
}

/// The raw records of a run (masked like everything else), for `explain`.
#[derive(Debug, Default)]
pub struct Records {
    pub requests: Vec<RequestView>,
    pub events: Vec<ServerEvent>,
}

impl Analysis {
    pub fn unreadable_inputs(&self) -> usize {
        self.inputs.iter().filter(|i| i.unreadable).count()
    }

    /// Inputs read only in part (a truncated HAR, say).
    pub fn partial_inputs(&self) -> usize {
        self.inputs.iter().filter(|i| i.partial).count()
    }
}

struct FileOutput {
    report: InputReport,
    requests: Vec<RequestView>,
    events: Vec<ServerEvent>,
    /// Resource caps hit while reading (for `Analysis::warnings`).
    warnings: Vec<String>,
}

impl FileOutput {
    /// An input that gave no records (skipped or unreadable, as `report` says).
    fn nothing(report: InputReport) -> FileOutput {
        FileOutput {
            report,
            requests: Vec::new(),
            events: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

/// [`read_one`], with a panic in it (a bug) reported as this input's error
/// instead of ending the run: the other inputs are still read and used.
fn read_one_contained(
    file: &InputFile,
    config: &Config,
    threads: usize,
    progress: Option<&indicatif::ProgressBar>,
) -> FileOutput {
    crate::bug::contain(|| {
        injected_fault(file);
        read_one(file, config, threads, progress)
    })
    .unwrap_or_else(|message| unreadable(fresh_report(file), message))
}

/// Debug builds only (what `cargo test` runs): a panic with a formatted
/// message, on the input whose name contains `AUTHLENS_DEBUG_PANIC_ON`, so
/// that tests can check through the CLI what a bug in one input's reader
/// costs. (No real input is known to make a reader panic.)
#[cfg(debug_assertions)]
fn injected_fault(file: &InputFile) {
    if let Some(name) = std::env::var_os("AUTHLENS_DEBUG_PANIC_ON") {
        if file.label.contains(name.to_string_lossy().as_ref()) {
            let text = std::env::var("AUTHLENS_DEBUG_PANIC_TEXT").unwrap_or_default();
            panic!("injected fault on {}: {text}", file.label);
        }
    }
}

#[cfg(not(debug_assertions))]
fn injected_fault(_: &InputFile) {}

/// An input's report before anything is known of it.
fn fresh_report(file: &InputFile) -> InputReport {
    InputReport {
        path: file.label.to_string(),
        kind: None,
        format: String::new(),
        bytes: file.bytes,
        records: 0,
        status_401: 0,
        status_403: 0,
        errors: Vec::new(),
        unreadable: false,
        partial: false,
        skipped: false,
    }
}

/// An input that gave nothing, and why.
fn unreadable(mut report: InputReport, message: String) -> FileOutput {
    report.errors.push(InputError {
        at: "file".into(),
        message,
    });
    report.unreadable = true;
    FileOutput::nothing(report)
}

fn read_one(
    file: &InputFile,
    config: &Config,
    threads: usize,
    progress: Option<&indicatif::ProgressBar>,
) -> FileOutput {
    let mut report = fresh_report(file);
    let skip = |mut report: InputReport, what: &str| {
        report.skipped = true;
        report.format = what.to_string();
        FileOutput::nothing(report)
    };
    if let Some(p) = &file.path {
        if p.is_dir() {
            return unreadable(report, "is a directory".into());
        }
    }
    let opened = match input::open(file, progress) {
        Ok(o) => o,
        Err(e) => return unreadable(report, format!("cannot read: {e}")),
    };
    if !file.explicit {
        match opened.sniffed {
            Sniffed::Log(None) => return skip(report, "not a recognised log"),
            Sniffed::Binary | Sniffed::OtherJson | Sniffed::Empty => {
                return skip(report, "not a HAR or a log")
            }
            _ => {}
        }
    }
    match opened.sniffed {
        Sniffed::Har => {
            report.kind = Some(InputKind::Har);
            let har = read_har(
                &file.label,
                opened.reader,
                &HarOptions {
                    threads,
                    keys: config.env.as_ref(),
                    jsonp: false,
                    limits: config.limits.har,
                },
            );
            let mut warnings = Vec::new();
            if har.headers_cut > 0 {
                warnings.push(format!(
                    "{}: {} header value(s) longer than {} bytes were cut to that length (--max-header-bytes)",
                    file.label, har.headers_cut, config.limits.har.max_header_bytes
                ));
            }
            if har.entry_too_big {
                warnings.push(format!(
                    "{}: an entry longer than {} bytes stopped reading (--max-entry-bytes); entries before it were kept",
                    file.label, config.limits.har.max_entry_bytes
                ));
            }
            report.format = match (&har.creator, &har.version) {
                (Some(c), Some(v)) => format!("har {v} ({c})"),
                (Some(c), None) => format!("har ({c})"),
                (None, Some(v)) => format!("har {v}"),
                (None, None) => "har".into(),
            };
            report.records = har.requests.len() as u64;
            report.status_401 = har.requests.iter().filter(|r| r.status == 401).count() as u64;
            report.status_403 = har.requests.iter().filter(|r| r.status == 403).count() as u64;
            report.errors = har.errors;
            // Unusable when the document broke before a single entry was read;
            // a fault after some entries leaves a partial (but used) input.
            report.unreadable = har.requests.is_empty() && (har.fatal || har.failed);
            report.partial = har.failed && !har.requests.is_empty();
            if har.truncated {
                if let Some(last) = report.errors.iter_mut().find(|e| e.message.contains("end of file") || e.message.contains("truncated file")) {
                    last.message = format!(
                        "{} — the {} entries before this point were kept",
                        last.message,
                        har.requests.len()
                    );
                }
            }
            FileOutput {
                report,
                requests: har.requests,
                events: Vec::new(),
                warnings,
            }
        }
        Sniffed::JsonpHar => unreadable(
            report,
            "a JSONP-wrapped HAR (HARP, e.g. 'onInputData({...})'): remove the callback wrapper to get plain HAR JSON".into(),
        ),
        Sniffed::BareEntry => unreadable(
            report,
            "not a HAR: the document is a single HAR entry without the {\"log\": {\"entries\": [...]}} wrapper".into(),
        ),
        Sniffed::OtherJson => unreadable(
            report,
            "JSON but not a HAR (no top-level \"log\" object) and not JSON-lines logs".into(),
        ),
        Sniffed::Empty => unreadable(report, "empty file".into()),
        Sniffed::Binary => unreadable(
            report,
            "binary data or UTF-16 text: not a HAR or a text log (convert UTF-16 with `iconv -f UTF-16 -t UTF-8`)".into(),
        ),
        Sniffed::Log(_) => {
            report.kind = Some(InputKind::Log);
            let mut events = Vec::new();
            // Ranges depend on the file only, so this path is taken whatever
            // the thread count: output never depends on `--threads`.
            let splittable = opened.compression == input::Compression::None
                && file.bytes >= logs::parallel::MIN_PARALLEL_BYTES;
            let parallel = match (&file.path, splittable) {
                (Some(path), true) => logs::parallel::read_log_parallel(
                    &file.label,
                    path,
                    threads,
                    &config.log_options,
                )
                .ok(),
                _ => None,
            };
            // A compressed file or stdin cannot be entered in the middle: it
            // is decompressed on one thread and parsed in blocks on the others.
            let stream = opened.compression != input::Compression::None || file.path.is_none();
            let summary = match parallel {
                Some((summary, evs)) => {
                    if let Some(bar) = progress {
                        bar.inc(file.bytes);
                    }
                    events = evs;
                    summary
                }
                None if stream => {
                    let (summary, evs) = logs::parallel::read_log_stream(
                        &file.label,
                        opened.reader,
                        threads,
                        &config.log_options,
                        logs::parallel::STREAM_BLOCK_BYTES,
                    );
                    events = evs;
                    summary
                }
                None => logs::read_log(&file.label, opened.reader, &config.log_options, &mut |e| {
                    events.push(e)
                }),
            };
            report.format = summary
                .format
                .map(|f| f.to_string())
                .unwrap_or_else(|| "unrecognized".into());
            report.records = summary.requests;
            report.status_401 = summary.status_401;
            report.status_403 = summary.status_403;
            report.errors = summary.errors;
            if summary.unmatched > 0 {
                report.errors.push(InputError {
                    at: "file".into(),
                    message: format!(
                        "{} of {} lines matched no known log format (see `authlens formats`, or give --log-format)",
                        summary.unmatched, summary.lines
                    ),
                });
            }
            if summary.format.is_none() && summary.lines > 0 && events.is_empty() {
                report.unreadable = true;
            }
            let mut warnings = Vec::new();
            if summary.long_lines > 0 {
                warnings.push(format!(
                    "{}: {} line(s) longer than {} bytes were skipped (--max-line-bytes)",
                    file.label,
                    summary.long_lines,
                    config.log_options.max_line_bytes.max(1)
                ));
            }
            FileOutput {
                report,
                requests: Vec::new(),
                events,
                warnings,
            }
        }
    }
}

fn in_range(t: Option<Timestamp>, config: &Config) -> bool {
    match t {
        None => true,
        Some(t) => config.since.is_none_or(|s| t >= s) && config.until.is_none_or(|u| t < u),
    }
}

/// Run the whole pipeline, keeping findings as [`analyze_into`] does.
pub fn analyze(config: &Config) -> Analysis {
    struct Drop;
    impl FindingSink for Drop {
        fn accept(&mut self, _: &Finding<'_>, _: &[u8]) {}
    }
    analyze_into(config, &mut Drop)
}

/// Where findings go as they are made (failures.csv), so that a run never
/// holds them all.
pub trait FindingSink: Send {
    /// Per-finding work that may run on any thread and in any order, such
    /// as rendering the finding's row: it appends to the buffer, and what
    /// it appended is handed to `accept`. A plain function: workers run it
    /// on new findings while `accept` takes the previous ones.
    fn preparer(&self) -> fn(&Finding<'_>, &mut Vec<u8>) {
        |_, _| {}
    }

    /// Every finding with what the preparer made of it, in the run's
    /// order, on one thread.
    fn accept(&mut self, finding: &Finding<'_>, prepared: &[u8]);
}

/// Findings a worker classifies into one [`Batch`].
const BATCH_FINDINGS: usize = 64;

/// Findings made by one worker, their prepared bytes one after another in
/// one buffer. A batch is sometimes taken in by another worker than the
/// one that made it, and freeing memory another thread allocated contends
/// for that thread's allocator lock: when one thread took every finding in
/// and freed it with its row, it waited on the lock for a fifth of a log
/// run's time. So the bytes come a batch to a buffer, and findings taken in
/// elsewhere go back to their worker to be freed.
struct Batch<'a> {
    /// The cases the findings were made of, one each.
    cases: &'a [Case],
    findings: Vec<Finding<'a>>,
    prepared: Vec<u8>,
    /// Where each finding's prepared bytes end.
    ends: Vec<usize>,
    /// The worker that made the findings, which also frees them.
    worker: usize,
}

/// Batches a worker keeps back while another takes in, before it waits.
const HELD_BATCHES: usize = 8;

/// Batches made but not yet taken in, and what takes them in, in order.
struct Intake<'a, F> {
    /// The batch to take in next.
    next: usize,
    /// Batches made before the one to take in next.
    waiting: BTreeMap<usize, Batch<'a>>,
    take_in: F,
}

impl<'a, F: FnMut(Batch<'a>)> Intake<'a, F> {
    /// Take in every waiting batch that is next in order.
    fn take_in_ready(&mut self) {
        while let Some(batch) = self.waiting.remove(&self.next) {
            (self.take_in)(batch);
            self.next += 1;
        }
    }
}

/// Run the whole pipeline; every finding goes to `sink` in the run's
/// deterministic order (time, then origin) as soon as it is made.
pub fn analyze_into(config: &Config, sink: &mut dyn FindingSink) -> Analysis {
    let (files, problems) = input::expand(&config.inputs);
    let mut analysis = Analysis {
        aggregate: Aggregator::new(config.limits.max_groups),
        ..Analysis::default()
    };
    for p in problems {
        if p.harmless {
            analysis.warnings.push(format!("{}: {}", p.path, p.message));
            continue;
        }
        analysis.inputs.push(InputReport {
            path: p.path,
            kind: None,
            format: String::new(),
            bytes: 0,
            records: 0,
            status_401: 0,
            status_403: 0,
            errors: vec![InputError {
                at: "path".into(),
                message: p.message,
            }],
            unreadable: true,
            partial: false,
            skipped: false,
        });
    }
    let threads = config.threads.max(1);
    let per_file = |f: &InputFile| threads_for(f.bytes, files.len(), threads);
    let progress = input::progress_bar(files.iter().map(|f| f.bytes).sum());
    let progress = progress.as_ref();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build();
    let read_all = || -> Vec<FileOutput> {
        files
            .par_iter()
            .map(|f| read_one_contained(f, config, per_file(f), progress))
            .collect()
    };
    let outputs = match &pool {
        Ok(pool) => pool.install(read_all),
        Err(_) => files
            .iter()
            .map(|f| read_one_contained(f, config, per_file(f), progress))
            .collect(),
    };
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let mut requests: Vec<RequestView> = Vec::new();
    let mut events: Vec<ServerEvent> = Vec::new();
    for out in outputs {
        if out.report.skipped {
            analysis.warnings.push(format!(
                "{}: skipped ({}; name the file explicitly to force it)",
                out.report.path, out.report.format
            ));
            continue;
        }
        analysis.warnings.extend(out.warnings);
        analysis.inputs.push(out.report);
        // Moved, not copied: a big HAR's records must not exist twice.
        let (mut reqs, mut evs) = (out.requests, out.events);
        if config.since.is_some() || config.until.is_some() {
            reqs.retain(|r| in_range(r.time, config));
            evs.retain(|e| in_range(e.time, config));
        }
        if requests.is_empty() {
            requests = reqs;
        } else {
            requests.append(&mut reqs);
        }
        if events.is_empty() {
            events = evs;
        } else {
            events.append(&mut evs);
        }
    }
    analysis.requests = requests.len() as u64
        + analysis
            .inputs
            .iter()
            .filter(|i| i.kind == Some(InputKind::Log))
            .map(|i| i.records)
            .sum::<u64>();

    // With no log events there is nothing to join, and only the 401
    // entries are wanted as cases: a case per entry was 8 MB more peak
    // memory on a 4 GB HAR.
    let join = || {
        if events.is_empty() {
            let failed = requests.iter().enumerate().filter(|(_, r)| r.status == 401);
            failed.map(|(i, _)| Case::request_only(i)).collect()
        } else {
            correlate(&requests, &events, config.correlate)
        }
    };
    // Independent passes over the same records: one per core.
    let build = || rayon::join(|| CaptureContext::build(&requests, &events), join);
    let (context, cases) = match &pool {
        Ok(pool) => pool.install(build),
        Err(_) => build(),
    };
    for file in &context.sanitized_files {
        analysis.warnings.push(format!(
            "{file}: the capture looks sanitized (credentials removed or redacted on export); missing_credentials findings there have low confidence"
        ));
    }
    let classifier = Classifier {
        requests: &requests,
        events: &events,
        context: &context,
        catalog: &config.catalog,
        env: config.env.as_ref(),
    };
    // Cases are ordered first, then classified a chunk at a time: with a
    // hundred thousand 401s, holding every finding (let alone the records
    // behind it) was most of the memory.
    // Only the 401 cases are classified; the rest (403s, answered legs)
    // give their memory back before the findings are made. The join mostly
    // gives the cases in order already (a log's lines in time order, a
    // HAR's entries): one look at neighbouring keys then spares computing,
    // holding and sorting them all. That look reads a record per case,
    // far apart in memory, and is split over the cores (on one it was the
    // only work for 7 ms of a 1 GB log's run on two).
    let mut failed = cases;
    failed.retain(|c| classifier.is_401(c));
    failed.shrink_to_fit();
    let key = |case: &Case| case_order(case, &requests, &events);
    let in_order = match &pool {
        Ok(pool) => pool.install(|| in_order_par(&failed, key)),
        Err(_) => failed.is_sorted_by_key(key),
    };
    // Deterministic whatever the thread count: time, then origin (file,
    // then line or entry number), then the join's order. The keys live only
    // while sorting; the cases are then read in place.
    // (Both sorts are stable: equal keys keep the join's order.)
    if !in_order {
        match &pool {
            Ok(pool) => pool.install(|| failed.par_sort_by_cached_key(key)),
            Err(_) => failed.sort_by_cached_key(key),
        }
    }
    let mut examples = ExampleMarks::default();
    let prepare = sink.preparer();
    // Batch `i` of the cases, classified; `None` past the last.
    let classify = |i: usize| {
        let cases = failed.chunks(BATCH_FINDINGS).nth(i)?;
        let mut batch = Batch {
            cases,
            findings: Vec::with_capacity(cases.len()),
            // A failures.csv row is a few hundred bytes.
            prepared: Vec::with_capacity(cases.len() * 512),
            ends: Vec::with_capacity(cases.len()),
            worker: rayon::current_thread_index().unwrap_or(0),
        };
        for case in cases {
            let d = classifier.classify(case);
            let order = case_order(case, &requests, &events);
            let f = finding(case, d, order, &requests, &events, config);
            prepare(&f, &mut batch.prepared);
            batch.ends.push(batch.prepared.len());
            batch.findings.push(f);
        }
        Some(batch)
    };
    // Findings another worker took in, by the worker that made them.
    let spent: Vec<Mutex<Vec<Finding<'_>>>> = (0..threads).map(|_| Mutex::default()).collect();
    // A batch of findings with its cases, taken in order: counted,
    // aggregated, handed to the sink, kept when a report shows them.
    let take_in = |batch| {
        let Batch {
            cases,
            findings,
            prepared,
            ends,
            worker,
        }: Batch = batch;
        let here = rayon::current_thread_index().unwrap_or(0);
        let mut spent = (worker != here)
            .then(|| spent.get(worker).and_then(|m| m.lock().ok()))
            .flatten();
        let mut start = 0;
        for ((mut f, end), case) in findings.into_iter().zip(ends).zip(cases) {
            match (f.sources, f.join) {
                (Sources::HarAndLog, Join::RequestId) => analysis.correlation.by_request_id += 1,
                (Sources::HarAndLog, _) => analysis.correlation.by_fallback += 1,
                (Sources::Har, _) => analysis.correlation.har_only += 1,
                (Sources::Log, _) => analysis.correlation.log_only += 1,
            }
            analysis.aggregate.add(&f);
            sink.accept(&f, prepared.get(start..end).unwrap_or_default());
            start = end;
            if config.keep_records || examples.keep(&f) {
                f.request = case.client.map(|i| Box::new(requests[i].clone()));
                f.events = case.server.iter().map(|&i| events[i].clone()).collect();
                analysis.findings.push(f.into_owned());
            } else if let Some(spent) = spent.as_mut() {
                spent.push(f);
            }
            // (A finding this worker made is freed here.)
        }
    };
    let intake = Mutex::new(Intake {
        next: 0,
        waiting: BTreeMap::new(),
        take_in,
    });
    let next_batch = AtomicUsize::new(0);
    // Every worker takes the next batch, classifies it and takes in what
    // is next in order, often the batch it just made and still has in its
    // cache. Handing every batch to one thread to take in cost more than
    // the taking in: on 2 threads the findings were made only 1.2 times as
    // fast as on one. A worker that finds another taking in holds its
    // batch and classifies the next rather than wait (on 2 threads the
    // workers waited 27 ms of a 140 ms loop), up to HELD_BATCHES; the
    // batches are taken in by number, so the order is the same.
    let work = || {
        let mut held: Vec<(usize, Batch<'_>)> = Vec::new();
        loop {
            let mine = rayon::current_thread_index().and_then(|i| spent.get(i));
            let freed = mine.and_then(|m| m.lock().ok().map(|mut f| std::mem::take(&mut *f)));
            drop(freed);
            let i = next_batch.fetch_add(1, Ordering::Relaxed);
            let made = classify(i);
            let last = made.is_none();
            held.extend(made.map(|batch| (i, batch)));
            if held.is_empty() {
                return;
            }
            // Poisoned only by a panic in another worker's taking in,
            // which the pool raises again.
            let intake = if last || held.len() >= HELD_BATCHES {
                intake.lock().ok()
            } else {
                match intake.try_lock() {
                    Ok(intake) => Some(intake),
                    Err(TryLockError::WouldBlock) => continue,
                    Err(TryLockError::Poisoned(_)) => None,
                }
            };
            let Some(mut intake) = intake else { return };
            intake.waiting.extend(held.drain(..));
            intake.take_in_ready();
            if last {
                return;
            }
        }
    };
    match &pool {
        Ok(pool) => {
            pool.broadcast(|_| work());
        }
        Err(_) => work(),
    }
    drop(intake);
    drop(spent);
    drop(context);
    if config.keep_records {
        analysis.records = Records { requests, events };
    } else {
        // Freeing a night of events took the main thread tens of
        // milliseconds with the other cores idle, before the summaries could
        // be written: a thread of its own frees them meanwhile.
        drop_in_background((requests, events, failed));
    }
    analysis
}

/// Cases a parallel pass over them hands a task at least: a case is a few
/// loads, and a task per case would cost more than the pass.
const CASES_PER_TASK: usize = 4096;

/// Whether `cases` are already ordered by `key`: stretches checked on any
/// core, each with the first case of the next, so the places where two
/// meet are checked too.
fn in_order_par<K: PartialOrd>(cases: &[Case], key: impl Fn(&Case) -> K + Sync) -> bool {
    (0..cases.len())
        .into_par_iter()
        .step_by(CASES_PER_TASK)
        .all(|start| {
            let end = (start + CASES_PER_TASK + 1).min(cases.len());
            cases[start..end].is_sorted_by_key(&key)
        })
}

/// Threads to read a file of `bytes` with, out of `threads`, when `files`
/// files are read (as many at once as there are threads). A file big
/// enough to be read in parts gets every thread, whatever is read beside
/// it, and the OS shares the cores among the files read at once; the rest
/// share the threads out by count. By count alone, a file that took longer
/// than the others was left to its one thread while the cores that had
/// read the others idled: a 1 GB HAR read beside a 50 MB log took 0.95 s
/// instead of 0.54 on two threads.
fn threads_for(bytes: u64, files: usize, threads: usize) -> usize {
    let threads = threads.max(1);
    if bytes >= logs::parallel::MIN_PARALLEL_BYTES {
        threads
    } else {
        (threads / files.max(1)).max(1)
    }
}

/// Drop `value` on a new thread (here, if none can be started).
fn drop_in_background<T: Send + 'static>(value: T) {
    // A failed spawn drops the closure, and `value` with it, on this thread.
    let _detached = std::thread::Builder::new()
        .name("authlens-free".into())
        .spawn(move || drop(value));
}

/// Which findings keep their full records: those a report can show as
/// examples (the first few per cause and endpoint).
#[derive(Default)]
struct ExampleMarks {
    per_cause: HashMap<Cause, usize>,
    per_endpoint: hashbrown::HashMap<(String, String, Cause), usize>,
}

impl ExampleMarks {
    const PER_ENDPOINT: usize = 3;
    const PER_CAUSE: usize = 24;

    fn keep(&mut self, f: &Finding<'_>) -> bool {
        let c = self.per_cause.entry(f.cause()).or_default();
        if *c >= Self::PER_CAUSE {
            return false;
        }
        let e = GroupRef(&f.host, &f.endpoint, f.cause())
            .get_or_insert_with(&mut self.per_endpoint, |_| 0);
        if *e >= Self::PER_ENDPOINT {
            return false;
        }
        *c += 1;
        *e += 1;
        true
    }
}

/// The time and origin a case's finding is ordered by (and shows). Borrowed:
/// a night of logs has a few hundred thousand of them to sort.
fn case_order<'a>(
    case: &Case,
    requests: &'a [RequestView],
    events: &'a [ServerEvent],
) -> (Option<Timestamp>, Option<&'a Origin>) {
    match case.client {
        Some(i) => (requests[i].time, Some(&requests[i].origin)),
        None => {
            let evs = || case.server.iter().map(|&i| &events[i]);
            let lead = evs().find(|e| e.status == Some(401)).or(evs().next());
            (
                evs().find_map(|e| e.time),
                lead.and_then(|e| e.origin.as_ref()),
            )
        }
    }
}

/// The row of one 401 case; its time and origin are the case's
/// [`case_order`], computed once for the sort.
fn finding<'a>(
    case: &Case,
    d: Diagnosis,
    (time, origin): (Option<Timestamp>, Option<&Origin>),
    requests: &'a [RequestView],
    events: &'a [ServerEvent],
    config: &Config,
) -> Finding<'a> {
    let client = case.client.map(|i| &requests[i]);
    let evs = || case.server.iter().map(|&i| &events[i]);
    let sources = match (client.is_some(), !case.server.is_empty()) {
        (true, true) => Sources::HarAndLog,
        (true, false) => Sources::Har,
        _ => Sources::Log,
    };
    let lead = evs().find(|e| e.status == Some(401)).or(evs().next());
    let request_id = client
        .and_then(|r| r.request_ids().next())
        .or_else(|| evs().find_map(ServerEvent::first_request_id))
        .unwrap_or_default();
    let (method, url, host, path): (&str, Cow<'a, str>, &str, &str) = match client {
        Some(r) => (&r.method, Cow::Borrowed(r.url()), &r.host, r.path()),
        None => {
            let url = lead.and_then(ServerEvent::url).unwrap_or_default();
            let host = evs().find_map(ServerEvent::host).unwrap_or_default();
            let path = url.split('?').next().unwrap_or("");
            let full = if host.is_empty() || url.contains("://") {
                Cow::Borrowed(url)
            } else {
                // Put together by hand: `format!` cost more than the copy,
                // once per log-only finding.
                let mut full = String::with_capacity("http://".len() + host.len() + url.len());
                full.push_str("http://");
                full.push_str(host);
                full.push_str(url);
                Cow::Owned(full)
            };
            let method = evs().find_map(ServerEvent::method).unwrap_or_default();
            (method, full, host, path)
        }
    };
    let cred = client.and_then(primary_credential);
    let jwt = cred.and_then(|c| c.jwt.as_ref());
    let challenge = client
        .map(|r| column_text(r.challenges()))
        .filter(|s| !s.is_empty())
        .or_else(|| {
            evs().find_map(|e| {
                e.www_authenticate()
                    .map(|w| column_text(&parse_www_authenticate_cached(w)))
            })
        })
        .unwrap_or_default();
    // Usually one message or none: borrowed then, joined only for more.
    let mut messages = evs().filter_map(ServerEvent::message);
    let server_message = match (messages.next(), messages.next()) {
        (None, _) => Cow::Borrowed(""),
        (Some(one), None) => Cow::Borrowed(one),
        (Some(first), Some(second)) => {
            let rest: Vec<&str> = [first, second].into_iter().chain(messages).collect();
            Cow::Owned(rest.join(" | "))
        }
    };
    Finding {
        request_id: Cow::Borrowed(request_id),
        time,
        method: Cow::Borrowed(method),
        endpoint: endpoint_template(path),
        url,
        host: Cow::Borrowed(host),
        path: Cow::Borrowed(path),
        status: 401,
        diagnosis: d,
        sources,
        join: case.join,
        credential: match (client, cred) {
            (_, Some(c)) => Cow::Borrowed(c.kind.id()),
            (Some(r), None) if r.credential_redacted => Cow::Borrowed("redacted"),
            (Some(_), None) => Cow::Borrowed("none"),
            (None, _) => {
                if evs().any(|e| e.remote_user_present) {
                    Cow::Borrowed("basic")
                } else {
                    Cow::Borrowed("")
                }
            }
        },
        credential_fp: cred.map(|c| c.fingerprint.to_string()).unwrap_or_default(),
        jwt_iss: jwt
            .and_then(|j| j.iss.as_deref())
            .map_or(Cow::Borrowed(""), Cow::Borrowed),
        jwt_aud: jwt.map(|j| j.aud.join(" ")).unwrap_or_default(),
        jwt_exp: jwt.and_then(|j| j.exp),
        jwt_sub: if config.redact_subjects {
            Cow::Borrowed("")
        } else {
            jwt.and_then(|j| j.sub.as_deref())
                .map_or(Cow::Borrowed(""), Cow::Borrowed)
        },
        challenge,
        server_message,
        origin: origin.map(Origin::label).unwrap_or_default(),
        client_addr: Cow::Borrowed(evs().find_map(ServerEvent::client_addr).unwrap_or_default()),
        request: None,
        events: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::{in_order_par, threads_for, Case, CASES_PER_TASK};

    const MB: u64 = 1 << 20;

    #[test]
    fn a_file_big_enough_to_read_in_parts_gets_every_thread() {
        assert_eq!(threads_for(1024 * MB, 1, 2), 2);
        // Beside a small file, or beside other big ones.
        assert_eq!(threads_for(1024 * MB, 2, 2), 2);
        assert_eq!(threads_for(64 * MB, 4, 8), 8);
        assert_eq!(threads_for(256 * MB, 4, 2), 2);
    }

    #[test]
    fn smaller_files_share_the_threads_out_by_count() {
        assert_eq!(threads_for(50 * MB, 2, 2), 1);
        assert_eq!(threads_for(50 * MB, 2, 8), 4);
        assert_eq!(threads_for(MB, 100, 8), 1);
        assert_eq!(threads_for(MB, 1, 0), 1);
        // Standard input and pipes have no size.
        assert_eq!(threads_for(0, 1, 4), 4);
        assert_eq!(threads_for(0, 3, 2), 1);
    }

    #[test]
    fn cases_out_of_order_are_seen_within_a_stretch_and_where_two_meet() {
        let n = CASES_PER_TASK * 3 + 5;
        let cases: Vec<Case> = (0..n).map(Case::request_only).collect();
        let by_request = |c: &Case| c.client;
        assert!(in_order_par(&cases, by_request));
        assert!(in_order_par(&cases[..0], by_request));
        // Two neighbours swapped: inside the second stretch, across the
        // first meeting point, and at the very end.
        for at in [CASES_PER_TASK + 10, CASES_PER_TASK - 1, n - 2] {
            let mut swapped: Vec<Case> = (0..n).map(Case::request_only).collect();
            swapped.swap(at, at + 1);
            assert!(!in_order_par(&swapped, by_request), "swapped at {at}");
        }
        // Equal keys are in order.
        assert!(in_order_par(&cases, |_| 0));
    }
}
