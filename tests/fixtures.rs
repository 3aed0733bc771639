//! Every fixture of the corpus is validated as its manifest entry says: the verdict, exactly
//! the diagnostic codes, and the line of the break. The committed corpus is also exactly what
//! `renkei fixtures` generates, so it can be regenerated and grown without drift.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use renkei_spec::corpus::{self, Manifest};
use renkei_spec::validate::{validate_paths, Options};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn manifest() -> Manifest {
    let text =
        std::fs::read_to_string(root().join("manifest.toml")).expect("fixtures/manifest.toml");
    toml::from_str(&text).expect("manifest parses")
}

#[test]
fn every_fixture_matches_its_manifest_entry() {
    let m = manifest();
    assert!(m.cases.len() >= 80, "only {} cases", m.cases.len());
    let mut failures = Vec::new();
    let mut snapshot = serde_json::Map::new();
    for case in &m.cases {
        let report =
            validate_paths(&[root().join(&case.dir)], &Options::default()).expect("readable");
        let valid = report.summary.invalid == 0;
        let codes: BTreeSet<String> = report
            .files
            .iter()
            .flat_map(|f| f.diagnostics.iter().map(|d| d.code.as_str().to_string()))
            .collect();
        let expect: BTreeSet<String> = case.expect.iter().cloned().collect();
        if valid != case.valid {
            failures.push(format!(
                "{}: valid = {valid}, manifest says {}",
                case.id, case.valid
            ));
        }
        if codes != expect {
            failures.push(format!(
                "{}: codes {codes:?}, manifest says {expect:?}",
                case.id
            ));
        }
        if let (Some(file), Some(line), Some(code)) = (&case.file, case.line, case.expect.first()) {
            let hit = report
                .files
                .iter()
                .filter(|f| f.path.ends_with(file.as_str()))
                .any(|f| {
                    f.diagnostics.iter().any(|d| {
                        case.expect.contains(&d.code.as_str().to_string()) && d.line == Some(line)
                    })
                });
            if !hit {
                failures.push(format!(
                    "{}: no {code}… diagnostic at {file}:{line}",
                    case.id
                ));
            }
        }
        let diags: Vec<serde_json::Value> = report
            .files
            .iter()
            .flat_map(|f| {
                let name = Path::new(&f.path)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .to_string();
                f.diagnostics.iter().map(move |d| {
                    let mut v = serde_json::to_value(d).unwrap();
                    v["file"] = name.clone().into();
                    v
                })
            })
            .collect();
        snapshot.insert(case.id.clone(), diags.into());
    }
    assert!(
        failures.is_empty(),
        "{} case(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    insta::assert_json_snapshot!("fixture_diagnostics", snapshot);
}

#[test]
fn the_corpus_is_what_the_generator_makes() {
    let m = manifest();
    let generated = corpus::cases();
    assert_eq!(
        m.cases.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
        generated
            .iter()
            .map(|(c, _)| c.id.clone())
            .collect::<Vec<_>>(),
        "run `cargo run -- fixtures` to regenerate fixtures/"
    );
    for ((case, files), listed) in generated.iter().zip(&m.cases) {
        assert_eq!(case, listed, "manifest entry of {} is stale", case.id);
        let dir = root().join(&case.dir);
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        on_disk.sort();
        let mut names: Vec<String> = files.iter().map(|f| f.0.clone()).collect();
        names.sort();
        assert_eq!(on_disk, names, "{}", case.id);
        for (name, bytes) in files {
            let disk = std::fs::read(dir.join(name)).unwrap();
            assert!(
                disk == *bytes,
                "{}/{name} differs from the generator",
                case.id
            );
        }
    }
}

#[test]
fn case_ids_are_unique_and_namespaced() {
    let m = manifest();
    let mut seen = BTreeSet::new();
    for c in &m.cases {
        assert!(seen.insert(&c.id), "duplicate {}", c.id);
        assert!(
            ["valid.", "csv.", "unit."]
                .iter()
                .any(|p| c.id.starts_with(p)),
            "{} has no namespace",
            c.id
        );
        for code in &c.expect {
            assert!(
                renkei_spec::Code::parse(code).is_some(),
                "{}: unknown code {code}",
                c.id
            );
        }
    }
}

/// Every rule of the inventory that renkei checks has a fixture that triggers it: some case
/// of the manifest expects each of its codes (or, for a rule of warnings only, is valid with
/// it). Codes that no file can trigger on its own are listed with the reason.
#[test]
fn every_checked_rule_has_a_fixture_that_triggers_it() {
    let m = manifest();
    let inv = renkei_spec::rules::inventory("4.1").expect("4.1 inventory");
    // renkei's own limit of diagnostics per file: a fixture would be a file of 10,000 errors;
    // tests/validate_cli.rs triggers it with --max-errors.
    let untriggered_by_design = ["structure.too-many-diagnostics"];
    let mut missing = Vec::new();
    for r in inv.rules.iter().filter(|r| r.status.is_checked()) {
        for code in &r.codes {
            if untriggered_by_design.contains(&code.as_str()) {
                continue;
            }
            if !m.cases.iter().any(|c| c.expect.contains(code)) {
                missing.push(format!("{}: {code}", r.id));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "checked rules with no triggering fixture:\n{}",
        missing.join("\n")
    );
}
