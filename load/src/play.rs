//! `renkei load` as one call: the world, the PKI, the target (embedded, external, or a
//! `renkei hub serve` child under chaos), the run, the report, the gates and the output
//! folder. The CLI only parses arguments into [`PlayOptions`] and shows progress.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use renkei_simulator::world::{HubSettings, World};

use crate::gate::{self, GateResult, Threshold};
use crate::profile::{Profile, Schedule, Shard};
use crate::report::{self, Context, LoadReport, WorldReport};
use crate::run::{self, Credentials, Hooks, RunOptions, Snapshot, Target};
use crate::target;
use crate::world::{LoadWorld, WorldParams};

/// The world parameters' file beside the hub's world.toml (`renkei load init`).
pub const PARAMS_FILE: &str = "load-world.toml";

/// Why `renkei load` could not run (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum PlayError {
    /// World parameters out of range.
    #[error(transparent)]
    World(#[from] crate::world::WorldParamsError),
    /// A bad profile.
    #[error(transparent)]
    Profile(#[from] crate::profile::ProfileError),
    /// A bad threshold or tolerance.
    #[error(transparent)]
    Gate(#[from] gate::GateError),
    /// The target could not be set up.
    #[error(transparent)]
    Target(#[from] target::TargetError),
    /// The run could not be made.
    #[error(transparent)]
    Run(#[from] run::RunError),
    /// A baseline or shard could not be read, or shards do not merge.
    #[error(transparent)]
    Report(#[from] report::ReportError),
    /// The chaos could not be set up.
    #[error(transparent)]
    Chaos(#[from] crate::chaos::ChaosError),
    /// Options that do not go together, or a file that is not what it should be.
    #[error("{0}")]
    Usage(String),
}

/// Where the run goes.
#[derive(Debug, Clone)]
pub enum TargetSpec {
    /// The embedded hub.
    Embedded,
    /// An external hub: its URL, and the folder of `renkei load init` (world.toml,
    /// load-world.toml, the PKI).
    External {
        /// `https://host:port`.
        url: String,
        /// The hub's world.toml (load-world.toml beside it).
        world: PathBuf,
        /// The PKI folder.
        pki: PathBuf,
    },
    /// `renkei hub serve` started by this run (the program `renkei` at `program`), killed
    /// and restarted as `chaos` says.
    Served {
        /// The `renkei` program.
        program: PathBuf,
        /// The chaos.
        chaos: crate::chaos::Chaos,
    },
}

/// Everything `renkei load` is asked.
#[derive(Debug, Clone)]
pub struct PlayOptions {
    /// The world.
    pub world: WorldParams,
    /// `month-end` or a profile file.
    pub profile: String,
    /// The run's bounds.
    pub run: RunOptions,
    /// Which slice.
    pub shard: Shard,
    /// Where to.
    pub target: TargetSpec,
    /// Thresholds (parsed first: a bad one is a usage error before anything runs).
    pub thresholds: Vec<String>,
    /// A previous load.json and the tolerance.
    pub baseline: Option<(PathBuf, f64)>,
    /// The output folder (load.json, index.html).
    pub out: PathBuf,
}

/// A played month: the report and whether its gates held.
pub struct Outcome {
    /// The report (also written to `out/load.json`).
    pub report: LoadReport,
}

impl Outcome {
    /// Whether every gate held.
    pub fn gates_passed(&self) -> bool {
        self.report.gates.iter().all(|g| g.passed)
    }
}

/// The hub settings of a load world: the defaults, with an office quota for a month of
/// sends (the retention is what purges them).
pub fn hub_settings() -> HubSettings {
    HubSettings::default()
}

/// Reads the world of `renkei load init`: the parameters beside `world_toml`, regenerated,
/// and checked against the hub's world.
fn external_world(world_toml: &Path) -> Result<LoadWorld, PlayError> {
    let params_path = world_toml.with_file_name(PARAMS_FILE);
    let text = std::fs::read_to_string(&params_path).map_err(|e| {
        PlayError::Usage(format!(
            "{}: 読めません（renkei load init が書くファイルです）: {e}",
            params_path.display()
        ))
    })?;
    let params: WorldParams = toml::from_str(&text)
        .map_err(|e| PlayError::Usage(format!("{}: {e}", params_path.display())))?;
    let world = LoadWorld::generate(&params)?;
    let (hub, _) = World::load(world_toml).map_err(|e| PlayError::Usage(e.to_string()))?;
    let want = world.summary().hub_offices as usize;
    if hub.offices.len() != want
        || hub
            .offices
            .iter()
            .any(|o| world.index_of(&o.number).is_none())
    {
        return Err(PlayError::Usage(format!(
            "{}: {} の世界と事業所が合いません（{} 事業所、期待 {}）",
            world_toml.display(),
            PARAMS_FILE,
            hub.offices.len(),
            want
        )));
    }
    Ok(world)
}

/// `renkei load init`: writes `dir/world.toml`, `dir/load-world.toml` and the PKI, so that
/// `renkei hub serve --world dir/world.toml --pki dir` serves the world. Returns the
/// generated PKI's timing.
pub fn init(params: &WorldParams, dir: &Path) -> Result<target::GeneratedPki, PlayError> {
    let world = LoadWorld::generate(params)?;
    let hub_world = world.hub_world(hub_settings(), time::OffsetDateTime::now_utc().date());
    let pki = target::generate_pki(&hub_world)?;
    let io = |e: std::io::Error| PlayError::Usage(format!("{}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(io)?;
    std::fs::write(dir.join("world.toml"), hub_world.to_toml()).map_err(io)?;
    std::fs::write(
        dir.join(PARAMS_FILE),
        toml::to_string_pretty(params).unwrap_or_default(),
    )
    .map_err(io)?;
    pki.pki
        .write(dir)
        .map_err(|e| PlayError::Usage(e.to_string()))?;
    Ok(pki)
}

/// Plays the month as `opts` says; `progress` gets the live figures.
pub async fn play(
    opts: &PlayOptions,
    progress: Box<dyn Fn(&Snapshot) + Send + Sync>,
) -> Result<Outcome, PlayError> {
    let thresholds = opts
        .thresholds
        .iter()
        .map(|t| Threshold::parse(t))
        .collect::<Result<Vec<_>, _>>()?;
    let baseline = match &opts.baseline {
        Some((p, tol)) => Some((LoadReport::read(p)?, *tol)),
        None => None,
    };
    let profile = Profile::load(&opts.profile)?;
    let load_start = report::load_average();
    let today = time::OffsetDateTime::now_utc().date();
    let (world, target, keep, certificates, per_1000) = match &opts.target {
        TargetSpec::Embedded => {
            let world = LoadWorld::generate(&opts.world)?;
            let hub_world = world.hub_world(hub_settings(), today);
            let pki = target::generate_pki(&hub_world)?;
            let hub = target::start_embedded(hub_world, &pki.pki).await?;
            let t = target::embedded_target(&hub, &world, &pki.pki);
            (
                world,
                t,
                Keep::Embedded(hub),
                pki.offices,
                pki.ms_per_1000(),
            )
        }
        TargetSpec::External { url, world, pki } => {
            let w = external_world(world)?;
            let root = std::fs::read_to_string(pki.join("ca.pem"))
                .map_err(|e| PlayError::Usage(format!("{}: {e}", pki.join("ca.pem").display())))?;
            let t = Target {
                url: url.clone(),
                root_pem: root,
                credentials: Credentials::Dir(pki.clone()),
            };
            (w, t, Keep::Nothing, 0, 0.0)
        }
        TargetSpec::Served { program, chaos } => {
            let dir = tempfile::tempdir().map_err(|e| PlayError::Usage(e.to_string()))?;
            let pki = init(&opts.world, dir.path())?;
            let world = LoadWorld::generate(&opts.world)?;
            let served = crate::chaos::Served::start(program, dir.path()).await?;
            let t = Target {
                url: served.url(),
                root_pem: pki.pki.root_pem(),
                credentials: target::memory_credentials(&world, &pki.pki),
            };
            let runner = crate::chaos::Runner::start(served, chaos.clone());
            (
                world,
                t,
                Keep::Served(runner, dir),
                pki.offices,
                pki.ms_per_1000(),
            )
        }
    };
    let world = Arc::new(world);
    let schedule = Arc::new(Schedule::build(&profile, &world, opts.shard));
    let target_name = match &opts.target {
        TargetSpec::Embedded => "embedded".to_string(),
        TargetSpec::External { url, .. } => url.clone(),
        TargetSpec::Served { chaos, .. } => format!("renkei hub serve, chaos: {chaos}"),
    };
    let before_reconcile: Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>> =
        match &keep {
            Keep::Served(r, _) => {
                let r = r.clone();
                Some(Box::pin(async move { r.stop().await }))
            }
            _ => None,
        };
    let played = run::run(
        world.clone(),
        &profile,
        schedule.clone(),
        opts.shard,
        target,
        opts.run.clone(),
        Hooks {
            progress,
            before_reconcile,
        },
    )
    .await?;
    let mut report = LoadReport::build(
        Context {
            world: WorldReport {
                params: opts.world.clone(),
                summary: world.summary(),
                certificates,
                certificate_ms_per_1000: per_1000,
            },
            profile: &profile,
            schedule: &schedule,
            target: target_name,
            shard: opts.shard,
            duration_s: opts.run.duration.as_secs_f64(),
            max_sends: opts.run.max_sends,
            load_start,
        },
        &played,
    );
    if let Keep::Served(r, _) = &keep {
        report.chaos = Some(r.facts());
    }
    report.gates = gates(&report, &thresholds, baseline.as_ref());
    match keep {
        Keep::Embedded(hub) => hub.server.shutdown().await,
        Keep::Served(r, dir) => {
            r.shutdown().await;
            drop(dir);
        }
        Keep::Nothing => {}
    }
    write_out(&opts.out, &report)?;
    Ok(Outcome { report })
}

/// What must live as long as the run.
enum Keep {
    Embedded(target::Embedded),
    Served(crate::chaos::Runner, tempfile::TempDir),
    Nothing,
}

/// Every threshold and the baseline checks.
pub fn gates(
    r: &LoadReport,
    thresholds: &[Threshold],
    baseline: Option<&(LoadReport, f64)>,
) -> Vec<GateResult> {
    let mut out: Vec<GateResult> = thresholds.iter().map(|t| t.check(r)).collect();
    if let Some((base, tol)) = baseline {
        out.extend(gate::against_baseline(r, base, *tol));
    }
    out
}

/// Writes `load.json` and `index.html` into `out`.
pub fn write_out(out: &Path, report: &LoadReport) -> Result<(), PlayError> {
    let io = |p: &Path, e: std::io::Error| PlayError::Usage(format!("{}: {e}", p.display()));
    std::fs::create_dir_all(out).map_err(|e| io(out, e))?;
    let json = out.join("load.json");
    std::fs::write(&json, report.to_json()).map_err(|e| io(&json, e))?;
    let html = out.join("index.html");
    std::fs::write(&html, crate::html::render(report)).map_err(|e| io(&html, e))?;
    Ok(())
}

/// `renkei load merge`: reads each folder's load.json, merges them, writes `out`.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<LoadReport, PlayError> {
    let parts = dirs
        .iter()
        .map(|d| LoadReport::read(&d.join("load.json")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut merged = LoadReport::merge(&parts)?;
    // Gates are judged per run; a merged report carries none.
    merged.gates.clear();
    write_out(out, &merged)?;
    Ok(merged)
}

/// Parses `90s`, `10m`, `1h`, `1.5m` into a duration.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("「{s}」は 30s, 10m, 1h の形の時間ではありません");
    let t = s.trim();
    let (n, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = t.strip_suffix('h') {
        (n, 3600.0)
    } else {
        return Err(bad());
    };
    let v: f64 = n.parse().map_err(|_| bad())?;
    if !(v.is_finite() && v > 0.0 && v * scale <= 7.0 * 86_400.0) {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(v * scale))
}
