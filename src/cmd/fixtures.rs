//! `renkei fixtures`: regenerate the fixture corpus.

use std::io::Write as _;
use std::path::PathBuf;

use super::Verdict;

#[derive(clap::Args)]
pub struct Args {
    /// The corpus folder to write (cases and manifest.toml).
    #[arg(long, default_value = "fixtures")]
    out: PathBuf,
}

pub fn run(a: Args) -> anyhow::Result<Verdict> {
    let n = renkei_spec::corpus::write_corpus(&a.out)?;
    writeln!(
        std::io::stdout(),
        "{n} cases written to {}",
        a.out.display()
    )?;
    Ok(Verdict::Clean)
}
