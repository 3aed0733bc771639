//! A certification run as data (`results.json`), and its renderings: [`junit`] and [`html`].
//!
//! `renkei-certify` decides every outcome; this module only holds and renders them. The JSON
//! shape is documented in `docs/CERTIFY.md` and is what `results.json` holds, word for word.

pub mod html;
pub mod interop;
pub mod junit;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The outcome of one certification case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Outcome {
    /// The software did what the standard asks.
    Pass,
    /// The software did something the standard forbids (evidence says what).
    Fail,
    /// The adapter answered exit 89: the software does not do this.
    Unsupported,
    /// Not run: the adapter did not declare what the case needs (the reason says what).
    Skip,
    /// The adapter broke the contract: another exit code, a timeout, output of the wrong shape.
    Error,
    /// A FAIL listed in the expected-failures file (with its reason).
    Xfail,
    /// Listed in the expected-failures file, but passed: take it off the list.
    Xpass,
}

impl Outcome {
    /// Every outcome, in report order.
    pub const ALL: [Outcome; 7] = [
        Outcome::Pass,
        Outcome::Fail,
        Outcome::Error,
        Outcome::Xfail,
        Outcome::Xpass,
        Outcome::Unsupported,
        Outcome::Skip,
    ];

    /// The word used in reports and JSON (`PASS`, `FAIL`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "PASS",
            Outcome::Fail => "FAIL",
            Outcome::Unsupported => "UNSUPPORTED",
            Outcome::Skip => "SKIP",
            Outcome::Error => "ERROR",
            Outcome::Xfail => "XFAIL",
            Outcome::Xpass => "XPASS",
        }
    }

    /// Whether the outcome makes `renkei certify` exit 1.
    pub fn is_failure(self) -> bool {
        matches!(self, Outcome::Fail | Outcome::Error)
    }
}

/// What a piece of evidence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceKind {
    /// A file given to the adapter (a send unit's CSV, or the case's canonical JSON).
    Input,
    /// What the adapter wrote (its exported files, its JSON).
    AdapterOutput,
    /// The adapter's standard error, cut to a few KB.
    Stderr,
    /// Item-by-item differences between what was expected and what the software holds.
    Diff,
    /// The validator's diagnostics on what the adapter wrote.
    Diagnostics,
    /// One numbered step (①–⑫) of a flow through the hub.
    FlowStep,
    /// Anything else worth a line.
    Note,
}

/// One piece of evidence of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEvidence {
    /// What it is.
    pub kind: EvidenceKind,
    /// One line for people.
    pub label: String,
    /// A file of the bundle, relative to the bundle's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Short text shown inline (a diff, diagnostics, stderr).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// The result of one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseResult {
    /// The case's stable ID (`import.valid.ms932.nec-special-ibm-5c`, …).
    pub id: String,
    /// What the case is, in a line.
    pub title: String,
    /// The operator's vendor-test pattern (D1 計画書 … D7 予防 実績).
    pub pattern: String,
    /// `import.valid`, `import.reject`, `export`, `flow`.
    pub group: String,
    /// The outcome.
    pub outcome: Outcome,
    /// The rule of the standard the case checks.
    pub rule: String,
    /// The section of the standard, or the assumption, it rests on.
    pub basis: String,
    /// Why it ended as it did, in a sentence (the first difference, the skip reason, …).
    pub message: String,
    /// Everything a reader needs to see the failure without running anything.
    pub evidence: Vec<CaseEvidence>,
    /// Wall-clock time of the case.
    pub duration_ms: u64,
}

/// The run as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suite {
    /// renkei's version.
    pub renkei: String,
    /// The standard's default revision the library is built for.
    pub revision: String,
    /// Every revision the library covers.
    pub revisions: Vec<String>,
    /// How many cases were selected.
    pub cases: usize,
    /// The command line, as run.
    pub command: String,
    /// Start and end (RFC 3339, UTC).
    pub started: String,
    /// See `started`.
    pub finished: String,
    /// The expected-failures file used, as copied into the bundle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_failures: Option<String>,
}

/// A whole certification run: `results.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certification {
    /// The suite and how it was run.
    pub suite: Suite,
    /// The adapter's capabilities, as it declared them.
    pub adapter: serde_json::Value,
    /// Every selected case, in library order.
    pub cases: Vec<CaseResult>,
    /// How many cases ended in each outcome (every outcome listed, zeros included).
    pub summary: BTreeMap<String, usize>,
    /// Why no case could run (the adapter's `capabilities` broke the contract).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Certification {
    /// Counts the outcomes of `cases` (every outcome present, zeros included).
    pub fn summarize(cases: &[CaseResult]) -> BTreeMap<String, usize> {
        let mut m: BTreeMap<String, usize> = Outcome::ALL
            .iter()
            .map(|o| (o.as_str().to_string(), 0))
            .collect();
        for c in cases {
            *m.entry(c.outcome.as_str().to_string()).or_default() += 1;
        }
        m
    }

    /// "vendor product version" of the adapter's capabilities (`?` for what is missing).
    pub fn product(&self) -> String {
        let s = |k: &str| self.adapter.get(k).and_then(|v| v.as_str()).unwrap_or("?");
        format!("{} {} {}", s("vendor"), s("product"), s("version"))
    }

    /// Outcome counts per pattern (D1–D7), patterns in order.
    pub fn by_pattern(&self) -> BTreeMap<String, BTreeMap<Outcome, usize>> {
        let mut m: BTreeMap<String, BTreeMap<Outcome, usize>> = BTreeMap::new();
        for c in &self.cases {
            *m.entry(c.pattern.clone())
                .or_default()
                .entry(c.outcome)
                .or_default() += 1;
        }
        m
    }

    /// Whether any case failed or errored, or nothing could run (the command then exits 1).
    pub fn has_failures(&self) -> bool {
        self.error.is_some() || self.cases.iter().any(|c| c.outcome.is_failure())
    }

    /// Whether no case ran at all (every one SKIP or UNSUPPORTED): nothing was certified.
    pub fn nothing_tested(&self) -> bool {
        self.error.is_none()
            && self
                .cases
                .iter()
                .all(|c| matches!(c.outcome, Outcome::Skip | Outcome::Unsupported))
    }
}

/// The operator's vendor-test patterns (V4 パターン D1–D7) with their Japanese names.
pub const PATTERNS: [(&str, &str); 7] = [
    ("D1", "居宅サービス計画書（第1〜3表）"),
    ("D2", "サービス利用票 予定（第6・7表）"),
    ("D3", "サービス利用票 実績"),
    ("D4", "利用者基本情報"),
    ("D5", "介護予防サービス・支援計画書"),
    ("D6", "介護予防 予定"),
    ("D7", "介護予防 実績"),
];
