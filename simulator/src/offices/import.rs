//! Reading a downloaded send unit (④⑤ then ⑥ or ⑫): every file through the spec validator,
//! the unit checks across them, and only then the records. A refused import keeps every
//! diagnostic, located by file, line and column.

use renkei_spec::model::SendUnit;
use renkei_spec::validate::{self, Options};
use serde::Serialize;

/// One diagnostic of a refused import.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    /// The file's name.
    pub file: String,
    /// The validator's stable diagnostic code.
    pub code: String,
    /// Its category (`filename`, `encoding`, `structure`, `item`, `consistency`).
    pub category: String,
    /// The physical line, when it has one.
    pub line: Option<u64>,
    /// The column (1-based field), when it has one.
    pub column: Option<u64>,
    /// The validator's message, in Japanese.
    pub message: String,
}

/// An import that was refused.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ImportError {
    /// The files fail the validator: every problem, in order.
    #[error("取込できません: {} 件の問題（最初: {}）", .0.len(), .0.first().map(|p| format!("{} {}行 {}", p.file, p.line.unwrap_or(0), p.code)).unwrap_or_default())]
    Invalid(Vec<Problem>),
    /// The files cannot be read as the standard's data (the reason).
    #[error("取込できません: {0}")]
    Read(String),
}

impl Problem {
    /// Where it is, as `file:line:column` (as much of that as is known).
    pub fn location(&self) -> String {
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", self.file),
            (Some(l), None) => format!("{}:{l}", self.file),
            _ => self.file.clone(),
        }
    }
}

impl ImportError {
    /// The validator's problems (empty for a [`ImportError::Read`]).
    pub fn problems(&self) -> &[Problem] {
        match self {
            ImportError::Invalid(p) => p,
            ImportError::Read(_) => &[],
        }
    }
}

/// Validates the files of a send unit together — every file rule and every send-unit rule,
/// whether the unit has one file or several — and decodes them.
pub fn import_unit(files: &[(String, Vec<u8>)]) -> Result<SendUnit, ImportError> {
    let problems = diagnose(files, true)?;
    if !problems.is_empty() {
        return Err(ImportError::Invalid(problems));
    }
    SendUnit::from_files(files).map_err(|e| ImportError::Read(e.to_string()))
}

/// The warnings the validator gives on a send unit (what an import that went through tells
/// the operator: a file of the revision not in force for its month, mojibake, …).
pub fn warnings(files: &[(String, Vec<u8>)]) -> Result<Vec<Problem>, ImportError> {
    diagnose(files, false)
}

/// The validator's errors (`errors`) or warnings of a send unit, unit checks on.
fn diagnose(files: &[(String, Vec<u8>)], errors: bool) -> Result<Vec<Problem>, ImportError> {
    let inputs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let opts = Options {
        units: validate::UnitChecks::On,
        ..Options::default()
    };
    let report = validate::validate_unit_bytes(&inputs, &opts)
        .map_err(|e| ImportError::Read(e.to_string()))?;
    Ok(report
        .files
        .iter()
        .flat_map(|f| {
            f.diagnostics
                .iter()
                .filter(move |d| d.is_error() == errors)
                .map(|d| {
                    let category = serde_json::to_value(d.category).unwrap_or_default();
                    Problem {
                        file: f.path.clone(),
                        code: d.code.as_str().to_string(),
                        category: category.as_str().unwrap_or("").to_string(),
                        line: d.line,
                        column: d.column.map(u64::from),
                        message: d.message.clone(),
                    }
                })
        })
        .collect())
}
