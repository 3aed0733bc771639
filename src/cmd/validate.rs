//! `renkei validate`: the validator on files and folders.

use std::io::Write;
use std::path::PathBuf;

use clap::ValueEnum;
use renkei_spec::validate::{Options, UnitChecks};

use super::{Format, Verdict};
use crate::human;

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
    /// Output: human (like a compiler's) or json (the whole report).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
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
        ..Options::default()
    };
    let report = renkei_spec::validate::validate_paths(&a.paths, &opts)?;
    let out = std::io::stdout();
    let mut out = out.lock();
    match a.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        Format::Human => human::print_report(&mut out, &report, a.warnings)?,
    }
    Ok(Verdict::from_ok(report.summary.invalid == 0))
}
