//! index.html: one self-contained page (inline CSS, charts as inline SVG drawn by plotters'
//! SVG backend): sends per simulated hour over the month, send latency percentiles per
//! simulated day, errors per simulated hour, then the tables of load.json.

use plotters::prelude::*;

use crate::report::LoadReport;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One line of a chart: its name, colour and its runs of points (a line is drawn within a
/// run, none between runs: a gap where there was nothing).
type Series<'a> = (&'a str, RGBColor, Vec<Vec<(u32, f64)>>);

const W: u32 = 960;
const H: u32 = 300;

/// A line chart of `series` (name, colour, runs of points) over x in 0..`x_max`, x
/// labelled by `label`; with `markers`, every point is also drawn as a dot (a run of one
/// point shows).
fn chart(
    title: &str,
    y_desc: &str,
    x_max: u32,
    series: &[Series<'_>],
    label: &dyn Fn(u32) -> String,
    markers: bool,
) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let y_max = series
            .iter()
            .flat_map(|s| s.2.iter().flatten().map(|p| p.1))
            .fold(0.0f64, f64::max)
            .max(1.0)
            * 1.1;
        let built = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0u32..x_max.max(1), 0f64..y_max);
        let Ok(mut c) = built else {
            return String::new();
        };
        let _ = c
            .configure_mesh()
            .x_labels(10)
            .x_label_formatter(&|x| label(*x))
            .y_desc(y_desc)
            .draw();
        for (name, colour, runs) in series {
            let colour = *colour;
            for (i, run) in runs.iter().enumerate() {
                let Ok(s) =
                    c.draw_series(LineSeries::new(run.iter().copied(), colour.stroke_width(2)))
                else {
                    continue;
                };
                if i == 0 {
                    s.label(*name).legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2))
                    });
                }
                if markers {
                    let _ = c.draw_series(run.iter().map(|p| Circle::new(*p, 3, colour.filled())));
                }
            }
        }
        let _ = c
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperLeft)
            .draw();
        let _ = root.present();
    }
    svg
}

/// The report's days placed on the calendar.
struct DayAxis<'a> {
    /// The day at x = 0.
    first_day: Option<time::Date>,
    /// Days on the axis (the last day's x + 1).
    span: u32,
    /// Each day row with its x (days after `first_day`), in order.
    rows: Vec<(u32, &'a crate::report::DayRow)>,
}

/// Places `days` (YYYY-MM-DD) on a day axis from the earlier of their first day and
/// `hours_start` to the later of their last day and `hours_end` (the first and last days
/// with sends in the hours).
fn day_offsets(
    days: &[crate::report::DayRow],
    hours_start: Option<time::Date>,
    hours_end: Option<time::Date>,
) -> DayAxis<'_> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let parsed: Vec<(time::Date, &crate::report::DayRow)> = days
        .iter()
        .filter_map(|d| Some((time::Date::parse(&d.day, &fmt).ok()?, d)))
        .collect();
    let first_day = parsed.iter().map(|p| p.0).chain(hours_start).min();
    let last_day = parsed.iter().map(|p| p.0).chain(hours_end).max();
    let Some((first, last)) = first_day.zip(last_day) else {
        return DayAxis {
            first_day: None,
            span: 1,
            rows: Vec::new(),
        };
    };
    let x = |d: time::Date| u32::try_from((d - first).whole_days()).unwrap_or(0);
    DayAxis {
        first_day: Some(first),
        span: x(last) + 1,
        rows: parsed.into_iter().map(|(d, row)| (x(d), row)).collect(),
    }
}

/// Splits points (x ascending) into runs of consecutive x.
fn runs(points: impl Iterator<Item = (u32, f64)>) -> Vec<Vec<(u32, f64)>> {
    let mut out: Vec<Vec<(u32, f64)>> = Vec::new();
    for p in points {
        match out.last_mut() {
            Some(run) if run.last().is_some_and(|q| q.0 + 1 == p.0) => run.push(p),
            _ => out.push(vec![p]),
        }
    }
    out
}

/// The page.
pub fn render(r: &LoadReport) -> String {
    // Hours with no sends are left out of load.json: put them back so the x axis is time.
    let start = r.hours.first().map(|h| h.hour.clone());
    let parse = |s: &str| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
    };
    let t0 = start.as_deref().and_then(parse);
    let mut hours: Vec<(u32, u64, u64, u64)> = Vec::new();
    if let Some(t0) = t0 {
        for h in &r.hours {
            if let Some(t) = parse(&h.hour) {
                let i = ((t - t0).whole_hours()).max(0) as u32;
                hours.push((i, h.counts.started, h.counts.ok, h.counts.errors));
            }
        }
    }
    let x_max = hours.last().map_or(1, |h| h.0 + 1);
    // Dense: an hour without sends is a zero, not a line drawn across it.
    let mut dense: Vec<(u32, u64, u64, u64)> = (0..x_max).map(|i| (i, 0, 0, 0)).collect();
    for h in &hours {
        dense[h.0 as usize] = *h;
    }
    let hours = dense;
    let hour_label = |x: u32| {
        t0.map(|t| {
            let t = t + time::Duration::hours(i64::from(x));
            format!("{:02}-{:02} {:02}h", t.month() as u8, t.day(), t.hour())
        })
        .unwrap_or_default()
    };
    let sends = chart(
        "Sends per simulated hour (JST)",
        "sends",
        x_max,
        &[
            (
                "started",
                RGBColor(70, 110, 200),
                vec![hours.iter().map(|h| (h.0, h.1 as f64)).collect()],
            ),
            (
                "acknowledged",
                RGBColor(40, 160, 90),
                vec![hours.iter().map(|h| (h.0, h.2 as f64)).collect()],
            ),
        ],
        &hour_label,
        false,
    );
    let errors = chart(
        "Failed sends per simulated hour",
        "errors",
        x_max,
        &[(
            "errors",
            RGBColor(200, 50, 50),
            vec![hours.iter().map(|h| (h.0, h.3 as f64)).collect()],
        )],
        &hour_label,
        false,
    );
    // The x axis is the calendar: one step per simulated day from the first day of the run
    // (of the hours or the days) to the last, a day without sends a gap in the lines.
    let t_last = r.hours.last().and_then(|h| parse(&h.hour));
    let days = day_offsets(&r.days, t0.map(|t| t.date()), t_last.map(|t| t.date()));
    let day_label = |x: u32| {
        days.first_day
            .map(|d| {
                let d = d + time::Duration::days(i64::from(x));
                format!("{:02}-{:02}", d.month() as u8, d.day())
            })
            .unwrap_or_default()
    };
    let pick = |f: fn(&crate::report::DayRow) -> f64| -> Vec<Vec<(u32, f64)>> {
        runs(days.rows.iter().map(|(x, d)| (*x, f(d))))
    };
    let latency = chart(
        "Send latency from the scheduled time, per simulated day (JST)",
        "ms",
        days.span,
        &[
            ("p50", RGBColor(40, 160, 90), pick(|d| d.p50_ms)),
            ("p90", RGBColor(220, 150, 30), pick(|d| d.p90_ms)),
            ("p99", RGBColor(200, 50, 50), pick(|d| d.p99_ms)),
        ],
        &day_label,
        true,
    );
    let rc = &r.reconciliation;
    let verdict = if rc.passed() { "PASS" } else { "FAIL" };
    let mut endpoints = String::new();
    for (name, e) in &r.endpoints {
        endpoints.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td></tr>",
            esc(name), e.ok, e.errors, e.p50_ms, e.p90_ms, e.p99_ms, e.p999_ms, e.max_ms
        ));
    }
    let mut codes = String::new();
    for (c, n) in &r.errors.by_code {
        codes.push_str(&format!("<tr><td>{}</td><td>{n}</td></tr>", esc(c)));
    }
    if codes.is_empty() {
        codes.push_str("<tr><td colspan=2>none</td></tr>");
    }
    let mut gates = String::new();
    for g in &r.gates {
        gates.push_str(&format!(
            "<tr class={}><td>{}</td><td>{:.3}</td><td>{}</td></tr>",
            if g.passed { "ok" } else { "bad" },
            esc(&g.gate),
            g.actual,
            if g.passed { "held" } else { "crossed" }
        ));
    }
    if gates.is_empty() {
        gates.push_str("<tr><td colspan=3>none given (--threshold, --baseline)</td></tr>");
    }
    let recon_rows: Vec<(&str, u64)> = vec![
        ("acknowledged", rc.acknowledged),
        ("delivered", rc.delivered),
        ("lost", rc.lost),
        ("duplicated", rc.duplicated),
        ("corrupted", rc.corrupted),
        ("out of order", rc.out_of_order),
        ("unanswered (retried as replays)", rc.unanswered),
        (
            "delivered though unacknowledged",
            rc.delivered_unacknowledged,
        ),
        ("unexpected", rc.unexpected),
        ("unverified", rc.unverified),
    ];
    let recon: String = recon_rows
        .iter()
        .map(|(k, v)| format!("<tr><td>{k}</td><td>{v}</td></tr>"))
        .collect();
    let run = &r.run;
    format!(
        r#"<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>renkei load — {profile}</title>
<style>
body{{font-family:sans-serif;margin:24px;color:#222;max-width:1000px}}
h1{{font-size:22px}} h2{{font-size:17px;margin-top:28px}}
table{{border-collapse:collapse;font-size:13px}} td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}
td:first-child,th:first-child{{text-align:left}}
.verdict{{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;background:{colour}}}
tr.bad td{{background:#fde2e2}} tr.ok td{{background:#e6f6ea}}
.facts{{font-size:14px;line-height:1.6}}
svg{{max-width:100%;height:auto}} .scroll{{overflow-x:auto}}
@media (max-width:600px){{body{{margin:10px}}}}
</style></head><body>
<h1>renkei load: {profile} ({month}) <span class="verdict">{verdict}</span></h1>
<div class="facts">
World: {kyotaku} 居宅, {offices} offices on the hub, {pairs} pairs, {per_month} sends a month (seed {seed}, adoption {adoption}).<br>
Target: {target}; shard {si}/{sn}; {duration:.0} s of wall time for the month (×{compression:.0}).<br>
Played {completed:.0} % ({started} of {scheduled} sends, up to {until}) in {wall:.1} s: <b>{rate:.1} sends/s</b> acknowledged;
schedule lag p99 {lag99:.1} ms, max {lagmax:.1} ms.{behind}<br>
Machine: {cores} cores, load average {l0} → {l1}. Certificates: {certs} in {cert_ms:.0} ms per 1,000.
</div>
<h2>Sends over the simulated month</h2>
{sends}
<h2>Latency</h2>
{latency}
<h2>Errors</h2>
{errors}
<table><tr><th>code</th><th>count</th></tr>{codes}</table>
<h2>Endpoints (ms, from the scheduled time)</h2>
<div class="scroll"><table><tr><th>endpoint</th><th>ok</th><th>errors</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr>{endpoints}</table></div>
<h2>Reconciliation (every receiver's inbox read back)</h2>
<table>{recon}</table>
<h2>Gates</h2>
<table><tr><th>gate</th><th>measured</th><th>verdict</th></tr>{gates}</table>
</body></html>
"#,
        profile = esc(&r.profile.name),
        month = esc(&r.profile.month),
        colour = if rc.passed() { "#2a8a4a" } else { "#c03030" },
        kyotaku = r.world.params.kyotaku,
        offices = r.world.summary.hub_offices,
        pairs = r.world.summary.pairs,
        per_month = r.world.summary.sends_per_month,
        seed = r.world.params.seed,
        adoption = r.world.params.adoption,
        target = esc(&run.target),
        si = run.shard.index,
        sn = run.shard.count,
        duration = run.duration_s,
        compression = run.compression,
        completed = run.completed * 100.0,
        started = run.started,
        scheduled = run.scheduled,
        until = esc(&run.simulated_until),
        wall = run.wall_s,
        rate = run.sends_per_s,
        behind = run
            .fell_behind()
            .map(|b| format!(" <b>Fell behind:</b> {}.", esc(&b)))
            .unwrap_or_default(),
        lag99 = r.schedule_lag.p99_ms,
        lagmax = r.schedule_lag.max_ms,
        cores = run.machine.cores,
        l0 = esc(&run.machine.load_start),
        l1 = esc(&run.machine.load_end),
        certs = r.world.certificates,
        cert_ms = r.world.certificate_ms_per_1000,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::DayRow;

    fn day(d: &str, p50: f64) -> DayRow {
        DayRow {
            day: d.into(),
            p50_ms: p50,
            p90_ms: p50,
            p99_ms: p50,
            histogram: String::new(),
        }
    }

    #[test]
    fn days_sit_on_the_calendar_with_gaps_where_nothing_was_sent() {
        let days = [
            day("2026-12-30", 1.0),
            day("2026-12-31", 2.0),
            day("2027-01-03", 3.0),
        ];
        let d = |s: &str| {
            time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
        };
        // The hours began two days before the first day with a latency and end later.
        let axis = day_offsets(&days, d("2026-12-28"), d("2027-01-10"));
        assert_eq!(axis.first_day, d("2026-12-28"));
        assert_eq!(axis.span, 14);
        let xs: Vec<u32> = axis.rows.iter().map(|r| r.0).collect();
        assert_eq!(xs, [2, 3, 6]);
        let r = runs(axis.rows.iter().map(|(x, d)| (*x, d.p50_ms)));
        assert_eq!(r, vec![vec![(2, 1.0), (3, 2.0)], vec![(6, 3.0)]]);
        // Nothing at all: an axis of one empty day.
        let empty = day_offsets(&[], None, None);
        assert_eq!((empty.span, empty.rows.len()), (1, 0));
    }
}
