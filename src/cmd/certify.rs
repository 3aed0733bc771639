//! `renkei certify`: a vendor's software through its adapter, with a publishable bundle.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use renkei_certify::runner::{self, CertifyError, Options};

use super::Verdict;
use crate::human;

#[derive(clap::Args)]
pub struct Args {
    /// The adapter command, split as a shell splits words ("python3 my_adapter.py --profile test").
    #[arg(long, required_unless_present_any = ["list", "catalogue"])]
    adapter: Option<String>,
    /// Only these roles of those the adapter declares (kyotaku, provider, yobo; comma-separated).
    #[arg(long, value_delimiter = ',')]
    roles: Option<Vec<String>>,
    /// Only cases whose ID matches these globs (comma-separated), e.g. "import.*,flow.*".
    #[arg(long)]
    cases: Option<String>,
    /// TOML: case ID (or glob) = "reason"; a listed FAIL is XFAIL, a listed PASS is XPASS.
    #[arg(long)]
    expected_failures: Option<PathBuf>,
    /// The bundle folder.
    #[arg(long, default_value = "target/renkei-certify")]
    out: PathBuf,
    /// Seconds one adapter call may take.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// Cases run at once.
    #[arg(long, default_value_t = 2)]
    jobs: usize,
    /// List the case library (ID, pattern, group, title) and exit.
    #[arg(long)]
    list: bool,
    /// Write the case catalogue (TOML) to this file and exit.
    #[arg(long, hide = true)]
    catalogue: Option<PathBuf>,
}

pub fn run(a: Args) -> anyhow::Result<Verdict> {
    let lib = renkei_certify::library::library();
    if let Some(path) = &a.catalogue {
        std::fs::write(path, renkei_certify::library::catalogue(lib)?)?;
        writeln!(
            std::io::stdout(),
            "{} cases written to {}",
            lib.cases.len(),
            path.display()
        )?;
        return Ok(Verdict::Clean);
    }
    if a.list {
        let cases = renkei_certify::library::select(lib, a.cases.as_deref())
            .map_err(|e| anyhow::anyhow!("--cases: {e}"))?;
        human::print_case_list(&mut std::io::stdout().lock(), &cases)?;
        return Ok(Verdict::Clean);
    }
    let opts = Options {
        adapter: a.adapter.unwrap_or_default(),
        timeout: Duration::from_secs(a.timeout.max(1)),
        roles: a.roles,
        cases: a.cases,
        expected_failures: a.expected_failures,
        out: Some(a.out.clone()),
        jobs: a.jobs.max(1),
        command: command_line(),
    };
    let plan = match runner::plan(&opts) {
        Ok(p) => p,
        Err(CertifyError::Capabilities { error, stderr }) => {
            let why = format!(
                "the adapter did not answer `capabilities` as renkei-adapter/1 says: {error}"
            );
            eprintln!("renkei: {why}");
            if !stderr.trim().is_empty() {
                eprintln!("adapter stderr:\n{}", stderr.trim_end());
            }
            let full = format!("{why}\n{}", stderr.trim_end());
            for p in runner::write_refused_bundle(&opts, &full, &a.out)? {
                writeln!(std::io::stdout(), "bundle: {}", p.display())?;
            }
            return Ok(Verdict::Findings);
        }
        Err(e) => return Err(e.into()),
    };
    let progress = human::CaseProgress::new(plan.len());
    let c = runner::run(&plan, &opts, &|r| progress.case(r))?;
    progress.finish();
    let written = runner::write_bundle(&c, &plan, &a.out)?;
    human::print_certification(&mut std::io::stdout().lock(), &c, &written)?;
    // Nothing certified (every case SKIP or UNSUPPORTED) is not a pass for a CI gate.
    Ok(Verdict::from_ok(!c.has_failures() && !c.nothing_tested()))
}

/// The command line as a shell would need it typed again.
pub fn command_line() -> String {
    let args: Vec<String> = std::env::args().collect();
    shlex::try_join(args.iter().map(String::as_str)).unwrap_or_else(|_| args.join(" "))
}
