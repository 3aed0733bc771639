//! The vendor's expected-failures file (`--expected-failures FILE`): TOML, one entry per
//! case ID or ID glob, each with a reason (required):
//!
//! ```toml
//! "import.valid.ms932.ibm-ext-nec-form" = "NEC-selected IBM extensions: fixed in 5.2 (#1234)"
//! "export.convert.*" = "our writer refuses characters outside MS932 instead of converting"
//! ```
//!
//! A listed case that fails is XFAIL; a listed case that passes is XPASS, reported so the list
//! shrinks. An entry that matches no case of the library is an error (a typo would otherwise
//! hide a failure).

use std::path::Path;

use globset::GlobSet;
use renkei_reports::certification::Outcome;

/// One entry of the file.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The case ID or glob, as written.
    pub pattern: String,
    /// Why the vendor expects it to fail.
    pub reason: String,
    set: GlobSet,
}

/// The whole file.
#[derive(Debug, Clone, Default)]
pub struct ExpectedFailures {
    /// The entries, in file order.
    pub entries: Vec<Entry>,
    /// The file's text, copied into the bundle.
    pub text: String,
}

/// A broken expected-failures file.
#[derive(Debug, thiserror::Error)]
pub enum ExpectedError {
    /// It could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// It is not TOML of the documented shape (line and column from the TOML parser).
    #[error("{path}: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// What is wrong, where.
        message: String,
    },
}

impl ExpectedFailures {
    /// Reads the file; every entry must be a non-empty reason and match some ID in `ids`.
    pub fn load<'a>(
        path: &Path,
        ids: impl Iterator<Item = &'a str> + Clone,
    ) -> Result<ExpectedFailures, ExpectedError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ExpectedError::Io {
            path: p.clone(),
            source,
        })?;
        Self::parse(&text, &p, ids)
    }

    /// Parses the file's text (`origin` names it in errors).
    pub fn parse<'a>(
        text: &str,
        origin: &str,
        ids: impl Iterator<Item = &'a str> + Clone,
    ) -> Result<ExpectedFailures, ExpectedError> {
        let syntax = |message: String| ExpectedError::Syntax {
            path: origin.to_string(),
            message,
        };
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let at = e
                .span()
                .map(|s| line_col(text, s.start))
                .map(|(l, c)| format!("line {l}, column {c}: "))
                .unwrap_or_default();
            syntax(format!("{at}{}", e.message()))
        })?;
        let mut entries = Vec::new();
        for (pattern, v) in table {
            let reason = match v {
                toml::Value::String(s) if !s.trim().is_empty() => s,
                toml::Value::String(_) => {
                    return Err(syntax(format!(
                        "{pattern:?}: the reason is empty (every expected failure needs one)"
                    )))
                }
                toml::Value::Table(_) => {
                    return Err(syntax(format!(
                        "{pattern}: a case ID holds dots, so quote it: \"{pattern}.…\" = \"reason\""
                    )))
                }
                other => {
                    return Err(syntax(format!(
                        "{pattern:?}: the reason must be a string, not {}",
                        other.type_str()
                    )))
                }
            };
            let set = crate::library::glob_set([pattern.as_str()]).map_err(&syntax)?;
            if !ids.clone().any(|id| set.is_match(id)) {
                return Err(syntax(format!(
                    "{pattern:?} matches no case of the library (see `renkei certify --list`)"
                )));
            }
            entries.push(Entry {
                pattern,
                reason,
                set,
            });
        }
        Ok(ExpectedFailures {
            entries,
            text: text.to_string(),
        })
    }

    /// The entry for case `id`, if listed.
    pub fn find(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.set.is_match(id))
    }

    /// Turns a FAIL of a listed case into XFAIL and a PASS into XPASS; the message says why.
    pub fn apply(&self, id: &str, outcome: Outcome, message: &str) -> (Outcome, String) {
        match (self.find(id), outcome) {
            (Some(e), Outcome::Fail) => (
                Outcome::Xfail,
                format!("expected failure ({}): {message}", e.reason),
            ),
            (Some(e), Outcome::Pass) => (
                Outcome::Xpass,
                format!(
                    "listed as an expected failure ({}) but passed: take it off the list",
                    e.reason
                ),
            ),
            _ => (outcome, message.to_string()),
        }
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDS: [&str; 3] = ["import.valid.a", "import.reject.b", "export.convert.c"];

    fn parse(t: &str) -> Result<ExpectedFailures, ExpectedError> {
        ExpectedFailures::parse(t, "x.toml", IDS.iter().copied())
    }

    #[test]
    fn listed_failures_and_passes_change_outcome() {
        let x = parse("\"import.valid.a\" = \"known\"\n\"export.*\" = \"later\"\n").unwrap();
        assert_eq!(
            x.apply("import.valid.a", Outcome::Fail, "m").0,
            Outcome::Xfail
        );
        assert_eq!(
            x.apply("export.convert.c", Outcome::Pass, "m").0,
            Outcome::Xpass
        );
        assert_eq!(
            x.apply("import.reject.b", Outcome::Fail, "m").0,
            Outcome::Fail
        );
        assert_eq!(
            x.apply("import.valid.a", Outcome::Error, "m").0,
            Outcome::Error
        );
    }

    #[test]
    fn a_reason_is_required_and_typos_are_refused() {
        assert!(parse("\"import.valid.a\" = \"\"")
            .unwrap_err()
            .to_string()
            .contains("empty"));
        assert!(parse("import.valid.a = \"r\"")
            .unwrap_err()
            .to_string()
            .contains("quote it"));
        assert!(parse("\"import.valid.a\" = 3")
            .unwrap_err()
            .to_string()
            .contains("string"));
        assert!(parse("\"import.vaild.a\" = \"x\"")
            .unwrap_err()
            .to_string()
            .contains("matches no case"));
        let e = parse("a = \n").unwrap_err().to_string();
        assert!(e.contains("x.toml: line 1"), "{e}");
    }
}
