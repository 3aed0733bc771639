//! The validator: item, record, file and send-unit checks, each reporting stable diagnostics.
//!
//! - [`item`]: one value against its item (required, form, dates, codes, length);
//! - [`record`]: rules between the items of a record and the file name;
//! - [`file`](mod@file): the streaming pass over one file (encoding, structure, items, records);
//! - [`unit`](mod@unit): the files of one ファイル連番 together.

pub mod file;
pub mod item;
pub mod record;
pub mod sums;
pub mod unit;

#[cfg(test)]
mod testutil;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use file::{FileFacts, FileReport};

/// How validation runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Diagnostics kept per file; the rest are counted.
    pub max_diagnostics: usize,
    /// Which files take part in send-unit checks.
    pub units: UnitChecks,
}

/// Which files take part in the send-unit (ファイル連番) checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnitChecks {
    /// Files found in folders, and files named together (more than one path); not a lone file.
    #[default]
    Auto,
    /// Every file.
    On,
    /// None: every file alone.
    Off,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_diagnostics: 10_000,
            units: UnitChecks::Auto,
        }
    }
}

/// An input that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A file or folder could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path, as given.
        path: String,
        /// The operating system's error.
        source: io::Error,
    },
    /// The paths hold no interface file: an empty folder, or only sidecar files.
    #[error("{paths}: インタフェースファイルがありません（空のフォルダか、パスの誤り？） / no interface file found")]
    NoFiles {
        /// The paths, as given, joined by ", ".
        paths: String,
    },
}

/// The report of a whole run, in the JSON shape of `renkei validate --format json`.
#[derive(Debug, Serialize)]
pub struct Report {
    /// One report per file, in path order.
    pub files: Vec<FileReport>,
    /// The counts.
    pub summary: Summary,
    /// What the run did not do, in Japanese (e.g. send-unit checks on a lone file).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// How many files were checked, and how many passed.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Files checked.
    pub files: usize,
    /// Files with no error.
    pub valid: usize,
    /// Files with at least one error.
    pub invalid: usize,
}

/// Validates one file on disk (no unit checks).
pub fn validate_file(path: &Path, opts: &Options) -> Result<FileReport, InputError> {
    let io_err = |source| InputError::Io {
        path: path.display().to_string(),
        source,
    };
    let f = fs::File::open(path).map_err(io_err)?;
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut rep =
        file::validate_reader(&path.display().to_string(), &name, f, opts).map_err(io_err)?;
    rep.folder = path
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    Ok(rep)
}

/// Validates files and folders (folders recursively, files sorted by path), then runs the
/// send-unit checks on the files of each folder.
pub fn validate_paths(paths: &[PathBuf], opts: &Options) -> Result<Report, InputError> {
    let mut files: Vec<(PathBuf, bool)> = Vec::new();
    for p in paths {
        let meta = fs::metadata(p).map_err(|source| InputError::Io {
            path: p.display().to_string(),
            source,
        })?;
        if meta.is_dir() {
            collect(p, &mut files)?;
        } else {
            files.push((p.clone(), paths.len() > 1));
        }
    }
    if files.is_empty() {
        return Err(InputError::NoFiles {
            paths: paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let mut reports = Vec::with_capacity(files.len());
    for (p, units) in files {
        let mut r = validate_file(&p, opts)?;
        r.unit_checks = match opts.units {
            UnitChecks::Auto => units,
            UnitChecks::On => true,
            UnitChecks::Off => false,
        };
        reports.push(r);
    }
    let mut report = finish(reports, opts);
    let alone: Vec<&str> = report
        .files
        .iter()
        .filter(|f| !f.unit_checks && f.name.is_some())
        .map(|f| f.path.as_str())
        .collect();
    if opts.units != UnitChecks::Off && !alone.is_empty() {
        report.notes.push(format!(
            "送信単位（ファイル連番）の検査は行っていません: {} は単独で指定されました。同じ送信単位のファイルを一緒に（またはフォルダで）指定するか --units on で検査します",
            alone.join(", ")
        ));
    }
    Ok(report)
}

/// Validates the files of one send unit held in memory, as `(file name, bytes)`: each file,
/// then the send-unit checks across them (the hub's strict mode, an importer).
pub fn validate_unit_bytes(files: &[(&str, &[u8])], opts: &Options) -> io::Result<Report> {
    let mut reports = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let mut r = file::validate_reader(name, name, *bytes, opts)?;
        r.unit_checks = opts.units != UnitChecks::Off;
        reports.push(r);
    }
    Ok(finish(reports, opts))
}

/// The send-unit checks across the reports, then the summary.
fn finish(mut reports: Vec<FileReport>, opts: &Options) -> Report {
    unit::check_units(&mut reports, opts);
    let valid = reports.iter().filter(|r| r.valid).count();
    Report {
        summary: Summary {
            files: reports.len(),
            valid,
            invalid: reports.len() - valid,
        },
        files: reports,
        notes: Vec::new(),
    }
}

fn collect(dir: &Path, out: &mut Vec<(PathBuf, bool)>) -> Result<(), InputError> {
    let err = |source| InputError::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(err)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(err)?;
    entries.sort();
    for p in entries {
        let name = p
            .file_name()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            collect(&p, out)?;
        } else if !is_sidecar(&name) {
            out.push((p, true));
        }
    }
    Ok(())
}

/// Files in a folder that are not interface files: manifests, notes, snapshots.
fn is_sidecar(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".toml", ".md", ".json", ".snap"]
        .iter()
        .any(|e| lower.ends_with(e))
}
