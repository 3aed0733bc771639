//! `renkei load`: its exit codes (0 reconciled, 99 a gate crossed, 2 usage), load.json and
//! index.html, the baseline, two shards merged, and init + an external `renkei hub serve`.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_renkei");

/// A tiny world whose month plays in a few seconds.
const TINY: &[&str] = &[
    "load",
    "--kyotaku",
    "4",
    "--providers",
    "10",
    "--providers-per-kyotaku",
    "2..3",
    "--users-per-kyotaku",
    "5",
    "--quiet",
];

fn load(out: &Path, extra: &[&str]) -> Output {
    Command::new(BIN)
        .args(TINY)
        .args(["--duration", "3s", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .expect("renkei runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn json(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("load.json")).expect("load.json")).expect("json")
}

#[test]
fn a_month_reconciles_writes_load_json_and_html_and_gates_decide_99() {
    let dir = tempfile::tempdir().expect("dir");
    let a = dir.path().join("a");
    let o = load(
        &a,
        &["--threshold", "send.p99<30s", "--threshold", "errors<0.1%"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let j = json(&a);
    assert_eq!(j["schema"], "renkei-load/1");
    let r = &j["reconciliation"];
    assert_eq!(r["lost"], 0);
    assert_eq!(r["duplicated"], 0);
    assert!(r["acknowledged"].as_u64().expect("n") > 0);
    assert_eq!(r["acknowledged"], r["delivered"]);
    assert!(
        j["endpoints"]["send"]["histogram"]
            .as_str()
            .expect("b64")
            .len()
            > 10
    );
    assert_eq!(j["gates"].as_array().expect("gates").len(), 2);
    let html = std::fs::read_to_string(a.join("index.html")).expect("html");
    assert!(
        html.contains("<svg") && html.contains("PASS"),
        "charts inline"
    );
    assert!(text(&o).contains("reconciliation: acknowledged"));

    // A threshold no run can meet: exit 99, and load.json says which gate.
    let b = dir.path().join("b");
    let o = load(&b, &["--threshold", "send.p50<1us"]);
    assert_eq!(o.status.code(), Some(99), "{}", text(&o));
    assert_eq!(json(&b)["gates"][0]["passed"], false);

    // The first run as a baseline with an impossible throughput floor: 99; with a generous
    // tolerance: 0.
    let base = a.join("load.json");
    let base = base.to_str().expect("path");
    let c = dir.path().join("c");
    let o = load(&c, &["--baseline", base, "--tolerance", "1000%"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let mut fast = json(&a);
    fast["run"]["sends_per_s"] = serde_json::json!(1.0e9);
    let fast_path = dir.path().join("fast.json");
    std::fs::write(&fast_path, fast.to_string()).expect("write");
    let o = load(&c, &["--baseline", fast_path.to_str().expect("p")]);
    assert_eq!(o.status.code(), Some(99), "{}", text(&o));
}

#[test]
fn usage_errors_exit_2_naming_what_is_wrong() {
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("x");
    for (args, says) in [
        (vec!["--threshold", "send.p99<fast"], "send.p99<fast"),
        (vec!["--adoption", "2"], "adoption"),
        (vec!["--shard", "3/2"], "--shard"),
        (
            vec!["--profile", "/nonexistent/p.toml"],
            "/nonexistent/p.toml",
        ),
        (vec!["--chaos", "unplug the cable"], "--chaos"),
        (vec!["--hub", "https://127.0.0.1:9"], "--world"),
        (
            vec!["--baseline", "/nonexistent/load.json"],
            "/nonexistent/load.json",
        ),
    ] {
        let o = load(&out, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(text(&o).contains(says), "{args:?}: {}", text(&o));
    }
    let o = Command::new(BIN)
        .args(["load", "--duration", "forever", "--quiet", "--out"])
        .arg(&out)
        .output()
        .expect("renkei runs");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("forever"), "{}", text(&o));
    let bad = dir.path().join("p.toml");
    std::fs::write(&bad, "name = \"x\"\nmonth = \"2027-13\"\n").expect("write");
    let o = load(&out, &["--profile", bad.to_str().expect("p")]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("p.toml"), "{}", text(&o));
}

#[test]
fn two_shards_merge_into_one_report_with_merged_histograms() {
    let dir = tempfile::tempdir().expect("dir");
    let (s0, s1, m) = (
        dir.path().join("s0"),
        dir.path().join("s1"),
        dir.path().join("m"),
    );
    for (d, shard) in [(&s0, "0/2"), (&s1, "1/2")] {
        let o = load(d, &["--shard", shard]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    }
    let o = Command::new(BIN)
        .args(["load", "merge"])
        .arg(&s0)
        .arg(&s1)
        .arg("--out")
        .arg(&m)
        .output()
        .expect("merge");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let (a, b, merged) = (json(&s0), json(&s1), json(&m));
    let n = |j: &serde_json::Value, k: &str| j["reconciliation"][k].as_u64().expect("n");
    assert_eq!(
        n(&merged, "acknowledged"),
        n(&a, "acknowledged") + n(&b, "acknowledged")
    );
    let ok = |j: &serde_json::Value| j["endpoints"]["send"]["ok"].as_u64().expect("n");
    assert_eq!(ok(&merged), ok(&a) + ok(&b));
    assert_eq!(
        merged["run"]["scheduled"].as_u64(),
        Some(
            a["run"]["scheduled"].as_u64().expect("n") + b["run"]["scheduled"].as_u64().expect("n")
        )
    );
    // The merged histogram is not either shard's.
    assert_ne!(
        merged["endpoints"]["send"]["histogram"],
        a["endpoints"]["send"]["histogram"]
    );
    assert!(m.join("index.html").exists());
    // A shard twice is refused.
    let o = Command::new(BIN)
        .args(["load", "merge"])
        .arg(&s0)
        .arg(&s0)
        .arg("--out")
        .arg(&m)
        .output()
        .expect("merge");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn init_writes_a_world_that_hub_serve_serves_and_load_plays_against_it() {
    let dir = tempfile::tempdir().expect("dir");
    let w = dir.path().join("w");
    let world_args = [
        "--kyotaku",
        "3",
        "--providers",
        "6",
        "--providers-per-kyotaku",
        "2..3",
        "--users-per-kyotaku",
        "4",
    ];
    let o = Command::new(BIN)
        .args(["load", "init", "--dir"])
        .arg(&w)
        .args(world_args)
        .output()
        .expect("init");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(w.join("world.toml").exists() && w.join("ca.pem").exists());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let mut hub = Command::new(BIN)
        .args(["hub", "serve", "--world"])
        .arg(w.join("world.toml"))
        .arg("--pki")
        .arg(&w)
        .arg("--data")
        .arg(dir.path().join("data"))
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("hub serve");
    let up = (0..200).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    let out = dir.path().join("ext");
    let o = Command::new(BIN)
        .args(["load", "--duration", "3s", "--quiet", "--hub"])
        .arg(format!("https://127.0.0.1:{port}"))
        .arg("--world")
        .arg(w.join("world.toml"))
        .arg("--pki")
        .arg(&w)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("load");
    let _ = hub.kill();
    let _ = hub.wait();
    assert!(up, "hub serve listened");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let j = json(&out);
    assert!(j["reconciliation"]["acknowledged"].as_u64().expect("n") > 0);
    assert_eq!(j["run"]["target"], format!("https://127.0.0.1:{port}"));
}

#[test]
fn a_month_with_the_hub_killed_and_restarted_still_reconciles() {
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("chaos");
    let o = Command::new(BIN)
        .args(TINY)
        .args(["--duration", "8s", "--chaos", "kill-hub every 2s", "--out"])
        .arg(&out)
        .output()
        .expect("renkei runs");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let j = json(&out);
    assert!(
        j["chaos"]["kills"].as_u64().expect("kills") >= 2,
        "{}",
        j["chaos"]
    );
    let r = &j["reconciliation"];
    assert!(r["acknowledged"].as_u64().expect("n") > 0);
    assert_eq!(r["acknowledged"], r["delivered"]);
    assert_eq!(r["lost"], 0);
    assert_eq!(r["duplicated"], 0);
}
