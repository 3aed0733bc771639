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

pub use import::{import_unit, warnings, ImportError, Problem};
pub use kyotaku::{JissekiImport, JissekiOutcome, KyotakuOffice};
pub use provider::{ImportOutcome, JissekiCorrection, ProviderOffice};
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

    /// 予定 in, then the month's 実績 back: (居宅, provider, first 実績).
    fn a_month_sent() -> (KyotakuOffice, ProviderOffice, Export) {
        let (mut k, mut p) = offices();
        let y = k
            .export_yotei("1370101022", "202612", "20261124100000")
            .unwrap();
        p.import_yotei(&y.files).unwrap();
        let (j, _) = p
            .export_jisseki("1370101014", "202612", "20270105100000")
            .unwrap();
        (k, p, j)
    }

    #[test]
    fn a_corrected_jisseki_replaces_the_one_in_force_and_an_older_one_is_stale() {
        let (mut k, mut p, first) = a_month_sent();
        p.correct_jisseki(
            "1370101014",
            "202612",
            JissekiCorrection::CancelledVisitDelivered,
        );
        let (second, delivered) = p
            .export_jisseki("1370101014", "202612", "20270106150000")
            .unwrap();
        assert_eq!(
            delivered.len(),
            2,
            "the cancellation is withdrawn: {delivered:?}"
        );
        assert!(delivered
            .iter()
            .all(|d| !matches!(d, Difference::Cancelled { .. })));
        assert_eq!(
            second.unit.files[0].records.len(),
            first.unit.files[0].records.len() + 1
        );
        let a = k.import_jisseki(&first.files).unwrap();
        assert!(matches!(
            a.outcome,
            JissekiOutcome::Applied { replaced: None, .. }
        ));
        let b = k.import_jisseki(&second.files).unwrap();
        assert!(matches!(
            b.outcome,
            JissekiOutcome::Applied { replaced: Some(ref r), .. } if r == "20270105100000"
        ));
        assert_eq!(k.reconcile("1370101022", "202612").unwrap(), delivered);
        // The first one again (a late copy): stale, the correction stays in force.
        let c = k.import_jisseki(&first.files).unwrap();
        assert!(matches!(
            c.outcome,
            JissekiOutcome::Stale { ref current, .. } if current == "20270106150000"
        ));
        assert_eq!(
            k.actuals[&("1370101022".into(), "202612".into())],
            second.unit
        );
    }

    #[test]
    fn a_jisseki_deletion_withdraws_the_rows_of_the_users_it_names() {
        let (mut k, p, j) = a_month_sent();
        k.import_jisseki(&j.files).unwrap();
        let users: Vec<String> = k.world.users.iter().map(|u| u.insured.clone()).collect();
        let (gone, kept) = (&users[1], &users[2]);
        let before = k.actual_rows("1370101022", "202612", kept);
        assert!(k.actual_rows("1370101022", "202612", gone) > 0 && before > 0);
        let d = p
            .export_jisseki_deletion(
                "1370101014",
                "202612",
                "20270107090000",
                std::slice::from_ref(gone),
            )
            .unwrap();
        assert!(d.files[0]
            .0
            .starts_with("DLTJSK_202612_1370101022_11_1370101014_43_"));
        import_unit(&d.files).expect("the deletion is valid");
        match k.import_jisseki(&d.files).unwrap().outcome {
            JissekiOutcome::Deleted { users, records, .. } => {
                assert_eq!(users, std::slice::from_ref(gone));
                assert!(records > 0);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(k.actual_rows("1370101022", "202612", gone), 0);
        assert_eq!(k.actual_rows("1370101022", "202612", kept), before);
        // Reconciled, the user's planned visits are all cancelled now.
        let cancelled = k
            .reconcile("1370101022", "202612")
            .unwrap()
            .into_iter()
            .filter(|d| matches!(d, Difference::Cancelled { insured, .. } if insured == gone))
            .count();
        assert!(cancelled > 0);
        // A 実績 older than the deletion is stale; the user is not on the plan: refused.
        assert!(matches!(
            k.import_jisseki(&j.files).unwrap().outcome,
            JissekiOutcome::Stale { .. }
        ));
        assert!(p
            .export_jisseki_deletion(
                "1370101014",
                "202612",
                "20270107090100",
                &["0000000000".into()]
            )
            .is_err());
    }

    #[test]
    fn with_two_providers_each_schedules_and_reports_only_its_own_services() {
        let (houmon, tsusho) = ("1370101022".to_string(), "1370101030".to_string());
        let mut k =
            KyotakuOffice::new("1370101014", &[houmon.clone(), tsusho.clone()], 20261124, 6);
        let mut ps = [
            ProviderOffice::new(&houmon, "11"),
            ProviderOffice::new(&tsusho, "15"),
        ];
        for (i, p) in ps.iter_mut().enumerate() {
            let y = k
                .export_yotei(&p.office, "202612", &format!("2026112410000{i}"))
                .unwrap();
            p.import_yotei(&y.files).unwrap();
            let (_, plan) = &p.plans[&(k.office.clone(), "202612".to_string())];
            let all = file_of(plan, "UPPLAN").unwrap().records.len();
            let own = p.planned_rows(&k.office, "202612");
            assert!(own > 0 && own < all, "{}: own {own} of {all}", p.office);
        }
        for (i, p) in ps.iter().enumerate() {
            let (j, delivered) = p
                .export_jisseki(&k.office, "202612", &format!("2027010510000{i}"))
                .unwrap();
            let rev = j.unit.revision().unwrap();
            let by = item_index(rev, "UPJSK", "サービス事業者コード").unwrap();
            assert!(j.unit.files[0]
                .records
                .iter()
                .all(|r| r.values[by] == p.office));
            k.import_jisseki(&j.files).unwrap();
            assert_eq!(
                k.reconcile(&p.office, "202612").unwrap(),
                delivered,
                "{}",
                p.office
            );
        }
    }

    #[test]
    fn the_yobo_flow_carries_d4_to_d7_between_a_houkatsu_and_its_provider() {
        let (houkatsu, provider) = ("1370101121", "1370101022");
        let mut k = KyotakuOffice::houkatsu(houkatsu, provider, 46, 3);
        let mut p = ProviderOffice::new(provider, "A2");
        let kinds =
            |e: &Export| -> Vec<String> { e.unit.files.iter().map(|f| f.kind.clone()).collect() };
        // D4 利用者基本情報.
        let kihon = k
            .export_kihon(provider, "20261120", "20261124100000")
            .unwrap();
        assert_eq!(kinds(&kihon), ["UPKIHON", "UPKIHON_SUB1", "UPKIHON_SUB2"]);
        assert!(kihon.files[0]
            .0
            .starts_with("UPKIHON_1370101121_46_1370101022_A2_20261124100000"));
        assert!(matches!(
            p.import_yotei(&kihon.files).unwrap(),
            ImportOutcome::BasicInfo { users: 3, .. }
        ));
        assert_eq!(p.basic_info[houkatsu], kihon.unit);
        // D5 介護予防サービス・支援計画書 (+ 利用者基本情報).
        let plan = k
            .export_yobo_plan(provider, "20261120", "20261124100100")
            .unwrap();
        assert!(kinds(&plan).contains(&"UPYOBO".to_string()));
        assert!(matches!(
            p.import_yotei(&plan.files).unwrap(),
            ImportOutcome::PreventionPlan { users: 3, .. }
        ));
        assert_eq!(p.prevention_plans[houkatsu], plan.unit);
        // D6 予防 予定 and D7 予防 実績.
        let yotei = k
            .export_yotei(provider, "202612", "20261124100200")
            .unwrap();
        assert!(yotei.files[0].0.contains("_1370101121_46_1370101022_A2_"));
        p.import_yotei(&yotei.files).unwrap();
        let (jisseki, delivered) = p
            .export_jisseki(houkatsu, "202612", "20270105100000")
            .unwrap();
        assert!(jisseki.files[0]
            .0
            .starts_with("UPJSK_202612_1370101022_A2_1370101121_46_"));
        assert_eq!(delivered.len(), 3);
        k.import_jisseki(&jisseki.files).unwrap();
        assert_eq!(k.reconcile(provider, "202612").unwrap(), delivered);
    }
}
