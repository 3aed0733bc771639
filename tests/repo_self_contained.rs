//! The repository stands on its own: no file refers to a document outside it (the design
//! notes it grew from are not shipped), and the hub's rules are in `simulator/HUB-RULES.md`.

use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every file of the source tree, without build output and version-control data.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() {
            if !matches!(name.as_str(), "target" | ".git" | "node_modules") {
                files(&p, out);
            }
        } else {
            out.push(p);
        }
    }
}

#[test]
fn no_file_refers_to_a_path_outside_the_repository() {
    // Spelt in two halves so that this file does not find itself.
    let needles = [
        format!("../{}", "shared"),
        format!("shared/{}", "design"),
        format!("shared/{}", "spec/"),
    ];
    let mut all = Vec::new();
    files(Path::new(ROOT), &mut all);
    assert!(all.len() > 50, "the walk found the tree");
    let mut hits = Vec::new();
    for p in &all {
        let Ok(text) = std::fs::read_to_string(p) else {
            continue; // binary
        };
        for (i, line) in text.lines().enumerate() {
            if needles.iter().any(|n| line.contains(n.as_str())) {
                hits.push(format!("{}:{}: {line}", p.display(), i + 1));
            }
        }
    }
    assert!(hits.is_empty(), "{}", hits.join("\n"));
}

#[test]
fn the_hub_rules_are_in_the_repository_and_linked_from_the_api() {
    let rules = std::fs::read_to_string(Path::new(ROOT).join("simulator/HUB-RULES.md")).unwrap();
    for topic in [
        "事業所番号",
        "certificate_expired",
        "ライセンス",
        "送信単位",
        "(assumed)",
        "未受信",
        "受信済み",
    ] {
        assert!(rules.contains(topic), "HUB-RULES.md speaks of {topic}");
    }
    let api = std::fs::read_to_string(Path::new(ROOT).join("simulator/HUB-API.md")).unwrap();
    assert!(
        api.contains("(HUB-RULES.md)"),
        "HUB-API.md links to the rules"
    );
}
