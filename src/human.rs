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
        writeln!(out, "no scenario ran (does --tags match any?)")?;
    }
    Ok(())
}

/// A validation report like a compiler's: one block per diagnostic, then the summary.
pub fn print_report(out: &mut impl Write, report: &Report, warnings: bool) -> io::Result<()> {
    let (mut errors, mut warns) = (0, 0);
    for f in &report.files {
        for d in &f.diagnostics {
            let sev = match d.severity {
                Severity::Error => {
                    errors += 1;
                    "error"
                }
                Severity::Warning => {
                    warns += 1;
                    if !warnings {
                        continue;
                    }
                    "warning"
                }
            };
            writeln!(out, "{sev}[{}]: {}", d.code.as_str(), d.message)?;
            let mut at = f.path.clone();
            if let Some(l) = d.line {
                at.push_str(&format!(":{l}"));
                if let Some(c) = d.column {
                    at.push_str(&format!(":{c}"));
                }
            }
            match d.byte_offset {
                Some(o) => writeln!(out, "  --> {at} (byte {o})")?,
                None => writeln!(out, "  --> {at}")?,
            }
            if let Some(i) = &d.item {
                writeln!(out, "   = 項目: {i}")?;
            }
            if let Some(a) = &d.assumed {
                writeln!(out, "   = 前提 (assumed): {a}")?;
            }
        }
    }
    for f in report.files.iter().filter(|f| !f.valid) {
        writeln!(out, "invalid: {}", f.path)?;
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

fn known(std: &Standard) -> String {
    std.revisions
        .iter()
        .map(|r| r.revision.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
