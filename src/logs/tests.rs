use std::io::Cursor;

use super::*;

fn run(text: &[u8], opts: &LogOptions) -> (LogSummary, Vec<ServerEvent>) {
    let file: Arc<str> = Arc::from("test.log");
    let mut events = Vec::new();
    let s = read_log(&file, Cursor::new(text.to_vec()), opts, &mut |e| {
        events.push(e)
    });
    (s, events)
}

const COMBINED_401: &str = r#"127.0.0.1 - alice [23/Nov/2026:11:06:53 +0000] "GET /v2/shipments?case=t2001 HTTP/1.1" 401 79 "-" "Mozilla/5.0""#;

#[test]
fn mixed_error_and_access_lines_with_challenge_leg() {
    let text = format!(
        "{}\n{}\n{}\n{}\n{}\n",
        r#"2021/09/30 09:23:53 [error] 1925800#1925800: *17 user "foo" was not found in "/tmp/a.htpasswd", client: 127.0.0.1, server: _, request: "GET /private?api_key=SECRETVALUE HTTP/1.1", host: "localhost""#,
        r#"127.0.0.1 - foo [30/Sep/2021:09:23:53 +0000] "GET /private?api_key=SECRETVALUE HTTP/1.1" 401 188 "-" "curl/7.68.0""#,
        r#"127.0.0.1 - - [30/Sep/2021:09:23:54 +0000] "GET /other HTTP/1.1" 200 5 "-" "curl/7.68.0""#,
        r#"127.0.0.1 - foo [30/Sep/2021:09:23:55 +0000] "GET /private HTTP/1.1" 200 5 "-" "curl/7.68.0""#,
        "this is not a log line at all",
    );
    let (s, ev) = run(text.as_bytes(), &LogOptions::default());
    assert_eq!(s.lines, 5);
    assert_eq!(s.requests, 3);
    assert_eq!(s.status_401, 1);
    assert_eq!(s.auth_failures, 1);
    assert_eq!(s.unmatched, 1);
    assert_eq!(s.format, Some(LogFormat::NginxCombined));
    assert_eq!(
        ev.len(),
        3,
        "error line, 401, and the answered leg on /private"
    );
    assert_eq!(ev[0].format, Some(LogFormat::NginxError));
    assert!(ev[0].auxiliary);
    assert_eq!(ev[1].status, Some(401));
    assert_eq!(ev[1].origin.as_ref().map(|o| o.position), Some(2));
    assert_eq!(ev[2].status, Some(200));
    assert_eq!(ev[2].url(), Some("/private"));
    for e in &ev {
        let url = e.url().unwrap_or("");
        assert!(!url.contains("SECRETVALUE"), "raw secret stored: {url}");
    }
    assert!(ev[1]
        .url()
        .unwrap()
        .starts_with("/private?api_key=[redacted"));
}

/// The count-only reading of a JSON line must find the path the full
/// parse of the 401 kept, fragment and scheme cut alike, or the answered
/// leg is counted and lost.
#[test]
fn json_lines_challenge_leg_with_fragment_or_absolute_url() {
    let line = |t: u32, status: u16, url: &str| {
        format!(
            r#"{{"time":"2021-09-30T09:23:{t:02}Z","level":"info","req":{{"method":"GET","url":"{url}"}},"res":{{"statusCode":{status}}},"msg":"request completed"}}"#
        )
    };
    let text = [
        line(50, 401, "/private#top"),
        line(51, 200, "/other"),
        line(52, 200, "/private#top"),
        line(53, 401, "https://api.example/orders?page=2"),
        line(54, 200, "/elsewhere#orders"),
        line(55, 200, "https://api.example/orders#list"),
    ]
    .join("\n");
    let (s, ev) = run(text.as_bytes(), &LogOptions::default());
    assert_eq!(s.format, Some(LogFormat::JsonLines));
    assert_eq!((s.requests, s.status_401), (6, 2));
    let seen: Vec<_> = ev.iter().map(|e| (e.status, e.url())).collect();
    assert_eq!(
        seen,
        [
            (Some(401), Some("/private#top")),
            (Some(200), Some("/private#top")),
            (Some(401), Some("/orders?page=2")),
            (Some(200), Some("/orders#list")),
        ]
    );
}

/// A 401's second leg comes from the client that got the 401: another
/// client's success on the same path is only counted, and leaves the 401
/// waiting for its own client's answer (which it used to take away).
#[test]
fn only_the_challenged_client_answers_a_401() {
    let clf = |client: &str, t: u32, status: u16| {
        format!(
            r#"{client} - - [30/Sep/2021:09:23:{t:02} +0000] "GET /login?next=/home HTTP/1.1" {status} 5 "-" "curl/8""#
        )
    };
    let json = |client: &str, t: u32, status: u16| {
        format!(
            r#"{{"time":"2021-09-30T09:23:{t:02}Z","req":{{"method":"GET","url":"/login","remoteAddress":"{client}"}},"res":{{"statusCode":{status}}},"msg":"request completed"}}"#
        )
    };
    for line in [&clf as &dyn Fn(&str, u32, u16) -> String, &json] {
        let text = [
            line("10.0.0.1", 50, 401),
            line("10.0.0.2", 51, 200),
            line("10.0.0.2", 52, 200),
            line("10.0.0.1", 53, 200),
            line("10.0.0.1", 54, 200),
        ]
        .join("\n");
        let (s, ev) = run(text.as_bytes(), &LogOptions::default());
        assert_eq!((s.requests, s.status_401), (5, 1), "{text}");
        let seen: Vec<_> = ev.iter().map(|e| (e.status, e.client_addr())).collect();
        assert_eq!(
            seen,
            [(Some(401), Some("10.0.0.1")), (Some(200), Some("10.0.0.1"))],
            "{text}"
        );
        assert_eq!(ev[1].origin.as_ref().map(|o| o.position), Some(4));
    }
}

#[test]
fn json_count_only_reads_the_clients_a_line_may_name() {
    let mut ctx = Ctx::new(None);
    ctx.challenges.challenged(
        Leg {
            client: Some("10.0.0.1"),
            host: "",
            path: "/x",
        },
        None,
    );
    let count = |line: &str, ctx: &Ctx<'_>| count_only(LogFormat::JsonLines, line, ctx);
    // Another client, or none named: counted only.
    assert_eq!(
        count(
            r#"{"status":200,"url":"/x","remote_addr":"10.0.0.2"}"#,
            &ctx
        ),
        Some(true)
    );
    assert_eq!(count(r#"{"status":200,"url":"/x"}"#, &ctx), Some(true));
    assert_eq!(
        count(r#"{"status":200,"url":"/x","msg":"from 10.0.0.1"}"#, &ctx),
        Some(true)
    );
    // The waiting client under any client key, however deep: it may be
    // the one the parse takes; a client only the parse reads.
    for line in [
        r#"{"status":200,"url":"/x","ip":"10.0.0.2","client":{"ip":" 10.0.0.1 "}}"#,
        r#"{"status":200,"url":"/x","ip":["10.0.0.2"]}"#,
        r#"{"status":200,"url":"/x","ip":"10.0.0.\u0031"}"#,
    ] {
        assert_eq!(count(line, &ctx), None, "{line}");
    }
    // A 401 that named no client waits for any line on its path.
    ctx.challenges.challenged(
        Leg {
            client: None,
            host: "",
            path: "/x",
        },
        None,
    );
    assert_eq!(
        count(r#"{"status":200,"url":"/x","ip":"10.0.0.2"}"#, &ctx),
        None
    );
    assert_eq!(count(r#"{"status":200,"url":"/y"}"#, &ctx), Some(true));
}

#[test]
fn crlf_comments_blank_bom_no_trailing_newline() {
    let text = format!("\u{feff}# comment\r\n\r\n{COMBINED_401}\r\n{COMBINED_401}");
    let (s, ev) = run(text.as_bytes(), &LogOptions::default());
    assert_eq!(
        (s.lines, s.requests, s.status_401, s.unmatched),
        (4, 2, 2, 0)
    );
    assert_eq!(ev.len(), 2);
    assert_eq!(ev[1].origin.as_ref().map(|o| o.position), Some(4));
    // The CRLF is gone from the last field: the URL and status read cleanly.
    assert_eq!(ev[0].url(), Some("/v2/shipments?case=t2001"));
}

#[test]
fn invalid_utf8_and_long_lines_are_reported_not_fatal() {
    let mut text = Vec::new();
    text.extend_from_slice(COMBINED_401.as_bytes());
    text.extend_from_slice(b"\n");
    text.extend_from_slice(&COMBINED_401.as_bytes()[..20]);
    text.extend_from_slice(b"\xff\xfe");
    text.extend_from_slice(&COMBINED_401.as_bytes()[20..]);
    text.extend_from_slice(b"\n");
    text.extend_from_slice(&vec![b'a'; 5000]);
    text.extend_from_slice(b"\n");
    text.extend_from_slice(COMBINED_401.as_bytes());
    let opts = LogOptions {
        max_line_bytes: 1000,
        ..LogOptions::default()
    };
    let (s, _) = run(&text, &opts);
    assert_eq!(s.lines, 4);
    assert_eq!(
        s.status_401, 2,
        "the lossy line has its bytes inside the user field"
    );
    assert_eq!(s.errors.len(), 2, "{:?}", s.errors);
    assert!(s
        .errors
        .iter()
        .any(|e| e.at == "line 3" && e.message.contains("longer than 1000 bytes")));
    assert!(s
        .errors
        .iter()
        .any(|e| e.at == "line 2" && e.message.contains("invalid UTF-8")));
}

#[test]
fn prefilter_keeps_counts_exact() {
    let mut text = String::new();
    for i in 0..50 {
        text.push_str(&format!(
            "10.0.0.1 - - [23/Nov/2026:11:06:53 +0000] \"GET /a{i} HTTP/1.1\" 200 5 \"-\" \"curl\"\n"
        ));
        text.push_str(&format!(
            "{{\"ts\":\"2026-11-23T11:06:53+00:00\",\"remote_addr\":\"1\",\"uri\":\"/b{i}\",\"status\":204,\"request_time\":0.1}}\n"
        ));
    }
    text.push_str(COMBINED_401);
    let (s, ev) = run(text.as_bytes(), &LogOptions::default());
    assert_eq!((s.requests, s.status_401, s.unmatched), (101, 1, 0));
    assert_eq!(ev.len(), 1);
}

#[test]
fn pino_lines_become_events_only_when_they_matter() {
    let text = concat!(
        r#"{"level":30,"time":1795432012537,"pid":4704,"hostname":"shipping-api-0","msg":"shipping-api listening"}"#,
        "\n",
        r#"{"level":30,"time":1795432013816,"req":{"id":"3bea1755","method":"GET","url":"/partner/tracking?case=t1620"},"res":{"statusCode":200},"msg":"request completed"}"#,
        "\n",
        r#"{"level":30,"time":1795432016164,"req":{"id":"bedd93e8-4c8a-40a1-bbad-46d4412eb775","method":"POST","url":"/v2/session/logout?case=t1612"},"request_id":"bedd93e8-4c8a-40a1-bbad-46d4412eb775","event":"session_revoked","msg":"token revoked by logout"}"#,
        "\n"
    );
    let (s, ev) = run(text.as_bytes(), &LogOptions::default());
    assert_eq!((s.requests, s.auth_failures, s.unmatched), (1, 1, 0));
    assert_eq!(s.format, Some(LogFormat::JsonLines));
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].message(), Some("token revoked by logout"));
    assert_eq!(ev[0].method(), Some("POST"));
    assert_eq!(
        ev[0].request_ids().collect::<Vec<_>>(),
        vec!["bedd93e8-4c8a-40a1-bbad-46d4412eb775"]
    );
}

#[test]
fn messages_and_www_authenticate_are_masked() {
    let line = r#"{"level":50,"time":1795432013882,"req":{"method":"GET","url":"/x?access_token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"},"res":{"statusCode":401,"www_authenticate":"Bearer error=\"invalid_token\""},"err":{"message":"bad token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"}}"#;
    let (_, ev) = run(line.as_bytes(), &LogOptions::default());
    assert_eq!(ev.len(), 1);
    let e = &ev[0];
    assert!(
        !e.url().unwrap().contains("eyJzdWIiOiIxIn0"),
        "{:?}",
        e.url()
    );
    assert!(
        !e.message().unwrap().contains("eyJzdWIiOiIxIn0"),
        "{:?}",
        e.message()
    );
    assert!(e.message().unwrap().starts_with("bad token [redacted"));
}

#[test]
fn detect_formats_and_rejects_hars() {
    assert_eq!(
        detect(COMBINED_401.as_bytes()),
        Some(LogFormat::NginxCombined)
    );
    assert_eq!(
        detect(b"2026/11/23 11:06:52 [notice] 4705#4705: nginx/1.22.1\n2026/11/23 11:06:52 [notice] 4705#4705: start worker processes\n"),
        Some(LogFormat::NginxError)
    );
    assert_eq!(
        detect(b"{\n  \"log\": {\n    \"version\": \"1.2\",\n"),
        None
    );
    assert_eq!(
        detect(br#"{"log":{"version":"1.2","creator":{},"entries":[]}}"#),
        None
    );
    assert_eq!(detect(b"hello\nworld\n"), None);
    assert_eq!(detect(b""), None);
    assert_eq!(
        detect(b"2025-12-31T19:00:00.310000000+01:00 stdout F [2016-04-15T20:17:00.310Z] \"POST /api/v1/locations HTTP/2\" 204 - 154 0 226 100 \"10.0.35.28\" \"nsq2http\" \"cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2\" \"locations\" \"tcp://10.0.2.1:80\"\n"),
        Some(LogFormat::EnvoyText)
    );
}

/// A pino request log as it usually starts: successes only, the time in
/// epoch milliseconds.
fn pino_head(lines: usize, with_time: bool) -> String {
    (0..lines)
        .map(|i| {
            let time = if with_time {
                format!(r#""time":{},"#, 1_795_424_400_009u64 + i as u64)
            } else {
                String::new()
            };
            format!(
                r#"{{"level":30,{time}"pid":4704,"req":{{"id":"r{i}","method":"GET","url":"/api/v1/items/{i}"}},"res":{{"statusCode":200}},"responseTime":12,"msg":"request completed"}}"#
            ) + "\n"
        })
        .collect()
}

#[test]
fn a_json_log_that_starts_with_successes_is_a_timed_log() {
    // Only counted, a 2xx line has no time: every line must be read in
    // full to tell a log from a data file.
    assert_eq!(
        detect(pino_head(25, true).as_bytes()),
        Some(LogFormat::JsonLines)
    );
    assert_eq!(detect(pino_head(25, false).as_bytes()), None);
}

#[test]
fn never_panics_on_garbage() {
    let inputs: [&[u8]; 8] = [
        b"[",
        b"[]",
        b"\"\"\"",
        b"{\"log\":\"",
        b"2021/09/30 09:23:53 [error] 1#1: *",
        b"1.2.3.4 - - [01/Jan/2020:00:00:00 +0000] \"GET",
        b"http 2023-04-26T12:22:55Z",
        b"\t\t\t\t\t\t\t\t\t\t\t\t\t\t",
    ];
    for i in inputs {
        let _ = run(i, &LogOptions::default());
        let _ = detect(i);
    }
}

#[test]
fn format_ids_are_stable_and_described() {
    let ids: Vec<String> = LogFormat::ALL.iter().map(|f| f.to_string()).collect();
    assert!(ids.contains(&"nginx-combined".to_string()));
    assert!(ids.contains(&"keycloak-events".to_string()));
    let rows = describe_formats();
    assert_eq!(rows.len(), LogFormat::ALL.len());
    assert!(rows
        .iter()
        .all(|r| !r.description.is_empty() && !r.fields.is_empty()));
    assert_eq!(
        normalize_id(" 00-152C5BC80E1427064A1C615175C7D0C0-b6fab253bc7fea2c-01 ").as_deref(),
        Some("152c5bc80e1427064a1c615175c7d0c0")
    );
    assert_eq!(
        normalize_id("Root=1-58337262-36d228ad5d99923122bbe354;Parent=abc").as_deref(),
        Some("1-58337262-36d228ad5d99923122bbe354")
    );
    assert_eq!(normalize_id("-"), None);
    assert_eq!(normalize_id(""), None);
}

/// bad_inputs::an_endless_line_stops_the_log: a text stream without a
/// newline was read (and dropped) forever.
#[test]
fn a_line_without_end_stops_reading() {
    let file: Arc<str> = Arc::from("endless.log");
    let endless = std::io::repeat(b'a');
    let opts = LogOptions {
        max_line_bytes: 1000,
        ..LogOptions::default()
    };
    let s = read_log(&file, endless, &opts, &mut |_| {});
    assert_eq!(s.lines, 1);
    assert_eq!(s.long_lines, 1);
    let e = s.errors.last().expect("an error");
    assert_eq!(e.at, "line 1");
    assert!(
        e.message.contains("not a line-oriented log"),
        "{}",
        e.message
    );
}

mod fuzz {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let (s, _) = run(&bytes, &LogOptions::default());
            prop_assert!(s.unmatched <= s.lines);
            let _ = detect(&bytes);
        }

        /// The byte-at-a-time split finds the words the Unicode one does,
        /// with every whitespace character (the vertical tab, NEL and the
        /// no-break space among them) mixed into ASCII and non-ASCII text.
        #[test]
        fn words_are_split_as_split_whitespace_splits_them(
            text in "[-a-z/?=\",\t\n\u{0B}\u{0C}\r \u{85}\u{A0}\u{1680}\u{2000}\u{2028}\u{202F}\u{3000}\u{e9}\u{1F600}]{0,40}",
        ) {
            let ours: Vec<&str> = words(&text).collect();
            let std: Vec<&str> = text.split_whitespace().collect();
            prop_assert_eq!(&ours, &std);
            let backwards: Vec<&str> = words(&text).rev().collect();
            prop_assert_eq!(backwards, std.iter().rev().copied().collect::<Vec<_>>());
            // The client of an access-log prefix: third word from the end.
            let third = (std.len() >= 3).then(|| std[std.len() - 3]);
            let client = access::prefix_client(&text);
            let want = third.map(|t| Some(t.trim_matches(['"', ','])).filter(|c| !c.is_empty() && *c != "-"));
            prop_assert_eq!(client, want);
            let ascii: String = text.chars().filter(char::is_ascii).collect();
            let ours: Vec<&str> = words(&ascii).collect();
            let std: Vec<&str> = ascii.split_whitespace().collect();
            prop_assert_eq!(ours, std);
        }

        #[test]
        fn mutated_real_lines_never_panic(
            base in prop::sample::select(vec![
                COMBINED_401,
                r#"2026/11/23 11:06:59 [error] 4707#4707: *6 user "carol": password mismatch, client: 127.0.0.1, server: , request: "GET /m?x=1 HTTP/1.1", host: "h""#,
                r#"[Sat Jul 20 21:39:11.978080 2013] [auth_basic:error] [pid 1:tid 2] [client 127.0.0.1:51390] AH01617: user u: authentication failure for "/b": Password Mismatch"#,
                r#"Nov 14 22:45:11 test haproxy[760]: ::ffff:192.168.33.1:58430 [14/Nov/2015:22:45:11.608] main main/<NOSRV> -1/-1/-1/-1/0 401 248 - - PR-- 0/0/0/0/0 0/0 "GET / HTTP/1.1""#,
                r#"2023-05-25 22:24:19,357 WARN  [org.key.events] (t) type=LOGIN_ERROR, ipAddress=1.2.3.4, error=user_not_found"#,
                "2024-03-12\t15:22:28\tCDG50-P2\t703\t1.2.3.4\tGET\th\t/t\t401\t-\tcurl\tq=1\t-\tError\tID\th\thttps",
            ]),
            cut in 0usize..400,
            insert in "[\\[\\]\" {}=:\\t\u{e9}\u{1F600}]{0,3}",
        ) {
            let mut s = base.to_string();
            let mut at = cut.min(s.len());
            while !s.is_char_boundary(at) {
                at -= 1;
            }
            s.insert_str(at, &insert);
            let _ = run(s.as_bytes(), &LogOptions::default());
            let _ = run(&s.as_bytes()[..at], &LogOptions::default());
        }
    }
}

#[test]
fn long_line_errors_are_capped() {
    let mut text = Vec::new();
    for _ in 0..150 {
        text.extend_from_slice(&[b'x'; 64]);
        text.push(b'\n');
    }
    let opts = LogOptions {
        max_line_bytes: 10,
        ..LogOptions::default()
    };
    let (s, _) = run(&text, &opts);
    assert_eq!(s.lines, 150);
    assert_eq!(s.errors.len(), 101);
    assert!(s.errors[100].message.starts_with("50 more line(s)"));
}

#[test]
fn docker_wrapped_json_lines_are_counted_exactly() {
    let mut text = String::new();
    for i in 0..5 {
        let inner = format!(
            "{{\"level\":30,\"time\":1795432013816,\"req\":{{\"method\":\"GET\",\"url\":\"/a{i}\"}},\"res\":{{\"statusCode\":200}},\"msg\":\"request completed\"}}\n"
        );
        let wrapped =
            serde_json::json!({"log": inner, "stream": "stdout", "time": "2026-11-23T11:06:53.1Z"});
        text.push_str(&wrapped.to_string());
        text.push('\n');
    }
    let (s, ev) = run(text.as_bytes(), &LogOptions::default());
    assert_eq!((s.lines, s.requests, s.unmatched), (5, 5, 0));
    assert_eq!(s.format, Some(LogFormat::JsonLines));
    assert!(ev.is_empty());
}

#[test]
fn blank_and_comment_lines_are_skipped_however_they_start() {
    let text = format!(
        "{}\n\u{3000}\n \t \n  # a comment after blanks\n\u{a0}#Fields: not a header\n#\n{}\n \u{2003}{}\n",
        COMBINED_401, COMBINED_401, COMBINED_401
    );
    let (s, ev) = run(text.as_bytes(), &LogOptions::default());
    assert_eq!(s.lines, 8);
    // Blank (Unicode spaces too) and `#` lines are neither records nor
    // unmatched; a record behind leading blanks is still read.
    assert_eq!(s.unmatched, 0);
    assert_eq!(s.status_401, 3);
    assert_eq!(ev.len(), 3);
    let (s, _) = run(b"x not a log line\n", &LogOptions::default());
    assert_eq!(s.unmatched, 1);
}

#[test]
fn a_json_line_without_status_is_only_counted_while_a_401_waits() {
    let mut ctx = Ctx::new(None);
    ctx.challenges.challenged(
        Leg {
            client: None,
            host: "api.example",
            path: "/x",
        },
        None,
    );
    let count = |line: &str| count_only(LogFormat::JsonLines, line, &ctx);
    // No status key: the full parse would find no status, so no second leg.
    assert_eq!(
        count(r#"{"level":20,"msg":"db pool stats","pool":{"size":20}}"#),
        Some(false)
    );
    // A status key the cheap reading cannot settle: it might be a 2xx.
    assert_eq!(count(r#"{"status":"ok","msg":"db pool stats"}"#), None);
    // A clear 2xx: parsed only on the path a 401 waits on.
    assert_eq!(count(r#"{"status":200,"url":"/x"}"#), None);
    assert_eq!(count(r#"{"status":200,"url":"/y"}"#), Some(true));
    // Auth words always get the full parse.
    assert_eq!(count(r#"{"level":50,"msg":"jwt expired"}"#), None);
}
