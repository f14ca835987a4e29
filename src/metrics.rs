//! Prometheus metrics (`GET /metrics`).

use std::collections::BTreeSet;
use std::sync::{Mutex, RwLock};

use axum::http::Method;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Labels of a served request. Static strings: counting a request allocates nothing.
#[derive(Clone, Debug, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The route pattern, e.g. `/api/v1/titles/{id}/chapters/{n}` (see [`route_label`]).
    pub route: &'static str,
    /// HTTP method (see [`method_label`]).
    pub method: &'static str,
    /// Response status code.
    pub status: u16,
}

/// Labels of a route's latency.
#[derive(Clone, Debug, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// The route pattern.
    pub route: &'static str,
}

// The two label sets above are looked up (SipHash, in prometheus_client's
// map) on every request: they hash one word made of their strings' lengths
// and last bytes instead of the whole strings. Equal labels give equal words;
// the rare different labels with equal words are told apart by `Eq`.
impl std::hash::Hash for RequestLabels {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(
            label_word(self.route)
                ^ label_word(self.method).rotate_left(17)
                ^ u64::from(self.status) << 40,
        );
    }
}

impl std::hash::Hash for RouteLabels {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(label_word(self.route));
    }
}

/// A string's length and last seven bytes, in one word.
fn label_word(s: &str) -> u64 {
    let bytes = s.as_bytes();
    let tail = &bytes[bytes.len().saturating_sub(7)..];
    let tail = tail.iter().fold(0u64, |word, &b| word << 8 | u64::from(b));
    (bytes.len() as u64) << 56 | tail
}

/// The route pattern as a label: each distinct pattern is kept once for the
/// life of the process. Patterns come from the router (never from the
/// request path), so there are as many as there are routes.
pub fn route_label(pattern: &str) -> &'static str {
    static SEEN: RwLock<BTreeSet<&'static str>> = RwLock::new(BTreeSet::new());
    if let Some(known) = SEEN.read().unwrap_or_else(|e| e.into_inner()).get(pattern) {
        return known;
    }
    let mut seen = SEEN.write().unwrap_or_else(|e| e.into_inner());
    if let Some(known) = seen.get(pattern) {
        return known;
    }
    let leaked: &'static str = Box::leak(pattern.to_owned().into_boxed_str());
    seen.insert(leaked);
    leaked
}

/// The method as a label; methods outside the standard set count as `other`
/// (a client cannot make up label values).
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

/// Labels of a session store failure.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StoreLabels {
    /// Which backend failed.
    pub backend: String,
}

/// Labels of a product event (scan outcomes, ingestion results…).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// The outcome, e.g. `opened`, `seat-code-invalid`.
    pub outcome: String,
}

/// Labels of a GTFS-Realtime fetch.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FeedFetchLabels {
    /// `trip_updates` or `vehicle_positions`.
    pub feed: &'static str,
    /// `applied`, `not-modified`, `stale`, or the failure (`timeout`, `too-large`, `decode`…).
    pub outcome: &'static str,
}

/// Labels of GTFS-Realtime entities.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FeedEntityLabels {
    /// `trip_updates` or `vehicle_positions`.
    pub feed: &'static str,
    /// `applied` or `unmatched` (naming a trip or vehicle trajet does not know).
    pub outcome: &'static str,
}

/// Labels of one operator's feed.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FeedLabels {
    /// The operator's account id.
    pub operator: String,
    /// `trip_updates` or `vehicle_positions`.
    pub feed: &'static str,
}

/// Every metric trajet exports.
pub struct Metrics {
    registry: Mutex<Registry>,
    /// Requests served, by route, method and status.
    pub requests: Family<RequestLabels, Counter>,
    /// Request latency by route, in seconds.
    pub latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    /// Session store errors by backend.
    pub store_errors: Family<StoreLabels, Counter>,
    /// Seat code scans by outcome.
    pub scans: Family<OutcomeLabels, Counter>,
    /// EPUB ingestions by outcome (`live` or a problem code).
    pub ingestions: Family<OutcomeLabels, Counter>,
    /// Chapters served to passengers.
    pub chapters_served: Counter,
    /// Reading sessions opened by scans (a re-scan that keeps its session is not counted).
    pub sessions_opened: Counter,
    /// GTFS-Realtime fetches by feed kind and outcome.
    pub realtime_fetches: Family<FeedFetchLabels, Counter>,
    /// GTFS-Realtime entities applied or unmatched.
    pub realtime_entities: Family<FeedEntityLabels, Counter>,
    /// Age of the data in force per feed, seconds.
    pub realtime_data_age: Family<FeedLabels, Gauge>,
    /// 1 while a feed is stale (its trips follow the schedule).
    pub realtime_stale: Family<FeedLabels, Gauge>,
}

fn latency_histogram() -> Histogram {
    Histogram::new([
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
    ])
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("trajet");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let store_errors = Family::<StoreLabels, Counter>::default();
        let scans = Family::<OutcomeLabels, Counter>::default();
        let ingestions = Family::<OutcomeLabels, Counter>::default();
        let chapters_served = Counter::default();
        let sessions_opened = Counter::default();
        registry.register("http_requests", "HTTP requests served", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency",
            latency.clone(),
        );
        registry.register(
            "session_store_errors",
            "Session store calls that failed or timed out",
            store_errors.clone(),
        );
        registry.register("scans", "Seat code scans by outcome", scans.clone());
        registry.register(
            "ingestions",
            "EPUB ingestions by outcome",
            ingestions.clone(),
        );
        registry.register(
            "chapters_served",
            "Chapters served to passengers",
            chapters_served.clone(),
        );
        registry.register(
            "sessions_opened",
            "Reading sessions opened by scans",
            sessions_opened.clone(),
        );
        let realtime_fetches = Family::<FeedFetchLabels, Counter>::default();
        let realtime_entities = Family::<FeedEntityLabels, Counter>::default();
        let realtime_data_age = Family::<FeedLabels, Gauge>::default();
        let realtime_stale = Family::<FeedLabels, Gauge>::default();
        registry.register(
            "realtime_fetches",
            "GTFS-Realtime fetches by feed and outcome",
            realtime_fetches.clone(),
        );
        registry.register(
            "realtime_entities",
            "GTFS-Realtime entities applied or naming unknown trips and vehicles",
            realtime_entities.clone(),
        );
        registry.register(
            "realtime_data_age_seconds",
            "Age of the GTFS-Realtime data in force",
            realtime_data_age.clone(),
        );
        registry.register(
            "realtime_stale",
            "1 while a GTFS-Realtime feed is stale and its trips follow the schedule",
            realtime_stale.clone(),
        );
        Self {
            registry: Mutex::new(registry),
            realtime_fetches,
            realtime_entities,
            realtime_data_age,
            realtime_stale,
            requests,
            latency,
            store_errors,
            scans,
            ingestions,
            chapters_served,
            sessions_opened,
        }
    }

    /// Counts one outcome in a family.
    pub fn count(family: &Family<OutcomeLabels, Counter>, outcome: &str) {
        family
            .get_or_create(&OutcomeLabels {
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// Counts one fetch of a feed.
    pub fn realtime_fetch(&self, feed: &'static str, outcome: &'static str) {
        self.realtime_fetches
            .get_or_create(&FeedFetchLabels { feed, outcome })
            .inc();
    }

    /// Counts the entities of one applied body.
    pub fn realtime_entities(&self, feed: &'static str, applied: usize, unmatched: usize) {
        for (outcome, n) in [("applied", applied), ("unmatched", unmatched)] {
            self.realtime_entities
                .get_or_create(&FeedEntityLabels { feed, outcome })
                .inc_by(n as u64);
        }
    }

    /// Sets a feed's gauges after a round.
    pub fn realtime_state(
        &self,
        operator: &str,
        feed: &'static str,
        age: Option<i64>,
        stale: bool,
    ) {
        let labels = FeedLabels {
            operator: operator.to_owned(),
            feed,
        };
        if let Some(age) = age {
            self.realtime_data_age.get_or_create(&labels).set(age);
        }
        self.realtime_stale
            .get_or_create(&labels)
            .set(i64::from(stale));
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let registry = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        prometheus_client::encoding::text::encode(&mut out, &registry)
            .expect("writing to a String cannot fail");
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_labels_are_kept_once_and_methods_are_a_closed_set() {
        let a = route_label("/api/v1/titles/{id}/chapters/{n}");
        let b = route_label(&String::from("/api/v1/titles/{id}/chapters/{n}"));
        assert_eq!(a, b);
        assert!(std::ptr::eq(a, b), "the same pattern is not stored twice");
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
    }

    #[test]
    fn requests_are_counted_apart_by_route_method_and_status() {
        let metrics = Metrics::new();
        let count = |route: &str, method, status| {
            metrics
                .requests
                .get_or_create(&RequestLabels {
                    route: route_label(route),
                    method,
                    status,
                })
                .inc();
        };
        // Same length and ending: one word for the hash, still two series.
        count("/a/{id}/chapters", "GET", 200);
        count("/b/{id}/chapters", "GET", 200);
        count("/a/{id}/chapters", "GET", 200);
        count("/a/{id}/chapters", "PUT", 200);
        count("/a/{id}/chapters", "GET", 404);
        let text = metrics.render();
        for line in [
            r#"route="/a/{id}/chapters",method="GET",status="200"} 2"#,
            r#"route="/b/{id}/chapters",method="GET",status="200"} 1"#,
            r#"route="/a/{id}/chapters",method="PUT",status="200"} 1"#,
            r#"route="/a/{id}/chapters",method="GET",status="404"} 1"#,
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
    }
}
