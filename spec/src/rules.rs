//! The rule inventory (`spec/revisions/<rev>/rules.toml`): every normative statement of the
//! standard's text, where it stands, the words it rests on, and what renkei does with it — the
//! diagnostic codes that check it, the assumption a check rests on, or why it cannot be checked
//! from files. Read once; `renkei spec --rules` prints it with its coverage.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Code, Severity};
use crate::standard::RULES;

/// What renkei does with a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The validator checks it.
    Checked,
    /// Checked, resting on an assumption the standard does not settle.
    Assumed,
    /// Checkable from files, not checked yet.
    Open,
    /// Not decidable from the files (a receiver's step, the サービスコード表, an earlier send).
    NotCheckable,
}

impl Status {
    /// The word printed for people.
    pub fn label(self) -> &'static str {
        match self {
            Status::Checked => "checked",
            Status::Assumed => "assumed",
            Status::Open => "open",
            Status::NotCheckable => "not checkable",
        }
    }

    /// Whether the validator reports it (checked or assumed).
    pub fn is_checked(self) -> bool {
        matches!(self, Status::Checked | Status::Assumed)
    }
}

/// One normative statement.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable ID (`R-QUOTE-FREE-TEXT`); never reused for another meaning.
    pub id: String,
    /// Where it stands: section of the specification, or layout file kind and item.
    #[serde(rename = "where")]
    pub place: String,
    /// The words it rests on, short, as printed.
    pub quote: String,
    /// What renkei does with it.
    pub status: Status,
    /// A must (error), or a should / heuristic / receivers differ (warning).
    pub severity: RuleSeverity,
    /// The diagnostic codes that report it.
    #[serde(default)]
    pub codes: Vec<String>,
    /// The assumption the check rests on: a key of the revision's assumptions, or a sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assumption: Option<String>,
    /// Why not checkable, why open, or how it is read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The severity a rule's text gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleSeverity {
    /// A must: a file breaking it is invalid.
    Error,
    /// A should, a heuristic, or a rule receivers apply differently.
    Warning,
}

impl From<RuleSeverity> for Severity {
    fn from(s: RuleSeverity) -> Severity {
        match s {
            RuleSeverity::Error => Severity::Error,
            RuleSeverity::Warning => Severity::Warning,
        }
    }
}

/// The inventory of one revision.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Inventory {
    /// The revision ("4.1").
    #[serde(default)]
    pub revision: String,
    /// Every rule, in the file's order.
    #[serde(rename = "rule")]
    pub rules: Vec<Rule>,
}

/// How much of the inventory the validator checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Rules stated.
    pub stated: usize,
    /// Rules checked (without an assumption).
    pub checked: usize,
    /// Rules checked on an assumption.
    pub assumed: usize,
    /// Rules checkable but not checked yet.
    pub open: usize,
    /// Rules not checkable from files.
    pub not_checkable: usize,
}

/// A rules.toml that does not parse, or names a code that does not exist.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The TOML does not parse.
    #[error("spec/revisions/{revision}/rules.toml: {source}")]
    Toml {
        /// The revision folder.
        revision: String,
        /// The parser's error.
        source: toml::de::Error,
    },
    /// A rule is malformed: an unknown code, a duplicate ID, a check without a code.
    #[error("spec/revisions/{revision}/rules.toml: rule {id}: {what}")]
    Rule {
        /// The revision folder.
        revision: String,
        /// The rule's ID.
        id: String,
        /// What is wrong.
        what: String,
    },
}

impl Inventory {
    /// Parses and checks one revision's rules.toml.
    pub fn parse(revision: &str, text: &str) -> Result<Inventory, RulesError> {
        let mut inv: Inventory = toml::from_str(text).map_err(|source| RulesError::Toml {
            revision: revision.to_string(),
            source,
        })?;
        inv.revision = revision.to_string();
        let bad = |id: &str, what: String| RulesError::Rule {
            revision: revision.to_string(),
            id: id.to_string(),
            what,
        };
        let mut seen = std::collections::HashSet::new();
        for r in &inv.rules {
            if !seen.insert(r.id.as_str()) {
                return Err(bad(&r.id, "duplicate ID".into()));
            }
            if let Some(c) = r.codes.iter().find(|c| Code::parse(c).is_none()) {
                return Err(bad(&r.id, format!("unknown diagnostic code {c}")));
            }
            if r.status.is_checked() == r.codes.is_empty() && r.status != Status::Assumed {
                return Err(bad(
                    &r.id,
                    "a checked rule names its codes, and only checked rules do".into(),
                ));
            }
            if r.status == Status::Assumed && r.assumption.is_none() {
                return Err(bad(&r.id, "an assumed rule says its assumption".into()));
            }
            if matches!(r.status, Status::NotCheckable | Status::Open) && r.note.is_none() {
                return Err(bad(&r.id, "say why in `note`".into()));
            }
        }
        Ok(inv)
    }

    /// The counts by status.
    pub fn coverage(&self) -> Coverage {
        let n = |s| self.rules.iter().filter(|r| r.status == s).count();
        Coverage {
            stated: self.rules.len(),
            checked: n(Status::Checked),
            assumed: n(Status::Assumed),
            open: n(Status::Open),
            not_checkable: n(Status::NotCheckable),
        }
    }

    /// The rules that name `code`.
    pub fn rules_of(&self, code: Code) -> impl Iterator<Item = &Rule> {
        self.rules
            .iter()
            .filter(move |r| r.codes.iter().any(|c| c == code.as_str()))
    }
}

/// The inventory of revision `rev` ("4.1"), read once; `None` when the revision has none.
pub fn inventory(rev: &str) -> Option<&'static Inventory> {
    static ALL: OnceLock<Vec<Inventory>> = OnceLock::new();
    ALL.get_or_init(|| {
        RULES
            .iter()
            .map(|(folder, text)| {
                Inventory::parse(folder, text).unwrap_or_else(|e| panic!("embedded rules: {e}"))
            })
            .collect()
    })
    .iter()
    .find(|i| i.revision == rev)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv() -> &'static Inventory {
        inventory("4.1").expect("4.1 has a rule inventory")
    }

    #[test]
    fn every_diagnostic_code_is_named_by_some_rule() {
        let missing: Vec<&str> = Code::ALL
            .iter()
            .filter(|c| inv().rules_of(**c).next().is_none())
            .map(|c| c.as_str())
            .collect();
        assert!(missing.is_empty(), "codes no rule names: {missing:?}");
    }

    #[test]
    fn an_assumption_key_is_one_of_the_revisions() {
        let rev = crate::standard::Standard::get()
            .revision("4.1")
            .expect("4.1");
        for r in &inv().rules {
            if let Some(a) = &r.assumption {
                // A bare key (ascii, snake_case) must be one of revision.toml's assumptions.
                if a.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                    assert!(
                        rev.assumptions.contains_key(a),
                        "{}: no assumption {a}",
                        r.id
                    );
                }
            }
        }
    }

    #[test]
    fn a_malformed_rule_is_refused() {
        let one = |extra: &str| {
            format!(
                "[[rule]]\nid = \"R-X\"\nwhere = \"w\"\nquote = \"q\"\nseverity = \"error\"\n{extra}"
            )
        };
        for (text, what) in [
            (
                one("status = \"checked\"\ncodes = [\"no.such-code\"]"),
                "unknown",
            ),
            (one("status = \"checked\""), "names its codes"),
            (
                one("status = \"not_checkable\"\ncodes = [\"item.date\"]\nnote = \"n\""),
                "names its codes",
            ),
            (one("status = \"open\""), "why"),
            (
                one("status = \"assumed\"\ncodes = [\"item.date\"]"),
                "assumption",
            ),
        ] {
            let e = Inventory::parse("t", &text).expect_err(what).to_string();
            assert!(e.contains(what), "{e}");
        }
        let dup = format!(
            "{}\n{}",
            one("status = \"checked\"\ncodes = [\"item.date\"]"),
            one("status = \"checked\"\ncodes = [\"item.date\"]")
        );
        assert!(Inventory::parse("t", &dup)
            .expect_err("dup")
            .to_string()
            .contains("duplicate"));
    }

    #[test]
    fn the_coverage_adds_up() {
        let c = inv().coverage();
        assert_eq!(c.checked + c.assumed + c.open + c.not_checkable, c.stated);
        assert!(c.stated >= 60, "only {} rules", c.stated);
    }
}
