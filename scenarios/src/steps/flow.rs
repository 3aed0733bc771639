//! The numbered flow steps ①–⑫ and what is checked after each.

use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use renkei_reports::EvidenceKind;
use renkei_simulator::offices::{Difference, Export, Files, ImportOutcome, JissekiOutcome};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{line, number};
use crate::vendor::{self, VendorImport, VendorRole};
use crate::world::{RenkeiWorld, StepResult};

/// ① / ⑦ 出力.
#[given(
    regex = r"^([①⑦]) 「([^」]+)」が「([^」]+)」あての「([0-9]{6})」の(予定|実績|予定の削除)を出力する$"
)]
#[when(
    regex = r"^([①⑦]) 「([^」]+)」が「([^」]+)」あての「([0-9]{6})」の(予定|実績|予定の削除)を出力する$"
)]
async fn export(
    w: &mut RenkeiWorld,
    step: &Step,
    _n: String,
    from: String,
    to: String,
    month: String,
    what: String,
) -> StepResult {
    let (from_office, to_office) = (w.office_of(&from)?, w.office_of(&to)?);
    let serial = w.next_serial();
    let export = match what.as_str() {
        "予定" => w
            .kyotaku
            .as_mut()
            .ok_or("居宅の計画がありません（背景で計画してください）")?
            .export_yotei(&to_office, &month, &serial)
            .map_err(|e| e.to_string())?,
        "予定の削除" => w
            .kyotaku
            .as_mut()
            .ok_or("居宅の計画がありません")?
            .export_yotei_deletion(&to_office, &month, &serial)
            .map_err(|e| e.to_string())?,
        _ => {
            let p = w
                .providers
                .get(&from_office)
                .ok_or_else(|| format!("「{from}」は提供事業所ではありません"))?;
            let (export, delivered) = p
                .export_jisseki(&to_office, &month, &serial)
                .map_err(|e| e.to_string())?;
            for d in &delivered {
                let (text, data) = readable_difference(w, d);
                w.record(
                    line(step),
                    EvidenceKind::Note,
                    format!("記録した差 {text}"),
                    data,
                );
            }
            w.delivered_by
                .insert(from_office.clone(), delivered.clone());
            w.delivered = delivered;
            export
        }
    };
    let role = if what == "実績" {
        VendorRole::Provider
    } else {
        VendorRole::Kyotaku
    };
    let export = vendor_export(w, line(step), role, export).await?;
    w.record_files(line(step), "出力", &export.files.clone());
    for r in &export.replacements {
        w.record(
            line(step),
            EvidenceKind::Note,
            format!("MS932 にない文字を置換: {r}"),
            serde_json::Value::Null,
        );
    }
    w.exports.insert(from_office, export.clone());
    w.all_exports.push(export);
    Ok(())
}

/// ① 居宅サービス計画書（第1〜3表）の出力.
#[given(
    regex = r"^① 「([^」]+)」が「([^」]+)」あての居宅サービス計画書（第1〜3表）を「([0-9]{8})」付けで出力する$"
)]
#[when(
    regex = r"^① 「([^」]+)」が「([^」]+)」あての居宅サービス計画書（第1〜3表）を「([0-9]{8})」付けで出力する$"
)]
async fn export_careplan(
    w: &mut RenkeiWorld,
    step: &Step,
    from: String,
    to: String,
    date: String,
) -> StepResult {
    let (from_office, to_office) = (w.office_of(&from)?, w.office_of(&to)?);
    let serial = w.next_serial();
    let export = w
        .kyotaku
        .as_mut()
        .ok_or("居宅の計画がありません（背景で計画してください）")?
        .export_careplan(&to_office, &date, &serial)
        .map_err(|e| e.to_string())?;
    let export = vendor_export(w, line(step), VendorRole::Kyotaku, export).await?;
    w.record_files(line(step), "出力", &export.files.clone());
    w.exports.insert(from_office, export.clone());
    w.all_exports.push(export);
    Ok(())
}

#[then(regex = r"^「([^」]+)」に居宅サービス計画書（第1〜3表）が取り込まれている$")]
async fn careplan_imported(w: &mut RenkeiWorld, name: String) -> StepResult {
    let office = w.office_of(&name)?;
    let k = w.kyotaku.as_ref().ok_or("居宅がありません")?.office.clone();
    let p = w.providers.get(&office).ok_or("提供事業所ではありません")?;
    let unit = p.care_plans.get(&k).ok_or("計画書が取り込まれていません")?;
    let kinds: Vec<&str> = unit.files.iter().map(|f| f.kind.as_str()).collect();
    for t in ["UP1KYO", "UP2KYO", "UP3KYO"] {
        if !kinds.contains(&t) {
            return Err(format!("{t} がありません: {kinds:?}"));
        }
    }
    Ok(())
}

#[then(regex = r"^出力したファイルは([0-9０-９]+)つで、どれも標準仕様に適合している$")]
async fn export_valid(w: &mut RenkeiWorld, step: &Step, n: String) -> StepResult {
    let export: &Export = w.all_exports.last().ok_or("まだ何も出力していません")?;
    let files = export.files.clone();
    if files.len() as i64 != number(&n)? {
        return Err(format!("ファイルは {} 個でした", files.len()));
    }
    match renkei_simulator::offices::import_unit(&files) {
        Ok(_) => {
            w.record(
                line(step),
                EvidenceKind::Note,
                "renkei-spec の検証: エラーなし（送信単位の検査を含む）",
                serde_json::Value::Null,
            );
            Ok(())
        }
        Err(e) => {
            w.record_problems(line(step), &e);
            Err(e.to_string())
        }
    }
}

/// ② / ⑧ アップロード: the office's last export, as one send.
#[given(regex = r"^([②⑧]) 「([^」]+)」が出力したファイルを連携基盤にアップロードする$")]
#[when(regex = r"^([②⑧]) 「([^」]+)」が出力したファイルを連携基盤にアップロードする$")]
async fn upload(w: &mut RenkeiWorld, step: &Step, _n: String, name: String) -> StepResult {
    upload_of(w, step, &name, &name).await
}

/// An office uploads another office's files (a file-name/login mismatch).
#[given(
    regex = r"^「([^」]+)」が「([^」]+)」の出力したファイルを連携基盤にアップロードしようとする$"
)]
#[when(
    regex = r"^「([^」]+)」が「([^」]+)」の出力したファイルを連携基盤にアップロードしようとする$"
)]
async fn upload_other(w: &mut RenkeiWorld, step: &Step, name: String, owner: String) -> StepResult {
    upload_of(w, step, &name, &owner).await
}

async fn upload_of(w: &mut RenkeiWorld, step: &Step, name: &str, owner: &str) -> StepResult {
    let owner_office = w.office_of(owner)?;
    let files = w
        .exports
        .get(&owner_office)
        .ok_or_else(|| format!("「{owner}」はまだ出力していません"))?
        .files
        .clone();
    send_files(w, step, name, files).await
}

/// `name` sends `files` as one send: the hub's answer is kept for the checks that follow.
pub(crate) async fn send_files(
    w: &mut RenkeiWorld,
    step: &Step,
    name: &str,
    files: Files,
) -> StepResult {
    let office = w.office_of(name)?;
    w.last_error = None;
    let r = match w.client(name).await {
        Ok(c) => c.send(&files).await,
        Err(e) => {
            w.record_exchanges(line(step), &office);
            return Err(e);
        }
    };
    w.record_exchanges(line(step), &office);
    match r {
        Ok(receipt) => {
            w.record(
                line(step),
                EvidenceKind::Hub,
                format!(
                    "送信ID {} を受け付け（送信先 {}）",
                    receipt.send_id, receipt.receiver
                ),
                json!({"send_id": receipt.send_id}),
            );
            w.last_receipt.insert(office, receipt);
        }
        Err(e) => w.last_error = Some(e),
    }
    Ok(())
}

#[then(regex = r"^連携基盤は送信を受け付ける$")]
async fn accepted(w: &mut RenkeiWorld) -> StepResult {
    match &w.last_error {
        None => Ok(()),
        Some(e) => Err(format!("送信は拒否されました: {e}")),
    }
}

/// ③ / ⑨ 送信一覧.
#[given(regex = r"^([③⑨]) 「([^」]+)」が送信一覧を確かめる$")]
#[when(regex = r"^([③⑨]) 「([^」]+)」が送信一覧を確かめる$")]
async fn sent_list(w: &mut RenkeiWorld, step: &Step, _n: String, name: String) -> StepResult {
    let office = w.office_of(&name)?;
    let r = w.client(&name).await?.sent().await;
    w.record_exchanges(line(step), &office);
    w.last_sent = r.map_err(|e| e.to_string())?;
    for s in w.last_sent.clone() {
        w.record(
            line(step),
            EvidenceKind::Hub,
            format!(
                "{} → {} {} 送信 {} 受信 {}",
                s.send_id,
                s.receiver,
                s.status,
                s.sent_at,
                s.received_at.clone().unwrap_or_else(|| "-".into())
            ),
            serde_json::to_value(&s).unwrap_or_default(),
        );
    }
    Ok(())
}

#[then(regex = r"^送信は「([^」]+)」と表示される$")]
async fn sent_status(w: &mut RenkeiWorld, status: String) -> StepResult {
    let last = w.last_sent.last().ok_or("送信一覧が空です")?;
    if last.status == status {
        Ok(())
    } else {
        Err(format!(
            "送信 {} の状態は「{}」でした",
            last.send_id, last.status
        ))
    }
}

#[then(regex = r"^「([^」]+)」の送信一覧で送信は「([^」]+)」と表示される$")]
async fn sent_status_of(
    w: &mut RenkeiWorld,
    step: &Step,
    name: String,
    status: String,
) -> StepResult {
    let office = w.office_of(&name)?;
    let r = w.client(&name).await?.sent().await;
    w.record_exchanges(line(step), &office);
    let list = r.map_err(|e| e.to_string())?;
    let last = list.last().ok_or("送信一覧が空です")?;
    w.record(
        line(step),
        EvidenceKind::Hub,
        format!(
            "{} の状態 {}（受信 {}）",
            last.send_id,
            last.status,
            last.received_at.clone().unwrap_or_else(|| "-".into())
        ),
        serde_json::to_value(last).unwrap_or_default(),
    );
    if last.status != status {
        return Err(format!(
            "送信 {} の状態は「{}」でした",
            last.send_id, last.status
        ));
    }
    if status == "受信済み" && last.received_at.is_none() {
        return Err("受信済みなのに受信日時がありません".into());
    }
    Ok(())
}

/// ④ / ⑩ 受信一覧.
#[given(regex = r"^([④⑩]) 「([^」]+)」が受信一覧を確かめる$")]
#[when(regex = r"^([④⑩]) 「([^」]+)」が受信一覧を確かめる$")]
async fn inbox(w: &mut RenkeiWorld, step: &Step, _n: String, name: String) -> StepResult {
    let office = w.office_of(&name)?;
    let r = w.client(&name).await?.inbox().await;
    w.record_exchanges(line(step), &office);
    w.last_inbox = r.map_err(|e| e.to_string())?;
    for s in w.last_inbox.clone() {
        w.record(
            line(step),
            EvidenceKind::Hub,
            format!(
                "{} ← {} {}（{} ファイル）",
                s.send_id,
                s.sender,
                s.status,
                s.files.len()
            ),
            serde_json::to_value(&s).unwrap_or_default(),
        );
    }
    Ok(())
}

#[then(regex = r"^「([^」]+)」からの送信が([0-9０-９]+)件「([^」]+)」で届いている$")]
async fn inbox_has(w: &mut RenkeiWorld, from: String, n: String, status: String) -> StepResult {
    let office = w.office_of(&from)?;
    let hits: Vec<_> = w.last_inbox.iter().filter(|s| s.sender == office).collect();
    let want = number(&n)? as usize;
    if hits.len() != want {
        return Err(format!("「{from}」からの送信は {} 件でした", hits.len()));
    }
    if let Some(bad) = hits.iter().find(|s| s.status != status) {
        return Err(format!(
            "送信 {} の状態は「{}」でした",
            bad.send_id, bad.status
        ));
    }
    Ok(())
}

#[then(regex = r"^「([^」]+)」の受信一覧は空である$")]
async fn inbox_empty(w: &mut RenkeiWorld, step: &Step, name: String) -> StepResult {
    let office = w.office_of(&name)?;
    let r = w.client(&name).await?.inbox().await;
    w.record_exchanges(line(step), &office);
    let list = r.map_err(|e| e.to_string())?;
    if list.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} 件あります: {}",
            list.len(),
            list.iter()
                .map(|s| s.send_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

/// ⑤ / ⑪ ダウンロード: every file of every send in the inbox not downloaded yet here.
#[given(regex = r"^([⑤⑪]) 「([^」]+)」が届いたファイルをダウンロードする$")]
#[when(regex = r"^([⑤⑪]) 「([^」]+)」が届いたファイルをダウンロードする$")]
async fn download(w: &mut RenkeiWorld, step: &Step, _n: String, name: String) -> StepResult {
    let office = w.office_of(&name)?;
    w.last_error = None;
    let inbox = {
        let r = w.client(&name).await?.inbox().await;
        w.record_exchanges(line(step), &office);
        r.map_err(|e| e.to_string())?
    };
    for item in inbox {
        if w.downloaded_ids
            .contains(&(office.clone(), item.send_id.clone()))
        {
            continue;
        }
        let mut files: Files = Vec::new();
        for f in &item.files {
            let r = w
                .client(&name)
                .await?
                .download(&item.send_id, &f.name)
                .await;
            w.record_exchanges(line(step), &office);
            match r {
                Ok(bytes) => files.push((f.name.clone(), bytes)),
                Err(e) => {
                    w.last_error = Some(e);
                    return Ok(());
                }
            }
        }
        w.record_files(line(step), &format!("受信 {}", item.send_id), &files);
        w.downloaded_ids
            .insert((office.clone(), item.send_id.clone()));
        w.last_download = Some((item.clone(), files.clone()));
        w.downloads
            .entry(office.clone())
            .or_default()
            .push((item, files));
    }
    Ok(())
}

#[then(regex = r"^ダウンロードしたファイルは送ったファイルとSHA-256が一致する$")]
async fn same_bytes(w: &mut RenkeiWorld) -> StepResult {
    let (item, got) = w
        .last_download
        .as_ref()
        .ok_or("何もダウンロードしていません")?;
    // Every file the hub listed was downloaded, and each matches the hub's SHA-256 and the
    // bytes that were sent.
    if got.len() != item.files.len() {
        return Err(format!(
            "{} ファイル中 {} ファイルしか受け取っていません",
            item.files.len(),
            got.len()
        ));
    }
    let sent_unit = w
        .all_exports
        .iter()
        .rev()
        .find(|e| got.iter().all(|(n, _)| e.files.iter().any(|(m, _)| m == n)))
        .ok_or("受け取ったファイルの組は出力したどの送信とも一致しません")?;
    if sent_unit.files.len() != got.len() {
        return Err(format!(
            "送ったのは {} ファイル、届いたのは {} ファイル",
            sent_unit.files.len(),
            got.len()
        ));
    }
    for ((name, bytes), listed) in got.iter().zip(&item.files) {
        let digest = hex::encode(Sha256::digest(bytes));
        if digest != listed.sha256 || *name != listed.name {
            return Err(format!(
                "{name} の SHA-256 が連携基盤の一覧 ({}) と異なります",
                listed.sha256
            ));
        }
        let sent = sent_unit
            .files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b)
            .ok_or_else(|| format!("{name} は出力したファイルにありません"))?;
        if Sha256::digest(sent) != Sha256::digest(bytes) {
            return Err(format!("{name} の内容が送ったものと異なります"));
        }
    }
    Ok(())
}

/// The downloaded sends of an office, in ファイル連番 order (the order the standard requires
/// for import), not yet imported.
fn in_serial_order(w: &mut RenkeiWorld, office: &str) -> Vec<Files> {
    let mut sends: Vec<Files> = w
        .downloads
        .remove(office)
        .unwrap_or_default()
        .into_iter()
        .map(|(_, f)| f)
        .collect();
    let serial = |f: &Files| {
        f.first()
            .and_then(|(n, _)| renkei_spec::filename::parse(n).name.map(|n| n.sequence))
            .unwrap_or_default()
    };
    sends.sort_by_key(serial);
    sends
}

/// ⑥ 予定の取込 (or, as 届いたファイル, whatever the 居宅 or 地域包括支援センター sent: a plan,
/// 利用者基本情報, a 介護予防サービス・支援計画書).
#[given(regex = r"^⑥ 「([^」]+)」が(?:予定|届いたファイル)を取り込む$")]
#[when(regex = r"^⑥ 「([^」]+)」が(?:予定|届いたファイル)を取り込む$")]
async fn import_yotei(w: &mut RenkeiWorld, step: &Step, name: String) -> StepResult {
    let office = w.office_of(&name)?;
    let sends = in_serial_order(w, &office);
    if sends.is_empty() {
        return Err("取り込むファイルがありません（先にダウンロードしてください）".into());
    }
    w.import_warnings.clear();
    w.imported_files.clear();
    for files in sends {
        w.imported_files
            .extend(files.iter().map(|(n, _)| n.clone()));
        vendor_import(w, line(step), VendorRole::Provider, &files).await?;
        let warnings = renkei_simulator::offices::warnings(&files).unwrap_or_default();
        w.record_diagnostics(line(step), &warnings);
        w.import_warnings.extend(warnings);
        let p = w
            .providers
            .get_mut(&office)
            .ok_or_else(|| format!("「{name}」は提供事業所ではありません"))?;
        let r = p.import_yotei(&files);
        match &r {
            Ok(o) => {
                let text = match o {
                    ImportOutcome::Applied {
                        month,
                        serial,
                        records,
                    } => format!("取込: {month} の予定 {records} 件（ファイル連番 {serial}）"),
                    ImportOutcome::Stale {
                        month,
                        serial,
                        current,
                    } => format!(
                        "取込せず: ファイル連番 {serial} は {month} の現行 {current} より古い"
                    ),
                    ImportOutcome::Deleted { month, users } => {
                        format!("削除: {month} の予定（利用者 {users} 人）")
                    }
                    ImportOutcome::BasicInfo { files, users } => format!(
                        "取込: 利用者基本情報 {}（利用者 {users} 人）",
                        files.join("・")
                    ),
                    ImportOutcome::PreventionPlan { files, users } => format!(
                        "取込: 介護予防サービス・支援計画書 {}（利用者 {users} 人）",
                        files.join("・")
                    ),
                    ImportOutcome::CarePlan { tables, users } => format!(
                        "取込: 居宅サービス計画書 {}（利用者 {users} 人）",
                        tables.join("・")
                    ),
                };
                w.record(
                    line(step),
                    EvidenceKind::Note,
                    text,
                    serde_json::to_value(o).unwrap_or_default(),
                );
            }
            Err(e) => w.record_problems(line(step), e),
        }
        w.imports.push(r);
    }
    Ok(())
}

#[then(regex = r"^「([0-9]{6})」分の予定が取り込まれている$")]
async fn imported(w: &mut RenkeiWorld, month: String) -> StepResult {
    match w.imports.last() {
        Some(Ok(ImportOutcome::Applied { month: m, .. })) if *m == month => Ok(()),
        Some(Ok(o)) => Err(format!("取込の結果は {o:?} でした")),
        Some(Err(e)) => Err(e.to_string()),
        None => Err("取込をしていません".into()),
    }
}

#[then(
    regex = r"^「([^」]+)」の「([0-9]{6})」の予定は(?:居宅|地域包括支援センター)が最後に送った計画と同じである$"
)]
async fn plan_in_force(w: &mut RenkeiWorld, name: String, month: String) -> StepResult {
    let office = w.office_of(&name)?;
    let k = w.kyotaku.as_ref().ok_or("居宅がありません")?;
    let sent = k
        .sent_plans
        .get(&(office.clone(), month.clone()))
        .ok_or("居宅はその月の予定を送っていません")?;
    let p = w.providers.get(&office).ok_or("提供事業所ではありません")?;
    let (serial, plan) = p
        .plans
        .get(&(k.office.clone(), month.clone()))
        .ok_or("事業所にその月の予定がありません")?;
    // The same files, whatever order the unit's files were written and sent in.
    let by_kind = |u: &renkei_spec::model::SendUnit| {
        let mut f = u.files.clone();
        f.sort_by(|a, b| (&a.kind, &a.month).cmp(&(&b.kind, &b.month)));
        f
    };
    if *serial != sent.sequence || by_kind(plan) != by_kind(sent) {
        return Err(format!(
            "事業所の予定はファイル連番 {serial}、居宅が最後に送ったのは {}",
            sent.sequence
        ));
    }
    Ok(())
}

#[then(regex = r"^「([^」]+)」の「([0-9]{6})」の予定は取り消されている$")]
async fn plan_deleted(w: &mut RenkeiWorld, name: String, month: String) -> StepResult {
    let office = w.office_of(&name)?;
    let k = w.kyotaku.as_ref().ok_or("居宅がありません")?.office.clone();
    let p = w.providers.get(&office).ok_or("提供事業所ではありません")?;
    match (p.planned_rows(&k, &month), w.imports.last()) {
        (0, Some(Ok(ImportOutcome::Deleted { .. }))) => Ok(()),
        (n, last) => Err(format!("予定が {n} 件残っています（最後の取込: {last:?}）")),
    }
}

/// ⑫ 実績の取込.
#[given(regex = r"^⑫ 「([^」]+)」が実績を取り込む$")]
#[when(regex = r"^⑫ 「([^」]+)」が実績を取り込む$")]
async fn import_jisseki(w: &mut RenkeiWorld, step: &Step, name: String) -> StepResult {
    let office = w.office_of(&name)?;
    let sends = in_serial_order(w, &office);
    if sends.is_empty() {
        return Err("取り込むファイルがありません".into());
    }
    for files in sends {
        vendor_import(w, line(step), VendorRole::Kyotaku, &files).await?;
        let k = w.kyotaku.as_mut().ok_or("居宅がありません")?;
        match k.import_jisseki(&files) {
            Ok(read) => {
                let text = match &read.outcome {
                    JissekiOutcome::Applied {
                        provider,
                        month,
                        serial,
                        records,
                        replaced,
                    } => format!(
                        "取込: {provider} の {month} の実績 {records} 件（ファイル連番 {serial}{}）",
                        replaced
                            .as_ref()
                            .map(|r| format!("、{r} の実績を置き換え"))
                            .unwrap_or_default()
                    ),
                    JissekiOutcome::Stale {
                        provider,
                        month,
                        serial,
                        current,
                    } => format!(
                        "取込せず: {provider} の {month} の実績、ファイル連番 {serial} は現行 {current} より古い"
                    ),
                    JissekiOutcome::Deleted {
                        provider,
                        month,
                        users,
                        records,
                        ..
                    } => format!(
                        "削除: {provider} の {month} の実績から利用者 {} 人分 {records} 件",
                        users.len()
                    ),
                };
                w.record(
                    line(step),
                    EvidenceKind::Note,
                    text,
                    serde_json::to_value(&read.outcome).unwrap_or_default(),
                );
                w.jisseki_imports.push(Ok(read.outcome));
            }
            Err(e) => {
                w.record_problems(line(step), &e);
                w.jisseki_imports.push(Err(e));
            }
        }
    }
    Ok(())
}

#[then(regex = r"^実績には予定との差が([0-9０-９]+)件ある$")]
async fn delivered_count(w: &mut RenkeiWorld, n: String) -> StepResult {
    let want = number(&n)? as usize;
    if w.delivered.len() == want {
        Ok(())
    } else {
        Err(format!("差は {} 件でした", w.delivered.len()))
    }
}

#[then(regex = r"^予定と実績の突合で、事業所が記録した差がすべて見つかる$")]
async fn reconciled(w: &mut RenkeiWorld, step: &Step) -> StepResult {
    if let Some(Err(e)) = w.jisseki_imports.last() {
        return Err(e.to_string());
    }
    let k = w.kyotaku.as_ref().ok_or("居宅がありません")?;
    let provider = w
        .all_exports
        .last()
        .map(|e| e.unit.sender.office.clone())
        .ok_or("実績を出力していません")?;
    let month = w
        .all_exports
        .last()
        .and_then(|e| e.unit.files.first())
        .and_then(|f| f.month.clone())
        .unwrap_or_default();
    let found = k.reconcile(&provider, &month).map_err(|e| e.to_string())?;
    for d in &found {
        let (text, data) = readable_difference(w, d);
        w.record(line(step), EvidenceKind::Note, format!("突合 {text}"), data);
    }
    if found == w.delivered {
        Ok(())
    } else {
        Err(format!(
            "突合の結果 {found:?} が、事業所の記録 {:?} と異なります",
            w.delivered
        ))
    }
}

/// ①–⑥ in one step, for features that start after the 予定 arrived.
#[given(regex = r"^「([^」]+)」の「([0-9]{6})」の予定が「([^」]+)」に取り込まれている$")]
#[when(regex = r"^「([^」]+)」の「([0-9]{6})」の予定が「([^」]+)」に取り込まれている$")]
async fn yotei_done(
    w: &mut RenkeiWorld,
    step: &Step,
    kyotaku: String,
    month: String,
    provider: String,
) -> StepResult {
    export(
        w,
        step,
        "①".into(),
        kyotaku.clone(),
        provider.clone(),
        month.clone(),
        "予定".into(),
    )
    .await?;
    upload_of(w, step, &kyotaku, &kyotaku).await?;
    accepted(w).await?;
    download(w, step, "⑤".into(), provider.clone()).await?;
    import_yotei(w, step, provider).await?;
    imported(w, month).await
}

/// 月途中の計画変更.
#[given(regex = r"^「([^」]+)」が([0-9０-９]+)日から「([^」]+)」のサービスを平日毎日に変更する$")]
#[when(regex = r"^「([^」]+)」が([0-9０-９]+)日から「([^」]+)」のサービスを平日毎日に変更する$")]
async fn change_plan(
    w: &mut RenkeiWorld,
    step: &Step,
    _kyotaku: String,
    day: String,
    provider: String,
) -> StepResult {
    let office = w.office_of(&provider)?;
    let day = number(&day)? as u32;
    w.kyotaku
        .as_mut()
        .ok_or("居宅がありません")?
        .change_plan(&office, day, &[1, 2, 3, 4, 5])
        .map_err(|e| e.to_string())?;
    w.record(
        line(step),
        EvidenceKind::Note,
        format!("{day}日から「{provider}」の最初のサービスを月〜金に変更"),
        json!({"from_day": day}),
    );
    Ok(())
}

#[given(regex = r"^「([^」]+)」が最後の送信を取り消す$")]
#[when(regex = r"^「([^」]+)」が最後の送信を取り消す$")]
async fn withdraw(w: &mut RenkeiWorld, step: &Step, name: String) -> StepResult {
    let office = w.office_of(&name)?;
    let id = w
        .last_receipt
        .get(&office)
        .map(|r| r.send_id.clone())
        .ok_or("取り消す送信がありません")?;
    let r = w.client(&name).await?.withdraw(&id).await;
    w.record_exchanges(line(step), &office);
    let s = r.map_err(|e| e.to_string())?;
    w.record(
        line(step),
        EvidenceKind::Hub,
        format!("{} は「{}」", s.send_id, s.status),
        serde_json::Value::Null,
    );
    Ok(())
}

/// ① / ⑦ with a vendor's software in `role`: it exports the unit renkei's office made, and
/// its files replace renkei's (they are what goes to the hub).
pub(crate) async fn vendor_export(
    w: &mut RenkeiWorld,
    line: u32,
    role: VendorRole,
    mut export: Export,
) -> Result<Export, String> {
    let Some(v) = vendor::get().filter(|v| v.role() == role) else {
        return Ok(export);
    };
    let unit = export.unit.clone();
    let worker = v.clone();
    let files = tokio::task::spawn_blocking(move || worker.export(&unit))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("{} の出力が失敗しました: {e}", v.label()))?;
    w.record(
        line,
        EvidenceKind::Note,
        format!(
            "{} が出力（{} ファイル）: 以降はこのファイルを送る",
            v.label(),
            files.len()
        ),
        serde_json::Value::Null,
    );
    export.files = files;
    export.replacements.clear();
    Ok(export)
}

/// ⑥ / ⑫ with a vendor's software in `role`: it imports what was delivered, and must hold
/// what renkei reads — or refuse what renkei refuses.
async fn vendor_import(
    w: &mut RenkeiWorld,
    line: u32,
    role: VendorRole,
    files: &Files,
) -> StepResult {
    let Some(v) = vendor::get().filter(|v| v.role() == role) else {
        return Ok(());
    };
    let worker = v.clone();
    let given = files.clone();
    let answer = tokio::task::spawn_blocking(move || worker.import(&given))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("{} の取込が失敗しました: {e}", v.label()))?;
    let label = v.label();
    let text = match (renkei_simulator::offices::import_unit(files), answer) {
        (Ok(read), VendorImport::Holds(held)) => match vendor::first_difference(&read, &held) {
            None => format!("{label} が取込: 読んだ内容と一致"),
            Some(d) => return Err(format!("{label} が取り込んだ内容が違います: {d}")),
        },
        (Ok(_), VendorImport::Rejected(r)) => {
            return Err(format!(
                "{label} が標準仕様に適合するファイルを拒否しました: {r}"
            ))
        }
        (Err(_), VendorImport::Rejected(r)) => format!("{label} も取込を拒否: {r}"),
        (Err(e), VendorImport::Holds(_)) => {
            return Err(format!(
                "{label} が標準仕様の禁じるファイルを取り込みました: {e}"
            ))
        }
    };
    w.record(line, EvidenceKind::Note, text, serde_json::Value::Null);
    Ok(())
}

/// A difference between 予定 and 実績 as a care manager reads it: 利用者名, サービス名, 日付 and
/// 時間 (the names from the 居宅's own records), with the codes kept beside them.
pub(crate) fn readable_difference(w: &RenkeiWorld, d: &Difference) -> (String, serde_json::Value) {
    let (kind, insured, service, day, time) = match d {
        Difference::Cancelled {
            insured,
            service,
            day,
            time,
        } => ("中止", insured, service, day, clock_span(time)),
        Difference::Added {
            insured,
            service,
            day,
            time,
        } => ("追加", insured, service, day, clock_span(time)),
        Difference::TimeChanged {
            insured,
            service,
            day,
            planned,
            actual,
        } => (
            "時間変更",
            insured,
            service,
            day,
            format!("{} → {}", clock_span(planned), clock_span(actual)),
        ),
    };
    let people = w.kyotaku.as_ref().map(|k| &k.world);
    let user = people
        .and_then(|p| p.users.iter().find(|u| &u.insured == insured))
        .map_or_else(|| format!("被保険者番号 {insured}"), |u| u.name.clone());
    let service_name = people
        .and_then(|p| {
            p.providers
                .iter()
                .flat_map(|x| &x.services)
                .find(|s| s.code == service)
        })
        .map_or_else(|| service.clone(), |s| s.name.to_string());
    let date = japanese_day(day);
    let text = format!("{kind}: {user}さん {service_name} {date} {time}");
    let data = serde_json::json!({
        "difference": kind,
        "user_name": user,
        "insured": insured,
        "service_name": service_name,
        "service": service,
        "date": date,
        "time": time,
    });
    (text, data)
}

/// `1000-1100` as `10:00〜11:00`; `9999` (no time) as `時間指定なし`.
fn clock_span(t: &str) -> String {
    let hm = |s: &str| {
        if s.len() == 4 {
            format!("{}:{}", &s[..2], &s[2..])
        } else {
            s.to_string()
        }
    };
    match t.split_once('-') {
        Some((a, b)) => format!("{}〜{}", hm(a), hm(b)),
        None if t == "9999" => "時間指定なし".into(),
        None => t.to_string(),
    }
}

/// `20261204` as `12月4日`.
fn japanese_day(d: &str) -> String {
    match (
        d.get(4..6).and_then(|m| m.parse::<u32>().ok()),
        d.get(6..8).and_then(|x| x.parse::<u32>().ok()),
    ) {
        (Some(m), Some(day)) => format!("{m}月{day}日"),
        _ => d.to_string(),
    }
}
