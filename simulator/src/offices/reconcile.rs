//! 予定と実績の突合 (reconciliation): the rows of 第6表 予定 (UPPLAN) against 実績 (UPJSK), by
//! user, service code and day. The two files share one layout.
//!
//! A 第6表 予定 carries every provider's services on the user's plan (standard §2.6), and a
//! 実績 only its sender's: the plan's rows are those of the 実績's サービス事業者コード.

use std::collections::BTreeMap;

use renkei_spec::model::SendUnit;
use serde::Serialize;

use super::{file_of, item_index};

/// One way the delivery differed from the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind")]
pub enum Difference {
    /// 中止: planned, not delivered.
    Cancelled {
        /// 被保険者番号 of the user.
        insured: String,
        /// The サービスコード.
        service: String,
        /// The day (YYYYMMDD).
        day: String,
        /// The planned start–end (HHMM-HHMM, or 9999).
        time: String,
    },
    /// 追加: delivered, not planned.
    Added {
        /// 被保険者番号 of the user.
        insured: String,
        /// The サービスコード.
        service: String,
        /// The day (YYYYMMDD).
        day: String,
        /// The delivered start–end (HHMM-HHMM, or 9999).
        time: String,
    },
    /// 時間変更: delivered on the planned day at another time.
    TimeChanged {
        /// 被保険者番号 of the user.
        insured: String,
        /// The サービスコード.
        service: String,
        /// The day (YYYYMMDD).
        day: String,
        /// The planned start–end.
        planned: String,
        /// The delivered start–end.
        actual: String,
    },
}

impl Difference {
    /// 日本語で一行.
    pub fn describe(&self) -> String {
        match self {
            Difference::Cancelled {
                insured,
                service,
                day,
                time,
            } => format!("中止: {insured} {service} {day} {time}"),
            Difference::Added {
                insured,
                service,
                day,
                time,
            } => format!("追加: {insured} {service} {day} {time}"),
            Difference::TimeChanged {
                insured,
                service,
                day,
                planned,
                actual,
            } => {
                format!("時間変更: {insured} {service} {day} {planned}→{actual}")
            }
        }
    }
}

type Key = (String, String, String);

/// The rows of `kind` in `unit` by key, only those of サービス事業者コード `office` when given.
fn rows(unit: &SendUnit, kind: &str, office: Option<&str>) -> BTreeMap<Key, Vec<String>> {
    let mut out: BTreeMap<Key, Vec<String>> = BTreeMap::new();
    let Ok(rev) = unit.revision() else {
        return out;
    };
    let ix = |name| item_index(rev, kind, name);
    let (Some(ins), Some(code), Some(day), Some(st), Some(en), Some(by)) = (
        ix("被保険者番号"),
        ix("サービスコード"),
        ix("サービス利用日"),
        ix("サービス開始時刻"),
        ix("サービス終了時刻"),
        ix("サービス事業者コード"),
    ) else {
        return out;
    };
    if let Some(f) = file_of(unit, kind) {
        for r in &f.records {
            let v = &r.values;
            if office.is_some_and(|o| v[by] != o) {
                continue;
            }
            out.entry((v[ins].clone(), v[code].clone(), v[day].clone()))
                .or_default()
                .push(format!("{}-{}", v[st], v[en]));
        }
    }
    out
}

/// The differences between a 予定 unit and a 実績 unit, in key order: the plan's rows of the
/// 実績's sender against the 実績.
pub fn reconcile(plan: &SendUnit, actual: &SendUnit) -> Vec<Difference> {
    let p = rows(plan, "UPPLAN", Some(&actual.sender.office));
    let a = rows(actual, "UPJSK", None);
    let mut out = Vec::new();
    let keys: std::collections::BTreeSet<&Key> = p.keys().chain(a.keys()).collect();
    for k in keys {
        let (insured, service, day) = (k.0.clone(), k.1.clone(), k.2.clone());
        let mut done = a.get(k).cloned().unwrap_or_default();
        let mut planned = Vec::new();
        for t in p.get(k).cloned().unwrap_or_default() {
            match done.iter().position(|d| *d == t) {
                Some(i) => {
                    done.remove(i);
                }
                None => planned.push(t),
            }
        }
        while let (Some(pt), Some(dt)) = (planned.first().cloned(), done.first().cloned()) {
            out.push(Difference::TimeChanged {
                insured: insured.clone(),
                service: service.clone(),
                day: day.clone(),
                planned: pt,
                actual: dt,
            });
            planned.remove(0);
            done.remove(0);
        }
        for t in planned {
            out.push(Difference::Cancelled {
                insured: insured.clone(),
                service: service.clone(),
                day: day.clone(),
                time: t,
            });
        }
        for t in done {
            out.push(Difference::Added {
                insured: insured.clone(),
                service: service.clone(),
                day: day.clone(),
                time: t,
            });
        }
    }
    out
}
