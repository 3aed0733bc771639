//! Refusals: logins, certificates, licences, receivers, broken Shift_JIS, expired sends.

use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use renkei_reports::EvidenceKind;
use renkei_simulator::client::ClientError;
use serde_json::json;

use super::{line, number};
use crate::world::{RenkeiWorld, StepResult};

/// A login with a fresh connection, whatever the outcome.
async fn attempt_login(
    w: &mut RenkeiWorld,
    step: &Step,
    name: &str,
    user_of: &str,
    password: Option<String>,
) -> StepResult {
    let id = w.identity(name)?;
    let login_id = w.identity(user_of)?;
    let password = password.unwrap_or(login_id.password.clone());
    let c = w.hub()?.client(&id.office, 1).map_err(|e| e.to_string())?;
    let r = c.login(&login_id.user_id, &password).await;
    w.clients.insert(id.office.clone(), c);
    w.logged_in_at.remove(&id.office);
    w.reset_exchanges(&id.office);
    w.record_exchanges(line(step), &id.office);
    if let Ok(ok) = &r {
        w.logged_in_at.insert(id.office.clone(), w.clock_now());
        for warn in &ok.warnings {
            w.record(
                line(step),
                EvidenceKind::Hub,
                format!("警告 {}: {}", warn.code, warn.message),
                json!({"outcome": warn.code}),
            );
        }
    }
    w.last_error = r.as_ref().err().cloned();
    w.last_login = Some(r);
    Ok(())
}

#[given(regex = r"^「([^」]+)」がログインしようとする$")]
#[when(regex = r"^「([^」]+)」がログインしようとする$")]
async fn try_login(w: &mut RenkeiWorld, step: &Step, name: String) -> StepResult {
    attempt_login(w, step, &name, &name, None).await
}

#[given(regex = r"^「([^」]+)」がパスワード「([^」]+)」でログインしようとする$")]
#[when(regex = r"^「([^」]+)」がパスワード「([^」]+)」でログインしようとする$")]
async fn try_login_password(
    w: &mut RenkeiWorld,
    step: &Step,
    name: String,
    password: String,
) -> StepResult {
    attempt_login(w, step, &name, &name, Some(password)).await
}

#[given(regex = r"^「([^」]+)」が「([^」]+)」のログインIDでログインしようとする$")]
#[when(regex = r"^「([^」]+)」が「([^」]+)」のログインIDでログインしようとする$")]
async fn try_login_as(w: &mut RenkeiWorld, step: &Step, name: String, other: String) -> StepResult {
    attempt_login(w, step, &name, &other, None).await
}

#[then(regex = r"^ログインは成功する$")]
async fn login_ok(w: &mut RenkeiWorld) -> StepResult {
    match &w.last_login {
        Some(Ok(_)) => Ok(()),
        Some(Err(e)) => Err(format!("ログインは拒否されました: {e}")),
        None => Err("ログインしていません".into()),
    }
}

#[then(regex = r"^ログインは成功し、警告「([A-Z_]+)」が示される$")]
async fn login_warns(w: &mut RenkeiWorld, code: String) -> StepResult {
    match &w.last_login {
        Some(Ok(r)) if r.warnings.iter().any(|x| x.code == code) => Ok(()),
        Some(Ok(r)) => Err(format!(
            "警告は {:?} でした",
            r.warnings.iter().map(|x| &x.code).collect::<Vec<_>>()
        )),
        Some(Err(e)) => Err(format!("ログインは拒否されました: {e}")),
        None => Err("ログインしていません".into()),
    }
}

#[then(regex = r"^TLSハンドシェイクが「([a-z_]+)」で拒否される$")]
async fn tls_refused(w: &mut RenkeiWorld, alert: String) -> StepResult {
    match &w.last_error {
        Some(ClientError::TlsRefused { alert: a, .. }) if *a == alert => Ok(()),
        Some(e) => Err(format!("結果は {} でした: {e}", e.code())),
        None => Err("拒否されませんでした".into()),
    }
}

#[then(regex = r"^連携基盤は「([A-Z_]+)」で拒否する$")]
async fn hub_refused(w: &mut RenkeiWorld, code: String) -> StepResult {
    match &w.last_error {
        Some(ClientError::Hub { code: c, .. }) if *c == code => Ok(()),
        Some(e) => Err(format!("結果は {} でした: {e}", e.code())),
        None => Err(format!("拒否されませんでした（{code} を期待）")),
    }
}

/// A 予定 with one of the corpus's encoding traps, sent through the hub (the hub checks names,
/// not contents, so it arrives).
/// 例: 前提 「さくら居宅介護支援事業所」が「ひまわり訪問介護ステーション」あてに、罠「csv.encoding.gaiji」を仕込んだ「202612」の予定を送っている
#[given(
    regex = r"^「([^」]+)」が「([^」]+)」あてに、罠「([^」]+)」を仕込んだ「([0-9]{6})」の予定を送っている$"
)]
#[when(
    regex = r"^「([^」]+)」が「([^」]+)」あてに、罠「([^」]+)」を仕込んだ「([0-9]{6})」の予定を送っている$"
)]
async fn send_trap(
    w: &mut RenkeiWorld,
    step: &Step,
    from: String,
    to: String,
    trap: String,
    month: String,
) -> StepResult {
    send_trapped(w, step, from, to, trap, month).await
}

/// The same in a care manager's words: what is wrong with the file is said in the sentence,
/// and the trap's code is the `罠` row of the step's table.
#[given(regex = r"^「([^」]+)」が「([^」]+)」あてに、([^「」]+)「([0-9]{6})」の予定を送っている$")]
#[when(regex = r"^「([^」]+)」が「([^」]+)」あてに、([^「」]+)「([0-9]{6})」の予定を送っている$")]
async fn send_described_trap(
    w: &mut RenkeiWorld,
    step: &Step,
    from: String,
    to: String,
    _problem: String,
    month: String,
) -> StepResult {
    let trap = table_value(step, "罠")?;
    send_trapped(w, step, from, to, trap, month).await
}

/// The value in the row of the step's table whose first cell is `key`.
fn table_value(step: &Step, key: &str) -> Result<String, String> {
    step.table
        .as_ref()
        .and_then(|t| t.rows.iter().find(|r| r.first().is_some_and(|c| c == key)))
        .and_then(|r| r.get(1).cloned())
        .ok_or_else(|| format!("この手順には「| {key} | … |」の表が要ります"))
}

async fn send_trapped(
    w: &mut RenkeiWorld,
    step: &Step,
    from: String,
    to: String,
    trap: String,
    month: String,
) -> StepResult {
    let to_office = w.office_of(&to)?;
    let from_office = w.office_of(&from)?;
    let serial = w.next_serial();
    let export = w
        .kyotaku
        .as_mut()
        .ok_or("居宅の計画がありません")?
        .export_yotei(&to_office, &month, &serial)
        .map_err(|e| e.to_string())?;
    let (files, file, at) = renkei_spec::corpus::apply_encoding_trap(&trap, &export.unit)
        .ok_or_else(|| format!("罠「{trap}」は renkei の罠の一覧にありません"))?;
    w.record(
        line(step),
        EvidenceKind::Note,
        format!("罠 {trap} を {file} の {at} 行目に仕込んだ"),
        json!({"trap": trap, "file": file, "line": at}),
    );
    w.record_files(line(step), "出力（罠入り）", &files);
    let r = w.client(&from).await?.send(&files).await;
    w.record_exchanges(line(step), &from_office);
    r.map_err(|e| format!("送信が拒否されました: {e}"))?;
    let mut export = export;
    export.files = files;
    w.exports.insert(from_office, export.clone());
    w.all_exports.push(export);
    Ok(())
}

/// The import was refused with this diagnostic code, at this line of this file.
/// 例: ならば 取込は診断「encoding.gaiji」で拒否され、その場所は「UPHOSOKU」の2行目である
#[then(
    regex = r"^取込は診断「([^」]+)」で拒否され、その場所は「([^」]+)」の([0-9０-９]+)行目である$"
)]
async fn import_refused(w: &mut RenkeiWorld, code: String, file: String, at: String) -> StepResult {
    refused_at(w, code, file, at)
}

/// The same in a care manager's words; the diagnostic's code is the `診断` row of the table.
#[then(regex = r"^取込は拒否され、「([^」]+)」の([0-9０-９]+)行目が問題の場所として示される$")]
async fn import_refused_described(
    w: &mut RenkeiWorld,
    step: &Step,
    file: String,
    at: String,
) -> StepResult {
    let code = table_value(step, "診断")?;
    refused_at(w, code, file, at)
}

fn refused_at(w: &mut RenkeiWorld, code: String, file: String, at: String) -> StepResult {
    let rev = renkei_spec::Standard::get().default_revision();
    let kind = rev
        .files
        .iter()
        .find(|f| f.kind == file || f.name == file || f.name.contains(file.as_str()))
        .map(|f| f.kind.clone())
        .ok_or_else(|| format!("「{file}」はインタフェースファイルではありません"))?;
    let want = number(&at)? as u64;
    let e = match w.imports.last() {
        Some(Err(e)) => e,
        Some(Ok(o)) => return Err(format!("取込は成功しました: {o:?}")),
        None => return Err("取込をしていません".into()),
    };
    let hit = e
        .problems()
        .iter()
        .find(|p| p.code == code && p.file.starts_with(&format!("{kind}_")));
    match hit {
        Some(p) if p.line == Some(want) => Ok(()),
        Some(p) => Err(format!("診断 {code} は {:?} 行目でした", p.line)),
        None => Err(format!(
            "{kind} に診断 {code} がありません: {:?}",
            e.problems()
                .iter()
                .map(|p| format!("{} {} {:?}", p.file, p.code, p.line))
                .collect::<Vec<_>>()
        )),
    }
}
