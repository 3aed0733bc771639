//! Simulated offices (模擬事業所): a 居宅介護支援事業所 that plans and sends 予定, サービス事業所
//! that import it, deliver (with realistic differences) and send 実績 back, and the 居宅's
//! reconciliation of 予定 against 実績. Everything is deterministic for a seed.
//!
//! - [`people`]: the insured persons (保険者番号 with its 検証番号, 被保険者番号, names);
//! - [`import`]: reading a downloaded send unit (validate, then decode);
//! - [`kyotaku`]: the care-manager office; [`provider`]: a service provider;
//! - [`reconcile`](mod@reconcile): 予定 against 実績.

pub mod import;
pub mod kyotaku;
pub mod people;
pub mod provider;
pub mod reconcile;

pub use import::{import_unit, ImportError, Problem};
pub use kyotaku::KyotakuOffice;
pub use provider::{ImportOutcome, ProviderOffice};
pub use reconcile::{reconcile, Difference};

use renkei_spec::model::{DataFile, SendUnit};
use renkei_spec::standard::Revision;

/// Files ready to upload: (file name, bytes).
pub type Files = Vec<(String, Vec<u8>)>;

/// A send unit as written by an office, with its files.
#[derive(Debug, Clone)]
pub struct Export {
    /// The send unit as data.
    pub unit: SendUnit,
    /// Its files as written: (file name, MS932 bytes).
    pub files: Files,
    /// Characters the writer had to convert (〜 → ～ …), as "file record item: a→b".
    pub replacements: Vec<String>,
}

/// An office could not produce its files.
#[derive(Debug, thiserror::Error)]
pub enum OfficeError {
    /// The writer refused the data.
    #[error("ファイルを書けません: {0}")]
    Write(#[from] renkei_spec::writer::WriteError),
    /// The office has nothing to write (no users, no plan in force, …).
    #[error("{0}")]
    Plan(String),
}

impl Export {
    /// Writes the unit's files.
    pub fn write(unit: SendUnit) -> Result<Export, OfficeError> {
        let written = renkei_spec::writer::write_unit(&unit)?;
        let replacements = written
            .iter()
            .flat_map(|f| {
                f.replacements.iter().map(|r| {
                    format!(
                        "{} 第{}レコード {}: {}→{}",
                        r.file, r.record, r.item, r.from, r.to
                    )
                })
            })
            .collect();
        Ok(Export {
            unit,
            files: written.into_iter().map(|f| (f.name, f.bytes)).collect(),
            replacements,
        })
    }
}

/// The 0-based index of item `name` in `file` of `rev`.
pub(crate) fn item_index(rev: &Revision, kind: &str, name: &str) -> Option<usize> {
    rev.file(kind)?.items.iter().position(|i| i.name == name)
}

/// The file of `kind` in a unit.
pub(crate) fn file_of<'u>(unit: &'u SendUnit, kind: &str) -> Option<&'u DataFile> {
    unit.files.iter().find(|f| f.kind == kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offices() -> (KyotakuOffice, ProviderOffice) {
        let k = KyotakuOffice::new("1370101014", &["1370101022".into()], 11, 5);
        (k, ProviderOffice::new("1370101022", "11"))
    }

    #[test]
    fn a_month_goes_round_and_reconciles_to_the_differences_delivered() {
        let (mut k, mut p) = offices();
        let yotei = k
            .export_yotei("1370101022", "202612", "20261124100000")
            .unwrap();
        assert_eq!(yotei.files.len(), 3);
        let out = p.import_yotei(&yotei.files).unwrap();
        assert!(matches!(out, ImportOutcome::Applied { records, .. } if records > 3));
        let (jisseki, delivered) = p
            .export_jisseki("1370101014", "202612", "20261231180000")
            .unwrap();
        assert_eq!(delivered.len(), 3, "{delivered:?}");
        assert!(jisseki.files[0]
            .0
            .starts_with("UPJSK_202612_1370101022_11_1370101014_43_"));
        k.import_jisseki(&jisseki.files).expect("実績 is valid");
        assert_eq!(k.reconcile("1370101022", "202612").unwrap(), delivered);
    }

    #[test]
    fn a_later_plan_replaces_an_earlier_one_and_a_stale_one_is_not_applied() {
        let (mut k, mut p) = offices();
        let first = k
            .export_yotei("1370101022", "202612", "20261124100000")
            .unwrap();
        k.change_plan("1370101022", 15, &[1, 2, 3, 4, 5]).unwrap();
        let second = k
            .export_yotei("1370101022", "202612", "20261215090000")
            .unwrap();
        let before = first.unit.files[0].records.len();
        let after = second.unit.files[0].records.len();
        assert!(
            after > before,
            "more visits from the 15th: {before} → {after}"
        );
        p.import_yotei(&second.files).unwrap();
        assert!(matches!(
            p.import_yotei(&first.files).unwrap(),
            ImportOutcome::Stale { .. }
        ));
        assert_eq!(p.planned_rows("1370101014", "202612"), after);
    }

    #[test]
    fn a_deletion_withdraws_the_plan() {
        let (mut k, mut p) = offices();
        let y = k
            .export_yotei("1370101022", "202612", "20261124100000")
            .unwrap();
        p.import_yotei(&y.files).unwrap();
        let d = k
            .export_yotei_deletion("1370101022", "202612", "20261126100000")
            .unwrap();
        assert!(d.files[0].0.starts_with("DLTPLAN_202612_"));
        assert!(matches!(
            p.import_yotei(&d.files).unwrap(),
            ImportOutcome::Deleted { .. }
        ));
        assert_eq!(p.planned_rows("1370101014", "202612"), 0);
        assert!(p
            .export_jisseki("1370101014", "202612", "20261231180000")
            .is_err());
    }

    #[test]
    fn the_care_plan_tables_travel_too() {
        let (mut k, mut p) = offices();
        let plan = k
            .export_careplan("1370101022", "20261120", "20261124090000")
            .unwrap();
        let kinds: Vec<&str> = plan.unit.files.iter().map(|f| f.kind.as_str()).collect();
        assert_eq!(kinds, ["UP1KYO", "UP2KYO", "UP3KYO", "UPHOSOKU"]);
        match p.import_yotei(&plan.files).unwrap() {
            ImportOutcome::CarePlan { tables, users } => {
                assert_eq!(tables, ["UP1KYO", "UP2KYO", "UP3KYO"]);
                assert!(users > 0);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_broken_file_is_refused_with_its_place() {
        let (mut k, mut p) = offices();
        let mut y = k
            .export_yotei("1370101022", "202612", "20261124100000")
            .unwrap();
        let at = y.files[0].1.iter().position(|&b| b == b'\n').unwrap() + 1;
        y.files[0].1.insert(at, 0xFF);
        let e = p.import_yotei(&y.files).unwrap_err();
        let first = &e.problems()[0];
        assert_eq!(first.line, Some(2));
        assert_eq!(first.category, "encoding");
    }
}
