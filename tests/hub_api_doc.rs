//! `simulator/HUB-API.md` is run word for word: its `sh` blocks, in order, in an empty folder,
//! with `renkei` on the PATH and the hub on 127.0.0.1:8443; then each outcome the document
//! promises is looked for in the output, in order.

use std::path::Path;
use std::process::Command;

fn sh_blocks(md: &str) -> String {
    let mut out = String::from("set -u\n");
    let mut inside = false;
    for line in md.lines() {
        if inside {
            if line.starts_with("```") {
                inside = false;
                out.push('\n');
            } else {
                out.push_str(line);
                out.push('\n');
            }
        } else if line.trim_end() == "```sh" {
            inside = true;
        }
    }
    out
}

#[test]
fn the_hub_api_walkthrough_runs_as_written() {
    let md =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("simulator/HUB-API.md"))
            .expect("HUB-API.md");
    let script = sh_blocks(&md);
    assert!(
        script.contains("renkei hub serve"),
        "the walkthrough starts a hub"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("walkthrough.sh"), &script).unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_renkei"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // The script's last step stops the hub; a wrapper makes sure of it whatever happens.
    let out = Command::new("bash")
        .arg("-c")
        .arg("timeout 300 bash walkthrough.sh 2>&1; status=$?; pkill -f 'renkei hub serve --world demo/[w]orld.toml' || true; exit $status")
        .current_dir(dir.path())
        .env("PATH", path)
        .output()
        .expect("bash");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the walkthrough failed:\n{text}");
    let promised = [
        "\"office\":\"1370101014\"",
        "\"send_id\":\"S00000001\"",
        "\"status\":\"未受信\"",
        "\"next_after\":null",
        "\"name\":\"ひまわり訪問介護ステーション\",\"registered\":true",
        "\"sender\":\"1370101014\"",
        "same bytes",
        "\"status\":\"受信済み\"",
        "\"send_id\":\"S00000002\"",
        "\"sender\":\"1370101022\"",
        "\"send_id\":\"S00000003\"",
        "\"status\":\"取消\"",
        "ALREADY_RECEIVED",
        "alert certificate expired",
        "alert certificate revoked",
        "alert unknown ca",
        "CERT_TYPE_REFUSED",
        "AUTH_PROXY_ID",
        "AUTH_TEMPORARY_PASSWORD",
        "CERT_OFFICE_MISMATCH",
        "LICENCE_EXPIRED",
        "SENDER_MISMATCH",
        "COMBINATION_INVALID",
        "NOT_FOUND",
        "AUTH_TOKEN_INVALID",
    ];
    let mut at = 0;
    for p in promised {
        match text[at..].find(p) {
            Some(i) => at += i + p.len(),
            None => panic!("the walkthrough did not show {p} (after byte {at}):\n{text}"),
        }
    }
}
