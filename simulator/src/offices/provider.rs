//! A サービス事業所: imports 予定 in ファイル連番 order (⑥; a later 連番 replaces the plan of
//! its month, an earlier one arriving late is stale; 第6表 削除 withdraws it), delivers the
//! services with realistic differences (a cancelled visit, a changed time, an added day), and
//! exports 実績 (⑦).

use std::collections::BTreeMap;

use renkei_spec::filename::Party;
use renkei_spec::model::{DataFile, Record, SendUnit};
use serde::Serialize;

use super::import::{import_unit, ImportError};
use super::reconcile::Difference;
use super::{file_of, item_index, Export, Files, OfficeError};

/// What importing a 予定 did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ImportOutcome {
    /// The plan of `month` is now this send's.
    Applied {
        /// The service month (YYYYMM).
        month: String,
        /// The send's ファイル連番.
        serial: String,
        /// How many records the plan holds.
        records: usize,
    },
    /// An older ファイル連番 than the plan in force: not applied.
    Stale {
        /// The service month (YYYYMM).
        month: String,
        /// The stale send's ファイル連番.
        serial: String,
        /// The ファイル連番 of the plan in force.
        current: String,
    },
    /// 第6表 削除: the plan of `month` was withdrawn for these users.
    Deleted {
        /// The month withdrawn (YYYYMM).
        month: String,
        /// How many users it was withdrawn for.
        users: usize,
    },
    /// 居宅サービス計画書 (第1〜3表): kept as the users' care plan.
    CarePlan {
        /// The tables received (UP1KYO, …).
        tables: Vec<String>,
        /// How many users they cover.
        users: usize,
    },
}

/// A simulated サービス事業所.
pub struct ProviderOffice {
    /// The サービス事業所's 事業所番号.
    pub office: String,
    /// Its サービス種類コード (2 digits).
    pub service_type: String,
    /// (居宅, month) → (ファイル連番, the 予定 in force).
    pub plans: BTreeMap<(String, String), (String, SendUnit)>,
    /// 居宅 → the latest 居宅サービス計画書 (第1〜3表) received.
    pub care_plans: BTreeMap<String, SendUnit>,
}

fn plus_30(hhmm: &str) -> String {
    let (h, m) = (
        hhmm[..2].parse::<u32>().unwrap_or(0),
        hhmm[2..].parse::<u32>().unwrap_or(0),
    );
    let t = (h * 60 + m + 30).min(23 * 60 + 59);
    format!("{:02}{:02}", t / 60, t % 60)
}

impl ProviderOffice {
    /// A サービス事業所 with no plan received yet.
    pub fn new(office: &str, service_type: &str) -> ProviderOffice {
        ProviderOffice {
            office: office.to_string(),
            service_type: service_type.to_string(),
            plans: BTreeMap::new(),
            care_plans: BTreeMap::new(),
        }
    }

    /// ⑥ 予定の取込. Import sends in ファイル連番 order.
    pub fn import_yotei(&mut self, files: &Files) -> Result<ImportOutcome, ImportError> {
        let unit = import_unit(files)?;
        let kyotaku = unit.sender.office.clone();
        if let Some(del) = file_of(&unit, "DLTPLAN") {
            let month = del.month.clone().unwrap_or_default();
            let rev = unit
                .revision()
                .map_err(|e| ImportError::Read(e.to_string()))?;
            let ins = item_index(rev, "DLTPLAN", "被保険者番号").unwrap_or(2);
            let users: Vec<String> = del.records.iter().map(|r| r.values[ins].clone()).collect();
            if let Some((_, plan)) = self.plans.get_mut(&(kyotaku.clone(), month.clone())) {
                let by_kind: Vec<(String, Option<usize>)> = ["UPPLAN", "UPSIKYU", "UPHOSOKU"]
                    .iter()
                    .map(|k| (k.to_string(), unit_rev_index(plan, k, "被保険者番号")))
                    .collect();
                for f in plan.files.iter_mut() {
                    let i = by_kind
                        .iter()
                        .find(|(k, _)| *k == f.kind)
                        .and_then(|(_, i)| *i);
                    if let Some(i) = i {
                        f.records.retain(|r| !users.contains(&r.values[i]));
                    }
                }
                let empty = file_of(plan, "UPPLAN").is_none_or(|f| f.records.is_empty());
                if empty {
                    self.plans.remove(&(kyotaku, month.clone()));
                }
            }
            return Ok(ImportOutcome::Deleted {
                month,
                users: users.len(),
            });
        }
        if file_of(&unit, "UP1KYO").is_some() {
            let tables: Vec<String> = unit
                .files
                .iter()
                .filter(|f| f.kind != "UPHOSOKU")
                .map(|f| f.kind.clone())
                .collect();
            let users = file_of(&unit, "UP1KYO").map_or(0, |f| f.records.len());
            self.care_plans.insert(kyotaku, unit);
            return Ok(ImportOutcome::CarePlan { tables, users });
        }
        let plan = file_of(&unit, "UPPLAN").ok_or_else(|| {
            ImportError::Read("第6表 (UPPLAN) も計画書 (UP1KYO) もありません".into())
        })?;
        let month = plan.month.clone().unwrap_or_default();
        let records = plan.records.len();
        let key = (kyotaku, month.clone());
        if let Some((current, _)) = self.plans.get(&key) {
            if *current > unit.sequence {
                return Ok(ImportOutcome::Stale {
                    month,
                    serial: unit.sequence.clone(),
                    current: current.clone(),
                });
            }
        }
        let serial = unit.sequence.clone();
        self.plans.insert(key, (serial.clone(), unit));
        Ok(ImportOutcome::Applied {
            month,
            serial,
            records,
        })
    }

    /// The number of 予定 rows in force for a 居宅 and month.
    pub fn planned_rows(&self, kyotaku: &str, month: &str) -> usize {
        self.plans
            .get(&(kyotaku.to_string(), month.to_string()))
            .and_then(|(_, u)| file_of(u, "UPPLAN"))
            .map_or(0, |f| f.records.len())
    }

    /// ⑦ 実績の出力: what was delivered against the plan in force, with the differences a
    /// real month has: the second visit cancelled, the third moved half an hour later, and a
    /// visit added on the 28th. Returns the export and those differences.
    pub fn export_jisseki(
        &self,
        kyotaku: &str,
        month: &str,
        serial: &str,
    ) -> Result<(Export, Vec<Difference>), OfficeError> {
        let (_, plan) = self
            .plans
            .get(&(kyotaku.to_string(), month.to_string()))
            .ok_or_else(|| {
                OfficeError::Plan(format!("{kyotaku} の {month} の予定を取り込んでいません"))
            })?;
        let rev = plan
            .revision()
            .map_err(|e| OfficeError::Plan(e.to_string()))?;
        let src =
            file_of(plan, "UPPLAN").ok_or_else(|| OfficeError::Plan("第6表がありません".into()))?;
        let ix = |name| {
            item_index(rev, "UPPLAN", name)
                .ok_or_else(|| OfficeError::Plan(format!("項目 {name} がありません")))
        };
        let (ins, code, day, st, en, made, upd) = (
            ix("被保険者番号")?,
            ix("サービスコード")?,
            ix("サービス利用日")?,
            ix("サービス開始時刻")?,
            ix("サービス終了時刻")?,
            ix("作成年月日")?,
            ix("更新業者コード")?,
        );
        let mut rows: Vec<Vec<String>> = src.records.iter().map(|r| r.values.clone()).collect();
        let mut diffs = Vec::new();
        let d = |r: &Vec<String>| {
            (
                r[ins].clone(),
                r[code].clone(),
                r[day].clone(),
                format!("{}-{}", r[st], r[en]),
            )
        };
        if rows.len() > 3 {
            let (insured, service, day_s, time) = d(&rows[1]);
            rows.remove(1);
            diffs.push(Difference::Cancelled {
                insured,
                service,
                day: day_s,
                time,
            });
            if rows[2][st] != "9999" {
                let (insured, service, day_s, planned) = d(&rows[2]);
                rows[2][st] = plus_30(&rows[2][st]);
                rows[2][en] = plus_30(&rows[2][en]);
                diffs.push(Difference::TimeChanged {
                    insured,
                    service,
                    day: day_s,
                    planned,
                    actual: d(&rows[2]).3,
                });
            }
            let day28 = format!("{month}28");
            let pick = rows.iter().position(|r| {
                r[st] != "9999"
                    && !rows
                        .iter()
                        .any(|o| o[ins] == r[ins] && o[code] == r[code] && o[day] == day28)
            });
            if let Some(i) = pick {
                let mut extra = rows[i].clone();
                extra[day] = day28;
                let (insured, service, day_s, time) = d(&extra);
                rows.push(extra);
                diffs.push(Difference::Added {
                    insured,
                    service,
                    day: day_s,
                    time,
                });
            }
        }
        let (y, m) = renkei_spec::calendar::parse_month(month).unwrap_or((2026, 1));
        let last = format!(
            "{y:04}{m:02}{:02}",
            renkei_spec::calendar::days_in_month(y, m)
        );
        let jsk_items = &rev
            .file("UPJSK")
            .ok_or_else(|| OfficeError::Plan("UPJSK がありません".into()))?
            .items;
        let plan_items = &rev
            .file("UPPLAN")
            .ok_or_else(|| OfficeError::Plan("UPPLAN がありません".into()))?
            .items;
        let records = rows
            .into_iter()
            .map(|mut r| {
                r[made] = last.clone();
                r[upd] = self.office.clone();
                let values = jsk_items
                    .iter()
                    .map(|it| {
                        plan_items
                            .iter()
                            .position(|p| p.name == it.name)
                            .map(|i| r[i].clone())
                            .unwrap_or_default()
                    })
                    .collect();
                Record { values }
            })
            .collect();
        let unit = SendUnit {
            revision: plan.revision.clone(),
            sequence: serial.to_string(),
            sender: Party {
                office: self.office.clone(),
                service_type: Some(self.service_type.clone()),
            },
            receiver: plan.sender.clone(),
            files: vec![DataFile {
                kind: "UPJSK".into(),
                month: Some(month.to_string()),
                records,
            }],
        };
        Ok((Export::write(unit)?, diffs))
    }
}

fn unit_rev_index(unit: &SendUnit, kind: &str, name: &str) -> Option<usize> {
    item_index(unit.revision().ok()?, kind, name)
}
