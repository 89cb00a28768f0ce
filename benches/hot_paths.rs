//! Criterion benchmarks for the hot paths: HAR entry reading, log line
//! parsing, credential analysis and classification. Inputs are the bundled
//! samples (small, realistic) so the numbers are comparable run to run;
//! `benches/compare.sh` measures whole runs on generated gigabyte inputs.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use authlens::classify::catalog::Catalog;
use authlens::classify::{CaptureContext, Classifier};
use authlens::correlate::{correlate, CorrelateOptions};
use authlens::credential::parse_authorization;
use authlens::har::{read_har, HarOptions};
use authlens::logs::{read_log, LogOptions};

fn sample(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn har_reading(c: &mut Criterion) {
    let bytes = sample("devtools-shop.har");
    let file: Arc<str> = Arc::from("devtools-shop.har");
    let mut g = c.benchmark_group("har");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    for threads in [1, 2] {
        g.bench_function(format!("read_har/{threads}t"), |b| {
            let opts = HarOptions {
                threads,
                keys: None,
                jsonp: false,
                limits: Default::default(),
            };
            b.iter(|| read_har(&file, black_box(&bytes[..]), &opts).requests.len())
        });
    }
    g.finish();
}

fn log_parsing(c: &mut Criterion) {
    let mut g = c.benchmark_group("logs");
    for name in [
        "logs/gateway-nginx.log",
        "logs/gateway-nginx.json.log",
        "logs/api-app.jsonl",
    ] {
        let bytes = sample(name);
        let file: Arc<str> = Arc::from(name);
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(name, |b| {
            let opts = LogOptions::default();
            b.iter(|| {
                let mut n = 0usize;
                read_log(&file, black_box(&bytes[..]), &opts, &mut |_| n += 1);
                n
            })
        });
    }
    g.finish();
}

fn credentials(c: &mut Criterion) {
    // A real RS256 token shape: header, claims, 342-char signature.
    let jwt = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwczovL2xvZ2luLmFjbWUuZXhhbXBsZS8iLCJhdWQiOiJodHRwczovL2FwaS5hY21lLmV4YW1wbGUiLCJleHAiOjE3OTU0MzIwMDAsInNjb3BlIjoib3JkZXJzOnJlYWQifQ.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl";
    let mut g = c.benchmark_group("credential");
    g.bench_function("bearer_jwt", |b| {
        let v = format!("Bearer {jwt}");
        b.iter(|| parse_authorization(black_box(&v)))
    });
    g.bench_function("basic", |b| {
        b.iter(|| parse_authorization(black_box("Basic YWxpY2U6czNjcmV0")))
    });
    g.bench_function("malformed", |b| {
        b.iter(|| parse_authorization(black_box("Bearer undefined")))
    });
    g.finish();
}

fn classification(c: &mut Criterion) {
    let file: Arc<str> = Arc::from("devtools-shop.har");
    let bytes = sample("devtools-shop.har");
    let requests = read_har(
        &file,
        &bytes[..],
        &HarOptions {
            threads: 1,
            keys: None,
            jsonp: false,
            limits: Default::default(),
        },
    )
    .requests;
    let events = Vec::new();
    let catalog = Catalog::builtin();
    let context = CaptureContext::build(&requests, &events);
    let cases = correlate(&requests, &events, CorrelateOptions::default());
    let classifier = Classifier {
        requests: &requests,
        events: &events,
        context: &context,
        catalog: &catalog,
        env: None,
    };
    let failures: Vec<_> = cases.iter().filter(|c| classifier.is_401(c)).collect();
    let mut g = c.benchmark_group("classify");
    g.throughput(Throughput::Elements(failures.len() as u64));
    g.bench_function("devtools-shop 401s", |b| {
        b.iter(|| {
            failures
                .iter()
                .map(|c| classifier.classify(c).confidence)
                .sum::<f64>()
        })
    });
    g.bench_function("catalog.find", |b| {
        b.iter(|| {
            catalog
                .find(black_box(
                    "UnauthorizedError: jwt expired at 2026-11-20T08:48:03Z",
                ))
                .is_some()
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    har_reading,
    log_parsing,
    credentials,
    classification
);
criterion_main!(benches);
