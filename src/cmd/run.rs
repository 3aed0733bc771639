//! `renkei run`: the scenarios on embedded hubs, with their reports.

use std::path::PathBuf;

use super::Verdict;
use crate::human;

#[derive(clap::Args)]
pub struct Args {
    /// Only scenarios matching this tag expression, e.g. "@flow and not @jisseki".
    #[arg(long)]
    tags: Option<String>,
    /// The run folder for the reports.
    #[arg(long, default_value = "target/renkei-run")]
    out: PathBuf,
    /// A feature file or folder (default: the features shipped with renkei).
    #[arg(long)]
    features: Option<PathBuf>,
    /// Scenarios run at once (each has its own hub).
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
}

pub fn run(a: Args) -> anyhow::Result<Verdict> {
    // The features in the source tree, else the copies built into this program.
    let embedded;
    let features = match a.features {
        Some(f) => f,
        None if renkei_scenarios::features_dir().is_dir() => renkei_scenarios::features_dir(),
        None => {
            embedded = tempfile::tempdir()?;
            renkei_scenarios::write_embedded_features(embedded.path())?
        }
    };
    if !features.exists() {
        anyhow::bail!("{}: no such feature file or folder", features.display());
    }
    let opts = renkei_scenarios::RunOptions {
        features,
        tags: a.tags,
        out: Some(a.out.clone()),
        concurrency: a.concurrency,
        progress: true,
    };
    let rt = tokio::runtime::Runtime::new()?;
    let run = rt.block_on(renkei_scenarios::run(&opts))?;
    human::print_run_summary(&mut std::io::stdout().lock(), &run, &a.out)?;
    Ok(Verdict::from_ok(run.passed()))
}
