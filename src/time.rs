//! Timestamp parsing for every clock format authlens meets.
//!
//! HAR producers write RFC 3339 with 0–7 fractional digits and `Z`, `+02:00`
//! or `+0200` offsets; servers write HTTP-dates (`Date` header), CLF
//! (`23/Nov/2026:11:06:53 +0000`), nginx error-log local times, epoch seconds
//! or milliseconds. Everything becomes UTC.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};

use crate::model::Timestamp;

/// RFC 3339 / ISO 8601 as HAR producers write it. Lenient about the number
/// of fractional digits, a space instead of `T`, and offsets without a colon.
pub fn parse_iso8601(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.with_timezone(&Utc));
    }
    let normalized = s.replacen(' ', "T", 1);
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%z",
    ] {
        if let Ok(dt) = DateTime::<FixedOffset>::parse_from_str(&normalized, fmt) {
            return Some(dt.with_timezone(&Utc));
        }
    }
    // No offset at all: taken as UTC (Fiddler writes local time without one;
    // UTC is the least surprising guess and is flagged by nothing downstream).
    let bare = normalized.trim_end_matches('Z');
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(bare, fmt) {
            return Some(Utc.from_utc_datetime(&naive));
        }
    }
    None
}

/// HTTP-date (RFC 9110 §5.6.7), e.g. the response `Date` header.
pub fn parse_http_date(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc2822(s) {
        return Some(dt.with_timezone(&Utc));
    }
    // Obsolete RFC 850 and asctime forms.
    for fmt in ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(Utc.from_utc_datetime(&naive));
        }
    }
    None
}

/// Common Log Format time: `23/Nov/2026:11:06:53 +0000` (brackets stripped).
pub fn parse_clf(s: &str) -> Option<Timestamp> {
    let s = s.trim().trim_start_matches('[').trim_end_matches(']');
    // The usual shape is read by position (an access log has one per
    // line); anything else goes through chrono's format parser.
    fast_clf(s.as_bytes()).or_else(|| {
        DateTime::parse_from_str(s, "%d/%b/%Y:%H:%M:%S%.f %z")
            .ok()
            .map(|dt| dt.with_timezone(&Utc))
    })
}

/// `23/Nov/2026:11:06:53 +0000` exactly (no fraction).
fn fast_clf(b: &[u8]) -> Option<Timestamp> {
    if b.len() != 26 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' || b[20] != b' ' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let month = MONTHS.iter().position(|m| m[..] == b[3..6])? as u32 + 1;
    let (day, year) = (num(0..2)?, num(7..11)?);
    let (hour, minute, second) = (num(12..14)?, num(15..17)?, num(18..20)?);
    if b[14] != b':' || b[17] != b':' {
        return None;
    }
    let sign = match b[21] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let offset = sign * (num(22..24)? * 3600 + num(24..26)? * 60) as i32;
    let naive = chrono::NaiveDate::from_ymd_opt(year as i32, month, day)?
        .and_hms_opt(hour, minute, second)?;
    let zone = FixedOffset::east_opt(offset)?;
    zone.from_local_datetime(&naive)
        .single()
        .map(|dt| dt.with_timezone(&Utc))
}

/// Epoch seconds or milliseconds (told apart by magnitude), as loggers write them.
pub fn parse_epoch(value: f64) -> Option<Timestamp> {
    if !value.is_finite() || value <= 0.0 {
        return None;
    }
    let millis = if value > 1e14 {
        // microseconds
        value / 1000.0
    } else if value > 1e11 {
        value
    } else {
        value * 1000.0
    };
    DateTime::from_timestamp_millis(millis as i64)
}

/// nginx error-log time `2026/11/23 11:06:53` (server local time, no zone:
/// taken as UTC).
pub fn parse_nginx_error(s: &str) -> Option<Timestamp> {
    NaiveDateTime::parse_from_str(s.trim(), "%Y/%m/%d %H:%M:%S")
        .ok()
        .map(|n| Utc.from_utc_datetime(&n))
}

/// Apache error-log time `Wed Oct 11 14:32:52.123456 2024` (brackets
/// optional; local time without zone, taken as UTC).
pub fn parse_apache_error(s: &str) -> Option<Timestamp> {
    let s = s.trim().trim_start_matches('[').trim_end_matches(']');
    let collapsed = s.split_whitespace().collect::<Vec<_>>().join(" ");
    NaiveDateTime::parse_from_str(&collapsed, "%a %b %d %H:%M:%S%.f %Y")
        .ok()
        .map(|n| Utc.from_utc_datetime(&n))
}

/// Syslog RFC 3164 time `Nov 23 11:06:53` (no year: the year is taken from
/// `now`, one year back when that would put the line more than a day in
/// the future).
pub fn parse_syslog(s: &str, now: Timestamp) -> Option<Timestamp> {
    use chrono::Datelike;
    let collapsed = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let year = now.year();
    let with_year = |y: i32| {
        NaiveDateTime::parse_from_str(&format!("{y} {collapsed}"), "%Y %b %d %H:%M:%S%.f")
            .ok()
            .map(|n| Utc.from_utc_datetime(&n))
    };
    let t = with_year(year)?;
    if t > now + chrono::Duration::days(1) {
        with_year(year - 1)
    } else {
        Some(t)
    }
}

/// HAProxy accept date `14/Nov/2015:22:45:25.439` (no zone, taken as UTC);
/// also accepts a full CLF time with zone.
pub fn parse_haproxy(s: &str) -> Option<Timestamp> {
    let s = s.trim().trim_start_matches('[').trim_end_matches(']');
    if let Some(t) = parse_clf(s) {
        return Some(t);
    }
    NaiveDateTime::parse_from_str(s, "%d/%b/%Y:%H:%M:%S%.f")
        .ok()
        .map(|n| Utc.from_utc_datetime(&n))
}

/// Java/Python logger time `2023-05-25 22:24:19,357` (comma before the
/// milliseconds), or any ISO 8601 form.
pub fn parse_logger_time(s: &str) -> Option<Timestamp> {
    parse_iso8601(&s.trim().replacen(',', ".", 1))
}

/// Any clock format a structured log field may hold: ISO 8601, CLF,
/// HTTP-date, nginx error time, or epoch seconds/milliseconds as text.
pub fn parse_any(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if s.is_empty() || s == "-" {
        return None;
    }
    if let Ok(v) = s.parse::<f64>() {
        return parse_epoch(v);
    }
    parse_iso8601(s)
        .or_else(|| parse_clf(s))
        .or_else(|| parse_http_date(s))
        .or_else(|| parse_nginx_error(s))
        .or_else(|| parse_logger_time(s))
}

/// RFC 3339 UTC with milliseconds, the form every output uses.
pub fn format_rfc3339(t: &Timestamp) -> String {
    match rfc3339_ascii(t) {
        // The digits and separators are ASCII: always UTF-8.
        Some(ascii) => std::str::from_utf8(&ascii)
            .map(str::to_owned)
            .unwrap_or_default(),
        None => t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
    }
}

/// [`format_rfc3339`] into a fixed buffer, for the years 0 to 9999 (None
/// for others): failures.csv writes a time or two per row.
pub fn rfc3339_ascii(t: &Timestamp) -> Option<[u8; 24]> {
    use chrono::{Datelike, Timelike};
    // Written out by hand: a strftime pattern is parsed again on every call,
    // and `format!` with seven padded fields cost more than the rest of a
    // failures.csv row. The naive time once: each field read off a
    // `DateTime` converts it again.
    let t = t.naive_utc();
    if !(0..=9999).contains(&t.year()) {
        return None;
    }
    let mut out = *b"0000-00-00T00:00:00.000Z";
    let fields = [
        (0, 4, t.year().unsigned_abs()),
        (5, 2, t.month()),
        (8, 2, t.day()),
        (11, 2, t.hour()),
        (14, 2, t.minute()),
        (17, 2, t.second()),
        // A leap second shows as second 59 with 1000+ ms in chrono.
        (20, 3, (t.nanosecond() / 1_000_000).min(999)),
    ];
    for (at, width, mut n) in fields {
        for slot in out[at..at + width].iter_mut().rev() {
            *slot = b'0' + (n % 10) as u8;
            n /= 10;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clf_times_read_by_position_match_chrono() {
        for s in [
            "[23/Nov/2026:11:06:53 +0000]",
            "23/Nov/2026:11:06:53 -0730",
            "01/Jan/2025:00:00:00 +1400",
            "29/Feb/2024:23:59:59 +0100",
        ] {
            let t = s.trim_start_matches('[').trim_end_matches(']');
            let slow = DateTime::parse_from_str(t, "%d/%b/%Y:%H:%M:%S%.f %z")
                .ok()
                .map(|dt| dt.with_timezone(&Utc));
            assert!(slow.is_some(), "{s}");
            assert_eq!(parse_clf(s), slow, "{s}");
        }
        // Fractions and odd shapes still parse (through chrono) or fail cleanly.
        assert!(parse_clf("23/Nov/2026:11:06:53.250 +0000").is_some());
        for bad in [
            "30/Feb/2026:11:06:53 +0000",
            "23/Nox/2026:11:06:53 +0000",
            "23/Nov/2026:1a:06:53 +0000",
            "",
        ] {
            assert_eq!(parse_clf(bad), None, "{bad}");
        }
    }

    #[test]
    fn rfc3339_output_truncates_to_milliseconds_and_keeps_odd_years() {
        let at = |secs, nanos| DateTime::from_timestamp(secs, nanos).expect("in range");
        assert_eq!(
            format_rfc3339(&at(1_795_424_413, 309_999_999)),
            "2026-11-23T09:00:13.309Z"
        );
        assert_eq!(format_rfc3339(&at(0, 0)), "1970-01-01T00:00:00.000Z");
        // Every field at its widest and narrowest, as chrono writes them.
        for (secs, nanos) in [
            (253_402_300_799, 999_999_999),
            (-62_167_219_200, 0),
            (951_782_400, 7_000_000),
            (1_234_567_890, 120_000_000),
        ] {
            let t = at(secs, nanos);
            assert_eq!(
                format_rfc3339(&t),
                t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
                "{secs}.{nanos}"
            );
        }
        // A leap second stays within its minute (chrono would write :60).
        assert_eq!(
            format_rfc3339(&at(1_483_228_799, 1_500_000_000)),
            "2016-12-31T23:59:59.999Z"
        );
        // Years past 9999 go through chrono's own formatting.
        assert_eq!(
            format_rfc3339(&at(253_402_300_800, 0)),
            at(253_402_300_800, 0)
                .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string()
        );
    }

    fn iso(s: &str) -> String {
        format_rfc3339(&parse_iso8601(s).unwrap_or_else(|| panic!("{s} did not parse")))
    }

    #[test]
    fn har_time_variants() {
        assert_eq!(iso("2026-11-23T11:06:53.854Z"), "2026-11-23T11:06:53.854Z");
        assert_eq!(
            iso("2026-11-23T13:06:53.8541234+02:00"),
            "2026-11-23T11:06:53.854Z"
        );
        assert_eq!(
            iso("2026-11-23T13:06:53.85+0200"),
            "2026-11-23T11:06:53.850Z"
        );
        assert_eq!(iso("2026-11-23T11:06:53Z"), "2026-11-23T11:06:53.000Z");
        assert_eq!(iso("2026-11-23 11:06:53"), "2026-11-23T11:06:53.000Z");
        assert!(parse_iso8601("yesterday").is_none());
    }

    #[test]
    fn http_and_clf_dates() {
        let d = parse_http_date("Mon, 23 Nov 2026 11:06:53 GMT").unwrap();
        assert_eq!(format_rfc3339(&d), "2026-11-23T11:06:53.000Z");
        let c = parse_clf("[23/Nov/2026:12:06:53 +0100]").unwrap();
        assert_eq!(format_rfc3339(&c), "2026-11-23T11:06:53.000Z");
    }

    #[test]
    fn epoch_magnitudes() {
        let ms = parse_epoch(1_795_432_013_816.0).unwrap();
        let s = parse_epoch(1_795_432_013.816).unwrap();
        assert_eq!(format_rfc3339(&ms), format_rfc3339(&s));
    }
    #[test]
    fn server_log_clocks() {
        let f = |t: Option<Timestamp>| t.map(|t| format_rfc3339(&t));
        assert_eq!(
            f(parse_nginx_error("2026/11/23 11:06:53")).as_deref(),
            Some("2026-11-23T11:06:53.000Z")
        );
        assert_eq!(
            f(parse_apache_error("[Sat Jul 20 21:37:32.266605 2013]")).as_deref(),
            Some("2013-07-20T21:37:32.266Z")
        );
        assert_eq!(
            f(parse_apache_error("Thu Jul 11 01:21:41 2013")).as_deref(),
            Some("2013-07-11T01:21:41.000Z")
        );
        let now = parse_iso8601("2026-01-02T00:00:00Z").unwrap();
        assert_eq!(
            f(parse_syslog("Nov 14 22:45:27", now)).as_deref(),
            Some("2025-11-14T22:45:27.000Z")
        );
        assert_eq!(
            f(parse_syslog("Jan  1 10:00:00", now)).as_deref(),
            Some("2026-01-01T10:00:00.000Z")
        );
        assert_eq!(
            f(parse_haproxy("14/Nov/2015:22:45:25.439")).as_deref(),
            Some("2015-11-14T22:45:25.439Z")
        );
        assert_eq!(
            f(parse_logger_time("2023-05-25 22:24:19,357")).as_deref(),
            Some("2023-05-25T22:24:19.357Z")
        );
        assert_eq!(
            f(parse_any("10/Jun/2023:15:36:28 +0000")).as_deref(),
            Some("2023-06-10T15:36:28.000Z")
        );
        assert!(parse_any("-").is_none());
    }
}
