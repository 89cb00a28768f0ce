//! `authlens explain`: run the same pipeline as `analyze` (same common
//! flags), pick one request by request id, HAR entry index or URL
//! substring, and print its step-by-step diagnosis.

use crate::analysis::{analyze, Analysis, Finding};
use crate::cli::ExplainArgs;
use crate::cmd::{analyze::config, Exit, UserError};
use crate::model::{InputKind, RequestView, ServerEvent};
use crate::report::escape::terminal;
use crate::report::explain::{render, Subject};
use crate::requestid::normalize;

/// What the user asked for.
enum Selector {
    RequestId(String),
    Entry(u64),
    Case(String),
}

impl Selector {
    fn from_args(args: &ExplainArgs) -> Result<Selector, UserError> {
        if let Some(id) = &args.request_id {
            let id =
                normalize(id).ok_or_else(|| UserError(format!("--request-id '{id}' is empty")))?;
            Ok(Selector::RequestId(id))
        } else if let Some(n) = args.entry {
            Ok(Selector::Entry(n))
        } else if let Some(s) = &args.case {
            Ok(Selector::Case(s.clone()))
        } else {
            Err(UserError(
                "give --request-id ID, --entry N or --case STR".into(),
            ))
        }
    }

    fn describe(&self) -> String {
        match self {
            Selector::RequestId(id) => format!("--request-id {id}"),
            Selector::Entry(n) => format!("--entry {n}"),
            Selector::Case(s) => format!("--case {s}"),
        }
    }

    fn request(&self, r: &RequestView) -> bool {
        match self {
            Selector::RequestId(id) => r.request_ids().any(|x| x == id.as_str()),
            Selector::Entry(n) => r.origin.kind == InputKind::Har && r.origin.position == *n,
            Selector::Case(s) => r.url().contains(s.as_str()),
        }
    }

    fn event(&self, e: &ServerEvent) -> bool {
        match self {
            Selector::RequestId(id) => e.request_ids().any(|x| x == id.as_str()),
            Selector::Entry(_) => false,
            Selector::Case(s) => e.url().is_some_and(|u| u.contains(s.as_str())),
        }
    }

    fn finding(&self, f: &Finding) -> bool {
        match &f.request {
            Some(r) => self.request(r),
            None => {
                matches!(self, Selector::RequestId(id) if &f.request_id == id)
                    || matches!(self, Selector::Case(s) if f.url.contains(s.as_str()))
                    || f.events.iter().any(|e| self.event(e))
            }
        }
    }
}

/// Server events sharing a request id with `r` (for a request that is not
/// a 401, which has no correlated finding).
fn events_for<'a>(analysis: &'a Analysis, r: &RequestView) -> Vec<&'a ServerEvent> {
    analysis
        .records
        .events
        .iter()
        .filter(|e| {
            e.request_ids()
                .any(|id| r.request_ids().any(|rid| rid == id))
        })
        .collect()
}

pub fn run(args: &ExplainArgs) -> Result<Exit, UserError> {
    let selector = Selector::from_args(args)?;
    let mut cfg = config(&args.common)?;
    cfg.keep_records = true;
    let analysis = analyze(&cfg);
    for input in &analysis.inputs {
        for e in &input.errors {
            eprintln!(
                "authlens: {}: {}: {}",
                terminal(&input.path),
                e.at,
                terminal(&e.message)
            );
        }
    }
    // 401s first (they have a diagnosis), then other requests in input order.
    let findings: Vec<&Finding> = analysis
        .findings
        .iter()
        .filter(|f| selector.finding(f))
        .collect();
    let others: Vec<&RequestView> = analysis
        .records
        .requests
        .iter()
        .filter(|r| selector.request(r))
        .filter(|r| {
            !findings
                .iter()
                .any(|f| f.request.as_ref().is_some_and(|fr| fr.origin == r.origin))
        })
        .collect();
    let total = findings.len() + others.len();
    let subject = if let Some(f) = findings.first() {
        Subject::Finding(f)
    } else if let Some(r) = others.first() {
        Subject::Request {
            request: r,
            events: events_for(&analysis, r),
        }
    } else {
        return Err(UserError(format!(
            "no request matches {} in {} input(s) ({} requests read)",
            terminal(&selector.describe()),
            analysis.inputs.len(),
            analysis.requests
        )));
    };
    if total > 1 {
        let mut others_list: Vec<String> = findings
            .iter()
            .skip(1)
            .map(|f| f.origin.clone())
            .chain(others.iter().map(|r| r.origin.to_string()))
            .collect();
        if findings.is_empty() {
            others_list.remove(0);
        }
        others_list.truncate(10);
        eprintln!(
            "authlens: {} requests match {}; showing the first{}. Others: {}",
            total,
            terminal(&selector.describe()),
            if findings.is_empty() { "" } else { " 401" },
            terminal(&others_list.join(", "))
        );
    }
    let this = match &subject {
        Subject::Finding(f) => f.request.as_deref(),
        Subject::Request { request, .. } => Some(*request),
    };
    let redirected_from = this.and_then(|r| {
        analysis.records.requests.iter().find(|p| {
            p.origin != r.origin
                && p.redirect_url().is_some_and(|to| {
                    to == r.url() || (to.starts_with('/') && r.url().ends_with(to))
                })
        })
    });
    print!(
        "{}",
        render(&subject, args.common.redact_subjects, redirected_from)
    );
    Ok(Exit::Ok)
}
