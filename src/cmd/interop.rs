//! `renkei interop`: which pairs of vendors' software exchange every unit cleanly.

use std::path::PathBuf;
use std::time::Duration;

use super::Verdict;

#[derive(clap::Args)]
pub struct Args {
    /// An adapter command (give two or more).
    #[arg(long = "adapter", required = true)]
    adapters: Vec<String>,
    /// Where interop.json and interop.html go.
    #[arg(long, default_value = "target/renkei-interop")]
    out: PathBuf,
    /// Seconds one adapter call may take.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
}

pub fn run(a: Args) -> anyhow::Result<Verdict> {
    use renkei_certify::interop::{interop, InteropError};
    let m = match interop(&a.adapters, Duration::from_secs(a.timeout.max(1))) {
        Ok(m) => m,
        Err(InteropError::Capabilities(why)) => {
            eprintln!("renkei: {why}");
            return Ok(Verdict::Findings);
        }
        Err(e) => return Err(e.into()),
    };
    std::fs::create_dir_all(&a.out)?;
    std::fs::write(
        a.out.join("interop.json"),
        serde_json::to_string_pretty(&m)? + "\n",
    )?;
    std::fs::write(
        a.out.join("interop.html"),
        renkei_reports::certification::interop::render(&m),
    )?;
    crate::human::print_interop(&mut std::io::stdout().lock(), &m, &a.out)?;
    Ok(Verdict::from_ok(
        m.cells.iter().all(|c| c.is_clean() || c.units == 0),
    ))
}
