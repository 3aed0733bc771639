//! `renkei fixtures`: regenerate the fixture corpus.

use std::path::PathBuf;

use super::Verdict;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, default_value = "fixtures")]
    out: PathBuf,
}

pub fn run(a: Args) -> anyhow::Result<Verdict> {
    let n = renkei_spec::corpus::write_corpus(&a.out)?;
    println!("{n} cases written to {}", a.out.display());
    Ok(Verdict::Clean)
}
