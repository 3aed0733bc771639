//! The command line as a demanding user meets it in the first ten minutes: readable usage
//! errors, quiet ends in a pipe, help that says what the exit codes mean.

use std::io::Read;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_renkei");

fn renkei(args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn a_bad_tag_expression_names_the_column_and_what_was_expected() {
    let out = tempfile::tempdir().unwrap();
    let o = Command::new(BIN)
        .args(["run", "--tags", "@flow and", "--out"])
        .arg(out.path().join("r"))
        .output()
        .unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--tags \"@flow and\": column 10: expected one of"),
        "{err}"
    );
    assert!(err.contains("\"@\""), "{err}");
    assert!(
        !err.contains("ParseError") && !err.contains("LineCol"),
        "no Debug: {err}"
    );
    assert!(
        err.contains("  @flow and\n           ^"),
        "a caret under the column: {err}"
    );
    assert!(
        !out.path().join("r").exists(),
        "nothing ran, nothing written"
    );
}

#[test]
fn a_feature_that_does_not_parse_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.feature"),
        "# language: ja\n機能: 壊れた機能\n  シナリオ: ひとつ\n    もし 何かをする\n  ほげ: 知らないキーワード\n",
    )
    .unwrap();
    let o = Command::new(BIN)
        .args(["run", "--features"])
        .arg(dir.path())
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("bad.feature:5:3: 機能ファイルを読めません"),
        "{out}"
    );
    assert!(out.contains("ほげ"), "{out}");
    assert!(
        !out.contains("does --tags"),
        "no --tags given, so no hint about it: {out}"
    );
}

#[test]
fn the_tags_hint_appears_only_when_tags_were_given() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(BIN)
        .args(["run", "--tags", "@no-such-tag", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "no scenario ran: {out}");
    assert!(
        out.contains("no scenario ran (does --tags \"@no-such-tag\" match any?)"),
        "{out}"
    );
    std::fs::write(
        dir.path().join("empty.feature"),
        "# language: ja\n機能: 空\n",
    )
    .unwrap();
    let o = Command::new(BIN)
        .args(["run", "--features"])
        .arg(dir.path().join("empty.feature"))
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let out = text(&o.stdout);
    assert!(
        out.contains("no scenario ran (the features hold no scenario)"),
        "{out}"
    );
    assert!(!out.contains("--tags"), "{out}");
}

#[test]
fn an_unwritable_out_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let started = std::time::Instant::now();
    let o = Command::new(BIN)
        .args(["run", "--out"])
        .arg(file.join("reports"))
        .output()
        .unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot write the reports there"), "{err}");
    assert!(o.stdout.is_empty(), "no scenario ran: {}", text(&o.stdout));
    assert!(started.elapsed().as_secs() < 20);
}

#[test]
fn an_io_error_is_printed_once() {
    let o = renkei(&["validate", "/no/such/file.CSV"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(err.matches("No such file").count(), 1, "{err}");
    assert!(err.contains("/no/such/file.CSV"), "{err}");
}

/// `renkei … | head -1`: the reader closes the pipe; renkei stops without a word and
/// without a panic.
fn piped_into_head(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout); // like head after its line
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (child.wait().unwrap().code(), err)
}

#[test]
fn output_piped_into_head_ends_quietly() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
    for args in [
        &["spec"][..],
        &["spec", "--diagnostics"],
        &["validate", "--format", "json", fixtures],
        &["validate", "-w", fixtures],
    ] {
        let (code, err) = piped_into_head(args);
        assert!(!err.contains("Broken pipe"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_ne!(code, Some(101), "{args:?}: {err}");
        assert!(
            matches!(code, Some(0) | Some(1)),
            "{args:?}: {code:?} {err}"
        );
    }
}

#[test]
fn help_of_validate_and_run_lists_the_exit_codes() {
    for cmd in ["validate", "run"] {
        let o = renkei(&[cmd, "--help"]);
        let out = text(&o.stdout);
        assert!(o.status.success());
        assert!(out.contains("Exit codes:"), "{cmd}: {out}");
        for code in ["  0  ", "  1  ", "  2  "] {
            assert!(out.contains(code), "{cmd} {code}: {out}");
        }
    }
}

#[test]
fn spec_takes_a_file_kind_in_any_case_and_lists_its_revisions() {
    let upper = renkei(&["spec", "UPPLAN"]);
    let lower = renkei(&["spec", "upplan"]);
    assert!(upper.status.success() && lower.status.success());
    assert_eq!(upper.stdout, lower.stdout);
    assert!(text(&lower.stdout).contains("UPPLAN サービス利用票（第６表）予定"));
    let mixed = renkei(&["spec", "UpKihon_Sub1"]);
    assert!(mixed.status.success(), "{}", text(&mixed.stderr));

    let o = renkei(&["spec", "--revisions"]);
    let out = text(&o.stdout);
    assert!(o.status.success());
    assert!(out.contains("4.1") && out.contains("3.2"), "{out}");
    assert!(out.contains("(default)"), "{out}");
    let o = renkei(&["spec", "--revisions", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.as_array().unwrap().iter().any(|r| r["revision"] == "3.2"));
}

#[test]
fn sample_refuses_zero_users() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(BIN)
        .args(["sample", "--users", "0", "--out"])
        .arg(dir.path().join("s"))
        .output()
        .unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("at least 1 user"), "{err}");
    assert!(!dir.path().join("s").exists());
}

#[test]
fn the_demo_world_starts_without_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(BIN)
        .args(["pki", "init", "--demo", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let world = std::fs::read_to_string(dir.path().join("world.toml")).unwrap();
    let (_, warnings) = renkei_simulator::world::World::parse(&world, "world.toml").unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
}
