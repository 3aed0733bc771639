//! A サービス事業所: imports 予定 in ファイル連番 order (⑥; a later 連番 replaces the plan of
//! its month, an earlier one arriving late is stale; 第6表 削除 withdraws it), delivers the
//! services with realistic differences (a cancelled visit, a changed time, an added day), and
//! exports 実績 (⑦), corrected 実績 (a full resend under a new ファイル連番) and
//! 実績情報_削除 (DLTJSK).
//!
//! The 第6表 it receives carries every provider's services on each user's plan (standard
//! §2.6); its schedule and its 実績 are the rows of its own サービス事業者コード.

use std::collections::BTreeMap;

use renkei_spec::filename::Party;
use renkei_spec::model::{DataFile, Record, SendUnit};
use serde::Serialize;

use super::import::{import_unit, ImportError};
use super::reconcile::Difference;
use super::{file_of, item_index, Export, Files, OfficeError};

/// What importing a 予定 (or a plan, or 介護予防 information) did.
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
    /// 利用者基本情報 (介護予防, the operator's pattern D4): kept as the users' basic
    /// information from the 地域包括支援センター.
    BasicInfo {
        /// The files received (UPKIHON, UPKIHON_SUB1, …).
        files: Vec<String>,
        /// How many users it covers.
        users: usize,
    },
    /// 介護予防サービス・支援計画書 and its 別表 (D5), with the 利用者基本情報 sent alongside:
    /// kept as the users' 介護予防 plan.
    PreventionPlan {
        /// The files received (UPYOBO, UPYOBO_SUB, …).
        files: Vec<String>,
        /// How many users it covers.
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

/// A correction of the delivery record, made after a 実績 was sent (the next ⑦ resends it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum JissekiCorrection {
    /// 中止の訂正: the visit recorded as cancelled took place as planned.
    CancelledVisitDelivered,
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
    /// Sender (地域包括支援センター) → the latest 利用者基本情報 received (its send unit).
    pub basic_info: BTreeMap<String, SendUnit>,
    /// Sender → the latest 介護予防サービス・支援計画書 received (its send unit).
    pub prevention_plans: BTreeMap<String, SendUnit>,
    /// (居宅, month) → corrections of the delivery record made since the month ended.
    pub corrections: BTreeMap<(String, String), Vec<JissekiCorrection>>,
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
            basic_info: BTreeMap::new(),
            prevention_plans: BTreeMap::new(),
            corrections: BTreeMap::new(),
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
        if file_of(&unit, "UPYOBO").is_some() || file_of(&unit, "UPKIHON").is_some() {
            let files: Vec<String> = unit.files.iter().map(|f| f.kind.clone()).collect();
            let users = file_of(&unit, "UPYOBO")
                .or_else(|| file_of(&unit, "UPKIHON"))
                .map_or(0, |f| f.records.len());
            if file_of(&unit, "UPKIHON").is_some() {
                self.basic_info.insert(kyotaku.clone(), unit.clone());
            }
            if file_of(&unit, "UPYOBO").is_some() {
                self.prevention_plans.insert(kyotaku, unit);
                return Ok(ImportOutcome::PreventionPlan { files, users });
            }
            return Ok(ImportOutcome::BasicInfo { files, users });
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
            ImportError::Read(
                "第6表 (UPPLAN) も計画書 (UP1KYO) も利用者基本情報 (UPKIHON) もありません".into(),
            )
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

    /// The number of 予定 rows in force for a 居宅 and month: the rows of this office's own
    /// services (its schedule), not the other providers' rows the 第6表 also carries.
    pub fn planned_rows(&self, kyotaku: &str, month: &str) -> usize {
        self.plans
            .get(&(kyotaku.to_string(), month.to_string()))
            .map_or(0, |(_, u)| self.own_rows(u).len())
    }

    /// The 第6表 rows of `plan` whose サービス事業者コード is this office.
    pub fn own_rows<'u>(&self, plan: &'u SendUnit) -> Vec<&'u Record> {
        let Some(by) = unit_rev_index(plan, "UPPLAN", "サービス事業者コード") else {
            return Vec::new();
        };
        file_of(plan, "UPPLAN").map_or_else(Vec::new, |f| {
            f.records
                .iter()
                .filter(|r| r.values[by] == self.office)
                .collect()
        })
    }

    /// Records a correction of the delivery of `month` for `kyotaku`; the next 実績 export
    /// carries it.
    pub fn correct_jisseki(&mut self, kyotaku: &str, month: &str, c: JissekiCorrection) {
        let list = self
            .corrections
            .entry((kyotaku.to_string(), month.to_string()))
            .or_default();
        if !list.contains(&c) {
            list.push(c);
        }
    }

    /// ⑦ 実績情報_削除 (DLTJSK): withdraws the 実績 of `month` sent to `kyotaku` for the users
    /// `insured` (被保険者番号), for this office and its サービス種類 (deletion works per
    /// サービス種類, standard §5.1.2.2). Each user must be on the plan in force.
    pub fn export_jisseki_deletion(
        &self,
        kyotaku: &str,
        month: &str,
        serial: &str,
        insured: &[String],
    ) -> Result<Export, OfficeError> {
        let (_, plan) = self
            .plans
            .get(&(kyotaku.to_string(), month.to_string()))
            .ok_or_else(|| {
                OfficeError::Plan(format!("{kyotaku} の {month} の予定を取り込んでいません"))
            })?;
        let rev = plan
            .revision()
            .map_err(|e| OfficeError::Plan(e.to_string()))?;
        let ix = |kind, name| {
            item_index(rev, kind, name)
                .ok_or_else(|| OfficeError::Plan(format!("{kind} に項目 {name} がありません")))
        };
        let (p_insurer, p_ins) = (ix("UPPLAN", "保険者番号")?, ix("UPPLAN", "被保険者番号")?);
        let items = &rev
            .file("DLTJSK")
            .ok_or_else(|| OfficeError::Plan("DLTJSK がありません".into()))?
            .items;
        let own = self.own_rows(plan);
        let mut records = Vec::new();
        for who in insured {
            let row = own
                .iter()
                .find(|r| r.values[p_ins] == *who)
                .ok_or_else(|| {
                    OfficeError::Plan(format!(
                        "被保険者番号 {who} はこの事業所の {month} の予定にありません"
                    ))
                })?;
            let values = items
                .iter()
                .map(|it| match it.name.as_str() {
                    "CSVバージョン" => rev.csv_version.clone(),
                    "保険者番号" => row.values[p_insurer].clone(),
                    "被保険者番号" => who.clone(),
                    "削除対象年月" => month.to_string(),
                    "サービス事業者コード" => self.office.clone(),
                    "サービス種類コード" => self.service_type.clone(),
                    _ => String::new(),
                })
                .collect();
            records.push(Record { values });
        }
        let unit = SendUnit {
            revision: plan.revision.clone(),
            sequence: serial.to_string(),
            sender: Party {
                office: self.office.clone(),
                service_type: Some(self.service_type.clone()),
            },
            receiver: plan.sender.clone(),
            files: vec![DataFile {
                kind: "DLTJSK".into(),
                month: Some(month.to_string()),
                records,
            }],
        };
        Export::write(unit)
    }

    /// ⑦ 実績の出力: what was delivered against the plan in force (this office's rows), with
    /// the differences a real month has: the second visit cancelled, the fourth moved half an
    /// hour later, and a visit added on the 28th; then the corrections recorded since. Returns
    /// the export and the differences it carries.
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
        let corrections = self
            .corrections
            .get(&(kyotaku.to_string(), month.to_string()))
            .cloned()
            .unwrap_or_default();
        let rev = plan
            .revision()
            .map_err(|e| OfficeError::Plan(e.to_string()))?;
        if file_of(plan, "UPPLAN").is_none() {
            return Err(OfficeError::Plan("第6表がありません".into()));
        }
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
        let mut rows: Vec<Vec<String>> = self
            .own_rows(plan)
            .into_iter()
            .map(|r| r.values.clone())
            .collect();
        if rows.is_empty() {
            return Err(OfficeError::Plan(format!(
                "{kyotaku} の {month} の予定にこの事業所のサービスがありません"
            )));
        }
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
            let mut moved = None;
            if rows[3][st] != "9999" {
                let (insured, service, day_s, planned) = d(&rows[3]);
                rows[3][st] = plus_30(&rows[3][st]);
                rows[3][en] = plus_30(&rows[3][en]);
                moved = Some(Difference::TimeChanged {
                    insured,
                    service,
                    day: day_s,
                    planned,
                    actual: d(&rows[3]).3,
                });
            }
            if !corrections.contains(&JissekiCorrection::CancelledVisitDelivered) {
                let (insured, service, day_s, time) = d(&rows[1]);
                rows.remove(1);
                diffs.push(Difference::Cancelled {
                    insured,
                    service,
                    day: day_s,
                    time,
                });
            }
            diffs.extend(moved);
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
