//! A hub out of file descriptors: `renkei hub serve` under a hard limit of 96 open files is
//! sent 300 connections. It must neither spin (the accept loop backs off, and connections
//! past the cap are closed at once) nor stop serving: once they go, a normal login works.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{demo_pki, identities, BIN};

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
    demo_pki(&pki);
    let script = format!(
        "ulimit -n 96 && exec '{BIN}' hub serve --listen 127.0.0.1:0 --world '{w}' --pki '{p}' --data '{d}'",
        w = pki.join("world.toml").display(),
        p = pki.display(),
        d = tmp.path().join("data").display()
    );
    let (mut hub, url) = common::started(
        Command::new("bash")
            .arg("-c")
            .arg(script)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
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

    let id = &identities(&pki)[0];
    common::login(&pki, &url, id).await;
    hub.kill().unwrap();
    hub.wait().unwrap();
}
