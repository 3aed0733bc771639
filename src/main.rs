//! `renkei`: the command-line program. It parses arguments and calls the crates; it holds
//! no rule of the standard and no hub behaviour of its own.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod human;

#[derive(Parser)]
#[command(
    name = "renkei",
    version,
    about = "ケアプランデータ連携 conformance and simulation suite"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Units {
    /// Folders, and several files named together, get send-unit checks; a lone file does not.
    Auto,
    On,
    Off,
}

#[derive(Subcommand)]
enum Command {
    /// Validate interface files (files or folders, folders recursively).
    Validate {
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Send-unit (ファイル連番) checks.
        #[arg(long, value_enum, default_value_t = Units::Auto)]
        units: Units,
        /// Show warnings in human output (they are always in JSON).
        #[arg(long, short = 'w')]
        warnings: bool,
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Print the standard as data: files, items, code lists, diagnostics.
    Spec {
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Revision (4.1 by default; 3.2).
        #[arg(long)]
        revision: Option<String>,
        /// List the diagnostic codes instead.
        #[arg(long)]
        diagnostics: bool,
        /// List the writer's conversion table for characters outside MS932.
        #[arg(long)]
        conversions: bool,
        /// One file kind (UPPLAN, UPJSK, …); all when omitted.
        kind: Option<String>,
    },
    /// Write synthetic, valid send units of every kind (both revisions) into a folder.
    Sample {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 6)]
        users: usize,
        /// Use this 事業所番号 for the 居宅介護支援事業所 (e.g. a hub world's office).
        #[arg(long)]
        kyotaku: Option<String>,
        /// Use these 事業所番号 for the providers, in order: 訪問介護, 通所介護, 福祉用具貸与, 訪問看護.
        #[arg(long, value_delimiter = ',')]
        providers: Vec<String>,
    },
    /// Regenerate the fixture corpus (cases + manifest) into a folder.
    Fixtures {
        #[arg(long, default_value = "fixtures")]
        out: PathBuf,
    },
    /// Run every scenario (flows ①–⑫ and the failure cases) against embedded hubs and write
    /// junit.xml, cucumber.json and index.html.
    Run {
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
    },
    /// The PKI the mock hub trusts (root, issuing CAs, CRLs, office certificates).
    Pki {
        #[command(subcommand)]
        command: PkiCommand,
    },
    /// The mock hub (連携基盤).
    Hub {
        #[command(subcommand)]
        command: HubCommand,
    },
}

#[derive(Subcommand)]
enum PkiCommand {
    /// Write a ready PKI (PEM) for a world file, or the demo world with world.toml and demo.json.
    Init {
        /// Folder to write into.
        #[arg(long)]
        dir: PathBuf,
        /// The demo world of hub.md (one identity per expected outcome).
        #[arg(long, conflicts_with = "world", required_unless_present = "world")]
        demo: bool,
        /// A world file (TOML) whose offices get certificates.
        #[arg(long)]
        world: Option<PathBuf>,
        /// Date the PKI around this instant (RFC 3339) instead of now.
        #[arg(long)]
        now: Option<renkei_simulator::world::Instant>,
    },
}

#[derive(Subcommand)]
enum HubCommand {
    /// Serve the hub over mutual TLS; one log line per request on standard error.
    Serve {
        #[arg(long)]
        world: PathBuf,
        /// The PKI folder written by `renkei pki init`.
        #[arg(long)]
        pki: PathBuf,
        /// Folder of the durable store (created if missing).
        #[arg(long)]
        data: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: std::net::SocketAddr,
        /// Pin the clock's start (RFC 3339); it then runs. Overrides the world's hub.now.
        #[arg(long)]
        now: Option<renkei_simulator::world::Instant>,
        /// Also validate every file with the spec validator (FILE_INVALID).
        #[arg(long)]
        strict: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("renkei: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Validate {
            format,
            units,
            warnings,
            paths,
        } => {
            use renkei_spec::validate::{Options, UnitChecks};
            let opts = Options {
                units: match units {
                    Units::Auto => UnitChecks::Auto,
                    Units::On => UnitChecks::On,
                    Units::Off => UnitChecks::Off,
                },
                ..Options::default()
            };
            let report = renkei_spec::validate::validate_paths(&paths, &opts)?;
            let out = std::io::stdout();
            let mut out = out.lock();
            match format {
                Format::Json => {
                    serde_json::to_writer_pretty(&mut out, &report)?;
                    writeln!(out)?;
                }
                Format::Human => human::print_report(&mut out, &report, warnings)?,
            }
            Ok(if report.summary.invalid == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Spec {
            format,
            revision,
            diagnostics,
            conversions,
            kind,
        } => {
            let out = std::io::stdout();
            let mut out = out.lock();
            human::print_spec(
                &mut out,
                format == Format::Json,
                revision.as_deref(),
                diagnostics,
                conversions,
                kind.as_deref(),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Sample {
            out,
            seed,
            users,
            kyotaku,
            providers,
        } => {
            let mut w = renkei_spec::sample::World::generate(seed, users);
            if let Some(k) = kyotaku {
                w.kyotaku.office = k;
            }
            if providers.len() > w.providers.len() {
                anyhow::bail!("--providers: at most {} offices", w.providers.len());
            }
            for (p, number) in w.providers.iter_mut().zip(providers) {
                p.office = number;
            }
            let n = renkei_spec::corpus::write_samples_of(&out, &w)?;
            println!("{n} files written to {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Fixtures { out } => {
            let n = renkei_spec::corpus::write_corpus(&out)?;
            println!("{n} cases written to {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Run {
            tags,
            out,
            features,
            concurrency,
        } => {
            // The features in the source tree, else the copies built into this program.
            let embedded;
            let features = match features {
                Some(f) => f,
                None if renkei_scenarios::features_dir().is_dir() => {
                    renkei_scenarios::features_dir()
                }
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
                tags,
                out: Some(out.clone()),
                concurrency,
                progress: true,
            };
            let rt = tokio::runtime::Runtime::new()?;
            let run = rt.block_on(renkei_scenarios::run(&opts))?;
            let (passed, failed, skipped) = run.counts();
            let flow: String = renkei_reports::model::FLOW_STEPS
                .iter()
                .map(|(n, _)| {
                    let mark = match run.coverage.flow_steps.get(*n) {
                        Some(renkei_reports::Status::Passed) => "✔",
                        Some(renkei_reports::Status::Failed) => "✘",
                        Some(renkei_reports::Status::Skipped) => "－",
                        Some(renkei_reports::Status::Undefined) => "？",
                        None => "·",
                    };
                    format!("{n}{mark} ")
                })
                .collect();
            println!();
            println!("flow: {flow}");
            println!(
                "scenarios: {passed} passed, {failed} failed, {skipped} not run ({:.1} s)",
                run.duration_ms as f64 / 1000.0
            );
            print!("{}", renkei_scenarios::runner::failure_summary(&run));
            for name in ["junit.xml", "cucumber.json", "index.html"] {
                println!("report: {}", out.join(name).display());
            }
            if run.scenarios().next().is_none() {
                println!("no scenario ran (does --tags match any?)");
            }
            Ok(if run.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Pki {
            command:
                PkiCommand::Init {
                    dir,
                    demo,
                    world,
                    now,
                },
        } => {
            use renkei_simulator::pki::{init_dir, InitSource};
            let now = now
                .map(|i| i.0)
                .unwrap_or_else(time::OffsetDateTime::now_utc);
            let loaded;
            let source = match (&world, demo) {
                (Some(path), _) => {
                    let (w, warnings) = renkei_simulator::world::World::load(path)?;
                    for w in warnings {
                        eprintln!("renkei: world: {}: {}", w.office, w.message);
                    }
                    loaded = w;
                    InitSource::World(&loaded)
                }
                (None, _) => InitSource::Demo,
            };
            let w = init_dir(&dir, source, now)?;
            println!(
                "PKI for {} offices written to {}{}",
                w.offices.len(),
                dir.display(),
                if demo {
                    " (with world.toml and demo.json)"
                } else {
                    ""
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Hub {
            command:
                HubCommand::Serve {
                    world,
                    pki,
                    data,
                    listen,
                    now,
                    strict,
                },
        } => {
            let files = renkei_simulator::hub::ServeFiles {
                world,
                pki,
                data,
                listen,
                now: now.map(|i| i.0),
                strict,
            };
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async {
                let server = renkei_simulator::hub::start_from_files(&files).await?;
                println!("renkei hub listening on {}", server.url());
                std::io::stdout().flush()?;
                tokio::signal::ctrl_c().await?;
                server.shutdown().await;
                anyhow::Ok(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
