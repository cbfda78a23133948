//! Timestamps as Go's `time.Time` marshals them in UTC (RFC 3339 with
//! nanoseconds, trailing zeros trimmed), from Unix nanoseconds.

/// Go's zero time, which it prints for 0 and for times before 1970.
const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// Formats Unix nanoseconds. 0, and the overflowed value Go stores for
/// its zero time (any time before 1970), print as Go's zero time.
pub fn rfc3339_nano(ns: i64) -> String {
    if ns <= 0 {
        return GO_ZERO_TIME.to_string();
    }
    // RFC 3339 in UTC with the fraction's trailing zeros dropped is what
    // Go's RFC3339Nano layout writes.
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ns))
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| GO_ZERO_TIME.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_go() {
        assert_eq!(
            rfc3339_nano(1_535_637_620_406_949_000),
            "2018-08-30T14:00:20.406949Z"
        );
        assert_eq!(rfc3339_nano(0), "0001-01-01T00:00:00Z");
        assert_eq!(rfc3339_nano(86_400_000_000_000), "1970-01-02T00:00:00Z");
    }
}
