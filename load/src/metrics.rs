//! What a run measures, as it goes: per endpoint HDR latency histograms (µs), errors by the
//! hub's code, the schedule lag, sends per simulated hour, latency per simulated day, and
//! the offices' counts. Histograms serialize as base64 of hdrhistogram's V2 format, so the
//! shards of a run merge exactly ([`merge_histogram`]).

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// A latency histogram: 1 µs to 10 minutes, 3 significant digits.
pub fn histogram() -> Histogram<u64> {
    // Constant bounds that hdrhistogram accepts (low ≥ 1, high ≥ 2 × low, 3 digits).
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("constant histogram bounds are valid")
}

/// Records `d` in µs (at least 1, at most the histogram's top).
pub fn record(h: &mut Histogram<u64>, d: Duration) {
    let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1);
    h.saturating_record(micros);
}

/// The histogram as base64 of its V2 serialization.
pub fn encode(h: &Histogram<u64>) -> String {
    let mut buf = Vec::new();
    // Serializing into a Vec cannot fail for a histogram of these bounds.
    let _ = V2Serializer::new().serialize(h, &mut buf);
    base64::engine::general_purpose::STANDARD.encode(buf)
}

/// A histogram back from [`encode`]'s text.
pub fn decode(s: &str) -> Result<Histogram<u64>, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|e| format!("base64: {e}"))?;
    Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| format!("HdrHistogram V2: {e:?}"))
}

/// Adds the histogram `add` (encoded) into `into` (encoded).
pub fn merge_histogram(into: &str, add: &str) -> Result<String, String> {
    let mut a = decode(into)?;
    let b = decode(add)?;
    a.add(&b).map_err(|e| format!("{e:?}"))?;
    Ok(encode(&a))
}

/// Milliseconds at quantile `q`.
pub fn quantile_ms(h: &Histogram<u64>, q: f64) -> f64 {
    if h.is_empty() {
        0.0
    } else {
        h.value_at_quantile(q) as f64 / 1000.0
    }
}

/// One endpoint's counts and latencies.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Requests that got the answer wanted.
    pub ok: u64,
    /// Requests that ended in an error (after retries).
    pub errors: u64,
    /// Latency from the scheduled time (open model: what the user waited).
    pub latency: Histogram<u64>,
    /// Service time: from the request's start to its answer.
    pub service: Histogram<u64>,
}

impl Default for Endpoint {
    fn default() -> Self {
        Endpoint {
            ok: 0,
            errors: 0,
            latency: histogram(),
            service: histogram(),
        }
    }
}

/// Counts of one simulated hour.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct HourCounts {
    /// Sends started.
    pub started: u64,
    /// Sends acknowledged.
    pub ok: u64,
    /// Sends that failed.
    pub errors: u64,
}

/// What the offices did.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct OfficeCounts {
    /// Logins, the first of each office's session included.
    pub logins: u64,
    /// Logins again after the hub said the token was no longer valid.
    pub relogins: u64,
    /// Inbox polls.
    pub polls: u64,
    /// Sends downloaded and imported (SHA-256 checked) during the run.
    pub imports: u64,
    /// Imports whose ファイル連番 was below one already imported from the same sender.
    pub imports_out_of_order: u64,
    /// Imports whose bytes differed from what was sent.
    pub imports_corrupted: u64,
    /// Retries of a request after no answer or a 5xx (a send retried is a replay).
    pub retries: u64,
    /// Sends answered 200 (the hub's answer to a replay of a send it already has).
    pub replays: u64,
    /// 実績 not sent because the pair's 予定 was never acknowledged or imported.
    pub jisseki_without_yotei: u64,
    /// Office clients made (TLS set-up and connection pool); one is made again after the
    /// least recently used was dropped, presenting the office's token without a new login.
    #[serde(default)]
    pub clients: u64,
    /// Office clients dropped to keep at most `max_sessions` live.
    #[serde(default)]
    pub clients_evicted: u64,
}

/// Everything measured during a run.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// By endpoint: `login`, `send`, `inbox`, `download`.
    pub endpoints: BTreeMap<String, Endpoint>,
    /// Errors by the hub's code (or `TLS:…`, `TIMEOUT`, `CONNECTION`).
    pub errors_by_code: BTreeMap<String, u64>,
    /// How late each send started against its schedule.
    pub lag: Histogram<u64>,
    /// By simulated hour (hours after the schedule's start).
    pub hours: BTreeMap<u32, HourCounts>,
    /// Send latency by simulated day (days after the schedule's start).
    pub days: BTreeMap<u32, Histogram<u64>>,
    /// Sends acknowledged by wall-clock second of the run.
    pub wall: BTreeMap<u32, u64>,
    /// What the offices did.
    pub office: OfficeCounts,
    /// The first few error messages, as the client reported them.
    pub samples: Vec<String>,
}

/// How many error messages a run keeps (the counts are always complete).
pub const KEPT_SAMPLES: usize = 10;

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            endpoints: BTreeMap::new(),
            errors_by_code: BTreeMap::new(),
            lag: histogram(),
            hours: BTreeMap::new(),
            days: BTreeMap::new(),
            wall: BTreeMap::new(),
            office: OfficeCounts::default(),
            samples: Vec::new(),
        }
    }
}

impl Metrics {
    /// The endpoint `name`, created empty when new.
    pub fn endpoint(&mut self, name: &str) -> &mut Endpoint {
        self.endpoints.entry(name.to_string()).or_default()
    }

    /// A request of `endpoint` that succeeded.
    pub fn ok(&mut self, endpoint: &str, latency: Duration, service: Duration) {
        let e = self.endpoint(endpoint);
        e.ok += 1;
        record(&mut e.latency, latency);
        record(&mut e.service, service);
    }

    /// Keeps an error's message if it is among the first few.
    pub fn sample(&mut self, endpoint: &str, message: String) {
        if self.samples.len() < KEPT_SAMPLES {
            self.samples.push(format!("{endpoint}: {message}"));
        }
    }

    /// A request of `endpoint` that failed with `code`.
    pub fn error(&mut self, endpoint: &str, code: &str) {
        self.endpoint(endpoint).errors += 1;
        *self.errors_by_code.entry(code.to_string()).or_default() += 1;
    }

    /// Requests that failed, over all endpoints.
    pub fn errors(&self) -> u64 {
        self.endpoints.values().map(|e| e.errors).sum()
    }

    /// Requests made, over all endpoints.
    pub fn requests(&self) -> u64 {
        self.endpoints.values().map(|e| e.ok + e.errors).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_survive_encoding_and_merge_exactly() {
        let mut a = histogram();
        let mut b = histogram();
        for v in 1..=1000u64 {
            a.record(v * 100).expect("in range");
        }
        b.record(500_000).expect("in range");
        let merged =
            decode(&merge_histogram(&encode(&a), &encode(&b)).expect("merge")).expect("decode");
        assert_eq!(merged.len(), 1001);
        assert_eq!(merged.max(), b.max());
        assert_eq!(merged.min(), a.min());
        assert!(decode("not base64!").is_err());
    }
}
