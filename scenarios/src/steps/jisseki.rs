//! 実績の訂正と削除: a サービス事業所 corrects a 実績 it sent and sends it again under a new
//! ファイル連番, or withdraws it with 実績情報_削除 (DLTJSK); the checks read what the 居宅 holds
//! after importing in ファイル連番 order.

use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use renkei_reports::EvidenceKind;
use renkei_simulator::offices::{Difference, Export, JissekiCorrection, JissekiOutcome};
use serde_json::json;

use super::flow::{readable_difference, send_files, vendor_export};
use super::line;
use crate::vendor::VendorRole;
use crate::world::{RenkeiWorld, StepResult};

/// The 被保険者番号 of the 居宅's user called `name` (利用者氏名 as written in the 居宅's records).
fn insured_of(w: &RenkeiWorld, name: &str) -> Result<String, String> {
    let k = w.kyotaku.as_ref().ok_or("居宅がありません")?;
    k.world
        .users
        .iter()
        .find(|u| u.name == name)
        .map(|u| u.insured.clone())
        .ok_or_else(|| {
            let names: Vec<&str> = k.world.users.iter().map(|u| u.name.as_str()).collect();
            format!("利用者「{name}」はいません（利用者: {}）", names.join("、"))
        })
}

/// The 実績 (UPJSK) exports of `office` for `month`, in the order they were made.
fn jisseki_exports<'w>(w: &'w RenkeiWorld, office: &str, month: &str) -> Vec<&'w Export> {
    w.all_exports
        .iter()
        .filter(|e| {
            e.unit.sender.office == office
                && e.unit
                    .files
                    .iter()
                    .any(|f| f.kind == "UPJSK" && f.month.as_deref() == Some(month))
        })
        .collect()
}

/// 中止の訂正: the visit the provider recorded as cancelled took place as planned; its next
/// 実績 (⑦) carries the correction.
#[given(
    regex = r"^「([^」]+)」が「([0-9]{6})」の実績で、中止と記録した訪問は予定どおり提供していたと直す$"
)]
#[when(
    regex = r"^「([^」]+)」が「([0-9]{6})」の実績で、中止と記録した訪問は予定どおり提供していたと直す$"
)]
async fn correct_cancellation(
    w: &mut RenkeiWorld,
    step: &Step,
    provider: String,
    month: String,
) -> StepResult {
    let office = w.office_of(&provider)?;
    let k = w.kyotaku.as_ref().ok_or("居宅がありません")?.office.clone();
    w.providers
        .get_mut(&office)
        .ok_or_else(|| format!("「{provider}」は提供事業所ではありません"))?
        .correct_jisseki(&k, &month, JissekiCorrection::CancelledVisitDelivered);
    w.record(
        line(step),
        EvidenceKind::Note,
        format!("「{provider}」が {month} の記録を訂正: 中止と記録した訪問は提供済み"),
        json!({"correction": "CancelledVisitDelivered", "month": month}),
    );
    Ok(())
}

/// ⑦ 実績情報_削除: the provider withdraws the 実績 of one user for the month.
#[given(
    regex = r"^⑦ 「([^」]+)」が「([^」]+)」あての「([0-9]{6})」の「([^」]+)」さんの実績の削除を出力する$"
)]
#[when(
    regex = r"^⑦ 「([^」]+)」が「([^」]+)」あての「([0-9]{6})」の「([^」]+)」さんの実績の削除を出力する$"
)]
async fn export_deletion(
    w: &mut RenkeiWorld,
    step: &Step,
    provider: String,
    kyotaku: String,
    month: String,
    user: String,
) -> StepResult {
    let (from, to) = (w.office_of(&provider)?, w.office_of(&kyotaku)?);
    let insured = insured_of(w, &user)?;
    let serial = w.next_serial();
    let export = w
        .providers
        .get(&from)
        .ok_or_else(|| format!("「{provider}」は提供事業所ではありません"))?
        .export_jisseki_deletion(&to, &month, &serial, std::slice::from_ref(&insured))
        .map_err(|e| e.to_string())?;
    let export = vendor_export(w, line(step), VendorRole::Provider, export).await?;
    w.record_files(line(step), "出力", &export.files.clone());
    w.record(
        line(step),
        EvidenceKind::Note,
        format!("{user}さん（被保険者番号 {insured}）の {month} の実績を取り下げる"),
        json!({"insured": insured, "month": month}),
    );
    w.exports.insert(from, export.clone());
    w.all_exports.push(export);
    Ok(())
}

/// ⑧ the 実績 made before the correction, uploaded after it (the old file sent by mistake).
#[given(
    regex = r"^⑧ 「([^」]+)」が直す前に出力した「([0-9]{6})」の実績を連携基盤にアップロードする$"
)]
#[when(
    regex = r"^⑧ 「([^」]+)」が直す前に出力した「([0-9]{6})」の実績を連携基盤にアップロードする$"
)]
async fn upload_earlier(
    w: &mut RenkeiWorld,
    step: &Step,
    provider: String,
    month: String,
) -> StepResult {
    let office = w.office_of(&provider)?;
    let (files, serial) = {
        let made = jisseki_exports(w, &office, &month);
        let [.., earlier, _] = made.as_slice() else {
            return Err(format!(
                "「{provider}」の {month} の実績は {} つしか出力されていません",
                made.len()
            ));
        };
        (earlier.files.clone(), earlier.unit.sequence.clone())
    };
    w.record(
        line(step),
        EvidenceKind::Note,
        format!("直す前の実績（ファイル連番 {serial}）を送る"),
        json!({"serial": serial}),
    );
    send_files(w, step, &provider, files).await
}

#[then(
    regex = r"^「([^」]+)」で有効な「([^」]+)」の「([0-9]{6})」の実績は、ファイル連番がいちばん新しい実績である$"
)]
async fn newest_in_force(
    w: &mut RenkeiWorld,
    step: &Step,
    kyotaku: String,
    provider: String,
    month: String,
) -> StepResult {
    let office = w.office_of(&provider)?;
    let newest = jisseki_exports(w, &office, &month)
        .into_iter()
        .max_by(|a, b| a.unit.sequence.cmp(&b.unit.sequence))
        .ok_or_else(|| format!("「{provider}」は {month} の実績を出力していません"))?
        .unit
        .clone();
    let k = w.kyotaku.as_ref().ok_or("居宅がありません")?;
    let held = k
        .actuals
        .get(&(office.clone(), month.clone()))
        .ok_or_else(|| format!("「{kyotaku}」に「{provider}」の {month} の実績がありません"))?
        .clone();
    w.record(
        line(step),
        EvidenceKind::Note,
        format!(
            "有効な実績: ファイル連番 {}（いちばん新しい実績 {}）",
            held.sequence, newest.sequence
        ),
        json!({"in_force": held.sequence, "newest": newest.sequence}),
    );
    if held != newest {
        return Err(format!(
            "有効な実績はファイル連番 {}、いちばん新しいのは {}",
            held.sequence, newest.sequence
        ));
    }
    Ok(())
}

#[then(
    regex = r"^「([^」]+)」は実績をファイル連番の古い順に取り込み、新しい実績が前の実績を置き換えた$"
)]
async fn replaced_in_order(w: &mut RenkeiWorld, _kyotaku: String) -> StepResult {
    let outcomes: Vec<&JissekiOutcome> = w
        .jisseki_imports
        .iter()
        .map(|r| r.as_ref().map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let [.., first, second] = outcomes.as_slice() else {
        return Err(format!("実績の取込は {} 件でした", outcomes.len()));
    };
    match (first, second) {
        (
            JissekiOutcome::Applied { serial: a, .. },
            JissekiOutcome::Applied {
                serial: b,
                replaced: Some(r),
                ..
            },
        ) if a < b && r == a => Ok(()),
        other => Err(format!("最後の2件の取込: {other:?}")),
    }
}

#[then(regex = r"^ファイル連番が古い実績は取り込まれなかった$")]
async fn stale_not_applied(w: &mut RenkeiWorld) -> StepResult {
    match w.jisseki_imports.last() {
        Some(Ok(JissekiOutcome::Stale { .. })) => Ok(()),
        Some(Ok(o)) => Err(format!("取り込まれました: {o:?}")),
        Some(Err(e)) => Err(e.to_string()),
        None => Err("実績を取り込んでいません".into()),
    }
}

#[then(
    regex = r"^「([^」]+)」の「([^」]+)」の「([0-9]{6})」の実績から「([^」]+)」さんの分がなくなり、ほかの利用者の実績は残っている$"
)]
async fn user_withdrawn(
    w: &mut RenkeiWorld,
    step: &Step,
    _kyotaku: String,
    provider: String,
    month: String,
    user: String,
) -> StepResult {
    let office = w.office_of(&provider)?;
    let gone = insured_of(w, &user)?;
    let sent = jisseki_exports(w, &office, &month)
        .last()
        .map(|e| e.unit.clone())
        .ok_or_else(|| format!("「{provider}」は {month} の実績を出力していません"))?;
    let rev = sent.revision().map_err(|e| e.to_string())?;
    let ins = rev
        .file("UPJSK")
        .and_then(|f| f.items.iter().position(|i| i.name == "被保険者番号"))
        .ok_or("UPJSK に被保険者番号がありません")?;
    let k = w.kyotaku.as_ref().ok_or("居宅がありません")?;
    let left = k.actual_rows(&office, &month, &gone);
    if left != 0 {
        return Err(format!("{user}さんの実績が {left} 件残っています"));
    }
    let mut kept = Vec::new();
    for u in k.world.users.iter().filter(|u| u.insured != gone) {
        let sent_rows = sent.files[0]
            .records
            .iter()
            .filter(|r| r.values[ins] == u.insured)
            .count();
        let held = k.actual_rows(&office, &month, &u.insured);
        if held != sent_rows {
            return Err(format!(
                "{}さんの実績は送られた {sent_rows} 件のうち {held} 件",
                u.name
            ));
        }
        kept.push(format!("{}さん {held} 件", u.name));
    }
    w.record(
        line(step),
        EvidenceKind::Note,
        format!("{user}さん 0 件、残り: {}", kept.join("、")),
        serde_json::Value::Null,
    );
    Ok(())
}

#[then(regex = r"^予定と実績の突合で、「([^」]+)」さんの「([^」]+)」の予定はすべて中止と出る$")]
async fn all_cancelled(
    w: &mut RenkeiWorld,
    step: &Step,
    user: String,
    provider: String,
) -> StepResult {
    let office = w.office_of(&provider)?;
    let insured = insured_of(w, &user)?;
    let k = w.kyotaku.as_ref().ok_or("居宅がありません")?;
    let month = k
        .actuals
        .keys()
        .find(|(p, _)| *p == office)
        .map(|(_, m)| m.clone())
        .ok_or_else(|| format!("「{provider}」の実績がありません"))?;
    let plan = k
        .sent_plans
        .get(&(office.clone(), month.clone()))
        .ok_or("その月の予定を送っていません")?;
    let rev = plan.revision().map_err(|e| e.to_string())?;
    let item = |n: &str| {
        rev.file("UPPLAN")
            .and_then(|f| f.items.iter().position(|i| i.name == n))
            .ok_or_else(|| format!("UPPLAN に {n} がありません"))
    };
    let (ins, by) = (item("被保険者番号")?, item("サービス事業者コード")?);
    let planned = plan
        .files
        .iter()
        .filter(|f| f.kind == "UPPLAN")
        .flat_map(|f| &f.records)
        .filter(|r| r.values[ins] == insured && r.values[by] == office)
        .count();
    let found: Vec<Difference> = k
        .reconcile(&office, &month)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|d| match d {
            Difference::Cancelled { insured: i, .. }
            | Difference::Added { insured: i, .. }
            | Difference::TimeChanged { insured: i, .. } => *i == insured,
        })
        .collect();
    for d in &found {
        let (text, data) = readable_difference(w, d);
        w.record(line(step), EvidenceKind::Note, format!("突合 {text}"), data);
    }
    let cancelled = found
        .iter()
        .filter(|d| matches!(d, Difference::Cancelled { .. }))
        .count();
    if planned == 0 || cancelled != planned || found.len() != planned {
        return Err(format!(
            "{user}さんの予定 {planned} 件に対し、中止 {cancelled} 件、差 {} 件",
            found.len()
        ));
    }
    Ok(())
}
