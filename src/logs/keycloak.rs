//! Keycloak event lines from the `org.keycloak.events` logger (Quarkus and
//! WildFly), values quoted (`type="LOGIN_ERROR"`) or not (`type=LOGIN_ERROR`).
//! Error events become auxiliary events; other events are only counted.

use super::{Ctx, LogFormat, Outcome, Parsed};
use crate::time::parse_logger_time;
use std::borrow::Cow;

/// `key=value, key="v, with comma", …` pairs.
fn pairs(s: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim().trim_start_matches(',').trim();
        let after = &rest[eq + 1..];
        let (val, next) = if let Some(q) = after.strip_prefix('"') {
            let end = q.find('"').unwrap_or(q.len());
            (&q[..end], q.get(end + 1..).unwrap_or(""))
        } else {
            let end = after.find(", ").unwrap_or(after.len());
            (after[..end].trim(), &after[end..])
        };
        out.push((key, val));
        rest = next.trim_start_matches([',', ' ']);
    }
    out
}

pub(crate) fn parse<'l>(line: &'l str, _ctx: &Ctx<'_>) -> Option<Outcome<'l>> {
    let logger_at = line
        .find("[org.keycloak.events]")
        .or_else(|| line.find("[org.key.events]"))?;
    let body = &line[logger_at..];
    let start = body.find("type=")?;
    let kv = pairs(&body[start..]);
    let val = |k: &str| {
        kv.iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| *v)
            .filter(|v| !v.is_empty() && *v != "null")
    };
    let ty = val("type")?;
    let error = val("error");
    if !ty.ends_with("_ERROR") && error.is_none() {
        return Some(Outcome::Known(LogFormat::KeycloakEvents));
    }
    // Time: `2023-05-25 22:24:19,357 WARN …` (or an ISO prefix).
    let head = &line[..logger_at];
    let time = head
        .get(..23)
        .and_then(parse_logger_time)
        .or_else(|| head.split_whitespace().next().and_then(parse_logger_time));
    let mut p = Parsed {
        time,
        code: Some(Cow::Borrowed(ty)),
        message: error.map(Cow::Borrowed),
        client: val("ipAddress").map(Cow::Borrowed),
        remote_user_present: val("username").is_some(),
        auxiliary: true,
        ..Parsed::default()
    };
    if let Some(uri) = val("redirect_uri") {
        let (h, _) = super::split_absolute(uri);
        p.host = h.map(Cow::Borrowed);
    }
    Some(Outcome::Record(LogFormat::KeycloakEvents, Box::new(p)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::format_rfc3339;

    fn rec(line: &str) -> Parsed<'_> {
        match parse(line, &Ctx::new(None)) {
            Some(Outcome::Record(LogFormat::KeycloakEvents, p)) => *p,
            _ => panic!("not keycloak: {line}"),
        }
    }

    #[test]
    fn unquoted_login_error() {
        let p = rec("2023-05-25 22:24:19,357 WARN  [org.key.events] (executor-thread-2232) type=LOGIN_ERROR, realmId=keycloak, clientId=myweb-site, userId=bb28055e-fdea-4df5-83a9-369ae7ede1ba, ipAddress=192.168.1.2, error=invalid_user_credentials, auth_method=openid-connect, auth_type=code, redirect_uri=https://exemple.com/, code_id=0da7ee4f, username=user-b");
        assert!(p.auxiliary);
        assert_eq!(p.code.as_deref(), Some("LOGIN_ERROR"));
        assert_eq!(p.message.as_deref(), Some("invalid_user_credentials"));
        assert_eq!(p.client.as_deref(), Some("192.168.1.2"));
        assert_eq!(p.host.as_deref(), Some("exemple.com"));
        assert_eq!(format_rfc3339(&p.time.unwrap()), "2023-05-25T22:24:19.357Z");
    }

    #[test]
    fn quoted_values_and_success_events() {
        let p = rec(
            r#"2024-01-02 10:00:00,001 WARN  [org.keycloak.events] (executor-thread-1) type="LOGIN_ERROR", realmId="r", realmName="demo", clientId="app", userId="null", ipAddress="10.0.0.5", error="user_not_found", auth_method="openid-connect", username="bob""#,
        );
        assert_eq!(p.message.as_deref(), Some("user_not_found"));
        assert_eq!(p.client.as_deref(), Some("10.0.0.5"));
        assert!(matches!(
            parse(
                r#"2024-01-02 10:00:00,001 INFO  [org.keycloak.events] (t) type="LOGIN", realmId="r", userId="u""#,
                &Ctx::new(None)
            ),
            Some(Outcome::Known(LogFormat::KeycloakEvents))
        ));
    }
}
