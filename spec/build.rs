//! Embeds every revision folder under `revisions/` so that adding a revision of the
//! standard is adding a folder, not code.
use std::{env, fs, path::Path};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("revisions");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut dirs: Vec<_> = fs::read_dir(&root)
        .expect("spec/revisions exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("revision.toml").is_file())
        .map(|e| e.path())
        .collect();
    dirs.sort();
    let mut out = String::from("/// (folder, revision.toml, items.tsv, codes.toml) of every embedded revision.\npub(crate) const EMBEDDED: &[(&str, &str, &str, &str)] = &[\n");
    let rule_dirs: Vec<_> = dirs
        .iter()
        .filter(|d| d.join("rules.toml").is_file())
        .cloned()
        .collect();
    for d in dirs {
        for f in ["revision.toml", "items.tsv", "codes.toml"] {
            println!("cargo:rerun-if-changed={}", d.join(f).display());
        }
        let name = d.file_name().unwrap().to_string_lossy().to_string();
        let p = d.display().to_string().replace('\\', "/");
        out.push_str(&format!(
            "    ({name:?}, include_str!(\"{p}/revision.toml\"), include_str!(\"{p}/items.tsv\"), include_str!(\"{p}/codes.toml\")),\n"
        ));
    }
    out.push_str("];\n");
    out.push_str("/// (folder, rules.toml) of every revision with a rule inventory.\npub(crate) const RULES: &[(&str, &str)] = &[\n");
    for d in &rule_dirs {
        println!("cargo:rerun-if-changed={}", d.join("rules.toml").display());
        let name = d.file_name().unwrap().to_string_lossy().to_string();
        let p = d.display().to_string().replace('\\', "/");
        out.push_str(&format!(
            "    ({name:?}, include_str!(\"{p}/rules.toml\")),\n"
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("revisions.rs");
    fs::write(dest, out).unwrap();
}
