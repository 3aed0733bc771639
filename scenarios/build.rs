//! Embeds the shipped features, so an installed `renkei run` works away from the source tree,
//! and the step modules' sources, so `renkei steps` can read their doc comments; records the
//! git commit the build comes from (the reports' provenance).

use std::fmt::Write;

fn main() {
    git_commit();
    let dir = std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("features");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "feature"))
        .collect();
    names.sort();
    let mut out = String::from(
        "/// The shipped features: (file name, text).\npub static EMBEDDED: &[(&str, &str)] = &[\n",
    );
    for p in names {
        println!("cargo:rerun-if-changed={}", p.display());
        let _ = writeln!(
            out,
            "    ({:?}, include_str!({:?})),",
            p.file_name().unwrap().to_string_lossy(),
            p.display().to_string()
        );
    }
    out.push_str("];\n");
    std::fs::write(
        std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("embedded_features.rs"),
        out,
    )
    .unwrap();
    step_sources();
}

/// `STEP_SOURCES`: (file name, text) of every `src/steps/*.rs`, for the step catalogue's doc
/// comments (the patterns themselves come from cucumber's registry at run time).
fn step_sources() {
    let dir = std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("src/steps");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    names.sort();
    let mut out = String::from(
        "/// The step modules' sources: (file name, text).\npub static STEP_SOURCES: &[(&str, &str)] = &[\n",
    );
    for p in names {
        println!("cargo:rerun-if-changed={}", p.display());
        let _ = writeln!(
            out,
            "    ({:?}, include_str!({:?})),",
            p.file_name().unwrap().to_string_lossy(),
            p.display().to_string()
        );
    }
    out.push_str("];\n");
    std::fs::write(
        std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("embedded_steps.rs"),
        out,
    )
    .unwrap();
}

/// `RENKEI_GIT_COMMIT`: the variable of that name at build time (a packager's build without
/// git), else `git rev-parse HEAD` (rebuilt when HEAD moves), else `unknown`.
fn git_commit() {
    println!("cargo:rerun-if-env-changed=RENKEI_GIT_COMMIT");
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let commit = std::env::var("RENKEI_GIT_COMMIT")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| {
            for p in ["HEAD", "logs/HEAD"] {
                if let Some(path) = git(&["rev-parse", "--git-path", p]) {
                    println!("cargo:rerun-if-changed={path}");
                }
            }
            git(&["rev-parse", "HEAD"])
        })
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=RENKEI_GIT_COMMIT={commit}");
}
