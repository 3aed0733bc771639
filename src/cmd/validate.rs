//! `renkei validate`: the validator on files and folders.

use std::io::Write;
use std::path::PathBuf;

use clap::ValueEnum;
use renkei_spec::validate::{Options, UnitChecks};

use super::Verdict;
use crate::{ci_formats, human};

/// Output format of `renkei validate`.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ValidateFormat {
    /// For people: grouped diagnostics and a per-code summary.
    Human,
    /// For programs: every diagnostic kept.
    Json,
    /// JUnit XML: one testcase per file, one failure per error.
    Junit,
    /// SARIF 2.1.0, for code scanning and editors.
    Sarif,
}

/// When send-unit (ファイル連番) checks run.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Units {
    /// Folders, and several files named together, get send-unit checks; a lone file does not.
    Auto,
    /// Always.
    On,
    /// Never.
    Off,
}

/// The exit codes, shown at the end of `renkei validate --help`.
const EXIT_CODES: &str = "Exit codes:\n  0  every file is valid\n  1  a file is invalid (an error-level diagnostic)\n  2  usage or input/output error (nothing validated)";

#[derive(clap::Args)]
#[command(after_help = EXIT_CODES)]
pub struct Args {
    /// Output: human (like a compiler's), json (the whole report), junit or sarif (CI).
    #[arg(long, value_enum, default_value_t = ValidateFormat::Human)]
    format: ValidateFormat,
    /// Diagnostics kept per file; the rest are counted (structure.too-many-diagnostics).
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    max_errors: usize,
    /// Diagnostics of one kind shown in full per file in human output before the rest are
    /// grouped into one line.
    #[arg(long, default_value_t = 3, value_name = "N")]
    group_after: usize,
    /// Send-unit (ファイル連番) checks.
    #[arg(long, value_enum, default_value_t = Units::Auto)]
    units: Units,
    /// Show warnings in human output (they are always in JSON).
    #[arg(long, short = 'w')]
    warnings: bool,
    /// Files or folders to validate (folders recursively).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

pub fn run(a: Args) -> anyhow::Result<Verdict> {
    let opts = Options {
        units: match a.units {
            Units::Auto => UnitChecks::Auto,
            Units::On => UnitChecks::On,
            Units::Off => UnitChecks::Off,
        },
        max_diagnostics: a.max_errors.max(1),
    };
    let report = renkei_spec::validate::validate_paths(&a.paths, &opts)?;
    let out = std::io::stdout();
    let mut out = out.lock();
    match a.format {
        ValidateFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        ValidateFormat::Junit => write!(out, "{}", ci_formats::junit(&report))?,
        ValidateFormat::Sarif => {
            serde_json::to_writer_pretty(&mut out, &ci_formats::sarif(&report))?;
            writeln!(out)?;
        }
        ValidateFormat::Human => human::print_report(&mut out, &report, a.warnings, a.group_after)?,
    }
    Ok(Verdict::from_ok(report.summary.invalid == 0))
}
