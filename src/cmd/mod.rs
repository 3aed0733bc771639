//! One module per command, each `pub fn run(args) -> anyhow::Result<Verdict>`.

pub mod adapter;
pub mod certify;
pub mod fixtures;
pub mod hub;
pub mod interop;
pub mod load;
pub mod pki;
pub mod run;
pub mod sample;
pub mod spec;
pub mod steps;
pub mod unit;
pub mod validate;

/// What a command found. `main` maps it to the exit code: `Clean` 0, `Findings` 1, `GateCrossed`
/// 99, and an error (usage, input/output) 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing wrong: valid files, every scenario passed, the server stopped cleanly.
    Clean,
    /// The command ran and found failures (invalid files, failed scenarios or cases).
    Findings,
    /// `renkei load`: the run reconciled, but a threshold or the baseline was crossed (99).
    GateCrossed,
}

impl Verdict {
    /// `Clean` when `ok`, else `Findings`.
    pub fn from_ok(ok: bool) -> Verdict {
        if ok {
            Verdict::Clean
        } else {
            Verdict::Findings
        }
    }
}

/// Output format of commands that print a report.
#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// For people.
    Human,
    /// For programs.
    Json,
}
