//! Human-readable output: validation reports like a compiler's, and the standard as tables.

use std::io::{self, Write};

use renkei_spec::diagnostic::Severity;
use renkei_spec::filename::describe_rule;
use renkei_spec::standard::{FileFormat, Standard};
use renkei_spec::validate::Report;
use renkei_spec::{ms932, Code};

/// The end of `renkei run`: the flow ①–⑫ by outcome, the counts, the failures, the reports.
pub fn print_run_summary(
    out: &mut impl Write,
    run: &renkei_reports::Run,
    dir: &std::path::Path,
    tags: Option<&str>,
) -> io::Result<()> {
    let (passed, failed, skipped) = run.counts();
    let flow: String = renkei_reports::model::FLOW_STEPS
        .iter()
        .map(|(n, _)| {
            let mark = renkei_reports::Status::mark_of(run.coverage.flow_steps.get(*n).copied());
            format!("{n}{mark} ")
        })
        .collect();
    writeln!(out)?;
    writeln!(out, "flow: {flow}")?;
    writeln!(
        out,
        "scenarios: {passed} passed, {failed} failed, {skipped} not run ({:.1} s)",
        run.duration_ms as f64 / 1000.0
    )?;
    write!(out, "{}", renkei_scenarios::runner::failure_summary(run))?;
    for name in ["junit.xml", "cucumber.json", "index.html"] {
        writeln!(out, "report: {}", dir.join(name).display())?;
    }
    if run.scenarios().next().is_none() {
        match tags {
            Some(t) => writeln!(out, "no scenario ran (does --tags {t:?} match any?)")?,
            None => writeln!(out, "no scenario ran (the features hold no scenario)")?,
        }
    }
    Ok(())
}

/// A validation report like a compiler's: one block per diagnostic — the first `group_after`
/// of one code and item in a file in full, the rest as one line 「同じ問題があと N 行」 —, then a
/// per-code summary, the notes and the counts.
pub fn print_report(
    out: &mut impl Write,
    report: &Report,
    warnings: bool,
    group_after: usize,
) -> io::Result<()> {
    let (mut errors, mut warns) = (0, 0);
    let mut by_code: std::collections::BTreeMap<(Code, &str), usize> = Default::default();
    for f in &report.files {
        // Diagnostics of one code and item, in file order.
        let mut groups: Vec<(GroupKey, Vec<&renkei_spec::diagnostic::Diagnostic>)> = Vec::new();
        for d in &f.diagnostics {
            let sev = match d.severity {
                Severity::Error => {
                    errors += 1;
                    "error"
                }
                Severity::Warning => {
                    warns += 1;
                    "warning"
                }
            };
            *by_code.entry((d.code, sev)).or_default() += 1;
            if d.severity == Severity::Warning && !warnings {
                continue;
            }
            let key = (d.code, d.item.as_deref());
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => v.push(d),
                None => groups.push((key, vec![d])),
            }
        }
        for (_, ds) in &groups {
            for d in ds.iter().take(group_after.max(1)) {
                print_diagnostic(out, &f.path, d)?;
            }
            let rest = &ds[group_after.max(1).min(ds.len())..];
            if !rest.is_empty() {
                let lines: Vec<String> = rest
                    .iter()
                    .filter_map(|d| d.line)
                    .take(10)
                    .map(|l| l.to_string())
                    .collect();
                let more = if rest.len() > lines.len() {
                    ", …"
                } else {
                    ""
                };
                writeln!(
                    out,
                    "   = 同じ問題があと {} 行 ({}: lines {}{more})",
                    rest.len(),
                    rest[0].code.as_str(),
                    lines.join(", ")
                )?;
            }
        }
    }
    for f in report.files.iter().filter(|f| !f.valid) {
        writeln!(out, "invalid: {}", f.path)?;
    }
    if !by_code.is_empty() {
        writeln!(out, "summary by code:")?;
        for ((code, sev), n) in &by_code {
            writeln!(out, "  {sev:<7} {:<34} {n}", code.as_str())?;
        }
    }
    for n in &report.notes {
        writeln!(out, "note: {n}")?;
    }
    let s = &report.summary;
    let hidden = if warnings || warns == 0 {
        String::new()
    } else {
        " (-w shows warnings)".to_string()
    };
    writeln!(
        out,
        "{} files: {} valid, {} invalid; {errors} errors, {warns} warnings{hidden}",
        s.files, s.valid, s.invalid
    )
}

/// Diagnostics grouped in human output: one code on one item.
type GroupKey<'a> = (Code, Option<&'a str>);

fn print_diagnostic(
    out: &mut impl Write,
    path: &str,
    d: &renkei_spec::diagnostic::Diagnostic,
) -> io::Result<()> {
    let sev = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    writeln!(out, "{sev}[{}]: {}", d.code.as_str(), d.message)?;
    let at = d.location(path);
    match d.byte_offset {
        Some(o) => writeln!(out, "  --> {at} (byte {o})")?,
        None => writeln!(out, "  --> {at}")?,
    }
    if let Some(i) = &d.item {
        writeln!(out, "   = 項目: {i}")?;
    }
    if let Some(a) = &d.assumed {
        writeln!(out, "   = 前提: {a}")?;
    }
    Ok(())
}

/// `renkei spec --rules`: the rule inventory, then its coverage (human), or both as JSON.
pub fn print_rules(out: &mut impl Write, json: bool, revision: Option<&str>) -> anyhow::Result<()> {
    let std = Standard::get();
    let rev = match revision {
        Some(r) => std
            .revision(r)
            .ok_or_else(|| anyhow::anyhow!("unknown revision {r} (known: {})", known(std)))?,
        None => std.default_revision(),
    };
    let inv = renkei_spec::rules::inventory(&rev.revision).ok_or_else(|| {
        anyhow::anyhow!(
            "revision {} has no rule inventory (spec/revisions/{}/rules.toml)",
            rev.revision,
            rev.revision
        )
    })?;
    let c = inv.coverage();
    if json {
        let v = serde_json::json!({"revision": rev.revision, "coverage": c, "rules": inv.rules});
        serde_json::to_writer_pretty(&mut *out, &v)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "ケアプランデータ連携標準仕様 {} — 規定の一覧 (rule inventory)",
        rev.label
    )?;
    for r in &inv.rules {
        writeln!(out)?;
        let sev = match r.severity {
            renkei_spec::rules::RuleSeverity::Error => "error",
            renkei_spec::rules::RuleSeverity::Warning => "warning",
        };
        writeln!(out, "{} [{}, {sev}] {}", r.id, r.status.label(), r.place)?;
        writeln!(out, "  「{}」", r.quote)?;
        if !r.codes.is_empty() {
            writeln!(out, "  codes: {}", r.codes.join(", "))?;
        }
        if let Some(a) = &r.assumption {
            let text = rev.assumptions.get(a).map_or(a.as_str(), String::as_str);
            writeln!(out, "  前提 (assumed): {text}")?;
        }
        if let Some(n) = &r.note {
            writeln!(out, "  note: {n}")?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "coverage: {} of {} rules checked ({} checked, {} on an assumption), {} open, {} not checkable from files",
        c.checked + c.assumed,
        c.stated,
        c.checked,
        c.assumed,
        c.open,
        c.not_checkable
    )?;
    Ok(())
}

/// `renkei spec`: the standard, its diagnostics or its conversion table.
pub fn print_spec(
    out: &mut impl Write,
    json: bool,
    revision: Option<&str>,
    diagnostics: bool,
    conversions: bool,
    kind: Option<&str>,
) -> anyhow::Result<()> {
    let std = Standard::get();
    if diagnostics {
        if json {
            let v: Vec<_> = Code::ALL
                .iter()
                .map(|c| {
                    serde_json::json!({"code": c.as_str(), "category": c.category(),
                        "severity": c.default_severity(), "description": c.description()})
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &v)?;
            writeln!(out)?;
        } else {
            for c in Code::ALL {
                let sev = match c.default_severity() {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                writeln!(out, "{:<34} {:<8} {}", c.as_str(), sev, c.description())?;
            }
        }
        return Ok(());
    }
    if conversions {
        if json {
            serde_json::to_writer_pretty(&mut *out, ms932::CONVERSIONS)?;
            writeln!(out)?;
        } else {
            for c in ms932::CONVERSIONS {
                writeln!(
                    out,
                    "{} U+{:04X} → {} U+{:04X}  {}",
                    c.from, c.from as u32, c.to, c.to as u32, c.why
                )?;
            }
        }
        return Ok(());
    }
    let rev = match revision {
        Some(r) => std
            .revision(r)
            .ok_or_else(|| anyhow::anyhow!("unknown revision {r} (known: {})", known(std)))?,
        None => std.default_revision(),
    };
    let files: Vec<_> = match kind {
        Some(k) => vec![rev.file(k).ok_or_else(|| {
            anyhow::anyhow!(
                "revision {} has no file kind {k} (known: {})",
                rev.revision,
                rev.files
                    .iter()
                    .map(|f| f.kind.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?],
        None => rev.files.iter().collect(),
    };
    if json {
        let v = if kind.is_some() {
            serde_json::to_value(files[0])?
        } else {
            serde_json::to_value(rev)?
        };
        serde_json::to_writer_pretty(&mut *out, &v)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "ケアプランデータ連携標準仕様 {} — CSVバージョン {} (revisions: {})",
        rev.label,
        rev.csv_version,
        known(std)
    )?;
    if kind.is_none() {
        for (k, v) in &rev.assumptions {
            writeln!(out, "  前提 {k}: {v}")?;
        }
    }
    for f in files {
        writeln!(out)?;
        writeln!(out, "{} {} ({} items)", f.kind, f.name, f.items.len())?;
        writeln!(
            out,
            "  file name: {}",
            describe_rule(f, rev.filename_service_types)
        )?;
        if f.format == FileFormat::Jpeg {
            writeln!(out, "  JPEG image")?;
            continue;
        }
        if !f.deletes.is_empty() {
            writeln!(out, "  deletes: {}", f.deletes.join(", "))?;
        }
        if kind.is_none() {
            continue;
        }
        writeln!(
            out,
            "  {:>3}  {:<36} {:<13} {:>4}  必須  確度       コード表 / 書式",
            "No", "名称", "型", "長"
        )?;
        for it in &f.items {
            let len = match (it.length, it.length_unit) {
                (Some(l), Some(renkei_spec::standard::LengthUnit::Chars)) => format!("{l}字"),
                (Some(l), _) => l.to_string(),
                (None, _) => "―".into(),
            };
            let conf = format!("{:?}", it.confidence).to_lowercase();
            let extra = it
                .codes
                .clone()
                .unwrap_or_else(|| it.format.chars().take(40).collect());
            writeln!(
                out,
                "  {:>3}  {:<36} {:<13} {:>4}  {:<4}  {:<10} {}",
                it.no,
                it.name,
                it.ty.to_string(),
                len,
                if it.required { "○" } else { "" },
                conf,
                extra
            )?;
            if let Some(a) = &it.assumed {
                writeln!(out, "         前提: {a}")?;
            }
        }
    }
    if kind.is_none() {
        writeln!(out)?;
        writeln!(out, "send units (送信単位):")?;
        for u in &rev.units {
            let opt = if u.optional.is_empty() {
                String::new()
            } else {
                format!(" [+ {}]", u.optional.join(", "))
            };
            writeln!(
                out,
                "  {:<16} {}{opt}  — {}",
                u.id,
                u.required.join(" + "),
                u.name
            )?;
        }
    }
    Ok(())
}

/// `renkei spec --revisions`: every revision renkei knows, the default marked.
pub fn print_revisions(out: &mut impl Write, json: bool) -> anyhow::Result<()> {
    let std = Standard::get();
    if json {
        let v: Vec<_> = std
            .revisions
            .iter()
            .map(|r| {
                serde_json::json!({"revision": r.revision, "label": r.label,
                    "csv_version": r.csv_version, "applies_from": r.applies_from,
                    "default": r.default})
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &v)?;
        writeln!(out)?;
        return Ok(());
    }
    for r in &std.revisions {
        writeln!(
            out,
            "{:<4} {}  CSVバージョン {}  適用 {}{}",
            r.revision,
            r.label,
            r.csv_version,
            r.applies_from,
            if r.default { "  (default)" } else { "" }
        )?;
    }
    Ok(())
}

fn known(std: &Standard) -> String {
    std.revisions
        .iter()
        .map(|r| r.revision.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `renkei certify --list`: one line per case.
pub fn print_case_list(
    out: &mut impl Write,
    cases: &[&(
        renkei_certify::library::Case,
        renkei_certify::library::Input,
    )],
) -> io::Result<()> {
    for (c, _) in cases {
        writeln!(
            out,
            "{:<56} {} {:<13} {}",
            c.id,
            c.pattern,
            c.group.as_str(),
            c.title
        )?;
    }
    writeln!(out, "{} cases", cases.len())
}

/// Progress of `renkei certify` on standard error, and one line per failing case.
pub struct CaseProgress {
    bar: indicatif::ProgressBar,
}

impl CaseProgress {
    /// A bar of `n` cases (hidden when standard error is not a terminal).
    pub fn new(n: usize) -> CaseProgress {
        let bar = indicatif::ProgressBar::new(n as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} {msg}",
        ) {
            bar.set_style(style);
        }
        CaseProgress { bar }
    }

    /// One case ended: a line if it failed, the bar moves on.
    pub fn case(&self, r: &renkei_reports::certification::CaseResult) {
        if r.outcome.is_failure() || r.outcome == renkei_reports::certification::Outcome::Xpass {
            self.bar.suspend(|| {
                // Best effort: a closed pipe ends the output, not the run.
                let _ = writeln!(
                    io::stdout(),
                    "{:<5} {}  {}",
                    r.outcome.as_str(),
                    r.id,
                    r.message
                );
            });
        }
        self.bar.set_message(r.id.clone());
        self.bar.inc(1);
    }

    /// Clears the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// The end of `renkei certify`: the summary by outcome and by pattern, and the bundle.
pub fn print_certification(
    out: &mut impl Write,
    c: &renkei_reports::certification::Certification,
    written: &[std::path::PathBuf],
) -> io::Result<()> {
    use renkei_reports::certification::{Outcome, PATTERNS};
    writeln!(out)?;
    writeln!(out, "certify: {} — {} cases", c.product(), c.cases.len())?;
    let line: Vec<String> = Outcome::ALL
        .iter()
        .map(|o| {
            format!(
                "{} {}",
                c.summary.get(o.as_str()).copied().unwrap_or(0),
                o.as_str()
            )
        })
        .collect();
    writeln!(out, "outcomes: {}", line.join(", "))?;
    let by = c.by_pattern();
    for (p, name) in PATTERNS {
        let Some(row) = by.get(p) else {
            writeln!(out, "  {p} {name}: no case")?;
            continue;
        };
        let parts: Vec<String> = Outcome::ALL
            .iter()
            .filter_map(|o| row.get(o).map(|n| format!("{n} {}", o.as_str())))
            .collect();
        writeln!(out, "  {p} {name}: {}", parts.join(", "))?;
    }
    if c.nothing_tested() {
        writeln!(
            out,
            "no case ran (every one SKIP or UNSUPPORTED): nothing was certified (exit 1); check the adapter's capabilities and --roles/--cases"
        )?;
    }
    for p in written {
        writeln!(out, "bundle: {}", p.display())?;
    }
    Ok(())
}

/// The end of `renkei interop`: the matrix as text.
pub fn print_interop(
    out: &mut impl Write,
    m: &renkei_reports::certification::interop::Matrix,
    dir: &std::path::Path,
) -> io::Result<()> {
    for (i, a) in m.adapters.iter().enumerate() {
        writeln!(out, "A{0}/B{0}: {1} ({2})", i + 1, a.label, a.command)?;
    }
    for c in &m.cells {
        let mark = if c.units == 0 {
            "―"
        } else if c.is_clean() {
            "✔"
        } else {
            "✘"
        };
        writeln!(
            out,
            "A{} → B{}: {mark} {}/{} clean{}",
            c.exporter + 1,
            c.importer + 1,
            c.clean,
            c.units,
            c.first_failure
                .as_deref()
                .map(|f| format!("; first: {f}"))
                .unwrap_or_default()
        )?;
    }
    writeln!(out, "report: {}", dir.join("interop.html").display())?;
    writeln!(out, "report: {}", dir.join("interop.json").display())
}

/// The live bar of `renkei load` on standard error (hidden when it is not a terminal, or
/// with `--quiet`).
pub fn load_progress(quiet: bool) -> indicatif::ProgressBar {
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(0)
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} sends  {msg}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// One tick of `renkei load`: the simulated date, sends/s, errors, p99.
pub fn load_tick(bar: &indicatif::ProgressBar, s: &renkei_load::run::Snapshot) {
    bar.set_length(s.scheduled);
    bar.set_position(s.started);
    let rate = s.acknowledged as f64 / s.elapsed.as_secs_f64().max(1e-3);
    let t = s.simulated;
    bar.set_message(format!(
        "{:04}-{:02}-{:02} {:02}:{:02} JST  {rate:.0} sends/s  errors {}  p99 {:.1} ms",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        s.errors,
        s.p99_ms
    ));
}

/// `renkei steps`: the step catalogue, grouped by module, each pattern with its keywords and
/// an example to paste (Gherkin lines; the notes under it are `#` comments, so a pasted block
/// stays a valid feature).
pub fn print_steps(
    out: &mut impl Write,
    modules: &[renkei_scenarios::catalogue::Module],
    json: bool,
) -> anyhow::Result<()> {
    if json {
        let v = serde_json::json!({"modules": modules});
        serde_json::to_writer_pretty(&mut *out, &v)?;
        writeln!(out)?;
        return Ok(());
    }
    let total: usize = modules.iter().map(|m| m.steps.len()).sum();
    let per: Vec<String> = modules
        .iter()
        .map(|m| format!("{} {}", m.name, m.steps.len()))
        .collect();
    writeln!(
        out,
        "renkei steps — 手順の一覧: {total} step patterns ({})",
        per.join(", ")
    )?;
    writeln!(
        out,
        "Paste the examples under a シナリオ: of a feature that starts with `# language: ja`\n\
         (前提 = Given, もし = When, ならば = Then; かつ repeats the keyword before it), then run\n\
         `renkei run --features DIR`. In a pattern, … is any text, N a number, YYYYMM a month,\n\
         YYYYMMDD a date, CODE or code a code written as in the example, (a|b) one of the words."
    )?;
    for m in modules {
        writeln!(out)?;
        if m.doc.is_empty() {
            writeln!(out, "■ {}", m.name)?;
        } else {
            writeln!(out, "■ {} — {}", m.name, m.doc)?;
        }
        for p in &m.steps {
            let kws: Vec<&str> = p.keywords.iter().map(|k| k.japanese()).collect();
            writeln!(out)?;
            writeln!(out, "  {}  [{}]", p.template, kws.join("/"))?;
            if !p.doc.is_empty() {
                writeln!(out, "    # {}", p.doc)?;
            }
            match &p.example {
                Some(ex) => {
                    write!(out, "{}", ex.gherkin("    "))?;
                    writeln!(
                        out,
                        "    # from {}; {} use(s) in the shipped features",
                        ex.origin, p.uses
                    )?;
                }
                None => writeln!(
                    out,
                    "    # no example yet: add `/// 例: {} …` above {}",
                    kws[0], p.source
                )?,
            }
        }
    }
    Ok(())
}
