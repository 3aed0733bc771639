//! `renkei adapter`: the reference adapter (contract renkei-adapter/1) on renkei's own codec.

use std::io::Write as _;
use std::path::PathBuf;

use super::Verdict;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Print the capabilities (every role, revision and file kind).
    Capabilities,
    /// Write the files of the send unit in FILE (canonical JSON) into DIR.
    Export {
        /// The send unit to export (canonical JSON, renkei-send-unit/1).
        #[arg(long)]
        unit: PathBuf,
        /// The folder to write its CSV files into.
        #[arg(long)]
        out: PathBuf,
    },
    /// Import the send unit in DIR; write its canonical JSON, or {"rejected": …}, to FILE.
    Import {
        /// The folder holding the send unit's CSV files.
        #[arg(long)]
        unit: PathBuf,
        /// The file to write the canonical JSON (or the rejection) to.
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(c: Command) -> anyhow::Result<Verdict> {
    use renkei_certify::reference;
    match c {
        Command::Capabilities => {
            writeln!(
                std::io::stdout(),
                "{}",
                serde_json::to_string(&reference::capabilities())?
            )?;
        }
        Command::Export { unit, out } => {
            reference::export(&unit, &out)?;
        }
        Command::Import { unit, out } => {
            reference::import(&unit, &out)?;
        }
    }
    Ok(Verdict::Clean)
}
