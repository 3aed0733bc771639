//! A 居宅 with several サービス事業所 in one month: what each provider receives (its own send,
//! its own users, every provider's services on their 第6表 and 第7表), what it schedules and
//! reports (its own services), and the 居宅's reconciliation per provider.

use std::collections::BTreeSet;

use cucumber::gherkin::Step;
use cucumber::then;
use renkei_reports::EvidenceKind;
use renkei_simulator::offices::import_unit;
use renkei_spec::model::SendUnit;

use super::flow::readable_difference;
use super::{line, quoted};
use crate::world::{RenkeiWorld, StepResult};

/// The 0-based index of item `name` in `kind` of `unit`'s revision.
fn item(unit: &SendUnit, kind: &str, name: &str) -> Result<usize, String> {
    unit.revision()
        .map_err(|e| e.to_string())?
        .file(kind)
        .and_then(|f| f.items.iter().position(|i| i.name == name))
        .ok_or_else(|| format!("{kind} に項目 {name} がありません"))
}

/// The values of item `name` in every record of `kind`, by 被保険者番号.
fn by_user(unit: &SendUnit, kind: &str, name: &str) -> Result<Vec<(String, String)>, String> {
    let (ins, at) = (item(unit, kind, "被保険者番号")?, item(unit, kind, name)?);
    Ok(unit
        .files
        .iter()
        .filter(|f| f.kind == kind)
        .flat_map(|f| &f.records)
        .map(|r| (r.values[ins].clone(), r.values[at].clone()))
        .collect())
}

/// The sends `office` downloaded and has not imported yet, read back (validated).
fn pending(w: &RenkeiWorld, office: &str) -> Result<Vec<(Vec<String>, SendUnit)>, String> {
    let sends = w
        .downloads
        .get(office)
        .filter(|d| !d.is_empty())
        .ok_or("まだ何もダウンロードしていません（取込の前に確かめてください）")?;
    sends
        .iter()
        .map(|(_, files)| {
            let unit = import_unit(files).map_err(|e| e.to_string())?;
            Ok((files.iter().map(|(n, _)| n.clone()).collect(), unit))
        })
        .collect()
}

/// The 居宅's users whose plan includes provider `office`, and the offices each one uses.
fn planned_users(w: &RenkeiWorld, office: &str) -> Result<Vec<(String, BTreeSet<String>)>, String> {
    let k = w.kyotaku.as_ref().ok_or("居宅がありません")?;
    let p = k
        .world
        .providers
        .iter()
        .position(|p| p.office == office)
        .ok_or_else(|| format!("{office} はこの居宅の提供事業所ではありません"))?;
    Ok(k.world
        .users
        .iter()
        .filter(|u| u.providers.contains(&p))
        .map(|u| {
            let uses = u
                .providers
                .iter()
                .map(|&i| k.world.providers[i].office.clone())
                .collect();
            (u.insured.clone(), uses)
        })
        .collect())
}

#[then(
    regex = r"^「([^」]+)」に届いたのは「([^」]+)」あての送信だけで、利用者補足情報には「([^」]+)」のサービスを使う利用者だけが載っている$"
)]
async fn own_sends_only(
    w: &mut RenkeiWorld,
    step: &Step,
    name: String,
    _to: String,
    _of: String,
) -> StepResult {
    let office = w.office_of(&name)?;
    let sends = pending(w, &office)?;
    let want: BTreeSet<String> = planned_users(w, &office)?
        .into_iter()
        .map(|(u, _)| u)
        .collect();
    for (names, unit) in &sends {
        for n in names {
            let parsed = renkei_spec::filename::parse(n)
                .name
                .ok_or_else(|| format!("{n} はファイル名として読めません"))?;
            if parsed.receiver.office != office {
                return Err(format!("{n} は {} あてです", parsed.receiver.office));
            }
        }
        let got: BTreeSet<String> = by_user(unit, "UPHOSOKU", "被保険者番号")?
            .into_iter()
            .map(|(u, _)| u)
            .collect();
        if got != want {
            return Err(format!(
                "利用者補足情報の利用者 {got:?} は、「{name}」を使う利用者 {want:?} と違います"
            ));
        }
        w.record(
            line(step),
            EvidenceKind::Note,
            format!(
                "{} ファイル、どれも {office} あて。利用者 {} 人（「{name}」を使う人だけ）",
                names.len(),
                got.len()
            ),
            serde_json::Value::Null,
        );
    }
    Ok(())
}

#[then(
    regex = r"^「([^」]+)」に届いた第6表と第7表には、その利用者が使うすべての事業所のサービスが載っている$"
)]
async fn every_providers_services(w: &mut RenkeiWorld, step: &Step, name: String) -> StepResult {
    let office = w.office_of(&name)?;
    let sends = pending(w, &office)?;
    let users = planned_users(w, &office)?;
    let mut shared = 0;
    for (_, unit) in &sends {
        let plan = by_user(unit, "UPPLAN", "サービス事業者コード")?;
        let table7 = by_user(unit, "UPSIKYU", "サービス事業所コード")?;
        for (insured, uses) in &users {
            let collect = |rows: &[(String, String)]| -> BTreeSet<String> {
                rows.iter()
                    .filter(|(u, o)| u == insured && o != "9999999999")
                    .map(|(_, o)| o.clone())
                    .collect()
            };
            let (in6, in7) = (collect(&plan), collect(&table7));
            if in6 != *uses || in7 != *uses {
                return Err(format!(
                    "被保険者番号 {insured} が使う事業所 {uses:?}: 第6表 {in6:?}、第7表 {in7:?}"
                ));
            }
            if uses.len() > 1 {
                shared += 1;
            }
        }
    }
    if shared == 0 {
        return Err("ほかの事業所も使う利用者がいません（確かめようがありません）".into());
    }
    w.record(
        line(step),
        EvidenceKind::Note,
        format!(
            "利用者 {} 人のうち {shared} 人はほかの事業所も使い、その事業所のサービスも第6表・第7表に載っている",
            users.len()
        ),
        serde_json::Value::Null,
    );
    Ok(())
}

#[then(regex = r"^「([^」]+)」の予定表に入ったのは「([^」]+)」のサービスだけである$")]
async fn own_schedule(w: &mut RenkeiWorld, step: &Step, name: String, _of: String) -> StepResult {
    let office = w.office_of(&name)?;
    let k = w.kyotaku.as_ref().ok_or("居宅がありません")?.office.clone();
    let p = w.providers.get(&office).ok_or("提供事業所ではありません")?;
    let mut text = Vec::new();
    for ((kyotaku, month), (_, plan)) in p.plans.iter().filter(|((x, _), _)| *x == k) {
        let rows = by_user(plan, "UPPLAN", "サービス事業者コード")?;
        let own = rows.iter().filter(|(_, o)| *o == office).count();
        let scheduled = p.planned_rows(kyotaku, month);
        if scheduled != own || own == 0 || own == rows.len() {
            return Err(format!(
                "{month}: 第6表 {} 件のうち自分のサービス {own} 件、予定表には {scheduled} 件",
                rows.len()
            ));
        }
        text.push(format!(
            "{month}: 第6表 {} 件のうち自分のサービス {own} 件を予定表に",
            rows.len()
        ));
    }
    if text.is_empty() {
        return Err("予定を取り込んでいません".into());
    }
    w.record(
        line(step),
        EvidenceKind::Note,
        text.join("; "),
        serde_json::Value::Null,
    );
    Ok(())
}

#[then(regex = r"^「([^」]+)」の実績に載っているのは「([^」]+)」のサービスだけである$")]
async fn own_jisseki(w: &mut RenkeiWorld, step: &Step, name: String, _of: String) -> StepResult {
    let office = w.office_of(&name)?;
    let service_type = w
        .providers
        .get(&office)
        .ok_or("提供事業所ではありません")?
        .service_type
        .clone();
    let export = w.exports.get(&office).ok_or("まだ実績を出力していません")?;
    let unit = &export.unit;
    let offices = by_user(unit, "UPJSK", "サービス事業者コード")?;
    let codes = by_user(unit, "UPJSK", "サービスコード")?;
    if offices.is_empty() {
        return Err("実績が空です".into());
    }
    if let Some((u, o)) = offices.iter().find(|(_, o)| *o != office) {
        return Err(format!("被保険者番号 {u} の行は事業所 {o} のサービスです"));
    }
    if let Some((u, c)) = codes.iter().find(|(_, c)| !c.starts_with(&service_type)) {
        return Err(format!(
            "被保険者番号 {u} のサービスコード {c} はサービス種類 {service_type} ではありません"
        ));
    }
    let n = offices.len();
    w.record(
        line(step),
        EvidenceKind::Note,
        format!("実績 {n} 件、どれも {office}（サービス種類 {service_type}）"),
        serde_json::Value::Null,
    );
    Ok(())
}

#[then(regex = r"^予定と実績の突合で、(.+)が記録した差がそれぞれすべて見つかる$")]
async fn reconciled_each(w: &mut RenkeiWorld, step: &Step, list: String) -> StepResult {
    let names = quoted(&list);
    if names.is_empty() {
        return Err(format!("事業所が書かれていません: {list}"));
    }
    for name in names {
        let office = w.office_of(&name)?;
        let delivered = w
            .delivered_by
            .get(&office)
            .cloned()
            .ok_or_else(|| format!("「{name}」は実績を出力していません"))?;
        let month = w
            .exports
            .get(&office)
            .and_then(|e| e.unit.files.first())
            .and_then(|f| f.month.clone())
            .unwrap_or_default();
        let found = w
            .kyotaku
            .as_ref()
            .ok_or("居宅がありません")?
            .reconcile(&office, &month)
            .map_err(|e| e.to_string())?;
        for d in &found {
            let (text, data) = readable_difference(w, d);
            w.record(
                line(step),
                EvidenceKind::Note,
                format!("突合（{name}） {text}"),
                data,
            );
        }
        if found != delivered {
            return Err(format!(
                "「{name}」: 突合の結果 {found:?} が、事業所の記録 {delivered:?} と異なります"
            ));
        }
    }
    Ok(())
}
