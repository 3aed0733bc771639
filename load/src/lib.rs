//! renkei-load: `renkei load`, a month of the exchange played against a hub.
//!
//! - [`world`]: the load world, generated from a seed and a few numbers, up to national;
//! - [`units`]: real send units for its pairs, built by the spec crate's sample generator;

pub mod units;
pub mod world;
