//! `renkei spec`: the standard as data.

use super::{Format, Verdict};
use crate::human;

#[derive(clap::Args)]
pub struct Args {
    /// Output: human (tables) or json.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// List the revisions of the standard renkei knows instead.
    #[arg(long)]
    revisions: bool,
    /// Revision (4.1 by default; 3.2).
    #[arg(long)]
    revision: Option<String>,
    /// List the diagnostic codes instead.
    #[arg(long)]
    diagnostics: bool,
    /// List the rule inventory: every normative statement of the standard and what renkei does
    /// with it, with the coverage (rules checked / stated).
    #[arg(long)]
    rules: bool,
    /// List the writer's conversion table for characters outside MS932.
    #[arg(long)]
    conversions: bool,
    /// One file kind (UPPLAN, upplan, UPJSK, …; any case); all when omitted.
    kind: Option<String>,
}

pub fn run(a: Args) -> anyhow::Result<Verdict> {
    let out = std::io::stdout();
    let mut out = out.lock();
    if a.revisions {
        human::print_revisions(&mut out, a.format == Format::Json)?;
        return Ok(Verdict::Clean);
    }
    if a.rules {
        human::print_rules(&mut out, a.format == Format::Json, a.revision.as_deref())?;
        return Ok(Verdict::Clean);
    }
    // File kinds are upper case in the standard; accept them in any case.
    let kind = a.kind.map(|k| k.to_ascii_uppercase());
    human::print_spec(
        &mut out,
        a.format == Format::Json,
        a.revision.as_deref(),
        a.diagnostics,
        a.conversions,
        kind.as_deref(),
    )?;
    Ok(Verdict::Clean)
}
