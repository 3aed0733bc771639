//! Two `renkei hub serve` processes on different ports share one PostgreSQL database: any of
//! them serves any office, and the replay, duplicate, withdrawal and receipt rules hold
//! across them (database constraints, not process memory). Runs when `RENKEI_TEST_POSTGRES`
//! holds a URL (`.ci/run` starts a server with `scripts/postgres.sh`); says it was skipped
//! otherwise.

mod common;

use std::path::Path;

use common::{demo_pki, identities, unit, Identity};
use renkei_simulator::client::HubClient;

/// A hub process, killed when dropped.
struct Hub {
    child: std::process::Child,
    url: String,
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(pki: &Path, data: &Path, store: &str) -> Hub {
    let (child, url) = common::serve(pki, data, store);
    Hub { child, url }
}

async fn login(pki: &Path, hub: &Hub, id: &Identity) -> HubClient {
    common::login(pki, &hub.url, id).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hub_processes_share_one_postgresql_store_and_its_rules() {
    let Some(url) = std::env::var("RENKEI_TEST_POSTGRES")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("skipped: RENKEI_TEST_POSTGRES not set (scripts/postgres.sh starts a server)");
        return;
    };
    // A schema of this test's own, shared by both processes through the URL.
    let schema = format!("t_two_{}", std::process::id());
    let sep = if url.contains('?') { '&' } else { '?' };
    let store = format!("{url}{sep}options=-csearch_path%3D{schema}");
    {
        let url = url.clone();
        let schema = schema.clone();
        std::thread::spawn(move || {
            let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            c.batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
            ))
            .unwrap();
        })
        .join()
        .unwrap();
    }
    let tmp = tempfile::tempdir().unwrap();
    let pki = tmp.path().join("pki");
    demo_pki(&pki);
    let ids = identities(&pki);
    let (k, p) = (&ids[0], &ids[1]);
    let a = serve(&pki, &tmp.path().join("a"), &store);
    let b = serve(&pki, &tmp.path().join("b"), &store);
    assert_ne!(a.url, b.url);

    // Sent through A, listed and delivered through B.
    let ka = login(&pki, &a, k).await;
    let files = unit(&k.office, &p.office, "20261124100000");
    let sent = ka.send(&files).await.expect("send through A");
    let pb = login(&pki, &b, p).await;
    let inbox = pb.inbox().await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].send_id, sent.send_id);

    // The same files again through B: the original send back (replay), not a second one.
    let kb = login(&pki, &b, k).await;
    let again = kb.send(&files).await.expect("replay through B");
    assert_eq!(again.send_id, sent.send_id);
    // Other files under the same ファイル連番 through B: DUPLICATE_SEND.
    let other = unit(&k.office, &p.office, "20261124100000");
    let mut other = other.clone();
    other[0].1.extend_from_slice(b"\r\n");
    let e = kb.send(&other).await.unwrap_err();
    assert_eq!(e.code(), "DUPLICATE_SEND", "{e}");

    // The same new send raced through both at once: one stored, the other gets it back.
    let race = unit(&k.office, &p.office, "20261124110000");
    let (ra, rb) = tokio::join!(ka.send(&race), kb.send(&race));
    let (ra, rb) = (ra.expect("A"), rb.expect("B"));
    assert_eq!(ra.send_id, rb.send_id, "one send, whichever hub stored it");
    assert_eq!(pb.inbox().await.unwrap().len(), 2);

    // Received through B, so A refuses to withdraw it; the receipt shows on A.
    for (name, _) in &files {
        pb.download(&sent.send_id, name).await.unwrap();
    }
    let e = ka.withdraw(&sent.send_id).await.unwrap_err();
    assert_eq!(e.code(), "ALREADY_RECEIVED", "{e}");
    let listed = ka.sent().await.unwrap();
    let first = listed.iter().find(|s| s.send_id == sent.send_id).unwrap();
    assert_eq!(first.status, "受信済み");

    // Withdrawn through A: gone from B's inbox, not downloadable there.
    ka.withdraw(&ra.send_id).await.expect("withdraw through A");
    let inbox = pb.inbox().await.unwrap();
    assert!(inbox.iter().all(|s| s.send_id != ra.send_id));
    let e = pb.download(&ra.send_id, &race[0].0).await.unwrap_err();
    assert_eq!(e.code(), "NOT_FOUND");
    drop((a, b));
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
    })
    .join()
    .unwrap();
}
