//! 介護予防: a 地域包括支援センター (介護予防支援, 46) and the provider of its users' 介護予防
//! services. It sends 利用者基本情報 (the operator's pattern D4), 介護予防サービス・支援計画書
//! (D5) and the 介護予防 予定 (D6, the 第6表/第7表 layouts); the provider returns 実績 (D7).
//! The 予定 and 実績 use the steps of [`super::flow`]: the center is the scenario's planner.

use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use renkei_reports::EvidenceKind;
use renkei_simulator::offices::{Export, KyotakuOffice, ProviderOffice};
use serde_json::json;

use super::flow::vendor_export;
use super::{line, number};
use crate::vendor::VendorRole;
use crate::world::{RenkeiWorld, StepResult};

/// 背景: the center, its 要支援 users and the provider of their 訪問型サービス (A2).
#[given(
    regex = r"^「([^」]+)」は「([^」]+)」の訪問型サービスで、要支援の利用者([0-9０-９]+)人の介護予防を支援している$"
)]
#[when(
    regex = r"^「([^」]+)」は「([^」]+)」の訪問型サービスで、要支援の利用者([0-9０-９]+)人の介護予防を支援している$"
)]
async fn houkatsu(
    w: &mut RenkeiWorld,
    step: &Step,
    center: String,
    provider: String,
    users: String,
) -> StepResult {
    let (c, p) = (w.office_of(&center)?, w.office_of(&provider)?);
    let n = number(&users)? as usize;
    let office = KyotakuOffice::houkatsu(&c, &p, 20261124, n);
    let names: Vec<String> = office
        .world
        .users
        .iter()
        .map(|u| {
            let level = if u.care_level == "12" {
                "要支援1"
            } else {
                "要支援2"
            };
            format!("{}（{level}）", u.name)
        })
        .collect();
    w.providers.insert(p.clone(), ProviderOffice::new(&p, "A2"));
    w.kyotaku = Some(office);
    w.record(
        line(step),
        EvidenceKind::Note,
        format!("利用者 {n} 人: {}", names.join("、")),
        json!({"houkatsu": c, "provider": p, "provider_service_type": "A2"}),
    );
    Ok(())
}

/// ① 利用者基本情報 (D4) or 介護予防サービス・支援計画書 (D5) の出力.
#[given(
    regex = r"^① 「([^」]+)」が「([^」]+)」あての(利用者基本情報|介護予防サービス・支援計画書)を「([0-9]{8})」付けで出力する$"
)]
#[when(
    regex = r"^① 「([^」]+)」が「([^」]+)」あての(利用者基本情報|介護予防サービス・支援計画書)を「([0-9]{8})」付けで出力する$"
)]
async fn export_yobo(
    w: &mut RenkeiWorld,
    step: &Step,
    from: String,
    to: String,
    what: String,
    date: String,
) -> StepResult {
    let (from_office, to_office) = (w.office_of(&from)?, w.office_of(&to)?);
    let serial = w.next_serial();
    let k = w
        .kyotaku
        .as_mut()
        .ok_or("地域包括支援センターがありません（背景で支援を始めてください）")?;
    let export = if what == "利用者基本情報" {
        k.export_kihon(&to_office, &date, &serial)
    } else {
        k.export_yobo_plan(&to_office, &date, &serial)
    }
    .map_err(|e| e.to_string())?;
    let export = vendor_export(w, line(step), VendorRole::Kyotaku, export).await?;
    w.record_files(line(step), "出力", &export.files.clone());
    w.exports.insert(from_office, export.clone());
    w.all_exports.push(export);
    Ok(())
}

#[then(
    regex = r"^出力したファイルの名前には、送信元のサービス種類「([0-9A-Z]{2})」と送信先のサービス種類「([0-9A-Z]{2})」が入っている$"
)]
async fn name_types(w: &mut RenkeiWorld, step: &Step, from: String, to: String) -> StepResult {
    let export: &Export = w.all_exports.last().ok_or("まだ何も出力していません")?;
    let mut seen = Vec::new();
    for (n, _) in &export.files {
        let parsed = renkei_spec::filename::parse(n)
            .name
            .ok_or_else(|| format!("{n} はファイル名として読めません"))?;
        let (s, r) = (
            parsed.sender.service_type.unwrap_or_default(),
            parsed.receiver.service_type.unwrap_or_default(),
        );
        if s != from || r != to {
            return Err(format!("{n}: 送信元の種類 {s}、送信先の種類 {r}"));
        }
        seen.push(n.clone());
    }
    w.record(
        line(step),
        EvidenceKind::Note,
        format!("{} ファイルとも {from} → {to}", seen.len()),
        json!({"files": seen}),
    );
    Ok(())
}

#[then(
    regex = r"^「([^」]+)」が取り込んだ(利用者基本情報|介護予防サービス・支援計画書)は、「([^」]+)」が送ったものと同じである$"
)]
async fn yobo_held(
    w: &mut RenkeiWorld,
    step: &Step,
    provider: String,
    what: String,
    center: String,
) -> StepResult {
    let (p, c) = (w.office_of(&provider)?, w.office_of(&center)?);
    let kind = if what == "利用者基本情報" {
        "UPKIHON"
    } else {
        "UPYOBO"
    };
    let sent = w
        .all_exports
        .iter()
        .rev()
        .find(|e| e.unit.sender.office == c && e.unit.files.iter().any(|f| f.kind == kind))
        .map(|e| e.unit.clone())
        .ok_or_else(|| format!("「{center}」は{what}を出力していません"))?;
    let office = w.providers.get(&p).ok_or("提供事業所ではありません")?;
    let held = if kind == "UPKIHON" {
        office.basic_info.get(&c)
    } else {
        office.prevention_plans.get(&c)
    }
    .ok_or_else(|| format!("「{provider}」に{what}が取り込まれていません"))?;
    if *held != sent {
        return Err(format!(
            "取り込んだ{what}（ファイル連番 {}）が送ったもの（{}）と違います",
            held.sequence, sent.sequence
        ));
    }
    let summary: Vec<String> = held
        .files
        .iter()
        .map(|f| format!("{} {} 件", f.kind, f.records.len()))
        .collect();
    w.record(
        line(step),
        EvidenceKind::Note,
        format!("取り込んだ{what}: {}", summary.join("、")),
        serde_json::Value::Null,
    );
    Ok(())
}
