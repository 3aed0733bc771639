//! A hub out of file descriptors: `renkei hub serve` under a hard limit of 96 open files is
//! sent 300 connections. It must neither spin (the accept loop backs off, and connections
//! past the cap are closed at once) nor stop serving: once they go, a normal login works.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use renkei_simulator::client::{ClientIdentity, ClientOptions, HubClient};

const BIN: &str = env!("CARGO_BIN_EXE_renkei");

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    f.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_out_of_descriptors_backs_off_and_recovers() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = tmp.path().join("pki");
    let ok = Command::new(BIN)
        .args(["pki", "init", "--demo", "--dir"])
        .arg(&pki)
        .status()
        .unwrap();
    assert!(ok.success());
    let script = format!(
        "ulimit -n 96 && exec '{BIN}' hub serve --listen 127.0.0.1:0 --world '{w}' --pki '{p}' --data '{d}'",
        w = pki.join("world.toml").display(),
        p = pki.display(),
        d = tmp.path().join("data").display()
    );
    let mut hub = Command::new("bash")
        .arg("-c")
        .arg(script)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(hub.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_string();
    let addr = url.trim_start_matches("https://").to_string();

    let mut held = Vec::new();
    for _ in 0..300 {
        if let Ok(s) = tokio::net::TcpStream::connect(&addr).await {
            held.push(s);
        }
    }
    let before = cpu_ticks(hub.id());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let used = cpu_ticks(hub.id()) - before;
    assert!(
        used < 60,
        "the hub used {used} ticks of CPU in 2 s while out of descriptors (spinning?)"
    );
    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;

    let demo: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pki.join("demo.json")).unwrap()).unwrap();
    let id = demo["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["expect"] == "ok")
        .unwrap();
    let office = id["office"].as_str().unwrap();
    let identity = ClientIdentity::from_files(
        &pki.join("ca.pem"),
        &pki.join(format!("offices/{office}.pem")),
        &pki.join(format!("offices/{office}-key.pem")),
    )
    .unwrap();
    let c = HubClient::new(&url, Some(identity), ClientOptions::default()).unwrap();
    c.login(
        id["user_id"].as_str().unwrap(),
        id["password"].as_str().unwrap(),
    )
    .await
    .expect("the hub serves again");
    hub.kill().unwrap();
    hub.wait().unwrap();
}
