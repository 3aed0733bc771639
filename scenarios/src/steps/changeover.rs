//! 版の切り替え: a 居宅 whose software still writes the revision before the one in force
//! (第3.2版 after 第4.1版 applies from 202504), and what the hub and the receiver do with it.

use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use serde_json::json;

use super::{line, number};
use crate::world::{RenkeiWorld, StepResult};
use renkei_reports::EvidenceKind;

/// The 居宅's software writes the files of another revision of the standard (第3.2版 or
/// 第4.1版) from its next export on.
/// 例: 前提 「さくら居宅介護支援事業所」のソフトはまだ第3.2版のファイルを出力する
#[given(regex = r"^「([^」]+)」のソフトはまだ第([0-9.]+)版のファイルを出力する$")]
async fn still_writes_revision(
    w: &mut RenkeiWorld,
    step: &Step,
    name: String,
    revision: String,
) -> StepResult {
    writes_revision(w, step, name, revision)
}

/// The 居宅 updates its software: its next exports are of this revision.
/// 例: もし 「さくら居宅介護支援事業所」がソフトを第4.1版に更新する
#[given(regex = r"^「([^」]+)」がソフトを第([0-9.]+)版に更新する$")]
#[when(regex = r"^「([^」]+)」がソフトを第([0-9.]+)版に更新する$")]
async fn updates_to_revision(
    w: &mut RenkeiWorld,
    step: &Step,
    name: String,
    revision: String,
) -> StepResult {
    writes_revision(w, step, name, revision)
}

fn writes_revision(w: &mut RenkeiWorld, step: &Step, name: String, revision: String) -> StepResult {
    let office = w.office_of(&name)?;
    let rev = renkei_spec::Standard::get()
        .revision(&revision)
        .ok_or_else(|| format!("第{revision}版は renkei の知らない版です"))?;
    let k = w
        .kyotaku
        .as_mut()
        .filter(|k| k.office == office)
        .ok_or_else(|| format!("「{name}」は計画を立てている居宅ではありません"))?;
    k.revision = rev.revision.clone();
    let text = format!(
        "{name} は第{}版（CSVバージョン {}、{} 提供分から適用）のファイルを出力する",
        rev.revision, rev.csv_version, rev.applies_from
    );
    w.record(
        line(step),
        EvidenceKind::Note,
        text,
        json!({"office": office, "revision": rev.revision, "csv_version": rev.csv_version}),
    );
    Ok(())
}

/// Every file the last ⑥ import took in carries this warning, at this line (the import went
/// through: a warning does not refuse a file).
/// 例: ならば 取込は受け付けられ、どのファイルにも1行目に警告「consistency.revision-month」が示される
#[then(
    regex = r"^取込は受け付けられ、どのファイルにも([0-9０-９]+)行目に警告「([^」]+)」が示される$"
)]
async fn warned_in_every_file(w: &mut RenkeiWorld, at: String, code: String) -> StepResult {
    let want = number(&at)? as u64;
    match w.imports.last() {
        Some(Ok(_)) => {}
        Some(Err(e)) => return Err(format!("取込は拒否されました: {e}")),
        None => return Err("取込をしていません".into()),
    }
    let files = &w.imported_files;
    if files.is_empty() {
        return Err("取り込んだファイルがありません".into());
    }
    let missing: Vec<&String> = files
        .iter()
        .filter(|f| {
            !w.import_warnings
                .iter()
                .any(|p| &p.file == *f && p.code == code && p.line == Some(want))
        })
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} に {want} 行目の警告 {code} がありません（警告: {:?}）",
            missing
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("、"),
            w.import_warnings
                .iter()
                .map(|p| format!("{} {} {:?}", p.file, p.code, p.line))
                .collect::<Vec<_>>()
        ))
    }
}

/// The last ⑥ import went through with no warning at all.
/// 例: ならば 取込は受け付けられ、警告はない
#[then(regex = r"^取込は受け付けられ、警告はない$")]
async fn no_warning(w: &mut RenkeiWorld) -> StepResult {
    match w.imports.last() {
        Some(Ok(_)) if w.import_warnings.is_empty() => Ok(()),
        Some(Ok(_)) => Err(format!(
            "警告があります: {:?}",
            w.import_warnings
                .iter()
                .map(|p| format!("{} {} {:?}", p.file, p.code, p.line))
                .collect::<Vec<_>>()
        )),
        Some(Err(e)) => Err(format!("取込は拒否されました: {e}")),
        None => Err("取込をしていません".into()),
    }
}
