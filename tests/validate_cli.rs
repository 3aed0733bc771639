//! `renkei validate` as a vendor meets it: no files is exit 2, a lone file says which checks
//! did not run, repeated diagnostics are grouped, `--max-errors` cuts and says so, and the
//! JUnit and SARIF formats hold their structure.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_renkei");

fn fixture(id: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/cases")
        .join(id)
}

fn validate(args: &[&str], path: &Path) -> Output {
    Command::new(BIN)
        .arg("validate")
        .args(args)
        .arg(path)
        .output()
        .expect("renkei runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

#[test]
fn a_path_with_no_interface_file_is_exit_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.md"), "not an interface file").unwrap();
    let o = validate(&[], dir.path());
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("インタフェースファイルがありません"), "{err}");
}

#[test]
fn a_lone_file_says_the_send_unit_checks_did_not_run() {
    let dir = fixture("valid.unit.v41.usage-11");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("UPPLAN_"))
        .unwrap();
    let o = validate(&[], &file);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("送信単位（ファイル連番）の検査は行っていません"));
    // A folder gets them, and no such note.
    let o = validate(&[], &dir);
    assert!(
        !stdout(&o).contains("検査は行っていません"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn repeated_diagnostics_are_grouped_and_summed_by_code() {
    // One consistency.receiver per user (3 users).
    let dir = fixture("csv.consistency.receiver-type");
    let o = validate(&["--group-after", "1"], &dir);
    let out = stdout(&o);
    assert_eq!(
        out.matches("error[consistency.receiver]").count(),
        2,
        "{out}"
    );
    assert!(
        out.contains("同じ問題があと 2 行 (consistency.receiver: lines "),
        "{out}"
    );
    assert!(out.contains("summary by code:"), "{out}");
    let all = stdout(&validate(&["--group-after", "100"], &dir));
    assert_eq!(
        all.matches("error[consistency.receiver]").count(),
        6,
        "{all}"
    );
    // The JSON keeps every occurrence.
    let json: serde_json::Value =
        serde_json::from_slice(&validate(&["--format", "json"], &dir).stdout).unwrap();
    let n = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["diagnostics"].as_array().unwrap())
        .filter(|d| d["code"] == "consistency.receiver")
        .count();
    assert_eq!(n, 6);
}

#[test]
fn max_errors_cuts_and_says_how_many_were_cut() {
    let dir = fixture("csv.consistency.receiver-type");
    let o = validate(&["--format", "json", "--max-errors", "1"], &dir);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let cut: Vec<&serde_json::Value> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["diagnostics"].as_array().unwrap())
        .filter(|d| d["code"] == "structure.too-many-diagnostics")
        .collect();
    assert!(!cut.is_empty(), "{json}");
    assert!(cut[0]["message"].as_str().unwrap().contains("ほかに 2 件"));
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn junit_has_one_testcase_per_file_and_a_failure_per_error() {
    let dir = fixture("csv.consistency.receiver-type");
    let o = validate(&["--format", "junit"], &dir);
    let x = stdout(&o);
    assert!(x.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
    assert_eq!(x.matches("<testcase ").count(), 3, "{x}");
    assert_eq!(x.matches("</testcase>").count(), 3);
    assert_eq!(
        x.matches("<failure type=\"consistency.receiver\"").count(),
        6,
        "{x}"
    );
    assert!(x.contains("tests=\"3\" failures=\"2\""), "{x}");
    // Every element opened is closed, and no raw markup leaks from the messages.
    for tag in ["testsuites", "testsuite"] {
        assert_eq!(x.matches(&format!("<{tag} ")).count(), 1);
        assert_eq!(x.matches(&format!("</{tag}>")).count(), 1);
    }
    let quoted = stdout(&validate(
        &["--format", "junit"],
        &fixture("csv.structure.free-text-unquoted"),
    ));
    assert!(quoted.contains("&quot;…&quot;"), "{quoted}");
}

#[test]
fn sarif_is_2_1_0_with_every_diagnostic_on_its_line() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("schemas/sarif-2.1.0-minimal.json")).unwrap();
    let v = jsonschema::validator_for(&schema).expect("schema");
    for id in [
        "csv.consistency.receiver-type",
        "csv.encoding.mojibake",
        "valid.unit.v41.usage-11",
    ] {
        let o = validate(&["--format", "sarif"], &fixture(id));
        let sarif: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
        let errors: Vec<String> = v.iter_errors(&sarif).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{id}: {errors:?}");
        let json: serde_json::Value =
            serde_json::from_slice(&validate(&["--format", "json"], &fixture(id)).stdout).unwrap();
        let diags: usize = json["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["diagnostics"].as_array().unwrap().len())
            .sum();
        let results = sarif["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), diags, "{id}");
        for r in results {
            let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
                .as_array()
                .unwrap();
            let i = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], r["ruleId"]);
            assert!(
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap()
                    >= 1
            );
        }
    }
}
