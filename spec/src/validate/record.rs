//! Record checks (レコード): rules between the items of one record, and between a record and
//! its file's name. Items are found by their role in the data, never by position.

use std::cell::Cell;

use crate::calendar;
use crate::diagnostic::Code;
use crate::filename::FileName;
use crate::standard::{FileSpec, ItemRole, Revision};

/// One problem in a record, at a field (0-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordProblem {
    /// The stable code.
    pub code: Code,
    /// The field (0-based) the problem is reported at.
    pub field: usize,
    /// What is wrong, in Japanese.
    pub message: String,
}

/// The ALL9 office number of 第7表 total rows.
pub const ALL9_OFFICE: &str = "9999999999";
/// The サービスコード of the 第7表 grand-total row.
pub const TOTAL_CODE: &str = "999999";

/// Whether a 第7表 サービスコード is a subtotal or total code (種類AAAA/EEEE/ZZZZ, 999999).
pub fn is_total_code(code: &str) -> bool {
    code == TOTAL_CODE || (code.len() == 6 && matches!(&code[2..], "AAAA" | "EEEE" | "ZZZZ"))
}

/// Field indexes of the roles a file's rules use, computed once per file.
#[derive(Debug, Clone, Default)]
pub struct Roles {
    /// 保険者番号.
    pub insurer: Option<usize>,
    /// 被保険者番号.
    pub insured: Option<usize>,
    /// 居宅サービス計画作成（変更）日.
    pub plan_date: Option<usize>,
    /// 対象年月.
    pub target_month: Option<usize>,
    /// 相談日.
    pub consult_date: Option<usize>,
    /// 計画作成(変更)日 (介護予防).
    pub yobo_plan_date: Option<usize>,
    /// The 居宅介護支援事業所 number.
    pub care_manager_office: Option<usize>,
    /// The サービス事業所 number.
    pub provider_office: Option<usize>,
    /// サービスコード.
    pub service_code: Option<usize>,
    /// サービス種類コード.
    pub service_type: Option<usize>,
    /// サービス利用日.
    pub service_date: Option<usize>,
    /// 日割対象日.
    pub day_flags: Option<usize>,
    /// サービス開始時刻.
    pub start_time: Option<usize>,
    /// サービス終了時刻.
    pub end_time: Option<usize>,
    /// 第7表 単位数.
    pub units: Option<usize>,
    /// 第7表 割引後率.
    pub discount_rate: Option<usize>,
    /// 第7表 割引後単位数.
    pub discounted_units: Option<usize>,
    /// 認定有効期間開始日.
    pub cert_start: Option<usize>,
    /// 認定有効期間終了日.
    pub cert_end: Option<usize>,
    /// 限度額適用開始年月日.
    pub limit_start: Option<usize>,
    /// 限度額適用終了年月日.
    pub limit_end: Option<usize>,
    /// TAISコード.
    pub tais_code: Option<usize>,
    /// 第7表 サービス単位金額.
    pub unit_amount: Option<usize>,
    /// 第7表 給付管理単位数.
    pub benefit_units: Option<usize>,
    /// 福祉用具届出コード.
    pub welfare_code: Option<usize>,
    /// 明細判別コード.
    pub detail_code: Option<usize>,
    /// 更新業者コード.
    pub updater: Option<usize>,
    /// 課題ＮＯ (UPYOBO_SUB).
    pub issue_no: Option<usize>,
    /// 支援計画ＮＯ (UPYOBO_SUB).
    pub support_plan_no: Option<usize>,
    /// 利用サービスＮＯ (UPYOBO_SUB).
    pub service_use_no: Option<usize>,
    /// First field of each 区分支給限度 slot (4 items each).
    pub limit_slots: Vec<usize>,
    /// The last two-character サービス種類 looked up and whether it is linked: records come
    /// grouped by service, so the next record usually asks the same.
    linked_memo: Cell<Option<([u8; 2], bool)>>,
}

impl Roles {
    /// The roles of `spec`'s items.
    pub fn of(spec: &FileSpec) -> Roles {
        let f = |r| spec.index_of(r);
        let slots: Vec<usize> = spec
            .items
            .iter()
            .enumerate()
            .filter(|(_, i)| i.role == Some(ItemRole::LimitSlot))
            .map(|(n, _)| n)
            .collect();
        Roles {
            insurer: f(ItemRole::Insurer),
            insured: f(ItemRole::Insured),
            plan_date: f(ItemRole::PlanDate),
            target_month: f(ItemRole::TargetMonth),
            consult_date: f(ItemRole::ConsultDate),
            yobo_plan_date: f(ItemRole::YoboPlanDate),
            care_manager_office: f(ItemRole::CareManagerOffice),
            provider_office: f(ItemRole::ProviderOffice),
            service_code: f(ItemRole::ServiceCode),
            service_type: f(ItemRole::ServiceType),
            service_date: f(ItemRole::ServiceDate),
            day_flags: f(ItemRole::DayFlags),
            start_time: f(ItemRole::StartTime),
            end_time: f(ItemRole::EndTime),
            units: f(ItemRole::Units),
            discount_rate: f(ItemRole::DiscountRate),
            discounted_units: f(ItemRole::DiscountedUnits),
            cert_start: f(ItemRole::CertStart),
            cert_end: f(ItemRole::CertEnd),
            limit_start: f(ItemRole::LimitStart),
            limit_end: f(ItemRole::LimitEnd),
            tais_code: f(ItemRole::TaisCode),
            unit_amount: f(ItemRole::UnitAmount),
            benefit_units: f(ItemRole::BenefitUnits),
            welfare_code: f(ItemRole::WelfareCode),
            detail_code: f(ItemRole::DetailCode),
            updater: f(ItemRole::Updater),
            issue_no: f(ItemRole::IssueNo),
            support_plan_no: f(ItemRole::SupportPlanNo),
            service_use_no: f(ItemRole::ServiceUseNo),
            limit_slots: slots.chunks(4).map(|c| c[0]).collect(),
            linked_memo: Cell::new(None),
        }
    }

    /// [`Revision::service_type_linked`], remembering the last answer.
    fn service_type_linked(&self, rev: &Revision, ty: &str) -> bool {
        let Ok(key) = <[u8; 2]>::try_from(ty.as_bytes()) else {
            return rev.service_type_linked(ty);
        };
        match self.linked_memo.get() {
            Some((k, linked)) if k == key => linked,
            _ => {
                let linked = rev.service_type_linked(ty);
                self.linked_memo.set(Some((key, linked)));
                linked
            }
        }
    }

    /// The value that links a record to the records of other files of its send unit:
    /// 作成（変更）日, 相談日, 計画作成日 or 対象年月.
    pub fn link<'a>(&self, kind: &str, v: &[&'a str]) -> &'a str {
        let get = |i: Option<usize>| i.and_then(|i| v.get(i).copied());
        if kind == "UPHOSOKU" {
            return match get(self.plan_date) {
                Some(d) if d != "00000000" => d,
                _ => get(self.target_month).unwrap_or(""),
            };
        }
        get(self.plan_date)
            .or(get(self.consult_date))
            .or(get(self.yobo_plan_date))
            .or(get(self.target_month))
            .unwrap_or("")
    }
}

/// Runs the record rules on one record whose items passed (`ok[i]`: item i is well-formed).
#[allow(clippy::too_many_arguments)]
pub fn check(
    spec: &FileSpec,
    roles: &Roles,
    rev: &Revision,
    name: Option<&FileName>,
    v: &[&str],
    ok: &[bool],
    out: &mut Vec<RecordProblem>,
) {
    let get = |i: Option<usize>| -> Option<(usize, &str)> {
        let i = i?;
        (ok[i] && !v[i].is_empty()).then(|| (i, v[i]))
    };
    let item = |i: usize| spec.items[i].name.as_str();
    let mut push = |code, field, message: String| {
        out.push(RecordProblem {
            code,
            field,
            message,
        })
    };
    let month = get(roles.target_month).and_then(|(_, m)| calendar::parse_month(m));

    // サービス利用日 within 対象年月.
    if let (Some((i, d)), Some((y, m))) = (get(roles.service_date), month) {
        if let Some((dy, dm, _)) = calendar::parse_date(d) {
            if (dy, dm) != (y, m) {
                push(
                    Code::ItemServiceDate,
                    i,
                    format!(
                        "「{}」{d} が対象年月 {y:04}{m:02} の日付ではありません",
                        item(i)
                    ),
                );
            }
        }
    }
    // 日割対象日: no day past the end of the month.
    if let (Some((i, flags)), Some((y, m))) = (get(roles.day_flags), month) {
        let days = calendar::days_in_month(y, m) as usize;
        if let Some(p) = flags.bytes().skip(days).position(|b| b == b'1') {
            push(
                Code::ItemDayFlags,
                i,
                format!(
                    "「{}」が {}日 を指していますが {y:04}年{m}月は{days}日までです",
                    item(i),
                    days + p + 1
                ),
            );
        }
    }
    // 9999 on both times or on neither.
    if let (Some((si, s)), Some((ei, e))) = (get(roles.start_time), get(roles.end_time)) {
        if (s == "9999") != (e == "9999") {
            let at = if s == "9999" { si } else { ei };
            push(
                Code::ItemTimePlaceholder,
                at,
                format!(
                    "「{}」{s} と「{}」{e}: 時間表示のないサービスは両方 9999、時間のあるサービスは両方 HHMM です",
                    item(si),
                    item(ei)
                ),
            );
        }
    }
    if let Some((i, code)) = get(roles.service_code) {
        let ty = &code[..2.min(code.len())];
        if code != TOTAL_CODE && !rev.service_type_known(ty) {
            push(
                Code::ItemServiceTypeUnknown,
                i,
                format!(
                    "サービスコード {code} のサービス種類 {ty} は標準仕様のサービス種類コードにありません（期待: 標準仕様 §1.3–1.4 のサービス種類、例 11 訪問介護。サービスコード表そのものは標準仕様に含まれないため、種類の2桁だけを確かめます）"
                ),
            );
        } else if code != TOTAL_CODE && !roles.service_type_linked(rev, ty) {
            push(
                Code::ItemServiceNotLinked,
                i,
                format!(
                    "サービスコード {code} のサービス種類 {ty} は連携対象外です（{}）",
                    rev.code_label("service_type_other", ty)
                        .unwrap_or("未知の種類")
                ),
            );
        }
        // 福祉用具貸与: TAISコード or 福祉用具届出コード.
        if let (Some(t), Some(c)) = (roles.tais_code, roles.welfare_code) {
            let welfare = rev.code_label("welfare_equipment_types", ty).is_some();
            if welfare && !is_total_code(code) && v[t].is_empty() && v[c].is_empty() {
                push(
                    Code::ItemWelfareEquipmentCode,
                    t,
                    format!(
                        "サービスコード {code}（{}）の行は「{}」か「{}」のどちらかを入力します（どちらも空）",
                        rev.code_label("welfare_equipment_types", ty).unwrap_or(""),
                        item(t),
                        item(c)
                    ),
                );
            }
        }
        // 明細判別コード: only on 福祉用具貸与 rows (17; 67 read as its 介護予防 counterpart).
        if let Some(d) = roles.detail_code {
            let welfare = rev.code_label("welfare_equipment_types", ty).is_some();
            if !welfare && !is_total_code(code) && ok[d] && !v[d].is_empty() {
                push(
                    Code::ItemDetailCode,
                    d,
                    format!(
                        "「{}」{} はサービスコード {code}（サービス種類 {ty}）の行では空にします（期待: 空。「17:福祉用具貸与」以外は Null）",
                        item(d),
                        v[d]
                    ),
                );
            }
        }
        // 第7表 subtotal and total rows.
        if let Some(u) = roles.units {
            let office = get(roles.provider_office).map(|(_, o)| o);
            let is_total = code == TOTAL_CODE;
            if let (Some(o), Some(oi)) = (office, roles.provider_office) {
                if is_total != (o == ALL9_OFFICE) {
                    push(
                        Code::ItemTotalRow,
                        if is_total { oi } else { i },
                        format!("合計行はサービスコード 999999 と事業所コード 9999999999 の組です（サービスコード {code}、事業所コード {o}）"),
                    );
                }
            }
            if is_total_code(code) {
                if ok[u] && v[u] != "0" && !v[u].is_empty() {
                    push(
                        Code::ItemTotalRow,
                        u,
                        format!(
                            "小計・合計行（{code}）の「{}」は 0 です（値 {}）",
                            item(u),
                            v[u]
                        ),
                    );
                }
                for r in [roles.discount_rate, roles.discounted_units]
                    .into_iter()
                    .flatten()
                {
                    if !v[r].is_empty() {
                        push(
                            Code::ItemTotalRow,
                            r,
                            format!(
                                "小計・合計行（{code}）の「{}」は空です（値 {}）",
                                item(r),
                                v[r]
                            ),
                        );
                    }
                }
            }
        }
    }
    // 短期入所療養介護 is managed under 22 in the 限度額 slots.
    for &first in &roles.limit_slots {
        if let Some((i, t)) = get(Some(first)) {
            if matches!(t, "23" | "2A") {
                push(
                    Code::ItemLimitSlotType,
                    i,
                    format!(
                        "「{}」{t}（{}）: 短期入所療養介護の限度額管理は 22 を設定します（期待 22、実際 {t}）",
                        item(i),
                        rev.code_label("service_type_linked", t).unwrap_or("短期入所療養介護")
                    ),
                );
            }
        }
    }
    // 区分支給限度 slots fill from slot 1.
    let mut empty_before = None;
    for (k, &first) in roles.limit_slots.iter().enumerate() {
        let filled = (first..first + 4).any(|i| v.get(i).is_some_and(|s| !s.is_empty()));
        match (filled, empty_before) {
            (false, None) => empty_before = Some(k),
            (true, Some(e)) => {
                push(
                    Code::ItemLimitSlotOrder,
                    first,
                    format!(
                        "限度額管理の{}枠目が空なのに{}枠目が設定されています（1枠から順に設定）",
                        e + 1,
                        k + 1
                    ),
                );
                break;
            }
            _ => {}
        }
    }
    // Every period (a start date and an end date) starts on or before its end.
    for (start, end) in [
        (roles.cert_start, roles.cert_end),
        (roles.limit_start, roles.limit_end),
    ] {
        if let (Some((si, s)), Some((ei, e))) = (get(start), get(end)) {
            if s > e {
                push(
                    Code::ItemPeriod,
                    ei,
                    format!(
                        "「{}」{s} が「{}」{e} より後です（期待: 開始日 ≦ 終了日）",
                        item(si),
                        item(ei)
                    ),
                );
            }
        }
    }
    if spec.kind == "UPHOSOKU" {
        if let (Some(pi), Some(mi)) = (roles.plan_date, roles.target_month) {
            if ok[pi] && ok[mi] {
                let (pz, mz) = (v[pi] == "00000000", v[mi] == "000000");
                if pz == mz {
                    push(
                        Code::ItemHosokuLink,
                        mi,
                        format!(
                            "第1・2表に紐づく補足は作成（変更）日を設定し対象年月を 000000 に、第6・7表に紐づく補足は作成（変更）日を 00000000 に対象年月を設定します（作成（変更）日 {}、対象年月 {}）",
                            v[pi], v[mi]
                        ),
                    );
                }
            }
        }
    }

    // The record against its file's name.
    let Some(name) = name else { return };
    if let (Some((i, m)), Some(nm)) = (get(roles.target_month), &name.month) {
        if m != nm {
            push(
                Code::ConsistencyMonth,
                i,
                format!("「{}」{m} がファイル名の年月 {nm} と異なります", item(i)),
            );
        }
    }
    if let Some((i, u)) = get(roles.updater) {
        if !name.sender.office.is_empty() && u != name.sender.office {
            push(
                Code::ConsistencyUpdater,
                i,
                format!(
                    "「{}」{u} がファイル名の送信元事業所番号 {} と異なります（予定は居宅介護支援事業者番号、実績はサービス事業者番号を設定）",
                    item(i),
                    name.sender.office
                ),
            );
        }
    }
    let sent_by_provider = spec.from == crate::standard::OfficeRole::Provider;
    if let Some((i, o)) = get(roles.care_manager_office) {
        let (want, who) = if sent_by_provider {
            (&name.receiver.office, "送信先")
        } else {
            (&name.sender.office, "送信元")
        };
        if !want.is_empty() && o != want {
            push(
                Code::ConsistencySender,
                i,
                format!(
                    "「{}」{o} がファイル名の{who}事業所番号 {want} と異なります",
                    item(i)
                ),
            );
        }
    }
    if sent_by_provider {
        if let Some((i, o)) = get(roles.provider_office) {
            if !name.sender.office.is_empty() && *o != name.sender.office {
                push(
                    Code::ConsistencySender,
                    i,
                    format!(
                        "「{}」{o} がファイル名の送信元事業所番号 {} と異なります",
                        item(i),
                        name.sender.office
                    ),
                );
            }
        }
        if let Some(st) = &name.sender.service_type {
            let ty = get(roles.service_code)
                .map(|(i, c)| (i, &c[..2.min(c.len())]))
                .or(get(roles.service_type));
            if let Some((i, t)) = ty {
                if t != st {
                    push(
                        Code::ConsistencyServiceType,
                        i,
                        format!("「{}」のサービス種類 {t} がファイル名の送信元サービス種類コード {st} と異なります", item(i)),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Each record rule with one accepted record (as generated) and one refused (one value
    //! changed), run through [`check`] with every item well-formed.

    use super::*;
    use crate::model::SendUnit;
    use crate::standard::Standard;
    use crate::validate::testutil::{actual_unit, plan_unit, usage_unit, values_of};

    /// One generated file's records, ready for [`check`].
    struct Case {
        spec: &'static FileSpec,
        rev: &'static Revision,
        roles: Roles,
        name: FileName,
        records: Vec<Vec<String>>,
    }

    impl Case {
        fn new(unit: SendUnit, kind: &str) -> Case {
            let rev = Standard::get().revision(&unit.revision).expect("revision");
            let spec = rev.file(kind).expect("file kind");
            let (name, records) = values_of(&unit, kind);
            Case {
                spec,
                rev,
                roles: Roles::of(spec),
                name,
                records,
            }
        }

        /// The first record where `field` has a value that `pick` accepts.
        fn record(&self, field: Option<usize>, pick: impl Fn(&str) -> bool) -> Vec<String> {
            let i = field.expect("the file has the role");
            self.records
                .iter()
                .find(|r| r.get(i).is_some_and(|v| !v.is_empty() && pick(v)))
                .cloned()
                .expect("a record with the value")
        }

        /// The codes [`check`] gives the record.
        fn codes(&self, values: &[String]) -> Vec<Code> {
            let v: Vec<&str> = values.iter().map(String::as_str).collect();
            let ok = vec![true; v.len()];
            let mut out = Vec::new();
            check(
                self.spec,
                &self.roles,
                self.rev,
                Some(&self.name),
                &v,
                &ok,
                &mut out,
            );
            out.into_iter().map(|p| p.code).collect()
        }

        /// The record passes `code`'s rule as it is, and fails it once `edit` changed it.
        fn accepts_then_refuses(
            &self,
            code: Code,
            mut record: Vec<String>,
            edit: impl FnOnce(&mut Vec<String>),
        ) {
            assert!(
                !self.codes(&record).contains(&code),
                "{code:?} on the record as generated: {record:?}"
            );
            edit(&mut record);
            assert!(
                self.codes(&record).contains(&code),
                "no {code:?} on the edited record: {record:?}"
            );
        }
    }

    fn field(i: Option<usize>) -> usize {
        i.expect("the file has the role")
    }

    #[test]
    fn a_service_date_lies_within_the_target_month() {
        let c = Case::new(usage_unit(), "UPPLAN");
        let i = field(c.roles.service_date);
        let r = c.record(c.roles.service_date, |_| true);
        c.accepts_then_refuses(Code::ItemServiceDate, r, |r| r[i] = "20250715".into());
    }

    #[test]
    fn day_flags_stop_at_the_end_of_the_month() {
        let c = Case::new(usage_unit(), "UPPLAN");
        let i = field(c.roles.day_flags);
        let mut r = c.record(c.roles.target_month, |_| true);
        // 2025年6月 has 30 days: flags on the 1st and the 30th are days of the month, one on
        // the 31st points past its end.
        r[i] = format!("1{}10", "0".repeat(28));
        c.accepts_then_refuses(Code::ItemDayFlags, r, |r| r[i].replace_range(30..31, "1"));
    }

    #[test]
    fn times_are_both_9999_or_neither() {
        let c = Case::new(usage_unit(), "UPPLAN");
        let (s, e) = (field(c.roles.start_time), field(c.roles.end_time));
        let r = c.record(c.roles.start_time, |t| t != "9999");
        c.accepts_then_refuses(Code::ItemTimePlaceholder, r, |r| {
            r[s] = "9999".into();
            assert_ne!(r[e], "9999");
        });
    }

    #[test]
    fn a_service_code_is_of_a_linked_service_type() {
        let c = Case::new(usage_unit(), "UPPLAN");
        let i = field(c.roles.service_code);
        let other = (10..100)
            .map(|n| n.to_string())
            .find(|t| !c.rev.service_type_linked(t) && c.rev.service_type_known(t))
            .expect("some service type is not linked");
        let r = c.record(c.roles.service_code, |code| code != TOTAL_CODE);
        c.accepts_then_refuses(Code::ItemServiceNotLinked, r, |r| {
            r[i] = format!("{other}1111")
        });
    }

    #[test]
    fn a_service_codes_type_is_in_the_standards_lists() {
        let c = Case::new(usage_unit(), "UPPLAN");
        let i = field(c.roles.service_code);
        let r = c.record(c.roles.service_code, |code| code != TOTAL_CODE);
        c.accepts_then_refuses(Code::ItemServiceTypeUnknown, r, |r| r[i] = "991111".into());
    }

    #[test]
    fn a_welfare_equipment_row_has_a_tais_or_notified_code() {
        for kind in ["UPPLAN", "UPSIKYU"] {
            let c = Case::new(usage_unit(), kind);
            let (t, n) = (field(c.roles.tais_code), field(c.roles.welfare_code));
            let mut r = c.record(c.roles.service_code, |code| {
                code.starts_with("17") && !is_total_code(code)
            });
            // Either code is enough.
            r[t].clear();
            r[n] = "A0001-000123".into();
            c.accepts_then_refuses(Code::ItemWelfareEquipmentCode, r, |r| r[n].clear());
        }
    }

    #[test]
    fn a_limit_period_starts_before_it_ends() {
        let c = Case::new(usage_unit(), "UPHOSOKU");
        let i = field(c.roles.limit_start);
        let r = c.record(c.roles.limit_start, |_| true);
        c.accepts_then_refuses(Code::ItemPeriod, r, |r| r[i] = "20991231".into());
    }

    #[test]
    fn a_total_row_pairs_999999_with_the_all_9_office() {
        let c = Case::new(usage_unit(), "UPSIKYU");
        let i = field(c.roles.service_code);
        let r = c.record(c.roles.service_code, |code| !is_total_code(code));
        c.accepts_then_refuses(Code::ItemTotalRow, r, |r| r[i] = TOTAL_CODE.into());
    }

    #[test]
    fn limit_slots_fill_from_the_first() {
        let c = Case::new(usage_unit(), "UPHOSOKU");
        let (first, second) = (c.roles.limit_slots[0], c.roles.limit_slots[1]);
        let mut r = c.records[0].clone();
        for (k, v) in ["11", "0016765", "0001200", "0000000"]
            .into_iter()
            .enumerate()
        {
            r[first + k] = v.into();
        }
        c.accepts_then_refuses(Code::ItemLimitSlotOrder, r, |r| {
            for k in 0..4 {
                r[second + k] = std::mem::take(&mut r[first + k]);
            }
        });
    }

    #[test]
    fn a_certification_period_starts_before_it_ends() {
        let c = Case::new(plan_unit(), "UP1KYO");
        let i = field(c.roles.cert_start);
        let r = c.record(c.roles.cert_start, |_| true);
        c.accepts_then_refuses(Code::ItemPeriod, r, |r| r[i] = "20991231".into());
    }

    #[test]
    fn a_hosoku_record_sets_exactly_one_of_its_links() {
        let c = Case::new(usage_unit(), "UPHOSOKU");
        let p = field(c.roles.plan_date);
        let r = c.record(c.roles.target_month, |m| m != "000000");
        c.accepts_then_refuses(Code::ItemHosokuLink, r, |r| r[p] = "20250401".into());
    }

    #[test]
    fn the_target_month_is_the_file_names_month() {
        let c = Case::new(usage_unit(), "UPPLAN");
        let i = field(c.roles.target_month);
        let r = c.record(c.roles.target_month, |_| true);
        c.accepts_then_refuses(Code::ConsistencyMonth, r, |r| r[i] = "202507".into());
    }

    #[test]
    fn the_care_manager_office_is_the_names_sender() {
        let c = Case::new(usage_unit(), "UPPLAN");
        let i = field(c.roles.care_manager_office);
        let r = c.record(c.roles.care_manager_office, |_| true);
        c.accepts_then_refuses(Code::ConsistencySender, r, |r| r[i] = "1370100000".into());
    }

    #[test]
    fn a_providers_office_is_the_names_sender() {
        let c = Case::new(actual_unit(), "UPJSK");
        let i = field(c.roles.provider_office);
        let r = c.record(c.roles.provider_office, |_| true);
        c.accepts_then_refuses(Code::ConsistencySender, r, |r| r[i] = "1370100000".into());
    }

    #[test]
    fn a_providers_service_type_is_the_names() {
        let c = Case::new(actual_unit(), "UPJSK");
        let i = field(c.roles.service_code);
        let named = c.name.sender.service_type.clone().expect("4.1 names say");
        let other = if named == "13" { "11" } else { "13" };
        let r = c.record(c.roles.service_code, |code| code.starts_with(&named));
        c.accepts_then_refuses(Code::ConsistencyServiceType, r, |r| {
            r[i].replace_range(0..2, other)
        });
    }
}
