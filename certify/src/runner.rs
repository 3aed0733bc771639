//! `renkei certify`: the adapter's capabilities, the selected cases run (in parallel with
//! `--jobs`), expected failures applied, and the [`Certification`] they make.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use renkei_reports::certification::{CaseResult, Certification, Suite};

use crate::adapter::Adapter;
use crate::evidence::redact;
use crate::expected::ExpectedFailures;
use crate::judge::{self, Context};
use crate::library::{self, Case, Input};

/// How to run a certification.
pub struct Options {
    /// The `--adapter` command line.
    pub adapter: String,
    /// Time one adapter call may take.
    pub timeout: Duration,
    /// Only these roles (of those the adapter declares).
    pub roles: Option<Vec<String>>,
    /// Only cases whose ID matches these globs (comma-separated).
    pub cases: Option<String>,
    /// The expected-failures file.
    pub expected_failures: Option<PathBuf>,
    /// The bundle folder (evidence files go below it); None keeps no files.
    pub out: Option<PathBuf>,
    /// Cases run at once.
    pub jobs: usize,
    /// The command line, for the record.
    pub command: String,
}

/// Why a certification could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum CertifyError {
    /// The options are wrong (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The adapter's capabilities could not be read: no case can run.
    #[error("the adapter's capabilities: {error} {stderr}")]
    Capabilities {
        /// What went wrong.
        error: String,
        /// The adapter's standard error.
        stderr: String,
    },
    /// The expected-failures file.
    #[error(transparent)]
    Expected(#[from] crate::expected::ExpectedError),
    /// The bundle folder.
    #[error("{0}")]
    Io(String),
}

/// The selected cases with the adapter, after the options are checked.
pub struct Plan {
    adapter: Adapter,
    caps: crate::adapter::Capabilities,
    raw_caps: serde_json::Value,
    cases: Vec<&'static (Case, Input)>,
    expected: ExpectedFailures,
}

impl Plan {
    /// How many cases will run.
    pub fn len(&self) -> usize {
        self.cases.len()
    }

    /// Whether no case was selected.
    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }
}

/// Checks the options and asks the adapter for its capabilities.
pub fn plan(opts: &Options) -> Result<Plan, CertifyError> {
    let adapter = Adapter::new(&opts.adapter, opts.timeout).map_err(CertifyError::Usage)?;
    let lib = library::library();
    let cases = library::select(lib, opts.cases.as_deref())
        .map_err(|e| CertifyError::Usage(format!("--cases: {e}")))?;
    if cases.is_empty() {
        return Err(CertifyError::Usage(format!(
            "--cases {:?} matches no case (see `renkei certify --list`)",
            opts.cases.as_deref().unwrap_or("")
        )));
    }
    if let Some(r) = opts
        .roles
        .iter()
        .flatten()
        .find(|r| !crate::adapter::ROLES.contains(&r.as_str()))
    {
        return Err(CertifyError::Usage(format!(
            "--roles: unknown role {r:?} (kyotaku, provider, yobo)"
        )));
    }
    let expected = match &opts.expected_failures {
        Some(p) => ExpectedFailures::load(p, lib.cases.iter().map(|(c, _)| c.id.as_str()))?,
        None => ExpectedFailures::default(),
    };
    if let Some(out) = &opts.out {
        // Before the adapter is asked anything: a run that stops here leaves no old bundle.
        prepare_bundle(out)?;
    }
    let (caps, raw_caps) = adapter
        .capabilities()
        .map_err(|f| CertifyError::Capabilities {
            error: f.error.to_string(),
            stderr: crate::evidence::redact(&f.stderr),
        })?;
    Ok(Plan {
        adapter,
        caps,
        raw_caps,
        cases,
        expected,
    })
}

/// Runs the plan; `on_case` sees each result as it ends (progress, failing lines).
pub fn run(
    plan: &Plan,
    opts: &Options,
    on_case: &(dyn Fn(&CaseResult) + Sync),
) -> Result<Certification, CertifyError> {
    let started = now();
    let ctx = Context {
        adapter: &plan.adapter,
        caps: &plan.caps,
        only_roles: opts.roles.as_deref(),
        bundle: opts.out.as_deref(),
    };
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<CaseResult>>> = Mutex::new(vec![None; plan.cases.len()]);
    std::thread::scope(|s| {
        for _ in 0..opts.jobs.max(1) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some((case, input)) = plan.cases.get(i).map(|c| (&c.0, &c.1)) else {
                    break;
                };
                let mut r = judge::run(&ctx, case, input);
                let (outcome, message) = plan.expected.apply(&case.id, r.outcome, &r.message);
                r.outcome = outcome;
                r.message = redact(&message);
                on_case(&r);
                if let Ok(mut v) = results.lock() {
                    v[i] = Some(r);
                }
            });
        }
    });
    let cases: Vec<CaseResult> = results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect();
    let std = renkei_spec::Standard::get();
    Ok(Certification {
        suite: Suite {
            renkei: env!("CARGO_PKG_VERSION").into(),
            revision: std.default_revision().revision.clone(),
            revisions: std.revisions.iter().map(|r| r.revision.clone()).collect(),
            cases: cases.len(),
            command: redact(&opts.command),
            started,
            finished: now(),
            expected_failures: opts
                .expected_failures
                .as_ref()
                .map(|_| "expected-failures.toml".to_string()),
        },
        adapter: plan.raw_caps.clone(),
        summary: Certification::summarize(&cases),
        cases,
        error: None,
    })
}

/// The bundle of a run that could not start because the adapter's `capabilities` broke the
/// contract: `results.json` with the error and no case, and a `junit.xml` whose one test case
/// (`contract.capabilities`) is that error, so CI shows red rather than an old green report.
pub fn write_refused_bundle(
    opts: &Options,
    error: &str,
    out: &std::path::Path,
) -> Result<Vec<PathBuf>, CertifyError> {
    let std = renkei_spec::Standard::get();
    let c = Certification {
        suite: Suite {
            renkei: env!("CARGO_PKG_VERSION").into(),
            revision: std.default_revision().revision.clone(),
            revisions: std.revisions.iter().map(|r| r.revision.clone()).collect(),
            cases: 0,
            command: redact(&opts.command),
            started: now(),
            finished: now(),
            expected_failures: None,
        },
        adapter: serde_json::Value::Null,
        summary: Certification::summarize(&[]),
        cases: Vec::new(),
        error: Some(redact(error)),
    };
    let io = |e: std::io::Error| CertifyError::Io(format!("{}: {e}", out.display()));
    std::fs::create_dir_all(out).map_err(io)?;
    let json = serde_json::to_string_pretty(&c).map_err(|e| CertifyError::Io(e.to_string()))?;
    let mut written = Vec::new();
    for (name, text) in [
        ("results.json", json + "\n"),
        (
            "junit.xml",
            renkei_reports::certification::junit::render(&c),
        ),
        (
            "index.html",
            renkei_reports::certification::html::render(&c),
        ),
    ] {
        let p = out.join(name);
        std::fs::write(&p, text).map_err(io)?;
        written.push(p);
    }
    Ok(written)
}

/// Writes `results.json`, `junit.xml`, `index.html` and the expected-failures file into the
/// bundle (the evidence files are already there).
pub fn write_bundle(
    c: &Certification,
    plan: &Plan,
    out: &std::path::Path,
) -> Result<Vec<PathBuf>, CertifyError> {
    let io = |e: std::io::Error| CertifyError::Io(format!("{}: {e}", out.display()));
    std::fs::create_dir_all(out).map_err(io)?;
    let json = serde_json::to_string_pretty(c).map_err(|e| CertifyError::Io(e.to_string()))?;
    let mut files = vec![
        ("results.json", json + "\n"),
        ("junit.xml", renkei_reports::certification::junit::render(c)),
        ("index.html", renkei_reports::certification::html::render(c)),
    ];
    if c.suite.expected_failures.is_some() {
        files.push(("expected-failures.toml", plan.expected.text.clone()));
    }
    let mut written = Vec::new();
    for (name, text) in files {
        let p = out.join(name);
        std::fs::write(&p, text).map_err(io)?;
        written.push(p);
    }
    Ok(written)
}

/// Removes the evidence of an earlier run from the bundle folder (only what renkei writes).
///
/// A folder that holds anything but a bundle (no `results.json`) is refused, so `--out .`
/// can never delete a user's `cases/`.
fn prepare_bundle(out: &std::path::Path) -> Result<(), CertifyError> {
    let io = |e: std::io::Error| CertifyError::Io(format!("{}: {e}", out.display()));
    let foreign = std::fs::read_dir(out)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false)
        && !out.join("results.json").is_file();
    if foreign {
        return Err(CertifyError::Usage(format!(
            "--out {}: the folder holds files but no renkei bundle (results.json); give an empty or new folder",
            out.display()
        )));
    }
    std::fs::create_dir_all(out).map_err(io)?;
    let cases = out.join("cases");
    if cases.exists() {
        std::fs::remove_dir_all(&cases).map_err(io)?;
    }
    for f in [
        "results.json",
        "junit.xml",
        "index.html",
        "expected-failures.toml",
    ] {
        let _ = std::fs::remove_file(out.join(f));
    }
    Ok(())
}

/// Wall-clock time for the record (RFC 3339, UTC). The cases themselves never read it:
/// flows pin their own clock.
fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
