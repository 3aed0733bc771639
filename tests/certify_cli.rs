//! `renkei certify`, `renkei interop`, `renkei adapter` and `renkei unit` end to end: the
//! reference adapter passes every case and writes a publishable bundle; each broken example
//! adapter (examples/adapters/, Python) fails exactly the cases that name its fault; contract
//! breaches are ERROR, exit 89 is UNSUPPORTED, expected failures are XFAIL and XPASS.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use renkei_certify::library::{self, Direction, Group, Input};
use serde_json::Value;

fn renkei() -> &'static str {
    env!("CARGO_BIN_EXE_renkei")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn reference() -> String {
    format!("{} adapter", renkei())
}

fn example(name: &str) -> String {
    let script = root().join("examples/adapters").join(name);
    format!("python3 {} --renkei {}", script.display(), renkei())
}

fn certify(adapter: &str, out: &Path, extra: &[&str]) -> (Output, Value) {
    let o = Command::new(renkei())
        .args(["certify", "--adapter", adapter, "--jobs", "2", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .expect("renkei runs");
    let results = std::fs::read_to_string(out.join("results.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    (o, results)
}

fn ids_with(results: &Value, outcome: &str) -> BTreeSet<String> {
    results["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| c["outcome"] == outcome)
        .map(|c| c["id"].as_str().unwrap_or("").to_string())
        .collect()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn python_present() {
    let ok = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "python3 is needed for the example adapters (.ci/run installs it)"
    );
}

#[test]
fn the_reference_adapter_passes_every_case_and_writes_a_publishable_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bundle");
    let (o, r) = certify(&reference(), &out, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let n = library::library().cases.len();
    assert_eq!(r["suite"]["cases"], n);
    assert_eq!(r["summary"]["PASS"], n, "{}", text(&o));
    assert_eq!(r["adapter"]["contract"], "renkei-adapter/1");
    for k in ["renkei", "revision", "command", "started", "finished"] {
        assert!(r["suite"][k].is_string(), "suite.{k}");
    }
    let case = &r["cases"][0];
    for k in ["id", "pattern", "outcome", "rule", "message", "evidence"] {
        assert!(!case[k].is_null(), "cases[].{k}");
    }
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert_eq!(junit.matches("<testcase ").count(), n);
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    for (c, _) in &library::library().cases {
        assert!(
            html.contains(&format!("id=\"{}\"", c.id)),
            "{} not in index.html",
            c.id
        );
    }
    // Every evidence file listed exists; no secret renkei knows of is anywhere in the bundle.
    for c in r["cases"].as_array().unwrap() {
        for e in c["evidence"].as_array().unwrap() {
            if let Some(p) = e["path"].as_str() {
                assert!(out.join(p).is_file(), "{p}");
            }
        }
    }
    let mut stack = vec![out.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let bytes = std::fs::read(&p).unwrap();
            let t = String::from_utf8_lossy(&bytes);
            assert!(!t.contains("PRIVATE KEY"), "{}", p.display());
            assert!(
                !t.contains("Renkei01"),
                "a demo password in {}",
                p.display()
            );
            assert!(
                !t.to_lowercase().contains("\"token\""),
                "a token in {}",
                p.display()
            );
        }
    }
    assert!(text(&o).contains("D6 介護予防 予定"), "{}", text(&o));
}

/// The export cases (and export flows) whose given unit satisfies `pred`.
fn exports_where(pred: impl Fn(&str) -> bool) -> BTreeSet<String> {
    library::library()
        .cases
        .iter()
        .filter_map(|(c, i)| match i {
            Input::Export { given, .. } => values(given).any(|v| pred(v)).then(|| c.id.clone()),
            _ => None,
        })
        .collect()
}

/// The export cases whose unit holds a non-empty free-text value.
fn exports_with_free_text() -> BTreeSet<String> {
    let standard = renkei_spec::standard::Standard::get();
    library::library()
        .cases
        .iter()
        .filter_map(|(c, i)| match i {
            Input::Export { given, .. } => {
                let rev = standard.revision(&given.revision)?;
                let free = given.files.iter().any(|f| {
                    rev.file(&f.kind).is_some_and(|spec| {
                        f.records.iter().any(|r| {
                            r.values
                                .iter()
                                .zip(&spec.items)
                                .any(|(v, item)| item.is_free_text() && !v.is_empty())
                        })
                    })
                });
                free.then(|| c.id.clone())
            }
            _ => None,
        })
        .collect()
}

/// The flow cases in which the adapter exports (or imports).
fn flows(direction: Direction) -> BTreeSet<String> {
    library::library()
        .cases
        .iter()
        .filter(|(c, _)| c.group == Group::Flow && c.direction == direction)
        .map(|(c, _)| c.id.clone())
        .collect()
}

fn export_flows() -> BTreeSet<String> {
    flows(Direction::Export)
}

fn import_flows() -> BTreeSet<String> {
    flows(Direction::Import)
}

/// Every value of every record of a unit.
fn values(u: &renkei_spec::model::SendUnit) -> impl Iterator<Item = &String> {
    u.files
        .iter()
        .flat_map(|f| f.records.iter().flat_map(|r| r.values.iter()))
}

/// The characters a strict JIS X 0208 decoder reads differently from MS932, asked of
/// Python's own codecs (the ones the example adapter uses).
fn strict_jis_victims() -> BTreeSet<String> {
    let mut chars = BTreeSet::new();
    for (_, i) in &library::library().cases {
        if let Input::Import {
            expect: Some(u), ..
        } = i
        {
            for v in values(u) {
                chars.extend(v.chars().filter(|c| !c.is_ascii()));
            }
        }
    }
    let list: String = chars.iter().collect();
    let o = Command::new("python3")
        .args(["-c", "import sys\nfor c in sys.argv[1]:\n    if c.encode('cp932').decode('shift_jis', errors='replace') != c: print(c)", &list])
        .output()
        .unwrap();
    let bad: BTreeSet<char> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.chars().next())
        .collect();
    library::library()
        .cases
        .iter()
        .filter_map(|(c, i)| match i {
            Input::Import {
                expect: Some(u), ..
            } => values(u)
                .any(|v| v.chars().any(|ch| bad.contains(&ch)))
                .then(|| c.id.clone()),
            _ => None,
        })
        .collect()
}

/// Which flow cases a broken adapter must fail.
enum Flows {
    /// Exactly these.
    Exactly(BTreeSet<String>),
    /// Any of these (the flow's own data decides).
    AnyOf(BTreeSet<String>),
}

fn check_broken(script: &str, expected: BTreeSet<String>, flows_expected: Flows) {
    python_present();
    let dir = tempfile::tempdir().unwrap();
    let (o, r) = certify(&example(script), &dir.path().join("b"), &[]);
    assert_eq!(o.status.code(), Some(1), "{script}: {}", text(&o));
    let failed = ids_with(&r, "FAIL");
    assert!(
        ids_with(&r, "ERROR").is_empty(),
        "{script}: {:?}",
        ids_with(&r, "ERROR")
    );
    let flows: BTreeSet<String> = failed
        .iter()
        .filter(|i| i.starts_with("flow."))
        .cloned()
        .collect();
    let cases: BTreeSet<String> = failed.difference(&flows).cloned().collect();
    assert_eq!(
        cases, expected,
        "{script}: the failing cases are not exactly those of its fault"
    );
    match flows_expected {
        Flows::Exactly(f) => assert_eq!(flows, f, "{script}: flows"),
        Flows::AnyOf(f) => assert!(flows.is_subset(&f), "{script}: flows {flows:?}"),
    }
    assert!(!failed.is_empty());
    let stdout = String::from_utf8_lossy(&o.stdout);
    for id in &failed {
        assert!(
            stdout.contains(&format!("FAIL  {id}")),
            "{script}: no line for {id}"
        );
    }
}

#[test]
fn writes_utf8_fails_every_export_that_is_not_ascii() {
    let expected = exports_where(|v| !v.is_ascii());
    assert!(expected.len() > 20);
    check_broken("writes_utf8.py", expected, Flows::Exactly(export_flows()));
}

#[test]
fn drops_last_column_fails_every_export() {
    check_broken(
        "drops_last_column.py",
        exports_where(|_| true),
        Flows::Exactly(export_flows()),
    );
}

#[test]
fn no_quotes_fails_every_export_with_free_text() {
    // The standard encloses every free-text value in "" (「※フリーテキストは""（半角）で
    //囲い」), so any export holding non-empty free text is broken, not only those whose
    // free text holds a comma, a quote or a line break.
    let expected = exports_with_free_text();
    assert!(expected.contains("export.csv.quoted-comma-quote-newline"));
    assert!(exports_where(|v| v.contains([',', '"', '\r', '\n'])).is_subset(&expected));
    check_broken("no_quotes.py", expected, Flows::AnyOf(export_flows()));
}

#[test]
fn strict_jis_fails_every_import_of_ms932_only_characters() {
    python_present();
    let expected = strict_jis_victims();
    for id in [
        "import.valid.ms932.wave-dash-family",
        "import.valid.ms932.nec-special-ibm-5c",
        "import.valid.ms932.ibm-ext-nec-form",
    ] {
        assert!(expected.contains(id), "{id}");
    }
    check_broken("strict_jis.py", expected, Flows::AnyOf(import_flows()));
}

#[test]
fn imports_gaiji_fails_exactly_the_gaiji_cases() {
    let expected: BTreeSet<String> = library::library()
        .cases
        .iter()
        .filter(|(c, _)| c.group == Group::ImportReject && c.id.contains("gaiji"))
        .map(|(c, _)| c.id.clone())
        .collect();
    assert!(expected.contains("import.reject.encoding.gaiji") && expected.len() >= 10);
    check_broken(
        "imports_gaiji.py",
        expected,
        Flows::Exactly(BTreeSet::new()),
    );
}

#[test]
fn expected_failures_become_xfail_and_a_listed_pass_is_xpass() {
    python_present();
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("expected.toml");
    std::fs::write(
        &list,
        "\"import.reject.*gaiji*\" = \"we map 外字 to 〓 (ticket 42)\"\n\"export.unit.v41.plan\" = \"was broken in 1.0\"\n",
    )
    .unwrap();
    let out = dir.path().join("b");
    let (o, r) = certify(
        &example("imports_gaiji.py"),
        &out,
        &["--expected-failures", list.to_str().unwrap()],
    );
    assert!(o.status.success(), "no FAIL left, so exit 0: {}", text(&o));
    assert!(ids_with(&r, "XFAIL").contains("import.reject.encoding.gaiji"));
    assert_eq!(
        ids_with(&r, "XPASS"),
        BTreeSet::from(["export.unit.v41.plan".to_string()])
    );
    assert!(ids_with(&r, "FAIL").is_empty());
    assert!(out.join("expected-failures.toml").is_file());
    assert!(
        text(&o).contains("XPASS export.unit.v41.plan"),
        "{}",
        text(&o)
    );
    // A listed ID that matches nothing is a usage error, not a silent no-op.
    std::fs::write(&list, "\"import.vaild.x\" = \"typo\"\n").unwrap();
    let (o, _) = certify(
        &reference(),
        &dir.path().join("c"),
        &["--expected-failures", list.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("matches no case"), "{}", text(&o));
}

/// A shell adapter: `capabilities` prints `caps`; `import` runs `import_body`.
fn sh_adapter(dir: &Path, caps: &str, import_body: &str) -> String {
    let p = dir.join("adapter.sh");
    std::fs::write(
        &p,
        format!("#!/bin/sh\ncase \"$1\" in\n capabilities) echo '{caps}' ;;\n import) {import_body} ;;\n *) exit 89 ;;\nesac\n"),
    )
    .unwrap();
    format!("sh {}", p.display())
}

const PROVIDER_CAPS: &str = r#"{"contract":"renkei-adapter/1","vendor":"t","product":"p","version":"0","roles":["provider"],"revisions":["4.1"],"export":[],"import":["UPPLAN","UPSIKYU","UPHOSOKU"]}"#;

#[test]
fn exit_89_is_unsupported_and_undeclared_needs_are_skip() {
    let dir = tempfile::tempdir().unwrap();
    let a = sh_adapter(dir.path(), PROVIDER_CAPS, "exit 89");
    let (o, r) = certify(&a, &dir.path().join("b"), &["--cases", "import.valid.unit.v41.usage-11,export.unit.v41.usage-11,import.valid.unit.v41.actual-11"]);
    // Nothing was certified: that is no pass for a CI gate.
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("no case ran"), "{}", text(&o));
    assert_eq!(
        ids_with(&r, "UNSUPPORTED"),
        BTreeSet::from(["import.valid.unit.v41.usage-11".to_string()])
    );
    assert_eq!(ids_with(&r, "SKIP").len(), 2);
    let junit = std::fs::read_to_string(dir.path().join("b/junit.xml")).unwrap();
    assert_eq!(junit.matches("<skipped").count(), 3);
}

#[test]
fn contract_breaches_are_errors_with_the_adapters_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        "--cases",
        "import.valid.unit.v41.usage-11",
        "--timeout",
        "1",
    ];
    for (body, says) in [
        ("echo 'disk full' >&2; exit 3", "exit 3"),
        ("sleep 20", "no answer within"),
        ("echo 'not json' > \"$5\"", "not JSON"),
        ("true", "no answer was written"),
        (
            "echo '{\"rejected\": 7}' > \"$5\"",
            "must be a non-empty string",
        ),
        (
            "echo '{\"rejected\": \"\"}' > \"$5\"",
            "must be a non-empty string",
        ),
    ] {
        let a = sh_adapter(dir.path(), PROVIDER_CAPS, body);
        let started = std::time::Instant::now();
        let (o, r) = certify(&a, &dir.path().join("b"), &cases);
        assert_eq!(o.status.code(), Some(1), "{body}: {}", text(&o));
        assert!(
            started.elapsed().as_secs() < 15,
            "{body}: the timeout did not hold"
        );
        let c = &r["cases"][0];
        assert_eq!(c["outcome"], "ERROR", "{body}");
        assert!(
            c["message"].as_str().unwrap().contains(says),
            "{body}: {}",
            c["message"]
        );
        if body.contains("disk full") {
            assert!(
                c["evidence"].to_string().contains("disk full"),
                "stderr kept as evidence"
            );
        }
    }
    // Capabilities that break the contract: nothing can run, exit 1, the reason is said.
    let a = sh_adapter(dir.path(), r#"{"contract":"renkei-adapter/0"}"#, "true");
    let (o, _) = certify(&a, &dir.path().join("c"), &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("capabilities"), "{}", text(&o));
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (o, _) = certify(
        &reference(),
        &dir.path().join("b"),
        &["--cases", "nothing.like.this"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let (o, _) = certify(&reference(), &dir.path().join("b"), &["--roles", "hub"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let (o, _) = certify("'unbalanced", &dir.path().join("b"), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn interop_shows_which_pairs_exchange_cleanly() {
    python_present();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("i");
    let o = Command::new(renkei())
        .args([
            "interop",
            "--adapter",
            &reference(),
            "--adapter",
            &example("no_quotes.py"),
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "a broken pair exits 1: {}",
        text(&o)
    );
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("interop.json")).unwrap()).unwrap();
    let cell = |a: u64, b: u64| {
        m["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["exporter"] == a && c["importer"] == b)
            .cloned()
            .unwrap()
    };
    let clean = |c: &Value| c["failed"].as_array().unwrap().is_empty();
    assert!(
        clean(&cell(0, 0)) && clean(&cell(0, 1)),
        "the reference's exports import anywhere"
    );
    for b in [0, 1] {
        let c = cell(1, b);
        assert!(!clean(&c), "no_quotes → {b} must break");
        // Every unit with free text breaks (its values are not enclosed in ""), the
        // 第1表 plan among them; the first failure is told in words.
        assert!(
            c["failed"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == "export.unit.v41.plan"),
            "{c}"
        );
        assert!(
            c["first_failure"]
                .as_str()
                .unwrap()
                .contains("structure.free-text-unquoted"),
            "{c}"
        );
    }
    let html = std::fs::read_to_string(out.join("interop.html")).unwrap();
    assert!(html.contains("✘") && html.contains("✔"));
}

#[test]
fn unit_to_json_and_back_is_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    let case = root().join("fixtures/cases/valid.unit.v41.usage-11");
    let o = Command::new(renkei())
        .args(["unit", "to-json"])
        .arg(&case)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let json = dir.path().join("u.json");
    std::fs::write(&json, &o.stdout).unwrap();
    let back = dir.path().join("back");
    let o = Command::new(renkei())
        .args(["unit", "from-json"])
        .arg(&json)
        .arg("--out")
        .arg(&back)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    for e in std::fs::read_dir(&case).unwrap() {
        let e = e.unwrap();
        assert_eq!(
            std::fs::read(e.path()).unwrap(),
            std::fs::read(back.join(e.file_name())).unwrap()
        );
    }
    // A broken unit is refused with the file, line and column of the first error.
    let o = Command::new(renkei())
        .args(["unit", "to-json"])
        .arg(root().join("fixtures/cases/csv.encoding.gaiji"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains(".CSV:2:6: encoding.gaiji"),
        "{}",
        text(&o)
    );
}

#[test]
fn roles_not_selected_are_skipped_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (o, r) = certify(
        &reference(),
        &dir.path().join("b"),
        &[
            "--roles",
            "provider",
            "--cases",
            "import.valid.unit.v41.usage-11,import.valid.unit.v41.actual-11",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        ids_with(&r, "PASS"),
        BTreeSet::from(["import.valid.unit.v41.usage-11".to_string()])
    );
    let skipped = &r["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["outcome"] == "SKIP")
        .unwrap()["message"];
    assert!(
        skipped.as_str().unwrap().contains("--roles provider"),
        "{skipped}"
    );
}

#[test]
fn an_export_that_writes_nothing_or_a_folder_is_an_error_and_an_extra_file_fails() {
    let dir = tempfile::tempdir().unwrap();
    let caps = r#"{"contract":"renkei-adapter/1","vendor":"t","product":"p","version":"0","roles":["provider"],"revisions":["4.1"],"export":["UPJSK"],"import":[]}"#;
    let cases = ["--cases", "export.unit.v41.actual-11"];
    for (body, outcome, says) in [
        ("true", "ERROR", "no file was written"),
        ("mkdir \"$5/sub\"", "ERROR", "not a regular file"),
        (
            &format!(
                "{} adapter export \"$2\" \"$3\" \"$4\" \"$5\" && echo log > \"$5/export.log\"",
                renkei()
            ),
            "FAIL",
            "export.log",
        ),
    ] {
        let p = dir.path().join("export.sh");
        std::fs::write(&p, format!("#!/bin/sh\ncase \"$1\" in\n capabilities) echo '{caps}' ;;\n export) {body} ;;\n *) exit 89 ;;\nesac\n")).unwrap();
        let (o, r) = certify(
            &format!("sh {}", p.display()),
            &dir.path().join("b"),
            &cases,
        );
        assert_eq!(o.status.code(), Some(1), "{body}: {}", text(&o));
        let c = &r["cases"][0];
        assert_eq!(c["outcome"], outcome, "{body}: {c}");
        assert!(
            c["message"].as_str().unwrap().contains(says),
            "{body}: {}",
            c["message"]
        );
    }
}

#[test]
fn no_secret_from_the_adapter_or_its_command_reaches_the_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let body = "echo 'login password=Hunter2Secret ok; ghp_abcdefghijklmnopqrstuvwxyz012345' >&2; \
                echo '{\"rejected\": \"db postgres://care:UrlSecret9@127.0.0.1/x said token=TokSecret7\"}' > \"$5\"";
    let a = sh_adapter(dir.path(), PROVIDER_CAPS, body);
    let out = dir.path().join("b");
    let adapter = format!("env API_TOKEN=EnvSecret5 {a}");
    let (o, r) = certify(
        &adapter,
        &out,
        &[
            "--cases",
            "import.reject.encoding.gaiji,import.valid.unit.v41.usage-11",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(
        ids_with(&r, "PASS"),
        BTreeSet::from(["import.reject.encoding.gaiji".to_string()])
    );
    let mut stack = vec![out.clone()];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            files += 1;
            let t = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            for secret in [
                "Hunter2Secret",
                "ghp_abcdef",
                "UrlSecret9",
                "TokSecret7",
                "EnvSecret5",
            ] {
                assert!(!t.contains(secret), "{secret} in {}", p.display());
            }
        }
    }
    assert!(files >= 3);
    assert!(r["suite"]["command"]
        .as_str()
        .unwrap()
        .contains("API_TOKEN=[redacted]"));
}

#[test]
fn interop_skips_what_an_adapter_does_not_support() {
    let dir = tempfile::tempdir().unwrap();
    let caps = String::from_utf8(
        Command::new(renkei())
            .args(["adapter", "capabilities"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let a = sh_adapter(dir.path(), caps.trim(), "exit 89");
    let out = dir.path().join("i");
    let o = Command::new(renkei())
        .args([
            "interop",
            "--adapter",
            &reference(),
            "--adapter",
            &a,
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "exit 89 is never a broken pair: {}",
        text(&o)
    );
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("interop.json")).unwrap()).unwrap();
    for c in m["cells"].as_array().unwrap() {
        assert!(c["failed"].as_array().unwrap().is_empty(), "{c}");
        if c["importer"] == 1 || c["exporter"] == 1 {
            assert_eq!(c["units"], 0, "{c}");
            assert!(c["skipped"].as_u64().unwrap() > 0);
        }
    }
}
