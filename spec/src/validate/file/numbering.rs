//! Stage 5b, numbering across records: in a 介護予防サービス・支援計画書 (UPYOBO_SUB) the rows of
//! one 課題ＮＯ number their 支援計画 1, 2, … and the rows of one 支援計画ＮＯ number their
//! 利用サービス 1, 2, … (「同一の課題NOに複数の支援計画を含める場合は、課題NOを同一にして支援計画NO
//! に連番を入力する」「同一の支援計画NOに複数の利用サービスを含める場合は、支援計画NOを同一にして
//! 利用サービスNOに連番を入力する」). The layout's example reads 支援計画ＮＯ 1, 2, 2 with
//! 利用サービスＮＯ 1, 1, 2: a row repeats its 支援計画ＮＯ for another 利用サービス. The rows of one
//! 課題 stand together; a 課題ＮＯ that comes back later starts a new run, and where a run starts
//! is not checked (the text says 連番, not "from 1").

use crate::diagnostic::{Code, Diagnostic};
use crate::standard::FileSpec;

use super::super::record::Roles;
use super::{Key, Out, Where};

/// The numbers of the last row: its plan (user and 計画作成(変更)日), 課題ＮＯ, 支援計画ＮＯ and
/// 利用サービスＮＯ.
struct Row {
    plan: Key,
    issue: String,
    support: Option<u32>,
    service: Option<u32>,
}

/// What the numbering stage keeps: the last row.
#[derive(Default)]
pub(super) struct Numbering {
    last: Option<Row>,
}

impl Numbering {
    /// Checks one record whose key items are sound (`ok[i]`: item i is well formed).
    pub(super) fn record(
        &mut self,
        v: &[&str],
        ok: &[bool],
        (spec, roles): (&FileSpec, &Roles),
        w: &mut Where<'_>,
        out: &mut Out,
    ) {
        let (Some(issue), Some(support)) = (roles.issue_no, roles.support_plan_no) else {
            return;
        };
        let (Some(a), Some(b), Some(d)) = (roles.insurer, roles.insured, roles.yobo_plan_date)
        else {
            return;
        };
        if !ok[issue] || !ok[support] || v[issue].is_empty() {
            self.last = None;
            return;
        }
        let number = |i: Option<usize>| i.and_then(|i| v[i].parse::<u32>().ok());
        let row = Row {
            plan: Key::new(&[v[a], v[b], v[d]]),
            issue: v[issue].to_string(),
            support: number(Some(support)),
            service: number(roles.service_use_no),
        };
        if let Some(last) = self.last.take() {
            if last.plan == row.plan && last.issue == row.issue {
                self.follows(&last, &row, (spec, roles), v, w, out);
            }
        }
        self.last = Some(row);
    }

    /// A row of the same 課題 as the last: the same 支援計画 with the next 利用サービス, or the
    /// next 支援計画.
    fn follows(
        &self,
        last: &Row,
        row: &Row,
        (spec, roles): (&FileSpec, &Roles),
        v: &[&str],
        w: &mut Where<'_>,
        out: &mut Out,
    ) {
        let (Some(support), Some(prev)) = (roles.support_plan_no, last.support) else {
            return;
        };
        let shown = |i: usize| if v[i].is_empty() { "空" } else { v[i] };
        let mut report = |field: usize, message: String| {
            let it = &spec.items[field];
            let d = Diagnostic::new(Code::ItemSupportPlanNumbering, message).item(&it.name);
            out.push(w.diag(d, field, 0));
        };
        if row.support == Some(prev + 1) {
            return;
        }
        if row.support != Some(prev) {
            report(
                support,
                format!(
                    "課題ＮＯ {} の行が続くときの「{}」は前の行と同じ（利用サービスが続く）か次の番号です（期待 {prev} か {}、実際 {}）",
                    row.issue,
                    spec.items[support].name,
                    prev + 1,
                    shown(support)
                ),
            );
            return;
        }
        if let (Some(service), Some(prev_service)) = (roles.service_use_no, last.service) {
            if row.service != Some(prev_service + 1) {
                report(
                    service,
                    format!(
                        "支援計画ＮＯ {prev} の行が続くときの「{}」は連番です（期待 {}、実際 {}）",
                        spec.items[service].name,
                        prev_service + 1,
                        shown(service)
                    ),
                );
            }
        }
    }
}
