//! What the process-level hub tests share: a demo PKI made by `renkei pki init --demo`, its
//! identities, `renkei hub serve` on a free loopback port (its URL read from the first line
//! it prints), a logged-in client, and a 予定 send unit.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use renkei_simulator::client::{ClientIdentity, ClientOptions, HubClient};

/// The renkei binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_renkei");

/// A demo identity that logs in.
pub struct Identity {
    pub office: String,
    pub user_id: String,
    pub password: String,
}

/// Writes the demo world and PKI into `dir` (`renkei pki init --demo`).
pub fn demo_pki(dir: &Path) {
    let ok = Command::new(BIN)
        .args(["pki", "init", "--demo", "--dir"])
        .arg(dir)
        .status()
        .unwrap();
    assert!(ok.success());
}

/// The identities of `demo.json` meant to log in.
pub fn identities(dir: &Path) -> Vec<Identity> {
    let demo: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("demo.json")).unwrap()).unwrap();
    demo["identities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["expect"] == "ok")
        .map(|i| Identity {
            office: i["office"].as_str().unwrap().into(),
            user_id: i["user_id"].as_str().unwrap().into(),
            password: i["password"].as_str().unwrap().into(),
        })
        .collect()
}

/// A started hub process and its URL; reads the URL from the first line it prints.
pub fn started(mut child: Child) -> (Child, String) {
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap_or("").to_string();
    assert!(url.starts_with("https://127.0.0.1:"), "{line}");
    (child, url)
}

/// Starts `renkei hub serve` on a free loopback port over `pki` and `data`, with `store`.
pub fn serve(pki: &Path, data: &Path, store: &str) -> (Child, String) {
    let child = Command::new(BIN)
        .args([
            "hub",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--store",
            store,
            "--world",
        ])
        .arg(pki.join("world.toml"))
        .arg("--pki")
        .arg(pki)
        .arg("--data")
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the hub");
    started(child)
}

/// A client of the hub at `url` with `office`'s certificate from `pki`.
pub fn client(pki: &Path, url: &str, office: &str) -> HubClient {
    let id = ClientIdentity::from_files(
        &pki.join("ca.pem"),
        &pki.join(format!("offices/{office}.pem")),
        &pki.join(format!("offices/{office}-key.pem")),
    )
    .unwrap();
    HubClient::new(url, Some(id), ClientOptions::default()).unwrap()
}

/// A logged-in client for `id`.
pub async fn login(pki: &Path, url: &str, id: &Identity) -> HubClient {
    let c = client(pki, url, &id.office);
    c.login(&id.user_id, &id.password).await.expect("login");
    c
}

/// A 予定 send unit from `kyotaku` to `provider` under `serial`, as (file name, bytes).
pub fn unit(kyotaku: &str, provider: &str, serial: &str) -> Vec<(String, Vec<u8>)> {
    let mut w = renkei_spec::sample::World::generate(3, 4);
    w.kyotaku.office = kyotaku.into();
    w.providers[0].office = provider.into();
    let u = renkei_spec::sample::usage_unit(&w, "4.1", 0, "202612", serial);
    renkei_spec::writer::write_unit(&u)
        .unwrap()
        .into_iter()
        .map(|f| (f.name, f.bytes))
        .collect()
}
