//! `renkei run`: the reports it writes, and its exit code when a scenario fails or a step is
//! not defined.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_renkei");

#[test]
fn a_run_writes_the_three_reports_and_names_cases_by_id() {
    let out = tempfile::tempdir().unwrap();
    let st = Command::new(BIN)
        // 11-several-providers is tagged @yotei too but runs ⑦–⑫ as well; this run is the
        // 予定 half alone, so ⑫ stays grey.
        .args(["run", "--tags", "@yotei and not @jisseki", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&st.stdout);
    assert!(st.status.success(), "{text}");
    assert!(text.contains("flow.yotei.01-06"), "{text}");
    let junit = std::fs::read_to_string(out.path().join("junit.xml")).unwrap();
    assert!(
        junit.contains(
            "<testcase name=\"flow.yotei.01-06 12月分の予定が訪問介護事業所に届き、取り込まれる\" classname=\"01-flow-yotei.feature\""
        ),
        "{junit}"
    );
    assert!(!junit.contains("fail.cert."), "the tag filter applies");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("cucumber.json")).unwrap()).unwrap();
    assert_eq!(json[0]["elements"][0]["type"], "scenario");
    let html = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    for n in ["①", "②", "③", "④", "⑤", "⑥"] {
        assert!(
            html.contains(&format!("data-step=\"{n}\" data-status=\"passed\"")),
            "{n}"
        );
    }
    assert!(
        html.contains("data-step=\"⑫\" data-status=\"none\""),
        "only the 予定 flow ran"
    );
}

#[test]
fn a_failing_or_undefined_step_fails_the_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.feature"),
        "# language: ja\n機能: 壊れた期待\n\n  背景:\n    前提 日時を「2026-11-24T10:00:00+09:00」に固定する\n    かつ 連携基盤がデモの世界で動いている\n\n  @id:test.wrong-code\n  シナリオ: 期限切れの証明書なのに別の理由を期待する\n    もし 「けやき訪問看護ステーション」がログインしようとする\n    ならば TLSハンドシェイクが「certificate_revoked」で拒否される\n\n  @id:test.undefined\n  シナリオ: 定義のない手順\n    もし 定義されていない手順を行う\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let st = Command::new(BIN)
        .args(["run", "--features"])
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&st.stdout);
    assert_eq!(st.status.code(), Some(1), "{text}");
    assert!(text.contains("0 passed, 2 failed, 0 not run"), "{text}");
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert!(junit.contains("failures=\"2\" skipped=\"0\""), "{junit}");
    assert!(
        junit.contains(
            "<testcase name=\"test.undefined 定義のない手順\" classname=\"broken.feature\""
        ),
        "an undefined step is a failure, the classname is relative: {junit}"
    );
    assert!(
        junit.contains("certificate_expired"),
        "the failure says what was seen: {junit}"
    );
}

#[test]
fn a_vendors_software_plays_a_role_in_every_scenario() {
    // The reference adapter as サービス事業所: every scenario passes, and the report shows
    // the software's own imports and exports.
    let out = tempfile::tempdir().unwrap();
    let adapter = format!("{BIN} adapter");
    let st = Command::new(BIN)
        .args(["run", "--adapter", &adapter, "--as", "provider", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&st.stdout);
    assert!(st.status.success(), "{text}");
    let html = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    assert!(
        html.contains("renkei reference adapter 0.1.0 が取込: 読んだ内容と一致"),
        "the software's ⑥ is shown"
    );
    assert!(
        html.contains("renkei reference adapter 0.1.0 が出力"),
        "the software's ⑦ is shown"
    );

    // …and as 居宅: its exports are what the hub carries, and every scenario still passes.
    let out = tempfile::tempdir().unwrap();
    let st = Command::new(BIN)
        .args(["run", "--adapter", &adapter, "--as", "kyotaku", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&st.stdout);
    assert!(st.status.success(), "{text}");
    assert!(
        text.contains("39 passed") || text.contains("passed, 0 failed"),
        "{text}"
    );

    // A strict JIS importer as サービス事業所 fails ⑥ of the 予定 flow, with the reason.
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/adapters/strict_jis.py"
    );
    let adapter = format!("python3 {script} --renkei {BIN}");
    let out = tempfile::tempdir().unwrap();
    let st = Command::new(BIN)
        .args([
            "run",
            "--tags",
            "@yotei",
            "--adapter",
            &adapter,
            "--as",
            "provider",
            "--out",
        ])
        .arg(out.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&st.stdout);
    assert_eq!(st.status.code(), Some(1), "{text}");
    assert!(text.contains("✘ flow.yotei.01-06"), "{text}");
    let junit = std::fs::read_to_string(out.path().join("junit.xml")).unwrap();
    assert!(junit.contains("取り込んだ内容が違います"), "{junit}");

    // A role the adapter does not declare is refused before anything runs.
    let dir = tempfile::tempdir().unwrap();
    let caps = r#"{"contract":"renkei-adapter/1","vendor":"t","product":"p","version":"0","roles":["provider"],"revisions":["4.1"],"export":[],"import":[]}"#;
    let sh = dir.path().join("a.sh");
    std::fs::write(&sh, format!("#!/bin/sh\necho '{caps}'\n")).unwrap();
    let st = Command::new(BIN)
        .args([
            "run",
            "--adapter",
            &format!("sh {}", sh.display()),
            "--as",
            "kyotaku",
        ])
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&st.stderr).contains("does not declare the role kyotaku"));
}

/// A feature that passes ①, then fails the check right after it: the flow map shows ① red
/// (not hidden because the failing step names no flow step), ② green because another
/// scenario passed it, and ③ grey; the reports carry the provenance.
#[test]
fn a_deliberately_failing_run_shows_red_in_the_flow_map() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("01-fail.feature"),
        "# language: ja\n機能: わざと失敗する予定の連携\n\n  背景:\n    前提 日時を「2026-11-24T10:00:00+09:00」に固定する\n    かつ 連携基盤がデモの世界で動いている\n    かつ 「さくら居宅介護支援事業所」は「ひまわり訪問介護ステーション」に利用者5人のサービスを計画している\n\n  @id:test.fail-after-1\n  シナリオ: 出力のすぐ後の確認で失敗する\n    もし ① 「さくら居宅介護支援事業所」が「ひまわり訪問介護ステーション」あての「202612」の予定を出力する\n    ならば 出力したファイルは4つで、どれも標準仕様に適合している\n    もし ② 「さくら居宅介護支援事業所」が出力したファイルを連携基盤にアップロードする\n\n  @id:test.pass-2\n  シナリオ: アップロードまで通る\n    もし ① 「さくら居宅介護支援事業所」が「ひまわり訪問介護ステーション」あての「202612」の予定を出力する\n    かつ ② 「さくら居宅介護支援事業所」が出力したファイルを連携基盤にアップロードする\n    ならば 連携基盤は送信を受け付ける\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let st = Command::new(BIN)
        .args([
            "run",
            "--tags",
            "@id:test.fail-after-1 or @id:test.pass-2",
            "--features",
        ])
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&st.stdout);
    assert_eq!(st.status.code(), Some(1), "{text}");
    assert!(text.contains("flow: ①✘ ②✔ ③·"), "{text}");
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("data-step=\"①\" data-status=\"failed\""));
    assert!(html.contains("data-step=\"②\" data-status=\"passed\""));
    assert!(html.contains("data-step=\"③\" data-status=\"none\""));
    assert!(html.contains("<span class=\"pill failed\" id=\"failed-count\">失敗 1</span>"));
    // Provenance: version, a commit (or `unknown`), the command line and the tags.
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert!(
        junit.contains(&format!(
            "<property name=\"renkei.version\" value=\"{}\"/>",
            env!("CARGO_PKG_VERSION")
        )),
        "{junit}"
    );
    assert!(junit.contains("<property name=\"renkei.git_commit\" value=\""));
    assert!(junit.contains("<property name=\"standard.revision\" value=\"4.1\"/>"));
    assert!(junit.contains(
        "<property name=\"run.tags\" value=\"@id:test.fail-after-1 or @id:test.pass-2\"/>"
    ));
    assert!(junit.contains("<property name=\"run.command_line\" value=\"renkei run --tags &#39;@id:test.fail-after-1 or @id:test.pass-2&#39; --features"));
    assert!(
        junit.contains("<property name=\"run.pinned_clock\" value=\"2026-11-24T10:00:00+09:00\"/>")
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("cucumber.json")).unwrap()).unwrap();
    assert_eq!(json[0]["renkei_provenance"]["standard.revision"], "4.1");
    assert_eq!(
        json[0]["uri"], "01-fail.feature",
        "relative to the features folder"
    );
}

/// The console lists scenarios in the order of the features and their scenarios, whatever
/// the concurrency: the per-scenario lines come in the order of the JUnit cases.
#[test]
fn console_output_is_in_file_order_whatever_the_concurrency() {
    let out = tempfile::tempdir().unwrap();
    let st = Command::new(BIN)
        .args([
            "run",
            "--concurrency",
            "8",
            "--tags",
            "@flow or @certificate",
            "--out",
        ])
        .arg(out.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&st.stdout);
    assert!(st.status.success(), "{text}");
    let printed: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("✔ ") || l.starts_with("✘ "))
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    let junit = std::fs::read_to_string(out.path().join("junit.xml")).unwrap();
    let cases: Vec<&str> = junit
        .split("<testcase name=\"")
        .skip(1)
        .filter_map(|c| c.split(' ').next())
        .collect();
    assert!(printed.len() > 10, "{text}");
    assert_eq!(printed, cases);
}
