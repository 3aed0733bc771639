//! `renkei hub`: the mock 連携基盤 as a server.

use std::io::Write;
use std::path::PathBuf;

use super::Verdict;

#[derive(clap::Subcommand)]
pub enum Command {
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

pub fn run(c: Command) -> anyhow::Result<Verdict> {
    let Command::Serve {
        world,
        pki,
        data,
        listen,
        now,
        strict,
    } = c;
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
    Ok(Verdict::Clean)
}
