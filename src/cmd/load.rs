//! `renkei load`: a month of the exchange against a hub (docs/LOAD.md). Exit 0 when the
//! reconciliation holds and every gate too, 1 on a lost, duplicated or corrupted send, 99
//! when a threshold or the baseline is crossed, 2 on a usage error.

use std::path::PathBuf;
use std::time::Duration;

use renkei_load::play::{self, PlayOptions, TargetSpec};
use renkei_load::profile::Shard;
use renkei_load::run::RunOptions;
use renkei_load::world::{parse_shares, WorldParams};

use super::Verdict;

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Sub>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(clap::Subcommand)]
enum Sub {
    /// Write a load world (DIR/world.toml, DIR/load-world.toml) and its PKI, for
    /// `renkei hub serve --world DIR/world.toml --pki DIR` and `renkei load --hub …`.
    Init {
        /// The folder to write the world and its PKI into.
        #[arg(long)]
        dir: PathBuf,
        #[command(flatten)]
        world: WorldArgs,
    },
    /// Merge the load.json of shards (histograms merged, reconciliation added) into --out.
    Merge {
        /// The shards' output folders.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where the merged load.json and index.html go.
        #[arg(long, default_value = "load-merged")]
        out: PathBuf,
    },
}

#[derive(clap::Args, Clone)]
struct WorldArgs {
    /// `small` (the default, about a minute) or `national` (≈ 41,600 居宅, ≈ 287,000 offices).
    #[arg(long, default_value = "small")]
    scale: String,
    /// The seed the world is generated from (the same seed, the same world).
    #[arg(long)]
    seed: Option<u64>,
    /// 居宅介護支援事業所.
    #[arg(long)]
    kyotaku: Option<u32>,
    /// サービス事業所 in the pool.
    #[arg(long)]
    providers: Option<u32>,
    /// Providers per 居宅, `min..max`.
    #[arg(long)]
    providers_per_kyotaku: Option<String>,
    /// 利用者 per 居宅 (spread over its providers).
    #[arg(long)]
    users_per_kyotaku: Option<u32>,
    /// Provider service type shares, `11=0.3,15=0.2,…`.
    #[arg(long)]
    service_shares: Option<String>,
    /// Share of offices on the system, 0–1.
    #[arg(long)]
    adoption: Option<f64>,
    /// Share of pairs whose plan changes mid-month (a second 予定 under a new ファイル連番), 0–1.
    #[arg(long)]
    change_rate: Option<f64>,
    /// Share of pairs whose 実績 is corrected (sent again under a new ファイル連番), 0–1.
    #[arg(long)]
    correction_rate: Option<f64>,
    /// Share of pairs that get a deletion (削除, DLTPLAN) mid-month, 0–1.
    #[arg(long)]
    deletion_rate: Option<f64>,
}

#[derive(clap::Args)]
struct RunArgs {
    #[command(flatten)]
    params: WorldArgs,
    /// `month-end` (built in) or a profile file (TOML).
    #[arg(long, default_value = "month-end")]
    profile: String,
    /// Wall time the month is played in (`30s`, `10m`).
    #[arg(long, default_value = "30s")]
    duration: String,
    /// The most sends started.
    #[arg(long, default_value_t = 1_000_000)]
    max_sends: u64,
    /// Sends and polls in flight at most.
    #[arg(long, default_value_t = 512)]
    max_in_flight: usize,
    /// Offices' live clients (TLS set-up and connection) kept at most; past it the least
    /// recently used is dropped and its office reconnects later with the same token.
    #[arg(long, default_value_t = 1024)]
    max_sessions: usize,
    /// Output folder: load.json and index.html.
    #[arg(long, default_value = "load-out")]
    out: PathBuf,
    /// A gate, e.g. `send.p99<200ms`, `errors<0.1%` (exit 99 when crossed); repeatable.
    #[arg(long)]
    threshold: Vec<String>,
    /// A previous load.json: fail (99) when send p99 or sends/s regress beyond --tolerance.
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// How far p99 and sends/s may regress against --baseline (`10%` or `0.1`).
    #[arg(long, default_value = "10%")]
    tolerance: String,
    /// Play the i-th of N slices of the world (`0/4`).
    #[arg(long, default_value = "0/1")]
    shard: String,
    /// An external hub (`https://host:port`), with --world and --pki from `renkei load init`.
    #[arg(long)]
    hub: Option<String>,
    /// The external hub's world (`DIR/world.toml` from `renkei load init`).
    #[arg(long)]
    world: Option<PathBuf>,
    /// The external hub's PKI folder (`DIR` from `renkei load init`).
    #[arg(long)]
    pki: Option<PathBuf>,
    /// `kill-hub every 30s`: start `renkei hub serve` and kill and restart it.
    #[arg(long)]
    chaos: Option<String>,
    /// No live progress bar.
    #[arg(long)]
    quiet: bool,
}

fn world_params(a: &WorldArgs) -> anyhow::Result<WorldParams> {
    let mut p = match a.scale.as_str() {
        "small" => WorldParams::default(),
        "national" => WorldParams::national(),
        other => anyhow::bail!("--scale は small か national です: {other}"),
    };
    macro_rules! set {
        ($($f:ident),*) => { $(if let Some(v) = a.$f { p.$f = v; })* };
    }
    set!(
        seed,
        kyotaku,
        providers,
        users_per_kyotaku,
        adoption,
        change_rate,
        correction_rate,
        deletion_rate
    );
    if let Some(r) = &a.providers_per_kyotaku {
        let (lo, hi) = r
            .split_once("..")
            .and_then(|(l, h)| Some((l.parse().ok()?, h.parse().ok()?)))
            .ok_or_else(|| anyhow::anyhow!("--providers-per-kyotaku は min..max です: {r}"))?;
        p.providers_per_kyotaku_min = lo;
        p.providers_per_kyotaku_max = hi;
    }
    if let Some(s) = &a.service_shares {
        p.service_shares = parse_shares(s)?;
    }
    p.check()?;
    Ok(p)
}

pub fn run(a: Args) -> anyhow::Result<Verdict> {
    match a.command {
        Some(Sub::Init { dir, world }) => {
            let params = world_params(&world)?;
            let pki = play::init(&params, &dir)?;
            println!(
                "renkei load init: {} offices certified in {:.2} s ({:.0} ms per 1,000) into {}",
                pki.offices,
                pki.took.as_secs_f64(),
                pki.ms_per_1000(),
                dir.display()
            );
            println!(
                "serve it: renkei hub serve --world {}/world.toml --pki {} --data DATA",
                dir.display(),
                dir.display()
            );
            Ok(Verdict::Clean)
        }
        Some(Sub::Merge { dirs, out }) => {
            let merged = play::merge(&dirs, &out)?;
            print!("{}", merged.summary());
            println!("merged {} shards into {}", dirs.len(), out.display());
            Ok(Verdict::from_ok(merged.passed()))
        }
        None => play_month(a.run),
    }
}

fn play_month(a: RunArgs) -> anyhow::Result<Verdict> {
    let world = world_params(&a.params)?;
    let duration = play::parse_duration(&a.duration).map_err(anyhow::Error::msg)?;
    let shard = Shard::parse(&a.shard).map_err(anyhow::Error::msg)?;
    let target = match (&a.hub, &a.chaos) {
        (Some(_), Some(_)) => {
            anyhow::bail!("--chaos は renkei が起動するハブ用です（--hub とは併用できません）")
        }
        (Some(url), None) => {
            let (Some(w), Some(p)) = (&a.world, &a.pki) else {
                anyhow::bail!(
                    "--hub には --world DIR/world.toml と --pki DIR が要ります（renkei load init）"
                );
            };
            TargetSpec::External {
                url: url.clone(),
                world: w.clone(),
                pki: p.clone(),
            }
        }
        (None, Some(c)) => TargetSpec::Served {
            program: std::env::current_exe()?,
            chaos: renkei_load::chaos::Chaos::parse(c)?,
        },
        (None, None) => {
            if a.world.is_some() || a.pki.is_some() {
                anyhow::bail!("--world と --pki は --hub と一緒に使います");
            }
            TargetSpec::Embedded
        }
    };
    let tolerance = renkei_load::gate::parse_tolerance(&a.tolerance)?;
    for t in &a.threshold {
        renkei_load::gate::Threshold::parse(t)?;
    }
    let opts = PlayOptions {
        world,
        profile: a.profile,
        run: RunOptions {
            duration,
            max_sends: a.max_sends,
            max_in_flight: a.max_in_flight.max(1),
            max_sessions: a.max_sessions.max(1),
            grace: Duration::from_secs(30),
            timeout: Duration::from_secs(30),
        },
        shard,
        target,
        thresholds: a.threshold,
        baseline: a.baseline.map(|b| (b, tolerance)),
        out: a.out.clone(),
    };
    let bar = crate::human::load_progress(a.quiet);
    let shown = bar.clone();
    let rt = tokio::runtime::Runtime::new()?;
    let outcome = rt.block_on(play::play(
        &opts,
        Box::new(move |s| crate::human::load_tick(&shown, s)),
    ))?;
    bar.finish_and_clear();
    let r = &outcome.report;
    print!("{}", r.summary());
    for g in &r.gates {
        println!(
            "gate {}: {} (measured {:.3})",
            g.gate,
            if g.passed { "held" } else { "CROSSED" },
            g.actual
        );
    }
    println!(
        "wrote {}/load.json and {}/index.html",
        a.out.display(),
        a.out.display()
    );
    if !r.passed() {
        return Ok(Verdict::Findings);
    }
    if !outcome.gates_passed() {
        return Ok(Verdict::GateCrossed);
    }
    Ok(Verdict::Clean)
}
