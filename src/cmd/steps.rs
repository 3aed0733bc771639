//! `renkei steps`: every step pattern the scenarios understand, with an example line to paste
//! into a feature of one's own (run it with `renkei run --features DIR`).

use super::{Format, Verdict};
use crate::human;

#[derive(clap::Args)]
pub struct Args {
    /// Output: human (grouped by module, an example under each pattern) or json.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

pub fn run(a: Args) -> anyhow::Result<Verdict> {
    let modules = renkei_scenarios::catalogue::catalogue().map_err(anyhow::Error::msg)?;
    human::print_steps(
        &mut std::io::stdout().lock(),
        &modules,
        a.format == Format::Json,
    )?;
    Ok(Verdict::Clean)
}
