//! `renkei sample`: synthetic, valid send units of every kind.

use std::io::Write as _;
use std::path::PathBuf;

use super::Verdict;

#[derive(clap::Args)]
pub struct Args {
    /// The folder to write into (one sub-folder per revision and send unit).
    #[arg(long)]
    out: PathBuf,
    /// The seed of the generator: the same seed gives the same files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Users (利用者) per 居宅, at least 1.
    #[arg(long, default_value_t = 6, value_parser = at_least_one)]
    users: usize,
    /// Use this 事業所番号 for the 居宅介護支援事業所 (e.g. a hub world's office).
    #[arg(long)]
    kyotaku: Option<String>,
    /// Use these 事業所番号 for the providers, in order: 訪問介護, 通所介護, 福祉用具貸与, 訪問看護.
    #[arg(long, value_delimiter = ',')]
    providers: Vec<String>,
}

pub fn run(a: Args) -> anyhow::Result<Verdict> {
    let mut w = renkei_spec::sample::World::generate(a.seed, a.users);
    if let Some(k) = a.kyotaku {
        w.kyotaku.office = k;
    }
    if a.providers.len() > w.providers.len() {
        anyhow::bail!("--providers: at most {} offices", w.providers.len());
    }
    for (p, number) in w.providers.iter_mut().zip(a.providers) {
        p.office = number;
    }
    let n = renkei_spec::corpus::write_samples_of(&a.out, &w)?;
    writeln!(
        std::io::stdout(),
        "{n} files written to {}",
        a.out.display()
    )?;
    Ok(Verdict::Clean)
}

/// `--users`: a whole number, at least 1 (a send unit without a user is not a send unit).
fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("at least 1 user is needed (a sample without users has no records)".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("a whole number of users: {e}")),
    }
}
