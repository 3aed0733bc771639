//! Stage 5b, numbering across records: in a 介護予防サービス・支援計画書 (UPYOBO_SUB), the rows
//! of one 課題ＮＯ number their 支援計画 1, 2, … (「同一の課題NOに複数の支援計画を含める場合は、
//! 課題NOを同一にして支援計画NOに連番を入力する」). The rows of one 課題 stand together, as
//! the layout's 構成 shows them; a 課題ＮＯ that comes back later starts a new run.

use crate::diagnostic::{Code, Diagnostic};
use crate::standard::FileSpec;

use super::super::record::Roles;
use super::{Key, Out, Where};

/// The last row's plan (user and 計画作成(変更)日), 課題ＮＯ and 支援計画ＮＯ.
#[derive(Default)]
pub(super) struct Numbering {
    last: Option<(Key, String, Option<u32>)>,
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
        let (Some(issue), Some(plan)) = (roles.issue_no, roles.support_plan_no) else {
            return;
        };
        let (Some(a), Some(b), Some(d)) = (roles.insurer, roles.insured, roles.yobo_plan_date)
        else {
            return;
        };
        if !ok[issue] || !ok[plan] || v[issue].is_empty() {
            self.last = None;
            return;
        }
        let number = v[plan].parse::<u32>().ok();
        let key = [v[a], v[b], v[d]];
        if let Some((k, last_issue, last_number)) = &self.last {
            if k.is(&key) && last_issue == v[issue] {
                let want = last_number.map(|n| n + 1);
                if number.is_none() || number != want {
                    let it = &spec.items[plan];
                    let expected = want.map_or("連番".to_string(), |n| n.to_string());
                    let found = if v[plan].is_empty() { "空" } else { v[plan] };
                    let d = Diagnostic::new(
                        Code::ItemSupportPlanNumbering,
                        format!(
                            "課題ＮＯ {} の支援計画が続く行の「{}」は連番です（期待 {expected}、実際 {found}）",
                            v[issue], it.name
                        ),
                    )
                    .item(&it.name);
                    out.push(w.diag(d, plan, 0));
                }
            }
        }
        self.last = Some((Key::new(&key), v[issue].to_string(), number));
    }
}
