//! renkei-load: `renkei load`, a month of the exchange played against a hub.
//!
//! - [`world`]: the load world, generated from a seed and a few numbers, up to national;
//! - [`units`]: real send units for its pairs, built by the spec crate's sample generator;
//! - [`profile`]: the month as a TOML profile, and the schedule it gives a world;
//! - [`target`]: the embedded hub, or an external one; [`chaos`]: a served hub killed and
//!   restarted;
//! - [`run`]: the open-model runner (offices log in, send, poll, import), its live clients
//!   bounded by `sessions`;
//! - [`reconcile`]: every acknowledged send read back from its receiver's inbox;
//! - [`metrics`]: HDR histograms and counts, serialized so shards merge;
//! - [`report`]: load.json and the terminal summary; [`html`]: index.html with SVG charts;
//! - [`gate`]: thresholds and baselines; [`play`]: all of it as one call, and merge.

pub mod chaos;
pub mod gate;
pub mod html;
pub mod metrics;
pub mod play;
pub mod profile;
pub mod reconcile;
pub mod report;
pub mod run;
mod sessions;
pub mod target;
pub mod units;
pub mod world;
