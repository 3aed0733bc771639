//! `renkei adapter`: the reference adapter (contract renkei-adapter/1) on renkei's own codec.

use std::path::PathBuf;

use super::Verdict;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Print the capabilities (every role, revision and file kind).
    Capabilities,
    /// Write the files of the send unit in FILE (canonical JSON) into DIR.
    Export {
        #[arg(long)]
        unit: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Import the send unit in DIR; write its canonical JSON, or {"rejected": …}, to FILE.
    Import {
        #[arg(long)]
        unit: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(c: Command) -> anyhow::Result<Verdict> {
    use renkei_certify::reference;
    match c {
        Command::Capabilities => {
            println!("{}", serde_json::to_string(&reference::capabilities())?);
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
