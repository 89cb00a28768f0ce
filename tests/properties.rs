//! Property tests for the small parsers every record goes through: they
//! never panic on any input, round-trip what they are meant to read, and
//! never let a secret through.

use authlens::aggregate::template::endpoint_template;
use authlens::challenge::parse_www_authenticate;
use authlens::credential::{fingerprint, mask_url, parse_authorization};
use proptest::prelude::*;

/// An RFC 9110 token that starts with a letter (a plausible scheme or name).
fn token() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,11}"
}

/// `"…"` with `"` and `\` escaped, as a server would write it.
fn quote(v: &str) -> String {
    let mut out = String::from("\"");
    for c in v.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A challenge: scheme plus 1–4 params with quoted values.
fn challenge() -> impl Strategy<Value = (String, Vec<(String, String)>)> {
    (
        token(),
        prop::collection::vec(("[a-z][a-z0-9_]{0,9}", "[ -~é€]{0,20}"), 1..4),
    )
}

fn render(challenges: &[(String, Vec<(String, String)>)]) -> String {
    challenges
        .iter()
        .map(|(scheme, params)| {
            let params: Vec<String> = params
                .iter()
                .map(|(n, v)| format!("{n}={}", quote(v)))
                .collect();
            format!("{scheme} {}", params.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn www_authenticate_never_panics(s in any::<String>()) {
        for c in parse_www_authenticate(&s) {
            let _ = c.to_string();
        }
    }

    #[test]
    fn www_authenticate_round_trips_quoted_challenges(
        challenges in prop::collection::vec(challenge(), 1..4)
    ) {
        let header = render(&challenges);
        let parsed = parse_www_authenticate(&header);
        prop_assert_eq!(parsed.len(), challenges.len(), "{}", header);
        for (got, (scheme, params)) in parsed.iter().zip(&challenges) {
            prop_assert_eq!(&got.scheme, scheme);
            prop_assert_eq!(&got.params, params);
            prop_assert_eq!(&got.token68, &None);
        }
    }

    #[test]
    fn authorization_never_panics(s in any::<String>()) {
        let c = parse_authorization(&s);
        prop_assert_eq!(c.fingerprint.len(), 12);
    }

    #[test]
    fn authorization_round_trips_scheme_and_token(
        scheme in prop::sample::select(vec!["Bearer", "bearer", "Token", "ApiKey"]),
        token in "[A-Za-z0-9._~+/-]{8,40}={0,2}",
    ) {
        let c = parse_authorization(&format!("{scheme} {token}"));
        prop_assert_eq!(c.scheme.as_deref(), Some(scheme));
        prop_assert_eq!(c.fingerprint, fingerprint(token.as_bytes()));
    }

    #[test]
    fn authorization_round_trips_quoted_params(
        (scheme, params) in challenge()
    ) {
        let value = render(&[(scheme.clone(), params)]);
        let c = parse_authorization(&value);
        prop_assert_eq!(c.scheme.as_deref(), Some(scheme.as_str()));
    }

    #[test]
    fn endpoint_template_is_idempotent_and_hides_numbers(
        segments in prop::collection::vec(
            prop_oneof![
                "[0-9]{1,12}",
                "[a-z]{1,10}",
                "[a-f0-9]{6,40}",
                "[A-Za-z0-9_-]{1,24}",
                "[a-z]{1,4}[_-][0-9]{1,8}",
                "[0-9]{4}-[0-9]{2}-[0-9]{2}",
                "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                ".{0,12}",
            ],
            0..8,
        ),
        query in proptest::option::of("[a-z0-9=&]{0,20}"),
    ) {
        let mut path = format!("/{}", segments.join("/"));
        if let Some(q) = query {
            path.push('?');
            path.push_str(&q);
        }
        let once = endpoint_template(&path);
        prop_assert_eq!(endpoint_template(&once), once.clone(), "{}", path);
        for seg in once.split('/') {
            prop_assert!(
                seg.is_empty() || !seg.bytes().all(|b| b.is_ascii_digit()),
                "digit-only segment {:?} in {:?} from {:?}", seg, once, path
            );
        }
    }

    #[test]
    fn mask_url_never_shows_a_secret_query_value(
        name in prop::sample::select(vec![
            "api_key", "apikey", "access_token", "token", "password", "client_secret",
            "id_token", "refresh_token", "code", "sig", "X-Amz-Signature", "session_id",
        ]),
        secret in "[A-Za-z0-9_-]{10,40}",
        before in proptest::option::of("[a-z]{1,6}=[a-z0-9]{0,6}"),
        after in proptest::option::of("[a-z]{1,6}=[a-z0-9]{0,6}"),
        in_fragment in any::<bool>(),
    ) {
        let mut pairs: Vec<String> = before.into_iter().collect();
        pairs.push(format!("{name}={secret}"));
        pairs.extend(after);
        let sep = if in_fragment { '#' } else { '?' };
        let url = format!("https://api.example/v1/items{sep}{}", pairs.join("&"));
        let masked = mask_url(&url);
        prop_assert!(!masked.contains(&secret), "{} -> {}", url, masked);
    }
}
