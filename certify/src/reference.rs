//! The reference adapter (`renkei adapter …`): renkei's own codec behind the contract. It
//! declares every role, revision and kind, exports with the writer and imports with the
//! validator (every file and send-unit rule) and the reader. It passes every case; a
//! vendor can read it as the contract's worked example. The certify runner never links it:
//! it is called as a process like any vendor's adapter.

use std::path::Path;

use renkei_spec::model::SendUnit;
use renkei_spec::standard::Standard;
use renkei_spec::validate::{validate_unit_bytes, Options, UnitChecks};

use crate::adapter::{read_dir_files, Capabilities, CONTRACT, ROLES};
use crate::library::csv_files;

/// What the reference adapter declares: everything.
pub fn capabilities() -> Capabilities {
    let std = Standard::get();
    let mut kinds: Vec<String> = std
        .revisions
        .iter()
        .flat_map(|r| r.files.iter().map(|f| f.kind.clone()))
        .collect();
    kinds.sort();
    kinds.dedup();
    Capabilities {
        contract: CONTRACT.into(),
        vendor: "renkei".into(),
        product: "renkei reference adapter".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        roles: ROLES.iter().map(|r| r.to_string()).collect(),
        revisions: std.revisions.iter().map(|r| r.revision.clone()).collect(),
        export: kinds.clone(),
        import: kinds,
    }
}

/// A reference-adapter call that could not be done.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    /// The unit's JSON could not be read.
    #[error("{path}: {message}")]
    Input {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// The writer refused the unit (a character outside MS932 with no conversion, …).
    #[error(transparent)]
    Write(#[from] renkei_spec::writer::WriteError),
    /// A file could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// `export --unit FILE --out DIR`: the unit's files into DIR.
pub fn export(unit: &Path, out: &Path) -> Result<usize, ReferenceError> {
    let input = |message: String| ReferenceError::Input {
        path: unit.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(unit).map_err(|e| input(e.to_string()))?;
    let unit = SendUnit::from_json(&text).map_err(|e| input(e.to_string()))?;
    let files = renkei_spec::writer::write_unit(&unit)?;
    for f in &files {
        let path = out.join(&f.name);
        std::fs::write(&path, &f.bytes).map_err(|source| ReferenceError::Io {
            path: path.display().to_string(),
            source,
        })?;
    }
    Ok(files.len())
}

/// Reads the files of a received unit as the standard allows: every file and send-unit rule,
/// then the records. `Err` holds the refusal's reason (the first errors, located).
pub fn import_files(files: &[(String, Vec<u8>)]) -> Result<SendUnit, String> {
    let inputs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), &b[..])).collect();
    let opts = Options {
        units: UnitChecks::On,
        ..Options::default()
    };
    let report = validate_unit_bytes(&inputs, &opts).map_err(|e| e.to_string())?;
    let errors: Vec<String> = report
        .files
        .iter()
        .flat_map(|f| {
            f.diagnostics.iter().filter(|d| d.is_error()).map(move |d| {
                let mut at = f.path.clone();
                if let Some(l) = d.line {
                    at.push_str(&format!(":{l}"));
                    if let Some(c) = d.column {
                        at.push_str(&format!(":{c}"));
                    }
                }
                format!("{at}: {} {}", d.code.as_str(), d.message)
            })
        })
        .collect();
    if !errors.is_empty() {
        let more = if errors.len() > 3 {
            format!(" (and {} more)", errors.len() - 3)
        } else {
            String::new()
        };
        return Err(format!(
            "{}{more}",
            errors[..errors.len().min(3)].join("; ")
        ));
    }
    SendUnit::from_files(&csv_files(&files.to_vec())).map_err(|e| e.to_string())
}

/// `import --unit DIR --out FILE`: the canonical JSON of the unit, or `{"rejected": …}`.
pub fn import(dir: &Path, out: &Path) -> Result<bool, ReferenceError> {
    let files = read_dir_files(dir).map_err(|message| ReferenceError::Input {
        path: dir.display().to_string(),
        message,
    })?;
    let (text, accepted) = match import_files(&files) {
        Ok(unit) => (
            unit.to_json_string().map_err(|e| ReferenceError::Input {
                path: dir.display().to_string(),
                message: e.to_string(),
            })?,
            true,
        ),
        Err(reason) => (
            format!("{}\n", serde_json::json!({ "rejected": reason })),
            false,
        ),
    };
    std::fs::write(out, text).map_err(|source| ReferenceError::Io {
        path: out.display().to_string(),
        source,
    })?;
    Ok(accepted)
}
