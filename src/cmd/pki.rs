//! `renkei pki`: the PKI the mock hub trusts.

use std::io::Write as _;
use std::path::PathBuf;

use renkei_simulator::pki::{init_dir, InitSource};

use super::Verdict;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Write a ready PKI (PEM) for a world file, or the demo world with world.toml and demo.json.
    Init {
        /// Folder to write into.
        #[arg(long)]
        dir: PathBuf,
        /// The demo world of simulator/HUB-RULES.md (one identity per expected outcome).
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

pub fn run(c: Command) -> anyhow::Result<Verdict> {
    let Command::Init {
        dir,
        demo,
        world,
        now,
    } = c;
    let now = now
        .map(|i| i.0)
        .unwrap_or_else(time::OffsetDateTime::now_utc);
    let loaded;
    let source = match &world {
        Some(path) => {
            let (w, warnings) = renkei_simulator::world::World::load(path)?;
            for w in warnings {
                eprintln!("renkei: world: {}: {}", w.office, w.message);
            }
            loaded = w;
            InitSource::World(&loaded)
        }
        None => InitSource::Demo,
    };
    let w = init_dir(&dir, source, now)?;
    writeln!(
        std::io::stdout(),
        "PKI for {} offices written to {}{}",
        w.offices.len(),
        dir.display(),
        if demo {
            " (with world.toml and demo.json)"
        } else {
            ""
        }
    )?;
    Ok(Verdict::Clean)
}
