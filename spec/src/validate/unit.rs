//! Send-unit checks (送信単位): the files of one folder that share a ファイル連番 must name the
//! same parties, form one of the allowed combinations of their revision, and link to each
//! other (every user of 第6表 has a 利用者補足情報 record and a 第7表 total row, …).

use std::collections::BTreeMap;

use crate::diagnostic::{Code, Diagnostic};
use crate::standard::Standard;

use super::file::{FileReport, LinkKey, Place};
use super::Options;

/// Runs the unit checks on every group of reports that share a folder and a ファイル連番.
pub fn check_units(reports: &mut [FileReport], opts: &Options) {
    let mut groups: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, r) in reports.iter().enumerate() {
        if !r.unit_checks {
            continue;
        }
        if let Some(n) = &r.name {
            groups
                .entry((r.folder.clone(), n.sequence.clone()))
                .or_default()
                .push(i);
        }
    }
    for ((_, seq), idx) in groups {
        let mut diags: Vec<(usize, Diagnostic)> = Vec::new();
        check_group(reports, &seq, &idx, &mut diags);
        for (i, d) in diags {
            reports[i].push(d, opts.max_diagnostics);
        }
    }
    for r in reports.iter_mut() {
        r.finish();
    }
}

fn check_group(
    reports: &[FileReport],
    seq: &str,
    idx: &[usize],
    out: &mut Vec<(usize, Diagnostic)>,
) {
    let std = Standard::get();
    let name = |i: usize| reports[i].name.as_ref().expect("grouped by name");
    let first = idx[0];
    let n0 = name(first);
    // Parties and revision.
    for &i in &idx[1..] {
        let n = name(i);
        let party = |p: &crate::filename::Party| match &p.service_type {
            Some(t) => format!("{}（種類 {t}）", p.office),
            None => p.office.clone(),
        };
        let mut differs = Vec::new();
        if n.sender != n0.sender {
            differs.push(format!(
                "送信元 {}（期待 {}）",
                party(&n.sender),
                party(&n0.sender)
            ));
        }
        if n.receiver != n0.receiver {
            differs.push(format!(
                "送信先 {}（期待 {}）",
                party(&n.receiver),
                party(&n0.receiver)
            ));
        }
        if n.revision != n0.revision {
            differs.push(format!("版 第{}版（期待 第{}版）", n.revision, n0.revision));
        }
        if !differs.is_empty() {
            out.push((
                i,
                Diagnostic::new(
                    Code::ConsistencyUnitParties,
                    format!(
                        "ファイル連番 {seq} の送信単位で {} が {} と異なります",
                        differs.join("・"),
                        file_name(&reports[first].path)
                    ),
                ),
            ));
        }
    }
    let Some(rev) = std.revision(&n0.revision) else {
        return;
    };
    // Duplicates.
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for &i in idx {
        let k = name(i).kind.as_str();
        if k == "UPKIHON_IMAGE" {
            by_kind.entry(k).or_insert(i);
            continue;
        }
        if let Some(&prev) = by_kind.get(k) {
            out.push((
                i,
                Diagnostic::new(
                    Code::ConsistencyUnitDuplicate,
                    format!(
                        "ファイル連番 {seq} の送信単位に {k} が2つあります（{} と同じ種別）",
                        file_name(&reports[prev].path)
                    ),
                ),
            ));
        } else {
            by_kind.insert(k, i);
        }
    }
    // The combination.
    let kinds: Vec<&str> = by_kind.keys().copied().collect();
    if let Err(m) = rev.match_unit(&kinds) {
        let msg = format!(
            "ファイル連番 {seq} のファイル（{}）は第{}版の送信単位の組合せではありません。{}",
            kinds.join(", "),
            rev.revision,
            m.describe()
        );
        for &i in idx {
            out.push((
                i,
                Diagnostic::new(Code::ConsistencyUnitCombination, msg.clone())
                    .assumed(m.nearest.assumed.as_deref()),
            ));
        }
    }
    // Months.
    let months: Vec<(usize, &str)> = idx
        .iter()
        .filter_map(|&i| name(i).month.as_deref().map(|m| (i, m)))
        .collect();
    if let Some(&(mi, m0)) = months.first() {
        for &(i, m) in &months[1..] {
            if m != m0 {
                out.push((
                    i,
                    Diagnostic::new(
                        Code::ConsistencyUnitMonth,
                        format!(
                            "ファイル名の年月 {m} が同じ送信単位の {} の {m0} と異なります",
                            file_name(&reports[mi].path)
                        ),
                    ),
                ));
            }
        }
    }
    // Links between the files.
    let get = |k: &str| by_kind.get(k).map(|&i| (i, &reports[i]));
    let mut need = |from: &str, to: &str, code: Code, what: &str| {
        let (Some((fi, f)), Some((_, t))) = (get(from), get(to)) else {
            return;
        };
        if t.facts.partial {
            return;
        }
        for (key, place) in &f.facts.links {
            if !t.facts.links.contains_key(key) {
                out.push((fi, missing(code, key, *place, what, to)));
            }
        }
    };
    need(
        "UPPLAN",
        "UPHOSOKU",
        Code::ConsistencyMissingHosoku,
        "利用者補足情報",
    );
    need(
        "UPSIKYU",
        "UPPLAN",
        Code::ConsistencyMissingUsage,
        "第6表（予定）",
    );
    need(
        "UPHOSOKU",
        "UPPLAN",
        Code::ConsistencyMissingUsage,
        "第6表（予定）",
    );
    need(
        "UP1KYO",
        "UPHOSOKU",
        Code::ConsistencyMissingHosoku,
        "利用者補足情報",
    );
    need("UP2KYO", "UP1KYO", Code::ConsistencyMissingPlan, "第1表");
    need("UP3KYO", "UP1KYO", Code::ConsistencyMissingPlan, "第1表");
    need("UPHOSOKU", "UP1KYO", Code::ConsistencyMissingPlan, "第1表");
    need(
        "UPKIHON_SUB1",
        "UPKIHON",
        Code::ConsistencyMissingParent,
        "利用者基本情報",
    );
    need(
        "UPKIHON_SUB2",
        "UPKIHON",
        Code::ConsistencyMissingParent,
        "利用者基本情報",
    );
    need(
        "UPYOBO_SUB",
        "UPYOBO",
        Code::ConsistencyMissingParent,
        "介護予防サービス・支援計画書",
    );
    if let (Some((pi, plan)), Some((_, total))) = (
        get("UPPLAN"),
        get("UPSIKYU").filter(|(_, t)| !t.facts.partial),
    ) {
        let mut seen = std::collections::BTreeSet::new();
        for (key, place) in &plan.facts.links {
            let user = key.user();
            if total.facts.totals.contains(&user) || seen.contains(&user) {
                continue;
            }
            let b = user.part(1).to_string();
            seen.insert(user);
            {
                out.push((
                    pi,
                    Diagnostic::new(
                        Code::ConsistencyMissingTotal,
                        format!("被保険者番号 {b} の利用者の第7表に合計行（サービスコード 999999）がありません"),
                    )
                    .at(place.0, Some(3), place.1)
                    .item("被保険者番号"),
                ));
            }
        }
    }
}

fn missing(code: Code, key: &LinkKey, place: Place, what: &str, kind: &str) -> Diagnostic {
    let (insurer, insured, link) = (key.part(0), key.part(1), key.part(2));
    Diagnostic::new(
        code,
        format!("保険者番号 {insurer}・被保険者番号 {insured}（{link}）に対応する{what}（{kind}）のレコードが同じ送信単位にありません"),
    )
    .at(place.0, Some(3), place.1)
    .item("被保険者番号")
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    //! Each send-unit rule with one accepted unit (as generated) and one refused (one file
    //! renamed, doubled, left out or missing a user's records).

    use super::*;
    use crate::validate::testutil::{
        drop_user_records, files, index_of, plan_unit, records, unit_codes, usage_unit, yobo_unit,
    };
    use crate::writer;

    type Files = Vec<(String, Vec<u8>)>;

    /// The unit passes `code`'s rule as generated, and fails it once `edit` changed it.
    fn accepts_then_refuses(code: Code, mut unit: Files, edit: impl FnOnce(&mut Files)) {
        let before = unit_codes(&unit);
        assert!(!before.contains(&code), "{code:?} as generated: {before:?}");
        edit(&mut unit);
        let after = unit_codes(&unit);
        assert!(after.contains(&code), "no {code:?} once edited: {after:?}");
    }

    /// The `kind` file of another generated unit, under the same ファイル連番.
    fn from_other(unit: crate::model::SendUnit, kind: &str, seq: &str) -> (String, Vec<u8>) {
        let other = writer::write_unit(&unit).expect("writable");
        let f = other
            .into_iter()
            .find(|f| f.name.starts_with(&format!("{kind}_")))
            .expect("the kind");
        let name = f.name.replacen(&unit.sequence, seq, 1);
        (name, f.bytes)
    }

    #[test]
    fn the_files_of_a_unit_name_the_same_parties() {
        let unit = usage_unit();
        let seq = unit.sequence.clone();
        let w = crate::validate::testutil::world();
        let to_other = crate::sample::usage_unit(&w, "4.1", 1, "202506", &seq);
        accepts_then_refuses(Code::ConsistencyUnitParties, files(&unit), |f| {
            let i = index_of(f, "UPSIKYU");
            f[i] = from_other(to_other, "UPSIKYU", &seq);
        });
    }

    #[test]
    fn a_unit_holds_each_kind_once() {
        accepts_then_refuses(Code::ConsistencyUnitDuplicate, files(&usage_unit()), |f| {
            let again = f[index_of(f, "UPPLAN")].clone();
            f.push(again);
        });
    }

    #[test]
    fn a_unit_is_one_of_the_revisions_combinations() {
        accepts_then_refuses(
            Code::ConsistencyUnitCombination,
            files(&usage_unit()),
            |f| {
                f.remove(index_of(f, "UPSIKYU"));
            },
        );
    }

    #[test]
    fn the_files_of_a_unit_name_the_same_month() {
        let unit = usage_unit();
        let seq = unit.sequence.clone();
        let w = crate::validate::testutil::world();
        let july = crate::sample::usage_unit(&w, "4.1", 0, "202507", &seq);
        accepts_then_refuses(Code::ConsistencyUnitMonth, files(&unit), |f| {
            let i = index_of(f, "UPSIKYU");
            f[i] = from_other(july, "UPSIKYU", &seq);
        });
    }

    #[test]
    fn every_user_of_the_usage_file_has_a_hosoku_record() {
        accepts_then_refuses(Code::ConsistencyMissingHosoku, files(&usage_unit()), |f| {
            let i = index_of(f, "UPHOSOKU");
            f[i].1 = drop_user_records(&f[i].1, 0, |_| true);
        });
    }

    #[test]
    fn every_user_of_the_totals_has_usage_records() {
        accepts_then_refuses(Code::ConsistencyMissingUsage, files(&usage_unit()), |f| {
            let i = index_of(f, "UPPLAN");
            f[i].1 = drop_user_records(&f[i].1, 0, |_| true);
        });
    }

    #[test]
    fn every_user_of_the_second_table_has_a_first_table_record() {
        accepts_then_refuses(Code::ConsistencyMissingPlan, files(&plan_unit()), |f| {
            let i = index_of(f, "UP1KYO");
            f[i].1 = drop_user_records(&f[i].1, 0, |_| true);
        });
    }

    #[test]
    fn every_annex_record_has_its_parent_record() {
        accepts_then_refuses(Code::ConsistencyMissingParent, files(&yobo_unit()), |f| {
            let i = index_of(f, "UPYOBO");
            f[i].1 = drop_user_records(&f[i].1, 0, |_| true);
        });
    }

    #[test]
    fn every_user_of_the_usage_file_has_a_total_row() {
        accepts_then_refuses(Code::ConsistencyMissingTotal, files(&usage_unit()), |f| {
            let i = index_of(f, "UPSIKYU");
            let first = records(&f[i].1)[0].clone();
            assert!(!first.windows(8).any(|w| w == b",999999,"));
            f[i].1 = drop_user_records(&f[i].1, 0, |r| r.windows(8).any(|w| w == b",999999,"));
        });
    }
}
