//! `renkei interop`: for each ordered pair of adapters (A, B), A exports every export unit of
//! the library and B imports what A wrote; a cell is clean when B holds exactly the unit A
//! was given, for every unit both declare. This is the cross-vendor failure MHLW describes:
//! each side may pass alone and the pair still lose an item.

use std::time::Duration;

use renkei_reports::certification::interop::{Cell, Matrix, Party};
use renkei_spec::model::SendUnit;

use crate::adapter::{Adapter, CallError, Capabilities, Imported};
use crate::evidence::redact;
use crate::judge::{diagnostics_of, skip_reason};
use crate::library::{self, Case, Direction, Files, Input};
use renkei_spec::compare::Compare;

/// What A wrote for one unit: the files, or why there are none.
type Exported = Result<Files, String>;

/// Why the matrix could not be made.
#[derive(Debug, thiserror::Error)]
pub enum InteropError {
    /// The options are wrong (exit 2).
    #[error("{0}")]
    Usage(String),
    /// An adapter's `capabilities` broke the contract (exit 1).
    #[error("{0}")]
    Capabilities(String),
}

/// Runs the matrix over `commands` (at least two adapters).
pub fn interop(commands: &[String], timeout: Duration) -> Result<Matrix, InteropError> {
    if commands.len() < 2 {
        return Err(InteropError::Usage(
            "interop needs at least two --adapter".into(),
        ));
    }
    let mut adapters = Vec::new();
    for c in commands {
        let a = Adapter::new(c, timeout).map_err(InteropError::Usage)?;
        let (caps, _) = a.capabilities().map_err(|f| {
            InteropError::Capabilities(redact(&format!(
                "{c}: the adapter did not answer `capabilities` as renkei-adapter/1 says: {} {}",
                f.error, f.stderr
            )))
        })?;
        adapters.push((a, caps));
    }
    let units: Vec<&(Case, Input)> = library::library()
        .cases
        .iter()
        .filter(|(c, _)| c.group == library::Group::Export)
        .collect();
    // Each exporter writes each unit once.
    let exports: Vec<Vec<Option<Exported>>> = adapters
        .iter()
        .map(|(a, caps)| {
            units
                .iter()
                .map(|(c, i)| export_once(a, caps, c, i))
                .collect()
        })
        .collect();
    let mut cells = Vec::new();
    for (i, row) in exports.iter().enumerate() {
        for (j, (b, bcaps)) in adapters.iter().enumerate() {
            cells.push(cell(i, j, &units, row, b, bcaps));
        }
    }
    Ok(Matrix {
        renkei: env!("CARGO_PKG_VERSION").into(),
        adapters: adapters
            .iter()
            .map(|(a, caps)| Party {
                command: redact(a.command()),
                label: format!("{} {} {}", caps.vendor, caps.product, caps.version),
            })
            .collect(),
        cells,
    })
}

/// What A wrote for a unit it can export; None when A did not declare it or answered exit
/// 89 (skipped, never broken).
fn export_once(a: &Adapter, caps: &Capabilities, case: &Case, input: &Input) -> Option<Exported> {
    let Input::Export { given, .. } = input else {
        return None;
    };
    if skip_reason(case, caps).is_some() {
        return None;
    }
    match a.export(given) {
        Err(f) if f.error == CallError::Unsupported => None,
        Err(f) => Some(Err(format!("export: {}", f.error))),
        Ok(files) => Some(match diagnostics_of(&files).into_iter().find(|(e, _)| *e) {
            Some((_, first)) => Err(format!("A wrote a file the standard forbids: {first}")),
            None => Ok(files),
        }),
    }
}

/// The import side of a unit: what B must declare to take it.
fn import_case(case: &Case, given: &SendUnit) -> Case {
    let mut c = case.clone();
    c.direction = Direction::Import;
    c.role = library::role_of(
        &c.revision,
        &c.kinds,
        Direction::Import,
        given.receiver.service_type.as_deref(),
    );
    c
}

fn cell(
    i: usize,
    j: usize,
    units: &[&(Case, Input)],
    row: &[Option<Exported>],
    b: &Adapter,
    bcaps: &Capabilities,
) -> Cell {
    let mut cell = Cell {
        exporter: i,
        importer: j,
        units: 0,
        clean: 0,
        skipped: 0,
        first_failure: None,
        failed: Vec::new(),
    };
    for ((case, input), exported) in units.iter().map(|u| (&u.0, &u.1)).zip(row) {
        let (Some(exported), Input::Export { given, expect }) = (exported, input) else {
            cell.skipped += 1;
            continue;
        };
        if skip_reason(&import_case(case, given), bcaps).is_some() {
            cell.skipped += 1;
            continue;
        }
        let result = match exported {
            Ok(files) => import(b, files, expect),
            Err(why) => Some(Err(why.clone())),
        };
        match result {
            None => cell.skipped += 1,
            Some(Ok(())) => {
                cell.units += 1;
                cell.clean += 1;
            }
            Some(Err(why)) => {
                cell.units += 1;
                cell.first_failure
                    .get_or_insert_with(|| format!("{}: {why}", case.id));
                cell.failed.push(case.id.clone());
            }
        }
    }
    cell
}

/// B imports A's files: None when B answers exit 89 (skipped, never broken).
fn import(b: &Adapter, files: &Files, expect: &SendUnit) -> Option<Result<(), String>> {
    let imported = match b.import(files) {
        Ok(answer) => answer.imported,
        Err(f) if f.error == CallError::Unsupported => return None,
        Err(f) => return Some(Err(format!("import: {}", f.error))),
    };
    Some(match imported {
        Imported::Rejected(r) => Err(format!("B refused what A wrote: {r}")),
        Imported::Unit(got) => {
            let diffs = Compare {
                ignore_sequence: true,
            }
            .units(expect, &got);
            match diffs.first() {
                None => Ok(()),
                Some(d) => Err(d.to_string()),
            }
        }
    })
}
