//! What a phase measured against one server ([`Measure`]), one table row per phase with the
//! hub beside its ceiling ([`Row`]), and the printed table.

use std::fmt::Write as _;
use std::time::Duration;

use hdrhistogram::Histogram;

/// How many error messages a measure keeps to show (the count is always complete).
const KEPT_ERRORS: usize = 5;

/// What one phase measured against one server.
#[derive(Debug, Clone)]
pub struct Measure {
    /// Requests answered with the status expected (201 for a send, 200 otherwise).
    pub ok: u64,
    /// Requests that failed: a transport error, or any other status.
    pub errors: u64,
    /// Wall time from the phase's first request to its last answer.
    pub elapsed: Duration,
    /// Latency of the successful requests, in microseconds (from the request's scheduled
    /// time in an open-loop phase).
    pub latency: Histogram<u64>,
    /// The first few error messages.
    pub error_samples: Vec<String>,
}

impl Default for Measure {
    fn default() -> Self {
        Measure::new()
    }
}

impl Measure {
    /// Nothing measured yet; latencies from 1 µs to 10 minutes, 3 significant digits.
    pub fn new() -> Measure {
        Measure {
            ok: 0,
            errors: 0,
            elapsed: Duration::ZERO,
            // Constant bounds that hdrhistogram accepts (low ≥ 1, high ≥ 2 × low, 3 digits).
            latency: Histogram::new_with_bounds(1, 600_000_000, 3)
                .expect("constant histogram bounds are valid"),
            error_samples: Vec::new(),
        }
    }

    /// Records a success that took `took`.
    pub fn success(&mut self, took: Duration) {
        self.ok += 1;
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX).max(1);
        self.latency.saturating_record(micros);
    }

    /// Records a failure, keeping its message if it is among the first few.
    pub fn failure(&mut self, message: String) {
        self.errors += 1;
        if self.error_samples.len() < KEPT_ERRORS {
            self.error_samples.push(message);
        }
    }

    /// Adds another worker's counts and latencies (the elapsed time is the caller's).
    pub fn merge(&mut self, other: Measure) {
        self.ok += other.ok;
        self.errors += other.errors;
        let _ = self.latency.add(&other.latency);
        for e in other.error_samples {
            if self.error_samples.len() < KEPT_ERRORS {
                self.error_samples.push(e);
            }
        }
    }

    /// Successful requests per second.
    pub fn rate(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            self.ok as f64 / s
        } else {
            0.0
        }
    }

    /// The latency at quantile `q` (0.5, 0.99, 0.999), in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        self.latency.value_at_quantile(q) as f64 / 1000.0
    }
}

/// One phase: the hub and the ceiling under the same load.
#[derive(Debug, Clone)]
pub struct Row {
    /// What the phase does (`sends keep-alive ×8`, …).
    pub phase: String,
    /// Whether the phase's successes are stored sends (counted against the store).
    pub stores_sends: bool,
    /// The hub's figures.
    pub hub: Measure,
    /// The ceiling's figures.
    pub ceiling: Measure,
    /// A remark printed under the table (the target of a fixed-rate phase, …).
    pub note: Option<String>,
}

impl Row {
    /// The hub's rate over the ceiling's.
    pub fn ratio(&self) -> f64 {
        let c = self.ceiling.rate();
        if c > 0.0 {
            self.hub.rate() / c
        } else {
            0.0
        }
    }

    /// Errors on either side.
    pub fn errors(&self) -> u64 {
        self.hub.errors + self.ceiling.errors
    }
}

/// The header and the rule of the table.
pub fn header() -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<40} | {:>17} | {:>17} | {:>9}",
        "", "hub", "ceiling", ""
    );
    let _ = writeln!(
        s,
        "{:<40} | {:>8} {:>8} {:>8} {:>8} {:>5} | {:>8} {:>8} {:>8} {:>8} {:>5} | {:>9}",
        "phase",
        "req/s",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
        "err",
        "req/s",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
        "err",
        "hub/ceil"
    );
    let _ = writeln!(s, "{}", "-".repeat(40 + 3 + 47 + 3 + 47 + 3 + 9));
    s
}

/// One line of the table.
pub fn line(r: &Row) -> String {
    let side = |m: &Measure| {
        format!(
            "{:>8.0} {:>8.2} {:>8.2} {:>8.2} {:>5}",
            m.rate(),
            m.quantile_ms(0.5),
            m.quantile_ms(0.99),
            m.quantile_ms(0.999),
            m.errors
        )
    };
    format!(
        "{:<40} | {} | {} | {:>9.2}\n",
        r.phase,
        side(&r.hub),
        side(&r.ceiling),
        r.ratio()
    )
}

/// The whole table, then the notes and the first error messages of each phase.
pub fn table(rows: &[Row]) -> String {
    let mut s = header();
    for r in rows {
        s.push_str(&line(r));
    }
    for r in rows {
        if let Some(n) = &r.note {
            let _ = writeln!(s, "  {}: {n}", r.phase);
        }
        for (who, m) in [("hub", &r.hub), ("ceiling", &r.ceiling)] {
            for e in &m.error_samples {
                let _ = writeln!(s, "  {} [{who}] error: {e}", r.phase);
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_shows_rates_quantiles_and_the_ratio() {
        let mut hub = Measure::new();
        let mut ceiling = Measure::new();
        for _ in 0..100 {
            hub.success(Duration::from_millis(2));
            ceiling.success(Duration::from_millis(1));
        }
        hub.elapsed = Duration::from_secs(2);
        ceiling.elapsed = Duration::from_secs(1);
        let r = Row {
            phase: "x".into(),
            stores_sends: false,
            hub,
            ceiling,
            note: None,
        };
        assert!((r.ratio() - 0.5).abs() < 1e-9);
        assert!((r.hub.quantile_ms(0.99) - 2.0).abs() < 0.01);
        let t = table(&[r]);
        assert!(t.contains("0.50"), "{t}");
    }
}
