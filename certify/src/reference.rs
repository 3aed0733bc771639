//! The reference adapter (`renkei adapter …`): renkei's own codec behind the contract. It
//! declares every role, revision and kind, exports with the writer and imports with the
//! validator (every file and send-unit rule) and the reader. It passes every case; a
//! vendor can read it as the contract's worked example. The certify runner never links it:
//! it is called as a process like any vendor's adapter.

use std::path::Path;

use renkei_simulator::offices::{import_unit, ImportError};
use renkei_spec::model::SendUnit;
use renkei_spec::standard::Standard;

use crate::adapter::{read_dir_files, Capabilities, CONTRACT, ROLES};

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
/// then the records (the simulated offices' import, [`import_unit`]). `Err` holds the
/// refusal's reason: the first errors, located by file, line and column.
pub fn import_files(files: &[(String, Vec<u8>)]) -> Result<SendUnit, String> {
    import_unit(files).map_err(|e| match e {
        ImportError::Invalid(problems) => {
            let first: Vec<String> = problems
                .iter()
                .take(3)
                .map(|p| format!("{}: {} {}", p.location(), p.code, p.message))
                .collect();
            let more = match problems.len() {
                n if n > 3 => format!(" (and {} more)", n - 3),
                _ => String::new(),
            };
            format!("{}{more}", first.join("; "))
        }
        ImportError::Read(r) => r,
    })
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
