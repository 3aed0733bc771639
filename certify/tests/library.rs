//! The case library as data: stable, unique IDs, the committed catalogue, and every case
//! meaning what it says (a valid import is valid, a reject really breaks a rule, an export's
//! expected records are what renkei's own writer produces).

use std::collections::BTreeSet;

use renkei_certify::judge::diagnostics_of;
use renkei_certify::library::{self, catalogue, Group, Input};
use renkei_spec::model::SendUnit;

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

#[test]
fn the_catalogue_is_what_the_library_builds() {
    let lib = library::library();
    let committed = std::fs::read_to_string(root().join("library.toml")).unwrap();
    let built = catalogue(lib).unwrap();
    if committed != built {
        let first = committed
            .lines()
            .zip(built.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "certify/library.toml differs from the library at line {} (regenerate with \
             `cargo run -- certify --catalogue certify/library.toml` and review the IDs)",
            first + 1
        );
    }
}

#[test]
fn ids_are_unique_namespaced_and_at_least_150() {
    let lib = library::library();
    let mut seen = BTreeSet::new();
    for (c, _) in &lib.cases {
        assert!(seen.insert(c.id.clone()), "duplicate ID {}", c.id);
        assert!(
            c.id.starts_with(c.group.as_str()),
            "{} is not under {}",
            c.id,
            c.group.as_str()
        );
        assert!(
            c.id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)),
            "{}",
            c.id
        );
        assert!(
            ["D1", "D2", "D3", "D4", "D5", "D6", "D7"].contains(&c.pattern.as_str()),
            "{}",
            c.id
        );
        assert!(
            !c.rule.is_empty() && !c.basis.is_empty() && !c.title.is_empty(),
            "{}",
            c.id
        );
    }
    assert!(lib.cases.len() >= 150, "{} cases", lib.cases.len());
    for p in ["D1", "D2", "D3", "D4", "D5", "D6", "D7"] {
        for g in [Group::ImportValid, Group::ImportReject, Group::Export] {
            assert!(
                lib.cases
                    .iter()
                    .any(|(c, _)| c.pattern == p && c.group == g),
                "no {} case for {p}",
                g.as_str()
            );
        }
    }
}

#[test]
fn every_fixture_and_every_encoding_trap_is_on_the_import_side() {
    let lib = library::library();
    let sources: BTreeSet<&str> = lib.cases.iter().map(|(c, _)| c.source.as_str()).collect();
    for (fx, _) in renkei_spec::corpus::cases() {
        assert!(
            sources.contains(format!("fixture:{}", fx.id).as_str()),
            "fixture {} has no case",
            fx.id
        );
    }
    let traps = renkei_spec::corpus::FIELD_TRAPS
        .iter()
        .map(|t| t.0)
        .chain(renkei_spec::corpus::FILE_TRAPS.iter().map(|t| t.0));
    for t in traps {
        let n = lib
            .cases
            .iter()
            .filter(|(c, _)| c.group == Group::ImportReject && c.source.contains(t))
            .count();
        assert!(n >= 2, "trap {t} is in {n} import cases");
    }
}

#[test]
fn every_case_means_what_it_says() {
    for (c, input) in &library::library().cases {
        match input {
            Input::Import {
                files,
                expect: Some(unit),
            } => {
                assert_eq!(c.group, Group::ImportValid, "{}", c.id);
                let errors: Vec<_> = diagnostics_of(files)
                    .into_iter()
                    .filter(|(e, _)| *e)
                    .collect();
                assert!(errors.is_empty(), "{}: {errors:?}", c.id);
                assert_eq!(
                    &SendUnit::from_files(files).unwrap(),
                    unit.as_ref(),
                    "{}",
                    c.id
                );
            }
            Input::Import {
                files,
                expect: None,
            } => {
                assert_eq!(c.group, Group::ImportReject, "{}", c.id);
                assert!(
                    diagnostics_of(files).iter().any(|(e, _)| *e),
                    "{} breaks no rule",
                    c.id
                );
            }
            Input::Export { given, expect } => {
                assert_eq!(c.group, Group::Export, "{}", c.id);
                let written = renkei_spec::writer::write_unit(given).unwrap();
                let files: Vec<(String, Vec<u8>)> =
                    written.into_iter().map(|f| (f.name, f.bytes)).collect();
                assert!(diagnostics_of(&files).iter().all(|(e, _)| !e), "{}", c.id);
                assert_eq!(
                    &SendUnit::from_files(&files).unwrap(),
                    expect.as_ref(),
                    "{}",
                    c.id
                );
            }
            Input::Flow(_) => assert_eq!(c.group, Group::Flow),
        }
    }
}

#[test]
fn a_community_support_centre_plays_the_yobo_role() {
    // The 地域包括支援センター (46) sends 介護予防 予定 and receives 介護予防 実績: its side of a
    // D6/D7 case is the `yobo` role, whatever the standard's from/to column says of the kind.
    let lib = library::library();
    let mut seen = 0;
    for (c, _) in &lib.cases {
        let own_side_is_46 = matches!(
            (c.pattern.as_str(), c.direction),
            ("D6", library::Direction::Export) | ("D7", library::Direction::Import)
        );
        if own_side_is_46 {
            assert_eq!(c.role, "yobo", "{}", c.id);
            seen += 1;
        }
    }
    assert!(seen >= 10, "{seen}");
}
