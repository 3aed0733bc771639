//! `renkei steps`: the step catalogue people write their own features from. A feature made
//! only of lines it prints runs and passes with `renkei run --features DIR`.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_renkei");

fn steps_json() -> serde_json::Value {
    let o = Command::new(BIN)
        .args(["steps", "--format", "json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Every pattern of the catalogue, flattened.
fn patterns(v: &serde_json::Value) -> Vec<&serde_json::Value> {
    v["modules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["steps"].as_array().unwrap())
        .collect()
}

/// The example lines of the one pattern whose regex holds `needle`.
fn example<'a>(all: &[&'a serde_json::Value], needle: &str) -> &'a str {
    let hits: Vec<_> = all
        .iter()
        .filter(|p| p["pattern"].as_str().unwrap().contains(needle))
        .collect();
    assert_eq!(hits.len(), 1, "one pattern holds {needle:?}: {hits:?}");
    hits[0]["example"]["lines"]
        .as_str()
        .unwrap_or_else(|| panic!("{needle:?} has an example: {:?}", hits[0]))
}

#[test]
fn the_catalogue_lists_every_module_with_an_example_under_each_pattern() {
    let v = steps_json();
    let names: Vec<&str> = v["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(&names[..3], ["setup", "flow", "failures"]);
    let all = patterns(&v);
    assert!(all.len() > 30, "{}", all.len());
    let human = Command::new(BIN).arg("steps").output().unwrap();
    assert!(human.status.success());
    let human = String::from_utf8(human.stdout).unwrap();
    assert!(
        human.contains(&format!("{} step patterns", all.len())),
        "{human}"
    );
    for p in &all {
        let ex = p["example"]["lines"]
            .as_str()
            .unwrap_or_else(|| panic!("{p}"));
        let indented: String = ex.lines().map(|l| format!("    {l}\n")).collect();
        assert!(human.contains(&indented), "human output shows {ex:?}");
        assert!(human.contains(p["template"].as_str().unwrap()));
    }
}

#[test]
fn a_feature_written_from_its_examples_runs_and_passes() {
    let v = steps_json();
    let all = patterns(&v);
    // ①–⑥ of a 予定, each line exactly as `renkei steps` prints it.
    let lines: Vec<&str> = [
        "に固定する$",
        "連携基盤がデモの世界で動いている",
        "人のサービスを計画している",
        "の(予定|実績|予定の削除)を出力する",
        "つで、どれも標準仕様に適合している",
        "が出力したファイルを連携基盤にアップロードする",
        "連携基盤は送信を受け付ける",
        "が届いたファイルをダウンロードする",
        "が(?:予定|届いたファイル)を取り込む",
        "分の予定が取り込まれている",
    ]
    .iter()
    .map(|n| example(&all, n))
    .collect();
    let mut feature = String::from(
        "# language: ja\n機能: renkei steps の例だけで書いた機能\n\n  @id:user.from-steps\n  シナリオ: 一覧の例を並べると予定が届いて取り込まれる\n",
    );
    for l in &lines {
        for line in l.lines() {
            feature.push_str(&format!("    {line}\n"));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mine.feature"), &feature).unwrap();
    let out = dir.path().join("out");
    let o = Command::new(BIN)
        .args(["run", "--features"])
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{feature}\n{text}");
    assert!(text.contains("user.from-steps"), "{text}");
    assert!(text.contains("1 passed, 0 failed"), "{text}");
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("data-step=\"⑥\" data-status=\"passed\""));
}
