//! Gates: thresholds (`--threshold 'send.p99<200ms'`, `'errors<0.1%'`, k6-like) and a
//! baseline (a previous load.json: p99 and throughput may not regress beyond a tolerance).
//! A gate crossed makes `renkei load` exit 99.

use serde::{Deserialize, Serialize};

use crate::report::LoadReport;

/// A threshold or tolerance that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("--threshold「{expr}」: {rule}")]
pub struct GateError {
    /// The expression as given.
    pub expr: String,
    /// What it should look like.
    pub rule: String,
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Op {
    fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Ge => a >= b,
        }
    }
}

/// What a threshold measures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Metric {
    /// An endpoint's latency quantile (`send.p99`), or `max`, in ms.
    Latency {
        /// The endpoint (`send`, `login`, `inbox`, `download`).
        endpoint: String,
        /// The quantile (0.99), or 1 for max.
        quantile: f64,
    },
    /// The share of failed requests (a value given in %), or their count.
    Errors {
        /// Whether the value is a percentage.
        percent: bool,
    },
    /// The schedule lag's p99 (`lag.p99`) or max (`lag.max`), ms.
    Lag {
        /// 0.99, or 1 for max.
        quantile: f64,
    },
    /// Sends acknowledged per second (`sends/s`).
    Throughput,
}

/// One parsed threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    /// The expression as given.
    pub expr: String,
    /// What it measures.
    pub metric: Metric,
    /// The comparison.
    pub op: Op,
    /// The bound (ms for latencies and lag, a share 0–1 for errors in %).
    pub value: f64,
}

/// A gate's result (in load.json's `gates`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateResult {
    /// The threshold's expression, or the baseline check's description.
    pub gate: String,
    /// The measured value (same unit as the bound).
    pub actual: f64,
    /// Whether it held.
    pub passed: bool,
}

fn quantile(s: &str) -> Option<f64> {
    match s {
        "p50" => Some(0.5),
        "p90" => Some(0.9),
        "p95" => Some(0.95),
        "p99" => Some(0.99),
        "p999" => Some(0.999),
        "max" => Some(1.0),
        _ => None,
    }
}

/// A duration with its unit (`200ms`, `1.5s`, `800us`) in ms.
fn millis(v: &str) -> Option<f64> {
    let (n, scale) = if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix("us").or_else(|| v.strip_suffix("µs")) {
        (n, 0.001)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    n.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && *x >= 0.0)
        .map(|x| x * scale)
}

impl Threshold {
    /// Parses `metric<value` (also `<=`, `>`, `>=`).
    pub fn parse(expr: &str) -> Result<Threshold, GateError> {
        let fail = |rule: &str| GateError {
            expr: expr.to_string(),
            rule: rule.to_string(),
        };
        let s: String = expr.chars().filter(|c| !c.is_whitespace()).collect();
        let (at, op, len) = ["<=", ">=", "<", ">"]
            .iter()
            .find_map(|o| {
                s.find(o).map(|i| {
                    let op = match *o {
                        "<=" => Op::Le,
                        ">=" => Op::Ge,
                        "<" => Op::Lt,
                        _ => Op::Gt,
                    };
                    (i, op, o.len())
                })
            })
            .ok_or_else(|| {
                fail("指標・比較（< <= > >=）・値の形です（例: send.p99<200ms, errors<0.1%）")
            })?;
        let (name, value) = (&s[..at], &s[at + len..]);
        let (metric, value) = match name {
            "errors" => match value.strip_suffix('%') {
                Some(v) => (
                    Metric::Errors { percent: true },
                    v.parse::<f64>().map(|x| x / 100.0).ok(),
                ),
                None => (Metric::Errors { percent: false }, value.parse::<f64>().ok()),
            },
            "sends/s" => (
                Metric::Throughput,
                value
                    .strip_suffix("/s")
                    .unwrap_or(value)
                    .parse::<f64>()
                    .ok(),
            ),
            _ => {
                let (ep, q) = name
                    .rsplit_once('.')
                    .ok_or_else(|| fail("指標は send.p99, errors, lag.max, sends/s などです"))?;
                let q = quantile(q).ok_or_else(|| fail("分位は p50 p90 p95 p99 p999 max です"))?;
                let metric = if ep == "lag" {
                    Metric::Lag { quantile: q }
                } else {
                    Metric::Latency {
                        endpoint: ep.to_string(),
                        quantile: q,
                    }
                };
                (metric, millis(value))
            }
        };
        let value = value
            .filter(|v| v.is_finite())
            .ok_or_else(|| fail("値は 200ms, 1.5s, 0.1%, 100 などです"))?;
        Ok(Threshold {
            expr: expr.to_string(),
            metric,
            op,
            value,
        })
    }

    /// The measured value in `r` (same unit as the bound).
    pub fn actual(&self, r: &LoadReport) -> f64 {
        match &self.metric {
            Metric::Latency { endpoint, quantile } => r
                .endpoints
                .get(endpoint)
                .and_then(|e| crate::metrics::decode(&e.histogram).ok())
                .map_or(0.0, |h| {
                    if *quantile >= 1.0 {
                        h.max() as f64 / 1000.0
                    } else {
                        crate::metrics::quantile_ms(&h, *quantile)
                    }
                }),
            Metric::Errors { percent: true } => r.error_rate(),
            Metric::Errors { percent: false } => r.errors.total as f64,
            Metric::Lag { quantile } if *quantile >= 1.0 => r.schedule_lag.max_ms,
            Metric::Lag { .. } => r.schedule_lag.p99_ms,
            Metric::Throughput => r.run.sends_per_s,
        }
    }

    /// Checks the threshold against `r`.
    pub fn check(&self, r: &LoadReport) -> GateResult {
        let actual = self.actual(r);
        GateResult {
            gate: self.expr.clone(),
            actual,
            passed: self.op.holds(actual, self.value),
        }
    }
}

/// Parses a tolerance: `10%` or `0.1`.
pub fn parse_tolerance(s: &str) -> Result<f64, GateError> {
    let v = match s.trim().strip_suffix('%') {
        Some(p) => p.parse::<f64>().map(|x| x / 100.0).ok(),
        None => s.trim().parse::<f64>().ok(),
    };
    v.filter(|x| x.is_finite() && *x >= 0.0)
        .ok_or_else(|| GateError {
            expr: s.to_string(),
            rule: "--tolerance は 10% か 0.1 の形です".into(),
        })
}

/// The baseline checks: send p99 at most `(1 + tolerance)` × the baseline's, throughput at
/// least `(1 - tolerance)` × the baseline's.
pub fn against_baseline(r: &LoadReport, base: &LoadReport, tolerance: f64) -> Vec<GateResult> {
    let p99 = |x: &LoadReport| x.endpoints.get("send").map_or(0.0, |e| e.p99_ms);
    let (now, then) = (p99(r), p99(base));
    let limit = then * (1.0 + tolerance);
    let rate_floor = base.run.sends_per_s * (1.0 - tolerance);
    vec![
        GateResult {
            gate: format!(
                "baseline: send.p99 ≤ {limit:.1} ms (baseline {then:.1} ms + {:.0} %)",
                tolerance * 100.0
            ),
            actual: now,
            passed: now <= limit,
        },
        GateResult {
            gate: format!(
                "baseline: sends/s ≥ {rate_floor:.1} (baseline {:.1} − {:.0} %)",
                base.run.sends_per_s,
                tolerance * 100.0
            ),
            actual: r.run.sends_per_s,
            passed: r.run.sends_per_s >= rate_floor,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_parse_with_their_units() {
        let t = Threshold::parse("send.p99<200ms").expect("parses");
        assert_eq!(t.op, Op::Lt);
        assert_eq!(t.value, 200.0);
        assert!(
            matches!(t.metric, Metric::Latency { ref endpoint, quantile } if endpoint == "send" && quantile == 0.99)
        );
        assert_eq!(
            Threshold::parse("errors < 0.1%").expect("parses").value,
            0.001
        );
        assert_eq!(
            Threshold::parse("login.max<=1.5s").expect("parses").value,
            1500.0
        );
        assert_eq!(
            Threshold::parse("sends/s>=100").expect("parses").metric,
            Metric::Throughput
        );
        assert!(matches!(
            Threshold::parse("lag.max<1s").expect("parses").metric,
            Metric::Lag { .. }
        ));
        for bad in [
            "send.p99",
            "send.p98<1ms",
            "send.p99<200",
            "errors<lots",
            "p99<1ms",
        ] {
            assert!(Threshold::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_tolerance("10%").expect("parses"), 0.1);
        assert!(parse_tolerance("-1").is_err());
    }
}
