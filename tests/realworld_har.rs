//! Every HAR in ../shared/realworld/har: valid ones give exactly the request
//! and 401 counts SOURCES.tsv states; broken ones fail with an error that
//! names the file and says what is wrong.

mod common;

#[test]
fn every_realworld_har_matches_sources_tsv() {
    let Some(rw) = common::realworld() else {
        return;
    };
    let tsv = std::fs::read_to_string(rw.join("SOURCES.tsv")).expect("SOURCES.tsv");
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 13 || !cols[0].starts_with("har/") {
            continue;
        }
        let (file, parses, entries, s401, s403) = (cols[0], cols[9], cols[10], cols[11], cols[12]);
        let path = rw.join(file);
        let run = common::analyze(&[&path], &["-q", "--threads", "2"]);
        checked += 1;
        if parses == "yes" {
            let s = run.summary();
            let input = &s["inputs"][0];
            let got = (
                s["totals"]["requests"].as_u64(),
                input["status_401"].as_u64(),
                input["status_403"].as_u64(),
            );
            let want = (entries.parse().ok(), s401.parse().ok(), s403.parse().ok());
            if got != want || run.code() != 0 || s["totals"]["status_401"].as_u64() != want.1 {
                failures.push(format!(
                    "{file}: want {want:?} got {got:?} exit {} {}",
                    run.code(),
                    run.stderr()
                ));
            }
        } else {
            let err = run.stderr();
            let names_file = err.contains(path.to_string_lossy().as_ref());
            let says_what =
                err.contains("not a HAR") || err.contains("expected") || err.contains("JSONP");
            if run.code() == 0 || !names_file || !says_what {
                failures.push(format!(
                    "{file}: broken file not reported clearly (exit {}): {err}",
                    run.code()
                ));
            }
        }
    }
    assert!(checked >= 35, "only {checked} HAR rows found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn thread_count_does_not_change_output() {
    let Some(rw) = common::realworld() else {
        return;
    };
    let file = rw.join("har/chrome__request-generator-all-statuses.har");
    let one = common::analyze(&[&file], &["-q", "--threads", "1"]);
    let four = common::analyze(&[&file], &["-q", "--threads", "4"]);
    for name in ["failures.csv", "causes.csv", "endpoints.csv", "trend.csv"] {
        assert_eq!(
            one.read(name),
            four.read(name),
            "{name} differs between 1 and 4 threads"
        );
        assert!(!one.read(name).is_empty());
    }
}
