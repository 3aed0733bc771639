//! renkei-scenarios: the flows ①–⑫ and their failure cases as Gherkin features written in
//! Japanese (`features/*.feature`), run with cucumber against an embedded hub.
//!
//! - [`world`]: the scenario's world — a hub with a pinned clock, the simulated offices, their
//!   clients, and the evidence every step leaves;
//! - [`steps`]: the step definitions (regex, so 「…」 strings and Japanese sentences parse);
//!   they only wire Gherkin to the simulator and the spec crate, no rule lives here;
//! - [`catalogue`]: every step pattern with an example line, read from the definitions and
//!   the shipped features (`renkei steps`), for people writing features of their own;
//! - [`runner`]: runs the features, collects results and evidence into a
//!   [`renkei_reports::Run`], and writes the reports (`renkei run`).

//!
//! ## Writing features of your own
//!
//! `renkei steps` prints every step pattern with an example line (`--format json` for
//! programs). A feature starts with `# language: ja`, gives each scenario an `@id:` tag, pins
//! the clock and starts the hub in its background (the first lines `renkei steps` lists under
//! `setup`), then uses the example lines, changing the names in 「…」 to other offices of
//! the demo world (`demo.json`, written by `renkei pki init --demo`, lists them) and the
//! months and numbers as needed. Run it with
//! `renkei run --features DIR`; the reports show it like the shipped features.

pub mod catalogue;
pub mod runner;
pub mod steps;
pub mod vendor;
pub mod world;

pub use runner::{run, RunOptions};
pub use world::RenkeiWorld;

include!(concat!(env!("OUT_DIR"), "/embedded_features.rs"));

/// The features shipped with renkei (this crate's `features/` folder in the source tree).
pub fn features_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("features")
}

/// Writes the features embedded at build time into `dir` (for a `renkei` run away from the
/// source tree); returns `dir`.
pub fn write_embedded_features(dir: &std::path::Path) -> std::io::Result<std::path::PathBuf> {
    std::fs::create_dir_all(dir)?;
    for (name, text) in EMBEDDED {
        std::fs::write(dir.join(name), text)?;
    }
    Ok(dir.to_path_buf())
}
