//! `renkei`: the command-line program. It parses arguments and calls the crates; it holds
//! no rule of the standard and no hub behaviour of its own.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod human;

#[derive(Parser)]
#[command(
    name = "renkei",
    version,
    about = "ケアプランデータ連携 conformance and simulation suite"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Units {
    /// Folders, and several files named together, get send-unit checks; a lone file does not.
    Auto,
    On,
    Off,
}

#[derive(Subcommand)]
enum Command {
    /// Validate interface files (files or folders, folders recursively).
    Validate {
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Send-unit (ファイル連番) checks.
        #[arg(long, value_enum, default_value_t = Units::Auto)]
        units: Units,
        /// Show warnings in human output (they are always in JSON).
        #[arg(long, short = 'w')]
        warnings: bool,
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Print the standard as data: files, items, code lists, diagnostics.
    Spec {
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Revision (4.1 by default; 3.2).
        #[arg(long)]
        revision: Option<String>,
        /// List the diagnostic codes instead.
        #[arg(long)]
        diagnostics: bool,
        /// List the writer's conversion table for characters outside MS932.
        #[arg(long)]
        conversions: bool,
        /// One file kind (UPPLAN, UPJSK, …); all when omitted.
        kind: Option<String>,
    },
    /// Write synthetic, valid send units of every kind (both revisions) into a folder.
    Sample {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 6)]
        users: usize,
    },
    /// Regenerate the fixture corpus (cases + manifest) into a folder.
    Fixtures {
        #[arg(long, default_value = "fixtures")]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("renkei: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Validate {
            format,
            units,
            warnings,
            paths,
        } => {
            use renkei_spec::validate::{Options, UnitChecks};
            let opts = Options {
                units: match units {
                    Units::Auto => UnitChecks::Auto,
                    Units::On => UnitChecks::On,
                    Units::Off => UnitChecks::Off,
                },
                ..Options::default()
            };
            let report = renkei_spec::validate::validate_paths(&paths, &opts)?;
            let out = std::io::stdout();
            let mut out = out.lock();
            match format {
                Format::Json => {
                    serde_json::to_writer_pretty(&mut out, &report)?;
                    writeln!(out)?;
                }
                Format::Human => human::print_report(&mut out, &report, warnings)?,
            }
            Ok(if report.summary.invalid == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Spec {
            format,
            revision,
            diagnostics,
            conversions,
            kind,
        } => {
            let out = std::io::stdout();
            let mut out = out.lock();
            human::print_spec(
                &mut out,
                format == Format::Json,
                revision.as_deref(),
                diagnostics,
                conversions,
                kind.as_deref(),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Sample { out, seed, users } => {
            let n = renkei_spec::corpus::write_samples(&out, seed, users)?;
            println!("{n} files written to {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Fixtures { out } => {
            let n = renkei_spec::corpus::write_corpus(&out)?;
            println!("{n} cases written to {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}
