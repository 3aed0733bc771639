//! The 居宅介護支援事業所: its care manager plans each user's services per provider and month,
//! exports 予定 (①: 第6表 + 第7表 + 利用者補足情報) or a deletion (第6表 削除), imports 実績 (⑫)
//! and reconciles them against what it planned.

use std::collections::BTreeMap;

use renkei_spec::model::SendUnit;
use renkei_spec::sample::{self, PlanChange, World};

use super::import::{import_unit, ImportError};
use super::reconcile::{reconcile, Difference};
use super::{people, Export, Files, OfficeError};

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
    /// What came back: (provider office, month) → the 実績.
    pub actuals: BTreeMap<(String, String), SendUnit>,
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
        }
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

    /// ⑫ 実績の取込.
    pub fn import_jisseki(&mut self, files: &Files) -> Result<SendUnit, ImportError> {
        let unit = import_unit(files)?;
        let month = unit
            .files
            .iter()
            .find(|f| f.kind == "UPJSK")
            .and_then(|f| f.month.clone())
            .unwrap_or_default();
        self.actuals
            .insert((unit.sender.office.clone(), month), unit.clone());
        Ok(unit)
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
