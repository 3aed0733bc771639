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
    /// List every step pattern the scenarios understand, each with an example line to paste
    /// into a feature of your own (run it with `renkei run --features DIR`).
    Steps(cmd::steps::Args),
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
    /// A month of the exchange against a hub: a world up to national, the month-end
    /// profile, reconciliation, thresholds (docs/LOAD.md).
    Load(Box<cmd::load::Args>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let verdict = match cli.command {
        Command::Validate(a) => cmd::validate::run(a),
        Command::Spec(a) => cmd::spec::run(a),
        Command::Sample(a) => cmd::sample::run(a),
        Command::Fixtures(a) => cmd::fixtures::run(a),
        Command::Run(a) => cmd::run::run(a),
        Command::Steps(a) => cmd::steps::run(a),
        Command::Pki { command } => cmd::pki::run(command),
        Command::Hub { command } => cmd::hub::run(command),
        Command::Certify(a) => cmd::certify::run(a),
        Command::Adapter { command } => cmd::adapter::run(command),
        Command::Unit { command } => cmd::unit::run(command),
        Command::Interop(a) => cmd::interop::run(a),
        Command::Load(a) => cmd::load::run(*a),
    };
    match verdict {
        Ok(Verdict::Clean) => ExitCode::SUCCESS,
        Ok(Verdict::Findings) => ExitCode::from(1),
        Ok(Verdict::GateCrossed) => ExitCode::from(99),
        // The reader went away (`renkei spec | head`): nothing more to say to anyone.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("renkei: {}", error_text(&e));
            ExitCode::from(2)
        }
    }
}

/// Whether the error is a write to a closed pipe.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    let pipe = Some(std::io::ErrorKind::BrokenPipe);
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().map(|io| io.kind()) == pipe
            || c.downcast_ref::<serde_json::Error>()
                .and_then(|j| j.io_error_kind())
                == pipe
    })
}

/// An error and its causes, each said once: a cause whose text the message already holds
/// (`/x: No such file (os error 2)` over `No such file (os error 2)`) is not repeated.
fn error_text(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let c = cause.to_string();
        if !text.contains(&c) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&c);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every option and argument of every subcommand, with the path of subcommands to it.
    fn all_args(cmd: &clap::Command, path: &str, out: &mut Vec<(String, Option<String>)>) {
        for a in cmd.get_arguments() {
            if matches!(a.get_id().as_str(), "help" | "version") {
                continue;
            }
            out.push((
                format!("{path} {}", a.get_id()),
                a.get_help().map(|h| h.to_string()),
            ));
        }
        for sub in cmd.get_subcommands() {
            all_args(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_option_of_every_subcommand_has_a_help_line() {
        let mut args = Vec::new();
        all_args(&super::Cli::command(), "renkei", &mut args);
        assert!(args.len() > 30, "{args:?}");
        let missing: Vec<_> = args
            .iter()
            .filter(|(_, h)| h.as_deref().is_none_or(|h| h.trim().is_empty()))
            .map(|(p, _)| p.as_str())
            .collect();
        assert!(missing.is_empty(), "without a help line: {missing:?}");
    }

    #[test]
    fn a_cause_already_in_the_message_is_said_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file (os error 2)");
        #[derive(Debug)]
        struct E(std::io::Error);
        impl std::fmt::Display for E {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "/x: {}", self.0)
            }
        }
        impl std::error::Error for E {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let e = anyhow::Error::new(E(io));
        assert_eq!(super::error_text(&e), "/x: No such file (os error 2)");
        let e = anyhow::anyhow!("inner").context("outer");
        assert_eq!(super::error_text(&e), "outer: inner");
    }
}
