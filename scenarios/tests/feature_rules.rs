//! The house rules of the feature files: Japanese, a pinned clock in every background, one
//! stable `@id:` per scenario (per example block of an outline), IDs unique and well formed,
//! and every flow step ①–⑫ written somewhere.

use std::collections::BTreeMap;

use cucumber::gherkin::{Feature, GherkinEnv};

fn features() -> Vec<Feature> {
    let dir = renkei_scenarios::features_dir();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "feature"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 9, "{paths:?}");
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            assert!(
                text.starts_with("# language: ja\n"),
                "{}: not # language: ja",
                p.display()
            );
            Feature::parse_path(p, GherkinEnv::default())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        })
        .collect()
}

fn ids(tags: &[String]) -> Vec<&str> {
    tags.iter().filter_map(|t| t.strip_prefix("id:")).collect()
}

#[test]
fn every_scenario_has_one_stable_id_and_ids_are_unique() {
    let id_form = regex::Regex::new(r"^[a-z0-9]+(\.[a-z0-9-]+)+$").unwrap();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for f in features() {
        let path = f.path.clone().unwrap_or_default().display().to_string();
        let scenarios = f
            .scenarios
            .iter()
            .chain(f.rules.iter().flat_map(|r| &r.scenarios));
        for s in scenarios {
            let mut found: Vec<(String, u64)> = Vec::new();
            if s.examples.is_empty() {
                let own = ids(&s.tags);
                assert_eq!(
                    own.len(),
                    1,
                    "{path}:{} 「{}」 needs exactly one @id: tag",
                    s.position.line,
                    s.name
                );
                found.push((own[0].to_string(), s.position.line as u64));
            } else {
                assert!(
                    ids(&s.tags).is_empty(),
                    "{path}:{}: put an outline's IDs on its 例 blocks",
                    s.position.line
                );
                for ex in &s.examples {
                    let own = ids(&ex.tags);
                    assert_eq!(
                        own.len(),
                        1,
                        "{path}:{}: each 例 block needs one @id: tag",
                        ex.position.line
                    );
                    let rows = ex.table.as_ref().map_or(0, |t| t.rows.len());
                    assert_eq!(
                        rows, 2,
                        "{path}:{}: one example per ID (header + one row)",
                        ex.position.line
                    );
                    found.push((own[0].to_string(), ex.position.line as u64));
                }
            }
            for (id, line) in found {
                assert!(
                    id_form.is_match(&id),
                    "{path}:{line}: ID {id} is not namespaced lower-case"
                );
                if let Some(prev) = seen.insert(id.clone(), format!("{path}:{line}")) {
                    panic!("ID {id} used twice: {prev} and {path}:{line}");
                }
            }
        }
    }
    assert!(seen.len() >= 35, "{} IDs", seen.len());
}

#[test]
fn every_background_pins_the_clock_first() {
    for f in features() {
        let path = f.path.clone().unwrap_or_default().display().to_string();
        let bg = f
            .background
            .as_ref()
            .unwrap_or_else(|| panic!("{path}: no 背景"));
        let first = &bg.steps[0].value;
        assert!(
            first.starts_with("日時を「") && first.ends_with("」に固定する"),
            "{path}: the background must start by pinning the clock, not 「{first}」"
        );
    }
}

#[test]
fn every_flow_step_is_written_as_its_own_step() {
    let mut numbers: BTreeMap<char, usize> = BTreeMap::new();
    for f in features() {
        for s in f.scenarios.iter() {
            for st in &s.steps {
                if let Some(c) = st.value.chars().next().filter(|c| ('①'..='⑫').contains(c)) {
                    *numbers.entry(c).or_default() += 1;
                }
            }
        }
    }
    for c in '①'..='⑫' {
        assert!(numbers.contains_key(&c), "no step names {c}");
    }
}

#[test]
fn the_embedded_features_are_the_shipped_ones() {
    let dir = renkei_scenarios::features_dir();
    let on_disk = std::fs::read_dir(&dir).unwrap().filter(|e| {
        e.as_ref()
            .unwrap()
            .path()
            .extension()
            .is_some_and(|x| x == "feature")
    });
    assert_eq!(on_disk.count(), renkei_scenarios::EMBEDDED.len());
    for (name, text) in renkei_scenarios::EMBEDDED {
        assert_eq!(
            std::fs::read_to_string(dir.join(name)).unwrap(),
            *text,
            "{name}"
        );
    }
}
