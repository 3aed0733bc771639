//! A run as data: what the scenario runner saw, in the order of the feature files.
//!
//! The model also owns the one aggregation rule, so that every reader agrees on it: a
//! scenario's status is the worst of its steps' ([`Status::worst`], [`Scenario::status`]), a
//! flow step is red when any scenario failed at it or at a check that follows it, green when
//! it passed somewhere and failed nowhere, grey when nothing ran it ([`Run::compute_flow_coverage`]), and a
//! run passes when at least one scenario ran, all passed and every feature parsed
//! ([`Run::passed`]). The renderers and the CLI read these; none of them judges on its own.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A distinct outcome. PASS / FAIL / SKIP(reason) never merge into one another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every step passed (成功).
    Passed,
    /// A step failed: the hub, the validator or an expectation said no (失敗).
    Failed,
    /// Not run, because an earlier step failed.
    Skipped,
    /// No step definition matches the step's text.
    Undefined,
}

impl Status {
    /// The lowercase name used in the JSON, the HTML classes and Cucumber JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
            Status::Undefined => "undefined",
        }
    }

    /// The word the Japanese reports show (成功, 失敗, 未実行, 未定義).
    pub fn japanese(self) -> &'static str {
        match self {
            Status::Passed => "成功",
            Status::Failed => "失敗",
            Status::Skipped => "未実行",
            Status::Undefined => "未定義",
        }
    }

    /// How bad it is, for combining: failed > undefined > skipped > passed.
    pub fn rank(self) -> u8 {
        match self {
            Status::Passed => 0,
            Status::Skipped => 1,
            Status::Undefined => 2,
            Status::Failed => 3,
        }
    }

    /// The one-character mark of the terminal output: ✔ passed, ✘ failed, － not run
    /// (skipped), ？ undefined.
    pub fn mark(self) -> &'static str {
        match self {
            Status::Passed => "✔",
            Status::Failed => "✘",
            Status::Skipped => "－",
            Status::Undefined => "？",
        }
    }

    /// The mark of something no step of the run reached (a flow step no step names: 対象外).
    pub const NONE_MARK: &'static str = "·";

    /// [`Status::mark`], or [`Status::NONE_MARK`] when there is no status.
    pub fn mark_of(status: Option<Status>) -> &'static str {
        status.map_or(Self::NONE_MARK, Status::mark)
    }

    /// The worse of two outcomes.
    pub fn worst(self, other: Status) -> Status {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }
}

/// What a piece of evidence is about. Serialized in kebab-case (`file`, `hub`, `hub-log`,
/// `diagnostic`, `clock`, `note`), the words the reports show in brackets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceKind {
    /// A file written, uploaded or downloaded: its name, size and SHA-256.
    File,
    /// One exchange with the hub (連携基盤) as the client saw it: method, path, HTTP status,
    /// outcome code; or what the hub answered (送信ID, a list, a warning).
    Hub,
    /// One line of the hub's own request log (a refused handshake says why only there).
    HubLog,
    /// A diagnostic of the validator (renkei-spec) on a refused import: file, line, code.
    Diagnostic,
    /// The injected clock was set or moved.
    Clock,
    /// Anything else worth keeping (the users planned, what an import applied, …).
    Note,
}

impl EvidenceKind {
    /// The word used in the JSON and in the reports (`hub-log`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::File => "file",
            EvidenceKind::Hub => "hub",
            EvidenceKind::HubLog => "hub-log",
            EvidenceKind::Diagnostic => "diagnostic",
            EvidenceKind::Clock => "clock",
            EvidenceKind::Note => "note",
        }
    }
}

impl std::fmt::Display for EvidenceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing a step did or saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// What it is about.
    pub kind: EvidenceKind,
    /// One line, in Japanese where it speaks of the domain.
    pub text: String,
    /// Structured detail (file name, size, sha256; method, path, status, code; …). A file
    /// the step wrote may carry its first records under `preview` ([`FilePreview`]).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub data: serde_json::Value,
}

impl Evidence {
    /// The preview of the file this evidence is about, when the step recorded one.
    pub fn preview(&self) -> Option<FilePreview> {
        self.data
            .get("preview")
            .and_then(|p| serde_json::from_value(p.clone()).ok())
    }
}

/// The first records of an interface file as a care manager reads them (先頭レコード): the
/// items' Japanese names from the standard as the columns, the decoded values below.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilePreview {
    /// The file kind (`UPPLAN`).
    pub kind: String,
    /// The file's Japanese name in the standard (サービス提供票（予定）).
    pub title: String,
    /// The items' Japanese names (項目名), in layout order.
    pub columns: Vec<String>,
    /// The first [`FilePreview::RECORDS`] records, each value as decoded text.
    pub rows: Vec<Vec<String>>,
    /// How many records the whole file holds.
    pub records: usize,
}

impl FilePreview {
    /// How many records a preview shows.
    pub const RECORDS: usize = 3;
}

/// One Gherkin step as it ran: its text, outcome, time and evidence.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Step {
    /// The Gherkin keyword as written (前提, もし, ならば, かつ, …).
    pub keyword: String,
    /// The step's text after the keyword, as written in the feature.
    pub text: String,
    /// The step's line in the feature file; evidence is keyed by it.
    pub line: u32,
    /// How the step ended (a step after a failure is skipped).
    pub status: Status,
    /// Whether the step belongs to the feature's background.
    pub background: bool,
    /// Wall-clock time of the step, in milliseconds.
    pub duration_ms: u64,
    /// Why the step failed or is undefined, as the step or the runner said it.
    pub error: Option<String>,
    /// The step's data table (the Gherkin `| … |` rows under it), empty when it has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub table: Vec<Vec<String>>,
    /// The step's doc string (the text between `"""` lines under it), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docstring: Option<String>,
    /// What the step did or saw, in order.
    pub evidence: Vec<Evidence>,
}

/// One scenario (シナリオ) with its steps, background steps first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scenario {
    /// The stable ID from the `@id:` tag.
    pub id: Option<String>,
    /// The scenario's title, in Japanese.
    pub name: String,
    /// The Gherkin keyword as written (シナリオ, …).
    pub keyword: String,
    /// Its tags without the `@` (`id:…`, `flow`, `yotei`, …).
    pub tags: Vec<String>,
    /// The scenario's line in the feature file.
    pub line: u32,
    /// Every step, in file order; steps that never ran are listed as skipped.
    pub steps: Vec<Step>,
}

impl Scenario {
    /// The worst status of its steps; skipped when it has none (the one aggregation rule).
    pub fn status(&self) -> Status {
        if self.steps.is_empty() {
            return Status::Skipped;
        }
        self.steps
            .iter()
            .fold(Status::Passed, |acc, s| acc.worst(s.status))
    }

    /// The ID, or a stand-in that says it is missing.
    pub fn id_or_name(&self) -> String {
        self.id
            .clone()
            .unwrap_or_else(|| format!("(no id) {}", self.name))
    }

    /// The sum of its steps' times, in milliseconds.
    pub fn duration_ms(&self) -> u64 {
        self.steps.iter().map(|s| s.duration_ms).sum()
    }
}

/// One feature file (機能) and its scenarios.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Feature {
    /// The feature's title, in Japanese.
    pub name: String,
    /// The Gherkin keyword as written (機能).
    pub keyword: String,
    /// The free text under the title: who does what, and why.
    pub description: String,
    /// The feature file, relative to the features folder.
    pub path: String,
    /// Its tags without the `@`.
    pub tags: Vec<String>,
    /// The line of the `機能:` keyword.
    pub line: u32,
    /// Its scenarios, in file order.
    pub scenarios: Vec<Scenario>,
    /// A feature file that could not be parsed.
    pub parse_error: Option<String>,
}

/// What the run exercised.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Coverage {
    /// ①…⑫ → its outcome over the run ([`Run::compute_flow_coverage`]).
    pub flow_steps: BTreeMap<String, Status>,
    /// ①…⑫ → the IDs of the scenarios that name it, in report order.
    #[serde(default)]
    pub flow_scenarios: BTreeMap<String, Vec<String>>,
    /// Diagnostic codes seen in evidence, with how many times.
    pub diagnostics: BTreeMap<String, usize>,
    /// Every diagnostic code the validator has (to show what was not exercised).
    pub all_diagnostics: Vec<String>,
    /// Hub outcome codes seen (error codes, TLS alerts), with how many times.
    pub hub_rules: BTreeMap<String, usize>,
    /// Every hub error code (to show what was not exercised).
    pub all_hub_rules: Vec<String>,
    /// The standard's revision the rule inventory is of (`4.1`); empty when there is none.
    #[serde(default)]
    pub rules_revision: String,
    /// The rule inventory of that revision (`spec/revisions/<rev>/rules.toml`): every
    /// normative statement and what renkei does with it, in the inventory's order.
    #[serde(default)]
    pub rules: Vec<RuleRow>,
}

/// What renkei does with one statement of the standard (規定の扱い).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleStatus {
    /// The validator checks it.
    Checked,
    /// Checked, resting on an assumption the standard does not settle.
    Assumed,
    /// Checkable from files, not checked yet.
    Open,
    /// Not decidable from the files.
    NotCheckable,
}

impl RuleStatus {
    /// Every status, in the order the reports list them.
    pub const ALL: [RuleStatus; 4] = [
        RuleStatus::Checked,
        RuleStatus::Assumed,
        RuleStatus::Open,
        RuleStatus::NotCheckable,
    ];

    /// The word used in the JSON and the HTML ids (`not_checkable`).
    pub fn as_str(self) -> &'static str {
        match self {
            RuleStatus::Checked => "checked",
            RuleStatus::Assumed => "assumed",
            RuleStatus::Open => "open",
            RuleStatus::NotCheckable => "not_checkable",
        }
    }

    /// What the Japanese report says.
    pub fn japanese(self) -> &'static str {
        match self {
            RuleStatus::Checked => "検査する",
            RuleStatus::Assumed => "前提を置いて検査する",
            RuleStatus::Open => "まだ検査しない",
            RuleStatus::NotCheckable => "ファイルからは検査できない",
        }
    }
}

/// One normative statement of the standard, as the coverage shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRow {
    /// Its stable ID (`R-ENC-GAIJI`).
    pub id: String,
    /// Where it stands (section, or file kind and item).
    pub place: String,
    /// The words it rests on.
    pub quote: String,
    /// What renkei does with it.
    pub status: RuleStatus,
    /// `error` (a must) or `warning`.
    pub severity: String,
    /// The diagnostic codes that report it.
    #[serde(default)]
    pub codes: Vec<String>,
    /// The assumption a check rests on, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assumption: Option<String>,
    /// Why it is not checkable or not checked yet, or how it is read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Coverage {
    /// How many rules of the inventory have each status, in [`RuleStatus::ALL`]'s order.
    pub fn rule_counts(&self) -> Vec<(RuleStatus, usize)> {
        RuleStatus::ALL
            .iter()
            .map(|s| (*s, self.rules.iter().filter(|r| r.status == *s).count()))
            .collect()
    }

    /// Whether this run showed one of the rule's codes (a diagnostic seen in evidence).
    pub fn rule_exercised(&self, rule: &RuleRow) -> bool {
        rule.codes.iter().any(|c| self.diagnostics.contains_key(c))
    }
}

/// A whole run: every feature that had a scenario (or failed to parse), and the coverage.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Run {
    /// The report's title.
    pub title: String,
    /// When the run started (RFC 3339).
    pub started_at: String,
    /// Wall-clock time of the run, in milliseconds.
    pub duration_ms: u64,
    /// The features, ordered by path (the files are numbered).
    pub features: Vec<Feature>,
    /// What the run exercised: flow steps, diagnostic codes, hub rules.
    pub coverage: Coverage,
    /// What ran, on what and when: the certification evidence's provenance.
    #[serde(default)]
    pub provenance: Provenance,
}

/// Where a run comes from (由来), shown in every report so a bundle of evidence says what
/// produced it. The run's start and duration are [`Run::started_at`] and [`Run::duration_ms`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The renkei version (`0.1.0`).
    pub renkei_version: String,
    /// The git commit renkei was built from, or `unknown` (built outside git).
    pub git_commit: String,
    /// The standard's revision in force (`4.1`).
    pub standard_revision: String,
    /// The command line, as typed (arguments joined by spaces); empty when not run from one.
    pub command_line: String,
    /// The `--tags` expression, when one was given.
    pub tags: Option<String>,
    /// The clock values the scenarios pinned (日時を「…」に固定する), distinct, sorted.
    pub pinned_clock: Vec<String>,
}

impl Run {
    /// The provenance as (key, Japanese label, value) rows, in the one order every report
    /// uses: version, commit, revision, command line, tags, pinned clock, start, duration.
    pub fn provenance_rows(&self) -> Vec<(&'static str, &'static str, String)> {
        let p = &self.provenance;
        vec![
            (
                "renkei.version",
                "renkei のバージョン",
                p.renkei_version.clone(),
            ),
            (
                "renkei.git_commit",
                "ビルド元のコミット",
                p.git_commit.clone(),
            ),
            (
                "standard.revision",
                "標準仕様の版",
                p.standard_revision.clone(),
            ),
            ("run.command_line", "コマンドライン", p.command_line.clone()),
            ("run.tags", "タグ式", p.tags.clone().unwrap_or_default()),
            (
                "run.pinned_clock",
                "固定した時計",
                p.pinned_clock.join(", "),
            ),
            ("run.started_at", "実行開始", self.started_at.clone()),
            (
                "run.duration",
                "所要時間",
                format!("{:.3} s", self.duration_ms as f64 / 1000.0),
            ),
        ]
    }
}

/// The twelve flow steps of ケアプランデータ連携, with their Japanese names.
pub const FLOW_STEPS: [(&str, &str); 12] = [
    ("①", "予定の出力（居宅）"),
    ("②", "アップロード"),
    ("③", "送信"),
    ("④", "受信"),
    ("⑤", "ダウンロード"),
    ("⑥", "予定の取込（事業所）"),
    ("⑦", "実績の出力（事業所）"),
    ("⑧", "アップロード"),
    ("⑨", "送信"),
    ("⑩", "受信"),
    ("⑪", "ダウンロード"),
    ("⑫", "実績の取込（居宅）"),
];

impl Run {
    /// Every scenario of every feature, in report order.
    pub fn scenarios(&self) -> impl Iterator<Item = &Scenario> {
        self.features.iter().flat_map(|f| f.scenarios.iter())
    }

    /// (passed, failed, skipped) scenarios; a scenario with an undefined step counts as
    /// failed (CI must count it red), not as skipped.
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut c = (0, 0, 0);
        for s in self.scenarios() {
            match s.status() {
                Status::Passed => c.0 += 1,
                Status::Failed | Status::Undefined => c.1 += 1,
                Status::Skipped => c.2 += 1,
            }
        }
        c
    }

    /// Whether at least one scenario ran, every scenario passed and every feature parsed.
    pub fn passed(&self) -> bool {
        let (passed, failed, skipped) = self.counts();
        passed > 0
            && failed == 0
            && skipped == 0
            && self.features.iter().all(|f| f.parse_error.is_none())
    }

    /// Fills `coverage.flow_steps` and `coverage.flow_scenarios`: each scenario's outcome at
    /// each flow step it names ([`flow_outcomes`]), combined over the scenarios so that a
    /// failure anywhere wins, then a pass anywhere; a step that only ever was skipped stays
    /// skipped (nothing ran it).
    pub fn compute_flow_coverage(&mut self) {
        let mut map: BTreeMap<String, Status> = BTreeMap::new();
        let mut who: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for s in self.features.iter().flat_map(|f| &f.scenarios) {
            for (n, st) in flow_outcomes(s) {
                let e = map.entry(n.to_string()).or_insert(Status::Skipped);
                *e = flow_worst(*e, st);
                let ids = who.entry(n.to_string()).or_default();
                let id = s.id_or_name();
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        self.coverage.flow_steps = map;
        self.coverage.flow_scenarios = who;
    }
}

/// The flow step a step's text names (it starts with ①…⑫), if any.
pub fn flow_step_of(text: &str) -> Option<&'static str> {
    FLOW_STEPS
        .iter()
        .find(|(n, _)| text.starts_with(n))
        .map(|(n, _)| *n)
}

/// Combines two outcomes of one flow step: failed > undefined > passed > skipped, so a step
/// that ran somewhere is never shown as not run, and a failure is never hidden by a pass.
pub fn flow_worst(a: Status, b: Status) -> Status {
    let rank = |s: Status| match s {
        Status::Skipped => 0,
        Status::Passed => 1,
        Status::Undefined => 2,
        Status::Failed => 3,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

/// The flow steps one scenario names, in order, each with its outcome in that scenario. A
/// failed (or undefined) step that names no flow step counts against the flow step before it
/// (the check of what that step did); a failure before the first flow step counts against
/// the first one (which it kept from running).
pub fn flow_outcomes(s: &Scenario) -> Vec<(&'static str, Status)> {
    let mut out: Vec<(&'static str, Status)> = Vec::new();
    let mut current: Option<usize> = None;
    let mut pending: Option<Status> = None;
    for step in &s.steps {
        let bad = matches!(step.status, Status::Failed | Status::Undefined);
        match flow_step_of(&step.text) {
            Some(n) => {
                let i = match out.iter().position(|(m, _)| *m == n) {
                    Some(i) => i,
                    None => {
                        out.push((n, Status::Skipped));
                        out.len() - 1
                    }
                };
                out[i].1 = flow_worst(out[i].1, step.status);
                if let Some(p) = pending.take() {
                    out[i].1 = flow_worst(out[i].1, p);
                }
                current = Some(i);
            }
            None if bad => match current {
                Some(i) => out[i].1 = flow_worst(out[i].1, step.status),
                None => pending = Some(pending.map_or(step.status, |p| flow_worst(p, step.status))),
            },
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_kinds_serialize_to_the_words_of_the_reports() {
        let all = [
            EvidenceKind::File,
            EvidenceKind::Hub,
            EvidenceKind::HubLog,
            EvidenceKind::Diagnostic,
            EvidenceKind::Clock,
            EvidenceKind::Note,
        ];
        for k in all {
            let json = serde_json::to_value(k).expect("serializes");
            assert_eq!(json, k.as_str(), "{k:?}");
            let back: EvidenceKind = serde_json::from_value(json).expect("reads back");
            assert_eq!(back, k);
        }
    }

    #[test]
    fn each_status_has_its_own_mark() {
        let marks: Vec<_> = [
            Status::Passed,
            Status::Failed,
            Status::Skipped,
            Status::Undefined,
        ]
        .into_iter()
        .map(Status::mark)
        .collect();
        assert_eq!(marks, ["✔", "✘", "－", "？"]);
        assert_eq!(Status::mark_of(None), "·");
        assert_eq!(Status::mark_of(Some(Status::Failed)), "✘");
        let e = Evidence {
            kind: EvidenceKind::HubLog,
            text: "2026-11-24T10:01:00+09:00 1370101014 POST /v1/login 200 OK".into(),
            data: serde_json::Value::Null,
        };
        assert_eq!(
            serde_json::to_string(&e).expect("serializes"),
            r#"{"kind":"hub-log","text":"2026-11-24T10:01:00+09:00 1370101014 POST /v1/login 200 OK"}"#
        );
    }
}
