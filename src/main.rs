//! `renkei`: the command-line program. It parses arguments and calls the crates; it holds
//! no rule of the standard and no hub behaviour of its own.
//!
//! Each command lives in its own module under [`cmd`] as `fn run(args) -> Result<Verdict>`;
//! [`main`] alone turns a verdict or an error into the exit code (0, 1, 2), and everything
//! printed for people is in [`human`].

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod ci_formats;
mod cmd;
mod human;

use cmd::Verdict;

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

#[derive(Subcommand)]
enum Command {
    /// Validate interface files (files or folders, folders recursively).
    Validate(cmd::validate::Args),
    /// Print the standard as data: files, items, code lists, diagnostics.
    Spec(cmd::spec::Args),
    /// Write synthetic, valid send units of every kind (both revisions) into a folder.
    Sample(cmd::sample::Args),
    /// Regenerate the fixture corpus (cases + manifest) into a folder.
    Fixtures(cmd::fixtures::Args),
    /// Run every scenario (flows ①–⑫ and the failure cases) against embedded hubs and write
    /// junit.xml, cucumber.json and index.html.
    Run(cmd::run::Args),
    /// The PKI the mock hub trusts (root, issuing CAs, CRLs, office certificates).
    Pki {
        #[command(subcommand)]
        command: cmd::pki::Command,
    },
    /// The mock hub (連携基盤).
    Hub {
        #[command(subcommand)]
        command: cmd::hub::Command,
    },
    /// Certify a vendor's software through its adapter (renkei-adapter/1); writes a bundle.
    Certify(cmd::certify::Args),
    /// The reference adapter (renkei-adapter/1) on renkei's own codec.
    Adapter {
        #[command(subcommand)]
        command: cmd::adapter::Command,
    },
    /// A CSV send unit ⇄ its canonical JSON (renkei-send-unit/1).
    Unit {
        #[command(subcommand)]
        command: cmd::unit::Command,
    },
    /// The interop matrix: adapter A exports, adapter B imports, for every ordered pair.
    Interop(cmd::interop::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let verdict = match cli.command {
        Command::Validate(a) => cmd::validate::run(a),
        Command::Spec(a) => cmd::spec::run(a),
        Command::Sample(a) => cmd::sample::run(a),
        Command::Fixtures(a) => cmd::fixtures::run(a),
        Command::Run(a) => cmd::run::run(a),
        Command::Pki { command } => cmd::pki::run(command),
        Command::Hub { command } => cmd::hub::run(command),
        Command::Certify(a) => cmd::certify::run(a),
        Command::Adapter { command } => cmd::adapter::run(command),
        Command::Unit { command } => cmd::unit::run(command),
        Command::Interop(a) => cmd::interop::run(a),
    };
    match verdict {
        Ok(Verdict::Clean) => ExitCode::SUCCESS,
        Ok(Verdict::Findings) => ExitCode::from(1),
        Err(e) => {
            eprintln!("renkei: {e:#}");
            ExitCode::from(2)
        }
    }
}
