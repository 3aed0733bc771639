//! Runs the features and turns what happened into a [`Run`]: a cucumber writer collects every
//! feature, scenario and step with its status, the `after` hook hands over each scenario's
//! evidence, and coverage is computed from both. Then the reports are written.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use cucumber::gherkin::tagexpr::TagOperation;
use cucumber::tag::Ext as _;
use cucumber::writer::Ext as _;
use cucumber::{cli, event, parser, Event, World as _};
use renkei_reports::{Evidence, EvidenceKind, Feature, Run, Scenario, Status, Step};
use renkei_simulator::hub::{HubError, TLS_OUTCOMES, WARNING_CODES};

use crate::world::RenkeiWorld;

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// A feature file or a folder of them.
    pub features: PathBuf,
    /// A tag expression (`@flow and not @slow`); every scenario when absent.
    pub tags: Option<String>,
    /// Where to write junit.xml, cucumber.json and index.html; nothing written when absent.
    pub out: Option<PathBuf>,
    /// Scenarios run at once (each has its own hub).
    pub concurrency: usize,
    /// Print one line per scenario as it finishes, in the order of the features and their
    /// scenarios whatever the concurrency.
    pub progress: bool,
    /// The command line that started the run, for the reports' provenance.
    pub command_line: String,
}

/// The git commit this crate was built from (`build.rs`: `RENKEI_GIT_COMMIT` at build time,
/// else `git rev-parse`, else `unknown`).
pub const GIT_COMMIT: &str = env!("RENKEI_GIT_COMMIT");

/// Why a run could not start or its reports could not be written.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The `--tags` expression does not parse: where, and what was expected there.
    #[error("--tags \"{expr}\": column {column}: expected {expected}\n  {expr}\n  {caret}^")]
    Tags {
        /// The expression as given.
        expr: String,
        /// The 1-based column (in characters) where it stops making sense.
        column: usize,
        /// What the expression may have there (`one of "(", "@", "not"`).
        expected: String,
        /// Spaces up to the column, for the caret line.
        caret: String,
    },
    /// A report could not be written (the folder, the I/O error).
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
}

type Key = (String, u32);
type EvidenceMap = Arc<Mutex<HashMap<Key, Vec<(u32, Evidence)>>>>;

fn rel(path: Option<&PathBuf>, root: &Path) -> String {
    path.map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string())
        .unwrap_or_default()
}

/// A step as listed before (or without) running: not run yet.
fn not_run(step: &GherkinStep, background: bool) -> Step {
    Step {
        keyword: step.keyword.clone(),
        text: step.value.clone(),
        line: step.position.line as u32,
        status: Status::Skipped,
        background,
        duration_ms: 0,
        error: None,
        table: step
            .table
            .as_ref()
            .map(|t| t.rows.clone())
            .unwrap_or_default(),
        docstring: step.docstring.clone(),
        evidence: Vec::new(),
    }
}

/// The writer that collects the run.
struct Collector {
    root: PathBuf,
    features: Vec<Feature>,
    index: HashMap<String, usize>,
    started: HashMap<(String, u32, u32), Instant>,
    progress: bool,
}

type GherkinFeature = cucumber::gherkin::Feature;
type GherkinScenario = cucumber::gherkin::Scenario;
type GherkinStep = cucumber::gherkin::Step;

impl Collector {
    /// The feature's index in `features`, adding it the first time it is seen.
    fn feature(&mut self, f: &GherkinFeature) -> usize {
        let path = rel(f.path.as_ref(), &self.root);
        *self.index.entry(path.clone()).or_insert_with(|| {
            self.features.push(Feature {
                name: f.name.clone(),
                keyword: f.keyword.clone(),
                description: f.description.clone().unwrap_or_default(),
                path,
                tags: f.tags.clone(),
                line: f.position.line as u32,
                scenarios: Vec::new(),
                parse_error: None,
            });
            self.features.len() - 1
        })
    }

    /// The scenario as collected so far, adding it (and its feature) the first time.
    fn scenario(&mut self, f: &GherkinFeature, sc: &GherkinScenario) -> &mut Scenario {
        let i = self.feature(f);
        let feature = &mut self.features[i];
        let line = sc.position.line as u32;
        let pos = feature
            .scenarios
            .iter()
            .position(|s| s.line == line && s.name == sc.name);
        match pos {
            Some(p) => &mut feature.scenarios[p],
            None => {
                feature.scenarios.push(Scenario {
                    id: sc
                        .tags
                        .iter()
                        .find_map(|t| t.strip_prefix("id:").map(str::to_string)),
                    name: sc.name.clone(),
                    keyword: sc.keyword.clone(),
                    tags: sc.tags.clone(),
                    line,
                    steps: Vec::new(),
                });
                feature.scenarios.last_mut().expect("just pushed")
            }
        }
    }

    /// A feature file cucumber could not parse is listed as a feature with its error
    /// (`path:line:column: …`).
    fn on_parse_error(&mut self, e: &parser::Error) {
        let (path, msg) = describe_parse_error(e, &self.root);
        self.features.push(Feature {
            name: "（読めない機能ファイル）".into(),
            keyword: String::new(),
            description: String::new(),
            path,
            tags: Vec::new(),
            line: 0,
            scenarios: Vec::new(),
            parse_error: Some(msg),
        });
    }

    /// One event of a scenario, to the handler for its kind.
    fn scenario_event(
        &mut self,
        f: &GherkinFeature,
        sc: &GherkinScenario,
        ev: &event::Scenario<RenkeiWorld>,
    ) {
        match ev {
            event::Scenario::Background(st, sev) => self.on_step(f, sc, st, sev, true),
            event::Scenario::Step(st, sev) => self.on_step(f, sc, st, sev, false),
            event::Scenario::Hook(kind, event::Hook::Failed(_, info)) => {
                self.on_hook_failed(f, sc, kind, info.as_ref())
            }
            event::Scenario::Finished => self.on_finished(f, sc),
            // Listed from its first event on (started, hooks passing, logs).
            _ => {
                self.scenario(f, sc);
            }
        }
    }

    /// A failed `before` or `after` hook becomes a failed step of its own, with the panic's
    /// text as its error.
    fn on_hook_failed(
        &mut self,
        f: &GherkinFeature,
        sc: &GherkinScenario,
        kind: &event::HookType,
        info: &(dyn std::any::Any + Send),
    ) {
        let msg = info
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| info.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        let line = sc.position.line as u32;
        self.scenario(f, sc).steps.push(Step {
            keyword: format!("{kind:?} hook"),
            text: String::new(),
            line,
            status: Status::Failed,
            background: false,
            duration_ms: 0,
            error: Some(msg),
            table: Vec::new(),
            docstring: None,
            evidence: Vec::new(),
        });
    }

    /// A step started (its timer starts) or ended (its time and outcome are kept).
    fn on_step(
        &mut self,
        f: &GherkinFeature,
        sc: &GherkinScenario,
        step: &GherkinStep,
        ev: &event::Step<RenkeiWorld>,
        background: bool,
    ) {
        let timer = (
            rel(f.path.as_ref(), &self.root),
            sc.position.line as u32,
            step.position.line as u32,
        );
        let elapsed_ms = match ev {
            event::Step::Started => {
                self.started.insert(timer, Instant::now());
                None
            }
            _ => Some(
                self.started
                    .remove(&timer)
                    .map_or(0, |t| t.elapsed().as_millis() as u64),
            ),
        };
        let s = self.scenario(f, sc);
        let l = step.position.line as u32;
        let i = match s.steps.iter().position(|x| x.line == l) {
            Some(i) => i,
            None => {
                s.steps.push(not_run(step, background));
                s.steps.len() - 1
            }
        };
        if let Some(ms) = elapsed_ms {
            s.steps[i].duration_ms = ms;
            outcome(&mut s.steps[i], ev);
        }
    }

    /// The scenario ended: steps that never ran (after a failure) are listed as not run, the
    /// steps are put in file order, and the progress line is printed.
    fn on_finished(&mut self, f: &GherkinFeature, sc: &GherkinScenario) {
        let progress = self.progress;
        let path = rel(f.path.as_ref(), &self.root);
        let s = self.scenario(f, sc);
        let mut all: Vec<(&GherkinStep, bool)> = Vec::new();
        if let Some(bg) = &f.background {
            all.extend(bg.steps.iter().map(|s| (s, true)));
        }
        all.extend(sc.steps.iter().map(|s| (s, false)));
        for (st, bg) in all {
            let l = st.position.line as u32;
            if !s.steps.iter().any(|x| x.line == l) {
                s.steps.push(not_run(st, bg));
            }
        }
        s.steps.sort_by_key(|x| (!x.background, x.line));
        if progress {
            let mark = s.status().mark();
            // Best effort: a closed pipe (`| head`) ends the output, not the run.
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{mark} {:<36} {}  ({path})", s.id_or_name(), s.name);
            let _ = out.flush();
        }
    }
}

/// How a step ended, onto the collected step.
fn outcome(x: &mut Step, ev: &event::Step<RenkeiWorld>) {
    match ev {
        event::Step::Passed(..) => x.status = Status::Passed,
        event::Step::Skipped => {
            x.status = Status::Undefined;
            x.error = Some("この文に合う手順の定義がありません（未定義の手順）".into());
        }
        event::Step::Failed(_, _, _, err) => {
            x.status = Status::Failed;
            // A step's Err(String) reaches us as a "panic"; keep only its text.
            let text = err.to_string();
            let text = text
                .strip_prefix("Step panicked. Captured output: ")
                .map(str::to_string)
                .unwrap_or(text);
            x.error = Some(text);
        }
        event::Step::Started => {}
    }
}

impl cucumber::Writer<RenkeiWorld> for Collector {
    type Cli = cli::Empty;

    async fn handle_event(
        &mut self,
        ev: parser::Result<Event<event::Cucumber<RenkeiWorld>>>,
        _cli: &Self::Cli,
    ) {
        let ev = match ev {
            Ok(ev) => ev,
            Err(e) => return self.on_parse_error(&e),
        };
        if let event::Cucumber::Feature(f, fev) = &ev.value {
            match fev {
                event::Feature::Started => {
                    self.feature(f);
                }
                event::Feature::Scenario(sc, r) => self.scenario_event(f, sc, &r.event),
                event::Feature::Rule(_, event::Rule::Scenario(sc, r)) => {
                    self.scenario_event(f, sc, &r.event)
                }
                _ => {}
            }
        }
    }
}

/// A `--tags` expression, or where and why it does not parse.
pub fn parse_tags(expr: &str) -> Result<TagOperation, RunError> {
    expr.parse::<TagOperation>().map_err(|e| {
        let column = e.location.column;
        RunError::Tags {
            expr: expr.to_string(),
            column,
            expected: e.expected.to_string(),
            caret: " ".repeat(column.saturating_sub(1)),
        }
    })
}

/// A feature file that does not parse, as `path:line:column: what is wrong` (the path
/// relative to the features folder).
fn describe_parse_error(e: &parser::Error, root: &Path) -> (String, String) {
    use cucumber::gherkin::ParseFileError;
    let relative = |p: &Path| p.strip_prefix(root).unwrap_or(p).display().to_string();
    match e {
        parser::Error::Parsing(err) => match &**err {
            ParseFileError::Parsing {
                path,
                error,
                source,
            } => {
                // gherkin keeps the position private; its message is "Error at L:C: …".
                let text = source.to_string();
                let mut at = text
                    .strip_prefix("Error at ")
                    .and_then(|t| t.split(": ").next())
                    .unwrap_or("1:1")
                    .to_string();
                // An unknown keyword: the parser stops after its line; point at the word.
                if let Some(cucumber::gherkin::EnvError::UnknownKeyword(kw)) = error {
                    if let Some(found) = find_in_file(path, kw.trim()) {
                        at = found;
                    }
                }
                let why = match error {
                    Some(env) => env.to_string(),
                    None => "Gherkin の文法に合いません（キーワードか字下げを確かめてください）"
                        .to_string(),
                };
                let path = relative(path);
                let msg = format!("{path}:{at}: 機能ファイルを読めません: {why}");
                (path, msg)
            }
            ParseFileError::Reading { path, source } => {
                let path = relative(path);
                let msg = format!("{path}: 機能ファイルを読めません: {source}");
                (path, msg)
            }
        },
        other => (String::new(), other.to_string()),
    }
}

/// `line:column` (1-based, the column in characters) of the first line of `path` that holds
/// `needle`.
fn find_in_file(path: &Path, needle: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().enumerate().find_map(|(i, l)| {
        l.find(needle)
            .map(|b| format!("{}:{}", i + 1, l[..b].chars().count() + 1))
    })
}

/// Runs the features; returns the run (and writes the reports when `out` is set).
pub async fn run(opts: &RunOptions) -> Result<Run, RunError> {
    let started = Instant::now();
    let started_at = renkei_simulator::clock::rfc3339(time::OffsetDateTime::now_utc());
    let filter = opts.tags.as_deref().map(parse_tags).transpose()?;
    let root = if opts.features.is_dir() {
        opts.features.clone()
    } else {
        opts.features
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    };
    // Cucumber reports absolute paths: the root must be absolute too, so that every path in
    // the reports is relative to the features folder.
    let root = std::fs::canonicalize(&root).unwrap_or(root);
    let evidence: EvidenceMap = Arc::new(Mutex::new(HashMap::new()));
    let sink = evidence.clone();
    let root_for_hook = root.clone();
    let collector = Collector {
        root: root.clone(),
        features: Vec::new(),
        index: HashMap::new(),
        started: HashMap::new(),
        progress: opts.progress,
    };
    let collector = RenkeiWorld::cucumber()
        .max_concurrent_scenarios(opts.concurrency.max(1))
        .with_writer(collector.normalized())
        .with_default_cli()
        .after(move |feature, _rule, scenario, _ev, world| {
            let sink = sink.clone();
            let key = (
                rel(feature.path.as_ref(), &root_for_hook),
                scenario.position.line as u32,
            );
            Box::pin(async move {
                if let Some(w) = world {
                    let ev = std::mem::take(&mut w.evidence);
                    sink.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(key, ev);
                    // Stop the hub now rather than when the world is dropped.
                    if let Some(h) = w.hub.take() {
                        h.server.shutdown().await;
                    }
                }
            })
        })
        .filter_run(opts.features.clone(), move |feature, rule, scenario| {
            filter.as_ref().is_none_or(|op| {
                op.eval(
                    feature
                        .tags
                        .iter()
                        .chain(rule.iter().flat_map(|r| &r.tags))
                        .chain(&scenario.tags),
                )
            })
        })
        .await;
    let mut features = collector.inner_writer().features.clone();
    // Evidence onto its steps.
    let mut ev = evidence.lock().unwrap_or_else(|e| e.into_inner());
    for f in &mut features {
        for s in &mut f.scenarios {
            if let Some(list) = ev.remove(&(f.path.clone(), s.line)) {
                for (line, e) in list {
                    if let Some(step) = s.steps.iter_mut().find(|x| x.line == line) {
                        step.evidence.push(e);
                    }
                }
            }
        }
    }
    drop(ev);
    features.retain(|f| f.parse_error.is_some() || !f.scenarios.is_empty());
    // The order of the files (they are numbered), and of the scenarios within each.
    features.sort_by(|a, b| a.path.cmp(&b.path));
    for f in &mut features {
        f.scenarios.sort_by_key(|s| s.line);
    }
    let mut run = Run {
        title: "renkei — ケアプランデータ連携 シナリオ実行結果".into(),
        started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        features,
        coverage: Default::default(),
        provenance: Default::default(),
    };
    coverage(&mut run);
    run.provenance = provenance(&run, opts);
    if let Some(out) = &opts.out {
        renkei_reports::write_all(&run, out)
            .map_err(|e| RunError::Io(out.display().to_string(), e))?;
    }
    Ok(run)
}

/// The failures of a run, one block per failed or undefined step (what `renkei run` and the
/// test harness print after the per-scenario lines).
pub fn failure_summary(run: &Run) -> String {
    let mut out = String::new();
    for f in &run.features {
        if let Some(e) = &f.parse_error {
            out.push_str(&format!("  {} {e}\n", Status::Failed.mark()));
        }
        for s in f.scenarios.iter().filter(|s| s.status() != Status::Passed) {
            for st in s.steps.iter().filter(|st| st.error.is_some()) {
                out.push_str(&format!(
                    "  {} {} ({}:{}) {} {}\n      {}\n",
                    Status::Failed.mark(),
                    s.id_or_name(),
                    f.path,
                    st.line,
                    st.keyword.trim(),
                    st.text,
                    st.error.as_deref().unwrap_or("")
                ));
            }
        }
    }
    out
}

/// What produced the run: this build, the standard in force, the command line and tags, and
/// the clocks the scenarios pinned.
fn provenance(run: &Run, opts: &RunOptions) -> renkei_reports::Provenance {
    let mut pinned: Vec<String> = run
        .scenarios()
        .flat_map(|s| &s.steps)
        .flat_map(|s| &s.evidence)
        .filter(|e| e.kind == EvidenceKind::Clock && e.data["pinned"] == true)
        .filter_map(|e| e.data["now"].as_str().map(str::to_string))
        .collect();
    pinned.sort();
    pinned.dedup();
    renkei_reports::Provenance {
        renkei_version: env!("CARGO_PKG_VERSION").to_string(),
        git_commit: GIT_COMMIT.to_string(),
        standard_revision: renkei_spec::standard::Standard::get()
            .default_revision()
            .revision
            .clone(),
        command_line: opts.command_line.clone(),
        tags: opts.tags.clone(),
        pinned_clock: pinned,
    }
}

fn coverage(run: &mut Run) {
    run.compute_flow_coverage();
    let mut diagnostics = std::collections::BTreeMap::new();
    let mut rules = std::collections::BTreeMap::new();
    for e in run
        .scenarios()
        .flat_map(|s| &s.steps)
        .flat_map(|s| &s.evidence)
    {
        match e.kind {
            EvidenceKind::Diagnostic => {
                if let Some(c) = e.data["code"].as_str() {
                    *diagnostics.entry(c.to_string()).or_insert(0) += 1;
                }
            }
            EvidenceKind::Hub => {
                if let Some(c) = e.data["outcome"].as_str().filter(|c| *c != "OK") {
                    *rules.entry(c.to_string()).or_insert(0) += 1;
                }
            }
            _ => {}
        }
    }
    run.coverage.diagnostics = diagnostics;
    run.coverage.hub_rules = rules;
    run.coverage.all_diagnostics = renkei_spec::Code::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    let all: Vec<String> = HubError::CODES
        .iter()
        .chain(TLS_OUTCOMES)
        .chain(WARNING_CODES)
        .map(|c| c.to_string())
        .collect();
    run.coverage.all_hub_rules = all;
    rule_inventory(&mut run.coverage);
}

/// The standard's rule inventory (`spec/revisions/<rev>/rules.toml`, read by
/// `renkei_spec::rules`) into the coverage, an assumption key said in its words.
fn rule_inventory(c: &mut renkei_reports::Coverage) {
    use renkei_reports::{RuleRow, RuleStatus};
    use renkei_spec::rules::{RuleSeverity, Status as S};
    let rev = renkei_spec::Standard::get().default_revision();
    let Some(inv) = renkei_spec::rules::inventory(&rev.revision) else {
        return;
    };
    c.rules_revision = rev.revision.clone();
    c.rules = inv
        .rules
        .iter()
        .map(|r| RuleRow {
            id: r.id.clone(),
            place: r.place.clone(),
            quote: r.quote.clone(),
            status: match r.status {
                S::Checked => RuleStatus::Checked,
                S::Assumed => RuleStatus::Assumed,
                S::Open => RuleStatus::Open,
                S::NotCheckable => RuleStatus::NotCheckable,
            },
            severity: match r.severity {
                RuleSeverity::Error => "error",
                RuleSeverity::Warning => "warning",
            }
            .to_string(),
            codes: r.codes.clone(),
            assumption: r
                .assumption
                .as_ref()
                .map(|a| rev.assumptions.get(a).cloned().unwrap_or_else(|| a.clone())),
            note: r.note.clone(),
        })
        .collect();
}
