//! The 居宅介護支援事業所: its care manager plans each user's services per provider and month,
//! exports 予定 (①: 第6表 + 第7表 + 利用者補足情報) or a deletion (第6表 削除), imports 実績 (⑫)
//! and reconciles them against what it planned.
//!
//! 実績 are imported in ファイル連番 order, per provider and month (standard §2.5, §5.1.2.1):
//! a corrected 実績 is a full resend that replaces the one in force, a 実績 older than the one
//! in force is stale and not applied, and 実績情報_削除 (DLTJSK) withdraws the 実績 of the
//! users it lists for its サービス事業者コード and サービス種類コード.

use std::collections::BTreeMap;

use renkei_spec::model::SendUnit;
use renkei_spec::sample::{self, PlanChange, World};

use serde::Serialize;

use super::import::{import_unit, ImportError};
use super::reconcile::{reconcile, Difference};
use super::{file_of, item_index, people, Export, Files, OfficeError};

/// A simulated 居宅介護支援事業所.
pub struct KyotakuOffice {
    /// The 居宅's 事業所番号.
    pub office: String,
    /// Its users, plans and providers.
    pub world: World,
    /// The revision it writes ("4.1" or "3.2").
    pub revision: String,
    /// What it sent: (provider office, month) → the 予定 in force (the latest ファイル連番).
    pub sent_plans: BTreeMap<(String, String), SendUnit>,
    /// What came back: (provider office, month) → the 実績 in force (what is left of it after
    /// a deletion).
    pub actuals: BTreeMap<(String, String), SendUnit>,
    /// (provider office, month) → the ファイル連番 of the last 実績 or 実績_削除 applied: a send
    /// with an older one is stale.
    pub actual_serials: BTreeMap<(String, String), String>,
}

/// What importing a 実績 unit (⑫) did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum JissekiOutcome {
    /// The 実績 of `provider` for `month` is now this send's (a resend replaces the earlier one).
    Applied {
        /// The サービス事業所.
        provider: String,
        /// The service month (YYYYMM).
        month: String,
        /// The send's ファイル連番.
        serial: String,
        /// How many 実績 rows it holds.
        records: usize,
        /// The ファイル連番 it replaced, when a 実績 was in force.
        replaced: Option<String>,
    },
    /// An older ファイル連番 than the 実績 in force: not applied.
    Stale {
        /// The サービス事業所.
        provider: String,
        /// The service month (YYYYMM).
        month: String,
        /// The stale send's ファイル連番.
        serial: String,
        /// The ファイル連番 in force.
        current: String,
    },
    /// 実績情報_削除: the 実績 rows of the listed users were withdrawn.
    Deleted {
        /// The サービス事業所 named in the deletion.
        provider: String,
        /// The month (削除対象年月).
        month: String,
        /// The deletion's ファイル連番.
        serial: String,
        /// The 被保険者番号 whose 実績 were withdrawn.
        users: Vec<String>,
        /// How many 実績 rows were removed.
        records: usize,
    },
}

/// A 実績 unit the 居宅 read, and what importing it did.
#[derive(Debug, Clone)]
pub struct JissekiImport {
    /// The unit as read (validated and decoded).
    pub unit: SendUnit,
    /// What it changed.
    pub outcome: JissekiOutcome,
}

impl KyotakuOffice {
    /// A 居宅 with `users` users served by `providers` (訪問介護, 通所介護, … in that order).
    pub fn new(office: &str, providers: &[String], seed: u64, users: usize) -> KyotakuOffice {
        KyotakuOffice {
            office: office.to_string(),
            world: people::population(seed, users, office, providers),
            revision: "4.1".into(),
            sent_plans: BTreeMap::new(),
            actuals: BTreeMap::new(),
            actual_serials: BTreeMap::new(),
        }
    }

    /// A 地域包括支援センター (介護予防支援, 46) with `users` 要支援 users served by `provider`
    /// with 訪問型サービス (A2): it sends 利用者基本情報, 介護予防サービス・支援計画書 and the
    /// 介護予防 予定, and imports the 介護予防 実績, as a 居宅 does for 要介護 users.
    pub fn houkatsu(office: &str, provider: &str, seed: u64, users: usize) -> KyotakuOffice {
        KyotakuOffice {
            office: office.to_string(),
            world: people::yobo_population(seed, users, office, provider),
            revision: "4.1".into(),
            sent_plans: BTreeMap::new(),
            actuals: BTreeMap::new(),
            actual_serials: BTreeMap::new(),
        }
    }

    /// 利用者基本情報 (D4): 利用者基本情報 + 別表1 + 別表2 for the users `provider` serves, as
    /// heard on `consult_date` (相談日, YYYYMMDD). 介護予防 files exist from revision 4.
    pub fn export_kihon(
        &mut self,
        provider: &str,
        consult_date: &str,
        serial: &str,
    ) -> Result<Export, OfficeError> {
        let p = self.provider_index(provider)?;
        Export::write(sample::yobo_unit(
            &self.world,
            p,
            consult_date,
            false,
            serial,
        ))
    }

    /// 介護予防サービス・支援計画書 (D5): the plan and its 別表, sent with the 利用者基本情報 it
    /// rests on, made (or changed) on `plan_date` (YYYYMMDD).
    pub fn export_yobo_plan(
        &mut self,
        provider: &str,
        plan_date: &str,
        serial: &str,
    ) -> Result<Export, OfficeError> {
        let p = self.provider_index(provider)?;
        Export::write(sample::yobo_unit(&self.world, p, plan_date, true, serial))
    }

    fn provider_index(&self, provider: &str) -> Result<usize, OfficeError> {
        self.world
            .providers
            .iter()
            .position(|p| p.office == provider)
            .ok_or_else(|| {
                OfficeError::Plan(format!(
                    "事業所 {provider} はこの居宅の提供事業所ではありません"
                ))
            })
    }

    /// ① 予定の出力: the 予定 for `provider` and `month` (YYYYMM) under ファイル連番 `serial`.
    pub fn export_yotei(
        &mut self,
        provider: &str,
        month: &str,
        serial: &str,
    ) -> Result<Export, OfficeError> {
        let p = self.provider_index(provider)?;
        let unit = sample::usage_unit(&self.world, &self.revision, p, month, serial);
        let export = Export::write(unit)?;
        self.sent_plans.insert(
            (provider.to_string(), month.to_string()),
            export.unit.clone(),
        );
        Ok(export)
    }

    /// ① 居宅サービス計画書の出力: 第1表 + 第2表 + 第3表 + 利用者補足情報 for the users
    /// `provider` serves, as made (or changed) on `plan_date` (YYYYMMDD).
    pub fn export_careplan(
        &mut self,
        provider: &str,
        plan_date: &str,
        serial: &str,
    ) -> Result<Export, OfficeError> {
        let p = self.provider_index(provider)?;
        Export::write(sample::plan_unit(
            &self.world,
            &self.revision,
            p,
            plan_date,
            serial,
        ))
    }

    /// 月途中の計画変更: from `from_day`, `provider`'s first service is planned on `weekdays`.
    pub fn change_plan(
        &mut self,
        provider: &str,
        from_day: u32,
        weekdays: &'static [u32],
    ) -> Result<(), OfficeError> {
        let p = self.provider_index(provider)?;
        self.world.plan_changes.push(PlanChange {
            provider: p,
            service: 0,
            from_day,
            weekdays,
        });
        Ok(())
    }

    /// 第6表の削除: withdraws the 予定 of `month` from `provider`.
    pub fn export_yotei_deletion(
        &mut self,
        provider: &str,
        month: &str,
        serial: &str,
    ) -> Result<Export, OfficeError> {
        let p = self.provider_index(provider)?;
        let unit = sample::delete_unit(&self.world, &self.revision, "DLTPLAN", p, month, serial);
        self.sent_plans
            .remove(&(provider.to_string(), month.to_string()));
        Export::write(unit)
    }

    /// ⑫ 実績の取込: one send, in ファイル連番 order with the others (the caller sorts).
    pub fn import_jisseki(&mut self, files: &Files) -> Result<JissekiImport, ImportError> {
        let unit = import_unit(files)?;
        let serial = unit.sequence.clone();
        let outcome = if let Some(del) = file_of(&unit, "DLTJSK") {
            let rev = unit
                .revision()
                .map_err(|e| ImportError::Read(e.to_string()))?;
            let ix = |name: &str| {
                item_index(rev, "DLTJSK", name)
                    .ok_or_else(|| ImportError::Read(format!("DLTJSK に項目 {name} がありません")))
            };
            let (ins, office, kind) = (
                ix("被保険者番号")?,
                ix("サービス事業者コード")?,
                ix("サービス種類コード")?,
            );
            let month = del.month.clone().unwrap_or_default();
            // One deletion names one office (a file per 事業所番号 and サービス種類).
            let provider = del
                .records
                .first()
                .map_or_else(|| unit.sender.office.clone(), |r| r.values[office].clone());
            let key = (provider.clone(), month.clone());
            if let Some(current) = self.actual_serials.get(&key) {
                if *current > serial {
                    return Ok(JissekiImport {
                        outcome: JissekiOutcome::Stale {
                            provider,
                            month,
                            serial,
                            current: current.clone(),
                        },
                        unit,
                    });
                }
            }
            let targets: Vec<(String, String, String)> = del
                .records
                .iter()
                .map(|r| {
                    (
                        r.values[ins].clone(),
                        r.values[office].clone(),
                        r.values[kind].clone(),
                    )
                })
                .collect();
            let mut removed = 0;
            if let Some(actual) = self.actuals.get_mut(&key) {
                let jrev = actual
                    .revision()
                    .map_err(|e| ImportError::Read(e.to_string()))?;
                let jx = |name: &str| {
                    item_index(jrev, "UPJSK", name).ok_or_else(|| {
                        ImportError::Read(format!("UPJSK に項目 {name} がありません"))
                    })
                };
                let (j_ins, j_office, j_code) = (
                    jx("被保険者番号")?,
                    jx("サービス事業者コード")?,
                    jx("サービスコード")?,
                );
                for f in actual.files.iter_mut().filter(|f| f.kind == "UPJSK") {
                    let before = f.records.len();
                    f.records.retain(|r| {
                        !targets.iter().any(|(i, o, k)| {
                            r.values[j_ins] == *i
                                && r.values[j_office] == *o
                                && r.values[j_code].starts_with(k.as_str())
                        })
                    });
                    removed += before - f.records.len();
                }
            }
            self.actual_serials.insert(key, serial.clone());
            let mut users: Vec<String> = targets.into_iter().map(|t| t.0).collect();
            users.dedup();
            JissekiOutcome::Deleted {
                provider,
                month,
                serial,
                users,
                records: removed,
            }
        } else {
            let jsk = file_of(&unit, "UPJSK").ok_or_else(|| {
                ImportError::Read("実績 (UPJSK) も実績の削除 (DLTJSK) もありません".into())
            })?;
            let month = jsk.month.clone().unwrap_or_default();
            let records = jsk.records.len();
            let provider = unit.sender.office.clone();
            let key = (provider.clone(), month.clone());
            let replaced = self.actual_serials.get(&key).cloned();
            if let Some(current) = &replaced {
                if *current > serial {
                    return Ok(JissekiImport {
                        outcome: JissekiOutcome::Stale {
                            provider,
                            month,
                            serial,
                            current: current.clone(),
                        },
                        unit,
                    });
                }
            }
            self.actuals.insert(key.clone(), unit.clone());
            self.actual_serials.insert(key, serial.clone());
            JissekiOutcome::Applied {
                provider,
                month,
                serial,
                records,
                replaced,
            }
        };
        Ok(JissekiImport { unit, outcome })
    }

    /// The 実績 rows in force from `provider` for `month` whose 被保険者番号 is `insured`.
    pub fn actual_rows(&self, provider: &str, month: &str, insured: &str) -> usize {
        let Some(unit) = self.actuals.get(&(provider.to_string(), month.to_string())) else {
            return 0;
        };
        let Some(i) = unit
            .revision()
            .ok()
            .and_then(|r| item_index(r, "UPJSK", "被保険者番号"))
        else {
            return 0;
        };
        file_of(unit, "UPJSK").map_or(0, |f| {
            f.records.iter().filter(|r| r.values[i] == insured).count()
        })
    }

    /// 予定と実績の突合: what was delivered differently from the plan in force.
    pub fn reconcile(&self, provider: &str, month: &str) -> Result<Vec<Difference>, OfficeError> {
        let key = (provider.to_string(), month.to_string());
        let plan = self.sent_plans.get(&key).ok_or_else(|| {
            OfficeError::Plan(format!("{provider} の {month} の予定がありません"))
        })?;
        let actual = self.actuals.get(&key).ok_or_else(|| {
            OfficeError::Plan(format!("{provider} の {month} の実績がありません"))
        })?;
        Ok(reconcile(plan, actual))
    }
}
