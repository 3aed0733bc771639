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
        let mut differs = Vec::new();
        if n.sender != n0.sender {
            differs.push("送信元");
        }
        if n.receiver != n0.receiver {
            differs.push("送信先");
        }
        if n.revision != n0.revision {
            differs.push("版");
        }
        if !differs.is_empty() {
            out.push((
                i,
                Diagnostic::new(
                    Code::ConsistencyUnitParties,
                    format!(
                        "ファイル連番 {seq} の送信単位で{}が {} と異なります",
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
        for ((a, b, _), place) in &plan.facts.links {
            if seen.insert((a, b)) && !total.facts.totals.contains(&(a.clone(), b.clone())) {
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
    let (insurer, insured, link) = key;
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
