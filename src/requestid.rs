//! Request ids: which headers and log fields carry them, and their
//! normalized form, so that a HAR entry and a log line about the same
//! request meet in one join.

/// How strongly a header identifies one request; lower sorts first.
/// X-Request-ID is what gateways log by default; trace ids are shared by
/// every hop of a trace, so they rank after the per-request ids.
pub fn header_rank(name_lower: &str) -> Option<u8> {
    Some(match name_lower {
        "x-request-id" | "request-id" | "x-req-id" => 0,
        "x-correlation-id" | "correlation-id" | "x-correlationid" => 1,
        "x-kong-request-id"
        | "x-amzn-requestid"
        | "x-amz-request-id"
        | "apigw-requestid"
        | "x-github-request-id"
        | "cf-ray"
        | "x-ms-request-id"
        | "audit-id"
        | "x-vercel-id"
        | "fly-request-id"
        | "x-envoy-request-id" => 2,
        "x-amzn-trace-id" => 3,
        "traceparent" | "x-b3-traceid" | "x-cloud-trace-context" | "uber-trace-id" => 4,
        _ => return None,
    })
}

/// Normalize a request-id value: trimmed, unquoted, lower-cased; `-` and
/// empty are "no id".
pub fn normalize(value: &str) -> Option<String> {
    let v = value.trim().trim_matches('"').trim();
    if v.is_empty() || v == "-" || v.len() > 256 {
        return None;
    }
    Some(v.to_ascii_lowercase())
}

/// The trace id of a W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`).
pub fn trace_id_of_traceparent(value: &str) -> Option<String> {
    let mut parts = value.trim().split('-');
    let _version = parts.next()?;
    let trace = parts.next()?;
    if trace.len() == 32 && trace.bytes().all(|b| b.is_ascii_hexdigit()) && trace != "0".repeat(32)
    {
        Some(trace.to_ascii_lowercase())
    } else {
        None
    }
}

/// The id carried by a header, normalized, with its rank.
pub fn from_header_ranked(name_lower: &str, value: &str) -> Option<(u8, String)> {
    let rank = header_rank(name_lower)?;
    let id = match name_lower {
        "traceparent" => trace_id_of_traceparent(value)?,
        "x-cloud-trace-context" => normalize(value.split('/').next().unwrap_or(""))?,
        "uber-trace-id" => normalize(value.split(':').next().unwrap_or(""))?,
        "x-amzn-trace-id" => {
            // `Root=1-67891233-abcdef012345678912345678;Parent=…;Sampled=1`
            let root = value
                .split(';')
                .find_map(|p| p.trim().strip_prefix("Root="))
                .unwrap_or(value);
            normalize(root)?
        }
        "cf-ray" => normalize(value.split('-').next().unwrap_or(""))?,
        _ => normalize(value)?,
    };
    Some((rank, id))
}

pub fn from_header(name_lower: &str, value: &str) -> Option<String> {
    from_header_ranked(name_lower, value).map(|(_, id)| id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_ids_from_headers() {
        assert_eq!(
            from_header("x-request-id", " ABC-1 ").as_deref(),
            Some("abc-1")
        );
        assert_eq!(
            from_header(
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            )
            .as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        assert_eq!(
            from_header(
                "x-amzn-trace-id",
                "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
            )
            .as_deref(),
            Some("1-5759e988-bd862e3fe1be46a994272793")
        );
        assert_eq!(
            from_header("cf-ray", "7d1c2a3b4c5d6e7f-AMS").as_deref(),
            Some("7d1c2a3b4c5d6e7f")
        );
        assert_eq!(from_header("x-request-id", "-"), None);
        assert_eq!(from_header("content-type", "x"), None);
        assert_eq!(from_header("traceparent", "garbage"), None);
    }
}
