//! `renkei hub`: the mock 連携基盤 as a server.

use std::io::Write;
use std::path::PathBuf;

use super::Verdict;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Serve the hub over mutual TLS; one log line per request on standard error.
    Serve {
        /// The world file (world.toml): offices, licences and the hub's settings.
        #[arg(long)]
        world: PathBuf,
        /// The PKI folder written by `renkei pki init`.
        #[arg(long)]
        pki: PathBuf,
        /// Folder of the durable store (created if missing).
        #[arg(long)]
        data: PathBuf,
        /// The store: `sqlite` (in --data) or a `postgres://…` URL, which several hub
        /// processes may share (each serves any office).
        #[arg(long, default_value = "sqlite")]
        store: String,
        /// The address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: std::net::SocketAddr,
        /// Pin the clock's start (RFC 3339); it then runs. Overrides the world's hub.now.
        #[arg(long)]
        now: Option<renkei_simulator::world::Instant>,
        /// Also validate every file with the spec validator (FILE_INVALID).
        #[arg(long)]
        strict: bool,
    },
    /// Benchmark the hub against a bare-TLS ceiling on loopback (docs/BENCH.md); exits 1 if
    /// any phase had an error or the store lost a send.
    Bench {
        /// Seconds per phase (against each of the hub and the ceiling).
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// Most requests per phase and server.
        #[arg(long, default_value_t = 1_000_000)]
        max_requests: u64,
        /// Sends preloaded into the store before the "stored sends grow" phase.
        #[arg(long, default_value_t = 20_000)]
        stored: u64,
        /// The store: `sqlite` (a temporary folder) or a `postgres://` URL.
        #[arg(long, default_value = "sqlite")]
        store: String,
        /// Offered sends per second in the fixed-rate phase.
        #[arg(long, default_value_t = 1_000)]
        rate: u32,
    },
}

pub fn run(c: Command) -> anyhow::Result<Verdict> {
    match c {
        Command::Serve {
            world,
            pki,
            data,
            store,
            listen,
            now,
            strict,
        } => serve(world, pki, data, store, listen, now, strict),
        Command::Bench {
            seconds,
            max_requests,
            stored,
            store,
            rate,
        } => {
            if !(seconds.is_finite() && seconds > 0.0) {
                anyhow::bail!("--seconds must be a positive number of seconds");
            }
            let opts = renkei_simulator::bench::BenchOptions {
                phase: std::time::Duration::from_secs_f64(seconds),
                max_requests,
                stored,
                store,
                rate,
                ..Default::default()
            };
            bench(&opts)
        }
    }
}

fn bench(opts: &renkei_simulator::bench::BenchOptions) -> anyhow::Result<Verdict> {
    let rt = tokio::runtime::Runtime::new()?;
    let report = rt.block_on(renkei_simulator::bench::run(opts, &mut |line: &str| {
        eprintln!("{line}");
    }))?;
    write!(std::io::stdout(), "{}", report.render())?;
    std::io::stdout().flush()?;
    Ok(Verdict::from_ok(report.passed()))
}

fn serve(
    world: PathBuf,
    pki: PathBuf,
    data: PathBuf,
    store: String,
    listen: std::net::SocketAddr,
    now: Option<renkei_simulator::world::Instant>,
    strict: bool,
) -> anyhow::Result<Verdict> {
    let files = renkei_simulator::hub::ServeFiles {
        world,
        pki,
        data,
        store,
        listen,
        now: now.map(|i| i.0),
        strict,
    };
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let server = renkei_simulator::hub::start_from_files(&files).await?;
        writeln!(
            std::io::stdout(),
            "renkei hub listening on {}",
            server.url()
        )?;
        std::io::stdout().flush()?;
        tokio::signal::ctrl_c().await?;
        server.shutdown().await;
        anyhow::Ok(())
    })?;
    Ok(Verdict::Clean)
}
