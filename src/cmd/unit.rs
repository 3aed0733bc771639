//! `renkei unit`: a CSV send unit ⇄ its canonical JSON (renkei-send-unit/1), for adapter glue.

use std::io::Write as _;
use std::path::PathBuf;

use super::Verdict;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Read the send unit in DIR (every file and send-unit rule) and print its canonical JSON.
    ToJson {
        /// The folder holding one send unit's files.
        dir: PathBuf,
    },
    /// Print the JSON Schema of the canonical JSON (docs/send-unit.schema.json).
    Schema,
    /// Write the files of the send unit in FILE (canonical JSON) into DIR.
    FromJson {
        /// The canonical JSON file.
        file: PathBuf,
        /// The folder to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(c: Command) -> anyhow::Result<Verdict> {
    match c {
        Command::ToJson { dir } => {
            let files =
                renkei_certify::adapter::read_dir_files(&dir).map_err(anyhow::Error::msg)?;
            match renkei_certify::reference::import_files(&files) {
                Ok(unit) => {
                    write!(std::io::stdout(), "{}", unit.to_json_string()?)?;
                    Ok(Verdict::Clean)
                }
                Err(reason) => {
                    eprintln!("renkei: {}: not a valid send unit: {reason}", dir.display());
                    Ok(Verdict::Findings)
                }
            }
        }
        Command::Schema => {
            writeln!(
                std::io::stdout(),
                "{}",
                serde_json::to_string_pretty(&renkei_spec::model::json_schema())?
            )?;
            Ok(Verdict::Clean)
        }
        Command::FromJson { file, out } => {
            std::fs::create_dir_all(&out)?;
            let n = renkei_certify::reference::export(&file, &out)?;
            writeln!(std::io::stdout(), "{n} files written to {}", out.display())?;
            Ok(Verdict::Clean)
        }
    }
}
