//! Running one case and deciding its outcome. The adapter only reports what its software
//! did; this module compares that with what the case expects:
//! - import, valid: the JSON must equal the unit's records item by item;
//! - import, reject: the software must say `rejected`;
//! - export: the files must pass every rule of the standard and read back to the unit;
//! - flow: see [`crate::flow`].
//!
//! A case needing a role, revision or kind the adapter did not declare is SKIP; exit 89 is
//! UNSUPPORTED; a broken contract (other exit, timeout, wrong output) is ERROR.

use std::time::Instant;

use renkei_reports::certification::{CaseResult, EvidenceKind, Outcome};
use renkei_spec::model::SendUnit;
use renkei_spec::validate::{validate_unit_bytes, Options, UnitChecks};
use renkei_spec::Diagnostic;

use crate::adapter::{Adapter, CallError, Capabilities, Failed, Imported};
use crate::evidence::Evidence;
use crate::library::{Case, Direction, Files, Input};
use renkei_spec::compare::{listing, Compare};

/// How many differences evidence lists.
const MAX_DIFFS: usize = 40;

/// What a case ended as, before expected failures are applied.
pub struct Judged {
    /// The outcome.
    pub outcome: Outcome,
    /// Why, in a sentence.
    pub message: String,
}

impl Judged {
    /// An outcome with its message.
    pub fn new(outcome: Outcome, message: impl Into<String>) -> Judged {
        Judged {
            outcome,
            message: message.into(),
        }
    }
}

/// What a case may use.
pub struct Context<'a> {
    /// The adapter under test.
    pub adapter: &'a Adapter,
    /// What it declared.
    pub caps: &'a Capabilities,
    /// `--roles`: only cases of these roles run.
    pub only_roles: Option<&'a [String]>,
    /// The bundle folder for evidence files (None: keep no files).
    pub bundle: Option<&'a std::path::Path>,
}

/// Why a case cannot run with these capabilities, if it cannot.
pub fn skip_reason(case: &Case, caps: &Capabilities) -> Option<String> {
    if !caps.roles.contains(&case.role) {
        return Some(format!(
            "needs the role {} (declared: {})",
            case.role,
            caps.roles.join(", ")
        ));
    }
    if !caps.revisions.contains(&case.revision) {
        return Some(format!("needs revision {}", case.revision));
    }
    let declared = match case.direction {
        Direction::Import => &caps.import,
        Direction::Export => &caps.export,
    };
    let missing: Vec<&str> = case
        .kinds
        .iter()
        .filter(|k| !declared.contains(k))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        let verb = match case.direction {
            Direction::Import => "import",
            Direction::Export => "export",
        };
        return Some(format!("needs {verb} of {}", missing.join(", ")));
    }
    None
}

/// Runs one case to its result (expected failures not yet applied).
pub fn run(ctx: &Context<'_>, case: &Case, input: &Input) -> CaseResult {
    let started = Instant::now();
    let mut ev = Evidence::new(ctx.bundle, &case.id);
    let unselected = ctx
        .only_roles
        .filter(|only| !only.contains(&case.role))
        .map(|only| {
            format!(
                "the role {} is not selected (--roles {})",
                case.role,
                only.join(",")
            )
        });
    let judged = match unselected.or_else(|| skip_reason(case, ctx.caps)) {
        Some(reason) => Judged::new(Outcome::Skip, reason),
        None => match input {
            Input::Import { files, expect } => import(ctx, case, files, expect.as_deref(), &mut ev),
            Input::Export { given, expect } => export(ctx, given, expect, &mut ev),
            Input::Flow(kind) => crate::flow::run(*kind, ctx, &mut ev),
        },
    };
    CaseResult {
        id: case.id.clone(),
        title: case.title.clone(),
        pattern: case.pattern.clone(),
        group: case.group.as_str().into(),
        outcome: judged.outcome,
        rule: case.rule.clone(),
        basis: case.basis.clone(),
        message: judged.message,
        evidence: ev.items,
        duration_ms: started.elapsed().as_millis() as u64,
    }
}

/// The outcome of a call that did not answer as the contract says.
pub fn call_failed(f: Failed, what: &str, ev: &mut Evidence) -> Judged {
    ev.text(EvidenceKind::Stderr, "adapter stderr", &f.stderr);
    match f.error {
        CallError::Unsupported => Judged::new(
            Outcome::Unsupported,
            format!("{what}: the adapter answered exit 89 (not supported)"),
        ),
        e => Judged::new(Outcome::Error, format!("{what}: {e}")),
    }
}

fn import(
    ctx: &Context<'_>,
    case: &Case,
    files: &Files,
    expect: Option<&SendUnit>,
    ev: &mut Evidence,
) -> Judged {
    ev.files(EvidenceKind::Input, "input", files);
    let answer = match ctx.adapter.import(files) {
        Ok(x) => x,
        Err(f) => return call_failed(f, "import", ev),
    };
    keep_answer(&answer, ev);
    judge_import(case, files, expect, answer.imported, ev)
}

/// Decides an import case from what the adapter answered.
pub fn judge_import(
    case: &Case,
    files: &Files,
    expect: Option<&SendUnit>,
    imported: Imported,
    ev: &mut Evidence,
) -> Judged {
    match (expect, imported) {
        (Some(_), Imported::Rejected(reason)) => {
            Judged::new(Outcome::Fail, format!("refused a valid unit: {reason}"))
        }
        (Some(e), Imported::Unit(got)) => {
            let diffs = Compare::default().units(e, &got);
            if diffs.is_empty() {
                Judged::new(Outcome::Pass, "imported; every item equals the unit's")
            } else {
                ev.text(
                    EvidenceKind::Diff,
                    format!(
                        "{} differences (expected → what the software holds)",
                        diffs.len()
                    ),
                    &listing(&diffs, MAX_DIFFS),
                );
                Judged::new(
                    Outcome::Fail,
                    format!(
                        "imported, but {} item(s) differ; first: {}",
                        diffs.len(),
                        diffs[0]
                    ),
                )
            }
        }
        (None, Imported::Rejected(reason)) => {
            Judged::new(Outcome::Pass, format!("refused: {reason}"))
        }
        (None, Imported::Unit(_)) => {
            let all = diagnostics_of(files);
            let why = all
                .iter()
                .find(|(e, _)| *e)
                .map(|(_, s)| s.clone())
                .unwrap_or_else(|| case.rule.clone());
            let text: Vec<String> = all.into_iter().map(|(_, s)| s).collect();
            ev.text(
                EvidenceKind::Diagnostics,
                "why the standard forbids this unit",
                &text.join("\n"),
            );
            Judged::new(
                Outcome::Fail,
                format!("imported a file the standard forbids: {why}"),
            )
        }
    }
}

fn export(ctx: &Context<'_>, given: &SendUnit, expect: &SendUnit, ev: &mut Evidence) -> Judged {
    if let Err(e) = keep_given(given, ev) {
        return Judged::new(Outcome::Error, e);
    }
    let files = match ctx.adapter.export(given) {
        Ok(f) => f,
        Err(f) => return call_failed(f, "export", ev),
    };
    ev.files(EvidenceKind::AdapterOutput, "output", &files);
    judge_export(expect, &files, ev)
}

/// What an exporter wrote passes every rule of the standard, and carries no warning the
/// unit itself does not call for (liberal in what it reads, conservative in what it writes:
/// LF line endings, no final line ending or an empty last line are files some readers refuse).
pub fn conforms(expect: &SendUnit, files: &Files, ev: &mut Evidence) -> Result<(), Judged> {
    let report = diagnostics(files);
    let lines: Vec<String> = report.iter().map(|(p, d)| describe(p, d)).collect();
    let errors: Vec<&String> = report
        .iter()
        .zip(&lines)
        .filter(|((_, d), _)| d.is_error())
        .map(|(_, l)| l)
        .collect();
    let warnings = report.len() - errors.len();
    if !report.is_empty() {
        ev.text(
            EvidenceKind::Diagnostics,
            format!("validator: {} errors, {warnings} warnings", errors.len()),
            &lines.join("\n"),
        );
    }
    if let Some(first) = errors.first() {
        return Err(Judged::new(
            Outcome::Fail,
            format!(
                "wrote files the standard forbids ({} errors); first: {first}",
                errors.len()
            ),
        ));
    }
    // Liberal in what it reads, conservative in what it writes: a warning the canonical
    // rendering of the same unit does not have (LF line endings, no final line ending, an
    // empty last line), or more of one than it has, is a file some readers refuse.
    let baseline = baseline_warnings(expect);
    let mut seen: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    let extra: Vec<&String> = report
        .iter()
        .zip(&lines)
        .filter(|((_, d), _)| {
            let n = seen.entry(d.code.as_str()).or_default();
            *n += 1;
            *n > baseline.get(d.code.as_str()).copied().unwrap_or(0)
        })
        .map(|(_, l)| l)
        .collect();
    if let Some(first) = extra.first() {
        return Err(Judged::new(
            Outcome::Fail,
            format!(
                "valid files, but not in the form every reader expects ({} warnings the unit itself does not call for); first: {first}",
                extra.len()
            ),
        ));
    }
    Ok(())
}

/// Decides an export case from the files the adapter wrote.
pub fn judge_export(expect: &SendUnit, files: &Files, ev: &mut Evidence) -> Judged {
    if files.is_empty() {
        return Judged::new(Outcome::Error, "exit 0, but no file was written to DIR");
    }
    if let Err(j) = conforms(expect, files, ev) {
        return j;
    }
    let got = match SendUnit::from_files(files) {
        Ok(u) => u,
        Err(e) => {
            return Judged::new(
                Outcome::Fail,
                format!("the files do not read as one send unit: {e}"),
            )
        }
    };
    if got.files.len() != files.len() {
        let held: Vec<String> = got.files.iter().map(|f| f.kind.clone()).collect();
        let extra: Vec<&str> = files
            .iter()
            .map(|(n, _)| n.as_str())
            .filter(|n| !held.iter().any(|k| n.starts_with(&format!("{k}_"))))
            .collect();
        return Judged::new(
            Outcome::Fail,
            format!("wrote files the unit does not hold: {}", extra.join(", ")),
        );
    }
    let diffs = Compare {
        ignore_sequence: true,
    }
    .units(expect, &got);
    if !diffs.is_empty() {
        ev.text(
            EvidenceKind::Diff,
            format!(
                "{} differences (given → read back from the files)",
                diffs.len()
            ),
            &listing(&diffs, MAX_DIFFS),
        );
        return Judged::new(
            Outcome::Fail,
            format!(
                "valid files, but {} item(s) differ from the unit; first: {}",
                diffs.len(),
                diffs[0]
            ),
        );
    }
    Judged::new(Outcome::Pass, "valid files that read back to the unit")
}

/// How many warnings of each code the unit has as renkei's writer renders it (what the data
/// itself calls for, e.g. a value in an item the standard marks 使用しない).
fn baseline_warnings(unit: &SendUnit) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    let Ok(written) = renkei_spec::writer::write_unit(unit) else {
        return counts;
    };
    let files: Files = written.into_iter().map(|f| (f.name, f.bytes)).collect();
    for d in diagnostics(&files)
        .into_iter()
        .filter(|(_, d)| !d.is_error())
    {
        *counts.entry(d.1.code.as_str().to_string()).or_default() += 1;
    }
    counts
}

/// The options every check of a whole unit uses: file rules and send-unit rules.
pub fn unit_options() -> Options {
    Options {
        units: UnitChecks::On,
        ..Options::default()
    }
}

/// Every diagnostic of a unit's files, with the name of its file (a unit that cannot be read
/// at all is one `structure` error on the first file).
pub fn diagnostics(files: &Files) -> Vec<(String, Diagnostic)> {
    let inputs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), &b[..])).collect();
    match validate_unit_bytes(&inputs, &unit_options()) {
        Ok(rep) => rep
            .files
            .into_iter()
            .flat_map(|f| {
                let path = f.path;
                f.diagnostics.into_iter().map(move |d| (path.clone(), d))
            })
            .collect(),
        Err(e) => vec![(
            files.first().map(|f| f.0.clone()).unwrap_or_default(),
            Diagnostic::new(renkei_spec::Code::StructureEmptyFile, e.to_string()),
        )],
    }
}

/// One diagnostic as a line: `file:line:col: error[code] 「item」 message`.
pub fn describe(path: &str, d: &Diagnostic) -> String {
    let item = d
        .item
        .as_deref()
        .map(|i| format!(" 「{i}」"))
        .unwrap_or_default();
    let sev = if d.is_error() { "error" } else { "warning" };
    format!(
        "{}: {sev}[{}]{item} {}",
        d.location(path),
        d.code.as_str(),
        d.message
    )
}

/// Every diagnostic of a unit's files as (is error, line).
pub fn diagnostics_of(files: &Files) -> Vec<(bool, String)> {
    diagnostics(files)
        .iter()
        .map(|(p, d)| (d.is_error(), describe(p, d)))
        .collect()
}

/// Keeps the unit given to the adapter for an export (its canonical JSON) as evidence.
pub fn keep_given(unit: &SendUnit, ev: &mut Evidence) -> Result<(), String> {
    let json = unit
        .to_json_string()
        .map_err(|e| format!("the case's unit: {e}"))?;
    ev.file(
        EvidenceKind::Input,
        "the unit given to the adapter (canonical JSON)",
        "input",
        "unit.json",
        json.as_bytes(),
    );
    Ok(())
}

/// Keeps the adapter's import answer and its standard error as evidence (redacted: text
/// the adapter wrote).
pub fn keep_answer(answer: &crate::adapter::ImportAnswer, ev: &mut Evidence) {
    ev.file(
        EvidenceKind::AdapterOutput,
        "what the software holds (its JSON)",
        "output",
        "import.json",
        crate::evidence::redact(&answer.text).as_bytes(),
    );
    ev.text(EvidenceKind::Stderr, "adapter stderr", &answer.stderr);
}
