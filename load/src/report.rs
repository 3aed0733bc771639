//! `load.json` (schema `renkei-load/1`, documented in docs/LOAD.md), built from a run, read
//! back for baselines and merged across shards, and the short terminal summary.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::metrics::{self, HourCounts, Metrics, OfficeCounts};
use crate::profile::{Profile, Schedule, Shard};
use crate::reconcile::Reconciliation;
use crate::run::Played;
use crate::world::{WorldParams, WorldSummary};

/// The schema's name and version.
pub const SCHEMA: &str = "renkei-load/1";

/// Why a load.json could not be read or merged.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The file could not be read or written.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// Not a load.json of this schema (serde's message has the line and column).
    #[error("{path}: load.json ({SCHEMA}) ではありません: {message}")]
    Shape {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// Shards of different worlds, profiles or shard counts.
    #[error("{0}")]
    Mismatch(String),
}

/// One endpoint's figures.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EndpointReport {
    /// Requests that got the answer wanted.
    pub ok: u64,
    /// Requests that failed (after retries).
    pub errors: u64,
    /// Latency from the scheduled time: p50, p90, p99, p99.9 and max, ms.
    pub p50_ms: f64,
    /// p90, ms.
    pub p90_ms: f64,
    /// p99, ms.
    pub p99_ms: f64,
    /// p99.9, ms.
    pub p999_ms: f64,
    /// Max, ms.
    pub max_ms: f64,
    /// The latency histogram (µs), base64 of HdrHistogram's V2 serialization.
    pub histogram: String,
    /// The service-time histogram (request start to answer, µs), same encoding.
    pub service_histogram: String,
}

impl EndpointReport {
    fn from_histograms(ok: u64, errors: u64, latency: &str, service: &str) -> EndpointReport {
        let h = metrics::decode(latency).unwrap_or_else(|_| metrics::histogram());
        EndpointReport {
            ok,
            errors,
            p50_ms: metrics::quantile_ms(&h, 0.50),
            p90_ms: metrics::quantile_ms(&h, 0.90),
            p99_ms: metrics::quantile_ms(&h, 0.99),
            p999_ms: metrics::quantile_ms(&h, 0.999),
            max_ms: if h.is_empty() {
                0.0
            } else {
                h.max() as f64 / 1000.0
            },
            histogram: latency.to_string(),
            service_histogram: service.to_string(),
        }
    }
}

/// Sends of one simulated hour.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HourRow {
    /// The hour's start, JST (RFC 3339).
    pub hour: String,
    /// Its counts.
    #[serde(flatten)]
    pub counts: HourCounts,
}

/// Send latency of one simulated day.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DayRow {
    /// The day, JST (YYYY-MM-DD).
    pub day: String,
    /// p50, ms.
    pub p50_ms: f64,
    /// p90, ms.
    pub p90_ms: f64,
    /// p99, ms.
    pub p99_ms: f64,
    /// The day's histogram (µs, V2 base64).
    pub histogram: String,
}

/// The schedule lag: how late sends started against their schedule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LagReport {
    /// p50, ms.
    pub p50_ms: f64,
    /// p99, ms.
    pub p99_ms: f64,
    /// Max, ms.
    pub max_ms: f64,
    /// Sends started more than a second late.
    pub late_over_1s: u64,
    /// The histogram (µs, V2 base64).
    pub histogram: String,
}

/// The run itself.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunReport {
    /// `embedded` or the external hub's URL.
    pub target: String,
    /// Which slice of the world.
    pub shard: Shard,
    /// The wall time asked for, s.
    pub duration_s: f64,
    /// The most sends asked for.
    pub max_sends: u64,
    /// Simulated seconds per wall second.
    pub compression: f64,
    /// Sends in this shard's month.
    pub scheduled: u64,
    /// Sends due within the run's bounds (its duration, `max_sends`).
    #[serde(default)]
    pub due: u64,
    /// Sends started.
    pub started: u64,
    /// Sends due but never started: the runner fell behind its schedule (every in-flight
    /// slot busy, so the hub or the machine could not keep up) and the run's end came first.
    #[serde(default)]
    pub not_started: u64,
    /// The simulated instant reached, JST.
    pub simulated_until: String,
    /// Share of the month's sends started.
    pub completed: f64,
    /// Wall time of the play, s (grace included).
    pub wall_s: f64,
    /// Wall time of the reconciliation, s.
    pub reconcile_s: f64,
    /// Sends acknowledged per wall second of the play.
    pub sends_per_s: f64,
    /// Tasks aborted after the grace.
    pub abandoned: u64,
    /// Cores, and the load average at start and at end (`/proc/loadavg`).
    pub machine: Machine,
}

/// The machine the run was on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Machine {
    /// Cores available.
    pub cores: usize,
    /// Load average (1, 5, 15 min) at the start.
    pub load_start: String,
    /// Load average at the end.
    pub load_end: String,
}

/// The world in load.json.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WorldReport {
    /// What it was generated from.
    pub params: WorldParams,
    /// Its size.
    pub summary: WorldSummary,
    /// Certificates generated (0 when read from a PKI folder).
    pub certificates: usize,
    /// Milliseconds per 1,000 certificates.
    pub certificate_ms_per_1000: f64,
}

/// Errors.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ErrorReport {
    /// Failed requests over all endpoints (retried tries included).
    pub total: u64,
    /// Requests over all endpoints.
    pub requests: u64,
    /// By the hub's code (`AUTH_TOKEN_INVALID`, …), `TLS:<alert>`, `TIMEOUT`, `CONNECTION`.
    pub by_code: BTreeMap<String, u64>,
    /// Of them, TLS refusals.
    pub tls_failures: u64,
    /// The first few error messages.
    #[serde(default)]
    pub samples: Vec<String>,
}

/// The whole load.json.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LoadReport {
    /// [`SCHEMA`].
    pub schema: String,
    /// The world.
    pub world: WorldReport,
    /// The profile played.
    pub profile: Profile,
    /// The run.
    pub run: RunReport,
    /// By endpoint: `login`, `send`, `inbox`, `download`, `reconcile.inbox`, ….
    pub endpoints: BTreeMap<String, EndpointReport>,
    /// Sends per simulated hour.
    pub hours: Vec<HourRow>,
    /// Send latency per simulated day.
    pub days: Vec<DayRow>,
    /// Sends acknowledged per wall second of the run (index = second).
    pub per_wall_second: Vec<u64>,
    /// Errors.
    pub errors: ErrorReport,
    /// The schedule lag.
    pub schedule_lag: LagReport,
    /// What the offices did.
    pub offices: OfficeCounts,
    /// The pass condition.
    pub reconciliation: Reconciliation,
    /// Thresholds and baseline checks, and whether each held.
    #[serde(default)]
    pub gates: Vec<crate::gate::GateResult>,
    /// What `--chaos` did, when asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chaos: Option<crate::chaos::ChaosFacts>,
}

/// The machine's load average (Linux), for the report.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into())
}

/// What [`LoadReport::build`] needs besides the run.
pub struct Context<'a> {
    /// The world's report.
    pub world: WorldReport,
    /// The profile.
    pub profile: &'a Profile,
    /// The schedule played.
    pub schedule: &'a Schedule,
    /// `embedded` or the URL.
    pub target: String,
    /// The shard.
    pub shard: Shard,
    /// The duration asked for, s.
    pub duration_s: f64,
    /// The count bound.
    pub max_sends: u64,
    /// Load average at start.
    pub load_start: String,
}

fn lag_report(h: &hdrhistogram::Histogram<u64>) -> LagReport {
    LagReport {
        p50_ms: metrics::quantile_ms(h, 0.5),
        p99_ms: metrics::quantile_ms(h, 0.99),
        max_ms: if h.is_empty() {
            0.0
        } else {
            h.max() as f64 / 1000.0
        },
        late_over_1s: h.count_between(1_000_001, u64::MAX),
        histogram: metrics::encode(h),
    }
}

fn error_report(m: &Metrics) -> ErrorReport {
    ErrorReport {
        total: m.errors(),
        requests: m.requests(),
        tls_failures: m
            .errors_by_code
            .iter()
            .filter(|(c, _)| c.starts_with("TLS:"))
            .map(|(_, n)| n)
            .sum(),
        by_code: m.errors_by_code.clone(),
        samples: m.samples.clone(),
    }
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl RunReport {
    /// What the runner never got to, when it fell behind (the summary and the HTML say it).
    pub fn fell_behind(&self) -> Option<String> {
        (self.not_started > 0).then(|| {
            format!(
                "{} of {} sends due before the end were never started (every in-flight slot was busy: the hub or this machine could not keep up)",
                self.not_started, self.due
            )
        })
    }
}

impl LoadReport {
    /// The report of a played run.
    pub fn build(cx: Context<'_>, played: &Played) -> LoadReport {
        let m = &played.metrics;
        let f = &played.facts;
        let endpoints = m
            .endpoints
            .iter()
            .map(|(k, e)| {
                (
                    k.clone(),
                    EndpointReport::from_histograms(
                        e.ok,
                        e.errors,
                        &metrics::encode(&e.latency),
                        &metrics::encode(&e.service),
                    ),
                )
            })
            .collect();
        let hours = m
            .hours
            .iter()
            .map(|(h, c)| HourRow {
                hour: rfc3339(cx.schedule.instant(h * 3600)),
                counts: *c,
            })
            .collect();
        let days = m
            .days
            .iter()
            .map(|(d, h)| day_row(&cx.schedule.instant(d * 86_400).date().to_string(), h))
            .collect();
        let last = m.wall.keys().max().copied().unwrap_or(0) as usize;
        let mut per_wall_second = vec![0; if m.wall.is_empty() { 0 } else { last + 1 }];
        for (s, n) in &m.wall {
            per_wall_second[*s as usize] = *n;
        }
        let acked = m.endpoints.get("send").map_or(0, |e| e.ok);
        let play = f.wall.as_secs_f64().max(1e-9);
        LoadReport {
            schema: SCHEMA.into(),
            world: cx.world,
            profile: cx.profile.clone(),
            run: RunReport {
                target: cx.target,
                shard: cx.shard,
                duration_s: cx.duration_s,
                max_sends: cx.max_sends,
                compression: f64::from(cx.schedule.length) / cx.duration_s.max(1e-9),
                scheduled: f.scheduled,
                due: f.due,
                started: f.started,
                not_started: f.due.saturating_sub(f.started),
                simulated_until: rfc3339(cx.schedule.instant(f.reached)),
                completed: f.started as f64 / (f.scheduled.max(1) as f64),
                wall_s: f.wall.as_secs_f64(),
                reconcile_s: f.reconcile_wall.as_secs_f64(),
                sends_per_s: acked as f64 / play,
                abandoned: f.abandoned,
                machine: Machine {
                    cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
                    load_start: cx.load_start,
                    load_end: load_average(),
                },
            },
            endpoints,
            hours,
            days,
            per_wall_second,
            errors: error_report(m),
            schedule_lag: lag_report(&m.lag),
            offices: m.office,
            reconciliation: played.reconciliation,
            gates: Vec::new(),
            chaos: None,
        }
    }

    /// Reads a load.json.
    pub fn read(path: &std::path::Path) -> Result<LoadReport, ReportError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ReportError::Io {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        let r: LoadReport = serde_json::from_str(&text).map_err(|e| ReportError::Shape {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        if r.schema != SCHEMA {
            return Err(ReportError::Shape {
                path: shown,
                message: format!("schema は「{}」です", r.schema),
            });
        }
        Ok(r)
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Whether the pass condition holds.
    pub fn passed(&self) -> bool {
        self.reconciliation.passed()
    }

    /// The share of requests that failed.
    pub fn error_rate(&self) -> f64 {
        self.errors.total as f64 / (self.errors.requests.max(1) as f64)
    }

    /// The short terminal summary.
    pub fn summary(&self) -> String {
        let r = &self.run;
        let rc = &self.reconciliation;
        let mut s = format!(
            "renkei load: {} 居宅, {} offices on the hub, {} pairs; profile {} ({}), shard {}/{}\n",
            self.world.params.kyotaku,
            self.world.summary.hub_offices,
            self.world.summary.pairs,
            self.profile.name,
            self.profile.month,
            r.shard.index,
            r.shard.count,
        );
        s.push_str(&format!(
            "played {:.0} % of the month ({} of {} sends, to {}) in {:.1} s: {:.1} sends/s acknowledged; load average {} → {} on {} cores\n",
            r.completed * 100.0,
            r.started,
            r.scheduled,
            r.simulated_until,
            r.wall_s,
            r.sends_per_s,
            r.machine.load_start,
            r.machine.load_end,
            r.machine.cores,
        ));
        if let Some(behind) = r.fell_behind() {
            s.push_str(&format!("fell behind: {behind}\n"));
        }
        for (name, e) in &self.endpoints {
            s.push_str(&format!(
                "  {name:<20} ok {:>8}  errors {:>6}  p50 {:>8.1} ms  p99 {:>8.1} ms  max {:>8.1} ms\n",
                e.ok, e.errors, e.p50_ms, e.p99_ms, e.max_ms
            ));
        }
        s.push_str(&format!(
            "schedule lag: p99 {:.1} ms, max {:.1} ms, {} sends more than 1 s late\n",
            self.schedule_lag.p99_ms, self.schedule_lag.max_ms, self.schedule_lag.late_over_1s
        ));
        if !self.errors.by_code.is_empty() {
            let codes: Vec<String> = self
                .errors
                .by_code
                .iter()
                .map(|(c, n)| format!("{c} {n}"))
                .collect();
            s.push_str(&format!("errors by code: {}\n", codes.join(", ")));
            for m in self.errors.samples.iter().take(3) {
                s.push_str(&format!("  e.g. {m}\n"));
            }
        }
        s.push_str(&format!(
            "reconciliation: acknowledged {}, delivered {}, lost {}, duplicated {}, corrupted {}, out of order {}, unanswered {}, unverified {}: {}\n",
            rc.acknowledged,
            rc.delivered,
            rc.lost,
            rc.duplicated,
            rc.corrupted,
            rc.out_of_order,
            rc.unanswered,
            rc.unverified,
            if rc.passed() { "PASS" } else { "FAIL" }
        ));
        s
    }

    /// Merges shards of one world and profile: counts added, histograms merged (not
    /// averaged), the reconciliation added.
    pub fn merge(parts: &[LoadReport]) -> Result<LoadReport, ReportError> {
        let Some(first) = parts.first() else {
            return Err(ReportError::Mismatch(
                "合わせる load.json がありません".into(),
            ));
        };
        let mut seen = Vec::new();
        for p in parts {
            if p.world.params != first.world.params || p.profile != first.profile {
                return Err(ReportError::Mismatch(
                    "シャードの世界またはプロファイルが異なります".into(),
                ));
            }
            if p.run.shard.count != first.run.shard.count || seen.contains(&p.run.shard.index) {
                return Err(ReportError::Mismatch(format!(
                    "シャード {}/{} が重複しているか、シャード数が異なります",
                    p.run.shard.index, p.run.shard.count
                )));
            }
            seen.push(p.run.shard.index);
        }
        let mut out = first.clone();
        let merge = |a: &mut String, b: &str| -> Result<(), ReportError> {
            *a = metrics::merge_histogram(a, b).map_err(ReportError::Mismatch)?;
            Ok(())
        };
        for p in &parts[1..] {
            for (k, e) in &p.endpoints {
                match out.endpoints.get_mut(k) {
                    Some(o) => {
                        let (mut h, mut s) = (o.histogram.clone(), o.service_histogram.clone());
                        merge(&mut h, &e.histogram)?;
                        merge(&mut s, &e.service_histogram)?;
                        *o = EndpointReport::from_histograms(
                            o.ok + e.ok,
                            o.errors + e.errors,
                            &h,
                            &s,
                        );
                    }
                    None => {
                        out.endpoints.insert(k.clone(), e.clone());
                    }
                }
            }
            let mut hours: BTreeMap<String, HourCounts> = out
                .hours
                .iter()
                .map(|h| (h.hour.clone(), h.counts))
                .collect();
            for h in &p.hours {
                let c = hours.entry(h.hour.clone()).or_default();
                c.started += h.counts.started;
                c.ok += h.counts.ok;
                c.errors += h.counts.errors;
            }
            out.hours = hours
                .into_iter()
                .map(|(hour, counts)| HourRow { hour, counts })
                .collect();
            let mut days: BTreeMap<String, String> = out
                .days
                .iter()
                .map(|d| (d.day.clone(), d.histogram.clone()))
                .collect();
            for d in &p.days {
                match days.get_mut(&d.day) {
                    Some(h) => merge(h, &d.histogram)?,
                    None => {
                        days.insert(d.day.clone(), d.histogram.clone());
                    }
                }
            }
            out.days = days
                .into_iter()
                .map(|(day, h)| {
                    day_row(
                        &day,
                        &metrics::decode(&h).unwrap_or_else(|_| metrics::histogram()),
                    )
                })
                .collect();
            if out.per_wall_second.len() < p.per_wall_second.len() {
                out.per_wall_second.resize(p.per_wall_second.len(), 0);
            }
            for (i, n) in p.per_wall_second.iter().enumerate() {
                out.per_wall_second[i] += n;
            }
            out.errors.total += p.errors.total;
            out.errors.requests += p.errors.requests;
            out.errors.tls_failures += p.errors.tls_failures;
            for (c, n) in &p.errors.by_code {
                *out.errors.by_code.entry(c.clone()).or_default() += n;
            }
            let mut lag = out.schedule_lag.histogram.clone();
            merge(&mut lag, &p.schedule_lag.histogram)?;
            out.schedule_lag = lag_report(&metrics::decode(&lag).map_err(ReportError::Mismatch)?);
            let (a, b) = (&mut out.offices, &p.offices);
            a.logins += b.logins;
            a.relogins += b.relogins;
            a.polls += b.polls;
            a.imports += b.imports;
            a.imports_out_of_order += b.imports_out_of_order;
            a.imports_corrupted += b.imports_corrupted;
            a.retries += b.retries;
            a.replays += b.replays;
            a.jisseki_without_yotei += b.jisseki_without_yotei;
            a.clients += b.clients;
            a.clients_evicted += b.clients_evicted;
            out.reconciliation.add(&p.reconciliation);
            let r = &mut out.run;
            r.scheduled += p.run.scheduled;
            r.due += p.run.due;
            r.started += p.run.started;
            r.not_started += p.run.not_started;
            r.abandoned += p.run.abandoned;
            r.wall_s = r.wall_s.max(p.run.wall_s);
            r.reconcile_s = r.reconcile_s.max(p.run.reconcile_s);
            r.simulated_until = r.simulated_until.clone().min(p.run.simulated_until.clone());
        }
        let acked = out.endpoints.get("send").map_or(0, |e| e.ok);
        out.run.sends_per_s = acked as f64 / out.run.wall_s.max(1e-9);
        out.run.completed = out.run.started as f64 / (out.run.scheduled.max(1) as f64);
        out.run.shard = Shard { index: 0, count: 1 };
        out.run.target = format!("{} (merged from {} shards)", first.run.target, parts.len());
        Ok(out)
    }
}

fn day_row(day: &str, h: &hdrhistogram::Histogram<u64>) -> DayRow {
    DayRow {
        day: day.to_string(),
        p50_ms: metrics::quantile_ms(h, 0.5),
        p90_ms: metrics::quantile_ms(h, 0.9),
        p99_ms: metrics::quantile_ms(h, 0.99),
        histogram: metrics::encode(h),
    }
}
