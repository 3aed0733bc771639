//! `renkei run`: the scenarios on embedded hubs, with their reports.

use std::path::PathBuf;

use super::Verdict;
use crate::human;

/// The exit codes, shown at the end of `renkei run --help`.
const EXIT_CODES: &str = "Exit codes:\n  0  every scenario passed\n  1  a scenario failed or has an undefined step, a feature file does not parse, or no scenario ran\n  2  usage or input/output error (a bad --tags expression, an unwritable --out; nothing ran)";

#[derive(clap::Args)]
#[command(after_help = EXIT_CODES)]
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
    /// A vendor's adapter (renkei-adapter/1) to play one role of every scenario (with --as).
    #[arg(long, requires = "role")]
    adapter: Option<String>,
    /// The role the adapter's software plays: kyotaku (exports 予定, imports 実績) or provider
    /// (imports 予定, exports 実績).
    #[arg(long = "as", id = "role", value_enum, requires = "adapter")]
    role: Option<Role>,
    /// Seconds one adapter call may take.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
}

/// The role a vendor's software plays in the scenarios.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Role {
    /// 居宅介護支援事業所.
    Kyotaku,
    /// サービス事業所.
    Provider,
}

pub fn run(a: Args) -> anyhow::Result<Verdict> {
    // A bad tag expression or an unwritable report folder is refused before anything runs.
    if let Some(t) = &a.tags {
        renkei_scenarios::runner::parse_tags(t)?;
    }
    writable(&a.out)?;
    if let (Some(cmd), Some(role)) = (&a.adapter, a.role) {
        use renkei_scenarios::vendor::VendorRole;
        let adapter = renkei_certify::adapter::Adapter::new(
            cmd,
            std::time::Duration::from_secs(a.timeout.max(1)),
        )
        .map_err(anyhow::Error::msg)?;
        let role = match role {
            Role::Kyotaku => VendorRole::Kyotaku,
            Role::Provider => VendorRole::Provider,
        };
        let office = renkei_certify::in_flows::AdapterOffice::new(adapter, role)
            .map_err(anyhow::Error::msg)?;
        renkei_scenarios::vendor::set(std::sync::Arc::new(office)).map_err(anyhow::Error::msg)?;
    }
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
    let tags = a.tags.clone();
    let opts = renkei_scenarios::RunOptions {
        features,
        tags: a.tags,
        out: Some(a.out.clone()),
        concurrency: a.concurrency,
        progress: true,
        command_line: command_line(),
    };
    let rt = tokio::runtime::Runtime::new()?;
    let run = rt.block_on(renkei_scenarios::run(&opts))?;
    human::print_run_summary(&mut std::io::stdout().lock(), &run, &a.out, tags.as_deref())?;
    Ok(Verdict::from_ok(run.passed()))
}

/// The command line as typed (for the reports' provenance): the program's name, then each
/// argument, quoted as a POSIX shell would need it.
fn command_line() -> String {
    let mut args = std::env::args_os();
    let program = args
        .next()
        .map(|p| {
            std::path::Path::new(&p)
                .file_name()
                .map_or("renkei".into(), |n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "renkei".into());
    std::iter::once(program)
        .chain(args.map(|a| {
            let a = a.to_string_lossy().into_owned();
            shlex::try_quote(&a).map_or(a.clone(), |q| q.into_owned())
        }))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Refuses a report folder that cannot be created or written, before any scenario runs.
fn writable(dir: &std::path::Path) -> anyhow::Result<()> {
    let refuse = |e: std::io::Error| {
        anyhow::anyhow!(
            "--out {}: cannot write the reports there: {e}",
            dir.display()
        )
    };
    std::fs::create_dir_all(dir).map_err(refuse)?;
    let probe = dir.join(".renkei-write-test");
    std::fs::write(&probe, b"").map_err(refuse)?;
    std::fs::remove_file(&probe).map_err(refuse)?;
    Ok(())
}
