//! Durability: a hub process killed (SIGKILL) after it accepted sends, restarted on the same
//! data folder, has lost nothing and delivers each send once.

mod common;

use common::{client, demo_pki, identities, unit};
use sha2::{Digest, Sha256};

fn serve(pki: &std::path::Path, data: &std::path::Path) -> (std::process::Child, String) {
    common::serve(pki, data, "sqlite")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_hub_loses_nothing_and_delivers_once() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = tmp.path().join("pki");
    let data = tmp.path().join("data");
    demo_pki(&pki);
    let ids = identities(&pki);
    let (k, p) = (&ids[0], &ids[1]);

    let (mut hub, url) = serve(&pki, &data);
    let kc = client(&pki, &url, &k.office);
    kc.login(&k.user_id, &k.password).await.unwrap();
    let mut sent = Vec::new();
    for i in 0..5 {
        let files = unit(&k.office, &p.office, &format!("2026112410{i:02}00"));
        let r = kc.send(&files).await.expect("accepted");
        sent.push((r.send_id, files));
    }
    hub.kill().unwrap(); // SIGKILL: no shutdown path runs
    hub.wait().unwrap();

    let (mut hub, url) = serve(&pki, &data);
    let pc = client(&pki, &url, &p.office);
    pc.login(&p.user_id, &p.password).await.unwrap();
    let inbox = pc.inbox().await.unwrap();
    let got: Vec<&str> = inbox.iter().map(|s| s.send_id.as_str()).collect();
    let want: Vec<&str> = sent.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(got, want, "every accepted send, once, in arrival order");
    // The first three are downloaded before the next kill.
    for (id, files) in &sent[..3] {
        for (name, bytes) in files {
            let b = pc.download(id, name).await.unwrap();
            assert_eq!(Sha256::digest(&b), Sha256::digest(bytes), "{name}");
        }
    }
    // A client that lost the answer to a send repeats it: the hub gives the original back.
    let kc = client(&pki, &url, &k.office);
    kc.login(&k.user_id, &k.password).await.unwrap();
    let again = kc.send(&sent[4].1).await.unwrap();
    assert_eq!(again.send_id, sent[4].0);
    hub.kill().unwrap();
    hub.wait().unwrap();

    let (mut hub, url) = serve(&pki, &data);
    let pc = client(&pki, &url, &p.office);
    pc.login(&p.user_id, &p.password).await.unwrap();
    let statuses: Vec<String> = pc
        .inbox()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.status)
        .collect();
    assert_eq!(
        statuses,
        ["受信済み", "受信済み", "受信済み", "未受信", "未受信"],
        "delivery state survives too"
    );
    hub.kill().unwrap();
    hub.wait().unwrap();
}

/// Group commit under concurrency: 8 senders send while the hub is killed mid-stream; every
/// send the hub answered 2xx for is there after the restart, byte for byte, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_killed_under_concurrent_senders_keeps_every_acknowledged_send() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = tmp.path().join("pki");
    let data = tmp.path().join("data");
    demo_pki(&pki);
    let ids = identities(&pki);
    let (k, p) = (&ids[0], &ids[1]);
    let (mut hub, url) = serve(&pki, &data);
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut senders = Vec::new();
    for worker in 0..8u32 {
        let c = client(&pki, &url, &k.office);
        c.login(&k.user_id, &k.password).await.unwrap();
        let acknowledged = acknowledged.clone();
        let (ko, po) = (k.office.clone(), p.office.clone());
        senders.push(tokio::spawn(async move {
            for i in 0..200u32 {
                let serial = format!("202611{:02}10{:02}{:02}", 20 + worker, i / 60, i % 60);
                let files = unit(&ko, &po, &serial);
                match c.send(&files).await {
                    Ok(r) => acknowledged.lock().unwrap().push((r.send_id, files)),
                    Err(_) => return,
                }
            }
        }));
    }
    // Kill it while they are sending.
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        if acknowledged.lock().unwrap().len() >= 40 {
            break;
        }
    }
    hub.kill().unwrap();
    hub.wait().unwrap();
    for s in senders {
        let _ = s.await;
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 40);

    let (mut hub, url) = serve(&pki, &data);
    let pc = client(&pki, &url, &p.office);
    pc.login(&p.user_id, &p.password).await.unwrap();
    let inbox = pc.inbox().await.unwrap();
    let listed: std::collections::BTreeSet<&str> =
        inbox.iter().map(|s| s.send_id.as_str()).collect();
    assert_eq!(listed.len(), inbox.len(), "no send listed twice");
    for (id, files) in &acknowledged {
        assert!(
            listed.contains(id.as_str()),
            "{id} was acknowledged, then lost"
        );
        for (name, bytes) in files {
            let b = pc.download(id, name).await.unwrap();
            assert_eq!(Sha256::digest(&b), Sha256::digest(bytes), "{id}/{name}");
        }
    }
    hub.kill().unwrap();
    hub.wait().unwrap();
}
