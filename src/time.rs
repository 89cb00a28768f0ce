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
    DateTime::parse_from_str(s, "%d/%b/%Y:%H:%M:%S%.f %z")
        .ok()
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

/// RFC 3339 UTC with milliseconds, the form every output uses.
pub fn format_rfc3339(t: &Timestamp) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
