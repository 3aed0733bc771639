//! 第7表 (サービス利用票別表) sums: a 種類別小計 row (`{種類}AAAA`) and the 全合計 row (`999999`)
//! must agree with the rows they total.
//!
//! The layout names the rows 「区分支給対象種類別小計」 and 「全合計」 (No.9) and fixes 単位数 to 0
//! and 割引 to empty on them; what they add up is the paper form's: per user, the
//! 種類別小計 of one サービス事業所 and サービス種類 sums the 給付管理単位数 and the
//! サービス単位金額 of that office's service rows of that type, and the 全合計 sums the
//! 給付管理単位数 of every service row of the user. A value left empty on a subtotal row is
//! not compared; an empty value on a service row counts 0. The optional 区分支給対象外 (EEEE)
//! and 30日超過分 (ZZZZ) subtotals are not compared: the layout does not say which rows they
//! take. Rows of one user may stand anywhere in the file, so the sums are compared at its end;
//! the state is a few integers per user and per (office, type).

use std::collections::HashMap;

use super::file::Key;
use super::record::{is_total_code, Roles, TOTAL_CODE};
use crate::diagnostic::Code;

/// Where a value stands: (line, column, byte offset).
pub type At = (u64, Option<u32>, u64);

/// One subtotal or total row, as read.
#[derive(Debug)]
struct TotalRow {
    /// `None` for the 全合計 row; the (office, type) of a 種類別小計.
    group: Option<Key>,
    code: String,
    benefit_units: Option<(i64, At)>,
    unit_amount: Option<(i64, At)>,
}

/// The sums of one user's service rows.
#[derive(Debug, Default)]
struct UserSums {
    /// (office, type) and its service rows' sums: a few per user, looked up in order.
    groups: Vec<(Key, Group)>,
    /// 給付管理単位数 of every service row.
    benefit_units: i64,
    totals: Vec<TotalRow>,
}

/// The service rows of one office and サービス種類 of a user.
#[derive(Debug, Default)]
struct Group {
    benefit_units: i64,
    unit_amount: i64,
    rows: u32,
    /// Where the first row's サービスコード stands.
    first: Option<At>,
}

/// A mismatch: where, and what to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumProblem {
    /// Where the subtotal's value stands.
    pub at: At,
    /// The code: a sum that differs, or a subtotal that is missing.
    pub code: crate::diagnostic::Code,
    /// The item's Japanese name.
    pub item: &'static str,
    /// What is wrong, with expected and found.
    pub message: String,
}

impl UserSums {
    /// The group of this office and サービス種類, made when first seen.
    fn group(&mut self, office: &str, service_type: &str) -> &mut Group {
        let i = match self
            .groups
            .iter()
            .position(|(k, _)| k.is(&[office, service_type]))
        {
            Some(i) => i,
            None => {
                let key = Key::new(&[office, service_type]);
                self.groups.push((key, Group::default()));
                self.groups.len() - 1
            }
        };
        &mut self.groups[i].1
    }

    /// Adds the sums of the same user's rows read elsewhere in the file.
    fn merge(&mut self, other: UserSums) {
        for (k, g) in other.groups {
            let mine = self.group(k.part(0), k.part(1));
            mine.benefit_units += g.benefit_units;
            mine.unit_amount += g.unit_amount;
            mine.rows += g.rows;
            mine.first = mine.first.or(g.first);
        }
        self.benefit_units += other.benefit_units;
        self.totals.extend(other.totals);
    }
}

/// The running sums of one 第7表 file. Rows come grouped by user: the current user's sums are
/// kept apart and go into the map when another user's row comes (merged, if the user came
/// before).
#[derive(Debug, Default)]
pub struct TotalSums {
    users: HashMap<Key, UserSums>,
    current: Option<(Key, UserSums)>,
    /// A record whose user, code or summed values could not be read: some sum is unknown, so
    /// nothing is compared (the item checks report the record).
    partial: bool,
}

fn int(v: &str) -> Option<i64> {
    if v.is_empty() {
        None
    } else {
        v.parse().ok()
    }
}

impl TotalSums {
    /// Takes one well-formed record (`ok[i]`: item i passed its check). `at(i)` places field i.
    pub fn row(&mut self, roles: &Roles, v: &[&str], ok: &[bool], mut at: impl FnMut(usize) -> At) {
        let (Some(a), Some(b), Some(c)) = (roles.insurer, roles.insured, roles.service_code) else {
            return;
        };
        let summed = [roles.benefit_units, roles.unit_amount];
        if !(ok[a] && ok[b] && ok[c]) || v[c].len() < 2 || summed.iter().flatten().any(|&i| !ok[i])
        {
            self.partial = true;
            return;
        }
        let office = roles.provider_office.map_or("", |o| v[o]);
        let code = v[c];
        let get = |r: Option<usize>| r.filter(|&i| ok[i]).and_then(|i| int(v[i]).map(|n| (i, n)));
        let user = self.user(v[a], v[b]);
        if is_total_code(code) {
            let group = if code == TOTAL_CODE {
                None
            } else if code.ends_with("AAAA") {
                Some(Key::new(&[office, &code[..2]]))
            } else {
                return; // EEEE, ZZZZ: not compared
            };
            let mut place = |r: Option<usize>| get(r).map(|(i, n)| (n, at(i)));
            user.totals.push(TotalRow {
                group,
                code: code.to_string(),
                benefit_units: place(roles.benefit_units),
                unit_amount: place(roles.unit_amount),
            });
            return;
        }
        let units = get(roles.benefit_units).map_or(0, |(_, n)| n);
        let amount = get(roles.unit_amount).map_or(0, |(_, n)| n);
        let g = user.group(office, &code[..2]);
        g.benefit_units += units;
        g.unit_amount += amount;
        g.rows += 1;
        if g.first.is_none() {
            g.first = Some(at(c));
        }
        user.benefit_units += units;
    }

    /// The sums of this user, current from now on.
    fn user(&mut self, insurer: &str, insured: &str) -> &mut UserSums {
        let same = matches!(&self.current, Some((k, _)) if k.is(&[insurer, insured]));
        if !same {
            self.flush();
            let key = Key::new(&[insurer, insured]);
            let sums = self.users.remove(&key).unwrap_or_default();
            self.current = Some((key, sums));
        }
        let current = self
            .current
            .get_or_insert_with(|| (Key::new(&[insurer, insured]), UserSums::default()));
        &mut current.1
    }

    /// The current user's sums into the map.
    fn flush(&mut self) {
        if let Some((key, sums)) = self.current.take() {
            match self.users.get_mut(&key) {
                Some(u) => u.merge(sums),
                None => {
                    self.users.insert(key, sums);
                }
            }
        }
    }

    /// Compares every subtotal and total row with its sums, in file order of the users' keys.
    pub fn finish(mut self) -> Vec<SumProblem> {
        let mut out = Vec::new();
        if self.partial {
            return out;
        }
        self.flush();
        for (user, u) in self.users {
            let insured = user.part(1);
            for t in &u.totals {
                let (want_units, want_amount, what) = match &t.group {
                    Some(g) => {
                        let (s, m) = u
                            .groups
                            .iter()
                            .find(|(k, _)| k == g)
                            .map_or((0, 0), |(_, g)| (g.benefit_units, g.unit_amount));
                        (
                            s,
                            Some(m),
                            format!("事業所 {} のサービス種類 {} の行", g.part(0), g.part(1)),
                        )
                    }
                    None => (u.benefit_units, None, "すべてのサービスの行".to_string()),
                };
                let mut check = |found: Option<(i64, At)>,
                                 want: Option<i64>,
                                 item: &'static str| {
                    if let (Some((got, at)), Some(want)) = (found, want) {
                        if got != want {
                            out.push(SumProblem {
                                at,
                                code: Code::ItemTotalSum,
                                item,
                                message: format!(
                                    "被保険者番号 {insured} の{}（{}）の「{item}」が {got} ですが、{what}の合計は {want} です（期待 {want}、実際 {got}）",
                                    if t.group.is_some() { "種類別小計" } else { "全合計" },
                                    t.code,
                                ),
                            });
                        }
                    }
                };
                check(t.benefit_units, Some(want_units), "給付管理単位数");
                check(t.unit_amount, want_amount, "サービス単位金額");
            }
            // 「サービスコードが複数行の場合は必須」: an AAAA row for every group of two rows or more.
            for (g, rows) in &u.groups {
                let has = u.totals.iter().any(|t| t.group.as_ref() == Some(g));
                if let (false, true, Some(at)) = (has, rows.rows > 1, rows.first) {
                    out.push(SumProblem {
                        at,
                        code: Code::ConsistencyMissingSubtotal,
                        item: "サービスコード",
                        message: format!(
                            "被保険者番号 {insured} の事業所 {} のサービス種類 {} はサービスコードが {} 行ありますが、種類別小計（{}AAAA）の行がありません（サービスコードが複数行の場合は必須）",
                            g.part(0), g.part(1), rows.rows, g.part(1)
                        ),
                    });
                }
            }
        }
        out.sort_by_key(|p| p.at.2);
        out
    }
}
