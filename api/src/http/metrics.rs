//! Prometheus metrics without extra machinery: request counts by route and
//! status, and a latency histogram by route, rendered in the text
//! exposition format at `/metrics`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use super::state::lock;

/// Upper bounds of the latency buckets, in seconds.
pub const BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    total: u64,
    sum_micros: u64,
}

/// Counts of one route: requests by status and the latency histogram.
#[derive(Debug, Default)]
struct RouteStats {
    by_status: BTreeMap<u16, u64>,
    latency: Histogram,
}

#[derive(Debug, Default)]
struct Inner {
    routes: HashMap<String, RouteStats>,
}

/// Request metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    /// Records one request.
    pub fn observe(&self, route: &str, status: u16, elapsed: Duration) {
        let mut m = lock(&self.inner);
        // Allocates the route name only the first time it is seen.
        if !m.routes.contains_key(route) {
            m.routes.insert(route.to_string(), RouteStats::default());
        }
        let Some(stats) = m.routes.get_mut(route) else {
            return;
        };
        *stats.by_status.entry(status).or_insert(0) += 1;
        let h = &mut stats.latency;
        let secs = elapsed.as_secs_f64();
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                h.counts[i] += 1;
            }
        }
        h.total += 1;
        h.sum_micros = h
            .sum_micros
            .saturating_add(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX));
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let m = lock(&self.inner);
        let mut routes: Vec<(&String, &RouteStats)> = m.routes.iter().collect();
        routes.sort_unstable_by_key(|(r, _)| r.as_str());
        let mut out = String::new();
        out.push_str("# HELP skyx_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE skyx_http_requests_total counter\n");
        for (route, stats) in &routes {
            for (status, n) in &stats.by_status {
                let _ = writeln!(
                    out,
                    "skyx_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        out.push_str("# HELP skyx_http_request_duration_seconds HTTP request latency by route.\n");
        out.push_str("# TYPE skyx_http_request_duration_seconds histogram\n");
        for (route, stats) in &routes {
            let h = &stats.latency;
            let r = escape(route);
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "skyx_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"{b}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "skyx_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {}",
                h.total
            );
            let _ = writeln!(
                out,
                "skyx_http_request_duration_seconds_sum{{route=\"{r}\"}} {}.{:06}",
                h.sum_micros / 1_000_000,
                h.sum_micros % 1_000_000
            );
            let _ = writeln!(
                out,
                "skyx_http_request_duration_seconds_count{{route=\"{r}\"}} {}",
                h.total
            );
        }
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_buckets() {
        let m = Metrics::default();
        m.observe("/api/v1/health", 200, Duration::from_micros(300));
        let text = m.render();
        assert!(
            text.contains("skyx_http_requests_total{route=\"/api/v1/health\",status=\"200\"} 1")
        );
        assert!(text.contains("le=\"0.0005\"} 1"));
        assert!(text.contains("le=\"0.0001\"} 0"));
    }
}
